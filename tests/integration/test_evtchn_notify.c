/*
 * Integration test: unmap notify's SEND_EVENT, through real event
 * channels.
 *
 * - A mapper killed with SIGKILL, which had set CLEAR_BYTE | SEND_EVENT on
 *   its map of the survivor's shared page: the survivor gets the event,
 *   and when it does, the byte is already cleared.
 * - The other way round: the sharer killed while the survivor maps its
 *   page.
 * - Each fires once; a notify that is replaced or cancelled sends nothing.
 * - A notify's port outlives its handle: closed, the port stays allocated
 *   (no new bind gets its number, the remote end stays connected) until
 *   the notify fires, then it closes and the remote end is unbound.
 * - SEND_EVENT on a port of another domain, or one never bound, is
 *   EINVAL; on a port of another handle of this domain it is accepted.
 */
#include <sys/mman.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/ctl.h"
#include "test_evtchn.h"

#define PG    4096
#define RW    (PROT_READ | PROT_WRITE)
#define CLEAR GNTBOX_NOTIFY_CLEAR_BYTE
#define SEND  GNTBOX_NOTIFY_SEND_EVENT
#define BYTE  21 /* where libxenvchan keeps srv_live */

struct kc {
	struct th_chan ch;
	uint32_t port; /* the survivor's port, waiting for domain 2 */
	uint32_t ref;
};

/*
 * Domain 2, the victim that maps: bind to the survivor's port, map its
 * page with the notify on BYTE, then wait to be killed.
 */
static int
victim_mapper(void *arg)
{
	struct kc *kc = arg;
	struct gntbox_grant_ref g;
	gntbox_evtchn_t *e;
	uint64_t off;
	gntbox_t *h;
	char *p;
	int port;

	e = te_open(-1);
	port = gntbox_evtchn_bind_interdomain(e, 1, kc->port);
	REQUIRE(port > 0);
	h = th_open(-1);
	g.domid = 1;
	g.ref = kc->ref;
	CHECK_ERR(gntbox_map(h, 1, &g, 0, &off), 0);
	REQUIRE((p = gntbox_mmap(h, off, 1, RW, NULL)) != NULL);
	p[BYTE] = 1;
	CHECK_ERR(gntbox_set_unmap_notify(h, off + BYTE, CLEAR | SEND,
		      (uint32_t)port),
	    0);
	th_send_u64(&kc->ch, 1, 1);
	(void)th_recv_u64(&kc->ch, 1);
	return (0);
}

static void
test_mapper_killed(void)
{
	gntbox_evtchn_t *e;
	volatile char *p;
	uint32_t ref;
	gntbox_t *h;
	uint64_t off;
	struct kc kc;
	pid_t pid;
	int port;

	th_chan_open(&kc.ch);
	e = te_open(1);
	port = gntbox_evtchn_bind_unbound(e, 2);
	REQUIRE(port > 0);
	h = th_open(1);
	off = th_share(h, 2, 1, GNTBOX_SHARE_WRITABLE, &ref);
	REQUIRE((p = gntbox_mmap(h, off, 1, RW, NULL)) != NULL);
	kc.port = (uint32_t)port;
	kc.ref = ref;
	pid = th_spawn(2, victim_mapper, &kc);
	(void)th_recv_u64(&kc.ch, 0);
	CHECK_EQ(p[BYTE], 1);
	CHECK_EQ(te_wait(e, 50), -1);
	CHECK_EQ(th_kill(pid, SIGKILL), -SIGKILL);
	/* The event, and by then the byte is clear. */
	CHECK_EQ(te_wait(e, 5000), port);
	CHECK_EQ(p[BYTE], 0);
	CHECK_ERR(gntbox_evtchn_unmask(e, (uint32_t)port), 0);
	/* Once; and the mapper's port closed after it fired. */
	CHECK_EQ(te_wait(e, 100), -1);
	CHECK(te_port_becomes(1, (uint32_t)port, GBX_PORT_UNBOUND, 2));
	CHECK_ERR(gntbox_munmap(h, (void *)p, 1), 0);
	CHECK_ERR(gntbox_close(h), 0);
	CHECK_ERR(gntbox_evtchn_close(e), 0);
	th_chan_close(&kc.ch);
}

/*
 * Domain 1, the victim that shares: a port for domain 2, a page shared
 * with domain 2 with the notify on BYTE, then wait to be killed.
 */
static int
victim_sharer(void *arg)
{
	struct kc *kc = arg;
	gntbox_evtchn_t *e;
	uint64_t off;
	uint32_t ref;
	gntbox_t *h;
	char *p;
	int port;

	e = te_open(-1);
	port = gntbox_evtchn_bind_unbound(e, 2);
	REQUIRE(port > 0);
	h = th_open(-1);
	off = th_share(h, 2, 1, GNTBOX_SHARE_WRITABLE, &ref);
	REQUIRE((p = gntbox_mmap(h, off, 1, RW, NULL)) != NULL);
	p[BYTE] = 1;
	CHECK_ERR(gntbox_set_unmap_notify(h, off + BYTE, CLEAR | SEND,
		      (uint32_t)port),
	    0);
	th_send_u64(&kc->ch, 1, (uint64_t)port);
	th_send_u64(&kc->ch, 1, ref);
	(void)th_recv_u64(&kc->ch, 1);
	return (0);
}

static void
test_sharer_killed(void)
{
	struct gntbox_grant_ref g;
	gntbox_evtchn_t *e;
	volatile char *p;
	gntbox_t *h;
	uint64_t off;
	struct kc kc;
	pid_t pid;
	int port, rport;

	th_chan_open(&kc.ch);
	pid = th_spawn(1, victim_sharer, &kc);
	rport = (int)th_recv_u64(&kc.ch, 0);
	g.domid = 1;
	g.ref = (uint32_t)th_recv_u64(&kc.ch, 0);
	e = te_open(2);
	port = gntbox_evtchn_bind_interdomain(e, 1, (uint32_t)rport);
	REQUIRE(port > 0);
	CHECK_EQ(te_wait(e, 1000), port); /* the binding's own event */
	CHECK_ERR(gntbox_evtchn_unmask(e, (uint32_t)port), 0);
	h = th_open(2);
	CHECK_ERR(gntbox_map(h, 1, &g, 0, &off), 0);
	REQUIRE((p = gntbox_mmap(h, off, 1, RW, NULL)) != NULL);
	CHECK_EQ(p[BYTE], 1);
	CHECK_EQ(th_kill(pid, SIGKILL), -SIGKILL);
	CHECK_EQ(te_wait(e, 5000), port);
	CHECK_EQ(p[BYTE], 0);
	CHECK_ERR(gntbox_evtchn_unmask(e, (uint32_t)port), 0);
	CHECK_EQ(te_wait(e, 100), -1);
	CHECK_ERR(gntbox_munmap(h, (void *)p, 1), 0);
	CHECK_ERR(gntbox_unmap(h, off, 1), 0);
	CHECK_ERR(gntbox_close(h), 0);
	CHECK_ERR(gntbox_evtchn_close(e), 0);
	th_chan_close(&kc.ch);
}

/*
 * In one process, with two domains: a page of domain 1 whose notify names
 * port pa, connected to domain 2's pb.
 */
static void
test_port_outlives_handle(void)
{
	gntbox_evtchn_t *a, *b, *a2;
	struct gbx_port_rec r;
	uint32_t pa, pb, ref;
	uint64_t off;
	gntbox_t *h;
	char *p;
	int other;

	a = te_open(1);
	b = te_open(2);
	pa = te_connect(a, 1, b, 2, &pb);
	h = th_open(1);
	off = th_share(h, 2, 1, GNTBOX_SHARE_WRITABLE, &ref);
	REQUIRE((p = gntbox_mmap(h, off, 1, RW, NULL)) != NULL);
	CHECK_ERR(gntbox_set_unmap_notify(h, off, SEND, pa), 0);
	r = te_port(1, pa);
	CHECK_EQ(r.notify_refs, 1);
	CHECK_EQ(r.owner_pid, getpid());
	/* The handle goes; the port stays, connected, with no owner. */
	CHECK_ERR(gntbox_evtchn_close(a), 0);
	te_sleep_ms(50);
	r = te_port(1, pa);
	CHECK_EQ(r.state, GBX_PORT_INTERDOMAIN);
	CHECK_EQ(r.remote_port, pb);
	CHECK_EQ(r.owner_pid, 0);
	CHECK_EQ(te_port(2, pb).state, GBX_PORT_INTERDOMAIN);
	a2 = te_open(1);
	other = gntbox_evtchn_bind_unbound(a2, 2);
	CHECK(other > 0 && other != (int)pa);
	/* Nothing yet; then the release fires it, once. */
	CHECK_EQ(te_wait(b, 50), -1);
	CHECK_ERR(gntbox_munmap(h, p, 1), 0);
	CHECK_EQ(te_wait(b, 50), -1);
	CHECK_ERR(gntbox_unshare(h, off, 1), 0);
	CHECK_EQ(te_wait(b, 5000), (int)pb);
	CHECK_ERR(gntbox_evtchn_unmask(b, pb), 0);
	CHECK_EQ(te_wait(b, 100), -1);
	/* The last hold closed the port: the remote end waits again. */
	CHECK(te_port_becomes(1, pa, GBX_PORT_FREE, 0));
	CHECK_EQ(te_port(2, pb).state, GBX_PORT_UNBOUND);
	CHECK_ERR(gntbox_close(h), 0);
	CHECK_ERR(gntbox_evtchn_close(a2), 0);
	CHECK_ERR(gntbox_evtchn_close(b), 0);
}

/* Replaced, cancelled, or on the wrong port: nothing is sent. */
static void
test_rules(void)
{
	gntbox_evtchn_t *a, *a2, *b;
	uint32_t pa, pb, pa2, pb2, ref[2];
	int px, i;
	struct gntbox_grant_ref g;
	uint64_t off, moff;
	gntbox_t *h;
	char *p, *m;

	a = te_open(1);
	a2 = te_open(1);
	b = te_open(2);
	pa = te_connect(a, 1, b, 2, &pb);
	pa2 = te_connect(a2, 1, b, 2, &pb2);
	h = th_open(1);
	off = th_share(h, 1, 2, GNTBOX_SHARE_WRITABLE, ref);
	REQUIRE((p = gntbox_mmap(h, off, 2, RW, NULL)) != NULL);
	/* A port only domain 2 has bound, and one never bound. */
	for (i = 0, px = 0; i < 3; i++)
		px = gntbox_evtchn_bind_unbound(b, 1);
	REQUIRE(px > (int)pa && px > (int)pa2);
	CHECK_ERR(gntbox_set_unmap_notify(h, off, SEND, (uint32_t)px), EINVAL);
	CHECK_ERR(gntbox_set_unmap_notify(h, off, SEND, 4000), EINVAL);
	CHECK_ERR(gntbox_set_unmap_notify(h, off, SEND, 0), EINVAL);
	/* Another handle's port of this domain will do (Linux: any). */
	CHECK_ERR(gntbox_set_unmap_notify(h, off, SEND, pa2), 0);
	/* Replaced by a notify on pa, then cancelled: nothing fires. */
	CHECK_ERR(gntbox_set_unmap_notify(h, off, SEND, pa), 0);
	CHECK_EQ(te_port(1, pa2).notify_refs, 0);
	CHECK_EQ(te_port(1, pa).notify_refs, 1);
	CHECK_ERR(gntbox_set_unmap_notify(h, off, 0, 0), 0);
	CHECK_EQ(te_port(1, pa).notify_refs, 0);
	/* A map of our own page, notify on pa2: fires at munmap. */
	th_refs(&g, 1, &ref[1], 1);
	CHECK_ERR(gntbox_map(h, 1, &g, 0, &moff), 0);
	REQUIRE((m = gntbox_mmap(h, moff, 1, RW, NULL)) != NULL);
	CHECK_ERR(gntbox_set_unmap_notify(h, moff, SEND, pa2), 0);
	CHECK_ERR(gntbox_munmap(h, p, 2), 0);
	CHECK_ERR(gntbox_unshare(h, off, 2), 0);
	CHECK_EQ(te_wait(b, 100), -1);
	CHECK_ERR(gntbox_munmap(h, m, 1), 0);
	CHECK_EQ(te_wait(b, 5000), (int)pb2);
	CHECK_EQ(te_wait(b, 100), -1);
	CHECK_ERR(gntbox_unmap(h, moff, 1), 0);
	CHECK_ERR(gntbox_close(h), 0);
	CHECK_ERR(gntbox_evtchn_close(a), 0);
	CHECK_ERR(gntbox_evtchn_close(a2), 0);
	CHECK_ERR(gntbox_evtchn_close(b), 0);
}

int
main(void)
{

	th_start(NULL);
	th_domain(1);
	th_domain(2);
	th_baseline();
	test_mapper_killed();
	th_check_baseline("mapper killed");
	test_sharer_killed();
	th_check_baseline("sharer killed");
	test_port_outlives_handle();
	th_check_baseline("port outlives its handle");
	test_rules();
	th_check_baseline("replaced and cancelled notifies");
	return (th_finish());
}
