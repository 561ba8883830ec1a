/*
 * evtrows.h: the rows of docs/events.md's table of event delivery (every
 * interleaving of notify, read and unmask that Linux and Xen tell apart),
 * as scripts run twice: through the native API
 * (tests/integration/test_evtchn_rows.c) and through Debian's unmodified
 * libxenevtchn (tests/compat/test_compat_evtchn_rows.c).
 *
 * Two processes each serve commands on one event-channel handle: "A" in
 * domain 1 (the reader of most rows) and "B" in domain 2.  Each runs
 * er_serve() with the operations of its API (struct er_ops); the test's
 * main process, which holds no handle, sends the commands over a th_chan
 * (end 0 its own, end 1 the server's) and checks every answer, so one
 * script checks both APIs.  Every command returns when its effect is
 * done: a notify has delivered (fast path) or gntboxd has (slow path), so
 * the scripts need no sleeps but where they check that nothing happens.
 *
 * Each row opens fresh handles (ER_REOPEN), so no entry of an earlier row
 * is left in a ring; the test checks gntboxd's levels after each.
 */
#ifndef GNTBOX_TESTS_EVTROWS_H
#define GNTBOX_TESTS_EVTROWS_H

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "check.h"
#include "client/link.h"
#include "harness.h"
#include "lib/ctl.h"

#define ER __attribute__((unused)) static

enum er_cmd {
	ER_REOPEN = 1,	 /* close the handle (and its ports), open another */
	ER_BIND_UNBOUND, /* arg: remote domain -> port */
	ER_BIND_INTER,	 /* arg: remote domain << 16 | remote port -> port */
	ER_NOTIFY,	 /* arg: port */
	ER_UNMASK,	 /* arg: port */
	ER_UNBIND,	 /* arg: port */
	ER_READ,	 /* a non-blocking read -> port, or -errno */
	ER_POLL,	 /* poll() now -> revents */
	ER_RESET,	 /* IOCTL_EVTCHN_RESET */
	ER_RESTRICT,	 /* arg: domain */
	ER_READERS,	 /* two threads start a blocking read each */
	ER_READERS_DONE, /* how many of them have returned */
	ER_READERS_JOIN, /* join them -> the sum of the ports they read */
	ER_SHARE,	 /* arg: port: share a page with domain 1, unmap
			    notify SEND_EVENT on port */
	ER_UNSHARE,	 /* give it up (the notify fires), then a round trip
			    on the same connection, so it has fired */
	ER_QUIT,
};

/* One API's way of doing each command, on its handle h. */
struct er_ops {
	void *(*open)(void);
	void (*close)(void *h);
	int (*fd)(void *h);
	int64_t (*bind_unbound)(void *h, uint32_t dom);
	int64_t (*bind_inter)(void *h, uint32_t dom, uint32_t port);
	int64_t (*notify)(void *h, uint32_t port);
	int64_t (*unmask)(void *h, uint32_t port);
	int64_t (*unbind)(void *h, uint32_t port);
	int64_t (*read)(void *h, bool nonblock);
	int64_t (*reset)(void *h);
	int64_t (*restrict_dom)(void *h, uint32_t dom);
	int64_t (*share)(uint32_t port);
	int64_t (*unshare)(void);
};

/* The two blocking readers of ER_READERS. */
struct er_readers {
	const struct er_ops *ops;
	void *h;
	pthread_t t[2];
	_Atomic int64_t port[2];
	_Atomic int done;
};

ER void *
er_reader(void *arg)
{
	struct er_readers *r = arg;
	int i = atomic_fetch_add(&r->done, 0x100) >> 8;

	atomic_store(&r->port[i], r->ops->read(r->h, false));
	atomic_fetch_add(&r->done, 1);
	return (NULL);
}

/* A server: answer commands on end 1 of ch until ER_QUIT. */
ER int
er_serve(struct th_chan *ch, const struct er_ops *ops)
{
	struct er_readers rd;
	struct pollfd pfd;
	uint64_t v;
	uint32_t arg;
	int64_t r;
	void *h;

	REQUIRE((h = ops->open()) != NULL);
	for (;;) {
		v = th_recv_u64(ch, 1);
		arg = (uint32_t)v;
		r = 0;
		switch ((int)(v >> 56)) {
		case ER_REOPEN:
			ops->close(h);
			REQUIRE((h = ops->open()) != NULL);
			break;
		case ER_BIND_UNBOUND:
			r = ops->bind_unbound(h, arg);
			break;
		case ER_BIND_INTER:
			r = ops->bind_inter(h, arg >> 16, arg & 0xffff);
			break;
		case ER_NOTIFY:
			r = ops->notify(h, arg);
			break;
		case ER_UNMASK:
			r = ops->unmask(h, arg);
			break;
		case ER_UNBIND:
			r = ops->unbind(h, arg);
			break;
		case ER_READ:
			r = ops->read(h, true);
			break;
		case ER_POLL:
			pfd.fd = ops->fd(h);
			pfd.events = POLLIN;
			pfd.revents = 0;
			r = poll(&pfd, 1, 0) == -1 ? -errno : pfd.revents;
			break;
		case ER_RESET:
			r = ops->reset(h);
			break;
		case ER_RESTRICT:
			r = ops->restrict_dom(h, arg);
			break;
		case ER_READERS:
			rd.ops = ops;
			rd.h = h;
			atomic_init(&rd.done, 0);
			REQUIRE(pthread_create(&rd.t[0], NULL, er_reader,
				    &rd) == 0);
			REQUIRE(pthread_create(&rd.t[1], NULL, er_reader,
				    &rd) == 0);
			break;
		case ER_READERS_DONE:
			r = atomic_load(&rd.done) & 0xff;
			break;
		case ER_READERS_JOIN:
			(void)pthread_join(rd.t[0], NULL);
			(void)pthread_join(rd.t[1], NULL);
			r = atomic_load(&rd.port[0]) + atomic_load(&rd.port[1]);
			break;
		case ER_SHARE:
			r = ops->share(arg);
			break;
		case ER_UNSHARE:
			r = ops->unshare();
			break;
		default:
			ops->close(h);
			th_send_u64(ch, 1, 0);
			return (0);
		}
		th_send_u64(ch, 1, (uint64_t)r);
	}
}

/* The two servers, and what the API offers. */
struct er_pair {
	struct th_chan *a; /* domain 1 */
	struct th_chan *b; /* domain 2 */
	bool has_reset;	   /* IOCTL_EVTCHN_RESET (the Linux device only) */
};

ER int64_t
er(struct th_chan *ch, enum er_cmd cmd, uint32_t arg)
{

	th_send_u64(ch, 0, ((uint64_t)cmd << 56) | arg);
	return ((int64_t)th_recv_u64(ch, 0));
}

ER void
er_sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	(void)nanosleep(&ts, NULL);
}

/* Wait up to 5 s for ER_READERS_DONE to reach n. */
ER bool
er_readers_reach(struct th_chan *ch, int64_t n)
{
	int i;

	for (i = 0; i < 500; i++) {
		if (er(ch, ER_READERS_DONE, 0) == n)
			return (true);
		er_sleep_ms(10);
	}
	return (false);
}

/*
 * Wait up to 5 s for port of domain domid to be unbound, as gntboxd
 * reports it: a closed handle's ports are closed when gntboxd reaps the
 * connection, just after close() returned (Linux: before it returns).
 */
ER bool
er_port_unbound(unsigned domid, uint32_t port)
{
	struct gbx_port_rec *recs;
	struct gbx_conn *c;
	uint32_t i, n;
	bool found;
	int k;

	for (k = 0; k < 500; k++) {
		found = false;
		REQUIRE(gbx_ctl_open(&c) == 0);
		REQUIRE(gbx_ctl_ports(c, domid, &recs, &n) == 0);
		for (i = 0; i < n; i++)
			if (recs[i].port == port &&
			    recs[i].state == GBX_PORT_UNBOUND)
				found = true;
		free(recs);
		gbx_conn_close(c);
		if (found)
			return (true);
		er_sleep_ms(10);
	}
	return (false);
}

/*
 * Fresh handles on both sides; A's port waiting for domain 2 (nothing
 * pending on A's side), B's bound to it: B's new port has fired at its
 * bind (Xen sets it pending) and its entry is unread.
 */
ER void
er_bind_pair(struct er_pair *p, uint32_t *pa, uint32_t *pb)
{
	int64_t a, b;

	CHECK_EQ(er(p->a, ER_REOPEN, 0), 0);
	CHECK_EQ(er(p->b, ER_REOPEN, 0), 0);
	REQUIRE((a = er(p->a, ER_BIND_UNBOUND, 2)) > 0);
	CHECK_EQ(er(p->a, ER_POLL, 0), 0);
	REQUIRE((b = er(p->b, ER_BIND_INTER, 1u << 16 | (uint32_t)a)) > 0);
	*pa = (uint32_t)a;
	*pb = (uint32_t)b;
}

/*
 * er_bind_pair, then B's entry read and its port unmasked, so both ports
 * start quiet.
 */
ER void
er_connect(struct er_pair *p, uint32_t *pa, uint32_t *pb)
{

	er_bind_pair(p, pa, pb);
	CHECK_EQ(er(p->b, ER_READ, 0), *pb);
	CHECK_EQ(er(p->b, ER_UNMASK, *pb), 0);
	CHECK_EQ(er(p->b, ER_READ, 0), -EAGAIN);
}

/*
 * What a port that fired and was notified again while masked gives: one
 * read, nothing more until the unmask, which fires it again: one more
 * read; then, unmasked, nothing.
 */
ER void
er_read_twice(struct th_chan *ch, uint32_t port)
{

	CHECK_EQ(er(ch, ER_READ, 0), port);
	CHECK_EQ(er(ch, ER_READ, 0), -EAGAIN);
	CHECK_EQ(er(ch, ER_POLL, 0), 0);
	CHECK_EQ(er(ch, ER_UNMASK, port), 0);
	CHECK_EQ(er(ch, ER_READ, 0), port);
	CHECK_EQ(er(ch, ER_UNMASK, port), 0);
	CHECK_EQ(er(ch, ER_READ, 0), -EAGAIN);
}

/*
 * After a reset of A's ring: nothing to read, and pa still masked, so a
 * notify is kept pending until the unmask fires it.
 */
ER void
er_after_reset(struct er_pair *p, uint32_t pa, uint32_t pb)
{

	CHECK_EQ(er(p->a, ER_READ, 0), -EAGAIN);
	CHECK_EQ(er(p->a, ER_POLL, 0), 0);
	CHECK_EQ(er(p->b, ER_NOTIFY, pb), 0);
	CHECK_EQ(er(p->a, ER_READ, 0), -EAGAIN);
	CHECK_EQ(er(p->a, ER_UNMASK, pa), 0);
	CHECK_EQ(er(p->a, ER_READ, 0), pa);
	CHECK_EQ(er(p->a, ER_UNMASK, pa), 0);
	CHECK_EQ(er(p->a, ER_READ, 0), -EAGAIN);
}

/*
 * E1: a notify to a port that is not masked fires it: one read, and the
 * port stays masked (nothing more without an unmask); after the unmask
 * the next notify fires it again.  The first notify of a handle goes
 * through gntboxd, the next ones directly.
 */
ER void
er_row_fire(struct er_pair *p)
{
	uint32_t pa, pb;

	er_connect(p, &pa, &pb);
	CHECK_EQ(er(p->a, ER_READ, 0), -EAGAIN);
	CHECK_EQ(er(p->a, ER_POLL, 0), 0);
	CHECK_EQ(er(p->b, ER_NOTIFY, pb), 0);
	CHECK_EQ(er(p->a, ER_POLL, 0), POLLIN);
	CHECK_EQ(er(p->a, ER_READ, 0), pa);
	CHECK_EQ(er(p->a, ER_READ, 0), -EAGAIN);
	CHECK_EQ(er(p->a, ER_POLL, 0), 0);
	CHECK_EQ(er(p->a, ER_UNMASK, pa), 0);
	CHECK_EQ(er(p->a, ER_READ, 0), -EAGAIN);
	CHECK_EQ(er(p->b, ER_NOTIFY, pb), 0);
	CHECK_EQ(er(p->a, ER_READ, 0), pa);
	CHECK_EQ(er(p->a, ER_UNMASK, pa), 0);
	CHECK_EQ(er(p->a, ER_READ, 0), -EAGAIN);
}

/*
 * E2: bind_interdomain fires the binder's new port at once (Xen sets it
 * pending, for events sent while the remote end was unbound); the
 * unbound side gets nothing.
 */
ER void
er_row_bind_pending(struct er_pair *p)
{
	uint32_t pa, pb;

	er_bind_pair(p, &pa, &pb);
	CHECK_EQ(er(p->b, ER_POLL, 0), POLLIN);
	CHECK_EQ(er(p->b, ER_READ, 0), pb);
	CHECK_EQ(er(p->b, ER_READ, 0), -EAGAIN);
	CHECK_EQ(er(p->a, ER_READ, 0), -EAGAIN);
	CHECK_EQ(er(p->b, ER_UNMASK, pb), 0);
	CHECK_EQ(er(p->b, ER_READ, 0), -EAGAIN);
}

/*
 * E3 (issue 9's probe): two notifies, the reader reads only after both.
 * The second came after the first had fired (masked the port), so it is
 * kept pending and fires at the unmask: two reads.  Notifies that come
 * while masked merge: five are still two reads.
 */
ER void
er_row_after_fire(struct er_pair *p)
{
	uint32_t pa, pb;
	int i, n;

	er_connect(p, &pa, &pb);
	for (n = 2; n <= 5; n += 3) {
		for (i = 0; i < n; i++)
			CHECK_EQ(er(p->b, ER_NOTIFY, pb), 0);
		er_read_twice(p->a, pa);
	}
}

/*
 * E4: a notify after the read and before the unmask is pending; the
 * unmask fires the port again.
 */
ER void
er_row_after_read(struct er_pair *p)
{
	uint32_t pa, pb;

	er_connect(p, &pa, &pb);
	CHECK_EQ(er(p->b, ER_NOTIFY, pb), 0);
	CHECK_EQ(er(p->a, ER_READ, 0), pa);
	CHECK_EQ(er(p->b, ER_NOTIFY, pb), 0);
	CHECK_EQ(er(p->a, ER_READ, 0), -EAGAIN);
	CHECK_EQ(er(p->a, ER_POLL, 0), 0);
	CHECK_EQ(er(p->a, ER_UNMASK, pa), 0);
	CHECK_EQ(er(p->a, ER_POLL, 0), POLLIN);
	CHECK_EQ(er(p->a, ER_READ, 0), pa);
	CHECK_EQ(er(p->a, ER_UNMASK, pa), 0);
	CHECK_EQ(er(p->a, ER_READ, 0), -EAGAIN);
}

/*
 * E5: notifies to a port whose reader has never read: the binder's port
 * fired at its bind and is masked, so the peer's two notifies are kept
 * pending: the bind's read, then one more at the unmask.
 */
ER void
er_row_never_read(struct er_pair *p)
{
	uint32_t pa, pb;

	er_bind_pair(p, &pa, &pb);
	CHECK_EQ(er(p->a, ER_NOTIFY, pa), 0);
	CHECK_EQ(er(p->a, ER_NOTIFY, pa), 0);
	er_read_twice(p->b, pb);
}

/*
 * E6: an unmask before the read lets the port fire again while its first
 * entry is unread: two entries of one port, two reads.  An unmask of a
 * port that is not masked does nothing.
 */
ER void
er_row_unmask_first(struct er_pair *p)
{
	uint32_t pa, pb;

	er_connect(p, &pa, &pb);
	CHECK_EQ(er(p->a, ER_UNMASK, pa), 0);
	CHECK_EQ(er(p->a, ER_READ, 0), -EAGAIN);
	CHECK_EQ(er(p->b, ER_NOTIFY, pb), 0);
	CHECK_EQ(er(p->a, ER_UNMASK, pa), 0);
	CHECK_EQ(er(p->b, ER_NOTIFY, pb), 0);
	CHECK_EQ(er(p->a, ER_READ, 0), pa);
	CHECK_EQ(er(p->a, ER_READ, 0), pa);
	CHECK_EQ(er(p->a, ER_READ, 0), -EAGAIN);
	CHECK_EQ(er(p->a, ER_UNMASK, pa), 0);
	CHECK_EQ(er(p->b, ER_NOTIFY, pb), 0);
	CHECK_EQ(er(p->a, ER_READ, 0), pa);
	CHECK_EQ(er(p->a, ER_UNMASK, pa), 0);
}

/*
 * E7: unbind with an entry unread: the entry stays and is read (Linux
 * leaves it in its ring); notifies to the unbound port's peer go nowhere
 * (the peer's port is unbound on Xen: the send is dropped).
 * E8: the peer's port, unbound now, is bound again: the binder's new port
 * fires at once and nothing sent meanwhile comes; a port number bound
 * again starts clean.
 */
ER void
er_row_unbind_rebind(struct er_pair *p)
{
	uint32_t pa, pb;
	int64_t pa2, pa3, pb3;

	er_connect(p, &pa, &pb);
	CHECK_EQ(er(p->b, ER_NOTIFY, pb), 0);
	CHECK_EQ(er(p->a, ER_UNBIND, pa), 0);
	CHECK_EQ(er(p->a, ER_POLL, 0), POLLIN);
	CHECK_EQ(er(p->a, ER_READ, 0), pa);
	CHECK_EQ(er(p->a, ER_READ, 0), -EAGAIN);
	CHECK_EQ(er(p->a, ER_UNMASK, pa), 0);
	CHECK_EQ(er(p->a, ER_NOTIFY, pa), -ENOTCONN);
	CHECK_EQ(er(p->b, ER_NOTIFY, pb), 0);
	CHECK_EQ(er(p->b, ER_NOTIFY, pb), 0);
	CHECK_EQ(er(p->a, ER_READ, 0), -EAGAIN);

	/* E8 */
	REQUIRE((pa2 = er(p->a, ER_BIND_INTER, 2u << 16 | pb)) > 0);
	CHECK_EQ(er(p->a, ER_READ, 0), pa2);
	CHECK_EQ(er(p->a, ER_READ, 0), -EAGAIN);
	CHECK_EQ(er(p->b, ER_READ, 0), -EAGAIN);
	CHECK_EQ(er(p->a, ER_UNMASK, (uint32_t)pa2), 0);
	CHECK_EQ(er(p->b, ER_NOTIFY, pb), 0);
	CHECK_EQ(er(p->a, ER_READ, 0), pa2);
	CHECK_EQ(er(p->a, ER_UNMASK, (uint32_t)pa2), 0);
	CHECK_EQ(er(p->b, ER_UNBIND, pb), 0);
	CHECK_EQ(er(p->a, ER_NOTIFY, (uint32_t)pa2), 0);
	CHECK_EQ(er(p->b, ER_READ, 0), -EAGAIN);
	CHECK_EQ(er(p->a, ER_UNBIND, (uint32_t)pa2), 0);
	REQUIRE((pa3 = er(p->a, ER_BIND_UNBOUND, 2)) > 0);
	CHECK_EQ(pa3, pa2); /* the lowest free port, again: it starts clean */
	REQUIRE((pb3 = er(p->b, ER_BIND_INTER, 1u << 16 | (uint32_t)pa3)) > 0);
	CHECK_EQ(er(p->b, ER_READ, 0), pb3);
	CHECK_EQ(er(p->a, ER_READ, 0), -EAGAIN);
	CHECK_EQ(er(p->b, ER_NOTIFY, (uint32_t)pb3), 0);
	CHECK_EQ(er(p->a, ER_READ, 0), pa3);
	CHECK_EQ(er(p->a, ER_READ, 0), -EAGAIN);
}

/*
 * E9: two threads block reading one handle: a notify wakes exactly one;
 * a notify while the port is masked wakes nobody; the unmask fires the
 * port again and wakes the other.
 */
ER void
er_row_two_readers(struct er_pair *p)
{
	uint32_t pa, pb;

	er_connect(p, &pa, &pb);
	CHECK_EQ(er(p->a, ER_READERS, 0), 0);
	er_sleep_ms(100);
	CHECK_EQ(er(p->a, ER_READERS_DONE, 0), 0);
	CHECK_EQ(er(p->b, ER_NOTIFY, pb), 0);
	CHECK(er_readers_reach(p->a, 1));
	CHECK_EQ(er(p->b, ER_NOTIFY, pb), 0);
	er_sleep_ms(200);
	CHECK_EQ(er(p->a, ER_READERS_DONE, 0), 1);
	CHECK_EQ(er(p->a, ER_UNMASK, pa), 0);
	CHECK(er_readers_reach(p->a, 2));
	CHECK_EQ(er(p->a, ER_READERS_JOIN, 0), 2 * (int64_t)pa);
	CHECK_EQ(er(p->a, ER_UNMASK, pa), 0);
	CHECK_EQ(er(p->a, ER_READ, 0), -EAGAIN);
}

/*
 * E10: the ring holds 64 entries for a handle with one port (Linux's
 * evtchn_resize_ring).  A port unmasked before each read fires into it
 * again and again: 64 entries fit, the 65th overflows it, and every read
 * fails with EFBIG.  Linux's poll() says POLLERR then; here the
 * descriptor is the kernel's eventfd and says POLLIN
 * (docs/differences.md).  With IOCTL_EVTCHN_RESET (E11), the ring empties
 * and the port stays masked until unmasked; the native API has no reset:
 * closing the handle ends it.
 */
ER void
er_row_overflow(struct er_pair *p)
{
	uint32_t pa, pb;
	int i;

	er_connect(p, &pa, &pb);
	for (i = 0; i < 64; i++) {
		CHECK_EQ(er(p->b, ER_NOTIFY, pb), 0);
		CHECK_EQ(er(p->a, ER_UNMASK, pa), 0);
	}
	CHECK_EQ(er(p->a, ER_READ, 0), pa); /* 64 fit */
	CHECK_EQ(er(p->b, ER_NOTIFY, pb), 0);
	CHECK_EQ(er(p->a, ER_UNMASK, pa), 0);
	CHECK_EQ(er(p->b, ER_NOTIFY, pb), 0); /* the 65th */
	CHECK_EQ(er(p->a, ER_READ, 0), -EFBIG);
	CHECK_EQ(er(p->a, ER_READ, 0), -EFBIG);
	CHECK_EQ(er(p->a, ER_POLL, 0), POLLIN);
	if (!p->has_reset)
		return;
	CHECK_EQ(er(p->a, ER_RESET, 0), 0);
	er_after_reset(p, pa, pb);
}

/*
 * E11: IOCTL_EVTCHN_RESET with an entry unread: the ring empties, the
 * port stays masked (a notify is kept pending) until the unmask fires it.
 */
ER void
er_row_reset(struct er_pair *p)
{
	uint32_t pa, pb;

	er_connect(p, &pa, &pb);
	CHECK_EQ(er(p->b, ER_NOTIFY, pb), 0);
	CHECK_EQ(er(p->a, ER_RESET, 0), 0);
	er_after_reset(p, pa, pb);
}

/*
 * E12: restricting a handle limits its binds, not its delivery: its
 * ports keep firing; binding unbound ports or to other domains is EACCES,
 * to the domain named works (and fires at once, E2).
 */
ER void
er_row_restrict(struct er_pair *p)
{
	uint32_t pa, pb;
	int64_t pb2, pa2;

	er_connect(p, &pa, &pb);
	CHECK_EQ(er(p->a, ER_RESTRICT, 2), 0);
	CHECK_EQ(er(p->b, ER_NOTIFY, pb), 0);
	CHECK_EQ(er(p->a, ER_READ, 0), pa);
	CHECK_EQ(er(p->a, ER_UNMASK, pa), 0);
	CHECK_EQ(er(p->a, ER_BIND_UNBOUND, 2), -EACCES);
	CHECK_EQ(er(p->a, ER_BIND_INTER, 3u << 16 | 1), -EACCES);
	REQUIRE((pb2 = er(p->b, ER_BIND_UNBOUND, 1)) > 0);
	REQUIRE((pa2 = er(p->a, ER_BIND_INTER, 2u << 16 | (uint32_t)pb2)) > 0);
	CHECK_EQ(er(p->a, ER_READ, 0), pa2);
	CHECK_EQ(er(p->a, ER_RESTRICT, 2), -EACCES);
	CHECK_EQ(er(p->b, ER_NOTIFY, pb), 0);
	CHECK_EQ(er(p->a, ER_READ, 0), pa);
}

/*
 * E13: closing a handle with an entry unread: a new handle inherits
 * nothing; the peer's port is unbound (once gntboxd has reaped the
 * closed handle) and its notifies go nowhere; the peer's port bound again
 * from the new handle fires at once (E2).
 */
ER void
er_row_close(struct er_pair *p)
{
	uint32_t pa, pb;
	int64_t pa2;

	er_connect(p, &pa, &pb);
	CHECK_EQ(er(p->b, ER_NOTIFY, pb), 0);
	CHECK_EQ(er(p->a, ER_REOPEN, 0), 0);
	CHECK_EQ(er(p->a, ER_READ, 0), -EAGAIN);
	CHECK_EQ(er(p->a, ER_POLL, 0), 0);
	CHECK(er_port_unbound(2, pb));
	CHECK_EQ(er(p->b, ER_NOTIFY, pb), 0);
	CHECK_EQ(er(p->b, ER_READ, 0), -EAGAIN);
	REQUIRE((pa2 = er(p->a, ER_BIND_INTER, 2u << 16 | pb)) > 0);
	CHECK_EQ(er(p->a, ER_READ, 0), pa2);
	CHECK_EQ(er(p->b, ER_READ, 0), -EAGAIN);
	CHECK_EQ(er(p->b, ER_NOTIFY, pb), 0);
	CHECK_EQ(er(p->a, ER_READ, 0), -EAGAIN);
	CHECK_EQ(er(p->a, ER_UNMASK, (uint32_t)pa2), 0);
	CHECK_EQ(er(p->a, ER_READ, 0), pa2);
}

/*
 * E14: an unmap notify's SEND_EVENT is a send like any other (gntboxd
 * performs it): it fires a port that is not masked, and is kept pending
 * on one that is.
 */
ER void
er_row_unmap_notify(struct er_pair *p)
{
	uint32_t pa, pb;

	er_connect(p, &pa, &pb);
	CHECK_EQ(er(p->b, ER_SHARE, pb), 0);
	CHECK_EQ(er(p->b, ER_UNSHARE, 0), 0);
	CHECK_EQ(er(p->a, ER_READ, 0), pa);
	CHECK_EQ(er(p->b, ER_SHARE, pb), 0);
	CHECK_EQ(er(p->b, ER_UNSHARE, 0), 0);
	CHECK_EQ(er(p->a, ER_READ, 0), -EAGAIN);
	CHECK_EQ(er(p->a, ER_UNMASK, pa), 0);
	CHECK_EQ(er(p->a, ER_READ, 0), pa);
	CHECK_EQ(er(p->a, ER_UNMASK, pa), 0);
}

/*
 * E15: two ports fired, a later one first: both are read, once each.
 * Linux reads them in the order they fired; gntbox reads the lower port
 * first (docs/differences.md).
 */
ER void
er_row_two_ports(struct er_pair *p)
{
	uint32_t pa, pb;
	int64_t pa2, pb2;

	er_connect(p, &pa, &pb);
	REQUIRE((pa2 = er(p->a, ER_BIND_UNBOUND, 2)) > 0);
	REQUIRE((pb2 = er(p->b, ER_BIND_INTER, 1u << 16 | (uint32_t)pa2)) > 0);
	CHECK_EQ(er(p->b, ER_READ, 0), pb2);
	CHECK_EQ(er(p->b, ER_NOTIFY, (uint32_t)pb2), 0);
	CHECK_EQ(er(p->b, ER_NOTIFY, pb), 0);
	CHECK_EQ(er(p->a, ER_READ, 0), pa);
	CHECK_EQ(er(p->a, ER_READ, 0), pa2);
	CHECK_EQ(er(p->a, ER_READ, 0), -EAGAIN);
}

/*
 * After a row: both handles replaced by empty ones (their ports closed),
 * and gntboxd's levels back at the baseline, which the test took with
 * both servers holding an empty handle (er_ready).
 */
ER void
er_end(struct er_pair *p, const char *what)
{

	CHECK_EQ(er(p->a, ER_REOPEN, 0), 0);
	CHECK_EQ(er(p->b, ER_REOPEN, 0), 0);
	th_check_baseline(what);
}

/* Both servers have opened their handles. */
ER void
er_ready(struct er_pair *p)
{

	CHECK_EQ(er(p->a, ER_POLL, 0), 0);
	CHECK_EQ(er(p->b, ER_POLL, 0), 0);
}

/* Every row, each followed by the baseline check; then stop the servers. */
ER void
er_rows(struct er_pair *p)
{

	er_row_fire(p);
	er_end(p, "E1 fire");
	er_row_bind_pending(p);
	er_end(p, "E2 bind_interdomain fires");
	er_row_after_fire(p);
	er_end(p, "E3 notify after the fire");
	er_row_after_read(p);
	er_end(p, "E4 notify after the read");
	er_row_never_read(p);
	er_end(p, "E5 never read");
	er_row_unmask_first(p);
	er_end(p, "E6 unmask before the read");
	er_row_unbind_rebind(p);
	er_end(p, "E7, E8 unbind and rebind");
	er_row_two_readers(p);
	er_end(p, "E9 two readers");
	er_row_overflow(p);
	er_end(p, "E10 overflow");
	if (p->has_reset) {
		er_row_reset(p);
		er_end(p, "E11 reset");
	}
	er_row_restrict(p);
	er_end(p, "E12 restrict");
	er_row_close(p);
	er_end(p, "E13 close");
	er_row_unmap_notify(p);
	er_end(p, "E14 unmap notify");
	er_row_two_ports(p);
	er_end(p, "E15 two ports");
	CHECK_EQ(er(p->a, ER_QUIT, 0), 0);
	CHECK_EQ(er(p->b, ER_QUIT, 0), 0);
}

#endif /* GNTBOX_TESTS_EVTROWS_H */
