/*
 * place.h: where grant device mappings go in the address space.
 *
 * As Xen's vmap does for the hypervisor, a process reserves large ranges
 * of address space once and allocates its mappings from them, so that a
 * map+unmap cycle makes two memory system calls and no more: one mmap
 * (MAP_FIXED) of the arena's pages over reserved space, and one mmap that
 * puts the reservation (PROT_NONE) back when they are unmapped.
 *
 * The reservation.  A *chunk* is one anonymous PROT_NONE, MAP_NORESERVE
 * mapping: it costs address space and one VMA, no memory.  A *pool* is a
 * set of chunks and one allocator (base/rangealloc.h) of their free pages:
 * a mapping of n pages takes n + 1 consecutive *slots*, first fit, in
 * O(log n), and the last slot stays PROT_NONE, the guard page that makes
 * an overrun fault instead of reaching the next mapping (the guard gap of
 * Xen's vmap).  When no free range is long enough the pool grows by a new
 * chunk, twice the size of the last one (at least the request), so a
 * process has a few chunks, never more than GBX_CHUNKS_MAX.  Chunks are
 * never given back while the process lives.
 *
 * Two pools, because fork() treats them differently: a child does not
 * inherit maps (gntdev; Linux PV marks them VM_DONTCOPY) but does inherit
 * shared pages (gntalloc).  MADV_DONTFORK is a flag of one VMA, and each
 * MAP_FIXED makes a new VMA without it, so marking the chunks once would
 * not hold.  Instead the fork handlers mark the map pool's chunks
 * MADV_DONTFORK just before the fork and clear the mark again in the
 * parent just after (two madvise calls per chunk per fork, none per map):
 * the child has none of the map chunks, and forgets them.
 *
 * The program's own calls.  Through the preload library, a program may
 * munmap, mmap(MAP_FIXED) or mremap over a mapping it got from us, or
 * over any range, reserved space included.  Reserved space must never
 * become a hole that other code could map into, or a later MAP_FIXED of
 * ours would destroy that code's mapping.  So:
 *
 * - munmap(2) (gbx_place_munmap) leaves reserved space reserved: our
 *   mappings in the range go back to PROT_NONE, the free parts stay as
 *   they are, and only what lies outside the reservation is unmapped.
 *   To the program the range is gone all the same: it faults.
 * - What the program maps over reserved space with MAP_FIXED (an mmap,
 *   an mremap to a fixed address, a grant device mmap at an address of
 *   its choosing) is *excised*: those pages are the program's from then
 *   on, the pool never hands them out again, and a munmap there is the
 *   real one.  Excision costs address space only, and only when a program
 *   places its own mappings inside ours.
 *
 * A mapping placed where the program asked (gbx_place_get with `at`) is
 * not pooled: it takes exactly its pages there, excised first if they are
 * reserved, has no guard (the page after it is the program's), and its
 * unmap is a real munmap.
 *
 * Locking: one mutex for the chunks, the pools and the excised ranges,
 * taken after the device and index locks (gntdev.h, "Locking"); the
 * memory system calls that must not interleave with an allocation (the
 * PROT_NONE mmap that precedes a free) run under it.
 */
#ifndef GNTBOX_CLIENT_PLACE_H
#define GNTBOX_CLIENT_PLACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GBX_CHUNK_FIRST_PAGES 4096u /* 16 MiB: the first chunk of a pool */
#define GBX_CHUNK_MAX_PAGES   ((uint64_t)1 << 24) /* 64 GiB: growth stops */
#define GBX_CHUNKS_MAX	      64

enum gbx_pool {
	GBX_POOL_MAP,	/* gntdev maps: not inherited across fork */
	GBX_POOL_SHARE, /* gntalloc shared pages: inherited */
	GBX_NPOOLS,
};

/* Where one mapping goes: slots [0, nslots) from base. */
struct gbx_place {
	void *base;
	uint32_t nslots; /* pages, plus the guard when pooled */
	bool pooled;	 /* from a pool (else at the program's address) */
};

/*
 * Place a mapping of npages pages.  With at NULL, take npages + 1 slots
 * from pool (no system call, unless the pool grows by a chunk).  Else
 * reserve exactly npages at `at` (page aligned) with one PROT_NONE mmap,
 * replacing what is there, or failing with EEXIST when noreplace and
 * something is (reserved space counts as something).  Returns 0, ENOMEM,
 * EEXIST or EINVAL.
 */
int gbx_place_get(struct gbx_place *pl, enum gbx_pool pool, uint32_t npages,
    void *at, bool noreplace);

/*
 * Map n pages of the arena behind fd, from arena page apage on, over
 * slots slot .. slot + n - 1 with prot: one mmap (MAP_FIXED).  Returns 0
 * or an errno value (EPROTO for an arena page no file offset can reach).
 */
int gbx_place_run(const struct gbx_place *pl, uint32_t slot, uint32_t n,
    int prot, int fd, uint64_t apage);

/*
 * Undo gbx_place_get() on a failure path.  mapped says whether any run
 * was mapped: if not, pooled slots go back without a system call.
 */
void gbx_place_put(const struct gbx_place *pl, bool mapped);

/*
 * Unmap len bytes at addr, all slots of one pool: one mmap puts PROT_NONE
 * back over them (skipping what was excised meanwhile) and the slots are
 * free again.  When that mmap fails the pages are munmapped instead and
 * the slots are never reused.
 */
void gbx_place_release(void *addr, size_t len);

/*
 * Whether [addr, addr + len) touches a chunk: one atomic load while the
 * process has none, then a scan of at most GBX_CHUNKS_MAX chunks.
 */
bool gbx_place_touches(const void *addr, size_t len);

/*
 * Whether [addr, addr + len) holds reserved space that is not excised
 * (free slots or pooled mappings): the preload library's mremap refuses
 * to move or resize it (EFAULT, as for an unmapped address).
 */
bool gbx_place_reserved(const void *addr, size_t len);

/*
 * The program is about to map over [addr, addr + len) (page aligned)
 * with MAP_FIXED: excise the reserved pages in it.  Returns 0, or ENOMEM
 * when the record could not be made (the caller fails the call first).
 */
int gbx_place_excise(const void *addr, size_t len);

/*
 * munmap(2) for the program: unmap what lies outside the reservation or
 * was excised, leave the rest reserved (the caller has detached our
 * mappings in the range and puts them back to PROT_NONE).  Returns 0, or
 * -1 with errno set as munmap does.
 */
int gbx_place_munmap(void *addr, size_t len);

/* For tests: the chunks of pool, and how many of them there are. */
unsigned gbx_place_chunks(enum gbx_pool pool, uintptr_t *lo, uintptr_t *hi,
    unsigned max);

#endif /* GNTBOX_CLIENT_PLACE_H */
