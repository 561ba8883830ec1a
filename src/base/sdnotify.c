/*
 * sdnotify.c: systemd's readiness protocol, spoken by hand.
 *
 * systemd starts a Type=notify service with $NOTIFY_SOCKET, the address of
 * a datagram socket: a path, or an abstract name when it starts with '@'.
 * One datagram holding "READY=1" there says the service is ready.  That is
 * one sendto(2), so gntboxd speaks it itself rather than link libsystemd:
 * the daemon gains no runtime dependency (and no library that would come
 * with it into containers and CI machines without systemd), and where
 * $NOTIFY_SOCKET is unset this does nothing.  Newer systemd also offers
 * vsock addresses; a service of this machine never gets one.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/sdnotify.h"

int
gbx_sd_notify(const char *state)
{
	struct sockaddr_un sa;
	const char *addr;
	size_t n;
	int fd, error;

	if ((addr = getenv("NOTIFY_SOCKET")) == NULL || *addr == '\0')
		return (0);
	n = strlen(addr);
	if ((addr[0] != '/' && addr[0] != '@') || n >= sizeof(sa.sun_path))
		return (EINVAL);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, addr, n);
	/* An abstract name: its length, not a NUL, ends it. */
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = '\0';
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return (errno);
	error = 0;
	if (sendto(fd, state, strlen(state), MSG_NOSIGNAL,
		(const struct sockaddr *)&sa,
		(socklen_t)(offsetof(struct sockaddr_un, sun_path) + n)) == -1)
		error = errno;
	(void)close(fd);
	return (error);
}
