/*
 * linux_gntalloc.c: /dev/xen/gntalloc's ioctls, as Linux's
 * drivers/xen/gntalloc.c answers them (docs/differences.md lists where
 * gntbox answers otherwise).
 *
 * A gntalloc file is a grant device (client/gntdev.h) used for shared
 * pages only.  libxengnttab's pattern is ALLOC_GREF, mmap,
 * SET_UNMAP_NOTIFY, then DEALLOC_GREF at once: the pages live while they
 * are mapped.
 */
#include <sys/ioctl.h>

#include <errno.h>
#include <stdlib.h>
#include <xen/gntalloc.h>

#include "client/gntdev.h"
#include "preload/preload.h"
#include "proto/proto.h"

/* Linux's kcalloc of the reference array fails beyond this (4 MiB). */
#define GNTALLOC_KMALLOC_MAX (1u << 20)

/*
 * ALLOC_GREF.  A count of 0 grants nothing and succeeds, as in Linux.  A
 * count Linux could not even allocate an array for is ENOMEM; one above
 * gntbox's per-request limit, but within that, is ENOSPC (Linux's global
 * limit of 1024 would refuse it with ENOSPC too).  The references are
 * written back after the grants are made: if that fails, the grants stay
 * and the file's close releases them, as in Linux.
 */
static int
gntalloc_alloc(struct pfile *pf, void *arg)
{
	struct ioctl_gntalloc_alloc_gref op;
	uint32_t *refs;
	uint64_t off;
	int error;

	if (pl_copyin(&op, arg, sizeof(op)) != 0)
		return (EFAULT);
	if (op.count == 0) {
		op.index = 0;
		return (pl_copyout(arg, &op, sizeof(op)));
	}
	if (op.count > GNTALLOC_KMALLOC_MAX)
		return (ENOMEM);
	if (op.count > GBX_COUNT_MAX)
		return (ENOSPC);
	if ((refs = malloc((size_t)op.count * sizeof(*refs))) == NULL)
		return (ENOMEM);
	error = gbx_dev_share(pf->dev, op.domid, op.count,
	    (op.flags & GNTALLOC_FLAG_WRITABLE) != 0 ? GNTBOX_SHARE_WRITABLE :
						       0,
	    refs, &off);
	if (error == 0) {
		op.index = off;
		if (pl_copyout(arg, &op, sizeof(op)) != 0 ||
		    pl_copyout((char *)arg +
			    offsetof(struct ioctl_gntalloc_alloc_gref,
				gref_ids),
			refs, (size_t)op.count * sizeof(*refs)) != 0)
			error = EFAULT;
	}
	free(refs);
	return (error);
}

/* DEALLOC_GREF: count consecutive shared pages of the file, or EINVAL. */
static int
gntalloc_dealloc(struct pfile *pf, void *arg)
{
	struct ioctl_gntalloc_dealloc_gref op;

	if (pl_copyin(&op, arg, sizeof(op)) != 0)
		return (EFAULT);
	return (gbx_dev_unshare(pf->dev, op.index, op.count));
}

/*
 * SET_UNMAP_NOTIFY, in gntalloc's order (not gntdev's): the page first
 * (ENOENT), then the action bits, then the port (EINVAL).
 */
static int
gntalloc_notify(struct pfile *pf, void *arg)
{
	struct ioctl_gntalloc_unmap_notify op;

	if (pl_copyin(&op, arg, sizeof(op)) != 0)
		return (EFAULT);
	if (gbx_dev_lookup(pf->dev, op.index) != GBX_DEV_SHARED)
		return (ENOENT);
	if ((op.action &
		~(UNMAP_NOTIFY_CLEAR_BYTE | UNMAP_NOTIFY_SEND_EVENT)) != 0)
		return (EINVAL);
	return (gbx_dev_notify(pf->dev, op.index, op.action,
	    op.event_channel_port));
}

int
pl_gntalloc_ioctl(struct pfile *pf, unsigned cmd, void *arg)
{

	switch (cmd) {
	case IOCTL_GNTALLOC_ALLOC_GREF:
		return (gntalloc_alloc(pf, arg));
	case IOCTL_GNTALLOC_DEALLOC_GREF:
		return (gntalloc_dealloc(pf, arg));
	case IOCTL_GNTALLOC_SET_UNMAP_NOTIFY:
		return (gntalloc_notify(pf, arg));
	default:
		return (ENOTTY);
	}
}
