/*
 * hello.c: HELLO, the first message of every connection, and the process
 * token that a grant-device connection hands over with it.
 *
 * The connection's domain is the socket it came in on; its kind must fit
 * that socket (CONTROL on the control socket, GNTDEV, EVTCHN and PRIVCMD on a
 * device socket).  A GNTDEV connection becomes a client of the hypervisor
 * and gives us one end of a socketpair whose other end its process keeps
 * (close-on-exec): when that end closes, the process has exited or
 * exec'ed, and its mappings are gone, so the client's mapping holds and
 * map objects are released (proto.h, docs/architecture.md §5).  An EVTCHN
 * connection gets an event-channel handle, whose eventfd and event page
 * go with the reply (serve_evtchn.c).  A PRIVCMD connection, one open
 * /dev/xen/privcmd, starts unrestricted (serve_privcmd.c).
 *
 * A connection counts against its socket's pending connections
 * (GBXD_PENDING_PER_SOCK) until its HELLO succeeds, and against the
 * domain's connections (GBXD_CONNS_PER_DOMAIN) afterwards.
 */
#include <sys/epoll.h>
#include <sys/stat.h>

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "daemon/gntboxd.h"
#include "hv/client.h"
#include "hv/domain.h"

/* The token hung up: the process that opened the connection is gone. */
static void
token_event(struct gbxd *g, struct ev *ev, uint32_t events)
{
	struct mconn *c;

	(void)events;
	c = (struct mconn *)(void *)((char *)ev -
	    offsetof(struct mconn, token));
	loop_del(g, ev);
	(void)close(ev->fd);
	ev->fd = -1;
	ev->dead = true;
	gbx_debug("connection %u: process token hung up", c->conn.id);
	mconn_token_hangup(g, c);
}

/* The daemon's parameters, for HELLO and CTL_PING. */
void
gbxd_hello_reply(const struct gbxd *g, unsigned domid,
    struct gbx_hello_reply *hr)
{

	memset(hr, 0, sizeof(*hr));
	hr->version = GBX_PROTO_VERSION;
	hr->domid = (uint16_t)domid;
	hr->max_grants = g->hv.lim.max_grant_frames * GT_PER_FRAME;
	hr->max_ports = g->hv.lim.max_ports;
	hr->count_max = GBX_COUNT_MAX;
	hr->daemon_pid = (uint32_t)getpid();
}

/* Take the token of a GNTDEV HELLO: a socket we can watch for hangup. */
static int
hello_token(struct gbxd *g, struct mconn *c, struct req *r)
{
	struct stat st;

	if (r->nfds != 1 || fstat(r->fds[0], &st) == -1 ||
	    !S_ISSOCK(st.st_mode))
		return (EPROTO);
	c->token.fd = r->fds[0];
	c->token.fn = token_event;
	if (loop_add(g, &c->token, EPOLLRDHUP) != 0) {
		c->token.fd = -1;
		return (ENOMEM);
	}
	r->fds[0] = -1;
	return (0);
}

/* May a connection on l say HELLO of this kind, with its descriptors? */
static bool
hello_kind_ok(const struct listener *l, uint32_t kind, const struct req *r)
{

	switch (kind) {
	case GBX_KIND_CONTROL:
		return (l->control && r->nfds == 0);
	case GBX_KIND_GNTDEV:
		return (!l->control);
	case GBX_KIND_EVTCHN:
	case GBX_KIND_PRIVCMD:
		/* Neither has a process token. */
		return (!l->control && r->nfds == 0);
	default:
		return (false);
	}
}

/*
 * HELLO: the kind must fit the socket; a domain's connection needs its
 * domain alive and a free place among the domain's connections.  A
 * GNTDEV connection becomes a hypervisor client watching its token, an
 * EVTCHN one an event-channel handle.
 */
int
h_hello(struct gbxd *g, struct mconn *c, struct req *r)
{
	struct gbx_hello h;
	struct gbx_hello_reply *hr;
	struct listener *l = c->conn.l;
	struct hv_domain *d;
	int error;

	memcpy(&h, r->body, sizeof(h));
	if (h.version != GBX_PROTO_VERSION)
		return (req_bad(r, "unknown protocol version"));
	if (!hello_kind_ok(l, h.kind, r))
		return (req_bad(r,
		    "kind unknown, not served, or not on this socket"));
	d = NULL;
	if (!l->control &&
	    ((d = hv_domain_find(&g->hv, l->domid)) == NULL ||
		hv_domain_dying(d)))
		return (ESRCH);
	if (l->nhello >= GBXD_CONNS_PER_DOMAIN)
		return (EMFILE);
	if (h.kind == GBX_KIND_GNTDEV) {
		if ((error = hello_token(g, c, r)) != 0) {
			r->why = "the process token must be one socket";
			return (error);
		}
		if ((c->client = hv_client_new(d, (uint32_t)c->conn.pid)) ==
		    NULL) {
			loop_del(g, &c->token);
			(void)close(c->token.fd);
			c->token.fd = -1;
			return (ENOMEM);
		}
	}
	if (h.kind == GBX_KIND_EVTCHN && (error = evtd_open(g, c, d)) != 0)
		return (error == ENOMEM ? ENOMEM : EMFILE);
	if (h.kind == GBX_KIND_PRIVCMD)
		pcmd_hello(c);
	c->kind = h.kind;
	l->nhello++;
	hr = REPLY_BODY(r, struct gbx_hello_reply);
	gbxd_hello_reply(g, l->domid, hr);
	if (c->evt != NULL)
		evtd_hello(c, hr, r);
	return (0);
}
