/*
 * test_evtchn.h: what the event-channel integration tests share: opening
 * handles, connecting two ports, waiting for an event with a time limit,
 * and counting this process's descriptors.
 */
#ifndef GNTBOX_TESTS_TEST_EVTCHN_H
#define GNTBOX_TESTS_TEST_EVTCHN_H

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "check.h"
#include "harness.h"
#include "lib/ctl.h"

#define TE __attribute__((unused)) static

/*
 * A non-blocking event channel handle of domain domid (-1:
 * $GNTBOX_DOMID), or fail.
 */
TE gntbox_evtchn_t *
te_open(int domid)
{
	gntbox_evtchn_t *e;

	e = gntbox_evtchn_open(domid, GNTBOX_EVTCHN_NONBLOCK);
	if (e == NULL) {
		check_fail(__FILE__, __LINE__, "gntbox_evtchn_open(%d): %s",
		    domid, strerror(errno));
		exit(check_exit());
	}
	return (e);
}

/*
 * Connect a (domain ad) with b (domain bd): a port of a waiting for bd,
 * and b's port bound to it.  b's new port is pending at once (Xen's
 * fix-up); that event is taken and the port unmasked, so both ends start
 * quiet.  Returns a's port; b's goes to *bport.
 */
TE uint32_t
te_connect(gntbox_evtchn_t *a, uint32_t ad, gntbox_evtchn_t *b, uint32_t bd,
    uint32_t *bport)
{
	int pa, pb;

	pa = gntbox_evtchn_bind_unbound(a, bd);
	REQUIRE(pa > 0);
	pb = gntbox_evtchn_bind_interdomain(b, ad, (uint32_t)pa);
	REQUIRE(pb > 0);
	CHECK_EQ(gntbox_evtchn_pending(b), pb);
	CHECK_ERR(gntbox_evtchn_unmask(b, (uint32_t)pb), 0);
	*bport = (uint32_t)pb;
	return ((uint32_t)pa);
}

/*
 * Bind e to rport of domain rd and take the new port's fix-up event (Xen
 * sets it pending), unmasking it: the port starts quiet.  Returns it.
 */
TE uint32_t
te_join(gntbox_evtchn_t *e, uint32_t rd, uint32_t rport)
{
	int port;

	port = gntbox_evtchn_bind_interdomain(e, rd, rport);
	REQUIRE(port > 0);
	CHECK_EQ(gntbox_evtchn_pending(e), port);
	CHECK_ERR(gntbox_evtchn_unmask(e, (uint32_t)port), 0);
	return ((uint32_t)port);
}

TE void
te_sleep_ms(unsigned ms)
{
	struct timespec ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	(void)nanosleep(&ts, NULL);
}

/*
 * Echo n events of port back on the blocking handle e, each delay_ms
 * after it came, and when ack is not NULL say so on it (end 1) after
 * each.  Stops at the first event of another port (a failed check).
 */
TE void
te_echo(gntbox_evtchn_t *e, uint32_t port, int n, unsigned delay_ms,
    struct th_chan *ack)
{
	int i;

	for (i = 0; i < n; i++) {
		if (gntbox_evtchn_pending(e) != (int)port) {
			CHECK(0);
			break;
		}
		CHECK_ERR(gntbox_evtchn_unmask(e, port), 0);
		if (delay_ms != 0)
			te_sleep_ms(delay_ms);
		CHECK_ERR(gntbox_evtchn_notify(e, port), 0);
		if (ack != NULL)
			th_send_u64(ack, 1, (uint64_t)i);
	}
}

/* Is e's descriptor readable now (or within ms milliseconds)? */
TE bool
te_readable(gntbox_evtchn_t *e, int ms)
{
	struct pollfd pfd;

	pfd.fd = gntbox_evtchn_fd(e);
	pfd.events = POLLIN;
	pfd.revents = 0;
	return (poll(&pfd, 1, ms) == 1 && (pfd.revents & POLLIN) != 0);
}

/*
 * The next pending port of a non-blocking handle e, waiting at most ms
 * milliseconds in poll(); -1 when none came.
 */
TE int
te_wait(gntbox_evtchn_t *e, int ms)
{
	struct timespec t0, t;
	long left;
	int port;

	(void)clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		(void)clock_gettime(CLOCK_MONOTONIC, &t);
		left = ms -
		    ((t.tv_sec - t0.tv_sec) * 1000L +
			(t.tv_nsec - t0.tv_nsec) / 1000000L);
		if (left < 0)
			left = 0;
		if (!te_readable(e, (int)left))
			return (-1);
		/* Readable: a count is there (or only a debt: go round). */
		port = gntbox_evtchn_pending(e);
		if (port > 0)
			return (port);
		if (left == 0)
			return (-1);
	}
}

/* Open descriptors of this process. */
TE int
te_nfds(void)
{
	struct dirent *de;
	DIR *d;
	int n;

	REQUIRE((d = opendir("/proc/self/fd")) != NULL);
	n = 0;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	(void)closedir(d);
	return (n - 1); /* the directory's own */
}

/* The record of port of domain domid as gntboxd reports it (zero: free). */
TE struct gbx_port_rec
te_port(unsigned domid, uint32_t port)
{
	struct gbx_port_rec *recs, r;
	struct gbx_conn *c;
	uint32_t i, n;

	memset(&r, 0, sizeof(r));
	REQUIRE(gbx_ctl_open(&c) == 0);
	REQUIRE(gbx_ctl_ports(c, domid, &recs, &n) == 0);
	for (i = 0; i < n; i++)
		if (recs[i].port == port)
			r = recs[i];
	free(recs);
	gbx_conn_close(c);
	return (r);
}

/*
 * Wait up to 5 s for port of domid to reach state (GBX_PORT_*) with the
 * remote domain remote_dom: releases are one-way, so gntboxd may take a
 * moment.
 */
TE bool
te_port_becomes(unsigned domid, uint32_t port, uint16_t state,
    uint16_t remote_dom)
{
	struct gbx_port_rec r;
	int i;

	for (i = 0; i < 500; i++) {
		r = te_port(domid, port);
		if (r.state == state && r.remote_dom == remote_dom)
			return (true);
		te_sleep_ms(10);
	}
	return (false);
}

#endif /* GNTBOX_TESTS_TEST_EVTCHN_H */
