/*
 * Integration test: a client whose descriptor table is full, and one that
 * shares with more domains than it may hold descriptors (issue 11,
 * defect 4).  A Linux device needs no descriptor to map a grant; gntbox
 * needs the arena's, so:
 *
 * - with the table full, the kernel drops the descriptor a reply carries
 *   (MSG_CTRUNC): gntbox_mmap of a map fails with EMFILE, gntboxd keeps
 *   no map (maps and handles back at the baseline), the handle stays
 *   usable (a share still works: it needs no descriptor until its mmap,
 *   which is EMFILE too), and once one descriptor is free the same mmap
 *   works, and the next one needs one more;
 * - an event-channel notify whose reply would carry the peer's eventfd
 *   and page is delivered all the same, and the next notify, once a
 *   descriptor is free, caches the peer;
 * - under RLIMIT_NOFILE 1024, one handle shares and maps a page with each
 *   of 1,100 domains: the arena descriptors it keeps stay bounded (64), a
 *   page whose descriptor was let go maps again, and gntboxd closes the
 *   empty arenas the client has let go (ARENA_PUT) before the handle
 *   closes.
 *
 * Every scenario ends with gntboxd's levels back at their baseline.
 */
#include <sys/mman.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "fdfill.h"
#include "harness.h"

#define PG	  4096
#define RW	  (PROT_READ | PROT_WRITE)
#define SHRW	  GNTBOX_SHARE_WRITABLE
#define SMALL	  128  /* RLIMIT_NOFILE of the filling scenarios */
#define NDOMS	  1100 /* grantees of the many-domains scenario */
#define CACHE_FDS 64   /* client/link.c's GBX_ARENA_CACHE_FDS */

/* Wait until gntboxd holds no map object or handle beyond the baseline. */
static void
check_no_maps(const struct gntbox_stats *base)
{
	struct gntbox_stats st;
	int i;

	for (i = 0; i < 500; i++) {
		th_stats(&st);
		if (st.maps == base->maps && st.handles == base->handles)
			break;
		(void)usleep(10000);
	}
	CHECK_EQ(st.maps, base->maps);
	CHECK_EQ(st.handles, base->handles);
}

/* ------------------------------------------------------------------ */
/* A full table: EMFILE, then recovery.                                  */

static int
full_mapper(void *arg)
{
	struct th_chan *ch = arg;
	struct gntbox_grant_ref g;
	uint32_t sref;
	uint64_t off, soff;
	gntbox_t *h;
	char *p, *q;

	g.domid = 1;
	g.ref = (uint32_t)th_recv_u64(ch, 1);
	h = th_open(-1);
	REQUIRE(gntbox_map(h, 1, &g, 0, &off) == 0);
	tf_fill(SMALL);
	/* The MAP reply's descriptor is dropped: EMFILE, twice. */
	CHECK(gntbox_mmap(h, off, 1, RW, NULL) == NULL && errno == EMFILE);
	CHECK(gntbox_mmap(h, off, 1, RW, NULL) == NULL && errno == EMFILE);
	/* The handle still works: sharing needs no descriptor yet. */
	CHECK_ERR(gntbox_share(h, 1, 1, SHRW, &sref, &soff), 0);
	CHECK(gntbox_mmap(h, soff, 1, RW, NULL) == NULL && errno == EMFILE);
	th_send_u64(ch, 1, 1); /* the parent checks gntboxd kept no map */
	(void)th_recv_u64(ch, 1);
	/* One free descriptor: the map's arena takes it. */
	tf_unfill(1);
	REQUIRE((p = gntbox_mmap(h, off, 1, RW, NULL)) != NULL);
	CHECK(strcmp(p, "granted by 1") == 0);
	strcpy(p + 100, "mapped by 2");
	/* The shared page's arena needs another. */
	CHECK(gntbox_mmap(h, soff, 1, RW, NULL) == NULL && errno == EMFILE);
	tf_unfill(1);
	REQUIRE((q = gntbox_mmap(h, soff, 1, RW, NULL)) != NULL);
	q[0] = 7;
	CHECK_ERR(gntbox_munmap(h, q, 1), 0);
	CHECK_ERR(gntbox_unshare(h, soff, 1), 0);
	CHECK_ERR(gntbox_munmap(h, p, 1), 0);
	CHECK_ERR(gntbox_unmap(h, off, 1), 0);
	CHECK_ERR(gntbox_close(h), 0);
	tf_unfill(-1);
	th_send_u64(ch, 1, 2);
	return (0);
}

static void
test_full_table(void)
{
	struct gntbox_stats base;
	struct th_chan ch;
	uint32_t ref;
	uint64_t off;
	gntbox_t *h;
	char *p;
	pid_t pid;

	th_stats(&base);
	h = th_open(1);
	off = th_share(h, 2, 1, SHRW, &ref);
	REQUIRE((p = gntbox_mmap(h, off, 1, RW, NULL)) != NULL);
	strcpy(p, "granted by 1");
	th_chan_open(&ch);
	pid = th_spawn(2, full_mapper, &ch);
	th_send_u64(&ch, 0, ref);
	CHECK_EQ(th_recv_u64(&ch, 0), 1);
	check_no_maps(&base);
	th_send_u64(&ch, 0, 1);
	CHECK_EQ(th_recv_u64(&ch, 0), 2);
	CHECK_EQ(th_wait(pid), 0);
	th_chan_close(&ch);
	CHECK(strcmp(p + 100, "mapped by 2") == 0);
	CHECK_ERR(gntbox_munmap(h, p, 1), 0);
	CHECK_ERR(gntbox_unshare(h, off, 1), 0);
	CHECK_ERR(gntbox_close(h), 0);
	th_check_baseline("full table");
}

/* ------------------------------------------------------------------ */
/* A notify whose peer descriptors are dropped.                          */

static int
full_notifier(void *arg)
{
	gntbox_evtchn_t *a, *b;
	int pa, pb;

	(void)arg;
	REQUIRE((a = gntbox_evtchn_open(-1, GNTBOX_EVTCHN_NONBLOCK)) != NULL);
	REQUIRE((b = gntbox_evtchn_open(-1, GNTBOX_EVTCHN_NONBLOCK)) != NULL);
	REQUIRE((pa = gntbox_evtchn_bind_unbound(a, 2)) > 0);
	REQUIRE((pb = gntbox_evtchn_bind_interdomain(b, 2, (uint32_t)pa)) > 0);
	/* The new port is pending at once (Xen): take that first. */
	CHECK_EQ(gntbox_evtchn_pending(b), pb);
	CHECK_EQ(gntbox_evtchn_unmask(b, (uint32_t)pb), 0);
	tf_fill(SMALL);
	/* Delivered through gntboxd; the peer's descriptors are dropped. */
	CHECK_EQ(gntbox_evtchn_notify(b, (uint32_t)pb), 0);
	CHECK_EQ(gntbox_evtchn_pending(a), pa);
	CHECK_EQ(gntbox_evtchn_unmask(a, (uint32_t)pa), 0);
	tf_unfill(2);
	CHECK_EQ(gntbox_evtchn_notify(b, (uint32_t)pb), 0);
	CHECK_EQ(gntbox_evtchn_pending(a), pa);
	CHECK_EQ(gntbox_evtchn_unmask(a, (uint32_t)pa), 0);
	/* Cached now: the next goes directly, even with the table full. */
	tf_fill(SMALL);
	CHECK_EQ(gntbox_evtchn_notify(b, (uint32_t)pb), 0);
	CHECK_EQ(gntbox_evtchn_pending(a), pa);
	tf_unfill(-1);
	CHECK_EQ(gntbox_evtchn_close(b), 0);
	CHECK_EQ(gntbox_evtchn_close(a), 0);
	return (0);
}

static void
test_full_notify(void)
{

	CHECK_EQ(th_wait(th_spawn(2, full_notifier, NULL)), 0);
	th_check_baseline("full table, notify");
}

/* ------------------------------------------------------------------ */
/* 1,100 domains under RLIMIT_NOFILE 1024.                               */

static int
many_sharer(void *arg)
{
	struct th_chan *ch = arg;
	static uint64_t off[NDOMS];
	static char *p[NDOMS];
	uint32_t ref;
	gntbox_t *h;
	unsigned i, ok;

	tf_limit(1024);
	h = th_open(-1);
	ok = 0;
	for (i = 0; i < NDOMS; i++) {
		if (gntbox_share(h, (uint32_t)(2 + i), 1, SHRW, &ref,
			&off[i]) != 0 ||
		    (p[i] = gntbox_mmap(h, off[i], 1, RW, NULL)) == NULL) {
			CHECK_EQ(errno, 0);
			break;
		}
		*(uint32_t *)(void *)p[i] = i;
		ok++;
	}
	CHECK_EQ(ok, NDOMS);
	CHECK(tf_open_fds() < 100 + CACHE_FDS);
	/* The first arena's descriptor went long ago: it comes back. */
	REQUIRE(ok == NDOMS);
	for (i = 0; i < 4; i++) {
		char *again;

		REQUIRE((again = gntbox_mmap(h, off[i], 1, RW, NULL)) != NULL);
		CHECK_EQ(*(uint32_t *)(void *)again, i);
		CHECK_ERR(gntbox_munmap(h, again, 1), 0);
	}
	for (i = 0; i < NDOMS; i++) {
		CHECK_EQ(*(uint32_t *)(void *)p[i], i);
		CHECK_ERR(gntbox_munmap(h, p[i], 1), 0);
		CHECK_ERR(gntbox_unshare(h, off[i], 1), 0);
	}
	CHECK(tf_open_fds() < 100 + CACHE_FDS);
	/* The parent counts the empty arenas gntboxd still keeps. */
	th_send_u64(ch, 1, 1);
	(void)th_recv_u64(ch, 1);
	CHECK_ERR(gntbox_close(h), 0);
	return (0);
}

static void
test_many_domains(void)
{
	struct gntbox_stats base, st;
	struct th_chan ch;
	pid_t pid;
	int i;

	th_stats(&base);
	th_chan_open(&ch);
	pid = th_spawn(1, many_sharer, &ch);
	CHECK_EQ(th_recv_u64(&ch, 0), 1);
	/* Only the arenas whose descriptors the client still holds. */
	for (i = 0; i < 500; i++) {
		th_stats(&st);
		if (st.pages == base.pages &&
		    st.arenas <= base.arenas + CACHE_FDS)
			break;
		(void)usleep(10000);
	}
	CHECK_EQ(st.pages, base.pages);
	CHECK(st.arenas <= base.arenas + CACHE_FDS);
	CHECK(st.arenas > base.arenas);
	th_send_u64(&ch, 0, 1);
	CHECK_EQ(th_wait(pid), 0);
	th_chan_close(&ch);
	th_check_baseline("1,100 domains");
}

int
main(void)
{

	th_start(NULL);
	th_domain(1);
	th_domain(2);
	th_baseline();
	test_full_table();
	test_full_notify();
	test_many_domains();
	return (th_finish());
}
