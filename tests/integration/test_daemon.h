/*
 * test_daemon.h: what the daemon's integration tests share on top of
 * tests/lib/daemon.h: raw messages with any header and descriptors, calls
 * that keep the reply's descriptors, bulk calls, and the statistics
 * baseline every test must return to.
 */
#ifndef GNTBOX_TESTS_TEST_DAEMON_H
#define GNTBOX_TESTS_TEST_DAEMON_H

#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "daemon.h"
#include "proto/msg.h"

#define TDU __attribute__((unused)) static

static uint32_t tdx_seq = 1u << 30;

/* A received message: header, body (tail included) and descriptors. */
struct tdx_msg {
	union {
		struct gbx_hdr h;
		char buf[GBX_MSG_MAX];
	} u;
	size_t blen; /* bytes after the header */
	int fds[GBX_MAX_FDS];
	unsigned nfds;
};

/* Send a message with a header of our choosing (flags, error, len). */
TDU int
tdx_send(int fd, uint16_t type, uint16_t flags, uint32_t seq, const void *body,
    size_t blen, const void *tail, size_t tlen, const int *fds, unsigned nfds)
{
	struct gbx_hdr h;

	memset(&h, 0, sizeof(h));
	h.type = type;
	h.flags = flags;
	h.seq = seq;
	return (gbx_msg_send(fd, &h, body, blen, tail, tlen, fds, nfds));
}

/* Receive one message; returns its length, 0 at EOF, or -errno. */
TDU ssize_t
tdx_recv(int fd, struct tdx_msg *m)
{
	ssize_t r;

	r = gbx_msg_recv(fd, m->u.buf, sizeof(m->u.buf), m->fds, &m->nfds);
	m->blen = r >= (ssize_t)sizeof(struct gbx_hdr) ?
	    (size_t)r - sizeof(struct gbx_hdr) :
	    0;
	return (r);
}

TDU void *
tdx_body(struct tdx_msg *m)
{

	return (m->u.buf + sizeof(struct gbx_hdr));
}

TDU void
tdx_close(struct tdx_msg *m)
{

	gbx_close_fds(m->fds, &m->nfds);
}

/*
 * One request and its reply, which m keeps with its descriptors.  bulk is
 * a memfd to attach (with GBX_F_BULK), or -1.  Returns the reply's error,
 * or -1 when the transport failed or the reply does not match.
 */
TDU int
tdx_call(int fd, uint16_t type, const void *body, size_t blen, const void *tail,
    size_t tlen, int bulk, struct tdx_msg *m)
{
	uint32_t seq = ++tdx_seq;
	int e;

	if (bulk != -1) {
		if (tlen != 0 && gbx_bulk_write(bulk, tail, tlen, 0) != 0)
			return (-1);
		e = tdx_send(fd, type, GBX_F_BULK, seq, body, blen, NULL, 0,
		    &bulk, 1);
	} else {
		e = tdx_send(fd, type, 0, seq, body, blen, tail, tlen, NULL, 0);
	}
	if (e != 0 || tdx_recv(fd, m) < (ssize_t)sizeof(struct gbx_hdr))
		return (-1);
	if (m->u.h.type != type || m->u.h.seq != seq) {
		tdx_close(m);
		return (-1);
	}
	return (m->u.h.error);
}

/* Send a one-way message. */
TDU int
tdx_oneway(int fd, uint16_t type, const void *body, size_t blen,
    const void *tail, size_t tlen, int bulk)
{

	if (bulk != -1) {
		if (gbx_bulk_write(bulk, tail, tlen, 0) != 0)
			return (-1);
		return (tdx_send(fd, type, GBX_F_BULK, ++tdx_seq, body, blen,
		    NULL, 0, &bulk, 1));
	}
	return (
	    tdx_send(fd, type, 0, ++tdx_seq, body, blen, tail, tlen, NULL, 0));
}

/* True when the daemon closed this connection (EOF within 10 s). */
TDU bool
tdx_dropped(int fd)
{
	struct tdx_msg *m = malloc(sizeof(*m));
	ssize_t r;

	REQUIRE(m != NULL);
	while ((r = tdx_recv(fd, m)) > 0)
		tdx_close(m);
	free(m);
	return (r == 0 || r == -ECONNRESET);
}

TDU void
tdx_stats(int ctl, struct gbx_stats *st)
{
	size_t rlen;

	REQUIRE(td_call(ctl, GBX_CTL_STATS, NULL, 0, NULL, 0, st, sizeof(*st),
		    &rlen) == 0);
	REQUIRE(rlen == sizeof(*st));
	REQUIRE(st->size == sizeof(*st));
}

TDU bool
tdx_levels_equal(const struct gbx_stats *a, const struct gbx_stats *b)
{

	return (a->domains == b->domains && a->connections == b->connections &&
	    a->grants == b->grants && a->maps == b->maps &&
	    a->handles == b->handles && a->deferred == b->deferred &&
	    a->pages == b->pages && a->arenas == b->arenas &&
	    a->ports == b->ports && a->nodes == b->nodes &&
	    a->watches == b->watches && a->transactions == b->transactions);
}

/*
 * Wait (10 s at most: releases are asynchronous) until every level is at
 * base, then check each.  Returns the last statistics in *now if asked.
 */
TDU void
tdx_baseline(int ctl, const struct gbx_stats *base)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	struct gbx_stats st;
	int i;

	for (i = 0; i < 1000; i++) {
		tdx_stats(ctl, &st);
		if (tdx_levels_equal(&st, base))
			break;
		(void)nanosleep(&ts, NULL);
	}
	CHECK_U64(st.domains, base->domains);
	CHECK_U64(st.connections, base->connections);
	CHECK_U64(st.grants, base->grants);
	CHECK_U64(st.maps, base->maps);
	CHECK_U64(st.handles, base->handles);
	CHECK_U64(st.deferred, base->deferred);
	CHECK_U64(st.pages, base->pages);
	CHECK_U64(st.arenas, base->arenas);
	CHECK_U64(st.ports, base->ports);
	CHECK_U64(st.nodes, base->nodes);
	CHECK_U64(st.watches, base->watches);
	CHECK_U64(st.transactions, base->transactions);
}

/* Wait until pred(stats) holds (10 s at most); returns it. */
TDU bool
tdx_wait(int ctl, bool (*pred)(const struct gbx_stats *, const void *),
    const void *arg)
{
	struct timespec ts = { 0, 5 * 1000 * 1000 };
	struct gbx_stats st;
	int i;

	for (i = 0; i < 2000; i++) {
		tdx_stats(ctl, &st);
		if (pred(&st, arg))
			return (true);
		(void)nanosleep(&ts, NULL);
	}
	return (false);
}

TDU int
tdx_domain_create(int ctl, unsigned domid, const char *name)
{
	struct gbx_domain_create dc;
	size_t rlen;

	memset(&dc, 0, sizeof(dc));
	dc.domid = (uint16_t)domid;
	if (name != NULL)
		(void)snprintf(dc.name, sizeof(dc.name), "%s", name);
	return (td_call(ctl, GBX_CTL_DOMAIN_CREATE, &dc, sizeof(dc), NULL, 0,
	    NULL, 0, &rlen));
}

TDU int
tdx_domain_destroy(int ctl, unsigned domid)
{
	struct gbx_domain_id di;
	size_t rlen;

	memset(&di, 0, sizeof(di));
	di.domid = (uint16_t)domid;
	return (td_call(ctl, GBX_CTL_DOMAIN_DESTROY, &di, sizeof(di), NULL, 0,
	    NULL, 0, &rlen));
}

/* Let the test open many descriptors. */
TDU void
tdx_raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/*
 * ALLOC count pages for grantee; refs (count of them) and the reply are
 * returned, the reply's descriptors kept in m.  bulk: a memfd or -1.
 */
TDU int
tdx_alloc(int fd, uint16_t grantee, uint16_t flags, uint32_t count,
    uint32_t *refs, struct gbx_alloc_reply *ar, int bulk, struct tdx_msg *m)
{
	struct gbx_alloc a = { grantee, flags, count };
	int e;

	e = tdx_call(fd, GBX_ALLOC, &a, sizeof(a), NULL, 0, bulk, m);
	if (e != 0)
		return (e);
	REQUIRE(m->blen >= sizeof(*ar));
	memcpy(ar, tdx_body(m), sizeof(*ar));
	if (refs == NULL)
		return (0);
	if (bulk != -1)
		REQUIRE(
		    gbx_bulk_read(bulk, refs, count * sizeof(*refs), 0) == 0);
	else
		memcpy(refs, (char *)tdx_body(m) + sizeof(*ar),
		    count * sizeof(*refs));
	return (0);
}

/* The descriptor of arena id among m's, or -1. */
TDU int
tdx_arena_fd(const struct tdx_msg *m, const struct gbx_fdlist *fl, uint32_t id)
{
	uint32_t i;

	for (i = 0; i < fl->nfds && i < m->nfds; i++)
		if (fl->arena[i] == id)
			return (m->fds[i]);
	return (-1);
}

/* A test's daemon, its control connection and the levels to return to. */
struct tdx_env {
	pid_t pid;
	int ctl;
	struct gbx_stats base;
};

/* gntboxd's total of protocol errors. */
TDU uint64_t
tdx_protocol_errors(int ctl)
{
	struct gbx_stats st;

	tdx_stats(ctl, &st);
	return (st.protocol_errors);
}

/*
 * Start a daemon with extra arguments (or NULL), connect to its control
 * socket, take the baseline, then create domains 1 to ndomains.
 */
TDU int
tdx_begin(struct tdx_env *e, const char *const *args, unsigned ndomains)
{
	unsigned i;

	REQUIRE((e->pid = td_start(args)) > 0);
	REQUIRE((e->ctl = td_control()) != -1);
	tdx_stats(e->ctl, &e->base);
	for (i = 1; i <= ndomains; i++)
		CHECK_EQ(tdx_domain_create(e->ctl, i, NULL), 0);
	return (e->ctl);
}

/*
 * Destroy domains 1 to ndomains, check every level is back at the
 * baseline, stop the daemon (a clean exit, sanitizers included) and
 * return the test's exit status.
 */
TDU int
tdx_end(struct tdx_env *e, unsigned ndomains)
{
	unsigned i;

	for (i = 1; i <= ndomains; i++)
		CHECK_EQ(tdx_domain_destroy(e->ctl, i), 0);
	tdx_baseline(e->ctl, &e->base);
	close(e->ctl);
	CHECK_EQ(td_stop(e->pid), 0);
	return (check_exit());
}

#endif /* GNTBOX_TESTS_TEST_DAEMON_H */
