/*
 * Unit test of the process-wide address index (client/vmindex.h), on
 * addresses that are never mapped: partial munmaps in the middle and at
 * either end of a mapping, the guard page going with the last page (and
 * alone, as the preload library's munmap can take it), gntbox_munmap's
 * strict coverage rule, ranges over several mappings and gaps, the exact
 * start lookup, and a random run checked slot by slot against a model.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "client/vmindex.h"

#define PG ((uintptr_t)4096)

static struct gbx_vmindex vi;
static const int owner_a, owner_b;

static struct gbx_vmap *
new_map(uintptr_t base, uint32_t npages, const void *owner)
{
	struct gbx_vmfrag *f;
	struct gbx_vmap *vm;

	vm = calloc(1, sizeof(*vm));
	f = malloc(sizeof(*f));
	REQUIRE(vm != NULL && f != NULL);
	gbx_vmap_init(vm, base, npages, owner);
	gbx_vmi_insert(&vi, vm, f);
	return (vm);
}

/*
 * Detach and finish a range; return the real pages released, each
 * piece's first page stored in firsts[] (-1 for a lone guard), and free
 * the mappings whose last fragment went.
 */
static int
detach(uintptr_t addr, size_t len, const void *owner, uint32_t *released,
    int *firsts, unsigned *npieces, unsigned *nfreed)
{
	struct gbx_vmbatch b;
	struct gbx_vmfrag *p;
	struct gbx_vmap *vm;
	uint32_t first, n;
	int error;

	*released = 0;
	*npieces = 0;
	*nfreed = 0;
	REQUIRE(gbx_vmi_batch_init(&b) == 0);
	error = gbx_vmi_detach(&vi, &b, addr, len, owner);
	while ((p = gbx_vmi_batch_pop(&b)) != NULL) {
		n = gbx_vmi_piece_pages(p, &first);
		if (*npieces < 8)
			firsts[*npieces] = n != 0 ? (int)first : -1;
		(*npieces)++;
		*released += n;
		vm = p->vm;
		if (gbx_vmi_piece_done(p)) {
			CHECK_EQ(vm->live, 0);
			CHECK(!vm->guard);
			free(vm);
			(*nfreed)++;
		}
	}
	gbx_vmi_batch_fini(&b);
	return (error);
}

static void
test_partial(void)
{
	struct gbx_vmap *vm;
	uint32_t rel;
	unsigned np, nf;
	int firsts[8];
	uintptr_t base;

	gbx_vmi_init(&vi);
	base = 0x10000000;
	vm = new_map(base, 4, &owner_a); /* slots 0..3, guard at 4 */
	CHECK_EQ(vi.nfrags, 1);
	CHECK(gbx_vmi_find_start(&vi, base) == vm);
	CHECK(gbx_vmi_find_start(&vi, base + PG) == NULL);
	CHECK(gbx_vmi_find_start(&vi, base - PG) == NULL);

	/* The guard is not a page gntbox_munmap may name. */
	CHECK_ERR(detach(base + 3 * PG, 2 * PG, &owner_a, &rel, firsts, &np,
		      &nf),
	    EINVAL);
	CHECK_ERR(detach(base + 4 * PG, PG, &owner_a, &rel, firsts, &np, &nf),
	    EINVAL);
	/* Another owner's handle cannot unmap it. */
	CHECK_ERR(detach(base, PG, &owner_b, &rel, firsts, &np, &nf), EINVAL);
	CHECK_EQ(vm->live, 4);

	/* The middle page: one piece, the fragment splits in two. */
	CHECK_ERR(detach(base + PG, PG, &owner_a, &rel, firsts, &np, &nf), 0);
	CHECK_EQ(rel, 1);
	CHECK_EQ(np, 1);
	CHECK_EQ(firsts[0], 1);
	CHECK_EQ(vi.nfrags, 2);
	CHECK_EQ(vm->live, 3);
	CHECK(vm->guard);
	CHECK(gbx_vmi_find_start(&vi, base) == vm);

	/* A range with a hole in it is refused, whole. */
	CHECK_ERR(detach(base, 3 * PG, &owner_a, &rel, firsts, &np, &nf),
	    EINVAL);
	CHECK_EQ(vm->live, 3);

	/* The last page takes the guard with it. */
	CHECK_ERR(detach(base + 3 * PG, PG, &owner_a, &rel, firsts, &np, &nf),
	    0);
	CHECK_EQ(rel, 1);
	CHECK_EQ(firsts[0], 3);
	CHECK(!vm->guard);
	CHECK_EQ(vi.nfrags, 2);

	/* The first page: the start is gone for offset lookups. */
	CHECK_ERR(detach(base, PG, &owner_a, &rel, firsts, &np, &nf), 0);
	CHECK(gbx_vmi_find_start(&vi, base) == NULL);
	CHECK_EQ(nf, 0);
	/* The rest: the mapping goes. */
	CHECK_ERR(detach(base + 2 * PG, PG, &owner_a, &rel, firsts, &np, &nf),
	    0);
	CHECK_EQ(nf, 1);
	CHECK_EQ(vi.nfrags, 0);
}

static void
test_guard_alone_and_ranges(void)
{
	struct gbx_vmap *a, *b;
	uint32_t rel;
	unsigned np, nf;
	int firsts[8];
	uintptr_t base;

	gbx_vmi_init(&vi);
	base = 0x20000000;
	a = new_map(base, 2, &owner_a);		 /* 0..1, guard at 2 */
	b = new_map(base + 5 * PG, 3, &owner_b); /* 5..7, guard at 8 */

	/* The preload library may be asked to unmap just a guard. */
	CHECK_ERR(detach(base + 2 * PG, PG, NULL, &rel, firsts, &np, &nf), 0);
	CHECK_EQ(rel, 0);
	CHECK_EQ(np, 1);
	CHECK_EQ(firsts[0], -1);
	CHECK(!a->guard);
	CHECK_EQ(a->live, 2);
	/* Then the last page leaves without one. */
	CHECK_ERR(detach(base + PG, PG, &owner_a, &rel, firsts, &np, &nf), 0);
	CHECK_EQ(rel, 1);
	CHECK_EQ(vi.nfrags, 2);

	/*
	 * A range over a's first page, a gap, and b's first two pages: two
	 * pieces in address order; a is freed.
	 */
	CHECK_ERR(detach(base, 7 * PG, NULL, &rel, firsts, &np, &nf), 0);
	CHECK_EQ(rel, 3);
	CHECK_EQ(np, 2);
	CHECK_EQ(firsts[0], 0);
	CHECK_EQ(firsts[1], 0);
	CHECK_EQ(nf, 1);
	CHECK_EQ(b->live, 1);
	/* An unrelated range is a no-op. */
	CHECK_ERR(detach(base + 100 * PG, PG, NULL, &rel, firsts, &np, &nf), 0);
	CHECK_EQ(np, 0);
	/* b's last page, from a range that starts before it: guard too. */
	CHECK_ERR(detach(base + 6 * PG, 2 * PG, NULL, &rel, firsts, &np, &nf),
	    0);
	CHECK_EQ(rel, 1);
	CHECK_EQ(nf, 1);
	CHECK_EQ(vi.nfrags, 0);
}

static void
test_detach_all(void)
{
	struct gbx_vmbatch b;
	struct gbx_vmfrag *p;
	struct gbx_vmap *vm;
	uint32_t rel, first, n;
	unsigned np, nf, pieces;
	int firsts[8];
	bool freed;

	gbx_vmi_init(&vi);
	vm = new_map(0x30000000, 5, &owner_a);
	CHECK_ERR(detach(0x30000000 + PG, PG, &owner_a, &rel, firsts, &np, &nf),
	    0);
	CHECK_ERR(detach(0x30000000 + 3 * PG, PG, &owner_a, &rel, firsts, &np,
		      &nf),
	    0);
	CHECK_EQ(vi.nfrags, 3);
	memset(&b, 0, sizeof(b));
	SLIST_INIT(&b.pieces);
	gbx_vmi_detach_all(&vi, vm, &b);
	CHECK_EQ(vi.nfrags, 0);
	rel = pieces = 0;
	freed = false;
	while ((p = gbx_vmi_batch_pop(&b)) != NULL) {
		n = gbx_vmi_piece_pages(p, &first);
		rel += n;
		pieces++;
		freed = gbx_vmi_piece_done(p);
	}
	CHECK_EQ(rel, 3);
	CHECK_EQ(pieces, 3);
	CHECK(freed);
	free(vm);
}

static bool
owned_by_b(const struct gbx_vmap *vm)
{

	return (vm->owner == &owner_b);
}

/*
 * After fork, a child's maps leave the index: lookups and unmaps no
 * longer see them, and a new mapping can take their addresses.
 */
static void
test_purge(void)
{
	struct gbx_vmap *a, *b, *c;
	struct gbx_vmfrag *left;
	uint32_t rel;
	unsigned np, nf;
	int firsts[8];

	gbx_vmi_init(&vi);
	a = new_map(0x50000000, 2, &owner_a);
	b = new_map(0x50000000 + 3 * PG, 2, &owner_b);
	CHECK_ERR(detach(0x50000000 + 3 * PG, PG, NULL, &rel, firsts, &np, &nf),
	    0);
	left = LIST_FIRST(&b->frags);
	gbx_vmi_purge(&vi, owned_by_b);
	CHECK(LIST_EMPTY(&b->frags));
	CHECK_EQ(vi.nfrags, 1);
	CHECK_EQ(b->live, 0);
	CHECK(gbx_vmi_find_start(&vi, 0x50000000) == a);
	CHECK_ERR(detach(0x50000000 + 3 * PG, 3 * PG, NULL, &rel, firsts, &np,
		      &nf),
	    0);
	CHECK_EQ(np, 0);
	c = new_map(0x50000000 + 3 * PG, 1, &owner_a);
	CHECK(gbx_vmi_find_start(&vi, 0x50000000 + 3 * PG) == c);
	CHECK_ERR(detach(0x50000000, 6 * PG, NULL, &rel, firsts, &np, &nf), 0);
	CHECK_EQ(rel, 3);
	CHECK_EQ(nf, 2);
	CHECK_EQ(vi.nfrags, 0);
	/* What a purge leaves allocated is the child's to leak. */
	free(left);
	free(b);
}

/*
 * Random unmaps over a few mappings, checked against a per-slot model:
 * each slot is released exactly once, a guard goes no later than its last
 * page, and a mapping is freed exactly when its last slot goes.
 */
#define NMAPS  4
#define NPAGES 9
#define SLOTS  (NPAGES + 1)

/* Which of the mappings vm is (every piece belongs to one of them). */
static unsigned
map_index(struct gbx_vmap *const *vms, const struct gbx_vmap *vm)
{
	unsigned m;

	for (m = 0; m < NMAPS; m++)
		if (vms[m] == vm)
			return (m);
	check_fail(__FILE__, __LINE__, "a piece of no known mapping");
	exit(check_exit());
}

static void
test_random(void)
{
	static bool model[NMAPS][SLOTS];
	struct gbx_vmap *vms[NMAPS];
	struct gbx_vmbatch b;
	struct gbx_vmfrag *p;
	uintptr_t base[NMAPS], lo;
	uint32_t first, n, s;
	unsigned i, k, m, len, left;
	bool owned, last;

	gbx_vmi_init(&vi);
	srandom(7);
	for (m = 0; m < NMAPS; m++) {
		/* Mappings with gaps of 0..2 pages between them. */
		base[m] =
		    0x40000000 + m * (SLOTS + 2) * PG + (uintptr_t)(m % 3) * PG;
		vms[m] = new_map(base[m], NPAGES, &owner_a);
		for (s = 0; s < SLOTS; s++)
			model[m][s] = true;
	}
	left = NMAPS;
	for (k = 0; k < 2000 && left > 0; k++) {
		lo = 0x40000000 +
		    (uintptr_t)(random() % (NMAPS * (SLOTS + 2))) * PG;
		len = 1 + (unsigned)(random() % 6);
		REQUIRE(gbx_vmi_batch_init(&b) == 0);
		CHECK_ERR(gbx_vmi_detach(&vi, &b, lo, len * PG, NULL), 0);
		while ((p = gbx_vmi_batch_pop(&b)) != NULL) {
			m = map_index(vms, p->vm);
			for (s = p->first; s < p->first + p->nslots; s++) {
				CHECK(model[m][s]);
				model[m][s] = false;
			}
			n = gbx_vmi_piece_pages(p, &first);
			CHECK(n <= p->nslots);
			last = gbx_vmi_piece_done(p);
			for (owned = false, s = 0; s < SLOTS; s++)
				owned |= model[m][s];
			CHECK_EQ(last, !owned);
			if (last) {
				free(vms[m]);
				vms[m] = NULL;
				left--;
			}
		}
		gbx_vmi_batch_fini(&b);
		for (m = 0; m < NMAPS; m++) {
			if (vms[m] == NULL)
				continue;
			/* The guard never outlives the last page. */
			if (!model[m][NPAGES - 1])
				CHECK(!model[m][NPAGES]);
			for (n = 0, i = 0; i < NPAGES; i++)
				n += model[m][i];
			CHECK_EQ(vms[m]->live, n);
			CHECK_EQ(vms[m]->guard, model[m][NPAGES]);
		}
	}
	CHECK_EQ(left, 0);
	CHECK_EQ(vi.nfrags, 0);
}

int
main(void)
{

	test_partial();
	test_guard_alone_and_ranges();
	test_detach_all();
	test_purge();
	test_random();
	return (check_exit());
}
