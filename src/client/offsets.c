/*
 * offsets.c: the offset space of a grant device (offsets.h).
 *
 * A thin layer over rangealloc: it owns the conversion between the byte
 * offsets callers use and the page numbers the allocator manages, and the
 * checks that keep every byte offset representable.
 */
#include <errno.h>

#include "client/offsets.h"
#include "proto/proto.h"

int
gbx_off_init(struct gbx_offsets *o)
{

	return (ra_init(&o->ra, 0, GBX_OFF_NPAGES - 1));
}

void
gbx_off_destroy(struct gbx_offsets *o)
{

	ra_destroy(&o->ra);
}

int
gbx_off_to_page(uint64_t offset, uint64_t count, uint64_t *page)
{
	uint64_t p;

	if ((offset & (GBX_PAGE_SIZE - 1)) != 0 || count == 0)
		return (EINVAL);
	p = offset >> GBX_PAGE_SHIFT;
	/* p < 2^52 always holds; compare without forming p + count. */
	if (count > GBX_OFF_NPAGES - p)
		return (EINVAL);
	*page = p;
	return (0);
}

/*
 * Allocate a run of count pages, at the caller's offset or first fit.  A
 * count too large for the space is ENOSPC when we choose (no run fits) and
 * EINVAL when the caller chose (the run would leave the space).
 */
int
gbx_off_alloc(struct gbx_offsets *o, uint64_t count, bool fixed,
    uint64_t *offset)
{
	uint64_t page;
	int error;

	if (count == 0)
		return (EINVAL);
	if (fixed) {
		if ((error = gbx_off_to_page(*offset, count, &page)) != 0)
			return (error);
		return (ra_alloc_at(&o->ra, page, count));
	}
	if (count > GBX_OFF_NPAGES)
		return (ENOSPC);
	if ((error = ra_alloc(&o->ra, count, &page)) != 0)
		return (error);
	*offset = page << GBX_PAGE_SHIFT;
	return (0);
}

int
gbx_off_free(struct gbx_offsets *o, uint64_t page, uint64_t count)
{

	return (ra_free(&o->ra, page, count));
}
