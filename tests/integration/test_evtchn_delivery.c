/*
 * Integration test: event delivery between real processes of two domains.
 *
 * - Ping-pong: 1000 round trips between a process of domain 1 and one of
 *   domain 2, each side blocking in gntbox_evtchn_pending().
 * - Coalescing: a thousand notifies while the port is pending deliver it
 *   once; after the unmask it is delivered once more (it fired while
 *   masked), and then nothing.
 * - The handle's descriptor under poll, select and epoll is readable
 *   exactly when a port is deliverable: not while masked, not after the
 *   port was taken.
 * - Several threads notify through one handle and read from it at once:
 *   every notify is delivered exactly once.
 * - Many bind / notify / unbind cycles with several peers leave the
 *   process's descriptor count where it was.
 */
#include <sys/epoll.h>
#include <sys/select.h>

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "test_evtchn.h"

#define ROUNDS 1000

struct pp {
	struct th_chan ch;
	uint32_t port; /* domain 1's port, waiting for domain 2 */
};

/* Domain 2's side of the ping-pong: echo every event back. */
static int
pong(void *arg)
{
	struct pp *pp = arg;
	gntbox_evtchn_t *e;
	uint32_t port;

	e = gntbox_evtchn_open(-1, 0);
	REQUIRE(e != NULL);
	port = te_join(e, 1, pp->port);
	th_send_u64(&pp->ch, 1, (uint64_t)port);
	te_echo(e, port, ROUNDS, 0, NULL);
	(void)th_recv_u64(&pp->ch, 1);
	CHECK_ERR(gntbox_evtchn_close(e), 0);
	return (0);
}

static void
test_pingpong(void)
{
	gntbox_evtchn_t *e;
	struct pp pp;
	pid_t pid;
	int port, i, bad;

	th_chan_open(&pp.ch);
	e = gntbox_evtchn_open(1, 0);
	REQUIRE(e != NULL);
	port = gntbox_evtchn_bind_unbound(e, 2);
	REQUIRE(port > 0);
	pp.port = (uint32_t)port;
	pid = th_spawn(2, pong, &pp);
	(void)th_recv_u64(&pp.ch, 0);
	bad = 0;
	for (i = 0; i < ROUNDS && bad == 0; i++) {
		if (gntbox_evtchn_notify(e, (uint32_t)port) != 0 ||
		    gntbox_evtchn_pending(e) != port ||
		    gntbox_evtchn_unmask(e, (uint32_t)port) != 0)
			bad = 1;
	}
	CHECK_EQ(bad, 0);
	CHECK_EQ(i, ROUNDS);
	/* Nothing more is pending on either side. */
	CHECK(!te_readable(e, 50));
	th_send_u64(&pp.ch, 0, 1);
	CHECK_EQ(th_wait(pid), 0);
	CHECK_ERR(gntbox_evtchn_close(e), 0);
	th_chan_close(&pp.ch);
}

/* Domain 2 notifies port n times when asked, then reports. */
static int
burst(void *arg)
{
	struct pp *pp = arg;
	gntbox_evtchn_t *e;
	uint64_t n;
	int port, i;

	e = te_open(-1);
	port = gntbox_evtchn_bind_interdomain(e, 1, pp->port);
	REQUIRE(port > 0);
	while ((n = th_recv_u64(&pp->ch, 1)) != 0) {
		for (i = 0; i < (int)n; i++)
			CHECK_ERR(gntbox_evtchn_notify(e, (uint32_t)port), 0);
		th_send_u64(&pp->ch, 1, n);
	}
	CHECK_ERR(gntbox_evtchn_close(e), 0);
	return (0);
}

static void
test_coalesce(void)
{
	gntbox_evtchn_t *e;
	struct pp pp;
	pid_t pid;
	int port;

	th_chan_open(&pp.ch);
	e = te_open(1);
	port = gntbox_evtchn_bind_unbound(e, 2);
	REQUIRE(port > 0);
	pp.port = (uint32_t)port;
	pid = th_spawn(2, burst, &pp);
	th_send_u64(&pp.ch, 0, 1000);
	(void)th_recv_u64(&pp.ch, 0);
	CHECK_EQ(te_wait(e, 1000), port);
	/* Once, however many notifies: nothing else until the unmask. */
	CHECK_EQ(gntbox_evtchn_pending(e), -1);
	CHECK_EQ(errno, EAGAIN);
	/* More while masked. */
	th_send_u64(&pp.ch, 0, 1000);
	(void)th_recv_u64(&pp.ch, 0);
	CHECK(!te_readable(e, 50));
	CHECK_ERR(gntbox_evtchn_unmask(e, (uint32_t)port), 0);
	/* It fired while masked: once more, then nothing. */
	CHECK_EQ(te_wait(e, 1000), port);
	CHECK_ERR(gntbox_evtchn_unmask(e, (uint32_t)port), 0);
	CHECK_EQ(te_wait(e, 100), -1);
	CHECK(!te_readable(e, 0));
	th_send_u64(&pp.ch, 0, 0);
	CHECK_EQ(th_wait(pid), 0);
	CHECK_ERR(gntbox_evtchn_close(e), 0);
	th_chan_close(&pp.ch);
}

/* Readable by select() now? */
static bool
sel_readable(int fd)
{
	struct timeval tv = { 0, 0 };
	fd_set r;

	FD_ZERO(&r);
	FD_SET(fd, &r);
	return (select(fd + 1, &r, NULL, NULL, &tv) == 1 && FD_ISSET(fd, &r));
}

/* Readable by epoll (level-triggered) now? */
static bool
ep_readable(int ep)
{
	struct epoll_event ev;

	return (epoll_wait(ep, &ev, 1, 0) == 1 && (ev.events & EPOLLIN) != 0);
}

/* poll, select and epoll all say r. */
static void
readiness(gntbox_evtchn_t *e, int ep, bool r)
{

	CHECK_EQ(te_readable(e, 0), r);
	CHECK_EQ(sel_readable(gntbox_evtchn_fd(e)), r);
	CHECK_EQ(ep_readable(ep), r);
}

static void
test_poll(void)
{
	struct epoll_event ev;
	gntbox_evtchn_t *a, *b;
	uint32_t pa, pb;
	int ep, i;

	a = te_open(1);
	b = te_open(2);
	pa = te_connect(a, 1, b, 2, &pb);
	REQUIRE((ep = epoll_create1(EPOLL_CLOEXEC)) != -1);
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	REQUIRE(epoll_ctl(ep, EPOLL_CTL_ADD, gntbox_evtchn_fd(a), &ev) == 0);
	for (i = 0; i < 3; i++) {
		readiness(a, ep, false);
		CHECK_ERR(gntbox_evtchn_notify(b, pb), 0);
		readiness(a, ep, true);
		/* Still pending, however often it is notified. */
		CHECK_ERR(gntbox_evtchn_notify(b, pb), 0);
		readiness(a, ep, true);
		CHECK_EQ(gntbox_evtchn_pending(a), (int)pa);
		readiness(a, ep, false);
		/* Masked: a notify makes it pending, not readable. */
		CHECK_ERR(gntbox_evtchn_notify(b, pb), 0);
		readiness(a, ep, false);
		CHECK_ERR(gntbox_evtchn_unmask(a, pa), 0);
		readiness(a, ep, true);
		CHECK_EQ(gntbox_evtchn_pending(a), (int)pa);
		CHECK_ERR(gntbox_evtchn_unmask(a, pa), 0);
	}
	readiness(a, ep, false);
	(void)close(ep);
	CHECK_ERR(gntbox_evtchn_close(a), 0);
	CHECK_ERR(gntbox_evtchn_close(b), 0);
}

#define NTHREADS 4
#define NREADERS 2
#define NNOTIFY	 2000

/*
 * Threads: handle a (this process, domain 1) has NTHREADS ports bound to
 * ports of a domain-2 process that echoes every event back.  NTHREADS
 * notifier threads each notify their own port and wait for its echo,
 * which NREADERS reader threads take from a and count.
 */
struct mt {
	gntbox_evtchn_t *a;
	uint32_t port[NTHREADS];
	_Atomic uint32_t seen[NTHREADS];
	_Atomic int stop;
	_Atomic int idx;
	_Atomic int ok;
};

static int
echo(void *arg)
{
	struct pp *pp = arg;
	uint32_t ports[NTHREADS];
	gntbox_evtchn_t *e;
	int i, p;

	e = gntbox_evtchn_open(-1, 0);
	REQUIRE(e != NULL);
	th_recv(&pp->ch, 1, ports, sizeof(ports));
	for (i = 0; i < NTHREADS; i++) {
		p = gntbox_evtchn_bind_interdomain(e, 1, ports[i]);
		REQUIRE(p > 0);
		CHECK_EQ(gntbox_evtchn_pending(e), p);
		CHECK_ERR(gntbox_evtchn_unmask(e, (uint32_t)p), 0);
		ports[i] = (uint32_t)p;
	}
	th_send(&pp->ch, 1, ports, sizeof(ports));
	for (i = 0; i < NTHREADS * NNOTIFY; i++) {
		if ((p = gntbox_evtchn_pending(e)) <= 0) {
			CHECK(0);
			break;
		}
		CHECK_ERR(gntbox_evtchn_unmask(e, (uint32_t)p), 0);
		CHECK_ERR(gntbox_evtchn_notify(e, (uint32_t)p), 0);
	}
	(void)th_recv_u64(&pp->ch, 1);
	CHECK_ERR(gntbox_evtchn_close(e), 0);
	return (0);
}

static void *
notifier(void *arg)
{
	struct mt *mt = arg;
	uint32_t k;
	int i, spins;

	i = atomic_fetch_add(&mt->idx, 1);
	for (k = 1; k <= NNOTIFY; k++) {
		if (gntbox_evtchn_notify(mt->a, mt->port[i]) != 0)
			mt->ok = 0;
		for (spins = 0; atomic_load(&mt->seen[i]) < k; spins++) {
			if (spins > 200000) {
				mt->ok = 0;
				return (NULL);
			}
			if (spins > 100)
				te_sleep_ms(0);
			else
				sched_yield();
		}
	}
	return (NULL);
}

static void *
reader(void *arg)
{
	struct mt *mt = arg;
	int port, i;

	while (!atomic_load(&mt->stop)) {
		if ((port = te_wait(mt->a, 100)) <= 0)
			continue;
		for (i = 0; i < NTHREADS; i++)
			if (mt->port[i] == (uint32_t)port)
				break;
		if (i == NTHREADS)
			mt->ok = 0;
		else
			atomic_fetch_add(&mt->seen[i], 1);
		if (gntbox_evtchn_unmask(mt->a, (uint32_t)port) != 0)
			mt->ok = 0;
	}
	return (NULL);
}

static void
test_threads(void)
{
	pthread_t nt[NTHREADS], rt[NREADERS];
	uint32_t remote[NTHREADS];
	static struct mt mt;
	struct pp pp;
	pid_t pid;
	int i, p;

	memset(&mt, 0, sizeof(mt));
	mt.ok = 1;
	th_chan_open(&pp.ch);
	mt.a = te_open(1);
	for (i = 0; i < NTHREADS; i++) {
		p = gntbox_evtchn_bind_unbound(mt.a, 2);
		REQUIRE(p > 0);
		mt.port[i] = (uint32_t)p;
	}
	pid = th_spawn(2, echo, &pp);
	th_send(&pp.ch, 0, mt.port, sizeof(mt.port));
	th_recv(&pp.ch, 0, remote, sizeof(remote));
	for (i = 0; i < NREADERS; i++)
		REQUIRE(pthread_create(&rt[i], NULL, reader, &mt) == 0);
	for (i = 0; i < NTHREADS; i++)
		REQUIRE(pthread_create(&nt[i], NULL, notifier, &mt) == 0);
	for (i = 0; i < NTHREADS; i++)
		(void)pthread_join(nt[i], NULL);
	atomic_store(&mt.stop, 1);
	for (i = 0; i < NREADERS; i++)
		(void)pthread_join(rt[i], NULL);
	CHECK_EQ(mt.ok, 1);
	/* Exactly one delivery per notify. */
	for (i = 0; i < NTHREADS; i++)
		CHECK_EQ(atomic_load(&mt.seen[i]), NNOTIFY);
	CHECK(!te_readable(mt.a, 50));
	th_send_u64(&pp.ch, 0, 1);
	CHECK_EQ(th_wait(pid), 0);
	CHECK_ERR(gntbox_evtchn_close(mt.a), 0);
	th_chan_close(&pp.ch);
}

/*
 * Bind, notify both ways and unbind, many times, with several peer
 * handles (each notify teaches the notifier a peer's page and eventfd):
 * the descriptor count stays flat, and so do gntboxd's levels.
 */
static void
test_fds(void)
{
	gntbox_evtchn_t *a, *peers[3];
	uint32_t pa, pb;
	int nstart, n0, round, i;

	nstart = te_nfds();
	a = te_open(1);
	for (i = 0; i < 3; i++)
		peers[i] = te_open(2);
	n0 = te_nfds();
	for (round = 0; round < 200; round++) {
		i = round % 3;
		pa = te_connect(a, 1, peers[i], 2, &pb);
		CHECK_ERR(gntbox_evtchn_notify(a, pa), 0);
		CHECK_ERR(gntbox_evtchn_notify(peers[i], pb), 0);
		CHECK_EQ(te_wait(peers[i], 1000), (int)pb);
		CHECK_EQ(te_wait(a, 1000), (int)pa);
		if (round % 2 == 0) {
			CHECK_ERR(gntbox_evtchn_unbind(a, pa), 0);
			/* The peer falls back; its notify goes nowhere. */
			CHECK_ERR(gntbox_evtchn_notify(peers[i], pb), 0);
			CHECK_ERR(gntbox_evtchn_unbind(peers[i], pb), 0);
		} else {
			CHECK_ERR(gntbox_evtchn_unbind(peers[i], pb), 0);
			CHECK_ERR(gntbox_evtchn_notify(a, pa), 0);
			CHECK_ERR(gntbox_evtchn_unbind(a, pa), 0);
		}
	}
	CHECK_EQ(te_nfds(), n0);
	for (i = 0; i < 3; i++)
		CHECK_ERR(gntbox_evtchn_close(peers[i]), 0);
	CHECK_ERR(gntbox_evtchn_close(a), 0);
	/* Opening and closing handles leaks nothing either. */
	for (round = 0; round < 50; round++) {
		a = te_open(1);
		peers[0] = te_open(2);
		pa = te_connect(a, 1, peers[0], 2, &pb);
		CHECK_ERR(gntbox_evtchn_notify(a, pa), 0);
		CHECK_ERR(gntbox_evtchn_close(a), 0);
		CHECK_ERR(gntbox_evtchn_close(peers[0]), 0);
	}
	CHECK_EQ(te_nfds(), nstart);
}

int
main(void)
{

	th_start(NULL);
	th_domain(1);
	th_domain(2);
	th_baseline();
	test_pingpong();
	th_check_baseline("ping-pong");
	test_coalesce();
	th_check_baseline("coalescing");
	test_poll();
	th_check_baseline("poll, select, epoll");
	test_threads();
	th_check_baseline("threads");
	test_fds();
	th_check_baseline("descriptors");
	return (th_finish());
}
