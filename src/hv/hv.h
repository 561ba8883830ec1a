/*
 * hv.h: gntboxd's hypervisor model.
 *
 * struct hv is the whole of what Xen would hold for gntbox: the domains,
 * their grant tables and maptrack tables, the memfd arenas that back the
 * granted pages, the map objects and shared pages that clients own, the
 * deferred list of grants that were ended while still mapped, and the
 * counters that CTL_STATS reports.  It is pure state: nothing here reads
 * or writes a socket, so the unit tests drive it directly.  The only
 * system calls it makes are on the arenas (memfd_create, ftruncate,
 * fallocate, pwrite) and they never block.
 *
 * Work that can be large is done in bounded steps the daemon runs from its
 * event loop: hv_reap() releases what closed connections held, and
 * hv_deferred_pass() retries ending access on deferred grants.
 *
 * The reap queue.  Anything whose teardown must be split into bounded
 * steps embeds a struct hv_reapable and queues itself with
 * hv_reap_queue(): grant-device clients (client.h) and the daemon's
 * event-channel handles.  hv_reap() gives the queue a budget of units,
 * first come first served, so that one huge teardown delays the others
 * by at most itself.
 */
#ifndef GNTBOX_HV_HV_H
#define GNTBOX_HV_HV_H

#include <stdbool.h>
#include <stdint.h>

#include "base/tree.h"
#include "proto/proto.h"

#define HV_DEF_GRANT_FRAMES 64	   /* Xen's default max_grant_frames */
#define HV_MAX_GRANT_FRAMES 2048   /* 2^20 entries, as many as one arena */
#define HV_DEF_MAPTRACK	    262144 /* Xen's 1024 frames of 256 handles */
#define HV_MAX_MAPTRACK	    (1u << 24)
#define HV_DEF_PORTS	    4096 /* the 2-level event ABI on 64-bit */
#define HV_MAX_DOMAINS	    1024
#define HV_DEF_FDS	    8192 /* descriptors held for one domain */
#define HV_MIN_FDS	    16
#define HV_MAX_FDS	    1048576

struct hv_domain;
struct hv_grant;
struct hv_arena;
struct hv_reapable;

RB_HEAD(hv_domtree, hv_domain);
RB_HEAD(hv_arenaids, hv_arena);
STAILQ_HEAD(hv_deflist, hv_grant);
TAILQ_HEAD(hv_reapq, hv_reapable);

/*
 * One step of a queued teardown: up to budget units of work.  Returns
 * the units done; sets *finished when nothing is left, after which the
 * step may have freed the object (it is off the queue then).
 */
typedef unsigned hv_reap_fn(struct hv_reapable *r, unsigned budget,
    bool *finished);

struct hv_reapable {
	hv_reap_fn *fn;
	bool queued; /* on hv->reapq */
	TAILQ_ENTRY(hv_reapable) link;
};

struct hv_limits {
	uint32_t max_grant_frames; /* per domain, frames of 512 entries */
	uint32_t max_maptrack;	   /* maptrack handles per domain */
	uint32_t max_ports;	   /* event-channel ports per domain */
	uint32_t max_domains;	   /* domains alive at once, dying included */
	/*
	 * Descriptors gntboxd may hold for one domain (its connections,
	 * process tokens, event-channel handles, queued replies' copies,
	 * the arenas it grants, its processes' pidfds), and for all
	 * clients together (the daemon derives it from RLIMIT_NOFILE,
	 * keeping a reserve for itself).  issue 11, defect 3.
	 */
	uint32_t max_fds;
	uint32_t max_fds_total;
};

struct hv {
	struct hv_limits lim;
	struct hv_domtree domains;
	uint32_t ndomains;
	struct hv_arenaids arenas; /* every arena, by id */
	uint32_t last_arena;	   /* ids are never reused */
	struct hv_deflist deferred;
	uint64_t nready;       /* deferred grants with no pins left */
	struct hv_reapq reapq; /* teardowns with work pending */
	struct gbx_stats st;   /* the counters CTL_STATS reports */
};

/* Xen's defaults. */
void hv_limits_default(struct hv_limits *lim);

/*
 * Charge n descriptors that gntboxd holds for domain d (NULL: for no
 * domain, such as a control connection) against d's limit and the total.
 * Returns 0, or EMFILE (counted in limit_refusals) with nothing charged.
 * hv_fds_put() gives them back.
 */
int hv_fds_take(struct hv *hv, struct hv_domain *d, unsigned n);
void hv_fds_put(struct hv *hv, struct hv_domain *d, unsigned n);

/*
 * Set up an empty hypervisor with domain 0 ("Domain-0", privileged).
 * Returns 0, EINVAL for limits out of range, or ENOMEM.
 */
int hv_init(struct hv *hv, const struct hv_limits *lim);

/*
 * Tear everything down: every client is closed and reaped, every mapping
 * released, every deferred grant ended and every domain freed.  Used at
 * exit; no bound on the work.
 */
void hv_fini(struct hv *hv);

/*
 * Queue r (its fn set) for hv_reap(), unless it is queued already.  O(1).
 */
void hv_reap_queue(struct hv *hv, struct hv_reapable *r);

/*
 * Teardown work of the queue, at most budget units (a unit is one grant,
 * one maptrack handle, one port...).  Returns the units done.
 */
unsigned hv_reap(struct hv *hv, unsigned budget);

/* True while hv_reap() has work. */
bool hv_reap_pending(const struct hv *hv);

#endif /* GNTBOX_HV_HV_H */
