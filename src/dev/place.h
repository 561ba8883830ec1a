/*
 * place.h: placing grant device mappings in the address space.
 *
 * A mapping of n pages first reserves n + 1 pages, inaccessible, with one
 * anonymous mmap; then each run of consecutive pages of one arena is
 * mapped over its part of the reservation with MAP_FIXED | MAP_SHARED from
 * the arena's descriptor (one mmap per run, so a map whose grants are
 * consecutive arena pages is a single call).  The last page stays
 * inaccessible: the guard page that makes an overrun fault instead of
 * reaching a neighbour (the guard gap of Xen's vmap).
 */
#ifndef GNTBOX_DEV_PLACE_H
#define GNTBOX_DEV_PLACE_H

#include <stdint.h>

/*
 * Reserve npages + 1 inaccessible pages; store the address in *base.
 * Returns 0 or ENOMEM.
 */
int gbx_place_reserve(uint32_t npages, void **base);

/*
 * Map n pages of the arena behind fd, from arena page apage on, over
 * pages slot .. slot + n - 1 of the reservation at base, with prot.
 * Returns 0 or an errno value (EPROTO for an arena page no file offset
 * can reach).
 */
int gbx_place_run(void *base, uint32_t slot, uint32_t n, int prot, int fd,
    uint64_t apage);

/* Undo a reservation of npages + 1 pages and whatever was mapped over it. */
void gbx_place_undo(void *base, uint32_t npages);

#endif /* GNTBOX_DEV_PLACE_H */
