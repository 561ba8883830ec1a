/*
 * evtchn.c: /dev/xen/evtchn.  Not yet: event channels come with the
 * evtint branch.
 */
#include <errno.h>

#include "preload/preload.h"

int
pl_evtchn_open(struct pfile *pf)
{

	(void)pf;
	return (ENOENT);
}

int
pl_evtchn_fd(const struct pfile *pf)
{

	(void)pf;
	return (-1);
}

void
pl_evtchn_close(struct pfile *pf)
{

	(void)pf;
}

int
pl_evtchn_ioctl(struct pfile *pf, unsigned cmd, void *arg, int *ret)
{

	(void)pf;
	(void)cmd;
	(void)arg;
	(void)ret;
	return (ENOSYS);
}

int
pl_evtchn_read(struct pfile *pf, void *buf, size_t len, size_t *done)
{

	(void)pf;
	(void)buf;
	(void)len;
	(void)done;
	return (EINVAL);
}

int
pl_evtchn_write(struct pfile *pf, const void *buf, size_t len, size_t *done)
{

	(void)pf;
	(void)buf;
	(void)len;
	(void)done;
	return (EINVAL);
}
