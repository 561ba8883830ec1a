/*
 * daemon.c: finding and starting gntboxd for `gntbox up` and `gntbox run`.
 *
 * gntboxd runs in the foreground (docs/architecture.md §9), so the
 * command detaches it: a first child starts a new session and forks the
 * daemon, which therefore belongs to no terminal and is not our child; the
 * command then waits on the --ready-fd pipe.  gntboxd takes its lock
 * before anything else, so when two commands race to start one, the loser
 * exits with status 3 and both commands find the winner answering.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/paths.h"
#include "cli/cli.h"
#include "lib/ctl.h"

#define READY_TIMEOUT_MS 10000

int
cli_daemon_ping(pid_t *pid)
{
	struct gbx_hello_reply r;
	struct gbx_conn *c;
	int error;

	if ((error = gbx_ctl_open(&c)) != 0)
		return (error);
	error = gbx_ctl_ping(c, &r);
	gbx_conn_close(c);
	if (error == 0 && pid != NULL)
		*pid = (pid_t)r.daemon_pid;
	return (error);
}

const char *
cli_conn_error(int error)
{

	if (error == EPERM && *gbx_refusal() != '\0')
		return (gbx_refusal());
	if (error == EACCES)
		return ("permission denied: that gntboxd, or that domain, "
			"belongs to another user");
	return (strerror(error));
}

/* What chose the runtime directory, for messages about it. */
static const char *
dir_source(void)
{
	const char *env;

	env = getenv("GNTBOX_DIR");
	if (env != NULL && *env != '\0')
		return ("GNTBOX_DIR chooses it");
	return ("set GNTBOX_DIR to choose another");
}

/* Why mkdir of dir failed with error: which directory is in the way. */
static int
mkdir_failed(const char *cmd, const char *dir, int error)
{
	char buf[GBX_PATH_MAX], parent[GBX_PATH_MAX];
	struct stat st;

	snprintf(buf, sizeof(buf), "%s", dir);
	snprintf(parent, sizeof(parent), "%s", dirname(buf));
	if (stat(parent, &st) == -1 && (errno == ENOENT || errno == ENOTDIR))
		return (cli_fail(cmd,
		    "cannot make the runtime directory %s: %s does not exist "
		    "(%s)",
		    dir, parent, dir_source()));
	if (stat(parent, &st) == 0 && !S_ISDIR(st.st_mode))
		return (cli_fail(cmd,
		    "cannot make the runtime directory %s: %s is not a "
		    "directory (%s)",
		    dir, parent, dir_source()));
	if (error == EACCES || error == EPERM || error == EROFS)
		return (cli_fail(cmd,
		    "cannot make the runtime directory %s: %s is not "
		    "writable by you: %s (%s)",
		    dir, parent, strerror(error), dir_source()));
	return (cli_fail(cmd, "cannot make the runtime directory %s: %s (%s)",
	    dir, strerror(error), dir_source()));
}

int
cli_runtime_dir(const char *cmd, char *dir, size_t len)
{
	struct stat st;

	if (gbx_runtime_dir(dir, len) != 0)
		return (cli_fail(cmd,
		    "the runtime directory's path is too long for its "
		    "sockets (%s)",
		    dir_source()));
	if (stat(dir, &st) == 0) {
		if (!S_ISDIR(st.st_mode))
			return (cli_fail(cmd,
			    "the runtime directory %s is not a directory (%s)",
			    dir, dir_source()));
		if (access(dir, W_OK | X_OK) != 0)
			return (cli_fail(cmd,
			    "the runtime directory %s is not writable by you: "
			    "%s (%s)",
			    dir, strerror(errno), dir_source()));
		return (0);
	}
	if (mkdir(dir, 0700) == -1 && errno != EEXIST)
		return (mkdir_failed(cmd, dir, errno));
	return (0);
}

/*
 * The last line of the daemon's log, to explain a failed start, without
 * its timestamp ("2026-12-05T14:03:07.123+01:00 error: ..." gives
 * "error: ...").
 */
static void
last_log_line(const char *path, char *buf, size_t len)
{
	char line[256], *p;
	FILE *f;
	int fd;

	buf[0] = '\0';
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1)
		return;
	if ((f = fdopen(fd, "r")) == NULL) {
		close(fd);
		return;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		p = line;
		if (strlen(line) > 30 && line[4] == '-' && line[10] == 'T' &&
		    line[29] == ' ')
			p = line + 30;
		if (*p != '\n' && strlen(p) < len)
			memcpy(buf, p, strlen(p) + 1);
	}
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
}

/*
 * In the detached grandchild: stdio to /dev/null and the log, then exec
 * gntboxd.  Never returns.
 */
static void
exec_daemon(const char *gntboxd, const char *dir, int logfd, int ready,
    unsigned idle_exit, char *const *extra)
{
	char fdbuf[16], idlebuf[16];
	const char *argv[64];
	int fd, n, i;

	if ((fd = open("/dev/null", O_RDONLY)) != -1) {
		dup2(fd, STDIN_FILENO);
		close(fd);
	}
	dup2(logfd, STDOUT_FILENO);
	dup2(logfd, STDERR_FILENO);
	close(logfd);
	snprintf(fdbuf, sizeof(fdbuf), "%d", ready);
	snprintf(idlebuf, sizeof(idlebuf), "%u", idle_exit);
	n = 0;
	argv[n++] = gntboxd;
	argv[n++] = "--dir";
	argv[n++] = dir;
	argv[n++] = "--ready-fd";
	argv[n++] = fdbuf;
	argv[n++] = "--idle-exit";
	argv[n++] = idlebuf;
	for (i = 0; extra != NULL && extra[i] != NULL && n < 63; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	execv(gntboxd, (char *const *)argv);
	fprintf(stderr, "gntbox: cannot run %s: %s\n", gntboxd,
	    strerror(errno));
	_exit(127);
}

/* Wait up to READY_TIMEOUT_MS for "ready" on fd.  True when it came. */
static bool
wait_ready(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char buf[16];
	ssize_t r;

	if (poll(&p, 1, READY_TIMEOUT_MS) != 1)
		return (false);
	r = read(fd, buf, sizeof(buf) - 1);
	return (r > 0 && strncmp(buf, "ready", 5) == 0);
}

int
cli_daemon_start(const char *cmd, unsigned idle_exit, char *const *extra,
    pid_t *pid)
{
	char gntboxd[GBX_PATH_MAX], dir[GBX_PATH_MAX], log[GBX_PATH_MAX];
	char last[256];
	pid_t child;
	int p[2], error, status, logfd;
	bool ready;

	if ((error = cli_runtime_dir(cmd, dir, sizeof(dir))) != 0)
		return (error);
	if ((error = gbx_path_file(log, sizeof(log), "gntboxd.log")) != 0)
		return (
		    cli_fail(cmd, "runtime directory: %s", strerror(error)));
	if ((error = gbx_path_gntboxd(gntboxd, sizeof(gntboxd))) != 0)
		return (cli_fail(cmd, "cannot find gntboxd: %s: %s", gntboxd,
		    strerror(error)));
	/* The log goes there: it must be ours before anything is opened. */
	if (gbx_dir_make(dir) != 0)
		return (cli_fail(cmd, "runtime directory: %s", gbx_refusal()));
	/* Not through a link someone planted there. */
	if ((logfd = gbx_open_private(log, O_APPEND)) == -1)
		return (cli_fail(cmd, "log: %s", gbx_refusal()));
	if (pipe2(p, O_CLOEXEC) == -1) {
		close(logfd);
		return (cli_fail(cmd, "pipe: %s", strerror(errno)));
	}
	if ((child = fork()) == -1) {
		error = errno;
		close(p[0]);
		close(p[1]);
		close(logfd);
		return (cli_fail(cmd, "fork: %s", strerror(error)));
	}
	if (child == 0) {
		/* The daemon gets the write end, without close-on-exec. */
		close(p[0]);
		if (fcntl(p[1], F_SETFD, 0) == -1 || setsid() == -1)
			_exit(1);
		switch (fork()) {
		case -1:
			_exit(1);
		case 0:
			exec_daemon(gntboxd, dir, logfd, p[1], idle_exit,
			    extra);
		}
		_exit(0);
	}
	close(p[1]);
	close(logfd);
	while (waitpid(child, &status, 0) == -1 && errno == EINTR)
		;
	ready = wait_ready(p[0]);
	close(p[0]);
	/* A daemon that lost the race to another one also means "running". */
	if (cli_daemon_ping(pid) == 0)
		return (0);
	/* Point at the log only when there is one to read. */
	last_log_line(log, last, sizeof(last));
	if (last[0] == '\0')
		return (cli_fail(cmd, "gntboxd did not %s",
		    ready ? "answer" : "start"));
	return (cli_fail(cmd, "gntboxd did not %s: %s (log: %s)",
	    ready ? "answer" : "start", last, log));
}

int
cli_daemon_ensure(const char *cmd, unsigned idle_exit)
{
	char dir[GBX_PATH_MAX];
	int error;

	if ((error = cli_daemon_ping(NULL)) == 0)
		return (0);
	/* A place we refuse to use is not one to start a daemon in. */
	if (error == EPERM)
		return (cli_fail(cmd, "%s", cli_conn_error(error)));
	/* Nor one whose daemon is another user's (only it, and root, may). */
	if (error == EACCES) {
		if (gbx_runtime_dir(dir, sizeof(dir)) != 0)
			(void)snprintf(dir, sizeof(dir),
			    "the runtime directory");
		return (cli_fail(cmd, "%s: %s", dir, cli_conn_error(error)));
	}
	return (cli_daemon_start(cmd, idle_exit, NULL, NULL));
}
