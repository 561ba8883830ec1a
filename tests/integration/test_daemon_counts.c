/*
 * Integration test of counts at their edges against a real gntboxd: 0, 1,
 * 65536, 65537, 2^31 and 2^32 - 1 for ALLOC, MAP and the one-way ref
 * lists (EINVAL, or a counted protocol error, with nothing allocated and
 * no size overflowing), replies too large to come inline (EMSGSIZE), and
 * bulk tails of 65536 refs both ways: one ALLOC of 65536 pages, one MAP
 * of all of them, a MAP of 65536 with one bad ref, one DEALLOC of all.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xen/grant_table.h>

#include "test_daemon.h"

#define N 65536

static const uint32_t bad_counts[] = { 0, 65537, 1u << 31, UINT32_MAX };

static struct tdx_msg *m;
static int ctl;

static void
test_bad_counts(int fd, int bulk)
{
	struct gbx_alloc a = { 1, GBX_ALLOC_WRITABLE, 0 };
	struct gbx_map mp;
	struct gbx_refs rf;
	struct gbx_stats st0, st;
	uint32_t ref = 8;
	size_t i, j;
	int b, bulks[2] = { -1, bulk };

	tdx_stats(ctl, &st0);
	for (i = 0; i < sizeof(bad_counts) / sizeof(bad_counts[0]); i++) {
		for (j = 0; j < 2; j++) {
			b = bulks[j];
			a.count = bad_counts[i];
			CHECK_EQ(tdx_call(fd, GBX_ALLOC, &a, sizeof(a), NULL, 0,
				     b, m),
			    EINVAL);
			CHECK_EQ(m->blen, 0);
			memset(&mp, 0, sizeof(mp));
			mp.count = bad_counts[i];
			/* Checked before the tail's length is looked at. */
			CHECK_EQ(tdx_call(fd, GBX_MAP, &mp, sizeof(mp), NULL, 0,
				     b, m),
			    EINVAL);
			CHECK_EQ(tdx_call(fd, GBX_MAP, &mp, sizeof(mp), &ref,
				     sizeof(ref), -1, m),
			    EINVAL);
			rf.count = bad_counts[i];
			rf.pad = 0;
			REQUIRE(tdx_oneway(fd, GBX_DEALLOC, &rf, sizeof(rf),
				    NULL, 0, -1) == 0);
			REQUIRE(tdx_oneway(fd, GBX_UNMAPPED, &rf, sizeof(rf),
				    &ref, sizeof(ref), -1) == 0);
		}
	}
	/* Replies too large to come inline need a bulk request. */
	a.count = GBX_INLINE_MAX / 4 + 1;
	CHECK_EQ(tdx_call(fd, GBX_ALLOC, &a, sizeof(a), NULL, 0, -1, m),
	    EMSGSIZE);
	tdx_stats(ctl, &st);
	CHECK_U64(st.grants, st0.grants);
	CHECK_U64(st.pages, st0.pages);
	CHECK_U64(st.arenas, st0.arenas);
	/* Two one-way messages per count, with and without bulk. */
	CHECK_U64(st.protocol_errors, st0.protocol_errors + 4 * 2 * 2);
}

static void
test_edges(int s, int mfd, int bulk)
{
	static uint32_t refs[N];
	static struct gbx_grant_ref gr[N];
	static struct gbx_map_result res[N];
	struct gbx_alloc_reply ar;
	struct gbx_map mp;
	struct gbx_map_reply rep;
	struct gbx_refs rf;
	struct gbx_stats st0, st;
	uint32_t i, bad, arena;

	tdx_stats(ctl, &st0);
	/* One page, inline. */
	CHECK_EQ(tdx_alloc(s, 1, GBX_ALLOC_WRITABLE, 1, refs, &ar, -1, m), 0);
	CHECK_EQ(ar.count, 1);
	CHECK_EQ(refs[0], GNTTAB_NR_RESERVED_ENTRIES);
	CHECK_EQ(ar.fds.nfds, 1);
	CHECK_EQ(m->nfds, 1);
	arena = ar.arena;
	tdx_close(m);
	rf.count = 1;
	rf.pad = 0;
	REQUIRE(tdx_oneway(s, GBX_DEALLOC, &rf, sizeof(rf), refs, 4, -1) == 0);
	/* 8192 pages still come inline. */
	CHECK_EQ(tdx_alloc(s, 1, GBX_ALLOC_WRITABLE, GBX_INLINE_MAX / 4, refs,
		     &ar, -1, m),
	    0);
	CHECK_EQ(m->u.h.flags & GBX_F_BULK, 0);
	CHECK_EQ(refs[GBX_INLINE_MAX / 4 - 1],
	    GNTTAB_NR_RESERVED_ENTRIES + GBX_INLINE_MAX / 4 - 1);
	tdx_close(m);
	rf.count = GBX_INLINE_MAX / 4;
	REQUIRE(tdx_oneway(s, GBX_DEALLOC, &rf, sizeof(rf), refs, rf.count * 4,
		    -1) == 0);

	/* 65536 pages: one ALLOC, one bulk tail of refs. */
	CHECK_EQ(tdx_alloc(s, 1, GBX_ALLOC_WRITABLE, N, refs, &ar, bulk, m), 0);
	CHECK_EQ(m->u.h.flags & GBX_F_BULK, GBX_F_BULK);
	CHECK_EQ(ar.count, N);
	/*
	 * The same arena as the first ALLOC's, though it had no page left:
	 * this connection has its descriptor, so none comes again.
	 */
	CHECK_EQ(ar.arena, arena);
	CHECK_EQ(ar.fds.nfds, 0);
	CHECK_EQ(m->nfds, 0);
	tdx_close(m);
	for (i = 0; i < N; i++)
		gr[i] = (struct gbx_grant_ref){ 0, refs[i] };
	CHECK_EQ(refs[N - 1] - refs[0], N - 1);
	tdx_stats(ctl, &st);
	CHECK_U64(st.grants, st0.grants + N);
	CHECK_U64(st.pages, st0.pages + N);

	/* Domain 1 maps all 65536 in one MAP; results come back in bulk. */
	memset(&mp, 0, sizeof(mp));
	mp.count = N;
	CHECK_EQ(tdx_call(mfd, GBX_MAP, &mp, sizeof(mp), gr, sizeof(gr), bulk,
		     m),
	    0);
	REQUIRE(m->blen == sizeof(rep));
	memcpy(&rep, tdx_body(m), sizeof(rep));
	CHECK_EQ(m->u.h.flags & GBX_F_BULK, GBX_F_BULK);
	CHECK_EQ(rep.count, N);
	CHECK_EQ(rep.failed, 0);
	CHECK(rep.map_id != 0);
	CHECK_EQ(rep.fds.nfds, 1);
	CHECK_EQ(rep.fds.arena[0], ar.arena);
	tdx_close(m);
	REQUIRE(gbx_bulk_read(bulk, res, sizeof(res), 0) == 0);
	bad = 0;
	for (i = 0; i < N; i++)
		if (res[i].status != GNTST_okay || res[i].arena != ar.arena ||
		    res[i].page != ar.first_page + i)
			bad++;
	CHECK_EQ(bad, 0);
	tdx_stats(ctl, &st);
	CHECK_U64(st.handles, st0.handles + N);
	CHECK_U64(st.maps, st0.maps + 1);

	/* Another 65536 with one bad ref: nothing more stays mapped. */
	gr[40000].ref = 7;
	CHECK_EQ(tdx_call(mfd, GBX_MAP, &mp, sizeof(mp), gr, sizeof(gr), bulk,
		     m),
	    EINVAL);
	REQUIRE(m->blen == sizeof(rep));
	memcpy(&rep, tdx_body(m), sizeof(rep));
	CHECK_EQ(rep.failed, 1);
	CHECK_EQ(rep.map_id, 0);
	CHECK_EQ(m->nfds, 0);
	REQUIRE(gbx_bulk_read(bulk, res, sizeof(res), 0) == 0);
	CHECK_EQ(res[40000].status, GNTST_general_error);
	CHECK_EQ(res[39999].status, GNTST_okay);
	CHECK_EQ(res[39999].arena, 0);
	tdx_stats(ctl, &st);
	CHECK_U64(st.handles, st0.handles + N);

	/* The sharer lets go of all of them in one bulk DEALLOC: deferred. */
	rf.count = N;
	REQUIRE(tdx_oneway(s, GBX_DEALLOC, &rf, sizeof(rf), refs, sizeof(refs),
		    bulk) == 0);
	tdx_stats(ctl, &st);
	CHECK_U64(st.grants, st0.grants + N);
}

static bool
all_deferred(const struct gbx_stats *st, const void *arg)
{

	return (st->deferred == *(const uint64_t *)arg);
}

int
main(void)
{
	const char *args[] = { "--max-grant-frames", "129", NULL };
	struct tdx_env env;
	uint64_t want;
	int s, mfd, bulk;

	REQUIRE((m = malloc(sizeof(*m))) != NULL);
	ctl = tdx_begin(&env, args, 1);
	REQUIRE((s = td_open(0, GBX_KIND_GNTDEV, NULL)) != -1);
	REQUIRE((mfd = td_open(1, GBX_KIND_GNTDEV, NULL)) != -1);
	REQUIRE((bulk = gbx_bulk_create()) != -1);
	test_bad_counts(s, bulk);
	test_edges(s, mfd, bulk);
	want = N;
	CHECK(tdx_wait(ctl, all_deferred, &want));
	/* Closing the mapper ends every deferred grant. */
	close(mfd);
	close(s);
	close(bulk);
	free(m);
	return (tdx_end(&env, 1));
}
