/*
 * hello.c: HELLO, the first message of every connection, and the process
 * token that a grant-device connection hands over with it.
 *
 * The connection's domain is the socket it came in on; its kind must fit
 * that socket (CONTROL on the control socket, GNTDEV and EVTCHN on a
 * device socket).  A GNTDEV connection becomes a client of the hypervisor
 * and gives us one end of a socketpair whose other end its process keeps
 * (close-on-exec): when that end closes, the process has exited or
 * exec'ed, and its mappings are gone, so the client's mapping holds and
 * map objects are released (proto.h, docs/architecture.md §5).  An EVTCHN
 * connection gets an event-channel handle, whose eventfd and event page
 * go with the reply (serve_evtchn.c).
 */
#include <sys/epoll.h>
#include <sys/stat.h>

#include <errno.h>
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
	struct conn *c;

	(void)events;
	c = (struct conn *)(void *)((char *)ev - offsetof(struct conn, token));
	loop_del(g, ev);
	(void)close(ev->fd);
	ev->fd = -1;
	ev->dead = true;
	gbx_debug("connection %u: process token hung up", c->id);
	conn_token_hangup(g, c);
}

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
hello_token(struct gbxd *g, struct conn *c, struct req *r)
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

void
h_hello(struct gbxd *g, struct conn *c, struct req *r)
{
	struct gbx_hello h;
	struct gbx_hello_reply hr;
	struct hv_domain *d;
	struct dsock *ds = c->ds;
	int error, fds[2];
	unsigned nfds;

	memcpy(&h, r->body, sizeof(h));
	if (h.version != GBX_PROTO_VERSION) {
		r->why = "unknown protocol version";
		conn_fail(g, c, r, EPROTO);
		return;
	}
	switch (h.kind) {
	case GBX_KIND_CONTROL:
		error = ds->control && r->nfds == 0 ? 0 : EPROTO;
		break;
	case GBX_KIND_GNTDEV:
		error = ds->control ? EPROTO : 0;
		break;
	case GBX_KIND_EVTCHN:
		/* An event-channel handle has no process token. */
		error = ds->control || r->nfds != 0 ? EPROTO : 0;
		break;
	default:
		error = EPROTO;
		break;
	}
	if (error != 0) {
		r->why = "kind unknown, not served, or not on this socket";
		conn_fail(g, c, r, error);
		return;
	}
	d = NULL;
	if (!ds->control &&
	    ((d = hv_domain_find(&g->hv, ds->domid)) == NULL ||
		hv_domain_dying(d))) {
		conn_fail(g, c, r, ESRCH);
		return;
	}
	if (ds->nhello >= GBXD_CONNS_PER_DOMAIN) {
		conn_fail(g, c, r, EMFILE);
		return;
	}
	if (h.kind == GBX_KIND_GNTDEV) {
		if ((error = hello_token(g, c, r)) != 0) {
			r->why = "the process token must be one socket";
			conn_fail(g, c, r, error);
			return;
		}
		if ((c->client = hv_client_new(d, (uint32_t)c->pid)) == NULL) {
			loop_del(g, &c->token);
			(void)close(c->token.fd);
			c->token.fd = -1;
			conn_fail(g, c, r, ENOMEM);
			return;
		}
	}
	if (h.kind == GBX_KIND_EVTCHN && (error = evtd_open(c, d)) != 0) {
		conn_fail(g, c, r, error == ENOMEM ? ENOMEM : EMFILE);
		return;
	}
	c->kind = h.kind;
	ds->npending--;
	ds->nhello++;
	gbxd_hello_reply(g, ds->domid, &hr);
	nfds = 0;
	if (c->evt != NULL)
		evtd_hello(c, &hr, fds, &nfds);
	(void)conn_reply(c, r, 0, &hr, sizeof(hr), NULL, 0, fds, nfds);
}
