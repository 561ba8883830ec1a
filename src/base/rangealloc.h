/*
 * rangealloc: a free-range allocator over a span of the 64-bit integers.
 *
 * Every numbered resource in gntbox comes from one of these: grant
 * references, maptrack handles, event-channel ports, pages of an arena and
 * the offsets of a grant device.  The free ranges sit in a red-black tree
 * (libbsd <sys/tree.h>) ordered by their first element; each node also
 * records the longest free range in its subtree, so a first-fit search (the
 * lowest fitting range) is a single descent, O(log n), and never walks a
 * list.  Freed ranges coalesce with their neighbours.
 *
 * Ranges are kept as inclusive [first, last] pairs so that the whole space
 * [0, 2^64 - 1] is representable and no arithmetic can overflow: a length
 * of 2^64 never has to be written down.
 *
 * Not thread-safe: the owner serialises access.
 */
#ifndef GNTBOX_BASE_RANGEALLOC_H
#define GNTBOX_BASE_RANGEALLOC_H

#include "base/tree.h"

#include <stdbool.h>
#include <stdint.h>

struct ra_range {
	RB_ENTRY(ra_range) link;
	uint64_t first;	  /* first free element */
	uint64_t last;	  /* last free element (inclusive) */
	uint64_t maxspan; /* largest (last - first) in this subtree */
};

RB_HEAD(ra_tree, ra_range);

struct rangealloc {
	struct ra_tree free; /* free ranges, by first */
	uint64_t lo;	     /* managed span [lo, hi] */
	uint64_t hi;
	uint64_t nused;	  /* allocated elements, saturating */
	uint64_t nranges; /* nodes in the tree */
};

/*
 * Manage [lo, hi], all free.  Returns 0, or EINVAL if lo > hi, or ENOMEM.
 */
int ra_init(struct rangealloc *ra, uint64_t lo, uint64_t hi);

/* Release every node.  The allocator may be initialised again. */
void ra_destroy(struct rangealloc *ra);

/*
 * Allocate count consecutive elements, first fit (the lowest start that
 * fits).  Returns 0 and stores the first element in *first, or EINVAL for
 * count 0, ENOSPC when no free range is long enough, ENOMEM.
 */
int ra_alloc(struct rangealloc *ra, uint64_t count, uint64_t *first);

/*
 * Allocate exactly [first, first + count - 1].  Returns 0, EINVAL for count
 * 0 or a range that overflows or leaves the span, EBUSY when any element is
 * already allocated, ENOMEM.
 */
int ra_alloc_at(struct rangealloc *ra, uint64_t first, uint64_t count);

/*
 * Return [first, first + count - 1] to the free set, coalescing with its
 * neighbours.  Returns 0, EINVAL for count 0 or a range that overflows or
 * leaves the span, EALREADY when any element is already free (a double
 * free; nothing changes), ENOMEM.
 */
int ra_free(struct rangealloc *ra, uint64_t first, uint64_t count);

/* True when every element of [first, first + count - 1] is allocated. */
bool ra_is_allocated(const struct rangealloc *ra, uint64_t first,
    uint64_t count);

/*
 * Check the tree's invariants (order, no adjacency, subtree maxima, free
 * count).  Returns 0 or EFAULT.  For tests.
 */
int ra_check(const struct rangealloc *ra);

#endif /* GNTBOX_BASE_RANGEALLOC_H */
