/*
 * listener.c: listening sockets.
 *
 * A listener accepts a bounded number of connections per turn and hands
 * each new socket to its accept callback, which decides what becomes of
 * it (dispatch.c's for the message sockets, serve_xenstore.c's for the
 * xenstore ones).  When accept runs out of descriptors the listener stops
 * listening, rather than spin on a socket that stays readable, and goes on
 * the one paused list; every connection's close resumes them all, and so
 * does a timer (GBXD_RESUME_NSEC) when none closes: a failure of accept
 * that was not ours to end (ENOMEM, another process's descriptors) must
 * not leave a socket deaf for good.
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
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "daemon/gntboxd.h"
#include "hv/domain.h"

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
			timer_arm(&g->resume, 0, GBXD_RESUME_NSEC, false);
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

/*
 * A domain bound to another user (CTL_DOMAIN_CREATE with a uid): its
 * socket is that user's (mode 0700 from our umask), so that the kernel
 * lets that user, and only it and root, connect.  The socket is in a
 * directory that is still ours: nobody can swap it meanwhile.
 */
static int
listener_give(struct gbxd *g, const struct listener *l)
{
	struct hv_domain *d;

	if (l->control || (d = hv_domain_find(&g->hv, l->domid)) == NULL ||
	    d->uid == (uint32_t)geteuid())
		return (0);
	if (lchown(l->path, (uid_t)d->uid, (gid_t)-1) == -1)
		return (errno);
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
	    ((error = listener_give(g, l)) != 0 ||
		(error = loop_add(g, &l->ev, EPOLLIN)) != 0)) {
		(void)close(l->ev.fd);
		(void)unlink(l->path);
	}
	if (error != 0) {
		gbx_err("cannot listen on %s: %s", path, strerror(error));
		free(l);
		return (error);
	}
	listener_watch(g, l);
	*lp = l;
	return (0);
}

void
listener_close(struct gbxd *g, struct listener *l)
{
	struct conn *c;

	listener_unwatch(g, l);
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
 * without following a link, made ours again and given mode (0700, or 0711
 * for dom/ once domains of other users must pass through it).
 */
static int
dir_private(const char *path, mode_t mode)
{
	struct stat st;
	int fd, error;

	if (mkdir(path, 0700) == 0)
		return (mode == 0700 || chmod(path, mode) == 0 ? 0 : errno);
	if (errno != EEXIST)
		return (errno);
	if ((fd = open(path,
		 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) == -1)
		return (errno == ELOOP ? ENOTDIR : errno);
	error = 0;
	if (fstat(fd, &st) == -1 ||
	    ((st.st_uid != geteuid() || st.st_gid != getegid()) &&
		fchown(fd, geteuid(), getegid()) == -1) ||
	    ((st.st_mode & 07777) != mode && fchmod(fd, mode) == -1))
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
	    (error = dir_private(dir, g->shared ? 0711 : 0700)) != 0 ||
	    (error = gbx_path_domain_dir(dir, sizeof(dir), domid)) != 0 ||
	    (error = dir_private(dir, 0700)) != 0 ||
	    (error = gbx_path_device(path, sizeof(path), domid)) != 0) {
		gbx_err("cannot listen on the runtime directory: %s",
		    strerror(error));
		return (error);
	}
	return (listener_open(g, path, SOCK_SEQPACKET, domid, mconn_accept,
	    &g->doms[domid]));
}

/*
 * A new socket at l's path: another process removed or replaced the one
 * we bound (listener_watch.c).  A domain's directory is made again if it
 * went.  A paused listener stays paused.
 */
int
listener_relisten(struct gbxd *g, struct listener *l)
{
	char dir[GBX_PATH_MAX];
	int error, fd;

	fd = -1;
	if (!l->control &&
	    ((error = gbx_path_file(dir, sizeof(dir), "dom")) != 0 ||
		(error = dir_private(dir, g->shared ? 0711 : 0700)) != 0 ||
		(error = gbx_path_domain_dir(dir, sizeof(dir), l->domid)) !=
		    0 ||
		(error = dir_private(dir, 0700)) != 0))
		return (error);
	if ((error = listen_at(l->path, l->type, &fd)) != 0)
		return (error);
	/* A domain of another user: its socket and directory are its own. */
	if ((error = listener_give(g, l)) != 0 ||
	    (!l->control && (error = domain_dir_give(g, l->domid)) != 0)) {
		(void)close(fd);
		return (error);
	}
	loop_del(g, &l->ev);
	(void)close(l->ev.fd);
	l->ev.fd = fd;
	if ((error = loop_add(g, &l->ev, l->paused ? 0 : EPOLLIN)) != 0)
		gbx_err("%s: %s", l->path, strerror(error));
	return (0);
}

/*
 * Give domain domid's directory to its user, once both its sockets are
 * in it (listener_give made them that user's).  The directory is ours
 * until then; it is opened without following a link.
 */
int
domain_dir_give(struct gbxd *g, unsigned domid)
{
	char dir[GBX_PATH_MAX];
	struct hv_domain *d;
	int fd, error;

	if ((d = hv_domain_find(&g->hv, domid)) == NULL ||
	    d->uid == (uint32_t)geteuid())
		return (0);
	if ((error = gbx_path_domain_dir(dir, sizeof(dir), domid)) != 0)
		return (error);
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) ==
	    -1)
		return (errno);
	error = fchown(fd, (uid_t)d->uid, (gid_t)-1) == -1 ? errno : 0;
	(void)close(fd);
	return (error);
}

/* Can uid search (pass through) the directory of st? */
static bool
searchable_by(const struct stat *st, uid_t uid)
{

	if (st->st_uid == uid)
		return ((st->st_mode & S_IXUSR) != 0);
	return ((st->st_mode & S_IXOTH) != 0);
}

/*
 * A domain is being bound to uid: that user must reach its sockets, in
 * $dir/dom/N.  Every directory above $dir must let it pass (EACCES, said
 * in the log, otherwise: we change nothing of theirs); $dir and $dir/dom,
 * ours, become searchable by others (0711: they cannot list them, and the
 * control socket and our files stay 0600 or 0700).
 */
int
rundir_share(struct gbxd *g, uid_t uid)
{
	char buf[GBX_PATH_MAX], dom[GBX_PATH_MAX];
	struct stat st;
	size_t i;

	(void)snprintf(buf, sizeof(buf), "%s", g->dir);
	for (i = strlen(buf); i > 0; i--) {
		if (buf[i] != '/' || i == strlen(g->dir))
			continue;
		buf[i] = '\0';
		if (stat(buf, &st) == -1 || !searchable_by(&st, uid)) {
			gbx_warn("user %u cannot reach %s: %s is not "
				 "searchable by others",
			    (unsigned)uid, g->dir, buf);
			return (EACCES);
		}
	}
	if (stat("/", &st) == -1 || !searchable_by(&st, uid))
		return (EACCES);
	if (gbx_path_file(dom, sizeof(dom), "dom") != 0 ||
	    chmod(g->dir, 0711) == -1 || chmod(dom, 0711) == -1)
		return (errno != 0 ? errno : ENAMETOOLONG);
	g->shared = true;
	return (0);
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
