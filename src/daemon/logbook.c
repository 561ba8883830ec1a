/*
 * logbook.c: the log lines gntboxd keeps in memory, for `gntbox log`.
 *
 * Xen keeps its console output in a ring that `xl dmesg` reads; gntboxd
 * keeps its last GBXD_LOG_LINES lines the same way, whatever --log,
 * --syslog or the journal do with them, so that `gntbox log` works
 * however the daemon was started.  Every line the daemon logs (base/log.h
 * hands it to our hook) is copied into the ring, replacing the oldest
 * when it is full, and sent to the connections that follow the log
 * (feed.c).
 *
 * CTL_LOG copies the lines a reader asks for into its bulk memfd, a
 * chunk at a time.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "daemon/gntboxd.h"
#include "proto/msg.h"

#define GBXD_LOG_LINES 2048	   /* lines kept: at most 2 MiB of text */
#define LOG_CHUNK      (64 * 1024) /* bytes per pwrite into the memfd */

struct logline {
	char *text; /* without the newline; NULL: empty slot */
	uint16_t len;
	uint8_t level;
};

struct logbook {
	struct gbxd *g;
	struct logline ring[GBXD_LOG_LINES];
	uint32_t head;	/* the slot the next line takes */
	uint32_t count; /* lines held */
};

/*
 * base/log.h's hook: keep the line (a line that cannot be copied is only
 * missing from the ring) and pass it to the followers.  Must not log.
 */
static void
logbook_hook(void *arg, enum gbx_log_level level, const char *line, size_t len)
{
	struct logbook *lb = arg;
	struct logline *l;
	char *copy;

	if ((copy = malloc(len)) != NULL) {
		memcpy(copy, line, len);
		l = &lb->ring[lb->head];
		free(l->text);
		l->text = copy;
		l->len = (uint16_t)len;
		l->level = (uint8_t)level;
		lb->head = (lb->head + 1) % GBXD_LOG_LINES;
		if (lb->count < GBXD_LOG_LINES)
			lb->count++;
	}
	feed_line(lb->g, GBX_FEED_LOG, (unsigned)level, GBXD_NO_PEER,
	    GBXD_NO_PEER, line, len);
}

/* Keep every line from now on.  0 or ENOMEM. */
int
logbook_init(struct gbxd *g)
{
	struct logbook *lb;

	if ((lb = calloc(1, sizeof(*lb))) == NULL)
		return (ENOMEM);
	lb->g = g;
	g->logbook = lb;
	gbx_log_set_hook(logbook_hook, lb);
	return (0);
}

void
logbook_fini(struct gbxd *g)
{
	struct logbook *lb = g->logbook;
	uint32_t i;

	if (lb == NULL)
		return;
	gbx_log_set_hook(NULL, NULL);
	for (i = 0; i < GBXD_LOG_LINES; i++)
		free(lb->ring[i].text);
	free(lb);
	g->logbook = NULL;
}

/* The i-th line held, oldest first. */
static const struct logline *
logbook_line(const struct logbook *lb, uint32_t i)
{

	return (&lb->ring[(lb->head + GBXD_LOG_LINES - lb->count + i) %
	    GBXD_LOG_LINES]);
}

/* Text written into a bulk memfd a chunk at a time. */
struct logout {
	int fd;
	uint64_t off;
	size_t n;
	int error;
	char buf[LOG_CHUNK];
};

static void
logout_flush(struct logout *o)
{

	if (o->n == 0 || o->error != 0)
		return;
	o->error = gbx_bulk_write(o->fd, o->buf, o->n, o->off);
	o->off += o->n;
	o->n = 0;
}

static void
logout_line(struct logout *o, const struct logline *l)
{

	if (o->n + l->len + 1 > sizeof(o->buf))
		logout_flush(o);
	memcpy(o->buf + o->n, l->text, l->len);
	o->buf[o->n + l->len] = '\n';
	o->n += (size_t)l->len + 1;
}

/*
 * CTL_LOG: the last `lines` lines of at most `level` into the bulk memfd,
 * then, with GBX_LOG_FOLLOW, every later one.
 */
int
h_log(struct gbxd *g, struct mconn *c, struct req *r)
{
	static struct logout out;
	struct logbook *lb = g->logbook;
	struct gbx_log_req q;
	struct gbx_dump_reply *rep;
	const struct logline *l;
	uint32_t i, match, skip;
	int error;

	memcpy(&q, r->body, sizeof(q));
	if (q.level > GBX_LEVEL_DEBUG || (q.flags & ~GBX_LOG_FOLLOW) != 0)
		return (EINVAL);
	if ((q.flags & GBX_LOG_FOLLOW) != 0 && c->feed != NULL)
		return (EBUSY);
	match = 0;
	for (i = 0; i < lb->count; i++)
		if (logbook_line(lb, i)->level <= q.level)
			match++;
	skip = q.lines != 0 && q.lines < match ? match - q.lines : 0;
	memset(&out, 0, offsetof(struct logout, buf));
	out.fd = r->bulk;
	for (i = 0; i < lb->count; i++) {
		l = logbook_line(lb, i);
		if (l->level > q.level || l->text == NULL)
			continue;
		if (skip > 0) {
			skip--;
			continue;
		}
		logout_line(&out, l);
	}
	logout_flush(&out);
	if (out.error != 0)
		return (EPROTO);
	if ((q.flags & GBX_LOG_FOLLOW) != 0 &&
	    (error = feed_subscribe(g, c, r, GBX_FEED_LOG, GBX_ALL_DOMAINS,
		 q.level)) != 0)
		return (error);
	rep = REPLY_BODY(r, struct gbx_dump_reply);
	rep->count = (uint32_t)out.off;
	rep->rec_size = 1;
	reply_bulk_out(r);
	return (0);
}
