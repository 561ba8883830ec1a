/*
 * hv.c: the hypervisor instance: limits, start-up and the final teardown.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "hv/client.h"
#include "hv/deferred.h"
#include "hv/domain.h"
#include "hv/gntmap.h"
#include "hv/hv.h"

void
hv_limits_default(struct hv_limits *lim)
{

	lim->max_grant_frames = HV_DEF_GRANT_FRAMES;
	lim->max_maptrack = HV_DEF_MAPTRACK;
	lim->max_ports = HV_DEF_PORTS;
	lim->max_domains = HV_MAX_DOMAINS;
	lim->max_fds = HV_DEF_FDS;
	lim->max_fds_total = UINT32_MAX;
}

int
hv_fds_take(struct hv *hv, struct hv_domain *d, unsigned n)
{

	if ((d != NULL && d->nfds + n > hv->lim.max_fds) ||
	    hv->st.fds + n > hv->lim.max_fds_total) {
		hv->st.limit_refusals++;
		return (EMFILE);
	}
	if (d != NULL)
		d->nfds += n;
	hv->st.fds += n;
	return (0);
}

void
hv_fds_put(struct hv *hv, struct hv_domain *d, unsigned n)
{

	if (d != NULL)
		d->nfds -= n;
	hv->st.fds -= n;
}

/*
 * Check the limits against what the model can hold, then create domain 0.
 */
int
hv_init(struct hv *hv, const struct hv_limits *lim)
{
	struct hv_domain *d0;

	memset(hv, 0, sizeof(*hv));
	if (lim->max_grant_frames == 0 ||
	    lim->max_grant_frames > HV_MAX_GRANT_FRAMES ||
	    lim->max_maptrack == 0 || lim->max_maptrack > HV_MAX_MAPTRACK ||
	    lim->max_ports < 2 || lim->max_ports > HV_DEF_PORTS ||
	    lim->max_domains == 0 || lim->max_domains > GBX_DOMID_MAX + 1 ||
	    lim->max_fds < HV_MIN_FDS || lim->max_fds > HV_MAX_FDS)
		return (EINVAL);
	hv->lim = *lim;
	RB_INIT(&hv->domains);
	RB_INIT(&hv->arenas);
	STAILQ_INIT(&hv->deferred);
	TAILQ_INIT(&hv->reapq);
	hv->st.size = sizeof(hv->st);
	return (hv_domain_create(hv, 0, NULL, &d0));
}

void
hv_reap_queue(struct hv *hv, struct hv_reapable *r)
{

	if (!r->queued) {
		TAILQ_INSERT_TAIL(&hv->reapq, r, link);
		r->queued = true;
	}
}

/*
 * First come first served: a teardown that is not finished when the
 * budget runs out stays first, for the next call.
 */
unsigned
hv_reap(struct hv *hv, unsigned budget)
{
	struct hv_reapable *r;
	unsigned done;
	bool finished;

	done = 0;
	while (done < budget && (r = TAILQ_FIRST(&hv->reapq)) != NULL) {
		TAILQ_REMOVE(&hv->reapq, r, link);
		r->queued = false;
		done += r->fn(r, budget - done, &finished);
		if (!finished) {
			/* Its turn is not over: it stays first. */
			if (!r->queued) {
				TAILQ_INSERT_HEAD(&hv->reapq, r, link);
				r->queued = true;
			}
			break;
		}
	}
	return (done);
}

bool
hv_reap_pending(const struct hv *hv)
{

	return (!TAILQ_EMPTY(&hv->reapq));
}

/* Unmap every handle of d that no map object owns (unit tests make them). */
static void
hv_unmap_all(struct hv_domain *d)
{
	struct hv_mt *e;
	uint32_t h;

	for (h = 0; h < d->mt.limit && d->mt.nused > 0; h++) {
		if (d->mt.frames[h / MT_PER_FRAME] == NULL) {
			h += MT_PER_FRAME - 1;
			continue;
		}
		e = maptrack_entry(&d->mt, h);
		if ((e->flags & HV_MT_USED) != 0)
			(void)hv_grant_unmap(d, h);
	}
}

/*
 * Release everything in dependency order: clients (with their maps and
 * holds), mappings nobody owns, the deferred list (all ready now), then
 * the domains.
 */
void
hv_fini(struct hv *hv)
{
	struct hv_domain *d, *next;

	while (hv_reap_pending(hv))
		(void)hv_reap(hv, UINT32_MAX);
	for (d = hv_domain_first(hv); d != NULL; d = hv_domain_next(d))
		hv_unmap_all(d);
	/* Nothing is mapped any more, so every deferred grant is ready. */
	while (hv->nready > 0)
		(void)hv_deferred_pass(hv, UINT32_MAX);
	for (d = hv_domain_first(hv); d != NULL; d = next) {
		next = hv_domain_next(d);
		d->flags |= GBX_DOM_DYING;
		(void)hv_domain_gc(d);
	}
}
