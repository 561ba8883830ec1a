/*
 * gntdev_notify.c: a grant device's unmap notify (gntdev.h), which
 * gntboxd fires when the page or map is released, and the check of the
 * port such a notify may name.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "client/gntdev_internal.h"

/* A request with a header-only reply. */
static int
gbx_simple_call(struct gbx_dev *dev, uint16_t type, const void *body,
    size_t blen)
{
	struct gbx_call call;

	gbx_call_init(&call, type, body, blen, NULL, 0);
	return (gbx_conn_call(dev->conn, &call));
}

/*
 * Set the notify of the shared page or map holding offset.  A shared
 * page's notify is per page and goes to gntboxd at once.  A map's is kept
 * in its record until mmap sends it with MAP (gntboxd has no map object
 * before), and goes with NOTIFY_MAP while mapped.
 */
int
gbx_dev_notify(struct gbx_dev *dev, uint64_t offset, unsigned action,
    uint32_t port)
{
	struct gbx_notify_grant ng;
	struct gbx_notify_map nm;
	struct gbx_notify n;
	struct gbx_maprec *m;
	struct gbx_spage *p;
	uint64_t page;
	int error;

	if (!gbx_dev_ours(dev))
		return (EBADF);

	if ((action & ~(GNTBOX_NOTIFY_CLEAR_BYTE | GNTBOX_NOTIFY_SEND_EVENT)) !=
	    0)
		return (EINVAL);
	memset(&n, 0, sizeof(n));
	n.action = action;
	n.port = port;
	page = offset >> GBX_PAGE_SHIFT;
	error = 0;
	(void)pthread_mutex_lock(&dev->lock);
	if ((p = gbx_rec_share_lookup(&dev->rec, page)) != NULL) {
		memset(&ng, 0, sizeof(ng));
		ng.ref = p->ref;
		ng.notify = n;
		ng.notify.byte = offset & (PG - 1);
		error = gbx_simple_call(dev, GBX_NOTIFY_GRANT, &ng, sizeof(ng));
	} else if ((m = gbx_rec_map_lookup(&dev->rec, page)) != NULL) {
		n.byte = offset - (m->page << GBX_PAGE_SHIFT);
		if (m->state == GBX_MAP_MAPPED) {
			if ((action & GNTBOX_NOTIFY_CLEAR_BYTE) != 0 &&
			    m->readonly)
				error = EINVAL;
			else {
				memset(&nm, 0, sizeof(nm));
				nm.map_id = m->map_id;
				nm.notify = n;
				error = gbx_simple_call(dev, GBX_NOTIFY_MAP,
				    &nm, sizeof(nm));
			}
		}
		if (error == 0)
			m->notify = n;
	} else
		error = ENOENT;
	(void)pthread_mutex_unlock(&dev->lock);
	return (error);
}

/* NOTIFY_MAP with map id 0: is port one a SEND_EVENT notify may name? */
int
gbx_dev_check_port(struct gbx_dev *dev, uint32_t port)
{
	struct gbx_notify_map nm;
	int error;

	if (!gbx_dev_ours(dev))
		return (EBADF);
	memset(&nm, 0, sizeof(nm));
	nm.notify.action = GBX_NOTIFY_SEND_EVENT;
	nm.notify.port = port;
	(void)pthread_mutex_lock(&dev->lock);
	error = gbx_simple_call(dev, GBX_NOTIFY_MAP, &nm, sizeof(nm));
	(void)pthread_mutex_unlock(&dev->lock);
	return (error);
}
