/*
 * Users as a boundary (issue 11; docs/security.md, "Users as a
 * boundary"): domain 1 belongs to nobody, domain 2 to daemon (Debian's
 * system users, so the test creates and removes none; it runs as root, as
 * make check does in CI).  A process of domain 1 tries every crossing
 * into domain 2 and each is refused:
 *
 * - connecting to domain 2's sockets (and to domain 0's and the control
 *   socket): the kernel refuses, they are another user's, mode 0700;
 * - the same after root opened their modes by mistake: gntboxd refuses
 *   (SO_PEERCRED), with EACCES in HELLO and an XS_ERROR EACCES;
 * - reopening domain 2's arena through /proc/PID/fd, or ptrace and
 *   process_vm_readv of domain 2's process: the kernel refuses (another
 *   user's process), while the same works on a process of one's own user;
 * - reopening writable the read-only arena domain 2 granted: refused (the
 *   arena is gntboxd's, mode 0644);
 * - mapping a grant domain 2 did not make to domain 1, or writable one it
 *   granted read-only; binding a port domain 2 did not offer to domain 1.
 *
 * What was granted works across users: the read-only and the writable
 * page, and the offered port.  Root may connect to any domain's sockets.
 */
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xen/grant_table.h>

#include "base/paths.h"
#include "check.h"
#include "client/link.h"
#include "harness.h"
#include "lib/ctl.h"
#include "xswire.h"

/* What domain 2's process tells domain 1's. */
struct info {
	pid_t pid;
	uint32_t ref_ro, ref_rw, ref_3; /* to 1 read-only, writable; to 3 */
	uint32_t port_1, port_3;	/* unbound for domain 1, for 3 */
	int arena_fd;			/* its descriptor of an arena */
};

struct kid {
	struct th_chan ch; /* end 1: the kid */
	uid_t uid;
	gid_t gid;
};

static struct kid a, b; /* a: domain 1 (nobody), b: domain 2 (daemon) */

/* Become uid for good, as `gntbox run` does (dumpable, as after exec). */
static void
become(const struct kid *k)
{

	REQUIRE(setgroups(0, NULL) == 0);
	REQUIRE(setgid(k->gid) == 0);
	REQUIRE(setuid(k->uid) == 0);
	REQUIRE(getuid() == k->uid && geteuid() == k->uid);
	/* setuid made us undumpable; exec would have undone that. */
	REQUIRE(prctl(PR_SET_DUMPABLE, 1) == 0);
}

/* The first descriptor of this process whose link contains what, or -1. */
static int
fd_named(const char *what)
{
	char path[300], link[256];
	struct dirent *de;
	int fd, found;
	ssize_t n;
	DIR *d;

	found = -1;
	REQUIRE((d = opendir("/proc/self/fd")) != NULL);
	while (found == -1 && (de = readdir(d)) != NULL) {
		fd = atoi(de->d_name);
		(void)snprintf(path, sizeof(path), "/proc/self/fd/%s",
		    de->d_name);
		if ((n = readlink(path, link, sizeof(link) - 1)) <= 0)
			continue;
		link[n] = '\0';
		if (strstr(link, what) != NULL)
			found = fd;
	}
	(void)closedir(d);
	return (found);
}

/* connect() to path: 0 or errno. */
static int
connect_errno(const char *path, int type)
{
	struct sockaddr_un sa;
	int fd, e;

	REQUIRE((fd = socket(AF_UNIX, type, 0)) != -1);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, strlen(path));
	e = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 ? 0 : errno;
	close(fd);
	return (e);
}

/* Domain 2's process: grants, offers, and waits for domain 1's. */
static int
b_main(void *arg)
{
	struct info in;
	gntbox_t *h;
	gntbox_evtchn_t *e;
	uint64_t off_ro, off_rw, off_3;
	char *p_ro, *p_rw;
	int port;

	(void)arg;
	become(&b);
	h = th_open(-1);
	off_ro = th_share(h, 1, 1, 0, &in.ref_ro);
	off_rw = th_share(h, 1, 1, GNTBOX_SHARE_WRITABLE, &in.ref_rw);
	off_3 = th_share(h, 3, 1, GNTBOX_SHARE_WRITABLE, &in.ref_3);
	p_ro = gntbox_mmap(h, off_ro, 1, PROT_READ | PROT_WRITE, NULL);
	p_rw = gntbox_mmap(h, off_rw, 1, PROT_READ | PROT_WRITE, NULL);
	REQUIRE(p_ro != NULL && p_rw != NULL);
	strcpy(p_ro, "read-only, from domain 2");
	strcpy(p_rw, "writable, from domain 2");
	REQUIRE((e = gntbox_evtchn_open(-1, 0)) != NULL);
	REQUIRE((port = gntbox_evtchn_bind_unbound(e, 1)) > 0);
	in.port_1 = (uint32_t)port;
	REQUIRE((port = gntbox_evtchn_bind_unbound(e, 3)) > 0);
	in.port_3 = (uint32_t)port;
	in.pid = getpid();
	in.arena_fd = fd_named("gntbox-d2-to-d1-rw");
	CHECK(in.arena_fd != -1);
	th_send(&b.ch, 1, &in, sizeof(in));
	/* Domain 1 is done: it wrote where it was allowed to, only. */
	(void)th_recv_u64(&b.ch, 1);
	CHECK(strcmp(p_rw, "writable, from domain 1") == 0);
	CHECK(strcmp(p_ro, "read-only, from domain 2") == 0);
	CHECK_ERR(gntbox_evtchn_close(e), 0);
	(void)off_3;
	CHECK_ERR(gntbox_close(h), 0);
	return (0);
}

/* The kernel keeps a process of another user out. */
static void
a_cannot_reach(const struct info *in)
{
	char path[GBX_PATH_MAX], buf[16];
	struct iovec local, remote;
	pid_t kid;
	int fd;

	(void)snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)in->pid,
	    in->arena_fd);
	errno = 0;
	CHECK(open(path, O_RDWR) == -1 && errno == EACCES);
	errno = 0;
	CHECK(open(path, O_RDONLY) == -1 && errno == EACCES);
	errno = 0;
	CHECK(
	    ptrace(PTRACE_ATTACH, in->pid, NULL, NULL) == -1 && errno == EPERM);
	local.iov_base = buf;
	local.iov_len = sizeof(buf);
	remote.iov_base = buf; /* any address: the check comes first */
	remote.iov_len = sizeof(buf);
	errno = 0;
	CHECK(process_vm_readv(in->pid, &local, 1, &remote, 1, 0) == -1 &&
	    errno == EPERM);
	/* The same works on a process of one's own user. */
	if ((kid = fork()) == 0) {
		pause();
		_exit(0);
	}
	REQUIRE(kid > 0);
	(void)snprintf(path, sizeof(path), "/proc/%d/fd/0", (int)kid);
	fd = open(path, O_RDONLY);
	CHECK(fd != -1);
	if (fd != -1)
		close(fd);
	CHECK_EQ(process_vm_readv(kid, &local, 1, &remote, 1, 0),
	    (ssize_t)sizeof(buf));
	(void)kill(kid, SIGKILL);
	(void)waitpid(kid, NULL, 0);
}

/* Domain 1's process: every crossing into domain 2. */
static int
a_main(void *arg)
{
	struct gntbox_grant_ref g;
	char path[GBX_PATH_MAX];
	struct info in;
	gntbox_evtchn_t *e;
	gntbox_t *h;
	uint64_t off;
	int16_t st;
	char *p;
	int fd;

	(void)arg;
	become(&a);
	th_recv(&a.ch, 1, &in, sizeof(in));
	/* Sockets: domain 2's, domain 0's, the control socket. */
	REQUIRE(gbx_path_device(path, sizeof(path), 2) == 0);
	CHECK_EQ(connect_errno(path, SOCK_SEQPACKET), EACCES);
	REQUIRE(gbx_path_xenstore(path, sizeof(path), 2) == 0);
	CHECK_EQ(connect_errno(path, SOCK_STREAM), EACCES);
	REQUIRE(gbx_path_device(path, sizeof(path), 0) == 0);
	CHECK_EQ(connect_errno(path, SOCK_SEQPACKET), EACCES);
	REQUIRE(gbx_path_control(path, sizeof(path)) == 0);
	CHECK_EQ(connect_errno(path, SOCK_SEQPACKET), EACCES);
	errno = 0;
	CHECK(gntbox_open(2) == NULL && errno == EACCES);
	a_cannot_reach(&in);

	h = th_open(-1);
	/* The read-only grant: readable, never writable. */
	p = th_map(h, 2, 1, &in.ref_ro, PROT_READ, NULL);
	CHECK(strcmp(p, "read-only, from domain 2") == 0);
	errno = 0;
	CHECK(
	    mprotect(p, 4096, PROT_READ | PROT_WRITE) == -1 && errno == EACCES);
	REQUIRE((fd = fd_named("gntbox-d2-to-d1-ro")) != -1);
	(void)snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	errno = 0;
	CHECK(open(path, O_RDWR) == -1 && errno == EACCES);
	CHECK((fd = open(path, O_RDONLY)) != -1);
	if (fd != -1)
		close(fd);
	CHECK_ERR(gntbox_munmap(h, p, 1), 0);
	g.domid = 2;
	g.ref = in.ref_ro;
	REQUIRE(gntbox_map(h, 1, &g, 0, &off) == 0);
	CHECK(gntbox_mmap(h, off, 1, PROT_READ | PROT_WRITE, &st) == NULL &&
	    st == GNTST_general_error);
	CHECK_ERR(gntbox_unmap(h, off, 1), 0);
	/* A grant domain 2 made to domain 3, and one it never made. */
	g.ref = in.ref_3;
	REQUIRE(gntbox_map(h, 1, &g, 0, &off) == 0);
	CHECK(gntbox_mmap(h, off, 1, PROT_READ, &st) == NULL &&
	    st == GNTST_general_error);
	CHECK_ERR(gntbox_unmap(h, off, 1), 0);
	g.ref = 1u << 20;
	REQUIRE(gntbox_map(h, 1, &g, 0, &off) == 0);
	CHECK(gntbox_mmap(h, off, 1, PROT_READ, &st) == NULL &&
	    st == GNTST_bad_gntref);
	CHECK_ERR(gntbox_unmap(h, off, 1), 0);
	/* The writable grant. */
	p = th_map(h, 2, 1, &in.ref_rw, PROT_READ | PROT_WRITE, NULL);
	strcpy(p, "writable, from domain 1");
	CHECK_ERR(gntbox_munmap(h, p, 1), 0);
	CHECK_ERR(gntbox_close(h), 0);

	/* Ports: the one offered to domain 1, and no other. */
	REQUIRE((e = gntbox_evtchn_open(-1, 0)) != NULL);
	errno = 0;
	CHECK(gntbox_evtchn_bind_interdomain(e, 2, in.port_3) == -1 &&
	    errno == EINVAL);
	errno = 0;
	CHECK(gntbox_evtchn_bind_interdomain(e, 2, in.port_3 + 100) == -1 &&
	    errno == EINVAL);
	CHECK(gntbox_evtchn_bind_interdomain(e, 2, in.port_1) > 0);
	CHECK_ERR(gntbox_evtchn_close(e), 0);
	return (0);
}

/*
 * With the modes of domain 2's directory and sockets opened by mistake,
 * gntboxd still refuses domain 1's user (SO_PEERCRED).
 */
static int
a_peercred(void *arg)
{
	static struct xw_msg m;
	struct gbx_conn *c;
	int fd;

	(void)arg;
	become(&a);
	CHECK_EQ(gbx_conn_open(GBX_KIND_GNTDEV, 2, &c), EACCES);
	CHECK_EQ(gbx_conn_open(GBX_KIND_EVTCHN, 2, &c), EACCES);
	/* Told why, whether our request went before gntboxd closed or not. */
	REQUIRE((fd = xw_connect(2)) != -1);
	(void)xw_send(fd, XS_READ, 1, 0, "domid", 6);
	CHECK(xw_recv(fd, &m, XW_TIMEOUT_MS) == 0 && m.h.type == XS_ERROR &&
	    strcmp(m.data, "EACCES") == 0);
	close(fd);
	return (0);
}

static void
test_peercred(void)
{
	char dir[GBX_PATH_MAX], dev[GBX_PATH_MAX], xs[GBX_PATH_MAX];
	gntbox_t *h;

	REQUIRE(gbx_path_domain_dir(dir, sizeof(dir), 2) == 0);
	REQUIRE(gbx_path_device(dev, sizeof(dev), 2) == 0);
	REQUIRE(gbx_path_xenstore(xs, sizeof(xs), 2) == 0);
	REQUIRE(chmod(dir, 0755) == 0 && chmod(dev, 0777) == 0 &&
	    chmod(xs, 0777) == 0);
	CHECK_EQ(th_wait(th_spawn(1, a_peercred, NULL)), 0);
	REQUIRE(chmod(dir, 0700) == 0 && chmod(dev, 0700) == 0 &&
	    chmod(xs, 0700) == 0);
	/* Root may use any domain's sockets. */
	CHECK((h = gntbox_open(2)) != NULL);
	CHECK_ERR(gntbox_close(h), 0);
}

/* The runtime directory and domain 2's files: whose, and which mode. */
static void
test_files(void)
{
	char path[GBX_PATH_MAX];
	struct stat st;

	REQUIRE(gbx_path_domain_dir(path, sizeof(path), 2) == 0);
	CHECK(stat(path, &st) == 0 && st.st_uid == b.uid &&
	    (st.st_mode & 07777) == 0700);
	REQUIRE(gbx_path_device(path, sizeof(path), 2) == 0);
	CHECK(stat(path, &st) == 0 && st.st_uid == b.uid &&
	    (st.st_mode & 07777) == 0700);
	REQUIRE(gbx_path_xenstore(path, sizeof(path), 2) == 0);
	CHECK(stat(path, &st) == 0 && st.st_uid == b.uid &&
	    (st.st_mode & 07777) == 0700);
	REQUIRE(gbx_path_device(path, sizeof(path), 0) == 0);
	CHECK(stat(path, &st) == 0 && st.st_uid == getuid() &&
	    (st.st_mode & 07777) == 0700);
	REQUIRE(gbx_path_control(path, sizeof(path)) == 0);
	CHECK(stat(path, &st) == 0 && st.st_uid == getuid() &&
	    (st.st_mode & 07777) == 0700);
	REQUIRE(gbx_runtime_dir(path, sizeof(path)) == 0);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 07777) == 0711);
}

static void
user(struct kid *k, const char *name)
{
	struct passwd *pw;

	REQUIRE((pw = getpwnam(name)) != NULL);
	k->uid = pw->pw_uid;
	k->gid = pw->pw_gid;
	th_chan_open(&k->ch);
}

int
main(void)
{
	struct gbx_conn *c;
	struct info in;
	pid_t pa, pb;

	REQUIRE(getuid() == 0); /* make check runs as root (CI does) */
	user(&a, "nobody");
	user(&b, "daemon");
	th_start(NULL);
	REQUIRE(gbx_ctl_open(&c) == 0);
	CHECK_EQ(gbx_ctl_domain_create_as(c, 1, NULL, false, a.uid), 0);
	CHECK_EQ(gbx_ctl_domain_create_as(c, 2, NULL, false, b.uid), 0);
	CHECK_EQ(gbx_ctl_domain_create_as(c, 3, NULL, false, -1), 0);
	/* Bound to another user: EXIST_OK does not hide it. */
	CHECK_EQ(gbx_ctl_domain_create_as(c, 2, NULL, true, a.uid), EEXIST);
	CHECK_EQ(gbx_ctl_domain_create_as(c, 2, NULL, true, b.uid), 0);
	gbx_conn_close(c);
	th_baseline();
	test_files();

	pb = th_spawn(2, b_main, NULL);
	pa = th_spawn(1, a_main, NULL);
	th_recv(&b.ch, 0, &in, sizeof(in));
	th_send(&a.ch, 0, &in, sizeof(in));
	CHECK_EQ(th_wait(pa), 0);
	th_send_u64(&b.ch, 0, 1);
	CHECK_EQ(th_wait(pb), 0);
	th_check_baseline("every crossing");
	test_peercred();
	th_expect_protocol_errors(); /* the refused connections */
	th_check_baseline("gntboxd refuses another user");
	th_chan_close(&a.ch);
	th_chan_close(&b.ch);
	return (th_finish());
}
