/*
 * gntdev.h: the grant device, as it lives in a client process
 * (docs/architecture.md §1).
 *
 * A device is what Linux keeps per open /dev/xen/gntdev or gntalloc file,
 * unified as FreeBSD's gntdev is: one offset space (offsets.h) holding map
 * records and shared pages (records.h), the mappings made from them, and
 * the connection to gntboxd that holds the grants themselves (link.h).
 * libgntbox's gntbox_t holds one device (lib/api_grant.c); the preload
 * library makes one per open gntdev or gntalloc file (pl_gnt_open() in
 * preload/linux_gntdev.c).  All functions return 0 or an errno value.
 *
 * The files, one story each (gntdev_internal.h has what they share):
 * gntdev_open.c opens, closes and keeps the records; gntdev_mmap.c maps,
 * unmaps and keeps the address index; gntdev_fork.c handles fork();
 * gntdev_notify.c sets unmap notifies.
 *
 * The round trips follow docs/design.md ("Performance budget"):
 * gbx_dev_map() only records; gbx_dev_mmap() of a map is the one round
 * trip (MAP); releases are one-way messages (UNMAP for a map's handles,
 * MAPPED / UNMAPPED for the mapping hold of shared pages, DEALLOC for
 * their file hold).
 *
 * Mappings.  Each mapping is entered in one process-wide address index
 * (vmindex.h) so that any munmap(addr, len) can be resolved to the
 * mappings it covers.  Unmapping a range first detaches it from the
 * index, then unmaps it (PROT_NONE over it again when it came from the
 * reservation, place.h), and only then tells gntboxd, so a page is never
 * released (and possibly reused) while this process can still reach it.
 *
 * Lifetimes.  A device is referenced by its handle and by each mapping
 * made from it.  gbx_dev_close() unmaps every mapping, then releases all
 * and frees the device.  gbx_dev_drop() only gives up the handle, as
 * close(2) of a device file does under Linux: maps not mmapped are
 * forgotten, shared pages are given up (DEALLOC), and mapped pages live on
 * until they are munmapped; the last one to go closes the connection.
 *
 * Fork.  A device opened before fork() is not the child's: its connection
 * is the parent's too, and a request from the child would interleave with
 * the parent's on one socket.  In the child every operation fails with
 * EBADF, except gbx_dev_close() and gbx_dev_drop(), which release the
 * child's copies and send nothing (libxengnttab's rule: after fork the
 * child may only close an inherited handle).  Shared pages stay mapped in
 * the child, as gntalloc's do; maps are not inherited (their pool of the
 * address space is MADV_DONTFORK across fork: place.h).
 * The child holds the shared pages it inherited through a connection of
 * its own (ADOPT, proto.h), made by the fork handler before the child
 * lets go of its copy of the parent's process token; its munmaps drop
 * those holds, and its exit drops them all.  So the pages stay alive and
 * readable in the child after the parent dies, and the parent's maps are
 * released when the parent dies, whatever the child does.
 *
 * Locking.  Each device has a mutex, held for the whole of every call on
 * it (round trips included); the address index has its own.  The order is
 * device, then index: unmapping takes the index lock alone to detach, then
 * each piece's device lock to account for it.  A device may be used by
 * several threads.
 */
#ifndef GNTBOX_CLIENT_GNTDEV_H
#define GNTBOX_CLIENT_GNTDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "client/copy.h"
#include "client/vmindex.h"
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
 * gbx_dev_mmap() where the caller chose (the preload library's
 * mmap(MAP_FIXED)): exactly at `at` (page aligned), replacing whatever
 * is mapped there, or failing with EEXIST when noreplace and something
 * is.  Such a mapping has no guard page: the page after it is the
 * caller's.  The caller accounts for grant mappings it replaces
 * (gbx_vm_unmap_begin / _end around the call).
 */
int gbx_dev_mmap_at(struct gbx_dev *dev, uint64_t offset, uint32_t count,
    int prot, void *at, bool noreplace, void **addr);

/*
 * What the device holds at offset, for the preload library's checks in
 * Linux's order: a map record (mmapped or not), a shared page it still
 * offers, or nothing.
 */
enum gbx_dev_what {
	GBX_DEV_NOTHING,
	GBX_DEV_MAP,
	GBX_DEV_SHARED,
};

enum gbx_dev_what gbx_dev_lookup(struct gbx_dev *dev, uint64_t offset);

/*
 * Whether port is one an unmap notify may signal (bound in the device's
 * domain): one round trip.  Errors: EINVAL (it is not), EBADF, those of
 * the connection.
 */
int gbx_dev_check_port(struct gbx_dev *dev, uint32_t port);

/* A grant copy batch over the device's connection (client/copy.h). */
int gbx_dev_copy(struct gbx_dev *dev, struct gbx_copy_seg *segs, uint32_t n);

/* The device's socket (gbx_conn_sock). */
int gbx_dev_sock(const struct gbx_dev *dev);

/*
 * The offset and page count of the map whose mapping starts exactly at
 * addr; dev NULL accepts a mapping of any device (Linux does not check the
 * file).  Errors: EINVAL.
 */
int gbx_dev_offset_for_vaddr(struct gbx_dev *dev, const void *addr,
    uint64_t *offset, uint32_t *count);

/*
 * Linux's IOCTL_GNTDEV_GET_OFFSET_FOR_VADDR: the offset and page count of
 * the map one of whose pages, still mapped, holds addr, in any device of
 * the process; a map split by munmap reports the whole map.  Errors:
 * EINVAL.
 */
int gbx_dev_map_of_vaddr(const void *addr, uint64_t *offset, uint32_t *count);

/*
 * gntbox_munmap(): unmap [addr, addr + len), which must be pages of
 * mappings of dev (guards excluded).  Errors: EINVAL, ENOMEM.
 */
int gbx_dev_munmap(struct gbx_dev *dev, void *addr, size_t len);

/*
 * munmap(2) of an arbitrary range, for the preload library, in two steps
 * around the program's own call:
 *
 *	gbx_vm_unmap_begin(addr, len, &b);	detach our parts of the range
 *	gbx_place_munmap(addr, len);		the program's munmap, which
 *						leaves reserved space reserved
 *						(place.h)
 *	gbx_vm_unmap_end(&b, true);		PROT_NONE back over our
 *						mappings, then the releases
 *
 * (A MAP_FIXED over the range calls gbx_place_excise() before its real
 * call instead.)  Mappings from the reservation always go back to
 * PROT_NONE in gbx_vm_unmap_end(); with range_unmapped false it also
 * munmaps every other detached part itself.  begin fails only with
 * EINVAL (unaligned or wrapping range) or ENOMEM, and then detaches
 * nothing; end always completes.
 */
int gbx_vm_unmap_begin(void *addr, size_t len, struct gbx_vmbatch *b);
void gbx_vm_unmap_end(struct gbx_vmbatch *b, bool range_unmapped);

/*
 * Whether the process has any grant device mapping at all: one relaxed
 * atomic load, so that the preload library's munmap of a process that
 * never mapped a grant costs nothing more.  (It may say true after a
 * fork(), for the parent's maps the child does not have.)
 */
bool gbx_vm_any(void);

/*
 * Whether any page of a grant device mapping (or its guard) lies in
 * [addr, addr + len).  A range that wraps is treated as reaching the top.
 */
bool gbx_vm_intersects(const void *addr, size_t len);

#endif /* GNTBOX_CLIENT_GNTDEV_H */
