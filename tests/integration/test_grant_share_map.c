/*
 * Integration test: sharing and mapping pages through the public API,
 * with real processes of two domains.
 *
 * - Data goes both ways through shared pages; reserved references 0..7
 *   are never handed out; shared pages start zeroed.
 * - A read-only grant mapped read-only cannot be written, not even after
 *   mprotect(PROT_WRITE); a writable mmap of it is refused; a writable
 *   grant mapped read-only cannot be upgraded either.
 * - Same-domain loopback; a map can be mmapped once only; the exact-start
 *   rule of gntbox_offset_for_vaddr(); the guard page after every mapping;
 *   caller-chosen offsets (GNTBOX_FIXED_OFFSET) at 0 and at the top of
 *   the space; a map over ten arenas (some descriptors come by
 *   ARENA_GET); no descriptor kept for arenas no longer used; a forked
 *   child's inherited handle; several threads sharing one handle.
 */
#include <sys/mman.h>

#include <stdint.h>

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <xen/grant_table.h>

#include "check.h"
#include "client/gntdev.h"
#include "harness.h"

#define PG    4096
#define RW    (PROT_READ | PROT_WRITE)
#define SHRW  GNTBOX_SHARE_WRITABLE
#define FIXED GNTBOX_FIXED_OFFSET

/* ------------------------------------------------------------------ */

static int
both_ways_mapper(void *arg)
{
	struct gntbox_grant_ref g[2];
	struct th_chan *ch;
	uint32_t refs[2], c;
	int16_t st[2];
	uint64_t off, o;
	gntbox_t *h;
	char *p;

	ch = arg;
	th_recv(ch, 1, refs, sizeof(refs));
	h = th_open(-1);
	CHECK_EQ(gntbox_domid(h), 2);
	th_refs(g, 1, refs, 2);
	CHECK_ERR(gntbox_map(h, 2, g, 0, &off), 0);
	st[0] = st[1] = 99;
	REQUIRE((p = gntbox_mmap(h, off, 2, RW, st)) != NULL);
	CHECK_EQ(st[0], GNTST_okay);
	CHECK_EQ(st[1], GNTST_okay);
	CHECK(strcmp(p, "page 0 from domain 1") == 0);
	CHECK(strcmp(p + PG, "page 1 from domain 1") == 0);
	strcpy(p + PG + 100, "reply from domain 2");
	th_send_u64(ch, 1, 1);
	(void)th_recv_u64(ch, 1);
	CHECK_ERR(gntbox_offset_for_vaddr(h, p, &o, &c), 0);
	CHECK_U64(o, off);
	CHECK_EQ(c, 2);
	CHECK_ERR(gntbox_munmap(h, p, 2), 0);
	CHECK_ERR(gntbox_unmap(h, off, 2), 0);
	CHECK_ERR(gntbox_close(h), 0);
	return (0);
}

static void
test_both_ways(void)
{
	struct th_chan ch;
	uint32_t refs[2];
	uint64_t off;
	gntbox_t *h;
	char *p;
	pid_t pid;

	th_chan_open(&ch);
	pid = th_spawn(2, both_ways_mapper, &ch);
	h = th_open(1);
	CHECK_EQ(gntbox_domid(h), 1);
	off = th_share(h, 2, 2, SHRW, refs);
	CHECK(refs[0] >= 8 && refs[1] >= 8 && refs[0] != refs[1]);
	REQUIRE((p = gntbox_mmap(h, off, 2, RW, NULL)) != NULL);
	CHECK(p[0] == 0 && p[PG + 100] == 0 && p[2 * PG - 1] == 0);
	strcpy(p, "page 0 from domain 1");
	strcpy(p + PG, "page 1 from domain 1");
	th_send(&ch, 0, refs, sizeof(refs));
	(void)th_recv_u64(&ch, 0);
	CHECK(strcmp(p + PG + 100, "reply from domain 2") == 0);
	th_send_u64(&ch, 0, 1);
	CHECK_EQ(th_wait(pid), 0);
	CHECK_ERR(gntbox_munmap(h, p, 2), 0);
	CHECK_ERR(gntbox_unshare(h, off, 2), 0);
	CHECK_ERR(gntbox_close(h), 0);
	th_chan_close(&ch);
}

/* ------------------------------------------------------------------ */

static int
read_only_mapper(void *arg)
{
	struct gntbox_grant_ref g;
	struct th_chan *ch;
	uint32_t refs[2];
	uint64_t off;
	int16_t st;
	gntbox_t *h;
	char *p;

	ch = arg;
	th_recv(ch, 1, refs, sizeof(refs));
	h = th_open(-1);
	th_refs(&g, 1, refs, 1); /* a read-only grant */
	CHECK_ERR(gntbox_map(h, 1, &g, 0, &off), 0);
	/* Xen refuses to write-pin a read-only grant entry. */
	st = 99;
	CHECK(gntbox_mmap(h, off, 1, RW, &st) == NULL);
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(st, GNTST_general_error);
	/* Nothing stayed mapped, so the same map may be mmapped again. */
	REQUIRE((p = gntbox_mmap(h, off, 1, PROT_READ, &st)) != NULL);
	CHECK_EQ(st, GNTST_okay);
	CHECK(strcmp(p, "read only") == 0);
	CHECK_EQ(th_faults(p, 1), SIGSEGV);
	CHECK_ERR(mprotect(p, PG, RW), EACCES);
	CHECK_EQ(th_faults(p, 1), SIGSEGV);
	CHECK(strcmp(p, "read only") == 0);
	CHECK_ERR(gntbox_set_unmap_notify(h, off, GNTBOX_NOTIFY_CLEAR_BYTE, 0),
	    EINVAL);
	CHECK_ERR(gntbox_munmap(h, p, 1), 0);
	CHECK_ERR(gntbox_unmap(h, off, 1), 0);

	/* A writable grant mapped read-only stays read-only too. */
	p = th_map(h, 1, 1, &refs[1], PROT_READ, NULL);
	CHECK(strcmp(p, "writable") == 0);
	CHECK_ERR(mprotect(p, PG, RW), EACCES);
	CHECK_EQ(th_faults(p, 1), SIGSEGV);
	CHECK_ERR(gntbox_close(h), 0);
	return (0);
}

static void
test_read_only(void)
{
	struct th_chan ch;
	uint32_t refs[2];
	uint64_t off[2];
	gntbox_t *h;
	char *p;
	pid_t pid;

	th_chan_open(&ch);
	pid = th_spawn(2, read_only_mapper, &ch);
	h = th_open(1);
	off[0] = th_share(h, 2, 1, 0, &refs[0]);
	off[1] = th_share(h, 2, 1, SHRW, &refs[1]);
	REQUIRE((p = gntbox_mmap(h, off[0], 2, RW, NULL)) != NULL);
	strcpy(p, "read only");
	strcpy(p + PG, "writable");
	th_send(&ch, 0, refs, sizeof(refs));
	CHECK_EQ(th_wait(pid), 0);
	CHECK(strcmp(p, "read only") == 0);
	CHECK_ERR(gntbox_close(h), 0);
	th_chan_close(&ch);
}

/* ------------------------------------------------------------------ */

/* Domain 1 shares with itself and maps what it shared, in one process. */
static void
test_loopback(void)
{
	uint32_t refs[2];
	gntbox_t *h, *h2;
	char *s, *m, *m2;
	uint64_t off;

	h = th_open(1);
	h2 = th_open(1);
	off = th_share(h, 1, 2, SHRW, refs);
	REQUIRE((s = gntbox_mmap(h, off, 2, RW, NULL)) != NULL);
	m = th_map(h, 1, 2, refs, RW, NULL);   /* the same handle */
	m2 = th_map(h2, 1, 1, refs, RW, NULL); /* another one */
	CHECK(m != s && m2 != s);
	strcpy(s + PG, "loop");
	CHECK(strcmp(m + PG, "loop") == 0);
	strcpy(m, "back");
	CHECK(strcmp(s, "back") == 0);
	CHECK(strcmp(m2, "back") == 0);
	CHECK_ERR(gntbox_close(h2), 0);
	CHECK_ERR(gntbox_close(h), 0);
}

/* ------------------------------------------------------------------ */

static void
test_mmap_once(void)
{
	struct gntbox_grant_ref g[2];
	uint32_t refs[2];
	uint64_t soff, off;
	gntbox_t *h;
	void *p;

	h = th_open(1);
	soff = th_share(h, 1, 2, SHRW, refs);
	th_refs(g, 1, refs, 2);
	CHECK_ERR(gntbox_map(h, 2, g, 0, &off), 0);
	/* Only the whole map, exactly. */
	CHECK(gntbox_mmap(h, off, 1, RW, NULL) == NULL && errno == EINVAL);
	CHECK(gntbox_mmap(h, off, 3, RW, NULL) == NULL && errno == EINVAL);
	CHECK(gntbox_mmap(h, off + PG, 1, RW, NULL) == NULL && errno == EINVAL);
	CHECK(gntbox_mmap(h, off + 1, 2, RW, NULL) == NULL && errno == EINVAL);
	CHECK(gntbox_mmap(h, off, 0, RW, NULL) == NULL && errno == EINVAL);
	CHECK(gntbox_mmap(h, off, 2, PROT_READ | 0x100, NULL) == NULL &&
	    errno == EINVAL);
	REQUIRE((p = gntbox_mmap(h, off, 2, RW, NULL)) != NULL);
	/* Once in its lifetime: while mapped, and after. */
	CHECK(gntbox_mmap(h, off, 2, RW, NULL) == NULL && errno == EINVAL);
	CHECK_ERR(gntbox_munmap(h, p, 2), 0);
	CHECK(gntbox_mmap(h, off, 2, RW, NULL) == NULL && errno == EINVAL);
	CHECK_ERR(gntbox_unmap(h, off, 2), 0);
	/* Shared pages may be mmapped any number of times. */
	REQUIRE((p = gntbox_mmap(h, soff, 2, RW, NULL)) != NULL);
	REQUIRE(gntbox_mmap(h, soff + PG, 1, RW, NULL) != NULL);
	CHECK(
	    gntbox_mmap(h, soff + PG, 2, RW, NULL) == NULL && errno == EINVAL);
	CHECK_ERR(gntbox_close(h), 0);
}

/* ------------------------------------------------------------------ */

static void
test_offset_for_vaddr(void)
{
	uint32_t refs[3], c;
	gntbox_t *h, *h2;
	uint64_t soff, o, off;
	char *p, *s;

	h = th_open(1);
	h2 = th_open(1);
	soff = th_share(h, 1, 3, SHRW, refs);
	p = th_map(h, 1, 3, refs, RW, NULL);
	CHECK_ERR(gntbox_offset_for_vaddr(h, p, &off, &c), 0);
	CHECK_EQ(c, 3);
	CHECK(off != soff);
	CHECK_ERR(gntbox_offset_for_vaddr(h, p + PG, &o, &c), EINVAL);
	CHECK_ERR(gntbox_offset_for_vaddr(h, p + 1, &o, &c), EINVAL);
	CHECK_ERR(gntbox_offset_for_vaddr(h, p - PG, &o, &c), EINVAL);
	CHECK_ERR(gntbox_offset_for_vaddr(h, NULL, &o, &c), EINVAL);
	CHECK_ERR(gntbox_offset_for_vaddr(h2, p, &o, &c), EINVAL);
	/* Shared pages have no map to report (as gntalloc). */
	REQUIRE((s = gntbox_mmap(h, soff, 3, RW, NULL)) != NULL);
	CHECK_ERR(gntbox_offset_for_vaddr(h, s, &o, &c), EINVAL);
	/* A later page going changes nothing; the first page going does. */
	CHECK_ERR(gntbox_munmap(h, p + 2 * PG, 1), 0);
	CHECK_ERR(gntbox_offset_for_vaddr(h, p, &o, &c), 0);
	CHECK_U64(o, off);
	CHECK_EQ(c, 3);
	CHECK_ERR(gntbox_munmap(h, p, 1), 0);
	CHECK_ERR(gntbox_offset_for_vaddr(h, p, &o, &c), EINVAL);
	CHECK_ERR(gntbox_close(h2), 0);
	CHECK_ERR(gntbox_close(h), 0);
}

/* ------------------------------------------------------------------ */

static void
test_guard_page(void)
{
	uint32_t refs[3];
	uint64_t off;
	gntbox_t *h;
	char *p, *s;

	h = th_open(1);
	off = th_share(h, 1, 1, SHRW, &refs[0]);
	(void)th_share(h, 1, 1, 0, &refs[1]); /* another arena */
	(void)th_share(h, 1, 1, SHRW, &refs[2]);
	REQUIRE((s = gntbox_mmap(h, off, 3, RW, NULL)) != NULL);
	s[0] = 'a';
	s[PG] = 'b';
	s[2 * PG] = 'c';
	CHECK_EQ(th_faults(s + 2 * PG, 0), 0);
	CHECK_EQ(th_faults(s + 3 * PG, 0), SIGSEGV);
	CHECK_EQ(th_faults(s + 3 * PG, 1), SIGSEGV);
	CHECK_EQ(th_faults(s + 4 * PG - 1, 0), SIGSEGV);
	/* A map over pages of two arenas: two runs, one guard. */
	p = th_map(h, 1, 3, refs, PROT_READ, NULL);
	CHECK(p[0] == 'a' && p[PG] == 'b' && p[2 * PG] == 'c');
	CHECK_EQ(th_faults(p + 3 * PG, 0), SIGSEGV);
	/* The guard goes with the last page, not before. */
	CHECK_ERR(gntbox_munmap(h, s, 2), 0);
	CHECK_EQ(th_faults(s + 3 * PG, 0), SIGSEGV);
	CHECK_EQ(th_faults(s + 2 * PG, 0), 0);
	CHECK_ERR(gntbox_close(h), 0);
	CHECK_EQ(th_faults(p, 0), SIGSEGV); /* close unmapped it */
}

/* ------------------------------------------------------------------ */

static void
test_fixed_offsets(void)
{
	struct gntbox_grant_ref g[2];
	const uint64_t top = UINT64_MAX - PG + 1; /* the last page */
	uint32_t refs[2];
	uint64_t off, x;
	gntbox_t *h;
	char *p, *q;

	h = th_open(1);
	off = 1ULL << 40;
	CHECK_ERR(gntbox_share(h, 1, 2, SHRW | FIXED, refs, &off), 0);
	CHECK_U64(off, 1ULL << 40);
	th_refs(g, 1, refs, 2);
	x = 0;
	CHECK_ERR(gntbox_map(h, 2, g, FIXED, &x), 0);
	CHECK_U64(x, 0);
	/* In use, unaligned, or leaving the space. */
	x = PG;
	CHECK_ERR(gntbox_map(h, 1, g, FIXED, &x), EBUSY);
	x = (1ULL << 40) + PG;
	CHECK_ERR(gntbox_share(h, 1, 1, FIXED, refs, &x), EBUSY);
	x = 3 * PG + 12;
	CHECK_ERR(gntbox_map(h, 1, g, FIXED, &x), EINVAL);
	x = top;
	CHECK_ERR(gntbox_map(h, 2, g, FIXED, &x), EINVAL);
	CHECK_ERR(gntbox_map(h, 1, g, FIXED, &x), 0);
	CHECK_U64(x, top);
	CHECK_ERR(gntbox_map(h, 1, g, 0x4000, &x), EINVAL);
	/* Both fixed maps work. */
	REQUIRE((p = gntbox_mmap(h, 0, 2, RW, NULL)) != NULL);
	REQUIRE((q = gntbox_mmap(h, top, 1, RW, NULL)) != NULL);
	REQUIRE(gntbox_mmap(h, 1ULL << 40, 2, RW, NULL) != NULL);
	p[5] = 'x';
	CHECK(q[5] == 'x');
	/* Without the flag, first fit takes the free page after the map. */
	CHECK_ERR(gntbox_map(h, 1, g, 0, &x), 0);
	CHECK_U64(x, 2 * PG);
	CHECK_ERR(gntbox_unmap(h, top, 1), 0);
	x = top;
	CHECK_ERR(gntbox_share(h, 1, 1, FIXED, refs, &x), 0);
	CHECK_ERR(gntbox_unshare(h, top, 1), 0);
	CHECK_ERR(gntbox_close(h), 0);
}

/* ------------------------------------------------------------------ */

/*
 * One map over ten new arenas (domains 2..6 each granting a writable and
 * a read-only page to domain 1): the MAP reply carries at most eight
 * descriptors, the client fetches the others with ARENA_GET.
 */
static void
test_many_arenas(void)
{
	struct gntbox_grant_ref g[10];
	gntbox_t *h[7];
	uint32_t ref;
	uint64_t off;
	unsigned i, k;
	char *s, *p;

	for (i = 2; i <= 6; i++) {
		h[i] = th_open((int)i);
		for (k = 0; k < 2; k++) {
			off = th_share(h[i], 1, 1, k == 0 ? SHRW : 0, &ref);
			g[2 * (i - 2) + k].domid = i;
			g[2 * (i - 2) + k].ref = ref;
			REQUIRE(
			    (s = gntbox_mmap(h[i], off, 1, RW, NULL)) != NULL);
			s[0] = (char)('a' + 2 * i + k);
		}
	}
	h[1] = th_open(1);
	CHECK_ERR(gntbox_map(h[1], 10, g, 0, &off), 0);
	REQUIRE((p = gntbox_mmap(h[1], off, 10, PROT_READ, NULL)) != NULL);
	for (i = 0; i < 10; i++)
		CHECK(p[i * PG] == (char)('a' + 4 + i));
	for (i = 1; i <= 6; i++)
		CHECK_ERR(gntbox_close(h[i]), 0);
}

/* Descriptors open in this process. */
static unsigned
open_fds(void)
{
	struct dirent *e;
	unsigned n;
	DIR *d;

	REQUIRE((d = opendir("/proc/self/fd")) != NULL);
	for (n = 0; (e = readdir(d)) != NULL;)
		n += e->d_name[0] != '.';
	(void)closedir(d);
	return (n);
}

/*
 * A long-lived handle must not pile up arena descriptors.  The client
 * caches each descriptor for its connection's life, and gntboxd keeps an
 * empty arena alive while a connection has its descriptor, so after a
 * first round in each access mode, forty more rounds of sharing a page,
 * mapping it from another handle and giving it up use the same arenas
 * and add no descriptor.
 */
static void
test_arena_descriptors(void)
{
	unsigned before, i;
	gntbox_t *h, *h2;
	uint64_t off, moff;
	uint32_t ref;
	char *s, *m;

	h = th_open(1);
	h2 = th_open(2);
	before = 0;
	for (i = 0; i < 42; i++) {
		/* The first round of each mode brings the descriptors. */
		if (i == 2)
			before = open_fds();
		off = th_share(h, 2, 1, i % 2 == 0 ? SHRW : 0, &ref);
		REQUIRE((s = gntbox_mmap(h, off, 1, RW, NULL)) != NULL);
		s[0] = (char)i;
		m = th_map(h2, 1, 1, &ref, PROT_READ, &moff);
		CHECK(m[0] == (char)i);
		CHECK_ERR(gntbox_munmap(h2, m, 1), 0);
		CHECK_ERR(gntbox_unmap(h2, moff, 1), 0);
		CHECK_ERR(gntbox_munmap(h, s, 1), 0);
		CHECK_ERR(gntbox_unshare(h, off, 1), 0);
	}
	CHECK_EQ(open_fds(), before);
	CHECK_ERR(gntbox_close(h2), 0);
	CHECK_ERR(gntbox_close(h), 0);
}

/* ------------------------------------------------------------------ */

struct forked {
	gntbox_t *h;
	char *s, *m;
	uint64_t off;
};

/* A forked child may only close what it inherited, and sends nothing. */
static int
forked_child(void *arg)
{
	struct gbx_vmbatch b;
	struct forked *f;
	uint32_t ref, c;
	uint64_t off;

	f = arg;
	CHECK_ERR(gntbox_share(f->h, 1, 1, 0, &ref, &off), EBADF);
	CHECK(gntbox_mmap(f->h, f->off, 1, RW, NULL) == NULL && errno == EBADF);
	CHECK_ERR(gntbox_unshare(f->h, f->off, 1), EBADF);
	CHECK_ERR(gntbox_munmap(f->h, f->s, 1), EBADF);
	/* Shared pages are inherited, maps are not (MADV_DONTFORK). */
	CHECK(f->s[0] == 'f');
	CHECK_EQ(th_faults(f->m, 0), SIGSEGV);
	/*
	 * Nor are they in the child's address index: their addresses are
	 * free for anything, and a munmap(2) there touches no grant.
	 */
	CHECK_ERR(gbx_dev_offset_for_vaddr(NULL, f->m, &off, &c), EINVAL);
	REQUIRE(mmap(f->m, PG, RW,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1,
		    0) == f->m);
	REQUIRE(gbx_vm_unmap_begin(f->m, 2 * PG, &b) == 0);
	CHECK(SLIST_EMPTY(&b.pieces));
	CHECK_EQ(munmap(f->m, PG), 0);
	gbx_vm_unmap_end(&b, true);
	CHECK_ERR(gntbox_close(f->h), 0);
	CHECK_EQ(th_faults(f->s, 0), SIGSEGV);
	return (0);
}

static void
test_fork(void)
{
	struct forked f;
	uint32_t ref;
	uint64_t off;
	char *s;

	f.h = th_open(1);
	f.off = th_share(f.h, 1, 1, SHRW, &ref);
	REQUIRE((f.s = gntbox_mmap(f.h, f.off, 1, RW, NULL)) != NULL);
	f.m = th_map(f.h, 1, 1, &ref, RW, NULL);
	f.s[0] = 'f';
	CHECK_EQ(th_wait(th_spawn(1, forked_child, &f)), 0);
	/* The parent's handle and mappings are untouched. */
	CHECK(f.m[0] == 'f' && f.s[0] == 'f');
	off = th_share(f.h, 1, 1, SHRW, &ref);
	REQUIRE((s = gntbox_mmap(f.h, off, 1, RW, NULL)) != NULL);
	CHECK_ERR(gntbox_munmap(f.h, f.s, 1), 0);
	CHECK_ERR(gntbox_close(f.h), 0);
}

/* ------------------------------------------------------------------ */

#define NTHREADS 4
#define ROUNDS	 40

struct worker {
	gntbox_t *h;
	pthread_t tid;
	unsigned id;
	unsigned errors;
};

/* Share, map what was shared, check it, and take it all down again. */
static void *
worker(void *arg)
{
	struct worker *w;
	uint32_t refs[2], c;
	uint64_t off, moff;
	char *s, *m;
	unsigned i;

	w = arg;
	for (i = 0; i < ROUNDS; i++) {
		off = 0;
		if (gntbox_share(w->h, 1, 2, SHRW, refs, &off) == -1 ||
		    (s = gntbox_mmap(w->h, off, 2, RW, NULL)) == NULL) {
			w->errors++;
			continue;
		}
		s[PG + 7] = (char)(w->id * 16 + (i & 15));
		m = th_map(w->h, 1, 2, refs, PROT_READ, NULL);
		if (m[PG + 7] != s[PG + 7])
			w->errors++;
		if (gntbox_offset_for_vaddr(w->h, m, &moff, &c) == -1 ||
		    gntbox_munmap(w->h, m, 2) == -1 ||
		    gntbox_unmap(w->h, moff, c) == -1 ||
		    gntbox_unshare(w->h, off, 2) == -1 ||
		    gntbox_munmap(w->h, s, 2) == -1)
			w->errors++;
	}
	return (NULL);
}

static void
test_threads(void)
{
	struct worker w[NTHREADS];
	gntbox_t *h;
	unsigned i;

	h = th_open(1);
	for (i = 0; i < NTHREADS; i++) {
		w[i].h = h;
		w[i].id = i;
		w[i].errors = 0;
		REQUIRE(pthread_create(&w[i].tid, NULL, worker, &w[i]) == 0);
	}
	for (i = 0; i < NTHREADS; i++) {
		REQUIRE(pthread_join(w[i].tid, NULL) == 0);
		CHECK_EQ(w[i].errors, 0);
	}
	CHECK_ERR(gntbox_close(h), 0);
}

int
main(void)
{

	th_start(NULL);
	th_domain(1);
	th_domain(2);
	th_domain(3);
	th_domain(4);
	th_domain(5);
	th_domain(6);
	th_baseline();
	test_both_ways();
	th_check_baseline("data both ways");
	test_read_only();
	th_check_baseline("read-only grants");
	test_loopback();
	th_check_baseline("loopback");
	test_mmap_once();
	th_check_baseline("mmap once");
	test_offset_for_vaddr();
	th_check_baseline("offset for vaddr");
	test_guard_page();
	th_check_baseline("guard page");
	test_fixed_offsets();
	th_check_baseline("fixed offsets");
	test_many_arenas();
	th_check_baseline("ten arenas in one map");
	test_arena_descriptors();
	th_check_baseline("arena descriptors");
	test_fork();
	th_check_baseline("fork");
	test_threads();
	th_check_baseline("threads");
	return (th_finish());
}
