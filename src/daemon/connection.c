/*
 * connection.c: the lifecycle every accepted connection shares, whatever
 * it speaks.
 *
 * A listener's accept callback decides whether to take a new socket and
 * of which service (struct conn_ops); conn_new() then makes the
 * connection: its peer's pid (SO_PEERCRED, for the log and the dumps), an
 * id, the service's part, its place in the loop, and the counts (the
 * listener's, the daemon's for --idle-exit, and `connections` in stats).
 * conn_close() undoes all of that in one place: the socket goes at once,
 * then the service releases its part (or queues it for the reaper), the
 * counts drop, and the struct waits in the graveyard until the batch of
 * events is over.  A closed connection frees a descriptor, so listeners
 * paused at the descriptor limit listen again.
 */
#include <sys/socket.h>

#include <stdlib.h>
#include <unistd.h>

#include "base/log.h"
#include "daemon/gntboxd.h"

/* The pid of a socket's peer (SO_PEERCRED), or 0 when unknown. */
static pid_t
peer_pid(int fd)
{
	struct ucred cred;
	socklen_t len;

	len = sizeof(cred);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0)
		return (0);
	return (cred.pid);
}

void
conn_refuse(struct gbxd *g, int fd, const char *path, const char *why)
{

	gbx_warn("%s: %s: connection refused", path, why);
	g->hv.st.conns_dropped++;
	(void)close(fd);
}

struct conn *
conn_new(struct gbxd *g, struct listener *l, int fd, const struct conn_ops *ops)
{
	struct conn *c;

	if ((c = calloc(1, ops->size)) == NULL) {
		(void)close(fd);
		return (NULL);
	}
	c->pid = peer_pid(fd);
	c->g = g;
	c->ops = ops;
	c->l = l;
	c->ev.fd = fd;
	c->ev.fn = ops->event;
	c->id = ++g->next_conn_id;
	if (ops->init(g, c) != 0) {
		(void)close(fd);
		free(c);
		return (NULL);
	}
	if (loop_add(g, &c->ev, ops->events) != 0) {
		ops->close(g, c);
		(void)close(fd);
		free(c);
		return (NULL);
	}
	TAILQ_INSERT_TAIL(&l->conns, c, link);
	l->nopen++;
	g->nconns++;
	g->hv.st.connections++;
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
	gbx_debug("%s %u closed", c->ops->name, c->id);
	loop_bury(g, &c->ev, c);
	listener_resume_all(g);
}
