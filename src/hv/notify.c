/*
 * notify.c: unmap notify settings and their last step; the event-channel
 * hooks, on the domain's port table (hv/evtchn.h).
 */
#include <errno.h>

#include <stddef.h>

#include "hv/domain.h"
#include "hv/notify.h"

int
notify_check(struct hv_domain *d, const struct gbx_notify *n, uint64_t bytes,
    bool ro)
{

	if ((n->action & ~GBX_NOTIFY_ALL) != 0)
		return (EINVAL);
	if ((n->action & GBX_NOTIFY_CLEAR_BYTE) != 0 &&
	    (ro || n->byte >= bytes))
		return (EINVAL);
	if ((n->action & GBX_NOTIFY_SEND_EVENT) != 0 &&
	    !notify_port_bound(d, n->port))
		return (EINVAL);
	return (0);
}

void
notify_set(struct hv_domain *d, struct gbx_notify *cur,
    const struct gbx_notify *n)
{

	/* Hold the new port before letting go of the old: it may be the same. */
	if ((n->action & GBX_NOTIFY_SEND_EVENT) != 0)
		notify_port_hold(d, n->port);
	if ((cur->action & GBX_NOTIFY_SEND_EVENT) != 0)
		notify_port_unhold(d, cur->port);
	*cur = *n;
}

void
notify_finish(struct hv_domain *d, struct gbx_notify *n, bool had_clear)
{

	if ((n->action & GBX_NOTIFY_SEND_EVENT) != 0) {
		notify_port_send(d, n->port);
		notify_port_unhold(d, n->port);
	}
	if (had_clear || n->action != 0)
		d->hv->st.notifies_fired++;
	n->action = 0;
}

/*
 * A port an unmap notify may name: one of d's ports that an event-channel
 * handle has bound, or that earlier notifies still hold, with room for one
 * more reference.  Checking the room here means that the hold taken right
 * after (notify_set) cannot fail.  Linux's gntdev asks evtchn_get() and
 * answers EINVAL whatever it says.
 */
bool
notify_port_bound(struct hv_domain *d, uint32_t port)
{
	const struct evt_port *p;

	p = evt_port_lookup(&d->evt, port);
	return (p != NULL && (p->owner != NULL || p->refs != 0) &&
	    p->refs < EVT_NOTIFY_REFS_MAX);
}

/* Keep the port allocated while the notify names it (evtchn_get). */
void
notify_port_hold(struct hv_domain *d, uint32_t port)
{

	(void)evt_port_get(&d->evt, port);
}

/*
 * Let go of the port (evtchn_put): the last hold closes a port that its
 * handle has unbound meanwhile.  A port of a dying domain was closed with
 * the domain: nothing is left to drop.
 */
void
notify_port_unhold(struct hv_domain *d, uint32_t port)
{

	(void)evt_port_put(&d->evt, port);
}

/*
 * EVTCHNOP_send from the port, as the kernel does for the notify: to the
 * remote end's current binding, through its event page, or nowhere when
 * the remote end is unbound or the domain is dying.
 */
void
notify_port_send(struct hv_domain *d, uint32_t port)
{
	struct evt_target t;

	(void)evt_send(&d->evt, port, &t);
}
