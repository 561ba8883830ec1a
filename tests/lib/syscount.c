/*
 * syscount.c: counting a thread's system calls with ptrace (syscount.h).
 *
 * The tracer is a forked child.  It seizes the thread (PTRACE_SEIZE, so
 * nothing stops until it asks), interrupts it once to start syscall
 * tracing, and from then on sees each system call's entry
 * (PTRACE_GET_SYSCALL_INFO tells entry from exit).  Marks are system
 * calls with numbers no kernel has: the tracer records between the
 * begin and end marks, and at the end mark writes the window down a pipe
 * before it lets the thread go on, so the thread's read of it never
 * waits for anything but the write already made.  Signals that arrive
 * meanwhile are passed on.
 */
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "syscount.h"

/* System call numbers no kernel has: the marks. */
#define SC_MARK_BEGIN 4000
#define SC_MARK_END   4001
#define SC_MARK_STOP  4002

static pid_t sc_tracer = -1;
static int sc_results = -1; /* read end: windows from the tracer */

/*
 * A window fits in one pipe write (PIPE_BUF), which is atomic: one write
 * sends it and one read takes it whole.
 */
_Static_assert(sizeof(struct sc_window) <= PIPE_BUF, "one atomic write");

static void
sc_send(int fd, const void *buf, size_t len)
{

	if (write(fd, buf, len) != (ssize_t)len)
		_exit(3);
}

static bool
sc_recv(int fd, void *buf, size_t len)
{
	ssize_t r;

	while ((r = read(fd, buf, len)) == -1 && errno == EINTR)
		;
	return (r == (ssize_t)len);
}

/*
 * The tracer: trace tid until the stop mark (or its end), sending each
 * window down out.  Never returns.
 */
static void
sc_trace(pid_t tid, int go, int out)
{
	struct __ptrace_syscall_info si;
	struct sc_window w;
	bool open;
	char c;
	int st, sig, i;

	if (!sc_recv(go, &c, 1) ||
	    ptrace(PTRACE_SEIZE, tid, NULL,
		(void *)(long)PTRACE_O_TRACESYSGOOD) == -1 ||
	    ptrace(PTRACE_INTERRUPT, tid, NULL, NULL) == -1)
		_exit(2);
	open = false;
	memset(&w, 0, sizeof(w));
	/* The first stop is the interrupt's; then every syscall stops. */
	for (;;) {
		if (waitpid(tid, &st, __WALL) == -1) {
			if (errno == EINTR)
				continue;
			_exit(2);
		}
		if (!WIFSTOPPED(st))
			_exit(0);
		sig = WSTOPSIG(st);
		if (sig == (SIGTRAP | 0x80)) {
			sig = 0;
			memset(&si, 0, sizeof(si));
			if (ptrace(PTRACE_GET_SYSCALL_INFO, tid,
				(void *)sizeof(si), &si) <= 0)
				_exit(2);
			if (si.op == PTRACE_SYSCALL_INFO_ENTRY) {
				if (si.entry.nr == SC_MARK_BEGIN) {
					memset(&w, 0, sizeof(w));
					open = true;
				} else if (si.entry.nr == SC_MARK_END) {
					open = false;
					sc_send(out, &w, sizeof(w));
				} else if (si.entry.nr == SC_MARK_STOP) {
					(void)ptrace(PTRACE_DETACH, tid, NULL,
					    NULL);
					_exit(0);
				} else if (open) {
					if (w.n < SC_MAX_CALLS) {
						w.call[w.n].nr =
						    (long)si.entry.nr;
						for (i = 0; i < 4; i++)
							w.call[w.n].arg[i] =
							    si.entry.args[i];
					}
					w.n++;
				}
			}
		} else if ((st >> 16) != 0 || sig == SIGTRAP)
			sig = 0; /* a ptrace event or the interrupt */
		(void)ptrace(PTRACE_SYSCALL, tid, NULL, (void *)(long)sig);
		if (c == 'g') {
			/* Tracing is on: the thread may go on. */
			c = 0;
			sc_send(out, &c, 1);
		}
	}
}

void
sc_start(void)
{
	int go[2], res[2];
	pid_t tid;
	char c;

	REQUIRE(sc_tracer == -1);
	tid = (pid_t)syscall(SYS_gettid);
	REQUIRE(pipe(go) == 0 && pipe(res) == 0);
	fflush(NULL);
	REQUIRE((sc_tracer = fork()) != -1);
	if (sc_tracer == 0) {
		(void)close(go[1]);
		(void)close(res[0]);
		sc_trace(tid, go[0], res[1]);
	}
	(void)close(go[0]);
	(void)close(res[1]);
	/* Yama (ptrace_scope 1) lets only a named tracer attach upward. */
	(void)prctl(PR_SET_PTRACER, (unsigned long)sc_tracer, 0, 0, 0);
	c = 'g';
	REQUIRE(write(go[1], &c, 1) == 1);
	(void)close(go[1]);
	sc_results = res[0];
	REQUIRE(sc_recv(sc_results, &c, 1) && c == 0);
}

void
sc_stop(void)
{
	int st;

	REQUIRE(sc_tracer != -1);
	(void)syscall(SC_MARK_STOP);
	REQUIRE(waitpid(sc_tracer, &st, 0) == sc_tracer);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	(void)close(sc_results);
	sc_tracer = -1;
	sc_results = -1;
}

void
sc_begin(void)
{

	(void)syscall(SC_MARK_BEGIN);
}

void
sc_end(struct sc_window *w)
{

	(void)syscall(SC_MARK_END);
	REQUIRE(sc_recv(sc_results, w, sizeof(*w)));
}

unsigned
sc_least(const struct sc_window *w, unsigned n)
{
	unsigned i, best;

	for (i = 1, best = 0; i < n; i++)
		if (w[i].n < w[best].n)
			best = i;
	return (best);
}

unsigned
sc_count(const struct sc_window *w, long nr)
{
	unsigned i, k;

	for (i = 0, k = 0; i < w->n && i < SC_MAX_CALLS; i++)
		if (w->call[i].nr == nr)
			k++;
	return (k);
}

void
sc_print(const char *what, const struct sc_window *w)
{
	unsigned i;

	printf("%s: %u system calls\n", what, w->n);
	for (i = 0; i < w->n && i < SC_MAX_CALLS; i++)
		printf("  nr %ld (%#llx, %#llx, %#llx, %#llx)\n", w->call[i].nr,
		    (unsigned long long)w->call[i].arg[0],
		    (unsigned long long)w->call[i].arg[1],
		    (unsigned long long)w->call[i].arg[2],
		    (unsigned long long)w->call[i].arg[3]);
}
