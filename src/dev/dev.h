/*
 * dev.h: the grant device, as it lives in a client process
 * (docs/architecture.md §1).
 *
 * A device is what Linux keeps per open /dev/xen/gntdev or gntalloc file,
 * unified as FreeBSD's gntdev is: one offset space (offsets.h) holding map
 * records and shared pages (records.h), the mappings made from them, and
 * the connection to gntboxd that holds the grants themselves.  libgntbox's
 * gntbox_t is a device; the preload library will make one per opened
 * device file.  All functions return 0 or an errno value.
 *
 * The round trips follow DESIGN.md §6: gbx_dev_map() only records;
 * gbx_dev_mmap() of a map is the one round trip (MAP); releases are
 * one-way messages (UNMAP for a map's handles, MAPPED / UNMAPPED for the
 * mapping hold of shared pages, DEALLOC for their file hold).
 *
 * Mappings.  Each mapping is entered in one process-wide address index
 * (vmindex.h) so that any munmap(addr, len) can be resolved to the
 * mappings it covers.  Unmapping a range first detaches it from the
 * index, then munmaps it, and only then tells gntboxd, so a page is never
 * released (and possibly reused) while this process can still reach it.
 *
 * Lifetimes.  A device is referenced by its handle and by each mapping
 * made from it.  gbx_dev_close() unmaps every mapping, then releases all
 * and frees the device.  gbx_dev_drop() only gives up the handle, as
 * close(2) of a device file does under Linux: maps not mmapped are
 * forgotten, shared pages are given up (DEALLOC), and mapped pages live on
 * until they are munmapped; the last one to go closes the connection.
 *
 * Locking.  Each device has a mutex, held for the whole of every call on
 * it (round trips included); the address index has its own.  The order is
 * device, then index: unmapping takes the index lock alone to detach, then
 * each piece's device lock to account for it.  A device may be used by
 * several threads.
 */
#ifndef GNTBOX_DEV_DEV_H
#define GNTBOX_DEV_DEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dev/vmindex.h"
#include "gntbox.h"

struct gbx_dev;

/*
 * Open a device of domain domid (-1: $GNTBOX_DOMID).  Errors: EINVAL (bad
 * domid), those of gbx_conn_open().
 */
int gbx_dev_open(int domid, struct gbx_dev **devp);

/* gntbox_close(): unmap every mapping of the device, release, free. */
void gbx_dev_close(struct gbx_dev *dev);

/* close(2) of a device file: drop the handle; mappings live on. */
void gbx_dev_drop(struct gbx_dev *dev);

int gbx_dev_domid(const struct gbx_dev *dev);

/*
 * The operations of include/gntbox.h, with its flags and errors.
 * gbx_dev_mmap() stores the mapping's address in *addr.
 */
int gbx_dev_share(struct gbx_dev *dev, uint32_t domid, uint32_t count,
    unsigned flags, uint32_t *refs, uint64_t *offset);
int gbx_dev_unshare(struct gbx_dev *dev, uint64_t offset, uint32_t count);
int gbx_dev_map(struct gbx_dev *dev, uint32_t count,
    const struct gntbox_grant_ref *refs, unsigned flags, uint64_t *offset);
int gbx_dev_unmap(struct gbx_dev *dev, uint64_t offset, uint32_t count);
int gbx_dev_mmap(struct gbx_dev *dev, uint64_t offset, uint32_t count, int prot,
    int16_t *status, void **addr);
int gbx_dev_notify(struct gbx_dev *dev, uint64_t offset, unsigned action,
    uint32_t port);

/*
 * The offset and page count of the map whose mapping starts exactly at
 * addr; dev NULL accepts a mapping of any device (Linux does not check the
 * file).  Errors: EINVAL.
 */
int gbx_dev_offset_for_vaddr(struct gbx_dev *dev, const void *addr,
    uint64_t *offset, uint32_t *count);

/*
 * gntbox_munmap(): unmap [addr, addr + len), which must be pages of
 * mappings of dev (guards excluded).  Errors: EINVAL, ENOMEM.
 */
int gbx_dev_munmap(struct gbx_dev *dev, void *addr, size_t len);

/*
 * munmap(2) of an arbitrary range, for the preload library, in two steps
 * so that the real munmap covers the whole range at once:
 *
 *	gbx_vm_unmap_begin(addr, len, &b);	detach our parts of the range
 *	munmap(addr, len);			the real system call
 *	gbx_vm_unmap_end(&b, true);		guard pages beyond the range,
 *						then the releases
 *
 * With range_unmapped false, gbx_vm_unmap_end() munmaps every detached
 * part itself.  begin fails only with EINVAL (unaligned or wrapping range)
 * or ENOMEM, and then detaches nothing; end always completes.
 */
int gbx_vm_unmap_begin(void *addr, size_t len, struct gbx_vmbatch *b);
void gbx_vm_unmap_end(struct gbx_vmbatch *b, bool range_unmapped);

#endif /* GNTBOX_DEV_DEV_H */
