/*
 * serve_evtchn.c: event-channel handles (connections of kind GBX_KIND_EVTCHN)
 * and their messages.
 *
 * Each handle is a struct evt_handle of the hypervisor model (hv/evtchn.h)
 * with what the daemon adds: the event page's memfd (sent to the handle
 * at HELLO and to every client that notifies it), the eventfd, and the
 * record of which peer handles' descriptors this connection was sent.
 *
 * Sent records.  EVT_NOTIFY attaches a peer handle's eventfd and page the
 * first time it names that handle to a connection (and whenever the
 * client asks).  A record {receiver, target} says it was done; it sits in
 * the receiver's tree (looked up by the target's id) and on the target's
 * list, so that either side's close removes it.  Handle ids are never
 * reused, so a record can never name the wrong handle.
 *
 * Closing.  A closed connection's handle joins the hypervisor's reap
 * queue (hv.h), beside the grant-device clients, which the loop empties
 * a bounded number of steps per turn: first its ports (which stop anyone
 * from naming it), then the sent records on both sides, then the handle
 * itself.  Its page and eventfd live until then, so a notify in flight
 * always lands in a mapped page.  The handle counts as a client of its
 * domain (nclients) until it is freed, so the domain, whose port table
 * the handle points into, cannot go first.
 */
#include <sys/eventfd.h>
#include <sys/mman.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "base/tree.h"
#include "daemon/gntboxd.h"
#include "hv/domain.h"
#include "hv/evtchn.h"
#include "proto/evtpage.h"

struct evtd_handle;

/* A peer handle's descriptors went to a connection (see above). */
struct evtd_sent {
	RB_ENTRY(evtd_sent) link;     /* in receiver->sent, by target id */
	TAILQ_ENTRY(evtd_sent) tlink; /* on target->sent_to */
	struct evtd_handle *receiver;
	struct evtd_handle *target;
};

RB_HEAD(evtd_senttree, evtd_sent);
TAILQ_HEAD(evtd_sentlist, evtd_sent);

struct evtd_handle {
	struct evt_handle h; /* id, domain, page, eventfd, ports */
	struct hv_domain *dom;
	int pagefd;		      /* the event page's memfd */
	uint32_t pid;		      /* the process that opened it */
	struct evtd_senttree sent;    /* peers this connection holds */
	struct evtd_sentlist sent_to; /* connections that hold this one */
	struct hv_reapable reap;      /* on the reap queue once closed */
	struct gbxd *g;
	TAILQ_ENTRY(evtd_handle) alink; /* on evtd_all */
};

/* Every handle, for the sums of CTL_DOMSTATS. */
static TAILQ_HEAD(evtd_handle_list,
    evtd_handle) evtd_all = TAILQ_HEAD_INITIALIZER(evtd_all);

static hv_reap_fn evtd_reap;

static int
sent_cmp(const struct evtd_sent *a, const struct evtd_sent *b)
{

	if (a->target->h.id != b->target->h.id)
		return (a->target->h.id < b->target->h.id ? -1 : 1);
	return (0);
}

RB_GENERATE_STATIC_UNUSED(evtd_senttree, evtd_sent, link, sent_cmp)

static struct evtd_handle *
handle_of(struct evt_handle *h)
{

	return ((struct evtd_handle *)(void *)((char *)h -
	    offsetof(struct evtd_handle, h)));
}

/* Has receiver been sent target's descriptors? */
static bool
sent_find(struct evtd_handle *receiver, struct evtd_handle *target)
{
	struct evtd_sent key;

	key.target = target;
	return (RB_FIND(evtd_senttree, &receiver->sent, &key) != NULL);
}

/*
 * Record that receiver has target's descriptors.  Without memory for the
 * record they are simply sent again next time.
 */
static void
sent_add(struct evtd_handle *receiver, struct evtd_handle *target)
{
	struct evtd_sent *s;

	if (sent_find(receiver, target) || (s = calloc(1, sizeof(*s))) == NULL)
		return;
	s->receiver = receiver;
	s->target = target;
	RB_INSERT(evtd_senttree, &receiver->sent, s);
	TAILQ_INSERT_TAIL(&target->sent_to, s, tlink);
}

/*
 * Forget, at most budget of them, the records of what eh was sent and of
 * who was sent eh.  Returns the records removed.
 */
static unsigned
sent_forget(struct evtd_handle *eh, unsigned budget)
{
	struct evtd_sent *s;
	unsigned done;

	for (done = 0; done < budget; done++) {
		if ((s = RB_MIN(evtd_senttree, &eh->sent)) == NULL &&
		    (s = TAILQ_FIRST(&eh->sent_to)) == NULL)
			break;
		/*
		 * clang's analyzer does not see that the record freed last
		 * time left both trees, and reports its use here.
		 */
		/* NOLINTNEXTLINE(clang-analyzer-unix.Malloc) */
		RB_REMOVE(evtd_senttree, &s->receiver->sent, s);
		TAILQ_REMOVE(&s->target->sent_to, s, tlink);
		free(s);
	}
	return (done);
}

/*
 * A fresh event page: a memfd of GBX_EVTPAGE_BYTES, sealed against
 * resizing (so no holder can make another fault), initialised for the
 * domain's port count and mapped here.
 */
static int
page_create(uint32_t nports, int *fdp, struct gbx_evtpage **pgp)
{
	void *p;
	int fd, error;

	fd = memfd_create("gntbox-evtpage", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd == -1)
		return (errno);
	if (ftruncate(fd, GBX_EVTPAGE_BYTES) == -1 ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) ==
		-1) {
		error = errno;
		(void)close(fd);
		return (error);
	}
	p = mmap(NULL, GBX_EVTPAGE_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED,
	    fd, 0);
	if (p == MAP_FAILED) {
		error = errno;
		(void)close(fd);
		return (error);
	}
	evtpage_init(p, nports);
	*fdp = fd;
	*pgp = p;
	return (0);
}

/*
 * HELLO of kind EVTCHN: a handle of domain d with its page and eventfd.
 * Errors: ENOMEM, EMFILE and the like from memfd_create and eventfd.
 */
int
evtd_open(struct gbxd *g, struct mconn *c, struct hv_domain *d)
{
	struct evtd_handle *eh;
	int error;

	if ((eh = calloc(1, sizeof(*eh))) == NULL)
		return (ENOMEM);
	if ((error = page_create(d->evt.max_ports, &eh->pagefd, &eh->h.page)) !=
	    0) {
		free(eh);
		return (error);
	}
	/*
	 * Blocking: a reader's wait is one read() (proto/evtpage.h, "System
	 * calls"); nothing here ever reads it, and writes never block.
	 */
	eh->h.efd = eventfd(0, EFD_SEMAPHORE | EFD_CLOEXEC);
	if (eh->h.efd == -1) {
		error = errno;
		(void)munmap(eh->h.page, GBX_EVTPAGE_BYTES);
		(void)close(eh->pagefd);
		free(eh);
		return (error);
	}
	eh->h.id = ++g->last_evt_id;
	evt_handle_init(&eh->h, &d->evt);
	eh->dom = d;
	eh->pid = (uint32_t)c->conn.pid;
	RB_INIT(&eh->sent);
	TAILQ_INIT(&eh->sent_to);
	eh->reap.fn = evtd_reap;
	eh->g = g;
	TAILQ_INSERT_TAIL(&evtd_all, eh, alink);
	d->nclients++;
	c->evt = eh;
	return (0);
}

/* What the HELLO reply of an EVTCHN connection adds. */
void
evtd_hello(const struct mconn *c, struct gbx_hello_reply *hr, struct req *r)
{
	const struct evtd_handle *eh = c->evt;
	int fds[2];

	hr->page_bytes = GBX_EVTPAGE_BYTES;
	hr->handle_id = eh->h.id;
	fds[0] = eh->h.efd;
	fds[1] = eh->pagefd;
	reply_fds(r, fds, 2);
}

/*
 * The connection closed: queue its handle for the reaper.  O(1).
 */
void
evtd_close(struct gbxd *g, struct mconn *c)
{
	struct evtd_handle *eh = c->evt;

	c->evt = NULL;
	hv_reap_queue(&g->hv, &eh->reap);
}

/* Free a handle that owns nothing and that no record names. */
static void
handle_free(struct evtd_handle *eh)
{
	struct hv_domain *d = eh->dom;
	struct obs_dom *od;

	/* Its events stay counted in its domain's total. */
	if ((od = obs_dom(eh->g, d->domid)) != NULL)
		od->events_gone += atomic_load_explicit(&eh->h.page->sent,
		    memory_order_relaxed);
	TAILQ_REMOVE(&evtd_all, eh, alink);
	(void)munmap(eh->h.page, GBX_EVTPAGE_BYTES);
	(void)close(eh->h.efd);
	(void)close(eh->pagefd);
	free(eh);
	d->nclients--;
	(void)hv_domain_gc(d);
}

/*
 * The handle's step of the reaper (hv.h): up to budget units of closing
 * work (a port released, a record removed, the handle freed).
 */
static unsigned
evtd_reap(struct hv_reapable *r, unsigned budget, bool *finished)
{
	struct evtd_handle *eh;
	unsigned done;

	eh = (struct evtd_handle *)(void *)((char *)r -
	    offsetof(struct evtd_handle, reap));
	*finished = false;
	done = evt_handle_close(&eh->h, budget);
	/* Ports first: once none is left, nothing names the handle. */
	if (eh->h.nports == 0 && done < budget)
		done += sent_forget(eh, budget - done);
	if (eh->h.nports != 0 || !RB_EMPTY(&eh->sent) ||
	    !TAILQ_EMPTY(&eh->sent_to) || done >= budget)
		return (done);
	handle_free(eh);
	*finished = true;
	return (done + 1);
}

/*
 * The handle a request came on, or NULL when its domain is dying (the
 * request is answered ESRCH): the port table is closed then, and the
 * connection about to be.
 */
static struct evtd_handle *
req_handle(struct mconn *c)
{

	return (hv_domain_dying(c->evt->dom) ? NULL : c->evt);
}

/*
 * A refused bind, with the reason Xen's checks (hv/evtchn.h) give for
 * its errno.
 */
static void
evtd_bind_denied(struct gbxd *g, const struct evtd_handle *eh, uint16_t type,
    const char *what, int error)
{
	const char *why;

	switch (error) {
	case EACCES:
		why = "the handle is restricted to another domain "
		      "(IOCTL_EVTCHN_RESTRICT_DOMID)";
		break;
	case ESRCH:
		why = "no such domain, or it is being destroyed";
		break;
	case ENOSPC:
		why = "no free port in the domain";
		break;
	case EEXIST:
		why = "the virq is bound in this domain already";
		break;
	case EBUSY:
		why = "a global virq belongs to domain 0";
		break;
	case EINVAL:
		why = type == GBX_EVT_BIND_INTERDOMAIN ?
		    "the remote port is not unbound and waiting for this "
		    "domain" :
		    "no such virq here";
		break;
	default:
		why = strerror(error);
		break;
	}
	gbxd_deny(g, eh->dom->domid, what, "%s (%s)", why,
	    gbxd_errno_name(error));
}

/*
 * EVT_BIND_UNBOUND (a port waiting for remote_dom, which, as in Xen, need
 * not exist yet), EVT_BIND_INTERDOMAIN (the remote domain must be alive:
 * a dying one has closed its ports, so ESRCH, as Xen finds no domain) and
 * EVT_BIND_VIRQ (VIRQ_DOM_EXC in domain 0 only, hv/evtchn.h).  The reply
 * has the new port and its generation.
 */
int
h_evt_bind(struct gbxd *g, struct mconn *c, struct req *r)
{
	struct gbx_evt_bind b;
	struct gbx_evt_bind_reply *rep;
	struct evtd_handle *eh;
	struct hv_domain *rd;
	char what[96];
	unsigned peer;
	int error;

	if ((eh = req_handle(c)) == NULL)
		return (ESRCH);
	memcpy(&b, r->body, sizeof(b));
	rep = REPLY_BODY(r, struct gbx_evt_bind_reply);
	peer = GBXD_NO_PEER;
	switch (r->h.type) {
	case GBX_EVT_BIND_UNBOUND:
		peer = evt_domid_resolve(&eh->dom->evt, b.remote_dom);
		(void)snprintf(what, sizeof(what), "bind unbound for dom %u",
		    peer);
		error = evt_bind_unbound(&eh->h, b.remote_dom, &rep->port,
		    &rep->gen);
		break;
	case GBX_EVT_BIND_INTERDOMAIN:
		peer = evt_domid_resolve(&eh->dom->evt, b.remote_dom);
		(void)snprintf(what, sizeof(what),
		    "bind interdomain to dom %u port %u", peer, b.remote_port);
		rd = hv_domain_live(&g->hv, peer);
		error = evt_bind_interdomain(&eh->h, b.remote_dom,
		    rd != NULL ? &rd->evt : NULL, b.remote_port, &rep->port,
		    &rep->gen);
		break;
	default:
		(void)snprintf(what, sizeof(what), "bind virq %u", b.virq);
		error = evt_bind_virq(&eh->h, b.virq, &rep->port, &rep->gen);
		break;
	}
	if (error != 0)
		evtd_bind_denied(g, eh, r->h.type, what, error);
	else if (gbxd_tracing(g))
		gbxd_trace(g, eh->dom->domid, peer, "%s -> port %u", what,
		    rep->port);
	return (error);
}

/*
 * EVT_UNBIND: the client unbound the slot; the model unbinds it again and
 * closes the port (or leaves it to the notifies that hold it).
 */
int
h_evt_unbind(struct gbxd *g, struct mconn *c, struct req *r)
{
	struct gbx_evt_port p;
	struct evtd_handle *eh;
	int error;

	if ((eh = req_handle(c)) == NULL)
		return (ESRCH);
	memcpy(&p, r->body, sizeof(p));
	error = evt_unbind(&eh->h, p.port);
	if (gbxd_tracing(g))
		gbxd_trace(g, eh->dom->domid, GBXD_NO_PEER,
		    "unbind port %u%s%s", p.port, error != 0 ? " -> " : "",
		    error != 0 ? gbxd_errno_name(error) : "");
	return (error);
}

/* The trace line of a notify through gntboxd: where the event went. */
static void
evtd_trace_notify(struct gbxd *g, const struct evtd_handle *eh, uint32_t port,
    int error, const struct evt_target *t)
{
	const struct evtd_handle *peer;

	if (error != 0) {
		gbxd_trace(g, eh->dom->domid, GBXD_NO_PEER,
		    "notify port %u via gntboxd -> %s", port,
		    gbxd_errno_name(error));
		return;
	}
	if (t->handle == NULL) {
		gbxd_trace(g, eh->dom->domid, GBXD_NO_PEER,
		    "notify port %u via gntboxd -> dropped (remote end "
		    "unbound)",
		    port);
		return;
	}
	peer = handle_of(t->handle);
	gbxd_trace(g, eh->dom->domid, peer->dom->domid,
	    "notify port %u via gntboxd -> dom %u port %u%s", port,
	    peer->dom->domid, t->port,
	    t->result == EVTPAGE_COALESCED ? " (already pending)" : "");
}

/*
 * EVT_NOTIFY: deliver (or drop) the event, and tell the client where the
 * remote end is, with the peer handle's eventfd and page the first time
 * this connection hears of it or when it asks for them.
 */
int
h_evt_notify(struct gbxd *g, struct mconn *c, struct req *r)
{
	struct gbx_evt_notify n;
	struct gbx_evt_notify_reply *rep;
	struct evtd_handle *eh, *peer;
	struct evt_target t;
	int error, fds[2];

	if ((eh = req_handle(c)) == NULL)
		return (ESRCH);
	memcpy(&n, r->body, sizeof(n));
	if ((n.flags & ~GBX_EVT_WANT_FDS) != 0)
		return (EINVAL);
	error = evt_notify(&eh->h, n.port, &t);
	if (gbxd_tracing(g))
		evtd_trace_notify(g, eh, n.port, error, &t);
	if (error != 0)
		return (error);
	rep = REPLY_BODY(r, struct gbx_evt_notify_reply);
	if (t.handle == NULL) {
		rep->state = GBX_EVT_PEER_NONE;
		return (0);
	}
	peer = handle_of(t.handle);
	rep->state = GBX_EVT_PEER_HANDLE;
	rep->peer_port = t.port;
	rep->peer_gen = t.gen;
	rep->peer_handle = peer->h.id;
	if ((n.flags & GBX_EVT_WANT_FDS) == 0 && sent_find(eh, peer))
		return (0);
	rep->fds_attached = 1;
	fds[0] = peer->h.efd;
	fds[1] = peer->pagefd;
	reply_fds(r, fds, 2);
	sent_add(eh, peer);
	return (0);
}

/* EVT_RESTRICT: Linux's IOCTL_EVTCHN_RESTRICT_DOMID. */
int
h_evt_restrict(struct gbxd *g, struct mconn *c, struct req *r)
{
	struct gbx_evt_restrict rs;
	struct evtd_handle *eh;

	(void)g;
	if ((eh = req_handle(c)) == NULL)
		return (ESRCH);
	memcpy(&rs, r->body, sizeof(rs));
	return (evt_restrict(&eh->h, rs.domid));
}

/*
 * CTL_PORTS: the record of one port of d, or false when it is free.  The
 * owner is the process that opened the handle which bound it; a port
 * that only notifies hold has none.
 */
bool
evtd_port_rec(const struct hv_domain *d, uint32_t port,
    struct gbx_port_rec *rec)
{
	const struct evt_port *p;

	p = evt_port_lookup(&d->evt, port);
	if (p == NULL || p->state == EVT_FREE)
		return (false);
	memset(rec, 0, sizeof(*rec));
	rec->domid = d->domid;
	rec->port = port;
	rec->notify_refs = p->refs;
	rec->owner_pid = p->owner != NULL ? handle_of(p->owner)->pid : 0;
	switch (p->state) {
	case EVT_UNBOUND:
		rec->state = GBX_PORT_UNBOUND;
		rec->remote_dom = p->remote_domid;
		break;
	case EVT_INTERDOMAIN:
		rec->state = GBX_PORT_INTERDOMAIN;
		rec->remote_dom = p->remote_domid;
		rec->remote_port = p->remote_port;
		break;
	default:
		rec->state = GBX_PORT_VIRQ;
		rec->virq = p->virq;
		break;
	}
	return (true);
}

/*
 * CTL_DOMSTATS: each domain's events are those of its open handles (read
 * from their pages: the notifiers count there, evtpage.h) plus those of
 * its handles closed since it was created.  One pass over the handles.
 */
void
evtd_sum_events(struct gbxd *g)
{
	struct evtd_handle *eh;
	struct hv_domain *d;
	struct obs_dom *od;

	for (d = hv_domain_first(&g->hv); d != NULL; d = hv_domain_next(d))
		if ((od = obs_dom(g, d->domid)) != NULL)
			od->events_sum = 0;
	TAILQ_FOREACH(eh, &evtd_all, alink)
		if ((od = obs_dom(g, eh->dom->domid)) != NULL)
			od->events_sum +=
			    atomic_load_explicit(&eh->h.page->sent,
				memory_order_relaxed);
}
