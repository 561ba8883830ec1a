/*
 * Compatibility test: what an event costs in system calls through
 * Debian's unmodified libxenevtchn on libgntbox-preload.so, counted (not
 * timed) with ptrace (tests/lib/syscount.h): what libxenvchan's wait
 * (xenevtchn_pending, then xenevtchn_unmask) and notify make.
 *
 * A process of domain 1 (traced) and one of domain 2 (which echoes every
 * event back a little later, so that a wait started at once sleeps)
 * ping-pong.  Issue 14's budget is eventfd's, which this process also
 * measures (tests/lib/evtcount.h):
 *
 * - xenevtchn_notify is one write() (the ioctl never reaches the
 *   kernel);
 * - xenevtchn_pending is one read(), whether it sleeps or finds the
 *   event there;
 * - xenevtchn_unmask is no call;
 * - a round trip is one write() and one read(), as the eventfd
 *   ping-pong's;
 * - with the program's O_NONBLOCK, xenevtchn_pending finding nothing is
 *   no call, and finding an event one preadv2().
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <unistd.h>
#include <xenevtchn.h>

#include "compat.h"
#include "evtcount.h"
#include "harness.h"

#define WINDOWS EC_WINDOWS
#define WARMUP	8
#define ECHOES	(WARMUP + WINDOWS * 4) /* the notifies counter makes */
#define DELAY	20		       /* ms before each echo */

static void
sleep_ms(unsigned ms)
{

	(void)usleep(ms * 1000);
}

/* Domain 2: bind to the port it is given, echo ECHOES events back. */
static int
echo(struct th_chan *ch)
{
	xenevtchn_handle *x;
	int port, p, i;

	REQUIRE((x = xenevtchn_open(NULL, 0)) != NULL);
	port =
	    xenevtchn_bind_interdomain(x, 1, (evtchn_port_t)th_recv_u64(ch, 1));
	REQUIRE(port > 0);
	CHECK_EQ(xenevtchn_pending(x), port);
	CHECK_EQ(xenevtchn_unmask(x, (evtchn_port_t)port), 0);
	th_send_u64(ch, 1, 1);
	for (i = 0; i < ECHOES; i++) {
		if ((p = xenevtchn_pending(x)) != port) {
			CHECK(0);
			break;
		}
		CHECK_EQ(xenevtchn_unmask(x, (evtchn_port_t)port), 0);
		sleep_ms(DELAY);
		CHECK_EQ(xenevtchn_notify(x, (evtchn_port_t)port), 0);
	}
	(void)th_recv_u64(ch, 1);
	CHECK_EQ(xenevtchn_close(x), 0);
	return (0);
}

/* Wait up to 5 s for the handle's descriptor to poll readable. */
static bool
readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return (poll(&p, 1, 5000) == 1);
}

/* Domain 1: the counted side. */
static int
counter(struct th_chan *ch)
{
	struct sc_window wn[WINDOWS], ww[WINDOWS], wu[WINDOWS], wr[WINDOWS],
	    wq[WINDOWS], we[WINDOWS], wt[WINDOWS];
	evtchn_port_t pa;
	xenevtchn_handle *x;
	int port, fd, fl, r, e, i;

	REQUIRE((x = xenevtchn_open(NULL, 0)) != NULL);
	fd = xenevtchn_fd(x);
	REQUIRE((port = xenevtchn_bind_unbound_port(x, 2)) > 0);
	pa = (evtchn_port_t)port;
	th_send_u64(ch, 1, pa);
	(void)th_recv_u64(ch, 1);
	/* The first notify goes through gntboxd and learns the peer. */
	for (i = 0; i < WARMUP; i++) {
		CHECK_EQ(xenevtchn_notify(x, pa), 0);
		CHECK_EQ(xenevtchn_pending(x), port);
		CHECK_EQ(xenevtchn_unmask(x, pa), 0);
	}
	REQUIRE((fl = fcntl(fd, F_GETFL)) != -1);
	sc_start();
	for (i = 0; i < WINDOWS; i++) {
		sc_begin();
		(void)xenevtchn_notify(x, pa);
		sc_end(&wn[i]);
		sc_begin();
		(void)xenevtchn_pending(x);
		sc_end(&ww[i]);
		sc_begin();
		(void)xenevtchn_unmask(x, pa);
		sc_end(&wu[i]);
		sc_begin();
		(void)xenevtchn_notify(x, pa);
		(void)xenevtchn_pending(x);
		(void)xenevtchn_unmask(x, pa);
		sc_end(&wr[i]);
		/* A wait that finds the echo there. */
		CHECK_EQ(xenevtchn_notify(x, pa), 0);
		CHECK(readable(fd));
		sc_begin();
		(void)xenevtchn_pending(x);
		sc_end(&wq[i]);
		CHECK_EQ(xenevtchn_unmask(x, pa), 0);
		/* The program's O_NONBLOCK: nothing, then the echo. */
		CHECK_EQ(fcntl(fd, F_SETFL, fl | O_NONBLOCK), 0);
		sc_begin();
		r = xenevtchn_pending(x);
		e = errno; /* before the mark's call sets it */
		sc_end(&we[i]);
		CHECK_EQ(r, -1);
		CHECK_EQ(e, EAGAIN);
		CHECK_EQ(xenevtchn_notify(x, pa), 0);
		CHECK(readable(fd));
		sc_begin();
		CHECK_EQ(xenevtchn_pending(x), port);
		sc_end(&wt[i]);
		CHECK_EQ(fcntl(fd, F_SETFL, fl), 0);
		CHECK_EQ(xenevtchn_unmask(x, pa), 0);
	}
	ec_floor();
	sc_stop();
	ec_judge("xenevtchn_notify", wn, 1, 0, 0);
	ec_judge("xenevtchn_pending that sleeps", ww, 0, 1, 0);
	ec_judge("xenevtchn_pending that finds the event", wq, 0, 1, 0);
	ec_judge("xenevtchn_unmask", wu, 0, 0, 0);
	ec_judge("round trip", wr, 1, 1, 0);
	ec_judge("non-blocking xenevtchn_pending of nothing", we, 0, 0, 0);
	ec_judge("non-blocking xenevtchn_pending", wt, 0, 0, 1);
	th_send_u64(ch, 1, 1);
	CHECK_EQ(xenevtchn_close(x), 0);
	return (0);
}

static const struct tc_role roles[] = {
	{ "counter", counter },
	{ "echo", echo },
	{ NULL, NULL },
};

int
main(int argc, char **argv)
{
	struct tc_proc c, e;

	tc_main(argc, argv, roles);
	th_start(NULL);
	th_domain(1);
	th_domain(2);
	th_baseline();
	tc_run(&c, 1, "counter");
	tc_run(&e, 2, "echo");
	th_send_u64(&e.ch, 0, th_recv_u64(&c.ch, 0));
	th_send_u64(&c.ch, 0, th_recv_u64(&e.ch, 0));
	(void)th_recv_u64(&c.ch, 0);
	th_send_u64(&e.ch, 0, 1);
	CHECK_EQ(tc_wait(&e), 0);
	CHECK_EQ(tc_wait(&c), 0);
	th_check_baseline("system calls");
	return (th_finish());
}
