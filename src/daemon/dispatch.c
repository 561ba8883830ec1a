/*
 * dispatch.c: connections that speak proto.h messages (the control socket
 * and each domain's device socket): accepting them, reading and checking
 * their messages, dispatching them to their handlers, and the process
 * token's hangup.
 *
 * Every message is checked here against its type's entry in msgtypes[]
 * before a handler sees it: the connection's kind, the flags, the number
 * of descriptors, the body's length, the count (0 or above GBX_COUNT_MAX
 * is EINVAL, before anything is allocated), and the tail's length, which
 * is computed from the checked count and never taken from the client.  A
 * bulk tail is copied out of the client's memfd with pread before anyone
 * looks at it.  What cannot be parsed at all (a truncated datagram, a
 * header whose length lies) drops the connection; anything else that is
 * wrong is answered EPROTO (or counted, for one-way messages).
 *
 * A handler returns 0 or an errno value (gntboxd.h); the dispatcher then
 * sends the reply the handler built, or a bare error header.
 */
#include <sys/epoll.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "daemon/gntboxd.h"
#include "hv/client.h"
#include "proto/msg.h"

#define CONN_LOGGED_ERRORS 8 /* protocol errors logged per connection */

/* Fields of msgtypes[]: the name is the type's without GBX_. */
#define MT(type, handler, k) .name = #type, .fn = handler, .kind = k
#define GNTDEV		     GBX_KIND_GNTDEV
#define EVTCHN		     GBX_KIND_EVTCHN
#define CONTROL		     GBX_KIND_CONTROL
#define PRIVCMD		     GBX_KIND_PRIVCMD
/* The fixed body is struct s, whose uint32_t count is field f. */
#define COUNTED(s, f)                                                          \
	.body = sizeof(s), .counted = true, .count_at = offsetof(s, f)
/* A list of refs, inline or in bulk. */
#define REFS COUNTED(struct gbx_refs, count), .req_elem = sizeof(uint32_t)

/*
 * Every message type the daemon knows, indexed by type, with what is
 * checked before its handler runs.  Unset fields are 0: no kind (HELLO
 * only), a reply, no bulk, no descriptor, no count, no tails.
 */
static const struct msgtype msgtypes[] = {
	[GBX_HELLO] = { MT(HELLO, h_hello, 0), .nfds = MT_ANY,
	    .body = sizeof(struct gbx_hello) },
	[GBX_ALLOC] = { MT(ALLOC, h_alloc, GNTDEV), .bulk = MT_BULK_OK,
	    COUNTED(struct gbx_alloc, count), .rep_elem = sizeof(uint32_t) },
	[GBX_DEALLOC] = { MT(DEALLOC, h_dealloc, GNTDEV), .oneway = true,
	    .bulk = MT_BULK_OK, REFS },
	[GBX_MAPPED] = { MT(MAPPED, h_mapped, GNTDEV), .oneway = true,
	    .bulk = MT_BULK_OK, REFS },
	[GBX_UNMAPPED] = { MT(UNMAPPED, h_unmapped, GNTDEV), .oneway = true,
	    .bulk = MT_BULK_OK, REFS },
	[GBX_MAP] = { MT(MAP, h_map, GNTDEV), .bulk = MT_BULK_OK,
	    COUNTED(struct gbx_map, count),
	    .req_elem = sizeof(struct gbx_grant_ref),
	    .rep_elem = sizeof(struct gbx_map_result) },
	[GBX_UNMAP] = { MT(UNMAP, h_unmap, GNTDEV), .oneway = true,
	    .body = sizeof(struct gbx_unmap) },
	[GBX_NOTIFY_GRANT] = { MT(NOTIFY_GRANT, h_notify_grant, GNTDEV),
	    .body = sizeof(struct gbx_notify_grant) },
	[GBX_NOTIFY_MAP] = { MT(NOTIFY_MAP, h_notify_map, GNTDEV),
	    .body = sizeof(struct gbx_notify_map) },
	[GBX_ARENA_GET] = { MT(ARENA_GET, h_arena_get, GNTDEV),
	    .body = sizeof(struct gbx_arena_get) },
	[GBX_COPY_ACQUIRE] = { MT(COPY_ACQUIRE, h_copy_acquire, GNTDEV),
	    .bulk = MT_BULK_OK, COUNTED(struct gbx_copy_acquire, count),
	    .req_elem = sizeof(struct gbx_copy_grant),
	    .rep_elem = sizeof(struct gbx_map_result) },
	[GBX_COPY_RELEASE] = { MT(COPY_RELEASE, h_copy_release, GNTDEV),
	    .oneway = true, .body = sizeof(struct gbx_copy_release) },
	[GBX_ADOPT] = { MT(ADOPT, h_adopt, GNTDEV), .bulk = MT_BULK_OK, REFS },
	[GBX_ARENA_PUT] = { MT(ARENA_PUT, h_arena_put, GNTDEV), .oneway = true,
	    REFS },
	[GBX_EVT_BIND_UNBOUND] = { MT(EVT_BIND_UNBOUND, h_evt_bind, EVTCHN),
	    .body = sizeof(struct gbx_evt_bind) },
	[GBX_EVT_BIND_INTERDOMAIN] = { MT(EVT_BIND_INTERDOMAIN, h_evt_bind,
					   EVTCHN),
	    .body = sizeof(struct gbx_evt_bind) },
	[GBX_EVT_BIND_VIRQ] = { MT(EVT_BIND_VIRQ, h_evt_bind, EVTCHN),
	    .body = sizeof(struct gbx_evt_bind) },
	[GBX_EVT_UNBIND] = { MT(EVT_UNBIND, h_evt_unbind, EVTCHN),
	    .body = sizeof(struct gbx_evt_port) },
	[GBX_EVT_NOTIFY] = { MT(EVT_NOTIFY, h_evt_notify, EVTCHN),
	    .body = sizeof(struct gbx_evt_notify) },
	[GBX_EVT_RESTRICT] = { MT(EVT_RESTRICT, h_evt_restrict, EVTCHN),
	    .body = sizeof(struct gbx_evt_restrict) },
	[GBX_PCMD_HYPERCALL] = { MT(PCMD_HYPERCALL, h_pcmd_hypercall, PRIVCMD),
	    .bulk = MT_BULK_ALWAYS, .body = sizeof(struct gbx_pcmd_hypercall) },
	[GBX_PCMD_RESTRICT] = { MT(PCMD_RESTRICT, h_pcmd_restrict, PRIVCMD),
	    .body = sizeof(struct gbx_pcmd_restrict) },
	[GBX_PCMD_FOREIGN] = { MT(PCMD_FOREIGN, h_pcmd_foreign, PRIVCMD),
	    .body = sizeof(struct gbx_pcmd_foreign) },
	[GBX_CTL_PING] = { MT(CTL_PING, h_ping, CONTROL) },
	[GBX_CTL_SHUTDOWN] = { MT(CTL_SHUTDOWN, h_shutdown, CONTROL) },
	[GBX_CTL_DOMAIN_CREATE] = { MT(CTL_DOMAIN_CREATE, h_domain_create,
					CONTROL),
	    .body = sizeof(struct gbx_domain_create) },
	[GBX_CTL_DOMAIN_DESTROY] = { MT(CTL_DOMAIN_DESTROY, h_domain_destroy,
					 CONTROL),
	    .bulk = MT_BULK_OK, .body = sizeof(struct gbx_domain_id) },
	[GBX_CTL_DOMAIN_LIST] = { MT(CTL_DOMAIN_LIST, h_domain_list, CONTROL),
	    .bulk = MT_BULK_ALWAYS },
	[GBX_CTL_GRANTS] = { MT(CTL_GRANTS, h_grants, CONTROL),
	    .bulk = MT_BULK_ALWAYS, .body = sizeof(struct gbx_dump) },
	[GBX_CTL_PORTS] = { MT(CTL_PORTS, h_ports, CONTROL),
	    .bulk = MT_BULK_ALWAYS, .body = sizeof(struct gbx_dump) },
	[GBX_CTL_STATS] = { MT(CTL_STATS, h_stats, CONTROL) },
	/* Observability (issue 12). */
	[GBX_CTL_LOG] = { MT(CTL_LOG, h_log, CONTROL), .bulk = MT_BULK_ALWAYS,
	    .body = sizeof(struct gbx_log_req) },
	[GBX_CTL_TRACE] = { MT(CTL_TRACE, h_trace, CONTROL),
	    .body = sizeof(struct gbx_dump) },
	[GBX_CTL_DOMSTATS] = { MT(CTL_DOMSTATS, h_domstats, CONTROL),
	    .bulk = MT_BULK_ALWAYS, .body = sizeof(struct gbx_dump) },
	[GBX_CTL_XS_PERMS] = { MT(CTL_XS_PERMS, h_xs_perms, CONTROL),
	    COUNTED(struct gbx_xs_path, len), .req_elem = 1 },
	/* Destroy reaches processes with no connection (issue 11). */
	[GBX_CTL_DOMAIN_JOIN] = { MT(CTL_DOMAIN_JOIN, h_domain_join, CONTROL),
	    .nfds = 1, .body = sizeof(struct gbx_domain_id) },
	[GBX_CTL_PERSIST] = { MT(CTL_PERSIST, h_persist, CONTROL) },
};

/* The receive buffer, aligned so that bodies can be read in place. */
static union {
	uint64_t align;
	char buf[GBX_MSG_MAX];
} rbuf;

static const struct msgtype *
msgtype_find(uint16_t type)
{

	if (type >= sizeof(msgtypes) / sizeof(msgtypes[0]) ||
	    msgtypes[type].fn == NULL)
		return (NULL);
	return (&msgtypes[type]);
}

/*
 * Count a protocol error and log it, at most CONN_LOGGED_ERRORS times per
 * connection so that a misbehaving client cannot flood the log.
 */
void
mconn_protocol_error(struct gbxd *g, struct mconn *c, const char *what)
{

	g->hv.st.protocol_errors++;
	if (c->nerrors++ < CONN_LOGGED_ERRORS)
		gbx_info("connection %u (pid %d): protocol error: %s%s",
		    c->conn.id, (int)c->conn.pid, what,
		    c->nerrors == CONN_LOGGED_ERRORS ? " (no more logged)" :
						       "");
}

/*
 * Answer r with an error (header only).  EPROTO and failed one-way
 * messages are protocol errors: counted and logged.
 */
static void
mconn_fail(struct gbxd *g, struct mconn *c, struct req *r, int error)
{
	char what[128];

	if (error == EPROTO || (r->t != NULL && r->t->oneway)) {
		(void)snprintf(what, sizeof(what), "%s (type %#x): %s",
		    r->t != NULL ? r->t->name : "?", r->h.type,
		    r->why != NULL ? r->why : strerror(error));
		mconn_protocol_error(g, c, what);
	}
	reply_fail(c, r, error);
}

/* A bulk memfd must be shmem: reading it can then never block. */
static bool
bulk_ok(int fd)
{

	return (fcntl(fd, F_GET_SEALS) != -1);
}

/*
 * Check r against its type (see the comment at the top).  Returns 0 or
 * the error to answer.
 */
static int
req_check(struct mconn *c, struct req *r)
{
	const struct msgtype *t;
	uint64_t tlen;
	bool bulk;

	if ((t = r->t = msgtype_find(r->h.type)) == NULL)
		return (req_bad(r, "unknown type"));
	if (c->kind == 0 && r->h.type != GBX_HELLO)
		return (req_bad(r, "HELLO must come first"));
	if (c->kind != 0 && t->kind != c->kind)
		return (req_bad(r,
		    r->h.type == GBX_HELLO ? "second HELLO" :
					     "wrong connection kind"));
	if ((r->h.flags & ~GBX_F_BULK) != 0 || r->h.error != 0)
		return (req_bad(r, "unknown flags or an error in a request"));
	bulk = (r->h.flags & GBX_F_BULK) != 0;
	if (bulk ? t->bulk == MT_BULK_NO : t->bulk == MT_BULK_ALWAYS)
		return (req_bad(r,
		    bulk ? "bulk where no tail is" :
			   "dumps need a bulk memfd"));
	if (bulk) {
		if (r->nfds != 1 || !bulk_ok(r->fds[0]))
			return (req_bad(r, "bulk needs exactly one memfd"));
		r->bulk = r->fds[0];
		r->fds[0] = -1;
		r->nfds = 0;
	} else if (t->nfds != MT_ANY && r->nfds != t->nfds) {
		return (req_bad(r, "wrong number of descriptors"));
	}
	if (r->blen < t->body ||
	    ((t->req_elem == 0 || bulk) && r->blen != t->body))
		return (req_bad(r, "wrong length"));
	if (t->counted) {
		memcpy(&r->count, (const char *)r->body + t->count_at,
		    sizeof(r->count));
		if (r->count == 0 || r->count > GBX_COUNT_MAX)
			return (EINVAL);
	}
	if (t->req_elem != 0) {
		tlen = (uint64_t)r->count * t->req_elem;
		if (bulk) {
			if ((r->tail_buf = malloc(tlen)) == NULL)
				return (ENOMEM);
			if (gbx_bulk_read(r->bulk, r->tail_buf, tlen, 0) != 0)
				return (req_bad(r,
				    "bulk memfd unreadable or "
				    "short"));
			r->tail = r->tail_buf;
		} else {
			if (r->blen - t->body != tlen)
				return (req_bad(r,
				    "tail length disagrees with "
				    "count"));
			r->tail = (const char *)r->body + t->body;
		}
	}
	/* A reply tail too big to come inline needs a bulk request. */
	if (t->rep_elem != 0 && !bulk &&
	    (uint64_t)r->count * t->rep_elem > GBX_INLINE_MAX)
		return (EMSGSIZE);
	return (0);
}

/* Handle one whole message; its descriptors are ours to close. */
static void
mconn_handle(struct gbxd *g, struct mconn *c, size_t len, const int *fds,
    unsigned nfds)
{
	struct req r;
	unsigned i;
	int error;

	memset(&r, 0, sizeof(r));
	memcpy(&r.h, rbuf.buf, sizeof(r.h));
	r.body = rbuf.buf + sizeof(r.h);
	r.blen = len - sizeof(r.h);
	r.bulk = -1;
	r.nfds = nfds;
	memcpy(r.fds, fds, nfds * sizeof(int));
	if ((error = req_check(c, &r)) == 0)
		error = r.t->fn(g, c, &r);
	if (error != 0)
		mconn_fail(g, c, &r, error);
	else
		reply_send(c, &r);
	free(r.rep.tail);
	free(r.tail_buf);
	if (r.bulk != -1)
		(void)close(r.bulk);
	/* Whatever descriptor the handler did not take is closed. */
	for (i = 0; i < r.nfds; i++)
		if (r.fds[i] != -1)
			(void)close(r.fds[i]);
}

/* Release what the process of c held by its mappings (token hangup). */
static void
mconn_release_process(struct mconn *c)
{

	c->token_hup = false;
	if (c->client != NULL)
		hv_client_hangup(c->client);
}

/*
 * Read and handle up to GBXD_MSGS_PER_TURN messages.  End of stream
 * closes; an unparseable datagram drops the connection.  Once the input
 * is drained, a pending token hangup is carried out.
 */
static void
mconn_read(struct gbxd *g, struct mconn *c)
{
	int fds[GBX_MAX_FDS];
	unsigned n, nfds;
	ssize_t r;

	for (n = 0; n < GBXD_MSGS_PER_TURN && c->reading; n++) {
		r = gbx_msg_recv(c->conn.ev.fd, rbuf.buf, sizeof(rbuf.buf), fds,
		    &nfds);
		if (r == -EAGAIN) {
			if (c->token_hup)
				mconn_release_process(c);
			return;
		}
		if (r == -EPROTO) {
			mconn_drop(g, c, "truncated or malformed message");
			return;
		}
		if (r <= 0) {
			conn_close(g, &c->conn);
			return;
		}
		mconn_handle(g, c, (size_t)r, fds, nfds);
		if (c->closing) {
			conn_close(g, &c->conn);
			return;
		}
	}
}

/*
 * The process that opened c exited or exec'd.  The releases it sent just
 * before (UNMAP, UNMAPPED) may still wait in the socket, and must be
 * handled first or they would name map objects the hangup already freed;
 * so the hangup waits until the input is drained.  A connection that is
 * not being read (its replies pile up) cannot be drained: release now.
 */
void
mconn_token_hangup(struct gbxd *g, struct mconn *c)
{

	c->token_hup = true;
	if (c->reading)
		mconn_read(g, c);
	else
		mconn_release_process(c);
}

/*
 * Events on a connection: flush first (which may resume reading), then
 * read; a hangup while not reading closes it.
 */
static void
mconn_event(struct gbxd *g, struct ev *ev, uint32_t events)
{
	struct mconn *c = (struct mconn *)(void *)ev;

	if ((events & EPOLLOUT) != 0)
		mconn_flush(g, c);
	if (c->conn.ev.dead)
		return;
	if ((events & EPOLLIN) != 0 && c->reading)
		mconn_read(g, c);
	else if ((events & (EPOLLHUP | EPOLLERR)) != 0)
		conn_close(g, &c->conn);
}

static int
mconn_init(struct gbxd *g, struct conn *conn)
{
	struct mconn *c = (struct mconn *)(void *)conn;

	(void)g;
	c->token.fd = -1;
	c->reading = true;
	STAILQ_INIT(&c->outq);
	return (0);
}

/*
 * The connection closed: its token and its queued replies go at once;
 * what its client held is queued for the reaper.
 */
static void
mconn_close(struct gbxd *g, struct conn *conn)
{
	struct mconn *c = (struct mconn *)(void *)conn;

	if (c->token.fd != -1) {
		loop_del(g, &c->token);
		(void)close(c->token.fd);
		c->token.fd = -1;
	}
	c->token.dead = true;
	feed_close(g, c);
	proc_detach(g, c->tproc);
	c->tproc = NULL;
	proc_detach(g, c->joined);
	c->joined = NULL;
	/* The token's, or the handle's eventfd and page (reaped later). */
	conn_fds_put(&c->conn, c->hfds);
	c->hfds = 0;
	mconn_outq_clear(c);
	if (c->client != NULL) {
		hv_client_close(c->client);
		c->client = NULL;
	}
	if (c->evt != NULL)
		evtd_close(g, c);
	if (c->kind != 0)
		conn->l->nhello--;
}

static const struct conn_ops mconn_ops = {
	.name = "connection",
	.size = sizeof(struct mconn),
	.event = mconn_event,
	.events = EPOLLIN,
	.init = mconn_init,
	.close = mconn_close,
};

/*
 * A new connection on a message socket.  Too many connections before
 * HELLO on one socket are refused; the limit on those past HELLO is
 * HELLO's (EMFILE).
 */
void
mconn_accept(struct gbxd *g, struct listener *l, int fd)
{

	if (l->nopen - l->nhello >= GBXD_PENDING_PER_SOCK) {
		conn_refuse(g, l, fd, EAGAIN,
		    "too many connections before HELLO");
		return;
	}
	(void)conn_new(g, l, fd, &mconn_ops);
}

void
mconn_drop(struct gbxd *g, struct mconn *c, const char *why)
{

	mconn_protocol_error(g, c, why);
	gbx_info("connection %u (pid %d): dropped", c->conn.id,
	    (int)c->conn.pid);
	g->hv.st.conns_dropped++;
	conn_close(g, &c->conn);
}
