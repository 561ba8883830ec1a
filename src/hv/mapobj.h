/*
 * mapobj.h: map objects, the hypervisor side of one gntdev mmap.
 *
 * A MAP request maps count grants all or nothing; the handles that result
 * belong to one map object of the requesting client, with one unmap
 * notify.  UNMAP releases any range of its handles (a munmap may cover
 * part of a mapping); the object goes with its last handle, and then its
 * notify's event is sent.  The notify's byte is cleared just before the
 * handle of the page that holds it is released.  A map object is a
 * holding of its client (holding.h): the token's hangup and the close
 * release it through the reaper, one handle per unit, from the end.
 */
#ifndef GNTBOX_HV_MAPOBJ_H
#define GNTBOX_HV_MAPOBJ_H

#include <stdbool.h>
#include <stdint.h>

#include "hv/holding.h"
#include "proto/proto.h"

#define HV_NO_HANDLE UINT32_MAX

struct hv_client;

struct hv_map {
	struct hv_holding hold; /* kind HV_HOLDING_MAP, key the map id */
	struct hv_client *client;
	uint32_t id;
	uint32_t count;
	uint32_t live; /* handles not yet released */
	uint32_t reap; /* the reaper's cursor: handles >= reap are gone */
	bool ro;
	bool cleared; /* the notify's byte was cleared */
	struct gbx_notify notify;
	uint32_t handles[]; /* HV_NO_HANDLE once released */
};

/*
 * Map count grants for client c, read-only or writable, with an optional
 * unmap notify (n NULL: none), all or nothing.  res receives each ref's
 * status (and where its page lives).  Returns:
 *   0       every ref mapped; *mp is the new map object;
 *   EINVAL  count out of range or a bad notify (res untouched, *nfailed 0),
 *           or some refs failed: *nfailed counts them, their results say
 *           why, the others say GNTST_okay, and nothing stays mapped;
 *   ENOMEM.
 */
int hv_map_create(struct hv_client *c, const struct gbx_grant_ref *refs,
    uint32_t count, bool ro, const struct gbx_notify *n,
    struct gbx_map_result *res, uint32_t *nfailed, struct hv_map **mp);

/* The live map object id of client c, or NULL. */
struct hv_map *hv_map_find(struct hv_client *c, uint32_t id);

/*
 * Release handles [first, first + count) of m.  EINVAL when the range is
 * empty or leaves the map (nothing done).  Otherwise 0, with *bad counting
 * the handles of the range already released (skipped).  m is freed, and
 * its notify's event sent, when its last handle goes.
 */
int hv_map_unmap(struct hv_map *m, uint32_t first, uint32_t count,
    uint32_t *bad);

/* Replace m's notify (last call wins).  EINVAL as notify_check() says. */
int hv_map_set_notify(struct hv_map *m, const struct gbx_notify *n);

#endif /* GNTBOX_HV_MAPOBJ_H */
