/*
 * deferred.h: grants whose access was ended while a remote domain still
 * mapped them.
 *
 * Such a grant stays granted, and its page is neither freed nor reused,
 * until the last mapping goes (XSA-396: a page a remote domain can reach
 * never returns to the allocator).  It sits on the deferred list (one
 * STAILQ for the whole hypervisor), which hv_deferred_pass() walks from
 * the head, a bounded number of entries per pass, ending access of those
 * without pins and moving the others to the tail.  The daemon runs passes
 * from a timer while the list is not empty, and at once while some entry
 * is ready (its pins dropped to zero: hv->nready).
 */
#ifndef GNTBOX_HV_DEFERRED_H
#define GNTBOX_HV_DEFERRED_H

#include <stdint.h>

struct hv;
struct hv_grant;

/* Put a released grant that is still pinned on the deferred list. */
void deferred_add(struct hv_grant *g);

/* A deferred grant's pins went from zero to some, or from some to zero. */
void deferred_pinned(struct hv_grant *g);
void deferred_unpinned(struct hv_grant *g);

/*
 * One pass: look at up to budget entries from the head, ending access of
 * those with no pins and re-queueing the rest at the tail.  Stops early
 * when no entry is ready.  Returns the entries released.
 */
unsigned hv_deferred_pass(struct hv *hv, unsigned budget);

#endif /* GNTBOX_HV_DEFERRED_H */
