/*
 * benchproc.h: the processes of a benchmark (bench/): the program run
 * again as a process of a domain, under `gntbox run` so that it has the
 * preload library and the domain's xenstore as an unmodified program
 * does, and CPU pinning (what `taskset -c` does).
 *
 *	int
 *	main(int argc, char **argv)
 *	{
 *		if (argc > 2 && strcmp(argv[1], "--role") == 0)
 *			return (my_role(argv[2], argc - 3, argv + 3));
 *		...
 *		pid = bp_role(2, "mapper", fdarg, NULL);
 *		...
 *		if (!bp_wait(pid))
 *			...failed...
 *	}
 */
#ifndef GNTBOX_TESTS_BENCHPROC_H
#define GNTBOX_TESTS_BENCHPROC_H

#include <sys/types.h>

#include <stdbool.h>
#include <stdint.h>

/*
 * Start gntboxd (daemon.h's td_start: $GNTBOX_BUILD, $GNTBOX_DIR) and
 * create domains 1 to ndoms.  Returns its pid; exits 1 when it cannot.
 */
pid_t bp_daemon(unsigned ndoms);

/*
 * Start `$GNTBOX_BUILD/bin/gntbox run --dom dom -- SELF --role role
 * ARG...` (the ARGs NULL-terminated; descriptors without FD_CLOEXEC are
 * inherited).  Returns its pid; exits 1 when it cannot.
 */
pid_t bp_role(unsigned dom, const char *role, ...);

/* Wait for a child: true when it exited with status 0. */
bool bp_wait(pid_t pid);

/*
 * The CPU time a process has used so far, in nanoseconds (the first
 * field of /proc/PID/schedstat: time on a CPU, not time waiting for
 * one), for benchmarks that count the work a round trip costs both
 * sides whatever else the machine runs.  pid 0 is the caller.  Exits 1
 * when it cannot be read.
 */
uint64_t bp_cpu_ns(pid_t pid);

/* Pin the calling process to one CPU; exits 1 when it cannot. */
void bp_pin(int cpu);

#endif /* GNTBOX_TESTS_BENCHPROC_H */
