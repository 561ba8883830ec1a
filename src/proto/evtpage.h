/*
 * evtpage.h: the shared event page of an event-channel handle, and the
 * lock-free operations on it that let one process notify another without
 * a round trip through gntboxd (docs/architecture.md §6).
 *
 * Every event-channel handle has an eventfd (EFD_SEMAPHORE) and one event
 * page, both created by gntboxd.  The page has a slot per port of the
 * handle's domain; only the slots of ports bound to this handle are ever
 * nonzero.  A slot word is
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
 * means.  The one operation that removes a deliverable slot without a
 * reader, retiring a binding, consumes a count itself.
 *
 * Who writes what.
 *  - gntboxd binds (evtpage_bind), clears slots of handles that close
 *    (evtpage_clear) and notifies on behalf of clients (evtpage_notify).
 *  - Any process holding the page notifies (evtpage_notify).
 *  - The owning handle takes (evtpage_take), unmasks (evtpage_unmask) and
 *    retires its own bindings before asking gntboxd to unbind
 *    (evtpage_retire).
 *
 * Selector bits.  summary bit i says that sel[i] may be nonzero; bit j of
 * sel[i] says that slot 64 * i + j may be deliverable.  A notifier sets the
 * sel bit, then the summary bit, then writes the eventfd.  A reader clears
 * a sel bit before it inspects the slot, so a later transition always
 * leaves its bit set, and clears a summary bit only when its sel word is
 * zero, re-setting it if the word became nonzero meanwhile.
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
	uint32_t magic;	 /* GBX_EVT_MAGIC, written by gntboxd */
	uint32_t nports; /* slots in use: the domain's port limit */
	_Atomic uint64_t summary;
	_Atomic uint64_t sel[GBX_EVT_MAX_PORTS / 64];
	_Atomic uint32_t slot[GBX_EVT_MAX_PORTS];
};

/* Bytes gntboxd gives the memfd: the struct rounded up to whole pages. */
#define GBX_EVTPAGE_BYTES ((sizeof(struct gbx_evtpage) + 4095) / 4096 * 4096)

enum evtpage_result {
	EVTPAGE_DELIVERABLE, /* the port became deliverable; eventfd written */
	EVTPAGE_COALESCED,   /* already pending, or masked: nothing to wake */
	EVTPAGE_STALE,	     /* the generation did not match: ask gntboxd */
};

/* gntboxd: a fresh page (magic, nports, everything else zero). */
void evtpage_init(struct gbx_evtpage *pg, uint32_t nports);

/* gntboxd: bind port with generation gen, unmasked and not pending. */
void evtpage_bind(struct gbx_evtpage *pg, uint32_t port, uint32_t gen);

/* gntboxd: forget the binding of port (its handle is going away). */
void evtpage_clear(struct gbx_evtpage *pg, uint32_t port);

/*
 * Anyone: set port pending if its slot still carries generation gen, and
 * when that makes it deliverable, set its selector bits and write 1 to
 * efd.  A port out of range is STALE.
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
 * Owner, after consuming one eventfd count: find a deliverable port, mark
 * it masked and not pending, store it in *port and return 0.  Returns
 * EAGAIN when none is visible yet (a notifier is between its slot update
 * and its selector update): the caller retries.
 */
int evtpage_take(struct gbx_evtpage *pg, uint32_t *port);

/*
 * Owner: set port's slot to 0 before unbinding it.  Returns true when the
 * port was deliverable, in which case the caller must consume one eventfd
 * count (blocking, or retrying on EAGAIN: the count is on its way).
 */
bool evtpage_retire(struct gbx_evtpage *pg, uint32_t port);

#endif /* GNTBOX_PROTO_EVTPAGE_H */
