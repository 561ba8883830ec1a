/*
 * feed.c: control connections that follow the log (CTL_LOG with
 * GBX_LOG_FOLLOW) or the trace (CTL_TRACE).
 *
 * After its subscribing request is answered, such a connection gets one
 * CTL_FEED message per line (proto.h).  gntboxd must never wait for a
 * reader nor hold lines for one: a line goes out at once with a
 * non-blocking send, or is dropped and counted when the socket is full
 * (or when replies still wait in the connection's queue, which the line
 * must not overtake).  The next line that goes out carries the count, so
 * the reader knows where it lost lines.  A follower costs gntboxd no
 * memory beyond its record, however slow it is.
 *
 * Sending can fail in other ways (the reader went away); the connection's
 * own events close it then, as for any connection.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/gntboxd.h"
#include "proto/msg.h"

/* A follower. */
struct feed {
	struct mconn *c;
	TAILQ_ENTRY(feed) link; /* on g->log_feeds or g->trace_feeds */
	uint32_t kind;		/* GBX_FEED_* */
	uint32_t seq;		/* of the subscribing request */
	unsigned domid;		/* TRACE: a domain, or GBX_ALL_DOMAINS */
	unsigned level;		/* LOG: the most verbose level wanted */
	uint64_t dropped;	/* lines lost since the last one sent */
};

/* The followers of a kind of feed. */
static struct feed_list *
feed_list_of(struct gbxd *g, uint32_t kind)
{

	return (kind == GBX_FEED_TRACE ? &g->trace_feeds : &g->log_feeds);
}

/*
 * Make c follow a feed of kind from the reply to r on.  EBUSY when it
 * follows one already, ENOMEM.
 */
int
feed_subscribe(struct gbxd *g, struct mconn *c, struct req *r, uint32_t kind,
    unsigned domid, unsigned level)
{
	struct feed *f;

	if (c->feed != NULL)
		return (EBUSY);
	if ((f = calloc(1, sizeof(*f))) == NULL)
		return (ENOMEM);
	f->c = c;
	f->kind = kind;
	f->seq = r->h.seq;
	f->domid = domid;
	f->level = level;
	c->feed = f;
	TAILQ_INSERT_TAIL(feed_list_of(g, kind), f, link);
	if (kind == GBX_FEED_TRACE)
		g->ntracers++;
	return (0);
}

/* c is closing: it follows nothing any more.  O(1). */
void
feed_close(struct gbxd *g, struct mconn *c)
{
	struct feed *f = c->feed;

	if (f == NULL)
		return;
	TAILQ_REMOVE(feed_list_of(g, f->kind), f, link);
	if (f->kind == GBX_FEED_TRACE)
		g->ntracers--;
	c->feed = NULL;
	free(f);
}

/* Does f want a line of this level about these domains? */
static bool
feed_wants(const struct feed *f, uint32_t kind, unsigned level, unsigned dom_a,
    unsigned dom_b)
{

	if (f->c->conn.ev.dead)
		return (false);
	if (kind == GBX_FEED_LOG)
		return (level <= f->level);
	return (f->domid == GBX_ALL_DOMAINS || f->domid == dom_a ||
	    f->domid == dom_b);
}

/* One line to f, now or never. */
static void
feed_send(struct feed *f, unsigned level, const char *line, size_t len)
{
	struct gbx_feed body;
	struct gbx_hdr h;

	/* Replies still queued go first: a line must not overtake them. */
	if (!STAILQ_EMPTY(&f->c->outq)) {
		f->dropped++;
		return;
	}
	memset(&h, 0, sizeof(h));
	h.type = GBX_CTL_FEED;
	h.seq = f->seq;
	memset(&body, 0, sizeof(body));
	body.kind = f->kind;
	body.level = level;
	body.dropped = f->dropped;
	if (len > GBX_INLINE_MAX)
		len = GBX_INLINE_MAX;
	if (gbx_msg_send(f->c->conn.ev.fd, &h, &body, sizeof(body), line, len,
		NULL, 0) == 0)
		f->dropped = 0;
	else
		f->dropped++;
}

void
feed_line(struct gbxd *g, uint32_t kind, unsigned level, unsigned dom_a,
    unsigned dom_b, const char *line, size_t len)
{
	struct feed *f;

	/* A broadcast: every follower of the kind has its turn. */
	TAILQ_FOREACH(f, feed_list_of(g, kind), link)
		if (feed_wants(f, kind, level, dom_a, dom_b))
			feed_send(f, level, line, len);
}
