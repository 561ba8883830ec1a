/*
 * Compatibility test: fork() and exec() with open devices and mappings,
 * through libgntbox-preload.so, as Linux (a PV domain) has them.
 *
 * - gntdev mappings are not inherited: the child faults where the parent
 *   has one; gntalloc mappings are, and the child and the parent share
 *   the page.  The child may close what it inherited; any other call on
 *   it (an evtchn handle's included) is refused (EBADF), as libxengnttab
 *   and libxenevtchn say it must not be made.
 * - A gntalloc mapping inherited by the child stays alive and readable
 *   after the parent exits or is killed: the grant is neither released
 *   nor deferred, and its notify byte is not cleared; the page goes (and
 *   the notify fires) when the child unmaps it, or exits.  Meanwhile the
 *   parent's own gntdev map went with the parent, notify included,
 *   although the child lives on.
 * - exec: /dev/xen/gntdev opened O_CLOEXEC is gone in the new program;
 *   /dev/xen/gntalloc opened without it stays open (its shared page stays
 *   granted) until the new program closes it, and the mappings went with
 *   the old image.
 */
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xen/grant_table.h>
#include <xen/xen.h>
#include <xen/evtchn.h>
#include <xen/gntalloc.h>
#include <xen/gntdev.h>

#include "check.h"
#include "compat.h"
#include "harness.h"

#define PG   4096
#define RW   (PROT_READ | PROT_WRITE)
#define BYTE 64

/* Share one page with domain to, with a notify at BYTE. */
static uint8_t *
share_page(int fd, uint16_t to, uint32_t *ref, bool dealloc)
{
	uint64_t index;
	uint8_t *p;

	index = tc_alloc(fd, to, 1, true, ref);
	p = tc_mmap(fd, index, 1, RW);
	REQUIRE(tc_notify(fd, index + BYTE, UNMAP_NOTIFY_CLEAR_BYTE, 0) == 0);
	p[BYTE] = 1;
	if (dealloc)
		REQUIRE(tc_dealloc(fd, index, 1) == 0);
	return (p);
}

/* Map grant ref of domain from, with a notify at BYTE if asked. */
static uint8_t *
map_page(int fd, uint32_t from, uint32_t ref, bool notify)
{
	uint64_t index;
	uint8_t *p;

	index = tc_map_refs(fd, from, 1, &ref);
	p = tc_mmap(fd, index, 1, RW);
	if (notify)
		REQUIRE(tc_notify(fd, index + BYTE, UNMAP_NOTIFY_CLEAR_BYTE,
			    0) == 0);
	return (p);
}

/* ------------------------------------------------------------------ */
/* What a child inherits.                                                */

static int
inherit(struct th_chan *ch)
{
	struct ioctl_gntdev_map_grant_ref op;
	struct ioctl_evtchn_bind_unbound_port bu;
	uint8_t *a, *m;
	uint32_t ref, port;
	pid_t pid;
	int dev, alloc, evt, st;

	(void)ch;
	REQUIRE((alloc = open("/dev/xen/gntalloc", O_RDWR)) >= 0);
	REQUIRE((dev = open("/dev/xen/gntdev", O_RDWR | O_CLOEXEC)) >= 0);
	REQUIRE((evt = open("/dev/xen/evtchn", O_RDWR | O_CLOEXEC)) >= 0);
	bu.remote_domain = 1;
	REQUIRE(ioctl(evt, IOCTL_EVTCHN_BIND_UNBOUND_PORT, &bu) > 0);
	/* A page of our own, shared with ourselves, mapped both ways. */
	a = share_page(alloc, 1, &ref, true);
	m = map_page(dev, 1, ref, false);
	CHECK_EQ(m[BYTE], 1);
	REQUIRE((pid = fork()) != -1);
	if (pid == 0) {
		check_count = check_failures = 0;
		CHECK_EQ(th_faults(m, 0), SIGSEGV);
		CHECK_EQ(a[BYTE], 1);
		a[0] = 'c';
		memset(&op, 0, sizeof(op));
		op.count = 1;
		op.refs[0].domid = 1;
		op.refs[0].ref = ref;
		CHECK_ERR(ioctl(dev, IOCTL_GNTDEV_MAP_GRANT_REF, &op), EBADF);
		/* The event channel handle is the parent's too. */
		CHECK_ERR(ioctl(evt, IOCTL_EVTCHN_BIND_UNBOUND_PORT, &bu),
		    EBADF);
		CHECK_ERR(read(evt, &port, sizeof(port)), EBADF);
		CHECK_EQ(close(evt), 0);
		CHECK_EQ(close(dev), 0);
		CHECK_EQ(close(alloc), 0);
		_exit(check_failures != 0);
	}
	REQUIRE(waitpid(pid, &st, 0) == pid);
	CHECK_EQ(st, 0);
	CHECK_EQ(m[0], 'c');
	CHECK_EQ(munmap(m, PG), 0);
	CHECK_EQ(munmap(a, PG), 0);
	CHECK_EQ(close(dev), 0);
	CHECK_EQ(close(alloc), 0);
	/* The parent's handle still works, its port still bound. */
	CHECK(ioctl(evt, IOCTL_EVTCHN_BIND_UNBOUND_PORT, &bu) > 0);
	CHECK_EQ(close(evt), 0);
	return (0);
}

/* ------------------------------------------------------------------ */
/* The child outlives its parent.                                        */

/*
 * Domain 1: shares a page with domain 2 (DEALLOC'd at once, as
 * libxengnttab does), maps a page domain 2 shared, then forks.  The
 * parent ends as the harness says (exit, or wait for SIGKILL); the child
 * holds the shared page.
 */
static int
parent(struct th_chan *ch)
{
	uint8_t *a, *m;
	uint64_t how;
	uint32_t ref, theirs;
	pid_t pid;
	int dev, alloc;

	REQUIRE((alloc = open("/dev/xen/gntalloc", O_RDWR)) >= 0);
	REQUIRE((dev = open("/dev/xen/gntdev", O_RDWR | O_CLOEXEC)) >= 0);
	a = share_page(alloc, 2, &ref, true);
	th_send(ch, 1, &ref, sizeof(ref));
	th_recv(ch, 1, &theirs, sizeof(theirs));
	how = th_recv_u64(ch, 1);
	m = map_page(dev, 2, theirs, true);
	m[BYTE] = 1;
	REQUIRE((pid = fork()) != -1);
	if (pid == 0) {
		/* The child: wait for the parent to go, then use the page. */
		check_count = check_failures = 0;
		(void)th_recv_u64(ch, 1);
		CHECK_EQ(a[BYTE], 1);
		CHECK_EQ(a[0], 'm'); /* written by the mapper meanwhile */
		a[1] = 'C';
		th_send_u64(ch, 1, 1);
		if (th_recv_u64(ch, 1) == 1)
			CHECK_EQ(munmap(a, PG), 0);
		th_send_u64(ch, 1, 2);
		(void)th_recv_u64(ch, 1);
		_exit(check_failures != 0);
	}
	th_send_u64(ch, 1, (uint64_t)pid);
	if (how == 0)
		return (0); /* exit with everything open */
	for (;;)
		(void)pause();
}

/* Domain 2: maps the parent's page, shares one for the parent to map. */
static int
peer(struct th_chan *ch)
{
	uint8_t *m, *a;
	uint32_t ref, mine;
	int dev, alloc;

	th_recv(ch, 1, &ref, sizeof(ref));
	REQUIRE((dev = open("/dev/xen/gntdev", O_RDWR | O_CLOEXEC)) >= 0);
	REQUIRE((alloc = open("/dev/xen/gntalloc", O_RDWR)) >= 0);
	m = map_page(dev, 1, ref, false);
	a = share_page(alloc, 1, &mine, false);
	a[BYTE] = 1;
	th_send(ch, 1, &mine, sizeof(mine));
	/* 1: the parent is gone; its map went with it, notify included. */
	(void)th_recv_u64(ch, 1);
	CHECK(tc_wait_byte(a + BYTE, 0));
	m[0] = 'm';
	th_send_u64(ch, 1, 1);
	/* 2: the child wrote; the page is still the parent's page. */
	(void)th_recv_u64(ch, 1);
	CHECK_EQ(m[1], 'C');
	CHECK_EQ(m[BYTE], 1);
	th_send_u64(ch, 1, 2);
	/* 3: the child unmapped or exited: the notify fired. */
	(void)th_recv_u64(ch, 1);
	CHECK(tc_wait_byte(m + BYTE, 0));
	CHECK_EQ(munmap(m, PG), 0);
	CHECK_EQ(munmap(a, PG), 0);
	CHECK_EQ(close(dev), 0);
	CHECK_EQ(close(alloc), 0);
	return (0);
}

/*
 * how: 0 the parent exits, 1 it is killed; the child then unmaps (1) or
 * exits (0) with the page mapped.
 */
static void
test_outlive(int how, int child_unmaps)
{
	struct gntbox_stats st;
	struct tc_proc p, q;
	uint32_t ref;
	pid_t child;

	tc_run(&p, 1, "parent");
	tc_run(&q, 2, "peer");
	th_recv(&p.ch, 0, &ref, sizeof(ref));
	th_send(&q.ch, 0, &ref, sizeof(ref));
	th_recv(&q.ch, 0, &ref, sizeof(ref));
	th_send(&p.ch, 0, &ref, sizeof(ref));
	th_send_u64(&p.ch, 0, (uint64_t)how);
	child = (pid_t)th_recv_u64(&p.ch, 0);
	/* The child keeps the parent's channel: not tc_wait, which closes it. */
	if (how != 0)
		(void)kill(p.pid, SIGKILL);
	CHECK_EQ(th_wait(p.run), how == 0 ? 0 : 128 + SIGKILL);
	th_send_u64(&q.ch, 0, 1);
	(void)th_recv_u64(&q.ch, 0);
	/* The page lives on in the child: granted, not deferred. */
	th_stats(&st);
	CHECK_EQ(st.deferred, 0);
	CHECK_EQ(st.grants, 2);
	th_send_u64(&p.ch, 0, 1); /* to the child, on the parent's channel */
	(void)th_recv_u64(&p.ch, 0);
	th_send_u64(&q.ch, 0, 2);
	(void)th_recv_u64(&q.ch, 0);
	th_send_u64(&p.ch, 0, (uint64_t)child_unmaps);
	(void)th_recv_u64(&p.ch, 0);
	if (!child_unmaps) {
		th_send_u64(&p.ch, 0, 3);
		CHECK_EQ(th_wait(child), 0);
	}
	th_send_u64(&q.ch, 0, 3);
	CHECK_EQ(tc_wait(&q), 0);
	if (child_unmaps) {
		th_send_u64(&p.ch, 0, 3);
		CHECK_EQ(th_wait(child), 0);
	}
	(void)close(p.ch.fd[0]);
	th_check_baseline(
	    how == 0 ? "the parent exits" : "the parent is killed");
}

/* ------------------------------------------------------------------ */
/* exec.                                                                 */

static int
exec_parent(struct th_chan *ch)
{
	char self[256], chan[16], env[64];
	uint32_t ref;
	ssize_t n;
	int dev, alloc;

	REQUIRE((alloc = open("/dev/xen/gntalloc", O_RDWR)) >= 0);
	REQUIRE((dev = open("/dev/xen/gntdev", O_RDWR | O_CLOEXEC)) >= 0);
	CHECK_EQ(fcntl(dev, F_GETFD), FD_CLOEXEC);
	CHECK_EQ(fcntl(alloc, F_GETFD), 0);
	(void)share_page(alloc, 2, &ref, false);
	(void)snprintf(env, sizeof(env), "%d,%d", dev, alloc);
	REQUIRE(setenv("TC_EXEC_FDS", env, 1) == 0);
	REQUIRE((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) > 0);
	self[n] = '\0';
	(void)snprintf(chan, sizeof(chan), "%d", ch->fd[1]);
	REQUIRE(fcntl(ch->fd[1], F_SETFD, 0) == 0);
	fflush(NULL);
	execl(self, self, "--role", "exec_child", chan, (char *)NULL);
	return (127);
}

static int
exec_child(struct th_chan *ch)
{
	int dev, alloc;

	REQUIRE(sscanf(getenv("TC_EXEC_FDS"), "%d,%d", &dev, &alloc) == 2);
	CHECK_ERR(fcntl(dev, F_GETFD), EBADF);
	CHECK(fcntl(alloc, F_GETFD) != -1);
	th_send_u64(ch, 1, 1);
	(void)th_recv_u64(ch, 1);
	CHECK_EQ(close(alloc), 0);
	return (0);
}

static void
test_exec(void)
{
	struct gntbox_stats st;
	struct tc_proc p;

	tc_run(&p, 1, "exec_parent");
	/* The new program announces itself (pid) and is ready. */
	(void)th_recv_u64(&p.ch, 0);
	(void)th_recv_u64(&p.ch, 0);
	th_stats(&st);
	CHECK_EQ(st.grants, 1); /* held by the inherited gntalloc file */
	th_send_u64(&p.ch, 0, 1);
	CHECK_EQ(tc_wait(&p), 0);
	th_check_baseline("exec");
}

static const struct tc_role roles[] = {
	{ "inherit", inherit },
	{ "parent", parent },
	{ "peer", peer },
	{ "exec_parent", exec_parent },
	{ "exec_child", exec_child },
	{ NULL, NULL },
};

int
main(int argc, char **argv)
{
	struct tc_proc a;

	tc_main(argc, argv, roles);
	/* Orphaned children of the roles come to us, to be waited for. */
	REQUIRE(prctl(PR_SET_CHILD_SUBREAPER, 1) == 0);
	th_start(NULL);
	th_domain(1);
	th_domain(2);
	th_baseline();
	tc_run(&a, 1, "inherit");
	CHECK_EQ(tc_wait(&a), 0);
	th_check_baseline("inheritance");
	test_outlive(0, 1);
	test_outlive(1, 1);
	test_outlive(0, 0);
	test_outlive(1, 0);
	test_exec();
	return (th_finish());
}
