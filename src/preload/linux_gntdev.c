/*
 * linux_gntdev.c: /dev/xen/gntdev's ioctls, as Linux's
 * drivers/xen/gntdev.c answers them (the order of checks and the errno of
 * each are Linux's; docs/differences.md lists where gntbox answers
 * otherwise).
 *
 * A gntdev file is a grant device (client/gntdev.h) used for maps only.
 * Its offsets are bytes, page aligned, as Linux's; a map is recorded by
 * MAP_GRANT_REF and mapped, all or nothing, by mmap (linux_mmap.c).
 */
#include <sys/ioctl.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <xen/grant_table.h>
#include <xen/gntdev.h>

#include "client/gntdev.h"
#include "preload/preload.h"
#include "proto/proto.h"

#define PG ((uint64_t)GBX_PAGE_SIZE)

_Static_assert(sizeof(struct ioctl_gntdev_grant_ref) ==
	sizeof(struct gntbox_grant_ref),
    "a Linux grant ref is a gntbox grant ref");
_Static_assert(sizeof(struct gntdev_grant_copy_segment) == 24,
    "Linux's grant copy segment is 24 bytes on LP64");

/* Open a grant device of the process's domain for a gntdev or gntalloc. */
int
pl_gnt_open(enum pl_kind kind, struct pfile *pf)
{

	(void)kind;
	return (gbx_dev_open(-1, &pf->dev));
}

/*
 * MAP_GRANT_REF: the head (24 bytes: Linux copies the struct with its
 * first ref), the count, the refs, then the record; the index goes back
 * last, and a map whose index cannot be written stays recorded, as in
 * Linux.
 */
static int
gntdev_map(struct pfile *pf, void *arg)
{
	struct ioctl_gntdev_map_grant_ref op;
	struct gntbox_grant_ref *refs;
	uint64_t off;
	int error;

	if (pl_copyin(&op, arg, sizeof(op)) != 0)
		return (EFAULT);
	if (op.count == 0 || op.count > GBX_COUNT_MAX)
		return (EINVAL);
	if ((refs = malloc((size_t)op.count * sizeof(*refs))) == NULL)
		return (ENOMEM);
	if (pl_copyin(refs,
		(char *)arg + offsetof(struct ioctl_gntdev_map_grant_ref, refs),
		(size_t)op.count * sizeof(*refs)) != 0) {
		free(refs);
		return (EFAULT);
	}
	error = gbx_dev_map(pf->dev, op.count, refs, 0, &off);
	free(refs);
	if (error != 0)
		return (error);
	op.index = off;
	return (pl_copyout(arg, &op, sizeof(op)));
}

/*
 * UNMAP_GRANT_REF: Linux looks the map up by page (index >> PAGE_SHIFT),
 * so the offset is taken to its page; a count of 0 matches any map.
 */
static int
gntdev_unmap(struct pfile *pf, void *arg)
{
	struct ioctl_gntdev_unmap_grant_ref op;

	if (pl_copyin(&op, arg, sizeof(op)) != 0)
		return (EFAULT);
	return (gbx_dev_unmap(pf->dev, op.index & ~(PG - 1), op.count));
}

/* GET_OFFSET_FOR_VADDR: the map mapped at the address (any device's). */
static int
gntdev_offset(void *arg)
{
	struct ioctl_gntdev_get_offset_for_vaddr op;
	uint64_t off;
	uint32_t count;
	int error;

	if (pl_copyin(&op, arg, sizeof(op)) != 0)
		return (EFAULT);
	if ((error = gbx_dev_map_of_vaddr((const void *)(uintptr_t)op.vaddr,
		 &off, &count)) != 0)
		return (error);
	op.offset = off;
	op.count = count;
	return (pl_copyout(arg, &op, sizeof(op)));
}

/*
 * SET_UNMAP_NOTIFY, in gntdev's order: the action bits, the port (it must
 * be bound in this domain), the map holding the byte, and CLEAR_BYTE on a
 * read-only map.
 */
static int
gntdev_notify(struct pfile *pf, void *arg)
{
	struct ioctl_gntdev_unmap_notify op;
	int error;

	if (pl_copyin(&op, arg, sizeof(op)) != 0)
		return (EFAULT);
	if ((op.action &
		~(UNMAP_NOTIFY_CLEAR_BYTE | UNMAP_NOTIFY_SEND_EVENT)) != 0)
		return (EINVAL);
	if ((op.action & UNMAP_NOTIFY_SEND_EVENT) != 0 &&
	    (error = gbx_dev_check_port(pf->dev, op.event_channel_port)) != 0)
		return (error);
	if (gbx_dev_lookup(pf->dev, op.index) != GBX_DEV_MAP)
		return (ENOENT);
	return (gbx_dev_notify(pf->dev, op.index, op.action,
	    op.event_channel_port));
}

/*
 * GRANT_COPY.  Segments are read a batch at a time; each is checked as
 * Linux checks it (a grant on one side at least, a grant side within its
 * page: else EINVAL for the whole call), then the batch is copied with one
 * round trip (client/copy.h) and the statuses written back.  A count of 0 is
 * 0 (QEMU's probe).
 */
static int
gntdev_copy(struct pfile *pf, void *arg)
{
	struct ioctl_gntdev_grant_copy op;
	struct gntdev_grant_copy_segment *us;
	struct gbx_copy_seg *gs;
	uint32_t done, n, i;
	size_t bytes;
	int error;

	if (pl_copyin(&op, arg, sizeof(op)) != 0)
		return (EFAULT);
	if (op.count == 0)
		return (0);
	n = op.count < GBX_COPY_BATCH ? op.count : GBX_COPY_BATCH;
	us = calloc(n, sizeof(*us));
	gs = calloc(n, sizeof(*gs));
	error = us == NULL || gs == NULL ? ENOMEM : 0;
	for (done = 0; error == 0 && done < op.count; done += n) {
		n = op.count - done < GBX_COPY_BATCH ? op.count - done :
						       GBX_COPY_BATCH;
		bytes = (size_t)n * sizeof(*us);
		if (pl_copyin(us, op.segments + done, bytes) != 0) {
			error = EFAULT;
			break;
		}
		for (i = 0; i < n; i++) {
			if ((us[i].flags &
				(GNTCOPY_source_gref | GNTCOPY_dest_gref)) ==
				0 ||
			    ((us[i].flags & GNTCOPY_source_gref) != 0 &&
				us[i].source.foreign.offset + us[i].len >
				    GBX_PAGE_SIZE) ||
			    ((us[i].flags & GNTCOPY_dest_gref) != 0 &&
				us[i].dest.foreign.offset + us[i].len >
				    GBX_PAGE_SIZE)) {
				error = EINVAL;
				break;
			}
			memset(&gs[i], 0, sizeof(gs[i]));
			gs[i].len = us[i].len;
			gs[i].flags = us[i].flags &
			    (GBX_COPY_SRC_GREF | GBX_COPY_DST_GREF);
			gs[i].src.virt = us[i].source.virt;
			gs[i].src.domid = us[i].source.foreign.domid;
			gs[i].src.ref = us[i].source.foreign.ref;
			gs[i].src.offset = us[i].source.foreign.offset;
			gs[i].dst.virt = us[i].dest.virt;
			gs[i].dst.domid = us[i].dest.foreign.domid;
			gs[i].dst.ref = us[i].dest.foreign.ref;
			gs[i].dst.offset = us[i].dest.foreign.offset;
		}
		if (error != 0 || (error = gbx_dev_copy(pf->dev, gs, n)) != 0)
			break;
		for (i = 0; i < n; i++)
			us[i].status = gs[i].status;
		if (pl_copyout(op.segments + done, us, bytes) != 0)
			error = EFAULT;
	}
	free(us);
	free(gs);
	return (error);
}

int
pl_gntdev_ioctl(struct pfile *pf, unsigned cmd, void *arg)
{

	switch (cmd) {
	case IOCTL_GNTDEV_MAP_GRANT_REF:
		return (gntdev_map(pf, arg));
	case IOCTL_GNTDEV_UNMAP_GRANT_REF:
		return (gntdev_unmap(pf, arg));
	case IOCTL_GNTDEV_GET_OFFSET_FOR_VADDR:
		return (gntdev_offset(arg));
	case IOCTL_GNTDEV_SET_UNMAP_NOTIFY:
		return (gntdev_notify(pf, arg));
	case IOCTL_GNTDEV_GRANT_COPY:
		return (gntdev_copy(pf, arg));
	default:
		/*
		 * SET_MAX_GRANTS included: current Linux has no case for it
		 * (libxengnttab takes ENOTTY as success), nor for dma-bufs in
		 * a PV domain's sense here (docs/differences.md).
		 */
		return (ENOTTY);
	}
}
