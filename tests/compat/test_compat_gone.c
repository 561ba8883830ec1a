/*
 * Compatibility test: gntboxd dies (SIGKILL) under Debian's unmodified
 * libxenevtchn and libxenvchan (issue 12), through libgntbox-preload.so.
 *
 * Four processes wait when it dies:
 *
 * - a process of domain 1 in poll() on xenevtchn_fd (with a bound port
 *   and a grant device open too): poll wakes, the descriptor stays
 *   readable, xenevtchn_pending and xenevtchn_notify fail with EIO;
 * - a process of domain 1 asleep in xenevtchn_pending's read(): it wakes
 *   with EIO;
 * - a vchan server (domain 1) and its client (domain 2), each in
 *   libxenvchan_wait: it returns -1 (EIO) instead of hanging.
 *
 * Each then closes what it has (which must not hang either), and its
 * stderr holds exactly one line, the preload library's, naming gntboxd.
 * Finally gntboxd starts again on the same runtime directory (as `gntbox
 * up` would), a new process of domain 1 binds a port without any message,
 * and the levels of the new daemon are at its baseline.
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <libxenvchan.h>
#include <xenevtchn.h>
#include <xengnttab.h>

#include "check.h"
#include "compat.h"
#include "harness.h"

#define SAID "gntbox: gntboxd went away "
#define PATH "/local/domain/1/data/gone"

/* The role's stderr, captured in a pipe while it runs. */
struct capture {
	int save; /* the real stderr */
	int rd;	  /* the pipe's read end */
	char text[1024];
};

static void
capture_begin(struct capture *c)
{
	int p[2];

	REQUIRE(pipe(p) == 0);
	REQUIRE((c->save = dup(STDERR_FILENO)) != -1);
	REQUIRE(dup2(p[1], STDERR_FILENO) == STDERR_FILENO);
	(void)close(p[1]);
	c->rd = p[0];
}

/*
 * What the role wrote to stderr: wait up to ms for a whole line, then a
 * moment for any more; stderr is the real one again afterwards, so that
 * CHECK failures are seen.
 */
static void
capture_end(struct capture *c, int ms)
{
	struct pollfd p = { .fd = c->rd, .events = POLLIN };
	size_t got;
	ssize_t n;

	got = 0;
	while (got < sizeof(c->text) - 1 && poll(&p, 1, ms) == 1) {
		if ((n = read(c->rd, c->text + got,
			 sizeof(c->text) - 1 - got)) <= 0)
			break;
		got += (size_t)n;
		if (memchr(c->text, '\n', got) != NULL)
			ms = 200;
	}
	c->text[got] = '\0';
	REQUIRE(dup2(c->save, STDERR_FILENO) == STDERR_FILENO);
	(void)close(c->save);
	(void)close(c->rd);
}

/* Exactly one line on stderr, the library's. */
static void
check_said(const struct capture *c)
{
	const char *nl;

	nl = strchr(c->text, '\n');
	CHECK(strncmp(c->text, SAID, strlen(SAID)) == 0);
	CHECK(nl != NULL && nl[1] == '\0');
	if (strncmp(c->text, SAID, strlen(SAID)) != 0 || nl == NULL ||
	    nl[1] != '\0')
		(void)fprintf(stderr, "stderr was: \"%s\"\n", c->text);
}

/* Asleep in poll() on the event channel's descriptor. */
static int
poller(struct th_chan *ch)
{
	struct capture cap;
	struct pollfd p;
	xenevtchn_handle *x;
	xengnttab_handle *g;
	int port, n, again, pend, pend_errno, nt, nt_errno;

	capture_begin(&cap);
	REQUIRE((x = xenevtchn_open(NULL, 0)) != NULL);
	REQUIRE((g = xengnttab_open(NULL, 0)) != NULL);
	REQUIRE((port = xenevtchn_bind_unbound_port(x, 2)) > 0);
	p.fd = xenevtchn_fd(x);
	p.events = POLLIN;
	th_send_u64(ch, 1, 1);
	n = poll(&p, 1, 20000);
	pend = xenevtchn_pending(x);
	pend_errno = errno;
	nt = xenevtchn_notify(x, (evtchn_port_t)port);
	nt_errno = errno;
	/* A device whose driver went away stays that way. */
	again = poll(&p, 1, 0);
	CHECK_EQ(xenevtchn_close(x), 0);
	CHECK_EQ(xengnttab_close(g), 0);
	capture_end(&cap, 10000);
	CHECK_EQ(n, 1);
	CHECK((p.revents & POLLIN) != 0);
	CHECK_EQ(pend, -1);
	CHECK_EQ(pend_errno, EIO);
	CHECK_EQ(nt, -1);
	CHECK_EQ(nt_errno, EIO);
	CHECK_EQ(again, 1);
	check_said(&cap);
	return (0);
}

/* Asleep in read() (xenevtchn_pending on a blocking descriptor). */
static int
reader(struct th_chan *ch)
{
	struct capture cap;
	xenevtchn_handle *x;
	int pend, pend_errno;

	capture_begin(&cap);
	REQUIRE((x = xenevtchn_open(NULL, 0)) != NULL);
	th_send_u64(ch, 1, 1);
	pend = xenevtchn_pending(x);
	pend_errno = errno;
	CHECK_EQ(xenevtchn_close(x), 0);
	capture_end(&cap, 10000);
	CHECK_EQ(pend, -1);
	CHECK_EQ(pend_errno, EIO);
	check_said(&cap);
	return (0);
}

/* Either end of a vchan, asleep in libxenvchan_wait. */
static int
vchan(struct th_chan *ch, int server)
{
	struct capture cap;
	struct libxenvchan *v;
	int i, r, r_errno;

	capture_begin(&cap);
	v = server ? libxenvchan_server_init(NULL, 2, PATH, 0, 0) :
		     libxenvchan_client_init(NULL, 1, PATH);
	REQUIRE(v != NULL);
	v->blocking = 1;
	th_send_u64(ch, 1, 1);
	/* The events of the connection's set-up come first. */
	for (i = 0; i < 100 && (r = libxenvchan_wait(v)) == 0; i++)
		;
	r_errno = errno;
	libxenvchan_close(v);
	capture_end(&cap, 10000);
	CHECK_EQ(r, -1);
	CHECK_EQ(r_errno, EIO);
	check_said(&cap);
	return (0);
}

static int
vserver(struct th_chan *ch)
{

	return (vchan(ch, 1));
}

static int
vclient(struct th_chan *ch)
{

	return (vchan(ch, 0));
}

/* After the restart: a new process works, and nothing is said. */
static int
again(struct th_chan *ch)
{
	struct capture cap;
	xenevtchn_handle *x;
	int port;

	(void)ch;
	capture_begin(&cap);
	REQUIRE((x = xenevtchn_open(NULL, 0)) != NULL);
	port = xenevtchn_bind_unbound_port(x, 0);
	CHECK_EQ(xenevtchn_close(x), 0);
	capture_end(&cap, 200);
	CHECK(port > 0);
	CHECK_EQ(strlen(cap.text), 0);
	return (0);
}

static const struct tc_role roles[] = {
	{ "poller", poller },
	{ "reader", reader },
	{ "vserver", vserver },
	{ "vclient", vclient },
	{ "again", again },
	{ NULL, NULL },
};

int
main(int argc, char **argv)
{
	struct tc_proc pl, rd, vs, vc, ag;

	tc_main(argc, argv, roles);
	th_start(NULL);
	th_domain(1);
	th_domain(2);
	tc_run(&pl, 1, "poller");
	tc_run(&rd, 1, "reader");
	tc_run(&vs, 1, "vserver");
	CHECK_EQ(th_recv_u64(&vs.ch, 0), 1);
	tc_run(&vc, 2, "vclient");
	CHECK_EQ(th_recv_u64(&pl.ch, 0), 1);
	CHECK_EQ(th_recv_u64(&rd.ch, 0), 1);
	CHECK_EQ(th_recv_u64(&vc.ch, 0), 1);
	/* Let them fall asleep; were one still awake, it would see the same. */
	(void)usleep(200000);
	th_kill_daemon();
	CHECK_EQ(tc_wait(&pl), 0);
	CHECK_EQ(tc_wait(&rd), 0);
	CHECK_EQ(tc_wait(&vs), 0);
	CHECK_EQ(tc_wait(&vc), 0);

	/* The daemon started again, as `gntbox up` would start it. */
	th_start(NULL);
	th_domain(1);
	th_baseline();
	tc_run(&ag, 1, "again");
	CHECK_EQ(tc_wait(&ag), 0);
	th_check_baseline("a process after gntboxd's restart");
	return (th_finish());
}
