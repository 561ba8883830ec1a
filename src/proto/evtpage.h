/*
 * evtpage.h: the shared event page of an event-channel handle, and the
 * lock-free operations on it that let one process notify another without
 * a round trip through gntboxd (docs/architecture.md §6).
 *
 * Every event-channel handle has an eventfd (EFD_SEMAPHORE | EFD_NONBLOCK)
 * and one event page, both created by gntboxd.  The page has a slot per
 * port of the handle's domain; only the slots of ports bound to this
 * handle are ever nonzero.  A slot word is
 *
 *	bits 2..31  generation of the binding (0: no binding)
 *	bit 1       masked  (a port that fired stays masked until unmasked)
 *	bit 0       pending
 *
 * and a port is *deliverable* when its generation is nonzero, it is
 * pending and it is not masked.
 *
 * The counting rule.  Every transition of a slot into the deliverable
 * state (by a notify or by an unmask) is followed by exactly one write of
 * 1 to the handle's eventfd, after the slot's selector bits are set.  A
 * reader consumes exactly one count before it takes one deliverable slot.
 * So a handle's eventfd is readable exactly when a port is (or is about to
 * be) deliverable, and poll() on it means what poll() on /dev/xen/evtchn
 * means.
 *
 * The debt.  Retiring a binding (unbind) removes a slot without a reader;
 * if the slot was deliverable, one count in the eventfd (or on its way to
 * it) now belongs to no slot.  Retire records that in the page's debt
 * word instead of reading the count back: a blocking read could wait
 * forever when another thread of the owner has just consumed that very
 * count and is looking for the slot.  A reader that holds a count pays
 * one unit of debt with it instead of taking a slot.  Retire raises the
 * debt before it clears the slot, so a reader holding a count always finds
 * either a deliverable slot or a debt to pay; when the slot turns out not
 * to be deliverable, retire takes its unit back, or, if a reader already
 * paid it with a count that belonged to a real slot, writes that count
 * back.  Retire then tries once, without blocking, to pay the debt itself
 * so that poll() is not left reporting a stale count.
 *
 * Who writes what.
 *  - gntboxd binds (evtpage_bind), clears slots of handles that close
 *    (evtpage_clear) and notifies on behalf of clients (evtpage_notify).
 *  - Any process holding the page notifies (evtpage_notify).
 *  - The owning handle takes (evtpage_wait_take), unmasks (evtpage_unmask)
 *    and retires its own bindings before asking gntboxd to unbind
 *    (evtpage_retire); gntboxd retires too when a client did not.
 *
 * Selector bits.  summary bit i says that sel[i] may be nonzero; bit j of
 * sel[i] says that slot 64 * i + j may be deliverable.  A notifier sets the
 * sel bit, then the summary bit, then writes the eventfd.  A reader clears
 * a sel bit before it inspects the slot, so a later transition always
 * leaves its bit set, and clears a summary bit only when its sel word is
 * zero, re-setting it if the word became nonzero meanwhile.  A reader that
 * holds a count but finds no selector bit (the notifier is between its
 * slot update and its selector update) retries, and after a while scans
 * the slot words themselves, which are the truth.
 *
 * The eventfd must be non-blocking (EFD_NONBLOCK, which every descriptor
 * of that open file shares): evtpage_wait_take blocks in poll(), never in
 * read(), so that a nonblocking take and a blocking one can share it.
 */
#ifndef GNTBOX_PROTO_EVTPAGE_H
#define GNTBOX_PROTO_EVTPAGE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#define GBX_EVT_MAX_PORTS 4096 /* slots in a page: 64 sel words of 64 bits */
#define GBX_EVT_MAGIC	  0x47425845u /* "GBXE" */

#define GBX_SLOT_PENDING   0x1u
#define GBX_SLOT_MASKED	   0x2u
#define GBX_SLOT_GEN_SHIFT 2
#define GBX_SLOT_GEN_MAX   0x3fffffffu /* generations are 1..GEN_MAX */

struct gbx_evtpage {
	uint32_t magic;	      /* GBX_EVT_MAGIC, written by gntboxd */
	uint32_t nports;      /* slots in use: the domain's port limit */
	_Atomic int32_t debt; /* counts that belong to no slot (see above) */
	uint32_t pad;
	_Atomic uint64_t summary;
	_Atomic uint64_t sel[GBX_EVT_MAX_PORTS / 64];
	_Atomic uint32_t slot[GBX_EVT_MAX_PORTS];
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
	EVTPAGE_DELIVERABLE, /* the port became deliverable; eventfd written */
	EVTPAGE_COALESCED,   /* already pending, or masked: nothing to wake */
	EVTPAGE_STALE,	     /* the generation did not match: ask gntboxd */
};

/*
 * gntboxd: a fresh page (magic, nports, everything else zero).  nports is
 * clamped to GBX_EVT_MAX_PORTS.
 */
void evtpage_init(struct gbx_evtpage *pg, uint32_t nports);

/*
 * gntboxd: bind port with generation gen (1..GBX_SLOT_GEN_MAX), unmasked
 * and not pending.  The slot must be free (retired or cleared).  A port
 * out of range or a generation out of range is ignored.
 */
void evtpage_bind(struct gbx_evtpage *pg, uint32_t port, uint32_t gen);

/*
 * gntboxd: forget the binding of port without any accounting (its handle
 * is going away, so nobody will read its eventfd again).
 */
void evtpage_clear(struct gbx_evtpage *pg, uint32_t port);

/*
 * Anyone: set port pending if its slot still carries generation gen, and
 * when that makes it deliverable, set its selector bits and write 1 to
 * efd.  A port out of range, or a generation of 0, is STALE.  Data written
 * before the call is visible to the reader that takes the port.  Every
 * notify that is not STALE counts one in the page's `sent`.
 */
enum evtpage_result evtpage_notify(struct gbx_evtpage *pg, int efd,
    uint32_t port, uint32_t gen);

/*
 * Owner: clear port's mask; if it is pending, that is a transition to
 * deliverable (selector bits, one eventfd count).  An unbound or
 * out-of-range port is ignored, as Linux ignores unknown ports written to
 * /dev/xen/evtchn.
 */
void evtpage_unmask(struct gbx_evtpage *pg, int efd, uint32_t port);

/*
 * Owner, after consuming one eventfd count: find a deliverable port
 * through the selector bits, mark it masked and not pending, store it in
 * *port and return 0.  Returns EAGAIN when none is visible (a notifier is
 * between its slot update and its selector update, or the count belongs
 * to the debt).  A primitive: readers call evtpage_wait_take.
 */
int evtpage_take(struct gbx_evtpage *pg, uint32_t *port);

/*
 * Owner: consume one count from efd (waiting for one in poll() unless
 * nonblock), then take one deliverable port as evtpage_take does, paying
 * the debt first when there is one (and then waiting for another count).
 * Returns 0 with *port set, EAGAIN (nonblock and nothing deliverable),
 * EINTR (a signal interrupted the wait; nothing was consumed), or the
 * errno of a failed read or poll.
 */
int evtpage_wait_take(struct gbx_evtpage *pg, int efd, bool nonblock,
    uint32_t *port);

/*
 * Owner (or gntboxd on its behalf): set port's slot to 0 before unbinding
 * it, and account for the count of a deliverable slot through the debt.
 * Never blocks.  Returns true when the port was deliverable.  Retiring a
 * slot that is already 0 changes nothing.
 */
bool evtpage_retire(struct gbx_evtpage *pg, int efd, uint32_t port);

#endif /* GNTBOX_PROTO_EVTPAGE_H */
