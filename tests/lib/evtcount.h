/*
 * evtcount.h: what the tests that count an event's system calls share
 * (tests/integration/test_evtchn_syscalls.c through the native API,
 * tests/compat/test_compat_evtchn_syscalls.c through libxenevtchn): the
 * judgement of a set of windows (tests/lib/syscount.h), and the eventfd
 * ping-pong that is the floor.
 */
#ifndef GNTBOX_TESTS_EVTCOUNT_H
#define GNTBOX_TESTS_EVTCOUNT_H

#include <sys/eventfd.h>
#include <sys/syscall.h>

#include <pthread.h>
#include <unistd.h>

#include "check.h"
#include "syscount.h"

#define EC_WINDOWS 8 /* windows counted of each kind */

#define EC __attribute__((unused)) static

/*
 * Judge the least of EC_WINDOWS windows: nw write() calls, nr read()
 * calls and np preadv2() calls, and nothing else.
 */
EC void
ec_judge(const char *what, struct sc_window *w, unsigned nw, unsigned nr,
    unsigned np)
{
	unsigned k;

	k = sc_least(w, EC_WINDOWS);
	check_count++;
	if (w[k].n != nw + nr + np || sc_count(&w[k], SYS_write) != nw ||
	    sc_count(&w[k], SYS_read) != nr ||
	    sc_count(&w[k], SYS_preadv2) != np) {
		check_fail(__FILE__, __LINE__,
		    "%s: %u calls, want %u write, %u read, %u preadv2", what,
		    w[k].n, nw, nr, np);
		sc_print(what, &w[k]);
	}
}

/* The two eventfds of the floor, and the thread that echoes on them. */
static int ec_ping, ec_pong;

EC void *
ec_echo(void *arg)
{
	eventfd_t v;
	int i;

	(void)arg;
	for (i = 0; i < EC_WINDOWS; i++)
		if (eventfd_read(ec_ping, &v) != 0 ||
		    eventfd_write(ec_pong, 1) != 0)
			break;
	return (NULL);
}

/*
 * The floor: EC_WINDOWS windows, each around one round trip of an
 * eventfd ping-pong with a thread (write, then the read that waits for
 * the echo), judged as one write and one read.  Call between sc_start()
 * and sc_stop().
 */
EC void
ec_floor(void)
{
	struct sc_window w[EC_WINDOWS];
	pthread_t t;
	eventfd_t v;
	int i;

	REQUIRE((ec_ping = eventfd(0, EFD_CLOEXEC)) >= 0);
	REQUIRE((ec_pong = eventfd(0, EFD_CLOEXEC)) >= 0);
	REQUIRE(pthread_create(&t, NULL, ec_echo, NULL) == 0);
	for (i = 0; i < EC_WINDOWS; i++) {
		sc_begin();
		(void)eventfd_write(ec_ping, 1);
		(void)eventfd_read(ec_pong, &v);
		sc_end(&w[i]);
	}
	(void)pthread_join(t, NULL);
	(void)close(ec_ping);
	(void)close(ec_pong);
	ec_judge("eventfd round trip", w, 1, 1, 0);
}

#endif /* GNTBOX_TESTS_EVTCOUNT_H */
