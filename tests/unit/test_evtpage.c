/*
 * Unit test of the shared event page (src/proto/evtpage.h) on real memfd
 * pages and eventfds: single-process semantics (delivery, coalescing,
 * masking, unmask re-delivery, stale generations, retire and its debt,
 * the slot-scan fallback, ranges), then forked notifier processes
 * hammering one page while the parent reads, checking the counting
 * invariant, that no notify is lost, and, with bindings retired and
 * rebound under the notifiers, that no delivery reaches a binding whose
 * generation it did not carry.
 */
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "proto/evtpage.h"

#define NOTIFIERS    3
#define STRESS_PORTS 24
#define STRESS_ITERS 200000
#define MAX_GENS     65536

static struct gbx_evtpage *
page_new(uint32_t nports)
{
	struct gbx_evtpage *pg;
	int fd;

	fd = memfd_create("evtpage-test", MFD_CLOEXEC);
	REQUIRE(fd >= 0);
	REQUIRE(ftruncate(fd, GBX_EVTPAGE_BYTES) == 0);
	pg = mmap(NULL, GBX_EVTPAGE_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED,
	    fd, 0);
	REQUIRE(pg != MAP_FAILED);
	close(fd);
	evtpage_init(pg, nports);
	return (pg);
}

static void
page_free(struct gbx_evtpage *pg)
{

	munmap(pg, GBX_EVTPAGE_BYTES);
}

static int
efd_new(void)
{
	int efd;

	efd = eventfd(0, EFD_SEMAPHORE | EFD_NONBLOCK | EFD_CLOEXEC);
	REQUIRE(efd >= 0);
	return (efd);
}

/* The eventfd's counter, read without consuming it (fdinfo, in hex). */
static uint64_t
efd_count(int efd)
{
	char path[64], line[128];
	uint64_t v = UINT64_MAX;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", efd);
	f = fopen(path, "r");
	REQUIRE(f != NULL);
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "eventfd-count:", 14) == 0)
			v = strtoull(line + 14, NULL, 16);
	fclose(f);
	REQUIRE(v != UINT64_MAX);
	return (v);
}

static uint32_t
slot(struct gbx_evtpage *pg, uint32_t port)
{

	return (atomic_load(&pg->slot[port]));
}

static uint32_t
deliverable_slots(struct gbx_evtpage *pg)
{
	uint32_t p, n = 0, w;

	for (p = 0; p < GBX_EVT_MAX_PORTS; p++) {
		w = slot(pg, p);
		if ((w >> GBX_SLOT_GEN_SHIFT) != 0 &&
		    (w & (GBX_SLOT_PENDING | GBX_SLOT_MASKED)) ==
			GBX_SLOT_PENDING)
			n++;
	}
	return (n);
}

static int
take(struct gbx_evtpage *pg, int efd, uint32_t *port)
{

	*port = 0;
	return (evtpage_wait_take(pg, efd, true, port));
}

/*
 * Notify, coalesce, take, mask, unmask: the life of one port.
 */
static void
test_delivery_and_masking(void)
{
	struct gbx_evtpage *pg = page_new(GBX_EVT_MAX_PORTS);
	int efd = efd_new();
	uint32_t port;

	evtpage_bind(pg, 5, 7);
	CHECK_EQ(slot(pg, 5), 7u << GBX_SLOT_GEN_SHIFT);
	CHECK_ERR(take(pg, efd, &port), EAGAIN);

	/* A fresh port: deliverable, exactly one count. */
	CHECK_EQ(evtpage_notify(pg, efd, 5, 7), EVTPAGE_DELIVERABLE);
	CHECK_U64(efd_count(efd), 1);
	CHECK(atomic_load(&pg->summary) & 1);
	CHECK(atomic_load(&pg->sel[0]) & (1u << 5));
	/* Further notifies coalesce. */
	CHECK_EQ(evtpage_notify(pg, efd, 5, 7), EVTPAGE_COALESCED);
	CHECK_EQ(evtpage_notify(pg, efd, 5, 7), EVTPAGE_COALESCED);
	CHECK_U64(efd_count(efd), 1);

	/* Taking it masks it and consumes the count. */
	CHECK_ERR(take(pg, efd, &port), 0);
	CHECK_EQ(port, 5);
	CHECK_U64(efd_count(efd), 0);
	CHECK_EQ(slot(pg, 5), (7u << GBX_SLOT_GEN_SHIFT) | GBX_SLOT_MASKED);
	CHECK_ERR(take(pg, efd, &port), EAGAIN);

	/* A masked port only becomes pending. */
	CHECK_EQ(evtpage_notify(pg, efd, 5, 7), EVTPAGE_COALESCED);
	CHECK_U64(efd_count(efd), 0);
	CHECK_ERR(take(pg, efd, &port), EAGAIN);

	/* Unmasking a pending port re-delivers it, once. */
	evtpage_unmask(pg, efd, 5);
	CHECK_U64(efd_count(efd), 1);
	evtpage_unmask(pg, efd, 5);
	CHECK_U64(efd_count(efd), 1);
	CHECK_ERR(take(pg, efd, &port), 0);
	CHECK_EQ(port, 5);
	CHECK_ERR(take(pg, efd, &port), EAGAIN);

	/* Unmasking a port with nothing pending delivers nothing. */
	evtpage_unmask(pg, efd, 5);
	CHECK_U64(efd_count(efd), 0);
	CHECK_EQ(slot(pg, 5), 7u << GBX_SLOT_GEN_SHIFT);
	CHECK_EQ(evtpage_notify(pg, efd, 5, 7), EVTPAGE_DELIVERABLE);
	CHECK_ERR(take(pg, efd, &port), 0);
	CHECK_EQ(port, 5);
	CHECK_EQ(atomic_load(&pg->debt), 0);
	close(efd);
	page_free(pg);
}

/*
 * 1000 notifies are one delivery; 1000 more while masked are none; the
 * unmask is one more.
 */
static void
test_coalescing(void)
{
	struct gbx_evtpage *pg = page_new(GBX_EVT_MAX_PORTS);
	int efd = efd_new(), i, nd = 0, nc = 0;
	enum evtpage_result r;
	uint32_t port;

	evtpage_bind(pg, 4095, GBX_SLOT_GEN_MAX);
	for (i = 0; i < 1000; i++) {
		r = evtpage_notify(pg, efd, 4095, GBX_SLOT_GEN_MAX);
		nd += r == EVTPAGE_DELIVERABLE;
		nc += r == EVTPAGE_COALESCED;
	}
	CHECK_EQ(nd, 1);
	CHECK_EQ(nc, 999);
	CHECK_U64(efd_count(efd), 1);
	CHECK_ERR(take(pg, efd, &port), 0);
	CHECK_EQ(port, 4095);
	for (i = 0; i < 1000; i++)
		CHECK_EQ(evtpage_notify(pg, efd, 4095, GBX_SLOT_GEN_MAX),
		    EVTPAGE_COALESCED);
	CHECK_U64(efd_count(efd), 0);
	CHECK_ERR(take(pg, efd, &port), EAGAIN);
	evtpage_unmask(pg, efd, 4095);
	CHECK_U64(efd_count(efd), 1);
	CHECK_ERR(take(pg, efd, &port), 0);
	CHECK_EQ(port, 4095);
	CHECK_ERR(take(pg, efd, &port), EAGAIN);
	close(efd);
	page_free(pg);
}

/*
 * A generation that does not match is STALE and changes nothing; so are
 * generation 0, unbound slots and ports out of range, even beyond the
 * array (nports is not trusted).
 */
static void
test_stale_and_ranges(void)
{
	struct gbx_evtpage *pg = page_new(100);
	int efd = efd_new();
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
	CHECK_EQ(slot(pg, 10), 3u << GBX_SLOT_GEN_SHIFT);
	CHECK_EQ(slot(pg, 0), 0);
	CHECK_U64(efd_count(efd), 0);
	CHECK_U64(atomic_load(&pg->summary), 0);

	/* Binds out of range, on port 0 or with a bad generation do nothing. */
	evtpage_bind(pg, 0, 1);
	evtpage_bind(pg, 100, 1);
	evtpage_bind(pg, 20, 0);
	evtpage_bind(pg, 21, GBX_SLOT_GEN_MAX + 1);
	CHECK_EQ(slot(pg, 0), 0);
	CHECK_EQ(slot(pg, 100), 0);
	CHECK_EQ(slot(pg, 20), 0);
	CHECK_EQ(slot(pg, 21), 0);
	/* Unmask and retire of unbound or out-of-range ports are ignored. */
	evtpage_unmask(pg, efd, 11);
	evtpage_unmask(pg, efd, UINT32_MAX);
	CHECK(!evtpage_retire(pg, efd, 11));
	CHECK(!evtpage_retire(pg, efd, UINT32_MAX));
	CHECK_U64(efd_count(efd), 0);
	CHECK_EQ(atomic_load(&pg->debt), 0);

	/* A page claiming more slots than exist is clamped. */
	pg->nports = UINT32_MAX;
	CHECK_EQ(evtpage_notify(pg, efd, GBX_EVT_MAX_PORTS, 3), EVTPAGE_STALE);
	CHECK_ERR(take(pg, efd, &port), EAGAIN);
	close(efd);
	page_free(pg);
}

/*
 * Retire: a deliverable port's count is consumed (no stale readiness); an
 * old generation is STALE afterwards; a count still on its way becomes
 * debt, which the next reader pays instead of reporting an event.
 */
static void
test_retire(void)
{
	struct gbx_evtpage *pg = page_new(GBX_EVT_MAX_PORTS);
	int efd = efd_new();
	uint32_t port;

	evtpage_bind(pg, 70, 9);
	CHECK_EQ(evtpage_notify(pg, efd, 70, 9), EVTPAGE_DELIVERABLE);
	CHECK(evtpage_retire(pg, efd, 70));
	CHECK_U64(efd_count(efd), 0);
	CHECK_EQ(atomic_load(&pg->debt), 0);
	CHECK_EQ(slot(pg, 70), 0);
	CHECK_EQ(evtpage_notify(pg, efd, 70, 9), EVTPAGE_STALE);
	CHECK_ERR(take(pg, efd, &port), EAGAIN);
	CHECK(!evtpage_retire(pg, efd, 70)); /* twice: nothing */

	/* Masked (taken) or idle bindings retire without any accounting. */
	evtpage_bind(pg, 70, 10);
	CHECK_EQ(evtpage_notify(pg, efd, 70, 10), EVTPAGE_DELIVERABLE);
	CHECK_ERR(take(pg, efd, &port), 0);
	CHECK_EQ(evtpage_notify(pg, efd, 70, 10), EVTPAGE_COALESCED);
	CHECK(!evtpage_retire(pg, efd, 70));
	evtpage_bind(pg, 71, 11);
	CHECK(!evtpage_retire(pg, efd, 71));
	CHECK_U64(efd_count(efd), 0);
	CHECK_EQ(atomic_load(&pg->debt), 0);

	/*
	 * A notifier between its slot update and its count: the slot is
	 * deliverable but the count is not there yet.  Retire records a
	 * debt; when the count arrives, the reader pays the debt with it
	 * and reports nothing.
	 */
	evtpage_bind(pg, 72, 12);
	atomic_fetch_or(&pg->slot[72], GBX_SLOT_PENDING);
	CHECK(evtpage_retire(pg, efd, 72));
	CHECK_EQ(atomic_load(&pg->debt), 1);
	atomic_fetch_or(&pg->sel[1], UINT64_C(1) << 8);
	atomic_fetch_or(&pg->summary, 2);
	CHECK_EQ(eventfd_write(efd, 1), 0);
	evtpage_bind(pg, 73, 13);
	CHECK_ERR(take(pg, efd, &port), EAGAIN);
	CHECK_EQ(atomic_load(&pg->debt), 0);
	CHECK_U64(efd_count(efd), 0);
	/* ...and the next real event is delivered normally. */
	CHECK_EQ(evtpage_notify(pg, efd, 73, 13), EVTPAGE_DELIVERABLE);
	CHECK_ERR(take(pg, efd, &port), 0);
	CHECK_EQ(port, 73);

	/* clear forgets a binding without touching the eventfd. */
	evtpage_unmask(pg, efd, 73);
	CHECK_EQ(evtpage_notify(pg, efd, 73, 13), EVTPAGE_DELIVERABLE);
	evtpage_clear(pg, 73);
	CHECK_EQ(slot(pg, 73), 0);
	CHECK_U64(efd_count(efd), 1);
	close(efd);
	page_free(pg);
}

/*
 * A count whose slot never got its selector bits (its notifier was
 * preempted or died in between) is still redeemed: the reader falls back
 * to scanning the slot words.
 */
static void
test_scan_fallback(void)
{
	struct gbx_evtpage *pg = page_new(GBX_EVT_MAX_PORTS);
	int efd = efd_new();
	uint32_t port;

	evtpage_bind(pg, 3000, 5);
	atomic_fetch_or(&pg->slot[3000], GBX_SLOT_PENDING);
	CHECK_EQ(eventfd_write(efd, 1), 0);
	CHECK_ERR(take(pg, efd, &port), 0);
	CHECK_EQ(port, 3000);
	CHECK_EQ(slot(pg, 3000), (5u << GBX_SLOT_GEN_SHIFT) | GBX_SLOT_MASKED);
	/* The late selector bits then lead nowhere, harmlessly. */
	atomic_fetch_or(&pg->sel[3000 / 64], UINT64_C(1) << (3000 % 64));
	atomic_fetch_or(&pg->summary, UINT64_C(1) << (3000 / 64));
	CHECK_ERR(evtpage_take(pg, &port), EAGAIN);
	CHECK_U64(atomic_load(&pg->summary), 0);
	CHECK_U64(atomic_load(&pg->sel[3000 / 64]), 0);
	close(efd);
	page_free(pg);
}

/*
 * Every deliverable port of a full page is taken exactly once, through
 * every sel word, and the selectors are empty afterwards.
 */
static void
test_many_ports(void)
{
	struct gbx_evtpage *pg = page_new(GBX_EVT_MAX_PORTS);
	static uint8_t seen[GBX_EVT_MAX_PORTS];
	int efd = efd_new();
	uint32_t p, port, n = 0;

	memset(seen, 0, sizeof(seen));
	for (p = 1; p < GBX_EVT_MAX_PORTS; p++) {
		evtpage_bind(pg, p, p);
		if (p % 3 != 0)
			CHECK_EQ(evtpage_notify(pg, efd, p, p),
			    EVTPAGE_DELIVERABLE);
	}
	CHECK_U64(efd_count(efd), deliverable_slots(pg));
	while (take(pg, efd, &port) == 0) {
		CHECK(port != 0 && port < GBX_EVT_MAX_PORTS && port % 3 != 0);
		CHECK_EQ(seen[port % GBX_EVT_MAX_PORTS]++, 0);
		n++;
	}
	CHECK_EQ(n, GBX_EVT_MAX_PORTS - 1 - (GBX_EVT_MAX_PORTS - 1) / 3);
	/* The last take left a summary bit; a pass with nothing clears it. */
	CHECK_ERR(evtpage_take(pg, &port), EAGAIN);
	CHECK_U64(atomic_load(&pg->summary), 0);
	for (p = 0; p < GBX_EVT_MAX_PORTS / 64; p++)
		CHECK_U64(atomic_load(&pg->sel[p]), 0);
	close(efd);
	page_free(pg);
}

/*
 * A blocking take waits in poll() until another process notifies.
 */
static void
test_blocking_wait(void)
{
	struct gbx_evtpage *pg = page_new(GBX_EVT_MAX_PORTS);
	int efd = efd_new(), status;
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
	page_free(pg);
}

/* Shared between the stress processes. */
struct stress {
	_Atomic uint32_t gen[GBX_EVT_MAX_PORTS]; /* current binding */
	_Atomic uint64_t seq[GBX_EVT_MAX_PORTS]; /* notifies so far */
	_Atomic uint32_t succ[MAX_GENS];	 /* notifies that landed */
	_Atomic uint32_t stale;			 /* STALE answers */
	_Atomic uint32_t running;		 /* notifiers still going */
	_Atomic uint32_t phase1;		 /* notifiers past phase 1 */
	_Atomic uint32_t rebinding;		 /* owner still rebinding */
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
		atomic_fetch_add(&st->succ[gen % MAX_GENS], 1);
	}
	atomic_fetch_sub(&st->running, 1);
}

/*
 * The owner: take, record, unmask; with rebind set, also retire and
 * rebind a port every few events, as an unbind and a new bind through
 * gntboxd would.  Checks the counting invariant as it goes: the eventfd
 * never holds more counts than deliverable slots plus debt.
 */
static void
stress_run(bool rebind)
{
	static uint32_t taken[MAX_GENS];
	static uint64_t seen[GBX_EVT_MAX_PORTS];
	struct gbx_evtpage *pg = page_new(GBX_EVT_MAX_PORTS);
	struct stress *st;
	struct pollfd pfd;
	uint32_t i, port, gen, next_gen, ntaken = 0, nrebound = 0, bad = 0;
	uint64_t c;
	int efd = efd_new(), status, n, bad_count = 0;
	pid_t pids[NOTIFIERS];

	st = mmap(NULL, sizeof(*st), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	REQUIRE(st != MAP_FAILED);
	memset(taken, 0, sizeof(taken));
	memset(seen, 0, sizeof(seen));
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
		    (atomic_load(&st->phase1) == NOTIFIERS ||
			next_gen >= MAX_GENS - 1))
			atomic_store(&st->rebinding, 0);
		if (take(pg, efd, &port) != 0) {
			if (atomic_load(&st->running) == 0)
				break;
			pfd.fd = efd;
			pfd.events = POLLIN;
			poll(&pfd, 1, 10);
			continue;
		}
		gen = atomic_load(&st->gen[port]);
		if ((slot(pg, port) >> GBX_SLOT_GEN_SHIFT) != gen)
			bad++;
		taken[gen % MAX_GENS]++;
		seen[port] = atomic_load(&st->seq[port]);
		evtpage_unmask(pg, efd, port);
		ntaken++;
		if (ntaken % 64 == 0) {
			/* Only this process takes or retires: D cannot fall. */
			c = efd_count(efd);
			if (c > deliverable_slots(pg) +
				(uint32_t)atomic_load(&pg->debt))
				bad_count++;
		}
		if (atomic_load(&st->rebinding) && ntaken % 7 == 0) {
			port = st->ports[ntaken % STRESS_PORTS];
			(void)evtpage_retire(pg, efd, port);
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
	/* Quiescent: every count has a deliverable slot, and vice versa. */
	CHECK_U64(efd_count(efd),
	    deliverable_slots(pg) + (uint32_t)atomic_load(&pg->debt));
	while (take(pg, efd, &port) == 0) {
		gen = atomic_load(&st->gen[port]);
		taken[gen % MAX_GENS]++;
		seen[port] = atomic_load(&st->seq[port]);
		evtpage_unmask(pg, efd, port);
	}
	CHECK_U64(efd_count(efd), 0);
	CHECK_EQ(atomic_load(&pg->debt), 0);
	CHECK_EQ(deliverable_slots(pg), 0);
	CHECK_EQ(bad, 0);
	CHECK_EQ(bad_count, 0);
	/* No notify after the last unmask is lost. */
	for (i = 0; i < STRESS_PORTS; i++)
		CHECK_U64(seen[st->ports[i]],
		    atomic_load(&st->seq[st->ports[i]]));
	/* Every delivery of a binding came from a notify with its gen. */
	for (i = 0; i < MAX_GENS; i++)
		if (taken[i] > atomic_load(&st->succ[i]))
			bad++;
	CHECK_EQ(bad, 0);
	printf("stress%s: %u events taken, %u rebinds, %u stale notifies\n",
	    rebind ? " with rebinding" : "", ntaken, nrebound,
	    atomic_load(&st->stale));
	if (rebind)
		CHECK(nrebound > 0);
	munmap(st, sizeof(*st));
	close(efd);
	page_free(pg);
}

int
main(void)
{

	test_delivery_and_masking();
	test_coalescing();
	test_stale_and_ranges();
	test_retire();
	test_scan_fallback();
	test_many_ports();
	test_blocking_wait();
	stress_run(false);
	stress_run(true);
	return (check_exit());
}
