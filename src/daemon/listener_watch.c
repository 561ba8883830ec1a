/*
 * listener_watch.c: gntboxd's sockets survive the processes of its
 * domains.
 *
 * Every listening socket's file ($GNTBOX_DIR/control, dom/N/device,
 * dom/N/xenstore) can be removed by any process of the user, and a
 * process of a domain meets one of them in its environment:
 * XENSTORED_PATH names its domain's xenstore socket, and C xenstored,
 * run under `gntbox run`, unlinks that path and binds its own socket
 * there.  The listening socket itself would live on, unreachable, and
 * the domain would have no store.
 *
 * So gntboxd watches the directories of its sockets (inotify, one watch
 * per directory) and, when a socket's path no longer holds the socket it
 * bound (it was removed, renamed away or replaced, or its directory
 * went), it listens there again at once: a new socket at the path, made
 * as the first was (listener_relisten), replacing whatever another
 * process put there, the directories made again if need be.  Connections
 * already accepted are not touched, and the replacement is logged.  A
 * client that connected to the other process's socket in between (a few
 * milliseconds) stays that process's.
 *
 * A path is ours when it holds the inode the bind made, so events caused
 * by gntboxd's own unlink and bind change nothing.  A record holds that
 * inode open (O_PATH) rather than remember its number: file systems reuse
 * the number of a removed inode at once, and a socket bound where ours
 * was would otherwise pass for ours.  Each record is found by (watch,
 * name) in a tree: O(log n) per event.
 */
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "base/tree.h"
#include "daemon/gntboxd.h"

#define LW_READS 4 /* event buffers read per turn of the loop */
#define LW_MASK                                                                \
	(IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_CREATE |                 \
	    IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)

/* One watched socket. */
struct lw_rec {
	RB_ENTRY(lw_rec) link;
	int wd;		  /* its directory's watch */
	const char *name; /* its file name, in l->path */
	struct listener *l;
	int opath; /* the inode the bind made (O_PATH), or -1 */
};

RB_HEAD(lw_tree, lw_rec);

/* The watcher: one inotify descriptor in the loop. */
struct lwatch {
	struct ev ev; /* first: the loop hands it back */
	struct lw_tree recs;
	uint32_t nrecs;
};

static int
lw_cmp(const struct lw_rec *a, const struct lw_rec *b)
{

	if (a->wd != b->wd)
		return (a->wd < b->wd ? -1 : 1);
	return (strcmp(a->name, b->name));
}

RB_GENERATE_STATIC_UNUSED(lw_tree, lw_rec, link, lw_cmp)

/* Hold what l's path holds now: the inode of the socket it bound. */
static void
lw_stamp(struct lw_rec *r)
{

	if (r->opath != -1)
		(void)close(r->opath);
	r->opath = open(r->l->path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
}

/* Does the path still hold our socket? */
static bool
lw_intact(const struct lw_rec *r)
{
	struct stat st, ours;

	return (r->opath != -1 && fstat(r->opath, &ours) == 0 &&
	    lstat(r->l->path, &st) == 0 && st.st_dev == ours.st_dev &&
	    st.st_ino == ours.st_ino);
}

static void
lw_free(struct lw_rec *r)
{

	if (r->opath != -1)
		(void)close(r->opath);
	free(r);
}

/* Watch r's directory; r->wd is the watch.  Returns 0 or an errno. */
static int
lw_watch_dir(struct lwatch *w, struct lw_rec *r)
{
	char dir[GBX_PATH_MAX];
	size_t n;

	n = (size_t)(r->name - r->l->path);
	if (n == 0 || n > sizeof(dir))
		return (EINVAL);
	memcpy(dir, r->l->path, n - 1);
	dir[n - 1] = '\0';
	if ((r->wd = inotify_add_watch(w->ev.fd, dir, LW_MASK)) == -1)
		return (errno);
	return (0);
}

static void lw_event(struct gbxd *g, struct ev *ev, uint32_t events);

/* The watcher, made at the first listener. */
static struct lwatch *
lw_get(struct gbxd *g)
{
	struct lwatch *w;

	if (g->lwatch != NULL)
		return (g->lwatch);
	if ((w = calloc(1, sizeof(*w))) == NULL)
		return (NULL);
	RB_INIT(&w->recs);
	w->ev.fn = lw_event;
	if ((w->ev.fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) == -1) {
		free(w);
		return (NULL);
	}
	if (loop_add(g, &w->ev, EPOLLIN) != 0) {
		(void)close(w->ev.fd);
		free(w);
		return (NULL);
	}
	g->lwatch = w;
	return (w);
}

void
listener_watch(struct gbxd *g, struct listener *l)
{
	struct lwatch *w;
	struct lw_rec *r;
	const char *slash;
	int error;

	if ((slash = strrchr(l->path, '/')) == NULL)
		return;
	if ((w = lw_get(g)) == NULL || (r = calloc(1, sizeof(*r))) == NULL) {
		gbx_warn("%s: cannot watch: %s", l->path, strerror(ENOMEM));
		return;
	}
	r->l = l;
	r->name = slash + 1;
	r->opath = -1;
	if ((error = lw_watch_dir(w, r)) != 0 ||
	    RB_INSERT(lw_tree, &w->recs, r) != NULL) {
		gbx_warn("%s: cannot watch: %s", l->path,
		    strerror(error != 0 ? error : EEXIST));
		lw_free(r);
		return;
	}
	lw_stamp(r);
	l->watch = r;
	w->nrecs++;
}

/* Does another record use watch wd? */
static bool
lw_wd_used(struct lwatch *w, int wd)
{
	struct lw_rec key, *r;

	memset(&key, 0, sizeof(key));
	key.wd = wd;
	key.name = "";
	r = RB_NFIND(lw_tree, &w->recs, &key);
	return (r != NULL && r->wd == wd);
}

/* Take r out of the tree; its directory's watch goes with its last. */
static void
lw_remove(struct lwatch *w, struct lw_rec *r, bool rm_watch)
{

	RB_REMOVE(lw_tree, &w->recs, r);
	w->nrecs--;
	if (rm_watch && !lw_wd_used(w, r->wd))
		(void)inotify_rm_watch(w->ev.fd, r->wd);
}

void
listener_unwatch(struct gbxd *g, struct listener *l)
{
	struct lwatch *w = g->lwatch;
	struct lw_rec *r;

	if ((r = l->watch) == NULL || w == NULL)
		return;
	l->watch = NULL;
	lw_remove(w, r, true);
	lw_free(r);
	if (w->nrecs == 0) {
		/* The last listener closed: gntboxd is going, or idle. */
		loop_del(g, &w->ev);
		(void)close(w->ev.fd);
		w->ev.fd = -1;
		loop_bury(g, &w->ev, w);
		g->lwatch = NULL;
	}
}

/* Listen at r's path again and record the new socket; log it. */
static void
lw_restore(struct gbxd *g, struct lw_rec *r)
{
	int error;

	if ((error = listener_relisten(g, r->l)) != 0) {
		gbx_err("%s was removed or replaced, and cannot be made again: "
			"%s",
		    r->l->path, strerror(error));
		return;
	}
	gbx_warn("%s was removed or replaced by another process: listening "
		 "there again (open connections are not affected)",
	    r->l->path);
	lw_stamp(r);
}

/*
 * A watched directory went (removed or renamed): every socket in it is
 * made again, with its directory, and watched anew.
 */
static void
lw_dir_gone(struct gbxd *g, struct lwatch *w, int wd)
{
	struct lw_rec key, *r;

	memset(&key, 0, sizeof(key));
	key.wd = wd;
	key.name = "";
	(void)inotify_rm_watch(w->ev.fd, wd);
	while ((r = RB_NFIND(lw_tree, &w->recs, &key)) != NULL && r->wd == wd) {
		lw_remove(w, r, false);
		lw_restore(g, r);
		if (lw_watch_dir(w, r) != 0 ||
		    RB_INSERT(lw_tree, &w->recs, r) != NULL) {
			gbx_warn("%s: cannot watch again", r->l->path);
			r->l->watch = NULL;
			lw_free(r);
			continue;
		}
		w->nrecs++;
	}
}

/* Something happened to name in watch wd. */
static void
lw_name_event(struct gbxd *g, struct lwatch *w, int wd, const char *name)
{
	struct lw_rec key, *r;

	memset(&key, 0, sizeof(key));
	key.wd = wd;
	key.name = name;
	if ((r = RB_FIND(lw_tree, &w->recs, &key)) != NULL && !lw_intact(r))
		lw_restore(g, r);
}

/* Every socket, after events were lost (queue overflow). */
static void
lw_check_all(struct gbxd *g, struct lwatch *w)
{
	struct lw_rec *r;

	RB_FOREACH(r, lw_tree, &w->recs)
		if (!lw_intact(r))
			lw_restore(g, r);
}

/*
 * The inotify descriptor is readable: handle what it says, at most
 * LW_READS buffers a turn (a process that removes sockets in a loop gets
 * no more of gntboxd than any client; the descriptor stays readable and
 * the loop comes back).
 */
static void
lw_event(struct gbxd *g, struct ev *ev, uint32_t events)
{
	struct lwatch *w = (struct lwatch *)(void *)ev;
	union {
		struct inotify_event e;
		char b[16 * (sizeof(struct inotify_event) + NAME_MAX + 1)];
	} buf;
	const struct inotify_event *e;
	unsigned reads;
	ssize_t n;
	size_t off;

	(void)events;
	for (reads = 0;
	     reads < LW_READS && (n = read(w->ev.fd, &buf, sizeof(buf))) > 0;
	     reads++) {
		for (off = 0; off + sizeof(*e) <= (size_t)n;
		     off += sizeof(*e) + e->len) {
			e = (const struct inotify_event *)(void *)(buf.b + off);
			if ((e->mask & IN_Q_OVERFLOW) != 0)
				lw_check_all(g, w);
			else if ((e->mask & (IN_DELETE_SELF | IN_MOVE_SELF)) !=
			    0)
				lw_dir_gone(g, w, e->wd);
			else if (e->len != 0)
				lw_name_event(g, w, e->wd, e->name);
		}
	}
}
