/*
 * harness.c: the integration-test harness (harness.h), on daemon.h.
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "daemon.h"
#include "harness.h"

static pid_t th_daemon = -1; /* our gntboxd, while it runs */
static pid_t th_parent = -1; /* the test process itself */
static struct gntbox_stats th_base;
static int th_errors_expected; /* protocol errors are expected once */

/* The levels of struct gntbox_stats, by name, for th_check_baseline. */
#define TH_LEVEL(f)                                                            \
	{                                                                      \
#f, offsetof(struct gntbox_stats, f)                           \
	}
static const struct {
	const char *name;
	size_t off;
} th_levels[] = {
	TH_LEVEL(domains),
	TH_LEVEL(connections),
	TH_LEVEL(grants),
	TH_LEVEL(maps),
	TH_LEVEL(handles),
	TH_LEVEL(deferred),
	TH_LEVEL(pages),
	TH_LEVEL(arenas),
	TH_LEVEL(ports),
	TH_LEVEL(nodes),
	TH_LEVEL(watches),
	TH_LEVEL(transactions),
};

static uint64_t
th_field(const struct gntbox_stats *st, size_t off)
{
	uint64_t v;

	memcpy(&v, (const char *)st + off, sizeof(v));
	return (v);
}

static void
th_sleep_ms(unsigned ms)
{
	struct timespec ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/*
 * Whatever way the test process ends (a REQUIRE included), no gntboxd is
 * left behind.  Children inherit the handler; it does nothing in them.
 */
static void
th_atexit(void)
{

	if (getpid() != th_parent || th_daemon == -1)
		return;
	(void)kill(th_daemon, SIGKILL);
	(void)waitpid(th_daemon, NULL, 0);
	th_daemon = -1;
}

void
th_start(const char *const *extra)
{

	th_parent = getpid();
	/* A peer that dies must not kill the test with SIGPIPE. */
	(void)signal(SIGPIPE, SIG_IGN);
	th_daemon = td_start(extra);
	REQUIRE(th_daemon > 0);
	(void)atexit(th_atexit);
}

void
th_domain(unsigned domid)
{

	if (gntbox_domain_create((int)domid, NULL, 0) == -1) {
		check_fail(__FILE__, __LINE__, "creating domain %u: %s", domid,
		    strerror(errno));
		exit(check_exit());
	}
}

void
th_stats(struct gntbox_stats *st)
{

	if (gntbox_get_stats(st) == -1) {
		check_fail(__FILE__, __LINE__, "reading stats: %s",
		    strerror(errno));
		exit(check_exit());
	}
}

void
th_baseline(void)
{

	th_stats(&th_base);
}

void
th_expect_protocol_errors(void)
{

	th_errors_expected = 1;
}

/* True when every level of st equals the baseline's. */
static int
th_levels_equal(const struct gntbox_stats *st)
{
	size_t i;

	for (i = 0; i < sizeof(th_levels) / sizeof(th_levels[0]); i++)
		if (th_field(st, th_levels[i].off) !=
		    th_field(&th_base, th_levels[i].off))
			return (0);
	return (1);
}

/*
 * Poll until the levels settle back, then report.  The totals that mean
 * "something spoke out of protocol" must not have moved either; they are
 * carried forward so each check judges only its own scenario.
 */
int
th_check_baseline(const char *what)
{
	struct gntbox_stats st;
	unsigned waited;
	size_t i;
	int ok;

	for (waited = 0;; waited += 20) {
		th_stats(&st);
		if (th_levels_equal(&st) || waited >= TH_SETTLE_MS)
			break;
		th_sleep_ms(20);
	}
	ok = 1;
	check_count++;
	for (i = 0; i < sizeof(th_levels) / sizeof(th_levels[0]); i++) {
		if (th_field(&st, th_levels[i].off) ==
		    th_field(&th_base, th_levels[i].off))
			continue;
		check_fail(__FILE__, __LINE__,
		    "after %s: %s is %llu, baseline %llu", what,
		    th_levels[i].name,
		    (unsigned long long)th_field(&st, th_levels[i].off),
		    (unsigned long long)th_field(&th_base, th_levels[i].off));
		ok = 0;
	}
	check_count++;
	if (!th_errors_expected &&
	    (st.protocol_errors != th_base.protocol_errors ||
		st.conns_dropped != th_base.conns_dropped)) {
		check_fail(__FILE__, __LINE__,
		    "after %s: %llu protocol errors, %llu connections dropped",
		    what,
		    (unsigned long long)(st.protocol_errors -
			th_base.protocol_errors),
		    (unsigned long long)(st.conns_dropped -
			th_base.conns_dropped));
		ok = 0;
	}
	th_errors_expected = 0;
	th_base.protocol_errors = st.protocol_errors;
	th_base.conns_dropped = st.conns_dropped;
	return (ok);
}

void
th_kill_daemon(void)
{

	REQUIRE(th_daemon != -1);
	(void)kill(th_daemon, SIGKILL);
	(void)waitpid(th_daemon, NULL, 0);
	th_daemon = -1;
}

int
th_finish(void)
{
	int st;

	if (th_daemon != -1) {
		st = td_stop(th_daemon);
		th_daemon = -1;
		check_count++;
		if (st != 0)
			check_fail(__FILE__, __LINE__,
			    "gntboxd's exit status is %#x, not 0", st);
	}
	return (check_exit());
}

pid_t
th_spawn(unsigned domid, int (*fn)(void *), void *arg)
{
	char buf[16];
	pid_t pid;
	int rc;

	fflush(NULL);
	pid = fork();
	REQUIRE(pid != -1);
	if (pid != 0)
		return (pid);
	/* The child: its own checks, its own domain, no parent cleanup. */
	check_count = 0;
	check_failures = 0;
	(void)snprintf(buf, sizeof(buf), "%u", domid);
	(void)setenv("GNTBOX_DOMID", buf, 1);
	rc = fn(arg);
	if (rc == 0 && check_failures != 0)
		rc = 1;
	fflush(NULL);
	_exit(rc);
}

int
th_wait(pid_t pid)
{
	unsigned waited;
	pid_t r;
	int st;

	for (waited = 0;; waited += 10) {
		r = waitpid(pid, &st, WNOHANG);
		if (r == pid)
			break;
		if (r == -1 && errno != EINTR) {
			check_fail(__FILE__, __LINE__, "waitpid %d: %s",
			    (int)pid, strerror(errno));
			return (-1000);
		}
		if (waited >= TH_CHILD_TIMEOUT_MS) {
			check_fail(__FILE__, __LINE__,
			    "child %d did not exit; killed", (int)pid);
			(void)kill(pid, SIGKILL);
			(void)waitpid(pid, &st, 0);
			return (-1000);
		}
		th_sleep_ms(10);
	}
	if (WIFSIGNALED(st))
		return (-WTERMSIG(st));
	return (WEXITSTATUS(st));
}

int
th_kill(pid_t pid, int sig)
{

	(void)kill(pid, sig);
	return (th_wait(pid));
}

void
th_chan_open(struct th_chan *ch)
{

	REQUIRE(
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ch->fd) == 0);
}

void
th_chan_close(struct th_chan *ch)
{

	(void)close(ch->fd[0]);
	(void)close(ch->fd[1]);
	ch->fd[0] = ch->fd[1] = -1;
}

void
th_send(struct th_chan *ch, int end, const void *buf, size_t len)
{
	ssize_t r;

	do
		r = send(ch->fd[end], buf, len, MSG_NOSIGNAL);
	while (r == -1 && errno == EINTR);
	REQUIRE(r == (ssize_t)len);
}

void
th_recv(struct th_chan *ch, int end, void *buf, size_t len)
{
	struct pollfd p;
	ssize_t r;
	int n;

	p.fd = ch->fd[end];
	p.events = POLLIN;
	do
		n = poll(&p, 1, TH_TIMEOUT_MS);
	while (n == -1 && errno == EINTR);
	if (n != 1) {
		check_fail(__FILE__, __LINE__, "no message within %d ms",
		    TH_TIMEOUT_MS);
		exit(check_exit());
	}
	do
		r = recv(ch->fd[end], buf, len, MSG_TRUNC);
	while (r == -1 && errno == EINTR);
	REQUIRE(r == (ssize_t)len);
}

void
th_send_u64(struct th_chan *ch, int end, uint64_t v)
{

	th_send(ch, end, &v, sizeof(v));
}

uint64_t
th_recv_u64(struct th_chan *ch, int end)
{
	uint64_t v;

	th_recv(ch, end, &v, sizeof(v));
	return (v);
}

gntbox_t *
th_open(int domid)
{
	gntbox_t *h;

	if ((h = gntbox_open(domid)) == NULL) {
		check_fail(__FILE__, __LINE__, "gntbox_open(%d): %s", domid,
		    strerror(errno));
		exit(check_exit());
	}
	return (h);
}

uint64_t
th_share(gntbox_t *h, uint32_t to, uint32_t count, unsigned flags,
    uint32_t *refs)
{
	uint64_t off;

	off = 0;
	if (gntbox_share(h, to, count, flags, refs, &off) == -1) {
		check_fail(__FILE__, __LINE__,
		    "gntbox_share(%u pages to %u): %s", count, to,
		    strerror(errno));
		exit(check_exit());
	}
	return (off);
}

void
th_refs(struct gntbox_grant_ref *g, uint32_t from, const uint32_t *refs,
    uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++) {
		g[i].domid = from;
		g[i].ref = refs[i];
	}
}

void *
th_map(gntbox_t *h, uint32_t from, uint32_t count, const uint32_t *refs,
    int prot, uint64_t *offp)
{
	struct gntbox_grant_ref *g;
	uint64_t off;
	void *p;

	REQUIRE((g = calloc(count, sizeof(*g))) != NULL);
	th_refs(g, from, refs, count);
	p = NULL;
	if (gntbox_map(h, count, g, 0, &off) == -1 ||
	    (p = gntbox_mmap(h, off, count, prot, NULL)) == NULL) {
		check_fail(__FILE__, __LINE__, "mapping %u grants of %u: %s",
		    count, from, strerror(errno));
		exit(check_exit());
	}
	free(g);
	if (offp != NULL)
		*offp = off;
	return (p);
}

void
th_end(gntbox_t *h, struct th_chan *ch, int end, enum th_end how)
{

	if (how == TH_CLOSE)
		CHECK_ERR(gntbox_close(h), 0);
	else if (how == TH_AWAIT_KILL)
		(void)th_recv_u64(ch, end);
}

static sigjmp_buf th_jmp;
static volatile sig_atomic_t th_sig;

static void
th_fault(int sig)
{

	th_sig = sig;
	siglongjmp(th_jmp, 1);
}

int
th_faults(volatile void *p, int write)
{
	struct sigaction sa, osegv, obus;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = th_fault;
	(void)sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGSEGV, &sa, &osegv);
	(void)sigaction(SIGBUS, &sa, &obus);
	th_sig = 0;
	/* sigsetjmp(, 1) restores the mask, so the signal is unblocked. */
	if (sigsetjmp(th_jmp, 1) == 0) {
		if (write)
			*(volatile char *)p = 0x5a;
		else
			(void)*(volatile char *)p;
	}
	(void)sigaction(SIGSEGV, &osegv, NULL);
	(void)sigaction(SIGBUS, &obus, NULL);
	return (th_sig);
}
