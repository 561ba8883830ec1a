/*
 * compat.c: roles of a compatibility test as processes of domains
 * (compat.h).
 */
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xen/grant_table.h>
#include <xen/gntalloc.h>
#include <xen/gntdev.h>

#include "check.h"
#include "compat.h"
#include "lib/ctl.h"

void
tc_main(int argc, char **argv, const struct tc_role *roles)
{
	struct th_chan ch;
	uint64_t pid;
	int rc, i;

	if (argc != 4 || strcmp(argv[1], "--role") != 0)
		return;
	/* A role never outlives its gntbox run, which never outlives us. */
	(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
	ch.fd[0] = -1;
	ch.fd[1] = atoi(argv[3]);
	(void)fcntl(ch.fd[1], F_SETFD, FD_CLOEXEC);
	(void)signal(SIGPIPE, SIG_IGN);
	pid = (uint64_t)getpid();
	th_send(&ch, 1, &pid, sizeof(pid));
	for (i = 0; roles[i].name != NULL; i++)
		if (strcmp(roles[i].name, argv[2]) == 0)
			break;
	REQUIRE(roles[i].name != NULL);
	rc = roles[i].fn(&ch);
	if (rc == 0 && check_failures != 0)
		rc = 1;
	fflush(NULL);
	exit(rc);
}

void
tc_run(struct tc_proc *p, unsigned domid, const char *name)
{
	char self[PATH_MAX], gntbox[PATH_MAX], dom[16], fd[16];
	const char *build;
	ssize_t n;

	REQUIRE((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) > 0);
	self[n] = '\0';
	if ((build = getenv("GNTBOX_BUILD")) == NULL || *build == '\0')
		build = "build";
	(void)snprintf(gntbox, sizeof(gntbox), "%s/bin/gntbox", build);
	(void)snprintf(dom, sizeof(dom), "%u", domid);
	th_chan_open(&p->ch);
	(void)snprintf(fd, sizeof(fd), "%d", p->ch.fd[1]);
	fflush(NULL);
	p->run = fork();
	REQUIRE(p->run != -1);
	if (p->run == 0) {
		/* If the harness dies, gntbox run does, and then the role. */
		(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
		(void)close(p->ch.fd[0]);
		(void)fcntl(p->ch.fd[1], F_SETFD, 0);
		execl(gntbox, gntbox, "run", "--dom", dom, "--", self, "--role",
		    name, fd, (char *)NULL);
		(void)fprintf(stderr, "exec %s: %s\n", gntbox, strerror(errno));
		_exit(127);
	}
	(void)close(p->ch.fd[1]);
	p->ch.fd[1] = -1;
	p->pid = (pid_t)th_recv_u64(&p->ch, 0);
}

int
tc_wait(struct tc_proc *p)
{
	int st;

	st = th_wait(p->run);
	(void)close(p->ch.fd[0]);
	p->ch.fd[0] = -1;
	return (st);
}

int
tc_kill(struct tc_proc *p)
{

	(void)kill(p->pid, SIGKILL);
	return (tc_wait(p));
}

uint64_t
tc_alloc(int fd, uint16_t to, uint32_t n, bool writable, uint32_t *refs)
{
	struct ioctl_gntalloc_alloc_gref *op;
	uint64_t index;

	REQUIRE((op = calloc(1, sizeof(*op) + n * sizeof(uint32_t))) != NULL);
	op->domid = to;
	op->flags = writable ? GNTALLOC_FLAG_WRITABLE : 0;
	op->count = n;
	REQUIRE(ioctl(fd, IOCTL_GNTALLOC_ALLOC_GREF, op) == 0);
	memcpy(refs, op->gref_ids, n * sizeof(uint32_t));
	index = op->index;
	free(op);
	return (index);
}

uint64_t
tc_map_refs(int fd, uint32_t domid, uint32_t n, const uint32_t *refs)
{
	struct ioctl_gntdev_map_grant_ref *op;
	uint64_t index;
	uint32_t i;

	REQUIRE(
	    (op = calloc(1, sizeof(*op) + n * sizeof(op->refs[0]))) != NULL);
	op->count = n;
	for (i = 0; i < n; i++) {
		op->refs[i].domid = domid;
		op->refs[i].ref = refs[i];
	}
	REQUIRE(ioctl(fd, IOCTL_GNTDEV_MAP_GRANT_REF, op) == 0);
	index = op->index;
	free(op);
	return (index);
}

void *
tc_mmap(int fd, uint64_t index, uint32_t n, int prot)
{
	void *p;

	p = mmap(NULL, (size_t)n * 4096, prot, MAP_SHARED, fd, (off_t)index);
	REQUIRE(p != MAP_FAILED);
	return (p);
}

int
tc_dealloc(int fd, uint64_t index, uint32_t n)
{
	struct ioctl_gntalloc_dealloc_gref op;

	memset(&op, 0, sizeof(op));
	op.index = index;
	op.count = n;
	return (ioctl(fd, IOCTL_GNTALLOC_DEALLOC_GREF, &op));
}

int
tc_unmap_refs(int fd, uint64_t index, uint32_t n)
{
	struct ioctl_gntdev_unmap_grant_ref op;

	memset(&op, 0, sizeof(op));
	op.index = index;
	op.count = n;
	return (ioctl(fd, IOCTL_GNTDEV_UNMAP_GRANT_REF, &op));
}

int
tc_notify(int fd, uint64_t index, uint32_t action, uint32_t port)
{
	struct ioctl_gntdev_unmap_notify op;

	memset(&op, 0, sizeof(op));
	op.index = index;
	op.action = action;
	op.event_channel_port = port;
	return (ioctl(fd, IOCTL_GNTDEV_SET_UNMAP_NOTIFY, &op));
}

int
tc_wait_byte(volatile uint8_t *b, uint8_t want)
{
	int i;

	for (i = 0; i < 500 && *b != want; i++)
		(void)usleep(10000);
	return (*b == want);
}

uint64_t
tc_enosys(void)
{
	struct gbx_conn *c;
	struct gbx_stats st;

	REQUIRE(gbx_ctl_open(&c) == 0);
	REQUIRE(gbx_ctl_stats(c, &st) == 0);
	gbx_conn_close(c);
	return (st.hypercalls_enosys);
}
