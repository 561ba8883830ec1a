/*
 * maptrack.h: a mapping domain's maptrack table.
 *
 * Every grant a domain maps gets a handle from its own maptrack table, as
 * in Xen; the handle records {granting domain, reference, flags} and, here,
 * the grant entry it pins and the map object it belongs to.  Handles come
 * from a rangealloc, lowest first, up to the domain's limit; entries live
 * in frames of 256 allocated on first use and never move.
 */
#ifndef GNTBOX_HV_MAPTRACK_H
#define GNTBOX_HV_MAPTRACK_H

#include <stdint.h>

#include "base/rangealloc.h"
#include "base/tree.h"

#define MT_PER_FRAME 256 /* Xen's MAPTRACK_PER_PAGE */

#define HV_MT_USED     0x1 /* the handle maps a grant */
#define HV_MT_READONLY 0x2 /* ... read-only */

struct hv_grant;
struct hv_map;

struct hv_mt {
	uint32_t flags; /* HV_MT_*; 0 when free */
	uint16_t domid; /* the granting domain */
	uint16_t pad;
	uint32_t ref;		 /* its grant reference */
	uint32_t handle;	 /* this entry's own number */
	struct hv_grant *grant;	 /* the entry it pins */
	struct hv_map *map;	 /* the map object it belongs to, if any */
	LIST_ENTRY(hv_mt) glink; /* in grant->mappers */
};

struct maptrack {
	struct hv_mt **frames; /* ceil(limit / 256) slots */
	uint32_t nslots;
	uint32_t limit;
	struct rangealloc free;
	uint32_t nused;
};

int maptrack_init(struct maptrack *mt, uint32_t limit);
void maptrack_fini(struct maptrack *mt);

/*
 * Take the lowest free handle; its entry comes back zeroed but for
 * `handle`.  Returns 0, ENOSPC at the limit, or ENOMEM.
 */
int maptrack_get(struct maptrack *mt, uint32_t *handle);

/* Give a handle back; its entry is cleared. */
void maptrack_put(struct maptrack *mt, uint32_t handle);

/*
 * The entry of handle, or NULL when handle is beyond the limit or in a
 * frame never used.  A free handle's entry has flags 0.
 */
struct hv_mt *maptrack_entry(const struct maptrack *mt, uint32_t handle);

#endif /* GNTBOX_HV_MAPTRACK_H */
