/*
 * client.c: clients and the reaper that releases what they held.
 *
 * Hangup and close only move things onto doomed lists and queue the
 * client (O(1)); hv_reap() then releases them a bounded number of units
 * per call.  While a client waits, what it held stays counted and the
 * grants stay granted, so the reaper may take its time without anything
 * being reused too early.
 */
#include <stdlib.h>

#include "hv/client.h"
#include "hv/domain.h"
#include "hv/share.h"

/*
 * A client of d: empty lists, map ids from 1 (0 means no map in the
 * protocol), counted in d so that a dying d waits for it.
 */
struct hv_client *
hv_client_new(struct hv_domain *d, uint32_t pid)
{
	struct hv_client *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return (NULL);
	if (ra_init(&c->map_ids, 1, UINT32_MAX) != 0) {
		free(c);
		return (NULL);
	}
	c->hv = d->hv;
	c->dom = d;
	c->pid = pid;
	TAILQ_INIT(&c->g_file);
	TAILQ_INIT(&c->g_mapped);
	TAILQ_INIT(&c->g_doomed);
	RB_INIT(&c->maps);
	RB_INIT(&c->doomed_maps);
	RB_INIT(&c->copies);
	RB_INIT(&c->doomed_copies);
	RB_INIT(&c->adopts);
	RB_INIT(&c->doomed_adopts);
	RB_INIT(&c->sent);
	d->nclients++;
	return (c);
}

static void
client_queue(struct hv_client *c)
{

	if (!c->queued) {
		TAILQ_INSERT_TAIL(&c->hv->reapq, c, rlink);
		c->queued = true;
	}
}

/*
 * The process token hung up.  O(1): the current mapping holds and maps
 * become doomed, and the reaper drops them.
 */
void
hv_client_hangup(struct hv_client *c)
{

	/*
	 * Bumping the epoch makes every current mapping hold a doomed one;
	 * the list move keeps the lists in step with that.
	 */
	c->epoch++;
	TAILQ_CONCAT(&c->g_doomed, &c->g_mapped, olink);
	map_tree_move(&c->maps, &c->doomed_maps);
	copy_tree_move(&c->copies, &c->doomed_copies);
	adopt_tree_move(&c->adopts, &c->doomed_adopts);
	client_queue(c);
}

/*
 * The connection closed.  O(1): the reaper releases everything and then
 * frees the client.
 */
void
hv_client_close(struct hv_client *c)
{

	c->closed = true;
	client_queue(c);
}

/* Release the maps of tree t, up to budget units. */
static unsigned
client_reap_maps(struct hv_maptree *t, unsigned budget)
{
	struct hv_map *m;
	unsigned done;
	bool freed;

	done = 0;
	while (done < budget && (m = map_tree_min(t)) != NULL) {
		done += hv_map_reap(m, budget - done, &freed);
		if (!freed)
			break;
	}
	return (done);
}

/* Release the copies of tree t, up to budget units. */
static unsigned
client_reap_copies(struct hv_copytree *t, unsigned budget)
{
	struct hv_copy *cp;
	unsigned done;
	bool freed;

	done = 0;
	while (done < budget && (cp = copy_tree_min(t)) != NULL) {
		done += hv_copy_reap(cp, budget - done, &freed);
		if (!freed)
			break;
	}
	return (done);
}

/* Drop holds of the grants of list l, up to budget units. */
static unsigned
client_reap_grants(struct hv_grantlist *l, uint8_t holds, unsigned budget)
{
	struct hv_grant *g;
	unsigned done;

	for (done = 0; done < budget && (g = TAILQ_FIRST(l)) != NULL; done++)
		share_drop(g, holds);
	return (done);
}

/*
 * Do up to budget units of c's pending work.  Returns the units done and
 * sets *idle when nothing is left.
 */
static unsigned
client_reap(struct hv_client *c, unsigned budget, bool *idle)
{
	const uint8_t all = HV_HOLD_FILE | HV_HOLD_MAP;
	unsigned done;

	done = client_reap_maps(&c->doomed_maps, budget);
	done += client_reap_copies(&c->doomed_copies, budget - done);
	done += hv_adopt_reap(&c->doomed_adopts, budget - done);
	done += client_reap_grants(&c->g_doomed, HV_HOLD_MAP, budget - done);
	if (c->closed) {
		done += client_reap_maps(&c->maps, budget - done);
		done += client_reap_copies(&c->copies, budget - done);
		done += hv_adopt_reap(&c->adopts, budget - done);
		done += client_reap_grants(&c->g_mapped, all, budget - done);
		done += client_reap_grants(&c->g_file, all, budget - done);
	}
	*idle = RB_EMPTY(&c->doomed_maps) && RB_EMPTY(&c->doomed_copies) &&
	    RB_EMPTY(&c->doomed_adopts) && TAILQ_EMPTY(&c->g_doomed) &&
	    (!c->closed ||
		(RB_EMPTY(&c->maps) && RB_EMPTY(&c->copies) &&
		    RB_EMPTY(&c->adopts) && TAILQ_EMPTY(&c->g_mapped) &&
		    TAILQ_EMPTY(&c->g_file)));
	return (done);
}

/*
 * Free a closed client that has nothing left; its domain may go with it.
 */
static void
client_free(struct hv_client *c)
{
	struct hv_domain *d = c->dom;

	arena_forget_client(c);
	ra_destroy(&c->map_ids);
	d->nclients--;
	free(c);
	(void)hv_domain_gc(d);
}

/*
 * Give the reaper budget units of work, clients in the order they were
 * queued, so that one huge teardown delays others by at most itself.
 */
unsigned
hv_reap(struct hv *hv, unsigned budget)
{
	struct hv_client *c;
	unsigned done;
	bool idle;

	done = 0;
	while (done < budget && (c = TAILQ_FIRST(&hv->reapq)) != NULL) {
		TAILQ_REMOVE(&hv->reapq, c, rlink);
		done += client_reap(c, budget - done, &idle);
		if (!idle) {
			/* Its turn is not over: it stays first. */
			TAILQ_INSERT_HEAD(&hv->reapq, c, rlink);
			break;
		}
		c->queued = false;
		if (c->closed)
			client_free(c);
	}
	return (done);
}

bool
hv_reap_pending(const struct hv *hv)
{

	return (!TAILQ_EMPTY(&hv->reapq));
}
