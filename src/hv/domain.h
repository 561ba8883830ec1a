/*
 * domain.h: domains.
 *
 * A domain owns a grant table, a maptrack table and the arenas of the
 * pages it grants.  Domain 0 exists from the start and is privileged.
 * Destroying a domain marks it dying; the daemon closes its connections,
 * whose release makes its grants end (or go deferred while another domain
 * still maps them).  The domain is freed once nothing of it is left: no
 * client and no grant.  Until then it keeps its id, as a dying Xen domain
 * does, and cannot be created again.
 */
#ifndef GNTBOX_HV_DOMAIN_H
#define GNTBOX_HV_DOMAIN_H

#include <stdbool.h>
#include <stdint.h>

#include "base/rangealloc.h"
#include "base/tree.h"
#include "hv/arena.h"
#include "hv/evtchn.h"
#include "hv/gnttab.h"
#include "hv/hv.h"
#include "hv/maptrack.h"
#include "proto/proto.h"

struct hv_domain {
	RB_ENTRY(hv_domain) link;
	struct hv *hv;
	uint16_t domid;
	uint16_t flags; /* GBX_DOM_PRIVILEGED, GBX_DOM_DYING */
	char name[GBX_NAME_MAX];
	struct gnttab gt;
	struct maptrack mt;
	struct hv_arenakeys arenas; /* arenas of pages it grants */
	struct rangealloc slots;    /* arena slots, for frame numbers */
	struct evt_domain evt;	    /* event-channel ports; closed when dying */
	uint32_t nclients; /* clients and event-channel handles, closed ones
			      not yet reaped too */
	uint32_t nconns;   /* the daemon's connections of this domain */
	uint32_t nfds;	   /* descriptors held for it (hv_fds_take) */
	uint32_t uid;	   /* its user: its sockets are that user's */
	LIST_HEAD(, hv_arena) retired; /* arenas that allocate no more */
};

/*
 * Create domain domid.  name NULL or empty: "domain-<domid>" ("Domain-0"
 * for 0).  Returns 0, EINVAL (domid above GBX_DOMID_MAX, bad name), EEXIST
 * (it exists), EBUSY (it is dying), ENOSPC (too many domains), ENOMEM.
 */
int hv_domain_create(struct hv *hv, unsigned domid, const char *name,
    struct hv_domain **dp);

/* The domain, dying or not, or NULL. */
struct hv_domain *hv_domain_find(struct hv *hv, unsigned domid);

/* The live (not dying) domain, or NULL. */
struct hv_domain *hv_domain_live(struct hv *hv, unsigned domid);

/* The first domain, dying or not, whose id is at least domid, or NULL. */
struct hv_domain *hv_domain_from(struct hv *hv, unsigned domid);

/* The first domain and the next one, in domid order (for dumps). */
struct hv_domain *hv_domain_first(struct hv *hv);
struct hv_domain *hv_domain_next(struct hv_domain *d);

/*
 * Mark the domain dying.  Its event channels close at once, as in Xen's
 * domain_kill (the remote ends become unbound), and VIRQ_DOM_EXC is raised
 * in domain 0.  The caller closes its clients; the domain is freed when
 * the last of them is reaped and its last grant has ended.  Returns EPERM
 * for domain 0, EALREADY when already dying, else 0.
 */
int hv_domain_destroy(struct hv_domain *d);

/*
 * Free d if it is dying and nothing of it is left: no client, no grant,
 * no mapping, and no connection of the daemon's (nconns, which the daemon
 * keeps so that a connection closed after the destroy can still give its
 * descriptors back to d).  Returns true when it was freed (d is gone).
 */
bool hv_domain_gc(struct hv_domain *d);

static inline bool
hv_domain_dying(const struct hv_domain *d)
{

	return ((d->flags & GBX_DOM_DYING) != 0);
}

/* A valid domain name: [A-Za-z0-9_.-], 1 to GBX_NAME_MAX - 1 bytes. */
bool hv_domain_name_ok(const char *name);

#endif /* GNTBOX_HV_DOMAIN_H */
