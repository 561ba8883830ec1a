/*
 * evtpage.h: the shared event page of an event-channel handle, and the
 * lock-free operations on it that let one process notify another without
 * a round trip through gntboxd (docs/architecture.md §6), with the
 * delivery rules of Linux's /dev/xen/evtchn on Xen (docs/events.md).
 *
 * Every event-channel handle has an eventfd (EFD_SEMAPHORE) and one event
 * page, both created by gntboxd.  The page has a slot per port of the
 * handle's domain; only the slots of ports bound to this handle (and of
 * ports it unbound with events still queued) are ever nonzero.  A slot
 * word is
 *
 *	bits 32..61  generation of the binding (0: not bound)
 *	bits 16..31  queued: the port's entries in the handle's ring
 *	bit 1        masked: the port fired and was not unmasked since
 *	bit 0        pending: it was notified while masked
 *
 * What it models.  Linux's driver keeps a ring of fired ports per open
 * file.  When an event reaches a port that is not masked, Xen sets its
 * pending bit and interrupts; the interrupt handler masks the port,
 * clears pending (the late-EOI ack) and appends the port to the ring,
 * whether or not anybody reads.  An event that reaches a masked port only
 * sets pending.  read() takes entries from the ring; writing a port back
 * unmasks it, and a port pending by then fires again at once.  Here:
 *
 *	notify   not masked: masked, queued + 1 (the "interrupt")
 *	         masked:     pending
 *	unmask   masked and pending: pending cleared, queued + 1, stays
 *	         masked (it fired again)
 *	         masked, not pending: unmasked;  not masked: nothing
 *	take     queued - 1 on some port with queued > 0 (one ring entry)
 *
 * so only notifies that come before the "interrupt" merge, as on Xen; a
 * notify that comes after it is kept as pending and delivered at the
 * unmask.  A port's ring entries stay when it is unbound or rebound (Linux
 * leaves them in the ring), so a read may return a port that is no longer
 * bound, as on Linux.  The ring is not kept in order: a read returns some
 * queued port, not the oldest (docs/differences.md).
 *
 * The ring's size.  Linux's ring holds at least 64 entries and doubles
 * while the handle has more bound ports than entries; when an interrupt
 * finds it full, the entry is dropped, the port stays masked and every
 * read fails with EFBIG until IOCTL_EVTCHN_RESET.  The page counts entries
 * in `queued` and keeps `ring` and `overflow` for the same rule.
 *
 * The counting rule.  Every ring entry added (queued + 1) is followed by
 * exactly one write of 1 to the handle's eventfd, after the slot's
 * selector bits are set.  A reader consumes exactly one count before it
 * takes one entry.  So a handle's eventfd is readable exactly when the
 * ring has an entry (or one is about to land), and poll() on it means
 * what poll() on /dev/xen/evtchn means.
 *
 * The debt.  Emptying the ring (reset) removes entries without a reader;
 * each one's count (in the eventfd, or on its way to it) then belongs to
 * no entry.  Reset records that in the page's debt word instead of
 * reading the count back: a blocking read could wait forever when another
 * thread of the owner has just consumed that very count and is looking
 * for the entry.  A reader that holds a count pays one unit of debt with
 * it instead of taking an entry.  Reset raises the debt before it removes
 * the entry, so a reader holding a count always finds either an entry or
 * a debt to pay; when the entry turns out to be gone already, reset takes
 * its unit back, or, if a reader already paid it, writes that count back.
 * Reset then tries, without blocking, to pay the debt itself so that
 * poll() is not left reporting stale counts.
 *
 * Who writes what.
 *  - gntboxd binds (evtpage_bind, evtpage_ring_fit), clears slots of
 *    handles that close (evtpage_clear) and notifies on behalf of clients
 *    (evtpage_notify).
 *  - Any process holding the page notifies (evtpage_notify).
 *  - The owning handle takes (evtpage_wait_take), unmasks (evtpage_unmask),
 *    resets (evtpage_reset) and unbinds its own bindings before asking
 *    gntboxd to (evtpage_unbind); gntboxd unbinds too when a client did not.
 *
 * Selector bits.  summary bit i says that sel[i] may be nonzero; bit j of
 * sel[i] says that slot 64 * i + j may have queued entries.  A notifier
 * sets the sel bit, then the summary bit, then writes the eventfd.  A
 * reader clears a sel bit before it inspects the slot, and sets it again
 * when it leaves entries behind, so a later entry always leaves its bit
 * set; it clears a summary bit only when its sel word is zero, re-setting
 * it if the word became nonzero meanwhile.  A reader that holds a count
 * but finds no selector bit (the notifier is between its slot update and
 * its selector update) retries, and after a while scans the slot words
 * themselves, which are the truth.
 *
 * System calls.  A wait costs what a blocking eventfd's costs: the
 * eventfd is blocking, so a blocking take is one read() that sleeps until
 * a count comes; a notify is one write().  A nonblocking take must not
 * sleep on that same descriptor (whose O_NONBLOCK every duplicate shares,
 * the program's /dev/xen/evtchn descriptor included): it reads with
 * preadv2(RWF_NOWAIT), and when the page shows no entry and no debt it
 * answers EAGAIN without a system call.  A kernel without RWF_NOWAIT on
 * eventfds (before Linux 5.12) makes evtpage_efd_setup set O_NONBLOCK on
 * the descriptor instead; a blocking take then waits in poll(), as does
 * one whose descriptor a program made non-blocking itself.  The debt's
 * reason stands either way: a blocking read that waits for a count it
 * does not need could wait forever, so nothing but a reader that wants
 * an event ever blocks.
 */
#ifndef GNTBOX_PROTO_EVTPAGE_H
#define GNTBOX_PROTO_EVTPAGE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#define GBX_EVT_MAX_PORTS 4096 /* slots in a page: 64 sel words of 64 bits */
#define GBX_EVT_MAGIC	  0x47425846u /* "GBXF": the layout with a ring */
#define GBX_EVT_RING_MIN  64u	      /* Linux's first ring size */

#define GBX_SLOT_PENDING   UINT64_C(0x1)
#define GBX_SLOT_MASKED	   UINT64_C(0x2)
#define GBX_SLOT_Q_SHIFT   16
#define GBX_SLOT_Q_ONE	   (UINT64_C(1) << GBX_SLOT_Q_SHIFT)
#define GBX_SLOT_Q_MAX	   UINT64_C(0xffff)
#define GBX_SLOT_Q_MASK	   (GBX_SLOT_Q_MAX << GBX_SLOT_Q_SHIFT)
#define GBX_SLOT_GEN_SHIFT 32
#define GBX_SLOT_GEN_MAX   0x3fffffffu /* generations are 1..GEN_MAX */

struct gbx_evtpage {
	uint32_t magic;		   /* GBX_EVT_MAGIC, written by gntboxd */
	uint32_t nports;	   /* slots in use: the domain's port limit */
	_Atomic int32_t debt;	   /* counts that belong to no entry */
	_Atomic int32_t queued;	   /* ring entries (trails the slots) */
	_Atomic uint32_t ring;	   /* Linux's ring size */
	_Atomic uint32_t overflow; /* the ring overflowed: reads EFBIG */
	_Atomic uint64_t summary;
	_Atomic uint64_t sel[GBX_EVT_MAX_PORTS / 64];
	_Atomic uint64_t slot[GBX_EVT_MAX_PORTS];
	/*
	 * Notifications that reached a binding of this page (delivered or
	 * merged into a pending one), counted by the notifier, for `gntbox
	 * top`.  Last, on a cache line the owner never touches.
	 */
	_Atomic uint64_t sent;
};

/* Bytes gntboxd gives the memfd: the struct rounded up to whole pages. */
#define GBX_EVTPAGE_BYTES ((sizeof(struct gbx_evtpage) + 4095) / 4096 * 4096)

enum evtpage_result {
	EVTPAGE_DELIVERABLE, /* the port fired: a ring entry, eventfd written */
	EVTPAGE_COALESCED,   /* masked: now pending, nothing to wake */
	EVTPAGE_STALE,	     /* the generation did not match: ask gntboxd */
};

/*
 * gntboxd: a fresh page (magic, nports, a ring of GBX_EVT_RING_MIN,
 * everything else zero).  nports is clamped to GBX_EVT_MAX_PORTS.
 */
void evtpage_init(struct gbx_evtpage *pg, uint32_t nports);

/*
 * gntboxd: bind port with generation gen (1..GBX_SLOT_GEN_MAX), unmasked
 * and not pending; the port's ring entries from an earlier binding stay.
 * A port out of range or a generation out of range is ignored.
 */
void evtpage_bind(struct gbx_evtpage *pg, uint32_t port, uint32_t gen);

/*
 * gntboxd, after a bind: grow the ring as Linux does when the handle now
 * has nbound ports (doubling it while nbound exceeds it).
 */
void evtpage_ring_fit(struct gbx_evtpage *pg, uint32_t nbound);

/*
 * gntboxd: forget the binding of port and its entries without any
 * accounting (its handle is going away, so nobody reads its eventfd).
 */
void evtpage_clear(struct gbx_evtpage *pg, uint32_t port);

/*
 * Anyone: Xen's send to port if its slot still carries generation gen:
 * fire it (a ring entry, its selector bits, 1 written to efd) when it is
 * not masked, or set it pending when it is.  A port out of range, or a
 * generation of 0, is STALE.  Data written before the call is visible to
 * the reader that takes the entry it causes (or that its pending bit
 * causes at the unmask).  Every notify that is not STALE counts one in
 * the page's `sent`.
 */
enum evtpage_result evtpage_notify(struct gbx_evtpage *pg, int efd,
    uint32_t port, uint32_t gen);

/*
 * Owner: unmask port; one that was notified while masked fires again at
 * once (a ring entry, one eventfd count) and stays masked: then the
 * result is true.  An unbound, unmasked or out-of-range port is ignored,
 * as Linux ignores them.
 */
bool evtpage_unmask(struct gbx_evtpage *pg, int efd, uint32_t port);

/*
 * Owner, after consuming one eventfd count: find a port with queued
 * entries through the selector bits, take one entry, store the port in
 * *port and return 0.  Returns EAGAIN when none is visible (a notifier is
 * between its slot update and its selector update, or the count belongs
 * to the debt).  A primitive: readers call evtpage_wait_take.
 */
int evtpage_take(struct gbx_evtpage *pg, uint32_t *port);

/*
 * Owner: consume one count from efd (waiting for one in read() unless
 * nonblock), then take one entry as evtpage_take does, paying the debt
 * first when there is one (and then waiting for another count).  Returns
 * 0 with *port set, EAGAIN (nonblock and nothing queued), EFBIG (the ring
 * overflowed; nothing is taken until evtpage_reset), EINTR (a signal
 * interrupted the wait; nothing was consumed), or the errno of a failed
 * read or poll.
 */
int evtpage_wait_take(struct gbx_evtpage *pg, int efd, bool nonblock,
    uint32_t *port);

/*
 * Owner, once, before its first take: make efd fit for
 * evtpage_wait_take (see "System calls" above).  Returns 0 or the errno
 * of fcntl().
 */
int evtpage_efd_setup(int efd);

/*
 * Owner: IOCTL_EVTCHN_RESET: drop every ring entry (their ports stay
 * masked until unmasked) and clear the overflow.  Never blocks.
 */
void evtpage_reset(struct gbx_evtpage *pg, int efd);

/*
 * Owner, when its gntboxd went away (client/hangup.h): every take fails
 * with EFBIG from now on, without waiting (the overflow word, which only
 * the owner's reset clears: the owner resets no more), and the eventfd
 * gets a count far beyond any ring's, so that every poller and every
 * reader asleep in read() wakes, and keeps waking: a reader that consumes
 * a count finds the overflow and writes the count back.  Never blocks.
 */
void evtpage_kill(struct gbx_evtpage *pg, int efd);

/*
 * Owner (or gntboxd on its behalf): end port's binding before it is
 * unbound: generation 0, not masked, not pending, so every notifier with
 * the old generation gets STALE.  Its ring entries stay, as Linux leaves
 * them in its ring.  Never blocks; unbinding an unbound slot changes
 * nothing.
 */
void evtpage_unbind(struct gbx_evtpage *pg, uint32_t port);

#endif /* GNTBOX_PROTO_EVTPAGE_H */
