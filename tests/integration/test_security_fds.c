/*
 * One domain cannot take gntboxd's descriptors from the others (issue 11,
 * defect 3; docs/security.md, "Descriptors").  gntboxd runs here with a
 * descriptor limit of 512, as a small RLIMIT_NOFILE would have it, and
 * its defaults: a domain may then have a quarter of what gntboxd may hold
 * for clients (--max-fds).  Before, domain 1 alone took every descriptor
 * gntboxd had; then domain 2's programs connected and were never answered.
 *
 * - A client of domain 1 that never reads its replies, each carrying a
 *   descriptor, stalls itself after GBXD_OUT_HIGH_FDMSGS of them: gntboxd
 *   stops reading it, and holds a bounded number of copies.
 * - Domain 1 opens connections until it is refused: the refusal is an
 *   answer (EMFILE, on the device socket as on the xenstore socket, in
 *   HELLO and at accept), counted in limit_refusals, and gntboxd's `fds`
 *   level stops at the domain's share.
 * - Domain 2's programs still connect and are served: a raw HELLO, the
 *   library's share and map, xenstore.
 * - Everything domain 1 held goes back when it lets go.
 */
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xen/io/xs_wire.h>

#include "base/paths.h"
#include "client/link.h"
#include "harness.h"
#include "test_daemon.h"

#define NOFILE	   512
#define MAX_CONNS  1000
#define FLOOD	   2000
#define FDMSGS_MAX 16 /* GBXD_OUT_HIGH_FDMSGS */

static struct tdx_msg *m;
static int ctl;

static void
stats(struct gbx_stats *st)
{

	tdx_stats(ctl, st);
}

/* A socket connected to path with a receive timeout of 5 s, or -1. */
static int
connect_to(const char *path, int type)
{
	struct timeval tv = { 5, 0 };
	struct sockaddr_un sa;
	int fd;

	REQUIRE((fd = socket(AF_UNIX, type, 0)) != -1);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, strlen(path));
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1) {
		close(fd);
		return (-1);
	}
	return (fd);
}

/*
 * A GNTDEV connection to domain domid with a fresh token: returns the
 * socket (its token's client end in *token), or -1 with the error of the
 * HELLO (or of the refusal sent before it) in *error; ETIMEDOUT when
 * nothing came within 5 s.
 */
static int
gntdev(unsigned domid, int *token, int *error)
{
	struct gbx_hello h = { GBX_PROTO_VERSION, GBX_KIND_GNTDEV };
	char path[GBX_PATH_MAX];
	int fd, sp[2];
	ssize_t r;

	REQUIRE(gbx_path_device(path, sizeof(path), domid) == 0);
	*error = ECONNREFUSED;
	if ((fd = connect_to(path, SOCK_SEQPACKET)) == -1)
		return (-1);
	REQUIRE(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sp) == 0);
	(void)tdx_send(fd, GBX_HELLO, 0, 1, &h, sizeof(h), NULL, 0, &sp[1], 1);
	close(sp[1]);
	r = tdx_recv(fd, m);
	tdx_close(m);
	if (r < (ssize_t)sizeof(struct gbx_hdr) || m->u.h.error != 0) {
		*error = r < (ssize_t)sizeof(struct gbx_hdr) ? ETIMEDOUT :
							       m->u.h.error;
		close(fd);
		close(sp[0]);
		return (-1);
	}
	*token = sp[0];
	*error = 0;
	return (fd);
}

/*
 * A xenstore request on a new connection of domid: 0, or the error.  With
 * keep, a connection that was answered stays open in *keep.
 */
static int
xs_read_keep(unsigned domid, int *keep)
{
	char path[GBX_PATH_MAX], buf[sizeof(struct xsd_sockmsg) + 64];
	struct xsd_sockmsg h;
	ssize_t r;
	int fd;

	REQUIRE(gbx_path_xenstore(path, sizeof(path), domid) == 0);
	if ((fd = connect_to(path, SOCK_STREAM)) == -1)
		return (ECONNREFUSED);
	memset(&h, 0, sizeof(h));
	h.type = XS_READ;
	h.len = sizeof("domid");
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), "domid", sizeof("domid"));
	(void)send(fd, buf, sizeof(h) + h.len, MSG_NOSIGNAL);
	r = recv(fd, buf, sizeof(buf) - 1, 0);
	if (r >= (ssize_t)sizeof(h) && keep != NULL &&
	    ((const struct xsd_sockmsg *)(void *)buf)->type == XS_READ)
		*keep = fd;
	else
		close(fd);
	if (r < (ssize_t)sizeof(h))
		return (ETIMEDOUT);
	memcpy(&h, buf, sizeof(h));
	buf[r] = '\0';
	if (h.type == XS_ERROR)
		return (strcmp(buf + sizeof(h), "EMFILE") == 0 ? EMFILE : EIO);
	return (h.type == XS_READ ? 0 : EIO);
}

static int
xs_read_domid(unsigned domid)
{

	return (xs_read_keep(domid, NULL));
}

/*
 * A client that sends FLOOD requests whose replies carry a descriptor
 * (ARENA_GET) and reads none: gntboxd keeps at most FDMSGS_MAX copies
 * for it, then stops reading it.  Once it reads, every reply comes.
 */
static void
test_flood(void)
{
	struct gbx_alloc_reply ar;
	struct gbx_arena_get ag;
	struct gbx_stats st0, st;
	uint32_t ref, seq, got;
	int fd, token, error;

	REQUIRE((fd = gntdev(1, &token, &error)) != -1);
	CHECK_EQ(tdx_alloc(fd, 2, GBX_ALLOC_WRITABLE, 1, &ref, &ar, -1, m), 0);
	tdx_close(m);
	stats(&st0);
	memset(&ag, 0, sizeof(ag));
	ag.arena = ar.arena;
	/* Without blocking: we stop when gntboxd stops reading us. */
	REQUIRE(fcntl(fd, F_SETFL, O_NONBLOCK) == 0);
	for (seq = 0; seq < FLOOD; seq++) {
		if (tdx_send(fd, GBX_ARENA_GET, 0, 100 + seq, &ag, sizeof(ag),
			NULL, 0, NULL, 0) == 0)
			continue;
		/* Full: wait a little in case gntboxd is still reading. */
		usleep(100 * 1000);
		if (tdx_send(fd, GBX_ARENA_GET, 0, 100 + seq, &ag, sizeof(ag),
			NULL, 0, NULL, 0) != 0)
			break;
	}
	REQUIRE(fcntl(fd, F_SETFL, 0) == 0);
	/* gntboxd stopped reading us: our requests wait in the socket. */
	CHECK(seq < FLOOD);
	stats(&st);
	CHECK(st.fds <= st0.fds + FDMSGS_MAX);
	CHECK(st.conns_dropped == st0.conns_dropped);
	/* We read: everything we sent is answered, in order. */
	for (got = 0; got < seq; got++) {
		if (tdx_recv(fd, m) < (ssize_t)sizeof(struct gbx_hdr) ||
		    m->u.h.seq != 100 + got || m->u.h.error != 0 ||
		    m->nfds != 1)
			break;
		tdx_close(m);
	}
	CHECK_EQ(got, seq);
	close(token);
	close(fd);
}

/* Domain 1 takes its share; domain 2 is served all the same. */
static void
test_share(void)
{
	struct gbx_stats st0, st;
	int fds[MAX_CONNS], tokens[MAX_CONNS], xs[MAX_CONNS];
	int n, nxs, i, fd, token, error, last;
	gntbox_t *h;

	stats(&st0);
	last = 0;
	for (n = 0; n < MAX_CONNS; n++) {
		if ((fds[n] = gntdev(1, &tokens[n], &last)) == -1)
			break;
	}
	/* Refused with an answer, not left waiting. */
	CHECK(n > 8 && n < MAX_CONNS);
	CHECK_EQ(last, EMFILE);
	/* Its xenstore connections take what is left, then are refused. */
	for (nxs = 0; nxs < MAX_CONNS; nxs++)
		if ((error = xs_read_keep(1, &xs[nxs])) != 0)
			break;
	CHECK_EQ(error, EMFILE);
	/* Now refused as it is accepted, before its HELLO is read. */
	REQUIRE((fd = gntdev(1, &token, &error)) == -1);
	CHECK_EQ(error, EMFILE);
	/* The library reports it as EMFILE too. */
	errno = 0;
	CHECK(gntbox_open(1) == NULL && errno == EMFILE);
	stats(&st);
	CHECK(st.limit_refusals >= st0.limit_refusals + 4);
	/* Well within what gntboxd may hold: the rest is the others'. */
	CHECK(st.fds - st0.fds < NOFILE / 2);

	/* Domain 2's programs connect and are served. */
	REQUIRE((fd = gntdev(2, &token, &error)) != -1);
	close(token);
	close(fd);
	CHECK_EQ(xs_read_domid(2), 0);
	REQUIRE((h = th_open(2)) != NULL);
	{
		uint32_t ref;
		uint64_t off;

		off = th_share(h, 0, 1, GNTBOX_SHARE_WRITABLE, &ref);
		(void)off;
		CHECK_ERR(gntbox_close(h), 0);
	}

	/* Domain 1 lets go: it may connect again. */
	for (i = 0; i < n; i++) {
		close(tokens[i]);
		close(fds[i]);
	}
	for (i = 0; i < nxs; i++)
		close(xs[i]);
	th_expect_protocol_errors(); /* the refusals count as dropped */
	th_check_baseline("domain 1 released its connections");
	REQUIRE((fd = gntdev(1, &token, &error)) != -1);
	close(token);
	close(fd);
	CHECK_EQ(xs_read_domid(1), 0);
}

int
main(void)
{
	struct rlimit rl = { NOFILE, NOFILE };

	REQUIRE((m = malloc(sizeof(*m))) != NULL);
	/* gntboxd inherits it: its clients may have about 440 in all. */
	REQUIRE(setrlimit(RLIMIT_NOFILE, &rl) == 0);
	th_start(NULL);
	th_domain(1);
	th_domain(2);
	REQUIRE((ctl = td_control()) != -1);
	th_baseline();
	test_flood();
	th_check_baseline("a client that does not read");
	test_share();
	th_check_baseline("domain 1 connected again");
	close(ctl);
	free(m);
	return (th_finish());
}
