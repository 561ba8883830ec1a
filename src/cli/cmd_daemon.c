/*
 * cmd_daemon.c: gntbox up and gntbox down, which start and stop the
 * gntboxd of the runtime directory.
 */
#include <sys/file.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/paths.h"
#include "cli/cli.h"
#include "lib/ctl.h"

#define STOP_TIMEOUT_MS 10000

static void
up_help(void)
{

	printf("usage: gntbox up [-- GNTBOXD-OPTIONS...]\n"
	       "\n"
	       "Start gntboxd for the runtime directory ($GNTBOX_DIR, else "
	       "$XDG_RUNTIME_DIR/gntbox,\nelse /tmp/gntbox-$UID) unless one "
	       "already answers.  It runs until 'gntbox down'.\nOptions after "
	       "-- go to gntboxd (see gntboxd(8)), e.g. -- --max-ports 64.\n");
}

static void
down_help(void)
{

	printf("usage: gntbox down\n"
	       "\n"
	       "Stop the gntboxd of the runtime directory and wait until it "
	       "has exited.\nEvery domain goes with it: each but domain 0 is "
	       "destroyed first, as\n'gntbox destroy' does (its processes "
	       "are killed), and each line printed\nsays what ended.\n");
}

int
cmd_up(int argc, char **argv)
{
	char dir[GBX_PATH_MAX];
	pid_t pid;
	int rc;

	if (cli_wants_help(argc, argv)) {
		up_help();
		return (0);
	}
	if (argc > 1 && strcmp(argv[1], "--") != 0)
		return (cli_usage("up", "unexpected '%s'", argv[1]));
	if (gbx_runtime_dir(dir, sizeof(dir)) != 0)
		return (cli_fail("up", "runtime directory too long"));
	if (cli_daemon_ping(&pid) == 0) {
		printf("gntboxd already serves %s (pid %d)\n", dir, (int)pid);
		return (0);
	}
	if ((rc = cli_daemon_start("up", 0, argc > 1 ? argv + 2 : NULL,
		 &pid)) != 0)
		return (rc);
	printf("gntboxd serves %s (pid %d)\n", dir, (int)pid);
	return (0);
}

/* SIGALRM only interrupts the wait in wait_unlocked(). */
static void
on_alarm(int sig)
{

	(void)sig;
}

/*
 * Wait until no process holds gntboxd.lock, opened (fd) before the
 * shutdown was asked, or STOP_TIMEOUT_MS.  The lock goes when the daemon's
 * process has exited, whether or not anyone reaps it: a test of the pid
 * (kill(pid, 0)) also succeeds on a zombie, which stays one as long as
 * its new parent does not wait for it, and PID 1 of a container may never
 * do so, or only now and then (issue 11, defect 6).  Returns true when
 * the lock was free in time.
 */
static bool
wait_unlocked(int fd)
{
	struct sigaction sa, old;
	bool free;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm; /* no SA_RESTART: flock gives up */
	sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGALRM, &sa, &old);
	alarm((STOP_TIMEOUT_MS + 999) / 1000);
	free = flock(fd, LOCK_SH) == 0;
	alarm(0);
	(void)sigaction(SIGALRM, &old, NULL);
	return (free);
}

/*
 * Destroy every domain but 0 that is not dying already, printing what
 * ended (cli_destroy).  A domain that went meanwhile (ESRCH) is fine.
 */
static int
destroy_all(struct gbx_conn *c)
{
	struct gbx_domain_rec *recs;
	uint32_t i, n;
	int error;

	if ((error = gbx_ctl_domains(c, &recs, &n)) != 0)
		return (error);
	for (i = 0; i < n && error == 0; i++) {
		if (recs[i].domid == 0 || (recs[i].flags & GBX_DOM_DYING) != 0)
			continue;
		if ((error = cli_destroy(c, recs[i].domid)) == ESRCH)
			error = 0;
	}
	free(recs);
	return (error);
}

int
cmd_down(int argc, char **argv)
{
	char dir[GBX_PATH_MAX], lock[GBX_PATH_MAX];
	struct gbx_hello_reply r;
	struct gbx_conn *c;
	int error, lockfd;

	if (cli_wants_help(argc, argv)) {
		down_help();
		return (0);
	}
	if (argc > 1)
		return (cli_usage("down", "unexpected '%s'", argv[1]));
	if (gbx_runtime_dir(dir, sizeof(dir)) != 0 ||
	    gbx_path_file(lock, sizeof(lock), "gntboxd.lock") != 0)
		return (cli_fail("down", "runtime directory too long"));
	if ((error = gbx_ctl_open(&c)) == EPERM)
		return (cli_fail("down", "%s", cli_conn_error(error)));
	if (error != 0)
		return (cli_fail("down", "no gntboxd serves %s", dir));
	/* Opened while the daemon holds it (the directory is trusted). */
	if ((lockfd = open(lock, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		error = errno;
		gbx_conn_close(c);
		return (cli_fail("down", "%s: %s", lock, strerror(error)));
	}
	if ((error = gbx_ctl_ping(c, &r)) == 0 && (error = destroy_all(c)) == 0)
		error = gbx_ctl_shutdown(c);
	gbx_conn_close(c);
	if (error != 0) {
		close(lockfd);
		return (cli_fail("down", "shutdown: %s", strerror(error)));
	}
	if (!wait_unlocked(lockfd)) {
		close(lockfd);
		return (cli_fail("down", "gntboxd (pid %u) still runs",
		    r.daemon_pid));
	}
	close(lockfd);
	printf("gntboxd (pid %u): stopped\n", r.daemon_pid);
	return (0);
}
