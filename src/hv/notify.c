/*
 * notify.c: unmap notify settings and their last step; the event-channel
 * hooks, empty until event channels exist.
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
 * No port is bound until event channels exist (proto.h: SEND_EVENT with a
 * port that is not bound is EINVAL).
 */
bool
notify_port_bound(struct hv_domain *d, uint32_t port)
{

	(void)d;
	(void)port;
	return (false);
}

void
notify_port_hold(struct hv_domain *d, uint32_t port)
{

	(void)d;
	(void)port;
}

void
notify_port_unhold(struct hv_domain *d, uint32_t port)
{

	(void)d;
	(void)port;
}

void
notify_port_send(struct hv_domain *d, uint32_t port)
{

	(void)d;
	(void)port;
}
