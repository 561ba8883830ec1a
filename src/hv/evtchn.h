/*
 * evtchn.h: event-channel ports, the hypervisor's side (gntboxd).
 *
 * Pure state: no sockets, no messages.  The daemon's EVT_* handlers call
 * these functions and turn their errno values into replies.
 *
 * Each domain owns a port table (struct evt_domain, created with the
 * domain).  A domain whose limit is N has ports 1..N-1: port 0 is reserved
 * as in Xen, and N is at most GBX_EVT_MAX_PORTS (4096, the 2-level ABI's
 * channel count on 64-bit).  Free ports come from a rangealloc, lowest
 * first.  A port is in one of Xen's states:
 *
 *	free		not allocated
 *	unbound		waiting for a given remote domain to bind to it
 *	interdomain	connected to (remote domain, remote port)
 *	virq		bound to a virtual interrupt (VIRQ_DOM_EXC, domain 0)
 *
 * Ports are bound through an event-channel handle (struct evt_handle, one
 * per connection of kind EVTCHN), which owns them: binding writes a fresh
 * generation into the handle's event page (proto/evtpage.h) and grows the
 * page's ring as Linux grows its ring; unbinding removes the generation
 * (the port's ring entries stay, as in Linux's ring), closing the handle
 * clears the slot.  A port can also be held by unmap-notify
 * references (Linux's evtchn_get/evtchn_put): such a port stays allocated,
 * in its Xen state, after its handle lets go of it, until the last
 * reference is dropped.  While no handle owns it, events sent to it are
 * dropped.
 *
 * Errors are Xen's (xen/common/event_channel.c), checked in Xen's order,
 * with Linux's /dev/xen/evtchn checks (restriction, ownership) in front of
 * them as the Linux driver does.  Every lookup is O(1) (port arrays) or
 * O(log n) (the free-port allocator).  Not thread-safe: gntboxd's single
 * loop owns all of it.
 */
#ifndef GNTBOX_HV_EVTCHN_H
#define GNTBOX_HV_EVTCHN_H

#include <stdbool.h>
#include <stdint.h>

#include "base/rangealloc.h"
#include "base/tree.h"
#include "proto/evtpage.h"

#define EVT_UNRESTRICTED    0xffffu /* evt_handle.restrict_domid: none */
#define EVT_NOTIFY_REFS_MAX 0x7ffe  /* Linux: refcnt stops below SHRT_MAX */

enum evt_state {
	EVT_FREE = 0,
	EVT_UNBOUND,
	EVT_INTERDOMAIN,
	EVT_VIRQ,
};

struct evt_domain;
struct evt_handle;

/* One port of a domain.  Indexed by port number in its domain's array. */
struct evt_port {
	TAILQ_ENTRY(evt_port) hlink; /* on owner->ports */
	struct evt_handle *owner;    /* the handle that bound it, or NULL */
	struct evt_domain *remote;   /* interdomain: the remote table */
	uint32_t remote_port;	     /* interdomain: the remote port */
	uint32_t gen;		     /* generation in owner's slot, or 0 */
	uint32_t virq;		     /* virq: which */
	uint16_t remote_domid;	     /* unbound: waiting for; interdomain */
	uint16_t refs;		     /* unmap-notify references */
	uint8_t state;		     /* enum evt_state */
};

TAILQ_HEAD(evt_port_list, evt_port);

struct evt_domain {
	uint16_t domid;
	uint32_t max_ports;	/* ports are 1..max_ports - 1 */
	uint32_t gen_next;	/* next binding generation */
	uint32_t virq_dom_exc;	/* port bound to VIRQ_DOM_EXC, or 0 */
	uint32_t nallocated;	/* ports not free */
	struct rangealloc free; /* free ports, lowest first */
	struct evt_port *port;	/* [max_ports] */
};

/*
 * One event-channel handle: the daemon's connection of kind EVTCHN, or
 * anything else with an event page and an eventfd.  The daemon embeds or
 * allocates it, fills in id, page and efd, and calls evt_handle_init.
 * hv/ never closes efd nor unmaps page: the daemon does, after
 * evt_handle_close.
 */
struct evt_handle {
	uint64_t id;		  /* names the handle to clients */
	struct evt_domain *dom;	  /* the handle's domain */
	struct gbx_evtpage *page; /* the handle's event page (gntboxd's map) */
	int efd;		  /* the handle's eventfd */
	uint16_t restrict_domid;  /* EVT_UNRESTRICTED or a domain id */
	uint32_t nports;	  /* ports it owns */
	struct evt_port_list ports; /* ports it owns */
};

/*
 * Where a send went.  handle is NULL when the event was dropped (the
 * remote end is unbound, or no handle owns it); otherwise the event was
 * delivered to (handle, port, gen) and result says how.  A client caches
 * (handle->id, port, gen) for its fast path.
 */
struct evt_target {
	struct evt_handle *handle;
	uint32_t port;
	uint32_t gen;
	enum evtpage_result result;
};

/*
 * A domain's port table with ports 1..max_ports - 1 (max_ports 2..4096,
 * EINVAL otherwise).  Returns 0 or ENOMEM.
 */
int evt_domain_init(struct evt_domain *d, uint16_t domid, uint32_t max_ports);

/*
 * Close every port of the domain, as Xen does when a domain dies: the
 * remote ends of its interdomain channels become unbound, waiting for
 * this domain; ports still owned by handles lose their bindings in their
 * pages and leave their handles; notify references are dropped.  Then free the
 * table.  The daemon raises VIRQ_DOM_EXC in domain 0 afterwards
 * (evt_virq_raise).
 */
void evt_domain_destroy(struct evt_domain *d);

/*
 * The domain id that a request's remote domain names, for the daemon's
 * lookup: DOMID_SELF is the caller's domain, and the value is truncated to
 * 16 bits as Linux does when it fills the hypercall's domid_t.
 */
uint16_t evt_domid_resolve(const struct evt_domain *self, uint32_t domid);

/* Set up a handle after the caller set id, page and efd. */
void evt_handle_init(struct evt_handle *h, struct evt_domain *d);

/*
 * Close a handle: every port it owns is cleared in its page (slot set to
 * 0, entries and all: nobody reads the eventfd again) and closed, or,
 * if unmap-notify references hold it, left allocated without an owner.
 * Returns the number of ports released.  At most budget ports are done
 * (0: all); call again until h->nports is 0 to split the work.
 */
uint32_t evt_handle_close(struct evt_handle *h, uint32_t budget);

/*
 * IOCTL_EVTCHN_RESTRICT_DOMID.  EACCES when already restricted, EINVAL for
 * domain 0 or a reserved id (DOMID_FIRST_RESERVED and above).
 */
int evt_restrict(struct evt_handle *h, uint32_t domid);

/*
 * IOCTL_EVTCHN_BIND_UNBOUND_PORT (EVTCHNOP_alloc_unbound for DOMID_SELF):
 * a new port of h's domain, unbound and waiting for remote_dom, owned by
 * h, its slot written (generation *gen).  Errors: EACCES (restricted
 * handle), ENOSPC (no free port), ENOMEM.  As in Xen, remote_dom need not
 * exist.
 */
int evt_bind_unbound(struct evt_handle *h, uint32_t remote_dom, uint32_t *port,
    uint32_t *gen);

/*
 * IOCTL_EVTCHN_BIND_INTERDOMAIN: a new port of h's domain connected to
 * rport of rd, which must be unbound and waiting for h's domain.  The
 * daemon looks rd up with evt_domid_resolve(h->dom, remote_dom) and passes
 * NULL when no such domain exists.  As Xen does, the new port is made
 * pending at once (an event sent to the unbound remote end was dropped),
 * so the handle sees one event on it.  Errors, in order: EACCES
 * (restricted to another domain), ESRCH (rd is NULL), ENOSPC (no free
 * port), EINVAL (rport out of range or not unbound and waiting for us),
 * ENOMEM.
 */
int evt_bind_interdomain(struct evt_handle *h, uint32_t remote_dom,
    struct evt_domain *rd, uint32_t rport, uint32_t *port, uint32_t *gen);

/*
 * IOCTL_EVTCHN_BIND_VIRQ.  Only VIRQ_DOM_EXC has a source here (a domain
 * destroyed), and as a global virq it belongs to domain 0.  Errors, in
 * order: EACCES (restricted), EINVAL (virq >= NR_VIRQS, or any virq but
 * VIRQ_DOM_EXC), EBUSY (not domain 0, Xen's answer for a global virq
 * whose handler is another domain), EEXIST (already bound in the domain),
 * ENOSPC, ENOMEM.
 */
int evt_bind_virq(struct evt_handle *h, uint32_t virq, uint32_t *port,
    uint32_t *gen);

/*
 * Deliver a virq of domain d to the handle that bound it, if any.
 */
void evt_virq_raise(struct evt_domain *d, uint32_t virq);

/*
 * IOCTL_EVTCHN_UNBIND: h lets go of port (its client has unbound the slot
 * already; it is unbound again here in case it did not).  The port is
 * closed as by EVTCHNOP_close (the remote end of an interdomain channel
 * becomes unbound and waits for this domain), unless notify references
 * hold it.  Errors: EINVAL (port >= max_ports), ENOTCONN (not h's).
 */
int evt_unbind(struct evt_handle *h, uint32_t port);

/*
 * IOCTL_EVTCHN_NOTIFY through gntboxd (the slow path): ENOTCONN unless h
 * owns port; otherwise send as evt_send does and return 0 (Linux ignores
 * the hypercall's result, so a virq port's notify succeeds and does
 * nothing).  *t says where the event went.
 */
int evt_notify(struct evt_handle *h, uint32_t port, struct evt_target *t);

/*
 * EVTCHNOP_send from port of d, whoever holds it (the unmap-notify path):
 * an interdomain port delivers to its remote end's current binding, an
 * unbound one drops the event silently.  Errors: EINVAL (port 0, out of
 * range, free, or virq).  *t says where the event went.
 */
int evt_send(struct evt_domain *d, uint32_t port, struct evt_target *t);

/*
 * Linux's evtchn_get for an unmap notify: take a reference on port of d,
 * which must be bound through some handle of d (or already referenced).
 * Errors: EINVAL (port >= max_ports, or EVT_NOTIFY_REFS_MAX references),
 * ENOENT (no handle bound it).
 */
int evt_port_get(struct evt_domain *d, uint32_t port);

/*
 * Linux's evtchn_put: drop a reference; the last one closes a port that no
 * handle owns any more.  EINVAL when port holds no reference.
 */
int evt_port_put(struct evt_domain *d, uint32_t port);

/* A port's record, or NULL for port 0 and out of range (dumps, tests). */
const struct evt_port *evt_port_lookup(const struct evt_domain *d,
    uint32_t port);

#endif /* GNTBOX_HV_EVTCHN_H */
