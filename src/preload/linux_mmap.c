/*
 * linux_mmap.c: mmap of /dev/xen/gntdev and /dev/xen/gntalloc.
 *
 * The checks are the kernel's own first (length, offset, the file's
 * access mode), then the driver's: gntdev needs MAP_SHARED for a writable
 * mapping and the exact (offset, length) of one map, which it maps all or
 * nothing (EINVAL when a grant fails); gntalloc needs MAP_SHARED and a
 * run of the file's pages (ENOENT).  A mapping goes in the address space
 * the client core reserves (client/place.h), followed by a guard page,
 * unless the program asked for an address with MAP_FIXED (or
 * MAP_FIXED_NOREPLACE), where it goes exactly, without a guard.  A MAP_FIXED that replaces grant mappings releases
 * them, as the kernel's implicit munmap would.
 */
#include <sys/mman.h>

#include <errno.h>
#include <fcntl.h>

#include "client/gntdev.h"
#include "client/place.h"
#include "preload/preload.h"
#include "proto/proto.h"

#define PG ((size_t)GBX_PAGE_SIZE)

/* The kernel's own checks of do_mmap, before the driver sees anything. */
static int
gnt_mmap_kernel_checks(const struct pfile *pf, void *addr, size_t *len,
    int prot, int flags, off_t off)
{
	int type;

	if (*len == 0 || (off & (off_t)(PG - 1)) != 0 ||
	    ((flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) != 0 &&
		((uintptr_t)addr & (PG - 1)) != 0))
		return (EINVAL);
	if (*len > SIZE_MAX - (PG - 1))
		return (ENOMEM);
	*len = (*len + PG - 1) & ~(PG - 1);
	if (off < 0 || (uint64_t)off / PG + *len / PG < (uint64_t)off / PG)
		return (EOVERFLOW);
	type = flags & MAP_TYPE;
	if (type != MAP_SHARED && type != MAP_SHARED_VALIDATE &&
	    type != MAP_PRIVATE)
		return (EINVAL);
	if (pf->accmode == O_WRONLY ||
	    (type != MAP_PRIVATE && (prot & PROT_WRITE) != 0 &&
		pf->accmode != O_RDWR))
		return (EACCES);
	return (0);
}

int
pl_gnt_mmap(struct pfile *pf, void *addr, size_t len, int prot, int flags,
    off_t off, void **out)
{
	struct gbx_vmbatch b;
	uint64_t count;
	bool shared, fixed, replacing;
	int error;

	if ((error = gnt_mmap_kernel_checks(pf, addr, &len, prot, flags,
		 off)) != 0)
		return (error);
	shared = (flags & MAP_TYPE) != MAP_PRIVATE;
	count = len / PG;
	if (pf->kind == PL_GNTDEV) {
		if ((prot & PROT_WRITE) != 0 && !shared)
			return (EINVAL);
		if (count > GBX_COUNT_MAX)
			return (EINVAL);
	} else {
		if (!shared)
			return (EINVAL);
		if (count > GBX_COUNT_MAX)
			return (ENOENT);
	}
	prot &= PROT_READ | PROT_WRITE | PROT_EXEC;
	fixed = (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) != 0;
	replacing = (flags & MAP_FIXED) != 0 &&
	    (flags & MAP_FIXED_NOREPLACE) == 0 && gbx_vm_any() &&
	    gbx_vm_unmap_begin(addr, len, &b) == 0;
	if (fixed)
		error = gbx_dev_mmap_at(pf->dev, (uint64_t)off, (uint32_t)count,
		    prot, addr, (flags & MAP_FIXED_NOREPLACE) != 0, out);
	else
		error = gbx_dev_mmap(pf->dev, (uint64_t)off, (uint32_t)count,
		    prot, NULL, out);
	/*
	 * A MAP_FIXED that fails leaves its range unmapped, as the kernel
	 * does (it unmaps the range before it asks the driver); reserved
	 * space stays reserved (client/place.h).
	 */
	if (error != 0 && (flags & MAP_FIXED) != 0 &&
	    (flags & MAP_FIXED_NOREPLACE) == 0)
		(void)gbx_place_munmap(addr, len);
	if (replacing)
		gbx_vm_unmap_end(&b, true);
	/* A run of a gntalloc file that is not all its pages: ENOENT. */
	if (error == EINVAL && pf->kind == PL_GNTALLOC)
		error = ENOENT;
	return (error);
}
