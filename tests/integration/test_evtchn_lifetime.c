/*
 * Integration test: event channels across unbinding, rebinding, closing,
 * process death and domain destruction.
 *
 * - Unbind while the peer notifies: the notifier keeps going without an
 *   error, the unbound port delivers nothing but the entry it had queued
 *   (Linux's ring keeps it), and the remote end is unbound (its notifies
 *   are dropped, as Xen does).  Bound again, the
 *   same notifier reaches the new binding.
 * - Rebinding a port number to a new peer: the old peer's cached notify
 *   does not reach the new binding; the new peer's does.
 * - The remote end becomes unbound when the owner of the other end closes
 *   its handle or is killed with SIGKILL, and can be bound again.
 * - `gntbox destroy` raises VIRQ_DOM_EXC in a domain-0 handle, and the
 *   destroyed domain's channels leave their remote ends unbound.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/ctl.h"
#include "client/evtchn_handle.h"
#include "test_evtchn.h"

#include <xen/xen.h>

struct nt {
	struct th_chan ch;
	uint32_t port; /* domain 1's port */
};

/*
 * Domain 2: bind to the port, then notify without pause until told to
 * stop, checking every notify succeeds; report how many were made.
 */
static int
notify_loop(void *arg)
{
	struct nt *nt = arg;
	gntbox_evtchn_t *e;
	uint64_t n;
	int port, bad;

	e = te_open(-1);
	port = gntbox_evtchn_bind_interdomain(e, 1, nt->port);
	REQUIRE(port > 0);
	th_send_u64(&nt->ch, 1, (uint64_t)port);
	bad = 0;
	for (n = 0;; n++) {
		struct pollfd pfd = { nt->ch.fd[1], POLLIN, 0 };

		if (gntbox_evtchn_notify(e, (uint32_t)port) != 0)
			bad++;
		if (n % 16 == 0 && poll(&pfd, 1, 0) == 1)
			break;
	}
	(void)th_recv_u64(&nt->ch, 1);
	CHECK_EQ(bad, 0);
	th_send_u64(&nt->ch, 1, n);
	CHECK_ERR(gntbox_evtchn_close(e), 0);
	return (0);
}

static void
test_unbind_while_notified(void)
{
	gntbox_evtchn_t *a;
	struct nt nt;
	uint32_t pb;
	pid_t pid;
	int pa, pa2, port, i;

	th_chan_open(&nt.ch);
	a = te_open(1);
	pa = gntbox_evtchn_bind_unbound(a, 2);
	REQUIRE(pa > 0);
	nt.port = (uint32_t)pa;
	pid = th_spawn(2, notify_loop, &nt);
	pb = (uint32_t)th_recv_u64(&nt.ch, 0);
	for (i = 0; i < 20; i++) {
		CHECK_EQ(te_wait(a, 2000), pa);
		CHECK_ERR(gntbox_evtchn_unmask(a, (uint32_t)pa), 0);
	}
	CHECK_ERR(gntbox_evtchn_unbind(a, (uint32_t)pa), 0);
	/*
	 * The remote end waits for us again.  The port's entry, if it fired
	 * again before the unbind, is still read, as Linux leaves it in its
	 * ring (docs/events.md, E7); after it nothing reaches us.
	 */
	CHECK(te_port_becomes(2, pb, GBX_PORT_UNBOUND, 1));
	port = te_wait(a, 200);
	CHECK(port == pa || port == -1);
	CHECK_EQ(te_wait(a, 200), -1);
	CHECK(!te_readable(a, 0));
	/* Bound again: the notifier, still going, reaches the new port. */
	pa2 = gntbox_evtchn_bind_interdomain(a, 2, pb);
	CHECK(pa2 > 0);
	for (i = 0; i < 5; i++) {
		CHECK_EQ(te_wait(a, 2000), pa2);
		CHECK_ERR(gntbox_evtchn_unmask(a, (uint32_t)pa2), 0);
	}
	th_send_u64(&nt.ch, 0, 1);
	CHECK(th_recv_u64(&nt.ch, 0) > 20);
	CHECK_EQ(th_wait(pid), 0);
	CHECK_ERR(gntbox_evtchn_close(a), 0);
	th_chan_close(&nt.ch);
}

/*
 * Domain 2, the old peer: connect, notify once (so that it caches where
 * our port is), then on each request notify once more.
 */
static int
old_peer(void *arg)
{
	struct nt *nt = arg;
	gntbox_evtchn_t *e;
	int port;

	e = te_open(-1);
	port = gntbox_evtchn_bind_interdomain(e, 1, nt->port);
	REQUIRE(port > 0);
	CHECK_ERR(gntbox_evtchn_notify(e, (uint32_t)port), 0);
	th_send_u64(&nt->ch, 1, (uint64_t)port);
	while (th_recv_u64(&nt->ch, 1) != 0) {
		CHECK_ERR(gntbox_evtchn_notify(e, (uint32_t)port), 0);
		th_send_u64(&nt->ch, 1, 1);
	}
	CHECK_ERR(gntbox_evtchn_close(e), 0);
	return (0);
}

static void
test_rebind_new_peer(void)
{
	gntbox_evtchn_t *a, *c;
	struct nt nt;
	pid_t pid;
	int pa, pa2, pc;

	th_chan_open(&nt.ch);
	a = te_open(1);
	c = te_open(3);
	pa = gntbox_evtchn_bind_unbound(a, 2);
	REQUIRE(pa > 0);
	nt.port = (uint32_t)pa;
	pid = th_spawn(2, old_peer, &nt);
	(void)th_recv_u64(&nt.ch, 0);
	CHECK_EQ(te_wait(a, 2000), pa);
	CHECK_ERR(gntbox_evtchn_unmask(a, (uint32_t)pa), 0);
	/* The same port number, now for domain 3. */
	CHECK_ERR(gntbox_evtchn_unbind(a, (uint32_t)pa), 0);
	pa2 = gntbox_evtchn_bind_unbound(a, 3);
	CHECK_EQ(pa2, pa);
	pc = gntbox_evtchn_bind_interdomain(c, 1, (uint32_t)pa2);
	REQUIRE(pc > 0);
	/* The old peer's notify, through its cache, goes nowhere. */
	th_send_u64(&nt.ch, 0, 1);
	(void)th_recv_u64(&nt.ch, 0);
	CHECK_EQ(te_wait(a, 200), -1);
	/* The new peer's arrives. */
	CHECK_ERR(gntbox_evtchn_notify(c, (uint32_t)pc), 0);
	CHECK_EQ(te_wait(a, 2000), pa2);
	CHECK_ERR(gntbox_evtchn_unmask(a, (uint32_t)pa2), 0);
	/* And the old peer still reaches nothing. */
	th_send_u64(&nt.ch, 0, 1);
	(void)th_recv_u64(&nt.ch, 0);
	CHECK_EQ(te_wait(a, 200), -1);
	th_send_u64(&nt.ch, 0, 0);
	CHECK_EQ(th_wait(pid), 0);
	CHECK_ERR(gntbox_evtchn_close(c), 0);
	CHECK_ERR(gntbox_evtchn_close(a), 0);
	th_chan_close(&nt.ch);
}

struct ow {
	struct th_chan ch;
	uint32_t port;
	bool kill;
};

/* Domain 2: bind to our port, then close or wait to be killed. */
static int
owner(void *arg)
{
	struct ow *ow = arg;
	gntbox_evtchn_t *e;
	int port;

	e = te_open(-1);
	port = gntbox_evtchn_bind_interdomain(e, 1, ow->port);
	REQUIRE(port > 0);
	CHECK_ERR(gntbox_evtchn_notify(e, (uint32_t)port), 0);
	th_send_u64(&ow->ch, 1, (uint64_t)port);
	(void)th_recv_u64(&ow->ch, 1);
	if (!ow->kill)
		CHECK_ERR(gntbox_evtchn_close(e), 0);
	return (0);
}

static void
test_owner_gone(bool kill)
{
	gntbox_evtchn_t *a, *b;
	struct ow ow;
	uint32_t pb;
	pid_t pid;
	int pa, pb2;

	th_chan_open(&ow.ch);
	a = te_open(1);
	pa = gntbox_evtchn_bind_unbound(a, 2);
	REQUIRE(pa > 0);
	ow.port = (uint32_t)pa;
	ow.kill = kill;
	pid = th_spawn(2, owner, &ow);
	pb = (uint32_t)th_recv_u64(&ow.ch, 0);
	CHECK_EQ(te_wait(a, 2000), pa);
	CHECK_ERR(gntbox_evtchn_unmask(a, (uint32_t)pa), 0);
	/* Teach a where the remote end is. */
	CHECK_ERR(gntbox_evtchn_notify(a, (uint32_t)pa), 0);
	CHECK(te_port(1, (uint32_t)pa).state == GBX_PORT_INTERDOMAIN);
	if (kill) {
		CHECK_EQ(th_kill(pid, SIGKILL), -SIGKILL);
	} else {
		th_send_u64(&ow.ch, 0, 1);
		CHECK_EQ(th_wait(pid), 0);
	}
	CHECK(te_port_becomes(1, (uint32_t)pa, GBX_PORT_UNBOUND, 2));
	CHECK_EQ(te_port(2, pb).state, GBX_PORT_FREE);
	/* Notifying into the void is no error. */
	CHECK_ERR(gntbox_evtchn_notify(a, (uint32_t)pa), 0);
	/* Bound again by another process of domain 2: both ways work. */
	b = te_open(2);
	pb2 = gntbox_evtchn_bind_interdomain(b, 1, (uint32_t)pa);
	REQUIRE(pb2 > 0);
	CHECK_EQ(te_wait(b, 2000), pb2);
	CHECK_ERR(gntbox_evtchn_unmask(b, (uint32_t)pb2), 0);
	CHECK_ERR(gntbox_evtchn_notify(a, (uint32_t)pa), 0);
	CHECK_EQ(te_wait(b, 2000), pb2);
	CHECK_ERR(gntbox_evtchn_notify(b, (uint32_t)pb2), 0);
	CHECK_EQ(te_wait(a, 2000), pa);
	CHECK_ERR(gntbox_evtchn_close(b), 0);
	CHECK_ERR(gntbox_evtchn_close(a), 0);
	th_chan_close(&ow.ch);
}

/* `gntbox destroy --dom 5`, the command itself when the build has it. */
static void
destroy_5(void)
{
	const char *build = getenv("GNTBOX_BUILD");
	char cmd[1024];

	if (build == NULL) {
		CHECK_ERR(gntbox_domain_destroy(5), 0);
		return;
	}
	(void)snprintf(cmd, sizeof(cmd), "'%s/bin/gntbox' destroy --dom 5",
	    build);
	CHECK_EQ(system(cmd), 0);
}

static void
test_dom_exc(void)
{
	gntbox_evtchn_t *d0, *a, *e5;
	uint32_t p5, virq;
	int pa;

	d0 = te_open(0);
	REQUIRE(gbx_evtchn_bind_virq(d0, VIRQ_DOM_EXC, &virq) == 0);
	REQUIRE(virq > 0);
	th_domain(5);
	a = te_open(1);
	e5 = te_open(5);
	pa = (int)te_connect(a, 1, e5, 5, &p5);
	CHECK_EQ(te_wait(d0, 50), -1);
	destroy_5();
	CHECK_EQ(te_wait(d0, 2000), virq);
	/* Once. */
	CHECK_EQ(te_wait(d0, 50), -1);
	CHECK(te_port_becomes(1, (uint32_t)pa, GBX_PORT_UNBOUND, 5));
	CHECK_ERR(gntbox_evtchn_notify(a, (uint32_t)pa), 0);
	/* The dead domain's handle is cut off. */
	CHECK(gntbox_evtchn_notify(e5, p5) == -1);
	CHECK_ERR(gntbox_evtchn_close(e5), 0);
	/* Again after the unmask: each destruction raises it. */
	CHECK_ERR(gntbox_evtchn_unmask(d0, virq), 0);
	th_domain(6);
	CHECK_ERR(gntbox_domain_destroy(6), 0);
	CHECK_EQ(te_wait(d0, 2000), virq);
	CHECK_ERR(gntbox_evtchn_close(a), 0);
	CHECK_ERR(gntbox_evtchn_close(d0), 0);
}

int
main(void)
{

	th_start(NULL);
	th_domain(1);
	th_domain(2);
	th_domain(3);
	th_baseline();
	test_unbind_while_notified();
	th_check_baseline("unbind while notified");
	test_rebind_new_peer();
	th_check_baseline("rebind to a new peer");
	test_owner_gone(false);
	th_check_baseline("owner closes");
	test_owner_gone(true);
	th_check_baseline("owner killed");
	test_dom_exc();
	/* Domains 5 and 6 are gone again. */
	th_check_baseline("VIRQ_DOM_EXC");
	return (th_finish());
}
