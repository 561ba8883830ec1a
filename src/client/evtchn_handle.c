/*
 * evtchn_handle.c: an event-channel handle in the client process
 * (evtchn_handle.h).
 *
 * A handle is a connection of kind GBX_KIND_EVTCHN.  gntboxd gave it, at
 * HELLO, its eventfd (the pollable descriptor) and its event page, mapped
 * here (proto/evtpage.h, docs/architecture.md §6).  Binding and unbinding
 * are round trips; notifying is not, once the handle knows where the
 * remote end is.
 *
 * Ports.  ports[p] says whether this handle owns port p and, when it has
 * notified it before, where the remote end was then: the peer handle's
 * cache entry, the remote port (its slot in the peer's page) and the
 * binding's generation.  A port is looked up by index: ENOTCONN for a port
 * not ours costs no round trip.
 *
 * Peers.  A peer is another handle (any domain's, this one's included)
 * whose eventfd and page gntboxd sent with an EVT_NOTIFY reply: the page
 * mapped, the eventfd kept.  Peers are kept in a tree by handle id, and
 * counted by the ports whose cache names them; the last port to let go
 * (it became stale, its remote end went away, it was unbound) unmaps the
 * page and closes the eventfd, so a long-lived handle that meets many
 * peers holds descriptors only for the ones it still talks to.  Our own
 * handle (a channel between two ports of this handle) is a permanent
 * peer that owns nothing.
 *
 * Notify.  The fast path holds the read lock, so several threads notify
 * at once and nobody unmaps a peer under them, and does one
 * evtpage_notify on the cached peer.  A stale cache (the generation in the
 * slot changed: the remote end was unbound or rebound) or none at all
 * takes the slow path: EVT_NOTIFY, in which gntboxd delivers the event (or
 * drops it when the remote end is unbound, as Xen does) and says where the
 * remote end is now; the cache is then refreshed under the write lock.
 * A reply naming a peer we do not hold, without its descriptors (gntboxd
 * sends them once per connection, and we may have let them go since),
 * leaves the port uncached, and the next notify asks for them
 * (GBX_EVT_WANT_FDS): the event itself was delivered either way.
 *
 * Lock order: the handle's rwlock is never held across a round trip; the
 * connection's own mutex serialises requests.
 *
 * Gone.  When watching is on (client/hangup.h: the preload library turns
 * it on), the handle's connection is watched, and when gntboxd goes away
 * the page is killed (evtpage_kill): the eventfd becomes readable for
 * good, waiters wake, and every take fails with EPIPE, as every round
 * trip of the broken connection does.  Nothing on the notify or wait
 * path looks at it: the killed page answers for it.
 */
#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/paths.h"
#include "base/tree.h"
#include "client/evtchn_handle.h"
#include "client/hangup.h"
#include "client/link.h"
#include "proto/evtpage.h"
#include "proto/msg.h"
#include "proto/proto.h"

struct gbx_peer {
	RB_ENTRY(gbx_peer) link;
	uint64_t id; /* the peer handle's id */
	struct gbx_evtpage *page;
	int efd;
	uint32_t refs; /* ports whose cache names it */
};

RB_HEAD(gbx_peers, gbx_peer);

struct gbx_lport {
	bool bound;	       /* this handle owns the port */
	uint32_t gen;	       /* our binding's generation */
	struct gbx_peer *peer; /* cached remote end, or NULL */
	uint32_t peer_port;
	uint32_t peer_gen;
};

/* The handle, which include/gntbox.h calls gntbox_evtchn_t. */
struct gntbox_evtchn {
	struct gbx_conn *conn;
	struct gbx_evtpage *page; /* our event page */
	int efd;		  /* our eventfd */
	uint64_t id;		  /* our handle id */
	uint32_t nports;	  /* the domain's port limit */
	bool nonblock;
	pthread_rwlock_t lock; /* ports[] and the peers */
	struct gbx_lport *ports;
	struct gbx_peers peers;
	struct gbx_peer self;	/* this handle as a peer (loopback) */
	struct gbx_hangup *hup; /* its watch (hangup.h), or NULL */
	atomic_bool gone;	/* gntboxd went away: the page is killed */
};

static int
gbx_peer_cmp(const struct gbx_peer *a, const struct gbx_peer *b)
{

	if (a->id != b->id)
		return (a->id < b->id ? -1 : 1);
	return (0);
}

RB_GENERATE_STATIC_UNUSED(gbx_peers, gbx_peer, link, gbx_peer_cmp)

/* The peer with handle id, ourselves included, or NULL. */
static struct gbx_peer *
peer_find(struct gntbox_evtchn *e, uint64_t id)
{
	struct gbx_peer key;

	if (id == e->id)
		return (&e->self);
	key.id = id;
	return (RB_FIND(gbx_peers, &e->peers, &key));
}

/*
 * A page gntboxd sent: a memfd at least as large as an event page.  NULL
 * with errno (EPROTO for a short one) when it cannot be mapped.
 */
static struct gbx_evtpage *
page_map(int fd)
{
	struct stat sb;
	void *p;

	if (fstat(fd, &sb) == -1)
		return (NULL);
	if (sb.st_size < (off_t)GBX_EVTPAGE_BYTES) {
		errno = EPROTO;
		return (NULL);
	}
	p = mmap(NULL, GBX_EVTPAGE_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED,
	    fd, 0);
	return (p == MAP_FAILED ? NULL : p);
}

/*
 * A new peer from the descriptors of an EVT_NOTIFY reply (eventfd, page),
 * which it takes over; NULL (the descriptors closed) when the page cannot
 * be mapped or there is no memory.  Write lock held.
 */
static struct gbx_peer *
peer_add(struct gntbox_evtchn *e, uint64_t id, int efd, int pagefd)
{
	struct gbx_peer *pe;

	if ((pe = calloc(1, sizeof(*pe))) == NULL ||
	    (pe->page = page_map(pagefd)) == NULL) {
		free(pe);
		(void)close(efd);
		(void)close(pagefd);
		return (NULL);
	}
	(void)close(pagefd);
	pe->id = id;
	pe->efd = efd;
	RB_INSERT(gbx_peers, &e->peers, pe);
	return (pe);
}

/*
 * A port lets go of its cached peer; the last one unmaps the peer's page
 * and closes its eventfd.  Write lock held, so no notifier is using it.
 */
static void
port_uncache(struct gntbox_evtchn *e, struct gbx_lport *lp)
{
	struct gbx_peer *pe = lp->peer;

	lp->peer = NULL;
	if (pe == NULL || pe == &e->self || --pe->refs != 0)
		return;
	RB_REMOVE(gbx_peers, &e->peers, pe);
	(void)munmap(pe->page, GBX_EVTPAGE_BYTES);
	(void)close(pe->efd);
	free(pe);
}

/* Point a port's cache at pe (already counted or ourselves). */
static void
port_cache(struct gntbox_evtchn *e, struct gbx_lport *lp, struct gbx_peer *pe,
    uint32_t port, uint32_t gen)
{

	if (pe != &e->self)
		pe->refs++;
	port_uncache(e, lp);
	lp->peer = pe;
	lp->peer_port = port;
	lp->peer_gen = gen;
}

/* A request with a header-only reply. */
static int
evt_simple_call(struct gntbox_evtchn *e, uint16_t type, const void *body,
    size_t blen)
{
	struct gbx_call call;

	gbx_call_init(&call, type, body, blen, NULL, 0);
	return (gbx_conn_call(e->conn, &call));
}

/*
 * The watcher saw the connection hang up (hangup.h): gntboxd is gone.
 * Takes fail from now on, and whoever waits on the eventfd wakes.
 */
static void
evt_gone(void *arg)
{
	struct gntbox_evtchn *e = arg;

	atomic_store_explicit(&e->gone, true, memory_order_release);
	evtpage_kill(e->page, e->efd);
}

/*
 * What a take's error means: a killed page looks overflowed, but the
 * truth is that the connection broke.
 */
static int
evt_taken(struct gntbox_evtchn *e, int error)
{

	if (error == EFBIG &&
	    atomic_load_explicit(&e->gone, memory_order_acquire))
		return (EPIPE);
	return (error);
}

/*
 * Open a handle: HELLO of kind EVTCHN, whose reply brings the eventfd and
 * the page.  Only GNTBOX_EVTCHN_NONBLOCK is a valid flag.  Once it is
 * whole, its connection is watched.
 */
int
gbx_evtchn_open(int domid, unsigned flags, struct gntbox_evtchn **ep)
{
	const struct gbx_hello_reply *hr;
	struct gntbox_evtchn *e;
	int fds[GBX_MAX_FDS], error;
	unsigned nfds;

	if (domid == -1 && (domid = gbx_env_domid()) == -1)
		return (EINVAL);
	if (domid < 0 || domid > GBX_DOMID_MAX ||
	    (flags & ~GNTBOX_EVTCHN_NONBLOCK) != 0)
		return (EINVAL);
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return (ENOMEM);
	e->efd = -1;
	e->nonblock = (flags & GNTBOX_EVTCHN_NONBLOCK) != 0;
	RB_INIT(&e->peers);
	if ((error = pthread_rwlock_init(&e->lock, NULL)) != 0) {
		free(e);
		return (error);
	}
	if ((error = gbx_conn_open(GBX_KIND_EVTCHN, (unsigned)domid,
		 &e->conn)) != 0)
		goto fail;
	hr = gbx_conn_hello(e->conn);
	gbx_conn_take_hello_fds(e->conn, fds, &nfds);
	error = EPROTO;
	if (nfds != 2 || hr->page_bytes < GBX_EVTPAGE_BYTES ||
	    hr->max_ports < 2 || hr->max_ports > GBX_EVT_MAX_PORTS) {
		gbx_close_fds(fds, &nfds);
		goto fail;
	}
	e->efd = fds[0];
	e->page = page_map(fds[1]);
	if (e->page == NULL)
		error = errno; /* EPROTO, or mmap's ENOMEM */
	(void)close(fds[1]);
	if (e->page == NULL)
		goto fail;
	if ((error = evtpage_efd_setup(e->efd)) != 0)
		goto fail;
	e->id = hr->handle_id;
	e->nports = hr->max_ports;
	e->self.id = e->id;
	e->self.page = e->page;
	e->self.efd = e->efd;
	if ((e->ports = calloc(e->nports, sizeof(*e->ports))) == NULL) {
		error = ENOMEM;
		goto fail;
	}
	e->hup = gbx_hangup_add(gbx_conn_sock(e->conn), evt_gone, e);
	*ep = e;
	return (0);
fail:
	if (e->page != NULL)
		(void)munmap(e->page, GBX_EVTPAGE_BYTES);
	if (e->efd != -1)
		(void)close(e->efd);
	if (e->conn != NULL)
		gbx_conn_close(e->conn);
	(void)pthread_rwlock_destroy(&e->lock);
	free(e);
	return (error);
}

/*
 * Close: the connection's end makes gntboxd close every port of the
 * handle (their remote ends become unbound); then every peer goes.
 */
void
gbx_evtchn_close(struct gntbox_evtchn *e)
{
	struct gbx_peer *pe;

	gbx_hangup_del(e->hup);
	gbx_conn_close(e->conn);
	while ((pe = RB_MIN(gbx_peers, &e->peers)) != NULL) {
		RB_REMOVE(gbx_peers, &e->peers, pe);
		(void)munmap(pe->page, GBX_EVTPAGE_BYTES);
		(void)close(pe->efd);
		free(pe);
	}
	(void)munmap(e->page, GBX_EVTPAGE_BYTES);
	(void)close(e->efd);
	free(e->ports);
	(void)pthread_rwlock_destroy(&e->lock);
	free(e);
}

int
gbx_evtchn_fd(const struct gntbox_evtchn *e)
{

	return (e->efd);
}

/*
 * A bind request; on success the new port is ours (gntboxd has written
 * its slot already) and goes to *port.
 */
static int
evt_bind(struct gntbox_evtchn *e, uint16_t type, const struct gbx_evt_bind *b,
    uint32_t *port)
{
	struct gbx_evt_bind_reply rep;
	struct gbx_call call;
	int error;

	gbx_call_init(&call, type, b, sizeof(*b), &rep, sizeof(rep));
	if ((error = gbx_conn_call(e->conn, &call)) != 0)
		return (error);
	if (call.rlen != sizeof(rep) || rep.port == 0 || rep.port >= e->nports)
		return (EPROTO);
	(void)pthread_rwlock_wrlock(&e->lock);
	port_uncache(e, &e->ports[rep.port]);
	e->ports[rep.port].bound = true;
	e->ports[rep.port].gen = rep.gen;
	(void)pthread_rwlock_unlock(&e->lock);
	*port = rep.port;
	return (0);
}

int
gbx_evtchn_bind_unbound(struct gntbox_evtchn *e, uint32_t remote,
    uint32_t *port)
{
	struct gbx_evt_bind b;

	memset(&b, 0, sizeof(b));
	b.remote_dom = remote;
	return (evt_bind(e, GBX_EVT_BIND_UNBOUND, &b, port));
}

int
gbx_evtchn_bind_interdomain(struct gntbox_evtchn *e, uint32_t remote,
    uint32_t remote_port, uint32_t *port)
{
	struct gbx_evt_bind b;

	memset(&b, 0, sizeof(b));
	b.remote_dom = remote;
	b.remote_port = remote_port;
	return (evt_bind(e, GBX_EVT_BIND_INTERDOMAIN, &b, port));
}

int
gbx_evtchn_bind_virq(struct gntbox_evtchn *e, uint32_t virq, uint32_t *port)
{
	struct gbx_evt_bind b;

	memset(&b, 0, sizeof(b));
	b.virq = virq;
	return (evt_bind(e, GBX_EVT_BIND_VIRQ, &b, port));
}

/*
 * Unbind: the port leaves our table first, so that a bind on another
 * thread that gets the same number back from gntboxd is not undone by us;
 * then the slot loses its binding (no notifier can reach it afterwards;
 * its ring entries stay, to be read, as in Linux's ring); then gntboxd
 * closes the port.
 */
int
gbx_evtchn_unbind(struct gntbox_evtchn *e, uint32_t port)
{
	struct gbx_evt_port req;

	if (port >= e->nports)
		return (EINVAL);
	(void)pthread_rwlock_wrlock(&e->lock);
	if (!e->ports[port].bound) {
		(void)pthread_rwlock_unlock(&e->lock);
		return (ENOTCONN);
	}
	port_uncache(e, &e->ports[port]);
	e->ports[port].bound = false;
	evtpage_unbind(e->page, port);
	(void)pthread_rwlock_unlock(&e->lock);
	memset(&req, 0, sizeof(req));
	req.port = port;
	return (evt_simple_call(e, GBX_EVT_UNBIND, &req, sizeof(req)));
}

/*
 * The slow path of a notify: gntboxd delivers, then the port's cache is
 * brought up to date with its answer, unless another thread unbound the
 * port meanwhile (gen, our binding's generation, tells a rebinding of the
 * same number apart): the answer then describes a binding that is not
 * the one the cache is for.
 */
static int
notify_slow(struct gntbox_evtchn *e, uint32_t port, uint32_t gen, bool want_fds)
{
	struct gbx_evt_notify req;
	struct gbx_evt_notify_reply rep;
	struct gbx_call call;
	struct gbx_lport *lp;
	struct gbx_peer *pe;
	int fds[GBX_MAX_FDS], error;
	unsigned nfds;

	memset(&req, 0, sizeof(req));
	req.port = port;
	req.flags = want_fds ? GBX_EVT_WANT_FDS : 0;
	gbx_call_init(&call, GBX_EVT_NOTIFY, &req, sizeof(req), &rep,
	    sizeof(rep));
	nfds = 0;
	error = gbx_conn_call_fds(e->conn, &call, fds, &nfds);
	if (error == 0 && call.fds_lost && call.rlen == sizeof(rep)) {
		/*
		 * Delivered, but our descriptor table is full: the peer's
		 * descriptors were dropped.  The port stays uncached, and the
		 * next notify asks for them again (GBX_EVT_WANT_FDS).
		 */
		gbx_close_fds(fds, &nfds);
		rep.fds_attached = 0;
	}
	if (error == 0 &&
	    (call.rlen != sizeof(rep) ||
		nfds != (rep.fds_attached != 0 ? 2u : 0u)))
		error = EPROTO;
	if (error != 0) {
		gbx_close_fds(fds, &nfds);
		return (error);
	}
	(void)pthread_rwlock_wrlock(&e->lock);
	lp = &e->ports[port];
	if (!lp->bound || lp->gen != gen) {
		gbx_close_fds(fds, &nfds);
		(void)pthread_rwlock_unlock(&e->lock);
		return (0);
	}
	pe = NULL;
	if (rep.state == GBX_EVT_PEER_HANDLE) {
		if ((pe = peer_find(e, rep.peer_handle)) != NULL)
			gbx_close_fds(fds, &nfds);
		else if (nfds == 2)
			pe = peer_add(e, rep.peer_handle, fds[0], fds[1]);
	} else
		gbx_close_fds(fds, &nfds);
	if (pe != NULL)
		port_cache(e, lp, pe, rep.peer_port, rep.peer_gen);
	else
		port_uncache(e, lp);
	(void)pthread_rwlock_unlock(&e->lock);
	return (0);
}

/*
 * Notify: the cached peer's slot, or gntboxd.  ENOTCONN for a port that
 * is not ours, out of range included, as Linux answers.
 */
int
gbx_evtchn_notify(struct gntbox_evtchn *e, uint32_t port)
{
	struct gbx_lport *lp;
	uint32_t gen;
	bool cached;

	if (port >= e->nports)
		return (ENOTCONN);
	(void)pthread_rwlock_rdlock(&e->lock);
	lp = &e->ports[port];
	if (!lp->bound) {
		(void)pthread_rwlock_unlock(&e->lock);
		return (ENOTCONN);
	}
	cached = lp->peer != NULL;
	if (cached &&
	    evtpage_notify(lp->peer->page, lp->peer->efd, lp->peer_port,
		lp->peer_gen) != EVTPAGE_STALE) {
		(void)pthread_rwlock_unlock(&e->lock);
		return (0);
	}
	gen = lp->gen;
	(void)pthread_rwlock_unlock(&e->lock);
	/* A port without a cache has no peer yet: ask for its descriptors. */
	return (notify_slow(e, port, gen, !cached));
}

/*
 * The next ring entry's port (it stays masked until unmasked).  Waits in
 * read() unless the handle is non-blocking (then EAGAIN).
 */
int
gbx_evtchn_pending(struct gntbox_evtchn *e, uint32_t *port)
{

	return (evt_taken(e,
	    evtpage_wait_take(e->page, e->efd, e->nonblock, port)));
}

/* A pending port, waiting or not as the caller says. */
int
gbx_evtchn_take(struct gntbox_evtchn *e, bool nonblock, uint32_t *port)
{

	return (
	    evt_taken(e, evtpage_wait_take(e->page, e->efd, nonblock, port)));
}

/*
 * Unmask: ports not ours are ignored, as Linux ignores unknown ports
 * written to /dev/xen/evtchn.
 */
int
gbx_evtchn_unmask(struct gntbox_evtchn *e, uint32_t port)
{

	if (port >= e->nports)
		return (0);
	(void)pthread_rwlock_rdlock(&e->lock);
	if (e->ports[port].bound)
		(void)evtpage_unmask(e->page, e->efd, port);
	(void)pthread_rwlock_unlock(&e->lock);
	return (0);
}

/*
 * Reset: Linux's IOCTL_EVTCHN_RESET empties the ring and clears its
 * overflow; the ports stay masked until unmasked.  A killed page stays
 * killed: EPIPE.
 */
int
gbx_evtchn_reset(struct gntbox_evtchn *e)
{

	if (atomic_load_explicit(&e->gone, memory_order_acquire))
		return (EPIPE);
	evtpage_reset(e->page, e->efd);
	return (0);
}

int
gbx_evtchn_restrict(struct gntbox_evtchn *e, uint32_t domid)
{
	struct gbx_evt_restrict req;

	memset(&req, 0, sizeof(req));
	req.domid = domid;
	return (evt_simple_call(e, GBX_EVT_RESTRICT, &req, sizeof(req)));
}
