/*
 * evtchn_pingpong: the latency of an event-channel round trip through
 * shared event pages (src/proto/evtpage.h), against the same ping-pong
 * over plain eventfds, measured in the same run.
 *
 *	evtchn_pingpong [-n ROUNDS] [-r REPEATS] [-o PREFIX]
 *
 * Two processes.  Event pages: each side has a page and an eventfd (as
 * gntboxd gives every handle); a round is A's evtpage_notify on B's port,
 * B's evtpage_wait_take (blocking), unmask and notify back, and A's
 * wait_take and unmask.  Baseline: A writes B's eventfd, B's blocking
 * read, B writes A's eventfd, A's blocking read.
 *
 * Each repetition times ROUNDS rounds of each kind, in alternating order,
 * after a warm-up, and records the mean nanoseconds per round.  The
 * samples go to PREFIX.evtpage and PREFIX.eventfd, one number per line,
 * for ministat:
 *
 *	ministat -w 72 PREFIX.eventfd PREFIX.evtpage
 *
 * stdout gets the median and the interquartile range of each, and the
 * ratio of the medians; PREFIX.pairs names the comparison for
 * bench/run.sh.
 */
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proto/evtpage.h"
#include "samples.h"

#define PORT_A 1 /* A's port in A's page: where B's events arrive */
#define PORT_B 2 /* B's port in B's page */
#define GEN_A  11
#define GEN_B  22
#define WARMUP 1000

struct side {
	struct gbx_evtpage *pg;
	int efd;   /* the handle's eventfd: EFD_SEMAPHORE | EFD_NONBLOCK */
	int plain; /* the baseline's eventfd: blocking */
	uint32_t port;
};

static void
die(const char *what)
{

	fprintf(stderr, "evtchn_pingpong: %s: %s\n", what, strerror(errno));
	exit(1);
}

static struct side
side_new(uint32_t port, uint32_t gen)
{
	struct side s;
	int fd;

	fd = memfd_create("evtchn-pingpong", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, GBX_EVTPAGE_BYTES) != 0)
		die("memfd");
	s.pg = mmap(NULL, GBX_EVTPAGE_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED,
	    fd, 0);
	if (s.pg == MAP_FAILED)
		die("mmap");
	close(fd);
	evtpage_init(s.pg, GBX_EVT_MAX_PORTS);
	evtpage_bind(s.pg, port, gen);
	s.efd = eventfd(0, EFD_SEMAPHORE | EFD_NONBLOCK | EFD_CLOEXEC);
	s.plain = eventfd(0, EFD_CLOEXEC);
	if (s.efd < 0 || s.plain < 0)
		die("eventfd");
	s.port = port;
	return (s);
}

/* Wait for our port, then re-enable it, as libxenevtchn's user does. */
static void
page_wait(struct side *me)
{
	uint32_t port;

	if (evtpage_wait_take(me->pg, me->efd, false, &port) != 0 ||
	    port != me->port) {
		fprintf(stderr, "evtchn_pingpong: bad take\n");
		exit(1);
	}
	evtpage_unmask(me->pg, me->efd, port);
}

static void
page_send(struct side *peer, uint32_t gen)
{

	if (evtpage_notify(peer->pg, peer->efd, peer->port, gen) ==
	    EVTPAGE_STALE) {
		fprintf(stderr, "evtchn_pingpong: stale\n");
		exit(1);
	}
}

static void
plain_wait(struct side *me)
{
	uint64_t v;

	if (read(me->plain, &v, sizeof(v)) != (ssize_t)sizeof(v))
		die("read");
}

static void
plain_send(struct side *peer)
{
	uint64_t one = 1;

	if (write(peer->plain, &one, sizeof(one)) != (ssize_t)sizeof(one))
		die("write");
}

/*
 * A (the parent) starts each round and times n of them; B echoes.
 * Returns the mean nanoseconds per round (A only).
 */
static double
rounds(int page, bool initiator, struct side *a, struct side *b, long n)
{
	uint64_t t0 = 0;
	long i;

	for (i = -WARMUP; i < n; i++) {
		if (i == 0)
			t0 = samples_now_ns();
		if (initiator) {
			if (page) {
				page_send(b, GEN_B);
				page_wait(a);
			} else {
				plain_send(b);
				plain_wait(a);
			}
		} else {
			if (page) {
				page_wait(b);
				page_send(a, GEN_A);
			} else {
				plain_wait(b);
				plain_send(a);
			}
		}
	}
	return ((double)(samples_now_ns() - t0) / (double)n);
}

int
main(int argc, char **argv)
{
	const char *prefix = "evtchn_pingpong";
	struct side a, b;
	double *s_page, *s_plain, m_page, m_plain;
	long n = 20000;
	int r = 30, c, k, status;
	pid_t pid;

	while ((c = getopt(argc, argv, "n:r:o:")) != -1) {
		if (c == 'n')
			n = atol(optarg);
		else if (c == 'r')
			r = atoi(optarg);
		else if (c == 'o')
			prefix = optarg;
		else
			break;
	}
	if (c != -1 || optind != argc) {
		fprintf(stderr,
		    "usage: evtchn_pingpong [-n ROUNDS] "
		    "[-r REPEATS] [-o PREFIX]\n");
		return (2);
	}
	if (n < 1 || r < 3) {
		fprintf(stderr, "evtchn_pingpong: need -n >= 1, -r >= 3\n");
		return (2);
	}
	s_page = calloc((size_t)r, sizeof(double));
	s_plain = calloc((size_t)r, sizeof(double));
	if (s_page == NULL || s_plain == NULL)
		die("calloc");
	a = side_new(PORT_A, GEN_A);
	b = side_new(PORT_B, GEN_B);

	pid = fork();
	if (pid < 0)
		die("fork");
	for (k = 0; k < r; k++) {
		/* Alternate the order so that neither kind always goes first. */
		int first = k % 2;

		if (pid == 0) {
			rounds(first, false, &a, &b, n);
			rounds(!first, false, &a, &b, n);
			continue;
		}
		if (first) {
			s_page[k] = rounds(1, true, &a, &b, n);
			s_plain[k] = rounds(0, true, &a, &b, n);
		} else {
			s_plain[k] = rounds(0, true, &a, &b, n);
			s_page[k] = rounds(1, true, &a, &b, n);
		}
	}
	if (pid == 0)
		_exit(0);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0) {
		fprintf(stderr, "evtchn_pingpong: the echo process failed\n");
		return (1);
	}

	printf("evtchn_pingpong: %d repetitions of %ld rounds, mean ns per "
	       "round trip each\n",
	    r, n);
	m_plain = samples_report(prefix, "eventfd", s_plain, r, "ns/round");
	m_page = samples_report(prefix, "evtpage", s_page, r, "ns/round");
	printf("ratio evtpage/eventfd (medians): %.3f\n", m_page / m_plain);
	samples_pairs(prefix, "eventfd evtpage\n");
	free(s_page);
	free(s_plain);
	return (0);
}
