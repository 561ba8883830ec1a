/*
 * vmindex.c: the address index of grant device mappings (vmindex.h).
 *
 * Fragments never overlap, so the fragment holding an address is the one
 * with the greatest start not above it, provided it reaches that far.
 * Slots are pages: a fragment covers [start, start + nslots * PAGE).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/rbfloor.h"
#include "client/vmindex.h"
#include "proto/proto.h"

#define PG ((uintptr_t)GBX_PAGE_SIZE)

static int
gbx_vmfrag_cmp(const struct gbx_vmfrag *a, const struct gbx_vmfrag *b)
{

	if (a->start < b->start)
		return (-1);
	return (a->start > b->start);
}

RB_GENERATE_STATIC_UNUSED(gbx_vmtree, gbx_vmfrag, link, gbx_vmfrag_cmp)

static inline uintptr_t
gbx_frag_end(const struct gbx_vmfrag *f)
{

	return (f->start + (uintptr_t)f->nslots * PG);
}

void
gbx_vmi_init(struct gbx_vmindex *vi)
{

	RB_INIT(&vi->tree);
	vi->nfrags = 0;
}

void
gbx_vmap_init(struct gbx_vmap *vm, uintptr_t base, uint32_t npages,
    const void *owner)
{

	vm->base = base;
	vm->npages = npages;
	vm->live = 0;
	vm->guarded = true;
	vm->guard = false;
	vm->owner = owner;
	atomic_init(&vm->refs, 0);
	LIST_INIT(&vm->frags);
}

void
gbx_vmi_insert(struct gbx_vmindex *vi, struct gbx_vmap *vm,
    struct gbx_vmfrag *frag)
{

	memset(frag, 0, sizeof(*frag));
	frag->start = vm->base;
	frag->first = 0;
	frag->nslots = vm->npages + (vm->guarded ? 1 : 0);
	frag->vm = vm;
	vm->live = vm->npages;
	vm->guard = vm->guarded;
	atomic_store(&vm->refs, 1);
	LIST_INSERT_HEAD(&vm->frags, frag, mlink);
	RB_INSERT(gbx_vmtree, &vi->tree, frag);
	vi->nfrags++;
}

int
gbx_vmi_batch_init(struct gbx_vmbatch *b)
{

	memset(b, 0, sizeof(*b));
	SLIST_INIT(&b->pieces);
	b->spare[0] = malloc(sizeof(struct gbx_vmfrag));
	b->spare[1] = malloc(sizeof(struct gbx_vmfrag));
	if (b->spare[0] == NULL || b->spare[1] == NULL) {
		gbx_vmi_batch_fini(b);
		return (ENOMEM);
	}
	return (0);
}

void
gbx_vmi_batch_fini(struct gbx_vmbatch *b)
{

	free(b->spare[0]);
	free(b->spare[1]);
	b->spare[0] = b->spare[1] = NULL;
}

static struct gbx_vmfrag *
gbx_take_spare(struct gbx_vmbatch *b)
{
	struct gbx_vmfrag *f;

	if ((f = b->spare[0]) != NULL)
		b->spare[0] = NULL;
	else {
		f = b->spare[1];
		b->spare[1] = NULL;
	}
	/* Two always suffice (gbx_frag_cut): running out is a bug. */
	if (f == NULL)
		abort();
	memset(f, 0, sizeof(*f));
	return (f);
}

/* The fragment with the greatest start <= addr, or NULL. */
GBX_RB_FLOOR(gbx_frag_floor, gbx_vmtree, gbx_vmfrag, link, start, uintptr_t)

/* The first fragment that ends above addr, or NULL. */
static struct gbx_vmfrag *
gbx_frag_first_from(struct gbx_vmindex *vi, uintptr_t addr)
{
	struct gbx_vmfrag *f;

	f = gbx_frag_floor(&vi->tree, addr);
	if (f == NULL)
		return (RB_MIN(gbx_vmtree, &vi->tree));
	if (gbx_frag_end(f) > addr)
		return (f);
	return (RB_NEXT(gbx_vmtree, &vi->tree, f));
}

/*
 * gntbox_munmap's rule: [lo, hi) is covered, without a gap, by real pages
 * (not guards) of mappings of owner.
 */
static bool
gbx_covered_by(struct gbx_vmindex *vi, uintptr_t lo, uintptr_t hi,
    const void *owner)
{
	struct gbx_vmfrag *f;
	uintptr_t at, end;
	uint64_t last;

	f = gbx_frag_floor(&vi->tree, lo);
	for (at = lo; at < hi; f = RB_NEXT(gbx_vmtree, &vi->tree, f)) {
		if (f == NULL || f->start > at || gbx_frag_end(f) <= at ||
		    f->vm->owner != owner)
			return (false);
		end = gbx_frag_end(f) < hi ? gbx_frag_end(f) : hi;
		/* The last slot taken from f must be a real page. */
		last = f->first + (end - f->start) / PG - 1;
		if (last >= f->vm->npages)
			return (false);
		at = end;
	}
	return (true);
}

/*
 * Account for slots [s0, s1) of vm leaving the index: its live pages and
 * its guard.
 */
static void
gbx_vmap_drop_slots(struct gbx_vmap *vm, uint64_t s0, uint64_t s1)
{
	uint64_t real_end;

	real_end = s1 < vm->npages ? s1 : vm->npages;
	if (s0 < real_end)
		vm->live -= (uint32_t)(real_end - s0);
	if (s1 > vm->npages)
		vm->guard = false;
}

/*
 * Cut [a, b) out of fragment f (a and b inside it, a < b), making it a
 * piece of the batch.  Cutting the middle of f needs two new fragments
 * (the piece and the tail), cutting one end needs one, and taking the
 * whole of f needs none: since only the first and the last fragment of a
 * range can be cut at all, and a middle cut means both are the same
 * fragment, two spares always suffice.
 */
static void
gbx_frag_cut(struct gbx_vmindex *vi, struct gbx_vmbatch *b,
    struct gbx_vmfrag *f, uintptr_t a, uintptr_t e, struct gbx_vmfrag **lastp)
{
	struct gbx_vmfrag *piece, *tail;
	struct gbx_vmap *vm;
	uint32_t skip, n;

	vm = f->vm;
	skip = (uint32_t)((a - f->start) / PG);
	n = (uint32_t)((e - a) / PG);
	gbx_vmap_drop_slots(vm, (uint64_t)f->first + skip,
	    (uint64_t)f->first + skip + n);
	if (skip == 0 && n == f->nslots) {
		/* The whole fragment goes: it becomes the piece. */
		RB_REMOVE(gbx_vmtree, &vi->tree, f);
		LIST_REMOVE(f, mlink);
		vi->nfrags--;
		piece = f;
	} else {
		piece = gbx_take_spare(b);
		piece->vm = vm;
		piece->start = a;
		piece->first = f->first + skip;
		piece->nslots = n;
		atomic_fetch_add(&vm->refs, 1);
		if (skip != 0 && skip + n < f->nslots) {
			tail = gbx_take_spare(b);
			tail->vm = vm;
			tail->start = e;
			tail->first = f->first + skip + n;
			tail->nslots = f->nslots - skip - n;
			atomic_fetch_add(&vm->refs, 1);
			LIST_INSERT_HEAD(&vm->frags, tail, mlink);
			RB_INSERT(gbx_vmtree, &vi->tree, tail);
			vi->nfrags++;
			f->nslots = skip;
		} else if (skip != 0)
			f->nslots = skip;
		else {
			/* The head goes; the start moves up, the order holds. */
			f->start += (uintptr_t)n * PG;
			f->first += n;
			f->nslots -= n;
		}
	}
	if (*lastp == NULL)
		SLIST_INSERT_HEAD(&b->pieces, piece, blink);
	else
		SLIST_INSERT_AFTER(*lastp, piece, blink);
	*lastp = piece;
}

/*
 * Detach [addr, addr + len).  The range taken from each fragment grows to
 * include the guard when it takes the mapping's last page and the guard
 * is in the same fragment (it always is while it exists: the last page
 * and the guard are adjacent slots and only leave together, or the guard
 * alone).
 */
int
gbx_vmi_detach(struct gbx_vmindex *vi, struct gbx_vmbatch *b, uintptr_t addr,
    size_t len, const void *owner)
{
	struct gbx_vmfrag *f, *next, *last;
	uintptr_t lo, hi, a, e, fend;

	lo = addr;
	hi = addr + len;
	b->lo = lo;
	b->hi = hi;
	if (owner != NULL && !gbx_covered_by(vi, lo, hi, owner))
		return (EINVAL);
	last = NULL;
	for (f = gbx_frag_first_from(vi, lo); f != NULL && f->start < hi;
	     f = next) {
		next = RB_NEXT(gbx_vmtree, &vi->tree, f);
		fend = gbx_frag_end(f);
		a = f->start > lo ? f->start : lo;
		e = fend < hi ? fend : hi;
		/* e is the end of slot npages - 1 and the guard follows? */
		if (f->first + (e - f->start) / PG == f->vm->npages && fend > e)
			e = fend;
		gbx_frag_cut(vi, b, f, a, e, &last);
	}
	return (0);
}

void
gbx_vmi_detach_all(struct gbx_vmindex *vi, struct gbx_vmap *vm,
    struct gbx_vmbatch *b)
{
	struct gbx_vmfrag *f;

	while ((f = LIST_FIRST(&vm->frags)) != NULL) {
		LIST_REMOVE(f, mlink);
		RB_REMOVE(gbx_vmtree, &vi->tree, f);
		vi->nfrags--;
		SLIST_INSERT_HEAD(&b->pieces, f, blink);
	}
	vm->live = 0;
	vm->guard = false;
}

struct gbx_vmfrag *
gbx_vmi_batch_pop(struct gbx_vmbatch *b)
{
	struct gbx_vmfrag *p;

	if ((p = SLIST_FIRST(&b->pieces)) != NULL)
		SLIST_REMOVE_HEAD(&b->pieces, blink);
	return (p);
}

uint32_t
gbx_vmi_piece_pages(const struct gbx_vmfrag *p, uint32_t *first)
{
	uint64_t end;

	*first = p->first;
	end = (uint64_t)p->first + p->nslots;
	if (end > p->vm->npages)
		end = p->vm->npages;
	return (end > p->first ? (uint32_t)(end - p->first) : 0);
}

bool
gbx_vmi_piece_done(struct gbx_vmfrag *p)
{
	struct gbx_vmap *vm;

	vm = p->vm;
	free(p);
	return (atomic_fetch_sub(&vm->refs, 1) == 1);
}

void
gbx_vmi_purge(struct gbx_vmindex *vi, bool (*pred)(const struct gbx_vmap *vm))
{
	struct gbx_vmfrag *f, *next;

	for (f = RB_MIN(gbx_vmtree, &vi->tree); f != NULL; f = next) {
		next = RB_NEXT(gbx_vmtree, &vi->tree, f);
		if (!pred(f->vm))
			continue;
		RB_REMOVE(gbx_vmtree, &vi->tree, f);
		LIST_REMOVE(f, mlink);
		vi->nfrags--;
		f->vm->live = 0;
		f->vm->guard = false;
	}
}

struct gbx_vmap *
gbx_vmi_find_start(const struct gbx_vmindex *vi, uintptr_t addr)
{
	struct gbx_vmfrag *f;

	f = gbx_frag_floor(&vi->tree, addr);
	if (f == NULL || f->start != addr || f->first != 0)
		return (NULL);
	return (f->vm);
}

struct gbx_vmap *
gbx_vmi_find(const struct gbx_vmindex *vi, uintptr_t addr)
{
	struct gbx_vmfrag *f;

	f = gbx_frag_floor(&vi->tree, addr);
	if (f == NULL || gbx_frag_end(f) <= addr ||
	    f->first + (addr - f->start) / PG >= f->vm->npages)
		return (NULL);
	return (f->vm);
}

bool
gbx_vmi_any_in(struct gbx_vmindex *vi, uintptr_t lo, uintptr_t hi)
{
	struct gbx_vmfrag *f;

	f = gbx_frag_first_from(vi, lo);
	return (f != NULL && f->start < hi);
}
