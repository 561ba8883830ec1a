/*
 * rangealloc: first-fit allocation of integer ranges from a red-black tree
 * of free ranges augmented with each subtree's largest free span.
 *
 * libbsd's tree.h calls RB_AUGMENT(x) on the nodes it restructures, but on
 * insertion and on a one-child removal it updates only the parent, not the
 * whole path to the root.  We therefore make RB_AUGMENT an O(1) recompute
 * of one node from its children and, after each insert, remove or in-place
 * change, recompute the path from the lowest changed node to the root
 * (ra_fixup).  Every node whose subtree changed lies on that path once the
 * tree operation has finished, so the path walk restores the invariant;
 * ra_check() verifies it and the unit test runs it after every operation.
 * Nodes are zeroed when allocated, so no path, even the impossible one of
 * inserting a duplicate range, can read an unset link.
 */
#include <errno.h>
#include <stdlib.h>

#include "base/rangealloc.h"
#include "base/rbfloor.h"

static void ra_augment(struct ra_range *);

#undef RB_AUGMENT
#define RB_AUGMENT(x) ra_augment(x)

static int
ra_cmp(const struct ra_range *a, const struct ra_range *b)
{

	if (a->first < b->first)
		return (-1);
	return (a->first > b->first);
}

RB_GENERATE_STATIC_UNUSED(ra_tree, ra_range, link, ra_cmp)

static inline uint64_t
ra_span(const struct ra_range *r)
{

	return (r->last - r->first);
}

/* Recompute one node's subtree maximum from its children. */
static void
ra_augment(struct ra_range *r)
{
	struct ra_range *c;
	uint64_t m;

	m = ra_span(r);
	if ((c = RB_LEFT(r, link)) != NULL && c->maxspan > m)
		m = c->maxspan;
	if ((c = RB_RIGHT(r, link)) != NULL && c->maxspan > m)
		m = c->maxspan;
	r->maxspan = m;
}

/* Recompute r and every ancestor of r, bottom up. */
static void
ra_fixup(struct ra_range *r)
{

	for (; r != NULL; r = RB_PARENT(r, link))
		ra_augment(r);
}

static void
ra_insert(struct rangealloc *ra, struct ra_range *r)
{

	r->maxspan = ra_span(r);
	/*
	 * Every caller has checked that r overlaps no free range, so no node
	 * has r's first element and the insertion finds no duplicate; were
	 * it to, dropping r would still leave the tree consistent.
	 */
	if (RB_INSERT(ra_tree, &ra->free, r) != NULL) {
		free(r);
		return;
	}
	ra_fixup(r);
	ra->nranges++;
}

/*
 * Unlink r.  The lowest node whose subtree changes is r's parent, or, when
 * r has two children, the parent of r's successor (which takes r's place).
 */
static void
ra_remove(struct rangealloc *ra, struct ra_range *r)
{
	struct ra_range *low, *s;

	if (RB_LEFT(r, link) != NULL && RB_RIGHT(r, link) != NULL) {
		s = RB_RIGHT(r, link);
		while (RB_LEFT(s, link) != NULL)
			s = RB_LEFT(s, link);
		low = RB_PARENT(s, link) == r ? s : RB_PARENT(s, link);
	} else
		low = RB_PARENT(r, link);
	RB_REMOVE(ra_tree, &ra->free, r);
	ra_fixup(low);
	ra->nranges--;
	free(r);
}

/* The free range with the greatest first element <= x, or NULL. */
GBX_RB_FLOOR(ra_tree_floor, ra_tree, ra_range, link, first, uint64_t)

static struct ra_range *
ra_floor(const struct rangealloc *ra, uint64_t x)
{

	return (ra_tree_floor(&ra->free, x));
}

/* The lowest free range whose span is at least need, or NULL. */
static struct ra_range *
ra_first_fit(const struct rangealloc *ra, uint64_t need)
{
	struct ra_range *n, *c;

	n = RB_ROOT(&ra->free);
	if (n == NULL || n->maxspan < need)
		return (NULL);
	while (n != NULL) {
		c = RB_LEFT(n, link);
		if (c != NULL && c->maxspan >= need) {
			n = c;
			continue;
		}
		if (ra_span(n) >= need)
			return (n);
		c = RB_RIGHT(n, link);
		n = (c != NULL && c->maxspan >= need) ? c : NULL;
	}
	return (NULL);
}

/* Validate [first, first + count - 1] against the span; sets *last. */
static int
ra_range_ok(const struct rangealloc *ra, uint64_t first, uint64_t count,
    uint64_t *last)
{

	if (count == 0 || count - 1 > UINT64_MAX - first)
		return (EINVAL);
	*last = first + (count - 1);
	if (first < ra->lo || *last > ra->hi)
		return (EINVAL);
	return (0);
}

static void
ra_account(struct rangealloc *ra, uint64_t count, bool alloc)
{

	if (alloc)
		ra->nused = count > UINT64_MAX - ra->nused ? UINT64_MAX :
							     ra->nused + count;
	else
		ra->nused = count > ra->nused ? 0 : ra->nused - count;
}

int
ra_init(struct rangealloc *ra, uint64_t lo, uint64_t hi)
{
	struct ra_range *r;

	if (lo > hi)
		return (EINVAL);
	RB_INIT(&ra->free);
	ra->lo = lo;
	ra->hi = hi;
	ra->nused = 0;
	ra->nranges = 0;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return (ENOMEM);
	r->first = lo;
	r->last = hi;
	ra_insert(ra, r);
	return (0);
}

void
ra_destroy(struct rangealloc *ra)
{
	struct ra_range *r, *next;

	RB_FOREACH_SAFE(r, ra_tree, &ra->free, next) {
		RB_REMOVE(ra_tree, &ra->free, r);
		free(r);
	}
	ra->nranges = 0;
	ra->nused = 0;
}

int
ra_alloc(struct rangealloc *ra, uint64_t count, uint64_t *first)
{
	struct ra_range *r;

	if (count == 0)
		return (EINVAL);
	if ((r = ra_first_fit(ra, count - 1)) == NULL)
		return (ENOSPC);
	*first = r->first;
	if (ra_span(r) == count - 1)
		ra_remove(ra, r);
	else {
		r->first += count;
		ra_fixup(r);
	}
	ra_account(ra, count, true);
	return (0);
}

int
ra_alloc_at(struct rangealloc *ra, uint64_t first, uint64_t count)
{
	struct ra_range *r, *right;
	uint64_t last;
	int error;

	if ((error = ra_range_ok(ra, first, count, &last)) != 0)
		return (error);
	r = ra_floor(ra, first);
	if (r == NULL || r->last < last)
		return (EBUSY);
	if (first > r->first && last < r->last) {
		/* The hole splits r in two: r keeps the left part. */
		if ((right = calloc(1, sizeof(*right))) == NULL)
			return (ENOMEM);
		right->first = last + 1;
		right->last = r->last;
		r->last = first - 1;
		ra_fixup(r);
		ra_insert(ra, right);
	} else if (first > r->first) {
		r->last = first - 1;
		ra_fixup(r);
	} else if (last < r->last) {
		r->first = last + 1;
		ra_fixup(r);
	} else
		ra_remove(ra, r);
	ra_account(ra, count, true);
	return (0);
}

int
ra_free(struct rangealloc *ra, uint64_t first, uint64_t count)
{
	struct ra_range *pred, *succ, *r;
	uint64_t last;
	bool joinl, joinr;
	int error;

	if ((error = ra_range_ok(ra, first, count, &last)) != 0)
		return (error);
	pred = ra_floor(ra, first);
	if (pred != NULL && pred->last >= first)
		return (EALREADY);
	succ = pred != NULL ? RB_NEXT(ra_tree, &ra->free, pred) :
			      RB_MIN(ra_tree, &ra->free);
	if (succ != NULL && succ->first <= last)
		return (EALREADY);
	/* pred->last < first and last < succ->first: neither +1 overflows. */
	joinl = pred != NULL && pred->last + 1 == first;
	joinr = succ != NULL && last + 1 == succ->first;
	if (joinl && joinr) {
		last = succ->last;
		ra_remove(ra, succ);
		pred->last = last;
		ra_fixup(pred);
	} else if (joinl) {
		pred->last = last;
		ra_fixup(pred);
	} else if (joinr) {
		succ->first = first;
		ra_fixup(succ);
	} else {
		if ((r = calloc(1, sizeof(*r))) == NULL)
			return (ENOMEM);
		r->first = first;
		r->last = last;
		ra_insert(ra, r);
	}
	ra_account(ra, count, false);
	return (0);
}

bool
ra_is_allocated(const struct rangealloc *ra, uint64_t first, uint64_t count)
{
	const struct ra_range *r;
	uint64_t last;

	if (ra_range_ok(ra, first, count, &last) != 0)
		return (false);
	r = ra_floor(ra, last);
	return (r == NULL || r->last < first);
}

/* Returns the subtree's maximum span, or sets *bad on a wrong augment. */
static uint64_t
ra_check_node(const struct ra_range *r, bool *bad)
{
	uint64_t m, c;

	if (r == NULL)
		return (0);
	m = ra_span(r);
	if (RB_LEFT(r, link) != NULL &&
	    (c = ra_check_node(RB_LEFT(r, link), bad)) > m)
		m = c;
	if (RB_RIGHT(r, link) != NULL &&
	    (c = ra_check_node(RB_RIGHT(r, link), bad)) > m)
		m = c;
	if (m != r->maxspan)
		*bad = true;
	return (m);
}

int
ra_check(const struct rangealloc *ra)
{
	const struct ra_range *prev;
	struct ra_range *r;
	unsigned __int128 nfree, total;
	uint64_t n;
	bool bad;

	bad = false;
	(void)ra_check_node(RB_ROOT(&ra->free), &bad);
	if (bad)
		return (EFAULT);
	prev = NULL;
	nfree = 0;
	n = 0;
	RB_FOREACH(r, ra_tree, (struct ra_tree *)&ra->free) {
		if (r->first > r->last || r->first < ra->lo || r->last > ra->hi)
			return (EFAULT);
		/* Ordered, and never adjacent: adjacent ranges must merge. */
		if (prev != NULL && prev->last + 1 >= r->first)
			return (EFAULT);
		nfree += (unsigned __int128)ra_span(r) + 1;
		prev = r;
		n++;
	}
	if (n != ra->nranges)
		return (EFAULT);
	total = (unsigned __int128)(ra->hi - ra->lo) + 1;
	if (ra->nused != UINT64_MAX && total - nfree != ra->nused)
		return (EFAULT);
	return (0);
}
