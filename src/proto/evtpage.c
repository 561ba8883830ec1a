/*
 * evtpage.c: the operations on a shared event page (evtpage.h).
 *
 * Several processes run these functions at once on one page: notifiers in
 * any process that holds the page, gntboxd, and one or more readers of the
 * owning handle.  Nothing is locked; every shared word is a C11 atomic.
 *
 * Memory ordering, in one place:
 *
 *  1. A notifier's writes before evtpage_notify (the ring data) must be
 *     visible to the reader that takes the port.  Every notify, even one
 *     that only finds the port already pending, is a read-modify-write of
 *     the slot with release order, and the reader's take is a
 *     read-modify-write with acquire order.  Read-modify-writes extend a
 *     release sequence, so the take synchronises with every notify whose
 *     write precedes it in the slot's modification order.
 *
 *  2. Slot before selector.  A notifier updates the slot, then sets the
 *     sel bit with release order.  A reader clears the sel bit with an
 *     acquire read-modify-write and only then loads the slot.  Either the
 *     reader's clear comes after the notifier's set in sel's modification
 *     order (then it synchronises with it and must see the slot update),
 *     or before it (then the bit stays set for a later reader).
 *
 *  3. Selector before summary.  The same argument with the summary word:
 *     the notifier sets sel then summary (release); a reader clears a
 *     summary bit with an acquire read-modify-write and then reloads the
 *     sel word, re-setting the summary bit if the word is not zero.
 *
 *  4. Summary before count.  The eventfd write comes last, so a count in
 *     the eventfd always has its selector bits set already, unless another
 *     reader cleared them to take that slot (and then that reader's own
 *     count belongs to a slot that is deliverable or about to be).
 *
 *  5. Debt before retire.  evtpage_retire raises the debt, then clears
 *     the slot with release order; a reader that loads the cleared slot
 *     with acquire order therefore sees the debt.
 *
 * The invariant behind the counting rule: at every instant
 *
 *	deliverable slots + debt  >=  counts in the eventfd + counts held
 *
 * where a count is held between a reader's read() and its take or debt
 * payment.  Every step keeps it: a transition raises the left side before
 * its eventfd write raises the right; a take or a payment lowers both at
 * once; retire raises the debt before it lowers the deliverable slots.  So
 * a reader that holds a count always finds a deliverable slot (perhaps
 * only by scanning the slot words, while a notifier is between its slot
 * and selector updates) or a debt to pay, and its loop ends.
 */
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>

#include "proto/evtpage.h"

#define SLOT_STATE   (GBX_SLOT_PENDING | GBX_SLOT_MASKED)
#define SLOT_GEN_ALL (GBX_SLOT_GEN_MAX << GBX_SLOT_GEN_SHIFT)

/* Reader backoff: spin, then yield, then scan the slots and sleep. */
#define WAIT_SPINS  64
#define WAIT_YIELDS 128
#define WAIT_MAX_NS 1000000L

static inline uint32_t
slot_gen(uint32_t w)
{

	return (w >> GBX_SLOT_GEN_SHIFT);
}

static inline bool
slot_deliverable(uint32_t w)
{

	return (
	    (w & SLOT_GEN_ALL) != 0 && (w & SLOT_STATE) == GBX_SLOT_PENDING);
}

/*
 * The number of slots to trust.  nports lives in a page that every
 * notifier can write, so it is never trusted beyond the array.
 */
static inline uint32_t
page_limit(const struct gbx_evtpage *pg)
{

	return (
	    pg->nports < GBX_EVT_MAX_PORTS ? pg->nports : GBX_EVT_MAX_PORTS);
}

/*
 * Add one count to the eventfd.  It cannot fail on a valid eventfd: the
 * counter never comes near its limit, since counts stay below the number
 * of slots plus the debt.
 */
static void
efd_post(int efd)
{
	uint64_t one = 1;
	ssize_t r;

	do {
		r = write(efd, &one, sizeof(one));
	} while (r == -1 && errno == EINTR);
}

/*
 * Take one count from the (EFD_SEMAPHORE, EFD_NONBLOCK) eventfd.  When
 * nonblock is false, wait in poll() for one; a blocking read() would keep
 * a nonblocking caller sharing the descriptor from ever returning EAGAIN.
 */
static int
efd_consume(int efd, bool nonblock)
{
	struct pollfd pfd;
	uint64_t v;
	ssize_t r;

	for (;;) {
		r = read(efd, &v, sizeof(v));
		if (r == (ssize_t)sizeof(v))
			return (0);
		if (r >= 0)
			return (EIO);
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return (errno);
		if (nonblock)
			return (EAGAIN);
		pfd.fd = efd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (poll(&pfd, 1, -1) == -1)
			return (errno);
	}
}

/*
 * Set the selector bits of a port that has just become deliverable, then
 * write its count (ordering rules 2 to 4 above).  The summary update is
 * unconditional: skipping it when the bit looks set would leave a reader
 * that is clearing it free to miss the new sel bit.
 */
static void
mark_and_count(struct gbx_evtpage *pg, int efd, uint32_t port)
{
	uint32_t word = port / 64;

	atomic_fetch_or_explicit(&pg->sel[word], UINT64_C(1) << (port % 64),
	    memory_order_release);
	atomic_fetch_or_explicit(&pg->summary, UINT64_C(1) << word,
	    memory_order_release);
	efd_post(efd);
}

/* Take one unit of debt, if there is any, with a count the caller holds. */
static bool
debt_pay(struct gbx_evtpage *pg)
{
	int32_t d;

	d = atomic_load_explicit(&pg->debt, memory_order_acquire);
	while (d > 0) {
		if (atomic_compare_exchange_weak_explicit(&pg->debt, &d, d - 1,
			memory_order_acq_rel, memory_order_acquire))
			return (true);
	}
	return (false);
}

/*
 * Move a deliverable slot to masked and not pending.  The successful
 * compare-and-swap has acquire order: it is what makes the notifiers'
 * data visible to the reader (rule 1).
 */
static bool
slot_take(_Atomic uint32_t *sp)
{
	uint32_t old;

	old = atomic_load_explicit(sp, memory_order_acquire);
	while (slot_deliverable(old)) {
		if (atomic_compare_exchange_weak_explicit(sp, &old,
			(old & ~GBX_SLOT_PENDING) | GBX_SLOT_MASKED,
			memory_order_acq_rel, memory_order_acquire))
			return (true);
	}
	return (false);
}

/*
 * Take a deliverable slot by looking at every slot word rather than the
 * selectors: the fallback for a reader that holds a count while the
 * notifier that made its slot deliverable has not set the selector bits
 * yet (it may have been preempted, or have died in between).  The
 * notifier's selector bits, when they come, point at a slot that is no
 * longer deliverable, and readers skip it.
 */
static int
scan_take(struct gbx_evtpage *pg, uint32_t *port)
{
	uint32_t n, p;

	n = page_limit(pg);
	for (p = 1; p < n; p++) {
		if (slot_take(&pg->slot[p])) {
			*port = p;
			return (0);
		}
	}
	return (EAGAIN);
}

/* Back off a little more on each round of a reader's retry loop. */
static void
wait_backoff(unsigned round)
{
	struct timespec ts;
	long ns;

	if (round < WAIT_SPINS)
		return;
	if (round < WAIT_YIELDS) {
		sched_yield();
		return;
	}
	ns = 1000L << (round - WAIT_YIELDS < 10 ? round - WAIT_YIELDS : 10);
	ts.tv_sec = 0;
	ts.tv_nsec = ns < WAIT_MAX_NS ? ns : WAIT_MAX_NS;
	nanosleep(&ts, NULL);
}

/*
 * With one count held, take a slot or pay a debt.  Returns 0 when a slot
 * was taken, EAGAIN when the count paid a debt.  The invariant in the
 * comment at the top guarantees that one of the two is there or on its
 * way, so the loop ends as soon as the operation in flight finishes.
 */
static int
redeem_count(struct gbx_evtpage *pg, uint32_t *port)
{
	unsigned round;

	for (round = 0;; round++) {
		if (debt_pay(pg))
			return (EAGAIN);
		if (evtpage_take(pg, port) == 0)
			return (0);
		if (round >= WAIT_SPINS && scan_take(pg, port) == 0)
			return (0);
		wait_backoff(round);
	}
}

/*
 * Initialise a page (gntboxd, before it shares the memfd).
 */
void
evtpage_init(struct gbx_evtpage *pg, uint32_t nports)
{
	uint32_t i;

	pg->magic = GBX_EVT_MAGIC;
	pg->nports = nports < GBX_EVT_MAX_PORTS ? nports : GBX_EVT_MAX_PORTS;
	pg->pad = 0;
	atomic_init(&pg->debt, 0);
	atomic_init(&pg->summary, 0);
	for (i = 0; i < GBX_EVT_MAX_PORTS / 64; i++)
		atomic_init(&pg->sel[i], 0);
	for (i = 0; i < GBX_EVT_MAX_PORTS; i++)
		atomic_init(&pg->slot[i], 0);
	atomic_init(&pg->sent, 0);
	/* Published to other processes by the descriptor passing that follows. */
	atomic_thread_fence(memory_order_release);
}

/*
 * Write a fresh binding into a free slot (gntboxd).  Release order, so a
 * notifier that reads the generation from gntboxd's reply and then finds
 * it in the slot sees an initialised page.
 */
void
evtpage_bind(struct gbx_evtpage *pg, uint32_t port, uint32_t gen)
{

	if (port == 0 || port >= page_limit(pg) || gen == 0 ||
	    gen > GBX_SLOT_GEN_MAX)
		return;
	atomic_store_explicit(&pg->slot[port], gen << GBX_SLOT_GEN_SHIFT,
	    memory_order_release);
}

/*
 * Forget a binding without accounting (gntboxd, for a handle that is going
 * away: nobody will read its eventfd again).  Any notifier with the old
 * generation now gets STALE.
 */
void
evtpage_clear(struct gbx_evtpage *pg, uint32_t port)
{

	if (port >= page_limit(pg))
		return;
	atomic_store_explicit(&pg->slot[port], 0, memory_order_release);
}

/*
 * The notify fast path: one compare-and-swap on the slot, which fails for
 * a stale generation, then, for a transition into the deliverable state,
 * the selector bits and one eventfd count.  The compare-and-swap is done
 * even when the port is already pending (writing the same value), so that
 * it carries this notifier's writes to the reader (rule 1).
 */
enum evtpage_result
evtpage_notify(struct gbx_evtpage *pg, int efd, uint32_t port, uint32_t gen)
{
	_Atomic uint32_t *sp;
	uint32_t old;

	if (port >= page_limit(pg) || gen == 0 || gen > GBX_SLOT_GEN_MAX)
		return (EVTPAGE_STALE);
	sp = &pg->slot[port];
	old = atomic_load_explicit(sp, memory_order_relaxed);
	do {
		if (slot_gen(old) != gen)
			return (EVTPAGE_STALE);
	} while (!atomic_compare_exchange_weak_explicit(sp, &old,
	    old | GBX_SLOT_PENDING, memory_order_release,
	    memory_order_relaxed));
	/* A statistic only: no ordering with anything. */
	atomic_fetch_add_explicit(&pg->sent, 1, memory_order_relaxed);
	if ((old & SLOT_STATE) != 0)
		return (EVTPAGE_COALESCED);
	mark_and_count(pg, efd, port);
	return (EVTPAGE_DELIVERABLE);
}

/*
 * Unmask (the owner, as a write of the port to /dev/xen/evtchn).  A port
 * that was pending while masked becomes deliverable: that is a transition
 * like a notify's, with its selector bits and its count.
 */
void
evtpage_unmask(struct gbx_evtpage *pg, int efd, uint32_t port)
{
	_Atomic uint32_t *sp;
	uint32_t old;

	if (port >= page_limit(pg))
		return;
	sp = &pg->slot[port];
	old = atomic_load_explicit(sp, memory_order_relaxed);
	do {
		if (slot_gen(old) == 0 || (old & GBX_SLOT_MASKED) == 0)
			return;
	} while (!atomic_compare_exchange_weak_explicit(sp, &old,
	    old & ~GBX_SLOT_MASKED, memory_order_acq_rel,
	    memory_order_relaxed));
	if ((old & GBX_SLOT_PENDING) != 0)
		mark_and_count(pg, efd, port);
}

/*
 * Find a deliverable slot through the selectors (the owner, holding one
 * count).  Each sel bit is cleared before its slot is looked at (rule 2),
 * and a summary bit is cleared only for a sel word found empty, with a
 * second look afterwards (rule 3).  One pass over what the summary showed
 * on entry; the caller retries.
 */
int
evtpage_take(struct gbx_evtpage *pg, uint32_t *port)
{
	uint64_t s, w, bit, prev;
	uint32_t i, p, n;

	n = page_limit(pg);
	s = atomic_load_explicit(&pg->summary, memory_order_acquire);
	while (s != 0) {
		i = (uint32_t)__builtin_ctzll(s);
		s &= s - 1;
		w = atomic_load_explicit(&pg->sel[i], memory_order_acquire);
		while (w != 0) {
			bit = w & -w;
			w &= w - 1;
			prev = atomic_fetch_and_explicit(&pg->sel[i], ~bit,
			    memory_order_acq_rel);
			if ((prev & bit) == 0)
				continue; /* another reader has it */
			p = i * 64 + (uint32_t)__builtin_ctzll(bit);
			if (p != 0 && p < n && slot_take(&pg->slot[p])) {
				*port = p;
				return (0);
			}
		}
		if (atomic_load_explicit(&pg->sel[i], memory_order_acquire) !=
		    0)
			continue;
		atomic_fetch_and_explicit(&pg->summary, ~(UINT64_C(1) << i),
		    memory_order_acq_rel);
		if (atomic_load_explicit(&pg->sel[i], memory_order_acquire) !=
		    0)
			atomic_fetch_or_explicit(&pg->summary, UINT64_C(1) << i,
			    memory_order_release);
	}
	return (EAGAIN);
}

/*
 * The reader: consume one count, then redeem it for a slot or a debt.  A
 * count that paid a debt was not an event, so wait for the next one.
 */
int
evtpage_wait_take(struct gbx_evtpage *pg, int efd, bool nonblock,
    uint32_t *port)
{
	int error;

	for (;;) {
		error = efd_consume(efd, nonblock);
		if (error != 0)
			return (error);
		if (redeem_count(pg, port) == 0)
			return (0);
	}
}

/*
 * Remove a binding on the owner's side before it is unbound (rule 5 and
 * "The debt" in evtpage.h).  The debt goes up first so that a reader
 * holding this slot's count never finds neither slot nor debt.  If the
 * slot was not deliverable the unit is taken back; if a reader already
 * paid it, it did so with a count that belonged to a real slot, and that
 * count is written back.  If it was deliverable, one nonblocking attempt
 * pays the debt now, so that poll() does not report a stale count; when
 * the count is not there yet (its notifier has not written it, or a reader
 * holds it) a reader pays later.
 */
bool
evtpage_retire(struct gbx_evtpage *pg, int efd, uint32_t port)
{
	uint32_t old;

	if (port >= page_limit(pg) ||
	    atomic_load_explicit(&pg->slot[port], memory_order_relaxed) == 0)
		return (false);
	atomic_fetch_add_explicit(&pg->debt, 1, memory_order_acq_rel);
	old =
	    atomic_exchange_explicit(&pg->slot[port], 0, memory_order_acq_rel);
	if (!slot_deliverable(old)) {
		if (!debt_pay(pg))
			efd_post(efd);
		return (false);
	}
	if (efd_consume(efd, true) == 0 && !debt_pay(pg))
		efd_post(efd);
	return (true);
}
