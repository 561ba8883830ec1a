/*
 * mapobj.c: map objects (see mapobj.h).
 */
#include <errno.h>
#include <stdlib.h>

#include "base/tree.h"
#include "hv/arena.h"
#include "hv/client.h"
#include "hv/domain.h"
#include "hv/gntmap.h"
#include "hv/mapobj.h"
#include "hv/notify.h"

static hv_holding_reap_fn map_reap;

/* The grant that handle i of m maps. */
static struct hv_grant *
map_grant(const struct hv_map *m, uint32_t i)
{

	return (maptrack_entry(&m->client->dom->mt, m->handles[i])->grant);
}

/*
 * MAP: try every ref in order with Xen's checks (hv_grant_map), so that
 * each gets its status; if any failed, unmap those that worked and free
 * the object: all or nothing, with nothing pinned and no handle left.
 */
int
hv_map_create(struct hv_client *c, const struct gbx_grant_ref *refs,
    uint32_t count, bool ro, const struct gbx_notify *n,
    struct gbx_map_result *res, uint32_t *nfailed, struct hv_map **mp)
{
	struct hv_domain *d = c->dom;
	struct hv_grant *g;
	struct hv_map *m;
	uint64_t id;
	uint32_t i, failed;

	*nfailed = 0;
	if (count == 0 || count > GBX_COUNT_MAX)
		return (EINVAL);
	if (n != NULL &&
	    notify_check(d, n, (uint64_t)count << GBX_PAGE_SHIFT, ro) != 0)
		return (EINVAL);
	if ((m = calloc(1, sizeof(*m) + (size_t)count * sizeof(uint32_t))) ==
	    NULL)
		return (ENOMEM);
	if (ra_alloc(&c->map_ids, 1, &id) != 0) {
		free(m);
		return (ENOMEM);
	}
	m->client = c;
	m->id = (uint32_t)id;
	m->count = count;
	m->ro = ro;
	/* Every ref is tried, so that each learns its status, as in Xen. */
	failed = 0;
	for (i = 0; i < count; i++) {
		res[i].pad = 0;
		res[i].status = hv_grant_map(d, refs[i].domid, refs[i].ref, ro,
		    m, &m->handles[i]);
		if (res[i].status != GNTST_okay) {
			m->handles[i] = HV_NO_HANDLE;
			res[i].arena = 0;
			res[i].page = 0;
			failed++;
			continue;
		}
		g = map_grant(m, i);
		res[i].arena = g->arena->id;
		res[i].page = g->page;
	}
	if (failed != 0) {
		/* All or nothing: undo the refs that worked. */
		for (i = 0; i < count; i++) {
			if (m->handles[i] == HV_NO_HANDLE)
				continue;
			(void)hv_grant_unmap(d, m->handles[i]);
			res[i].arena = 0;
			res[i].page = 0;
		}
		(void)ra_free(&c->map_ids, id, 1);
		free(m);
		*nfailed = failed;
		return (EINVAL);
	}
	m->live = count;
	m->reap = count;
	if (n != NULL)
		notify_set(d, &m->notify, n);
	/* A fresh id: it cannot be held already. */
	(void)holding_add(c, &m->hold, HV_HOLDING_MAP, m->id, map_reap);
	d->hv->st.maps++;
	*mp = m;
	return (0);
}

struct hv_map *
hv_map_find(struct hv_client *c, uint32_t id)
{
	struct hv_holding *h;

	if ((h = holding_find(c, HV_HOLDING_MAP, id)) == NULL)
		return (NULL);
	return (holding_entry(h, struct hv_map));
}

/*
 * Release handle i of m.  The notify byte is cleared first if it lies in
 * this handle's page: the grantee clears it through its own mapping in
 * Linux, so it must happen while the page is still mapped.
 */
static void
map_release(struct hv_map *m, uint32_t i)
{
	struct hv_domain *d = m->client->dom;
	struct hv_grant *g;

	if ((m->notify.action & GBX_NOTIFY_CLEAR_BYTE) != 0 &&
	    m->notify.byte >> GBX_PAGE_SHIFT == i) {
		g = map_grant(m, i);
		(void)arena_clear_byte(g->arena, g->page,
		    (uint32_t)(m->notify.byte & (GBX_PAGE_SIZE - 1)));
		m->notify.action &= ~GBX_NOTIFY_CLEAR_BYTE;
		m->cleared = true;
	}
	(void)hv_grant_unmap(d, m->handles[i]);
	m->handles[i] = HV_NO_HANDLE;
	m->live--;
}

/* The last handle went: free the object, then send its event. */
static void
map_free(struct hv_map *m)
{
	struct hv_client *c = m->client;

	holding_remove(&m->hold);
	(void)ra_free(&c->map_ids, m->id, 1);
	c->dom->hv->st.maps--;
	notify_finish(c->dom, &m->notify, m->cleared);
	free(m);
}

/*
 * UNMAP of a range: release each live handle, skip (and count) those
 * already released, so no pin is dropped twice.
 */
int
hv_map_unmap(struct hv_map *m, uint32_t first, uint32_t count, uint32_t *bad)
{
	uint32_t i;

	*bad = 0;
	if (count == 0 || first >= m->count || count > m->count - first)
		return (EINVAL);
	for (i = first; i < first + count; i++) {
		if (m->handles[i] == HV_NO_HANDLE)
			(*bad)++;
		else
			map_release(m, i);
	}
	if (m->live == 0)
		map_free(m);
	return (0);
}

int
hv_map_set_notify(struct hv_map *m, const struct gbx_notify *n)
{
	struct hv_domain *d = m->client->dom;

	if (notify_check(d, n, (uint64_t)m->count << GBX_PAGE_SHIFT, m->ro) !=
	    0)
		return (EINVAL);
	notify_set(d, &m->notify, n);
	return (0);
}

/*
 * The reaper's step (holding.h): release handles from the end down, at
 * most budget.
 */
static unsigned
map_reap(struct hv_holding *h, unsigned budget, bool *freed)
{
	struct hv_map *m = holding_entry(h, struct hv_map);
	unsigned done;

	*freed = false;
	for (done = 0; done < budget && m->reap > 0; done++) {
		m->reap--;
		if (m->handles[m->reap] != HV_NO_HANDLE)
			map_release(m, m->reap);
	}
	if (m->live == 0) {
		map_free(m);
		*freed = true;
	}
	return (done);
}
