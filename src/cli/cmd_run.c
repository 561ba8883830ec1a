/*
 * cmd_run.c: gntbox run --dom N|NAME [--name NAME] -- CMD [ARGS...]
 *
 * Runs CMD as a process of domain N (docs/design.md, "Command line"): it starts gntboxd if
 * none answers (with --idle-exit, so a daemon started this way goes away
 * when nothing uses it; run --help and the daemon's log say so), creates
 * domain N if it does not exist, and runs CMD with the preload library
 * and the domain's xenstore socket in its environment.  It warns first
 * when CMD is a program the preload library cannot reach (progcheck.c).  It waits for CMD and exits with its status (128 + signal
 * when CMD was killed), holding a control connection meanwhile so the
 * daemon it may have started does not time out under CMD.
 */
#include <sys/syscall.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
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

	printf("usage: gntbox run --dom N|NAME [--name NAME] -- CMD "
	       "[ARGS...]\n"
	       "\n"
	       "Run CMD as a process of domain N, or of the domain called "
	       "NAME.  Domain N is\ncreated (named NAME) if it does not exist."
	       "  If no gntboxd answers, run starts\none that exits %d seconds "
	       "after its last client has gone, and every domain\nand xenstore "
	       "node with it; 'gntbox up', before or while it runs, keeps it\n"
	       "until 'gntbox down'.  CMD gets libgntbox-preload.so in "
	       "LD_PRELOAD, which\nprovides /dev/xen/gntdev, /dev/xen/gntalloc "
	       "and /dev/xen/evtchn to dynamically\nlinked programs (run warns "
	       "about a static one), and XENSTORED_PATH,\nGNTBOX_DIR and "
	       "GNTBOX_DOMID.  The exit status is CMD's (128 + signal if it\n"
	       "was killed).\n\nWhen domain N belongs to another user ('gntbox "
	       "create --user'), CMD\nruns as that user, which only root may "
	       "ask.\n",
	    RUN_IDLE_EXIT);
}

static int
set_env(const char *name, const char *value)
{

	if (setenv(name, value, 1) == -1)
		return (
		    cli_fail(RUN_CMD, "setenv %s: %s", name, strerror(errno)));
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

/* The preload library CMD gets, which its user must be able to read. */
static char run_lib[GBX_PATH_MAX];

/*
 * Put the preload library lib in LD_PRELOAD, after anything already there,
 * and a sanitizer runtime before everything (asan_runtime).
 */
static int
set_preload(const char *lib)
{
	char asan[GBX_PATH_MAX], *both;
	const char *old;
	int rc;

	/* Kept for become_user(): CMD's user must be able to read it. */
	(void)snprintf(run_lib, sizeof(run_lib), "%s", lib);
	old = getenv("LD_PRELOAD");
	if (old != NULL && strstr(old, "libgntbox-preload.so") != NULL)
		return (0); /* a nested gntbox run: already there */
	if (old == NULL)
		old = "";
	if (!asan_runtime(asan, sizeof(asan)) || strstr(old, asan) != NULL)
		asan[0] = '\0';
	if (asprintf(&both, "%s%s%s%s%s", asan, *asan != '\0' ? ":" : "", old,
		*old != '\0' ? ":" : "", lib) == -1)
		return (cli_fail(RUN_CMD, "out of memory"));
	rc = set_env("LD_PRELOAD", both);
	free(both);
	return (rc);
}

static int
set_domain_env(int domid, const char *lib)
{
	char dir[GBX_PATH_MAX], abs[PATH_MAX], xs[GBX_PATH_MAX], id[16];
	int error, rc;

	if ((error = gbx_runtime_dir(dir, sizeof(dir))) != 0)
		return (cli_fail(RUN_CMD, "runtime directory: %s",
		    strerror(error)));
	/* CMD may change directory: give it absolute paths. */
	if (realpath(dir, abs) == NULL)
		return (cli_fail(RUN_CMD, "%s: %s", dir, strerror(errno)));
	if ((rc = set_env("GNTBOX_DIR", abs)) != 0)
		return (rc);
	if ((error = gbx_path_xenstore(xs, sizeof(xs), (unsigned)domid)) != 0)
		return (
		    cli_fail(RUN_CMD, "xenstore path: %s", strerror(error)));
	snprintf(id, sizeof(id), "%d", domid);
	if ((rc = set_env("GNTBOX_DOMID", id)) != 0 ||
	    (rc = set_env("XENSTORED_PATH", xs)) != 0)
		return (rc);
	return (set_preload(lib));
}

/*
 * The environment of a process of domain domid, for another command that
 * starts one (block-attach's QEMU); its failures are named as run's.
 */
int
cli_domain_env(const char *cmd, int domid)
{
	char lib[GBX_PATH_MAX];
	int error;

	if ((error = gbx_path_preload(lib, sizeof(lib))) != 0)
		return (cli_fail(cmd, "cannot find the preload library: %s: %s",
		    lib, strerror(error)));
	return (set_domain_env(domid, lib));
}

/* Who CMD runs as: the domain's user (docs/security.md). */
struct run_user {
	bool drop; /* we are root and the domain is another user's */
	uid_t uid;
	gid_t gid;
	char name[64];
};

/*
 * The user domain domid belongs to decides who CMD runs as: us when it is
 * ours; when it is another user's, that user, which only root can become
 * (a one-line refusal otherwise).  0 or an exit status.
 */
static int
domain_user(struct gbx_conn *ctl, int domid, struct run_user *ru)
{
	struct gbx_domain_rec *recs;
	struct passwd *pw;
	uint32_t i, n;
	int error;
	bool found;

	memset(ru, 0, sizeof(*ru));
	if ((error = gbx_ctl_domains(ctl, &recs, &n)) != 0)
		return (cli_fail(RUN_CMD, "domains: %s", strerror(error)));
	found = false;
	for (i = 0; i < n && !found; i++)
		if (recs[i].domid == domid) {
			ru->uid = (uid_t)recs[i].uid;
			found = true;
		}
	free(recs);
	if (!found || ru->uid == geteuid())
		return (0);
	if ((pw = getpwuid(ru->uid)) == NULL)
		(void)snprintf(ru->name, sizeof(ru->name), "uid %u",
		    (unsigned)ru->uid);
	else
		(void)snprintf(ru->name, sizeof(ru->name), "%s", pw->pw_name);
	if (geteuid() != 0)
		return (cli_fail(RUN_CMD,
		    "domain %d belongs to user %s: only root can run "
		    "programs in it",
		    domid, ru->name));
	if (pw == NULL)
		return (cli_fail(RUN_CMD,
		    "domain %d belongs to uid %u, which has no passwd entry",
		    domid, (unsigned)ru->uid));
	ru->gid = pw->pw_gid;
	ru->drop = true;
	return (0);
}

/*
 * In CMD's process, before exec: become the domain's user (its groups
 * too), for good, and check that it can read the preload library, which
 * the dynamic linker would otherwise skip with a warning (the program
 * would run without the devices).  Exits 126 on failure.
 */
static void
become_user(const struct run_user *ru)
{

	if (!ru->drop)
		return;
	if (initgroups(ru->name, ru->gid) == -1 || setgid(ru->gid) == -1 ||
	    setuid(ru->uid) == -1 || setuid(0) != -1) {
		cli_fail(RUN_CMD, "cannot become user %s: %s", ru->name,
		    strerror(errno));
		_exit(126);
	}
	if (access(run_lib, R_OK) != 0) {
		cli_fail(RUN_CMD, "user %s cannot read %s: %s", ru->name,
		    run_lib, strerror(errno));
		_exit(126);
	}
}

/*
 * Make CMD a process of domain domid even before it opens a device, so
 * that `gntbox destroy` kills it (docs/security.md, "Destroy"): its pidfd
 * goes to gntboxd for as long as we hold ctl.  A kernel without pidfds,
 * or a CMD that is gone already, only loses that.
 */
static void
join_domain(struct gbx_conn *ctl, int domid, pid_t child)
{
	int pidfd;

	if ((pidfd = (int)syscall(SYS_pidfd_open, child, 0)) == -1)
		return;
	(void)gbx_ctl_domain_join(ctl, (unsigned)domid, pidfd);
	(void)close(pidfd);
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
	char lib[GBX_PATH_MAX];
	struct gbx_conn *ctl;
	const char *name, *domname;
	pid_t child;
	struct run_user ru;
	int ch, domid, error, rc, gate[2];
	char go;

	domid = -1;
	name = domname = NULL;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			if ((rc = cli_dom_arg(RUN_CMD, optarg, &domid,
				 &domname)) != 0)
				return (rc);
			break;
		case 'n':
			name = optarg;
			break;
		case 'h':
			run_help();
			return (0);
		default:
			return (cli_bad_option(RUN_CMD, ch, argv));
		}
	}
	if (domid < 0 && domname == NULL)
		return (cli_usage(RUN_CMD, "--dom N is required"));
	if (name != NULL && domname != NULL)
		return (cli_usage(RUN_CMD,
		    "--name goes with a domain id: --dom N"));
	if (name != NULL &&
	    (rc = cli_check_name(RUN_CMD, name, (unsigned)domid)) != 0)
		return (rc);
	if (optind >= argc)
		return (cli_usage(RUN_CMD, "missing the command to run"));

	/* Before anything changes: a missing library leaves no daemon. */
	if ((error = gbx_path_preload(lib, sizeof(lib))) != 0)
		return (
		    cli_fail(RUN_CMD, "cannot find the preload library: %s: %s",
			lib, strerror(error)));
	if ((rc = cli_daemon_ensure(RUN_CMD, RUN_IDLE_EXIT)) != 0)
		return (rc);
	if ((rc = cli_ctl_open(RUN_CMD, &ctl)) != 0)
		return (rc);
	if (domname != NULL)
		rc = cli_dom_find(ctl, domname, &domid) == 0 ?
		    0 :
		    cli_fail(RUN_CMD,
			"there is no domain named '%s'; 'gntbox run --dom N "
			"--name %s' makes one",
			domname, domname);
	else if ((error = gbx_ctl_domain_create(ctl, (unsigned)domid, name,
		      true)) != 0)
		rc = cli_create_failed(RUN_CMD, ctl, domid, name, error);
	if (rc == 0 && (rc = domain_user(ctl, domid, &ru)) == 0)
		rc = set_domain_env(domid, lib);
	if (rc != 0) {
		gbx_conn_close(ctl);
		return (rc);
	}
	cli_check_program(RUN_CMD, argv[optind]);
	fflush(NULL);
	/* CMD waits on gate until it is a process of the domain. */
	if (pipe2(gate, O_CLOEXEC) == -1 || (child = fork()) == -1) {
		gbx_conn_close(ctl);
		return (cli_fail(RUN_CMD, "fork: %s", strerror(errno)));
	}
	if (child == 0) {
		(void)close(gate[1]);
		while (read(gate[0], &go, 1) == -1 && errno == EINTR)
			;
		(void)close(gate[0]);
		become_user(&ru);
		execvp(argv[optind], argv + optind);
		error = errno;
		cli_fail(RUN_CMD, "%s: %s", argv[optind], strerror(error));
		_exit(error == ENOENT ? 127 : 126);
	}
	(void)close(gate[0]);
	join_domain(ctl, domid, child);
	(void)close(gate[1]);
	rc = wait_child(child, argv[optind]);
	gbx_conn_close(ctl);
	return (rc);
}
