/*
 * notify.h: unmap notifies (Linux's UNMAP_NOTIFY_CLEAR_BYTE and
 * UNMAP_NOTIFY_SEND_EVENT) and the event-channel hooks they need.
 *
 * A notify belongs to a shared page (gntalloc keeps one per page) or to a
 * map object (gntdev keeps one per map).  It fires once, when its owner is
 * released, in the order docs/design.md fixes ("Release order"): the byte
 * is cleared while the page is still mapped or granted, then the grant is
 * unmapped or its access ended, then the event is sent.  gntboxd does all
 * three, for a live client as for a dead one.
 *
 * A SEND_EVENT notify names a port of the object's domain, bound through
 * an event-channel handle; it holds a reference on the port (Linux's
 * evtchn_get), so that the port stays allocated until the notify has
 * fired or been replaced, even if its handle unbinds it meanwhile.  The
 * notify_port_* functions below are that link to hv/evtchn.h.
 */
#ifndef GNTBOX_HV_NOTIFY_H
#define GNTBOX_HV_NOTIFY_H

#include <stdbool.h>
#include <stdint.h>

#include "proto/proto.h"

#define GBX_NOTIFY_ALL (GBX_NOTIFY_CLEAR_BYTE | GBX_NOTIFY_SEND_EVENT)

struct hv_domain;

/*
 * Check a notify for a region of `bytes` bytes mapped read-only or not.
 * EINVAL: unknown action bits, CLEAR_BYTE outside the region or on a
 * read-only mapping, SEND_EVENT on a port not bound in domain d.
 */
int notify_check(struct hv_domain *d, const struct gbx_notify *n,
    uint64_t bytes, bool ro);

/*
 * Replace the notify *cur of an object of domain d with *n (last call
 * wins), taking a hold on n's port and dropping the one on cur's.
 */
void notify_set(struct hv_domain *d, struct gbx_notify *cur,
    const struct gbx_notify *n);

/*
 * The last step of a notify: send the event if asked (and drop the port's
 * hold), count the notify as fired if it asked anything, and clear it.
 * had_clear tells that a CLEAR_BYTE was performed earlier and cleared from
 * *n (map objects clear their byte when that page goes).
 */
void notify_finish(struct hv_domain *d, struct gbx_notify *n, bool had_clear);

/*
 * Event-channel hooks.  notify_port_bound: is port bound in domain d (and
 * may an unmap notify name it)?  notify_port_hold / notify_port_unhold:
 * keep the port allocated while a notify names it (Linux's evtchn_get and
 * evtchn_put).  notify_port_send: deliver an event on it.
 */
bool notify_port_bound(struct hv_domain *d, uint32_t port);
void notify_port_hold(struct hv_domain *d, uint32_t port);
void notify_port_unhold(struct hv_domain *d, uint32_t port);
void notify_port_send(struct hv_domain *d, uint32_t port);

#endif /* GNTBOX_HV_NOTIFY_H */
