/*
 * Unit test of a grant device's records (client/records.h): map records found
 * by exact offset and by any page they hold, shared pages whose runs span
 * share calls, giving up a run in the middle, at the edges and across
 * segments, and the per-page mapping counts that decide MAPPED, UNMAPPED
 * and when a page is freed.  Run under ASan, it also proves that every
 * block is freed exactly once.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "client/records.h"

static void
test_maps(void)
{
	struct gbx_grant_ref refs[3] = { { 1, 8 }, { 1, 9 }, { 2, 10 } };
	struct gbx_maprec *a, *b, *c;
	struct gbx_records r;

	gbx_rec_init(&r);
	CHECK(gbx_rec_map_first(&r) == NULL);
	CHECK(gbx_rec_map_lookup(&r, 0) == NULL);
	REQUIRE((a = gbx_rec_map_new(2, refs)) != NULL);
	REQUIRE((b = gbx_rec_map_new(1, refs + 2)) != NULL);
	REQUIRE((c = gbx_rec_map_new(3, refs)) != NULL);
	CHECK_EQ(a->state, GBX_MAP_RECORDED);
	CHECK_EQ(a->refs[1].ref, 9);
	CHECK_EQ(b->refs[0].domid, 2);
	a->page = 0;
	b->page = 5;
	c->page = (1ULL << 52) - 3; /* the top of the space */
	gbx_rec_map_insert(&r, c);
	gbx_rec_map_insert(&r, a);
	gbx_rec_map_insert(&r, b);
	CHECK_EQ(r.nmaps, 3);
	CHECK(a->in_tree);

	CHECK(gbx_rec_map_find(&r, 0, 2) == a);
	CHECK(gbx_rec_map_find(&r, 0, 0) == a); /* 0: any count */
	CHECK(gbx_rec_map_find(&r, 0, 1) == NULL);
	CHECK(gbx_rec_map_find(&r, 1, 0) == NULL); /* not its start */
	CHECK(gbx_rec_map_find(&r, 5, 1) == b);
	CHECK(gbx_rec_map_find(&r, 4, 0) == NULL);
	CHECK(gbx_rec_map_lookup(&r, 1) == a);
	CHECK(gbx_rec_map_lookup(&r, 2) == NULL);
	CHECK(gbx_rec_map_lookup(&r, 5) == b);
	CHECK(gbx_rec_map_lookup(&r, 6) == NULL);
	CHECK(gbx_rec_map_lookup(&r, (1ULL << 52) - 1) == c);
	CHECK(gbx_rec_map_lookup(&r, (1ULL << 52) - 4) == NULL);
	CHECK(gbx_rec_map_first(&r) == a);

	gbx_rec_map_remove(&r, a);
	CHECK(!a->in_tree);
	CHECK(gbx_rec_map_lookup(&r, 1) == NULL);
	CHECK(gbx_rec_map_first(&r) == b);
	gbx_rec_map_remove(&r, b);
	gbx_rec_map_remove(&r, c);
	CHECK_EQ(r.nmaps, 0);
	gbx_rec_map_free(a);
	gbx_rec_map_free(b);
	gbx_rec_map_free(c);
}

/* What gntboxd would be told, as a test sees it. */
struct seen {
	uint32_t refs[16];
	unsigned n;
	unsigned freed;
};

static void
giveup(void *arg, struct gbx_spage *p)
{
	struct seen *s;

	s = arg;
	CHECK(!p->shared);
	if (s->n < 16)
		s->refs[s->n++] = p->ref;
	if (gbx_spage_reap(p))
		s->freed++;
}

/*
 * Two share calls: A = refs 10..13 at pages 20..23 (arena 7, pages
 * 100..103) and B = refs 14..15 at pages 24..25 (arena 7, 104..105).
 */
static void
make_two(struct gbx_records *r)
{
	uint32_t ra[4] = { 10, 11, 12, 13 }, rb[2] = { 14, 15 };
	struct gbx_sblock *a, *b;

	gbx_rec_init(r);
	REQUIRE((a = gbx_sblock_new(7, 100, 4, ra)) != NULL);
	REQUIRE((b = gbx_sblock_new(7, 104, 2, rb)) != NULL);
	REQUIRE(gbx_rec_share_insert(r, 24, b) == 0);
	REQUIRE(gbx_rec_share_insert(r, 20, a) == 0);
}

/* Give up everything left, checking the trees empty out. */
static void
drain(struct gbx_records *r)
{
	struct gbx_sseg *none;
	struct seen s = { { 0 }, 0, 0 };
	uint64_t page;
	uint32_t count;

	none = NULL;
	while (gbx_rec_share_first(r, &page, &count))
		CHECK_ERR(gbx_rec_share_remove(r, page, count, &none, giveup,
			      &s),
		    0);
	CHECK_EQ(r->nsegs, 0);
	CHECK_EQ(r->npages, 0);
}

static void
test_share_runs(void)
{
	struct gbx_spage *out[6];
	struct gbx_records r;
	struct gbx_spage *p;
	unsigned i;

	make_two(&r);
	CHECK_EQ(r.nsegs, 2);
	CHECK_EQ(r.npages, 6);
	/* A run across the two share calls. */
	CHECK_ERR(gbx_rec_share_run(&r, 20, 6, out), 0);
	for (i = 0; i < 6; i++) {
		CHECK_EQ(out[i]->ref, 10 + i);
		CHECK_EQ(gbx_spage_arena_page(out[i]), 100 + i);
		CHECK(out[i]->shared);
	}
	CHECK(out[3]->block != out[4]->block);
	CHECK_ERR(gbx_rec_share_run(&r, 22, 3, NULL), 0);
	CHECK_ERR(gbx_rec_share_run(&r, 20, 7, NULL), EINVAL);
	CHECK_ERR(gbx_rec_share_run(&r, 19, 2, NULL), EINVAL);
	CHECK_ERR(gbx_rec_share_run(&r, 26, 1, NULL), EINVAL);
	CHECK_ERR(gbx_rec_share_run(&r, 20, 0, NULL), EINVAL);
	p = gbx_rec_share_lookup(&r, 25);
	CHECK(p != NULL && p->ref == 15);
	CHECK(gbx_rec_share_lookup(&r, 26) == NULL);
	CHECK(gbx_rec_share_lookup(&r, 19) == NULL);
	drain(&r);
}

static void
test_share_remove(void)
{
	struct gbx_sseg *spare;
	struct gbx_records r;
	struct seen s = { { 0 }, 0, 0 };
	uint64_t page;
	uint32_t count;

	make_two(&r);
	/* A middle cut needs the spare; without it nothing changes. */
	spare = NULL;
	CHECK_ERR(gbx_rec_share_remove(&r, 21, 2, &spare, giveup, &s), ENOMEM);
	CHECK_EQ(s.n, 0);
	CHECK_ERR(gbx_rec_share_run(&r, 20, 6, NULL), 0);
	REQUIRE((spare = calloc(1, sizeof(*spare))) != NULL);
	CHECK_ERR(gbx_rec_share_remove(&r, 21, 2, &spare, giveup, &s), 0);
	CHECK(spare == NULL);
	CHECK_EQ(s.n, 2);
	CHECK_EQ(s.refs[0], 11);
	CHECK_EQ(s.refs[1], 12);
	CHECK_EQ(s.freed, 2);
	CHECK_EQ(r.nsegs, 3);
	CHECK_EQ(r.npages, 4);
	CHECK_ERR(gbx_rec_share_run(&r, 20, 2, NULL), EINVAL);
	CHECK_ERR(gbx_rec_share_run(&r, 23, 3, NULL), 0);
	CHECK(gbx_rec_share_lookup(&r, 22) == NULL);
	/* Giving up pages already given up is refused. */
	CHECK_ERR(gbx_rec_share_remove(&r, 22, 1, &spare, giveup, &s), EINVAL);
	CHECK_ERR(gbx_rec_share_remove(&r, 20, 4, &spare, giveup, &s), EINVAL);

	/* Across segments: the tail of one call and the head of the next. */
	s.n = s.freed = 0;
	CHECK_ERR(gbx_rec_share_remove(&r, 23, 2, &spare, giveup, &s), 0);
	CHECK_EQ(s.n, 2);
	CHECK_EQ(s.refs[0], 13);
	CHECK_EQ(s.refs[1], 14);
	CHECK_EQ(s.freed, 2);
	CHECK_EQ(r.nsegs, 2);
	CHECK(gbx_rec_share_first(&r, &page, &count));
	CHECK_EQ(page, 20);
	CHECK_EQ(count, 1);
	CHECK_ERR(gbx_rec_share_run(&r, 25, 1, NULL), 0);
	drain(&r);
	CHECK(!gbx_rec_share_first(&r, &page, &count));
}

/*
 * Partial munmap accounting for shared pages: two mappings cover pages
 * 21..23; a page is UNMAPPED only when its last mapping goes, and freed
 * only when it is also given up, whichever comes first.
 */
static void
test_share_mapping_counts(void)
{
	struct gbx_spage *m1[3], *m2[2];
	struct gbx_sseg *spare;
	struct gbx_records r;
	struct seen s = { { 0 }, 0, 0 };
	unsigned i, firsts;

	make_two(&r);
	CHECK_ERR(gbx_rec_share_run(&r, 21, 3, m1), 0);
	CHECK_ERR(gbx_rec_share_run(&r, 22, 2, m2), 0);
	for (firsts = 0, i = 0; i < 3; i++)
		firsts += gbx_spage_map(m1[i]);
	CHECK_EQ(firsts, 3); /* three MAPPED */
	for (firsts = 0, i = 0; i < 2; i++)
		firsts += gbx_spage_map(m2[i]);
	CHECK_EQ(firsts, 0); /* already held */
	CHECK_EQ(m1[1]->nmaps, 2);

	/* Give up 21..23 while mapped: nothing is freed yet. */
	REQUIRE((spare = calloc(1, sizeof(*spare))) != NULL);
	CHECK_ERR(gbx_rec_share_remove(&r, 21, 3, &spare, giveup, &s), 0);
	CHECK_EQ(s.n, 3);
	CHECK_EQ(s.freed, 0);
	free(spare);

	/* The first mapping loses its middle page: still mapped by m2. */
	CHECK(!gbx_spage_unmap(m1[1]));
	CHECK(!gbx_spage_reap(m1[1]));
	/* ... then its first page: the last mapping of page 21. */
	CHECK(gbx_spage_unmap(m1[0]));
	CHECK(gbx_spage_reap(m1[0]));
	/* The second mapping goes whole; then the rest of the first. */
	CHECK(gbx_spage_unmap(m2[0]));
	CHECK(gbx_spage_reap(m2[0]));
	CHECK(!gbx_spage_unmap(m2[1]));
	CHECK(!gbx_spage_reap(m2[1]));
	CHECK(gbx_spage_unmap(m1[2]));
	CHECK(gbx_spage_reap(m1[2]));
	/* Pages 20 and 24..25 are still shared and never mapped. */
	CHECK_EQ(r.npages, 3);
	drain(&r);
}

int
main(void)
{

	test_maps();
	test_share_runs();
	test_share_remove();
	test_share_mapping_counts();
	return (check_exit());
}
