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
 *
 * A mapping placed where the program asked (the preload library's
 * mmap(MAP_FIXED)) reserves exactly its pages there and has no guard: the
 * page after it is the program's.
 */
#ifndef GNTBOX_CLIENT_PLACE_H
#define GNTBOX_CLIENT_PLACE_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Reserve npages + 1 inaccessible pages where the kernel likes (at NULL),
 * or npages exactly at `at` (page aligned), replacing whatever was there,
 * or failing with EEXIST when noreplace and something is.  Store the
 * address in *base.  Returns 0, ENOMEM, EEXIST or EINVAL.
 */
int gbx_place_reserve(uint32_t npages, void *at, bool noreplace, void **base);

/*
 * Map n pages of the arena behind fd, from arena page apage on, over
 * pages slot .. slot + n - 1 of the reservation at base, with prot.
 * Returns 0 or an errno value (EPROTO for an arena page no file offset
 * can reach).
 */
int gbx_place_run(void *base, uint32_t slot, uint32_t n, int prot, int fd,
    uint64_t apage);

/*
 * Undo a reservation of nslots pages (its pages and its guard, if it has
 * one) and whatever was mapped over it.
 */
void gbx_place_undo(void *base, uint32_t nslots);

#endif /* GNTBOX_CLIENT_PLACE_H */
