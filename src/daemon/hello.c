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
 * domain's connections (--max-conns) afterwards.  The token (one
 * descriptor) and an event-channel handle (its eventfd and page) are
 * charged to the domain's descriptors (--max-fds): EMFILE beyond.
 */
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

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

/*
 * What is wrong with fd as a process token, or NULL when nothing is.
 *
 * A token is one end of a socketpair whose other end the process keeps
 * (proto.h): an AF_UNIX stream or seqpacket socket with no name at either
 * end.  Anything else might never hang up while we hold it.  The worst is
 * the client's end of a connection to us (this very connection, or
 * another one): we would then hold both ends of it, never see it close,
 * and keep it, and its descriptors, until its domain died; a client that
 * repeats this exhausts our descriptors (issue 11, defect 2).  Such an end
 * has a named peer (our socket's path) and a peer that is this process:
 * either refuses it.
 */
static const char *
token_bad(int fd)
{
	struct sockaddr_un sa;
	struct ucred cred;
	socklen_t len;
	int v;

	len = sizeof(v);
	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &v, &len) == -1 ||
	    v != AF_UNIX)
		return ("the process token must be an AF_UNIX socket");
	len = sizeof(v);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &len) == -1 ||
	    (v != SOCK_STREAM && v != SOCK_SEQPACKET))
		return ("the process token must be a stream or seqpacket "
			"socket");
	len = sizeof(cred);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1 ||
	    cred.pid == getpid())
		return ("the process token is connected to gntboxd itself");
	len = sizeof(sa);
	if (getsockname(fd, (struct sockaddr *)&sa, &len) == -1 ||
	    len != sizeof(sa_family_t))
		return ("the process token has a name: not a socketpair");
	len = sizeof(sa);
	if (getpeername(fd, (struct sockaddr *)&sa, &len) == -1)
		return ("the process token is not connected");
	if (len != sizeof(sa_family_t))
		return ("the process token's peer has a name: not a "
			"socketpair");
	return (NULL);
}

/*
 * Take the token of a GNTDEV HELLO: a socket we can watch for hangup,
 * charged to the domain, whose process is one of the domain's too
 * (procs.c: usually the connection's own).
 */
static int
hello_token(struct gbxd *g, struct mconn *c, struct req *r)
{
	struct ucred cred;
	struct stat st;
	const char *why;
	socklen_t len;
	int error;

	if (r->nfds != 1 || fstat(r->fds[0], &st) == -1 ||
	    !S_ISSOCK(st.st_mode)) {
		r->why = "the process token must be one socket";
		return (EPROTO);
	}
	if ((why = token_bad(r->fds[0])) != NULL) {
		r->why = why;
		return (EPROTO);
	}
	len = sizeof(cred);
	if (getsockopt(r->fds[0], SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1)
		return (EPROTO);
	if ((error = conn_fds_take(&c->conn, 1)) != 0)
		return (error);
	if (cred.pid != c->conn.pid &&
	    (error = proc_attach(g, c->conn.dom, c->conn.l->domid, cred.pid,
		 cred.uid, r->fds[0], &c->tproc)) != 0) {
		conn_fds_put(&c->conn, 1);
		return (error == EMFILE ? EMFILE : ENOMEM);
	}
	c->token.fd = r->fds[0];
	c->token.fn = token_event;
	if (loop_add(g, &c->token, EPOLLRDHUP) != 0) {
		c->token.fd = -1;
		proc_detach(g, c->tproc);
		c->tproc = NULL;
		conn_fds_put(&c->conn, 1);
		return (ENOMEM);
	}
	c->hfds = 1;
	r->fds[0] = -1;
	return (0);
}

/* Say in the log why a HELLO got EMFILE for the descriptor limit. */
static void
hello_fds_refused(const struct mconn *c)
{

	gbx_warn("%s: pid %d: domain %u is at its descriptor limit "
		 "(--max-fds): EMFILE",
	    c->conn.l->path, (int)c->conn.pid, c->conn.l->domid);
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
	if (l->nhello >= g->max_conns) {
		g->hv.st.limit_refusals++;
		gbx_warn("%s: pid %d: domain %u has --max-conns %u "
			 "connections: EMFILE",
		    l->path, (int)c->conn.pid, l->domid, g->max_conns);
		return (EMFILE);
	}
	if (h.kind == GBX_KIND_GNTDEV) {
		if ((error = hello_token(g, c, r)) != 0) {
			if (error == EMFILE)
				hello_fds_refused(c);
			return (error);
		}
		if ((c->client = hv_client_new(d, (uint32_t)c->conn.pid)) ==
		    NULL) {
			loop_del(g, &c->token);
			(void)close(c->token.fd);
			c->token.fd = -1;
			proc_detach(g, c->tproc);
			c->tproc = NULL;
			conn_fds_put(&c->conn, c->hfds);
			c->hfds = 0;
			return (ENOMEM);
		}
	}
	if (h.kind == GBX_KIND_EVTCHN) {
		/* The handle's eventfd and event page. */
		if ((error = conn_fds_take(&c->conn, 2)) != 0) {
			hello_fds_refused(c);
			return (error);
		}
		if ((error = evtd_open(g, c, d)) != 0) {
			conn_fds_put(&c->conn, 2);
			return (error == ENOMEM ? ENOMEM : EMFILE);
		}
		c->hfds = 2;
	}
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
