/*
 * listener.c: the listening sockets: $GNTBOX_DIR/control and one
 * $GNTBOX_DIR/dom/N/device per domain, created with the domain and removed
 * when it is destroyed or the daemon exits.  A connection's domain is the
 * socket it came in on (docs/architecture.md §2).  Each domain's xenstore
 * socket sits beside its device socket; serve_xenstore.c owns it.
 */
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "daemon/gntboxd.h"

/*
 * A listener is readable: accept a bounded number of connections.
 */
static void
dsock_event(struct gbxd *g, struct ev *ev, uint32_t events)
{
	struct dsock *ds = (struct dsock *)ev;
	int i, fd;

	(void)events;
	for (i = 0; i < GBXD_ACCEPTS_PER_TURN && !ev->dead; i++) {
		fd = accept4(ev->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM) {
				/*
				 * Out of descriptors: stop listening until a
				 * connection closes, rather than spin on a
				 * socket that stays readable.
				 */
				gbx_warn("accept: %s: pausing %s",
				    strerror(errno), ds->path);
				if (!ds->paused && loop_mod(g, ev, 0) == 0) {
					ds->paused = true;
					TAILQ_INSERT_TAIL(&g->paused, ds,
					    plink);
				}
			}
			return;
		}
		conn_accept(g, ds, fd);
	}
}

/*
 * A connection closed: listeners paused for lack of descriptors listen
 * again, the xenstore ones included.
 */
void
dsock_resume_all(struct gbxd *g)
{
	struct dsock *ds;

	while ((ds = TAILQ_FIRST(&g->paused)) != NULL) {
		TAILQ_REMOVE(&g->paused, ds, plink);
		ds->paused = false;
		(void)loop_mod(g, &ds->ev, EPOLLIN);
	}
	xsd_resume(g);
}

/* mkdir that accepts an existing directory. */
static int
mkdir_ok(const char *path)
{

	if (mkdir(path, 0700) == -1 && errno != EEXIST)
		return (errno);
	return (0);
}

/*
 * Listen on a new AF_UNIX socket of the given type at path, replacing a
 * stale file there (we hold gntboxd.lock).  Returns 0 with the socket in
 * *fdp, or an errno value with nothing left behind.
 */
int
dsock_listen(const char *path, int type, int *fdp)
{
	struct sockaddr_un sun;
	int error, fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path))
		return (ENAMETOOLONG);
	memcpy(sun.sun_path, path, strlen(path));
	(void)unlink(path);
	if ((fd = socket(AF_UNIX, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) ==
	    -1)
		return (errno);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    listen(fd, SOMAXCONN) == -1) {
		error = errno;
		(void)close(fd);
		(void)unlink(path);
		return (error);
	}
	*fdp = fd;
	return (0);
}

/*
 * Create and listen on the control socket or domain domid's device
 * socket (making $GNTBOX_DIR/dom/N first).
 */
int
dsock_open(struct gbxd *g, bool control, unsigned domid)
{
	struct dsock *ds;
	char dir[GBX_PATH_MAX];
	int error;

	if ((ds = calloc(1, sizeof(*ds))) == NULL)
		return (ENOMEM);
	ds->control = control;
	ds->domid = (uint16_t)domid;
	ds->ev.fd = -1;
	ds->ev.fn = dsock_event;
	TAILQ_INIT(&ds->conns);
	if (control) {
		error = gbx_path_control(ds->path, sizeof(ds->path));
	} else {
		if ((error = gbx_path_file(dir, sizeof(dir), "dom")) != 0 ||
		    (error = mkdir_ok(dir)) != 0 ||
		    (error = gbx_path_domain_dir(dir, sizeof(dir), domid)) !=
			0 ||
		    (error = mkdir_ok(dir)) != 0)
			goto fail;
		error = gbx_path_device(ds->path, sizeof(ds->path), domid);
	}
	if (error != 0 ||
	    (error = dsock_listen(ds->path, SOCK_SEQPACKET, &ds->ev.fd)) != 0 ||
	    (error = loop_add(g, &ds->ev, EPOLLIN)) != 0)
		goto fail;
	if (control)
		g->control = ds;
	else
		g->doms[domid] = ds;
	return (0);
fail:
	gbx_err("cannot listen on %s: %s",
	    ds->path[0] != '\0' ? ds->path : "the runtime directory",
	    strerror(error));
	if (ds->ev.fd != -1) {
		(void)close(ds->ev.fd);
		(void)unlink(ds->path);
	}
	free(ds);
	return (error);
}

/*
 * Close a listener: every connection accepted on it, then the socket and
 * its file (and a domain's directory, once empty).
 */
void
dsock_close(struct gbxd *g, struct dsock *ds)
{
	struct conn *c;
	char dir[GBX_PATH_MAX];

	while ((c = TAILQ_FIRST(&ds->conns)) != NULL)
		conn_close(g, c);
	loop_del(g, &ds->ev);
	(void)close(ds->ev.fd);
	ds->ev.dead = true;
	(void)unlink(ds->path);
	if (ds->paused)
		TAILQ_REMOVE(&g->paused, ds, plink);
	if (ds->control) {
		g->control = NULL;
	} else {
		g->doms[ds->domid] = NULL;
		/* Fails while another part still has a socket in it. */
		if (gbx_path_domain_dir(dir, sizeof(dir), ds->domid) == 0)
			(void)rmdir(dir);
	}
	TAILQ_INSERT_TAIL(&g->dsock_grave, ds, glink);
}

/*
 * Remove the device sockets a previous gntboxd on this directory left
 * behind when it died, so that no client connects to a dead socket of a
 * domain that does not exist.  Only names we create are touched.
 */
void
dsock_clean_stale(struct gbxd *g)
{
	char dir[GBX_PATH_MAX], path[GBX_PATH_MAX];
	struct dirent *de;
	DIR *d;
	char *end;
	unsigned long id;

	(void)g;
	if (gbx_path_file(dir, sizeof(dir), "dom") != 0 ||
	    (d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		id = strtoul(de->d_name, &end, 10);
		if (de->d_name[0] < '0' || de->d_name[0] > '9' ||
		    *end != '\0' || id > GBX_DOMID_MAX)
			continue;
		if (gbx_path_device(path, sizeof(path), (unsigned)id) == 0)
			(void)unlink(path);
		if (gbx_path_xenstore(path, sizeof(path), (unsigned)id) == 0)
			(void)unlink(path);
		if (gbx_path_domain_dir(path, sizeof(path), (unsigned)id) == 0)
			(void)rmdir(path);
	}
	(void)closedir(d);
}
