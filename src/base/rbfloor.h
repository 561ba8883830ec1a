/*
 * rbfloor.h: the floor search of an RB tree whose nodes never overlap.
 *
 * The allocator's free ranges and dev/'s three trees (map records,
 * shared-page segments, address fragments) hold non-overlapping ranges
 * ordered by their start.  The range
 * holding a point is the one with the greatest start not above it,
 * provided it reaches that far: one descent, O(log n).  libbsd's tree.h
 * has RB_NFIND (the least key >= k) but no floor, hence this.
 */
#ifndef GNTBOX_BASE_RBFLOOR_H
#define GNTBOX_BASE_RBFLOOR_H

#include "base/tree.h"

/*
 * Define `static struct type *fn(const struct head *h, ktype k)`, which
 * returns the node of h with the greatest `key` <= k, or NULL.
 */
#define GBX_RB_FLOOR(fn, head, type, field, key, ktype)                        \
	static struct type *fn(const struct head *h, ktype k)                  \
	{                                                                      \
		struct type *n, *best;                                         \
                                                                               \
		best = NULL;                                                   \
		n = RB_ROOT(h);                                                \
		while (n != NULL) {                                            \
			if (n->key <= k) {                                     \
				best = n;                                      \
				n = RB_RIGHT(n, field);                        \
			} else                                                 \
				n = RB_LEFT(n, field);                         \
		}                                                              \
		return (best);                                                 \
	}

#endif /* GNTBOX_BASE_RBFLOOR_H */
