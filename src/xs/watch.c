/*
 * watch.c: watches and their events.
 *
 * Watches are indexed twice: by watched path, store-wide (a tree of
 * buckets, one per path, each listing the watches on it), and per
 * connection by (path, token).  A change at path P can only match watches
 * on P or on an ancestor of P, so firing looks up each prefix of P in the
 * index: O(depth * log W), whatever the number of watches elsewhere.  The
 * matches are sorted by creation order so that each connection receives
 * its events in the order C xenstored would send them (it walks every
 * connection's watch list in order).
 *
 * As in C xenstored (watch.c), an event reaches a connection only if it
 * may read the node or its parent (or could read the node before a
 * permission change); relative watches get relative paths; the special
 * paths @introduceDomain and @releaseDomain fire on domain changes, with
 * a "/<domid>" suffix for watches that asked for depth.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xs/internal.h"

struct xs_watch {
	RB_ENTRY(xs_watch) clink;    /* in the connection, by (path, token) */
	TAILQ_ENTRY(xs_watch) blink; /* in the bucket */
	struct xs_wbucket *b;
	struct xs_conn *c;
	uint64_t seq;
	int depth;     /* -1: no limit */
	size_t prefix; /* bytes stripped from event paths (relative) */
	char *token;
};

struct xs_wbucket {
	RB_ENTRY(xs_wbucket) link;
	TAILQ_HEAD(xs_bwatches, xs_watch) watches;
	char *path;
};

static int
bucket_cmp(const struct xs_wbucket *a, const struct xs_wbucket *b)
{

	return (strcmp(a->path, b->path));
}

static int
cwatch_cmp(const struct xs_watch *a, const struct xs_watch *b)
{
	int r;

	r = strcmp(a->b->path, b->b->path);
	return (r != 0 ? r : strcmp(a->token, b->token));
}

RB_GENERATE_STATIC_UNUSED(xs_windex, xs_wbucket, link, bucket_cmp)
/*
 * The "free all" loops take RB_MIN and free the node after unlinking it;
 * clang's analyzer does not follow RB_REMOVE into the root and reports a
 * use after free inside the generated RB_MIN.
 */
/* NOLINTNEXTLINE(clang-analyzer-unix.Malloc) */
RB_GENERATE_STATIC_UNUSED(xs_cwatches, xs_watch, clink, cwatch_cmp)

static struct xs_wbucket *
bucket_find(struct xs_store *s, const char *path)
{
	struct xs_wbucket key = { 0 };

	key.path = (char *)(uintptr_t)path;
	return (RB_FIND(xs_windex, &s->windex, &key));
}

/* A connection's watch on (path, token), or NULL. */
static struct xs_watch *
cwatch_find(struct xs_conn *c, const char *path, const char *token)
{
	struct xs_wbucket kb = { 0 };
	struct xs_watch key = { 0 };

	kb.path = (char *)(uintptr_t)path;
	key.b = &kb;
	key.token = (char *)(uintptr_t)token;
	return (RB_FIND(xs_cwatches, &c->watches, &key));
}

static void
watch_free(struct xs_store *s, struct xs_watch *w)
{
	struct xs_wbucket *b = w->b;

	RB_REMOVE(xs_cwatches, &w->c->watches, w);
	TAILQ_REMOVE(&b->watches, w, blink);
	if (TAILQ_EMPTY(&b->watches)) {
		RB_REMOVE(xs_windex, &s->windex, b);
		free(b->path);
		free(b);
	}
	w->c->nwatches--;
	s->nwatches--;
	free(w->token);
	free(w);
}

void
xs_watch_free_all(struct xs_conn *c)
{
	struct xs_watch *w;

	while ((w = RB_MIN(xs_cwatches, &c->watches)) != NULL)
		watch_free(c->store, w);
}

/* The index must be empty once every connection is gone. */
void
xs_windex_free(struct xs_store *s)
{
	struct xs_wbucket *b;

	while ((b = RB_MIN(xs_windex, &s->windex)) != NULL) {
		RB_REMOVE(xs_windex, &s->windex, b);
		free(b->path);
		free(b);
	}
}

/*
 * May c see an event on path?  Yes if it could read the node before a
 * permission change (old), or can read the node or its parent now.  The
 * parent of a special node is the root, as get_parent() makes it in C
 * xenstored.
 */
static bool
permitted(struct xs_store *s, struct xs_conn *c, const char *path,
    struct xs_node *node, const struct xs_perms *old)
{
	struct xs_node *parent;

	if (xs_is_priv(c->domid))
		return (true);
	if (old != NULL && (xs_perm_for(s, c->domid, old) & XSP_READ) != 0)
		return (true);
	if (node == NULL)
		node = xs_path_is_special(path) ?
		    xs_special(s, path) :
		    xs_node_find(s, path, NULL, NULL);
	if (node == NULL)
		return (false);
	if ((xs_perm_for(s, c->domid, &node->perms) & XSP_READ) != 0)
		return (true);
	parent = node->parent != NULL ? node->parent : s->root;
	return ((xs_perm_for(s, c->domid, &parent->perms) & XSP_READ) != 0);
}

struct matches {
	struct xs_watch **v;
	size_t n;
	size_t cap;
};

static void
match_add(struct matches *m, struct xs_watch *w)
{
	struct xs_watch **nv;

	if (m->n == m->cap) {
		m->cap = m->cap != 0 ? m->cap * 2 : 16;
		nv = realloc(m->v, m->cap * sizeof(*nv));
		if (nv == NULL) {
			m->cap = m->n;
			return; /* events may be lost under ENOMEM, as in C */
		}
		m->v = nv;
	}
	m->v[m->n++] = w;
}

static int
seq_cmp(const void *a, const void *b)
{
	const struct xs_watch *wa = *(const struct xs_watch *const *)a;
	const struct xs_watch *wb = *(const struct xs_watch *const *)b;

	return (wa->seq < wb->seq ? -1 : wa->seq > wb->seq);
}

/* Add the watches of one bucket that match an event on path. */
static void
match_bucket(struct xs_wbucket *b, const char *path, enum xs_match m,
    bool exact, struct matches *out)
{
	struct xs_watch *w;

	TAILQ_FOREACH(w, &b->watches, blink) {
		switch (m) {
		case XS_MATCH_EXACT:
			break;
		case XS_MATCH_SUBTREE:
			if (!xs_is_child(path, b->path, w->depth))
				continue;
			break;
		case XS_MATCH_DEPTH:
			if (!exact &&
			    (w->depth <= 0 ||
				!xs_is_child(path, b->path, w->depth)))
				continue;
			break;
		case XS_MATCH_NODEPTH:
			if (w->depth >= 0)
				continue;
			break;
		}
		match_add(out, w);
	}
}

/*
 * A change happened at path: queue an event for every watch it matches
 * (see enum xs_match) whose connection may see it.  node is the node at
 * path if the caller has it (it is looked up otherwise); old, the
 * permissions it had before, when they changed or it went away.
 */
void
xs_fire(struct xs_store *s, const char *path, enum xs_match m,
    struct xs_node *node, const struct xs_perms *old)
{
	char buf[XS_PATH_BUF];
	struct matches ms = { NULL, 0, 0 };
	struct xs_wbucket *b;
	struct xs_watch *w;
	size_t len, i;

	if (s->nwatches == 0)
		return;
	len = strlen(path);
	if (len >= sizeof(buf))
		return;
	if (m == XS_MATCH_SUBTREE || m == XS_MATCH_DEPTH) {
		/* Every proper prefix ending before a "/", and "/" itself. */
		for (i = 0; i < len; i++) {
			if (path[i] != '/' || (i == 0 && path[0] != '/'))
				continue;
			memcpy(buf, path, i == 0 ? 1 : i);
			buf[i == 0 ? 1 : i] = '\0';
			if ((b = bucket_find(s, buf)) != NULL)
				match_bucket(b, path, m, false, &ms);
		}
	}
	if ((len > 1 || m != XS_MATCH_SUBTREE) &&
	    (b = bucket_find(s, path)) != NULL)
		match_bucket(b, path, m, true, &ms);
	if (ms.n > 1)
		qsort(ms.v, ms.n, sizeof(*ms.v), seq_cmp);
	for (i = 0; i < ms.n; i++) {
		w = ms.v[i];
		if (w->c->failed == 0 && permitted(s, w->c, path, node, old))
			xs_send_event(w->c, path + w->prefix, w->token);
	}
	free(ms.v);
}

/*
 * A domain came or went: fire the special watches on name, both plain and
 * with the domid suffix, as C xenstored's fire_special_watches() does.
 */
void
xs_fire_special(struct xs_store *s, struct xs_node *special, uint32_t domid)
{
	char buf[64];
	size_t len;

	len = xs_node_path(special, buf, sizeof(buf));
	xs_fire(s, buf, XS_MATCH_NODEPTH, special, NULL);
	snprintf(buf + len, sizeof(buf) - len, "/%u", domid);
	xs_fire(s, buf, XS_MATCH_DEPTH, special, NULL);
}

/*
 * WATCH <path>|<token>|[<depth>|]: the OK reply comes first, then one
 * event for the watched path itself.  A duplicate (same path and token)
 * is EEXIST; past the quota, E2BIG as in C xenstored 4.17.
 */
int
xs_do_watch(struct xs_req *rq)
{
	char path[XS_PATH_BUF];
	const char *vec[3];
	struct xs_store *s = rq->s;
	struct xs_conn *c = rq->c;
	struct xs_wbucket *b;
	struct xs_watch *w;
	bool relative;
	uint32_t udepth;
	unsigned n;
	int depth, err;

	depth = -1;
	n = xs_get_strings(rq->data, rq->len, vec, 3);
	if (n == 3 && (c->dom->features & XSF_WATCHDEPTH) != 0) {
		if (xs_parse_uint(vec[2], INT32_MAX, &udepth) != 0)
			return (EINVAL);
		depth = (int)udepth;
	} else if (n != 2)
		return (EINVAL);
	if ((err = xs_canonical(rq, vec[0], true, path, &relative)) != 0)
		return (err);
	if (cwatch_find(c, path, vec[1]) != NULL)
		return (EEXIST);
	if (xs_quota_exceeded(s, c->domid, XSQ_WATCHES,
		(uint64_t)c->nwatches + 1))
		return (E2BIG);
	if ((w = calloc(1, sizeof(*w))) == NULL)
		return (ENOMEM);
	if ((w->token = strdup(vec[1])) == NULL)
		goto nomem;
	if ((b = bucket_find(s, path)) == NULL) {
		if ((b = calloc(1, sizeof(*b))) == NULL)
			goto nomem;
		if ((b->path = strdup(path)) == NULL) {
			free(b);
			goto nomem;
		}
		TAILQ_INIT(&b->watches);
		RB_INSERT(xs_windex, &s->windex, b);
	}
	w->b = b;
	w->c = c;
	w->depth = depth;
	w->seq = ++s->watch_seq;
	w->prefix = relative ? xs_home_len(c->domid) + 1 : 0;
	TAILQ_INSERT_TAIL(&b->watches, w, blink);
	RB_INSERT(xs_cwatches, &c->watches, w);
	c->nwatches++;
	s->nwatches++;
	xs_reply_ok(rq);
	xs_send_event(c, path + w->prefix, w->token);
	return (0);
nomem:
	free(w->token);
	free(w);
	return (ENOMEM);
}

/* UNWATCH <path>|<token>|: ENOENT when there is no such watch. */
int
xs_do_unwatch(struct xs_req *rq)
{
	char path[XS_PATH_BUF];
	const char *vec[2];
	struct xs_watch *w;
	int err;

	if (xs_get_strings(rq->data, rq->len, vec, 2) != 2)
		return (EINVAL);
	if ((err = xs_canonical(rq, vec[0], true, path, NULL)) != 0)
		return (err);
	if ((w = cwatch_find(rq->c, path, vec[1])) == NULL)
		return (ENOENT);
	watch_free(rq->s, w);
	xs_reply_ok(rq);
	return (0);
}

/* RESET_WATCHES: drop the connection's watches and transactions. */
int
xs_do_reset_watches(struct xs_req *rq)
{

	xs_watch_free_all(rq->c);
	xs_tx_free_all(rq->c);
	rq->tx = NULL;
	xs_reply_ok(rq);
	return (0);
}
