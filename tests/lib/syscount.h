/*
 * syscount.h: count the system calls a piece of code makes, for tests
 * that hold a path to its budget of system calls and gntboxd round trips
 * (docs/design.md, "Performance budget").  Counted, never timed.
 *
 * The calling thread is traced (ptrace) by a child process between
 * sc_start() and sc_stop(); each window between sc_begin() and sc_end()
 * records every system call the thread enters, with its number and
 * first four arguments.  A window's marks are system calls no kernel
 * has (ENOSYS), so they cost nothing and cannot be confused with real
 * ones.
 *
 *	struct sc_window w;
 *
 *	sc_start();
 *	sc_begin();
 *	...the code to count...
 *	sc_end(&w);			// w.n calls in w.call[]
 *	sc_stop();
 *
 * Allocators may make system calls now and then (an ASan quarantine
 * that grows, a malloc arena that trims), so a test counts several
 * windows of the same work and judges the one with the fewest calls
 * (sc_least): a path that makes one call too many makes it in every
 * window.
 *
 * Only one thread of the process may count at a time, and the process
 * must not fork while counting.  Yama's ptrace_scope 1 is honoured
 * (PR_SET_PTRACER).
 */
#ifndef GNTBOX_TESTS_SYSCOUNT_H
#define GNTBOX_TESTS_SYSCOUNT_H

#include <stdbool.h>
#include <stdint.h>

#define SC_MAX_CALLS 64

struct sc_call {
	long nr;
	uint64_t arg[4];
};

struct sc_window {
	unsigned n; /* calls made (call[] holds the first SC_MAX_CALLS) */
	struct sc_call call[SC_MAX_CALLS];
};

/* Start tracing the calling thread.  Fails the test (REQUIRE) if not. */
void sc_start(void);

/* Stop tracing; the tracer exits. */
void sc_stop(void);

/* Open a window / close it and fetch what it counted. */
void sc_begin(void);
void sc_end(struct sc_window *w);

/* The index of the window with the fewest calls of n. */
unsigned sc_least(const struct sc_window *w, unsigned n);

/* How many calls of w have number nr. */
unsigned sc_count(const struct sc_window *w, long nr);

/* Print w, one call per line, for a failing test's log. */
void sc_print(const char *what, const struct sc_window *w);

#endif /* GNTBOX_TESTS_SYSCOUNT_H */
