/*
 * harness.h: what every integration test is built on.
 *
 * USAGE
 *
 * A test program starts its own gntboxd, creates the domains it needs,
 * records the baseline of gntboxd's levels, runs its scenarios, checks
 * after each that the levels are back at the baseline (nothing leaked),
 * and stops gntboxd, whose exit status must be 0:
 *
 *	int
 *	main(void)
 *	{
 *		th_start(NULL);		// or a NULL-terminated list of
 *					// extra gntboxd arguments
 *		th_domain(1);
 *		th_domain(2);
 *		th_baseline();
 *
 *		scenario_one();
 *		th_check_baseline("scenario one");
 *		scenario_two();
 *		th_check_baseline("scenario two");
 *
 *		return (th_finish());
 *	}
 *
 * The levels are struct gntbox_stats's first group (domains, connections,
 * grants, maps, handles, deferred, pages, arenas, ports, nodes, watches,
 * transactions).  Releases are one-way messages and deferred grants are
 * retried in the background, so th_check_baseline() polls for a few
 * seconds before it fails, and then prints every counter that differs.
 * It also fails when gntboxd counted a protocol error or dropped a
 * connection since the last check, unless the test said it expects that
 * (th_expect_protocol_errors()).
 *
 * Processes of a domain.  th_spawn() forks a child that runs as a process
 * of domain N (GNTBOX_DOMID=N, so gntbox_open(-1) opens domain N) and
 * exits with its function's return value, or 1 if a CHECK failed in it:
 *
 *	static int
 *	mapper(void *arg)
 *	{
 *		struct th_chan *ch = arg;
 *		uint32_t ref;
 *
 *		th_recv(ch, 1, &ref, sizeof(ref));	// end 1: the child
 *		...
 *		return (0);
 *	}
 *
 *	struct th_chan ch;
 *	th_chan_open(&ch);			// before forking
 *	pid_t pid = th_spawn(2, mapper, &ch);
 *	th_send(&ch, 0, &ref, sizeof(ref));	// end 0: the parent
 *	CHECK_EQ(th_wait(pid), 0);		// exit status, or -signal
 *	th_chan_close(&ch);
 *
 * A channel is a SOCK_SEQPACKET socketpair: each process uses its own end
 * (by convention 0 for the parent and 1 for the child; any two processes
 * may share one channel this way).  th_recv() waits at most
 * TH_TIMEOUT_MS and a message of the wrong size fails the test, so a
 * broken peer never hangs it.  th_wait() kills a child that does not exit
 * within TH_CHILD_TIMEOUT_MS.  Whatever happens, the harness leaves no
 * gntboxd or child running.
 */
#ifndef GNTBOX_TESTS_HARNESS_H
#define GNTBOX_TESTS_HARNESS_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include "gntbox.h"

#define TH_TIMEOUT_MS	    10000 /* th_recv() */
#define TH_CHILD_TIMEOUT_MS 30000 /* th_wait() */
#define TH_SETTLE_MS	    5000  /* th_check_baseline() polling */

/* Start gntboxd (extra: NULL or more arguments, NULL-terminated). */
void th_start(const char *const *extra);

/* Create domain domid (it must not exist). */
void th_domain(unsigned domid);

/* Read gntboxd's counters; the test fails if it cannot. */
void th_stats(struct gntbox_stats *st);

/* Record the levels every later th_check_baseline() expects. */
void th_baseline(void);

/*
 * Wait (up to TH_SETTLE_MS) for the levels to come back to the baseline;
 * on failure print every counter that differs, naming `what`.  Returns 1
 * when they did, 0 when not.
 */
int th_check_baseline(const char *what);

/*
 * The scenario about to run makes gntboxd count protocol errors or drop
 * connections on purpose: the next th_check_baseline() accepts it.
 */
void th_expect_protocol_errors(void);

/*
 * SIGKILL gntboxd and reap it, as a crash would end it (its runtime
 * directory keeps its stale sockets); th_start() may start another.
 */
void th_kill_daemon(void);

/* Stop gntboxd, check its exit status, and return check_exit(). */
int th_finish(void);

/*
 * Fork a process of domain domid running fn(arg).  Its exit status is
 * fn's return value, or 1 when a CHECK failed in it.  Returns its pid.
 */
pid_t th_spawn(unsigned domid, int (*fn)(void *), void *arg);

/* Wait for a child: its exit status, or -signal when a signal ended it. */
int th_wait(pid_t pid);

/* Send sig to a child and reap it: returns what th_wait() returns. */
int th_kill(pid_t pid, int sig);

struct th_chan {
	int fd[2];
};

void th_chan_open(struct th_chan *ch);
void th_chan_close(struct th_chan *ch);

/* Send len bytes from end `end` (0 or 1) / receive exactly len bytes. */
void th_send(struct th_chan *ch, int end, const void *buf, size_t len);
void th_recv(struct th_chan *ch, int end, void *buf, size_t len);

/* One 64-bit value each way (offsets, refs, addresses, flags). */
void th_send_u64(struct th_chan *ch, int end, uint64_t v);
uint64_t th_recv_u64(struct th_chan *ch, int end);

/*
 * Grant device shortcuts that fail the test (REQUIRE) when the call fails:
 * open a handle of domain domid (-1: $GNTBOX_DOMID), share count pages
 * (refs[] filled, returns the offset), and map then mmap count grants of
 * domain from (returns the address; the map's offset goes to *off unless
 * off is NULL).  th_refs() fills g[0 .. n - 1] with grants of domain from.
 */
gntbox_t *th_open(int domid);
uint64_t th_share(gntbox_t *h, uint32_t to, uint32_t count, unsigned flags,
    uint32_t *refs);
void *th_map(gntbox_t *h, uint32_t from, uint32_t count, const uint32_t *refs,
    int prot, uint64_t *off);
void th_refs(struct gntbox_grant_ref *g, uint32_t from, const uint32_t *refs,
    uint32_t n);

/*
 * The simple ways a process of a teardown test ends its part: close its
 * handle (TH_CLOSE), wait on its end of ch until the parent kills it
 * (TH_AWAIT_KILL), or nothing at all, so that it exits with the handle
 * and its mappings still open (TH_EXIT).
 */
enum th_end {
	TH_CLOSE,
	TH_AWAIT_KILL,
	TH_EXIT
};

void th_end(gntbox_t *h, struct th_chan *ch, int end, enum th_end how);

/*
 * Whether touching one byte at p (a read, or a write of 0x5a when write
 * is set) faults.  The access runs under temporary SIGSEGV and SIGBUS
 * handlers that jump back out (a forked child would not do: maps are
 * MADV_DONTFORK, so a child would fault on every one).  Returns the
 * signal (SIGSEGV or SIGBUS), or 0 when the access worked.
 */
int th_faults(volatile void *p, int write);

#endif /* GNTBOX_TESTS_HARNESS_H */
