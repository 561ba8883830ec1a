/*
 * copypin.h: the pins of a grant copy (COPY_ACQUIRE / COPY_RELEASE).
 *
 * Xen's GNTTABOP_copy pins each grant for the length of one copy
 * operation.  gntbox's copy is done by the client itself, through the
 * arena descriptors, so the pins must outlast the request: COPY_ACQUIRE
 * pins every grant of a batch that passes Xen's checks and keeps the pins
 * in a copy object of the client, which COPY_RELEASE frees.  While a grant
 * is pinned its granter's end of access is deferred, so its page is
 * neither freed nor reused under the copy.  A copy object belongs to the
 * process that made it: it is a holding of its client (holding.h), which
 * the process token's hangup releases, as close does, through the reaper,
 * one pin per unit.
 */
#ifndef GNTBOX_HV_COPYPIN_H
#define GNTBOX_HV_COPYPIN_H

#include <stdbool.h>
#include <stdint.h>

#include "hv/holding.h"
#include "proto/proto.h"

struct hv_client;
struct hv_grant;

struct hv_copy_pin {
	struct hv_grant *g;
	bool ro;
};

struct hv_copy {
	struct hv_holding hold; /* kind HV_HOLDING_COPY, key the copy id */
	struct hv_client *client;
	uint32_t id;
	uint32_t npins; /* pins still held, pins[0 .. npins - 1] */
	struct hv_copy_pin pins[];
};

/*
 * Pin the count grants of a batch for client c.  res[i] receives grant
 * i's status and, when it was pinned, its arena and page; *nfailed counts
 * the grants not pinned.  Returns 0 with *cpp the new copy object, or
 * NULL when nothing was pinned; EINVAL (count out of range, unknown
 * flags: nothing pinned, res untouched); ENOMEM.
 */
int hv_copy_acquire(struct hv_client *c, const struct gbx_copy_grant *cg,
    uint32_t count, struct gbx_map_result *res, uint32_t *nfailed,
    struct hv_copy **cpp);

/* The copy object id of c's current process, or NULL. */
struct hv_copy *hv_copy_find(struct hv_client *c, uint32_t id);

/* COPY_RELEASE: drop every pin of cp and free it. */
void hv_copy_release(struct hv_copy *cp);

#endif /* GNTBOX_HV_COPYPIN_H */
