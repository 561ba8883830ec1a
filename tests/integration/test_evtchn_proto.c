/*
 * Integration test: the event-channel messages at the protocol level
 * (proto.h), below libgntbox.
 *
 * - HELLO's descriptors: a blocking semaphore eventfd and a sealed
 *   event page of page_bytes, initialised for the domain's ports; handle
 *   ids differ.
 * - A bind writes the port's generation into the owner's page before the
 *   reply.
 * - EVT_NOTIFY attaches the peer's eventfd and page the first time it
 *   names that peer to a connection, not the second time, again with
 *   GBX_EVT_WANT_FDS; its reply names the peer's port and generation;
 *   PEER_NONE for an unbound remote end; EINVAL for unknown flags.
 * - The attached page and eventfd are the peer's: a notify through them
 *   reaches the peer's handle.
 * - EVT_UNBIND ends the binding in the slot even when the client did
 *   not, and keeps the port's unread entry, as Linux's ring does.
 */
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <fcntl.h>
#include <unistd.h>

#include "client/link.h"
#include "proto/evtpage.h"
#include "proto/msg.h"
#include "test_evtchn.h"

struct raw {
	struct gbx_conn *c;
	int efd;
	struct gbx_evtpage *page;
	uint64_t id;
};

static struct gbx_evtpage *
map_page(int fd)
{
	void *p;

	p = mmap(NULL, GBX_EVTPAGE_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED,
	    fd, 0);
	REQUIRE(p != MAP_FAILED);
	return (p);
}

static void
raw_open(struct raw *r, unsigned domid)
{
	const struct gbx_hello_reply *hr;
	struct stat sb;
	int fds[GBX_MAX_FDS];
	unsigned n;

	REQUIRE(gbx_conn_open(GBX_KIND_EVTCHN, domid, &r->c) == 0);
	hr = gbx_conn_hello(r->c);
	gbx_conn_take_hello_fds(r->c, fds, &n);
	REQUIRE(n == 2);
	CHECK_EQ(hr->page_bytes, GBX_EVTPAGE_BYTES);
	CHECK(hr->handle_id != 0);
	r->id = hr->handle_id;
	/* The eventfd: blocking, so that a wait is one read() of it. */
	CHECK((fcntl(fds[0], F_GETFL) & O_NONBLOCK) == 0);
	CHECK_EQ(evtpage_efd_setup(fds[0]), 0);
	/* The page: sealed against resizing. */
	REQUIRE(fstat(fds[1], &sb) == 0);
	CHECK_EQ(sb.st_size, GBX_EVTPAGE_BYTES);
	CHECK((fcntl(fds[1], F_GET_SEALS) & (F_SEAL_SHRINK | F_SEAL_GROW)) ==
	    (F_SEAL_SHRINK | F_SEAL_GROW));
	CHECK(ftruncate(fds[1], 2 * GBX_EVTPAGE_BYTES) == -1);
	r->efd = fds[0];
	r->page = map_page(fds[1]);
	(void)close(fds[1]);
	CHECK_EQ(r->page->magic, GBX_EVT_MAGIC);
	CHECK_EQ(r->page->nports, hr->max_ports);
}

static void
raw_close(struct raw *r)
{

	(void)munmap(r->page, GBX_EVTPAGE_BYTES);
	(void)close(r->efd);
	gbx_conn_close(r->c);
}

static int
raw_bind(struct raw *r, uint16_t type, uint32_t dom, uint32_t port,
    struct gbx_evt_bind_reply *rep)
{
	struct gbx_evt_bind b;
	struct gbx_call call;

	memset(&b, 0, sizeof(b));
	b.remote_dom = dom;
	b.remote_port = port;
	gbx_call_init(&call, type, &b, sizeof(b), rep, sizeof(*rep));
	return (gbx_conn_call(r->c, &call));
}

/* EVT_NOTIFY; the descriptors that came go to fds (their number back). */
static int
raw_notify(struct raw *r, uint32_t port, uint32_t flags,
    struct gbx_evt_notify_reply *rep, int *fds, unsigned *nfds)
{
	struct gbx_evt_notify n;
	struct gbx_call call;

	memset(&n, 0, sizeof(n));
	memset(rep, 0, sizeof(*rep));
	n.port = port;
	n.flags = flags;
	gbx_call_init(&call, GBX_EVT_NOTIFY, &n, sizeof(n), rep, sizeof(*rep));
	return (gbx_conn_call_fds(r->c, &call, fds, nfds));
}

static void
test_proto(void)
{
	struct gbx_evt_notify_reply nr;
	struct gbx_evt_bind_reply ba, bb;
	struct gbx_evt_port up;
	struct gbx_evtpage *pg;
	struct gbx_call call;
	struct raw a, b;
	int fds[GBX_MAX_FDS];
	uint64_t w;
	uint32_t port;
	unsigned n;

	raw_open(&a, 1);
	raw_open(&b, 2);
	CHECK(a.id != b.id);
	REQUIRE(raw_bind(&a, GBX_EVT_BIND_UNBOUND, 2, 0, &ba) == 0);
	w = atomic_load(&a.page->slot[ba.port]);
	CHECK_EQ(w >> GBX_SLOT_GEN_SHIFT, ba.gen);
	REQUIRE(raw_bind(&b, GBX_EVT_BIND_INTERDOMAIN, 1, ba.port, &bb) == 0);
	CHECK(bb.gen != 0);
	/* The binding's own event (Xen's fix-up). */
	CHECK_EQ(evtpage_wait_take(b.page, b.efd, true, &port), 0);
	CHECK_EQ(port, bb.port);
	(void)evtpage_unmask(b.page, b.efd, bb.port);
	/* The first notify brings b's descriptors, the second does not. */
	CHECK_EQ(raw_notify(&a, ba.port, 0, &nr, fds, &n), 0);
	CHECK_EQ(nr.state, GBX_EVT_PEER_HANDLE);
	CHECK_EQ(nr.peer_handle, b.id);
	CHECK_EQ(nr.peer_port, bb.port);
	CHECK_EQ(nr.peer_gen, bb.gen);
	CHECK_EQ(nr.fds_attached, 1);
	REQUIRE(n == 2);
	CHECK_EQ(evtpage_wait_take(b.page, b.efd, true, &port), 0);
	CHECK_EQ(port, bb.port);
	(void)evtpage_unmask(b.page, b.efd, bb.port);
	/* They are b's: a notify through them reaches b. */
	pg = map_page(fds[1]);
	CHECK_EQ(evtpage_notify(pg, fds[0], nr.peer_port, nr.peer_gen),
	    EVTPAGE_DELIVERABLE);
	CHECK_EQ(evtpage_wait_take(b.page, b.efd, true, &port), 0);
	CHECK_EQ(port, bb.port);
	(void)evtpage_unmask(b.page, b.efd, bb.port);
	(void)munmap(pg, GBX_EVTPAGE_BYTES);
	gbx_close_fds(fds, &n);
	CHECK_EQ(raw_notify(&a, ba.port, 0, &nr, fds, &n), 0);
	CHECK_EQ(nr.fds_attached, 0);
	CHECK_EQ(n, 0);
	CHECK_EQ(raw_notify(&a, ba.port, GBX_EVT_WANT_FDS, &nr, fds, &n), 0);
	CHECK_EQ(nr.fds_attached, 1);
	CHECK_EQ(n, 2);
	gbx_close_fds(fds, &n);
	CHECK_EQ(raw_notify(&a, ba.port, 0x2, &nr, fds, &n), EINVAL);
	CHECK_EQ(raw_notify(&a, 4095, 0, &nr, fds, &n), ENOTCONN);
	/*
	 * b's port: fired by the first of those two notifies, kept pending
	 * by the second (it came while the port was masked), which fires
	 * it again at the unmask.
	 */
	CHECK_EQ(evtpage_wait_take(b.page, b.efd, true, &port), 0);
	CHECK_EQ(port, bb.port);
	CHECK_EQ(evtpage_wait_take(b.page, b.efd, true, &port), EAGAIN);
	CHECK(evtpage_unmask(b.page, b.efd, bb.port));
	/*
	 * Unbound without the client's evtpage_unbind first: gntboxd ends
	 * the binding in the slot and keeps the unread entry, as Linux
	 * keeps it in its ring.
	 */
	memset(&up, 0, sizeof(up));
	up.port = bb.port;
	gbx_call_init(&call, GBX_EVT_UNBIND, &up, sizeof(up), NULL, 0);
	CHECK_EQ(gbx_conn_call(b.c, &call), 0);
	CHECK_U64(atomic_load(&b.page->slot[bb.port]), GBX_SLOT_Q_ONE);
	CHECK_EQ(evtpage_wait_take(b.page, b.efd, true, &port), 0);
	CHECK_EQ(port, bb.port);
	CHECK_U64(atomic_load(&b.page->slot[bb.port]), 0);
	/* a's remote end is unbound now. */
	CHECK_EQ(raw_notify(&a, ba.port, 0, &nr, fds, &n), 0);
	CHECK_EQ(nr.state, GBX_EVT_PEER_NONE);
	CHECK_EQ(n, 0);
	raw_close(&a);
	raw_close(&b);
}

int
main(void)
{

	th_start(NULL);
	th_domain(1);
	th_domain(2);
	th_baseline();
	test_proto();
	th_check_baseline("protocol");
	return (th_finish());
}
