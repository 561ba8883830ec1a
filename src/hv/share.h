/*
 * share.h: shared pages, gntalloc's half of the device.
 *
 * ALLOC grants fresh zeroed pages of an arena to a domain; the client
 * that asked owns the grants and holds each by its file hold.  MAPPED
 * and UNMAPPED take and drop the client's mapping hold (the page is or is
 * no longer mapped in the client's process).  A grant whose holds are all
 * gone is released: its notify byte is cleared, its access ended (or
 * deferred while the grantee maps it), and its notify event sent.
 */
#ifndef GNTBOX_HV_SHARE_H
#define GNTBOX_HV_SHARE_H

#include <stdbool.h>
#include <stdint.h>

#include "proto/proto.h"

struct hv_client;
struct hv_grant;
struct hv_arena;

/*
 * Grant count fresh zeroed pages to grantee: refs[i] grants page
 * *first + i of *ap.  Returns 0, EINVAL (count 0 or above GBX_COUNT_MAX,
 * grantee above GBX_DOMID_MAX), ENOSPC (grant table full, or no run of
 * count pages left in the arena), ENOMEM.  On error nothing was granted.
 */
int hv_share(struct hv_client *c, uint32_t grantee, bool writable,
    uint32_t count, uint32_t *refs, struct hv_arena **ap, uint64_t *first);

/*
 * DEALLOC, MAPPED, UNMAPPED of one reference.  EINVAL when the client does
 * not hold ref in the way the call needs (nothing changes).
 */
int hv_share_dealloc(struct hv_client *c, uint32_t ref);
int hv_share_mapped(struct hv_client *c, uint32_t ref);
int hv_share_unmapped(struct hv_client *c, uint32_t ref);

/*
 * NOTIFY_GRANT: set the notify of a page the client holds (byte is the
 * offset within the page).  EINVAL (unknown action bits, byte beyond the
 * page, unbound port), ENOENT (not a grant of this client).
 */
int hv_share_notify(struct hv_client *c, uint32_t ref,
    const struct gbx_notify *n);

/*
 * Drop holds of g (its owner's) and release g when none is left.  For
 * the reaper and the calls above.
 */
void share_drop(struct hv_grant *g, uint8_t holds);

/*
 * An adopted hold on g went (adopt.c); the orphan is released with its
 * last one.
 */
void share_unadopted(struct hv_grant *g);

/* End access of a grant with no pin and no hold: free its ref and page. */
void share_end_access(struct hv_grant *g);

#endif /* GNTBOX_HV_SHARE_H */
