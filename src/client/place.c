/*
 * place.c: reserving address space and mapping arena pages over it
 * (place.h).
 */
#include <sys/mman.h>

#include <errno.h>
#include <stddef.h>

#include "client/place.h"
#include "proto/proto.h"

int
gbx_place_reserve(uint32_t npages, void *at, bool noreplace, void **base)
{
	size_t slots;
	void *p;
	int fl;

	/* npages <= GBX_COUNT_MAX: the size cannot overflow. */
	slots = at == NULL ? (size_t)npages + 1 : npages;
	fl = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE;
	if (at != NULL)
		fl |= noreplace ? MAP_FIXED_NOREPLACE : MAP_FIXED;
	p = mmap(at, slots * GBX_PAGE_SIZE, PROT_NONE, fl, -1, 0);
	if (p == MAP_FAILED)
		return (errno);
	if (at != NULL && p != at) {
		/* A kernel without MAP_FIXED_NOREPLACE takes it as a hint. */
		(void)munmap(p, slots * GBX_PAGE_SIZE);
		return (EEXIST);
	}
	*base = p;
	return (0);
}

int
gbx_place_run(void *base, uint32_t slot, uint32_t n, int prot, int fd,
    uint64_t apage)
{
	void *want, *p;

	/* The file offset apage * 4096 must be a non-negative off_t. */
	if (apage >= ((uint64_t)1 << (63 - GBX_PAGE_SHIFT)))
		return (EPROTO);
	want = (char *)base + (size_t)slot * GBX_PAGE_SIZE;
	p = mmap(want, (size_t)n * GBX_PAGE_SIZE, prot, MAP_SHARED | MAP_FIXED,
	    fd, (off_t)(apage << GBX_PAGE_SHIFT));
	if (p == MAP_FAILED)
		return (errno);
	return (0);
}

void
gbx_place_undo(void *base, uint32_t nslots)
{

	(void)munmap(base, (size_t)nslots * GBX_PAGE_SIZE);
}
