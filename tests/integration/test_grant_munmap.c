/*
 * Integration test: partial munmap and the lifetimes of records and
 * mappings.
 *
 * - A 2-page map unmapped one page at a time releases exactly that page's
 *   handle each time (either page first), and the process may exit with
 *   the rest still mapped.
 * - Shared pages: a munmap of some pages keeps them granted while they
 *   are offered; an unshare of a mapped page keeps it until its last
 *   mapping goes; runs are mmapped and given up across share calls.
 * - gntbox_munmap() refuses what is not entirely pages of this handle's
 *   mappings (the guard page included).
 * - gntbox_unmap() while mapped: the mapping lives on, the offset is
 *   reused at once, the grants go with the mapping.
 * - gntbox_close() unmaps everything.
 * - The preload library's paths (client/gntdev.h): dropping the handle keeps
 *   the connection for the mappings, and a munmap(2) of any range
 *   (pages, gaps and guards of several mappings) releases what it covers.
 */
#include <sys/mman.h>

#include <stdint.h>

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "client/gntdev.h"
#include "client/place.h"
#include "harness.h"

#define PG   4096
#define RW   (PROT_READ | PROT_WRITE)
#define SHRW GNTBOX_SHARE_WRITABLE

/* Poll up to 5 s for one of gntboxd's levels to reach want. */
static uint64_t
level(size_t off, uint64_t want)
{
	struct gntbox_stats st;
	struct timespec ts;
	uint64_t v;
	unsigned i;

	for (i = 0;; i++) {
		th_stats(&st);
		memcpy(&v, (char *)&st + off, sizeof(v));
		if (v == want || i == 500)
			return (v);
		ts.tv_sec = 0;
		ts.tv_nsec = 10000000;
		(void)nanosleep(&ts, NULL);
	}
}

#define HANDLES offsetof(struct gntbox_stats, handles)
#define MAPS	offsetof(struct gntbox_stats, maps)
#define GRANTS	offsetof(struct gntbox_stats, grants)
#define CONNS	offsetof(struct gntbox_stats, connections)

/* ------------------------------------------------------------------ */

enum {
	FIRST_PAGE_FIRST,
	SECOND_PAGE_FIRST,
	SECOND_THEN_EXIT
};

struct partial {
	struct th_chan ch;
	int order;
};

static int
partial_mapper(void *arg)
{
	struct partial *pa;
	uint32_t refs[2];
	gntbox_t *h;
	char *p;

	pa = arg;
	th_recv(&pa->ch, 1, refs, sizeof(refs));
	h = th_open(-1);
	p = th_map(h, 1, 2, refs, RW, NULL);
	CHECK(p[0] == 'A' && p[PG] == 'B');
	th_send_u64(&pa->ch, 1, 2);
	(void)th_recv_u64(&pa->ch, 1);
	if (pa->order == FIRST_PAGE_FIRST) {
		CHECK_ERR(gntbox_munmap(h, p, 1), 0);
		CHECK(p[PG] == 'B');
		th_send_u64(&pa->ch, 1, 1);
		(void)th_recv_u64(&pa->ch, 1);
		CHECK_ERR(gntbox_munmap(h, p + PG, 1), 0);
	} else {
		CHECK_ERR(gntbox_munmap(h, p + PG, 1), 0);
		CHECK(p[0] == 'A');
		CHECK_EQ(th_faults(p + PG, 0), SIGSEGV);
		th_send_u64(&pa->ch, 1, 1);
		(void)th_recv_u64(&pa->ch, 1);
		if (pa->order == SECOND_THEN_EXIT)
			return (0); /* exit with page 0 still mapped */
		CHECK_ERR(gntbox_munmap(h, p, 1), 0);
	}
	th_send_u64(&pa->ch, 1, 0);
	(void)th_recv_u64(&pa->ch, 1);
	return (0); /* exit with the record still there */
}

static void
test_partial_map(int order)
{
	struct gntbox_stats base;
	struct partial pa;
	uint32_t refs[2];
	uint64_t off;
	gntbox_t *h;
	char *p;
	pid_t pid;

	th_stats(&base);
	th_chan_open(&pa.ch);
	pa.order = order;
	pid = th_spawn(2, partial_mapper, &pa);
	h = th_open(1);
	off = th_share(h, 2, 2, SHRW, refs);
	REQUIRE((p = gntbox_mmap(h, off, 2, RW, NULL)) != NULL);
	p[0] = 'A';
	p[PG] = 'B';
	th_send(&pa.ch, 0, refs, sizeof(refs));
	CHECK_EQ(th_recv_u64(&pa.ch, 0), 2);
	CHECK_EQ(level(HANDLES, base.handles + 2), base.handles + 2);
	th_send_u64(&pa.ch, 0, 1);
	CHECK_EQ(th_recv_u64(&pa.ch, 0), 1);
	/* Exactly one handle went; the map object stays. */
	CHECK_EQ(level(HANDLES, base.handles + 1), base.handles + 1);
	CHECK_EQ(level(MAPS, base.maps + 1), base.maps + 1);
	th_send_u64(&pa.ch, 0, 1);
	if (order != SECOND_THEN_EXIT) {
		CHECK_EQ(th_recv_u64(&pa.ch, 0), 0);
		CHECK_EQ(level(HANDLES, base.handles), base.handles);
		CHECK_EQ(level(MAPS, base.maps), base.maps);
		th_send_u64(&pa.ch, 0, 1);
	}
	CHECK_EQ(th_wait(pid), 0);
	CHECK_ERR(gntbox_close(h), 0);
	th_chan_close(&pa.ch);
}

/* ------------------------------------------------------------------ */

static void
test_partial_share(void)
{
	struct gntbox_stats base;
	uint32_t refs[3], r2;
	uint64_t off, off2;
	gntbox_t *h;
	char *p, *q;

	th_stats(&base);
	h = th_open(1);
	off = th_share(h, 2, 3, SHRW, refs);
	REQUIRE((p = gntbox_mmap(h, off, 3, RW, NULL)) != NULL);
	REQUIRE((q = gntbox_mmap(h, off, 2, RW, NULL)) != NULL);
	p[0] = 'x';
	CHECK(q[0] == 'x');
	/* munmap of an offered page: still granted. */
	CHECK_ERR(gntbox_munmap(h, p + PG, 1), 0);
	CHECK_EQ(level(GRANTS, base.grants + 3), base.grants + 3);
	/* Given up while mapped by q: granted until q lets it go. */
	CHECK_ERR(gntbox_unshare(h, off + PG, 1), 0);
	CHECK_ERR(gntbox_unshare(h, off + PG, 1), EINVAL);
	CHECK_ERR(gntbox_unshare(h, off, 3), EINVAL); /* a hole */
	CHECK(gntbox_mmap(h, off, 2, RW, NULL) == NULL && errno == EINVAL);
	CHECK_EQ(level(GRANTS, base.grants + 3), base.grants + 3);
	q[PG] = 'y';
	CHECK_ERR(gntbox_munmap(h, q + PG, 1), 0);
	CHECK_EQ(level(GRANTS, base.grants + 2), base.grants + 2);
	/* Page 0: given up, still mapped twice. */
	CHECK_ERR(gntbox_unshare(h, off, 1), 0);
	CHECK_ERR(gntbox_munmap(h, p, 1), 0);
	CHECK(q[0] == 'x');
	CHECK_EQ(level(GRANTS, base.grants + 2), base.grants + 2);
	CHECK_ERR(gntbox_munmap(h, q, 1), 0);
	CHECK_EQ(level(GRANTS, base.grants + 1), base.grants + 1);
	CHECK_ERR(gntbox_unshare(h, off + 2 * PG, 1), 0);
	CHECK_EQ(level(GRANTS, base.grants + 1), base.grants + 1);
	CHECK_ERR(gntbox_munmap(h, p + 2 * PG, 1), 0);
	CHECK_EQ(level(GRANTS, base.grants), base.grants);

	/* Two share calls, one mmap, one unshare. */
	off = th_share(h, 2, 1, SHRW, refs);
	off2 = th_share(h, 2, 1, 0, &r2);
	CHECK_U64(off2, off + PG);
	REQUIRE((p = gntbox_mmap(h, off, 2, RW, NULL)) != NULL);
	p[PG] = 'z';
	CHECK_ERR(gntbox_unshare(h, off, 2), 0);
	CHECK_ERR(gntbox_munmap(h, p, 2), 0);
	CHECK_EQ(level(GRANTS, base.grants), base.grants);
	CHECK_ERR(gntbox_close(h), 0);
}

/* ------------------------------------------------------------------ */

static void
test_munmap_errors(void)
{
	uint32_t refs[2];
	gntbox_t *h, *h2;
	uint64_t off;
	char buf[2 * PG];
	char *p;

	h = th_open(1);
	h2 = th_open(1);
	off = th_share(h, 1, 2, SHRW, refs);
	REQUIRE((p = gntbox_mmap(h, off, 2, RW, NULL)) != NULL);
	CHECK_ERR(gntbox_munmap(h, buf, 1), EINVAL);
	CHECK_ERR(gntbox_munmap(h, NULL, 1), EINVAL);
	CHECK_ERR(gntbox_munmap(h, p + 1, 1), EINVAL);
	CHECK_ERR(gntbox_munmap(h, p, 3), EINVAL);	    /* with the guard */
	CHECK_ERR(gntbox_munmap(h, p + 2 * PG, 1), EINVAL); /* the guard */
	CHECK_ERR(gntbox_munmap(h, p - PG, 2), EINVAL);
	CHECK_ERR(gntbox_munmap(h, p, UINT32_MAX), EINVAL);
	CHECK_ERR(gntbox_munmap(h2, p, 1), EINVAL); /* not its mapping */
	CHECK(p[PG] == 0);			    /* all still there */
	CHECK_ERR(gntbox_munmap(h, p, 2), 0);
	CHECK_ERR(gntbox_munmap(h, p, 1), EINVAL); /* twice */
	CHECK_ERR(gntbox_close(h2), 0);
	CHECK_ERR(gntbox_close(h), 0);
}

/* ------------------------------------------------------------------ */

static void
test_unmap_while_mapped(void)
{
	struct gntbox_grant_ref g[2];
	struct gntbox_stats base;
	uint32_t refs[2];
	uint64_t off, off2;
	gntbox_t *h;
	char *s, *p, *q;

	th_stats(&base);
	h = th_open(1);
	(void)th_share(h, 1, 2, SHRW, refs);
	th_refs(g, 1, refs, 2);
	CHECK_ERR(gntbox_map(h, 2, g, 0, &off), 0);
	REQUIRE((p = gntbox_mmap(h, off, 2, RW, NULL)) != NULL);
	CHECK_ERR(gntbox_unmap(h, off, 3), ENOENT);
	CHECK_ERR(gntbox_unmap(h, off + PG, 0), ENOENT);
	CHECK_ERR(gntbox_unmap(h, off + 1, 0), ENOENT);
	CHECK_ERR(gntbox_unmap(h, off, 0), 0); /* 0: any count */
	CHECK_ERR(gntbox_unmap(h, off, 2), ENOENT);
	p[1] = 'm';
	/* The offset is free at once; the first map lives on. */
	CHECK_ERR(gntbox_map(h, 2, g, 0, &off2), 0);
	CHECK_U64(off2, off);
	REQUIRE((q = gntbox_mmap(h, off2, 2, RW, NULL)) != NULL);
	CHECK(q[1] == 'm');
	CHECK_EQ(level(HANDLES, base.handles + 4), base.handles + 4);
	CHECK_ERR(gntbox_munmap(h, p, 2), 0);
	CHECK_EQ(level(HANDLES, base.handles + 2), base.handles + 2);
	CHECK(q[1] == 'm');
	/* close takes the rest, mappings included. */
	s = q;
	CHECK_ERR(gntbox_close(h), 0);
	CHECK_EQ(th_faults(s, 0), SIGSEGV);
}

/* ------------------------------------------------------------------ */

/* The preload library's paths, through the internal API. */
static void
test_preload_paths(void)
{
	struct gntbox_grant_ref g[2];
	struct gntbox_stats base;
	struct gbx_vmbatch b;
	struct gbx_dev *dev;
	uint32_t refs[3];
	uint64_t soff, off;
	char *s, *m;

	th_stats(&base);
	REQUIRE(gbx_dev_open(1, &dev) == 0);
	soff = 0;
	REQUIRE(gbx_dev_share(dev, 1, 3, SHRW, refs, &soff) == 0);
	REQUIRE(gbx_dev_mmap(dev, soff, 3, RW, NULL, (void **)&s) == 0);
	th_refs(g, 1, refs, 2);
	REQUIRE(gbx_dev_map(dev, 2, g, 0, &off) == 0);
	REQUIRE(gbx_dev_mmap(dev, off, 2, RW, NULL, (void **)&m) == 0);
	/* Any device's mapping answers for its start. */
	CHECK_ERR(gbx_dev_offset_for_vaddr(NULL, m, &off, &refs[2]), 0);
	/* close(2) of the device: the mappings keep it alive. */
	gbx_dev_drop(dev);
	s[0] = 'd';
	CHECK(m[0] == 'd');
	CHECK_EQ(level(CONNS, base.connections + 1), base.connections + 1);
	/* munmap(2) of the shared mapping's page 1 and 2 and its guard. */
	REQUIRE(gbx_vm_unmap_begin(s + PG, 3 * PG, &b) == 0);
	CHECK_EQ(gbx_place_munmap(s + PG, 3 * PG), 0);
	gbx_vm_unmap_end(&b, true);
	/* Page 2 is released; page 1 waits for the map (deferred). */
	CHECK_EQ(level(GRANTS, base.grants + 2), base.grants + 2);
	CHECK(m[0] == 'd');
	/* One range over both mappings, the gap between them and beyond. */
	REQUIRE(gbx_vm_unmap_begin(s < m ? s : m,
		    (size_t)(s < m ? m - s : s - m) + 3 * PG, &b) == 0);
	gbx_vm_unmap_end(&b, false);
	CHECK_EQ(th_faults(m, 0), SIGSEGV);
	CHECK_EQ(th_faults(s, 0), SIGSEGV);
	/* The last mapping went: so did the connection, and everything. */
	CHECK_EQ(level(CONNS, base.connections), base.connections);
	CHECK_ERR(gbx_vm_unmap_begin(s + 1, PG, &b), EINVAL);
	CHECK_ERR(gbx_vm_unmap_begin(s, 0, &b), EINVAL);
	CHECK_ERR(gbx_vm_unmap_begin((void *)(UINTPTR_MAX - PG + 1), 2 * PG,
		      &b),
	    EINVAL);
}

int
main(void)
{

	th_start(NULL);
	th_domain(1);
	th_domain(2);
	th_baseline();
	test_partial_map(FIRST_PAGE_FIRST);
	th_check_baseline("partial munmap of a map, first page first");
	test_partial_map(SECOND_PAGE_FIRST);
	th_check_baseline("partial munmap of a map, second page first");
	test_partial_map(SECOND_THEN_EXIT);
	th_check_baseline("partial munmap of a map, then exit");
	test_partial_share();
	th_check_baseline("partial munmap of shared pages");
	test_munmap_errors();
	th_check_baseline("munmap errors");
	test_unmap_while_mapped();
	th_check_baseline("unmap while mapped");
	test_preload_paths();
	th_check_baseline("preload paths");
	return (th_finish());
}
