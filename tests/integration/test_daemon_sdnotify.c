/*
 * Integration test of gntboxd's readiness notification for systemd
 * (Type=notify; src/base/sdnotify.c) against real gntboxd processes.
 * systemd's side is what systemd does: a datagram socket named by
 * $NOTIFY_SOCKET, a path or an abstract name ("@..."), read here.
 *
 * Without --ready-fd, "READY=1" arrives once every socket listens: a
 * control connection made right after it succeeds at the first try.
 * "STOPPING=1" follows a shutdown request, and gntboxd exits 0.  With
 * --ready-fd too, both are told.  An unreachable or malformed
 * $NOTIFY_SOCKET is logged (one line naming it) and gntboxd serves anyway.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stddef.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/paths.h"
#include "check.h"
#include "daemon.h"
#include "harness.h"

#define WAIT_MS 30000 /* sanitizer builds start slowly */

/*
 * A datagram socket such as systemd listens on: at path, or with the
 * abstract name path + 1 when path starts with '@'.
 */
static int
listener(const char *path)
{
	struct sockaddr_un sa;
	socklen_t len;
	int fd;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	REQUIRE(strlen(path) < sizeof(sa.sun_path));
	memcpy(sa.sun_path, path, strlen(path));
	if (path[0] == '@')
		sa.sun_path[0] = '\0';
	else
		(void)unlink(path);
	len =
	    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path));
	REQUIRE((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) != -1);
	REQUIRE(bind(fd, (struct sockaddr *)&sa, len) == 0);
	return (fd);
}

/* The next datagram on fd, as a string ("" when none came in time). */
static void
next_state(int fd, char *buf, size_t len)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t n;

	buf[0] = '\0';
	if (poll(&p, 1, WAIT_MS) != 1)
		return;
	if ((n = recv(fd, buf, len - 1, 0)) > 0)
		buf[n] = '\0';
}

/* gntboxd on $GNTBOX_DIR with $NOTIFY_SOCKET=addr and no --ready-fd. */
static pid_t
spawn_notify(const char *addr)
{
	char path[GBX_PATH_MAX];
	const char *build;
	pid_t pid;

	if ((build = getenv("GNTBOX_BUILD")) == NULL || *build == '\0')
		build = "build";
	(void)snprintf(path, sizeof(path), "%s/bin/gntboxd", build);
	REQUIRE((pid = fork()) != -1);
	if (pid == 0) {
		(void)setenv("NOTIFY_SOCKET", addr, 1);
		execl(path, path, "--dir", getenv("GNTBOX_DIR"), (char *)NULL);
		_exit(127);
	}
	return (pid);
}

/*
 * Readiness through addr alone: READY=1 means the control socket already
 * answers; a shutdown request brings STOPPING=1 and exit status 0.
 */
static void
notify_only(const char *addr, int fd)
{
	char state[256];
	pid_t pid;
	int ctl;

	pid = spawn_notify(addr);
	next_state(fd, state, sizeof(state));
	CHECK(strcmp(state, "READY=1") == 0);
	/* No retry: the sockets listen before READY=1 is sent. */
	CHECK((ctl = td_control()) != -1);
	if (ctl != -1)
		(void)close(ctl);
	CHECK_EQ(td_stop(pid), 0);
	next_state(fd, state, sizeof(state));
	CHECK(strcmp(state, "STOPPING=1") == 0);
}

/* The file at path, in buf (truncated to len - 1 bytes). */
static void
read_file(const char *path, char *buf, size_t len)
{
	FILE *f;
	size_t n;

	buf[0] = '\0';
	if ((f = fopen(path, "r")) == NULL)
		return;
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	(void)fclose(f);
}

/*
 * A $NOTIFY_SOCKET that cannot be reached: gntboxd still becomes ready
 * (--ready-fd), serves, logs why systemd was not told, and exits 0.
 */
static void
bad_address(const char *addr, const char *why)
{
	char log[GBX_PATH_MAX], text[4096], want[256];
	const char *extra[] = { "--log", log, NULL };
	pid_t pid;
	int ctl;

	(void)snprintf(log, sizeof(log), "%s/notify-test.log",
	    getenv("GNTBOX_DIR"));
	(void)unlink(log);
	REQUIRE(setenv("NOTIFY_SOCKET", addr, 1) == 0);
	pid = td_start(extra);
	REQUIRE(unsetenv("NOTIFY_SOCKET") == 0);
	CHECK(pid != -1);
	if (pid == -1)
		return;
	CHECK((ctl = td_control()) != -1);
	if (ctl != -1)
		(void)close(ctl);
	CHECK_EQ(td_stop(pid), 0);
	(void)snprintf(want, sizeof(want), "NOTIFY_SOCKET: %s", why);
	read_file(log, text, sizeof(text));
	CHECK(strstr(text, want) != NULL);
	if (strstr(text, want) == NULL)
		fprintf(stderr, "no '%s' in the log:\n%s", want, text);
}

int
main(void)
{
	char path[GBX_PATH_MAX], abstract[64], state[256];
	const char *dir;
	int fd;

	REQUIRE((dir = getenv("GNTBOX_DIR")) != NULL);
	REQUIRE(unsetenv("NOTIFY_SOCKET") == 0);

	/* A socket path, as systemd gives (/run/systemd/notify). */
	(void)snprintf(path, sizeof(path), "%s/notify", dir);
	fd = listener(path);
	notify_only(path, fd);

	/* An abstract name, as systemd gives a user manager's services. */
	(void)snprintf(abstract, sizeof(abstract), "@gntbox-test-notify-%d",
	    (int)getpid());
	{
		int afd = listener(abstract);

		notify_only(abstract, afd);
		(void)close(afd);
	}

	/* Unreachable: nothing bound there; malformed: not an address. */
	(void)snprintf(path, sizeof(path), "%s/nobody", dir);
	bad_address(path, strerror(ENOENT));
	bad_address("relative/notify", strerror(EINVAL));

	/*
	 * Both ways at once (--ready-fd and $NOTIFY_SOCKET), with the
	 * harness; the daemon serves as any other: a page shared and given
	 * back leaves the levels at their baseline.
	 */
	(void)snprintf(path, sizeof(path), "%s/notify", dir);
	REQUIRE(setenv("NOTIFY_SOCKET", path, 1) == 0);
	th_start(NULL);
	REQUIRE(unsetenv("NOTIFY_SOCKET") == 0);
	next_state(fd, state, sizeof(state));
	CHECK(strcmp(state, "READY=1") == 0);
	th_domain(1);
	th_domain(2);
	th_baseline();
	{
		uint32_t ref;
		uint64_t off;
		gntbox_t *h;

		REQUIRE((h = gntbox_open(1)) != NULL);
		CHECK_ERR(gntbox_share(h, 2, 1, 0, &ref, &off), 0);
		CHECK_ERR(gntbox_close(h), 0);
	}
	CHECK(th_check_baseline("share and close") == 1);
	(void)close(fd);
	return (th_finish());
}
