/*
 * Compatibility test: where grant mappings go (client/place.h), as an
 * unmodified program sees it through libgntbox-preload.so and Debian's
 * libxengnttab.
 *
 * - Counted (ptrace, tests/lib/syscount.h): a libxengnttab map+unmap
 *   cycle, and the same cycle made with the raw ioctls and a plain
 *   munmap (as libxenvchan does), is one round trip to gntboxd, one
 *   one-way release and two memory calls: five system calls.
 * - A program's munmap of a grant mapping, or of part of it, releases
 *   what it covers and leaves the address space reserved, not a hole
 *   (MAP_FIXED_NOREPLACE there fails with EEXIST); once the whole
 *   mapping is gone its slots serve the next map.
 * - What the program maps over our space with MAP_FIXED (over a grant
 *   mapping, over free reserved space, or by mremap to a fixed address)
 *   is the program's from then on: later maps never land on it, its data
 *   survives them, and its munmap is the real one (a hole).
 * - mremap of reserved space is refused with EFAULT, as for an address
 *   with nothing mapped.
 * - fork(): the child has none of the maps, all of the shared pages, and
 *   the program's own mapping inside the map pool's space; the parent's
 *   address space (its count of VMAs) is as it was, and its maps work.
 */
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <xen/grant_table.h>
#include <xen/gntdev.h>
#include <xengnttab.h>

#include "check.h"
#include "compat.h"
#include "harness.h"
#include "syscount.h"

#define PG	4096
#define RW	(PROT_READ | PROT_WRITE)
#define WINDOWS 16
#define NREFS	8
#define ANON	(MAP_PRIVATE | MAP_ANONYMOUS)

static uint32_t refs[NREFS];

/* Whether something (reserved space included) is mapped at p. */
static bool
occupied(void *p)
{
	void *q;

	q = mmap(p, PG, PROT_NONE, ANON | MAP_FIXED_NOREPLACE, -1, 0);
	if (q == p) {
		REQUIRE(munmap(q, PG) == 0);
		return (false);
	}
	REQUIRE(q == MAP_FAILED && errno == EEXIST);
	return (true);
}

/* The lines of /proc/self/maps: the process's VMAs. */
static unsigned
vmas(void)
{
	char line[512];
	unsigned n;
	FILE *f;

	REQUIRE((f = fopen("/proc/self/maps", "r")) != NULL);
	for (n = 0; fgets(line, sizeof(line), f) != NULL; n++)
		;
	(void)fclose(f);
	return (n);
}

/* Map refs[i] with libxengnttab. */
static char *
map1(xengnttab_handle *g, unsigned i)
{
	char *p;

	REQUIRE((p = xengnttab_map_grant_ref(g, 1, refs[i], RW)) != NULL);
	return (p);
}

/* ------------------------------------------------------------------ */
/* Counted cycles.                                                       */

static void
check_cycle(const char *what, struct sc_window *w)
{
	unsigned k;

	k = sc_least(w, WINDOWS);
	CHECK_EQ(w[k].n, 5);
	CHECK_EQ(sc_count(&w[k], SYS_recvmsg), 1); /* one round trip */
	CHECK_EQ(sc_count(&w[k], SYS_sendmsg), 2);
	CHECK_EQ(sc_count(&w[k], SYS_mmap), 2);
	if (w[k].n != 5)
		sc_print(what, &w[k]);
}

static void
counted(xengnttab_handle *g, int dev)
{
	static struct sc_window w[WINDOWS];
	struct ioctl_gntdev_map_grant_ref op;
	struct ioctl_gntdev_unmap_grant_ref un;
	unsigned i;
	int ok;
	char *p;

	sc_start();
	for (i = 0; i < WINDOWS + 4; i++) {
		if (i >= 4)
			sc_begin();
		ok = (p = xengnttab_map_grant_ref(g, 1, refs[0], RW)) != NULL &&
		    xengnttab_unmap(g, p, 1) == 0;
		if (i >= 4)
			sc_end(&w[i - 4]);
		REQUIRE(ok);
	}
	check_cycle("libxengnttab cycle", w);
	/* The raw ioctls and a plain munmap, as libxenvchan does. */
	for (i = 0; i < WINDOWS + 4; i++) {
		memset(&op, 0, sizeof(op));
		op.count = 1;
		op.refs[0].domid = 1;
		op.refs[0].ref = refs[0];
		memset(&un, 0, sizeof(un));
		un.count = 1;
		if (i >= 4)
			sc_begin();
		ok = ioctl(dev, IOCTL_GNTDEV_MAP_GRANT_REF, &op) == 0 &&
		    (p = mmap(NULL, PG, RW, MAP_SHARED, dev,
			 (off_t)op.index)) != MAP_FAILED &&
		    munmap(p, PG) == 0 &&
		    (un.index = op.index,
			ioctl(dev, IOCTL_GNTDEV_UNMAP_GRANT_REF, &un) == 0);
		if (i >= 4)
			sc_end(&w[i - 4]);
		REQUIRE(ok);
	}
	check_cycle("ioctl + munmap cycle", w);
	sc_stop();
}

/* ------------------------------------------------------------------ */
/* munmap keeps the reservation.                                         */

static void
munmap_keeps(xengnttab_handle *g)
{
	uint32_t doms[2] = { 1, 1 };
	char *p, *q;

	REQUIRE((p = xengnttab_map_grant_refs(g, 2, doms, refs, RW)) != NULL);
	p[0] = 'a';
	p[PG] = 'b';
	CHECK_EQ(th_faults(p + 2 * PG, 0), SIGSEGV); /* the guard */
	CHECK_EQ(munmap(p + PG, PG), 0);
	CHECK_EQ(th_faults(p + PG, 0), SIGSEGV);
	CHECK(occupied(p + PG));
	CHECK_EQ(p[0], 'a');
	/* Unmapping reserved space again is no error, and changes nothing. */
	CHECK_EQ(munmap(p + PG, 2 * PG), 0);
	CHECK(occupied(p + PG));
	CHECK_EQ(munmap(p, PG), 0);
	CHECK_EQ(th_faults(p, 0), SIGSEGV);
	CHECK(occupied(p));
	/* libxengnttab's own unmap of what munmap released fails cleanly. */
	CHECK_ERR(xengnttab_unmap(g, p, 2), EINVAL);
	/* The slots came back: the next map of two pages takes them. */
	REQUIRE((q = xengnttab_map_grant_refs(g, 2, doms, refs, RW)) != NULL);
	CHECK(q == p);
	CHECK(q[0] == 'a' && q[PG] == 'b');
	CHECK_EQ(xengnttab_unmap(g, q, 2), 0);
}

/* ------------------------------------------------------------------ */
/* The program's own mappings over ours.                                 */

/* Map and unmap every ref a few times; no map may land on avoid. */
static void
churn(xengnttab_handle *g, const char *avoid)
{
	char *p[NREFS];
	unsigned i, r;

	for (r = 0; r < 3; r++) {
		for (i = 0; i < NREFS; i++) {
			p[i] = map1(g, i);
			CHECK(p[i] != avoid);
		}
		for (i = 0; i < NREFS; i++)
			CHECK_EQ(xengnttab_unmap(g, p[i], 1), 0);
	}
}

static void
excision(xengnttab_handle *g)
{
	char *p, *x, *y, *a;

	/* Over a grant mapping: it is released, the page is the program's. */
	p = map1(g, 0);
	REQUIRE(mmap(p, PG, RW, ANON | MAP_FIXED, -1, 0) == p);
	p[0] = 'Z';
	CHECK_ERR(xengnttab_unmap(g, p, 1), EINVAL);
	churn(g, p);
	CHECK_EQ(p[0], 'Z');
	/* Its munmap is the real one: a hole anything may use. */
	CHECK_EQ(munmap(p, PG), 0);
	CHECK(!occupied(p));

	/* Over free reserved space: the next map's slots. */
	x = map1(g, 0);
	CHECK_EQ(xengnttab_unmap(g, x, 1), 0);
	CHECK(occupied(x));
	REQUIRE(mmap(x, PG, RW, ANON | MAP_FIXED, -1, 0) == x);
	x[0] = 'X';
	churn(g, x);
	CHECK_EQ(x[0], 'X');

	/* mremap to a fixed address in reserved space. */
	y = map1(g, 0);
	CHECK_EQ(xengnttab_unmap(g, y, 1), 0);
	REQUIRE((a = mmap(NULL, PG, RW, ANON, -1, 0)) != MAP_FAILED);
	a[0] = 'Y';
	REQUIRE(mremap(a, PG, PG, MREMAP_MAYMOVE | MREMAP_FIXED, y) == y);
	churn(g, y);
	CHECK_EQ(y[0], 'Y');
	CHECK_EQ(munmap(y, PG), 0);
	CHECK_EQ(munmap(x, PG), 0);

	/* Reserved space is not the program's to move or resize. */
	a = map1(g, 0);
	CHECK_EQ(xengnttab_unmap(g, a, 1), 0);
	CHECK(mremap(a, PG, PG, 0) == MAP_FAILED && errno == EFAULT);
	CHECK(mremap(a, PG, 2 * PG, MREMAP_MAYMOVE) == MAP_FAILED &&
	    errno == EFAULT);
	CHECK(occupied(a));
}

/* ------------------------------------------------------------------ */
/* fork().                                                               */

static void
forked(xengnttab_handle *g, xengntshr_handle *s)
{
	uint32_t ref;
	char *m, *sh, *z;
	unsigned before;
	pid_t pid;
	int st;

	REQUIRE((sh = xengntshr_share_pages(s, 1, 1, &ref, 1)) != NULL);
	strcpy(sh, "shared");
	m = map1(g, 1);
	m[0] = 'm';
	/* The program's own page inside the map pool's space. */
	z = map1(g, 2);
	CHECK_EQ(xengnttab_unmap(g, z, 1), 0);
	REQUIRE(mmap(z, PG, RW, ANON | MAP_FIXED, -1, 0) == z);
	strcpy(z, "mine");
	before = vmas();
	fflush(NULL);
	REQUIRE((pid = fork()) != -1);
	if (pid == 0) {
		check_count = check_failures = 0;
		CHECK_EQ(th_faults(m, 0), SIGSEGV);
		CHECK(strcmp(sh, "shared") == 0);
		CHECK(strcmp(z, "mine") == 0);
		/* The map pool's space is not the child's: a hole. */
		CHECK(!occupied(m));
		_exit(check_failures != 0 ? 1 : 0);
	}
	REQUIRE(waitpid(pid, &st, 0) == pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK_EQ(vmas(), before);
	CHECK_EQ(m[0], 'm');
	CHECK(strcmp(z, "mine") == 0);
	CHECK_EQ(xengnttab_unmap(g, m, 1), 0);
	CHECK_EQ(munmap(z, PG), 0);
	CHECK_EQ(xengntshr_unshare(s, sh, 1), 0);
}

static int
placer(struct th_chan *ch)
{
	xengntshr_handle *s;
	xengnttab_handle *g;
	char *p;
	int dev;

	(void)ch;
	REQUIRE((s = xengntshr_open(NULL, 0)) != NULL);
	REQUIRE((g = xengnttab_open(NULL, 0)) != NULL);
	REQUIRE((dev = open("/dev/xen/gntdev", O_RDWR | O_CLOEXEC)) >= 0);
	REQUIRE((p = xengntshr_share_pages(s, 1, NREFS, refs, 1)) != NULL);
	counted(g, dev);
	munmap_keeps(g);
	excision(g);
	forked(g, s);
	CHECK_EQ(xengntshr_unshare(s, p, NREFS), 0);
	CHECK_EQ(close(dev), 0);
	CHECK_EQ(xengnttab_close(g), 0);
	CHECK_EQ(xengntshr_close(s), 0);
	return (0);
}

static const struct tc_role roles[] = {
	{ "placer", placer },
	{ NULL, NULL },
};

int
main(int argc, char **argv)
{
	struct tc_proc a;

	tc_main(argc, argv, roles);
	th_start(NULL);
	th_domain(1);
	th_baseline();
	tc_run(&a, 1, "placer");
	CHECK_EQ(tc_wait(&a), 0);
	th_check_baseline("placement");
	return (th_finish());
}
