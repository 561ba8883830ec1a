/*
 * devmodel.c: the QEMU that serves a domain's qdisk disks (block.h), and
 * the xenstore helpers the block commands share.
 *
 * xl runs QEMU's qdisk backend in the backend domain, one per frontend
 * domain: xl devd starts it when a qdisk backend appears
 * (libxl__spawn_qdisk_backend) and kills it with the domain's last qdisk
 * disk (libxl__destroy_qdisk_backend).  block-attach does the same in
 * gntbox: QEMU runs as a process of the backend domain, exactly as
 * `gntbox run --dom BE` would run it, with xl devd's arguments.
 *
 * Between block-attach and QEMU sits a monitor, a forked gntbox process
 * in its own session.  It is QEMU's parent, so it learns at once when
 * QEMU exits, however that happens; it then marks QEMU's backends
 * Closed (as libxl does for a QEMU that stops answering,
 * device_qemu_timeout), which tells every frontend that its backend is
 * gone: a frontend fails its requests with EIO instead of waiting for a
 * dead QEMU forever.  When gntboxd goes away, the monitor stops QEMU.
 */
#include <sys/file.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/paths.h"
#include "cli/block.h"
#include "cli/cli.h"

#define DM_POLL_MS	   20	 /* state polling interval */
#define DM_STOP_TIMEOUT_MS 10000 /* SIGHUP, then this long, then SIGKILL */
#define DM_PATH		   256

static long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

int
blk_lock(const char *cmd)
{
	char path[GBX_PATH_MAX];
	int error, fd;

	if ((error = gbx_path_file(path, sizeof(path), "block.lock")) != 0) {
		cli_fail(cmd, "runtime directory: %s", strerror(error));
		return (-1);
	}
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) == -1) {
		cli_fail(cmd, "%s: %s", path, strerror(errno));
		return (-1);
	}
	while (flock(fd, LOCK_EX) == -1)
		if (errno != EINTR) {
			cli_fail(cmd, "lock %s: %s", path, strerror(errno));
			close(fd);
			return (-1);
		}
	return (fd);
}

int
blk_path_cleanup(struct xsc *c, const char *path)
{
	char p[XENSTORE_ABS_PATH_MAX + 1], *slash, *val, *dir;
	size_t len;
	int error;

	if (strlen(path) >= sizeof(p))
		return (ENAMETOOLONG);
	strcpy(p, path);
	if ((error = xsc_rm(c, p)) != 0 && error != ENOENT)
		return (error);
	while ((slash = strrchr(p, '/')) != NULL && slash != p) {
		*slash = '\0';
		if (xsc_read(c, p, &val) != 0)
			break;
		len = strlen(val);
		free(val);
		if (len != 0)
			break;
		if (xsc_list(c, p, &dir, &len) != 0)
			break;
		free(dir);
		if (len != 0)
			break;
		if ((error = xsc_rm(c, p)) != 0 && error != ENOENT)
			return (error);
	}
	return (0);
}

long
blk_number(const char *s)
{
	char *end;
	long v;

	if (*s < '0' || *s > '9')
		return (-1);
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return (-1);
	return (v);
}

long
blk_read_long(struct xsc *c, const char *path)
{
	char *val;
	long v;

	if (xsc_read(c, path, &val) != 0)
		return (-1);
	v = blk_number(val);
	free(val);
	return (v);
}

int
blk_path_domain(const char *path)
{
	static const char prefix[] = "/local/domain/";
	char *end;
	unsigned long v;

	if (strncmp(path, prefix, sizeof(prefix) - 1) != 0)
		return (-1);
	path += sizeof(prefix) - 1;
	if (*path < '0' || *path > '9')
		return (-1);
	errno = 0;
	v = strtoul(path, &end, 10);
	if (errno != 0 || *end != '/' || v > INT_MAX)
		return (-1);
	return ((int)v);
}

long
blk_wait_state(struct xsc *c, const char *path, bool (*done)(long),
    int timeout_ms, int pidfd, bool *timed_out)
{
	struct pollfd p;
	long deadline, state;

	deadline = now_ms() + timeout_ms;
	*timed_out = false;
	for (;;) {
		state = blk_read_long(c, path);
		if (done(state))
			return (state);
		if (now_ms() >= deadline) {
			*timed_out = true;
			return (state);
		}
		p.fd = pidfd;
		p.events = POLLIN;
		if (poll(&p, pidfd == -1 ? 0 : 1, DM_POLL_MS) > 0)
			return (state); /* the process went */
	}
}

const char *
dm_binary(const char *opt)
{
	const char *env;

	if (opt != NULL)
		return (opt);
	if ((env = getenv(BLK_QEMU_ENV)) != NULL && *env != '\0')
		return (env);
	return (BLK_QEMU_DEFAULT);
}

int
dm_check_binary(const char *cmd, const char *qemu)
{

	if (access(qemu, X_OK) == 0)
		return (0);
	if (strcmp(qemu, BLK_QEMU_DEFAULT) == 0)
		return (cli_fail(cmd, "%s: %s (install Debian's %s)", qemu,
		    strerror(errno), BLK_QEMU_PACKAGE));
	return (cli_fail(cmd, "QEMU %s: %s", qemu, strerror(errno)));
}

int
dm_log_path(char *buf, size_t len, int be, int fe)
{
	char name[64];

	snprintf(name, sizeof(name), "qdisk-%d-%d.log", be, fe);
	return (gbx_path_file(buf, len, name));
}

off_t
dm_log_size(int be, int fe)
{
	char log[GBX_PATH_MAX];
	struct stat st;

	if (dm_log_path(log, sizeof(log), be, fe) != 0 || stat(log, &st) != 0)
		return (0);
	return (st.st_size);
}

bool
dm_log_find(int be, int fe, off_t offset, const char *needle, char *line,
    size_t len)
{
	char log[GBX_PATH_MAX];
	bool found;
	FILE *f;

	if (dm_log_path(log, sizeof(log), be, fe) != 0 ||
	    (f = fopen(log, "r")) == NULL)
		return (false);
	found = false;
	if (fseeko(f, offset, SEEK_SET) == 0)
		while (!found && fgets(line, (int)len, f) != NULL)
			found = strstr(line, needle) != NULL;
	fclose(f);
	line[strcspn(line, "\n")] = '\0';
	return (found);
}

static void
dm_pid_path(char *buf, size_t len, int be, int fe)
{

	snprintf(buf, len, "/local/domain/%d/libxl/%d/qdisk-backend-pid", be,
	    fe);
}

/*
 * Read a NUL-separated /proc/<pid>/<what> file and say whether it holds
 * the entry a immediately followed by the entry b (b NULL: a alone).
 */
static bool
proc_has(pid_t pid, const char *what, const char *a, const char *b)
{
	char path[64], *buf, *p, *end;
	size_t cap, len;
	ssize_t r;
	bool found;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, what);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return (false);
	cap = 65536;
	len = 0;
	found = false;
	if ((buf = malloc(cap + 1)) == NULL) {
		close(fd);
		return (false);
	}
	while (len < cap && (r = read(fd, buf + len, cap - len)) > 0)
		len += (size_t)r;
	close(fd);
	buf[len] = '\0';
	end = buf + len;
	for (p = buf; p < end && !found; p += strlen(p) + 1)
		if (strcmp(p, a) == 0 &&
		    (b == NULL ||
			(p + strlen(p) + 1 < end &&
			    strcmp(p + strlen(p) + 1, b) == 0)))
			found = true;
	free(buf);
	return (found);
}

/*
 * Is pid a QEMU this runtime directory started for (be, fe)?  Its
 * command line names the frontend, and its environment the directory and
 * the backend domain, as dm_start gave them.
 */
static bool
dm_is_ours(pid_t pid, int be, int fe)
{
	char dir[GBX_PATH_MAX], abs[PATH_MAX], env[PATH_MAX + 16], id[16];

	if (pid <= 0 || gbx_runtime_dir(dir, sizeof(dir)) != 0 ||
	    realpath(dir, abs) == NULL)
		return (false);
	snprintf(id, sizeof(id), "%d", fe);
	if (!proc_has(pid, "cmdline", "-xen-domid", id))
		return (false);
	snprintf(env, sizeof(env), "GNTBOX_DIR=%s", abs);
	if (!proc_has(pid, "environ", env, NULL))
		return (false);
	snprintf(env, sizeof(env), "GNTBOX_DOMID=%d", be);
	return (proc_has(pid, "environ", env, NULL));
}

pid_t
dm_running(struct xsc *c, int be, int fe)
{
	char path[DM_PATH];
	long pid;

	dm_pid_path(path, sizeof(path), be, fe);
	if ((pid = blk_read_long(c, path)) <= 0 || pid > INT_MAX)
		return (0);
	return (dm_is_ours((pid_t)pid, be, fe) ? (pid_t)pid : 0);
}

bool
dm_has_disks(struct xsc *c, int be, int fe)
{
	char path[DM_PATH], *dir, *p, *backend;
	size_t len;
	bool found;

	/*
	 * The toolstack's own records say, not the backend directories: QEMU
	 * may write into a backend's directory as it goes away.
	 */
	snprintf(path, sizeof(path), "/libxl/%d/device/vbd", fe);
	if (xsc_list(c, path, &dir, &len) != 0)
		return (false);
	found = false;
	for (p = dir; !found && p < dir + len && *p != '\0';
	     p += strlen(p) + 1) {
		snprintf(path, sizeof(path), "/libxl/%d/device/vbd/%s/backend",
		    fe, p);
		if (xsc_read(c, path, &backend) != 0)
			continue;
		found = blk_path_domain(backend) == be;
		free(backend);
	}
	free(dir);
	return (found);
}

void
dm_retire(struct xsc *c, const char *cmd, int be, int fe)
{
	char path[DM_PATH];

	if (dm_has_disks(c, be, fe))
		return;
	(void)dm_stop(c, cmd, be, fe);
	/* What QEMU wrote into its backends' directories as it went. */
	snprintf(path, sizeof(path), "/local/domain/%d/backend/qdisk/%d", be,
	    fe);
	(void)blk_path_cleanup(c, path);
}

/*
 * Forget a QEMU that is gone: its pid node (if it still names pid; 0:
 * whatever it names) and its device-model directory, as
 * libxl__destroy_qdisk_backend does, and the libxl directory they leave
 * empty.
 */
static void
dm_forget(struct xsc *c, int be, int fe, pid_t pid)
{
	char path[DM_PATH];

	dm_pid_path(path, sizeof(path), be, fe);
	if (pid == 0 || blk_read_long(c, path) == pid)
		(void)blk_path_cleanup(c, path);
	snprintf(path, sizeof(path), "/local/domain/%d/device-model/%d", be,
	    fe);
	(void)blk_path_cleanup(c, path);
}

/*
 * Mark every backend of (be, fe) that is not Closed as Closed, each in a
 * transaction that first checks that it still exists: a backend being
 * removed meanwhile must not be written back into existence.
 */
static void
dm_close_backends(struct xsc *c, int be, int fe)
{
	char path[DM_PATH], state[DM_PATH + 16], *dir, *p, *val;
	size_t len;
	int error, tries;

	snprintf(path, sizeof(path), "/local/domain/%d/backend/qdisk/%d", be,
	    fe);
	if (xsc_list(c, path, &dir, &len) != 0)
		return;
	for (p = dir; p < dir + len && *p != '\0'; p += strlen(p) + 1) {
		snprintf(state, sizeof(state), "%s/%s/state", path, p);
		for (tries = 0; tries < 100; tries++) {
			if (xsc_tx_start(c) != 0)
				break;
			if ((error = xsc_read(c, state, &val)) == 0) {
				if (blk_number(val) != BLK_STATE_CLOSED)
					error = xsc_write(c, state, "6");
				free(val);
			}
			if (xsc_tx_end(c, error == 0) != EAGAIN)
				break;
		}
	}
	free(dir);
}

/*
 * The monitor: QEMU's parent, in its own session, logging to logfd.  It
 * starts QEMU, records its pid, tells block-attach the pid through ready,
 * then waits for QEMU's exit or gntboxd's.  Never returns.
 */
static void
dm_monitor(const char *cmd, const char *qemu, int be, int fe, int logfd,
    int ready)
{
	char fes[16], name[32], path[DM_PATH], pidstr[16];
	struct pollfd p[2];
	struct xsc c;
	pid_t pid;
	int fd, status, n;
	const char *argv[20];

	if ((fd = open("/dev/null", O_RDONLY)) != -1) {
		dup2(fd, STDIN_FILENO);
		close(fd);
	}
	dup2(logfd, STDOUT_FILENO);
	dup2(logfd, STDERR_FILENO);
	/* Keep nothing of block-attach's: its lock, its sockets, pipes. */
	if (dup2(ready, 3) == -1)
		_exit(1);
	ready = 3;
	close_range(4, ~0U, 0);
	snprintf(fes, sizeof(fes), "%d", fe);
	snprintf(name, sizeof(name), "domain-%d", fe);
	n = 0;
	argv[n++] = qemu;
	argv[n++] = "-xen-domid";
	argv[n++] = fes;
	argv[n++] = "-xen-attach";
	argv[n++] = "-name";
	argv[n++] = name;
	argv[n++] = "-nographic";
	argv[n++] = "-M";
	argv[n++] = "xenpv";
	argv[n++] = "-monitor";
	argv[n++] = "/dev/null";
	argv[n++] = "-serial";
	argv[n++] = "/dev/null";
	argv[n++] = "-parallel";
	argv[n++] = "/dev/null";
	argv[n] = NULL;
	if ((pid = fork()) == -1)
		_exit(1);
	if (pid == 0) {
		close(ready);
		/* libxl__set_qemu_env_for_xsa_180 */
		setenv("XEN_QEMU_CONSOLE_LIMIT", "1048576", 1);
		if (cli_domain_env(cmd, be) != 0)
			_exit(126);
		execv(qemu, (char *const *)argv);
		cli_fail(cmd, "%s: %s", qemu, strerror(errno));
		_exit(127);
	}
	/* Without a pidfd, waitpid alone tells QEMU's exit. */
	p[0].fd = pidfd_open(pid, 0);
	p[0].events = POLLIN;
	c.fd = -1;
	if (xsc_open(&c, 0, cmd) == 0) {
		dm_pid_path(path, sizeof(path), be, fe);
		snprintf(pidstr, sizeof(pidstr), "%d", (int)pid);
		if (xsc_write(&c, path, pidstr) != 0)
			cli_fail(cmd, "cannot record QEMU's pid in %s", path);
	}
	if (write(ready, &pid, sizeof(pid)) != sizeof(pid))
		kill(pid, SIGKILL); /* block-attach is gone: nobody wants it */
	close(ready);
	p[1].fd = c.fd;
	p[1].events = POLLIN;
	for (;;) {
		if (poll(p, 2, -1) == -1 && errno != EINTR)
			break;
		if ((p[0].revents & POLLIN) != 0 || p[0].fd == -1)
			break;
		if (p[1].revents != 0) {
			/* gntboxd is gone (we set no watch): stop QEMU. */
			fprintf(stderr,
			    "gntbox: gntboxd went away; stopping "
			    "QEMU (pid %d)\n",
			    (int)pid);
			xsc_close(&c);
			kill(pid, SIGTERM);
			break;
		}
	}
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	if (WIFSIGNALED(status))
		fprintf(stderr, "gntbox: QEMU (pid %d) killed by signal %d\n",
		    (int)pid, WTERMSIG(status));
	else
		fprintf(stderr, "gntbox: QEMU (pid %d) exited with status %d\n",
		    (int)pid, WEXITSTATUS(status));
	if (c.fd != -1) {
		dm_close_backends(&c, be, fe);
		dm_forget(&c, be, fe, pid);
		xsc_close(&c);
	}
	_exit(0);
}

int
dm_start(struct xsc *c, const char *cmd, const char *qemu, int be, int fe)
{
	char log[GBX_PATH_MAX], path[DM_PATH], *val, line[512];
	struct stat st;
	pid_t child, pid;
	int logfd, ready[2], pidfd, status;
	ssize_t r;
	long deadline;
	bool up;

	if (dm_log_path(log, sizeof(log), be, fe) != 0)
		return (cli_fail(cmd, "runtime directory: %s",
		    strerror(ENAMETOOLONG)));
	if ((logfd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
		 0644)) == -1)
		return (cli_fail(cmd, "%s: %s", log, strerror(errno)));
	st.st_size = 0;
	(void)fstat(logfd, &st);
	if (pipe2(ready, O_CLOEXEC) == -1) {
		close(logfd);
		return (cli_fail(cmd, "pipe: %s", strerror(errno)));
	}
	fflush(NULL);
	if ((child = fork()) == -1) {
		close(logfd);
		close(ready[0]);
		close(ready[1]);
		return (cli_fail(cmd, "fork: %s", strerror(errno)));
	}
	if (child == 0) {
		close(ready[0]);
		if (setsid() == -1)
			_exit(1);
		switch (fork()) {
		case -1:
			_exit(1);
		case 0:
			dm_monitor(cmd, qemu, be, fe, logfd, ready[1]);
		}
		_exit(0);
	}
	close(logfd);
	close(ready[1]);
	while (waitpid(child, &status, 0) == -1 && errno == EINTR)
		;
	pid = 0;
	while ((r = read(ready[0], &pid, sizeof(pid))) == -1 && errno == EINTR)
		;
	close(ready[0]);
	if (r != sizeof(pid) || pid <= 0)
		return (cli_fail(cmd, "could not start QEMU (log: %s)", log));

	/* QEMU says it is ready in device-model/FE/state. */
	pidfd = pidfd_open(pid, 0);
	snprintf(path, sizeof(path), "/local/domain/%d/device-model/%d/state",
	    be, fe);
	deadline = now_ms() + BLK_DM_START_TIMEOUT_MS;
	up = false;
	while (!up && now_ms() < deadline) {
		struct pollfd p = { .fd = pidfd, .events = POLLIN };

		if (xsc_read(c, path, &val) == 0) {
			up = strcmp(val, "running") == 0;
			free(val);
		}
		if (up || (pidfd != -1 && poll(&p, 1, DM_POLL_MS) > 0))
			break;
		if (pidfd == -1)
			usleep(DM_POLL_MS * 1000);
	}
	if (pidfd != -1)
		close(pidfd);
	if (up)
		return (0);
	/* QEMU's first word is the one that says why. */
	if (!dm_log_find(be, fe, st.st_size, "", line, sizeof(line)))
		line[0] = '\0';
	if (kill(pid, 0) == 0 && dm_is_ours(pid, be, fe)) {
		kill(pid, SIGKILL);
		return (
		    cli_fail(cmd, "QEMU did not start in %d s: %s (log: %s)",
			BLK_DM_START_TIMEOUT_MS / 1000, line, log));
	}
	return (cli_fail(cmd, "QEMU exited before it was ready: %s (log: %s)",
	    line, log));
}

int
dm_stop(struct xsc *c, const char *cmd, int be, int fe)
{
	struct pollfd p;
	pid_t pid;
	int pidfd;

	if ((pid = dm_running(c, be, fe)) == 0) {
		dm_forget(c, be, fe, 0);
		return (0);
	}
	if ((pidfd = pidfd_open(pid, 0)) == -1) {
		if (errno == ESRCH) {
			dm_forget(c, be, fe, 0);
			return (0);
		}
		return (cli_fail(cmd, "QEMU pid %d: %s", (int)pid,
		    strerror(errno)));
	}
	p.fd = pidfd;
	p.events = POLLIN;
	(void)pidfd_send_signal(pidfd, SIGHUP, NULL, 0);
	if (poll(&p, 1, DM_STOP_TIMEOUT_MS) == 0) {
		cli_fail(cmd,
		    "QEMU (pid %d) ignored SIGHUP for %d s: killing it",
		    (int)pid, DM_STOP_TIMEOUT_MS / 1000);
		(void)pidfd_send_signal(pidfd, SIGKILL, NULL, 0);
		(void)poll(&p, 1, DM_STOP_TIMEOUT_MS);
	}
	close(pidfd);
	dm_forget(c, be, fe, 0);
	return (0);
}

/*
 * gntbox list's device-model section: every QEMU recorded under
 * /local/domain/BE/libxl/FE/qdisk-backend-pid, with its state and log.
 */
void
cli_block_list_dms(void)
{
	char path[DM_PATH], log[GBX_PATH_MAX], *doms, *fes, *d, *f;
	char *state;
	size_t dlen, flen;
	bool header;
	struct xsc c;
	pid_t pid;
	int be, fe;

	if (xsc_open(&c, 0, "list") != 0)
		return;
	header = false;
	if (xsc_list(&c, "/local/domain", &doms, &dlen) != 0) {
		xsc_close(&c);
		return;
	}
	for (d = doms; d < doms + dlen && *d != '\0'; d += strlen(d) + 1) {
		be = (int)blk_number(d);
		snprintf(path, sizeof(path), "/local/domain/%d/libxl", be);
		if (xsc_list(&c, path, &fes, &flen) != 0)
			continue;
		for (f = fes; f < fes + flen && *f != '\0';
		     f += strlen(f) + 1) {
			fe = (int)blk_number(f);
			if ((pid = dm_running(&c, be, fe)) == 0)
				continue;
			if (!header) {
				printf("\n%-14s %7s %5s %5s  %-8s %s\n",
				    "DEVICE MODEL", "PID", "IN", "FOR", "STATE",
				    "LOG");
				header = true;
			}
			snprintf(path, sizeof(path),
			    "/local/domain/%d/device-model/%d/state", be, fe);
			if (xsc_read(&c, path, &state) != 0)
				state = NULL;
			if (dm_log_path(log, sizeof(log), be, fe) != 0)
				log[0] = '\0';
			printf("%-14s %7d %5d %5d  %-8s %s\n", "qemu (qdisk)",
			    (int)pid, be, fe, state != NULL ? state : "-", log);
			free(state);
		}
		free(fes);
	}
	free(doms);
	xsc_close(&c);
}
