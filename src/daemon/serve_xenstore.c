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
 * The sockets are listeners (listener.c) and the connections have the
 * lifecycle of every connection (connection.c): this file gives them
 * their accept callback and their init, event and close functions.
 */
#include <sys/epoll.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
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

/* A xenstore connection. */
struct xsd_conn {
	struct conn conn; /* first (gntboxd.h) */
	struct xs_conn *xc;
	TAILQ_ENTRY(xsd_conn) nlink; /* on the noted list */
	bool noted;
	uint32_t events; /* epoll interest */
	size_t inoff;	 /* unfed input: in[inoff .. inoff + inlen) */
	size_t inlen;
	size_t msgleft; /* bytes of the current request not yet fed */
	unsigned char in[XSD_READ_BYTES];
};

struct xsd {
	struct xs_store *store;
	struct listener **socks; /* GBX_DOMID_MAX + 1 slots */
	struct xsd_conn_list noted;
};

/*
 * The engine has output for c, or failed it.  We may be inside another
 * connection's request: only note c, for xsd_settle().
 */
static void
xsd_output_ready(void *cookie)
{
	struct xsd_conn *c = cookie;

	if (c->noted || c->conn.ev.dead)
		return;
	c->noted = true;
	TAILQ_INSERT_TAIL(&c->conn.g->xs->noted, c, nlink);
}

/*
 * The engine handled a request of c: count it for the domain, trace it,
 * and log a refusal on permissions with the engine's reason.  Inside the
 * store's call: nothing here calls into the store.
 */
static void
xsd_request_done(void *cookie, const struct xs_req_info *info)
{
	struct xsd_conn *c = cookie;
	struct gbxd *g = c->conn.g;
	unsigned domid = c->conn.l->domid;
	struct obs_dom *od;
	char op[96 + XENSTORE_ABS_PATH_MAX];

	if ((od = obs_dom(g, domid)) != NULL)
		od->xs_ops++;
	if (gbxd_tracing(g))
		gbxd_trace(g, domid, GBXD_NO_PEER, "xs %s%s%s%s -> %s",
		    xs_type_name(info->type), info->path[0] != '\0' ? " " : "",
		    info->path, info->tx_id != 0 ? " (in a transaction)" : "",
		    info->error == 0 ? "ok" : gbxd_errno_name(info->error));
	if (info->denied == NULL)
		return;
	(void)snprintf(op, sizeof(op), "%s%s%s", xs_type_name(info->type),
	    info->path[0] != '\0' ? " of " : "", info->path);
	gbxd_deny(g, domid, op, "%s", info->denied);
}

static const struct xs_conn_ops xsd_engine_ops = {
	.output_ready = xsd_output_ready,
	.request_done = xsd_request_done,
};

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
	    c->conn.id, (int)c->conn.pid, c->conn.l->domid, why);
	conn_close(g, &c->conn);
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
		r = send(c->conn.ev.fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
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
	if (want != c->events && loop_mod(g, &c->conn.ev, want) == 0)
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
	r = recv(c->conn.ev.fd, c->in + c->inlen, sizeof(c->in) - c->inlen,
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
			conn_close(g, &c->conn);
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
				conn_close(g, &c->conn);
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
			conn_close(g, &c->conn);
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
	if (!c->conn.ev.dead)
		xsd_arm(g, c);
	xsd_settle(g);
}

/* A new connection: an xs_conn of the socket's domain. */
static int
xsd_conn_init(struct gbxd *g, struct conn *conn)
{
	struct xsd_conn *c = (struct xsd_conn *)(void *)conn;

	c->events = EPOLLIN;
	c->xc = xs_conn_new(g->xs->store, conn->l->domid, &xsd_engine_ops, c);
	return (c->xc != NULL ? 0 : ENOMEM);
}

/*
 * The connection closed: its xs_conn goes (which ends its watches and
 * aborts its transactions).
 */
static void
xsd_conn_release(struct gbxd *g, struct conn *conn)
{
	struct xsd_conn *c = (struct xsd_conn *)(void *)conn;

	if (c->noted) {
		TAILQ_REMOVE(&g->xs->noted, c, nlink);
		c->noted = false;
	}
	xs_conn_free(c->xc);
	c->xc = NULL;
}

static const struct conn_ops xsd_conn_ops = {
	.name = "xenstore connection",
	.size = sizeof(struct xsd_conn),
	.event = xsd_conn_event,
	.events = EPOLLIN,
	.init = xsd_conn_init,
	.close = xsd_conn_release,
};

/*
 * A client connected to l: it becomes a connection of l's domain.  It is
 * closed at once when domain 0 has released the domain over the wire
 * (the store serves it no more until it is destroyed and created again),
 * and past --max-conns connections on one socket.
 */
static void
xsd_accept(struct gbxd *g, struct listener *l, int fd)
{

	if (!xs_domain_introduced(g->xs->store, l->domid)) {
		gbx_info("%s: domain %u was released: closing a connection",
		    l->path, l->domid);
		(void)close(fd);
		return;
	}
	if (l->nopen >= g->max_conns) {
		g->hv.st.limit_refusals++;
		conn_refuse(g, l, fd, EMFILE, "too many connections");
		return;
	}
	(void)conn_new(g, l, fd, &xsd_conn_ops);
}

/*
 * Listen on domain domid's xenstore socket.  Its directory exists: the
 * domain's device socket was made first (listen_device).
 */
static int
xsd_listen(struct gbxd *g, unsigned domid)
{
	char path[GBX_PATH_MAX];
	int error;

	if ((error = gbx_path_xenstore(path, sizeof(path), domid)) != 0) {
		gbx_err("cannot listen on domain %u's xenstore socket: %s",
		    domid, strerror(error));
		return (error);
	}
	return (listener_open(g, path, SOCK_STREAM, domid, xsd_accept,
	    &g->xs->socks[domid]));
}

/* Close a domain's xenstore socket and its connections. */
static void
xsd_unlisten(struct gbxd *g, unsigned domid)
{

	listener_close(g, g->xs->socks[domid]);
	g->xs->socks[domid] = NULL;
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
		xsd_unlisten(g, domid);
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
	const struct listener *l = g->xs->socks[domid];

	return (l != NULL ? l->nopen : 0);
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

/*
 * The store, with C xenstored's initial tree and domain 0 introduced
 * (the store leaves that to us), and domain 0's socket, whose directory
 * listen_device() made.
 */
int
xsd_init(struct gbxd *g)
{
	struct xsd *x;
	int error;

	if ((x = calloc(1, sizeof(*x))) == NULL)
		return (ENOMEM);
	TAILQ_INIT(&x->noted);
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
			xsd_unlisten(g, i);
	xs_store_free(x->store);
	free(x->socks);
	free(x);
	g->xs = NULL;
}

/*
 * CTL_XS_PERMS: a node's permissions as the store keeps them, with the
 * entries it ignores marked (`gntbox xs ls -p`).
 */
int
h_xs_perms(struct gbxd *g, struct mconn *c, struct req *r)
{
	static struct xs_perm_entry
	    ent[GBX_INLINE_MAX / sizeof(struct gbx_xs_perm)];
	struct gbx_xs_perms_reply *rep;
	struct gbx_xs_perm *out;
	const char *path = r->tail;
	uint32_t i, n;
	int error;

	(void)c;
	if (path[r->count - 1] != '\0' || strlen(path) + 1 != r->count)
		return (EINVAL);
	error = xs_node_perms(g->xs->store, path, ent,
	    sizeof(ent) / sizeof(ent[0]), &n);
	if (error != 0)
		return (error);
	if ((out = calloc(n + 1, sizeof(*out))) == NULL)
		return (ENOMEM);
	for (i = 0; i < n; i++) {
		out[i].domid = ent[i].domid;
		out[i].access = (uint8_t)ent[i].access;
		out[i].flags = ent[i].ignored ? GBX_XS_PERM_IGNORED : 0;
	}
	if (reply_tail(r, out, n * sizeof(*out)) != 0)
		return (EPROTO);
	rep = REPLY_BODY(r, struct gbx_xs_perms_reply);
	rep->count = n;
	return (0);
}
