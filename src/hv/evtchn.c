/*
 * evtchn.c: event-channel ports of each domain, and the handles that own
 * them (evtchn.h).
 *
 * Xen's event_channel.c is the reference for states and errors; Linux's
 * drivers/xen/evtchn.c for what a handle (an open /dev/xen/evtchn) adds:
 * ownership, restriction, and the reference counts of unmap notifies.
 *
 * Each binding gets a generation from its domain's counter, which runs
 * through 1..GBX_SLOT_GEN_MAX before it repeats, so a client's cached
 * (port, generation) of an old binding fails the page's compare-and-swap
 * for the next 2^30 bindings of that domain and takes the slow path.
 */
#include <errno.h>
#include <stdlib.h>

#include "hv/evtchn.h"

#include <xen/xen.h>

static uint32_t
next_gen(struct evt_domain *d)
{
	uint32_t gen;

	gen = d->gen_next;
	d->gen_next = gen >= GBX_SLOT_GEN_MAX ? 1 : gen + 1;
	return (gen);
}

/*
 * The port's record, or NULL for port 0, out of range, or a table already
 * destroyed (a dying domain's notifies may still name its ports).
 */
static struct evt_port *
port_of(const struct evt_domain *d, uint32_t port)
{

	if (d->port == NULL || port == 0 || port >= d->max_ports)
		return (NULL);
	return (&d->port[port]);
}

/*
 * Allocate the lowest free port (Xen's get_free_port).  ENOSPC when the
 * domain has none left.
 */
static int
port_alloc(struct evt_domain *d, uint32_t *port)
{
	uint64_t first;
	int error;

	error = ra_alloc(&d->free, 1, &first);
	if (error != 0)
		return (error);
	*port = (uint32_t)first;
	d->nallocated++;
	return (0);
}

/*
 * Return a port to the free set (Xen's evtchn_free).  Should the
 * allocator fail to record it (ENOMEM while splitting a range), the port
 * number stays out of use but the state is still reset: a lost number is
 * better than a corrupt table.
 */
static void
port_free(struct evt_domain *d, uint32_t port)
{
	struct evt_port *p = &d->port[port];

	*p = (struct evt_port){ 0 };
	(void)ra_free(&d->free, port, 1);
	d->nallocated--;
}

/*
 * Give a freshly allocated port to handle h: a new generation, written
 * into h's page, and the port on h's list.
 */
static void
port_attach(struct evt_handle *h, uint32_t port)
{
	struct evt_port *p = &h->dom->port[port];

	p->owner = h;
	p->gen = next_gen(h->dom);
	TAILQ_INSERT_TAIL(&h->ports, p, hlink);
	h->nports++;
	evtpage_bind(h->page, port, p->gen);
	evtpage_ring_fit(h->page, h->nports);
}

/*
 * Allocate the lowest free port of h's domain in the given state and
 * attach it to h.  The caller fills in the state's fields.
 */
static int
port_bind_new(struct evt_handle *h, uint8_t st, uint32_t *port, uint32_t *gen)
{
	int error;

	error = port_alloc(h->dom, port);
	if (error != 0)
		return (error);
	h->dom->port[*port].state = st;
	port_attach(h, *port);
	*gen = h->dom->port[*port].gen;
	return (0);
}

/*
 * Take a port away from its handle.  With keep set, the slot loses its
 * binding but keeps the port's ring entries (the handle lives on, and
 * Linux leaves them in its ring); without, it is cleared whole (the
 * handle is closing).
 */
static void
port_detach(struct evt_port *p, uint32_t port, bool keep)
{
	struct evt_handle *h = p->owner;

	if (keep)
		evtpage_unbind(h->page, port);
	else
		evtpage_clear(h->page, port);
	TAILQ_REMOVE(&h->ports, p, hlink);
	h->nports--;
	p->owner = NULL;
	p->gen = 0;
}

/*
 * Close a port that no handle owns and no reference holds, as
 * EVTCHNOP_close does: the remote end of an interdomain channel goes back
 * to unbound, waiting for this domain, and keeps its own binding.
 */
static void
port_close(struct evt_domain *d, uint32_t port)
{
	struct evt_port *p = &d->port[port], *rp;

	switch (p->state) {
	case EVT_INTERDOMAIN:
		rp = &p->remote->port[p->remote_port];
		rp->state = EVT_UNBOUND;
		rp->remote = NULL;
		rp->remote_port = 0;
		rp->remote_domid = d->domid;
		break;
	case EVT_VIRQ:
		if (d->virq_dom_exc == port)
			d->virq_dom_exc = 0;
		break;
	default:
		break;
	}
	port_free(d, port);
}

/*
 * A handle lets go of a port (unbind, handle close, domain destroy): close
 * it unless notify references keep it.
 */
static void
port_release(struct evt_domain *d, uint32_t port, bool keep)
{
	struct evt_port *p = &d->port[port];

	if (p->owner != NULL)
		port_detach(p, port, keep);
	if (p->refs == 0)
		port_close(d, port);
}

/*
 * Deliver an event to the current binding of port of d, if a handle owns
 * it.  Xen's evtchn_port_set_pending, on the event page.
 */
static void
deliver(struct evt_domain *d, uint32_t port, struct evt_target *t)
{
	struct evt_port *p = &d->port[port];

	*t = (struct evt_target){ 0 };
	if (p->owner == NULL)
		return;
	t->handle = p->owner;
	t->port = port;
	t->gen = p->gen;
	t->result = evtpage_notify(p->owner->page, p->owner->efd, port, p->gen);
}

/*
 * A domain's table: every port free.  The array is allocated whole; it is
 * under 64 bytes a port, and calloc leaves the pages of ports never used
 * untouched.
 */
int
evt_domain_init(struct evt_domain *d, uint16_t domid, uint32_t max_ports)
{
	int error;

	if (max_ports < 2 || max_ports > GBX_EVT_MAX_PORTS)
		return (EINVAL);
	*d = (struct evt_domain){ 0 };
	d->domid = domid;
	d->max_ports = max_ports;
	d->gen_next = 1;
	d->port = calloc(max_ports, sizeof(*d->port));
	if (d->port == NULL)
		return (ENOMEM);
	error = ra_init(&d->free, 1, max_ports - 1);
	if (error != 0) {
		free(d->port);
		d->port = NULL;
	}
	return (error);
}

/*
 * Close everything of a dying domain (Xen's evtchn_destroy), whatever
 * still holds it, then free the table.  Bounded by the port limit.
 */
void
evt_domain_destroy(struct evt_domain *d)
{
	uint32_t port;

	if (d->port == NULL)
		return;
	for (port = 1; port < d->max_ports; port++) {
		if (d->port[port].state == EVT_FREE)
			continue;
		d->port[port].refs = 0;
		port_release(d, port, true);
	}
	ra_destroy(&d->free);
	free(d->port);
	d->port = NULL;
}

/*
 * The id a request's remote domain names: Xen maps DOMID_SELF to the caller,
 * and Linux stores the ioctl's 32-bit value in a 16-bit domid_t.
 */
uint16_t
evt_domid_resolve(const struct evt_domain *self, uint32_t domid)
{

	if ((uint16_t)domid == DOMID_SELF)
		return (self->domid);
	return ((uint16_t)domid);
}

/* A handle owns nothing and may bind anywhere until it is restricted. */
void
evt_handle_init(struct evt_handle *h, struct evt_domain *d)
{

	h->dom = d;
	h->restrict_domid = EVT_UNRESTRICTED;
	h->nports = 0;
	TAILQ_INIT(&h->ports);
}

/*
 * Release a closing handle's ports (Linux's evtchn_release), at most
 * budget of them per call so that gntboxd's loop stays bounded.
 */
uint32_t
evt_handle_close(struct evt_handle *h, uint32_t budget)
{
	struct evt_port *p;
	uint32_t done;

	for (done = 0; budget == 0 || done < budget; done++) {
		p = TAILQ_FIRST(&h->ports);
		if (p == NULL)
			break;
		port_release(h->dom, (uint32_t)(p - h->dom->port), false);
	}
	return (done);
}

/*
 * Linux's IOCTL_EVTCHN_RESTRICT_DOMID: one-way; ports bound before stay
 * usable.
 */
int
evt_restrict(struct evt_handle *h, uint32_t domid)
{

	if (h->restrict_domid != EVT_UNRESTRICTED)
		return (EACCES);
	if (domid == 0 || domid >= DOMID_FIRST_RESERVED)
		return (EINVAL);
	h->restrict_domid = (uint16_t)domid;
	return (0);
}

/*
 * Linux refuses unbound ports and virqs on any restricted handle, and
 * interdomain binds to any domain but the one it is restricted to (the
 * comparison is on the ioctl's full 32-bit value).
 */
int
evt_bind_unbound(struct evt_handle *h, uint32_t remote_dom, uint32_t *port,
    uint32_t *gen)
{
	int error;

	if (h->restrict_domid != EVT_UNRESTRICTED)
		return (EACCES);
	error = port_bind_new(h, EVT_UNBOUND, port, gen);
	if (error == 0)
		h->dom->port[*port].remote_domid =
		    evt_domid_resolve(h->dom, remote_dom);
	return (error);
}

/*
 * Xen's evtchn_bind_interdomain: ESRCH, then a local port (ENOSPC), then
 * the remote port's checks (EINVAL), in that order; on an error after the
 * allocation the port is freed again.  Then, as Xen does, the new port is
 * set pending, since events sent to the remote end while it was unbound
 * were dropped.
 */
int
evt_bind_interdomain(struct evt_handle *h, uint32_t remote_dom,
    struct evt_domain *rd, uint32_t rport, uint32_t *port, uint32_t *gen)
{
	struct evt_domain *ld = h->dom;
	struct evt_port *lp, *rp;
	struct evt_target t;
	int error;

	if (h->restrict_domid != EVT_UNRESTRICTED &&
	    h->restrict_domid != remote_dom)
		return (EACCES);
	if (rd == NULL)
		return (ESRCH);
	error = port_alloc(ld, port);
	if (error != 0)
		return (error);
	rp = port_of(rd, rport);
	if (rp == NULL || rp->state != EVT_UNBOUND ||
	    rp->remote_domid != ld->domid) {
		port_free(ld, *port);
		return (EINVAL);
	}
	lp = &ld->port[*port];
	lp->state = EVT_INTERDOMAIN;
	lp->remote = rd;
	lp->remote_port = rport;
	lp->remote_domid = rd->domid;
	rp->state = EVT_INTERDOMAIN;
	rp->remote = ld;
	rp->remote_port = *port;
	rp->remote_domid = ld->domid;
	port_attach(h, *port);
	*gen = lp->gen;
	deliver(ld, *port, &t);
	return (0);
}

/*
 * Xen's evtchn_bind_virq for vcpu 0, with VIRQ_DOM_EXC the only virq that
 * anything raises here.
 */
int
evt_bind_virq(struct evt_handle *h, uint32_t virq, uint32_t *port,
    uint32_t *gen)
{
	int error;

	if (h->restrict_domid != EVT_UNRESTRICTED)
		return (EACCES);
	/* Xen: EINVAL from NR_VIRQS on; here also for virqs nothing raises. */
	if (virq != VIRQ_DOM_EXC)
		return (EINVAL);
	if (h->dom->domid != 0)
		return (EBUSY);
	if (h->dom->virq_dom_exc != 0)
		return (EEXIST);
	error = port_bind_new(h, EVT_VIRQ, port, gen);
	if (error == 0) {
		h->dom->port[*port].virq = virq;
		h->dom->virq_dom_exc = *port;
	}
	return (error);
}

/*
 * Xen's send_guest_global_virq: set the virq's port pending, if it is bound.
 */
void
evt_virq_raise(struct evt_domain *d, uint32_t virq)
{
	struct evt_target t;

	if (virq == VIRQ_DOM_EXC && d->virq_dom_exc != 0)
		deliver(d, d->virq_dom_exc, &t);
}

/*
 * Linux's IOCTL_EVTCHN_UNBIND: EINVAL beyond the channel count, ENOTCONN
 * for a port this handle did not bind (port 0 included).
 */
int
evt_unbind(struct evt_handle *h, uint32_t port)
{
	struct evt_port *p;

	if (port >= h->dom->max_ports)
		return (EINVAL);
	p = port_of(h->dom, port);
	if (p == NULL || p->owner != h)
		return (ENOTCONN);
	port_release(h->dom, port, true);
	return (0);
}

/*
 * Linux's IOCTL_EVTCHN_NOTIFY: ENOTCONN for any port the handle did not
 * bind, even out of range; otherwise the hypercall, whose error Linux
 * ignores.
 */
int
evt_notify(struct evt_handle *h, uint32_t port, struct evt_target *t)
{
	struct evt_port *p;

	*t = (struct evt_target){ 0 };
	p = port_of(h->dom, port);
	if (p == NULL || p->owner != h)
		return (ENOTCONN);
	(void)evt_send(h->dom, port, t);
	return (0);
}

/*
 * Xen's evtchn_send: interdomain delivers to the remote end, unbound drops
 * silently, anything else is EINVAL.
 */
int
evt_send(struct evt_domain *d, uint32_t port, struct evt_target *t)
{
	struct evt_port *p;

	*t = (struct evt_target){ 0 };
	p = port_of(d, port);
	if (p == NULL)
		return (EINVAL);
	switch (p->state) {
	case EVT_INTERDOMAIN:
		deliver(p->remote, p->remote_port, t);
		return (0);
	case EVT_UNBOUND:
		return (0);
	default:
		return (EINVAL);
	}
}

/*
 * Linux's evtchn_get: only ports bound through an event-channel handle of
 * the domain (Linux: made refcounted by /dev/xen/evtchn) can be held.
 */
int
evt_port_get(struct evt_domain *d, uint32_t port)
{
	struct evt_port *p;

	if (port >= d->max_ports)
		return (EINVAL);
	p = port_of(d, port);
	if (p == NULL || (p->owner == NULL && p->refs == 0))
		return (ENOENT);
	if (p->refs >= EVT_NOTIFY_REFS_MAX)
		return (EINVAL);
	p->refs++;
	return (0);
}

/* Linux's evtchn_put: the last reference of an unowned port closes it. */
int
evt_port_put(struct evt_domain *d, uint32_t port)
{
	struct evt_port *p;

	p = port_of(d, port);
	if (p == NULL || p->refs == 0)
		return (EINVAL);
	if (--p->refs == 0 && p->owner == NULL)
		port_close(d, port);
	return (0);
}

const struct evt_port *
evt_port_lookup(const struct evt_domain *d, uint32_t port)
{

	return (port_of(d, port));
}
