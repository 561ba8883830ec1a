/*
 * gntmap.c: mapping and unmapping one grant, as xen/common/grant_table.c's
 * map_grant_ref() and unmap_common() do it.
 *
 * The order of the checks is Xen's: the granting domain must exist, a
 * maptrack handle must be available, the reference must lie within the
 * granting domain's current table, an entry already pinned must be pinned
 * by this domain with room in the pin counter, and an entry not yet
 * pinned (or pinned read-only only, when we ask to write) must be a
 * GTF_permit_access entry for this domain that allows what we ask.
 * A failure at any step leaves no pin and no handle behind.  A grant
 * copy pins a grant with the same checks, without the handle.
 */
#include <stddef.h>

#include "hv/deferred.h"
#include "hv/domain.h"
#include "hv/gntmap.h"

/* The type bits of an entry that can be mapped (no sub-page grants). */
#define GT_MAP_TYPE_MASK (GTF_type_mask | GTF_sub_page)

/*
 * Xen's _set_status_v1 for an entry being pinned, minus the compare-and-
 * exchange: the entry is ours, no guest writes it behind our back.
 */
static int16_t
gntmap_check_entry(const struct hv_grant *g, unsigned ldomid, bool ro)
{

	if (g->pin == 0 &&
	    ((g->ent.flags & GT_MAP_TYPE_MASK) != GTF_permit_access ||
		g->ent.domid != ldomid))
		return (GNTST_general_error);
	if (!ro && (g->ent.flags & GTF_readonly) != 0)
		return (GNTST_general_error);
	return (GNTST_okay);
}

/*
 * The checks that follow the granting domain's (and, for a map, the
 * maptrack handle's), then the pin itself: the reference must lie in rd's
 * table, an entry already pinned must be pinned by ld with room in the
 * counter of the kind asked, and an entry not yet pinned (or pinned
 * read-only only, when we ask to write) must allow what we ask.  A failure
 * changes nothing.
 */
static int16_t
gntmap_pin(struct hv_domain *ld, struct hv_domain *rd, uint32_t ref, bool ro,
    struct hv_grant **gp)
{
	struct hv_grant *g;
	uint32_t incr;
	int16_t rc;

	if ((g = gnttab_entry(&rd->gt, ref)) == NULL)
		return (GNTST_bad_gntref);
	incr = ro ? HV_PIN_HSTR_INC : HV_PIN_HSTW_INC;
	/* Pinned by another domain, or the counter would overflow. */
	if (g->pin != 0 &&
	    (g->ent.domid != ld->domid || (g->pin & HV_PIN_OFLOW(incr)) != 0))
		return (GNTST_general_error);
	if (g->pin == 0 || (!ro && (g->pin & HV_PIN_HSTW_MASK) == 0)) {
		if ((rc = gntmap_check_entry(g, ld->domid, ro)) != GNTST_okay)
			return (rc);
	}
	if (g->pin == 0 && g->deferred)
		deferred_pinned(g);
	g->pin += incr;
	g->ent.flags |= GTF_reading;
	if (!ro)
		g->ent.flags |= GTF_writing;
	*gp = g;
	return (GNTST_okay);
}

/*
 * Drop one pin of the kind given, as Xen's reduce_status_for_pin() does:
 * GTF_writing goes with the last writable pin, GTF_reading with the last
 * pin.  The caller's pin guarantees the counter is not zero; the check
 * keeps a broken invariant from wrapping it.
 */
static int16_t
gntmap_unpin(struct hv_grant *g, bool ro)
{

	if ((g->pin & (ro ? HV_PIN_HSTR_MASK : HV_PIN_HSTW_MASK)) == 0)
		return (GNTST_general_error);
	g->pin -= ro ? HV_PIN_HSTR_INC : HV_PIN_HSTW_INC;
	if ((g->pin & HV_PIN_HSTW_MASK) == 0)
		g->ent.flags &= ~GTF_writing;
	if (g->pin == 0)
		g->ent.flags &= ~GTF_reading;
	return (GNTST_okay);
}

int16_t
hv_grant_map(struct hv_domain *ld, uint32_t rdomid, uint32_t ref, bool ro,
    struct hv_map *map, uint32_t *handle)
{
	struct hv_domain *rd;
	struct hv_grant *g;
	struct hv_mt *e;
	uint32_t h;
	int16_t rc;

	/* A dying domain is gone for new mappings (docs/differences.md). */
	if (rdomid > GBX_DOMID_MAX ||
	    (rd = hv_domain_live(ld->hv, rdomid)) == NULL)
		return (GNTST_bad_domain);
	/* Xen asks XSM here; there is no policy to ask (differences.md). */
	if (maptrack_get(&ld->mt, &h) != 0)
		return (GNTST_no_space);
	if ((rc = gntmap_pin(ld, rd, ref, ro, &g)) != GNTST_okay) {
		maptrack_put(&ld->mt, h);
		return (rc);
	}
	e = maptrack_entry(&ld->mt, h);
	e->flags = HV_MT_USED | (ro ? HV_MT_READONLY : 0);
	e->domid = rd->domid;
	e->ref = ref;
	e->grant = g;
	e->map = map;
	LIST_INSERT_HEAD(&g->mappers, e, glink);
	ld->hv->st.handles++;
	*handle = h;
	return (GNTST_okay);
}

int16_t
hv_grant_unmap(struct hv_domain *ld, uint32_t handle)
{
	struct hv_grant *g;
	struct hv_mt *e;
	int16_t rc;

	if ((e = maptrack_entry(&ld->mt, handle)) == NULL ||
	    (e->flags & HV_MT_USED) == 0)
		return (GNTST_bad_handle);
	g = e->grant;
	if ((rc = gntmap_unpin(g, (e->flags & HV_MT_READONLY) != 0)) !=
	    GNTST_okay)
		return (rc);
	LIST_REMOVE(e, glink);
	maptrack_put(&ld->mt, handle);
	ld->hv->st.handles--;
	if (g->pin == 0 && g->deferred)
		deferred_unpinned(g);
	return (GNTST_okay);
}

/*
 * A copy's pin: Xen's acquire_grant_for_copy() makes the same checks as a
 * map, in the same order, but takes no maptrack handle.
 */
int16_t
hv_grant_copy_pin(struct hv_domain *ld, uint32_t rdomid, uint32_t ref, bool ro,
    struct hv_grant **gp)
{
	struct hv_domain *rd;

	if (rdomid > GBX_DOMID_MAX ||
	    (rd = hv_domain_live(ld->hv, rdomid)) == NULL)
		return (GNTST_bad_domain);
	return (gntmap_pin(ld, rd, ref, ro, gp));
}

void
hv_grant_copy_unpin(struct hv_grant *g, bool ro)
{

	if (gntmap_unpin(g, ro) == GNTST_okay && g->pin == 0 && g->deferred)
		deferred_unpinned(g);
}
