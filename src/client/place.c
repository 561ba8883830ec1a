/*
 * place.c: the reservation, its pools and the excised ranges (place.h).
 *
 * Each pool's allocator spans the whole 64-bit address space in pages and
 * starts with nothing free; a chunk's pages are freed into it when the
 * chunk is made, so one first-fit allocator serves every chunk of the
 * pool, adjacent chunks coalesce, and a lookup never walks the chunks.
 *
 * Invariant: a page of a chunk is free in its pool's allocator only if it
 * is reserved (PROT_NONE, mapped by us) and not excised.  Excised pages
 * are allocated for good; the allocation path checks the excised ranges
 * all the same, so that even a failed record (ENOMEM while excising)
 * never lets us map over the program's pages.
 */
#include <sys/mman.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "base/rangealloc.h"
#include "base/rbfloor.h"
#include "base/tree.h"
#include "client/place.h"
#include "proto/proto.h"

#define PG	    ((uintptr_t)GBX_PAGE_SIZE)
/* The pages of the 64-bit address space: the span of each allocator. */
#define GBX_VPAGES  ((uint64_t)1 << (64 - GBX_PAGE_SHIFT))
/* Reserved space: no access, no memory, no swap accounting. */
#define GBX_RESERVE (MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE)

struct gbx_chunk {
	uintptr_t lo, hi; /* [lo, hi) */
	enum gbx_pool pool;
};

/* An excised range [lo, hi): the program's pages inside a chunk. */
struct gbx_exc {
	RB_ENTRY(gbx_exc) link;
	uintptr_t lo, hi;
};

RB_HEAD(gbx_exctree, gbx_exc);

static int
gbx_exc_cmp(const struct gbx_exc *a, const struct gbx_exc *b)
{

	if (a->lo < b->lo)
		return (-1);
	return (a->lo > b->lo);
}

RB_GENERATE_STATIC_UNUSED(gbx_exctree, gbx_exc, link, gbx_exc_cmp)
GBX_RB_FLOOR(gbx_exc_floor, gbx_exctree, gbx_exc, link, lo, uintptr_t)

static pthread_mutex_t gbx_place_lock = PTHREAD_MUTEX_INITIALIZER;
/*
 * The chunks, appended under the lock and published by gbx_nchunks
 * (release), so that gbx_place_touches() reads them without it.  Only a
 * fork()ed child, alone in its process, removes any.
 */
static struct gbx_chunk gbx_chunks[GBX_CHUNKS_MAX];
static atomic_uint gbx_nchunks;
static struct rangealloc gbx_pools[GBX_NPOOLS];
static bool gbx_pool_ready[GBX_NPOOLS];
static uint64_t gbx_pool_next[GBX_NPOOLS]; /* pages of its next chunk */
static struct gbx_exctree gbx_excised = RB_INITIALIZER(&gbx_excised);

/* ------------------------------------------------------------------ */
/* Excised ranges.                                                       */

/* The first excised range that ends above a, or NULL. */
static struct gbx_exc *
gbx_exc_from(uintptr_t a)
{
	struct gbx_exc *e;

	if ((e = gbx_exc_floor(&gbx_excised, a)) == NULL)
		return (RB_MIN(gbx_exctree, &gbx_excised));
	if (e->hi > a)
		return (e);
	return (RB_NEXT(gbx_exctree, &gbx_excised, e));
}

static bool
gbx_exc_overlaps(uintptr_t lo, uintptr_t hi)
{
	struct gbx_exc *e;

	e = gbx_exc_from(lo);
	return (e != NULL && e->lo < hi);
}

/*
 * Add [lo, hi), merging every range it overlaps or touches.  Returns 0
 * or ENOMEM (nothing changed).
 */
static int
gbx_exc_add(uintptr_t lo, uintptr_t hi)
{
	struct gbx_exc *e, *next, *n;

	if ((n = calloc(1, sizeof(*n))) == NULL)
		return (ENOMEM);
	e = gbx_exc_floor(&gbx_excised, lo);
	if (e == NULL || e->hi < lo)
		e = e == NULL ? RB_MIN(gbx_exctree, &gbx_excised) :
				RB_NEXT(gbx_exctree, &gbx_excised, e);
	for (; e != NULL && e->lo <= hi; e = next) {
		next = RB_NEXT(gbx_exctree, &gbx_excised, e);
		lo = e->lo < lo ? e->lo : lo;
		hi = e->hi > hi ? e->hi : hi;
		RB_REMOVE(gbx_exctree, &gbx_excised, e);
		free(e);
	}
	n->lo = lo;
	n->hi = hi;
	/* Every range it overlapped is gone: no duplicate is found. */
	if (RB_INSERT(gbx_exctree, &gbx_excised, n) != NULL)
		free(n);
	return (0);
}

/*
 * Take [lo, hi) out of the excised ranges (the space is ours again: a new
 * chunk took it, or a fork()ed child no longer has it).  A range that
 * spans the whole cut is split; if that cannot be allocated it stays
 * whole, which only wastes address space.
 */
static void
gbx_exc_cut(uintptr_t lo, uintptr_t hi)
{
	struct gbx_exc *e, *next, *tail;

	for (e = gbx_exc_from(lo); e != NULL && e->lo < hi; e = next) {
		next = RB_NEXT(gbx_exctree, &gbx_excised, e);
		if (e->lo < lo && e->hi > hi) {
			if ((tail = calloc(1, sizeof(*tail))) == NULL)
				return;
			tail->lo = hi;
			tail->hi = e->hi;
			e->hi = lo;
			/* Ranges never overlap: no duplicate is found. */
			if (RB_INSERT(gbx_exctree, &gbx_excised, tail) != NULL)
				free(tail);
			return;
		}
		if (e->lo < lo)
			e->hi = lo;
		else if (e->hi > hi)
			e->lo =
			    hi; /* still above its predecessor: order holds */
		else {
			RB_REMOVE(gbx_exctree, &gbx_excised, e);
			free(e);
		}
	}
}

/* ------------------------------------------------------------------ */
/* Chunks and pools.                                                     */

/* The chunk holding address a, or NULL. */
static const struct gbx_chunk *
gbx_chunk_of(uintptr_t a)
{
	unsigned i, n;

	n = atomic_load_explicit(&gbx_nchunks, memory_order_acquire);
	for (i = 0; i < n; i++)
		if (gbx_chunks[i].lo <= a && a < gbx_chunks[i].hi)
			return (&gbx_chunks[i]);
	return (NULL);
}

/* The lowest chunk start above a, or hi if none is below hi. */
static uintptr_t
gbx_chunk_next(uintptr_t a, uintptr_t hi)
{
	unsigned i, n;

	n = atomic_load_explicit(&gbx_nchunks, memory_order_acquire);
	for (i = 0; i < n; i++)
		if (gbx_chunks[i].lo > a && gbx_chunks[i].lo < hi)
			hi = gbx_chunks[i].lo;
	return (hi);
}

/* A pool's allocator, made on first use with nothing free.  Locked. */
static int
gbx_pool_init(enum gbx_pool pool)
{
	struct rangealloc *ra;
	int error;

	if (gbx_pool_ready[pool])
		return (0);
	ra = &gbx_pools[pool];
	if ((error = ra_init(ra, 0, GBX_VPAGES - 1)) != 0)
		return (error);
	if ((error = ra_alloc_at(ra, 0, GBX_VPAGES)) != 0) {
		ra_destroy(ra);
		return (error);
	}
	gbx_pool_ready[pool] = true;
	gbx_pool_next[pool] = GBX_CHUNK_FIRST_PAGES;
	return (0);
}

/*
 * Grow pool by a chunk of at least need pages: twice the last one, or
 * exactly need when the kernel refuses that much (RLIMIT_AS).  Locked.
 */
static int
gbx_chunk_add(enum gbx_pool pool, uint64_t need)
{
	uint64_t pages;
	unsigned n;
	void *p;
	int error;

	n = atomic_load_explicit(&gbx_nchunks, memory_order_relaxed);
	if (n == GBX_CHUNKS_MAX)
		return (ENOMEM);
	pages = gbx_pool_next[pool] > need ? gbx_pool_next[pool] : need;
	p = mmap(NULL, pages * PG, PROT_NONE, GBX_RESERVE, -1, 0);
	if (p == MAP_FAILED && pages > need) {
		pages = need;
		p = mmap(NULL, pages * PG, PROT_NONE, GBX_RESERVE, -1, 0);
	}
	if (p == MAP_FAILED)
		return (errno);
	if ((error = ra_free(&gbx_pools[pool], (uintptr_t)p / PG, pages)) !=
	    0) {
		(void)munmap(p, pages * PG);
		return (error);
	}
	/* Address space the program had excised and since unmapped. */
	gbx_exc_cut((uintptr_t)p, (uintptr_t)p + pages * PG);
	gbx_chunks[n].lo = (uintptr_t)p;
	gbx_chunks[n].hi = (uintptr_t)p + pages * PG;
	gbx_chunks[n].pool = pool;
	atomic_store_explicit(&gbx_nchunks, n + 1, memory_order_release);
	pages *= 2;
	gbx_pool_next[pool] =
	    pages < GBX_CHUNK_MAX_PAGES ? pages : GBX_CHUNK_MAX_PAGES;
	return (0);
}

/*
 * nslots free slots of pool, first fit, growing the pool when nothing
 * fits.  Slots that overlap an excised range (only after a failed
 * record) stay allocated for good and the search goes on.  Locked.
 */
static int
gbx_pool_take(enum gbx_pool pool, uint64_t nslots, uintptr_t *addr)
{
	uint64_t first;
	int error;

	if ((error = gbx_pool_init(pool)) != 0)
		return (error);
	for (;;) {
		error = ra_alloc(&gbx_pools[pool], nslots, &first);
		if (error == ENOSPC)
			error = gbx_chunk_add(pool, nslots);
		else if (error == 0 &&
		    !gbx_exc_overlaps(first * PG, (first + nslots) * PG)) {
			*addr = first * PG;
			return (0);
		}
		if (error != 0)
			return (error);
	}
}

/*
 * Allocate what is free of [first, first + count) in ra (excision): try
 * the whole range, and split it where some of it is taken, so the work is
 * O(log count) calls per boundary between free and taken pages.  ENOMEM
 * leaves part of it free; gbx_pool_take() copes.
 */
static void
gbx_pool_claim(struct rangealloc *ra, uint64_t first, uint64_t count)
{
	uint64_t half;

	if (ra_alloc_at(ra, first, count) != EBUSY || count == 1 ||
	    ra_is_allocated(ra, first, count))
		return;
	half = count / 2;
	gbx_pool_claim(ra, first, half);
	gbx_pool_claim(ra, first + half, count - half);
}

/*
 * Slots [a, b) of a chunk go back to their pool: after one PROT_NONE mmap
 * over them when restore, or without a system call when nothing was
 * mapped there.  If that mmap fails, the pages are unmapped instead and
 * the range is excised: out of reach either way, and never reused.
 * Locked.
 */
static void
gbx_slots_free(uintptr_t a, uintptr_t b, bool restore)
{
	const struct gbx_chunk *c;

	if ((c = gbx_chunk_of(a)) == NULL) {
		/* Not ours (cannot happen): do not leave it mapped. */
		if (restore)
			(void)munmap((void *)a, b - a);
		return;
	}
	if (restore &&
	    mmap((void *)a, b - a, PROT_NONE, GBX_RESERVE | MAP_FIXED, -1, 0) ==
		MAP_FAILED) {
		(void)munmap((void *)a, b - a);
		(void)gbx_exc_add(a, b);
		return;
	}
	(void)ra_free(&gbx_pools[c->pool], a / PG, (b - a) / PG);
}

/* Free [lo, hi) of the pool but what was excised meanwhile.  Locked. */
static void
gbx_slots_put(uintptr_t lo, uintptr_t hi, bool restore)
{
	struct gbx_exc *e;
	uintptr_t a, b;

	for (a = lo; a < hi; a = b) {
		e = gbx_exc_from(a);
		if (e != NULL && e->lo <= a) {
			/* The program's: neither touched nor freed. */
			b = e->hi < hi ? e->hi : hi;
			continue;
		}
		b = e != NULL && e->lo < hi ? e->lo : hi;
		gbx_slots_free(a, b, restore);
	}
}

/* ------------------------------------------------------------------ */
/* Placing and unplacing mappings.                                       */

int
gbx_place_get(struct gbx_place *pl, enum gbx_pool pool, uint32_t npages,
    void *at, bool noreplace)
{
	uintptr_t a;
	size_t len;
	void *p;
	int error;

	/* npages <= GBX_COUNT_MAX: no size below can overflow. */
	if (at == NULL) {
		(void)pthread_mutex_lock(&gbx_place_lock);
		error = gbx_pool_take(pool, (uint64_t)npages + 1, &a);
		(void)pthread_mutex_unlock(&gbx_place_lock);
		if (error != 0)
			return (error);
		pl->base = (void *)a;
		pl->nslots = npages + 1;
		pl->pooled = true;
		return (0);
	}
	len = (size_t)npages * PG;
	if ((uintptr_t)at > UINTPTR_MAX - len)
		return (EINVAL);
	if (!noreplace && (error = gbx_place_excise(at, len)) != 0)
		return (error);
	p = mmap(at, len, PROT_NONE,
	    GBX_RESERVE | (noreplace ? MAP_FIXED_NOREPLACE : MAP_FIXED), -1, 0);
	if (p == MAP_FAILED)
		return (errno);
	if (p != at) {
		/* A kernel without MAP_FIXED_NOREPLACE takes it as a hint. */
		(void)munmap(p, len);
		return (EEXIST);
	}
	pl->base = at;
	pl->nslots = npages;
	pl->pooled = false;
	return (0);
}

int
gbx_place_run(const struct gbx_place *pl, uint32_t slot, uint32_t n, int prot,
    int fd, uint64_t apage)
{
	void *want, *p;

	/* The file offset apage * 4096 must be a non-negative off_t. */
	if (apage >= ((uint64_t)1 << (63 - GBX_PAGE_SHIFT)))
		return (EPROTO);
	want = (char *)pl->base + (size_t)slot * PG;
	p = mmap(want, (size_t)n * PG, prot, MAP_SHARED | MAP_FIXED, fd,
	    (off_t)(apage << GBX_PAGE_SHIFT));
	if (p == MAP_FAILED)
		return (errno);
	return (0);
}

void
gbx_place_put(const struct gbx_place *pl, bool mapped)
{
	uintptr_t lo;

	lo = (uintptr_t)pl->base;
	if (!pl->pooled) {
		(void)munmap(pl->base, (size_t)pl->nslots * PG);
		return;
	}
	(void)pthread_mutex_lock(&gbx_place_lock);
	gbx_slots_put(lo, lo + (uintptr_t)pl->nslots * PG, mapped);
	(void)pthread_mutex_unlock(&gbx_place_lock);
}

void
gbx_place_release(void *addr, size_t len)
{

	(void)pthread_mutex_lock(&gbx_place_lock);
	gbx_slots_put((uintptr_t)addr, (uintptr_t)addr + len, true);
	(void)pthread_mutex_unlock(&gbx_place_lock);
}

/* ------------------------------------------------------------------ */
/* The program's own calls.                                              */

/* [addr, addr + len) page aligned outward, clamped at the top. */
static void
gbx_span(const void *addr, size_t len, uintptr_t *lo, uintptr_t *hi)
{
	uintptr_t h;

	*lo = (uintptr_t)addr & ~(PG - 1);
	h = (uintptr_t)addr + len;
	if (h < (uintptr_t)addr || h > UINTPTR_MAX - (PG - 1))
		h = UINTPTR_MAX & ~(PG - 1);
	*hi = (h + PG - 1) & ~(PG - 1);
}

bool
gbx_place_touches(const void *addr, size_t len)
{
	uintptr_t lo, hi;
	unsigned i, n;

	if ((n = atomic_load_explicit(&gbx_nchunks, memory_order_acquire)) == 0)
		return (false);
	gbx_span(addr, len, &lo, &hi);
	for (i = 0; i < n; i++)
		if (gbx_chunks[i].lo < hi && lo < gbx_chunks[i].hi)
			return (true);
	return (false);
}

int
gbx_place_excise(const void *addr, size_t len)
{
	const struct gbx_chunk *c;
	uintptr_t lo, hi, a, b;
	unsigned i, n;
	int error;

	if (!gbx_place_touches(addr, len))
		return (0);
	gbx_span(addr, len, &lo, &hi);
	error = 0;
	(void)pthread_mutex_lock(&gbx_place_lock);
	n = atomic_load_explicit(&gbx_nchunks, memory_order_relaxed);
	for (i = 0; i < n && error == 0; i++) {
		c = &gbx_chunks[i];
		a = c->lo > lo ? c->lo : lo;
		b = c->hi < hi ? c->hi : hi;
		if (a < b && (error = gbx_exc_add(a, b)) == 0)
			gbx_pool_claim(&gbx_pools[c->pool], a / PG,
			    (b - a) / PG);
	}
	(void)pthread_mutex_unlock(&gbx_place_lock);
	return (error);
}

/*
 * The next segment of [a, hi): its end, and whether it is reserved space
 * of ours (a chunk's pages, not excised) or anything else.  Locked.
 */
static uintptr_t
gbx_segment(uintptr_t a, uintptr_t hi, bool *reserved)
{
	const struct gbx_chunk *c;
	struct gbx_exc *e;
	uintptr_t end;

	if ((c = gbx_chunk_of(a)) == NULL) {
		*reserved = false;
		return (gbx_chunk_next(a, hi));
	}
	end = c->hi < hi ? c->hi : hi;
	e = gbx_exc_from(a);
	if (e != NULL && e->lo <= a) {
		*reserved = false;
		return (e->hi < end ? e->hi : end);
	}
	*reserved = true;
	return (e != NULL && e->lo < end ? e->lo : end);
}

bool
gbx_place_reserved(const void *addr, size_t len)
{
	uintptr_t lo, hi, a;
	bool reserved;

	if (!gbx_place_touches(addr, len))
		return (false);
	gbx_span(addr, len, &lo, &hi);
	reserved = false;
	(void)pthread_mutex_lock(&gbx_place_lock);
	for (a = lo; a < hi && !reserved;)
		a = gbx_segment(a, hi, &reserved);
	(void)pthread_mutex_unlock(&gbx_place_lock);
	return (reserved);
}

/* munmap [from, to) unless empty; keep the first error in *r. */
static void
gbx_unmap_run(uintptr_t from, uintptr_t to, int *r)
{

	if (from < to && munmap((void *)from, to - from) != 0 && *r == 0)
		*r = errno;
}

int
gbx_place_munmap(void *addr, size_t len)
{
	uintptr_t lo, hi, a, b, from;
	bool reserved;
	int r;

	lo = (uintptr_t)addr;
	/* What the kernel refuses, or what is not ours at all, is its own. */
	if ((lo & (PG - 1)) != 0 || len == 0 || len > UINTPTR_MAX - lo ||
	    !gbx_place_touches(addr, len))
		return (munmap(addr, len));
	gbx_span(addr, len, &lo, &hi);
	r = 0;
	(void)pthread_mutex_lock(&gbx_place_lock);
	/* One munmap per run of segments that are not reserved space. */
	for (a = from = lo; a < hi; a = b) {
		b = gbx_segment(a, hi, &reserved);
		if (reserved) {
			gbx_unmap_run(from, a, &r);
			from = b;
		}
	}
	gbx_unmap_run(from, hi, &r);
	(void)pthread_mutex_unlock(&gbx_place_lock);
	if (r != 0) {
		errno = r;
		return (-1);
	}
	return (0);
}

unsigned
gbx_place_chunks(enum gbx_pool pool, uintptr_t *lo, uintptr_t *hi, unsigned max)
{
	unsigned i, n, k;

	(void)pthread_mutex_lock(&gbx_place_lock);
	n = atomic_load_explicit(&gbx_nchunks, memory_order_relaxed);
	for (i = 0, k = 0; i < n; i++) {
		if (gbx_chunks[i].pool != pool)
			continue;
		if (k < max) {
			lo[k] = gbx_chunks[i].lo;
			hi[k] = gbx_chunks[i].hi;
		}
		k++;
	}
	(void)pthread_mutex_unlock(&gbx_place_lock);
	return (k);
}

/* ------------------------------------------------------------------ */
/* fork().                                                               */

/*
 * Apply advice to every map chunk but its excised ranges (the program's
 * mappings keep their own fork behaviour).  Locked.
 */
static void
gbx_place_mark(int advice)
{
	unsigned i, n;
	uintptr_t a, b;
	bool reserved;

	n = atomic_load_explicit(&gbx_nchunks, memory_order_relaxed);
	for (i = 0; i < n; i++) {
		if (gbx_chunks[i].pool != GBX_POOL_MAP)
			continue;
		for (a = gbx_chunks[i].lo; a < gbx_chunks[i].hi; a = b) {
			b = gbx_segment(a, gbx_chunks[i].hi, &reserved);
			if (reserved)
				(void)madvise((void *)a, b - a, advice);
		}
	}
}

/*
 * Before fork(): runs last of the client's handlers (it was registered
 * first, at load), after gntdev_fork.c's has taken every device lock, so
 * no map is being placed while the map chunks are marked.
 */
static void
gbx_place_prepare(void)
{

	(void)pthread_mutex_lock(&gbx_place_lock);
	gbx_place_mark(MADV_DONTFORK);
}

/* In the parent: the map chunks merge back with what is mapped later. */
static void
gbx_place_parent(void)
{

	gbx_place_mark(MADV_DOFORK);
	(void)pthread_mutex_unlock(&gbx_place_lock);
}

/*
 * In the child: the map chunks did not come along, and the kernel may
 * place anything there now: forget them, their pool and their excised
 * ranges.  (The index forgets the maps: gntdev_fork.c.)
 */
static void
gbx_place_child(void)
{
	unsigned i, n, k;

	n = atomic_load_explicit(&gbx_nchunks, memory_order_relaxed);
	for (i = 0, k = 0; i < n; i++) {
		if (gbx_chunks[i].pool == GBX_POOL_MAP)
			gbx_exc_cut(gbx_chunks[i].lo, gbx_chunks[i].hi);
		else
			gbx_chunks[k++] = gbx_chunks[i];
	}
	atomic_store_explicit(&gbx_nchunks, k, memory_order_release);
	if (gbx_pool_ready[GBX_POOL_MAP]) {
		ra_destroy(&gbx_pools[GBX_POOL_MAP]);
		gbx_pool_ready[GBX_POOL_MAP] = false;
	}
	(void)pthread_mutex_unlock(&gbx_place_lock);
}

static void __attribute__((constructor)) gbx_place_ctor(void)
{

	(void)pthread_atfork(gbx_place_prepare, gbx_place_parent,
	    gbx_place_child);
}
