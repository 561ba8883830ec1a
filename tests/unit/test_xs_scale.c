/*
 * Unit test of the xenstore engine's index at scale: with 100,000 nodes
 * (one parent of 100,000 children, and the same spread over a second
 * level), a lookup costs O(log n) comparisons.  Work is counted
 * (xs_store_lookup_steps), never timed: a red-black tree of n nodes is
 * at most 2 log2(n + 1) deep, so that is the bound checked per level.
 */
#include <errno.h>
#include <stdint.h>

#include <xen/io/xs_wire.h>

#include <stdio.h>
#include <string.h>

#include "check.h"
#include "xs/internal.h"
#include "xsclient.h"

#define N 100000

/* The depth bound of a red-black tree of n nodes: 2 log2(n + 1). */
static uint64_t
rb_depth(uint64_t n)
{
	uint64_t l;

	for (l = 0; (1ull << l) < n + 1; l++)
		;
	return (2 * l);
}

/* Comparisons made by one READ of path. */
static uint64_t
read_steps(struct xs_store *s, struct xt *t, const char *path, int want)
{
	uint64_t before;

	before = xs_store_lookup_steps(s);
	CHECK_ERR(xt_read(t, 0, path, NULL, NULL), want);
	return (xs_store_lookup_steps(s) - before);
}

int
main(void)
{
	struct xs_store *s;
	struct xt *t;
	struct xs_stats st;
	char path[64], buf[XT_MAX];
	uint64_t steps, bound;
	int i;

	REQUIRE((s = xs_store_new(NULL)) != NULL);
	t = xt_open(s, 0);
	CHECK_ERR(xt_write(t, 0, "/small/a", "1"), 0);
	steps = read_steps(s, t, "/small/a", 0);
	CHECK(steps <= 4);
	for (i = 0; i < N; i++) {
		snprintf(path, sizeof(path), "/flat/n%d", i);
		REQUIRE(xt_mkdir(t, 0, path) == 0);
		snprintf(path, sizeof(path), "/two/g%d/n%d", i % 317, i);
		REQUIRE(xt_mkdir(t, 0, path) == 0);
	}
	xs_store_stats(s, &st);
	CHECK(st.nodes > 2 * N);
	/* A node beside the big ones costs what it cost before. */
	CHECK(read_steps(s, t, "/small/a", 0) <= 5);
	/* Root level (4 children) then a parent of N children. */
	bound = rb_depth(4) + rb_depth(N);
	CHECK(read_steps(s, t, "/flat/n54321", 0) <= bound);
	CHECK(read_steps(s, t, "/flat/n99999", 0) <= bound);
	CHECK(read_steps(s, t, "/flat/zzz", ENOENT) <= bound);
	/* Two levels of 317 and about 315. */
	bound = rb_depth(4) + rb_depth(317) + rb_depth(316);
	CHECK(read_steps(s, t, "/two/g100/n100", 0) <= bound);
	/* DIRECTORY of a small node does not walk the big one. */
	CHECK_ERR(xt_dir(t, 0, "/small", buf), 0);
	CHECK(strcmp(buf, "a") == 0);
	CHECK_ERR(xt_dir(t, 0, "/flat", NULL), E2BIG);
	CHECK_ERR(xs_store_check(s), 0);
	/* Removing a big subtree leaves a consistent store. */
	CHECK_ERR(xt_rm(t, 0, "/flat"), 0);
	CHECK_ERR(xs_store_check(s), 0);
	xt_close(t);
	xs_store_free(s);
	return (check_exit());
}
