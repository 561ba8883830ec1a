/*
 * xs_conn.c: the xenstore engine's connections, as the daemon drives them
 * (xs.h).
 *
 * Input is framed here: a 16-byte xsd_sockmsg header, then its payload.
 * A payload above XENSTORE_PAYLOAD_MAX is a protocol violation that C
 * xenstored answers by dropping the connection; so do we (EMSGSIZE).
 * Each complete request is handled at once, and its reply, and any watch
 * events it causes, are queued: on this connection and on others.
 *
 * Output is a queue of whole messages.  Its size is bounded per
 * connection (xs_limits.output_bytes): a message that would take it past
 * the bound fails the connection (ENOBUFS) and discards what it had
 * queued, so a client that never reads cannot make the daemon's memory
 * grow without bound.  A failed connection answers nothing more; its
 * watches stay registered, inert, until xs_conn_free(), so that failing
 * a connection while events are being delivered frees nothing under the
 * delivery loop.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xs/internal.h"

#define F_PRIV	0x1 /* privileged domain only (C: XS_FLAG_PRIV) */
#define F_NOTID 0x2 /* the tx_id is ignored (C: XS_FLAG_NOTID) */
#define F_PATH	0x4 /* the first argument is a path (for request_done) */

static const struct {
	int (*fn)(struct xs_req *);
	unsigned flags;
	const char *name; /* for people: the daemon's log and trace */
} handlers[XST_COUNT] = {
	[XS_CONTROL] = { xs_do_control, F_PRIV, "control" },
	[XS_DIRECTORY] = { xs_do_directory, F_PATH, "directory" },
	[XS_READ] = { xs_do_read, F_PATH, "read" },
	[XS_GET_PERMS] = { xs_do_get_perms, F_PATH, "get-perms" },
	[XS_WATCH] = { xs_do_watch, F_NOTID | F_PATH, "watch" },
	[XS_UNWATCH] = { xs_do_unwatch, F_NOTID | F_PATH, "unwatch" },
	[XS_TRANSACTION_START] = { xs_do_transaction_start, 0,
	    "transaction-start" },
	[XS_TRANSACTION_END] = { xs_do_transaction_end, 0, "transaction-end" },
	[XS_INTRODUCE] = { xs_do_introduce, F_PRIV, "introduce" },
	[XS_RELEASE] = { xs_do_release, F_PRIV, "release" },
	[XS_GET_DOMAIN_PATH] = { xs_do_get_domain_path, 0, "get-domain-path" },
	[XS_WRITE] = { xs_do_write, F_PATH, "write" },
	[XS_MKDIR] = { xs_do_mkdir, F_PATH, "mkdir" },
	[XS_RM] = { xs_do_rm, F_PATH, "rm" },
	[XS_SET_PERMS] = { xs_do_set_perms, F_PATH, "set-perms" },
	[XS_IS_DOMAIN_INTRODUCED] = { xs_do_is_domain_introduced, F_PRIV,
	    "is-domain-introduced" },
	[XS_RESUME] = { xs_do_resume, F_PRIV, "resume" },
	[XS_SET_TARGET] = { xs_do_set_target, F_PRIV, "set-target" },
	[XS_RESET_WATCHES] = { xs_do_reset_watches, 0, "reset-watches" },
	[XS_DIRECTORY_PART] = { xs_do_directory_part, F_PATH,
	    "directory-part" },
	[XST_GET_FEATURE] = { xs_do_get_feature, 0, "get-feature" },
	[XST_SET_FEATURE] = { xs_do_set_feature, F_PRIV, "set-feature" },
	[XST_GET_QUOTA] = { xs_do_get_quota, F_PRIV, "get-quota" },
	[XST_SET_QUOTA] = { xs_do_set_quota, F_PRIV, "set-quota" },
};

const char *
xs_type_name(uint32_t type)
{

	if (type >= XST_COUNT || handlers[type].name == NULL)
		return ("?");
	return (handlers[type].name);
}

/*
 * Say why rq is refused on permissions, for the daemon's log.  The first
 * reason given stands: it is the nearest to what was asked.
 */
void
xs_deny(struct xs_req *rq, const char *fmt, ...)
{
	va_list ap;

	if (rq->why[0] != '\0')
		return;
	va_start(ap, fmt);
	/*
	 * clang-tidy 14 sees an uninitialised va_list here when it has
	 * analysed another file first (as in src/cli/util.c).
	 */
	/* NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized) */
	(void)vsnprintf(rq->why, sizeof(rq->why), fmt, ap);
	va_end(ap);
}

struct xs_conn *
xs_conn_new(struct xs_store *s, unsigned domid, const struct xs_conn_ops *ops,
    void *cookie)
{
	struct xs_domain *d;
	struct xs_conn *c;

	if ((d = xs_domain_get(s, domid)) == NULL)
		return (NULL);
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return (NULL);
	c->store = s;
	c->dom = d;
	c->domid = domid;
	c->ops = ops;
	c->cookie = cookie;
	c->next_txid = 1;
	STAILQ_INIT(&c->out);
	RB_INIT(&c->watches);
	RB_INIT(&c->txs);
	TAILQ_INSERT_TAIL(&s->conns, c, link);
	TAILQ_INSERT_TAIL(&d->conns, c, domlink);
	return (c);
}

static void
out_discard(struct xs_conn *c)
{
	struct xs_out *o;

	while ((o = STAILQ_FIRST(&c->out)) != NULL) {
		STAILQ_REMOVE_HEAD(&c->out, link);
		free(o);
	}
	c->outbytes = 0;
}

void
xs_conn_free(struct xs_conn *c)
{

	if (c == NULL)
		return;
	xs_watch_free_all(c);
	xs_tx_free_all(c);
	out_discard(c);
	TAILQ_REMOVE(&c->store->conns, c, link);
	TAILQ_REMOVE(&c->dom->conns, c, domlink);
	free(c);
}

bool
xs_conn_failed(const struct xs_conn *c)
{

	return (c->failed != 0);
}

int
xs_conn_error(const struct xs_conn *c)
{

	return (c->failed);
}

/*
 * Give up on a connection: drop its queued output and tell the daemon,
 * through output_ready, so that it looks at xs_conn_failed() even when
 * the failure came from another connection's request.
 */
void
xs_conn_fail(struct xs_conn *c, int err)
{

	if (c->failed != 0)
		return;
	c->failed = err;
	out_discard(c);
	if (c->ops != NULL && c->ops->output_ready != NULL)
		c->ops->output_ready(c->cookie);
}

/* Queue one message; fails the connection past its output bound. */
static void
queue(struct xs_conn *c, uint32_t type, uint32_t req_id, uint32_t tx_id,
    const void *a, size_t alen, const void *b, size_t blen)
{
	struct xsd_sockmsg h;
	struct xs_out *o;
	size_t len;
	bool was_empty;

	if (c->failed != 0)
		return;
	len = sizeof(h) + alen + blen;
	if (c->outbytes + len > c->store->limits.output_bytes) {
		xs_conn_fail(c, ENOBUFS);
		return;
	}
	if ((o = malloc(sizeof(*o) + len)) == NULL) {
		xs_conn_fail(c, ENOMEM);
		return;
	}
	h.type = type;
	h.req_id = req_id;
	h.tx_id = tx_id;
	h.len = (uint32_t)(alen + blen);
	memcpy(o->data, &h, sizeof(h));
	if (alen > 0)
		memcpy(o->data + sizeof(h), a, alen);
	if (blen > 0)
		memcpy(o->data + sizeof(h) + alen, b, blen);
	o->len = len;
	o->off = 0;
	was_empty = STAILQ_EMPTY(&c->out);
	STAILQ_INSERT_TAIL(&c->out, o, link);
	c->outbytes += len;
	if (was_empty && c->ops != NULL && c->ops->output_ready != NULL)
		c->ops->output_ready(c->cookie);
}

/*
 * The reply to the request: same type, req_id and tx_id.  A payload
 * above XENSTORE_PAYLOAD_MAX becomes an E2BIG error, as in C xenstored.
 */
void
xs_reply(struct xs_req *rq, uint32_t type, const void *data, size_t len)
{

	if (len > XENSTORE_PAYLOAD_MAX) {
		xs_reply_error(rq, E2BIG);
		return;
	}
	queue(rq->c, type, rq->hdr.req_id, rq->hdr.tx_id, data, len, NULL, 0);
	rq->replied = true;
}

void
xs_reply_ok(struct xs_req *rq)
{

	xs_reply(rq, rq->hdr.type, "OK", 3);
}

/* A reply that is one nul-terminated string. */
void
xs_reply_str(struct xs_req *rq, const char *s)
{

	xs_reply(rq, rq->hdr.type, s, strlen(s) + 1);
}

/* An ERROR reply naming err as xs_wire.h's table does (else EINVAL). */
void
xs_reply_error(struct xs_req *rq, int err)
{
	size_t i;

	for (i = 0; i < sizeof(xsd_errors) / sizeof(xsd_errors[0]); i++)
		if (xsd_errors[i].errnum == err)
			break;
	if (i == sizeof(xsd_errors) / sizeof(xsd_errors[0]))
		i = 0;
	xs_reply(rq, XS_ERROR, xsd_errors[i].errstring,
	    strlen(xsd_errors[i].errstring) + 1);
}

/* A WATCH_EVENT "<path>|<token>|"; too long an event is not sent (C). */
void
xs_send_event(struct xs_conn *c, const char *path, const char *token)
{
	size_t plen, tlen;

	plen = strlen(path) + 1;
	tlen = strlen(token) + 1;
	if (plen + tlen > XENSTORE_PAYLOAD_MAX)
		return;
	queue(c, XS_WATCH_EVENT, 0, 0, path, plen, token, tlen);
}

/*
 * Tell the daemon what rq did (xs_conn_ops.request_done): its path,
 * canonical when it names one, its result, and why it was refused on
 * permissions.
 */
static void
report(struct xs_conn *c, struct xs_req *rq, int err)
{
	char path[XS_PATH_BUF];
	struct xs_req_info info;
	const char *arg;

	if (c->ops == NULL || c->ops->request_done == NULL)
		return;
	memset(&info, 0, sizeof(info));
	info.type = rq->hdr.type;
	info.tx_id = rq->hdr.tx_id;
	info.error = err;
	arg = rq->len > 0 ? rq->data : "";
	info.path = arg;
	if (info.type < XST_COUNT &&
	    (handlers[info.type].flags & F_PATH) != 0 &&
	    xs_canonical(rq, arg, true, path, NULL) == 0)
		info.path = path;
	if ((err == EACCES || err == EPERM) && rq->why[0] != '\0')
		info.denied = rq->why;
	c->ops->request_done(c->cookie, &info);
}

/*
 * Handle one complete request: unknown types are ENOSYS, privileged ones
 * EACCES for other domains, then the transaction is looked up (ENOENT)
 * unless the type ignores it, as C xenstored's process_message() does.
 */
static void
process(struct xs_conn *c)
{
	struct xs_req rq;
	uint32_t type;
	int err;

	memset(&rq, 0, offsetof(struct xs_req, why));
	rq.why[0] = '\0';
	rq.s = c->store;
	rq.c = c;
	memcpy(&rq.hdr, c->in.raw, sizeof(rq.hdr));
	rq.data = (char *)c->in.raw + sizeof(rq.hdr);
	rq.len = rq.hdr.len;
	rq.data[rq.len] = '\0';
	type = rq.hdr.type;
	if (type >= XST_COUNT || handlers[type].fn == NULL)
		err = ENOSYS;
	else if ((handlers[type].flags & F_PRIV) != 0 &&
	    !xs_is_priv(c->domid)) {
		err = EACCES;
		xs_deny(&rq, "only domain 0 may make %s requests",
		    handlers[type].name);
	} else if ((handlers[type].flags & F_NOTID) == 0 && rq.hdr.tx_id != 0 &&
	    (rq.tx = xs_tx_find(c, rq.hdr.tx_id)) == NULL)
		err = ENOENT;
	else
		err = handlers[type].fn(&rq);
	if (err != 0)
		xs_reply_error(&rq, err);
	report(c, &rq, err);
}

int
xs_conn_input(struct xs_conn *c, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	size_t hl, want, n;

	hl = sizeof(struct xsd_sockmsg);
	while (len > 0 && c->failed == 0) {
		want = c->inlen < hl ? hl : hl + c->in.hdr.len;
		n = want - c->inlen < len ? want - c->inlen : len;
		memcpy(c->in.raw + c->inlen, p, n);
		c->inlen += n;
		p += n;
		len -= n;
		if (c->inlen == hl && c->in.hdr.len > XENSTORE_PAYLOAD_MAX) {
			xs_conn_fail(c, EMSGSIZE);
			break;
		}
		if (c->inlen < hl || c->inlen < hl + c->in.hdr.len)
			continue;
		process(c);
		c->inlen = 0;
	}
	return (c->failed);
}

size_t
xs_conn_output(struct xs_conn *c, const void **buf)
{
	struct xs_out *o;

	if (c->failed != 0 || (o = STAILQ_FIRST(&c->out)) == NULL) {
		*buf = NULL;
		return (0);
	}
	*buf = o->data + o->off;
	return (o->len - o->off);
}

void
xs_conn_consume(struct xs_conn *c, size_t n)
{
	struct xs_out *o;
	size_t k;

	while (n > 0 && (o = STAILQ_FIRST(&c->out)) != NULL) {
		k = o->len - o->off < n ? o->len - o->off : n;
		o->off += k;
		c->outbytes -= k;
		n -= k;
		if (o->off == o->len) {
			STAILQ_REMOVE_HEAD(&c->out, link);
			free(o);
		}
	}
}
