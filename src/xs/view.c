/*
 * view.c: the tree as one request sees it.
 *
 * A request outside a transaction reads and changes the live tree and
 * fires watches at once; inside one it works on the transaction's overlay
 * (transaction.c), whose changes and events wait for the commit.  The
 * request handlers (ops.c) are written once against these functions.
 *
 * The special nodes @introduceDomain and @releaseDomain live outside the
 * tree and outside transactions: their permissions change at once.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xs/internal.h"

struct xs_node *
xs_special(const struct xs_store *s, const char *path)
{

	if (strcmp(path, "@introduceDomain") == 0)
		return (s->intro);
	if (strcmp(path, "@releaseDomain") == 0)
		return (s->release);
	return (NULL);
}

static void
ref_live(struct xs_ref *r, struct xs_node *n)
{

	memset(r, 0, sizeof(*r));
	r->gen = XS_GEN_NONE;
	if (n == NULL)
		return;
	r->exists = true;
	r->node = n;
	r->value = n->value;
	r->vlen = n->vlen;
	r->perms = n->perms;
	r->gen = n->gen;
}

/*
 * Look path up in the request's view.  In a transaction this records the
 * node as read, which can fail (ENOMEM, or ENOSPC at the transaction-nodes
 * quota); r->exists says whether it is there.
 */
int
xs_view_get(struct xs_req *rq, const char *path, struct xs_ref *r)
{

	if (xs_path_is_special(path)) {
		ref_live(r, xs_special(rq->s, path));
		return (0);
	}
	if (rq->tx != NULL)
		return (xs_tx_get(rq, path, r));
	ref_live(r, xs_node_find(rq->s, path, NULL, NULL));
	return (0);
}

/*
 * The rights of the requester on the nearest existing ancestor of path,
 * for the errno rule below.  As C xenstored's ask_parents(), each parent
 * read counts as a read in a transaction.
 */
static int
parent_rights(struct xs_req *rq, const char *path, unsigned need,
    unsigned *rights)
{
	char buf[XS_PATH_BUF], why[XS_WHY_MAX];
	struct xs_ref r;
	size_t len;
	int err;

	len = strlen(path);
	memcpy(buf, path, len + 1);
	do {
		len = xs_parent_len(buf);
		buf[0] = '/'; /* a special path's parent is the root */
		buf[len] = '\0';
		if ((err = xs_view_get(rq, buf, &r)) != 0)
			return (err);
	} while (!r.exists && len > 1);
	*rights = r.exists ? xs_perm_for(rq->s, rq->c->domid, &r.perms) : 0;
	if (r.exists && (*rights & need) == 0) {
		/* The refusal hides whether the node exists: say why. */
		xs_perm_explain(rq->s, rq->c->domid, &r.perms, need, why,
		    sizeof(why));
		xs_deny(rq, "%s, the nearest node above it that exists: %s",
		    buf, why);
	}
	return (0);
}

/*
 * Look path up and check that the requester has all the rights in need.
 * A missing node is ENOENT and a forbidden one EACCES, but only when the
 * requester has some of those rights on the nearest existing ancestor:
 * otherwise both are EACCES, so that an error never tells a domain
 * whether a node it may not see exists (C xenstored's
 * errno_from_parents()).
 */
int
xs_view_get_node(struct xs_req *rq, const char *path, unsigned need,
    struct xs_ref *r)
{
	char why[XS_WHY_MAX];
	unsigned rights;
	int err, e2;

	if ((err = xs_view_get(rq, path, r)) != 0)
		return (err);
	if (r->exists) {
		if ((xs_perm_for(rq->s, rq->c->domid, &r->perms) & need) ==
		    need)
			return (0);
		err = EACCES;
		xs_perm_explain(rq->s, rq->c->domid, &r->perms, need, why,
		    sizeof(why));
		xs_deny(rq, "%s", why);
	} else
		err = ENOENT;
	if ((e2 = parent_rights(rq, path, need, &rights)) != 0)
		return (e2);
	return ((rights & need) != 0 ? err : EACCES);
}

/*
 * Create path and its missing ancestors in the live tree.  Every new node
 * inherits the permissions of the nearest existing ancestor, except that
 * an unprivileged creator owns what it creates.  All or nothing.
 */
static int
live_create(struct xs_req *rq, const char *path, const char *value,
    uint32_t vlen, struct xs_node **out)
{
	struct xs_node *anc, *n, *first;
	struct xs_perms perms;
	const char *p, *slash;
	uint64_t k;
	size_t len;
	int err;

	(void)xs_node_find(rq->s, path, &anc, &len);
	k = 0;
	p = path + len;
	for (slash = p; *slash != '\0'; slash++)
		if (*slash == '/')
			k++;
	if ((err = xs_node_quota(rq, k)) != 0)
		return (err);
	if ((err = xs_perms_copy(&perms, &anc->perms)) != 0)
		return (err);
	if (!xs_is_priv(rq->c->domid) && perms.n > 0)
		perms.p[0].id = rq->c->domid;
	first = NULL;
	n = anc;
	for (p++; *p != '\0'; p = slash + 1) {
		slash = strchr(p, '/');
		len = slash != NULL ? (size_t)(slash - p) : strlen(p);
		err =
		    xs_node_add(rq->s, n, p, len, slash == NULL ? value : NULL,
			slash == NULL ? vlen : 0, &perms, &n);
		if (err != 0)
			break;
		if (first == NULL)
			first = n;
		if (slash == NULL)
			break;
	}
	xs_perms_free(&perms);
	if (err != 0) {
		if (first != NULL) {
			char buf[XS_PATH_BUF];

			xs_node_path(first, buf, sizeof(buf));
			xs_node_rm_tree(rq->s, first, buf, false);
		}
		return (err);
	}
	*out = n;
	return (0);
}

/*
 * Write value at path: replace the value of an existing node (r from
 * xs_view_get_node), or create it with its missing ancestors.  Fires the
 * watches of path, now or at commit.
 */
int
xs_view_write(struct xs_req *rq, const char *path, struct xs_ref *r,
    const char *value, uint32_t vlen)
{
	struct xs_node *n;
	int err;

	if (rq->tx != NULL) {
		if (r->exists)
			return (xs_tx_set_value(rq, r, value, vlen));
		return (xs_tx_create(rq, path, value, vlen));
	}
	if (r->exists) {
		n = r->node;
		err = xs_node_set_value(rq->s, n, value, vlen);
	} else
		err = live_create(rq, path, value, vlen, &n);
	if (err != 0)
		return (err);
	xs_fire(rq->s, path, XS_MATCH_SUBTREE, n, NULL);
	return (0);
}

/* Replace the permissions of an existing node; fires its watches. */
int
xs_view_set_perms(struct xs_req *rq, const char *path, struct xs_ref *r,
    const struct xs_perms *perms)
{
	struct xs_perms old;
	int err;

	if (rq->tx != NULL && r->tn != NULL)
		return (xs_tx_set_perms(rq, r, perms));
	if ((err = xs_perms_copy(&old, &r->node->perms)) != 0)
		return (err);
	if ((err = xs_node_set_perms(rq->s, r->node, perms)) == 0)
		xs_fire(rq->s, path, XS_MATCH_SUBTREE, r->node, &old);
	xs_perms_free(&old);
	return (err);
}

/* Remove an existing node and everything below it; fires watches. */
int
xs_view_rm(struct xs_req *rq, const char *path, struct xs_ref *r)
{
	char buf[XS_PATH_BUF];

	if (rq->tx != NULL)
		return (xs_tx_rm(rq, path, r));
	strcpy(buf, path);
	xs_node_rm_tree(rq->s, r->node, buf, true);
	return (0);
}

/*
 * The DIRECTORY list of an existing node: each child's name and a nul,
 * in byte order, in a buffer the caller frees.  E2BIG, without building
 * anything in the live case, when it would take more than max bytes.
 */
int
xs_view_list(struct xs_req *rq, const char *path, struct xs_ref *r, size_t max,
    char **buf, size_t *len)
{
	struct xs_node *k;
	uint64_t total;
	char *p;
	int err;

	if (rq->tx != NULL && r->tn != NULL) {
		if ((err = xs_tx_list(rq, path, r, buf, len)) != 0)
			return (err);
		if (*len > max) {
			free(*buf);
			return (E2BIG);
		}
		return (0);
	}
	k = RB_ROOT(&r->node->kids);
	total = k != NULL ? k->subbytes : 0;
	if (total > max)
		return (E2BIG);
	*buf = p = malloc(total + 1);
	if (p == NULL)
		return (ENOMEM);
	for (k = xs_node_first(r->node); k != NULL;
	     k = xs_node_next(r->node, k)) {
		memcpy(p, k->name, k->namelen);
		p += k->namelen;
		*p++ = '\0';
	}
	*len = (size_t)total;
	return (0);
}
