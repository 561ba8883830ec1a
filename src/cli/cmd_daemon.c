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
	       "$XDG_RUNTIME_DIR/gntbox,\nelse /tmp/gntbox-$UID) and keep it "
	       "until 'gntbox down'.  A gntboxd that\nalready serves it stays "
	       "until 'gntbox down' too, even one that 'gntbox run'\nstarted, "
	       "which would have exited once idle.  Options after -- go to a "
	       "gntboxd\nthat up starts (see gntboxd(8)), e.g. -- --max-ports "
	       "64; they are refused\nwhen one runs already, and --dir, "
	       "--ready-fd and --idle-exit are up's own.\n");
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

/*
 * The gntboxd options that up sets itself: a user's would override them
 * (gntboxd takes the last), so that up would wait on another directory,
 * or start a daemon that exits when idle.  getopt_long() takes any
 * unambiguous prefix, so prefixes are refused too.
 */
static int
up_check_extra(char **extra)
{
	static const struct {
		const char *opt;
		const char *why;
	} own[] = {
		{ "dir", "GNTBOX_DIR chooses the directory" },
		{ "ready-fd", "up waits on a descriptor of its own" },
		{ "idle-exit", "a daemon up starts runs until 'gntbox down'" },
	};
	size_t i, n;
	int j;

	for (j = 0; extra[j] != NULL; j++) {
		if (strncmp(extra[j], "--", 2) != 0)
			continue;
		n = strcspn(extra[j] + 2, "=");
		for (i = 0; i < sizeof(own) / sizeof(own[0]); i++)
			if (n > 0 && strncmp(extra[j] + 2, own[i].opt, n) == 0)
				return (
				    cli_usage("up", "--%s is not for up: %s",
					own[i].opt, own[i].why));
	}
	return (0);
}

/*
 * Ask the gntboxd that answers to stay (CTL_PERSIST); with extra options
 * only ping it (they cannot apply to it).  0 with its pid and the idle
 * exit it had, or an errno value: ENOENT or ECONNREFUSED when none
 * answers, ECONNRESET or EPIPE when it went away meanwhile.
 */
static int
up_ask(bool ping_only, pid_t *pid, unsigned *was)
{
	struct gbx_hello_reply r;
	struct gbx_conn *c;
	int error;

	*was = 0;
	if ((error = gbx_ctl_open(&c)) != 0)
		return (error);
	if ((error = gbx_ctl_ping(c, &r)) == 0 && !ping_only)
		error = gbx_ctl_persist(c, was);
	gbx_conn_close(c);
	*pid = (pid_t)r.daemon_pid;
	return (error);
}

int
cmd_up(int argc, char **argv)
{
	char dir[GBX_PATH_MAX];
	unsigned was;
	pid_t pid;
	int error, rc, tries;
	bool extra, started;

	if (cli_wants_help(argc, argv)) {
		up_help();
		return (0);
	}
	if (argc > 1 && strcmp(argv[1], "--") != 0)
		return (cli_usage("up", "unexpected '%s'", argv[1]));
	extra = argc > 2;
	if (extra && (rc = up_check_extra(argv + 2)) != 0)
		return (rc);
	if ((rc = cli_runtime_dir("up", dir, sizeof(dir))) != 0)
		return (rc);
	/*
	 * A daemon may exit between our questions (its idle exit came
	 * first): then we start one.  One that we start may lose the race
	 * to another command's, which we then ask to stay in its place.
	 */
	started = false;
	for (tries = 0; tries < 3; tries++) {
		error = up_ask(extra && !started, &pid, &was);
		if (error == 0)
			break;
		if (error != ENOENT && error != ECONNREFUSED &&
		    error != ECONNRESET && error != EPIPE)
			return (cli_fail("up", "gntboxd: %s", strerror(error)));
		if ((rc = cli_daemon_start("up", 0, extra ? argv + 2 : NULL,
			 NULL)) != 0)
			return (rc);
		started = true;
	}
	if (error != 0)
		return (cli_fail("up", "gntboxd keeps going away: %s",
		    strerror(error)));
	if (extra && !started)
		return (cli_fail("up",
		    "gntboxd already serves %s (pid %d): options for gntboxd "
		    "apply when it starts; 'gntbox down' first",
		    dir, (int)pid));
	if (was != 0)
		printf("gntboxd (pid %d) was to exit when idle (--idle-exit "
		       "%u, as 'gntbox run' starts it); now it serves %s until "
		       "'gntbox down'\n",
		    (int)pid, was, dir);
	else
		printf("gntboxd %sserves %s (pid %d) until 'gntbox down'\n",
		    started ? "" : "already ", dir, (int)pid);
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
	if (cli_ctl_open("down", &c) != 0)
		return (CLI_EXIT_FAIL);
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
