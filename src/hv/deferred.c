/*
 * deferred.c: the deferred list (see deferred.h).
 *
 * Unlike a guest kernel, gntboxd sees every unmap, so it knows when a
 * deferred grant becomes free (hv->nready) and need not poll blindly; the
 * list and its bounded passes remain so that one unmap of many handles,
 * or a domain's teardown, never ends thousands of grants in one turn.
 */
#include <stddef.h>

#include "hv/deferred.h"
#include "hv/domain.h"
#include "hv/share.h"

void
deferred_add(struct hv_grant *g)
{
	struct hv *hv = g->dom->hv;

	g->deferred = true;
	STAILQ_INSERT_TAIL(&hv->deferred, g, dlink);
	hv->st.deferred++;
}

void
deferred_pinned(struct hv_grant *g)
{

	g->dom->hv->nready--;
}

void
deferred_unpinned(struct hv_grant *g)
{

	g->dom->hv->nready++;
}

unsigned
hv_deferred_pass(struct hv *hv, unsigned budget)
{
	struct hv_domain *d;
	struct hv_grant *g;
	unsigned seen, released;

	released = 0;
	for (seen = 0; seen < budget && hv->nready > 0; seen++) {
		g = STAILQ_FIRST(&hv->deferred);
		STAILQ_REMOVE_HEAD(&hv->deferred, dlink);
		if (g->pin != 0) {
			/* Still mapped: the remote side has not let go. */
			STAILQ_INSERT_TAIL(&hv->deferred, g, dlink);
			continue;
		}
		d = g->dom;
		g->deferred = false;
		hv->nready--;
		hv->st.deferred--;
		hv->st.deferred_released++;
		share_end_access(g);
		released++;
		(void)hv_domain_gc(d);
	}
	return (released);
}
