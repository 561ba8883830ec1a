/*
 * evtchn_native: the round trip of a notification between two domains
 * through the public libgntbox API, against an eventfd ping-pong between
 * two plain processes, measured in the same run.
 *
 *	evtchn_native [-n ROUNDS] [-r REPEATS] [-o PREFIX]
 *
 * The program starts its own gntboxd ($GNTBOX_BUILD/bin/gntboxd on
 * $GNTBOX_DIR, as the tests do) with domains 1 and 2.  Two processes:
 * domain 1 binds an unbound port, domain 2 binds to it.  A round is
 * gntbox_evtchn_notify() by domain 1, gntbox_evtchn_pending() (blocking)
 * and gntbox_evtchn_unmask() by domain 2, its notify back, and domain 1's
 * pending and unmask: what a libxenevtchn user does.  The baseline is the
 * same exchange over two plain blocking eventfds (write, read, write,
 * read).
 *
 * Each repetition times ROUNDS rounds of each kind, alternating which
 * goes first, after a warm-up (which also takes the first notifies
 * through gntboxd, so that the rounds timed take the direct path), and
 * records the mean nanoseconds per round.  Samples go to PREFIX.eventfd
 * and PREFIX.evtchn, PREFIX.pairs names the comparison for bench/run.sh,
 * and stdout gets the median, the spread and the ratio of the medians.
 */
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "gntbox.h"
#include "samples.h"

#define WARMUP 1000

struct side {
	gntbox_evtchn_t *e;
	uint32_t port;
	int plain_in;  /* the eventfd this side reads */
	int plain_out; /* the eventfd the other side reads */
};

static void
die(const char *what)
{

	fprintf(stderr, "evtchn_native: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* One event on our port, then re-enable it, as libxenvchan's wait does. */
static void
evt_wait(struct side *s)
{

	if (gntbox_evtchn_pending(s->e) != (int)s->port)
		die("pending");
	if (gntbox_evtchn_unmask(s->e, s->port) != 0)
		die("unmask");
}

static void
evt_send(struct side *s)
{

	if (gntbox_evtchn_notify(s->e, s->port) != 0)
		die("notify");
}

static void
plain_wait(struct side *s)
{
	uint64_t v;

	if (read(s->plain_in, &v, sizeof(v)) != (ssize_t)sizeof(v))
		die("read");
}

static void
plain_send(struct side *s)
{
	uint64_t one = 1;

	if (write(s->plain_out, &one, sizeof(one)) != (ssize_t)sizeof(one))
		die("write");
}

/*
 * n timed rounds (after the warm-up) of one kind; the initiator sends
 * first.  Returns the mean nanoseconds per round trip.
 */
static double
rounds(bool evtchn, bool initiator, struct side *s, long n)
{
	uint64_t t0 = 0;
	long i;

	for (i = -WARMUP; i < n; i++) {
		if (i == 0)
			t0 = samples_now_ns();
		if (initiator) {
			if (evtchn) {
				evt_send(s);
				evt_wait(s);
			} else {
				plain_send(s);
				plain_wait(s);
			}
		} else {
			if (evtchn) {
				evt_wait(s);
				evt_send(s);
			} else {
				plain_wait(s);
				plain_send(s);
			}
		}
	}
	return ((double)(samples_now_ns() - t0) / (double)n);
}

/* Domain 2's side: bind to domain 1's port, then echo r repetitions. */
static int
echo(int sock, int efd_a, int efd_b, int r, long n)
{
	struct side s;
	uint32_t rport;
	int k, port;

	if (read(sock, &rport, sizeof(rport)) != (ssize_t)sizeof(rport))
		die("reading the port");
	if ((s.e = gntbox_evtchn_open(2, 0)) == NULL)
		die("gntbox_evtchn_open(2)");
	if ((port = gntbox_evtchn_bind_interdomain(s.e, 1, rport)) <= 0)
		die("bind_interdomain");
	s.port = (uint32_t)port;
	/* The new binding's own event (Xen's fix-up). */
	evt_wait(&s);
	s.plain_in = efd_b;
	s.plain_out = efd_a;
	if (write(sock, &s.port, sizeof(s.port)) != (ssize_t)sizeof(s.port))
		die("writing the port");
	for (k = 0; k < r; k++) {
		rounds(k % 2 == 0, false, &s, n);
		rounds(k % 2 != 0, false, &s, n);
	}
	(void)gntbox_evtchn_close(s.e);
	return (0);
}

int
main(int argc, char **argv)
{
	const char *prefix = "evtchn_native";
	double *s_evt, *s_plain, m_evt, m_plain;
	int sp[2], efd_a, efd_b, c, k, status, r = 30, port;
	long n = 20000;
	struct side s;
	pid_t daemon, pid;
	bool echo_ok;
	uint32_t rport;

	while ((c = getopt(argc, argv, "n:r:o:")) != -1) {
		if (c == 'n')
			n = samples_count(optarg, 1000000000L);
		else if (c == 'r')
			r = (int)samples_count(optarg, 100000);
		else if (c == 'o')
			prefix = optarg;
		else
			break;
	}
	if (c != -1 || optind != argc || n < 1 || r < 3) {
		fprintf(stderr,
		    "usage: evtchn_native [-n ROUNDS >= 1] "
		    "[-r REPEATS >= 3] [-o PREFIX]\n");
		return (2);
	}
	if ((daemon = td_start(NULL)) == -1)
		return (1);
	/* Freed by the exit when die() comes first. */
	s_evt = calloc((size_t)r, sizeof(double));
	s_plain = calloc((size_t)r, sizeof(double));
	if (s_evt == NULL || s_plain == NULL)
		die("calloc");
	if (gntbox_domain_create(1, NULL, 1) == -1 ||
	    gntbox_domain_create(2, NULL, 1) == -1)
		die("creating domains 1 and 2");
	efd_a = eventfd(0, EFD_CLOEXEC);
	efd_b = eventfd(0, EFD_CLOEXEC);
	if (efd_a == -1 || efd_b == -1 ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) == -1)
		die("eventfd");
	if ((pid = fork()) == -1)
		die("fork");
	if (pid == 0) {
		(void)close(sp[0]);
		_exit(echo(sp[1], efd_a, efd_b, r, n));
	}
	(void)close(sp[1]);
	if ((s.e = gntbox_evtchn_open(1, 0)) == NULL)
		die("gntbox_evtchn_open(1)");
	if ((port = gntbox_evtchn_bind_unbound(s.e, 2)) <= 0)
		die("bind_unbound");
	s.port = (uint32_t)port;
	s.plain_in = efd_a;
	s.plain_out = efd_b;
	if (write(sp[0], &s.port, sizeof(s.port)) != (ssize_t)sizeof(s.port) ||
	    read(sp[0], &rport, sizeof(rport)) != (ssize_t)sizeof(rport))
		die("exchanging ports");
	for (k = 0; k < r; k++) {
		/* Alternate the order so that neither kind always goes first. */
		if (k % 2 == 0) {
			s_evt[k] = rounds(true, true, &s, n);
			s_plain[k] = rounds(false, true, &s, n);
		} else {
			s_plain[k] = rounds(false, true, &s, n);
			s_evt[k] = rounds(true, true, &s, n);
		}
	}
	echo_ok = waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 0;
	(void)gntbox_evtchn_close(s.e);
	if (td_stop(daemon) != 0)
		fprintf(stderr,
		    "evtchn_native: gntboxd did not exit cleanly\n");
	if (!echo_ok) {
		fprintf(stderr, "evtchn_native: the echo process failed\n");
		status = 1;
		goto out;
	}
	printf("evtchn_native: %d repetitions of %ld round trips, mean ns "
	       "per round trip each\n",
	    r, n);
	m_plain = samples_report(prefix, "eventfd", s_plain, r, "ns");
	m_evt = samples_report(prefix, "evtchn", s_evt, r, "ns");
	samples_pairs(prefix, "eventfd evtchn\n");
	printf("ratio evtchn/eventfd (medians): %.3f (target: at most 1.5)\n",
	    m_evt / m_plain);
	status = 0;
out:
	free(s_evt);
	free(s_plain);
	return (status);
}
