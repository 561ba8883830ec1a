/*
 * api_evtchn.c: the event-channel half of include/gntbox.h.
 *
 * A gntbox_evtchn_t is the client core's event-channel handle
 * (client/evtchn_handle.h) under its public name; each function here
 * checks the handle, calls the core and turns its errno value into the
 * -1 / errno convention of the public API.
 */
#include <errno.h>
#include <stddef.h>

#include "client/evtchn_handle.h"
#include "gntbox.h"
#include "lib/result.h"

GNTBOX_API gntbox_evtchn_t *
gntbox_evtchn_open(int domid, unsigned flags)
{
	struct gntbox_evtchn *e;
	int error;

	if ((error = gbx_evtchn_open(domid, flags, &e)) != 0) {
		errno = error;
		return (NULL);
	}
	return (e);
}

GNTBOX_API int
gntbox_evtchn_close(gntbox_evtchn_t *e)
{

	if (e == NULL)
		return (gbx_ret(EINVAL));
	gbx_evtchn_close(e);
	return (0);
}

GNTBOX_API int
gntbox_evtchn_fd(const gntbox_evtchn_t *e)
{

	if (e == NULL)
		return (gbx_ret(EINVAL));
	return (gbx_evtchn_fd(e));
}

GNTBOX_API int
gntbox_evtchn_bind_unbound(gntbox_evtchn_t *e, uint32_t remote)
{
	uint32_t port;
	int error;

	if (e == NULL)
		return (gbx_ret(EINVAL));
	if ((error = gbx_evtchn_bind_unbound(e, remote, &port)) != 0)
		return (gbx_ret(error));
	return ((int)port);
}

GNTBOX_API int
gntbox_evtchn_bind_interdomain(gntbox_evtchn_t *e, uint32_t remote,
    uint32_t remote_port)
{
	uint32_t port;
	int error;

	if (e == NULL)
		return (gbx_ret(EINVAL));
	if ((error = gbx_evtchn_bind_interdomain(e, remote, remote_port,
		 &port)) != 0)
		return (gbx_ret(error));
	return ((int)port);
}

GNTBOX_API int
gntbox_evtchn_unbind(gntbox_evtchn_t *e, uint32_t port)
{

	if (e == NULL)
		return (gbx_ret(EINVAL));
	return (gbx_ret(gbx_evtchn_unbind(e, port)));
}

GNTBOX_API int
gntbox_evtchn_notify(gntbox_evtchn_t *e, uint32_t port)
{

	if (e == NULL)
		return (gbx_ret(EINVAL));
	return (gbx_ret(gbx_evtchn_notify(e, port)));
}

GNTBOX_API int
gntbox_evtchn_pending(gntbox_evtchn_t *e)
{
	uint32_t port;
	int error;

	if (e == NULL)
		return (gbx_ret(EINVAL));
	if ((error = gbx_evtchn_pending(e, &port)) != 0)
		return (gbx_ret(error));
	return ((int)port);
}

GNTBOX_API int
gntbox_evtchn_unmask(gntbox_evtchn_t *e, uint32_t port)
{

	if (e == NULL)
		return (gbx_ret(EINVAL));
	return (gbx_ret(gbx_evtchn_unmask(e, port)));
}

GNTBOX_API int
gntbox_evtchn_restrict(gntbox_evtchn_t *e, uint32_t domid)
{

	if (e == NULL)
		return (gbx_ret(EINVAL));
	return (gbx_ret(gbx_evtchn_restrict(e, domid)));
}
