/*
 * Integration test: the system calls and gntboxd round trips of the
 * native API's hot paths, counted (never timed) with ptrace
 * (tests/lib/syscount.h), against docs/design.md's performance budget:
 *
 * - a map+unmap cycle (gntbox_map, gntbox_mmap, gntbox_munmap,
 *   gntbox_unmap) of 1 page, and of 64 pages of one arena, is one round
 *   trip (sendmsg + recvmsg, MAP), one one-way release (sendmsg, UNMAP)
 *   and two memory calls: the mmap (MAP_FIXED) of the arena's pages over
 *   reserved space and the mmap that puts PROT_NONE back (client/place.h);
 *   five system calls and nothing else;
 * - an mmap+munmap cycle of shared pages makes no round trip: two one-way
 *   messages (MAPPED, UNMAPPED) and the same two memory calls;
 * - an event-channel notify makes no round trip at all.
 *
 * Each is counted in 16 windows and judged on the window with the fewest
 * calls (an allocator may make a call now and then; a path that makes one
 * too many makes it every time).
 */
#include <sys/mman.h>
#include <sys/syscall.h>

#include <stdbool.h>
#include <stdint.h>

#include "check.h"
#include "harness.h"
#include "syscount.h"

#define PG	4096
#define RW	(PROT_READ | PROT_WRITE)
#define SHRW	GNTBOX_SHARE_WRITABLE
#define NPAGES	64
#define WINDOWS 16

/* The calls to gntboxd: a round trip is one recvmsg. */
static unsigned
round_trips(const struct sc_window *w)
{

	return (sc_count(w, SYS_recvmsg) + sc_count(w, SYS_recvfrom) +
	    sc_count(w, SYS_recvmmsg));
}

static unsigned
messages(const struct sc_window *w)
{

	return (sc_count(w, SYS_sendmsg) + sc_count(w, SYS_sendto) +
	    sc_count(w, SYS_sendmmsg) + round_trips(w));
}

/*
 * Check that the window's mmap calls are the two of a placement: the
 * arena's pages (MAP_SHARED | MAP_FIXED) over reserved space, and
 * PROT_NONE put back there (MAP_FIXED, anonymous).
 */
static void
check_memory_calls(const char *what, const struct sc_window *w, void *at)
{
	const struct sc_call *c;
	unsigned i, shared, reserved;

	shared = reserved = 0;
	for (i = 0; i < w->n && i < SC_MAX_CALLS; i++) {
		c = &w->call[i];
		if (c->nr != SYS_mmap || c->arg[0] != (uintptr_t)at ||
		    (c->arg[3] & MAP_FIXED) == 0)
			continue;
		if ((c->arg[3] & MAP_TYPE) == MAP_SHARED && c->arg[2] == RW)
			shared++;
		else if (c->arg[2] == PROT_NONE &&
		    (c->arg[3] & MAP_ANONYMOUS) != 0)
			reserved++;
	}
	CHECK_EQ(shared, 1);
	CHECK_EQ(reserved, 1);
	if (shared != 1 || reserved != 1)
		sc_print(what, w);
}

/* A cycle to count: a map's (of refs), or shared pages' (at off). */
struct cycle {
	const char *what;
	gntbox_t *h;
	struct gntbox_grant_ref g[NPAGES];
	uint32_t n;
	uint64_t off;  /* the shared pages' offset */
	bool is_map;   /* else shared pages */
	unsigned want; /* system calls */
	unsigned rt;   /* round trips */
};

/* One cycle: the address it mapped at, or NULL if a call failed. */
static char *
one_cycle(struct cycle *c)
{
	uint64_t off;
	char *p;

	if (!c->is_map)
		return (
		    (p = gntbox_mmap(c->h, c->off, c->n, RW, NULL)) != NULL &&
			    gntbox_munmap(c->h, p, c->n) == 0 ?
			p :
			NULL);
	if (gntbox_map(c->h, c->n, c->g, 0, &off) != 0 ||
	    (p = gntbox_mmap(c->h, off, c->n, RW, NULL)) == NULL ||
	    gntbox_munmap(c->h, p, c->n) != 0 ||
	    gntbox_unmap(c->h, off, c->n) != 0)
		return (NULL);
	return (p);
}

/*
 * Count a cycle in WINDOWS windows (after a warm-up: the pool's first
 * chunk, the arena's descriptor) and judge the least: its calls, its
 * round trips, its two sends (a request or a one-way MAPPED, and the
 * one-way release) and its two memory calls.
 */
static void
count_cycles(struct cycle *c)
{
	static struct sc_window w[WINDOWS];
	unsigned i, k;
	char *p, *at;

	for (i = 0; i < 4; i++)
		REQUIRE(one_cycle(c) != NULL);
	at = NULL;
	for (i = 0; i < WINDOWS; i++) {
		sc_begin();
		p = one_cycle(c);
		sc_end(&w[i]);
		REQUIRE(p != NULL);
		/* The slots come back: each cycle reuses the same ones. */
		if (at == NULL)
			at = p;
		CHECK(p == at);
	}
	k = sc_least(w, WINDOWS);
	CHECK_EQ(w[k].n, c->want);
	CHECK_EQ(round_trips(&w[k]), c->rt);
	CHECK_EQ(sc_count(&w[k], SYS_sendmsg), 2);
	check_memory_calls(c->what, &w[k], at);
	if (w[k].n != c->want)
		sc_print(c->what, &w[k]);
}

/* Notify a port bound in this very process, counted: no message. */
static void
count_notifies(void)
{
	static struct sc_window w[WINDOWS];
	gntbox_evtchn_t *a, *b;
	int pa, pb, r;
	unsigned i, k;

	REQUIRE((a = gntbox_evtchn_open(-1, GNTBOX_EVTCHN_NONBLOCK)) != NULL);
	REQUIRE((b = gntbox_evtchn_open(-1, GNTBOX_EVTCHN_NONBLOCK)) != NULL);
	REQUIRE((pa = gntbox_evtchn_bind_unbound(a, 1)) > 0);
	REQUIRE((pb = gntbox_evtchn_bind_interdomain(b, 1, (uint32_t)pa)) > 0);
	/* The first notify may ask gntboxd where the peer is. */
	for (i = 0; i < WINDOWS + 1; i++) {
		if (i > 0)
			sc_begin();
		r = gntbox_evtchn_notify(a, (uint32_t)pa);
		if (i > 0)
			sc_end(&w[i - 1]);
		CHECK_EQ(r, 0);
		CHECK_EQ(gntbox_evtchn_pending(b), pb);
		CHECK_EQ(gntbox_evtchn_unmask(b, (uint32_t)pb), 0);
	}
	k = sc_least(w, WINDOWS);
	for (i = 0; i < WINDOWS; i++)
		CHECK_EQ(messages(&w[i]), 0);
	if (messages(&w[k]) != 0)
		sc_print("notify", &w[k]);
	printf("notify: %u system calls\n", w[k].n);
	CHECK_EQ(gntbox_evtchn_close(b), 0);
	CHECK_EQ(gntbox_evtchn_close(a), 0);
}

static int
counter(void *arg)
{
	static const char *const whats[] = { "1-page map", "64-page map",
		"1 shared page", "64 shared pages" };
	static struct cycle c;
	uint32_t refs[NPAGES];
	uint64_t soff;
	gntbox_t *h;
	unsigned i;

	(void)arg;
	h = th_open(-1);
	soff = th_share(h, 1, NPAGES, SHRW, refs);
	sc_start();
	for (i = 0; i < 4; i++) {
		c.what = whats[i];
		c.h = h;
		th_refs(c.g, 1, refs, NPAGES);
		c.n = i % 2 == 0 ? 1 : NPAGES;
		c.off = soff;
		c.is_map = i < 2;
		c.want = c.is_map ? 5 : 4;
		c.rt = c.is_map ? 1 : 0;
		count_cycles(&c);
	}
	count_notifies();
	sc_stop();
	CHECK_ERR(gntbox_close(h), 0);
	return (0);
}

int
main(void)
{

	th_start(NULL);
	th_domain(1);
	th_baseline();
	CHECK_EQ(th_wait(th_spawn(1, counter, NULL)), 0);
	th_check_baseline("counted cycles");
	return (th_finish());
}
