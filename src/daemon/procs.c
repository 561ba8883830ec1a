/*
 * procs.c: the processes of each domain, which a destroy kills (issue 11,
 * defect 5; docs/security.md, "Destroy").
 *
 * Xen stops a destroyed domain's vCPUs; here a domain's "vCPUs" are its
 * processes, and gntboxd knows them only by their connections: every
 * accepted connection names its process (SO_PEERCRED), and so does every
 * process token.  One record per (domain, process) counts the connections
 * and tokens that name it, in one tree ordered by domain then pid, so a
 * destroy finds the domain's processes in O(log n + k).  In a domain other
 * than 0 the record holds a pidfd, taken when the process first connects
 * (from SO_PEERPIDFD where the kernel has it, else pidfd_open of the pid
 * that the kernel gave us), so that a kill can never reach another
 * process that got the pid after this one exited.  The pidfd counts
 * against the domain's descriptors.
 *
 * Not killed: a process that also has a connection to domain 0 or to the
 * control socket.  It is a toolstack or a test acting for domain 0 (the
 * `gntbox destroy` that asks is one), and only domain 0's user or root
 * can make such connections (docs/security.md says why that is safe).
 * Not reached at all: a process of the domain that holds no connection,
 * for instance one that closed its devices, or a child that shares its
 * parent's connections without one of its own.  Such a process may keep
 * arena descriptors; the arenas it could reach retire with the domain
 * (hv/arena.h: arena_retire_grantee), so that no page of theirs is ever
 * granted again.
 */
#include <sys/socket.h>
#include <sys/syscall.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "daemon/gntboxd.h"
#include "hv/domain.h"

#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77 /* Linux 6.5 */
#endif

struct gproc {
	RB_ENTRY(gproc) link;
	unsigned domid; /* or GBXD_PROC_CONTROL */
	pid_t pid;
	uid_t uid;
	int pidfd;	       /* -1: none (domain 0, control, or gone) */
	struct hv_domain *dom; /* charged for the pidfd */
	uint32_t n;	       /* connections and tokens naming it */
	bool intree;	       /* in g->procs (procs_forget takes it out) */
};

static int
gproc_cmp(const struct gproc *a, const struct gproc *b)
{

	if (a->domid != b->domid)
		return (a->domid < b->domid ? -1 : 1);
	if (a->pid != b->pid)
		return (a->pid < b->pid ? -1 : 1);
	return (0);
}

RB_GENERATE_STATIC_UNUSED(gproc_tree, gproc, link, gproc_cmp)

static struct gproc *
proc_find(struct gbxd *g, unsigned domid, pid_t pid)
{
	struct gproc key;

	key.domid = domid;
	key.pid = pid;
	return (RB_FIND(gproc_tree, &g->procs, &key));
}

/* Has the process of this pidfd exited (a pidfd polls readable then)? */
static bool
pidfd_exited(int pidfd)
{
	struct pollfd p = { .fd = pidfd, .events = POLLIN };

	return (poll(&p, 1, 0) == 1);
}

/*
 * A pidfd for the peer of sock, whose pid the kernel told us: the
 * kernel's own (SO_PEERPIDFD) where it has one, else pidfd_open().  -1
 * when the process has gone already (nothing to kill) or pidfds are not
 * available; errno EMFILE when we are out of descriptors.
 */
static int
peer_pidfd(int sock, pid_t pid)
{
	socklen_t len;
	int fd;

	len = sizeof(fd);
	if (getsockopt(sock, SOL_SOCKET, SO_PEERPIDFD, &fd, &len) == 0 &&
	    len == sizeof(fd) && fd >= 0) {
		(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
		return (fd);
	}
	return ((int)syscall(SYS_pidfd_open, pid, 0));
}

/* Give a record's pidfd back. */
static void
proc_drop_pidfd(struct gbxd *g, struct gproc *p)
{

	if (p->pidfd == -1)
		return;
	(void)close(p->pidfd);
	p->pidfd = -1;
	hv_fds_put(&g->hv, p->dom, 1);
}

/*
 * Take a pidfd for p, charged to its domain.  A pid whose process has
 * gone (ESRCH) is left without one: there is nothing to kill.
 */
static int
proc_take_pidfd(struct gbxd *g, struct gproc *p, int sock)
{
	int error;

	if ((error = hv_fds_take(&g->hv, p->dom, 1)) != 0)
		return (error);
	if ((p->pidfd = peer_pidfd(sock, p->pid)) == -1) {
		error = errno;
		hv_fds_put(&g->hv, p->dom, 1);
		if (error == EMFILE || error == ENFILE)
			return (EMFILE);
	}
	return (0);
}

int
proc_attach(struct gbxd *g, struct hv_domain *d, unsigned domid, pid_t pid,
    uid_t uid, int sock, struct gproc **pp)
{
	struct gproc *p;
	bool killable;
	int error;

	killable = domid != 0 && domid != GBXD_PROC_CONTROL && pid > 0;
	if ((p = proc_find(g, domid, pid)) != NULL) {
		/*
		 * The record's process exited while connections it left
		 * (inherited by a child) stay open, and its pid is another
		 * process's now: the live one is the one to kill.
		 */
		if (killable && (p->pidfd == -1 || pidfd_exited(p->pidfd))) {
			proc_drop_pidfd(g, p);
			if ((error = proc_take_pidfd(g, p, sock)) != 0)
				return (error);
			p->uid = uid;
		}
		p->n++;
		*pp = p;
		return (0);
	}
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return (ENOMEM);
	p->domid = domid;
	p->pid = pid;
	p->uid = uid;
	p->dom = d;
	p->pidfd = -1;
	p->n = 1;
	if (killable && (error = proc_take_pidfd(g, p, sock)) != 0) {
		free(p);
		return (error);
	}
	RB_INSERT(gproc_tree, &g->procs, p);
	p->intree = true;
	*pp = p;
	return (0);
}

/*
 * The number after "Name:" in a /proc file of key-value lines, or -1
 * (absent, or not a number).
 */
static long
proc_field(const char *path, const char *name)
{
	char line[128], *end;
	size_t len;
	long v;
	FILE *f;

	if ((f = fopen(path, "re")) == NULL)
		return (-1);
	len = strlen(name);
	v = -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, name, len) != 0)
			continue;
		errno = 0;
		v = strtol(line + len, &end, 10);
		if (errno != 0 || end == line + len ||
		    (*end != '\n' && *end != '\t' && *end != '\0'))
			v = -1;
		break;
	}
	(void)fclose(f);
	return (v);
}

/*
 * The pid of the process a pidfd names (its fdinfo's "Pid:" line), 0 when
 * it has exited, -1 when fd is not a pidfd.
 */
static pid_t
pidfd_pid(int fd)
{
	char path[64], link[64];
	ssize_t n;
	long pid;

	(void)snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if ((n = readlink(path, link, sizeof(link) - 1)) <= 0)
		return (-1);
	link[n] = '\0';
	if (strstr(link, "pidfd") == NULL)
		return (-1);
	(void)snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	/* "Pid:\t-1" once the process has exited. */
	pid = proc_field(path, "Pid:\t");
	return (pid <= 0 ? 0 : (pid_t)pid);
}

/* The real uid of pid, for the listing (-1 when it cannot be read). */
static uid_t
pid_uid(pid_t pid)
{
	char path[64];
	long uid;

	(void)snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	uid = proc_field(path, "Uid:\t");
	return (uid < 0 ? (uid_t)-1 : (uid_t)uid);
}

int
proc_join(struct gbxd *g, struct hv_domain *d, int pidfd, struct gproc **pp)
{
	struct gproc *p;
	pid_t pid;
	int error;

	if ((pid = pidfd_pid(pidfd)) == -1)
		return (EINVAL);
	if (pid == 0 || pidfd_exited(pidfd))
		return (ESRCH);
	if ((error = hv_fds_take(&g->hv, d, 1)) != 0)
		return (error);
	if ((p = proc_find(g, d->domid, pid)) == NULL) {
		if ((p = calloc(1, sizeof(*p))) == NULL) {
			hv_fds_put(&g->hv, d, 1);
			return (ENOMEM);
		}
		p->domid = d->domid;
		p->pid = pid;
		p->dom = d;
		p->pidfd = -1;
		RB_INSERT(gproc_tree, &g->procs, p);
		p->intree = true;
	}
	/* The caller's pidfd names the live process: it replaces any. */
	proc_drop_pidfd(g, p);
	p->pidfd = pidfd;
	p->uid = pid_uid(pid);
	p->n++;
	*pp = p;
	return (0);
}

void
proc_detach(struct gbxd *g, struct gproc *p)
{

	if (p == NULL || --p->n != 0)
		return;
	if (p->intree)
		RB_REMOVE(gproc_tree, &g->procs, p);
	proc_drop_pidfd(g, p);
	free(p);
}

/*
 * Domain domid is being destroyed (after procs_kill): its records give
 * their pidfds back now, while the domain they are charged to exists, and
 * leave the tree, so that a domain created later with this id starts
 * afresh.  Connections and tokens that still name a record (a `gntbox
 * run` that joined its command) free it when they close.
 */
void
procs_forget(struct gbxd *g, unsigned domid)
{
	struct gproc key, *p, *next;

	key.domid = domid;
	key.pid = 0;
	for (p = RB_NFIND(gproc_tree, &g->procs, &key);
	     p != NULL && p->domid == domid; p = next) {
		next = RB_NEXT(gproc_tree, &g->procs, p);
		proc_drop_pidfd(g, p);
		RB_REMOVE(gproc_tree, &g->procs, p);
		p->intree = false;
		p->dom = NULL;
	}
}

/* The command name of pid, for the listing ("?" when it cannot be read). */
static void
proc_comm(pid_t pid, char *buf, size_t len)
{
	char path[64];
	ssize_t n;
	int fd;

	(void)snprintf(buf, len, "?");
	(void)snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return;
	if ((n = read(fd, buf, len - 1)) > 0) {
		buf[n] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
	}
	(void)close(fd);
}

unsigned
procs_kill(struct gbxd *g, unsigned domid,
    void (*fn)(void *arg, const struct gbx_proc_rec *rec), void *arg)
{
	struct gbx_proc_rec rec;
	struct gproc key, *p;
	unsigned killed;

	killed = 0;
	key.domid = domid;
	key.pid = 0;
	for (p = RB_NFIND(gproc_tree, &g->procs, &key);
	     p != NULL && p->domid == domid;
	     p = RB_NEXT(gproc_tree, &g->procs, p)) {
		if (p->pidfd == -1 || pidfd_exited(p->pidfd) ||
		    proc_find(g, 0, p->pid) != NULL ||
		    proc_find(g, GBXD_PROC_CONTROL, p->pid) != NULL)
			continue;
		memset(&rec, 0, sizeof(rec));
		rec.pid = (uint32_t)p->pid;
		/* Who it is now (run's command changes user after joining). */
		if ((rec.uid = (uint32_t)pid_uid(p->pid)) == (uint32_t)-1)
			rec.uid = (uint32_t)p->uid;
		rec.domid = (uint16_t)domid;
		proc_comm(p->pid, rec.comm, sizeof(rec.comm));
		if (syscall(SYS_pidfd_send_signal, p->pidfd, SIGKILL, NULL,
			0) == 0) {
			killed++;
			gbx_info("domain %u destroyed: killed pid %d (%s)",
			    domid, (int)p->pid, rec.comm);
		} else {
			rec.error = errno;
			if (rec.error == ESRCH)
				continue; /* it has just exited */
			gbx_warn("domain %u destroyed: cannot kill pid %d "
				 "(%s): %s",
			    domid, (int)p->pid, rec.comm, strerror(rec.error));
		}
		if (fn != NULL)
			fn(arg, &rec);
	}
	return (killed);
}

/* At exit every connection is closed already: nothing should be left. */
void
procs_fini(struct gbxd *g)
{
	struct gproc *p;

	while ((p = RB_MIN(gproc_tree, &g->procs)) != NULL) {
		RB_REMOVE(gproc_tree, &g->procs, p);
		p->intree = false;
		proc_drop_pidfd(g, p);
		free(p);
	}
}
