/*
 * domain.c: creating, finding and freeing domains.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/tree.h"
#include "hv/domain.h"

#include <xen/xen.h>

static int
domain_cmp(const struct hv_domain *a, const struct hv_domain *b)
{

	return ((int)a->domid - (int)b->domid);
}

RB_GENERATE_STATIC_UNUSED(hv_domtree, hv_domain, link, domain_cmp)

/* base/paths.c bounds domain ids with Xen's constant, proto.h with ours. */
_Static_assert(GBX_DOMID_MAX == DOMID_FIRST_RESERVED - 1,
    "GBX_DOMID_MAX is not DOMID_FIRST_RESERVED - 1");

bool
hv_domain_name_ok(const char *name)
{
	size_t i;
	char ch;

	for (i = 0; (ch = name[i]) != '\0'; i++) {
		if (i >= GBX_NAME_MAX - 1)
			return (false);
		if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
			(ch >= '0' && ch <= '9') || ch == '_' || ch == '.' ||
			ch == '-'))
			return (false);
	}
	return (i > 0);
}

/* Domain domid or, with atleast, the first whose id is at least domid. */
static struct hv_domain *
domain_lookup(struct hv *hv, unsigned domid, bool atleast)
{
	struct hv_domain key;

	if (domid > GBX_DOMID_MAX)
		return (NULL);
	key.domid = (uint16_t)domid;
	return (atleast ? RB_NFIND(hv_domtree, &hv->domains, &key) :
			  RB_FIND(hv_domtree, &hv->domains, &key));
}

struct hv_domain *
hv_domain_find(struct hv *hv, unsigned domid)
{

	return (domain_lookup(hv, domid, false));
}

struct hv_domain *
hv_domain_live(struct hv *hv, unsigned domid)
{
	struct hv_domain *d;

	if ((d = hv_domain_find(hv, domid)) == NULL || hv_domain_dying(d))
		return (NULL);
	return (d);
}

/*
 * The first domain, dying or not, whose id is at least domid: what Xen's
 * XEN_DOMCTL_getdomaininfo finds for an id no domain has.  O(log n).
 */
struct hv_domain *
hv_domain_from(struct hv *hv, unsigned domid)
{

	return (domain_lookup(hv, domid, true));
}

struct hv_domain *
hv_domain_first(struct hv *hv)
{

	return (RB_MIN(hv_domtree, &hv->domains));
}

struct hv_domain *
hv_domain_next(struct hv_domain *d)
{

	return (RB_NEXT(hv_domtree, &d->hv->domains, d));
}

/*
 * Create a domain: its grant table (one frame), its maptrack table, its
 * arena slots, and its default name.
 */
int
hv_domain_create(struct hv *hv, unsigned domid, const char *name,
    struct hv_domain **dp)
{
	struct hv_domain *d;
	int error;

	if (domid > GBX_DOMID_MAX ||
	    (name != NULL && *name != '\0' && !hv_domain_name_ok(name)))
		return (EINVAL);
	if ((d = hv_domain_find(hv, domid)) != NULL)
		return (hv_domain_dying(d) ? EBUSY : EEXIST);
	if (hv->ndomains >= hv->lim.max_domains)
		return (ENOSPC);
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return (ENOMEM);
	d->hv = hv;
	d->domid = (uint16_t)domid;
	d->flags = domid == 0 ? GBX_DOM_PRIVILEGED : 0;
	if (name != NULL && *name != '\0')
		(void)snprintf(d->name, sizeof(d->name), "%s", name);
	else if (domid == 0)
		(void)snprintf(d->name, sizeof(d->name), "Domain-0");
	else
		(void)snprintf(d->name, sizeof(d->name), "domain-%u", domid);
	/* gntboxd's own user until the daemon binds it to another. */
	d->uid = (uint32_t)geteuid();
	RB_INIT(&d->arenas);
	LIST_INIT(&d->retired);
	if ((error = gnttab_init(&d->gt, d, hv->lim.max_grant_frames)) != 0)
		goto fail;
	if ((error = maptrack_init(&d->mt, hv->lim.max_maptrack)) != 0)
		goto fail_gt;
	if ((error = ra_init(&d->slots, 0, HV_ARENA_SLOTS - 1)) != 0)
		goto fail_mt;
	if ((error = evt_domain_init(&d->evt, (uint16_t)domid,
		 hv->lim.max_ports)) != 0)
		goto fail_slots;
	RB_INSERT(hv_domtree, &hv->domains, d);
	hv->ndomains++;
	hv->st.domains++;
	*dp = d;
	return (0);
fail_slots:
	ra_destroy(&d->slots);
fail_mt:
	maptrack_fini(&d->mt);
fail_gt:
	gnttab_fini(&d->gt);
fail:
	free(d);
	return (error);
}

/*
 * Mark d dying and close its event channels (Xen's domain_kill calls
 * evtchn_destroy before it releases the domain's memory), so that the
 * remote ends become unbound now and not when the last grant someone else
 * maps is gone.  Notifies that fire later on d's ports find them closed
 * and send nothing.  Then tell domain 0 (VIRQ_DOM_EXC); d is freed at once
 * if nothing of it is left.
 */
int
hv_domain_destroy(struct hv_domain *d)
{
	struct hv_domain *d0;

	if (d->domid == 0)
		return (EPERM);
	if (hv_domain_dying(d))
		return (EALREADY);
	d->flags |= GBX_DOM_DYING;
	evt_domain_destroy(&d->evt);
	if ((d0 = hv_domain_find(d->hv, 0)) != NULL)
		evt_virq_raise(&d0->evt, VIRQ_DOM_EXC);
	(void)hv_domain_gc(d);
	return (0);
}

/* Free a domain's memory; nothing may refer to it any more. */
static void
domain_free(struct hv_domain *d)
{
	struct hv *hv = d->hv;

	RB_REMOVE(hv_domtree, &hv->domains, d);
	hv->ndomains--;
	hv->st.domains--;
	/* Empty arenas that connections still held go with their domain. */
	arena_destroy_all(d);
	evt_domain_destroy(&d->evt);
	ra_destroy(&d->slots);
	maptrack_fini(&d->mt);
	gnttab_fini(&d->gt);
	free(d);
}

/*
 * Free d once it is dying and owns nothing: no client, no grant (deferred
 * ones included) and no mapping.
 */
bool
hv_domain_gc(struct hv_domain *d)
{

	if (!hv_domain_dying(d) || d->nclients != 0 || d->gt.nused != 0 ||
	    d->mt.nused != 0 || d->nconns != 0)
		return (false);
	domain_free(d);
	return (true);
}
