/*
 * cmd_top.c: gntbox top -- each domain's activity, refreshed, as xentop
 * shows Xen's: grants, maps and ports in use, events and xenstore
 * requests per second, and denials.
 *
 * gntboxd gives totals (CTL_DOMSTATS); rates are the difference between
 * two frames over the time between them, as xentop makes its CPU%, so
 * the first frame shows 0.  Interactive mode clears the screen before
 * each frame and stops on 'q' (or ^C); batch mode (-b) prints frames one
 * after another, for scripts and tests.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "lib/ctl.h"
#include "lib/ctl_observe.h"

#define TOP_CMD "top"

static const char top_help[] =
    "usage: gntbox top [-b] [-d DELAY] [-n ITERATIONS]\n"
    "\n"
    "Show each domain's activity, refreshed every DELAY seconds (default\n"
    "1), like xentop:\n"
    "\n"
    "  GRANTS  entries of its grant table in use (pages it shares)\n"
    "  MAPS    grants of others it maps, page by page (maptrack handles)\n"
    "  PORTS   its event-channel ports in use\n"
    "  EVT/S   events delivered to its ports per second, and EVENTS in\n"
    "          all: every notify that reached one of its bindings, on the\n"
    "          fast path too, merged ones included\n"
    "  XS/S    xenstore requests per second, and XSOPS in all\n"
    "  DENIED  requests refused (see 'gntbox log' for why)\n"
    "\n"
    "Totals count since the domain was created; rates are 0 in the first\n"
    "frame.\n"
    "\n"
    "  -b             batch mode: no screen control, frames one after\n"
    "                 another\n"
    "  -d DELAY       seconds between frames (0.1 to 3600)\n"
    "  -n ITERATIONS  stop after this many frames\n"
    "\n"
    "In interactive mode, 'q' quits.\n";

/* One frame's counters. */
struct sample {
	struct gbx_domstat_rec *d;
	uint32_t n;
	double t; /* CLOCK_MONOTONIC seconds */
};

static struct termios top_saved;
static bool top_raw;

static void
top_restore(void)
{

	if (top_raw) {
		(void)tcsetattr(STDIN_FILENO, TCSANOW, &top_saved);
		top_raw = false;
	}
}

static void
top_signal(int sig)
{

	top_restore();
	(void)signal(sig, SIG_DFL);
	(void)raise(sig);
}

/* Read keys one at a time, without echo, while we run; restored at exit. */
static void
top_keys(void)
{
	struct termios t;

	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &top_saved) != 0)
		return;
	t = top_saved;
	t.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	if (tcsetattr(STDIN_FILENO, TCSANOW, &t) != 0)
		return;
	top_raw = true;
	(void)atexit(top_restore);
	(void)signal(SIGINT, top_signal);
	(void)signal(SIGTERM, top_signal);
}

static double
now(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}

/* The record of domid in s (records come in domain order), or NULL. */
static const struct gbx_domstat_rec *
sample_find(const struct sample *s, uint16_t domid)
{
	uint32_t lo, hi, mid;

	lo = 0;
	hi = s->n;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (s->d[mid].domid == domid)
			return (&s->d[mid]);
		if (s->d[mid].domid < domid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (NULL);
}

/* A counter's rate between two frames (0 when it went back: new domain). */
static double
rate(uint64_t now_v, uint64_t prev_v, double dt)
{

	if (dt <= 0 || now_v < prev_v)
		return (0);
	return ((double)(now_v - prev_v) / dt);
}

static void
frame(const struct sample *cur, const struct sample *prev, bool batch,
    double delay)
{
	const struct gbx_domstat_rec *d, *p;
	char clock[16];
	struct tm tm;
	time_t t;
	double dt;
	uint32_t i;

	t = time(NULL);
	if (localtime_r(&t, &tm) == NULL ||
	    strftime(clock, sizeof(clock), "%H:%M:%S", &tm) == 0)
		clock[0] = '\0';
	if (!batch)
		printf("\033[H\033[2J");
	printf("gntbox top - %s  %u domain%s  (every %.1f s)\n", clock, cur->n,
	    cur->n == 1 ? "" : "s", delay);
	printf("%5s %-20s %6s %6s %6s %8s %10s %7s %9s %7s\n", "DOMID", "NAME",
	    "GRANTS", "MAPS", "PORTS", "EVT/S", "EVENTS", "XS/S", "XSOPS",
	    "DENIED");
	dt = prev != NULL ? cur->t - prev->t : 0;
	for (i = 0; i < cur->n; i++) {
		d = &cur->d[i];
		p = prev != NULL ? sample_find(prev, d->domid) : NULL;
		printf("%5u %-20.20s %6u %6u %6u %8.1f %10llu %7.1f %9llu "
		       "%7llu\n",
		    d->domid, d->name, d->grants, d->handles, d->ports,
		    p != NULL ? rate(d->events, p->events, dt) : 0.0,
		    (unsigned long long)d->events,
		    p != NULL ? rate(d->xs_ops, p->xs_ops, dt) : 0.0,
		    (unsigned long long)d->xs_ops,
		    (unsigned long long)d->denials);
	}
	if (batch)
		putchar('\n');
	fflush(stdout);
}

/*
 * Wait delay seconds, or until 'q' in interactive mode.  True when the
 * user asked to quit.
 */
static bool
top_wait(double delay)
{
	struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };
	double end, left;
	char ch;

	end = now() + delay;
	while ((left = end - now()) > 0) {
		if (!top_raw) {
			struct timespec ts = { (time_t)left,
				(long)((left - (double)(time_t)left) * 1e9) };

			(void)nanosleep(&ts, NULL);
			continue;
		}
		if (poll(&p, 1, (int)(left * 1000) + 1) == 1 &&
		    read(STDIN_FILENO, &ch, 1) == 1 && (ch == 'q' || ch == 'Q'))
			return (true);
	}
	return (false);
}

int
cmd_top(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "batch", no_argument, NULL, 'b' },
		{ "delay", required_argument, NULL, 'd' },
		{ "iterations", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sample cur, prev;
	struct gbx_conn *c;
	unsigned long iters, i;
	double delay;
	char *end;
	bool batch;
	int ch, error, rc;

	batch = false;
	delay = 1;
	iters = 0;
	optind = 1;
	while ((ch = getopt_long(argc, argv, ":bd:n:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'b':
			batch = true;
			break;
		case 'd':
			errno = 0;
			delay = strtod(optarg, &end);
			if (errno != 0 || *end != '\0' || end == optarg ||
			    !(delay >= 0.1 && delay <= 3600))
				return (cli_usage(TOP_CMD,
				    "-d: '%s' is not a delay from 0.1 to "
				    "3600 seconds",
				    optarg));
			break;
		case 'n':
			if ((rc = cli_parse_count(TOP_CMD, "-n", optarg, false,
				 &iters)) != 0)
				return (rc);
			break;
		case 'h':
			fputs(top_help, stdout);
			return (0);
		default:
			return (cli_bad_option(TOP_CMD, ch, argv));
		}
	}
	if (optind != argc)
		return (cli_usage(TOP_CMD, "unexpected '%s'", argv[optind]));
	if ((rc = cli_ctl_open(TOP_CMD, &c)) != 0)
		return (rc);
	if (!batch)
		top_keys();
	memset(&prev, 0, sizeof(prev));
	rc = 0;
	for (i = 0; iters == 0 || i < iters; i++) {
		if (i > 0 && top_wait(delay))
			break;
		cur.t = now();
		if ((error = gbx_ctl_domstats(c, GBX_ALL_DOMAINS, &cur.d,
			 &cur.n)) != 0) {
			rc = cli_fail(TOP_CMD, "gntboxd: %s", strerror(error));
			break;
		}
		frame(&cur, i > 0 ? &prev : NULL, batch, delay);
		free(prev.d);
		prev = cur;
	}
	free(prev.d);
	top_restore();
	gbx_conn_close(c);
	return (rc);
}
