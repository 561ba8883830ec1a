/*
 * offsets.h: the offset space of one grant device.
 *
 * Every open grant device has one flat space of page offsets shared by its
 * maps and its shared pages (the unified device of FreeBSD's design).  The
 * caller sees byte offsets, page aligned; inside they are page numbers
 * 0 .. 2^52 - 1, so the highest page starts at byte 2^64 - 4096 and no
 * offset computation can overflow 64 bits.
 *
 * Allocation is first fit (the lowest free run that fits) from a
 * rangealloc, so freed offsets are reused, holes of exactly the requested
 * size included, and each operation is O(log n).  A caller may also choose
 * its own offset (GNTBOX_FIXED_OFFSET, the MAP_FIXED-like flag of the
 * gntalloc design thread).
 *
 * Pure bookkeeping, not thread-safe: the device's lock covers it.
 */
#ifndef GNTBOX_CLIENT_OFFSETS_H
#define GNTBOX_CLIENT_OFFSETS_H

#include <stdbool.h>
#include <stdint.h>

#include "base/rangealloc.h"

#define GBX_OFF_PAGE_BITS 52
#define GBX_OFF_NPAGES	  ((uint64_t)1 << GBX_OFF_PAGE_BITS)

struct gbx_offsets {
	struct rangealloc ra; /* free page numbers */
};

/* An empty space with every offset free.  Returns 0 or ENOMEM. */
int gbx_off_init(struct gbx_offsets *o);
void gbx_off_destroy(struct gbx_offsets *o);

/*
 * Convert a byte offset and a page count into the first page number,
 * checking that the offset is page aligned and that the whole run lies in
 * the space.  Returns 0 or EINVAL.
 */
int gbx_off_to_page(uint64_t offset, uint64_t count, uint64_t *page);

/*
 * Allocate count pages.  Without fixed, the lowest free run that fits is
 * taken and its byte offset stored in *offset; with fixed, *offset is the
 * caller's byte offset.  Returns 0, EINVAL (count 0; with fixed an
 * unaligned or overflowing offset), EBUSY (fixed and some page of the run
 * is in use), ENOSPC (no free run is long enough), ENOMEM.
 */
int gbx_off_alloc(struct gbx_offsets *o, uint64_t count, bool fixed,
    uint64_t *offset);

/*
 * Return count pages starting at page number page.  Returns 0, EINVAL, or
 * EALREADY for a page that is already free (nothing changes then).
 */
int gbx_off_free(struct gbx_offsets *o, uint64_t page, uint64_t count);

#endif /* GNTBOX_CLIENT_OFFSETS_H */
