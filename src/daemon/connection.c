/*
 * connection.c: the lifecycle every accepted connection shares, whatever
 * it speaks.
 *
 * A listener's accept callback decides whether to take a new socket and
 * of which service (struct conn_ops); conn_new() then makes the
 * connection: its peer's credentials (SO_PEERCRED: a uid other than the
 * domain's user or root is refused; the pid is for the log, the dumps
 * and procs.c), its descriptor charged to its domain (--max-fds), an id,
 * the service's part, its place in the loop, and the counts (the
 * listener's, the daemon's for --idle-exit, `connections` in stats, and
 * the domain's, which keeps a dying domain until its last connection has
 * given its descriptors back).  A refused connection is told why at once
 * (conn_refuse), never left without an answer.
 * conn_close() undoes all of that in one place: the socket goes at once,
 * then the service releases its part (or queues it for the reaper), the
 * counts drop, and the struct waits in the graveyard until the batch of
 * events is over.  A closed connection frees a descriptor, so listeners
 * paused at the descriptor limit listen again.
 */
#include <sys/socket.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xen/io/xs_wire.h>

#include "base/log.h"
#include "daemon/gntboxd.h"
#include "hv/domain.h"
#include "proto/msg.h"

/* The credentials of a socket's peer (SO_PEERCRED); pid 0 when unknown. */
static void
peer_cred(int fd, struct ucred *cred)
{
	socklen_t len;

	len = sizeof(*cred);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, cred, &len) != 0) {
		cred->pid = 0;
		cred->uid = (uid_t)-1;
		cred->gid = (gid_t)-1;
	}
}

/*
 * Tell a refused client why, once, without waiting for it: a HELLO reply
 * of seq 0 on a message socket (the client reads it as the answer to its
 * HELLO, proto.h), an XS_ERROR with the errno's name on a xenstore socket
 * (libxenstore reads it as the answer to its first request).  The socket
 * is new and empty: the write cannot block.
 */
static void
refuse_tell(const struct listener *l, int fd, int error)
{
	struct xsd_sockmsg xh;
	struct gbx_hdr h;
	const char *name;
	char buf[sizeof(xh) + 16];

	if (l->type == SOCK_SEQPACKET) {
		memset(&h, 0, sizeof(h));
		h.type = GBX_HELLO;
		h.error = error;
		(void)gbx_msg_send(fd, &h, NULL, 0, NULL, 0, NULL, 0);
		return;
	}
	name = error == EACCES ? "EACCES" :
	    error == EAGAIN    ? "EAGAIN" :
				 "EMFILE";
	memset(&xh, 0, sizeof(xh));
	xh.type = XS_ERROR;
	xh.len = (uint32_t)strlen(name) + 1;
	memcpy(buf, &xh, sizeof(xh));
	memcpy(buf + sizeof(xh), name, xh.len);
	(void)send(fd, buf, sizeof(xh) + xh.len, MSG_NOSIGNAL | MSG_DONTWAIT);
}

void
conn_refuse(struct gbxd *g, struct listener *l, int fd, int error,
    const char *why)
{
	char buf[256];
	int i;

	gbx_warn("%s: %s: connection refused (%s)", l->path, why,
	    strerror(error));
	g->hv.st.conns_dropped++;
	refuse_tell(l, fd, error);
	/*
	 * Closing with unread input makes the client's next receive fail
	 * with ECONNRESET before it reads our answer: read what came
	 * already (a bounded amount; the client copes with the rest).
	 */
	for (i = 0; i < 4 && recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0; i++)
		;
	(void)close(fd);
}

int
conn_fds_take(struct conn *c, unsigned n)
{

	return (hv_fds_take(&c->g->hv, c->dom, n));
}

void
conn_fds_put(struct conn *c, unsigned n)
{

	hv_fds_put(&c->g->hv, c->dom, n);
}

/*
 * May a process of uid connect to domain d's sockets (NULL: the
 * control socket)?  A domain's sockets are its user's
 * (docs/security.md, "Users as a boundary") and the control socket is
 * gntboxd's user's; root may use any.  The directories and the sockets'
 * modes say the same; this holds even if they were changed.
 */
static bool
conn_uid_ok(const struct hv_domain *d, uid_t uid)
{

	if (uid == 0)
		return (true);
	return (uid == (d != NULL ? (uid_t)d->uid : geteuid()));
}

/*
 * Check the peer (its uid), charge its descriptor to its domain and note
 * its process, then make the connection.  Whatever is refused is told
 * so (conn_refuse).
 */
struct conn *
conn_new(struct gbxd *g, struct listener *l, int fd, const struct conn_ops *ops)
{
	struct hv_domain *d;
	struct ucred cred;
	struct conn *c;
	char why[160];
	int error;

	d = l->control ? NULL : hv_domain_find(&g->hv, l->domid);
	peer_cred(fd, &cred);
	if (!conn_uid_ok(d, cred.uid)) {
		(void)snprintf(why, sizeof(why),
		    "pid %d of uid %u: the socket belongs to uid %u",
		    (int)cred.pid, (unsigned)cred.uid,
		    d != NULL ? (unsigned)d->uid : (unsigned)geteuid());
		conn_refuse(g, l, fd, EACCES, why);
		return (NULL);
	}
	if ((c = calloc(1, ops->size)) == NULL) {
		(void)close(fd);
		return (NULL);
	}
	c->pid = cred.pid;
	c->uid = cred.uid;
	c->g = g;
	c->ops = ops;
	c->l = l;
	c->dom = d;
	c->ev.fd = fd;
	c->ev.fn = ops->event;
	c->id = ++g->next_conn_id;
	if ((error = conn_fds_take(c, 1)) == 0 &&
	    (error =
		    proc_attach(g, d, l->control ? GBXD_PROC_CONTROL : l->domid,
			cred.pid, cred.uid, fd, &c->proc)) != 0)
		conn_fds_put(c, 1);
	if (error != 0) {
		free(c);
		(void)snprintf(why, sizeof(why),
		    "%s is at its descriptor limit (--max-fds)",
		    d != NULL ? "the domain" : "gntboxd");
		conn_refuse(g, l, fd, error == EMFILE ? EMFILE : ENOMEM, why);
		return (NULL);
	}
	if (ops->init(g, c) != 0) {
		proc_detach(g, c->proc);
		conn_fds_put(c, 1);
		(void)close(fd);
		free(c);
		return (NULL);
	}
	if (loop_add(g, &c->ev, ops->events) != 0) {
		ops->close(g, c);
		proc_detach(g, c->proc);
		conn_fds_put(c, 1);
		(void)close(fd);
		free(c);
		return (NULL);
	}
	TAILQ_INSERT_TAIL(&l->conns, c, link);
	l->nopen++;
	g->nconns++;
	g->hv.st.connections++;
	if (d != NULL)
		d->nconns++;
	gbx_debug("%s %u from pid %d on %s", ops->name, c->id, (int)c->pid,
	    l->path);
	return (c);
}

void
conn_close(struct gbxd *g, struct conn *c)
{

	if (c->ev.dead)
		return;
	loop_del(g, &c->ev);
	(void)close(c->ev.fd);
	/* Dead first: the service's release must not come back to it. */
	c->ev.dead = true;
	c->ops->close(g, c);
	TAILQ_REMOVE(&c->l->conns, c, link);
	c->l->nopen--;
	g->nconns--;
	g->hv.st.connections--;
	proc_detach(g, c->proc);
	c->proc = NULL;
	conn_fds_put(c, 1);
	gbx_debug("%s %u closed", c->ops->name, c->id);
	loop_bury(g, &c->ev, c);
	/* Last: a dying domain may go with its last connection. */
	if (c->dom != NULL) {
		c->dom->nconns--;
		(void)hv_domain_gc(c->dom);
		c->dom = NULL;
	}
	listener_resume_all(g);
}
