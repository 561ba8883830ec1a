/*
 * Integration test of gntboxd's handling of bad input: truncated,
 * oversized and lying datagrams (the connection is dropped), unknown
 * types, wrong kinds, wrong body lengths, wrong descriptor counts, bad
 * flags and bulk misuse (EPROTO, and every refused descriptor closed),
 * one-way messages that fail (counted, no reply), clients that go away in
 * the middle of a request, and a fuzz loop of random messages after which
 * the daemon still answers and every level is back at its baseline.
 */
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/paths.h"
#include "test_daemon.h"

static struct tdx_msg *m;
static int ctl;

static uint64_t
dropped(void)
{
	struct gbx_stats st;

	tdx_stats(ctl, &st);
	return (st.conns_dropped);
}

/* Raw bytes, bypassing every check of gbx_msg_send. */
static void
raw(int fd, const void *data, size_t len)
{

	REQUIRE(send(fd, data, len, MSG_NOSIGNAL) == (ssize_t)len);
}

/* Datagrams that cannot be parsed drop the connection. */
static void
test_unparseable(void)
{
	struct gbx_hdr h;
	char *big;
	uint64_t d0;
	int fd;

	d0 = dropped();
	/* Shorter than a header. */
	REQUIRE((fd = td_open(0, GBX_KIND_GNTDEV, NULL)) != -1);
	raw(fd, "\x14\0\0\0\x08", 5);
	CHECK(tdx_dropped(fd));
	close(fd);
	/* A header whose length lies. */
	REQUIRE((fd = td_open(0, GBX_KIND_GNTDEV, NULL)) != -1);
	memset(&h, 0, sizeof(h));
	h.type = GBX_ARENA_GET;
	h.len = 100;
	raw(fd, &h, sizeof(h));
	CHECK(tdx_dropped(fd));
	close(fd);
	/* Before HELLO too. */
	REQUIRE((fd = td_control()) != -1);
	h.len = 0;
	raw(fd, &h, sizeof(h));
	CHECK(tdx_dropped(fd));
	close(fd);
	/* Larger than any message may be. */
	REQUIRE((fd = td_open(0, GBX_KIND_GNTDEV, NULL)) != -1);
	REQUIRE((big = calloc(1, GBX_MSG_MAX + 4096)) != NULL);
	h.len = GBX_MSG_MAX + 4096;
	memcpy(big, &h, sizeof(h));
	raw(fd, big, GBX_MSG_MAX + 4096);
	free(big);
	CHECK(tdx_dropped(fd));
	close(fd);
	CHECK_U64(dropped(), d0 + 4);
}

/* What is wrong but whole is answered EPROTO; the connection lives on. */
static void
test_eproto(void)
{
	struct gbx_notify_map nm;
	struct gbx_refs rf = { 1, 0 };
	struct gbx_dump dump = { GBX_ALL_DOMAINS, 0, 0 };
	struct gbx_arena_get ag = { 12345, 0 };
	uint64_t e0;
	int fd, p[2], bulk, i;
	uint32_t ref = 8;

	REQUIRE((fd = td_open(0, GBX_KIND_GNTDEV, NULL)) != -1);
	REQUIRE(pipe(p) == 0);
	REQUIRE((bulk = gbx_bulk_create()) != -1);
	memset(&nm, 0, sizeof(nm));
	e0 = tdx_protocol_errors(ctl);
	/* Unknown types, and types of other kinds. */
	CHECK_EQ(tdx_call(fd, 0x99, NULL, 0, NULL, 0, -1, m), EPROTO);
	CHECK_EQ(tdx_call(fd, 0, NULL, 0, NULL, 0, -1, m), EPROTO);
	CHECK_EQ(tdx_call(fd, 0xffff, &nm, sizeof(nm), NULL, 0, -1, m), EPROTO);
	CHECK_EQ(tdx_call(fd, GBX_CTL_STATS, NULL, 0, NULL, 0, -1, m), EPROTO);
	CHECK_EQ(tdx_call(fd, GBX_EVT_NOTIFY, &ag, sizeof(ag), NULL, 0, -1, m),
	    EPROTO);
	CHECK_EQ(tdx_call(ctl, GBX_ARENA_GET, &ag, sizeof(ag), NULL, 0, -1, m),
	    EPROTO);
	/* Bodies too short, too long, with a tail where none belongs. */
	CHECK_EQ(tdx_call(fd, GBX_NOTIFY_MAP, &nm, sizeof(nm) - 4, NULL, 0, -1,
		     m),
	    EPROTO);
	CHECK_EQ(tdx_call(fd, GBX_NOTIFY_MAP, &nm, sizeof(nm), &ref, 4, -1, m),
	    EPROTO);
	CHECK_EQ(tdx_call(fd, GBX_ARENA_GET, NULL, 0, NULL, 0, -1, m), EPROTO);
	CHECK_EQ(tdx_call(ctl, GBX_CTL_STATS, &ref, 4, NULL, 0, -1, m), EPROTO);
	CHECK_EQ(tdx_call(ctl, GBX_CTL_PING, &ref, 4, NULL, 0, -1, m), EPROTO);
	/* A tail shorter or longer than its count says. */
	{
		struct gbx_map mp = { 2, 0, { 0, 0, 0 } };
		struct gbx_grant_ref gr[3];

		memset(gr, 0, sizeof(gr));
		CHECK_EQ(tdx_call(fd, GBX_MAP, &mp, sizeof(mp), gr,
			     sizeof(gr[0]), -1, m),
		    EPROTO);
		CHECK_EQ(tdx_call(fd, GBX_MAP, &mp, sizeof(mp), gr, sizeof(gr),
			     -1, m),
		    EPROTO);
		CHECK_EQ(tdx_call(fd, GBX_MAP, &mp, sizeof(mp), gr,
			     2 * sizeof(gr[0]) - 1, -1, m),
		    EPROTO);
	}
	/* Flags we do not know; an error field in a request. */
	REQUIRE(tdx_send(fd, GBX_ARENA_GET, 0x8000, 5, &ag, sizeof(ag), NULL, 0,
		    NULL, 0) == 0);
	REQUIRE(tdx_recv(fd, m) > 0);
	CHECK_EQ(m->u.h.error, EPROTO);
	CHECK_EQ(m->u.h.seq, 5);
	{
		struct gbx_hdr h = { GBX_ARENA_GET, 0, 0, 6, 1 };

		REQUIRE(gbx_msg_send(fd, &h, &ag, sizeof(ag), NULL, 0, NULL,
			    0) == 0);
		REQUIRE(tdx_recv(fd, m) > 0);
		CHECK_EQ(m->u.h.error, EPROTO);
	}
	/* Descriptors where none belong; all of them get closed. */
	REQUIRE(tdx_send(fd, GBX_ARENA_GET, 0, 7, &ag, sizeof(ag), NULL, 0,
		    (int[]){ p[1], p[1], p[1] }, 3) == 0);
	REQUIRE(tdx_recv(fd, m) > 0);
	CHECK_EQ(m->u.h.error, EPROTO);
	/* Bulk: without a memfd, with a pipe, with two, where no tail is. */
	REQUIRE(tdx_send(fd, GBX_DEALLOC, GBX_F_BULK, 8, &rf, sizeof(rf), NULL,
		    0, NULL, 0) == 0);
	REQUIRE(tdx_send(fd, GBX_DEALLOC, GBX_F_BULK, 9, &rf, sizeof(rf), NULL,
		    0, &p[1], 1) == 0);
	REQUIRE(tdx_send(fd, GBX_DEALLOC, GBX_F_BULK, 10, &rf, sizeof(rf), NULL,
		    0, (int[]){ bulk, bulk }, 2) == 0);
	CHECK_EQ(tdx_call(fd, GBX_ARENA_GET, &ag, sizeof(ag), NULL, 0, bulk, m),
	    EPROTO);
	/* A bulk memfd shorter than the tail. */
	{
		struct gbx_map mp = { 100, 0, { 0, 0, 0 } };

		REQUIRE(ftruncate(bulk, 0) == 0);
		REQUIRE(tdx_send(fd, GBX_MAP, GBX_F_BULK, 11, &mp, sizeof(mp),
			    NULL, 0, &bulk, 1) == 0);
		REQUIRE(tdx_recv(fd, m) > 0);
		CHECK_EQ(m->u.h.seq, 11);
		CHECK_EQ(m->u.h.error, EPROTO);
		/* An inline tail next to a bulk one. */
		REQUIRE(tdx_send(fd, GBX_MAP, GBX_F_BULK, 12, &mp, sizeof(mp),
			    &ref, 4, &bulk, 1) == 0);
		REQUIRE(tdx_recv(fd, m) > 0);
		CHECK_EQ(m->u.h.error, EPROTO);
	}
	/* Dumps only come in bulk. */
	CHECK_EQ(tdx_call(ctl, GBX_CTL_GRANTS, &dump, sizeof(dump), NULL, 0, -1,
		     m),
	    EPROTO);
	CHECK_EQ(tdx_call(ctl, GBX_CTL_DOMAIN_LIST, NULL, 0, NULL, 0, -1, m),
	    EPROTO);
	CHECK_EQ(tdx_call(ctl, GBX_CTL_STATS, NULL, 0, NULL, 0, bulk, m),
	    EPROTO);
	/* COPY_ACQUIRE without its body. */
	CHECK_EQ(tdx_call(fd, GBX_COPY_ACQUIRE, NULL, 0, NULL, 0, -1, m),
	    EPROTO);
	/* The one-way ones were counted, not answered: the next reply is 13. */
	CHECK_EQ(tdx_call(fd, GBX_ARENA_GET, &ag, sizeof(ag), NULL, 0, -1, m),
	    ENOENT);
	/*
	 * Kinds and types 6, bodies 6, tails 3, flags and error 2, stray
	 * descriptors 1, bulk misuse 6, bulk-only and no-bulk types 3.
	 */
	CHECK_U64(tdx_protocol_errors(ctl), e0 + 27);
	/* One-way failures: bad counts and refs not held. */
	e0 = tdx_protocol_errors(ctl);
	rf.count = 0;
	REQUIRE(tdx_oneway(fd, GBX_DEALLOC, &rf, sizeof(rf), NULL, 0, -1) == 0);
	rf.count = 3;
	REQUIRE(tdx_oneway(fd, GBX_MAPPED, &rf, sizeof(rf),
		    (uint32_t[]){ 8, 9, 10 }, 12, -1) == 0);
	{
		struct gbx_unmap u = { 42, 0, 1, 0 };

		REQUIRE(
		    tdx_oneway(fd, GBX_UNMAP, &u, sizeof(u), NULL, 0, -1) == 0);
	}
	CHECK_EQ(tdx_call(fd, GBX_ARENA_GET, &ag, sizeof(ag), NULL, 0, -1, m),
	    ENOENT);
	CHECK_U64(tdx_protocol_errors(ctl), e0 + 5);
	/* Still connected; and every refused descriptor was closed. */
	close(p[1]);
	for (i = 0; i < 100; i++) {
		struct pollfd pfd = { p[0], POLLIN, 0 };

		if (poll(&pfd, 1, 100) == 1)
			break;
	}
	CHECK_EQ(read(p[0], &ref, 1), 0);
	close(p[0]);
	close(bulk);
	close(fd);
}

/* Clients that go away before their reply. */
static void
test_gone(void)
{
	static struct gbx_grant_ref gr[4096];
	struct gbx_map mp = { 4096, 0, { 0, 0, 0 } };
	struct gbx_alloc a = { 0, GBX_ALLOC_WRITABLE, 8192 };
	int fd, i;

	for (i = 0; i < 20; i++) {
		REQUIRE((fd = td_open(0, GBX_KIND_GNTDEV, NULL)) != -1);
		REQUIRE(
		    tdx_oneway(fd, GBX_ALLOC, &a, sizeof(a), NULL, 0, -1) == 0);
		REQUIRE(tdx_oneway(fd, GBX_MAP, &mp, sizeof(mp), gr, sizeof(gr),
			    -1) == 0);
		close(fd);
	}
	CHECK_EQ(tdx_call(ctl, GBX_CTL_PING, NULL, 0, NULL, 0, -1, m), 0);
}

/* One message of random shape, type and descriptors. */
static void
fuzz_one(int fd, bool control, int memfd, int pfd)
{
	static const uint16_t gnt[] = { GBX_HELLO, GBX_ALLOC, GBX_DEALLOC,
		GBX_MAPPED, GBX_UNMAPPED, GBX_MAP, GBX_UNMAP, GBX_NOTIFY_GRANT,
		GBX_NOTIFY_MAP, GBX_ARENA_GET, GBX_COPY_ACQUIRE,
		GBX_COPY_RELEASE, GBX_ADOPT, GBX_EVT_BIND_UNBOUND,
		GBX_CTL_STATS };
	static const uint16_t ctlt[] = { GBX_HELLO, GBX_CTL_PING,
		GBX_CTL_DOMAIN_LIST, GBX_CTL_GRANTS, GBX_CTL_PORTS,
		GBX_CTL_STATS, GBX_ALLOC, GBX_MAP };
	static const size_t sizes[] = { 0, 4, 8, 16, 24, 32, 72 };
	uint32_t body[64];
	uint16_t type, flags;
	size_t len;
	unsigned i, nfds;
	int fds[2];

	for (i = 0; i < 64; i++)
		body[i] = (uint32_t)random();
	if (random() % 4 == 0)
		type = (uint16_t)random();
	else if (control)
		type = ctlt[random() % (sizeof(ctlt) / sizeof(ctlt[0]))];
	else
		type = gnt[random() % (sizeof(gnt) / sizeof(gnt[0]))];
	/* Plausible counts and refs often, anything sometimes. */
	if (random() % 2 == 0) {
		body[0] = (uint32_t)(random() % 20);
		body[1] = (uint32_t)(random() % 4);
		body[2] = 8 + (uint32_t)(random() % 20);
		body[3] = (uint32_t)(random() % 3);
	}
	len = random() % 3 == 0 ?
	    (size_t)random() % sizeof(body) :
	    sizes[random() % 7] + (random() % 2) * 8 * (size_t)(random() % 8);
	if (len > sizeof(body))
		len = sizeof(body);
	flags = random() % 8 == 0 ? (uint16_t)random() :
				    (random() % 4 == 0 ? GBX_F_BULK : 0);
	nfds = 0;
	if (random() % 4 == 0)
		fds[nfds++] = memfd;
	if (random() % 8 == 0)
		fds[nfds++] = pfd;
	(void)tdx_send(fd, type, flags, (uint32_t)random(), body, len, NULL, 0,
	    fds, nfds);
}

/* Read whatever replies are there, without waiting. */
static bool
drain(int fd)
{
	struct pollfd p = { fd, POLLIN, 0 };
	ssize_t r;

	while (poll(&p, 1, 0) == 1) {
		if ((p.revents & POLLIN) == 0)
			return (false);
		if ((r = tdx_recv(fd, m)) <= 0 && r != -EPROTO)
			return (false);
		tdx_close(m);
	}
	return (true);
}

static void
test_fuzz(void)
{
	int fds[6], memfd, p[2], i, j;
	uint32_t zeros[64];

	memset(zeros, 0, sizeof(zeros));
	srandom(4242);
	REQUIRE((memfd = gbx_bulk_create()) != -1);
	REQUIRE(gbx_bulk_write(memfd, zeros, sizeof(zeros), 0) == 0);
	REQUIRE(pipe(p) == 0);
	CHECK_EQ(tdx_domain_create(ctl, 1, NULL), 0);
	for (j = 0; j < 6; j++)
		fds[j] = -1;
	for (i = 0; i < 20000; i++) {
		j = (int)(random() % 6);
		if (fds[j] == -1) {
			if (j < 2)
				fds[j] = td_control();
			else
				fds[j] = td_open((unsigned)j % 2,
				    GBX_KIND_GNTDEV, NULL);
			REQUIRE(fds[j] != -1);
		}
		fuzz_one(fds[j], j < 2, memfd, p[1]);
		if (!drain(fds[j]) || random() % 500 == 0) {
			close(fds[j]);
			fds[j] = -1;
		}
	}
	for (j = 0; j < 6; j++)
		if (fds[j] != -1)
			close(fds[j]);
	close(memfd);
	close(p[0]);
	close(p[1]);
	CHECK_EQ(tdx_call(ctl, GBX_CTL_PING, NULL, 0, NULL, 0, -1, m), 0);
	CHECK_EQ(tdx_domain_destroy(ctl, 1), 0);
}

int
main(void)
{
	struct tdx_env env;
	struct gbx_stats st;

	REQUIRE((m = malloc(sizeof(*m))) != NULL);
	ctl = tdx_begin(&env, NULL, 0);
	test_unparseable();
	test_eproto();
	test_gone();
	tdx_baseline(ctl, &env.base);
	test_fuzz();
	tdx_stats(ctl, &st);
	CHECK(st.protocol_errors > 1000);
	free(m);
	return (tdx_end(&env, 0));
}
