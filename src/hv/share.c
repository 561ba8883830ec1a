/*
 * share.c: shared pages and their holds.
 *
 * A grant of a client is on exactly one of the client's lists, chosen by
 * its holds (share_list): this keeps token hangup O(1) (one list moves to
 * the doomed list, client.c) while every single operation stays O(1).
 */
#include <errno.h>

#include <stddef.h>

#include "hv/adopt.h"
#include "hv/arena.h"
#include "hv/client.h"
#include "hv/deferred.h"
#include "hv/domain.h"
#include "hv/notify.h"
#include "hv/share.h"

/* The owner's list that g is on. */
static struct hv_grantlist *
share_list(struct hv_client *c, const struct hv_grant *g)
{

	if ((g->holds & HV_HOLD_MAP) == 0)
		return (&c->g_file);
	return (g->map_epoch == c->epoch ? &c->g_mapped : &c->g_doomed);
}

/*
 * ALLOC: pages first (a run of the arena), then the references, then the
 * entries; each step undoes the earlier ones when it fails.
 */
int
hv_share(struct hv_client *c, uint32_t grantee, bool writable, uint32_t count,
    uint32_t *refs, struct hv_arena **ap, uint64_t *first)
{
	struct hv_domain *d = c->dom;
	struct hv_arena *a;
	struct hv_grant *g;
	uint64_t p;
	uint32_t i;
	int error;

	if (count == 0 || count > GBX_COUNT_MAX || grantee > GBX_DOMID_MAX)
		return (EINVAL);
	/* Refuse a full table before creating an arena for nothing. */
	if (gnttab_max_entries(&d->gt) - GNTTAB_NR_RESERVED_ENTRIES -
		d->gt.nused <
	    count)
		return (ENOSPC);
	if ((error = arena_alloc(d, (uint16_t)grantee, !writable, count, &a,
		 &p)) != 0)
		return (error);
	if ((error = gnttab_alloc(&d->gt, count, refs)) != 0) {
		arena_free(a, p, count);
		return (error);
	}
	for (i = 0; i < count; i++) {
		g = gnttab_entry(&d->gt, refs[i]);
		/* The guest's recipe: domid and frame, then flags. */
		g->ent.domid = (uint16_t)grantee;
		g->ent.frame = arena_frame(a, p + i);
		g->ent.flags =
		    GTF_permit_access | (writable ? 0 : GTF_readonly);
		g->arena = a;
		g->page = p + i;
		g->owner = c;
		g->holds = HV_HOLD_FILE;
		TAILQ_INSERT_TAIL(&c->g_file, g, olink);
	}
	d->hv->st.grants += count;
	*ap = a;
	*first = p;
	return (0);
}

/*
 * End access of a grant nobody pins: clear the entry and free the
 * reference, then punch and free the page.
 */
void
share_end_access(struct hv_grant *g)
{
	struct hv_domain *d = g->dom;
	struct hv_arena *a = g->arena;
	uint64_t page = g->page;

	/* The entry goes first, then the page, as a guest does it. */
	gnttab_free(&d->gt, g->ref);
	arena_free(a, page, 1);
	d->hv->st.grants--;
}

/*
 * Release a grant that has lost its last hold (it is on no list): clear
 * its notify byte while the grantee may still map it, end its access or
 * defer it, then send its event.
 */
static void
share_release(struct hv_grant *g)
{
	struct hv_domain *d = g->dom;
	struct gbx_notify n;
	bool cleared;

	cleared = false;
	if ((g->notify.action & GBX_NOTIFY_CLEAR_BYTE) != 0) {
		(void)arena_clear_byte(g->arena, g->page,
		    (uint32_t)g->notify.byte);
		g->notify.action &= ~GBX_NOTIFY_CLEAR_BYTE;
		cleared = true;
	}
	n = g->notify;
	g->notify.action = 0;
	g->owner = NULL;
	if (g->pin == 0)
		share_end_access(g);
	else
		deferred_add(g);
	notify_finish(d, &n, cleared);
}

/*
 * Drop holds of g, moving it to the list its remaining holds name, or
 * releasing it when none is left.  A grant that forked children still
 * map (adopt.h) becomes an orphan instead: it leaves its owner, and the
 * last adopter releases it.
 */
void
share_drop(struct hv_grant *g, uint8_t holds)
{
	struct hv_client *c = g->owner;

	TAILQ_REMOVE(share_list(c, g), g, olink);
	g->holds &= (uint8_t)~holds;
	if (g->holds != 0)
		TAILQ_INSERT_TAIL(share_list(c, g), g, olink);
	else if (g->adopters != 0)
		g->owner = NULL;
	else
		share_release(g);
}

/*
 * An adopted hold went: an orphan whose last adopter this was is
 * released.
 */
void
share_unadopted(struct hv_grant *g)
{

	if (--g->adopters == 0 && g->owner == NULL)
		share_release(g);
}

/* A live grant of this client's domain that c owns, or NULL. */
static struct hv_grant *
share_lookup(struct hv_client *c, uint32_t ref)
{
	struct hv_grant *g;

	if ((g = gnttab_entry(&c->dom->gt, ref)) == NULL || g->arena == NULL ||
	    g->owner != c)
		return (NULL);
	return (g);
}

/*
 * DEALLOC: drop the file hold.
 */
int
hv_share_dealloc(struct hv_client *c, uint32_t ref)
{
	struct hv_grant *g;

	if ((g = share_lookup(c, ref)) == NULL ||
	    (g->holds & HV_HOLD_FILE) == 0)
		return (EINVAL);
	share_drop(g, HV_HOLD_FILE);
	return (0);
}

/*
 * MAPPED: take the mapping hold of the current process.
 */
int
hv_share_mapped(struct hv_client *c, uint32_t ref)
{
	struct hv_grant *g;

	if ((g = share_lookup(c, ref)) == NULL)
		return (EINVAL);
	if ((g->holds & HV_HOLD_MAP) != 0 && g->map_epoch == c->epoch)
		return (EINVAL);
	/*
	 * A mapping hold of a process that has gone (g_doomed) is taken over
	 * by the current one instead of being dropped.
	 */
	TAILQ_REMOVE(share_list(c, g), g, olink);
	g->holds |= HV_HOLD_MAP;
	g->map_epoch = c->epoch;
	TAILQ_INSERT_TAIL(&c->g_mapped, g, olink);
	return (0);
}

/*
 * UNMAPPED: drop the current process's mapping hold, or the hold this
 * connection adopted.
 */
int
hv_share_unmapped(struct hv_client *c, uint32_t ref)
{
	struct hv_grant *g;

	if (hv_adopt_drop(c, ref) == 0)
		return (0);
	if ((g = share_lookup(c, ref)) == NULL ||
	    (g->holds & HV_HOLD_MAP) == 0 || g->map_epoch != c->epoch)
		return (EINVAL);
	share_drop(g, HV_HOLD_MAP);
	return (0);
}

/*
 * NOTIFY_GRANT: the notify of one page (last call wins).
 */
int
hv_share_notify(struct hv_client *c, uint32_t ref, const struct gbx_notify *n)
{
	struct hv_grant *g;
	int error;

	if ((n->action & ~GBX_NOTIFY_ALL) != 0)
		return (EINVAL);
	if ((g = share_lookup(c, ref)) == NULL)
		return (ENOENT);
	if ((error = notify_check(c->dom, n, GBX_PAGE_SIZE, false)) != 0)
		return (error);
	notify_set(c->dom, &g->notify, n);
	return (0);
}
