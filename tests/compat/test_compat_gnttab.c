/*
 * Compatibility test: Debian's unmodified libxengnttab, as processes of
 * different domains, through libgntbox-preload.so.
 *
 * - xengntshr_share_pages in domain 1, xengnttab_map_grant_refs in
 *   domain 2, data both ways, then xengnttab_unmap and xengntshr_unshare;
 * - a read-only grant maps read-only only, and stays read-only;
 * - one map of several pages from two domains (1 and 3);
 * - xengnttab_grant_copy: count 0 is 0, both directions, a local buffer
 *   across a page boundary, a grant to a grant, per-segment statuses for
 *   a bad reference and a write to a read-only grant, EINVAL for a copy
 *   without a grant;
 * - xengnttab_set_max_grants (ENOTTY underneath, success above).
 *
 * Every scenario ends with gntboxd's levels back at their baseline.
 */
#include <sys/mman.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <xen/grant_table.h>
#include <xengnttab.h>

#include "check.h"
#include "compat.h"
#include "harness.h"

#define PG 4096
#define RW (PROT_READ | PROT_WRITE)

/* ------------------------------------------------------------------ */
/* Share and map, data both ways.                                        */

static int
share_rw(struct th_chan *ch)
{
	xengntshr_handle *s;
	uint32_t refs[3];
	char *p;

	REQUIRE((s = xengntshr_open(NULL, 0)) != NULL);
	REQUIRE((p = xengntshr_share_pages(s, 2, 3, refs, 1)) != NULL);
	memset(p, 0xa1, 3 * PG);
	strcpy(p, "from domain 1");
	th_send(ch, 1, refs, sizeof(refs));
	(void)th_recv_u64(ch, 1); /* the mapper wrote */
	CHECK(strcmp(p + PG, "from domain 2") == 0);
	CHECK_EQ((uint8_t)p[3 * PG - 1], 0x5e);
	CHECK_EQ(xengntshr_unshare(s, p, 3), 0);
	CHECK_EQ(xengntshr_close(s), 0);
	return (0);
}

static int
map_rw(struct th_chan *ch)
{
	xengnttab_handle *g;
	uint32_t refs[3], doms[3] = { 1, 1, 1 };
	char *q;

	th_recv(ch, 1, refs, sizeof(refs));
	REQUIRE((g = xengnttab_open(NULL, 0)) != NULL);
	CHECK_EQ(xengnttab_set_max_grants(g, 128), 0);
	REQUIRE((q = xengnttab_map_grant_refs(g, 3, doms, refs, RW)) != NULL);
	CHECK(strcmp(q, "from domain 1") == 0);
	CHECK_EQ((uint8_t)q[2 * PG + 7], 0xa1);
	strcpy(q + PG, "from domain 2");
	q[3 * PG - 1] = 0x5e;
	/* A partial unmap is refused by libxengnttab (count mismatch). */
	CHECK_ERR(xengnttab_unmap(g, q, 2), EINVAL);
	CHECK_EQ(xengnttab_unmap(g, q, 3), 0);
	th_send_u64(ch, 1, 1);
	CHECK_EQ(xengnttab_close(g), 0);
	return (0);
}

/* The harness passes what a role says on to another role. */
static void
relay(struct tc_proc *from, struct tc_proc *to, size_t len)
{
	char buf[256];

	REQUIRE(len <= sizeof(buf));
	th_recv(&from->ch, 0, buf, len);
	th_send(&to->ch, 0, buf, len);
}

static void
test_share_map(void)
{
	struct tc_proc a, b;

	tc_run(&a, 1, "share_rw");
	tc_run(&b, 2, "map_rw");
	relay(&a, &b, 3 * sizeof(uint32_t));
	relay(&b, &a, sizeof(uint64_t));
	CHECK_EQ(tc_wait(&b), 0);
	CHECK_EQ(tc_wait(&a), 0);
	th_check_baseline("share and map");
}

/* ------------------------------------------------------------------ */
/* Read-only grants.                                                     */

static int
share_ro(struct th_chan *ch)
{
	xengntshr_handle *s;
	uint32_t ref;
	char *p;

	REQUIRE((s = xengntshr_open(NULL, 0)) != NULL);
	REQUIRE((p = xengntshr_share_pages(s, 2, 1, &ref, 0)) != NULL);
	strcpy(p, "read only");
	th_send(ch, 1, &ref, sizeof(ref));
	(void)th_recv_u64(ch, 1);
	/* The sharer itself still writes its page. */
	CHECK(strcmp(p, "read only") == 0);
	CHECK_EQ(xengntshr_unshare(s, p, 1), 0);
	CHECK_EQ(xengntshr_close(s), 0);
	return (0);
}

static int
map_ro(struct th_chan *ch)
{
	xengnttab_handle *g;
	uint32_t ref;
	char *q;

	th_recv(ch, 1, &ref, sizeof(ref));
	REQUIRE((g = xengnttab_open(NULL, 0)) != NULL);
	/* A writable map of a read-only grant: GNTST_general_error. */
	CHECK(xengnttab_map_grant_ref(g, 1, ref, RW) == NULL);
	CHECK_EQ(errno, EINVAL);
	REQUIRE((q = xengnttab_map_grant_ref(g, 1, ref, PROT_READ)) != NULL);
	CHECK(strcmp(q, "read only") == 0);
	/* Read-only for good: the pages come from a read-only descriptor. */
	CHECK_ERR(mprotect(q, PG, RW), EACCES);
	CHECK_EQ(xengnttab_unmap(g, q, 1), 0);
	CHECK_EQ(xengnttab_close(g), 0);
	th_send_u64(ch, 1, 1);
	return (0);
}

static void
test_readonly(void)
{
	struct tc_proc a, b;

	tc_run(&a, 1, "share_ro");
	tc_run(&b, 2, "map_ro");
	relay(&a, &b, sizeof(uint32_t));
	relay(&b, &a, sizeof(uint64_t));
	CHECK_EQ(tc_wait(&b), 0);
	CHECK_EQ(tc_wait(&a), 0);
	th_check_baseline("read-only grants");
}

/* ------------------------------------------------------------------ */
/* One map of pages of two domains.                                      */

static int
share_two(struct th_chan *ch)
{
	xengntshr_handle *s;
	uint32_t refs[2];
	char *p;
	int self;

	self = atoi(getenv("GNTBOX_DOMID"));
	REQUIRE((s = xengntshr_open(NULL, 0)) != NULL);
	REQUIRE((p = xengntshr_share_pages(s, 2, 2, refs, 1)) != NULL);
	p[0] = (char)('0' + self);
	p[PG] = (char)('a' + self);
	th_send(ch, 1, refs, sizeof(refs));
	(void)th_recv_u64(ch, 1);
	CHECK_EQ(p[PG + 1], 'w');
	CHECK_EQ(xengntshr_unshare(s, p, 2), 0);
	CHECK_EQ(xengntshr_close(s), 0);
	return (0);
}

static int
map_two(struct th_chan *ch)
{
	xengnttab_handle *g;
	uint32_t refs[4], doms[4] = { 1, 3, 1, 3 }, r1[2], r3[2];
	char *q;

	th_recv(ch, 1, r1, sizeof(r1));
	th_recv(ch, 1, r3, sizeof(r3));
	refs[0] = r1[0];
	refs[1] = r3[0];
	refs[2] = r1[1];
	refs[3] = r3[1];
	REQUIRE((g = xengnttab_open(NULL, 0)) != NULL);
	REQUIRE((q = xengnttab_map_grant_refs(g, 4, doms, refs, RW)) != NULL);
	CHECK_EQ(q[0], '1');
	CHECK_EQ(q[PG], '3');
	CHECK_EQ(q[2 * PG], 'b');
	CHECK_EQ(q[3 * PG], 'd');
	q[2 * PG + 1] = 'w';
	q[3 * PG + 1] = 'w';
	/* One domain only: xengnttab_map_domain_grant_refs. */
	CHECK_EQ(xengnttab_unmap(g, q, 4), 0);
	REQUIRE((q = xengnttab_map_domain_grant_refs(g, 2, 1, r1, PROT_READ)) !=
	    NULL);
	CHECK_EQ(q[PG + 1], 'w');
	CHECK_EQ(xengnttab_unmap(g, q, 2), 0);
	CHECK_EQ(xengnttab_close(g), 0);
	th_send_u64(ch, 1, 1);
	return (0);
}

static void
test_multi(void)
{
	struct tc_proc a, c, b;

	tc_run(&a, 1, "share_two");
	tc_run(&c, 3, "share_two");
	tc_run(&b, 2, "map_two");
	relay(&a, &b, 2 * sizeof(uint32_t));
	relay(&c, &b, 2 * sizeof(uint32_t));
	(void)th_recv_u64(&b.ch, 0);
	th_send_u64(&a.ch, 0, 1);
	th_send_u64(&c.ch, 0, 1);
	CHECK_EQ(tc_wait(&b), 0);
	CHECK_EQ(tc_wait(&a), 0);
	CHECK_EQ(tc_wait(&c), 0);
	th_check_baseline("pages of two domains");
}

/* ------------------------------------------------------------------ */
/* Grant copy.                                                           */

static int
share_copy(struct th_chan *ch)
{
	xengntshr_handle *s;
	uint32_t refs[3];
	uint8_t *p, *r;
	int i;

	/* Two writable pages, and a read-only one. */
	REQUIRE((s = xengntshr_open(NULL, 0)) != NULL);
	REQUIRE((p = xengntshr_share_pages(s, 2, 2, refs, 1)) != NULL);
	REQUIRE((r = xengntshr_share_pages(s, 2, 1, refs + 2, 0)) != NULL);
	for (i = 0; i < PG; i++)
		p[i] = (uint8_t)i;
	memset(p + PG, 0, PG);
	th_send(ch, 1, refs, sizeof(refs));
	(void)th_recv_u64(ch, 1);
	/* Segment 1 wrote 300 bytes of 0x77 at offset 0 of page 1. */
	CHECK_EQ(p[PG], 0x77);
	CHECK_EQ(p[PG + 299], 0x77);
	CHECK_EQ(p[PG + 300], 0);
	/* Segment 4 copied page 0's bytes 10..59 to offset 1000 of page 1. */
	CHECK_EQ(p[PG + 1000], 10);
	CHECK_EQ(p[PG + 1049], 59);
	CHECK_EQ(p[PG + 1050], 0);
	CHECK_EQ(r[0], 0);
	CHECK_EQ(xengntshr_unshare(s, p, 2), 0);
	CHECK_EQ(xengntshr_unshare(s, r, 1), 0);
	CHECK_EQ(xengntshr_close(s), 0);
	return (0);
}

static int
map_copy(struct th_chan *ch)
{
	xengnttab_grant_copy_segment_t seg[5];
	xengnttab_handle *g;
	uint32_t refs[3];
	uint8_t *buf, *out;
	int i;

	th_recv(ch, 1, refs, sizeof(refs));
	REQUIRE((g = xengnttab_open(NULL, 0)) != NULL);
	/* QEMU's probe. */
	CHECK_EQ(xengnttab_grant_copy(g, 0, NULL), 0);
	REQUIRE((buf = aligned_alloc(PG, 2 * PG)) != NULL);
	memset(buf, 0x77, 2 * PG);
	out = buf + PG - 100; /* crosses into the second page */
	memset(seg, 0, sizeof(seg));
	/* 0: grant -> local, across a local page boundary. */
	seg[0].flags = GNTCOPY_source_gref;
	seg[0].source.foreign.domid = 1;
	seg[0].source.foreign.ref = refs[0];
	seg[0].source.foreign.offset = 100;
	seg[0].dest.virt = out;
	seg[0].len = 200;
	/* 1: local -> grant. */
	seg[1].flags = GNTCOPY_dest_gref;
	seg[1].source.virt = buf + PG + 200;
	seg[1].dest.foreign.domid = 1;
	seg[1].dest.foreign.ref = refs[1];
	seg[1].len = 300;
	/* 2: a bad reference. */
	seg[2].flags = GNTCOPY_source_gref;
	seg[2].source.foreign.domid = 1;
	seg[2].source.foreign.ref = 100000;
	seg[2].dest.virt = buf;
	seg[2].len = 1;
	/* 3: a write to a read-only grant. */
	seg[3].flags = GNTCOPY_dest_gref;
	seg[3].source.virt = buf;
	seg[3].dest.foreign.domid = 1;
	seg[3].dest.foreign.ref = refs[2];
	seg[3].len = 1;
	/* 4: grant -> grant. */
	seg[4].flags = GNTCOPY_source_gref | GNTCOPY_dest_gref;
	seg[4].source.foreign.domid = 1;
	seg[4].source.foreign.ref = refs[0];
	seg[4].source.foreign.offset = 10;
	seg[4].dest.foreign.domid = 1;
	seg[4].dest.foreign.ref = refs[1];
	seg[4].dest.foreign.offset = 1000;
	seg[4].len = 50;
	for (i = 0; i < 5; i++)
		seg[i].status = 99;
	CHECK_EQ(xengnttab_grant_copy(g, 5, seg), 0);
	CHECK_EQ(seg[0].status, GNTST_okay);
	CHECK_EQ(seg[1].status, GNTST_okay);
	CHECK_EQ(seg[2].status, GNTST_bad_gntref);
	CHECK_EQ(seg[3].status, GNTST_general_error);
	CHECK_EQ(seg[4].status, GNTST_okay);
	for (i = 0; i < 200; i++)
		if (out[i] != (uint8_t)(100 + i))
			break;
	CHECK_EQ(i, 200);
	CHECK_EQ(out[200], 0x77);
	/* A copy without a grant on either side is refused as a whole. */
	seg[0].flags = 0;
	seg[0].source.virt = buf;
	CHECK_ERR(xengnttab_grant_copy(g, 1, seg), EINVAL);
	/* A grant side beyond its page too. */
	seg[0].flags = GNTCOPY_source_gref;
	seg[0].source.foreign.offset = 4000;
	CHECK_ERR(xengnttab_grant_copy(g, 1, seg), EINVAL);
	free(buf);
	CHECK_EQ(xengnttab_close(g), 0);
	th_send_u64(ch, 1, 1);
	return (0);
}

static void
test_copy(void)
{
	struct tc_proc a, b;

	tc_run(&a, 1, "share_copy");
	tc_run(&b, 2, "map_copy");
	relay(&a, &b, 3 * sizeof(uint32_t));
	relay(&b, &a, sizeof(uint64_t));
	CHECK_EQ(tc_wait(&b), 0);
	CHECK_EQ(tc_wait(&a), 0);
	th_check_baseline("grant copy");
}

static const struct tc_role roles[] = {
	{ "share_rw", share_rw },
	{ "map_rw", map_rw },
	{ "share_ro", share_ro },
	{ "map_ro", map_ro },
	{ "share_two", share_two },
	{ "map_two", map_two },
	{ "share_copy", share_copy },
	{ "map_copy", map_copy },
	{ NULL, NULL },
};

int
main(int argc, char **argv)
{

	tc_main(argc, argv, roles);
	th_start(NULL);
	th_domain(1);
	th_domain(2);
	th_domain(3);
	th_baseline();
	test_share_map();
	test_readonly();
	test_multi();
	test_copy();
	return (th_finish());
}
