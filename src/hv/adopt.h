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
 * An adoption is a holding of the adopting client (holding.h), keyed by
 * ref, so UNMAPPED finds one in O(log n); the token hangup dooms it with
 * the client's other holdings in O(1), and the reaper drops it (one unit).
 */
#ifndef GNTBOX_HV_ADOPT_H
#define GNTBOX_HV_ADOPT_H

#include <stdint.h>

#include "hv/holding.h"

struct hv_client;
struct hv_grant;

struct hv_adopt {
	struct hv_holding hold; /* kind HV_HOLDING_ADOPT, key the ref */
	struct hv_grant *g;
};

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

#endif /* GNTBOX_HV_ADOPT_H */
