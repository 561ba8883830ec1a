/*
 * evtchn_rtt: the round trip of an event-channel notification between
 * two domains through Debian's unmodified libxenevtchn, against an
 * eventfd ping-pong between the same two processes, each unpinned and
 * pinned to one CPU, measured in the same run.
 *
 *	evtchn_rtt [-n ROUNDS] [-r REPEATS] [-o PREFIX]
 *
 * The program starts its own gntboxd ($GNTBOX_BUILD/bin/gntboxd on
 * $GNTBOX_DIR) with domains 1 and 2, and two processes under `gntbox
 * run` (so with the preload library): A in domain 1 binds an unbound
 * port, B in domain 2 binds to it.  A round is what libxenvchan's wait
 * and notify make: A's xenevtchn_notify, B's xenevtchn_pending (a
 * blocking read) and xenevtchn_unmask, B's notify back, A's pending and
 * unmask.  The floor is the same exchange over two blocking eventfds
 * (write, read, write, read): two system calls per side per round.
 *
 * Pinned, both processes run on CPU 0 (what `taskset -c 0` does): every
 * wake-up is a context switch on one CPU.  Unpinned, they may run on
 * two, and a wake-up may cross CPUs.  Issue 14's target is a round trip
 * within 1.1 of eventfd's, both ways.
 *
 * Each repetition times ROUNDS rounds of each variant, in an order that
 * rotates, after a warm-up (which also takes the first notifies through
 * gntboxd), and records the mean nanoseconds per round trip, and the CPU
 * time both processes used per round trip (/proc/PID/schedstat), which
 * other load on the machine does not inflate.  Samples go to
 * PREFIX.eventfd, PREFIX.evtchn, PREFIX.eventfd1cpu and PREFIX.evtchn1cpu
 * (and the same with "-cpu"); PREFIX.pairs names the comparisons.
 */
#include <sys/eventfd.h>

#include <errno.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xenevtchn.h>

#include "benchproc.h"
#include "daemon.h"
#include "gntbox.h"
#include "samples.h"

#define WARMUP 1000

enum variant {
	EVENTFD,
	EVTCHN,
	EVENTFD1,
	EVTCHN1,
	NVARS
};

static const char *const var_name[NVARS] = { "eventfd", "evtchn", "eventfd1cpu",
	"evtchn1cpu" };

struct side {
	xenevtchn_handle *x;
	evtchn_port_t port; /* ours */
	int in, out;	    /* the eventfd we read, the one the peer reads */
	int ctl;	    /* A: writes B's orders; B: reads them */
	int ack;	    /* B: answers; A: reads */
	pid_t peer;	    /* A: B's pid */
	cpu_set_t all;	    /* the CPUs we started with */
};

static void
die(const char *what)
{

	fprintf(stderr, "evtchn_rtt: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* One event on our port, re-enabled, as libxenvchan's wait does. */
static void
evt_wait(struct side *s)
{
	xenevtchn_port_or_error_t p;

	if ((p = xenevtchn_pending(s->x)) == -1 || (evtchn_port_t)p != s->port)
		die("xenevtchn_pending");
	if (xenevtchn_unmask(s->x, s->port) != 0)
		die("xenevtchn_unmask");
}

static void
round_half(struct side *s, bool evtchn, bool send)
{
	uint64_t v = 1;

	if (evtchn && send) {
		if (xenevtchn_notify(s->x, s->port) != 0)
			die("xenevtchn_notify");
	} else if (evtchn)
		evt_wait(s);
	else if (send) {
		if (write(s->out, &v, sizeof(v)) != (ssize_t)sizeof(v))
			die("eventfd write");
	} else if (read(s->in, &v, sizeof(v)) != (ssize_t)sizeof(v))
		die("eventfd read");
}

/* Run on CPU 0 only, or wherever we started. */
static void
pin(struct side *s, bool one)
{

	if (one)
		bp_pin(0);
	else if (sched_setaffinity(0, sizeof(s->all), &s->all) != 0)
		die("sched_setaffinity");
}

/*
 * n timed rounds (after the warm-up) of variant v: A sends first.
 * Returns the mean nanoseconds per round trip; A also stores the CPU
 * time both sides used per round trip in *cpu.
 */
static double
rounds(struct side *s, enum variant v, bool a, long n, double *cpu)
{
	uint64_t t0, c0;
	bool evtchn;
	long i;

	evtchn = v == EVTCHN || v == EVTCHN1;
	t0 = c0 = 0;
	for (i = -WARMUP; i < n; i++) {
		if (i == 0) {
			if (a)
				c0 = bp_cpu_ns(0) + bp_cpu_ns(s->peer);
			t0 = samples_now_ns();
		}
		round_half(s, evtchn, a);
		round_half(s, evtchn, !a);
	}
	t0 = samples_now_ns() - t0;
	if (a)
		*cpu = (double)(bp_cpu_ns(0) + bp_cpu_ns(s->peer) - c0) /
		    (double)n;
	return ((double)t0 / (double)n);
}

/* B: bind to A's port, then run each variant A orders, until told to stop. */
static int
side_b(struct side *s, int portfd, long n)
{
	evtchn_port_t rport;
	xenevtchn_port_or_error_t p;
	uint8_t v;

	if (read(portfd, &rport, sizeof(rport)) != (ssize_t)sizeof(rport))
		die("reading the port");
	if ((p = xenevtchn_bind_interdomain(s->x, 1, rport)) == -1)
		die("xenevtchn_bind_interdomain");
	s->port = (evtchn_port_t)p;
	/* The new binding's own event (Xen raises it on the binder's port). */
	evt_wait(s);
	s->peer = getpid();
	if (write(s->ack, &s->peer, sizeof(s->peer)) != sizeof(s->peer))
		die("ack");
	while (read(s->ctl, &v, 1) == 1 && v < NVARS) {
		pin(s, v == EVENTFD1 || v == EVTCHN1);
		if (write(s->ack, &v, 1) != 1)
			die("ack");
		(void)rounds(s, (enum variant)v, false, n, NULL);
	}
	return (0);
}

/* A: bind, hand B the port, time r repetitions of every variant. */
static int
side_a(struct side *s, int portfd, const char *prefix, long n, int r)
{
	double *smp[NVARS], *cpu[NVARS], med[NVARS], mc[NVARS];
	char name[32];
	xenevtchn_port_or_error_t p;
	uint8_t v, ack;
	int k, j;

	if ((p = xenevtchn_bind_unbound_port(s->x, 2)) == -1)
		die("xenevtchn_bind_unbound_port");
	s->port = (evtchn_port_t)p;
	if (write(portfd, &s->port, sizeof(s->port)) !=
		(ssize_t)sizeof(s->port) ||
	    read(s->ack, &s->peer, sizeof(s->peer)) != sizeof(s->peer))
		die("handing the port over");
	for (k = 0; k < NVARS; k++)
		if ((smp[k] = calloc((size_t)r, sizeof(double))) == NULL ||
		    (cpu[k] = calloc((size_t)r, sizeof(double))) == NULL)
			die("calloc");
	for (j = 0; j < r; j++)
		for (k = 0; k < NVARS; k++) {
			v = (uint8_t)((k + j) % NVARS);
			pin(s, v == EVENTFD1 || v == EVTCHN1);
			if (write(s->ctl, &v, 1) != 1 ||
			    read(s->ack, &ack, 1) != 1 || ack != v)
				die("ordering B");
			smp[v][j] =
			    rounds(s, (enum variant)v, true, n, &cpu[v][j]);
		}
	v = NVARS;
	if (write(s->ctl, &v, 1) != 1)
		die("stopping B");
	printf("evtchn_rtt: %d repetitions of %ld round trips, mean ns per "
	       "round trip\n",
	    r, n);
	for (k = 0; k < NVARS; k++) {
		med[k] = samples_report(prefix, var_name[k], smp[k], r, "ns");
		(void)snprintf(name, sizeof(name), "%s-cpu", var_name[k]);
		mc[k] = samples_report(prefix, name, cpu[k], r, "ns");
	}
	printf("ratio evtchn/eventfd (medians): %.3f, CPU time %.3f\n",
	    med[EVTCHN] / med[EVENTFD], mc[EVTCHN] / mc[EVENTFD]);
	printf("ratio evtchn1cpu/eventfd1cpu (medians): %.3f, CPU time %.3f\n",
	    med[EVTCHN1] / med[EVENTFD1], mc[EVTCHN1] / mc[EVENTFD1]);
	samples_pairs(prefix,
	    "eventfd evtchn ns notify round trip, libxenevtchn, unpinned\n"
	    "eventfd1cpu evtchn1cpu ns notify round trip, libxenevtchn, both "
	    "on one CPU\n"
	    "eventfd-cpu evtchn-cpu ns notify round trip, libxenevtchn, "
	    "unpinned, CPU time of both sides\n"
	    "eventfd1cpu-cpu evtchn1cpu-cpu ns notify round trip, "
	    "libxenevtchn, both on one CPU, CPU time of both sides\n");
	for (k = 0; k < NVARS; k++) {
		free(smp[k]);
		free(cpu[k]);
	}
	return (0);
}

/* argv: --role a|b PORTFD IN OUT CTL ACK PREFIX N R */
static int
role(char **argv)
{
	struct side s;
	int rc;

	memset(&s, 0, sizeof(s));
	s.in = atoi(argv[4]);
	s.out = atoi(argv[5]);
	s.ctl = atoi(argv[6]);
	s.ack = atoi(argv[7]);
	if (sched_getaffinity(0, sizeof(s.all), &s.all) != 0)
		die("sched_getaffinity");
	if ((s.x = xenevtchn_open(NULL, 0)) == NULL)
		die("xenevtchn_open");
	if (strcmp(argv[2], "a") == 0)
		rc = side_a(&s, atoi(argv[3]), argv[8], atol(argv[9]),
		    atoi(argv[10]));
	else
		rc = side_b(&s, atoi(argv[3]), atol(argv[9]));
	(void)xenevtchn_close(s.x);
	return (rc);
}

int
main(int argc, char **argv)
{
	const char *prefix = "evtchn_rtt";
	char a[7][16], nb[32], rb[16];
	int r = 20, port[2], ctl[2], ack[2], efd[2];
	long n = 20000;
	pid_t daemon, pa, pb;
	bool ok;

	if (argc == 11 && strcmp(argv[1], "--role") == 0)
		return (role(argv));
	samples_args(argc, argv, "evtchn_rtt", &n, &r, &prefix);
	daemon = bp_daemon(2);
	/* Made after gntboxd started, so that it holds none of them. */
	if (pipe(port) != 0 || pipe(ctl) != 0 || pipe(ack) != 0 ||
	    (efd[0] = eventfd(0, 0)) == -1 || (efd[1] = eventfd(0, 0)) == -1)
		die("pipes");
	(void)snprintf(a[0], sizeof(a[0]), "%d", port[1]);
	(void)snprintf(a[1], sizeof(a[1]), "%d", port[0]);
	(void)snprintf(a[2], sizeof(a[2]), "%d", efd[0]);
	(void)snprintf(a[3], sizeof(a[3]), "%d", efd[1]);
	(void)snprintf(a[4], sizeof(a[4]), "%d", ctl[1]);
	(void)snprintf(a[5], sizeof(a[5]), "%d", ctl[0]);
	(void)snprintf(a[6], sizeof(a[6]), "%d", ack[0]);
	(void)snprintf(nb, sizeof(nb), "%ld", n);
	(void)snprintf(rb, sizeof(rb), "%d", r);
	pa =
	    bp_role(1, "a", a[0], a[2], a[3], a[4], a[6], prefix, nb, rb, NULL);
	(void)snprintf(a[6], sizeof(a[6]), "%d", ack[1]);
	pb =
	    bp_role(2, "b", a[1], a[3], a[2], a[5], a[6], prefix, nb, rb, NULL);
	(void)close(port[0]);
	(void)close(port[1]);
	(void)close(ctl[0]);
	(void)close(ctl[1]);
	(void)close(ack[0]);
	(void)close(ack[1]);
	ok = bp_wait(pa);
	ok = bp_wait(pb) && ok;
	if (td_stop(daemon) != 0 || !ok) {
		fprintf(stderr, "evtchn_rtt: a side failed\n");
		return (1);
	}
	return (0);
}
