/*
 * linux_evtchn.c: /dev/xen/evtchn, as Linux's drivers/xen/evtchn.c
 * answers it, on an event-channel handle of the client core
 * (client/evtchn_handle.h).
 *
 * The program's descriptor is a duplicate of the handle's eventfd, so
 * poll, select and epoll on it are the kernel's own: it is readable
 * exactly when the handle's ring has an entry (src/proto/evtpage.h).
 * read() takes the ports of ring entries (each port is masked until
 * written back; EFBIG once the ring overflowed, until RESET), waiting as
 * the program's O_NONBLOCK says, which the library keeps apart from the
 * eventfd's (a blocking one: a wait is one read of it, and a nonblocking
 * take does not sleep on it, proto/evtpage.h); write() unmasks.  The ioctls check in Linux's order:
 * a restricted handle refuses BIND_VIRQ and BIND_UNBOUND_PORT before it
 * reads the argument, and BIND_INTERDOMAIN to another domain after.
 *
 * A fork()ed child shares the parent's connection, so it may only close
 * what it inherited (libxenevtchn's rule); anything else is EBADF.
 */
#include <sys/ioctl.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <xen/xen.h>
#include <xen/evtchn.h>

#include "client/evtchn_handle.h"
#include "preload/preload.h"
#include "proto/proto.h"

/* Linux copies at most a page of ports per read or write. */
#define EVT_IO_MAX GBX_PAGE_SIZE

int
pl_evtchn_open(struct pfile *pf)
{

	int error;

	if ((error = gbx_evtchn_open(-1, 0, &pf->evt)) != 0)
		return (error);
	pf->pid = pl_getpid();
	atomic_init(&pf->restricted, 0);
	return (0);
}

int
pl_evtchn_fd(const struct pfile *pf)
{

	return (gbx_evtchn_fd(pf->evt));
}

void
pl_evtchn_close(struct pfile *pf)
{

	gbx_evtchn_close(pf->evt);
}

/* The handle is this process's (not inherited across fork). */
static bool
evt_ours(const struct pfile *pf)
{

	return (pf->pid == pl_getpid());
}

/*
 * A read into a buffer we cannot write: Linux says EAGAIN (non-blocking)
 * or waits while nothing is pending, and EFAULT once something is (its
 * copy fails, and the ports stay queued).  We answer the same without
 * taking a port, so none is lost.
 */
static int
evt_read_fault(struct pfile *pf, bool nonblock)
{
	struct pollfd p;
	int n;

	p.fd = gbx_evtchn_fd(pf->evt);
	p.events = POLLIN;
	while ((n = poll(&p, 1, nonblock ? 0 : -1)) == -1 && errno == EINTR &&
	    nonblock)
		;
	if (n == -1)
		return (errno);
	return (n == 0 ? EAGAIN : EFAULT);
}

/*
 * read: whole ports, at most a page of them.  The first waits (unless
 * O_NONBLOCK); the others are taken while some are pending.  The buffer
 * is checked before any port is taken, so a bad one loses no event.
 */
int
pl_evtchn_read(struct pfile *pf, void *buf, size_t len, size_t *done)
{
	uint32_t ports[EVT_IO_MAX / sizeof(uint32_t)];
	size_t n, i;
	bool nonblock;
	int error;

	*done = 0;
	if (!evt_ours(pf))
		return (EBADF);
	n = (len < EVT_IO_MAX ? len : EVT_IO_MAX) / sizeof(uint32_t);
	if (n == 0)
		return (0);
	nonblock = (atomic_load(&pf->flags) & O_NONBLOCK) != 0;
	memset(ports, 0, n * sizeof(ports[0]));
	if (pl_copyout(buf, ports, n * sizeof(ports[0])) != 0)
		return (evt_read_fault(pf, nonblock));
	error = gbx_evtchn_take(pf->evt, nonblock, &ports[0]);
	if (error != 0)
		return (error);
	for (i = 1; i < n && gbx_evtchn_take(pf->evt, true, &ports[i]) == 0;
	     i++)
		;
	if (pl_copyout(buf, ports, i * sizeof(ports[0])) != 0)
		return (EFAULT);
	*done = i * sizeof(ports[0]);
	return (0);
}

/*
 * write: unmask whole ports, at most a page of them; ports not bound
 * here are ignored, as Linux ignores them.  Returns the count taken.
 */
int
pl_evtchn_write(struct pfile *pf, const void *buf, size_t len, size_t *done)
{
	uint32_t ports[EVT_IO_MAX / sizeof(uint32_t)];
	size_t n, i;

	*done = 0;
	if (!evt_ours(pf))
		return (EBADF);
	n = (len < EVT_IO_MAX ? len : EVT_IO_MAX) / sizeof(uint32_t);
	if (n == 0)
		return (0);
	if (pl_copyin(ports, buf, n * sizeof(ports[0])) != 0)
		return (EFAULT);
	for (i = 0; i < n; i++)
		(void)gbx_evtchn_unmask(pf->evt, ports[i]);
	*done = n * sizeof(ports[0]);
	return (0);
}

/* BIND_*: the argument, then the bind; the port is the ioctl's value. */
static int
evt_bind(struct pfile *pf, unsigned cmd, void *arg, int *ret)
{
	struct ioctl_evtchn_bind_interdomain bi;
	struct ioctl_evtchn_bind_unbound_port bu;
	struct ioctl_evtchn_bind_virq bv;
	unsigned restricted;
	uint32_t port;
	int error;

	restricted = atomic_load(&pf->restricted);
	switch (cmd) {
	case IOCTL_EVTCHN_BIND_VIRQ:
		if (restricted != 0)
			return (EACCES);
		if (pl_copyin(&bv, arg, sizeof(bv)) != 0)
			return (EFAULT);
		error = gbx_evtchn_bind_virq(pf->evt, bv.virq, &port);
		break;
	case IOCTL_EVTCHN_BIND_UNBOUND_PORT:
		if (restricted != 0)
			return (EACCES);
		if (pl_copyin(&bu, arg, sizeof(bu)) != 0)
			return (EFAULT);
		error =
		    gbx_evtchn_bind_unbound(pf->evt, bu.remote_domain, &port);
		break;
	default:
		if (pl_copyin(&bi, arg, sizeof(bi)) != 0)
			return (EFAULT);
		if (restricted != 0 && bi.remote_domain != restricted - 1)
			return (EACCES);
		error = gbx_evtchn_bind_interdomain(pf->evt, bi.remote_domain,
		    bi.remote_port, &port);
		break;
	}
	if (error == 0)
		*ret = (int)port;
	return (error);
}

/* RESTRICT_DOMID: once only, and to a domain that may be named. */
static int
evt_restrict(struct pfile *pf, void *arg)
{
	struct ioctl_evtchn_restrict_domid rd;
	int error;

	if (atomic_load(&pf->restricted) != 0)
		return (EACCES);
	if (pl_copyin(&rd, arg, sizeof(rd)) != 0)
		return (EFAULT);
	if (rd.domid == 0 || rd.domid >= (domid_t)DOMID_FIRST_RESERVED)
		return (EINVAL);
	if ((error = gbx_evtchn_restrict(pf->evt, rd.domid)) == 0)
		atomic_store(&pf->restricted, (unsigned)rd.domid + 1);
	return (error);
}

int
pl_evtchn_ioctl(struct pfile *pf, unsigned cmd, void *arg, int *ret)
{
	struct ioctl_evtchn_unbind ub;
	struct ioctl_evtchn_notify nt;

	if (!evt_ours(pf))
		return (EBADF);
	switch (cmd) {
	case IOCTL_EVTCHN_BIND_VIRQ:
	case IOCTL_EVTCHN_BIND_INTERDOMAIN:
	case IOCTL_EVTCHN_BIND_UNBOUND_PORT:
		return (evt_bind(pf, cmd, arg, ret));
	case IOCTL_EVTCHN_UNBIND:
		if (pl_copyin(&ub, arg, sizeof(ub)) != 0)
			return (EFAULT);
		return (gbx_evtchn_unbind(pf->evt, ub.port));
	case IOCTL_EVTCHN_NOTIFY:
		if (pl_copyin(&nt, arg, sizeof(nt)) != 0)
			return (EFAULT);
		return (gbx_evtchn_notify(pf->evt, nt.port));
	case IOCTL_EVTCHN_RESET:
		/* Linux empties its ring; the ports stay masked. */
		return (gbx_evtchn_reset(pf->evt));
	case IOCTL_EVTCHN_RESTRICT_DOMID:
		return (evt_restrict(pf, arg));
	default:
		/* Linux's evtchn answers unknown commands ENOSYS. */
		return (ENOSYS);
	}
}
