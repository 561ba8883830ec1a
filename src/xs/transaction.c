/*
 * transaction.c: transactions as C xenstored has them.
 *
 * A transaction keeps a private overlay: one entry per node it has
 * touched, indexed by path, holding the generation the live node had when
 * the transaction first touched it (XS_GEN_NONE if it did not exist) and
 * the transaction's own copy of its value and permissions.  Nodes it has
 * not touched are read from the live tree on first access, as C xenstored
 * does (docs/misc/xenstore.txt's "whole db is copied" is not what it
 * does).  A transaction therefore costs in proportion to the nodes it
 * touches, never to the size of the store.
 *
 * Children are not copied: a node's children in the transaction's view
 * are its live children, less those the overlay deleted, plus those the
 * overlay created (kept per parent in a small tree, so that a listing is
 * a merge of two ordered sequences).
 *
 * Commit fails with EAGAIN when any touched node's live generation moved,
 * which is C xenstored's rule since 2017 (transaction.c, examples 1 to 4):
 * a transaction conflicts with exactly the changes to nodes it read or
 * wrote, including a parent whose children changed.  Otherwise the
 * overlay is applied in path order (parents before children), after every
 * allocation has been made, so a commit never stops half way; then the
 * queued watch events fire, in the order the nodes were first touched.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xs/internal.h"

struct xs_txnode {
	RB_ENTRY(xs_txnode) bypath;
	RB_ENTRY(xs_txnode) sib; /* in the parent's added tree */
	TAILQ_ENTRY(xs_txnode) order;
	RB_HEAD(xs_txkids, xs_txnode) added; /* children created here */
	char *path;
	const char *name; /* last component, inside path */
	size_t namelen;
	uint64_t gen_seen; /* live generation at first touch */
	uint64_t view_gen; /* generation as this transaction sees it */
	bool exists;
	bool modified;
	bool fire;
	bool fire_subtree;
	bool kids_deleted; /* some live child was deleted here */
	bool in_added;
	char *value;
	uint32_t vlen;
	struct xs_perms perms;
	struct xs_perms old;	 /* live permissions at first touch */
	struct xs_node *newnode; /* preallocated at commit */
};

RB_HEAD(xs_txpaths, xs_txnode);

struct xs_tx {
	RB_ENTRY(xs_tx) link;
	uint32_t id;
	struct xs_conn *c;
	struct xs_txpaths nodes;
	TAILQ_HEAD(xs_txorder, xs_txnode) order;
	uint32_t nnodes;
	uint32_t ndeleted;
	int64_t self_delta; /* nodes owned by the connection's domain */
};

static int
txpath_cmp(const struct xs_txnode *a, const struct xs_txnode *b)
{

	return (strcmp(a->path, b->path));
}

static int
txkid_cmp(const struct xs_txnode *a, const struct xs_txnode *b)
{

	return (xs_name_cmp(a->name, a->namelen, b->name, b->namelen));
}

static int
tx_cmp(const struct xs_tx *a, const struct xs_tx *b)
{

	return (a->id < b->id ? -1 : a->id > b->id);
}

RB_GENERATE_STATIC_UNUSED(xs_txpaths, xs_txnode, bypath, txpath_cmp)
RB_GENERATE_STATIC_UNUSED(xs_txkids, xs_txnode, sib, txkid_cmp)
/*
 * The "free all" loops take RB_MIN and free the node after unlinking it;
 * clang's analyzer does not follow RB_REMOVE into the root and reports a
 * use after free inside the generated RB_MIN.
 */
/* NOLINTNEXTLINE(clang-analyzer-unix.Malloc) */
RB_GENERATE_STATIC_UNUSED(xs_txs, xs_tx, link, tx_cmp)

struct xs_tx *
xs_tx_find(struct xs_conn *c, uint32_t id)
{
	struct xs_tx key = { 0 };

	key.id = id;
	return (RB_FIND(xs_txs, &c->txs, &key));
}

static struct xs_txnode *
tn_find(struct xs_tx *tx, const char *path)
{
	struct xs_txnode key = { 0 };

	key.path = (char *)(uintptr_t)path;
	return (RB_FIND(xs_txpaths, &tx->nodes, &key));
}

static void
tn_free(struct xs_txnode *tn)
{

	free(tn->value);
	xs_perms_free(&tn->perms);
	xs_perms_free(&tn->old);
	if (tn->newnode != NULL)
		xs_node_destroy(tn->newnode);
	free(tn->path);
	free(tn);
}

static void
tx_free(struct xs_store *s, struct xs_tx *tx)
{
	struct xs_txnode *tn;

	while ((tn = TAILQ_FIRST(&tx->order)) != NULL) {
		TAILQ_REMOVE(&tx->order, tn, order);
		tn_free(tn);
	}
	RB_REMOVE(xs_txs, &tx->c->txs, tx);
	tx->c->ntxs--;
	s->ntxs--;
	free(tx);
}

/* Abort every transaction of a connection (close, RESET_WATCHES). */
void
xs_tx_free_all(struct xs_conn *c)
{
	struct xs_tx *tx;

	while ((tx = RB_MIN(xs_txs, &c->txs)) != NULL)
		tx_free(c->store, tx);
}

/* For tests: how many nodes transaction id of c has touched, or -1. */
int64_t
xs_tx_touched(struct xs_conn *c, uint32_t id)
{
	struct xs_tx *tx;

	tx = xs_tx_find(c, id);
	return (tx != NULL ? (int64_t)tx->nnodes : -1);
}

int64_t
xs_tx_owner_delta(const struct xs_tx *tx, uint32_t domid)
{

	return (domid == tx->c->domid ? tx->self_delta : 0);
}

/*
 * Did the transaction delete an ancestor of path?  The nearest ancestor
 * the overlay knows decides.  Skipped while nothing was deleted.
 */
static bool
ancestor_deleted(struct xs_tx *tx, const char *path)
{
	char buf[XS_PATH_BUF];
	struct xs_txnode *tn;
	size_t len;

	if (tx->ndeleted == 0)
		return (false);
	len = strlen(path);
	memcpy(buf, path, len + 1);
	while (len > 1) {
		len = xs_parent_len(buf);
		buf[len] = '\0';
		if ((tn = tn_find(tx, buf)) != NULL)
			return (!tn->exists);
	}
	return (false);
}

static void
ref_tn(struct xs_ref *r, struct xs_txnode *tn)
{

	memset(r, 0, sizeof(*r));
	r->tn = tn;
	r->exists = tn->exists;
	r->gen = tn->exists ? tn->view_gen : XS_GEN_NONE;
	if (tn->exists) {
		r->value = tn->value;
		r->vlen = tn->vlen;
		r->perms = tn->perms;
	}
}

/*
 * Look path up in the transaction's view, recording a first touch: the
 * live generation, and a copy of the node so that later reads in the
 * transaction see the same thing.  ENOSPC past the transaction-nodes
 * quota, ENOMEM.
 */
int
xs_tx_get(struct xs_req *rq, const char *path, struct xs_ref *r)
{
	struct xs_tx *tx;
	struct xs_txnode *tn;
	struct xs_node *g;
	const char *slash;

	tx = rq->tx;
	if ((tn = tn_find(tx, path)) != NULL) {
		ref_tn(r, tn);
		return (0);
	}
	if (xs_quota_exceeded(rq->s, rq->c->domid, XSQ_TX_NODES,
		(uint64_t)tx->nnodes + 1))
		return (ENOSPC);
	tn = calloc(1, sizeof(*tn));
	if (tn == NULL || (tn->path = strdup(path)) == NULL)
		goto nomem;
	RB_INIT(&tn->added);
	slash = strrchr(tn->path, '/');
	tn->name = slash != NULL ? slash + 1 : tn->path;
	tn->namelen = strlen(tn->name);
	g = xs_node_find(rq->s, path, NULL, NULL);
	tn->gen_seen = g != NULL ? g->gen : XS_GEN_NONE;
	tn->view_gen = tn->gen_seen;
	if (g != NULL) {
		if (xs_perms_copy(&tn->old, &g->perms) != 0)
			goto nomem;
		if (!ancestor_deleted(tx, path)) {
			if (xs_perms_copy(&tn->perms, &g->perms) != 0)
				goto nomem;
			if (g->vlen > 0) {
				tn->value = malloc(g->vlen);
				if (tn->value == NULL)
					goto nomem;
				memcpy(tn->value, g->value, g->vlen);
				tn->vlen = g->vlen;
			}
			tn->exists = true;
		}
	}
	RB_INSERT(xs_txpaths, &tx->nodes, tn);
	TAILQ_INSERT_TAIL(&tx->order, tn, order);
	tx->nnodes++;
	ref_tn(r, tn);
	return (0);
nomem:
	if (tn != NULL)
		tn_free(tn);
	return (ENOMEM);
}

/* Queue the watch event a change causes; C's queue_watches(). */
static void
tn_fire(struct xs_txnode *tn, bool subtree)
{

	tn->fire = true;
	tn->fire_subtree |= subtree;
}

/* The overlay entry of path's parent (always touched before a change). */
static struct xs_txnode *
tn_parent(struct xs_tx *tx, const char *path)
{
	char buf[XS_PATH_BUF];
	size_t len;

	len = xs_parent_len(path);
	memcpy(buf, path, len);
	buf[len] = '\0';
	return (tn_find(tx, buf));
}

static void
self_count(struct xs_tx *tx, const struct xs_perms *p, int sign)
{

	if (p->n > 0 && p->p[0].id == tx->c->domid)
		tx->self_delta += sign;
}

/*
 * Create path, and its missing ancestors, in the transaction's view.  As
 * construct_node() in C xenstored, each missing parent is read on the way
 * up to the nearest existing one, whose permissions the new nodes
 * inherit.  All allocations come first, so a failure changes nothing.
 */
int
xs_tx_create(struct xs_req *rq, const char *path, const char *value,
    uint32_t vlen)
{
	char buf[XS_PATH_BUF];
	struct xs_txnode **lv, *parent;
	struct xs_perms *np, inherit;
	struct xs_ref r;
	char *v;
	size_t len;
	uint32_t k, i, cap;
	int err;

	lv = NULL;
	np = NULL;
	v = NULL;
	k = cap = 0;
	len = strlen(path);
	memcpy(buf, path, len + 1);
	for (;;) {
		if ((err = xs_tx_get(rq, buf, &r)) != 0)
			goto out;
		if (r.exists)
			break;
		if (k == cap) {
			struct xs_txnode **nl;

			cap = cap != 0 ? cap * 2 : 8;
			nl = realloc(lv, cap * sizeof(*lv));
			if (nl == NULL) {
				err = ENOMEM;
				goto out;
			}
			lv = nl;
		}
		lv[k++] = r.tn;
		len = xs_parent_len(buf);
		buf[len] = '\0';
	}
	/* Callers create only nodes that do not exist yet. */
	if (k == 0) {
		err = EEXIST;
		goto out;
	}
	parent = r.tn;
	if ((err = xs_node_quota(rq, k)) != 0)
		goto out;
	inherit = r.perms;
	np = calloc(k, sizeof(*np));
	if (np == NULL || (vlen > 0 && (v = malloc(vlen)) == NULL)) {
		err = ENOMEM;
		goto out;
	}
	for (i = 0; i < k; i++) {
		if ((err = xs_perms_copy(&np[i], &inherit)) != 0)
			goto out;
		if (!xs_is_priv(rq->c->domid) && np[i].n > 0)
			np[i].p[0].id = rq->c->domid;
	}
	if (vlen > 0)
		memcpy(v, value, vlen);
	/* Nothing can fail from here: link the levels top down. */
	for (i = k; i-- > 0;) {
		struct xs_txnode *tn = lv[i];

		xs_perms_free(&tn->perms);
		tn->perms = np[i];
		np[i].p = NULL;
		np[i].n = 0;
		free(tn->value);
		tn->value = i == 0 ? v : NULL;
		tn->vlen = i == 0 ? vlen : 0;
		tn->exists = true;
		tn->modified = true;
		tn->view_gen = ++rq->s->gen;
		if (tn->gen_seen == XS_GEN_NONE && !tn->in_added) {
			RB_INSERT(xs_txkids, &parent->added, tn);
			tn->in_added = true;
		}
		parent->view_gen = ++rq->s->gen;
		self_count(rq->tx, &tn->perms, 1);
		parent = tn;
	}
	v = NULL;
	tn_fire(lv[0], true);
	err = 0;
out:
	if (np != NULL) {
		for (i = 0; i < k; i++)
			xs_perms_free(&np[i]);
		free(np);
	}
	free(v);
	free(lv);
	return (err);
}

int
xs_tx_set_value(struct xs_req *rq, struct xs_ref *r, const char *value,
    uint32_t vlen)
{
	struct xs_txnode *tn;
	char *v;

	tn = r->tn;
	v = NULL;
	if (vlen > 0) {
		if ((v = malloc(vlen)) == NULL)
			return (ENOMEM);
		memcpy(v, value, vlen);
	}
	free(tn->value);
	tn->value = v;
	tn->vlen = vlen;
	tn->modified = true;
	tn->view_gen = ++rq->s->gen;
	tn_fire(tn, true);
	return (0);
}

int
xs_tx_set_perms(struct xs_req *rq, struct xs_ref *r,
    const struct xs_perms *perms)
{
	struct xs_txnode *tn;
	struct xs_perms np;

	tn = r->tn;
	if (xs_perms_copy(&np, perms) != 0)
		return (ENOMEM);
	self_count(rq->tx, &tn->perms, -1);
	xs_perms_free(&tn->perms);
	tn->perms = np;
	self_count(rq->tx, &tn->perms, 1);
	tn->modified = true;
	tn->view_gen = ++rq->s->gen;
	tn_fire(tn, true);
	return (0);
}

/* A growable array of overlay entries. */
struct tn_list {
	struct xs_txnode **v;
	size_t n;
	size_t cap;
};

static int
tn_list_add(struct tn_list *l, struct xs_txnode *tn)
{
	struct xs_txnode **nv;

	if (l->n == l->cap) {
		l->cap = l->cap != 0 ? l->cap * 2 : 16;
		nv = realloc(l->v, l->cap * sizeof(*nv));
		if (nv == NULL)
			return (ENOMEM);
		l->v = nv;
	}
	l->v[l->n++] = tn;
	return (0);
}

/*
 * Read the subtree below path (its entry is tn) into l, children before
 * their parent, touching every node as C xenstored's tree walk does.
 */
static int
collect(struct xs_req *rq, char *path, size_t len, struct xs_txnode *tn,
    struct tn_list *l)
{
	struct xs_ref r, kr;
	char *names, *p;
	size_t nlen, klen;
	int err;

	ref_tn(&r, tn);
	if ((err = xs_tx_list(rq, path, &r, &names, &nlen)) != 0)
		return (err);
	for (p = names; err == 0 && p < names + nlen; p += klen + 1) {
		klen = strlen(p);
		if (len + 1 + klen >= XS_PATH_BUF) {
			err = EINVAL;
			break;
		}
		path[len] = '/';
		memcpy(path + len + 1, p, klen + 1);
		err = xs_tx_get(rq, path, &kr);
		if (err == 0 && kr.exists)
			err = collect(rq, path, len + 1 + klen, kr.tn, l);
		path[len] = '\0';
	}
	free(names);
	if (err == 0)
		err = tn_list_add(l, tn);
	return (err);
}

/*
 * Remove path and its subtree in the transaction's view.  Reading the
 * subtree comes first and may fail (quota, memory) with nothing changed;
 * marking the entries deleted cannot fail.
 */
int
xs_tx_rm(struct xs_req *rq, const char *path, struct xs_ref *r)
{
	char buf[XS_PATH_BUF];
	struct tn_list l = { NULL, 0, 0 };
	struct xs_txnode *tn, *parent;
	struct xs_ref pr;
	size_t i, len;
	int err;

	len = xs_parent_len(path);
	memcpy(buf, path, len);
	buf[len] = '\0';
	if ((err = xs_tx_get(rq, buf, &pr)) != 0)
		return (err);
	len = strlen(path);
	memcpy(buf, path, len + 1);
	if ((err = collect(rq, buf, len, r->tn, &l)) != 0) {
		free(l.v);
		return (err);
	}
	for (i = 0; i < l.n; i++) {
		tn = l.v[i];
		tn->exists = false;
		tn->modified = true;
		tn_fire(tn, tn == r->tn);
		self_count(rq->tx, &tn->perms, -1);
		xs_perms_free(&tn->perms);
		free(tn->value);
		tn->value = NULL;
		tn->vlen = 0;
		rq->tx->ndeleted++;
		if ((parent = tn_parent(rq->tx, tn->path)) != NULL) {
			parent->kids_deleted = true;
			parent->view_gen = ++rq->s->gen;
		}
	}
	free(l.v);
	return (0);
}

/* Append a child name and its nul to a growing buffer. */
static int
list_add(char **buf, size_t *len, size_t *cap, const char *name, size_t n)
{
	char *nb;

	while (*len + n + 1 > *cap) {
		*cap = *cap != 0 ? *cap * 2 : 256;
		if ((nb = realloc(*buf, *cap)) == NULL)
			return (ENOMEM);
		*buf = nb;
	}
	memcpy(*buf + *len, name, n);
	(*buf)[*len + n] = '\0';
	*len += n + 1;
	return (0);
}

/* Was the live child path/name deleted in this transaction? */
static bool
live_kid_deleted(struct xs_tx *tx, const char *path, const char *name, size_t n)
{
	char buf[XS_PATH_BUF];
	struct xs_txnode *tn;
	size_t len;

	len = strlen(path);
	if (len + n + 2 > sizeof(buf))
		return (false);
	memcpy(buf, path, len);
	if (len > 1)
		buf[len++] = '/';
	memcpy(buf + len, name, n);
	buf[len + n] = '\0';
	tn = tn_find(tx, buf);
	return (tn != NULL && !tn->exists);
}

/*
 * The children of an existing node in the transaction's view, in byte
 * order: its live children (if it existed when first touched) less the
 * deleted ones, merged with the ones created in the transaction.
 */
int
xs_tx_list(struct xs_req *rq, const char *path, struct xs_ref *r, char **buf,
    size_t *len)
{
	struct xs_txnode *tn, *b, key = { 0 };
	struct xs_node *g, *a;
	size_t cap;
	int c, err;

	tn = r->tn;
	*buf = NULL;
	*len = cap = 0;
	g = tn->gen_seen != XS_GEN_NONE ?
	    xs_node_find(rq->s, path, NULL, NULL) :
	    NULL;
	a = g != NULL ? xs_node_first(g) : NULL;
	b = RB_MIN(xs_txkids, &tn->added);
	err = list_add(buf, len, &cap, "", 0); /* allocate, then rewind */
	*len = 0;
	while (err == 0 && (a != NULL || b != NULL)) {
		if (a != NULL && b != NULL) {
			key.name = a->name;
			key.namelen = a->namelen;
			c = txkid_cmp(&key, b);
		} else
			c = a != NULL ? -1 : 1;
		if (c < 0) {
			if (!tn->kids_deleted ||
			    !live_kid_deleted(rq->tx, path, a->name,
				a->namelen))
				err = list_add(buf, len, &cap, a->name,
				    a->namelen);
			a = xs_node_next(g, a);
			continue;
		}
		if (b->exists)
			err = list_add(buf, len, &cap, b->name, b->namelen);
		if (c == 0)
			a = xs_node_next(g, a);
		b = RB_NEXT(xs_txkids, &tn->added, b);
	}
	if (err != 0) {
		free(*buf);
		*buf = NULL;
	}
	return (err);
}

/*
 * Commit: EAGAIN on any conflict, ENOSPC over the nodes quota, ENOMEM;
 * then apply everything and fire the queued events.
 */
static int
tx_commit(struct xs_req *rq, struct xs_tx *tx)
{
	struct xs_store *s = rq->s;
	struct xs_txnode *tn;
	struct xs_node *g, *parent;
	char buf[XS_PATH_BUF];
	size_t len;

	/* The quota comes first, as in C xenstored (acc_fix_domains). */
	if (tx->self_delta > 0 &&
	    xs_quota_exceeded(s, rq->c->domid, XSQ_NODES,
		rq->c->dom->nnodes + (uint64_t)tx->self_delta))
		return (ENOSPC);
	RB_FOREACH(tn, xs_txpaths, &tx->nodes) {
		g = xs_node_find(s, tn->path, NULL, NULL);
		if ((g != NULL ? g->gen : XS_GEN_NONE) != tn->gen_seen)
			return (EAGAIN);
		if (!tn->modified || !tn->exists)
			continue;
		/* Owners and grantees may have gone since. */
		if (xs_domain_find(s, tn->perms.p[0].id) == NULL &&
		    tn->perms.p[0].id != XS_DOMID_ANY)
			return (EAGAIN);
		xs_perms_adjust(s, &tn->perms);
		tn->perms.p[0].bits &= ~XSP_IGNORE;
	}
	RB_FOREACH(tn, xs_txpaths, &tx->nodes) {
		if (!tn->modified || !tn->exists || tn->gen_seen != XS_GEN_NONE)
			continue;
		tn->newnode = xs_node_alloc(tn->name, tn->namelen);
		if (tn->newnode == NULL)
			return (ENOMEM);
	}
	/* Nothing fails from here.  Deletions, children first. */
	RB_FOREACH_REVERSE(tn, xs_txpaths, &tx->nodes) {
		if (!tn->modified || tn->exists || tn->gen_seen == XS_GEN_NONE)
			continue;
		if ((g = xs_node_find(s, tn->path, NULL, NULL)) == NULL)
			continue;
		strcpy(buf, tn->path);
		xs_node_rm_tree(s, g, buf, false);
	}
	/* Creations and changes, parents first. */
	RB_FOREACH(tn, xs_txpaths, &tx->nodes) {
		if (!tn->modified || !tn->exists)
			continue;
		if (tn->gen_seen != XS_GEN_NONE) {
			g = xs_node_find(s, tn->path, NULL, NULL);
			xs_node_take_value(s, g, tn->value, tn->vlen);
			tn->value = NULL;
			if (!xs_perms_equal(&g->perms, &tn->perms))
				xs_node_take_perms(s, g, &tn->perms);
			continue;
		}
		len = xs_parent_len(tn->path);
		memcpy(buf, tn->path, len);
		buf[len] = '\0';
		parent = xs_node_find(s, buf, NULL, NULL);
		g = tn->newnode;
		tn->newnode = NULL;
		g->value = tn->value;
		g->vlen = tn->vlen;
		tn->value = NULL;
		g->perms = tn->perms;
		tn->perms.p = NULL;
		tn->perms.n = 0;
		xs_node_link(s, parent, g);
	}
	/* Events, in the order the nodes were first touched. */
	TAILQ_FOREACH(tn, &tx->order, order) {
		if (!tn->fire)
			continue;
		g = xs_node_find(s, tn->path, NULL, NULL);
		xs_fire(s, tn->path,
		    tn->fire_subtree ? XS_MATCH_SUBTREE : XS_MATCH_EXACT, g,
		    tn->gen_seen != XS_GEN_NONE ? &tn->old : NULL);
	}
	return (0);
}

/*
 * TRANSACTION_START: no nesting (EBUSY when the request itself names a
 * transaction), ENOSPC past the per-connection quota; the reply is the
 * new id in decimal.  Ids are never 0 and never in use.
 */
int
xs_do_transaction_start(struct xs_req *rq)
{
	struct xs_conn *c = rq->c;
	struct xs_tx *tx;
	char id[16];

	if (rq->tx != NULL)
		return (EBUSY);
	if (xs_quota_exceeded(rq->s, c->domid, XSQ_TRANSACTIONS,
		(uint64_t)c->ntxs + 1))
		return (ENOSPC);
	if ((tx = calloc(1, sizeof(*tx))) == NULL)
		return (ENOMEM);
	RB_INIT(&tx->nodes);
	TAILQ_INIT(&tx->order);
	tx->c = c;
	do {
		tx->id = c->next_txid++;
	} while (tx->id == 0 || xs_tx_find(c, tx->id) != NULL);
	RB_INSERT(xs_txs, &c->txs, tx);
	c->ntxs++;
	rq->s->ntxs++;
	snprintf(id, sizeof(id), "%u", tx->id);
	xs_reply_str(rq, id);
	return (0);
}

/*
 * TRANSACTION_END "T" commits and "F" aborts; anything else is EINVAL and
 * no transaction is ENOENT.  The transaction ends whatever the outcome.
 */
int
xs_do_transaction_end(struct xs_req *rq)
{
	const char *arg;
	struct xs_tx *tx;
	int err;

	arg = xs_onearg(rq);
	if (arg == NULL || (strcmp(arg, "T") != 0 && strcmp(arg, "F") != 0))
		return (EINVAL);
	if ((tx = rq->tx) == NULL)
		return (ENOENT);
	rq->tx = NULL;
	err = arg[0] == 'T' ? tx_commit(rq, tx) : 0;
	tx_free(rq->s, tx);
	if (err == 0)
		xs_reply_ok(rq);
	return (err);
}
