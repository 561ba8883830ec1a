/*
 * Integration test: what an event costs in system calls, counted (not
 * timed) with ptrace (tests/lib/syscount.h), through the native API.
 *
 * A handle of domain 1 (this thread, traced) and one of domain 2 (a
 * child that echoes every event back) ping-pong.  Issue 14's budget is
 * eventfd's: a round trip is, per side, the notify's write() and the
 * wait's read(), which is what a ping-pong over two eventfds makes
 * (measured here too, against a thread that echoes).  So:
 *
 * - a notify (its peer known) is one write(), and no message to gntboxd;
 * - a blocking wait is one read(), whether it sleeps until the event
 *   comes (the echo waits a little) or finds it there;
 * - an unmask is no call, or one write() when the port was notified
 *   while masked (it fires again: that is the event's write);
 * - a nonblocking take finding nothing is no call at all; finding an
 *   entry, one read (preadv2 with RWF_NOWAIT);
 * - a round trip (notify, wait, unmask) is as many calls as the eventfd
 *   ping-pong's, and the same ones.
 *
 * Each is counted over several windows and the least is judged, so an
 * allocator's occasional call cannot make it flaky, while a path with
 * one call too many fails every time.
 */
#include "client/evtchn_handle.h"
#include "evtcount.h"
#include "test_evtchn.h"

#define WINDOWS EC_WINDOWS
#define WARMUP	8
#define ECHOES	(WARMUP + WINDOWS * 6) /* the notifies test_costs makes */
#define DELAY	20		       /* ms before each echo */

struct echo {
	struct th_chan ch;
	uint32_t port; /* domain 1's port */
};

/*
 * Domain 2: echo ECHOES events back, DELAY ms after each came (so that
 * a wait started at once sleeps), with blocking waits, and say so on the
 * channel after each, so that the test knows when the echo is in.
 */
static int
echo(void *arg)
{
	struct echo *ec = arg;
	gntbox_evtchn_t *e;
	uint32_t port;

	REQUIRE((e = gntbox_evtchn_open(-1, 0)) != NULL);
	port = te_join(e, 1, ec->port);
	th_send_u64(&ec->ch, 1, (uint64_t)port);
	te_echo(e, port, ECHOES, DELAY, &ec->ch);
	(void)th_recv_u64(&ec->ch, 1);
	CHECK_ERR(gntbox_evtchn_close(e), 0);
	return (0);
}

/* Echoes acknowledged so far; wait for the first n. */
static unsigned echoed;

static void
echoes_in(struct echo *ec, unsigned n)
{

	for (; echoed < n; echoed++)
		(void)th_recv_u64(&ec->ch, 0);
}

static void
test_costs(void)
{
	struct sc_window wn[WINDOWS], ww[WINDOWS], wu[WINDOWS], wr[WINDOWS],
	    wq[WINDOWS], we[WINDOWS], wt[WINDOWS], wx[WINDOWS];
	gntbox_evtchn_t *a;
	struct echo ec;
	uint32_t port;
	unsigned sent;
	pid_t pid;
	int pa, i;

	th_chan_open(&ec.ch);
	REQUIRE((a = gntbox_evtchn_open(1, 0)) != NULL);
	REQUIRE((pa = gntbox_evtchn_bind_unbound(a, 2)) > 0);
	ec.port = (uint32_t)pa;
	pid = th_spawn(2, echo, &ec);
	(void)th_recv_u64(&ec.ch, 0);
	/* The first notify goes through gntboxd and learns the peer. */
	for (i = 0; i < WARMUP; i++) {
		CHECK_ERR(gntbox_evtchn_notify(a, (uint32_t)pa), 0);
		CHECK_EQ(gntbox_evtchn_pending(a), pa);
		CHECK_ERR(gntbox_evtchn_unmask(a, (uint32_t)pa), 0);
	}
	sent = WARMUP;
	sc_start();
	for (i = 0; i < WINDOWS; i++) {
		/* Notify; wait (it sleeps: the echo comes later); unmask. */
		sc_begin();
		(void)gntbox_evtchn_notify(a, (uint32_t)pa);
		sc_end(&wn[i]);
		sc_begin();
		(void)gntbox_evtchn_pending(a);
		sc_end(&ww[i]);
		sc_begin();
		(void)gntbox_evtchn_unmask(a, (uint32_t)pa);
		sc_end(&wu[i]);
		/* A whole round trip. */
		sc_begin();
		(void)gntbox_evtchn_notify(a, (uint32_t)pa);
		(void)gntbox_evtchn_pending(a);
		(void)gntbox_evtchn_unmask(a, (uint32_t)pa);
		sc_end(&wr[i]);
		sent += 2;
		/* A wait that finds the echo there. */
		CHECK_ERR(gntbox_evtchn_notify(a, (uint32_t)pa), 0);
		echoes_in(&ec, ++sent);
		sc_begin();
		CHECK_EQ(gntbox_evtchn_pending(a), pa);
		sc_end(&wq[i]);
		CHECK_ERR(gntbox_evtchn_unmask(a, (uint32_t)pa), 0);
		/* Nonblocking, nothing queued: no call. */
		sc_begin();
		CHECK_ERR(gbx_evtchn_take(a, true, &port), EAGAIN);
		sc_end(&we[i]);
		/* Nonblocking, the echo queued. */
		CHECK_ERR(gntbox_evtchn_notify(a, (uint32_t)pa), 0);
		echoes_in(&ec, ++sent);
		sc_begin();
		CHECK_ERR(gbx_evtchn_take(a, true, &port), 0);
		sc_end(&wt[i]);
		CHECK_ERR(gntbox_evtchn_unmask(a, (uint32_t)pa), 0);
		/* An echo that came while masked fires at the unmask. */
		CHECK_ERR(gntbox_evtchn_notify(a, (uint32_t)pa), 0);
		CHECK_EQ(gntbox_evtchn_pending(a), pa);
		CHECK_ERR(gntbox_evtchn_notify(a, (uint32_t)pa), 0);
		sent += 2;
		echoes_in(&ec, sent);
		sc_begin();
		(void)gntbox_evtchn_unmask(a, (uint32_t)pa);
		sc_end(&wx[i]);
		CHECK_EQ(gntbox_evtchn_pending(a), pa);
		CHECK_ERR(gntbox_evtchn_unmask(a, (uint32_t)pa), 0);
	}
	ec_floor();
	sc_stop();
	echoes_in(&ec, sent);
	CHECK_EQ(sent, ECHOES);
	ec_judge("notify", wn, 1, 0, 0);
	ec_judge("wait that sleeps", ww, 0, 1, 0);
	ec_judge("wait that finds the event", wq, 0, 1, 0);
	ec_judge("unmask", wu, 0, 0, 0);
	ec_judge("round trip", wr, 1, 1, 0);
	ec_judge("nonblocking take of nothing", we, 0, 0, 0);
	ec_judge("nonblocking take", wt, 0, 0, 1);
	ec_judge("unmask that fires again", wx, 1, 0, 0);
	th_send_u64(&ec.ch, 0, 1);
	CHECK_EQ(th_wait(pid), 0);
	CHECK_ERR(gntbox_evtchn_close(a), 0);
	th_chan_close(&ec.ch);
}

int
main(void)
{

	th_start(NULL);
	th_domain(1);
	th_domain(2);
	th_baseline();
	test_costs();
	th_check_baseline("system calls");
	return (th_finish());
}
