/*
 * reply.c: replies on message connections: the builder a handler answers
 * with, and the output queue.
 *
 * The builder mirrors the client's call builder (src/client/link.h): the
 * handler asks for room for the fixed body, adds a tail and descriptors,
 * and returns; the dispatcher sends what it built.  A tail that goes back
 * through the request's bulk memfd is written when it is added, so that
 * the one step that can fail does so while the handler can still undo
 * what the request did.  After that nothing can fail that the client
 * would not see: a socket error closes the connection.
 *
 * Replies go out at once when the socket has room and are queued (with
 * duplicates of their descriptors) when it has not.  A client whose queue
 * passes GBXD_OUT_HIGH_MSGS or GBXD_OUT_HIGH_BYTES, or holds
 * GBXD_OUT_HIGH_FDMSGS replies with descriptors, is not read until it has
 * taken most of it: a client that floods requests without reading
 * replies only stalls itself.  The duplicates count against its domain's
 * descriptors (--max-fds); a reply that would pass that limit cannot be
 * queued, and its connection, which does not read, is dropped (issue 11,
 * defect 3: a queue bounded in bytes only let one domain hold every
 * descriptor gntboxd had).
 */
#include <sys/epoll.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "daemon/gntboxd.h"
#include "proto/msg.h"

/* A reply waiting for room in the socket. */
struct outmsg {
	STAILQ_ENTRY(outmsg) link;
	size_t len;
	unsigned nfds;
	int fds[GBX_MAX_FDS]; /* our duplicates */
	char data[];	      /* header, body, inline tail */
};

void *
reply_body(struct req *r, size_t len)
{

	memset(r->rep.body.buf, 0, len);
	r->rep.blen = len;
	return (r->rep.body.buf);
}

int
reply_tail(struct req *r, void *tail, size_t tlen)
{
	int error;

	r->rep.tail = tail;
	if (tlen != 0 && r->bulk != -1) {
		if ((error = gbx_bulk_write(r->bulk, tail, tlen, 0)) != 0)
			return (error);
		r->rep.flags |= GBX_F_BULK;
		tlen = 0;
	}
	r->rep.tlen = tlen;
	return (0);
}

void
reply_fds(struct req *r, const int *fds, unsigned nfds)
{

	memcpy(r->rep.fds, fds, nfds * sizeof(fds[0]));
	r->rep.nfds = nfds;
}

void
reply_error(struct req *r, int error)
{

	r->rep.error = error;
}

void
reply_bulk_out(struct req *r)
{

	r->rep.flags |= GBX_F_BULK;
}

static uint32_t
mconn_events(const struct mconn *c)
{

	return ((c->reading ? EPOLLIN : 0) |
	    (STAILQ_EMPTY(&c->outq) ? 0 : EPOLLOUT));
}

/* Queue a message that the socket had no room for. */
static int
mconn_queue(struct mconn *c, const struct gbx_hdr *h, const void *body,
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
	if (nfds != 0 && conn_fds_take(&c->conn, nfds) != 0) {
		free(m);
		return (EMFILE);
	}
	for (m->nfds = 0; m->nfds < nfds; m->nfds++) {
		if ((m->fds[m->nfds] =
			    fcntl(fds[m->nfds], F_DUPFD_CLOEXEC, 0)) == -1) {
			for (i = 0; i < m->nfds; i++)
				(void)close(m->fds[i]);
			conn_fds_put(&c->conn, nfds);
			free(m);
			return (ENOMEM);
		}
	}
	STAILQ_INSERT_TAIL(&c->outq, m, link);
	c->outn++;
	c->outbytes += len;
	if (nfds != 0)
		c->outfdmsgs++;
	if (c->outn >= GBXD_OUT_HIGH_MSGS ||
	    c->outbytes >= GBXD_OUT_HIGH_BYTES ||
	    c->outfdmsgs >= GBXD_OUT_HIGH_FDMSGS)
		c->reading = false;
	return (loop_mod(c->conn.g, &c->conn.ev, mconn_events(c)));
}

/* A queued message is sent or dropped: its duplicates go. */
static void
outmsg_free(struct mconn *c, struct outmsg *m)
{
	unsigned i;

	for (i = 0; i < m->nfds; i++)
		(void)close(m->fds[i]);
	if (m->nfds != 0) {
		conn_fds_put(&c->conn, m->nfds);
		c->outfdmsgs--;
	}
	free(m);
}

/*
 * Send a message now, or queue it if the socket is full.  A socket
 * error marks the connection for closing once its message is handled.
 */
static void
mconn_send(struct mconn *c, struct gbx_hdr *h, const void *body, size_t blen,
    const void *tail, size_t tlen, const int *fds, unsigned nfds)
{
	int error;

	if (c->closing)
		return;
	if (STAILQ_EMPTY(&c->outq)) {
		error = gbx_msg_send(c->conn.ev.fd, h, body, blen, tail, tlen,
		    fds, nfds);
		if (error == 0)
			return;
		if (error != EAGAIN) {
			c->closing = true;
			return;
		}
	}
	if ((error = mconn_queue(c, h, body, blen, tail, tlen, fds, nfds)) !=
	    0) {
		gbx_warn("connection %u (pid %d): cannot queue a reply%s: "
			 "dropping it",
		    c->conn.id, (int)c->conn.pid,
		    error == EMFILE ?
			" (its domain is at its descriptor "
			"limit, --max-fds, and it does not read)" :
			"");
		c->conn.g->hv.st.conns_dropped++;
		c->closing = true;
	}
}

void
reply_send(struct mconn *c, struct req *r)
{
	struct gbx_hdr h;

	if (r->t != NULL && r->t->oneway)
		return;
	memset(&h, 0, sizeof(h));
	h.type = r->h.type;
	h.seq = r->h.seq;
	h.error = r->rep.error;
	h.flags = r->rep.flags;
	mconn_send(c, &h, r->rep.body.buf, r->rep.blen, r->rep.tail,
	    r->rep.tlen, r->rep.fds, r->rep.nfds);
}

/* A bare header with the error: whatever the handler built is dropped. */
void
reply_fail(struct mconn *c, struct req *r, int error)
{

	r->rep.error = error;
	r->rep.flags = 0;
	r->rep.blen = 0;
	r->rep.tlen = 0;
	r->rep.nfds = 0;
	reply_send(c, r);
}

void
mconn_flush(struct gbxd *g, struct mconn *c)
{
	struct outmsg *m;
	int error;

	while ((m = STAILQ_FIRST(&c->outq)) != NULL) {
		error = gbx_msg_send(c->conn.ev.fd,
		    (struct gbx_hdr *)(void *)m->data,
		    m->data + sizeof(struct gbx_hdr),
		    m->len - sizeof(struct gbx_hdr), NULL, 0, m->fds, m->nfds);
		if (error == EAGAIN)
			break;
		if (error != 0) {
			conn_close(g, &c->conn);
			return;
		}
		STAILQ_REMOVE_HEAD(&c->outq, link);
		c->outn--;
		c->outbytes -= m->len;
		outmsg_free(c, m);
	}
	if (!c->reading && c->outn <= GBXD_OUT_HIGH_MSGS / 4 &&
	    c->outbytes <= GBXD_OUT_HIGH_BYTES / 4 &&
	    c->outfdmsgs <= GBXD_OUT_HIGH_FDMSGS / 4)
		c->reading = true;
	(void)loop_mod(g, &c->conn.ev, mconn_events(c));
}

void
mconn_outq_clear(struct mconn *c)
{
	struct outmsg *m;

	while ((m = STAILQ_FIRST(&c->outq)) != NULL) {
		STAILQ_REMOVE_HEAD(&c->outq, link);
		outmsg_free(c, m);
	}
}
