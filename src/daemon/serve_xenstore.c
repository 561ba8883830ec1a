/*
 * serve_xenstore.c: xenstore as a service: each domain's socket
 * $GNTBOX_DIR/dom/N/xenstore (SOCK_STREAM, as libxenstore expects), its
 * connections, and the glue between them and the engine of src/xs/.
 *
 * The engine does no I/O (xs.h).  For each accepted connection we make an
 * xs_conn of the socket's domain, feed it the bytes the client sends and
 * write out the bytes it queues.  The rules the engine sets, and why:
 *
 * - A client is read only while its output is empty, and fed one request
 *   at a time: replies and the watch events a request causes count
 *   against the connection's output bound, so feeding it more than one
 *   request ahead of its reader could fail a client that reads normally.
 *   We frame requests ourselves (the header's length) only to know where
 *   one ends; the engine checks everything else.  At most
 *   GBXD_MSGS_PER_TURN requests and XSD_OUT_PER_TURN bytes of output per
 *   connection per turn.
 * - The engine tells us through output_ready that a connection has output
 *   or was failed, possibly in the middle of another connection's request
 *   (a watch event that passed the client's output bound, a domain
 *   released over the wire).  The callback only notes the connection;
 *   xsd_settle(), which runs after every call into the store, writes out
 *   or drops what was noted.
 * - A client that does not read while its events pile up, or that sends a
 *   payload above XENSTORE_PAYLOAD_MAX, is dropped; nobody else notices.
 *
 * Epoll interest is EPOLLIN while the connection waits for requests and
 * EPOLLOUT alone while it has output (so a client that does not read its
 * replies is not read either, and stalls itself), or has buffered
 * requests it could not handle this turn (the socket is writable, so
 * that gives it another turn without a timer).
 *
 * A domain released over the wire (RELEASE) keeps its socket until it is
 * destroyed, but the store no longer knows it: connections to it are
 * closed as they come.
 *
 * Closed connections and listeners wait on our own graveyard until the
 * loop has finished its batch of events (xsd_bury), as connection.c's do.
 */
#include <sys/epoll.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xen/io/xs_wire.h>

#include "base/log.h"
#include "daemon/gntboxd.h"
#include "hv/domain.h"
#include "xs/xs.h"

#define XSD_READ_BYTES	 4096	     /* one read from a client */
#define XSD_OUT_PER_TURN (64u << 10) /* bytes written to one client */

struct xsd_conn;
TAILQ_HEAD(xsd_conn_list, xsd_conn);

/* A domain's xenstore socket. */
struct xsd_sock {
	struct ev ev;
	uint16_t domid;
	bool paused; /* accept hit the descriptor limit */
	char path[GBX_PATH_MAX];
	struct xsd_conn_list conns;
	uint32_t nconns;
	TAILQ_ENTRY(xsd_sock) link; /* paused, then on the graveyard */
};

struct xsd_conn {
	struct ev ev;
	struct gbxd *g;
	struct xsd_sock *ls;
	struct xs_conn *xc;
	TAILQ_ENTRY(xsd_conn) link;  /* in ls->conns, then on the graveyard */
	TAILQ_ENTRY(xsd_conn) nlink; /* on the noted list */
	bool noted;
	uint32_t events; /* epoll interest */
	uint32_t id;
	pid_t pid;
	size_t inoff; /* unfed input: in[inoff .. inoff + inlen) */
	size_t inlen;
	size_t msgleft; /* bytes of the current request not yet fed */
	unsigned char in[XSD_READ_BYTES];
};

struct xsd {
	struct xs_store *store;
	struct xsd_sock **socks; /* GBX_DOMID_MAX + 1 slots */
	struct xsd_conn_list noted;
	struct xsd_conn_list grave;
	TAILQ_HEAD(, xsd_sock) paused;
	TAILQ_HEAD(, xsd_sock) sgrave;
};

/*
 * The engine has output for c, or failed it.  We may be inside another
 * connection's request: only note c, for xsd_settle().
 */
static void
xsd_output_ready(void *cookie)
{
	struct xsd_conn *c = cookie;

	if (c->noted || c->ev.dead)
		return;
	c->noted = true;
	TAILQ_INSERT_TAIL(&c->g->xs->noted, c, nlink);
}

static const struct xs_conn_ops xsd_conn_ops = {
	.output_ready = xsd_output_ready,
};

/*
 * Close c: its socket, then its xs_conn (which ends its watches and
 * aborts its transactions).  The struct waits for the end of the batch.
 */
static void
xsd_conn_close(struct gbxd *g, struct xsd_conn *c)
{
	struct xsd *x = g->xs;

	if (c->ev.dead)
		return;
	loop_del(g, &c->ev);
	(void)close(c->ev.fd);
	c->ev.dead = true;
	if (c->noted) {
		TAILQ_REMOVE(&x->noted, c, nlink);
		c->noted = false;
	}
	xs_conn_free(c->xc);
	c->xc = NULL;
	TAILQ_REMOVE(&c->ls->conns, c, link);
	c->ls->nconns--;
	g->nconns--;
	g->hv.st.connections--;
	gbx_debug("xenstore connection %u closed", c->id);
	TAILQ_INSERT_TAIL(&x->grave, c, link);
	dsock_resume_all(g);
}

/*
 * Drop c because of error (what xs_conn_input() returned, or what the
 * store failed it with).  A released domain is no fault of the client;
 * everything else is counted as a dropped connection.
 */
static void
xsd_conn_drop(struct gbxd *g, struct xsd_conn *c, int error)
{
	const char *why;

	switch (error) {
	case ECONNRESET:
		why = "its domain was released";
		break;
	case EMSGSIZE:
		why = "payload above XENSTORE_PAYLOAD_MAX";
		g->hv.st.protocol_errors++;
		break;
	case ENOBUFS:
		why = "it does not read its replies and events";
		break;
	default:
		why = strerror(error);
		break;
	}
	if (error != ECONNRESET)
		g->hv.st.conns_dropped++;
	gbx_info("xenstore connection %u (pid %d, domain %u): dropped: %s",
	    c->id, (int)c->pid, c->ls->domid, why);
	xsd_conn_close(g, c);
}

/*
 * Write what c has queued, at most XSD_OUT_PER_TURN bytes.  Returns 0
 * (the rest, if any, waits for EPOLLOUT) or the socket's errno.
 */
static int
xsd_flush(struct xsd_conn *c)
{
	const void *p;
	size_t len, sent;
	ssize_t r;

	for (sent = 0;
	     sent < XSD_OUT_PER_TURN && (len = xs_conn_output(c->xc, &p)) > 0;
	     sent += (size_t)r) {
		r = send(c->ev.fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (r == -1)
			return (errno == EAGAIN || errno == EINTR ? 0 : errno);
		xs_conn_consume(c->xc, (size_t)r);
	}
	return (0);
}

/* Is a request, or the start of one, buffered and ready to feed? */
static bool
xsd_has_input(const struct xsd_conn *c)
{

	return (c->msgleft > 0 ? c->inlen > 0 :
				 c->inlen >= sizeof(struct xsd_sockmsg));
}

/* Set c's epoll interest from its state (see the comment at the top). */
static void
xsd_arm(struct gbxd *g, struct xsd_conn *c)
{
	const void *p;
	uint32_t want;

	want = xs_conn_output(c->xc, &p) > 0 || xsd_has_input(c) ? EPOLLOUT :
								   EPOLLIN;
	if (want != c->events && loop_mod(g, &c->ev, want) == 0)
		c->events = want;
}

/*
 * Feed the engine the next piece of the current request: at a request's
 * start its header says how long it is (a length above
 * XENSTORE_PAYLOAD_MAX is fed alone, and the engine fails the
 * connection).  Returns what xs_conn_input() returns; *done is set when
 * a whole request went in.
 */
static int
xsd_feed(struct xsd_conn *c, bool *done)
{
	struct xsd_sockmsg h;
	size_t k;
	int error;

	if (c->msgleft == 0) {
		memcpy(&h, c->in + c->inoff, sizeof(h));
		c->msgleft = sizeof(h) +
		    (h.len > XENSTORE_PAYLOAD_MAX ? 0 : (size_t)h.len);
	}
	k = c->inlen < c->msgleft ? c->inlen : c->msgleft;
	error = xs_conn_input(c->xc, c->in + c->inoff, k);
	c->inoff += k;
	c->inlen -= k;
	c->msgleft -= k;
	*done = c->msgleft == 0;
	return (error);
}

/*
 * Read what fits after the unfed bytes.  Returns 1 when bytes came, 0
 * when none is waiting, -1 when the client is gone (or its socket broke).
 */
static int
xsd_read(struct xsd_conn *c)
{
	ssize_t r;

	if (c->inoff != 0) {
		memmove(c->in, c->in + c->inoff, c->inlen);
		c->inoff = 0;
	}
	r = recv(c->ev.fd, c->in + c->inlen, sizeof(c->in) - c->inlen,
	    MSG_DONTWAIT);
	if (r > 0) {
		c->inlen += (size_t)r;
		return (1);
	}
	if (r == -1 && (errno == EAGAIN || errno == EINTR))
		return (0);
	return (-1);
}

/*
 * One turn of c: write out its output; while it has none, feed it the
 * next request (reading when nothing whole is buffered), up to
 * GBXD_MSGS_PER_TURN requests.  Closes or drops c when it must.
 */
static void
xsd_conn_turn(struct gbxd *g, struct xsd_conn *c)
{
	const void *p;
	unsigned n;
	bool done;
	int error, r;

	for (n = 0; n < GBXD_MSGS_PER_TURN;) {
		if (xsd_flush(c) != 0) {
			xsd_conn_close(g, c);
			return;
		}
		if (xs_conn_output(c->xc, &p) > 0)
			return;
		if (xsd_has_input(c)) {
			if ((error = xsd_feed(c, &done)) != 0) {
				xsd_conn_drop(g, c, error);
				return;
			}
			if (done)
				n++;
			continue;
		}
		if ((r = xsd_read(c)) <= 0) {
			if (r < 0)
				xsd_conn_close(g, c);
			return;
		}
	}
}

/*
 * Deal with what the engine noted: drop the connections it failed, write
 * out the others' new output.  Runs after every call into the store, so
 * that nothing noted waits for an event that may never come.
 */
static void
xsd_settle(struct gbxd *g)
{
	struct xsd *x = g->xs;
	struct xsd_conn *c;

	while ((c = TAILQ_FIRST(&x->noted)) != NULL) {
		TAILQ_REMOVE(&x->noted, c, nlink);
		c->noted = false;
		if (xs_conn_failed(c->xc))
			xsd_conn_drop(g, c, xs_conn_error(c->xc));
		else if (xsd_flush(c) != 0)
			xsd_conn_close(g, c);
		else
			xsd_arm(g, c);
	}
}

/*
 * A connection is readable or writable (or hung up, which its next read
 * or write finds out): one turn of it, its new epoll interest, then
 * whatever its requests did to other connections.
 */
static void
xsd_conn_event(struct gbxd *g, struct ev *ev, uint32_t events)
{
	struct xsd_conn *c = (struct xsd_conn *)(void *)ev;

	(void)events;
	xsd_conn_turn(g, c);
	if (!c->ev.dead)
		xsd_arm(g, c);
	xsd_settle(g);
}

/*
 * A client connected to ls: it becomes a connection of ls's domain.  It
 * is closed at once when domain 0 has released the domain over the wire
 * (the store serves it no more until it is destroyed and created again),
 * and past GBXD_CONNS_PER_DOMAIN connections on one socket.
 */
static void
xsd_conn_new(struct gbxd *g, struct xsd_sock *ls, int fd)
{
	struct xsd_conn *c;

	if (!xs_domain_introduced(g->xs->store, ls->domid)) {
		gbx_info("%s: domain %u was released: closing a connection",
		    ls->path, ls->domid);
		(void)close(fd);
		return;
	}
	if (ls->nconns >= GBXD_CONNS_PER_DOMAIN) {
		conn_refuse(g, fd, ls->path, "too many connections");
		return;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		(void)close(fd);
		return;
	}
	c->pid = conn_peer_pid(fd);
	c->g = g;
	c->ls = ls;
	c->ev.fd = fd;
	c->ev.fn = xsd_conn_event;
	c->events = EPOLLIN;
	c->id = ++g->next_conn_id;
	if ((c->xc = xs_conn_new(g->xs->store, ls->domid, &xsd_conn_ops, c)) ==
		NULL ||
	    loop_add(g, &c->ev, c->events) != 0) {
		xs_conn_free(c->xc);
		(void)close(fd);
		free(c);
		return;
	}
	TAILQ_INSERT_TAIL(&ls->conns, c, link);
	ls->nconns++;
	g->nconns++;
	g->hv.st.connections++;
	gbx_debug("xenstore connection %u from pid %d on %s", c->id,
	    (int)c->pid, ls->path);
}

/* A xenstore socket is readable: accept a bounded number of clients. */
static void
xsd_sock_event(struct gbxd *g, struct ev *ev, uint32_t events)
{
	struct xsd_sock *ls = (struct xsd_sock *)(void *)ev;
	int fd, i;

	(void)events;
	for (i = 0; i < GBXD_ACCEPTS_PER_TURN; i++) {
		fd = accept4(ev->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd != -1) {
			xsd_conn_new(g, ls, fd);
			continue;
		}
		/* Out of descriptors: listen again when a connection closes. */
		if ((errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			errno == ENOMEM) &&
		    !ls->paused && loop_mod(g, ev, 0) == 0) {
			gbx_warn("accept: %s: pausing %s", strerror(errno),
			    ls->path);
			ls->paused = true;
			TAILQ_INSERT_TAIL(&g->xs->paused, ls, link);
		}
		return;
	}
}

/* A connection closed: paused xenstore sockets listen again. */
void
xsd_resume(struct gbxd *g)
{
	struct xsd_sock *ls;

	if (g->xs == NULL)
		return;
	while ((ls = TAILQ_FIRST(&g->xs->paused)) != NULL) {
		TAILQ_REMOVE(&g->xs->paused, ls, link);
		ls->paused = false;
		(void)loop_mod(g, &ls->ev, EPOLLIN);
	}
}

/*
 * Listen on domain domid's xenstore socket.  Its directory exists: the
 * domain's device socket was made first (dsock_open).
 */
static int
xsd_listen(struct gbxd *g, unsigned domid)
{
	struct xsd_sock *ls;
	int error;

	if ((ls = calloc(1, sizeof(*ls))) == NULL)
		return (ENOMEM);
	ls->domid = (uint16_t)domid;
	ls->ev.fd = -1;
	ls->ev.fn = xsd_sock_event;
	TAILQ_INIT(&ls->conns);
	if ((error = gbx_path_xenstore(ls->path, sizeof(ls->path), domid)) !=
		0 ||
	    (error = dsock_listen(ls->path, SOCK_STREAM, &ls->ev.fd)) != 0 ||
	    (error = loop_add(g, &ls->ev, EPOLLIN)) != 0) {
		gbx_err("cannot listen on %s: %s", ls->path, strerror(error));
		if (ls->ev.fd != -1) {
			(void)close(ls->ev.fd);
			(void)unlink(ls->path);
		}
		free(ls);
		return (error);
	}
	g->xs->socks[domid] = ls;
	return (0);
}

/* Close a xenstore socket: its connections, then the socket and file. */
static void
xsd_unlisten(struct gbxd *g, struct xsd_sock *ls)
{
	struct xsd_conn *c;

	while ((c = TAILQ_FIRST(&ls->conns)) != NULL)
		xsd_conn_close(g, c);
	loop_del(g, &ls->ev);
	(void)close(ls->ev.fd);
	ls->ev.dead = true;
	(void)unlink(ls->path);
	if (ls->paused)
		TAILQ_REMOVE(&g->xs->paused, ls, link);
	g->xs->socks[ls->domid] = NULL;
	TAILQ_INSERT_TAIL(&g->xs->sgrave, ls, link);
}

/*
 * A domain was created: its home in the store (which fires
 * @introduceDomain), then its socket.  Returns 0 or an errno value, with
 * the store as it was.
 */
int
xsd_domain_add(struct gbxd *g, unsigned domid, const char *name)
{
	int error;

	if ((error = xs_domain_introduce(g->xs->store, domid, name)) != 0) {
		gbx_err("xenstore: introducing domain %u: %s", domid,
		    strerror(error));
		return (error);
	}
	if ((error = xsd_listen(g, domid)) != 0)
		(void)xs_domain_release(g->xs->store, domid);
	xsd_settle(g);
	return (error);
}

/*
 * A domain is being destroyed: close its connections and socket, then
 * release it in the store (its nodes go, @releaseDomain fires).  A
 * domain 0 already released over the wire (RELEASE) is ENOENT: nothing
 * is left to do.
 */
void
xsd_domain_remove(struct gbxd *g, unsigned domid)
{
	int error;

	if (g->xs->socks[domid] != NULL)
		xsd_unlisten(g, g->xs->socks[domid]);
	error = xs_domain_release(g->xs->store, domid);
	if (error != 0 && error != ENOENT)
		gbx_warn("xenstore: releasing domain %u: %s", domid,
		    strerror(error));
	xsd_settle(g);
}

/* Open xenstore connections of domain domid (CTL_DOMAIN_LIST). */
uint32_t
xsd_domain_conns(const struct gbxd *g, unsigned domid)
{
	const struct xsd_sock *ls = g->xs->socks[domid];

	return (ls != NULL ? ls->nconns : 0);
}

/* The store's levels into gntbox stats. */
void
xsd_stats(const struct gbxd *g, struct gbx_stats *st)
{
	struct xs_stats xst;

	xs_store_stats(g->xs->store, &xst);
	st->nodes = xst.nodes;
	st->watches = xst.watches;
	st->transactions = xst.transactions;
}

/* Free what was closed during the batch (loop.c's loop_bury). */
void
xsd_bury(struct gbxd *g)
{
	struct xsd_conn *c;
	struct xsd_sock *ls;

	if (g->xs == NULL)
		return;
	while ((c = TAILQ_FIRST(&g->xs->grave)) != NULL) {
		TAILQ_REMOVE(&g->xs->grave, c, link);
		free(c);
	}
	while ((ls = TAILQ_FIRST(&g->xs->sgrave)) != NULL) {
		TAILQ_REMOVE(&g->xs->sgrave, ls, link);
		free(ls);
	}
}

/*
 * The store, with C xenstored's initial tree and domain 0 introduced
 * (the store leaves that to us), and domain 0's socket, whose directory
 * dsock_open() made.
 */
int
xsd_init(struct gbxd *g)
{
	struct xsd *x;
	int error;

	if ((x = calloc(1, sizeof(*x))) == NULL)
		return (ENOMEM);
	TAILQ_INIT(&x->noted);
	TAILQ_INIT(&x->grave);
	TAILQ_INIT(&x->paused);
	TAILQ_INIT(&x->sgrave);
	g->xs = x;
	if ((x->socks = calloc(GBX_DOMID_MAX + 1, sizeof(*x->socks))) == NULL ||
	    (x->store = xs_store_new(NULL)) == NULL) {
		xsd_fini(g);
		return (ENOMEM);
	}
	if ((error = xsd_domain_add(g, 0, hv_domain_find(&g->hv, 0)->name)) !=
	    0) {
		xsd_fini(g);
		return (error);
	}
	return (0);
}

/*
 * Close every xenstore connection and socket, then free the store (the
 * engine wants its connections freed first).
 */
void
xsd_fini(struct gbxd *g)
{
	struct xsd *x = g->xs;
	unsigned i;

	if (x == NULL)
		return;
	for (i = 0; x->socks != NULL && i <= GBX_DOMID_MAX; i++)
		if (x->socks[i] != NULL)
			xsd_unlisten(g, x->socks[i]);
	xsd_bury(g);
	xs_store_free(x->store);
	free(x->socks);
	free(x);
	g->xs = NULL;
}
