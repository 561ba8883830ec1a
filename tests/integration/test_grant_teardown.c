/*
 * Integration test: every teardown order of both halves of a grant.
 *
 * A process of domain 1 shares two pages and mmaps them; a process of
 * domain 2 maps them.  Each side then tears down in one of its ways (the
 * sharer: munmap and unshare in either order then close, close alone,
 * exit, SIGKILL, munmap then exit, unshare then exit; the mapper: munmap
 * and unmap in either order then close, close alone, exit, SIGKILL,
 * partial munmaps then exit), the sharer first or the mapper first, in
 * every combination.  When the sharer goes first its grants must wait on
 * the deferred list while the mapper still sees its data intact; in every
 * case gntboxd's levels come back to the baseline.
 *
 * Then the deferred rule itself: a page ended while mapped is never
 * granted again while mapped, its reference is not reused, and once the
 * mapper lets go it is released; a page granted afterwards reads zeros.
 */
#include <sys/mman.h>

#include <stdint.h>

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "harness.h"
#include "lib/ctl.h"

#define PG   4096
#define RW   (PROT_READ | PROT_WRITE)
#define SHRW GNTBOX_SHARE_WRITABLE

enum sharer_way {
	S_MUNMAP_UNSHARE_CLOSE,
	S_UNSHARE_MUNMAP_CLOSE,
	S_CLOSE,
	S_EXIT,
	S_KILL,
	S_MUNMAP_EXIT,
	S_UNSHARE_EXIT,
	S_NWAYS
};

enum mapper_way {
	M_MUNMAP_UNMAP_CLOSE,
	M_UNMAP_MUNMAP_CLOSE,
	M_CLOSE,
	M_EXIT,
	M_KILL,
	M_PARTIAL_EXIT,
	M_NWAYS
};

static const char *const sharer_names[] = { "munmap+unshare+close",
	"unshare+munmap+close", "close", "exit", "SIGKILL", "munmap+exit",
	"unshare+exit" };
static const char *const mapper_names[] = { "munmap+unmap+close",
	"unmap+munmap+close", "close", "exit", "SIGKILL",
	"partial munmaps+exit" };

struct role {
	struct th_chan ch; /* with the parent: end 0 parent, end 1 child */
	int way;
};

/* Every byte of n pages at p holds v. */
static bool
filled(const unsigned char *p, size_t n, unsigned char v)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != v)
			return (false);
	return (true);
}

static int
sharer(void *arg)
{
	struct role *r;
	uint32_t refs[2];
	uint64_t off;
	gntbox_t *h;
	char *p;

	r = arg;
	h = th_open(-1);
	off = th_share(h, 2, 2, SHRW, refs);
	REQUIRE((p = gntbox_mmap(h, off, 2, RW, NULL)) != NULL);
	memset(p, 0xab, 2 * PG);
	th_send(&r->ch, 1, refs, sizeof(refs));
	(void)th_recv_u64(&r->ch, 1); /* go */
	switch (r->way) {
	case S_MUNMAP_UNSHARE_CLOSE:
		CHECK_ERR(gntbox_munmap(h, p, 2), 0);
		CHECK_ERR(gntbox_unshare(h, off, 2), 0);
		CHECK_ERR(gntbox_close(h), 0);
		break;
	case S_UNSHARE_MUNMAP_CLOSE:
		CHECK_ERR(gntbox_unshare(h, off, 2), 0);
		CHECK_ERR(gntbox_munmap(h, p, 2), 0);
		CHECK_ERR(gntbox_close(h), 0);
		break;
	case S_CLOSE:
		th_end(h, &r->ch, 1, TH_CLOSE);
		break;
	case S_KILL:
		th_end(h, &r->ch, 1, TH_AWAIT_KILL);
		break;
	case S_MUNMAP_EXIT:
		CHECK_ERR(gntbox_munmap(h, p, 2), 0);
		break;
	case S_UNSHARE_EXIT:
		CHECK_ERR(gntbox_unshare(h, off, 2), 0);
		break;
	default:
		break;
	}
	return (0);
}

static int
mapper(void *arg)
{
	struct role *r;
	uint32_t refs[2];
	uint64_t off;
	gntbox_t *h;
	char *p;

	r = arg;
	th_recv(&r->ch, 1, refs, sizeof(refs));
	h = th_open(-1);
	p = th_map(h, 1, 2, refs, RW, &off);
	CHECK(filled((unsigned char *)p, 2 * PG, 0xab));
	th_send_u64(&r->ch, 1, 1);    /* ready */
	(void)th_recv_u64(&r->ch, 1); /* go */
	/* If the sharer has gone, the pages must still be ours, intact. */
	CHECK(filled((unsigned char *)p, 2 * PG, 0xab));
	p[PG] = 0x11;
	CHECK(p[PG] == 0x11);
	switch (r->way) {
	case M_MUNMAP_UNMAP_CLOSE:
		CHECK_ERR(gntbox_munmap(h, p, 2), 0);
		CHECK_ERR(gntbox_unmap(h, off, 2), 0);
		CHECK_ERR(gntbox_close(h), 0);
		break;
	case M_UNMAP_MUNMAP_CLOSE:
		CHECK_ERR(gntbox_unmap(h, off, 2), 0);
		CHECK(p[0] == (char)0xab); /* still mapped */
		CHECK_ERR(gntbox_munmap(h, p, 2), 0);
		CHECK_ERR(gntbox_close(h), 0);
		break;
	case M_CLOSE:
		th_end(h, &r->ch, 1, TH_CLOSE);
		break;
	case M_KILL:
		th_end(h, &r->ch, 1, TH_AWAIT_KILL);
		break;
	case M_PARTIAL_EXIT:
		CHECK_ERR(gntbox_munmap(h, p, 1), 0);
		CHECK(p[PG] == 0x11);
		CHECK_ERR(gntbox_munmap(h, p + PG, 1), 0);
		break;
	default:
		break;
	}
	return (0);
}

/* Let a side go, and wait for it (killing it for the SIGKILL ways). */
static void
finish(struct role *r, pid_t pid, bool kill_it, const char *what)
{
	int st;

	th_send_u64(&r->ch, 0, 1);
	st = kill_it ? th_kill(pid, SIGKILL) : th_wait(pid);
	if (st != (kill_it ? -SIGKILL : 0))
		check_fail(__FILE__, __LINE__, "%s ended with %d", what, st);
}

/* Poll until gntboxd holds `want` deferred grants (up to 5 s). */
static uint64_t
wait_deferred(uint64_t want)
{
	struct gntbox_stats st;
	struct timespec ts;
	unsigned i;

	for (i = 0; i < 500; i++) {
		th_stats(&st);
		if (st.deferred == want)
			break;
		ts.tv_sec = 0;
		ts.tv_nsec = 10000000;
		(void)nanosleep(&ts, NULL);
	}
	return (st.deferred);
}

static void
one_case(int sway, int mway, bool sharer_first, uint64_t base_deferred)
{
	struct role s, m;
	uint32_t refs[2];
	char what[128];
	pid_t sp, mp;

	(void)snprintf(what, sizeof(what), "sharer %s %s mapper %s",
	    sharer_names[sway], sharer_first ? "before" : "after",
	    mapper_names[mway]);
	th_chan_open(&s.ch);
	th_chan_open(&m.ch);
	s.way = sway;
	m.way = mway;
	sp = th_spawn(1, sharer, &s);
	mp = th_spawn(2, mapper, &m);
	th_recv(&s.ch, 0, refs, sizeof(refs));
	th_send(&m.ch, 0, refs, sizeof(refs));
	(void)th_recv_u64(&m.ch, 0);
	if (sharer_first) {
		finish(&s, sp, sway == S_KILL, what);
		/* Ended while mapped: both grants wait for the mapper. */
		if (wait_deferred(base_deferred + 2) != base_deferred + 2)
			check_fail(__FILE__, __LINE__,
			    "%s: grants not deferred", what);
		finish(&m, mp, mway == M_KILL, what);
	} else {
		finish(&m, mp, mway == M_KILL, what);
		finish(&s, sp, sway == S_KILL, what);
	}
	th_chan_close(&s.ch);
	th_chan_close(&m.ch);
	th_check_baseline(what);
}

static void
test_orders(void)
{
	struct gntbox_stats st;
	int sway, mway;

	th_stats(&st);
	for (sway = 0; sway < S_NWAYS; sway++)
		for (mway = 0; mway < M_NWAYS; mway++) {
			one_case(sway, mway, true, st.deferred);
			one_case(sway, mway, false, st.deferred);
		}
}

/* ------------------------------------------------------------------ */

/* The state gntboxd reports for ref of domain 1. */
static int
grant_state(uint32_t ref)
{
	struct gbx_grant_rec *recs;
	struct gbx_conn *c;
	uint32_t n, i;
	int state;

	REQUIRE(gbx_ctl_open(&c) == 0);
	REQUIRE(gbx_ctl_grants(c, 1, &recs, &n) == 0);
	gbx_conn_close(c);
	state = -1;
	for (i = 0; i < n; i++)
		if (recs[i].ref == ref)
			state = recs[i].state;
	free(recs);
	return (state);
}

static int
deferred_mapper(void *arg)
{
	struct th_chan *ch;
	uint32_t ref, ref2;
	uint64_t off, off2;
	uint32_t c;
	gntbox_t *h;
	char *old, *new;

	ch = arg;
	ref = (uint32_t)th_recv_u64(ch, 1);
	h = th_open(-1);
	old = th_map(h, 1, 1, &ref, RW, NULL);
	CHECK(filled((unsigned char *)old, PG, 0xab));
	th_send_u64(ch, 1, 1);
	/* The sharer ended access and shared a new page. */
	ref2 = (uint32_t)th_recv_u64(ch, 1);
	CHECK(ref2 != ref);
	new = th_map(h, 1, 1, &ref2, RW, NULL);
	CHECK(filled((unsigned char *)new, PG, 0xcd));
	CHECK(filled((unsigned char *)old, PG, 0xab));
	old[0] = 0x42;
	CHECK(new[0] == (char)0xcd);
	/* Let the old page go: now it can be released. */
	CHECK_ERR(gntbox_offset_for_vaddr(h, old, &off, &c), 0);
	CHECK_ERR(gntbox_munmap(h, old, 1), 0);
	CHECK_ERR(gntbox_unmap(h, off, 1), 0);
	th_send_u64(ch, 1, 2);
	(void)th_recv_u64(ch, 1);
	CHECK_ERR(gntbox_offset_for_vaddr(h, new, &off2, &c), 0);
	CHECK_ERR(gntbox_munmap(h, new, 1), 0);
	CHECK_ERR(gntbox_unmap(h, off2, 1), 0);
	CHECK_ERR(gntbox_close(h), 0);
	return (0);
}

static void
test_deferred(void)
{
	struct gntbox_stats base, st;
	struct th_chan ch;
	uint32_t ref, ref2, ref3[2];
	uint64_t off, off2, off3;
	gntbox_t *h;
	char *p, *q;
	pid_t pid;

	th_stats(&base);
	th_chan_open(&ch);
	pid = th_spawn(2, deferred_mapper, &ch);
	h = th_open(1);
	off = th_share(h, 2, 1, SHRW, &ref);
	REQUIRE((p = gntbox_mmap(h, off, 1, RW, NULL)) != NULL);
	memset(p, 0xab, PG);
	th_send_u64(&ch, 0, ref);
	(void)th_recv_u64(&ch, 0);

	/* End access while the mapper maps it: deferred, not freed. */
	CHECK_ERR(gntbox_unshare(h, off, 1), 0);
	CHECK_ERR(gntbox_munmap(h, p, 1), 0);
	CHECK_EQ(wait_deferred(base.deferred + 1), base.deferred + 1);
	CHECK_EQ(grant_state(ref), GBX_GRANT_DEFERRED);
	th_stats(&st);
	CHECK_EQ(st.grants, base.grants + 1);

	/* A new page: another reference, another page, zeroed. */
	off2 = th_share(h, 2, 1, SHRW, &ref2);
	CHECK(ref2 != ref);
	REQUIRE((q = gntbox_mmap(h, off2, 1, RW, NULL)) != NULL);
	CHECK(filled((unsigned char *)q, PG, 0));
	memset(q, 0xcd, PG);
	th_send_u64(&ch, 0, ref2);
	(void)th_recv_u64(&ch, 0);

	/* The mapper let go: released in the background. */
	CHECK_EQ(wait_deferred(base.deferred), base.deferred);
	CHECK_EQ(grant_state(ref), -1);
	th_stats(&st);
	CHECK(st.deferred_released >= base.deferred_released + 1);
	CHECK_EQ(st.grants, base.grants + 1);
	CHECK(q[0] == (char)0xcd); /* the old page's write went nowhere */
	CHECK_ERR(gntbox_munmap(h, q, 1), 0);
	CHECK_ERR(gntbox_unshare(h, off2, 1), 0);
	th_send_u64(&ch, 0, 3);
	CHECK_EQ(th_wait(pid), 0);

	/* Pages granted again read zeros, whichever arena page they get. */
	off3 = th_share(h, 2, 2, SHRW, ref3);
	REQUIRE((q = gntbox_mmap(h, off3, 2, PROT_READ, NULL)) != NULL);
	CHECK(filled((unsigned char *)q, 2 * PG, 0));
	CHECK_ERR(gntbox_close(h), 0);
	th_chan_close(&ch);
}

int
main(void)
{

	th_start(NULL);
	th_domain(1);
	th_domain(2);
	th_baseline();
	test_orders();
	test_deferred();
	th_check_baseline("deferred release");
	return (th_finish());
}
