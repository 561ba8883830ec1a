/*
 * xswire.c: see xswire.h.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "base/paths.h"
#include "xswire.h"

int
xw_connect(unsigned domid)
{
	struct sockaddr_un sun;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (gbx_path_xenstore(sun.sun_path, sizeof(sun.sun_path), domid) != 0)
		return (-1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return (-1);
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		(void)close(fd);
		return (-1);
	}
	return (fd);
}

int
xw_send(int fd, uint32_t type, uint32_t req_id, uint32_t tx_id,
    const void *payload, size_t len)
{
	struct xsd_sockmsg h;
	struct iovec iov[2];
	struct msghdr mh;
	ssize_t r;

	h.type = type;
	h.req_id = req_id;
	h.tx_id = tx_id;
	h.len = (uint32_t)len;
	iov[0].iov_base = &h;
	iov[0].iov_len = sizeof(h);
	iov[1].iov_base = (void *)(uintptr_t)payload;
	iov[1].iov_len = len;
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = iov;
	mh.msg_iovlen = 2;
	r = sendmsg(fd, &mh, MSG_NOSIGNAL);
	if (r == -1)
		return (errno);
	return ((size_t)r == sizeof(h) + len ? 0 : EIO);
}

/* Read exactly len bytes, each wait bounded by timeout_ms. */
static int
xw_read(int fd, void *buf, size_t len, int timeout_ms)
{
	struct pollfd p;
	char *b = buf;
	ssize_t r;
	int n;

	while (len > 0) {
		p.fd = fd;
		p.events = POLLIN;
		if ((n = poll(&p, 1, timeout_ms)) == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return (n == 0 ? ETIMEDOUT : errno);
		r = read(fd, b, len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			return (ECONNRESET);
		b += r;
		len -= (size_t)r;
	}
	return (0);
}

int
xw_recv(int fd, struct xw_msg *m, int timeout_ms)
{
	int error;

	if ((error = xw_read(fd, &m->h, sizeof(m->h), timeout_ms)) != 0)
		return (error);
	if (m->h.len > XENSTORE_PAYLOAD_MAX)
		return (EPROTO);
	if ((error = xw_read(fd, m->data, m->h.len, timeout_ms)) != 0)
		return (error);
	m->data[m->h.len] = '\0';
	return (0);
}

int
xw_errno(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(xsd_errors) / sizeof(xsd_errors[0]); i++)
		if (strcmp(name, xsd_errors[i].errstring) == 0)
			return (xsd_errors[i].errnum);
	return (EINVAL);
}

int
xw_call(int fd, uint32_t type, const void *payload, size_t len,
    struct xw_msg *m)
{
	static struct xw_msg scratch;
	int error;

	if (m == NULL)
		m = &scratch;
	if ((error = xw_send(fd, type, 0, 0, payload, len)) != 0)
		return (error);
	do {
		if ((error = xw_recv(fd, m, XW_TIMEOUT_MS)) != 0)
			return (error);
	} while (m->h.type == XS_WATCH_EVENT);
	if (m->h.type == XS_ERROR)
		return (xw_errno(m->data));
	return (m->h.type == type ? 0 : EPROTO);
}
