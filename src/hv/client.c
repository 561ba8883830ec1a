/*
 * client.c: clients, and their step of the reaper.
 *
 * Hangup and close only move things onto doomed lists and queue the
 * client (O(1)); hv_reap() then releases them a bounded number of units
 * per call.  While a client waits, what it held stays counted and the
 * grants stay granted, so the reaper may take its time without anything
 * being reused too early.
 */
#include <stddef.h>
#include <stdlib.h>

#include "hv/client.h"
#include "hv/domain.h"
#include "hv/share.h"

static hv_reap_fn client_reap;

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
	RB_INIT(&c->holdings);
	RB_INIT(&c->doomed);
	RB_INIT(&c->sent);
	c->reap.fn = client_reap;
	d->nclients++;
	return (c);
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
	holding_doom_all(c);
	hv_reap_queue(c->hv, &c->reap);
}

/*
 * The connection closed.  O(1): the reaper releases everything and then
 * frees the client.
 */
void
hv_client_close(struct hv_client *c)
{

	c->closed = true;
	hv_reap_queue(c->hv, &c->reap);
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
 * The client's step of the reaper (hv.h): up to budget units, the doomed
 * holdings and mapping holds first, then, once closed, everything else.
 * A closed client with nothing left is freed.
 */
static unsigned
client_reap(struct hv_reapable *r, unsigned budget, bool *finished)
{
	const uint8_t all = HV_HOLD_FILE | HV_HOLD_MAP;
	struct hv_client *c;
	unsigned done;

	c = (struct hv_client *)(void *)((char *)r -
	    offsetof(struct hv_client, reap));
	done = holding_reap(&c->doomed, budget);
	done += client_reap_grants(&c->g_doomed, HV_HOLD_MAP, budget - done);
	if (c->closed) {
		done += holding_reap(&c->holdings, budget - done);
		done += client_reap_grants(&c->g_mapped, all, budget - done);
		done += client_reap_grants(&c->g_file, all, budget - done);
	}
	*finished = RB_EMPTY(&c->doomed) && TAILQ_EMPTY(&c->g_doomed) &&
	    (!c->closed ||
		(RB_EMPTY(&c->holdings) && TAILQ_EMPTY(&c->g_mapped) &&
		    TAILQ_EMPTY(&c->g_file)));
	if (*finished && c->closed)
		client_free(c);
	return (done);
}
