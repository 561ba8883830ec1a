/*
 * Integration test: every errno of the gntbox_evtchn_* API, with Linux's
 * /dev/xen/evtchn and Xen's answers, against a gntboxd whose domains have
 * 64 ports (1 to 63).
 *
 * - notify: ENOTCONN for a port of another handle, a free port, port 0
 *   and ports out of range.
 * - unbind: ENOTCONN for a port not ours, EINVAL out of range; a port
 *   unbound once is not ours any more.
 * - bind_interdomain: ESRCH for a missing domain; EINVAL for a remote
 *   port that is free, out of range, waiting for another domain, or
 *   already connected.
 * - ENOSPC when the domain's ports run out, and a port again after one is
 *   unbound.
 * - restrict: EACCES for binds to other domains and for unbound ports
 *   afterwards, interdomain binds to the chosen domain still work; twice
 *   EACCES; domain 0 and reserved ids EINVAL.
 * - virq: only VIRQ_DOM_EXC, only in domain 0, once.
 */
#include <stdio.h>

#include "client/evtchn_handle.h"
#include "proto/proto.h"
#include "test_evtchn.h"

#include <xen/xen.h>

#define NPORTS 64

static void
test_notify_unbind(void)
{
	gntbox_evtchn_t *a, *b, *a2;
	uint32_t pa, pb;
	int free_port;

	a = te_open(1);
	a2 = te_open(1);
	b = te_open(2);
	pa = te_connect(a, 1, b, 2, &pb);
	/* Another handle of the same domain does not own a's port. */
	CHECK_ERR(gntbox_evtchn_notify(a2, pa), ENOTCONN);
	CHECK_ERR(gntbox_evtchn_unbind(a2, pa), ENOTCONN);
	free_port = gntbox_evtchn_bind_unbound(a2, 2);
	REQUIRE(free_port > 0);
	CHECK_ERR(gntbox_evtchn_unbind(a2, (uint32_t)free_port), 0);
	CHECK_ERR(gntbox_evtchn_notify(a2, (uint32_t)free_port), ENOTCONN);
	CHECK_ERR(gntbox_evtchn_unbind(a2, (uint32_t)free_port), ENOTCONN);
	CHECK_ERR(gntbox_evtchn_notify(a, 0), ENOTCONN);
	CHECK_ERR(gntbox_evtchn_unbind(a, 0), ENOTCONN);
	CHECK_ERR(gntbox_evtchn_notify(a, NPORTS - 1), ENOTCONN);
	CHECK_ERR(gntbox_evtchn_unbind(a, NPORTS - 1), ENOTCONN);
	/* Out of range: notify says ENOTCONN, unbind EINVAL (Linux). */
	CHECK_ERR(gntbox_evtchn_notify(a, NPORTS), ENOTCONN);
	CHECK_ERR(gntbox_evtchn_notify(a, 4096), ENOTCONN);
	CHECK_ERR(gntbox_evtchn_notify(a, UINT32_MAX), ENOTCONN);
	CHECK_ERR(gntbox_evtchn_unbind(a, NPORTS), EINVAL);
	CHECK_ERR(gntbox_evtchn_unbind(a, UINT32_MAX), EINVAL);
	/* Unmasking a port not ours is ignored, as Linux ignores it. */
	CHECK_ERR(gntbox_evtchn_unmask(a2, pa), 0);
	CHECK_ERR(gntbox_evtchn_unmask(a2, UINT32_MAX), 0);
	CHECK_ERR(gntbox_evtchn_unbind(a, pa), 0);
	CHECK_ERR(gntbox_evtchn_unbind(a, pa), ENOTCONN);
	CHECK_ERR(gntbox_evtchn_notify(a, pa), ENOTCONN);
	/* b's port stays b's (now unbound): notifying it is no error. */
	CHECK_ERR(gntbox_evtchn_notify(b, pb), 0);
	CHECK_ERR(gntbox_evtchn_unbind(b, pb), 0);
	CHECK_ERR(gntbox_evtchn_close(a), 0);
	CHECK_ERR(gntbox_evtchn_close(a2), 0);
	CHECK_ERR(gntbox_evtchn_close(b), 0);
	CHECK(gntbox_evtchn_close(NULL) == -1 && errno == EINVAL);
	CHECK(gntbox_evtchn_open(1, 0x100) == NULL && errno == EINVAL);
	CHECK(gntbox_evtchn_open(GBX_DOMID_MAX + 1, 0) == NULL &&
	    errno == EINVAL);
	CHECK(gntbox_evtchn_open(9, 0) == NULL && errno == ENOENT);
}

static void
test_bind(void)
{
	gntbox_evtchn_t *a, *b, *c;
	int p3, pa, pb, pfree;

	a = te_open(1);
	b = te_open(2);
	c = te_open(3);
	CHECK_ERR(gntbox_evtchn_bind_interdomain(b, 9, 1), ESRCH);
	CHECK_ERR(gntbox_evtchn_bind_interdomain(b, GBX_DOMID_MAX, 1), ESRCH);
	/* A free port, port 0, a port beyond the table. */
	pfree = gntbox_evtchn_bind_unbound(a, 2);
	REQUIRE(pfree > 0);
	CHECK_ERR(gntbox_evtchn_unbind(a, (uint32_t)pfree), 0);
	CHECK_ERR(gntbox_evtchn_bind_interdomain(b, 1, (uint32_t)pfree),
	    EINVAL);
	CHECK_ERR(gntbox_evtchn_bind_interdomain(b, 1, 0), EINVAL);
	CHECK_ERR(gntbox_evtchn_bind_interdomain(b, 1, NPORTS), EINVAL);
	/* Waiting for domain 3, not for us. */
	p3 = gntbox_evtchn_bind_unbound(a, 3);
	REQUIRE(p3 > 0);
	CHECK_ERR(gntbox_evtchn_bind_interdomain(b, 1, (uint32_t)p3), EINVAL);
	/* Connected already. */
	pa = gntbox_evtchn_bind_unbound(a, 2);
	REQUIRE(pa > 0);
	pb = gntbox_evtchn_bind_interdomain(b, 1, (uint32_t)pa);
	CHECK(pb > 0);
	CHECK_ERR(gntbox_evtchn_bind_interdomain(b, 1, (uint32_t)pa), EINVAL);
	/* The right domain binds. */
	CHECK(gntbox_evtchn_bind_interdomain(c, 1, (uint32_t)p3) > 0);
	/* No failed bind left a port behind: the close takes them all. */
	CHECK_ERR(gntbox_evtchn_close(a), 0);
	CHECK_ERR(gntbox_evtchn_close(b), 0);
	CHECK_ERR(gntbox_evtchn_close(c), 0);
}

static void
test_enospc(void)
{
	gntbox_evtchn_t *a, *b;
	int i, p, last;

	a = te_open(1);
	b = te_open(2);
	last = 0;
	for (i = 1; i < NPORTS; i++) {
		p = gntbox_evtchn_bind_unbound(a, 2);
		CHECK_EQ(p, i);
		last = p;
	}
	CHECK_ERR(gntbox_evtchn_bind_unbound(a, 2), ENOSPC);
	/* An interdomain bind needs a local port too. */
	p = gntbox_evtchn_bind_unbound(b, 1);
	REQUIRE(p > 0);
	CHECK_ERR(gntbox_evtchn_bind_interdomain(a, 2, (uint32_t)p), ENOSPC);
	CHECK_ERR(gntbox_evtchn_unbind(a, 7), 0);
	CHECK_EQ(gntbox_evtchn_bind_interdomain(a, 2, (uint32_t)p), 7);
	CHECK_ERR(gntbox_evtchn_unbind(a, (uint32_t)last), 0);
	CHECK_EQ(gntbox_evtchn_bind_unbound(a, 2), last);
	CHECK_ERR(gntbox_evtchn_close(a), 0);
	CHECK_ERR(gntbox_evtchn_close(b), 0);
}

static void
test_restrict(void)
{
	gntbox_evtchn_t *a, *b, *c;
	uint32_t pv;
	int pb, pc;

	a = te_open(1);
	b = te_open(2);
	c = te_open(3);
	CHECK_ERR(gntbox_evtchn_restrict(a, 0), EINVAL);
	CHECK_ERR(gntbox_evtchn_restrict(a, DOMID_FIRST_RESERVED), EINVAL);
	CHECK_ERR(gntbox_evtchn_restrict(a, 0xffff), EINVAL);
	/* A port bound before the restriction stays usable. */
	pb = gntbox_evtchn_bind_unbound(b, 1);
	pc = gntbox_evtchn_bind_unbound(c, 1);
	REQUIRE(pb > 0 && pc > 0);
	CHECK_ERR(gntbox_evtchn_restrict(a, 2), 0);
	CHECK_ERR(gntbox_evtchn_restrict(a, 2), EACCES);
	CHECK_ERR(gntbox_evtchn_restrict(a, 3), EACCES);
	CHECK_ERR(gntbox_evtchn_bind_interdomain(a, 3, (uint32_t)pc), EACCES);
	/* Even for a domain that does not exist: EACCES comes first. */
	CHECK_ERR(gntbox_evtchn_bind_interdomain(a, 9, 1), EACCES);
	CHECK_ERR(gntbox_evtchn_bind_unbound(a, 2), EACCES);
	CHECK_ERR(gbx_evtchn_bind_virq(a, VIRQ_DOM_EXC, &pv), EACCES);
	CHECK(gntbox_evtchn_bind_interdomain(a, 2, (uint32_t)pb) > 0);
	CHECK_ERR(gntbox_evtchn_close(a), 0);
	CHECK_ERR(gntbox_evtchn_close(b), 0);
	CHECK_ERR(gntbox_evtchn_close(c), 0);
}

static void
test_virq(void)
{
	gntbox_evtchn_t *d0, *d0b, *a;
	uint32_t p;

	d0 = te_open(0);
	d0b = te_open(0);
	a = te_open(1);
	CHECK_ERR(gbx_evtchn_bind_virq(a, VIRQ_DOM_EXC, &p), EBUSY);
	CHECK_ERR(gbx_evtchn_bind_virq(d0, VIRQ_TIMER, &p), EINVAL);
	CHECK_ERR(gbx_evtchn_bind_virq(d0, NR_VIRQS, &p), EINVAL);
	REQUIRE(gbx_evtchn_bind_virq(d0, VIRQ_DOM_EXC, &p) == 0);
	CHECK(p > 0);
	CHECK_ERR(gbx_evtchn_bind_virq(d0b, VIRQ_DOM_EXC, &p), EEXIST);
	/* Notifying a virq port is allowed and goes nowhere. */
	CHECK_ERR(gntbox_evtchn_notify(d0, p), 0);
	CHECK_EQ(te_wait(d0, 50), -1);
	CHECK_ERR(gntbox_evtchn_unbind(d0, p), 0);
	CHECK_ERR(gbx_evtchn_bind_virq(d0b, VIRQ_DOM_EXC, &p), 0);
	CHECK(p > 0);
	CHECK_ERR(gntbox_evtchn_close(d0), 0);
	CHECK_ERR(gntbox_evtchn_close(d0b), 0);
	CHECK_ERR(gntbox_evtchn_close(a), 0);
}

int
main(void)
{
	static const char *const args[] = { "--max-ports", "64", NULL };

	th_start(args);
	th_domain(1);
	th_domain(2);
	th_domain(3);
	th_baseline();
	test_notify_unbind();
	th_check_baseline("notify and unbind");
	test_bind();
	th_check_baseline("bind");
	test_enospc();
	th_check_baseline("ENOSPC");
	test_restrict();
	th_check_baseline("restrict");
	test_virq();
	th_check_baseline("virq");
	return (th_finish());
}
