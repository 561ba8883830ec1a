/*
 * Compatibility test: Debian's unmodified libxenevtchn between a process
 * of domain 1 and one of domain 2, through libgntbox-preload.so.
 *
 * - bind_unbound_port in domain 1, bind_interdomain in domain 2 (whose
 *   new port is pending at once, as Xen makes it);
 * - notify both ways, seen by poll() on xenevtchn_fd, taken by
 *   xenevtchn_pending, masked until xenevtchn_unmask (a second notify
 *   meanwhile fires once, after the unmask);
 * - a non-blocking descriptor (the program's own O_NONBLOCK): pending is
 *   EAGAIN when nothing fired;
 * - unbind, ENOTCONN for notify and unbind of a port not bound here,
 *   xenevtchn_restrict (EACCES for another domain);
 * - closing a handle unbinds its ports (levels back at the baseline).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <xenevtchn.h>

#include "check.h"
#include "compat.h"
#include "harness.h"

/* Whether fd polls readable within ms. */
static int
readable(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return (poll(&p, 1, ms) == 1 && (p.revents & POLLIN) != 0);
}

static int
evt_server(struct th_chan *ch)
{
	xenevtchn_handle *x;
	int port, fd;

	REQUIRE((x = xenevtchn_open(NULL, 0)) != NULL);
	fd = xenevtchn_fd(x);
	REQUIRE((port = xenevtchn_bind_unbound_port(x, 2)) > 0);
	th_send_u64(ch, 1, (uint64_t)port);
	/* Nothing fired yet: the program's own O_NONBLOCK says EAGAIN. */
	CHECK_EQ(fcntl(fd, F_SETFL, O_NONBLOCK), 0);
	CHECK_EQ(xenevtchn_pending(x), -1);
	CHECK_EQ(errno, EAGAIN);
	CHECK_EQ(fcntl(fd, F_SETFL, 0), 0);
	/* A port that fired stays masked until unmasked. */
	(void)th_recv_u64(ch, 1);
	CHECK(readable(fd, 5000));
	CHECK_EQ(xenevtchn_pending(x), port);
	th_send_u64(ch, 1, 1);
	(void)th_recv_u64(ch, 1); /* notified again, while masked */
	CHECK(!readable(fd, 50));
	CHECK_EQ(xenevtchn_unmask(x, (evtchn_port_t)port), 0);
	CHECK(readable(fd, 5000));
	CHECK_EQ(xenevtchn_pending(x), port);
	CHECK_EQ(xenevtchn_unmask(x, (evtchn_port_t)port), 0);
	CHECK(!readable(fd, 50));
	/* Back to the client. */
	CHECK_EQ(xenevtchn_notify(x, (evtchn_port_t)port), 0);
	th_send_u64(ch, 1, 1);
	/* Not ours: ENOTCONN. */
	CHECK_EQ(xenevtchn_notify(x, (evtchn_port_t)port + 1), -1);
	CHECK_EQ(errno, ENOTCONN);
	(void)th_recv_u64(ch, 1);
	CHECK_EQ(xenevtchn_unbind(x, (evtchn_port_t)port), 0);
	CHECK_EQ(xenevtchn_unbind(x, (evtchn_port_t)port), -1);
	CHECK_EQ(errno, ENOTCONN);
	CHECK_EQ(xenevtchn_close(x), 0);
	return (0);
}

static int
evt_client(struct th_chan *ch)
{
	xenevtchn_handle *x, *r;
	int local, fd;
	uint64_t remote;

	remote = th_recv_u64(ch, 1);
	REQUIRE((x = xenevtchn_open(NULL, 0)) != NULL);
	fd = xenevtchn_fd(x);
	REQUIRE((local = xenevtchn_bind_interdomain(x, 1,
		     (evtchn_port_t)remote)) > 0);
	/* Xen makes the new local port pending at once. */
	CHECK(readable(fd, 5000));
	CHECK_EQ(xenevtchn_pending(x), local);
	CHECK_EQ(xenevtchn_unmask(x, (evtchn_port_t)local), 0);
	CHECK_EQ(xenevtchn_notify(x, (evtchn_port_t)local), 0);
	th_send_u64(ch, 1, 1);
	(void)th_recv_u64(ch, 1);
	CHECK_EQ(xenevtchn_notify(x, (evtchn_port_t)local), 0);
	th_send_u64(ch, 1, 1);
	(void)th_recv_u64(ch, 1);
	CHECK(readable(fd, 5000));
	CHECK_EQ(xenevtchn_pending(x), local);
	CHECK_EQ(xenevtchn_unmask(x, (evtchn_port_t)local), 0);
	/* A restricted handle binds to its domain only. */
	REQUIRE((r = xenevtchn_open(NULL, 0)) != NULL);
	CHECK_EQ(xenevtchn_restrict(r, 3), 0);
	CHECK_EQ(xenevtchn_bind_interdomain(r, 1, (evtchn_port_t)remote), -1);
	CHECK_EQ(errno, EACCES);
	CHECK_EQ(xenevtchn_bind_unbound_port(r, 3), -1);
	CHECK_EQ(errno, EACCES);
	CHECK_EQ(xenevtchn_restrict(r, 1), -1);
	CHECK_EQ(errno, EACCES);
	CHECK_EQ(xenevtchn_close(r), 0);
	th_send_u64(ch, 1, 1);
	/* Closing the handle unbinds the port. */
	CHECK_EQ(xenevtchn_close(x), 0);
	return (0);
}

static void
test_channel(void)
{
	struct tc_proc s, c;
	uint64_t port;

	tc_run(&s, 1, "evt_server");
	tc_run(&c, 2, "evt_client");
	port = th_recv_u64(&s.ch, 0);
	th_send_u64(&c.ch, 0, port);
	th_send_u64(&s.ch, 0, th_recv_u64(&c.ch, 0));
	th_send_u64(&c.ch, 0, th_recv_u64(&s.ch, 0));
	th_send_u64(&s.ch, 0, th_recv_u64(&c.ch, 0));
	th_send_u64(&c.ch, 0, th_recv_u64(&s.ch, 0));
	th_send_u64(&s.ch, 0, th_recv_u64(&c.ch, 0));
	CHECK_EQ(tc_wait(&c), 0);
	CHECK_EQ(tc_wait(&s), 0);
	th_check_baseline("an interdomain channel");
}

static const struct tc_role roles[] = {
	{ "evt_server", evt_server },
	{ "evt_client", evt_client },
	{ NULL, NULL },
};

int
main(int argc, char **argv)
{

	tc_main(argc, argv, roles);
	th_start(NULL);
	th_domain(1);
	th_domain(2);
	th_domain(3);
	th_baseline();
	test_channel();
	return (th_finish());
}
