/*
 * gnttab.h: a domain's grant table.
 *
 * The table holds v1 entries {flags, domid, frame} with Xen's GTF_* flags,
 * and next to each entry its active state: the pin counts of the host
 * mappings made of it (Xen's layout and limits), the mappings themselves,
 * and the shared page behind it (arena, page, owning client, holds,
 * unmap notify).  It grows in frames of 512 entries, as a guest's table
 * does, up to the domain's limit; entries never move, so pointers to them
 * stay valid while they are in use.  References 0 to 7 are reserved and
 * never handed out; free references come from a rangealloc, lowest first.
 */
#ifndef GNTBOX_HV_GNTTAB_H
#define GNTBOX_HV_GNTTAB_H

#include <stdbool.h>
#include <stdint.h>

#include <xen/grant_table.h>

#include "base/rangealloc.h"
#include "base/tree.h"
#include "proto/proto.h"

#define GT_PER_FRAME 512 /* v1 entries in a 4096-byte frame */

/*
 * Pin counts: Xen keeps four byte-wide counters in one word.  We map only
 * from the host, so the device counters stay zero, but the layout and the
 * overflow rule are Xen's: a new pin of a kind whose counter already has
 * its top bit set is refused, which caps each kind at 128 pins per grant.
 */
#define HV_PIN_CNTR_WIDTH 8
#define HV_PIN_HSTW_INC	  (1u << 0)
#define HV_PIN_HSTW_MASK  (0xffu << 0)
#define HV_PIN_HSTR_INC	  (1u << HV_PIN_CNTR_WIDTH)
#define HV_PIN_HSTR_MASK  (0xffu << HV_PIN_CNTR_WIDTH)
#define HV_PIN_OFLOW(inc) ((inc) << (HV_PIN_CNTR_WIDTH - 1))

/* The holds a client has on a shared page (docs/architecture.md §5). */
#define HV_HOLD_FILE 0x1 /* dropped by DEALLOC or close */
#define HV_HOLD_MAP  0x2 /* dropped by UNMAPPED, token hangup or close */

struct hv_domain;
struct hv_arena;
struct hv_client;
struct hv_mt;

LIST_HEAD(hv_mtlist, hv_mt);

struct hv_grant {
	struct grant_entry_v1 ent; /* what the guest would see */
	uint32_t pin;		   /* HV_PIN_* counters */
	uint32_t ref;
	struct hv_domain *dom; /* the granting domain */
	/* The shared page; arena is NULL while the entry is free. */
	struct hv_arena *arena;
	uint64_t page;
	struct hv_client *owner; /* NULL once deferred, or orphaned */
	uint8_t holds;		 /* HV_HOLD_* */
	bool deferred;
	uint32_t map_epoch;	  /* owner's epoch when HV_HOLD_MAP was taken */
	uint32_t adopters;	  /* adopted holds (adopt.h) */
	struct gbx_notify notify; /* byte: offset within the page */
	struct hv_mtlist mappers; /* maptrack entries mapping it */
	TAILQ_ENTRY(hv_grant) olink;  /* in one of the owner's lists */
	STAILQ_ENTRY(hv_grant) dlink; /* on the deferred list */
};

struct gnttab {
	struct hv_domain *dom;
	struct hv_grant **frames; /* max_frames slots, nframes filled */
	uint32_t nframes;
	uint32_t max_frames;
	struct rangealloc refs; /* free references [8, entries - 1] */
	uint32_t nused;		/* references handed out */
};

/* An empty table of one frame that may grow to max_frames. */
int gnttab_init(struct gnttab *gt, struct hv_domain *d, uint32_t max_frames);
void gnttab_fini(struct gnttab *gt);

/* Entries the table has now (Xen's nr_grant_entries()). */
uint32_t gnttab_nr_entries(const struct gnttab *gt);

/* Entries it may ever have. */
uint32_t gnttab_max_entries(const struct gnttab *gt);

/* The entry of ref, or NULL when ref is beyond the table's current end. */
struct hv_grant *gnttab_entry(const struct gnttab *gt, uint32_t ref);

/*
 * Hand out count free references, lowest first, growing the table as
 * needed; each entry comes back zeroed but for ref and dom.  All or
 * nothing: ENOSPC when fewer than count are free, ENOMEM.
 */
int gnttab_alloc(struct gnttab *gt, uint32_t count, uint32_t *refs);

/* Return ref to the free set; its entry is cleared. */
void gnttab_free(struct gnttab *gt, uint32_t ref);

#endif /* GNTBOX_HV_GNTTAB_H */
