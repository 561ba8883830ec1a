/*
 * connection.c: connections: accepting, reading and checking messages,
 * dispatching them, and queueing replies.
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
 * Replies go out at once when the socket has room and are queued (with
 * duplicates of their descriptors) when it has not.  A client whose queue
 * passes GBXD_OUT_HIGH_MSGS or GBXD_OUT_HIGH_BYTES is not read until it
 * has taken most of it: a client that floods requests without reading
 * replies only stalls itself.
 */
#include <sys/epoll.h>
#include <sys/socket.h>

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

#define ONEWAY true
#define REPLY  false

/* Every message type the daemon knows, with what is checked before its handler. */
static const struct msgtype msgtypes[] = {
	{ GBX_HELLO, 0, REPLY, MT_BULK_NO, MT_ANY, sizeof(struct gbx_hello), -1,
	    0, 0, h_hello, "HELLO" },
	{ GBX_ALLOC, GBX_KIND_GNTDEV, REPLY, MT_BULK_OK, 0,
	    sizeof(struct gbx_alloc), offsetof(struct gbx_alloc, count), 0,
	    sizeof(uint32_t), h_alloc, "ALLOC" },
	{ GBX_DEALLOC, GBX_KIND_GNTDEV, ONEWAY, MT_BULK_OK, 0,
	    sizeof(struct gbx_refs), offsetof(struct gbx_refs, count),
	    sizeof(uint32_t), 0, h_dealloc, "DEALLOC" },
	{ GBX_MAPPED, GBX_KIND_GNTDEV, ONEWAY, MT_BULK_OK, 0,
	    sizeof(struct gbx_refs), offsetof(struct gbx_refs, count),
	    sizeof(uint32_t), 0, h_mapped, "MAPPED" },
	{ GBX_UNMAPPED, GBX_KIND_GNTDEV, ONEWAY, MT_BULK_OK, 0,
	    sizeof(struct gbx_refs), offsetof(struct gbx_refs, count),
	    sizeof(uint32_t), 0, h_unmapped, "UNMAPPED" },
	{ GBX_MAP, GBX_KIND_GNTDEV, REPLY, MT_BULK_OK, 0,
	    sizeof(struct gbx_map), offsetof(struct gbx_map, count),
	    sizeof(struct gbx_grant_ref), sizeof(struct gbx_map_result), h_map,
	    "MAP" },
	{ GBX_UNMAP, GBX_KIND_GNTDEV, ONEWAY, MT_BULK_NO, 0,
	    sizeof(struct gbx_unmap), -1, 0, 0, h_unmap, "UNMAP" },
	{ GBX_NOTIFY_GRANT, GBX_KIND_GNTDEV, REPLY, MT_BULK_NO, 0,
	    sizeof(struct gbx_notify_grant), -1, 0, 0, h_notify_grant,
	    "NOTIFY_GRANT" },
	{ GBX_NOTIFY_MAP, GBX_KIND_GNTDEV, REPLY, MT_BULK_NO, 0,
	    sizeof(struct gbx_notify_map), -1, 0, 0, h_notify_map,
	    "NOTIFY_MAP" },
	{ GBX_ARENA_GET, GBX_KIND_GNTDEV, REPLY, MT_BULK_NO, 0,
	    sizeof(struct gbx_arena_get), -1, 0, 0, h_arena_get, "ARENA_GET" },
	{ GBX_COPY_ACQUIRE, GBX_KIND_GNTDEV, REPLY, MT_BULK_OK, 0,
	    sizeof(struct gbx_copy_acquire),
	    offsetof(struct gbx_copy_acquire, count),
	    sizeof(struct gbx_copy_grant), sizeof(struct gbx_map_result),
	    h_copy_acquire, "COPY_ACQUIRE" },
	{ GBX_COPY_RELEASE, GBX_KIND_GNTDEV, ONEWAY, MT_BULK_NO, 0,
	    sizeof(struct gbx_copy_release), -1, 0, 0, h_copy_release,
	    "COPY_RELEASE" },
	{ GBX_ADOPT, GBX_KIND_GNTDEV, REPLY, MT_BULK_OK, 0,
	    sizeof(struct gbx_refs), offsetof(struct gbx_refs, count),
	    sizeof(uint32_t), 0, h_adopt, "ADOPT" },
	{ GBX_EVT_BIND_UNBOUND, GBX_KIND_EVTCHN, REPLY, MT_BULK_NO, 0,
	    sizeof(struct gbx_evt_bind), -1, 0, 0, h_evt_bind,
	    "EVT_BIND_UNBOUND" },
	{ GBX_EVT_BIND_INTERDOMAIN, GBX_KIND_EVTCHN, REPLY, MT_BULK_NO, 0,
	    sizeof(struct gbx_evt_bind), -1, 0, 0, h_evt_bind,
	    "EVT_BIND_INTERDOMAIN" },
	{ GBX_EVT_BIND_VIRQ, GBX_KIND_EVTCHN, REPLY, MT_BULK_NO, 0,
	    sizeof(struct gbx_evt_bind), -1, 0, 0, h_evt_bind,
	    "EVT_BIND_VIRQ" },
	{ GBX_EVT_UNBIND, GBX_KIND_EVTCHN, REPLY, MT_BULK_NO, 0,
	    sizeof(struct gbx_evt_port), -1, 0, 0, h_evt_unbind, "EVT_UNBIND" },
	{ GBX_EVT_NOTIFY, GBX_KIND_EVTCHN, REPLY, MT_BULK_NO, 0,
	    sizeof(struct gbx_evt_notify), -1, 0, 0, h_evt_notify,
	    "EVT_NOTIFY" },
	{ GBX_EVT_RESTRICT, GBX_KIND_EVTCHN, REPLY, MT_BULK_NO, 0,
	    sizeof(struct gbx_evt_restrict), -1, 0, 0, h_evt_restrict,
	    "EVT_RESTRICT" },
	{ GBX_CTL_PING, GBX_KIND_CONTROL, REPLY, MT_BULK_NO, 0, 0, -1, 0, 0,
	    h_ping, "CTL_PING" },
	{ GBX_CTL_SHUTDOWN, GBX_KIND_CONTROL, REPLY, MT_BULK_NO, 0, 0, -1, 0, 0,
	    h_shutdown, "CTL_SHUTDOWN" },
	{ GBX_CTL_DOMAIN_CREATE, GBX_KIND_CONTROL, REPLY, MT_BULK_NO, 0,
	    sizeof(struct gbx_domain_create), -1, 0, 0, h_domain_create,
	    "CTL_DOMAIN_CREATE" },
	{ GBX_CTL_DOMAIN_DESTROY, GBX_KIND_CONTROL, REPLY, MT_BULK_NO, 0,
	    sizeof(struct gbx_domain_id), -1, 0, 0, h_domain_destroy,
	    "CTL_DOMAIN_DESTROY" },
	{ GBX_CTL_DOMAIN_LIST, GBX_KIND_CONTROL, REPLY, MT_BULK_ALWAYS, 0, 0,
	    -1, 0, 0, h_domain_list, "CTL_DOMAIN_LIST" },
	{ GBX_CTL_GRANTS, GBX_KIND_CONTROL, REPLY, MT_BULK_ALWAYS, 0,
	    sizeof(struct gbx_dump), -1, 0, 0, h_grants, "CTL_GRANTS" },
	{ GBX_CTL_PORTS, GBX_KIND_CONTROL, REPLY, MT_BULK_ALWAYS, 0,
	    sizeof(struct gbx_dump), -1, 0, 0, h_ports, "CTL_PORTS" },
	{ GBX_CTL_STATS, GBX_KIND_CONTROL, REPLY, MT_BULK_NO, 0, 0, -1, 0, 0,
	    h_stats, "CTL_STATS" },
};

/* The receive buffer, aligned so that bodies can be read in place. */
static union {
	uint64_t align;
	char buf[GBX_MSG_MAX];
} rbuf;

static const struct msgtype *
msgtype_find(uint16_t type)
{
	size_t i;

	for (i = 0; i < sizeof(msgtypes) / sizeof(msgtypes[0]); i++)
		if (msgtypes[i].type == type)
			return (&msgtypes[i]);
	return (NULL);
}

static uint32_t
conn_events(const struct conn *c)
{

	return ((c->reading ? EPOLLIN : 0) |
	    (STAILQ_EMPTY(&c->outq) ? 0 : EPOLLOUT));
}

/*
 * Count a protocol error and log it, at most CONN_LOGGED_ERRORS times per
 * connection so that a misbehaving client cannot flood the log.
 */
void
conn_protocol_error(struct gbxd *g, struct conn *c, const char *what)
{

	g->hv.st.protocol_errors++;
	if (c->nerrors++ < CONN_LOGGED_ERRORS)
		gbx_info("connection %u (pid %d): protocol error: %s%s", c->id,
		    (int)c->pid, what,
		    c->nerrors == CONN_LOGGED_ERRORS ? " (no more logged)" :
						       "");
}

/* Queue a message that the socket had no room for. */
static int
conn_queue(struct conn *c, const struct gbx_hdr *h, const void *body,
    size_t blen, const void *tail, size_t tlen, const int *fds, unsigned nfds)
{
	struct outmsg *m;
	size_t len;
	unsigned i;

	len = sizeof(*h) + blen + tlen;
	if ((m = malloc(sizeof(*m) + len)) == NULL)
		return (ENOMEM);
	memcpy(m->data, h, sizeof(*h));
	((struct gbx_hdr *)(void *)m->data)->len = (uint32_t)len;
	if (blen != 0)
		memcpy(m->data + sizeof(*h), body, blen);
	if (tlen != 0)
		memcpy(m->data + sizeof(*h) + blen, tail, tlen);
	m->len = len;
	/* Our descriptors may be closed before the message goes. */
	for (m->nfds = 0; m->nfds < nfds; m->nfds++) {
		if ((m->fds[m->nfds] =
			    fcntl(fds[m->nfds], F_DUPFD_CLOEXEC, 0)) == -1) {
			for (i = 0; i < m->nfds; i++)
				(void)close(m->fds[i]);
			free(m);
			return (ENOMEM);
		}
	}
	STAILQ_INSERT_TAIL(&c->outq, m, link);
	c->outn++;
	c->outbytes += len;
	if (c->outn >= GBXD_OUT_HIGH_MSGS || c->outbytes >= GBXD_OUT_HIGH_BYTES)
		c->reading = false;
	return (loop_mod(c->g, &c->ev, conn_events(c)));
}

/*
 * Send a message now, or queue it if the socket is full.  A socket
 * error marks the connection for closing once its message is handled.
 */
static void
conn_send(struct conn *c, struct gbx_hdr *h, const void *body, size_t blen,
    const void *tail, size_t tlen, const int *fds, unsigned nfds)
{
	int error;

	if (c->closing)
		return;
	if (STAILQ_EMPTY(&c->outq)) {
		error = gbx_msg_send(c->ev.fd, h, body, blen, tail, tlen, fds,
		    nfds);
		if (error == 0)
			return;
		if (error != EAGAIN) {
			c->closing = true;
			return;
		}
	}
	if (conn_queue(c, h, body, blen, tail, tlen, fds, nfds) != 0) {
		gbx_warn("connection %u: cannot queue a reply: dropping it",
		    c->id);
		c->g->hv.st.conns_dropped++;
		c->closing = true;
	}
}

/* Send what the socket now has room for. */
static void
conn_flush(struct gbxd *g, struct conn *c)
{
	struct outmsg *m;
	unsigned i;
	int error;

	while ((m = STAILQ_FIRST(&c->outq)) != NULL) {
		error = gbx_msg_send(c->ev.fd,
		    (struct gbx_hdr *)(void *)m->data,
		    m->data + sizeof(struct gbx_hdr),
		    m->len - sizeof(struct gbx_hdr), NULL, 0, m->fds, m->nfds);
		if (error == EAGAIN)
			break;
		if (error != 0) {
			conn_close(g, c);
			return;
		}
		STAILQ_REMOVE_HEAD(&c->outq, link);
		c->outn--;
		c->outbytes -= m->len;
		for (i = 0; i < m->nfds; i++)
			(void)close(m->fds[i]);
		free(m);
	}
	if (!c->reading && c->outn <= GBXD_OUT_HIGH_MSGS / 4 &&
	    c->outbytes <= GBXD_OUT_HIGH_BYTES / 4)
		c->reading = true;
	(void)loop_mod(g, &c->ev, conn_events(c));
}

/*
 * Reply to r (nothing for one-way types).  A tail goes into the bulk
 * memfd when the request was bulk; when that write fails nothing is
 * sent and the error is returned, so that the handler can undo.
 */
int
conn_reply(struct conn *c, struct req *r, int error, const void *body,
    size_t blen, const void *tail, size_t tlen, const int *fds, unsigned nfds)
{
	struct gbx_hdr h;
	int e;

	if (r->t != NULL && r->t->oneway)
		return (0);
	memset(&h, 0, sizeof(h));
	h.type = r->h.type;
	h.seq = r->h.seq;
	h.error = error;
	if (tlen != 0 && r->bulk != -1) {
		if ((e = gbx_bulk_write(r->bulk, tail, tlen, 0)) != 0)
			return (e == EPROTO ? EPROTO : e);
		h.flags = GBX_F_BULK;
		tail = NULL;
		tlen = 0;
	} else if (r->bulk_out && error == 0) {
		h.flags = GBX_F_BULK;
	}
	conn_send(c, &h, body, blen, tail, tlen, fds, nfds);
	return (0);
}

/*
 * Answer r with an error (header only).  EPROTO and failed one-way
 * messages are protocol errors: counted and logged.
 */
void
conn_fail(struct gbxd *g, struct conn *c, struct req *r, int error)
{
	char what[128];

	if (error == EPROTO || (r->t != NULL && r->t->oneway)) {
		(void)snprintf(what, sizeof(what), "%s (type %#x): %s",
		    r->t != NULL ? r->t->name : "?", r->h.type,
		    r->why != NULL ? r->why : strerror(error));
		conn_protocol_error(g, c, what);
	}
	(void)conn_reply(c, r, error, NULL, 0, NULL, 0, NULL, 0);
}

/* Refuse r as a protocol error, saying why in the log. */
static int
req_bad(struct req *r, const char *why)
{

	r->why = why;
	return (EPROTO);
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
req_check(struct conn *c, struct req *r)
{
	const struct msgtype *t;
	uint64_t tlen;
	bool bulk;

	if ((t = r->t = msgtype_find(r->h.type)) == NULL)
		return (req_bad(r, "unknown type"));
	if (c->kind == 0 && t->type != GBX_HELLO)
		return (req_bad(r, "HELLO must come first"));
	if (c->kind != 0 && t->kind != c->kind)
		return (req_bad(r,
		    t->type == GBX_HELLO ? "second HELLO" :
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
	if (t->body != MT_VARBODY &&
	    (r->blen < t->body ||
		((t->req_elem == 0 || bulk) && r->blen != t->body)))
		return (req_bad(r, "wrong length"));
	if (t->count_off >= 0) {
		memcpy(&r->count, (const char *)r->body + t->count_off,
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
conn_handle(struct gbxd *g, struct conn *c, size_t len, const int *fds,
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
		r.t->fn(g, c, &r);
	else
		conn_fail(g, c, &r, error);
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
conn_release_process(struct conn *c)
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
conn_read(struct gbxd *g, struct conn *c)
{
	int fds[GBX_MAX_FDS];
	unsigned n, nfds;
	ssize_t r;

	for (n = 0; n < GBXD_MSGS_PER_TURN && c->reading; n++) {
		r = gbx_msg_recv(c->ev.fd, rbuf.buf, sizeof(rbuf.buf), fds,
		    &nfds);
		if (r == -EAGAIN) {
			if (c->token_hup)
				conn_release_process(c);
			return;
		}
		if (r == -EPROTO) {
			conn_drop(g, c, "truncated or malformed message");
			return;
		}
		if (r <= 0) {
			conn_close(g, c);
			return;
		}
		conn_handle(g, c, (size_t)r, fds, nfds);
		if (c->closing) {
			conn_close(g, c);
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
conn_token_hangup(struct gbxd *g, struct conn *c)
{

	c->token_hup = true;
	if (c->reading)
		conn_read(g, c);
	else
		conn_release_process(c);
}

/*
 * Events on a connection: flush first (which may resume reading), then
 * read; a hangup while not reading closes it.
 */
static void
conn_event(struct gbxd *g, struct ev *ev, uint32_t events)
{
	struct conn *c = (struct conn *)(void *)ev;

	if ((events & EPOLLOUT) != 0)
		conn_flush(g, c);
	if (c->ev.dead)
		return;
	if ((events & EPOLLIN) != 0 && c->reading)
		conn_read(g, c);
	else if ((events & (EPOLLHUP | EPOLLERR)) != 0)
		conn_close(g, c);
}

pid_t
conn_peer_pid(int fd)
{
	struct ucred cred;
	socklen_t len;

	len = sizeof(cred);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0)
		return (0);
	return (cred.pid);
}

void
conn_refuse(struct gbxd *g, int fd, const char *path, const char *why)
{

	gbx_warn("%s: %s: connection refused", path, why);
	g->hv.st.conns_dropped++;
	(void)close(fd);
}

/*
 * A new connection on ds: its peer's pid (SO_PEERCRED) is kept for the
 * dumps; too many connections before HELLO on one socket are refused.
 */
void
conn_accept(struct gbxd *g, struct dsock *ds, int fd)
{
	struct conn *c;

	if (ds->npending >= GBXD_PENDING_PER_SOCK) {
		conn_refuse(g, fd, ds->path,
		    "too many connections before HELLO");
		return;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		(void)close(fd);
		return;
	}
	c->pid = conn_peer_pid(fd);
	c->g = g;
	c->ev.fd = fd;
	c->ev.fn = conn_event;
	c->token.fd = -1;
	c->ds = ds;
	c->id = ++g->next_conn_id;
	c->reading = true;
	STAILQ_INIT(&c->outq);
	if (loop_add(g, &c->ev, EPOLLIN) != 0) {
		(void)close(fd);
		free(c);
		return;
	}
	TAILQ_INSERT_TAIL(&ds->conns, c, link);
	ds->nopen++;
	ds->npending++;
	g->nconns++;
	g->hv.st.connections++;
	gbx_debug("connection %u from pid %d on %s", c->id, (int)c->pid,
	    ds->path);
}

/*
 * Close a connection: its socket, its token and its queued replies go at
 * once; what its client held is queued for the reaper; the struct waits
 * on the graveyard until the batch of events is done.
 */
void
conn_close(struct gbxd *g, struct conn *c)
{
	struct outmsg *m;
	unsigned i;

	if (c->ev.dead)
		return;
	loop_del(g, &c->ev);
	(void)close(c->ev.fd);
	c->ev.dead = true;
	if (c->token.fd != -1) {
		loop_del(g, &c->token);
		(void)close(c->token.fd);
		c->token.fd = -1;
	}
	c->token.dead = true;
	while ((m = STAILQ_FIRST(&c->outq)) != NULL) {
		STAILQ_REMOVE_HEAD(&c->outq, link);
		for (i = 0; i < m->nfds; i++)
			(void)close(m->fds[i]);
		free(m);
	}
	/* The hypervisor releases what it held, in bounded steps. */
	if (c->client != NULL) {
		hv_client_close(c->client);
		c->client = NULL;
	}
	if (c->evt != NULL)
		evtd_close(c);
	TAILQ_REMOVE(&c->ds->conns, c, link);
	c->ds->nopen--;
	if (c->kind != 0)
		c->ds->nhello--;
	else
		c->ds->npending--;
	g->nconns--;
	g->hv.st.connections--;
	gbx_debug("connection %u closed", c->id);
	TAILQ_INSERT_TAIL(&g->conn_grave, c, link);
	dsock_resume_all(g);
}

/*
 * Close a connection that broke the protocol beyond answering.
 */
void
conn_drop(struct gbxd *g, struct conn *c, const char *why)
{

	conn_protocol_error(g, c, why);
	gbx_info("connection %u (pid %d): dropped", c->id, (int)c->pid);
	g->hv.st.conns_dropped++;
	conn_close(g, c);
}
