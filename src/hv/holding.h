/*
 * holding.h: what a grant-device client holds on behalf of its process,
 * under one shape: map objects (mapobj.h), the pins of grant copies
 * (copypin.h) and adopted holds on shared pages (adopt.h).
 *
 * All three live and die the same way.  A request makes one; a later
 * request of the same connection finds it by its key (map and copy ids,
 * which share the client's id space, or the adopted ref) and releases it;
 * the process token's hangup (the process exited or exec'ed) dooms every
 * holding the client has at that moment, and the connection's close dooms
 * the rest.  So each kind embeds a struct hv_holding, and the client keeps
 * them in two trees ordered by (kind, key): `holdings`, where requests
 * look them up in O(log n), and `doomed`, which a hangup fills in O(1) by
 * moving the whole tree.
 *
 * Releasing a holding can be large (a map of 65536 handles), so the
 * reaper does it in bounded units per loop turn (Xen's XSA-380 lesson),
 * through the kind's reap function: one unit releases one handle of a
 * map, one pin of a copy, or one adoption.  holding_reap() is the one
 * reap path: lowest (kind, key) first, so maps go before copies, copies
 * before adoptions, each in the order it was made.
 */
#ifndef GNTBOX_HV_HOLDING_H
#define GNTBOX_HV_HOLDING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/tree.h"

struct hv_client;
struct hv_holding;

/* The kinds, in the order the reaper releases them. */
enum hv_holding_kind {
	HV_HOLDING_MAP = 1, /* struct hv_map, keyed by map id */
	HV_HOLDING_COPY,    /* struct hv_copy, keyed by copy id */
	HV_HOLDING_ADOPT,   /* struct hv_adopt, keyed by ref */
};

/*
 * Release up to budget units of h, from its end.  Returns the units done;
 * sets *gone when h was released completely (and freed, so the caller
 * must not touch it again).
 */
typedef unsigned hv_holding_reap_fn(struct hv_holding *h, unsigned budget,
    bool *gone);

struct hv_holding {
	RB_ENTRY(hv_holding) link; /* in client->holdings or client->doomed */
	struct hv_client *client;
	hv_holding_reap_fn *reap;
	uint32_t key;
	uint8_t kind; /* enum hv_holding_kind */
};

RB_HEAD(hv_holdingtree, hv_holding);

/* The record of kind type whose member `hold` is h. */
#define holding_entry(h, type)                                                 \
	((type *)(void *)((char *)(h)-offsetof(type, hold)))

/*
 * Record h, a holding of c of this kind and key, released by reap.
 * Returns 0, or EEXIST when c already holds that key of that kind
 * (nothing is recorded then).  O(log n).
 */
int holding_add(struct hv_client *c, struct hv_holding *h, uint8_t kind,
    uint32_t key, hv_holding_reap_fn *reap);

/* c's live holding of this kind and key, or NULL.  O(log n). */
struct hv_holding *holding_find(struct hv_client *c, uint8_t kind,
    uint32_t key);

/* Forget h, live or doomed (its kind frees it afterwards). */
void holding_remove(struct hv_holding *h);

/*
 * The process token hung up: every live holding of c becomes doomed.
 * O(1) when nothing is doomed yet, which is always so in gntboxd (a
 * connection's token hangs up once); one by one otherwise.
 */
void holding_doom_all(struct hv_client *c);

/*
 * The reaper's step over tree t: release holdings in (kind, key) order,
 * up to budget units.  Returns the units done.
 */
unsigned holding_reap(struct hv_holdingtree *t, unsigned budget);

#endif /* GNTBOX_HV_HOLDING_H */
