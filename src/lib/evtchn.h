/*
 * evtchn.h: what the event-channel client (evtchn.c) offers besides
 * include/gntbox.h, for the preload library and the tests.
 */
#ifndef GNTBOX_LIB_EVTCHN_H
#define GNTBOX_LIB_EVTCHN_H

#include <stdint.h>

#include "gntbox.h"

/*
 * Bind a virtual interrupt (IOCTL_EVTCHN_BIND_VIRQ, which
 * xenevtchn_bind_virq uses); returns the port, or -1 with errno set.
 * Only VIRQ_DOM_EXC, in domain 0, has a source (docs/differences.md).
 * Errors: EINVAL (another virq), EBUSY (not domain 0), EEXIST (bound
 * already in this domain), EACCES (restricted handle), ENOSPC.
 */
int gbx_evtchn_bind_virq(gntbox_evtchn_t *e, uint32_t virq);

#endif /* GNTBOX_LIB_EVTCHN_H */
