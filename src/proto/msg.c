/*
 * msg.c: protocol message I/O over SOCK_SEQPACKET.
 *
 * SOCK_SEQPACKET keeps message boundaries, so one sendmsg() is one message
 * and one recvmsg() gets exactly one; a message longer than the buffer is
 * reported with MSG_TRUNC, and descriptors that did not fit with
 * MSG_CTRUNC.  Both are protocol errors here, and the descriptors that did
 * arrive are closed so that a misbehaving peer cannot leak them into us;
 * only a client whose descriptor table is full, which gntboxd's replies
 * cannot help, takes MSG_CTRUNC as it comes (gbx_msg_recv_ctrunc).
 */
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "proto/msg.h"

int
gbx_msg_send(int sock, struct gbx_hdr *h, const void *body, size_t blen,
    const void *tail, size_t tlen, const int *fds, unsigned nfds)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * GBX_MAX_FDS)];
	} ctl;
	struct msghdr m;
	struct cmsghdr *c;
	struct iovec iov[3];
	size_t total;
	ssize_t r;
	int n;

	if (nfds > GBX_MAX_FDS)
		return (EINVAL);
	total = sizeof(*h) + blen + tlen;
	if (blen > GBX_MSG_MAX || tlen > GBX_MSG_MAX || total > GBX_MSG_MAX)
		return (EMSGSIZE);
	h->len = (uint32_t)total;
	n = 0;
	iov[n].iov_base = h;
	iov[n++].iov_len = sizeof(*h);
	if (blen != 0) {
		iov[n].iov_base = (void *)(uintptr_t)body;
		iov[n++].iov_len = blen;
	}
	if (tlen != 0) {
		iov[n].iov_base = (void *)(uintptr_t)tail;
		iov[n++].iov_len = tlen;
	}
	memset(&m, 0, sizeof(m));
	m.msg_iov = iov;
	m.msg_iovlen = (size_t)n;
	if (nfds != 0) {
		memset(&ctl, 0, sizeof(ctl));
		m.msg_control = ctl.buf;
		m.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
	}
	do
		r = sendmsg(sock, &m, MSG_NOSIGNAL);
	while (r == -1 && errno == EINTR);
	if (r == -1)
		return (errno == EWOULDBLOCK ? EAGAIN : errno);
	/* SOCK_SEQPACKET sends all or nothing. */
	return ((size_t)r == total ? 0 : EPROTO);
}

void
gbx_close_fds(int *fds, unsigned *n)
{

	while (*n > 0)
		(void)close(fds[--*n]);
}

ssize_t
gbx_msg_recv(int sock, void *buf, size_t cap, int *fds, unsigned *nfds)
{

	return (gbx_msg_recv_ctrunc(sock, buf, cap, fds, nfds, NULL));
}

ssize_t
gbx_msg_recv_ctrunc(int sock, void *buf, size_t cap, int *fds, unsigned *nfds,
    bool *ctrunc)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * GBX_MAX_FDS)];
	} ctl;
	struct gbx_hdr h;
	struct msghdr m;
	struct cmsghdr *c;
	struct iovec iov;
	size_t n;
	ssize_t r;

	*nfds = 0;
	iov.iov_base = buf;
	iov.iov_len = cap;
	memset(&m, 0, sizeof(m));
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = ctl.buf;
	m.msg_controllen = sizeof(ctl.buf);
	do
		r = recvmsg(sock, &m, MSG_CMSG_CLOEXEC);
	while (r == -1 && errno == EINTR);
	if (r == -1)
		return (errno == EWOULDBLOCK ? -EAGAIN : -errno);
	/* Collect every descriptor first, so that each path can close them. */
	for (c = CMSG_FIRSTHDR(&m); c != NULL; c = CMSG_NXTHDR(&m, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		while (n-- > 0 && *nfds < GBX_MAX_FDS) {
			memcpy(&fds[*nfds], CMSG_DATA(c) + *nfds * sizeof(int),
			    sizeof(int));
			(*nfds)++;
		}
	}
	if (r == 0 && *nfds == 0)
		return (0);
	if (ctrunc != NULL) {
		/* The caller copes with descriptors the kernel dropped. */
		*ctrunc = (m.msg_flags & MSG_CTRUNC) != 0;
		m.msg_flags &= ~MSG_CTRUNC;
	}
	if ((m.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0 ||
	    (size_t)r < sizeof(h))
		goto bad;
	memcpy(&h, buf, sizeof(h));
	if (h.len != (uint32_t)r)
		goto bad;
	return (r);
bad:
	gbx_close_fds(fds, nfds);
	return (-EPROTO);
}

int
gbx_bulk_create(void)
{

	return (memfd_create("gntbox-bulk", MFD_CLOEXEC));
}

int
gbx_bulk_write(int fd, const void *data, size_t len, uint64_t off)
{
	const char *p;
	size_t done;
	ssize_t r;

	p = data;
	for (done = 0; done < len; done += (size_t)r) {
		r = pwrite(fd, p + done, len - done, (off_t)(off + done));
		if (r == -1 && errno == EINTR) {
			r = 0;
			continue;
		}
		if (r <= 0)
			return (r == 0 ? EIO : errno);
	}
	return (0);
}

int
gbx_bulk_read(int fd, void *data, size_t len, uint64_t off)
{
	char *p;
	size_t done;
	ssize_t r;

	p = data;
	for (done = 0; done < len; done += (size_t)r) {
		r = pread(fd, p + done, len - done, (off_t)(off + done));
		if (r == -1 && errno == EINTR) {
			r = 0;
			continue;
		}
		if (r == -1)
			return (errno);
		if (r == 0)
			return (EPROTO);
	}
	return (0);
}
