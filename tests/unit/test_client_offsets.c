/*
 * Unit test of a grant device's offset space (client/offsets.h): byte
 * offsets over page numbers 0 .. 2^52 - 1, first fit with reuse of holes
 * of exactly the requested size (Linux's gntdev needs one page more),
 * caller-chosen offsets at 0 and at the very top, and counts of 0, 1,
 * 2^31 and 2^32 - 1 without overflow.
 */
#include <errno.h>
#include <stdint.h>

#include "check.h"
#include "client/offsets.h"

#define PG	 4096ULL
#define TOP_PAGE (GBX_OFF_NPAGES - 1) /* the highest page number */

static void
test_first_fit_and_reuse(void)
{
	struct gbx_offsets o;
	uint64_t a, b, c, d, x;

	REQUIRE(gbx_off_init(&o) == 0);
	CHECK_ERR(gbx_off_alloc(&o, 1, false, &a), 0);
	CHECK_ERR(gbx_off_alloc(&o, 2, false, &b), 0);
	CHECK_ERR(gbx_off_alloc(&o, 3, false, &c), 0);
	CHECK_ERR(gbx_off_alloc(&o, 1, false, &d), 0);
	CHECK_U64(a, 0);
	CHECK_U64(b, 1 * PG);
	CHECK_U64(c, 3 * PG);
	CHECK_U64(d, 6 * PG);

	/* A hole of exactly 2 pages is reused for 2 pages. */
	CHECK_ERR(gbx_off_free(&o, b / PG, 2), 0);
	CHECK_ERR(gbx_off_alloc(&o, 2, false, &x), 0);
	CHECK_U64(x, b);

	/* First fit: the lowest hole that fits, not the best one. */
	CHECK_ERR(gbx_off_free(&o, a / PG, 1), 0);
	CHECK_ERR(gbx_off_free(&o, c / PG, 3), 0);
	CHECK_ERR(gbx_off_alloc(&o, 1, false, &x), 0);
	CHECK_U64(x, 0);
	CHECK_ERR(gbx_off_alloc(&o, 2, false, &x), 0);
	CHECK_U64(x, 3 * PG);
	/* A 4-page request does not fit the 1-page hole left at 5. */
	CHECK_ERR(gbx_off_alloc(&o, 4, false, &x), 0);
	CHECK_U64(x, 7 * PG);
	CHECK_ERR(gbx_off_alloc(&o, 1, false, &x), 0);
	CHECK_U64(x, 5 * PG);

	/* Freeing twice is refused and changes nothing. */
	CHECK_ERR(gbx_off_free(&o, 5, 1), 0);
	CHECK_ERR(gbx_off_free(&o, 5, 1), EALREADY);
	CHECK_ERR(gbx_off_alloc(&o, 1, false, &x), 0);
	CHECK_U64(x, 5 * PG);
	CHECK_ERR(ra_check(&o.ra), 0);
	gbx_off_destroy(&o);
}

static void
test_fixed(void)
{
	struct gbx_offsets o;
	uint64_t x;

	REQUIRE(gbx_off_init(&o) == 0);
	/* At 0. */
	x = 0;
	CHECK_ERR(gbx_off_alloc(&o, 2, true, &x), 0);
	CHECK_ERR(gbx_off_alloc(&o, 1, true, &x), EBUSY);
	x = PG;
	CHECK_ERR(gbx_off_alloc(&o, 1, true, &x), EBUSY);
	x = 2 * PG;
	CHECK_ERR(gbx_off_alloc(&o, 1, true, &x), 0);
	/* First fit skips what the caller chose. */
	CHECK_ERR(gbx_off_alloc(&o, 1, false, &x), 0);
	CHECK_U64(x, 3 * PG);

	/* Unaligned. */
	x = 5 * PG + 1;
	CHECK_ERR(gbx_off_alloc(&o, 1, true, &x), EINVAL);
	x = 5 * PG + PG / 2;
	CHECK_ERR(gbx_off_alloc(&o, 1, true, &x), EINVAL);

	/* The very top: the last page starts at 2^64 - 4096. */
	x = UINT64_MAX - PG + 1;
	CHECK_ERR(gbx_off_alloc(&o, 2, true, &x), EINVAL); /* would wrap */
	CHECK_ERR(gbx_off_alloc(&o, 1, true, &x), 0);
	CHECK_ERR(gbx_off_alloc(&o, 1, true, &x), EBUSY);
	x = UINT64_MAX - 2 * PG + 1;
	CHECK_ERR(gbx_off_alloc(&o, 2, true, &x), EBUSY);
	CHECK_ERR(gbx_off_alloc(&o, 1, true, &x), 0);
	CHECK_ERR(gbx_off_free(&o, TOP_PAGE - 1, 2), 0);
	CHECK_ERR(gbx_off_free(&o, TOP_PAGE, 1), EALREADY);
	CHECK_ERR(gbx_off_free(&o, TOP_PAGE, 2), EINVAL); /* leaves space */
	/* The largest count that ends exactly at the top. */
	x = (GBX_OFF_NPAGES - UINT32_MAX) * PG;
	CHECK_ERR(gbx_off_alloc(&o, UINT32_MAX, true, &x), 0);
	x += PG;
	CHECK_ERR(gbx_off_alloc(&o, UINT32_MAX, true, &x), EINVAL);
	CHECK_ERR(ra_check(&o.ra), 0);
	gbx_off_destroy(&o);
}

static void
test_counts(void)
{
	struct gbx_offsets o;
	uint64_t x, y, p;

	REQUIRE(gbx_off_init(&o) == 0);
	CHECK_ERR(gbx_off_alloc(&o, 0, false, &x), EINVAL);
	x = 0;
	CHECK_ERR(gbx_off_alloc(&o, 0, true, &x), EINVAL);
	CHECK_ERR(gbx_off_alloc(&o, 1, false, &x), 0);
	CHECK_U64(x, 0);
	CHECK_ERR(gbx_off_alloc(&o, 1ULL << 31, false, &x), 0);
	CHECK_U64(x, PG);
	CHECK_ERR(gbx_off_alloc(&o, UINT32_MAX, false, &y), 0);
	CHECK_U64(y, PG + (1ULL << 31) * PG);
	/* More pages than the whole space, and exactly what is left. */
	CHECK_ERR(gbx_off_alloc(&o, GBX_OFF_NPAGES + 1, false, &x), ENOSPC);
	CHECK_ERR(gbx_off_alloc(&o, UINT64_MAX, false, &x), ENOSPC);
	p = 1 + (1ULL << 31) + UINT32_MAX;
	CHECK_ERR(gbx_off_alloc(&o, GBX_OFF_NPAGES - p + 1, false, &x), ENOSPC);
	CHECK_ERR(gbx_off_alloc(&o, GBX_OFF_NPAGES - p, false, &x), 0);
	CHECK_U64(x, p * PG);
	CHECK_ERR(gbx_off_alloc(&o, 1, false, &x), ENOSPC);
	CHECK_ERR(gbx_off_free(&o, 1, 1ULL << 31), 0);
	CHECK_ERR(gbx_off_alloc(&o, 1ULL << 31, false, &x), 0);
	CHECK_U64(x, PG);
	CHECK_ERR(ra_check(&o.ra), 0);
	gbx_off_destroy(&o);
}

static void
test_to_page(void)
{
	uint64_t p;

	CHECK_ERR(gbx_off_to_page(0, 1, &p), 0);
	CHECK_U64(p, 0);
	CHECK_ERR(gbx_off_to_page(0, 0, &p), EINVAL);
	CHECK_ERR(gbx_off_to_page(1, 1, &p), EINVAL);
	CHECK_ERR(gbx_off_to_page(UINT64_MAX - PG + 1, 1, &p), 0);
	CHECK_U64(p, TOP_PAGE);
	CHECK_ERR(gbx_off_to_page(UINT64_MAX - PG + 1, 2, &p), EINVAL);
	CHECK_ERR(gbx_off_to_page(0, GBX_OFF_NPAGES, &p), 0);
	CHECK_ERR(gbx_off_to_page(0, GBX_OFF_NPAGES + 1, &p), EINVAL);
	CHECK_ERR(gbx_off_to_page(PG, UINT64_MAX, &p), EINVAL);
	CHECK_ERR(gbx_off_to_page(1ULL << 43, UINT32_MAX, &p), 0);
	CHECK_U64(p, 1ULL << 31);
}

int
main(void)
{

	test_first_fit_and_reuse();
	test_fixed();
	test_counts();
	test_to_page();
	return (check_exit());
}
