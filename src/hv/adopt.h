/*
 * adopt.h: mapping holds adopted by a forked child (ADOPT, proto.h).
 *
 * A shared page is held by its owner's connection (file hold, mapping
 * hold) and, once a process forked from the owner's has adopted it, by
 * one *adopted hold* per adopting connection.  An adopted hold stands for
 * the child's inherited mappings of the page: it goes with UNMAPPED of
 * the ref on the adopting connection (the child's last mapping of the page
 * went), with that connection's token hangup (the child exited or
 * exec'ed) or with its close.  The page's grant is released only when
 * the owner's holds and all adopted holds are gone; a grant whose owner
 * let go while adopters remain is an *orphan*: on no list of its owner,
 * owner NULL, counted in `adopters`.
 *
 * A connection keeps its adoptions in a tree by ref, so UNMAPPED finds
 * one in O(log n); the token hangup moves the tree to the doomed tree in
 * O(1), and the reaper drops them in bounded steps.
 */
#ifndef GNTBOX_HV_ADOPT_H
#define GNTBOX_HV_ADOPT_H

#include <stdint.h>

#include "base/tree.h"

struct hv_client;
struct hv_grant;

struct hv_adopt {
	RB_ENTRY(hv_adopt) link;
	uint32_t ref;
	struct hv_grant *g;
};

RB_HEAD(hv_adopttree, hv_adopt);

/*
 * ADOPT: take an adopted hold on each ref, a grant of c's domain that is
 * still held, all or nothing.  Returns 0, EINVAL (a ref not held, adopted
 * by c already, or named twice: nothing adopted), ENOMEM.
 */
int hv_adopt(struct hv_client *c, const uint32_t *refs, uint32_t count);

/*
 * UNMAPPED of an adopted ref: drop c's adopted hold on it.  Returns 0, or
 * ENOENT when c has not adopted ref (the caller then treats it as the
 * owner's UNMAPPED).
 */
int hv_adopt_drop(struct hv_client *c, uint32_t ref);

/* For the reaper: drop up to budget adoptions of t; returns how many. */
unsigned hv_adopt_reap(struct hv_adopttree *t, unsigned budget);

/* Move every adoption of from to to (a token hangup). */
void adopt_tree_move(struct hv_adopttree *from, struct hv_adopttree *to);

#endif /* GNTBOX_HV_ADOPT_H */
