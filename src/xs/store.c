/*
 * store.c: the store as a whole: its initial tree, teardown, statistics,
 * the CONTROL request and a self-check of every invariant for the tests.
 *
 * The initial tree is C xenstored's setup_structure(): "/", /tool and
 * /tool/xenstored, all owned by domain 0 with no access for others, and
 * the special nodes @introduceDomain (the same) and @releaseDomain (which
 * every domain may read, so any domain may watch for releases).  We add
 * /local and /local/domain, which a Xen host's toolstack creates before
 * any domain exists.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xs/internal.h"

static struct xs_node *
special_node(struct xs_store *s, const char *name, const struct xs_perms *perms)
{
	struct xs_node *n;

	if ((n = xs_node_alloc(name, strlen(name))) == NULL)
		return (NULL);
	if (xs_perms_copy(&n->perms, perms) != 0) {
		xs_node_destroy(n);
		return (NULL);
	}
	n->gen = ++s->gen;
	s->nnodes++;
	xs_node_perms_account(s, &n->perms, 1);
	return (n);
}

struct xs_store *
xs_store_new(const struct xs_limits *limits)
{
	static const char *const paths[][2] = { { "tool", "xenstored" },
		{ "local", "domain" } };
	struct xs_perm p[2] = { { XS_PRIV_DOMID, XSP_NONE },
		{ XS_DOMID_ANY, XSP_READ } };
	struct xs_perms priv = { p, 1 }, anyread = { p, 2 };
	struct xs_limits def;
	struct xs_store *s;
	struct xs_node *n;
	int i, j;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return (NULL);
	xs_limits_default(&def);
	if (limits != NULL)
		s->limits = *limits;
#define XS_DEF(f)                                                              \
	if (s->limits.f == 0)                                                  \
		s->limits.f = def.f;
	XS_DEF(nodes)
	XS_DEF(watches)
	XS_DEF(transactions)
	XS_DEF(value_size)
	XS_DEF(perms)
	XS_DEF(output_bytes)
#undef XS_DEF
	xs_quota_init(s);
	RB_INIT(&s->domains);
	RB_INIT(&s->windex);
	TAILQ_INIT(&s->conns);
	if (xs_domain_get(s, XS_PRIV_DOMID) == NULL ||
	    (s->root = special_node(s, "", &priv)) == NULL)
		goto fail;
	for (i = 0; i < 2; i++) {
		n = s->root;
		for (j = 0; j < 2; j++)
			if (xs_node_add(s, n, paths[i][j], strlen(paths[i][j]),
				NULL, 0, &priv, &n) != 0)
				goto fail;
	}
	if ((s->intro = special_node(s, "@introduceDomain", &priv)) == NULL ||
	    (s->release = special_node(s, "@releaseDomain", &anyread)) == NULL)
		goto fail;
	return (s);
fail:
	xs_store_free(s);
	return (NULL);
}

void
xs_store_free(struct xs_store *s)
{
	struct xs_conn *c;

	if (s == NULL)
		return;
	while ((c = TAILQ_FIRST(&s->conns)) != NULL)
		xs_conn_free(c);
	xs_windex_free(s);
	if (s->root != NULL)
		xs_node_free_tree(s->root);
	if (s->intro != NULL)
		xs_node_destroy(s->intro);
	if (s->release != NULL)
		xs_node_destroy(s->release);
	xs_domains_free(s);
	free(s);
}

void
xs_store_stats(const struct xs_store *s, struct xs_stats *st)
{

	st->nodes = s->nnodes;
	st->watches = s->nwatches;
	st->transactions = s->ntxs;
}

uint64_t
xs_store_lookup_steps(const struct xs_store *s)
{

	return (s->lookup_steps);
}

/* Count a node's permission entries into the domains' scratch fields. */
static void
recount(struct xs_store *s, const struct xs_node *n)
{
	struct xs_domain *d;
	const struct xs_node *k;
	uint32_t i;

	if ((d = xs_domain_find(s, n->perms.p[0].id)) != NULL)
		d->chk_nodes++;
	for (i = 1; i < n->perms.n; i++)
		if ((n->perms.p[i].bits & XSP_IGNORE) == 0 &&
		    n->perms.p[i].id != XS_DOMID_ANY &&
		    (d = xs_domain_find(s, n->perms.p[i].id)) != NULL)
			d->chk_refs++;
	for (k = xs_node_first((struct xs_node *)(uintptr_t)n); k != NULL;
	     k = xs_node_next((struct xs_node *)(uintptr_t)n,
		 (struct xs_node *)(uintptr_t)k))
		recount(s, k);
}

/*
 * Check every invariant: the tree's shape and sums, the node count, each
 * domain's owned-node and reference counts, the watch and transaction
 * counts.  Returns 0 or EFAULT.  Used by CONTROL "check" and the tests.
 */
int
xs_store_check(struct xs_store *s)
{
	struct xs_domain *d;
	struct xs_conn *c;
	uint64_t count, w, t;

	count = 0;
	if (xs_node_check(s, s->root, &count) != 0 || count + 2 != s->nnodes)
		return (EFAULT);
	for (d = xs_domain_first(s); d != NULL; d = xs_domain_next(s, d))
		d->chk_nodes = d->chk_refs = 0;
	recount(s, s->root);
	recount(s, s->intro);
	recount(s, s->release);
	for (d = xs_domain_first(s); d != NULL; d = xs_domain_next(s, d))
		if (d->chk_nodes != d->nnodes || d->chk_refs != d->nrefs)
			return (EFAULT);
	w = t = 0;
	TAILQ_FOREACH(c, &s->conns, link) {
		w += c->nwatches;
		t += c->ntxs;
	}
	if (w != s->nwatches || t != s->ntxs)
		return (EFAULT);
	return (0);
}

/*
 * CONTROL <command>|[<args>|]: "check" runs xs_store_check() (EIO when
 * something is wrong), "print" acknowledges, "lookup-steps" answers the
 * comparisons path lookups have made so far (in decimal: how a test of
 * the daemon shows that a read costs O(log n) without timing it), "help"
 * lists these.  The other commands of C xenstored (logging, live update,
 * memory and quota reports) have no meaning here: EINVAL, as for an
 * unknown command.
 */
int
xs_do_control(struct xs_req *rq)
{
	const char *vec[2];
	char num[24];
	unsigned n;

	n = xs_get_strings(rq->data, rq->len, vec, 2);
	if (n == 0)
		return (EINVAL);
	if (strcmp(vec[0], "check") == 0) {
		if (xs_store_check(rq->s) != 0)
			return (EIO);
	} else if (strcmp(vec[0], "print") == 0) {
		if (n != 2)
			return (EINVAL);
	} else if (strcmp(vec[0], "lookup-steps") == 0) {
		if (n != 1)
			return (EINVAL);
		(void)snprintf(num, sizeof(num), "%" PRIu64,
		    rq->s->lookup_steps);
		xs_reply_str(rq, num);
		return (0);
	} else if (strcmp(vec[0], "help") == 0) {
		if (n != 1)
			return (EINVAL);
		xs_reply_str(rq, "check\nprint <string>\nlookup-steps\nhelp\n");
		return (0);
	} else
		return (EINVAL);
	xs_reply_ok(rq);
	return (0);
}
