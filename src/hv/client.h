/*
 * client.h: what one grant-device connection owns in the hypervisor.
 *
 * A client stands for one connection of kind GBX_KIND_GNTDEV: the shared
 * pages it allocated (with its file hold and mapping hold on each) and the
 * map objects it created.  The daemon creates it at HELLO and tells it
 * when the process token hangs up (hv_client_hangup: the opening process
 * is gone, so its mappings are) and when the connection closes
 * (hv_client_close: everything goes).  Both only queue the client on the
 * hypervisor's reap queue (hv.h); hv_reap() does the work in bounded
 * steps, so that a connection holding 100,000 handles does not stall the
 * event loop (Xen's XSA-380 lesson).
 *
 * A client's shared pages sit on one of three lists by their holds:
 * g_file (file hold only), g_mapped (a mapping hold of the current
 * process) and g_doomed (a mapping hold of a process that has gone, to be
 * dropped by the reaper).  Which list is derived from the grant: see
 * share.c.  Its map objects, copy pins and adopted holds are its
 * holdings (holding.h): in `holdings`, or in `doomed` once the process
 * that made them has gone.
 */
#ifndef GNTBOX_HV_CLIENT_H
#define GNTBOX_HV_CLIENT_H

#include <stdbool.h>
#include <stdint.h>

#include "base/rangealloc.h"
#include "base/tree.h"
#include "hv/arena.h"
#include "hv/holding.h"
#include "hv/hv.h"

struct hv;
struct hv_domain;
struct hv_grant;

TAILQ_HEAD(hv_grantlist, hv_grant);

struct hv_client {
	struct hv *hv;
	struct hv_domain *dom;
	uint32_t pid; /* the process that opened it (for dumps) */
	struct hv_grantlist g_file;
	struct hv_grantlist g_mapped;
	struct hv_grantlist g_doomed;
	uint32_t epoch;			/* bumped by each token hangup */
	struct hv_holdingtree holdings; /* of the current process */
	struct hv_holdingtree doomed;	/* of processes that have gone */
	struct rangealloc map_ids;	/* map and copy ids */
	struct hv_senttree sent; /* arenas whose descriptor it was sent */
	bool closed;
	struct hv_reapable reap; /* on hv->reapq while it has work */
};

/* A new client of domain d, opened by process pid.  NULL on ENOMEM. */
struct hv_client *hv_client_new(struct hv_domain *d, uint32_t pid);

/*
 * The process token hung up: every mapping hold and map object the client
 * has now is released (by hv_reap), with their notifies.  What the client
 * does afterwards (a child that inherited the connection) is kept.
 */
void hv_client_hangup(struct hv_client *c);

/*
 * The connection closed: everything the client holds is released (by
 * hv_reap) and the client is freed.  The caller must not use c again.
 */
void hv_client_close(struct hv_client *c);

#endif /* GNTBOX_HV_CLIENT_H */
