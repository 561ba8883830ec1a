/*
 * compat.h: processes of domains running unmodified Xen libraries.
 *
 * A compatibility test is one program with several *roles*.  Its main
 * process is the harness (harness.h: it starts gntboxd, makes the
 * domains, checks the baseline) and runs no Xen library itself; each role
 * runs in a process that `gntbox run --dom N` started, so it has the
 * preload library and talks to Debian's libxengnttab, libxenevtchn,
 * libxenvchan as on a Xen host:
 *
 *	static int
 *	sharer(struct th_chan *ch)	// runs in domain 1
 *	{
 *		xengntshr_handle *h = xengntshr_open(NULL, 0);
 *		...
 *		th_send(ch, 1, refs, sizeof(refs));	// end 1: the role
 *		return (0);
 *	}
 *
 *	static const struct tc_role roles[] = {
 *		{ "sharer", sharer }, { "mapper", mapper }, { NULL, NULL },
 *	};
 *
 *	int
 *	main(int argc, char **argv)
 *	{
 *		struct tc_proc a, b;
 *
 *		tc_main(argc, argv, roles);	// a role process never returns
 *		th_start(NULL);
 *		th_domain(1);
 *		...
 *		tc_run(&a, 1, "sharer");
 *		th_recv(&a.ch, 0, refs, sizeof(refs));	// end 0: the harness
 *		CHECK_EQ(tc_wait(&a), 0);
 *		...
 *	}
 *
 * tc_run() also learns the role's own pid (the role sends it first), so a
 * test can SIGKILL the role itself rather than `gntbox run` (tc_kill).
 * A role's exit status is its function's value, or 1 when a CHECK failed
 * in it, and `gntbox run` passes it on.
 */
#ifndef GNTBOX_TESTS_COMPAT_H
#define GNTBOX_TESTS_COMPAT_H

#include <sys/types.h>

#include <stdbool.h>
#include <stdint.h>

#include "harness.h"

struct tc_role {
	const char *name;
	int (*fn)(struct th_chan *ch);
};

struct tc_proc {
	pid_t run;	   /* gntbox run */
	pid_t pid;	   /* the role's process, under gntbox run */
	struct th_chan ch; /* end 0 is the harness's, end 1 the role's */
};

/*
 * When this process was started as a role (argv: --role NAME FD), run it
 * and exit with its status; otherwise return.
 */
void tc_main(int argc, char **argv, const struct tc_role *roles);

/* Start role `name` as a process of domain domid; fills *p. */
void tc_run(struct tc_proc *p, unsigned domid, const char *name);

/* Wait for the role: its exit status, or 128 + signal. */
int tc_wait(struct tc_proc *p);

/* SIGKILL the role itself and wait: 128 + SIGKILL when it worked. */
int tc_kill(struct tc_proc *p);

/*
 * For roles that call the devices themselves, as libxengnttab would.
 * tc_alloc (ALLOC_GREF: returns the index, refs filled), tc_map_refs
 * (MAP_GRANT_REF of n refs of one domain: returns the index) and tc_mmap
 * (MAP_SHARED) fail the test when the call fails; tc_dealloc,
 * tc_unmap_refs and tc_notify (SET_UNMAP_NOTIFY, of either device: the
 * two have one number and one layout) return the ioctl's result.
 */
uint64_t tc_alloc(int fd, uint16_t to, uint32_t n, bool writable,
    uint32_t *refs);
uint64_t tc_map_refs(int fd, uint32_t domid, uint32_t n, const uint32_t *refs);
void *tc_mmap(int fd, uint64_t index, uint32_t n, int prot);
int tc_dealloc(int fd, uint64_t index, uint32_t n);
int tc_unmap_refs(int fd, uint64_t index, uint32_t n);
int tc_notify(int fd, uint64_t index, uint32_t action, uint32_t port);

/*
 * gntboxd's count of hypercalls it answered ENOSYS (`gntbox stats`:
 * hypercalls_enosys), read by the harness.
 */
uint64_t tc_enosys(void);

/*
 * Wait up to 5 s for *b to read want: a notify byte is cleared by
 * gntboxd when the one-way release reaches it, just after the call that
 * released the page returned.  Returns whether it did.
 */
int tc_wait_byte(volatile uint8_t *b, uint8_t want);

#endif /* GNTBOX_TESTS_COMPAT_H */
