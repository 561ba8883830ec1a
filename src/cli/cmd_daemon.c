/*
 * cmd_daemon.c: gntbox up and gntbox down, which start and stop the
 * gntboxd of the runtime directory.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
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
	       "has exited.\nEvery domain goes with it.\n");
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

int
cmd_down(int argc, char **argv)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	char dir[GBX_PATH_MAX];
	struct gbx_hello_reply r;
	struct gbx_conn *c;
	int error, waited;

	if (cli_wants_help(argc, argv)) {
		down_help();
		return (0);
	}
	if (argc > 1)
		return (cli_usage("down", "unexpected '%s'", argv[1]));
	if (gbx_runtime_dir(dir, sizeof(dir)) != 0)
		return (cli_fail("down", "runtime directory too long"));
	if ((error = gbx_ctl_open(&c)) == EPERM)
		return (cli_fail("down", "%s", cli_conn_error(error)));
	if (error != 0)
		return (cli_fail("down", "no gntboxd serves %s", dir));
	if ((error = gbx_ctl_ping(c, &r)) == 0)
		error = gbx_ctl_shutdown(c);
	gbx_conn_close(c);
	if (error != 0)
		return (cli_fail("down", "shutdown: %s", strerror(error)));
	for (waited = 0; kill((pid_t)r.daemon_pid, 0) == 0; waited += 10) {
		if (waited >= STOP_TIMEOUT_MS)
			return (cli_fail("down", "gntboxd (pid %u) still runs",
			    r.daemon_pid));
		nanosleep(&ts, NULL);
	}
	return (0);
}
