/*
 * The process token of a GNTDEV HELLO is checked (issue 11, defect 2;
 * docs/security.md): it must be one end of a socketpair, an AF_UNIX
 * stream or seqpacket socket with no name at either end and whose peer
 * is not gntboxd.  The attack of the issue passed the client's own end of
 * the connection as its token: gntboxd then held both ends, never saw a
 * hangup and kept the connection (and its descriptors) until the domain
 * died, and 2,000 repetitions took it from 15 to 2,063 descriptors.  Here
 * the attack is repeated 2,000 times and refused each time, and gntboxd's
 * connections and descriptors stay where they were; every other kind of
 * bad token is refused, the good ones accepted.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/paths.h"
#include "test_daemon.h"

#define ATTACKS 2000

static struct tdx_msg *m;

/* The descriptors gntboxd has open now. */
static unsigned
daemon_fds(pid_t pid)
{
	char path[64];
	struct dirent *de;
	unsigned n;
	DIR *d;

	(void)snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	REQUIRE((d = opendir(path)) != NULL);
	n = 0;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	(void)closedir(d);
	return (n);
}

/* A GNTDEV HELLO on fd with token as its process token; the error. */
static int
hello_with(int fd, int token)
{
	struct gbx_hello h = { GBX_PROTO_VERSION, GBX_KIND_GNTDEV };
	int e;

	e = -1;
	if (tdx_send(fd, GBX_HELLO, 0, 1, &h, sizeof(h), NULL, 0, &token, 1) ==
		0 &&
	    tdx_recv(fd, m) >= (ssize_t)sizeof(struct gbx_hdr))
		e = m->u.h.error;
	tdx_close(m);
	return (e);
}

/* A new connection to domain 1's device socket. */
static int
device(void)
{
	char path[GBX_PATH_MAX];
	int fd;

	REQUIRE(gbx_path_device(path, sizeof(path), 1) == 0);
	REQUIRE((fd = td_connect(path)) != -1);
	return (fd);
}

/* The attack: a connection whose token is itself, 2,000 times. */
static void
test_self_token(int ctl, pid_t daemon)
{
	struct gbx_stats st0, st;
	unsigned fds0, i, refused;
	int fd;

	tdx_stats(ctl, &st0);
	fds0 = daemon_fds(daemon);
	refused = 0;
	for (i = 0; i < ATTACKS; i++) {
		fd = device();
		if (hello_with(fd, fd) == EPROTO)
			refused++;
		close(fd);
	}
	CHECK_EQ(refused, ATTACKS);
	/* Each refusal is a protocol error; nothing else is left. */
	tdx_baseline(ctl, &st0);
	tdx_stats(ctl, &st);
	CHECK_U64(st.protocol_errors, st0.protocol_errors + ATTACKS);
	CHECK(daemon_fds(daemon) <= fds0 + 2);
	/* Honest programs are still served. */
	fd = device();
	{
		int sp[2];

		REQUIRE(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sp) == 0);
		CHECK_EQ(hello_with(fd, sp[1]), 0);
		close(sp[0]);
		close(sp[1]);
	}
	close(fd);
}

/* Every other token that could never hang up, or is not a token at all. */
static void
test_bad_tokens(int ctl)
{
	char path[GBX_PATH_MAX];
	struct sockaddr_un sa;
	struct gbx_stats st0;
	int fd, other, xs, s, sp[2], i;

	tdx_stats(ctl, &st0);
	/* The client's end of another connection to gntboxd. */
	fd = device();
	other = device();
	CHECK_EQ(hello_with(fd, other), EPROTO);
	REQUIRE(gbx_path_xenstore(path, sizeof(path), 1) == 0);
	REQUIRE((xs = socket(AF_UNIX, SOCK_STREAM, 0)) != -1);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, strlen(path));
	REQUIRE(connect(xs, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	CHECK_EQ(hello_with(fd, xs), EPROTO);
	CHECK_EQ(hello_with(fd, ctl), EPROTO);
	close(xs);
	close(other);
	/* A socket with a name of its own. */
	REQUIRE((s = socket(AF_UNIX, SOCK_SEQPACKET, 0)) != -1);
	(void)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/named",
	    getenv("GNTBOX_DIR"));
	REQUIRE(bind(s, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	CHECK_EQ(hello_with(fd, s), EPROTO);
	CHECK_EQ(listen(s, 1), 0);
	CHECK_EQ(hello_with(fd, s), EPROTO);
	close(s);
	unlink(sa.sun_path);
	/* Not AF_UNIX, a datagram pair, and a socket never connected. */
	REQUIRE((s = socket(AF_INET, SOCK_STREAM, 0)) != -1);
	CHECK_EQ(hello_with(fd, s), EPROTO);
	close(s);
	REQUIRE(socketpair(AF_UNIX, SOCK_DGRAM, 0, sp) == 0);
	CHECK_EQ(hello_with(fd, sp[1]), EPROTO);
	close(sp[0]);
	close(sp[1]);
	REQUIRE((s = socket(AF_UNIX, SOCK_STREAM, 0)) != -1);
	CHECK_EQ(hello_with(fd, s), EPROTO);
	close(s);
	/* A socketpair, stream or seqpacket, is a token. */
	for (i = 0; i < 2; i++) {
		REQUIRE(socketpair(AF_UNIX,
			    i == 0 ? SOCK_STREAM : SOCK_SEQPACKET, 0, sp) == 0);
		s = device();
		CHECK_EQ(hello_with(s, sp[1]), 0);
		close(s);
		close(sp[0]);
		close(sp[1]);
	}
	close(fd);
	tdx_baseline(ctl, &st0);
}

int
main(void)
{
	struct tdx_env env;
	int ctl;

	REQUIRE((m = malloc(sizeof(*m))) != NULL);
	ctl = tdx_begin(&env, NULL, 1);
	test_self_token(ctl, env.pid);
	test_bad_tokens(ctl);
	free(m);
	return (tdx_end(&env, 1));
}
