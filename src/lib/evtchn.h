/*
 * evtchn.h: what the event-channel client (evtchn.c) offers besides
 * include/gntbox.h, for the preload library and the tests.
 */
#ifndef GNTBOX_LIB_EVTCHN_H
#define GNTBOX_LIB_EVTCHN_H

#include <stdbool.h>
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

/*
 * gntbox_evtchn_pending() with the caller's choice of waiting, whatever
 * the handle was opened with: the preload library's read() follows the
 * program's O_NONBLOCK, which the program may change at any time.
 * Returns 0 with the port in *port, or EAGAIN (nonblock and nothing
 * pending), EINTR, or the error of the wait.
 */
int gbx_evtchn_take(gntbox_evtchn_t *e, bool nonblock, uint32_t *port);

#endif /* GNTBOX_LIB_EVTCHN_H */
