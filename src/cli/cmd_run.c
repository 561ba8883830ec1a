/*
 * cmd_run.c: gntbox run --dom N [--name NAME] -- CMD [ARGS...]
 *
 * Runs CMD as a process of domain N (DESIGN.md §5): it starts gntboxd if
 * none answers (with --idle-exit, so a daemon started this way goes away
 * when nothing uses it), creates domain N if it does not exist, and runs
 * CMD with the preload library and the domain's xenstore socket in its
 * environment.  It waits for CMD and exits with its status (128 + signal
 * when CMD was killed), holding a control connection meanwhile so the
 * daemon it may have started does not time out under CMD.
 */
#include <sys/wait.h>

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/paths.h"
#include "cli/cli.h"
#include "lib/ctl.h"

#define RUN_CMD "run"
#define RUN_IDLE_EXIT                                                          \
	10 /* seconds: the daemon's idle exit when run starts it */

static void
run_help(void)
{

	printf("usage: gntbox run --dom N [--name NAME] -- CMD [ARGS...]\n"
	       "\n"
	       "Run CMD as a process of domain N.  gntboxd is started if none "
	       "answers\n(it exits %d seconds after its last client), and "
	       "domain N is created\n(named NAME) if it does not exist.  CMD "
	       "gets libgntbox-preload.so in\nLD_PRELOAD, which provides "
	       "/dev/xen/gntdev, /dev/xen/gntalloc and\n/dev/xen/evtchn, and "
	       "XENSTORED_PATH, GNTBOX_DIR and GNTBOX_DOMID.\nThe exit status "
	       "is CMD's (128 + signal if it was killed).\n",
	    RUN_IDLE_EXIT);
}

static int
set_env(const char *cmd, const char *name, const char *value)
{

	if (setenv(name, value, 1) == -1)
		return (cli_fail(cmd, "setenv %s: %s", name, strerror(errno)));
	return (0);
}

/*
 * The AddressSanitizer runtime this gntbox runs with, if any.  A
 * sanitizer build's preload library is built with it too, and needs it
 * loaded first in CMD, before any other library, or ASan refuses to
 * start; so `gntbox run` puts the very runtime it finds in its own
 * /proc/self/maps at the head of LD_PRELOAD.  Returns true when found.
 */
static bool
asan_runtime(char *buf, size_t len)
{
	char line[GBX_PATH_MAX + 128], *path, *base;
	bool found;
	FILE *f;

	if ((f = fopen("/proc/self/maps", "r")) == NULL)
		return (false);
	found = false;
	while (!found && fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if ((path = strchr(line, '/')) == NULL)
			continue;
		base = strrchr(path, '/') + 1;
		if (strncmp(base, "libasan.so", 10) == 0 &&
		    strlen(path) < len) {
			memcpy(buf, path, strlen(path) + 1);
			found = true;
		}
	}
	(void)fclose(f);
	return (found);
}

/*
 * Put the preload library in LD_PRELOAD, after anything already there,
 * and a sanitizer runtime before everything (asan_runtime).
 */
static int
set_preload(const char *cmd)
{
	char lib[GBX_PATH_MAX], asan[GBX_PATH_MAX], *both;
	const char *old;
	int error, rc;

	if ((error = cli_sibling_path("../lib/libgntbox-preload.so", lib,
		 sizeof(lib))) != 0)
		return (cli_fail(cmd, "preload library: %s", strerror(error)));
	if (access(lib, R_OK) != 0)
		return (cli_fail(cmd, "%s: %s", lib, strerror(errno)));
	old = getenv("LD_PRELOAD");
	if (old != NULL && strstr(old, "libgntbox-preload.so") != NULL)
		return (0); /* a nested gntbox run: already there */
	if (old == NULL)
		old = "";
	if (!asan_runtime(asan, sizeof(asan)) || strstr(old, asan) != NULL)
		asan[0] = '\0';
	if (asprintf(&both, "%s%s%s%s%s", asan, *asan != '\0' ? ":" : "", old,
		*old != '\0' ? ":" : "", lib) == -1)
		return (cli_fail(cmd, "out of memory"));
	rc = set_env(cmd, "LD_PRELOAD", both);
	free(both);
	return (rc);
}

int
cli_domain_env(const char *cmd, int domid)
{
	char dir[GBX_PATH_MAX], abs[PATH_MAX], xs[GBX_PATH_MAX], id[16];
	int error, rc;

	if ((error = gbx_runtime_dir(dir, sizeof(dir))) != 0)
		return (
		    cli_fail(cmd, "runtime directory: %s", strerror(error)));
	/* CMD may change directory: give it absolute paths. */
	if (realpath(dir, abs) == NULL)
		return (cli_fail(cmd, "%s: %s", dir, strerror(errno)));
	if ((rc = set_env(cmd, "GNTBOX_DIR", abs)) != 0)
		return (rc);
	if ((error = gbx_path_xenstore(xs, sizeof(xs), (unsigned)domid)) != 0)
		return (cli_fail(cmd, "xenstore path: %s", strerror(error)));
	snprintf(id, sizeof(id), "%d", domid);
	if ((rc = set_env(cmd, "GNTBOX_DOMID", id)) != 0 ||
	    (rc = set_env(cmd, "XENSTORED_PATH", xs)) != 0)
		return (rc);
	return (set_preload(cmd));
}

static volatile sig_atomic_t run_child;

/* Pass a termination request on to CMD; we exit when it does. */
static void
forward(int sig)
{

	if (run_child > 0)
		kill(run_child, sig);
}

/* Wait for CMD, forwarding SIGTERM and SIGHUP, ignoring SIGINT/SIGQUIT. */
static int
wait_child(pid_t child, const char *cmd)
{
	struct sigaction sa, ign;
	int status;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = forward;
	sigemptyset(&sa.sa_mask);
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	run_child = child;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	/* The terminal sends these to CMD too, as system(3) arranges. */
	sigaction(SIGINT, &ign, NULL);
	sigaction(SIGQUIT, &ign, NULL);
	while (waitpid(child, &status, 0) == -1)
		if (errno != EINTR)
			return (cli_fail(RUN_CMD, "waitpid %s: %s", cmd,
			    strerror(errno)));
	if (WIFSIGNALED(status))
		return (128 + WTERMSIG(status));
	return (WEXITSTATUS(status));
}

int
cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dom", required_argument, NULL, 'd' },
		{ "name", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct gbx_conn *ctl;
	const char *name;
	pid_t child;
	int ch, domid, error, rc;

	domid = -1;
	name = NULL;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			if ((rc = cli_parse_domid(RUN_CMD, optarg, &domid)) !=
			    0)
				return (rc);
			break;
		case 'n':
			name = optarg;
			break;
		case 'h':
			run_help();
			return (0);
		default:
			return (cli_usage(RUN_CMD, "unknown option \'%s\'",
			    argv[optind - 1]));
		}
	}
	if (domid < 0)
		return (cli_usage(RUN_CMD, "--dom N is required"));
	if (optind >= argc)
		return (cli_usage(RUN_CMD, "missing the command to run"));

	if ((rc = cli_daemon_ensure(RUN_CMD, RUN_IDLE_EXIT)) != 0)
		return (rc);
	if ((error = gbx_ctl_open(&ctl)) != 0)
		return (cli_fail(RUN_CMD, "gntboxd: %s", strerror(error)));
	if ((error = gbx_ctl_domain_create(ctl, (unsigned)domid, name, true)) !=
	    0) {
		gbx_conn_close(ctl);
		return (cli_fail(RUN_CMD, "create domain %d: %s", domid,
		    strerror(error)));
	}
	if ((rc = cli_domain_env(RUN_CMD, domid)) != 0) {
		gbx_conn_close(ctl);
		return (rc);
	}
	fflush(NULL);
	if ((child = fork()) == -1) {
		gbx_conn_close(ctl);
		return (cli_fail(RUN_CMD, "fork: %s", strerror(errno)));
	}
	if (child == 0) {
		execvp(argv[optind], argv + optind);
		error = errno;
		cli_fail(RUN_CMD, "%s: %s", argv[optind], strerror(error));
		_exit(error == ENOENT ? 127 : 126);
	}
	rc = wait_child(child, argv[optind]);
	gbx_conn_close(ctl);
	return (rc);
}
