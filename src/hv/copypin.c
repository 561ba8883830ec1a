/*
 * copypin.c: the pins of a grant copy (copypin.h).
 */
#include <errno.h>
#include <stdlib.h>

#include "hv/arena.h"
#include "hv/client.h"
#include "hv/copypin.h"
#include "hv/domain.h"
#include "hv/gntmap.h"

static hv_holding_reap_fn copy_reap;

/*
 * COPY_ACQUIRE: every grant is tried, in order, so each learns its status
 * as each operation of a GNTTABOP_copy batch does; those that pass stay
 * pinned in one copy object.  Everything that can fail for memory is
 * taken before the first pin.
 */
int
hv_copy_acquire(struct hv_client *c, const struct gbx_copy_grant *cg,
    uint32_t count, struct gbx_map_result *res, uint32_t *nfailed,
    struct hv_copy **cpp)
{
	struct hv_domain *d = c->dom;
	struct hv_copy *cp;
	struct hv_grant *g;
	uint64_t id;
	uint32_t i;
	bool ro;

	*nfailed = 0;
	*cpp = NULL;
	if (count == 0 || count > GBX_COUNT_MAX)
		return (EINVAL);
	for (i = 0; i < count; i++)
		if ((cg[i].flags & ~GBX_COPY_WRITE) != 0)
			return (EINVAL);
	if ((cp = calloc(1,
		 sizeof(*cp) + (size_t)count * sizeof(cp->pins[0]))) == NULL)
		return (ENOMEM);
	if (ra_alloc(&c->map_ids, 1, &id) != 0) {
		free(cp);
		return (ENOMEM);
	}
	cp->client = c;
	cp->id = (uint32_t)id;
	for (i = 0; i < count; i++) {
		ro = (cg[i].flags & GBX_COPY_WRITE) == 0;
		res[i].pad = 0;
		res[i].arena = 0;
		res[i].page = 0;
		res[i].status =
		    hv_grant_copy_pin(d, cg[i].domid, cg[i].ref, ro, &g);
		if (res[i].status != GNTST_okay) {
			(*nfailed)++;
			continue;
		}
		res[i].arena = g->arena->id;
		res[i].page = g->page;
		cp->pins[cp->npins].g = g;
		cp->pins[cp->npins].ro = ro;
		cp->npins++;
	}
	if (cp->npins == 0) {
		(void)ra_free(&c->map_ids, id, 1);
		free(cp);
		return (0);
	}
	/* A fresh id: it cannot be held already. */
	(void)holding_add(c, &cp->hold, HV_HOLDING_COPY, cp->id, copy_reap);
	*cpp = cp;
	return (0);
}

struct hv_copy *
hv_copy_find(struct hv_client *c, uint32_t id)
{
	struct hv_holding *h;

	if ((h = holding_find(c, HV_HOLDING_COPY, id)) == NULL)
		return (NULL);
	return (holding_entry(h, struct hv_copy));
}

/* Forget cp, live or doomed, and free it. */
static void
copy_free(struct hv_copy *cp)
{
	struct hv_client *c = cp->client;

	holding_remove(&cp->hold);
	(void)ra_free(&c->map_ids, cp->id, 1);
	free(cp);
}

void
hv_copy_release(struct hv_copy *cp)
{
	bool freed;

	(void)copy_reap(&cp->hold, UINT32_MAX, &freed);
}

/*
 * The reaper's step (holding.h): drop up to budget pins of cp, from the
 * end.
 */
static unsigned
copy_reap(struct hv_holding *h, unsigned budget, bool *freed)
{
	struct hv_copy *cp = holding_entry(h, struct hv_copy);
	struct hv_copy_pin *p;
	unsigned done;

	for (done = 0; done < budget && cp->npins > 0; done++) {
		p = &cp->pins[--cp->npins];
		hv_grant_copy_unpin(p->g, p->ro);
	}
	*freed = cp->npins == 0;
	if (*freed)
		copy_free(cp);
	return (done);
}
