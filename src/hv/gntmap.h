/*
 * gntmap.h: GNTTABOP_map_grant_ref and GNTTABOP_unmap_grant_ref for one
 * grant, with Xen's checks, in Xen's order, with Xen's GNTST_* statuses.
 *
 * Every map is a host mapping (GNTMAP_host_map), read-only or writable;
 * device mappings, transitive and sub-page grants do not exist here.
 * docs/differences.md lists the checks of Xen that have no meaning in
 * gntbox and what stands in their place.
 */
#ifndef GNTBOX_HV_GNTMAP_H
#define GNTBOX_HV_GNTMAP_H

#include <stdbool.h>
#include <stdint.h>

struct hv_domain;
struct hv_grant;
struct hv_map;

/*
 * Domain ld maps grant ref of domain rdomid.  On success (GNTST_okay) the
 * grant is pinned, GTF_reading (and GTF_writing for a writable map) set,
 * and *handle is a new maptrack handle of ld recording the mapping, owned
 * by map (NULL: none).  Otherwise the status is one of GNTST_bad_domain,
 * GNTST_no_space, GNTST_bad_gntref or GNTST_general_error and nothing
 * changed.  Never positive.
 */
int16_t hv_grant_map(struct hv_domain *ld, uint32_t rdomid, uint32_t ref,
    bool ro, struct hv_map *map, uint32_t *handle);

/*
 * Domain ld unmaps handle.  GNTST_okay: the pin is dropped, GTF_writing
 * and GTF_reading follow the remaining pins, and the handle is free.
 * GNTST_bad_handle: no such handle, or it is already free; nothing
 * changed, and no pin ever goes below zero.
 */
int16_t hv_grant_unmap(struct hv_domain *ld, uint32_t handle);

/*
 * Domain ld pins grant ref of domain rdomid for a copy (Xen's
 * acquire_grant_for_copy()): the checks of hv_grant_map() in its order,
 * without the maptrack handle, so the statuses are GNTST_bad_domain,
 * GNTST_bad_gntref and GNTST_general_error.  On GNTST_okay *gp is the
 * pinned entry, which hv_grant_copy_unpin() releases with the same ro.
 */
int16_t hv_grant_copy_pin(struct hv_domain *ld, uint32_t rdomid, uint32_t ref,
    bool ro, struct hv_grant **gp);
void hv_grant_copy_unpin(struct hv_grant *g, bool ro);

#endif /* GNTBOX_HV_GNTMAP_H */
