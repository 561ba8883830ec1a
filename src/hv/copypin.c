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

static int
copy_cmp(const struct hv_copy *a, const struct hv_copy *b)
{

	if (a->id != b->id)
		return (a->id < b->id ? -1 : 1);
	return (0);
}

RB_GENERATE_STATIC_UNUSED(hv_copytree, hv_copy, link, copy_cmp)

struct hv_copy *
copy_tree_min(struct hv_copytree *t)
{

	return (RB_MIN(hv_copytree, t));
}

void
copy_tree_move(struct hv_copytree *from, struct hv_copytree *to)
{
	struct hv_copy *cp;

	if (RB_EMPTY(to)) {
		*to = *from;
		RB_INIT(from);
		return;
	}
	while ((cp = RB_MIN(hv_copytree, from)) != NULL) {
		RB_REMOVE(hv_copytree, from, cp);
		RB_INSERT(hv_copytree, to, cp);
	}
}

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
	RB_INSERT(hv_copytree, &c->copies, cp);
	*cpp = cp;
	return (0);
}

struct hv_copy *
hv_copy_find(struct hv_client *c, uint32_t id)
{
	struct hv_copy key;

	key.id = id;
	return (RB_FIND(hv_copytree, &c->copies, &key));
}

/* Take cp out of whichever tree of its client holds it, and free it. */
static void
copy_free(struct hv_copy *cp)
{
	struct hv_client *c = cp->client;
	struct hv_copytree *t;

	t = RB_FIND(hv_copytree, &c->copies, cp) == cp ? &c->copies :
							 &c->doomed_copies;
	RB_REMOVE(hv_copytree, t, cp);
	(void)ra_free(&c->map_ids, cp->id, 1);
	free(cp);
}

void
hv_copy_release(struct hv_copy *cp)
{
	bool freed;

	(void)hv_copy_reap(cp, UINT32_MAX, &freed);
}

unsigned
hv_copy_reap(struct hv_copy *cp, unsigned budget, bool *freed)
{
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
