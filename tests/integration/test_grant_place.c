/*
 * Integration test: the reserved address space grant mappings come from
 * (client/place.h), through the native API.
 *
 * - Mappings are packed first fit, each followed by its guard page: two
 *   1-page maps sit two pages apart and the page between them faults.
 * - A pool grows by a chunk when nothing fits (a 4096-page map does not
 *   fit beside a live map in the first 4096-page chunk), and twice the
 *   size of the last; the new chunk's slots are reused once free.
 * - Once everything is unmapped, each chunk is one VMA again: cycles do
 *   not fragment the address space.
 * - When the kernel refuses the doubled chunk (RLIMIT_AS), the pool
 *   grows by exactly what the map needs; when it refuses even that, the
 *   mmap fails with ENOMEM, nothing stays mapped in gntboxd, and the
 *   pool serves smaller maps as before.
 */
#include <sys/mman.h>
#include <sys/resource.h>

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "client/place.h"
#include "harness.h"

#define PG   4096
#define RW   (PROT_READ | PROT_WRITE)
#define SHRW GNTBOX_SHARE_WRITABLE
#define BIG  GBX_CHUNK_FIRST_PAGES /* needs BIG + 1 slots: never fits */

static uint32_t refs[BIG];

/* The map pool's chunks; fails the test beyond 8. */
static unsigned
chunks(uintptr_t *lo, uintptr_t *hi)
{
	unsigned n;

	n = gbx_place_chunks(GBX_POOL_MAP, lo, hi, 8);
	REQUIRE(n <= 8);
	return (n);
}

/* The VMAs of /proc/self/maps that overlap [lo, hi). */
static unsigned
vmas_in(uintptr_t lo, uintptr_t hi)
{
	unsigned long a, b;
	char line[512];
	unsigned n;
	FILE *f;

	REQUIRE((f = fopen("/proc/self/maps", "r")) != NULL);
	for (n = 0; fgets(line, sizeof(line), f) != NULL;)
		if (sscanf(line, "%lx-%lx", &a, &b) == 2 && a < hi && lo < b)
			n++;
	(void)fclose(f);
	return (n);
}

/* The address space the process has (VmSize), in bytes. */
static uint64_t
vm_size(void)
{
	unsigned long long kb;
	char line[256];
	FILE *f;

	kb = 0;
	REQUIRE((f = fopen("/proc/self/status", "r")) != NULL);
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmSize: %llu kB", &kb) == 1)
			break;
	(void)fclose(f);
	REQUIRE(kb != 0);
	return ((uint64_t)kb * 1024);
}

static void
test_pack_and_grow(gntbox_t *h)
{
	uintptr_t lo[8], hi[8];
	unsigned i;
	char *a, *b, *big, *again;

	a = th_map(h, 1, 1, refs, RW, NULL);
	b = th_map(h, 1, 1, refs + 1, RW, NULL);
	CHECK(b == a + 2 * PG);
	CHECK_EQ(th_faults(a + PG, 0), SIGSEGV);
	REQUIRE(chunks(lo, hi) == 1);
	CHECK_U64(hi[0] - lo[0], (uint64_t)GBX_CHUNK_FIRST_PAGES * PG);
	/* BIG + 1 slots cannot fit beside a and b: a second chunk. */
	big = th_map(h, 1, BIG, refs, RW, NULL);
	REQUIRE(chunks(lo, hi) == 2);
	CHECK_U64(hi[1] - lo[1], 2ull * GBX_CHUNK_FIRST_PAGES * PG);
	CHECK((uintptr_t)big >= lo[1] && (uintptr_t)big < hi[1]);
	big[0] = 'f';
	big[(size_t)BIG * PG - 1] = 'l';
	CHECK(a[0] == 'f' && b[0] == 0);
	CHECK_EQ(th_faults(big + (size_t)BIG * PG, 0), SIGSEGV);
	CHECK_ERR(gntbox_munmap(h, big, BIG), 0);
	again = th_map(h, 1, BIG, refs, RW, NULL);
	CHECK(again == big);
	CHECK_EQ(again[(size_t)BIG * PG - 1], 'l');
	CHECK_ERR(gntbox_munmap(h, again, BIG), 0);
	CHECK_ERR(gntbox_munmap(h, a, 1), 0);
	CHECK_ERR(gntbox_munmap(h, b, 1), 0);
	/* Nothing mapped: each chunk is one PROT_NONE VMA again. */
	REQUIRE(chunks(lo, hi) == 2);
	for (i = 0; i < 2; i++)
		CHECK_EQ(vmas_in(lo[i], hi[i]), 1);
}

/* In a child: growth under RLIMIT_AS. */
static int
limited(void *arg)
{
	struct gntbox_grant_ref *g;
	uintptr_t lo[8], hi[8];
	struct rlimit rl, old;
	uint64_t off;
	gntbox_t *h;
	char *a, *p;

	(void)arg;
	h = th_open(1);
	REQUIRE((g = calloc(BIG, sizeof(*g))) != NULL);
	th_refs(g, 1, refs, BIG);
	a = th_map(h, 1, 1, refs, RW, NULL);
	REQUIRE(chunks(lo, hi) == 1);
	REQUIRE(getrlimit(RLIMIT_AS, &old) == 0);
	/*
	 * Room for BIG + 1 pages (and a megabyte for malloc), not for the
	 * doubled chunk.
	 */
	rl = old;
	rl.rlim_cur = vm_size() + ((uint64_t)BIG + 1 + 256) * PG;
	REQUIRE(setrlimit(RLIMIT_AS, &rl) == 0);
	REQUIRE(gntbox_map(h, BIG, g, 0, &off) == 0);
	p = gntbox_mmap(h, off, BIG, RW, NULL);
	CHECK(p != NULL);
	REQUIRE(setrlimit(RLIMIT_AS, &old) == 0);
	REQUIRE(chunks(lo, hi) == 2);
	CHECK_U64(hi[1] - lo[1], ((uint64_t)BIG + 1) * PG);
	if (p != NULL)
		CHECK_ERR(gntbox_munmap(h, p, BIG), 0);
	CHECK_ERR(gntbox_unmap(h, off, BIG), 0);
	/*
	 * No room for another chunk at all (a and a map of BIG pages leave
	 * no BIG + 1 slots free in either): ENOMEM, nothing kept.
	 */
	p = th_map(h, 1, BIG, refs, RW, NULL);
	rl.rlim_cur = vm_size() + 256 * PG;
	REQUIRE(setrlimit(RLIMIT_AS, &rl) == 0);
	REQUIRE(gntbox_map(h, BIG, g, 0, &off) == 0);
	CHECK(gntbox_mmap(h, off, BIG, RW, NULL) == NULL);
	CHECK_EQ(errno, ENOMEM);
	CHECK_ERR(gntbox_unmap(h, off, BIG), 0);
	CHECK_EQ(chunks(lo, hi), 2);
	/* The pool still serves what fits. */
	CHECK(th_map(h, 1, 1, refs + 1, RW, NULL) == a + 2 * PG);
	REQUIRE(setrlimit(RLIMIT_AS, &old) == 0);
	/* And BIG again once p is gone. */
	CHECK_ERR(gntbox_munmap(h, p, BIG), 0);
	CHECK(th_map(h, 1, BIG, refs, RW, NULL) == p);
	CHECK_EQ(chunks(lo, hi), 2);
	free(g);
	CHECK_ERR(gntbox_close(h), 0);
	return (0);
}

int
main(void)
{
	gntbox_t *h;

	th_start(NULL);
	th_domain(1);
	th_baseline();
	h = th_open(1);
	(void)th_share(h, 1, BIG, SHRW, refs);
	th_baseline();
	test_pack_and_grow(h);
	th_check_baseline("packing and growth");
	CHECK_EQ(th_wait(th_spawn(1, limited, NULL)), 0);
	th_check_baseline("growth under RLIMIT_AS");
	CHECK_ERR(gntbox_close(h), 0);
	return (th_finish());
}
