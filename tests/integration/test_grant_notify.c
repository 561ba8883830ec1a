/*
 * Integration test: unmap notify's clear-byte, seen by the peer.
 *
 * - A shared page's notify (one per page) fires when the page is released
 *   by its owner: not at munmap alone (the page is still offered), but at
 *   the unshare that follows; at close; at SIGKILL; at exit.
 * - A map's notify fires when the page holding the byte is unmapped: at
 *   munmap (not at the munmap of another page of the map), at close, at
 *   SIGKILL, at exit; also when it was set before mmap.
 * - Each fires once: the byte, set again by the peer, stays set through
 *   the rest of the teardown.  The byte is cleared while the peer still
 *   maps the page, and nothing else on the page changes.
 * - The last call wins; action 0 cancels; unknown actions, offsets
 *   outside any record, CLEAR_BYTE on a read-only map and SEND_EVENT on a
 *   port that is not bound are refused (at mmap for a notify set before
 *   it).
 */
#include <sys/mman.h>

#include <stdint.h>

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "harness.h"

#define PG    4096
#define RW    (PROT_READ | PROT_WRITE)
#define SHRW  GNTBOX_SHARE_WRITABLE
#define CLEAR GNTBOX_NOTIFY_CLEAR_BYTE

/* The ways a side ends; STEPWISE does it in two visible steps. */
enum way {
	W_STEPWISE,
	W_CLOSE,
	W_KILL,
	W_EXIT,
	W_EARLY,
	W_NWAYS
};

static const char *const way_names[] = { "two steps", "close", "SIGKILL",
	"exit", "notify set before mmap" };

static void
sleep_ms(unsigned ms)
{
	struct timespec ts;

	ts.tv_sec = 0;
	ts.tv_nsec = (long)ms * 1000000L;
	(void)nanosleep(&ts, NULL);
}

/* Poll up to 5 s for *p to become v. */
static bool
becomes(volatile const char *p, char v)
{
	unsigned i;

	for (i = 0; i < 500 && *p != v; i++)
		sleep_ms(10);
	return (*p == v);
}

struct side {
	struct th_chan ch;
	int way;
};

/*
 * The sharer of scenario A: two pages with a notify on each (bytes 20
 * and PG + 21, as libxenvchan uses), then its way of ending.
 */
static int
notify_sharer(void *arg)
{
	struct side *s;
	uint32_t refs[2];
	uint64_t off;
	gntbox_t *h;
	char *p;

	s = arg;
	h = th_open(-1);
	off = th_share(h, 2, 2, SHRW, refs);
	REQUIRE((p = gntbox_mmap(h, off, 2, RW, NULL)) != NULL);
	memset(p, 0x77, 2 * PG);
	p[20] = 1;
	p[PG + 21] = 1;
	CHECK_ERR(gntbox_set_unmap_notify(h, off + 20, CLEAR, 0), 0);
	CHECK_ERR(gntbox_set_unmap_notify(h, off + PG + 21, CLEAR, 0), 0);
	th_send(&s->ch, 1, refs, sizeof(refs));
	(void)th_recv_u64(&s->ch, 1);
	switch (s->way) {
	case W_STEPWISE:
		/* munmap alone releases nothing: the pages are still shared. */
		CHECK_ERR(gntbox_munmap(h, p, 2), 0);
		th_send_u64(&s->ch, 1, 1);
		(void)th_recv_u64(&s->ch, 1);
		CHECK_ERR(gntbox_unshare(h, off, 2), 0);
		th_send_u64(&s->ch, 1, 2);
		(void)th_recv_u64(&s->ch, 1);
		CHECK_ERR(gntbox_close(h), 0);
		break;
	default:
		th_end(h, &s->ch, 1,
		    s->way == W_CLOSE	 ? TH_CLOSE :
			s->way == W_KILL ? TH_AWAIT_KILL :
					   TH_EXIT);
		break;
	}
	return (0);
}

static void
sharer_case(int way)
{
	struct side s;
	uint32_t refs[2];
	gntbox_t *h;
	char *p;
	pid_t pid;
	int st;

	th_chan_open(&s.ch);
	s.way = way;
	pid = th_spawn(1, notify_sharer, &s);
	th_recv(&s.ch, 0, refs, sizeof(refs));
	h = th_open(2);
	p = th_map(h, 1, 2, refs, RW, NULL);
	CHECK(p[20] == 1 && p[PG + 21] == 1);
	th_send_u64(&s.ch, 0, 1);
	if (way == W_STEPWISE) {
		(void)th_recv_u64(&s.ch, 0);
		sleep_ms(100);
		CHECK(p[20] == 1 && p[PG + 21] == 1);
		th_send_u64(&s.ch, 0, 1);
		(void)th_recv_u64(&s.ch, 0);
	}
	st = way == W_KILL ? th_kill(pid, SIGKILL) : -1;
	CHECK(becomes(&p[20], 0));
	CHECK(becomes(&p[PG + 21], 0));
	/* Nothing else moved. */
	CHECK(p[19] == 0x77 && p[21] == 0x77 && p[PG + 20] == 0x77);
	/* Once: set again, the bytes stay set through the rest. */
	p[20] = 1;
	p[PG + 21] = 1;
	if (way == W_STEPWISE)
		th_send_u64(&s.ch, 0, 1);
	if (way != W_KILL)
		st = th_wait(pid);
	CHECK_EQ(st, way == W_KILL ? -SIGKILL : 0);
	sleep_ms(100);
	CHECK(p[20] == 1 && p[PG + 21] == 1);
	CHECK_ERR(gntbox_close(h), 0);
	th_chan_close(&s.ch);
}

/*
 * The mapper of scenario B: maps two pages with its notify on byte 20 of
 * the second (set before mmap for W_EARLY), then its way of ending.  An
 * earlier notify on page 0 is replaced: the last call wins.
 */
static int
notify_mapper(void *arg)
{
	struct gntbox_grant_ref g[2];
	struct side *s;
	uint32_t refs[2];
	uint64_t off;
	gntbox_t *h;
	char *p;

	s = arg;
	th_recv(&s->ch, 1, refs, sizeof(refs));
	h = th_open(-1);
	th_refs(g, 1, refs, 2);
	CHECK_ERR(gntbox_map(h, 2, g, 0, &off), 0);
	CHECK_ERR(gntbox_set_unmap_notify(h, off + 5, CLEAR, 0), 0);
	if (s->way == W_EARLY)
		CHECK_ERR(gntbox_set_unmap_notify(h, off + PG + 20, CLEAR, 0),
		    0);
	REQUIRE((p = gntbox_mmap(h, off, 2, RW, NULL)) != NULL);
	if (s->way != W_EARLY)
		CHECK_ERR(gntbox_set_unmap_notify(h, off + PG + 20, CLEAR, 0),
		    0);
	th_send_u64(&s->ch, 1, 1);
	(void)th_recv_u64(&s->ch, 1);
	switch (s->way) {
	case W_STEPWISE:
	case W_EARLY:
		/* The page without the byte goes first: nothing fires. */
		CHECK_ERR(gntbox_munmap(h, p, 1), 0);
		th_send_u64(&s->ch, 1, 1);
		(void)th_recv_u64(&s->ch, 1);
		CHECK_ERR(gntbox_munmap(h, p + PG, 1), 0);
		th_send_u64(&s->ch, 1, 2);
		(void)th_recv_u64(&s->ch, 1);
		CHECK_ERR(gntbox_unmap(h, off, 2), 0);
		CHECK_ERR(gntbox_close(h), 0);
		break;
	default:
		th_end(h, &s->ch, 1,
		    s->way == W_CLOSE	 ? TH_CLOSE :
			s->way == W_KILL ? TH_AWAIT_KILL :
					   TH_EXIT);
		break;
	}
	return (0);
}

static void
mapper_case(int way)
{
	struct side s;
	uint32_t refs[2];
	uint64_t off;
	gntbox_t *h;
	char *p;
	pid_t pid;
	int st;

	th_chan_open(&s.ch);
	s.way = way;
	pid = th_spawn(2, notify_mapper, &s);
	h = th_open(1);
	off = th_share(h, 2, 2, SHRW, refs);
	REQUIRE((p = gntbox_mmap(h, off, 2, RW, NULL)) != NULL);
	memset(p, 0x77, 2 * PG);
	p[5] = 1;
	p[PG + 20] = 1;
	th_send(&s.ch, 0, refs, sizeof(refs));
	(void)th_recv_u64(&s.ch, 0);
	th_send_u64(&s.ch, 0, 1);
	if (way == W_STEPWISE || way == W_EARLY) {
		(void)th_recv_u64(&s.ch, 0);
		sleep_ms(100);
		CHECK(p[PG + 20] == 1);
		th_send_u64(&s.ch, 0, 1);
		(void)th_recv_u64(&s.ch, 0);
	}
	st = way == W_KILL ? th_kill(pid, SIGKILL) : -1;
	CHECK(becomes(&p[PG + 20], 0));
	CHECK(p[5] == 1); /* replaced by the later call */
	CHECK(p[PG + 19] == 0x77 && p[PG + 21] == 0x77);
	p[PG + 20] = 1;
	if (way == W_STEPWISE || way == W_EARLY)
		th_send_u64(&s.ch, 0, 1);
	if (way != W_KILL)
		st = th_wait(pid);
	CHECK_EQ(st, way == W_KILL ? -SIGKILL : 0);
	sleep_ms(100);
	CHECK(p[PG + 20] == 1);
	CHECK_ERR(gntbox_close(h), 0);
	th_chan_close(&s.ch);
}

static void
test_errors(void)
{
	struct gntbox_grant_ref g;
	uint32_t refs[2];
	uint64_t soff, moff, eoff;
	gntbox_t *h;
	char *s, *m;
	uint32_t c;

	h = th_open(1);
	soff = th_share(h, 1, 2, SHRW, refs);
	REQUIRE((s = gntbox_mmap(h, soff, 2, RW, NULL)) != NULL);
	m = th_map(h, 1, 2, refs, RW, NULL);
	CHECK_ERR(gntbox_offset_for_vaddr(h, m, &moff, &c), 0);
	CHECK_ERR(gntbox_set_unmap_notify(h, soff, 0x4, 0), EINVAL);
	CHECK_ERR(gntbox_set_unmap_notify(h, moff, CLEAR | 0x8, 0), EINVAL);
	CHECK_ERR(gntbox_set_unmap_notify(h, moff + 2 * PG, CLEAR, 0), ENOENT);
	CHECK_ERR(gntbox_set_unmap_notify(h, 1ULL << 50, CLEAR, 0), ENOENT);
	/* No port is bound in this domain. */
	CHECK_ERR(gntbox_set_unmap_notify(h, soff, GNTBOX_NOTIFY_SEND_EVENT,
		      4000),
	    EINVAL);
	CHECK_ERR(gntbox_set_unmap_notify(h, moff, GNTBOX_NOTIFY_SEND_EVENT,
		      4000),
	    EINVAL);
	/*
	 * Before mmap the notify waits in the client and is checked with the
	 * map (docs/differences.md): an unbound port, or CLEAR_BYTE on what
	 * is mmapped read-only, fails the mmap; cancelled, the map mmaps.
	 */
	th_refs(&g, 1, refs, 1);
	CHECK_ERR(gntbox_map(h, 1, &g, 0, &eoff), 0);
	CHECK_ERR(gntbox_set_unmap_notify(h, eoff, GNTBOX_NOTIFY_SEND_EVENT,
		      4000),
	    0);
	CHECK(gntbox_mmap(h, eoff, 1, RW, NULL) == NULL && errno == EINVAL);
	CHECK_ERR(gntbox_set_unmap_notify(h, eoff + 7, CLEAR, 0), 0);
	CHECK(gntbox_mmap(h, eoff, 1, PROT_READ, NULL) == NULL &&
	    errno == EINVAL);
	CHECK_ERR(gntbox_set_unmap_notify(h, eoff, 0, 0), 0);
	CHECK(gntbox_mmap(h, eoff, 1, PROT_READ, NULL) != NULL);
	/* Action 0 cancels: nothing is cleared at munmap. */
	s[100] = 1;
	CHECK_ERR(gntbox_set_unmap_notify(h, moff + 100, CLEAR, 0), 0);
	CHECK_ERR(gntbox_set_unmap_notify(h, moff + 100, 0, 0), 0);
	CHECK_ERR(gntbox_munmap(h, m, 2), 0);
	sleep_ms(100);
	CHECK(s[100] == 1);
	CHECK_ERR(gntbox_close(h), 0);
}

int
main(void)
{
	char what[64];
	int way;

	th_start(NULL);
	th_domain(1);
	th_domain(2);
	th_baseline();
	for (way = 0; way < W_NWAYS; way++) {
		if (way != W_EARLY) {
			sharer_case(way);
			(void)snprintf(what, sizeof(what),
			    "shared page notify, %s", way_names[way]);
			th_check_baseline(what);
		}
		mapper_case(way);
		(void)snprintf(what, sizeof(what), "map notify, %s",
		    way_names[way]);
		th_check_baseline(what);
	}
	test_errors();
	th_check_baseline("notify errors");
	return (th_finish());
}
