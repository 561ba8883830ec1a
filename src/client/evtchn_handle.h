/*
 * evtchn_handle.h: an event-channel handle, as it lives in a client
 * process (docs/architecture.md §6).
 *
 * A handle is what Linux keeps per open /dev/xen/evtchn file: the ports
 * bound through it, the shared event page and eventfd gntboxd gave it,
 * and the connection to gntboxd that binds and unbinds.  Notifying a port
 * whose remote end is known costs no round trip (evtchn_handle.c).
 *
 * include/gntbox.h's gntbox_evtchn_t is this very handle: lib/api_evtchn.c
 * only checks the pointer and turns the errno values returned here into
 * the API's -1 / errno; the preload library holds one per open
 * /dev/xen/evtchn file and answers with the errno values themselves.
 *
 * Every function returns 0 or an errno value.  A handle may be used by
 * several threads.  A handle opened before fork() is the parent's: its
 * connection is shared, so the child may only close it (the preload
 * library enforces that rule; see preload/linux_evtchn.c).
 */
#ifndef GNTBOX_CLIENT_EVTCHN_HANDLE_H
#define GNTBOX_CLIENT_EVTCHN_HANDLE_H

#include <stdbool.h>
#include <stdint.h>

#include "gntbox.h"

struct gntbox_evtchn;

/*
 * Open a handle of domain domid (-1: $GNTBOX_DOMID); flags is 0 or
 * GNTBOX_EVTCHN_NONBLOCK, the mode of gbx_evtchn_pending().  Errors:
 * EINVAL (bad domid or flags), EPROTO (gntboxd's HELLO reply lacks the
 * eventfd or the page), ENOMEM, those of gbx_conn_open().
 */
int gbx_evtchn_open(int domid, unsigned flags, struct gntbox_evtchn **ep);

/*
 * Close: gntboxd closes every port of the handle (their remote ends
 * become unbound), and every descriptor goes.
 */
void gbx_evtchn_close(struct gntbox_evtchn *e);

/* The handle's eventfd: readable exactly when the ring has an entry. */
int gbx_evtchn_fd(const struct gntbox_evtchn *e);

/*
 * Binding: a new port of this handle, in *port.  Errors: those of
 * gntboxd (include/gntbox.h lists them).  bind_virq binds a virtual
 * interrupt (IOCTL_EVTCHN_BIND_VIRQ, which xenevtchn_bind_virq uses):
 * only VIRQ_DOM_EXC, in domain 0, has a source (docs/differences.md).
 * Its errors: EINVAL (another virq), EBUSY (not domain 0), EEXIST (bound
 * already in this domain), EACCES (restricted handle), ENOSPC.
 */
int gbx_evtchn_bind_unbound(struct gntbox_evtchn *e, uint32_t remote,
    uint32_t *port);
int gbx_evtchn_bind_interdomain(struct gntbox_evtchn *e, uint32_t remote,
    uint32_t remote_port, uint32_t *port);
int gbx_evtchn_bind_virq(struct gntbox_evtchn *e, uint32_t virq,
    uint32_t *port);

/* Unbind a port of this handle.  Errors: EINVAL (out of range), ENOTCONN. */
int gbx_evtchn_unbind(struct gntbox_evtchn *e, uint32_t port);

/*
 * Notify the remote end of port: no round trip while the cached remote
 * end is current.  Errors: ENOTCONN (not a port of this handle).
 */
int gbx_evtchn_notify(struct gntbox_evtchn *e, uint32_t port);

/*
 * The port of the next entry in the handle's ring (docs/events.md), in
 * *port; it stays masked until unmasked.  Waits unless the handle was
 * opened with GNTBOX_EVTCHN_NONBLOCK (then EAGAIN).  EFBIG when the ring
 * overflowed, until gbx_evtchn_reset().  A port unbound after it fired
 * may still come, as on Linux.  EPIPE once gntboxd went away, if the
 * process watches for that (client/hangup.h): the eventfd is then
 * readable for good, and a waiter wakes with EPIPE.
 */
int gbx_evtchn_pending(struct gntbox_evtchn *e, uint32_t *port);

/*
 * gbx_evtchn_pending() with the caller's choice of waiting, whatever
 * the handle was opened with: the preload library's read() follows the
 * program's O_NONBLOCK, which the program may change at any time.
 * Errors: EAGAIN (nonblock and nothing pending), EINTR, or the error of
 * the wait.
 */
int gbx_evtchn_take(struct gntbox_evtchn *e, bool nonblock, uint32_t *port);

/*
 * Unmask port; one notified while masked fires again at once.  A port not
 * bound here is ignored, as Linux ignores it.
 */
int gbx_evtchn_unmask(struct gntbox_evtchn *e, uint32_t port);

/*
 * Empty the ring and clear its overflow (IOCTL_EVTCHN_RESET); the ports
 * whose entries go stay masked until unmasked.  Never blocks.  EPIPE once
 * gntboxd went away (as gbx_evtchn_pending).
 */
int gbx_evtchn_reset(struct gntbox_evtchn *e);

/*
 * Restrict the handle to interdomain binds with domid
 * (IOCTL_EVTCHN_RESTRICT_DOMID).  Errors: those of gntboxd.
 */
int gbx_evtchn_restrict(struct gntbox_evtchn *e, uint32_t domid);

#endif /* GNTBOX_CLIENT_EVTCHN_HANDLE_H */
