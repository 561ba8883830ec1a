/*
 * Unit test of the shared event page (src/proto/evtpage.h) on real memfd
 * pages and eventfds: single-process semantics (a port fires into the
 * ring and is masked; a notify after that is kept pending and fires again
 * at the unmask; entries of one port queued twice; stale generations;
 * unbind keeping the ring's entries; Linux's ring size, its overflow and
 * the reset with its debt; the slot-scan fallback; ranges; blocking
 * takes that sleep in read(), nonblocking ones that never sleep, and the
 * fallback for kernels without RWF_NOWAIT), then forked notifier
 * processes hammering one page while the parent reads, checking the
 * counting invariant and that no notify is lost, also while bindings are
 * unbound and rebound under the notifiers.  test_evtpage_model.c checks
 * every short sequence against a model of Linux and Xen.
 */
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "evtpage_util.h"
#include "proto/evtpage.h"

#define NOTIFIERS    3
#define STRESS_PORTS 24
#define STRESS_ITERS 200000

#define M GBX_SLOT_MASKED
#define P GBX_SLOT_PENDING

static uint64_t
slot(struct gbx_evtpage *pg, uint32_t port)
{

	return (atomic_load(&pg->slot[port]));
}

/* A slot word: generation, queued entries and state bits. */
static uint64_t
sw(uint32_t gen, uint64_t queued, uint64_t bits)
{

	return (((uint64_t)gen << GBX_SLOT_GEN_SHIFT) |
	    (queued << GBX_SLOT_Q_SHIFT) | bits);
}

/* The ring's entries: the sum of the slots' queued fields. */
static uint64_t
entries(struct gbx_evtpage *pg)
{
	uint64_t n = 0;
	uint32_t p;

	for (p = 0; p < GBX_EVT_MAX_PORTS; p++)
		n += (slot(pg, p) >> GBX_SLOT_Q_SHIFT) & GBX_SLOT_Q_MAX;
	return (n);
}

static int
take(struct gbx_evtpage *pg, int efd, uint32_t *port)
{

	*port = 0;
	return (evtpage_wait_take(pg, efd, true, port));
}

/*
 * The life of one port, by Linux's rules: a notify fires it (a ring
 * entry, masked); notifies while masked only set pending; reading takes
 * the entry and leaves the port masked; the unmask of a pending port
 * fires it again; the unmask of a port not pending unmasks it.
 */
static void
test_fire_and_mask(void)
{
	struct gbx_evtpage *pg = eu_page_new(GBX_EVT_MAX_PORTS);
	int efd = eu_efd_new();
	uint32_t port;

	evtpage_bind(pg, 5, 7);
	CHECK_U64(slot(pg, 5), sw(7, 0, 0));
	CHECK_ERR(take(pg, efd, &port), EAGAIN);

	/* Fired: one entry, one count, masked, its selector bits set. */
	CHECK_EQ(evtpage_notify(pg, efd, 5, 7), EVTPAGE_DELIVERABLE);
	CHECK_U64(eu_efd_count(efd), 1);
	CHECK_U64(slot(pg, 5), sw(7, 1, M));
	CHECK_EQ(atomic_load(&pg->queued), 1);
	CHECK(atomic_load(&pg->summary) & 1);
	CHECK(atomic_load(&pg->sel[0]) & (1u << 5));
	/* Masked: further notifies set pending, and count nothing. */
	CHECK_EQ(evtpage_notify(pg, efd, 5, 7), EVTPAGE_COALESCED);
	CHECK_EQ(evtpage_notify(pg, efd, 5, 7), EVTPAGE_COALESCED);
	CHECK_U64(eu_efd_count(efd), 1);
	CHECK_U64(slot(pg, 5), sw(7, 1, M | P));

	/* Reading takes the entry; the port stays masked and pending. */
	CHECK_ERR(take(pg, efd, &port), 0);
	CHECK_EQ(port, 5);
	CHECK_U64(eu_efd_count(efd), 0);
	CHECK_EQ(atomic_load(&pg->queued), 0);
	CHECK_U64(slot(pg, 5), sw(7, 0, M | P));
	CHECK_ERR(take(pg, efd, &port), EAGAIN);

	/* The unmask of a pending port fires it again: masked, one entry. */
	CHECK(evtpage_unmask(pg, efd, 5));
	CHECK_U64(eu_efd_count(efd), 1);
	CHECK_U64(slot(pg, 5), sw(7, 1, M));
	CHECK_ERR(take(pg, efd, &port), 0);
	CHECK_EQ(port, 5);
	CHECK_ERR(take(pg, efd, &port), EAGAIN);

	/* The unmask of a port not pending unmasks it; again: nothing. */
	CHECK(!evtpage_unmask(pg, efd, 5));
	CHECK_U64(slot(pg, 5), sw(7, 0, 0));
	CHECK(!evtpage_unmask(pg, efd, 5));
	CHECK_U64(eu_efd_count(efd), 0);
	CHECK_EQ(evtpage_notify(pg, efd, 5, 7), EVTPAGE_DELIVERABLE);
	CHECK_ERR(take(pg, efd, &port), 0);
	CHECK_EQ(port, 5);
	CHECK_EQ(atomic_load(&pg->debt), 0);
	close(efd);
	eu_page_free(pg);
}

/*
 * Issue 9's probe: two notifies, the reader reads only after both, then
 * unmasks.  The second came after the first had fired, so Linux delivers
 * it at the unmask: two events.  A thousand notifies are still two.
 */
static void
test_notify_after_delivery(void)
{
	struct gbx_evtpage *pg = eu_page_new(GBX_EVT_MAX_PORTS);
	int efd = eu_efd_new(), i, nd = 0, nc = 0;
	enum evtpage_result r;
	uint32_t port;

	evtpage_bind(pg, 4095, GBX_SLOT_GEN_MAX);
	CHECK_EQ(evtpage_notify(pg, efd, 4095, GBX_SLOT_GEN_MAX),
	    EVTPAGE_DELIVERABLE);
	CHECK_EQ(evtpage_notify(pg, efd, 4095, GBX_SLOT_GEN_MAX),
	    EVTPAGE_COALESCED);
	CHECK_ERR(take(pg, efd, &port), 0);
	CHECK_EQ(port, 4095);
	CHECK_ERR(take(pg, efd, &port), EAGAIN);
	CHECK(evtpage_unmask(pg, efd, 4095));
	CHECK_ERR(take(pg, efd, &port), 0);
	CHECK_EQ(port, 4095);
	CHECK(!evtpage_unmask(pg, efd, 4095));
	CHECK_ERR(take(pg, efd, &port), EAGAIN);

	for (i = 0; i < 1000; i++) {
		r = evtpage_notify(pg, efd, 4095, GBX_SLOT_GEN_MAX);
		nd += r == EVTPAGE_DELIVERABLE;
		nc += r == EVTPAGE_COALESCED;
	}
	CHECK_EQ(nd, 1);
	CHECK_EQ(nc, 999);
	CHECK_U64(eu_efd_count(efd), 1);
	CHECK_ERR(take(pg, efd, &port), 0);
	CHECK(evtpage_unmask(pg, efd, 4095));
	CHECK_ERR(take(pg, efd, &port), 0);
	CHECK(!evtpage_unmask(pg, efd, 4095));
	CHECK_ERR(take(pg, efd, &port), EAGAIN);
	CHECK_U64(slot(pg, 4095), sw(GBX_SLOT_GEN_MAX, 0, 0));
	close(efd);
	eu_page_free(pg);
}

/*
 * A port unmasked before its entry was read can fire again: two entries
 * of one port, as in Linux's ring.  The reader that takes the first
 * leaves the selector bits set for the second.
 */
static void
test_two_entries(void)
{
	struct gbx_evtpage *pg = eu_page_new(GBX_EVT_MAX_PORTS);
	int efd = eu_efd_new();
	uint32_t port;

	evtpage_bind(pg, 130, 2);
	CHECK_EQ(evtpage_notify(pg, efd, 130, 2), EVTPAGE_DELIVERABLE);
	CHECK(!evtpage_unmask(pg, efd, 130));
	CHECK_EQ(evtpage_notify(pg, efd, 130, 2), EVTPAGE_DELIVERABLE);
	CHECK_U64(slot(pg, 130), sw(2, 2, M));
	CHECK_U64(eu_efd_count(efd), 2);
	CHECK_EQ(atomic_load(&pg->queued), 2);
	CHECK_ERR(take(pg, efd, &port), 0);
	CHECK_EQ(port, 130);
	CHECK(atomic_load(&pg->sel[2]) & (UINT64_C(1) << 2));
	CHECK(atomic_load(&pg->summary) & 4);
	CHECK_ERR(evtpage_take(pg, &port), 0); /* through the selectors */
	CHECK_EQ(port, 130);
	CHECK_ERR(evtpage_take(pg, &port), EAGAIN);
	CHECK_U64(atomic_load(&pg->summary), 0);
	close(efd);
	eu_page_free(pg);
}

/*
 * A generation that does not match is STALE and changes nothing; so are
 * generation 0, unbound slots and ports out of range, even beyond the
 * array (nports is not trusted).
 */
static void
test_stale_and_ranges(void)
{
	struct gbx_evtpage *pg = eu_page_new(100);
	int efd = eu_efd_new();
	uint32_t port;

	CHECK_EQ(pg->magic, GBX_EVT_MAGIC);
	CHECK_EQ(pg->nports, 100);
	evtpage_bind(pg, 10, 3);
	CHECK_EQ(evtpage_notify(pg, efd, 10, 4), EVTPAGE_STALE);
	CHECK_EQ(evtpage_notify(pg, efd, 10, 0), EVTPAGE_STALE);
	CHECK_EQ(evtpage_notify(pg, efd, 10, GBX_SLOT_GEN_MAX + 1),
	    EVTPAGE_STALE);
	CHECK_EQ(evtpage_notify(pg, efd, 11, 3), EVTPAGE_STALE);
	CHECK_EQ(evtpage_notify(pg, efd, 0, 0), EVTPAGE_STALE);
	CHECK_EQ(evtpage_notify(pg, efd, 100, 3), EVTPAGE_STALE);
	CHECK_EQ(evtpage_notify(pg, efd, GBX_EVT_MAX_PORTS, 3), EVTPAGE_STALE);
	CHECK_EQ(evtpage_notify(pg, efd, UINT32_MAX, 3), EVTPAGE_STALE);
	CHECK_U64(slot(pg, 10), sw(3, 0, 0));
	CHECK_U64(slot(pg, 0), 0);
	CHECK_U64(eu_efd_count(efd), 0);
	CHECK_U64(atomic_load(&pg->summary), 0);

	/* Binds out of range, on port 0 or with a bad generation do nothing. */
	evtpage_bind(pg, 0, 1);
	evtpage_bind(pg, 100, 1);
	evtpage_bind(pg, 20, 0);
	evtpage_bind(pg, 21, GBX_SLOT_GEN_MAX + 1);
	CHECK_U64(slot(pg, 0), 0);
	CHECK_U64(slot(pg, 100), 0);
	CHECK_U64(slot(pg, 20), 0);
	CHECK_U64(slot(pg, 21), 0);
	/* Unmask and unbind of unbound or out-of-range ports are ignored. */
	CHECK(!evtpage_unmask(pg, efd, 11));
	CHECK(!evtpage_unmask(pg, efd, UINT32_MAX));
	evtpage_unbind(pg, 11);
	evtpage_unbind(pg, UINT32_MAX);
	evtpage_clear(pg, UINT32_MAX);
	CHECK_U64(slot(pg, 11), 0);
	CHECK_U64(eu_efd_count(efd), 0);
	CHECK_EQ(atomic_load(&pg->debt), 0);

	/* A page claiming more slots than exist is clamped. */
	pg->nports = UINT32_MAX;
	CHECK_EQ(evtpage_notify(pg, efd, GBX_EVT_MAX_PORTS, 3), EVTPAGE_STALE);
	CHECK_ERR(take(pg, efd, &port), EAGAIN);
	close(efd);
	eu_page_free(pg);
}

/*
 * Unbind ends the binding (notifiers with its generation get STALE, the
 * state bits go) but keeps the port's entries, which are still read, as
 * Linux leaves them in its ring; a rebinding starts unmasked with them.
 * clear forgets everything without touching the eventfd.
 */
static void
test_unbind_keeps_entries(void)
{
	struct gbx_evtpage *pg = eu_page_new(GBX_EVT_MAX_PORTS);
	int efd = eu_efd_new();
	uint32_t port;

	evtpage_bind(pg, 70, 9);
	CHECK_EQ(evtpage_notify(pg, efd, 70, 9), EVTPAGE_DELIVERABLE);
	CHECK_EQ(evtpage_notify(pg, efd, 70, 9), EVTPAGE_COALESCED);
	evtpage_unbind(pg, 70);
	CHECK_U64(slot(pg, 70), sw(0, 1, 0));
	CHECK_EQ(evtpage_notify(pg, efd, 70, 9), EVTPAGE_STALE);
	CHECK(!evtpage_unmask(pg, efd, 70));
	evtpage_unbind(pg, 70); /* twice: nothing */
	CHECK_U64(slot(pg, 70), sw(0, 1, 0));
	CHECK_U64(eu_efd_count(efd), 1);
	CHECK_ERR(take(pg, efd, &port), 0);
	CHECK_EQ(port, 70);
	CHECK_ERR(take(pg, efd, &port), EAGAIN);

	/* Rebound with an entry of the old binding still in the ring. */
	evtpage_bind(pg, 71, 10);
	CHECK_EQ(evtpage_notify(pg, efd, 71, 10), EVTPAGE_DELIVERABLE);
	evtpage_unbind(pg, 71);
	evtpage_bind(pg, 71, 11);
	CHECK_U64(slot(pg, 71), sw(11, 1, 0));
	CHECK_EQ(evtpage_notify(pg, efd, 71, 10), EVTPAGE_STALE);
	CHECK_EQ(evtpage_notify(pg, efd, 71, 11), EVTPAGE_DELIVERABLE);
	CHECK_U64(slot(pg, 71), sw(11, 2, M));
	CHECK_ERR(take(pg, efd, &port), 0);
	CHECK_EQ(port, 71);
	CHECK_ERR(take(pg, efd, &port), 0);
	CHECK_EQ(port, 71);
	CHECK_ERR(take(pg, efd, &port), EAGAIN);
	CHECK_EQ(atomic_load(&pg->debt), 0);

	/* clear forgets a binding and its entry, eventfd untouched. */
	CHECK(!evtpage_unmask(pg, efd, 71));
	CHECK_EQ(evtpage_notify(pg, efd, 71, 11), EVTPAGE_DELIVERABLE);
	evtpage_clear(pg, 71);
	CHECK_U64(slot(pg, 71), 0);
	CHECK_U64(eu_efd_count(efd), 1);
	close(efd);
	eu_page_free(pg);
}

/*
 * Linux's ring: 64 entries, doubled while the handle has more bound
 * ports, up to the port limit.  A port fired once more than the ring
 * holds (only possible by unmasking before reading) overflows it: every
 * read fails with EFBIG and takes nothing; the reset empties the ring,
 * pays the counts back and clears the overflow; the ports stay masked.
 */
static void
test_ring_overflow(void)
{
	struct gbx_evtpage *pg = eu_page_new(GBX_EVT_MAX_PORTS);
	int efd = eu_efd_new(), i;
	uint32_t port;

	CHECK_EQ(atomic_load(&pg->ring), 64);
	evtpage_ring_fit(pg, 64);
	CHECK_EQ(atomic_load(&pg->ring), 64);
	evtpage_ring_fit(pg, 65);
	CHECK_EQ(atomic_load(&pg->ring), 128);
	evtpage_ring_fit(pg, 64); /* never shrinks */
	CHECK_EQ(atomic_load(&pg->ring), 128);
	evtpage_ring_fit(pg, 1000);
	CHECK_EQ(atomic_load(&pg->ring), 1024);
	evtpage_ring_fit(pg, 100000);
	CHECK_EQ(atomic_load(&pg->ring), GBX_EVT_MAX_PORTS);
	atomic_store(&pg->ring, 64);

	evtpage_bind(pg, 9, 1);
	evtpage_bind(pg, 10, 2);
	CHECK_EQ(evtpage_notify(pg, efd, 10, 2), EVTPAGE_DELIVERABLE);
	for (i = 0; i < 63; i++) {
		CHECK_EQ(evtpage_notify(pg, efd, 9, 1), EVTPAGE_DELIVERABLE);
		CHECK(!evtpage_unmask(pg, efd, 9));
	}
	CHECK_EQ(atomic_load(&pg->queued), 64);
	CHECK_EQ(atomic_load(&pg->overflow), 0);
	/* Full: the next one overflows, and reads fail, taking nothing. */
	CHECK_EQ(evtpage_notify(pg, efd, 9, 1), EVTPAGE_DELIVERABLE);
	CHECK_EQ(atomic_load(&pg->overflow), 1);
	CHECK_ERR(take(pg, efd, &port), EFBIG);
	CHECK_ERR(evtpage_wait_take(pg, efd, false, &port), EFBIG);
	CHECK_U64(eu_efd_count(efd), 65);
	/* Still masked: more notifies are pending, nothing else. */
	CHECK_EQ(evtpage_notify(pg, efd, 9, 1), EVTPAGE_COALESCED);

	evtpage_reset(pg, efd);
	CHECK_EQ(atomic_load(&pg->overflow), 0);
	CHECK_EQ(atomic_load(&pg->queued), 0);
	CHECK_EQ(atomic_load(&pg->debt), 0);
	CHECK_U64(eu_efd_count(efd), 0);
	CHECK_U64(entries(pg), 0);
	CHECK_U64(slot(pg, 9), sw(1, 0, M | P));
	CHECK_U64(slot(pg, 10), sw(2, 0, M));
	CHECK_ERR(take(pg, efd, &port), EAGAIN);
	/* The ports are unmasked as after any read. */
	CHECK(evtpage_unmask(pg, efd, 9));
	CHECK(!evtpage_unmask(pg, efd, 10));
	CHECK_ERR(take(pg, efd, &port), 0);
	CHECK_EQ(port, 9);
	CHECK_ERR(take(pg, efd, &port), EAGAIN);
	close(efd);
	eu_page_free(pg);
}

/*
 * The reset's debt: an entry whose count its notifier has not written
 * yet, and an entry whose count a reader already holds, are dropped; the
 * late count is paid to the debt instead of being reported.
 */
static void
test_reset_debt(void)
{
	struct gbx_evtpage *pg = eu_page_new(GBX_EVT_MAX_PORTS);
	int efd = eu_efd_new();
	eventfd_t v;
	uint32_t port;

	/* A notifier between its slot update and its count. */
	evtpage_bind(pg, 72, 12);
	atomic_fetch_add(&pg->slot[72], GBX_SLOT_Q_ONE | M);
	atomic_fetch_add(&pg->queued, 1);
	evtpage_reset(pg, efd);
	CHECK_EQ(atomic_load(&pg->debt), 1);
	CHECK_U64(entries(pg), 0);
	atomic_fetch_or(&pg->sel[1], UINT64_C(1) << 8);
	atomic_fetch_or(&pg->summary, 2);
	CHECK_EQ(eventfd_write(efd, 1), 0);
	CHECK_ERR(take(pg, efd, &port), EAGAIN);
	CHECK_EQ(atomic_load(&pg->debt), 0);
	CHECK_U64(eu_efd_count(efd), 0);

	/* A reader holding the count of the entry the reset drops. */
	evtpage_bind(pg, 73, 13);
	CHECK_EQ(evtpage_notify(pg, efd, 73, 13), EVTPAGE_DELIVERABLE);
	CHECK_EQ(eventfd_read(efd, &v), 0);
	evtpage_reset(pg, efd);
	CHECK_EQ(atomic_load(&pg->debt), 1);
	CHECK_ERR(evtpage_take(pg, &port), EAGAIN); /* it finds no entry */
	/* ...and pays the debt with its count (redeem, by hand). */
	atomic_fetch_sub(&pg->debt, 1);
	/* The next real event is delivered normally. */
	CHECK(!evtpage_unmask(pg, efd, 73));
	CHECK_EQ(evtpage_notify(pg, efd, 73, 13), EVTPAGE_DELIVERABLE);
	CHECK_ERR(take(pg, efd, &port), 0);
	CHECK_EQ(port, 73);
	CHECK_U64(eu_efd_count(efd), 0);
	close(efd);
	eu_page_free(pg);
}

/*
 * A count whose entry never got its selector bits (its notifier was
 * preempted or died in between) is still redeemed: the reader falls back
 * to scanning the slot words.
 */
static void
test_scan_fallback(void)
{
	struct gbx_evtpage *pg = eu_page_new(GBX_EVT_MAX_PORTS);
	int efd = eu_efd_new();
	uint32_t port;

	evtpage_bind(pg, 3000, 5);
	atomic_fetch_add(&pg->slot[3000], GBX_SLOT_Q_ONE | M);
	atomic_fetch_add(&pg->queued, 1);
	CHECK_EQ(eventfd_write(efd, 1), 0);
	CHECK_ERR(take(pg, efd, &port), 0);
	CHECK_EQ(port, 3000);
	CHECK_U64(slot(pg, 3000), sw(5, 0, M));
	CHECK_EQ(atomic_load(&pg->queued), 0);
	/* The late selector bits then lead nowhere, harmlessly. */
	atomic_fetch_or(&pg->sel[3000 / 64], UINT64_C(1) << (3000 % 64));
	atomic_fetch_or(&pg->summary, UINT64_C(1) << (3000 / 64));
	CHECK_ERR(evtpage_take(pg, &port), EAGAIN);
	CHECK_U64(atomic_load(&pg->summary), 0);
	CHECK_U64(atomic_load(&pg->sel[3000 / 64]), 0);
	close(efd);
	eu_page_free(pg);
}

/*
 * Every fired port of a full page is taken exactly once, through every
 * sel word, and the selectors are empty afterwards.
 */
static void
test_many_ports(void)
{
	struct gbx_evtpage *pg = eu_page_new(GBX_EVT_MAX_PORTS);
	static uint8_t seen[GBX_EVT_MAX_PORTS];
	int efd = eu_efd_new();
	uint32_t p, port, n = 0;

	memset(seen, 0, sizeof(seen));
	evtpage_ring_fit(pg, GBX_EVT_MAX_PORTS - 1);
	for (p = 1; p < GBX_EVT_MAX_PORTS; p++) {
		evtpage_bind(pg, p, p);
		if (p % 3 != 0)
			CHECK_EQ(evtpage_notify(pg, efd, p, p),
			    EVTPAGE_DELIVERABLE);
	}
	CHECK_U64(eu_efd_count(efd), entries(pg));
	while (take(pg, efd, &port) == 0) {
		CHECK(port != 0 && port < GBX_EVT_MAX_PORTS && port % 3 != 0);
		CHECK_EQ(seen[port % GBX_EVT_MAX_PORTS]++, 0);
		n++;
	}
	CHECK_EQ(n, GBX_EVT_MAX_PORTS - 1 - (GBX_EVT_MAX_PORTS - 1) / 3);
	CHECK_EQ(atomic_load(&pg->overflow), 0);
	/* The last take left a summary bit; a pass with nothing clears it. */
	CHECK_ERR(evtpage_take(pg, &port), EAGAIN);
	CHECK_U64(atomic_load(&pg->summary), 0);
	for (p = 0; p < GBX_EVT_MAX_PORTS / 64; p++)
		CHECK_U64(atomic_load(&pg->sel[p]), 0);
	close(efd);
	eu_page_free(pg);
}

/*
 * A blocking take waits until another process notifies, on efd as it is:
 * blocking (one read() that sleeps) or non-blocking (a program set
 * O_NONBLOCK on the native API's descriptor, or the fallback of an old
 * kernel: the wait is in poll()).
 */
static void
blocking_wait(int efd)
{
	struct gbx_evtpage *pg = eu_page_new(GBX_EVT_MAX_PORTS);
	int status;
	uint32_t port = 0;
	pid_t pid;

	evtpage_bind(pg, 200, 77);
	pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		usleep(100000);
		_exit(evtpage_notify(pg, efd, 200, 77) == EVTPAGE_DELIVERABLE ?
			0 :
			1);
	}
	CHECK_ERR(evtpage_wait_take(pg, efd, false, &port), 0);
	CHECK_EQ(port, 200);
	REQUIRE(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(efd);
	eu_page_free(pg);
}

static void
test_blocking_wait(void)
{
	int efd;

	blocking_wait(eu_efd_new());
	efd = eu_efd_new();
	REQUIRE(fcntl(efd, F_SETFL, O_NONBLOCK) == 0);
	blocking_wait(efd);
}

struct sleeper {
	struct gbx_evtpage *pg;
	int efd;
	uint32_t port;
	int error;
};

static void *
sleeper(void *arg)
{
	struct sleeper *sl = arg;

	sl->error = evtpage_wait_take(sl->pg, sl->efd, false, &sl->port);
	return (NULL);
}

/*
 * A nonblocking take never sleeps on the blocking eventfd, whether the
 * page shows nothing (no system call at all), or shows an entry whose
 * count is not there (its notifier has not written it yet), and while
 * another thread sleeps in a blocking take.  A watchdog fails the test
 * if it sleeps.
 */
static void
nonblock_never_sleeps(int efd)
{
	struct gbx_evtpage *pg = eu_page_new(GBX_EVT_MAX_PORTS);
	struct sleeper sl = { .pg = pg, .efd = efd };
	pthread_t t;
	uint32_t port;

	evtpage_bind(pg, 300, 3);
	alarm(20);
	CHECK_ERR(take(pg, efd, &port), EAGAIN);
	REQUIRE(pthread_create(&t, NULL, sleeper, &sl) == 0);
	usleep(50000);
	CHECK_ERR(take(pg, efd, &port), EAGAIN);
	/* An entry whose count is still on its way. */
	atomic_fetch_add(&pg->queued, 1);
	CHECK_ERR(take(pg, efd, &port), EAGAIN);
	atomic_fetch_sub(&pg->queued, 1);
	CHECK_EQ(evtpage_notify(pg, efd, 300, 3), EVTPAGE_DELIVERABLE);
	(void)pthread_join(t, NULL);
	CHECK_ERR(sl.error, 0);
	CHECK_EQ(sl.port, 300);
	alarm(0);
	close(efd);
	eu_page_free(pg);
}

static void
test_nonblock_never_sleeps(void)
{

	nonblock_never_sleeps(eu_efd_new());
}

/*
 * A killed page (gntboxd went away): a reader asleep in a blocking take
 * wakes with EFBIG, so do later takes of either kind without sleeping
 * (a watchdog fails the test if one sleeps), the eventfd stays readable
 * for pollers, and an entry queued before the kill is not handed out.
 */
static void
test_kill(void)
{
	struct gbx_evtpage *pg = eu_page_new(GBX_EVT_MAX_PORTS);
	int efd = eu_efd_new();
	struct sleeper sl = { .pg = pg, .efd = efd };
	struct pollfd p = { .fd = efd, .events = POLLIN };
	pthread_t t;
	uint32_t port;

	evtpage_bind(pg, 400, 4);
	alarm(20);
	REQUIRE(pthread_create(&t, NULL, sleeper, &sl) == 0);
	usleep(50000);
	evtpage_kill(pg, efd);
	(void)pthread_join(t, NULL);
	CHECK_ERR(sl.error, EFBIG);
	CHECK_EQ(evtpage_notify(pg, efd, 400, 4), EVTPAGE_DELIVERABLE);
	CHECK_ERR(take(pg, efd, &port), EFBIG);
	CHECK_ERR(evtpage_wait_take(pg, efd, false, &port), EFBIG);
	CHECK_EQ(poll(&p, 1, 0), 1);
	CHECK((p.revents & POLLIN) != 0);
	alarm(0);
	close(efd);
	eu_page_free(pg);
}

/*
 * A kernel that cannot read an eventfd with RWF_NOWAIT (Linux before
 * 5.12): evtpage_efd_setup makes the descriptor non-blocking, and takes
 * fall back to poll().  An inotify descriptor cannot be read with
 * RWF_NOWAIT on any kernel; setting it up teaches this process that
 * reads cannot, so the tests after it take the fallback's paths: both
 * kinds of take on a blocking eventfd that was not set up, and on one
 * set up the old kernel's way.  Runs last: the lesson stays.
 */
static void
test_no_rwf_nowait(void)
{
	int in, efd;

	REQUIRE((in = inotify_init1(IN_CLOEXEC)) >= 0);
	CHECK_EQ(evtpage_efd_setup(in), 0);
	CHECK((fcntl(in, F_GETFL) & O_NONBLOCK) != 0);
	close(in);
	efd = eventfd(0, EFD_SEMAPHORE | EFD_CLOEXEC);
	REQUIRE(efd >= 0);
	nonblock_never_sleeps(efd);
	efd = eventfd(0, EFD_SEMAPHORE | EFD_CLOEXEC);
	REQUIRE(efd >= 0);
	REQUIRE(fcntl(efd, F_SETFL, O_NONBLOCK) == 0);
	nonblock_never_sleeps(efd);
	efd = eventfd(0, EFD_SEMAPHORE | EFD_CLOEXEC);
	REQUIRE(efd >= 0);
	blocking_wait(efd);
}

/* Shared between the stress processes. */
struct stress {
	_Atomic uint32_t gen[GBX_EVT_MAX_PORTS];   /* current binding */
	_Atomic uint64_t seq[GBX_EVT_MAX_PORTS];   /* notifies so far */
	_Atomic uint64_t fired[GBX_EVT_MAX_PORTS]; /* DELIVERABLE answers */
	_Atomic uint32_t stale;			   /* STALE answers */
	_Atomic uint32_t running;		   /* notifiers still going */
	_Atomic uint32_t phase1;		   /* notifiers past phase 1 */
	_Atomic uint32_t rebinding;		   /* owner still rebinding */
	uint32_t ports[STRESS_PORTS];
};

/*
 * A notifier: bump a port's sequence number (the "data"), then notify
 * with the generation it last read.  STALE is the slow path: read the
 * current binding and notify again, as gntboxd delivers to the current
 * binding.  At the end, once the owner stopped rebinding, one last notify
 * on every port, so that the owner can check none of them is lost.
 */
static void
notifier(struct gbx_evtpage *pg, int efd, struct stress *st, unsigned seed)
{
	enum evtpage_result r;
	uint32_t i, k, port, gen;
	volatile uint32_t spin;

	for (k = 0; k < STRESS_ITERS + STRESS_PORTS; k++) {
		if (k < STRESS_ITERS) {
			seed = seed * 1103515245u + 12345u;
			i = (seed >> 16) % STRESS_PORTS;
			/* Pace the notifiers so that the reader keeps up. */
			for (spin = (seed >> 4) % 2048; spin > 0; spin--)
				continue;
		} else {
			if (k == STRESS_ITERS)
				atomic_fetch_add(&st->phase1, 1);
			while (atomic_load(&st->rebinding))
				usleep(1000);
			i = k - STRESS_ITERS;
		}
		port = st->ports[i];
		atomic_fetch_add(&st->seq[port], 1);
		for (;;) {
			gen = atomic_load(&st->gen[port]);
			r = evtpage_notify(pg, efd, port, gen);
			if (r != EVTPAGE_STALE)
				break;
			atomic_fetch_add(&st->stale, 1);
		}
		if (r == EVTPAGE_DELIVERABLE)
			atomic_fetch_add(&st->fired[port], 1);
	}
	atomic_fetch_sub(&st->running, 1);
}

/*
 * The owner: take, record, unmask; with rebind set, also unbind and
 * rebind a port every few events, as an unbind and a new bind through
 * gntboxd would.  Checks the counting invariant as it goes (the eventfd
 * never holds more counts than the ring has entries), and at the end
 * that every entry was taken once: per port, as many takes as fires by
 * notifies and by unmasks.
 */
static void
stress_run(bool rebind)
{
	static uint64_t taken[GBX_EVT_MAX_PORTS], refired[GBX_EVT_MAX_PORTS];
	static uint64_t seen[GBX_EVT_MAX_PORTS];
	struct gbx_evtpage *pg = eu_page_new(GBX_EVT_MAX_PORTS);
	struct stress *st;
	struct pollfd pfd;
	uint32_t i, port, gen, next_gen, ntaken = 0, nrebound = 0;
	uint64_t c;
	int efd = eu_efd_new(), status, n, bad_count = 0;
	pid_t pids[NOTIFIERS];

	st = mmap(NULL, sizeof(*st), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	REQUIRE(st != MAP_FAILED);
	memset(taken, 0, sizeof(taken));
	memset(refired, 0, sizeof(refired));
	memset(seen, 0, sizeof(seen));
	/*
	 * Rebinding a port whose entry is unread lets it fire again, so
	 * entries pile up as in Linux's ring: give them the largest ring.
	 */
	evtpage_ring_fit(pg, GBX_EVT_MAX_PORTS);
	next_gen = 1;
	for (i = 0; i < STRESS_PORTS; i++) {
		/* Spread over many sel words, both ends included. */
		port = i == 0 ? 1 : (i == 1 ? 4095 : 1 + i * 173 % 4094);
		st->ports[i] = port;
		gen = next_gen++;
		evtpage_bind(pg, port, gen);
		atomic_store(&st->gen[port], gen);
	}
	atomic_store(&st->running, NOTIFIERS);
	atomic_store(&st->rebinding, rebind ? 1 : 0);
	for (n = 0; n < NOTIFIERS; n++) {
		pids[n] = fork();
		REQUIRE(pids[n] >= 0);
		if (pids[n] == 0) {
			notifier(pg, efd, st, 1234u + (unsigned)n * 77u);
			_exit(0);
		}
	}

	for (;;) {
		if (atomic_load(&st->rebinding) &&
		    atomic_load(&st->phase1) == NOTIFIERS)
			atomic_store(&st->rebinding, 0);
		if (take(pg, efd, &port) != 0) {
			if (atomic_load(&st->running) == 0)
				break;
			pfd.fd = efd;
			pfd.events = POLLIN;
			poll(&pfd, 1, 10);
			continue;
		}
		taken[port]++;
		seen[port] = atomic_load(&st->seq[port]);
		if (evtpage_unmask(pg, efd, port))
			refired[port]++;
		ntaken++;
		if (ntaken % 64 == 0) {
			/* Only this process takes: C <= E + D. */
			c = eu_efd_count(efd);
			if (c > entries(pg) + (uint32_t)atomic_load(&pg->debt))
				bad_count++;
		}
		if (atomic_load(&st->rebinding) && ntaken % 7 == 0) {
			port = st->ports[ntaken % STRESS_PORTS];
			evtpage_unbind(pg, port);
			gen = next_gen++;
			evtpage_bind(pg, port, gen);
			atomic_store(&st->gen[port], gen);
			nrebound++;
		}
	}
	for (n = 0; n < NOTIFIERS; n++) {
		REQUIRE(waitpid(pids[n], &status, 0) == pids[n]);
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	/* Quiescent: every count has an entry, and every entry a count. */
	CHECK_U64(eu_efd_count(efd),
	    entries(pg) + (uint32_t)atomic_load(&pg->debt));
	while (take(pg, efd, &port) == 0) {
		taken[port]++;
		seen[port] = atomic_load(&st->seq[port]);
		if (evtpage_unmask(pg, efd, port))
			refired[port]++;
	}
	CHECK_U64(eu_efd_count(efd), 0);
	CHECK_EQ(atomic_load(&pg->debt), 0);
	CHECK_EQ(atomic_load(&pg->queued), 0);
	CHECK_EQ(atomic_load(&pg->overflow), 0);
	CHECK_U64(entries(pg), 0);
	CHECK_EQ(bad_count, 0);
	for (i = 0; i < STRESS_PORTS; i++) {
		port = st->ports[i];
		/* No notify after the last unmask is lost... */
		CHECK_U64(seen[port], atomic_load(&st->seq[port]));
		/* ...and each fire was taken exactly once. */
		CHECK_U64(taken[port],
		    atomic_load(&st->fired[port]) + refired[port]);
	}
	printf("stress%s: %u events taken, %u rebinds, %u stale notifies\n",
	    rebind ? " with rebinding" : "", ntaken, nrebound,
	    atomic_load(&st->stale));
	if (rebind)
		CHECK(nrebound > 0);
	munmap(st, sizeof(*st));
	close(efd);
	eu_page_free(pg);
}

int
main(void)
{

	test_fire_and_mask();
	test_notify_after_delivery();
	test_two_entries();
	test_stale_and_ranges();
	test_unbind_keeps_entries();
	test_ring_overflow();
	test_reset_debt();
	test_scan_fallback();
	test_many_ports();
	test_blocking_wait();
	test_nonblock_never_sleeps();
	test_kill();
	stress_run(false);
	stress_run(true);
	test_no_rwf_nowait();
	return (check_exit());
}
