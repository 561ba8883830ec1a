/*
 * Unit test of the hypervisor's event-channel ports (src/hv/evtchn.h):
 * Xen's state machine and errnos, Linux's handle rules (ownership,
 * restriction), unmap-notify references, handle close and domain
 * destruction.  Handles have real memfd event pages and eventfds, and
 * every delivery is checked by reading them as a client would.
 */
#include <sys/eventfd.h>
#include <sys/mman.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "hv/evtchn.h"

#include <xen/xen.h>

static uint64_t next_id = 1;

static struct evt_handle *
handle_new(struct evt_domain *d)
{
	struct evt_handle *h;
	int fd;

	h = calloc(1, sizeof(*h));
	REQUIRE(h != NULL);
	fd = memfd_create("hv-evtchn-test", MFD_CLOEXEC);
	REQUIRE(fd >= 0);
	REQUIRE(ftruncate(fd, GBX_EVTPAGE_BYTES) == 0);
	h->page = mmap(NULL, GBX_EVTPAGE_BYTES, PROT_READ | PROT_WRITE,
	    MAP_SHARED, fd, 0);
	REQUIRE(h->page != MAP_FAILED);
	close(fd);
	evtpage_init(h->page, d->max_ports);
	h->efd = eventfd(0, EFD_SEMAPHORE | EFD_NONBLOCK | EFD_CLOEXEC);
	REQUIRE(h->efd >= 0);
	h->id = next_id++;
	evt_handle_init(h, d);
	return (h);
}

static void
handle_free(struct evt_handle *h)
{

	evt_handle_close(h, 0);
	CHECK_EQ(h->nports, 0);
	munmap(h->page, GBX_EVTPAGE_BYTES);
	close(h->efd);
	free(h);
}

/* The next port the handle's client would read, or 0 for none. */
static uint32_t
pending(struct evt_handle *h)
{
	uint32_t port = 0;

	if (evtpage_wait_take(h->page, h->efd, true, &port) != 0)
		return (0);
	(void)evtpage_unmask(h->page, h->efd, port);
	return (port);
}

static uint32_t
slot_gen(struct evt_handle *h, uint32_t port)
{

	return (atomic_load(&h->page->slot[port]) >> GBX_SLOT_GEN_SHIFT);
}

static int
state(struct evt_domain *d, uint32_t port)
{
	const struct evt_port *p = evt_port_lookup(d, port);

	return (p == NULL ? -1 : p->state);
}

/*
 * Unbound ports: lowest first from 1, never 0, waiting for the named
 * domain (which need not exist, as in Xen; DOMID_SELF is our own), each
 * binding with its own generation written into the handle's slot.
 */
static void
test_unbound(void)
{
	struct evt_domain a;
	struct evt_handle *h;
	uint32_t p1, p2, p3, g1, g2, g3;

	REQUIRE(evt_domain_init(&a, 1, 64) == 0);
	h = handle_new(&a);
	CHECK_ERR(evt_bind_unbound(h, 2, &p1, &g1), 0);
	CHECK_ERR(evt_bind_unbound(h, 12345, &p2, &g2), 0);
	CHECK_ERR(evt_bind_unbound(h, DOMID_SELF, &p3, &g3), 0);
	CHECK_EQ(p1, 1);
	CHECK_EQ(p2, 2);
	CHECK_EQ(p3, 3);
	CHECK(g1 != 0 && g2 != 0 && g3 != 0);
	CHECK(g1 != g2 && g2 != g3 && g1 != g3);
	CHECK_EQ(state(&a, 1), EVT_UNBOUND);
	CHECK_EQ(evt_port_lookup(&a, 1)->remote_domid, 2);
	CHECK_EQ(evt_port_lookup(&a, 2)->remote_domid, (uint16_t)12345);
	CHECK_EQ(evt_port_lookup(&a, 3)->remote_domid, 1);
	CHECK(evt_port_lookup(&a, 0) == NULL);
	CHECK(evt_port_lookup(&a, 64) == NULL);
	CHECK_EQ(slot_gen(h, 1), g1);
	CHECK_EQ(atomic_load(&h->page->slot[1]) & 3, 0); /* unmasked, idle */
	CHECK_EQ(h->nports, 3);
	CHECK_EQ(a.nallocated, 3);
	CHECK_EQ(pending(h), 0);
	/* Lowest first: a freed port is the next one handed out. */
	CHECK_ERR(evt_unbind(h, 2), 0);
	CHECK_EQ(state(&a, 2), EVT_FREE);
	CHECK_EQ(slot_gen(h, 2), 0);
	CHECK_ERR(evt_bind_unbound(h, 2, &p2, &g2), 0);
	CHECK_EQ(p2, 2);
	handle_free(h);
	CHECK_EQ(a.nallocated, 0);
	evt_domain_destroy(&a);
}

/*
 * Every failed check of EVTCHNOP_bind_interdomain, in Xen's order, with
 * nothing left allocated by a failure.
 */
static void
test_interdomain_errors(void)
{
	struct evt_domain a, b, c;
	struct evt_handle *ha, *hb, *hc;
	uint32_t pb, pb2, pc, g, port;

	REQUIRE(evt_domain_init(&a, 1, 3) == 0); /* ports 1 and 2 */
	REQUIRE(evt_domain_init(&b, 2, 64) == 0);
	REQUIRE(evt_domain_init(&c, 3, 64) == 0);
	ha = handle_new(&a);
	hb = handle_new(&b);
	hc = handle_new(&c);
	CHECK_ERR(evt_bind_unbound(hb, 1, &pb, &g), 0);
	CHECK_ERR(evt_bind_unbound(hb, 3, &pb2, &g), 0); /* for domain 3 */
	CHECK_ERR(evt_bind_unbound(hc, 1, &pc, &g), 0);

	/* The remote domain does not exist. */
	CHECK_ERR(evt_bind_interdomain(ha, 7, NULL, pb, &port, &g), ESRCH);
	/* Remote port 0, out of range, free. */
	CHECK_ERR(evt_bind_interdomain(ha, 2, &b, 0, &port, &g), EINVAL);
	CHECK_ERR(evt_bind_interdomain(ha, 2, &b, 64, &port, &g), EINVAL);
	CHECK_ERR(evt_bind_interdomain(ha, 2, &b, UINT32_MAX, &port, &g),
	    EINVAL);
	CHECK_ERR(evt_bind_interdomain(ha, 2, &b, 40, &port, &g), EINVAL);
	/* Unbound, but waiting for another domain. */
	CHECK_ERR(evt_bind_interdomain(ha, 2, &b, pb2, &port, &g), EINVAL);
	CHECK_EQ(a.nallocated, 0);
	CHECK_EQ(ha->nports, 0);

	/* Connected once; a second bind to the same port is EINVAL. */
	CHECK_ERR(evt_bind_interdomain(ha, 2, &b, pb, &port, &g), 0);
	CHECK_EQ(port, 1);
	CHECK_ERR(evt_bind_interdomain(ha, 2, &b, pb, &port, &g), EINVAL);
	CHECK_EQ(a.nallocated, 1);

	/* Xen allocates the local port first: ENOSPC beats EINVAL... */
	CHECK_ERR(evt_bind_interdomain(ha, 3, &c, pc, &port, &g), 0);
	CHECK_EQ(port, 2);
	CHECK_ERR(evt_bind_interdomain(ha, 2, &b, 40, &port, &g), ENOSPC);
	CHECK_ERR(evt_bind_unbound(ha, 2, &port, &g), ENOSPC);
	/* ...and ESRCH beats ENOSPC. */
	CHECK_ERR(evt_bind_interdomain(ha, 9, NULL, 1, &port, &g), ESRCH);
	CHECK_EQ(a.nallocated, 2);

	handle_free(ha);
	handle_free(hb);
	handle_free(hc);
	evt_domain_destroy(&a);
	evt_domain_destroy(&b);
	evt_domain_destroy(&c);
}

/*
 * A channel end to end: the bind leaves the new port pending (Xen's
 * fix-up for events dropped while the remote end was unbound), sends go
 * both ways to the current bindings, closing one end leaves the other
 * unbound and waiting for the closer's domain, and a new handle of that
 * domain can connect to it again with a new generation.
 */
static void
test_channel_lifecycle(void)
{
	struct evt_domain a, b, c;
	struct evt_handle *ha, *ha2, *hb, *hc;
	struct evt_target t;
	uint32_t pa, pb, ga, gb, pa2, ga2, port, g;

	REQUIRE(evt_domain_init(&a, 1, 64) == 0);
	REQUIRE(evt_domain_init(&b, 2, 64) == 0);
	REQUIRE(evt_domain_init(&c, 3, 64) == 0);
	ha = handle_new(&a);
	hb = handle_new(&b);
	hc = handle_new(&c);
	CHECK_ERR(evt_bind_unbound(hb, 1, &pb, &gb), 0);

	/* Sends on an unbound port are dropped silently. */
	CHECK_ERR(evt_notify(hb, pb, &t), 0);
	CHECK(t.handle == NULL);
	CHECK_EQ(pending(hb), 0);

	CHECK_ERR(evt_bind_interdomain(ha, 2, &b, pb, &pa, &ga), 0);
	CHECK_EQ(state(&a, pa), EVT_INTERDOMAIN);
	CHECK_EQ(state(&b, pb), EVT_INTERDOMAIN);
	CHECK_EQ(evt_port_lookup(&b, pb)->remote_port, pa);
	CHECK_EQ(evt_port_lookup(&b, pb)->remote_domid, 1);
	CHECK_EQ(evt_port_lookup(&a, pa)->remote_port, pb);
	CHECK_EQ(pending(ha), pa); /* set pending by the bind */
	CHECK_EQ(pending(ha), 0);

	/* A to B: delivered to B's binding, which the target names. */
	CHECK_ERR(evt_notify(ha, pa, &t), 0);
	CHECK(t.handle == hb);
	CHECK_EQ(t.port, pb);
	CHECK_EQ(t.gen, gb);
	CHECK_EQ(t.result, EVTPAGE_DELIVERABLE);
	/* The second came after the first fired: pending until the unmask. */
	CHECK_ERR(evt_notify(ha, pa, &t), 0);
	CHECK_EQ(t.result, EVTPAGE_COALESCED);
	CHECK_EQ(pending(hb), pb);
	CHECK_EQ(pending(hb), pb);
	CHECK_EQ(pending(hb), 0);
	/* The target is what a client's fast path uses. */
	CHECK_EQ(evtpage_notify(hb->page, hb->efd, t.port, t.gen),
	    EVTPAGE_DELIVERABLE);
	CHECK_EQ(pending(hb), pb);
	/* B to A, and the domain-level send of an unmap notify. */
	CHECK_ERR(evt_send(&b, pb, &t), 0);
	CHECK(t.handle == ha && t.port == pa && t.gen == ga);
	CHECK_EQ(pending(ha), pa);

	/* Only the owner may notify or unbind. */
	CHECK_ERR(evt_notify(hc, pa, &t), ENOTCONN);
	CHECK_ERR(evt_notify(ha, 0, &t), ENOTCONN);
	CHECK_ERR(evt_notify(ha, 64, &t), ENOTCONN);
	CHECK_ERR(evt_notify(ha, UINT32_MAX, &t), ENOTCONN);
	CHECK_ERR(evt_unbind(hc, pa), ENOTCONN);
	CHECK_ERR(evt_unbind(ha, 0), ENOTCONN);
	CHECK_ERR(evt_unbind(ha, 64), EINVAL);
	CHECK_ERR(evt_send(&a, 0, &t), EINVAL);
	CHECK_ERR(evt_send(&a, 64, &t), EINVAL);
	CHECK_ERR(evt_send(&a, 30, &t), EINVAL); /* free */

	/* Close A's end: B's end is unbound and waits for domain 1. */
	CHECK_ERR(evt_unbind(ha, pa), 0);
	CHECK_EQ(state(&a, pa), EVT_FREE);
	CHECK_EQ(slot_gen(ha, pa), 0);
	CHECK_EQ(evtpage_notify(ha->page, ha->efd, pa, ga), EVTPAGE_STALE);
	CHECK_EQ(state(&b, pb), EVT_UNBOUND);
	CHECK_EQ(evt_port_lookup(&b, pb)->remote_domid, 1);
	CHECK(evt_port_lookup(&b, pb)->owner == hb);
	CHECK_EQ(slot_gen(hb, pb), gb);
	CHECK_ERR(evt_notify(hb, pb, &t), 0);
	CHECK(t.handle == NULL);
	CHECK_EQ(pending(ha), 0);

	/* Domain 3 may not take it; a new handle of domain 1 may. */
	CHECK_ERR(evt_bind_interdomain(hc, 2, &b, pb, &port, &g), EINVAL);
	ha2 = handle_new(&a);
	CHECK_ERR(evt_bind_interdomain(ha2, 2, &b, pb, &pa2, &ga2), 0);
	CHECK_EQ(pa2, pa); /* lowest free port again */
	CHECK(ga2 != ga);
	CHECK_EQ(pending(ha2), pa2);
	CHECK_ERR(evt_notify(hb, pb, &t), 0);
	CHECK(t.handle == ha2 && t.port == pa2 && t.gen == ga2);
	CHECK_EQ(pending(ha2), pa2);
	CHECK_EQ(pending(ha), 0);
	/* A cached target of the old binding fails over to the slow path. */
	CHECK_EQ(evtpage_notify(ha2->page, ha2->efd, pa2, ga), EVTPAGE_STALE);

	/* Close B's end now: A's new end waits for domain 2. */
	CHECK_ERR(evt_unbind(hb, pb), 0);
	CHECK_EQ(state(&a, pa2), EVT_UNBOUND);
	CHECK_EQ(evt_port_lookup(&a, pa2)->remote_domid, 2);

	handle_free(ha);
	handle_free(ha2);
	handle_free(hb);
	handle_free(hc);
	evt_domain_destroy(&a);
	evt_domain_destroy(&b);
	evt_domain_destroy(&c);
}

/*
 * A domain talking to itself (DOMID_SELF), both ends on one handle.
 */
static void
test_loopback(void)
{
	struct evt_domain a;
	struct evt_handle *h;
	struct evt_target t;
	uint32_t p1, p2, g1, g2;

	REQUIRE(evt_domain_init(&a, 5, 64) == 0);
	h = handle_new(&a);
	CHECK_ERR(evt_bind_unbound(h, DOMID_SELF, &p1, &g1), 0);
	CHECK_EQ(evt_domid_resolve(&a, DOMID_SELF), 5);
	CHECK_EQ(evt_domid_resolve(&a, 0x10007), 7); /* truncated, as Linux */
	CHECK_ERR(evt_bind_interdomain(h, DOMID_SELF, &a, p1, &p2, &g2), 0);
	CHECK_EQ(pending(h), p2);
	CHECK_ERR(evt_notify(h, p2, &t), 0);
	CHECK(t.handle == h && t.port == p1 && t.gen == g1);
	CHECK_EQ(pending(h), p1);
	CHECK_ERR(evt_notify(h, p1, &t), 0);
	CHECK_EQ(pending(h), p2);
	CHECK_ERR(evt_unbind(h, p1), 0);
	CHECK_EQ(state(&a, p2), EVT_UNBOUND);
	CHECK_EQ(evt_port_lookup(&a, p2)->remote_domid, 5);
	handle_free(h);
	evt_domain_destroy(&a);
}

/*
 * Linux's IOCTL_EVTCHN_RESTRICT_DOMID: one-way, domains 1..0x7fef only,
 * unbound and virq binds refused, interdomain only to that domain, and
 * ports bound before keep working.
 */
static void
test_restrict(void)
{
	struct evt_domain a, b, c;
	struct evt_handle *ha, *hb, *hc;
	struct evt_target t;
	uint32_t pa, pb, pc, g, port;

	REQUIRE(evt_domain_init(&a, 1, 64) == 0);
	REQUIRE(evt_domain_init(&b, 2, 64) == 0);
	REQUIRE(evt_domain_init(&c, 3, 64) == 0);
	ha = handle_new(&a);
	hb = handle_new(&b);
	hc = handle_new(&c);
	CHECK_ERR(evt_bind_unbound(ha, 2, &pa, &g), 0); /* before */
	CHECK_ERR(evt_bind_unbound(hb, 1, &pb, &g), 0);
	CHECK_ERR(evt_bind_unbound(hc, 1, &pc, &g), 0);

	CHECK_ERR(evt_restrict(ha, 0), EINVAL);
	CHECK_ERR(evt_restrict(ha, DOMID_FIRST_RESERVED), EINVAL);
	CHECK_ERR(evt_restrict(ha, 0xffff), EINVAL);
	CHECK_ERR(evt_restrict(ha, 0x10002), EINVAL);
	CHECK_EQ(ha->restrict_domid, EVT_UNRESTRICTED);
	CHECK_ERR(evt_restrict(ha, 2), 0);
	CHECK_ERR(evt_restrict(ha, 2), EACCES);
	CHECK_ERR(evt_restrict(ha, 3), EACCES);

	CHECK_ERR(evt_bind_unbound(ha, 2, &port, &g), EACCES);
	CHECK_ERR(evt_bind_virq(ha, VIRQ_DOM_EXC, &port, &g), EACCES);
	/* EACCES comes before ESRCH, as Linux checks before Xen does. */
	CHECK_ERR(evt_bind_interdomain(ha, 3, NULL, pc, &port, &g), EACCES);
	CHECK_ERR(evt_bind_interdomain(ha, 3, &c, pc, &port, &g), EACCES);
	CHECK_ERR(evt_bind_interdomain(ha, 2, &b, pb, &port, &g), 0);
	CHECK_EQ(a.nallocated, 2);
	/* The port bound before the restriction still works. */
	CHECK_ERR(evt_notify(ha, pa, &t), 0);
	CHECK_ERR(evt_unbind(ha, pa), 0);

	handle_free(ha);
	handle_free(hb);
	handle_free(hc);
	evt_domain_destroy(&a);
	evt_domain_destroy(&b);
	evt_domain_destroy(&c);
}

/*
 * Unmap-notify references: a referenced port outlives its handle's unbind
 * (still connected, still able to send, no longer the handle's) until
 * the last put; Linux's errors for get and put.
 */
static void
test_notify_refs(void)
{
	struct evt_domain a, b;
	struct evt_handle *ha, *hb;
	struct evt_target t;
	uint32_t pa, pb, ga, gb, i;

	REQUIRE(evt_domain_init(&a, 1, 64) == 0);
	REQUIRE(evt_domain_init(&b, 2, 64) == 0);
	ha = handle_new(&a);
	hb = handle_new(&b);
	CHECK_ERR(evt_bind_unbound(hb, 1, &pb, &gb), 0);
	CHECK_ERR(evt_bind_interdomain(ha, 2, &b, pb, &pa, &ga), 0);
	CHECK_EQ(pending(ha), pa);

	CHECK_ERR(evt_port_get(&a, 64), EINVAL);
	CHECK_ERR(evt_port_get(&a, 0), ENOENT);
	CHECK_ERR(evt_port_get(&a, 9), ENOENT);
	CHECK_ERR(evt_port_put(&a, pa), EINVAL); /* no reference yet */
	CHECK_ERR(evt_port_get(&a, pa), 0);
	CHECK_ERR(evt_port_get(&a, pa), 0);

	CHECK_ERR(evt_unbind(ha, pa), 0);
	CHECK_EQ(state(&a, pa), EVT_INTERDOMAIN);
	CHECK(evt_port_lookup(&a, pa)->owner == NULL);
	CHECK_EQ(slot_gen(ha, pa), 0);
	CHECK_EQ(ha->nports, 0);
	CHECK_EQ(a.nallocated, 1);
	CHECK_ERR(evt_unbind(ha, pa), ENOTCONN);
	CHECK_ERR(evt_notify(ha, pa, &t), ENOTCONN);
	/* Events to it are dropped; it can still send (the unmap notify). */
	CHECK_ERR(evt_send(&b, pb, &t), 0);
	CHECK(t.handle == NULL);
	CHECK_EQ(pending(ha), 0);
	CHECK_ERR(evt_send(&a, pa, &t), 0);
	CHECK(t.handle == hb);
	CHECK_EQ(pending(hb), pb);
	/* An unowned port with references can be referenced again. */
	CHECK_ERR(evt_port_get(&a, pa), 0);
	/* It is not free: the next bind gets another number. */
	{
		uint32_t p2, g2;

		CHECK_ERR(evt_bind_unbound(ha, 2, &p2, &g2), 0);
		CHECK(p2 != pa);
		CHECK_ERR(evt_unbind(ha, p2), 0);
	}
	CHECK_ERR(evt_port_put(&a, pa), 0);
	CHECK_ERR(evt_port_put(&a, pa), 0);
	CHECK_EQ(state(&a, pa), EVT_INTERDOMAIN);
	CHECK_ERR(evt_port_put(&a, pa), 0); /* the last one closes it */
	CHECK_EQ(state(&a, pa), EVT_FREE);
	CHECK_EQ(a.nallocated, 0);
	CHECK_EQ(state(&b, pb), EVT_UNBOUND);
	CHECK_EQ(evt_port_lookup(&b, pb)->remote_domid, 1);
	CHECK_ERR(evt_port_put(&a, pa), EINVAL);

	/* While a handle owns it, a port with references is not closed. */
	CHECK_ERR(evt_bind_interdomain(ha, 2, &b, pb, &pa, &ga), 0);
	CHECK_ERR(evt_port_get(&a, pa), 0);
	CHECK_ERR(evt_port_put(&a, pa), 0);
	CHECK_EQ(state(&a, pa), EVT_INTERDOMAIN);
	CHECK(evt_port_lookup(&a, pa)->owner == ha);

	/* Linux stops counting below SHRT_MAX. */
	for (i = 0; i < EVT_NOTIFY_REFS_MAX; i++)
		if (evt_port_get(&a, pa) != 0)
			break;
	CHECK_EQ(i, EVT_NOTIFY_REFS_MAX);
	CHECK_ERR(evt_port_get(&a, pa), EINVAL);
	for (i = 0; i < EVT_NOTIFY_REFS_MAX; i++)
		if (evt_port_put(&a, pa) != 0)
			break;
	CHECK_EQ(i, EVT_NOTIFY_REFS_MAX);

	handle_free(ha);
	handle_free(hb);
	evt_domain_destroy(&a);
	evt_domain_destroy(&b);
}

/*
 * Closing a handle releases every port it owns and clears its slots;
 * remote ends become unbound; referenced ports stay allocated without an
 * owner until their last put; the work can be split.
 */
static void
test_handle_close(void)
{
	struct evt_domain a, b;
	struct evt_handle *ha, *hb;
	struct evt_target t;
	uint32_t pa[4], pb[2], g, i;

	REQUIRE(evt_domain_init(&a, 1, 64) == 0);
	REQUIRE(evt_domain_init(&b, 2, 64) == 0);
	ha = handle_new(&a);
	hb = handle_new(&b);
	CHECK_ERR(evt_bind_unbound(hb, 1, &pb[0], &g), 0);
	CHECK_ERR(evt_bind_unbound(hb, 1, &pb[1], &g), 0);
	CHECK_ERR(evt_bind_interdomain(ha, 2, &b, pb[0], &pa[0], &g), 0);
	CHECK_ERR(evt_bind_interdomain(ha, 2, &b, pb[1], &pa[1], &g), 0);
	CHECK_ERR(evt_bind_unbound(ha, 2, &pa[2], &g), 0);
	CHECK_ERR(evt_bind_unbound(ha, 3, &pa[3], &g), 0);
	CHECK_ERR(evt_port_get(&a, pa[1]), 0);
	CHECK_EQ(ha->nports, 4);
	CHECK_EQ(a.nallocated, 4);

	CHECK_EQ(evt_handle_close(ha, 1), 1);
	CHECK_EQ(ha->nports, 3);
	CHECK_EQ(evt_handle_close(ha, 0), 3);
	CHECK_EQ(ha->nports, 0);
	CHECK_EQ(evt_handle_close(ha, 0), 0);
	for (i = 0; i < GBX_EVT_MAX_PORTS; i++)
		if (atomic_load(&ha->page->slot[i]) != 0)
			break;
	CHECK_EQ(i, GBX_EVT_MAX_PORTS);
	CHECK_EQ(state(&a, pa[0]), EVT_FREE);
	CHECK_EQ(state(&a, pa[2]), EVT_FREE);
	CHECK_EQ(state(&a, pa[3]), EVT_FREE);
	CHECK_EQ(state(&a, pa[1]), EVT_INTERDOMAIN); /* referenced */
	CHECK(evt_port_lookup(&a, pa[1])->owner == NULL);
	CHECK_EQ(a.nallocated, 1);
	CHECK_EQ(state(&b, pb[0]), EVT_UNBOUND);
	CHECK_EQ(state(&b, pb[1]), EVT_INTERDOMAIN);
	CHECK_ERR(evt_send(&a, pa[1], &t), 0);
	CHECK(t.handle == hb && t.port == pb[1]);
	CHECK_ERR(evt_port_put(&a, pa[1]), 0);
	CHECK_EQ(a.nallocated, 0);
	CHECK_EQ(state(&b, pb[1]), EVT_UNBOUND);

	handle_free(ha);
	handle_free(hb);
	evt_domain_destroy(&a);
	evt_domain_destroy(&b);
}

/*
 * VIRQ_DOM_EXC: domain 0's toolstack binds it, gntboxd raises it when a
 * domain is destroyed; every other virq is EINVAL, and other domains get
 * Xen's EBUSY for a global virq.
 */
static void
test_virq(void)
{
	struct evt_domain d0, a;
	struct evt_handle *h0, *ha;
	struct evt_target t;
	uint32_t port, p2, g;

	REQUIRE(evt_domain_init(&d0, 0, 64) == 0);
	REQUIRE(evt_domain_init(&a, 1, 64) == 0);
	h0 = handle_new(&d0);
	ha = handle_new(&a);
	CHECK_ERR(evt_bind_virq(h0, VIRQ_TIMER, &port, &g), EINVAL);
	CHECK_ERR(evt_bind_virq(h0, NR_VIRQS, &port, &g), EINVAL);
	CHECK_ERR(evt_bind_virq(h0, UINT32_MAX, &port, &g), EINVAL);
	CHECK_ERR(evt_bind_virq(ha, VIRQ_DOM_EXC, &port, &g), EBUSY);
	CHECK_EQ(a.nallocated, 0);
	CHECK_ERR(evt_bind_virq(h0, VIRQ_DOM_EXC, &port, &g), 0);
	CHECK_EQ(state(&d0, port), EVT_VIRQ);
	CHECK_ERR(evt_bind_virq(h0, VIRQ_DOM_EXC, &p2, &g), EEXIST);
	CHECK_EQ(pending(h0), 0);

	evt_virq_raise(&d0, VIRQ_DOM_EXC);
	CHECK_EQ(pending(h0), port);
	evt_virq_raise(&a, VIRQ_DOM_EXC); /* nobody bound it there */
	evt_virq_raise(&d0, VIRQ_TIMER);
	CHECK_EQ(pending(h0), 0);
	/* Sending on a virq port: Xen's EINVAL, Linux's notify says 0. */
	CHECK_ERR(evt_send(&d0, port, &t), EINVAL);
	CHECK_ERR(evt_notify(h0, port, &t), 0);
	CHECK(t.handle == NULL);
	CHECK_EQ(pending(h0), 0);
	/* Unbound, it can be bound again. */
	CHECK_ERR(evt_unbind(h0, port), 0);
	CHECK_EQ(d0.virq_dom_exc, 0);
	evt_virq_raise(&d0, VIRQ_DOM_EXC);
	CHECK_ERR(evt_bind_virq(h0, VIRQ_DOM_EXC, &p2, &g), 0);
	CHECK_EQ(p2, port);
	CHECK_EQ(pending(h0), 0);

	handle_free(h0);
	handle_free(ha);
	evt_domain_destroy(&d0);
	evt_domain_destroy(&a);
}

/*
 * Ports exhausted: ENOSPC with every port 1..max-1 in use, none of them 0,
 * and nothing lost; the handle's ring grew with its ports; generations
 * wrap to 1, never 0.
 */
static void
test_exhaustion_and_generations(void)
{
	struct evt_domain a, bad;
	struct evt_handle *h;
	uint32_t i, port, g, n = 0, zero = 0;

	CHECK_ERR(evt_domain_init(&bad, 1, 1), EINVAL);
	CHECK_ERR(evt_domain_init(&bad, 1, GBX_EVT_MAX_PORTS + 1), EINVAL);
	REQUIRE(evt_domain_init(&a, 1, GBX_EVT_MAX_PORTS) == 0);
	h = handle_new(&a);
	for (i = 1; i < GBX_EVT_MAX_PORTS; i++) {
		if (evt_bind_unbound(h, 2, &port, &g) != 0)
			break;
		zero += port == 0;
		n += port == i;
		/* The page's ring grows as Linux's: 64, doubled as needed. */
		if (i == 64 || i == 65 || i == 129)
			CHECK_EQ(atomic_load(&h->page->ring),
			    i == 64 ? 64 : (i == 65 ? 128 : 256));
	}
	CHECK_EQ(n, GBX_EVT_MAX_PORTS - 1);
	CHECK_EQ(atomic_load(&h->page->ring), GBX_EVT_MAX_PORTS);
	CHECK_EQ(zero, 0);
	CHECK_ERR(evt_bind_unbound(h, 2, &port, &g), ENOSPC);
	CHECK_EQ(a.nallocated, GBX_EVT_MAX_PORTS - 1);
	CHECK_ERR(evt_unbind(h, 4095), 0);
	CHECK_ERR(evt_unbind(h, 17), 0);
	CHECK_ERR(evt_bind_unbound(h, 2, &port, &g), 0);
	CHECK_EQ(port, 17);
	CHECK_EQ(evt_handle_close(h, 0), GBX_EVT_MAX_PORTS - 2);

	a.gen_next = GBX_SLOT_GEN_MAX;
	CHECK_ERR(evt_bind_unbound(h, 2, &port, &g), 0);
	CHECK_EQ(g, GBX_SLOT_GEN_MAX);
	CHECK_EQ(slot_gen(h, port), GBX_SLOT_GEN_MAX);
	CHECK_ERR(evt_bind_unbound(h, 2, &port, &g), 0);
	CHECK_EQ(g, 1);
	handle_free(h);
	evt_domain_destroy(&a);
}

/*
 * Destroying a domain closes all its ports, whoever holds them: remote
 * ends become unbound, waiting for the dead domain; a handle still open
 * loses its ports and slots.
 */
static void
test_domain_destroy(void)
{
	struct evt_domain a, b;
	struct evt_handle *ha, *hb;
	struct evt_target t;
	uint32_t pa, pa2, pb, g;

	REQUIRE(evt_domain_init(&a, 1, 64) == 0);
	REQUIRE(evt_domain_init(&b, 2, 64) == 0);
	ha = handle_new(&a);
	hb = handle_new(&b);
	CHECK_ERR(evt_bind_unbound(hb, 1, &pb, &g), 0);
	CHECK_ERR(evt_bind_interdomain(ha, 2, &b, pb, &pa, &g), 0);
	CHECK_ERR(evt_bind_unbound(ha, DOMID_SELF, &pa2, &g), 0);
	CHECK_ERR(evt_port_get(&a, pa), 0);

	evt_domain_destroy(&a);
	CHECK_EQ(ha->nports, 0);
	CHECK_EQ(slot_gen(ha, pa), 0);
	CHECK_EQ(slot_gen(ha, pa2), 0);
	CHECK_EQ(state(&b, pb), EVT_UNBOUND);
	CHECK_EQ(evt_port_lookup(&b, pb)->remote_domid, 1);
	CHECK_ERR(evt_notify(hb, pb, &t), 0);
	CHECK(t.handle == NULL);
	evt_domain_destroy(&a); /* twice is harmless */
	/*
	 * A dying domain's notifies and handles may still name its ports:
	 * the destroyed table answers as for ports that do not exist.
	 */
	CHECK(evt_port_lookup(&a, pa) == NULL);
	CHECK_ERR(evt_port_get(&a, pa), ENOENT);
	CHECK_ERR(evt_port_put(&a, pa), EINVAL);
	CHECK_ERR(evt_send(&a, pa, &t), EINVAL);
	CHECK_ERR(evt_unbind(ha, pa), ENOTCONN);
	CHECK_ERR(evt_notify(ha, pa, &t), ENOTCONN);
	CHECK_EQ(evt_handle_close(ha, 0), 0);
	munmap(ha->page, GBX_EVTPAGE_BYTES);
	close(ha->efd);
	free(ha);
	handle_free(hb);
	evt_domain_destroy(&b);
}

int
main(void)
{

	test_unbound();
	test_interdomain_errors();
	test_channel_lifecycle();
	test_loopback();
	test_restrict();
	test_notify_refs();
	test_handle_close();
	test_virq();
	test_exhaustion_and_generations();
	test_domain_destroy();
	return (check_exit());
}
