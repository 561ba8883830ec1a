/*
 * Unit test of the free-range allocator: the edges of the 64-bit space,
 * counts at 0, 1, 2^31, 2^32-1 and 2^64-1, first fit, coalescing and
 * reuse, double frees, and a long random run checked against a bitmap
 * model with the tree's invariants verified after every operation.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/rangealloc.h"
#include "check.h"

static void
test_edges(void)
{
	struct rangealloc ra;
	uint64_t x;

	CHECK_ERR(ra_init(&ra, 5, 4), EINVAL);

	/* The whole 64-bit space. */
	REQUIRE(ra_init(&ra, 0, UINT64_MAX) == 0);
	CHECK_ERR(ra_alloc(&ra, 0, &x), EINVAL);
	CHECK_ERR(ra_alloc(&ra, UINT64_MAX, &x), 0);
	CHECK_U64(x, 0);
	CHECK_ERR(ra_alloc(&ra, 2, &x), ENOSPC);
	CHECK_ERR(ra_alloc(&ra, 1, &x), 0);
	CHECK_U64(x, UINT64_MAX);
	CHECK_ERR(ra_alloc(&ra, 1, &x), ENOSPC);
	CHECK(ra_is_allocated(&ra, 0, UINT64_MAX));
	CHECK(ra_is_allocated(&ra, UINT64_MAX, 1));
	CHECK_ERR(ra_free(&ra, UINT64_MAX, 2), EINVAL); /* wraps */
	CHECK_ERR(ra_free(&ra, UINT64_MAX, 1), 0);
	CHECK_ERR(ra_free(&ra, UINT64_MAX, 1), EALREADY); /* double free */
	CHECK_ERR(ra_free(&ra, 0, UINT64_MAX), 0);
	CHECK_EQ(ra.nranges, 1);
	CHECK_EQ(ra.nused, 0);
	CHECK_ERR(ra_check(&ra), 0);

	/* Fixed placement at the very top, then first fit below it. */
	CHECK_ERR(ra_alloc_at(&ra, UINT64_MAX - 9, 10), 0);
	CHECK_ERR(ra_alloc_at(&ra, UINT64_MAX - 10, 2), EBUSY);
	CHECK_ERR(ra_alloc_at(&ra, UINT64_MAX, 2), EINVAL);
	CHECK_ERR(ra_alloc_at(&ra, 0, 0), EINVAL);
	CHECK_ERR(ra_alloc(&ra, (uint64_t)1 << 31, &x), 0);
	CHECK_U64(x, 0);
	CHECK_ERR(ra_alloc(&ra, UINT32_MAX, &x), 0);
	CHECK_U64(x, (uint64_t)1 << 31);
	CHECK_ERR(ra_check(&ra), 0);
	ra_destroy(&ra);

	/* A span that does not start at 0: nothing outside it is handed out. */
	REQUIRE(ra_init(&ra, 8, 15) == 0);
	CHECK_ERR(ra_alloc_at(&ra, 7, 1), EINVAL);
	CHECK_ERR(ra_alloc_at(&ra, 15, 2), EINVAL);
	CHECK_ERR(ra_free(&ra, 16, 1), EINVAL);
	CHECK_ERR(ra_alloc(&ra, 9, &x), ENOSPC);
	CHECK_ERR(ra_alloc(&ra, 8, &x), 0);
	CHECK_U64(x, 8);
	CHECK_ERR(ra_alloc(&ra, 1, &x), ENOSPC);
	CHECK_ERR(ra_free(&ra, 8, 8), 0);
	ra_destroy(&ra);
}

static void
test_first_fit_and_coalescing(void)
{
	struct rangealloc ra;
	uint64_t a, b, c, d, x;

	REQUIRE(ra_init(&ra, 0, 999) == 0);
	CHECK_ERR(ra_alloc(&ra, 10, &a), 0);
	CHECK_ERR(ra_alloc(&ra, 20, &b), 0);
	CHECK_ERR(ra_alloc(&ra, 10, &c), 0);
	CHECK_ERR(ra_alloc(&ra, 5, &d), 0);
	CHECK_U64(a, 0);
	CHECK_U64(b, 10);
	CHECK_U64(c, 30);
	CHECK_U64(d, 40);

	/* A hole of exactly the requested size is reused (Linux needs +1). */
	CHECK_ERR(ra_free(&ra, b, 20), 0);
	CHECK_ERR(ra_alloc(&ra, 20, &x), 0);
	CHECK_U64(x, 10);

	/* First fit: the lowest hole that fits, not the best one. */
	CHECK_ERR(ra_free(&ra, a, 10), 0);
	CHECK_ERR(ra_free(&ra, c, 10), 0);
	CHECK_ERR(ra_alloc(&ra, 4, &x), 0);
	CHECK_U64(x, 0);
	CHECK_ERR(ra_alloc(&ra, 8, &x), 0);
	CHECK_U64(x, 30);

	/* Frees on both sides of a hole merge into one range. */
	CHECK_ERR(ra_free(&ra, 0, 4), 0);
	CHECK_ERR(ra_free(&ra, 30, 8), 0);
	CHECK_ERR(ra_free(&ra, 10, 20), 0);
	CHECK_ERR(ra_free(&ra, 40, 5), 0);
	CHECK_EQ(ra.nranges, 1);
	CHECK_EQ(ra.nused, 0);
	CHECK_ERR(ra_check(&ra), 0);

	/* Partial overlap with a free range is a double free; nothing moves. */
	CHECK_ERR(ra_alloc_at(&ra, 100, 10), 0);
	CHECK_ERR(ra_free(&ra, 95, 10), EALREADY);
	CHECK_ERR(ra_free(&ra, 105, 10), EALREADY);
	CHECK(ra_is_allocated(&ra, 100, 10));
	CHECK(!ra_is_allocated(&ra, 99, 2));
	CHECK_ERR(ra_check(&ra), 0);
	ra_destroy(&ra);
}

/* A reference model: one bit per element of a small span. */
#define SPAN 2048
static bool model[SPAN];

static bool
model_free(uint64_t first, uint64_t n)
{
	for (uint64_t i = first; i < first + n; i++)
		if (model[i])
			return (false);
	return (true);
}

static bool
model_used(uint64_t first, uint64_t n)
{
	for (uint64_t i = first; i < first + n; i++)
		if (!model[i])
			return (false);
	return (true);
}

static uint64_t
model_first_fit(uint64_t n)
{
	for (uint64_t i = 0; i + n <= SPAN; i++)
		if (model_free(i, n))
			return (i);
	return (UINT64_MAX);
}

static void
test_random_against_model(void)
{
	struct rangealloc ra;
	uint64_t first, n, x, want;
	int op, error, bad;

	srandom(1234);
	memset(model, 0, sizeof(model));
	REQUIRE(ra_init(&ra, 0, SPAN - 1) == 0);
	bad = 0;
	for (int i = 0; i < 40000 && bad < 5; i++) {
		op = random() % 4;
		n = 1 + random() % (random() % 4 == 0 ? 200 : 8);
		first = random() % SPAN;
		if (first + n > SPAN)
			n = SPAN - first;
		switch (op) {
		case 0:
			want = model_first_fit(n);
			error = ra_alloc(&ra, n, &x);
			if (want == UINT64_MAX ? error != ENOSPC :
						 error != 0 || x != want)
				bad++;
			if (error == 0)
				memset(model + x, 1, n);
			break;
		case 1:
			error = ra_alloc_at(&ra, first, n);
			if (error != (model_free(first, n) ? 0 : EBUSY))
				bad++;
			if (error == 0)
				memset(model + first, 1, n);
			break;
		case 2:
			error = ra_free(&ra, first, n);
			if (error != (model_used(first, n) ? 0 : EALREADY))
				bad++;
			if (error == 0)
				memset(model + first, 0, n);
			break;
		default:
			if (ra_is_allocated(&ra, first, n) !=
			    model_used(first, n))
				bad++;
			break;
		}
		if (ra_check(&ra) != 0)
			bad++;
	}
	CHECK_EQ(bad, 0);
	ra_destroy(&ra);
}

int
main(void)
{

	test_edges();
	test_first_fit_and_coalescing();
	test_random_against_model();
	return (check_exit());
}
