/*
 * Integration test: limits, on a gntboxd with small tables (20 grant
 * frames: 10240 entries, 10232 grantable; 300 maptrack handles).
 *
 * - Counts of 0, 65537, 2^31 and 2^32 - 1 are EINVAL everywhere, and
 *   nothing is allocated; 65536 passes the check.
 * - A full grant table is ENOSPC with nothing granted, in one call or
 *   page by page; another domain still shares; a freed entry is reused.
 *   Filling the table moves the references and the release through bulk
 *   memfds and split one-way messages.
 * - Maptrack exhaustion is GNTST_no_space for the grant that finds no
 *   handle, and a 65536-grant map goes through bulk both ways.
 * - Bad domain ids and a missing domain when opening a handle.
 */
#include <sys/mman.h>

#include <stdint.h>

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xen/grant_table.h>

#include "check.h"
#include "harness.h"

#define PG     4096
#define RW     (PROT_READ | PROT_WRITE)
#define SHRW   GNTBOX_SHARE_WRITABLE
#define FRAMES 20
#define GRANTS (FRAMES * 512 - 8)
#define HANDLE 300

static const char *const daemon_args[] = { "--max-grant-frames", "20",
	"--max-maptrack", "300", NULL };

static void
test_counts(void)
{
	static const uint32_t bad[] = { 0, 65537, 1u << 31, UINT32_MAX };
	struct gntbox_grant_ref g;
	struct gntbox_stats before, after;
	uint32_t ref;
	uint64_t off;
	gntbox_t *h;
	unsigned i;

	th_stats(&before);
	h = th_open(1);
	g.domid = 1;
	g.ref = 8;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_ERR(gntbox_share(h, 1, bad[i], 0, &ref, &off), EINVAL);
		CHECK_ERR(gntbox_map(h, bad[i], &g, 0, &off), EINVAL);
		CHECK(gntbox_mmap(h, 0, bad[i], RW, NULL) == NULL &&
		    errno == EINVAL);
		CHECK_ERR(gntbox_unshare(h, 0, bad[i]), EINVAL);
	}
	CHECK_ERR(gntbox_munmap(h, (void *)(uintptr_t)PG, 0), EINVAL);
	/* Bad domains, flags, pointers. */
	CHECK_ERR(gntbox_share(h, 0x7ff0, 1, 0, &ref, &off), EINVAL);
	CHECK_ERR(gntbox_share(h, 2, 1, 0x2, &ref, &off), EINVAL);
	CHECK_ERR(gntbox_share(h, 2, 1, 0, NULL, &off), EINVAL);
	CHECK_ERR(gntbox_map(h, 1, NULL, 0, &off), EINVAL);
	CHECK_ERR(gntbox_map(h, 1, &g, SHRW, &off), EINVAL);
	CHECK_ERR(gntbox_set_unmap_notify(h, 0, 0x4, 0), EINVAL);
	CHECK_ERR(gntbox_close(h), 0);
	th_stats(&after);
	CHECK_EQ(after.grants, before.grants);

	(void)unsetenv("GNTBOX_DOMID");
	CHECK(gntbox_open(-1) == NULL && errno == EINVAL);
	CHECK(gntbox_open(-2) == NULL && errno == EINVAL);
	CHECK(gntbox_open(0x7ff0) == NULL && errno == EINVAL);
	CHECK(gntbox_open(55) == NULL && errno == ENOENT);
	CHECK_ERR(gntbox_close(NULL), EINVAL);
}

/* Poll up to 5 s for gntboxd's grant count to come down to want. */
static uint64_t
level_grants(uint64_t want)
{
	struct gntbox_stats st;
	unsigned i;

	for (i = 0;; i++) {
		th_stats(&st);
		if (st.grants == want || i == 500)
			return (st.grants);
		(void)usleep(10000);
	}
}

static void
test_table_full(void)
{
	struct gntbox_stats base, st;
	uint32_t *refs, ref, i;
	uint64_t off, one, o2;
	gntbox_t *h, *h2;
	bool ok;

	REQUIRE((refs = calloc(GRANTS + 1, sizeof(*refs))) != NULL);
	th_stats(&base);
	h = th_open(1);
	h2 = th_open(2);
	/* More than fit, in one call: nothing is granted. */
	CHECK_ERR(gntbox_share(h, 2, GRANTS + 1, 0, refs, &off), ENOSPC);
	CHECK_ERR(gntbox_share(h, 2, 65536, 0, refs, &off), ENOSPC);
	th_stats(&st);
	CHECK_EQ(st.grants, base.grants);
	/* Exactly what fits (the references come back over bulk). */
	off = th_share(h, 2, GRANTS, SHRW, refs);
	for (ok = true, i = 0; i < GRANTS; i++)
		ok &= refs[i] >= 8 && refs[i] < FRAMES * 512 &&
		    (i == 0 || refs[i] != refs[i - 1]);
	CHECK(ok);
	CHECK_ERR(gntbox_share(h, 2, 1, 0, &ref, &one), ENOSPC);
	th_stats(&st);
	CHECK_EQ(st.grants, base.grants + GRANTS);
	/* Another domain's table is its own. */
	o2 = th_share(h2, 1, 3, 0, refs + GRANTS - 3);
	CHECK_ERR(gntbox_unshare(h2, o2, 3), 0);
	/* One entry freed is one entry to grant again. */
	CHECK_ERR(gntbox_unshare(h, off + 5 * PG, 1), 0);
	one = th_share(h, 2, 1, 0, &ref);
	CHECK_EQ(ref, refs[5]);
	CHECK_ERR(gntbox_share(h, 2, 1, 0, &ref, &o2), ENOSPC);
	/* Give everything up (DEALLOC split in several messages). */
	CHECK_ERR(gntbox_unshare(h, off, 5), 0);
	CHECK_ERR(gntbox_unshare(h, off + 6 * PG, GRANTS - 6), 0);
	CHECK_ERR(gntbox_unshare(h, one, 1), 0);
	CHECK_EQ(level_grants(base.grants), base.grants);
	CHECK_ERR(gntbox_close(h2), 0);
	CHECK_ERR(gntbox_close(h), 0);
	free(refs);
}

static int
maptrack_mapper(void *arg)
{
	struct gntbox_grant_ref *g;
	struct th_chan *ch;
	uint32_t refs[3];
	uint64_t off;
	int16_t *st;
	gntbox_t *h;
	unsigned i, bad;

	ch = arg;
	th_recv(ch, 1, refs, sizeof(refs));
	h = th_open(-1);
	REQUIRE((g = calloc(65536, sizeof(*g))) != NULL);
	REQUIRE((st = calloc(65536, sizeof(*st))) != NULL);
	for (i = 0; i < 65536; i++) {
		g[i].domid = 1;
		g[i].ref = refs[i % 3];
	}
	/* 301 grants for 300 handles: the last finds none. */
	CHECK_ERR(gntbox_map(h, HANDLE + 1, g, 0, &off), 0);
	CHECK(gntbox_mmap(h, off, HANDLE + 1, PROT_READ, st) == NULL);
	for (bad = 0, i = 0; i < HANDLE; i++)
		bad += st[i] != GNTST_okay;
	CHECK_EQ(bad, 0);
	CHECK_EQ(st[HANDLE], GNTST_no_space);
	CHECK_ERR(gntbox_unmap(h, off, HANDLE + 1), 0);
	/* 300 fit. */
	CHECK_ERR(gntbox_map(h, HANDLE, g, 0, &off), 0);
	CHECK(gntbox_mmap(h, off, HANDLE, PROT_READ, st) != NULL);
	CHECK_ERR(gntbox_close(h), 0);

	/* 65536 grants: bulk both ways, every status accounted for. */
	h = th_open(-1);
	CHECK_ERR(gntbox_map(h, 65536, g, 0, &off), 0);
	memset(st, 0x55, 65536 * sizeof(*st));
	CHECK(gntbox_mmap(h, off, 65536, PROT_READ, st) == NULL);
	CHECK_EQ(errno, EINVAL);
	for (bad = 0, i = 0; i < 65536; i++)
		bad += st[i] < GNTST_no_space || st[i] > GNTST_okay;
	CHECK_EQ(bad, 0);
	CHECK_EQ(st[0], GNTST_okay);
	CHECK(st[65535] != GNTST_okay);
	CHECK_ERR(gntbox_close(h), 0);
	free(g);
	free(st);
	return (0);
}

static void
test_maptrack(void)
{
	struct th_chan ch;
	uint32_t refs[3];
	gntbox_t *h;
	pid_t pid;

	th_chan_open(&ch);
	pid = th_spawn(2, maptrack_mapper, &ch);
	h = th_open(1);
	(void)th_share(h, 2, 3, 0, refs);
	th_send(&ch, 0, refs, sizeof(refs));
	CHECK_EQ(th_wait(pid), 0);
	CHECK_ERR(gntbox_close(h), 0);
	th_chan_close(&ch);
}

int
main(void)
{

	th_start(daemon_args);
	th_domain(1);
	th_domain(2);
	th_baseline();
	test_counts();
	th_check_baseline("counts");
	test_table_full();
	th_check_baseline("grant table full");
	test_maptrack();
	th_check_baseline("maptrack full");
	return (th_finish());
}
