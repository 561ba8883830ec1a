/*
 * adopt.c: mapping holds adopted by a forked child (adopt.h).
 */
#include <errno.h>
#include <stdlib.h>

#include "hv/adopt.h"
#include "hv/client.h"
#include "hv/domain.h"
#include "hv/share.h"

static hv_holding_reap_fn adopt_reap;

/*
 * A grant a child may adopt: a shared page of the domain that someone
 * still holds (its owner, or an adopter).  A released grant (ended, or
 * deferred because its grantee still maps it) is no longer the page the
 * child inherited a mapping of.
 */
static struct hv_grant *
adopt_grant(struct hv_client *c, uint32_t ref)
{
	struct hv_grant *g;

	if ((g = gnttab_entry(&c->dom->gt, ref)) == NULL || g->arena == NULL ||
	    g->deferred || (g->owner == NULL && g->adopters == 0))
		return (NULL);
	return (g);
}

/*
 * Every record is allocated first, so that memory cannot fail half-way;
 * each is then inserted, so that a ref adopted already or named twice is
 * found before any hold is taken; the holds are taken when all are in.
 */
int
hv_adopt(struct hv_client *c, const uint32_t *refs, uint32_t count)
{
	struct hv_adopt **recs;
	uint32_t i, n;
	int error;

	if (count == 0 || count > GBX_COUNT_MAX)
		return (EINVAL);
	if ((recs = calloc(count, sizeof(*recs))) == NULL)
		return (ENOMEM);
	for (n = 0; n < count; n++)
		if ((recs[n] = malloc(sizeof(**recs))) == NULL) {
			error = ENOMEM;
			goto undo;
		}
	for (i = 0; i < count; i++) {
		if ((recs[i]->g = adopt_grant(c, refs[i])) == NULL ||
		    holding_add(c, &recs[i]->hold, HV_HOLDING_ADOPT, refs[i],
			adopt_reap) != 0) {
			while (i-- > 0)
				holding_remove(&recs[i]->hold);
			error = EINVAL;
			goto undo;
		}
	}
	for (i = 0; i < count; i++)
		recs[i]->g->adopters++;
	free(recs);
	return (0);
undo:
	for (i = 0; i < n; i++)
		free(recs[i]);
	free(recs);
	return (error);
}

/*
 * Drop an adoption, live or doomed: the grant may be released with it.
 * For the reaper (holding.h) that is one unit.
 */
static unsigned
adopt_reap(struct hv_holding *h, unsigned budget, bool *gone)
{
	struct hv_adopt *a = holding_entry(h, struct hv_adopt);
	struct hv_grant *g = a->g;

	(void)budget;
	holding_remove(&a->hold);
	free(a);
	share_unadopted(g);
	*gone = true;
	return (1);
}

int
hv_adopt_drop(struct hv_client *c, uint32_t ref)
{
	struct hv_holding *h;
	bool gone;

	if ((h = holding_find(c, HV_HOLDING_ADOPT, ref)) == NULL)
		return (ENOENT);
	(void)adopt_reap(h, 1, &gone);
	return (0);
}
