/*
 * adopt.c: mapping holds adopted by a forked child (adopt.h).
 */
#include <errno.h>
#include <stdlib.h>

#include "hv/adopt.h"
#include "hv/client.h"
#include "hv/domain.h"
#include "hv/share.h"

static int
adopt_cmp(const struct hv_adopt *a, const struct hv_adopt *b)
{

	if (a->ref != b->ref)
		return (a->ref < b->ref ? -1 : 1);
	return (0);
}

RB_GENERATE_STATIC_UNUSED(hv_adopttree, hv_adopt, link, adopt_cmp)

void
adopt_tree_move(struct hv_adopttree *from, struct hv_adopttree *to)
{
	struct hv_adopt *a;

	if (RB_EMPTY(to)) {
		*to = *from;
		RB_INIT(from);
		return;
	}
	while ((a = RB_MIN(hv_adopttree, from)) != NULL) {
		RB_REMOVE(hv_adopttree, from, a);
		RB_INSERT(hv_adopttree, to, a);
	}
}

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
		recs[i]->ref = refs[i];
		if ((recs[i]->g = adopt_grant(c, refs[i])) == NULL ||
		    RB_INSERT(hv_adopttree, &c->adopts, recs[i]) != NULL) {
			while (i-- > 0)
				RB_REMOVE(hv_adopttree, &c->adopts, recs[i]);
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

/* Drop adoption a of tree t: the grant may be released with it. */
static void
adopt_free(struct hv_adopttree *t, struct hv_adopt *a)
{
	struct hv_grant *g = a->g;

	RB_REMOVE(hv_adopttree, t, a);
	free(a);
	share_unadopted(g);
}

int
hv_adopt_drop(struct hv_client *c, uint32_t ref)
{
	struct hv_adopt key, *a;

	key.ref = ref;
	if ((a = RB_FIND(hv_adopttree, &c->adopts, &key)) == NULL)
		return (ENOENT);
	adopt_free(&c->adopts, a);
	return (0);
}

unsigned
hv_adopt_reap(struct hv_adopttree *t, unsigned budget)
{
	struct hv_adopt *a;
	unsigned done;

	for (done = 0; done < budget && (a = RB_MIN(hv_adopttree, t)) != NULL;
	     done++)
		adopt_free(t, a);
	return (done);
}
