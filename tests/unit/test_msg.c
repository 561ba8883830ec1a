/*
 * Unit test of protocol message I/O: descriptors travel and arrive
 * close-on-exec; truncated data or descriptors, a header whose len lies,
 * and a short bulk memfd are protocol errors that leak no descriptor.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "proto/msg.h"

static int
open_fds(void)
{
	int n, fd;

	n = 0;
	for (fd = 0; fd < 1024; fd++)
		if (fcntl(fd, F_GETFD) != -1)
			n++;
	return (n);
}

static void
test_roundtrip(int s[2])
{
	char buf[GBX_MSG_MAX];
	struct gbx_hdr h = { .type = GBX_ALLOC, .seq = 7 };
	struct gbx_alloc a = { .domid = 3, .count = 2 };
	uint32_t tail[2] = { 11, 12 };
	int fds[GBX_MAX_FDS], p[2];
	unsigned nfds;
	ssize_t r;

	REQUIRE(pipe(p) == 0);
	CHECK_ERR(gbx_msg_send(s[0], &h, &a, sizeof(a), tail, sizeof(tail), p,
		      2),
	    0);
	r = gbx_msg_recv(s[1], buf, sizeof(buf), fds, &nfds);
	CHECK_EQ(r, sizeof(h) + sizeof(a) + sizeof(tail));
	CHECK_EQ(nfds, 2);
	CHECK_EQ(((struct gbx_hdr *)buf)->seq, 7);
	CHECK(memcmp(buf + sizeof(h) + sizeof(a), tail, sizeof(tail)) == 0);
	CHECK_EQ(fcntl(fds[0], F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	/* The received write end really is the pipe. */
	CHECK_EQ(write(fds[1], "x", 1), 1);
	CHECK_EQ(read(p[0], buf, 1), 1);
	gbx_close_fds(fds, &nfds);
	CHECK_EQ(nfds, 0);
	close(p[0]);
	close(p[1]);

	CHECK_ERR(gbx_msg_send(s[0], &h, NULL, 0, NULL, 0, fds,
		      GBX_MAX_FDS + 1),
	    EINVAL);
	CHECK_ERR(gbx_msg_send(s[0], &h, buf, GBX_MSG_MAX, NULL, 0, NULL, 0),
	    EMSGSIZE);
}

/* Send raw bytes and descriptors, bypassing gbx_msg_send's checks. */
static void
raw_send(int s, const void *data, size_t len, const int *fds, unsigned n)
{
	char cbuf[CMSG_SPACE(sizeof(int) * 16)];
	struct msghdr m;
	struct cmsghdr *c;
	struct iovec iov = { (void *)(uintptr_t)data, len };

	memset(&m, 0, sizeof(m));
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	if (n != 0) {
		memset(cbuf, 0, sizeof(cbuf));
		m.msg_control = cbuf;
		m.msg_controllen = CMSG_SPACE(sizeof(int) * n);
		c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * n);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * n);
	}
	REQUIRE(sendmsg(s, &m, 0) == (ssize_t)len);
}

static void
test_refusals(int s[2])
{
	char buf[GBX_MSG_MAX], small[32];
	struct gbx_hdr h = { .type = GBX_HELLO };
	int fds[GBX_MAX_FDS], many[12], before;
	unsigned nfds, i;

	before = open_fds();

	/* Data longer than the buffer: truncated. */
	memset(buf, 0, sizeof(buf));
	h.len = 64;
	memcpy(buf, &h, sizeof(h));
	raw_send(s[0], buf, 64, NULL, 0);
	CHECK_EQ(gbx_msg_recv(s[1], small, sizeof(small), fds, &nfds), -EPROTO);

	/* More descriptors than the receiver takes: all are closed. */
	for (i = 0; i < 12; i++)
		REQUIRE((many[i] = dup(0)) != -1);
	h.len = sizeof(h);
	raw_send(s[0], &h, sizeof(h), many, 12);
	for (i = 0; i < 12; i++)
		close(many[i]);
	CHECK_EQ(gbx_msg_recv(s[1], buf, sizeof(buf), fds, &nfds), -EPROTO);
	CHECK_EQ(nfds, 0);

	/* A header whose len disagrees with the datagram. */
	h.len = 999;
	raw_send(s[0], &h, sizeof(h), many, 0);
	CHECK_EQ(gbx_msg_recv(s[1], buf, sizeof(buf), fds, &nfds), -EPROTO);

	/* Shorter than a header. */
	raw_send(s[0], "abc", 3, NULL, 0);
	CHECK_EQ(gbx_msg_recv(s[1], buf, sizeof(buf), fds, &nfds), -EPROTO);

	CHECK_EQ(open_fds(), before);
}

static void
test_bulk(void)
{
	char out[100], in[100];
	int fd;

	REQUIRE((fd = gbx_bulk_create()) != -1);
	memset(out, 'q', sizeof(out));
	CHECK_ERR(gbx_bulk_write(fd, out, sizeof(out), 0), 0);
	CHECK_ERR(gbx_bulk_read(fd, in, sizeof(in), 0), 0);
	CHECK(memcmp(in, out, sizeof(in)) == 0);
	/* A client that shrinks its bulk buffer gets EPROTO, not a fault. */
	REQUIRE(ftruncate(fd, 10) == 0);
	CHECK_ERR(gbx_bulk_read(fd, in, sizeof(in), 0), EPROTO);
	close(fd);
}

int
main(void)
{
	char buf[GBX_MSG_MAX];
	int s[2], fds[GBX_MAX_FDS];
	unsigned nfds;

	REQUIRE(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, s) == 0);
	test_roundtrip(s);
	test_refusals(s);
	test_bulk();
	close(s[0]);
	CHECK_EQ(gbx_msg_recv(s[1], buf, sizeof(buf), fds, &nfds), 0);
	close(s[1]);
	return (check_exit());
}
