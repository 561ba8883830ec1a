/*
 * listener.c: listening sockets.
 *
 * A listener accepts a bounded number of connections per turn and hands
 * each new socket to its accept callback, which decides what becomes of
 * it (dispatch.c's for the message sockets, serve_xenstore.c's for the
 * xenstore ones).  When accept runs out of descriptors the listener stops
 * listening, rather than spin on a socket that stays readable, and goes on
 * the one paused list; every connection's close resumes them all.
 *
 * The sockets: $GNTBOX_DIR/control, and for each domain
 * $GNTBOX_DIR/dom/N/device (made here with the domain's directory) and
 * $GNTBOX_DIR/dom/N/xenstore beside it (serve_xenstore.c), created with
 * the domain and removed when it is destroyed or the daemon exits.  A
 * connection's domain is the socket it came in on (docs/architecture.md
 * §2).
 */
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "daemon/gntboxd.h"

/* A listener is readable: accept a bounded number of connections. */
static void
listener_event(struct gbxd *g, struct ev *ev, uint32_t events)
{
	struct listener *l = (struct listener *)(void *)ev;
	int i, fd, error;

	(void)events;
	for (i = 0; i < GBXD_ACCEPTS_PER_TURN && !ev->dead; i++) {
		fd = accept4(ev->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd != -1) {
			l->accept(g, l, fd);
			continue;
		}
		/*
		 * Out of descriptors all the same (the limits keep a
		 * reserve, so something else took them): the spare one
		 * lets us tell the client, instead of leaving it waiting.
		 */
		if ((errno == EMFILE || errno == ENFILE) && g->spare_fd != -1) {
			(void)close(g->spare_fd);
			fd = accept4(ev->fd, NULL, NULL,
			    SOCK_NONBLOCK | SOCK_CLOEXEC);
			error = fd == -1 ? errno : 0;
			if (fd != -1) {
				g->hv.st.limit_refusals++;
				conn_refuse(g, l, fd, EMFILE,
				    "gntboxd is out of descriptors");
			}
			g->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
			if (fd != -1)
				continue;
			if (error == EAGAIN)
				return;
			errno = error;
		}
		/* Out of descriptors: listen again when a connection closes. */
		if ((errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			errno == ENOMEM) &&
		    !l->paused && loop_mod(g, ev, 0) == 0) {
			gbx_warn("accept: %s: pausing %s", strerror(errno),
			    l->path);
			l->paused = true;
			TAILQ_INSERT_TAIL(&g->paused, l, plink);
		}
		return;
	}
}

void
listener_resume_all(struct gbxd *g)
{
	struct listener *l;

	while ((l = TAILQ_FIRST(&g->paused)) != NULL) {
		TAILQ_REMOVE(&g->paused, l, plink);
		l->paused = false;
		(void)loop_mod(g, &l->ev, EPOLLIN);
	}
}

/*
 * A new AF_UNIX socket of the given type listening at path, replacing a
 * stale file there (we hold gntboxd.lock).  Returns 0 with the socket in
 * *fdp, or an errno value with nothing left behind.
 */
static int
listen_at(const char *path, int type, int *fdp)
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

int
listener_open(struct gbxd *g, const char *path, int type, unsigned domid,
    accept_fn *fn, struct listener **lp)
{
	struct listener *l;
	int error;

	if ((l = calloc(1, sizeof(*l))) == NULL)
		return (ENOMEM);
	l->accept = fn;
	l->domid = (uint16_t)domid;
	l->type = type;
	l->ev.fn = listener_event;
	TAILQ_INIT(&l->conns);
	(void)snprintf(l->path, sizeof(l->path), "%s", path);
	if ((error = listen_at(l->path, type, &l->ev.fd)) == 0 &&
	    (error = loop_add(g, &l->ev, EPOLLIN)) != 0) {
		(void)close(l->ev.fd);
		(void)unlink(l->path);
	}
	if (error != 0) {
		gbx_err("cannot listen on %s: %s", path, strerror(error));
		free(l);
		return (error);
	}
	*lp = l;
	return (0);
}

void
listener_close(struct gbxd *g, struct listener *l)
{
	struct conn *c;

	while ((c = TAILQ_FIRST(&l->conns)) != NULL)
		conn_close(g, c);
	loop_del(g, &l->ev);
	(void)close(l->ev.fd);
	(void)unlink(l->path);
	if (l->paused)
		TAILQ_REMOVE(&g->paused, l, plink);
	loop_bury(g, &l->ev, l);
}

int
listen_control(struct gbxd *g)
{
	char path[GBX_PATH_MAX];
	int error;

	if ((error = gbx_path_control(path, sizeof(path))) != 0) {
		gbx_err("cannot listen on the runtime directory: %s",
		    strerror(error));
		return (error);
	}
	if ((error = listener_open(g, path, SOCK_SEQPACKET, 0, mconn_accept,
		 &g->control)) != 0)
		return (error);
	g->control->control = true;
	return (0);
}

/*
 * Make a directory of ours under the (checked) runtime directory, or take
 * back one that exists: a domain's directory may have been left, owned by
 * the user it was bound to, by a daemon that died or by a user who put
 * files in it.  Nobody else can make entries here (the runtime directory
 * is ours alone), so only a directory can be in the way; it is opened
 * without following a link, made ours again and closed to others.
 */
static int
dir_private(const char *path)
{
	struct stat st;
	int fd, error;

	if (mkdir(path, 0700) == 0)
		return (0);
	if (errno != EEXIST)
		return (errno);
	if ((fd = open(path,
		 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) == -1)
		return (errno == ELOOP ? ENOTDIR : errno);
	error = 0;
	if (fstat(fd, &st) == -1 ||
	    ((st.st_uid != geteuid() || st.st_gid != getegid()) &&
		fchown(fd, geteuid(), getegid()) == -1) ||
	    ((st.st_mode & 07777) != 0700 && fchmod(fd, 0700) == -1))
		error = errno;
	(void)close(fd);
	return (error);
}

/* Domain domid's device socket, making $GNTBOX_DIR/dom/N first. */
int
listen_device(struct gbxd *g, unsigned domid)
{
	char dir[GBX_PATH_MAX], path[GBX_PATH_MAX];
	int error;

	if ((error = gbx_path_file(dir, sizeof(dir), "dom")) != 0 ||
	    (error = dir_private(dir)) != 0 ||
	    (error = gbx_path_domain_dir(dir, sizeof(dir), domid)) != 0 ||
	    (error = dir_private(dir)) != 0 ||
	    (error = gbx_path_device(path, sizeof(path), domid)) != 0) {
		gbx_err("cannot listen on the runtime directory: %s",
		    strerror(error));
		return (error);
	}
	return (listener_open(g, path, SOCK_SEQPACKET, domid, mconn_accept,
	    &g->doms[domid]));
}

/*
 * Close domain domid's device socket, then its directory, which is empty
 * unless another part still has a socket in it.
 */
void
unlisten_device(struct gbxd *g, unsigned domid)
{
	char dir[GBX_PATH_MAX];

	if (g->doms[domid] == NULL)
		return;
	listener_close(g, g->doms[domid]);
	g->doms[domid] = NULL;
	if (gbx_path_domain_dir(dir, sizeof(dir), domid) == 0)
		(void)rmdir(dir);
}

/*
 * Remove the sockets a previous gntboxd on this directory left behind
 * when it died, so that no client connects to a dead socket of a domain
 * that does not exist.  Only names we create are touched.
 */
void
listener_clean_stale(struct gbxd *g)
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
