/*
 * place.c: reserving address space and mapping arena pages over it
 * (place.h).
 */
#include <sys/mman.h>

#include <errno.h>
#include <stddef.h>

#include "dev/place.h"
#include "proto/proto.h"

int
gbx_place_reserve(uint32_t npages, void **base)
{
	void *p;

	/* npages <= GBX_COUNT_MAX: the size cannot overflow. */
	p = mmap(NULL, ((size_t)npages + 1) * GBX_PAGE_SIZE, PROT_NONE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return (errno);
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
gbx_place_undo(void *base, uint32_t npages)
{

	(void)munmap(base, ((size_t)npages + 1) * GBX_PAGE_SIZE);
}
