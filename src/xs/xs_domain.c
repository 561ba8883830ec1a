/*
 * xs_domain.c: domains as the store sees them.
 *
 * gntboxd creates and destroys domains; it tells the store with
 * xs_domain_introduce() and xs_domain_release().  Introducing a domain
 * does what a Xen toolstack and xenstored do together: it makes the
 * domain's home /local/domain/<id> with domid, name and data (the home
 * and data/ owned by the domain, domid and name owned by domain 0 and
 * readable by the domain, as libxl makes them), then fires
 * @introduceDomain.  Releasing one removes its home and every node it
 * owns, strips its entries from other nodes' permissions and fires
 * @releaseDomain, as C xenstored's domain_tree_remove() and
 * destroy_domain() do.
 *
 * The wire requests about domains follow C xenstored's domain.c, as far
 * as they mean something without a hypervisor: see docs/differences.md.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xs/internal.h"

static int
dom_cmp(const struct xs_domain *a, const struct xs_domain *b)
{

	return (a->domid < b->domid ? -1 : a->domid > b->domid);
}

RB_GENERATE_STATIC_UNUSED(xs_domains, xs_domain, link, dom_cmp)

struct xs_domain *
xs_domain_find(const struct xs_store *s, uint32_t domid)
{
	struct xs_domain key = { 0 };

	key.domid = domid;
	return (RB_FIND(xs_domains, &((struct xs_store *)(uintptr_t)s)->domains,
	    &key));
}

struct xs_domain *
xs_domain_first(struct xs_store *s)
{

	return (RB_MIN(xs_domains, &s->domains));
}

struct xs_domain *
xs_domain_next(struct xs_store *s, struct xs_domain *d)
{

	(void)s; /* libbsd's RB_NEXT does not use the head */
	return (RB_NEXT(xs_domains, &s->domains, d));
}

/* The record of domid, made on first use; NULL on ENOMEM. */
struct xs_domain *
xs_domain_get(struct xs_store *s, uint32_t domid)
{
	struct xs_domain *d;
	int i;

	if ((d = xs_domain_find(s, domid)) != NULL)
		return (d);
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return (NULL);
	d->domid = domid;
	d->introduced = xs_is_priv(domid);
	d->target = XS_DOMID_ANY;
	d->features = XS_FEATURES;
	for (i = 0; i < XSQ_COUNT; i++)
		d->quota[i] = XSQ_UNSET;
	TAILQ_INIT(&d->conns);
	RB_INSERT(xs_domains, &s->domains, d);
	return (d);
}

/* Does domid name a domain permissions may refer to? */
bool
xs_domain_exists(const struct xs_store *s, uint32_t domid)
{
	const struct xs_domain *d;

	if (xs_is_priv(domid))
		return (true);
	d = xs_domain_find(s, domid);
	return (d != NULL && d->introduced);
}

bool
xs_domain_introduced(const struct xs_store *s, unsigned domid)
{

	return (xs_domain_exists(s, domid));
}

void
xs_domains_free(struct xs_store *s)
{
	struct xs_domain *d;

	while ((d = RB_MIN(xs_domains, &s->domains)) != NULL) {
		RB_REMOVE(xs_domains, &s->domains, d);
		free(d);
	}
}

/* Create one node of a domain's home (its parent exists). */
static int
home_node(struct xs_store *s, struct xs_node *parent, const char *name,
    const char *value, uint32_t owner, uint32_t reader, struct xs_node **out)
{
	struct xs_perm p[2] = { { owner, XSP_NONE }, { reader, XSP_READ } };
	struct xs_perms perms = { p, reader != owner ? 2 : 1 };

	return (xs_node_add(s, parent, name, strlen(name), value,
	    (uint32_t)strlen(value), &perms, out));
}

/* /local/domain, made again (owned by domain 0) if someone removed it. */
static int
local_domain(struct xs_store *s, struct xs_node **out)
{
	static const struct xs_perm p0 = { XS_PRIV_DOMID, XSP_NONE };
	static const char *const names[] = { "local", "domain" };
	struct xs_perms perms = { (struct xs_perm *)(uintptr_t)&p0, 1 };
	struct xs_node *n, *k;
	int i, err;

	n = s->root;
	for (i = 0; i < 2; i++) {
		k = xs_node_kid(s, n, names[i], strlen(names[i]));
		if (k == NULL &&
		    (err = xs_node_add(s, n, names[i], strlen(names[i]), NULL,
			 0, &perms, &k)) != 0)
			return (err);
		n = k;
	}
	*out = n;
	return (0);
}

int
xs_domain_introduce(struct xs_store *s, unsigned domid, const char *name)
{
	char path[XS_PATH_BUF], idstr[16];
	struct xs_node *ld, *home, *n[3];
	struct xs_domain *d;
	int err, i;

	if (domid >= XS_DOMID_FIRST_RESERVED || name == NULL ||
	    strlen(name) > XENSTORE_PAYLOAD_MAX)
		return (EINVAL);
	if ((d = xs_domain_get(s, domid)) == NULL)
		return (ENOMEM);
	if (d->named)
		return (EEXIST);
	if ((err = local_domain(s, &ld)) != 0)
		return (err);
	snprintf(idstr, sizeof(idstr), "%u", domid);
	xs_home_path(domid, path, sizeof(path));
	/* A stale home goes first, as a toolstack removes it. */
	if ((home = xs_node_kid(s, ld, idstr, strlen(idstr))) != NULL)
		xs_node_rm_tree(s, home, path, true);
	d->introduced = true;
	if ((err = home_node(s, ld, idstr, "", domid, domid, &home)) != 0)
		goto fail;
	if ((err = home_node(s, home, "domid", idstr, XS_PRIV_DOMID, domid,
		 &n[0])) != 0 ||
	    (err = home_node(s, home, "name", name, XS_PRIV_DOMID, domid,
		 &n[1])) != 0 ||
	    (err = home_node(s, home, "data", "", domid, domid, &n[2])) != 0) {
		xs_node_rm_tree(s, home, path, false);
		goto fail;
	}
	d->named = true;
	xs_fire(s, path, XS_MATCH_SUBTREE, home, NULL);
	for (i = 0; i < 3; i++) {
		xs_node_path(n[i], path, sizeof(path));
		xs_fire(s, path, XS_MATCH_SUBTREE, n[i], NULL);
	}
	if (!xs_is_priv(domid))
		xs_fire_special(s, s->intro, domid);
	return (0);
fail:
	d->introduced = xs_is_priv(domid);
	return (err);
}

/* Drop domid's entries (after the owner) from a permission list. */
static void
strip_entries(struct xs_store *s, struct xs_node *n, uint32_t domid)
{
	struct xs_perms *p = &n->perms;
	uint32_t i, j;

	xs_node_perms_account(s, p, -1);
	for (i = j = 1; i < p->n; i++)
		if (p->p[i].id != domid)
			p->p[j++] = p->p[i];
	p->n = j;
	xs_node_perms_account(s, p, 1);
}

/* The next node of a pre-order walk that skips n's children. */
static struct xs_node *
skip_subtree(struct xs_store *s, struct xs_node *n)
{
	struct xs_node *next;

	for (; n != s->root; n = n->parent)
		if ((next = xs_node_next(n->parent, n)) != NULL)
			return (next);
	return (NULL);
}

/*
 * Remove every node the domain owns (with its subtree) and its entries in
 * other lists: one walk of the tree, made only when the counts say the
 * domain still owns or is named by something.
 */
static void
forget_domain(struct xs_store *s, struct xs_domain *d)
{
	char path[XS_PATH_BUF];
	struct xs_node *n, *next;

	strip_entries(s, s->intro, d->domid);
	strip_entries(s, s->release, d->domid);
	n = s->root;
	while (n != NULL && (d->nnodes > 0 || d->nrefs > 0)) {
		if (n != s->root && n->perms.p[0].id == d->domid) {
			next = skip_subtree(s, n);
			xs_node_path(n, path, sizeof(path));
			xs_node_rm_tree(s, n, path, true);
			n = next;
			continue;
		}
		strip_entries(s, n, d->domid);
		next = xs_node_first(n);
		n = next != NULL ? next : skip_subtree(s, n);
	}
}

/* Release an introduced domain (not domain 0). */
static void
release(struct xs_store *s, struct xs_domain *d)
{
	char path[XS_PATH_BUF];
	struct xs_domain *o;
	struct xs_conn *c;
	struct xs_node *home;

	TAILQ_FOREACH(c, &d->conns, domlink)
		xs_conn_fail(c, ECONNRESET);
	xs_home_path(d->domid, path, sizeof(path));
	if ((home = xs_node_find(s, path, NULL, NULL)) != NULL)
		xs_node_rm_tree(s, home, path, true);
	forget_domain(s, d);
	RB_FOREACH(o, xs_domains, &s->domains)
		if (o->target == d->domid)
			o->target = XS_DOMID_ANY;
	d->introduced = false;
	d->named = false;
	d->target = XS_DOMID_ANY;
	xs_fire_special(s, s->release, d->domid);
	if (TAILQ_EMPTY(&d->conns)) {
		RB_REMOVE(xs_domains, &s->domains, d);
		free(d);
	}
}

int
xs_domain_release(struct xs_store *s, unsigned domid)
{
	struct xs_domain *d;

	if (xs_is_priv(domid))
		return (EINVAL);
	if ((d = xs_domain_find(s, domid)) == NULL || !d->introduced)
		return (ENOENT);
	release(s, d);
	return (0);
}

/* The one domid argument of a request. */
static int
onearg_domid(struct xs_req *rq, uint32_t *domid)
{
	const char *arg;

	if ((arg = xs_onearg(rq)) == NULL)
		return (EINVAL);
	return (xs_parse_domid(arg, domid));
}

/*
 * INTRODUCE <domid>|<gfn>|<evtchn>|: there is no ring page to map, so it
 * succeeds only for a domain gntboxd already introduced (C xenstored
 * rebinds the event channel of a known domain and answers OK), and is
 * EINVAL otherwise.
 */
int
xs_do_introduce(struct xs_req *rq)
{
	const char *vec[3];
	uint32_t domid, port;
	int err;

	if (xs_get_strings(rq->data, rq->len, vec, 3) < 3)
		return (EINVAL);
	if ((err = xs_parse_domid(vec[0], &domid)) != 0)
		return (err);
	if (xs_parse_uint(vec[2], UINT32_MAX, &port) != 0 || port == 0 ||
	    !xs_domain_exists(rq->s, domid))
		return (EINVAL);
	xs_reply_ok(rq);
	return (0);
}

/*
 * The domain that RELEASE and RESUME name, as C xenstored's
 * onearg_domain(): not domain 0 (EINVAL), introduced (ENOENT).
 */
static int
other_domain(struct xs_req *rq, struct xs_domain **d)
{
	uint32_t domid;
	int err;

	if ((err = onearg_domid(rq, &domid)) != 0)
		return (err);
	if (xs_is_priv(domid))
		return (EINVAL);
	if ((*d = xs_domain_find(rq->s, domid)) == NULL || !(*d)->introduced)
		return (ENOENT);
	return (0);
}

/*
 * RELEASE <domid>|: disconnect the store from the domain, which here
 * means what it means in C xenstored: its connections are failed (the
 * daemon drops them), its nodes go and @releaseDomain fires.
 */
int
xs_do_release(struct xs_req *rq)
{
	struct xs_domain *d;
	int err;

	if ((err = other_domain(rq, &d)) != 0)
		return (err);
	release(rq->s, d);
	xs_reply_ok(rq);
	return (0);
}

/* RESUME <domid>|: there is no shutdown state to re-arm here. */
int
xs_do_resume(struct xs_req *rq)
{
	struct xs_domain *d;
	int err;

	if ((err = other_domain(rq, &d)) != 0)
		return (err);
	xs_reply_ok(rq);
	return (0);
}

int
xs_do_get_domain_path(struct xs_req *rq)
{
	char path[32];
	uint32_t domid;
	int err;

	if ((err = onearg_domid(rq, &domid)) != 0)
		return (err);
	xs_home_path(domid, path, sizeof(path));
	xs_reply_str(rq, path);
	return (0);
}

int
xs_do_is_domain_introduced(struct xs_req *rq)
{
	uint32_t domid;
	bool yes;
	int err;

	if ((err = onearg_domid(rq, &domid)) != 0)
		return (err);
	yes = domid == XS_DOMID_SELF || xs_domain_exists(rq->s, domid);
	xs_reply_str(rq, yes ? "T" : "F");
	return (0);
}

/*
 * SET_TARGET <domid>|<tdomid>|: domid gets the rights of tdomid (a device
 * model acting for its guest).  Both must exist (ENOENT).
 */
int
xs_do_set_target(struct xs_req *rq)
{
	const char *vec[2];
	uint32_t domid, tdomid;
	int err;

	if (xs_get_strings(rq->data, rq->len, vec, 2) < 2)
		return (EINVAL);
	if ((err = xs_parse_domid(vec[0], &domid)) != 0 ||
	    (err = xs_parse_domid(vec[1], &tdomid)) != 0)
		return (err);
	if (!xs_domain_exists(rq->s, domid) || !xs_domain_exists(rq->s, tdomid))
		return (ENOENT);
	xs_domain_find(rq->s, domid)->target = tdomid;
	xs_reply_ok(rq);
	return (0);
}

/*
 * GET_FEATURE [<domid>|]: the requester's features, or (privileged only)
 * another domain's.
 */
int
xs_do_get_feature(struct xs_req *rq)
{
	char out[16];
	const char *vec[1];
	struct xs_domain *d;
	uint32_t domid;
	unsigned n;
	int err;

	n = xs_get_strings(rq->data, rq->len, vec, 1);
	d = rq->c->dom;
	if (n > 0) {
		if (!xs_is_priv(rq->c->domid)) {
			xs_deny(rq,
			    "only domain 0 may read another domain's features");
			return (EACCES);
		}
		if (n > 1)
			return (EINVAL);
		if ((err = xs_parse_domid(vec[0], &domid)) != 0)
			return (err);
		if ((d = xs_domain_find(rq->s, domid)) == NULL)
			return (ENOENT);
	}
	snprintf(out, sizeof(out), "%u", d->features);
	xs_reply_str(rq, out);
	return (0);
}

/*
 * SET_FEATURE <domid>|<value>|: only before the domain is introduced
 * (EBUSY after), only supported bits (EINVAL).
 */
int
xs_do_set_feature(struct xs_req *rq)
{
	const char *vec[2];
	struct xs_domain *d;
	uint32_t domid, f;
	int err;

	if (xs_get_strings(rq->data, rq->len, vec, 2) != 2)
		return (EINVAL);
	if ((err = xs_parse_domid(vec[0], &domid)) != 0)
		return (err);
	if (xs_parse_uint(vec[1], UINT32_MAX, &f) != 0)
		return (EINVAL);
	if ((d = xs_domain_find(rq->s, domid)) == NULL)
		return (ENOENT);
	if (d->introduced)
		return (EBUSY);
	if ((f & ~(uint32_t)XS_FEATURES) != 0)
		return (EINVAL);
	d->features = f;
	xs_reply_ok(rq);
	return (0);
}
