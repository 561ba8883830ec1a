/*
 * evtpage.c: the operations on a shared event page (evtpage.h).
 *
 * Several processes run these functions at once on one page: notifiers in
 * any process that holds the page, gntboxd, and one or more readers of the
 * owning handle.  Nothing is locked; every shared word is a C11 atomic,
 * and every change of a slot word (but gntboxd's evtpage_clear of a
 * closing handle) is a read-modify-write.
 *
 * Memory ordering, in one place:
 *
 *  1. A notifier's writes before evtpage_notify (the ring data) must be
 *     visible to the reader that takes the entry the notify causes.  A
 *     notify is a read-modify-write of the slot with release order: either
 *     it adds the entry itself, or it sets pending (or finds it set) and
 *     the owner's unmask, an acquire-release read-modify-write that reads
 *     pending, adds the entry.  The reader takes an entry with an acquire
 *     read-modify-write of the slot.  Read-modify-writes extend a release
 *     sequence, so the take synchronises with every notify and unmask
 *     whose write precedes it in the slot's modification order, and,
 *     through the unmask, with the notifies that unmask consumed.
 *
 *  2. Slot before selector.  A notifier updates the slot, then sets the
 *     sel bit with release order.  A reader clears the sel bit with an
 *     acquire read-modify-write and only then loads the slot.  Either the
 *     reader's clear comes after the notifier's set in sel's modification
 *     order (then it synchronises with it and must see the slot update),
 *     or before it (then the bit stays set for a later reader).  A reader
 *     that leaves entries in the slot sets the bit again the same way.
 *
 *  3. Selector before summary.  The same argument with the summary word:
 *     the notifier sets sel then summary (release); a reader clears a
 *     summary bit with an acquire read-modify-write and then reloads the
 *     sel word, re-setting the summary bit if the word is not zero.
 *
 *  4. Summary before count.  The eventfd write comes last, so a count in
 *     the eventfd always has its selector bits set already, unless another
 *     reader cleared them to take that entry (and then that reader's own
 *     count belongs to an entry that is there or about to be).
 *
 *  5. Debt before removal.  evtpage_reset raises the debt, then takes the
 *     entry with an acquire-release read-modify-write; a reader that finds
 *     the entry gone finds the debt.
 *
 *  6. Overflow before count.  A notifier that finds the ring full sets
 *     the overflow word before it writes its count; a reader looks at the
 *     overflow word again after it consumed a count, so a reader woken by
 *     that count fails with EFBIG rather than taking the entry.
 *
 * The invariant behind the counting rule: with E the ring entries (the
 * sum of the slots' queued fields), D the debt, C the eventfd's counter,
 * H the counts readers hold (between read() and take or payment) and F
 * the entries added whose count is not written yet, at every instant
 *
 *	E + D  =  C + H + F
 *
 * outside evtpage_reset's steps, which restore it before they return.
 * Adding an entry raises E and F together, the count's write moves F to
 * C; a read moves C to H; a take lowers H and E, a payment H and D.  So a
 * reader that holds a count always finds an entry (perhaps only by
 * scanning the slot words, while a notifier is between its slot and
 * selector updates) or a debt to pay, and its loop ends; and an entry
 * never lacks its count, so no reader waits while an entry is there.
 *
 * The queued word trails E: it is raised after the slot's entry is added
 * and lowered after a take, so it counts the entries of operations that
 * have finished.  It decides Linux's overflow, which therefore can come
 * one entry early or late while notifies and reads race at exactly the
 * ring's limit.
 */
#include <sys/uio.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>

#include "proto/evtpage.h"

_Static_assert(ATOMIC_LLONG_LOCK_FREE == 2,
    "the event page needs lock-free 64-bit atomics across processes");

/* Reader backoff: spin, then yield, then scan the slots and sleep. */
#define WAIT_SPINS  64
#define WAIT_YIELDS 128
#define WAIT_MAX_NS 1000000L

static inline uint32_t
slot_gen(uint64_t w)
{

	return ((uint32_t)(w >> GBX_SLOT_GEN_SHIFT) & GBX_SLOT_GEN_MAX);
}

static inline uint64_t
slot_queued(uint64_t w)
{

	return ((w >> GBX_SLOT_Q_SHIFT) & GBX_SLOT_Q_MAX);
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
 * of entries plus the debt.
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
 * Whether this kernel reads eventfds with RWF_NOWAIT: unknown until the
 * first try, then yes or no for the life of the process.
 */
enum nowait {
	NOWAIT_UNKNOWN,
	NOWAIT_YES,
	NOWAIT_NO,
};

static _Atomic int nowait_support = NOWAIT_UNKNOWN;

/*
 * One count from the eventfd without sleeping, whatever its O_NONBLOCK:
 * preadv2(RWF_NOWAIT).  ENOTSUP when the kernel cannot, EAGAIN when the
 * eventfd is empty.
 */
static int
efd_read_nowait(int efd)
{
	struct iovec iov;
	uint64_t v;
	ssize_t r;

	iov.iov_base = &v;
	iov.iov_len = sizeof(v);
	r = preadv2(efd, &iov, 1, -1, RWF_NOWAIT);
	if (r == (ssize_t)sizeof(v)) {
		atomic_store_explicit(&nowait_support, NOWAIT_YES,
		    memory_order_relaxed);
		return (0);
	}
	if (r >= 0)
		return (EIO);
	if (errno == EOPNOTSUPP || errno == ENOSYS || errno == EINVAL) {
		atomic_store_explicit(&nowait_support, NOWAIT_NO,
		    memory_order_relaxed);
		return (ENOTSUP);
	}
	if (errno == EAGAIN)
		atomic_store_explicit(&nowait_support, NOWAIT_YES,
		    memory_order_relaxed);
	return (errno);
}

/* Wait in poll() until efd is readable (or a signal comes). */
static int
efd_poll(int efd, int timeout)
{
	struct pollfd pfd;
	int n;

	pfd.fd = efd;
	pfd.events = POLLIN;
	pfd.revents = 0;
	n = poll(&pfd, 1, timeout);
	if (n == -1)
		return (errno);
	return (n == 0 ? EAGAIN : 0);
}

/*
 * Take one count from the eventfd (EFD_SEMAPHORE: one a read).  Blocking,
 * one read() that sleeps; on a descriptor made non-blocking (an old
 * kernel's fallback, or the native API's caller) read() says EAGAIN and
 * the wait is in poll().  Nonblocking, see efd_read_nowait; without it,
 * a plain read() on a descriptor evtpage_efd_setup made non-blocking, or,
 * on one it did not, a look with poll() first, so that it does not sleep
 * unless another thread takes the count in between.
 */
static int
efd_consume(int efd, bool nonblock)
{
	uint64_t v;
	ssize_t r;
	int error, fl;

	if (nonblock &&
	    atomic_load_explicit(&nowait_support, memory_order_relaxed) !=
		NOWAIT_NO) {
		error = efd_read_nowait(efd);
		if (error != ENOTSUP)
			return (error);
	}
	if (nonblock && (fl = fcntl(efd, F_GETFL)) != -1 &&
	    (fl & O_NONBLOCK) == 0 && (error = efd_poll(efd, 0)) != 0)
		return (error);
	for (;;) {
		r = read(efd, &v, sizeof(v));
		if (r == (ssize_t)sizeof(v))
			return (0);
		if (r >= 0)
			return (EIO);
		if (errno != EAGAIN || nonblock)
			return (errno);
		if ((error = efd_poll(efd, -1)) != 0)
			return (error);
	}
}

/*
 * Learn whether reads with RWF_NOWAIT work, on the handle's own eventfd,
 * which is empty before its first bind (a count found is written back);
 * if they do not, make the descriptor non-blocking, so that a
 * nonblocking take never sleeps.
 */
int
evtpage_efd_setup(int efd)
{
	int error, fl;

	error = efd_read_nowait(efd);
	if (error == 0)
		efd_post(efd);
	if (error != ENOTSUP)
		return (0);
	if ((fl = fcntl(efd, F_GETFL)) == -1 ||
	    fcntl(efd, F_SETFL, fl | O_NONBLOCK) == -1)
		return (errno);
	return (0);
}

/* Set port's selector bits (ordering rules 2 and 3 above). */
static void
mark(struct gbx_evtpage *pg, uint32_t port)
{
	uint32_t word = port / 64;

	atomic_fetch_or_explicit(&pg->sel[word], UINT64_C(1) << (port % 64),
	    memory_order_release);
	atomic_fetch_or_explicit(&pg->summary, UINT64_C(1) << word,
	    memory_order_release);
}

/*
 * The rest of adding a ring entry to port, after the slot's queued field
 * went up: Linux's ring check, the selector bits, then the count
 * (ordering rules 2 to 4 and 6).  The summary update is unconditional:
 * skipping it when the bit looks set would leave a reader that is
 * clearing it free to miss the new sel bit.  An entry past the ring's
 * size is counted like any other, but the overflow word makes every read
 * fail until the reset drops them all, so it is never seen.
 */
static void
entry_added(struct gbx_evtpage *pg, int efd, uint32_t port)
{
	int32_t before;

	before =
	    atomic_fetch_add_explicit(&pg->queued, 1, memory_order_relaxed);
	if (before >=
	    (int32_t)atomic_load_explicit(&pg->ring, memory_order_relaxed))
		atomic_store_explicit(&pg->overflow, 1, memory_order_release);
	mark(pg, port);
	efd_post(efd);
}

/*
 * The slot word after its port fired: masked, one more entry.  A queued
 * field already at its maximum (thousands of entries past any ring, so
 * the ring has overflowed long before) takes no more.
 */
static inline uint64_t
slot_fired(uint64_t w, bool *added)
{

	*added = slot_queued(w) < GBX_SLOT_Q_MAX;
	return ((w | GBX_SLOT_MASKED) + (*added ? GBX_SLOT_Q_ONE : 0));
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
 * Take one entry of a slot.  The successful compare-and-swap has acquire
 * order: it is what makes the notifiers' data visible to the reader (rule
 * 1).  *left is the number of entries the slot still has.
 */
static bool
slot_take(_Atomic uint64_t *sp, uint64_t *left)
{
	uint64_t old;

	old = atomic_load_explicit(sp, memory_order_acquire);
	while (slot_queued(old) != 0) {
		if (atomic_compare_exchange_weak_explicit(sp, &old,
			old - GBX_SLOT_Q_ONE, memory_order_acq_rel,
			memory_order_acquire)) {
			*left = slot_queued(old) - 1;
			return (true);
		}
	}
	return (false);
}

/*
 * Take one entry of port's slot for a reader: the queued word follows,
 * and entries left behind get their selector bits back (rule 2), since
 * the reader cleared them, or may have.
 */
static bool
port_take(struct gbx_evtpage *pg, uint32_t port)
{
	uint64_t left;

	if (!slot_take(&pg->slot[port], &left))
		return (false);
	atomic_fetch_sub_explicit(&pg->queued, 1, memory_order_relaxed);
	if (left != 0)
		mark(pg, port);
	return (true);
}

/*
 * Take an entry by looking at every slot word rather than the selectors:
 * the fallback for a reader that holds a count while the notifier that
 * added its entry has not set the selector bits yet (it may have been
 * preempted, or have died in between).  The notifier's selector bits,
 * when they come, point at a slot that may be empty by then, and readers
 * skip it.
 */
static int
scan_take(struct gbx_evtpage *pg, uint32_t *port)
{
	uint32_t n, p;

	n = page_limit(pg);
	for (p = 1; p < n; p++) {
		if (port_take(pg, p)) {
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
 * With one count held, take an entry or pay a debt.  Returns 0 when an
 * entry was taken, EAGAIN when the count paid a debt.  The invariant in
 * the comment at the top guarantees that one of the two is there or on
 * its way, so the loop ends as soon as the operation in flight finishes.
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
	atomic_init(&pg->debt, 0);
	atomic_init(&pg->queued, 0);
	atomic_init(&pg->ring, GBX_EVT_RING_MIN);
	atomic_init(&pg->overflow, 0);
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
 * Write a fresh binding into a slot (gntboxd), keeping the entries an
 * earlier binding of the port left in the ring.  Release order, so a
 * notifier that reads the generation from gntboxd's reply and then finds
 * it in the slot sees an initialised page.
 */
void
evtpage_bind(struct gbx_evtpage *pg, uint32_t port, uint32_t gen)
{
	_Atomic uint64_t *sp;
	uint64_t old;

	if (port == 0 || port >= page_limit(pg) || gen == 0 ||
	    gen > GBX_SLOT_GEN_MAX)
		return;
	sp = &pg->slot[port];
	old = atomic_load_explicit(sp, memory_order_relaxed);
	while (!atomic_compare_exchange_weak_explicit(sp, &old,
	    ((uint64_t)gen << GBX_SLOT_GEN_SHIFT) | (old & GBX_SLOT_Q_MASK),
	    memory_order_acq_rel, memory_order_relaxed))
		;
}

/*
 * Linux's evtchn_resize_ring: at least GBX_EVT_RING_MIN entries, doubled
 * while the handle has more bound ports than that.  Only gntboxd writes
 * the ring word.
 */
void
evtpage_ring_fit(struct gbx_evtpage *pg, uint32_t nbound)
{
	uint32_t ring;

	ring = atomic_load_explicit(&pg->ring, memory_order_relaxed);
	if (ring < GBX_EVT_RING_MIN)
		ring = GBX_EVT_RING_MIN;
	while (nbound > ring && ring < GBX_EVT_MAX_PORTS)
		ring *= 2;
	atomic_store_explicit(&pg->ring, ring, memory_order_relaxed);
}

/*
 * Forget a binding and its entries without accounting (gntboxd, for a
 * handle that is going away: nobody will read its eventfd again).  Any
 * notifier with the old generation now gets STALE.
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
 * a stale generation, then, when the port fired, the rest of its ring
 * entry (entry_added).  The compare-and-swap is done even when the port
 * is already pending (writing the same value), so that it carries this
 * notifier's writes to the reader (rule 1).
 */
enum evtpage_result
evtpage_notify(struct gbx_evtpage *pg, int efd, uint32_t port, uint32_t gen)
{
	_Atomic uint64_t *sp;
	uint64_t old, new;
	bool added;

	if (port >= page_limit(pg) || gen == 0 || gen > GBX_SLOT_GEN_MAX)
		return (EVTPAGE_STALE);
	sp = &pg->slot[port];
	old = atomic_load_explicit(sp, memory_order_relaxed);
	do {
		if (slot_gen(old) != gen)
			return (EVTPAGE_STALE);
		added = false;
		if ((old & GBX_SLOT_MASKED) != 0)
			new = old | GBX_SLOT_PENDING;
		else
			new = slot_fired(old, &added);
	} while (!atomic_compare_exchange_weak_explicit(sp, &old, new,
	    memory_order_release, memory_order_relaxed));
	/* A statistic only: no ordering with anything. */
	atomic_fetch_add_explicit(&pg->sent, 1, memory_order_relaxed);
	if ((old & GBX_SLOT_MASKED) != 0)
		return (EVTPAGE_COALESCED);
	if (!added) {
		atomic_store_explicit(&pg->overflow, 1, memory_order_release);
		return (EVTPAGE_COALESCED);
	}
	entry_added(pg, efd, port);
	return (EVTPAGE_DELIVERABLE);
}

/*
 * Unmask (the owner, as a write of the port to /dev/xen/evtchn): Linux's
 * late EOI.  A port notified while masked fires again at once, as Xen
 * re-raises a pending port when it is unmasked: a ring entry like a
 * notify's, and the port stays masked.
 */
bool
evtpage_unmask(struct gbx_evtpage *pg, int efd, uint32_t port)
{
	_Atomic uint64_t *sp;
	uint64_t old, new;
	bool added;

	if (port >= page_limit(pg))
		return (false);
	sp = &pg->slot[port];
	old = atomic_load_explicit(sp, memory_order_relaxed);
	do {
		if (slot_gen(old) == 0 || (old & GBX_SLOT_MASKED) == 0)
			return (false);
		added = false;
		if ((old & GBX_SLOT_PENDING) != 0)
			new = slot_fired(old & ~GBX_SLOT_PENDING, &added);
		else
			new = old & ~GBX_SLOT_MASKED;
	} while (!atomic_compare_exchange_weak_explicit(sp, &old, new,
	    memory_order_acq_rel, memory_order_relaxed));
	if ((old & GBX_SLOT_PENDING) == 0)
		return (false);
	if (added)
		entry_added(pg, efd, port);
	else
		atomic_store_explicit(&pg->overflow, 1, memory_order_release);
	return (true);
}

/*
 * Find an entry through the selectors (the owner, holding one count).
 * Each sel bit is cleared before its slot is looked at (rule 2), and a
 * summary bit is cleared only for a sel word found empty, with a second
 * look afterwards (rule 3).  One pass over what the summary showed on
 * entry; the caller retries.
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
			if (p != 0 && p < n && port_take(pg, p)) {
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
 * The reader: consume one count, then redeem it for an entry or a debt.
 * A count that paid a debt was not an event, so wait for the next one.
 * A ring that overflowed gives EFBIG, as Linux's read does, before and
 * after the wait (rule 6): a count consumed then goes back.
 */
int
evtpage_wait_take(struct gbx_evtpage *pg, int efd, bool nonblock,
    uint32_t *port)
{
	int error;

	for (;;) {
		if (atomic_load_explicit(&pg->overflow, memory_order_acquire))
			return (EFBIG);
		/*
		 * No entry and no debt: no count either (E + D = C + H + F,
		 * and queued counts every entry whose count was written), so
		 * the eventfd would say EAGAIN too.
		 */
		if (nonblock &&
		    atomic_load_explicit(&pg->queued, memory_order_acquire) <=
			0 &&
		    atomic_load_explicit(&pg->debt, memory_order_acquire) <= 0)
			return (EAGAIN);
		error = efd_consume(efd, nonblock);
		if (error != 0)
			return (error);
		if (atomic_load_explicit(&pg->overflow, memory_order_acquire)) {
			efd_post(efd);
			return (EFBIG);
		}
		if (redeem_count(pg, port) == 0)
			return (0);
	}
}

/*
 * Drop one entry of port's slot for a reset, if it has one (rule 5 and
 * "The debt" in evtpage.h).  The debt goes up first so that a reader
 * holding this entry's count never finds neither entry nor debt.  If a
 * reader took the entry meanwhile, the unit is taken back; if a reader
 * already paid it, it did so with a count that belonged to a real entry,
 * and that count is written back.
 */
static bool
drop_entry(struct gbx_evtpage *pg, int efd, uint32_t port)
{
	uint64_t left;

	if (slot_queued(atomic_load_explicit(&pg->slot[port],
		memory_order_relaxed)) == 0)
		return (false);
	atomic_fetch_add_explicit(&pg->debt, 1, memory_order_acq_rel);
	if (slot_take(&pg->slot[port], &left)) {
		atomic_fetch_sub_explicit(&pg->queued, 1, memory_order_relaxed);
		return (true);
	}
	if (!debt_pay(pg))
		efd_post(efd);
	return (false);
}

/*
 * Empty the ring (the owner's IOCTL_EVTCHN_RESET), then clear the
 * overflow, and pay what debt it can without waiting, so that poll() does
 * not report stale counts; a count that is not in the eventfd yet (its
 * notifier has not written it, or a reader holds it) pays later.  Bounded
 * by the ports and the entries.
 */
void
evtpage_reset(struct gbx_evtpage *pg, int efd)
{
	uint32_t n, p;

	n = page_limit(pg);
	for (p = 1; p < n; p++)
		while (drop_entry(pg, efd, p))
			;
	atomic_store_explicit(&pg->overflow, 0, memory_order_release);
	while (atomic_load_explicit(&pg->debt, memory_order_acquire) > 0 &&
	    efd_consume(efd, true) == 0) {
		if (!debt_pay(pg)) {
			efd_post(efd);
			break;
		}
	}
}

/*
 * End a binding in its slot (the owner before it asks gntboxd to unbind,
 * or gntboxd): no generation, so no notifier reaches it any more, and
 * neither masked nor pending, as Xen frees a closed port; the entries
 * stay in the ring.
 */
void
evtpage_unbind(struct gbx_evtpage *pg, uint32_t port)
{
	_Atomic uint64_t *sp;
	uint64_t old;

	if (port >= page_limit(pg))
		return;
	sp = &pg->slot[port];
	old = atomic_load_explicit(sp, memory_order_relaxed);
	while ((old & ~GBX_SLOT_Q_MASK) != 0 &&
	    !atomic_compare_exchange_weak_explicit(sp, &old,
		old & GBX_SLOT_Q_MASK, memory_order_acq_rel,
		memory_order_relaxed))
		;
}

/*
 * A count that no ring can reach (a ring holds at most GBX_EVT_MAX_PORTS
 * entries, each one count), far enough from the eventfd's limit that the
 * write never blocks, even repeated by a fork()ed child.
 */
#define EVTPAGE_KILL_COUNT (UINT64_C(1) << 48)

/*
 * The handle's gntboxd is gone: look overflowed for good, and wake
 * everyone (evtpage.h).  The overflow goes first, so that a reader woken
 * by the count always finds it.
 */
void
evtpage_kill(struct gbx_evtpage *pg, int efd)
{
	uint64_t v = EVTPAGE_KILL_COUNT;
	ssize_t r;

	atomic_store_explicit(&pg->overflow, 1, memory_order_release);
	do {
		r = write(efd, &v, sizeof(v));
	} while (r == -1 && errno == EINTR);
}
