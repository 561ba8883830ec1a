/*
 * daemon.c: starting and stopping a real gntboxd for a test, and raw
 * protocol calls to it (daemon.h).
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/paths.h"
#include "daemon.h"
#include "proto/msg.h"

#define TD_READY_MS  30000 /* sanitizer builds start slowly */
#define TD_STOP_MS   30000
#define TD_REPLY_SEC 30
#define TD_MAX_ARGS  32

static uint32_t td_seq;

/* The runtime directory: $GNTBOX_DIR (made if missing) or a fresh one. */
static const char *
td_dir(void)
{
	static char tmpl[] = "/tmp/gntbox-test.XXXXXX";
	const char *d;

	if ((d = getenv("GNTBOX_DIR")) != NULL && *d != '\0') {
		if (mkdir(d, 0700) == -1 && errno != EEXIST)
			return (NULL);
		return (d);
	}
	if ((d = mkdtemp(tmpl)) == NULL || setenv("GNTBOX_DIR", d, 1) == -1)
		return (NULL);
	return (d);
}

pid_t
td_start(const char *const *extra)
{
	const char *argv[TD_MAX_ARGS + 8], *build, *dir;
	char path[GBX_PATH_MAX], fdarg[16], buf[16];
	struct pollfd pfd;
	int p[2], n, status;
	ssize_t r;
	pid_t pid;
	size_t len;

	if ((build = getenv("GNTBOX_BUILD")) == NULL || *build == '\0')
		build = "build";
	if ((dir = td_dir()) == NULL) {
		fprintf(stderr, "td_start: runtime directory: %s\n",
		    strerror(errno));
		return (-1);
	}
	(void)snprintf(path, sizeof(path), "%s/bin/gntboxd", build);
	if (pipe2(p, O_CLOEXEC) == -1)
		return (-1);
	(void)snprintf(fdarg, sizeof(fdarg), "%d", p[1]);
	n = 0;
	argv[n++] = path;
	argv[n++] = "--dir";
	argv[n++] = dir;
	argv[n++] = "--ready-fd";
	argv[n++] = fdarg;
	while (extra != NULL && *extra != NULL && n < TD_MAX_ARGS)
		argv[n++] = *extra++;
	argv[n] = NULL;
	if ((pid = fork()) == -1) {
		(void)close(p[0]);
		(void)close(p[1]);
		return (-1);
	}
	if (pid == 0) {
		(void)fcntl(p[1], F_SETFD, 0);
		execv(path, (char *const *)(uintptr_t)argv);
		fprintf(stderr, "td_start: %s: %s\n", path, strerror(errno));
		_exit(127);
	}
	(void)close(p[1]);
	len = 0;
	pfd.fd = p[0];
	pfd.events = POLLIN;
	while (len < 6 && poll(&pfd, 1, TD_READY_MS) == 1) {
		if ((r = read(p[0], buf + len, sizeof(buf) - 1 - len)) <= 0)
			break;
		len += (size_t)r;
	}
	(void)close(p[0]);
	buf[len] = '\0';
	if (strcmp(buf, "ready\n") != 0) {
		fprintf(stderr, "td_start: gntboxd did not become ready\n");
		(void)kill(pid, SIGKILL);
		(void)waitpid(pid, &status, 0);
		return (-1);
	}
	return (pid);
}

int
td_stop(pid_t pid)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	int fd, status, ms;
	size_t rlen;
	pid_t w;

	if ((fd = td_control()) != -1) {
		(void)td_call(fd, GBX_CTL_SHUTDOWN, NULL, 0, NULL, 0, NULL, 0,
		    &rlen);
		(void)close(fd);
	}
	for (ms = 0; ms < TD_STOP_MS; ms += 10) {
		if ((w = waitpid(pid, &status, WNOHANG)) == pid)
			return (status);
		if (w == -1)
			return (-1);
		(void)nanosleep(&ts, NULL);
	}
	(void)kill(pid, SIGKILL);
	(void)waitpid(pid, &status, 0);
	return (-1);
}

int
td_connect(const char *path)
{
	struct sockaddr_un sun;
	struct timeval tv = { TD_REPLY_SEC, 0 };
	int fd, saved;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	memcpy(sun.sun_path, path, strlen(path));
	if ((fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0)) == -1)
		return (-1);
	/* A daemon that never answers fails the test instead of hanging it. */
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		saved = errno;
		(void)close(fd);
		errno = saved;
		return (-1);
	}
	return (fd);
}

/* HELLO of kind with nfds descriptors; returns the reply's error or -1. */
static int
td_hello(int fd, uint32_t kind, const int *fds, unsigned nfds)
{
	struct gbx_hello hb = { GBX_PROTO_VERSION, kind };
	struct gbx_hdr h;
	union {
		struct gbx_hdr h;
		char buf[GBX_MSG_MAX];
	} rep;
	int rfds[GBX_MAX_FDS];
	unsigned rn;

	memset(&h, 0, sizeof(h));
	h.type = GBX_HELLO;
	h.seq = ++td_seq;
	if (gbx_msg_send(fd, &h, &hb, sizeof(hb), NULL, 0, fds, nfds) != 0)
		return (-1);
	if (gbx_msg_recv(fd, rep.buf, sizeof(rep.buf), rfds, &rn) <
	    (ssize_t)sizeof(h))
		return (-1);
	gbx_close_fds(rfds, &rn);
	if (rep.h.type != GBX_HELLO || rep.h.seq != h.seq)
		return (-1);
	return (rep.h.error);
}

/* Connect to path and say HELLO; -1 with errno on failure. */
static int
td_open_path(const char *path, uint32_t kind, int *token)
{
	int fd, sp[2], error, nfds;

	if ((fd = td_connect(path)) == -1)
		return (-1);
	nfds = 0;
	if (kind == GBX_KIND_GNTDEV) {
		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) ==
		    -1) {
			(void)close(fd);
			return (-1);
		}
		nfds = 1;
	}
	error = td_hello(fd, kind, nfds != 0 ? &sp[1] : NULL, (unsigned)nfds);
	if (nfds != 0) {
		(void)close(sp[1]);
		if (error == 0 && token != NULL)
			*token = sp[0];
		else
			(void)close(sp[0]);
	}
	if (error != 0) {
		(void)close(fd);
		errno = error == -1 ? EPROTO : error;
		return (-1);
	}
	return (fd);
}

int
td_open(unsigned domid, uint32_t kind, int *token)
{
	char path[GBX_PATH_MAX];

	if (gbx_path_device(path, sizeof(path), domid) != 0) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	return (td_open_path(path, kind, token));
}

int
td_control(void)
{
	char path[GBX_PATH_MAX];

	if (gbx_path_control(path, sizeof(path)) != 0) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	return (td_open_path(path, GBX_KIND_CONTROL, NULL));
}

int
td_call(int sock, uint16_t type, const void *body, size_t blen,
    const void *tail, size_t tlen, void *reply, size_t cap, size_t *rlen)
{
	union {
		struct gbx_hdr h;
		char buf[GBX_MSG_MAX];
	} rep;
	struct gbx_hdr h;
	int fds[GBX_MAX_FDS];
	unsigned nfds;
	ssize_t r;
	size_t n;

	memset(&h, 0, sizeof(h));
	h.type = type;
	h.seq = ++td_seq;
	if (gbx_msg_send(sock, &h, body, blen, tail, tlen, NULL, 0) != 0)
		return (-1);
	r = gbx_msg_recv(sock, rep.buf, sizeof(rep.buf), fds, &nfds);
	if (r < (ssize_t)sizeof(h))
		return (-1);
	/* Descriptors cannot be returned through this interface. */
	gbx_close_fds(fds, &nfds);
	if (rep.h.type != type || rep.h.seq != h.seq)
		return (-1);
	n = (size_t)r - sizeof(h);
	if (rlen != NULL)
		*rlen = n;
	if (reply != NULL)
		memcpy(reply, rep.buf + sizeof(h), n < cap ? n : cap);
	return (rep.h.error);
}
