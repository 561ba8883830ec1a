/*
 * Integration test of gntboxd as a process: a second daemon on the same
 * directory exits 3 and leaves the first one's sockets alone; SIGTERM and
 * SIGINT make it exit 0 removing its sockets (every domain's too) and
 * its pid file; --idle-exit makes it exit once it has had no client for
 * that long, and not while one is connected (a xenstore client counts);
 * a daemon killed outright leaves sockets that the next one removes; bad
 * options exit 1.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/paths.h"
#include "test_daemon.h"
#include "xswire.h"

static char gntboxd[GBX_PATH_MAX];

/* Run gntboxd with args in the foreground; its exit status, or -1. */
static int
run(const char *const *args)
{
	const char *argv[16];
	int n, status;
	pid_t pid;

	n = 0;
	argv[n++] = gntboxd;
	while (*args != NULL && n < 15)
		argv[n++] = *args++;
	argv[n] = NULL;
	if ((pid = fork()) == 0) {
		execv(gntboxd, (char *const *)(uintptr_t)argv);
		_exit(127);
	}
	if (pid == -1 || waitpid(pid, &status, 0) != pid)
		return (-1);
	return (WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

static bool
exists(const char *name)
{
	char path[GBX_PATH_MAX];

	REQUIRE(gbx_path_file(path, sizeof(path), name) == 0);
	return (access(path, F_OK) == 0);
}

/* Wait for pid to exit (10 s at most); its waitpid status, or -1. */
static int
wait_exit(pid_t pid)
{
	int i, status;

	for (i = 0; i < 1000; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return (status);
		usleep(10000);
	}
	return (-1);
}

static char dir[64];

/* Remove the runtime directory: only the lock and the log are left. */
static void
remove_dir(void)
{
	char path[GBX_PATH_MAX];

	if (dir[0] == '\0')
		return;
	REQUIRE(gbx_path_file(path, sizeof(path), "gntboxd.lock") == 0);
	(void)unlink(path);
	REQUIRE(gbx_path_file(path, sizeof(path), "gntboxd.log") == 0);
	(void)unlink(path);
	CHECK_EQ(rmdir(dir), 0);
	dir[0] = '\0';
}

/* A fresh runtime directory for the next daemon. */
static void
fresh_dir(void)
{

	remove_dir();
	(void)snprintf(dir, sizeof(dir), "/tmp/gntbox-proc.XXXXXX");
	REQUIRE(mkdtemp(dir) != NULL);
	REQUIRE(setenv("GNTBOX_DIR", dir, 1) == 0);
}

static void
test_second_and_signals(int sig)
{
	const char *args[] = { NULL };
	struct gbx_stats base;
	int ctl, status;
	pid_t pid;

	fresh_dir();
	REQUIRE((pid = td_start(NULL)) > 0);
	REQUIRE((ctl = td_control()) != -1);
	tdx_stats(ctl, &base);
	CHECK_EQ(tdx_domain_create(ctl, 7, NULL), 0);
	CHECK(exists("dom/7/device"));
	CHECK(exists("dom/7/xenstore"));
	/* A second daemon on the same directory. */
	CHECK_EQ(run(args), 3);
	CHECK(exists("control"));
	CHECK(exists("dom/0/device"));
	CHECK(exists("dom/0/xenstore"));
	CHECK_EQ(td_call(ctl, GBX_CTL_PING, NULL, 0, NULL, 0, NULL, 0, NULL),
	    0);
	CHECK_EQ(tdx_domain_destroy(ctl, 7), 0);
	CHECK(!exists("dom/7/device"));
	CHECK(!exists("dom/7/xenstore"));
	CHECK(!exists("dom/7"));
	tdx_baseline(ctl, &base);
	/* A domain's socket goes at exit too. */
	CHECK_EQ(tdx_domain_create(ctl, 7, NULL), 0);
	CHECK(exists("gntboxd.pid"));
	/* The signal: a clean exit that removes what the daemon made. */
	CHECK_EQ(kill(pid, sig), 0);
	status = wait_exit(pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(!exists("control"));
	CHECK(!exists("dom/0/device"));
	CHECK(!exists("dom/7/device"));
	CHECK(!exists("dom/0/xenstore"));
	CHECK(!exists("dom/7/xenstore"));
	CHECK(!exists("dom"));
	CHECK(!exists("gntboxd.pid"));
	CHECK(tdx_dropped(ctl));
	close(ctl);
}

static void
test_idle_exit(void)
{
	char log[GBX_PATH_MAX], buf[4096];
	const char *args[] = { "--idle-exit", "1", "--log", log, NULL };
	struct gbx_stats base;
	int ctl, fd, status;
	ssize_t n;
	pid_t pid;

	fresh_dir();
	REQUIRE(gbx_path_file(log, sizeof(log), "gntboxd.log") == 0);
	REQUIRE((pid = td_start(args)) > 0);
	REQUIRE((ctl = td_control()) != -1);
	tdx_stats(ctl, &base);
	REQUIRE((fd = td_open(0, GBX_KIND_GNTDEV, NULL)) != -1);
	close(ctl);
	/* A client is connected: it stays well past the idle time. */
	sleep(3);
	CHECK_EQ(waitpid(pid, &status, WNOHANG), 0);
	REQUIRE((ctl = td_control()) != -1);
	tdx_baseline(ctl,
	    &(struct gbx_stats){ .domains = base.domains,
		.connections = 2,
		.nodes = base.nodes });
	close(ctl);
	close(fd);
	/* Then no client: it goes by itself, cleanly. */
	status = wait_exit(pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(!exists("control"));
	CHECK(!exists("gntboxd.pid"));
	/* --log: its diagnostics went to the file. */
	REQUIRE((fd = open(log, O_RDONLY)) != -1);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	REQUIRE(n > 0);
	buf[n] = '\0';
	CHECK(strstr(buf, "no client for 1 seconds") != NULL);
}

/*
 * A xenstore client counts as a client for --idle-exit, and as a
 * connection in the stats, like any other.
 */
static void
test_idle_exit_xenstore(void)
{
	const char *args[] = { "--idle-exit", "1", NULL };
	struct gbx_stats base;
	int ctl, fd, status;
	pid_t pid;

	fresh_dir();
	REQUIRE((pid = td_start(args)) > 0);
	REQUIRE((ctl = td_control()) != -1);
	tdx_stats(ctl, &base);
	REQUIRE((fd = xw_connect(0)) != -1);
	close(ctl);
	sleep(2);
	CHECK_EQ(waitpid(pid, &status, WNOHANG), 0);
	CHECK_EQ(xw_call(fd, XS_WRITE, "/idle\0x", 8, NULL), 0);
	REQUIRE((ctl = td_control()) != -1);
	tdx_baseline(ctl,
	    &(struct gbx_stats){ .domains = base.domains,
		.connections = 2,
		.nodes = base.nodes + 1 });
	close(ctl);
	close(fd);
	status = wait_exit(pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(!exists("dom/0/xenstore"));
}

/*
 * A daemon killed outright leaves its sockets; the next one on the
 * directory removes those of domains that no longer exist, xenstore
 * sockets included, and serves domain 0's store afresh.
 */
static void
test_stale_sockets(void)
{
	int ctl, fd, status;
	pid_t pid;

	fresh_dir();
	REQUIRE((pid = td_start(NULL)) > 0);
	REQUIRE((ctl = td_control()) != -1);
	CHECK_EQ(tdx_domain_create(ctl, 7, NULL), 0);
	close(ctl);
	CHECK_EQ(kill(pid, SIGKILL), 0);
	status = wait_exit(pid);
	CHECK(WIFSIGNALED(status));
	CHECK(exists("dom/7/xenstore"));
	CHECK(exists("dom/0/xenstore"));
	REQUIRE((pid = td_start(NULL)) > 0);
	CHECK(!exists("dom/7/xenstore"));
	CHECK(!exists("dom/7"));
	REQUIRE((fd = xw_connect(0)) != -1);
	CHECK_EQ(xw_call(fd, XS_READ, "/local/domain/0/name", 21, NULL), 0);
	close(fd);
	CHECK_EQ(td_stop(pid), 0);
}

static void
test_bad_options(void)
{
	const char *a1[] = { "--max-grant-frames", "0", NULL };
	const char *a2[] = { "--max-grant-frames", "2049", NULL };
	const char *a3[] = { "--max-maptrack", "-1", NULL };
	const char *a4[] = { "--max-ports", "4097", NULL };
	const char *a5[] = { "--idle-exit", "x", NULL };
	const char *a6[] = { "--no-such-option", NULL };
	const char *a7[] = { "extra", NULL };
	const char *a8[] = { "--dir", "/proc/no/such/dir", NULL };

	fresh_dir();
	CHECK_EQ(run(a1), 1);
	CHECK_EQ(run(a2), 1);
	CHECK_EQ(run(a3), 1);
	CHECK_EQ(run(a4), 1);
	CHECK_EQ(run(a5), 1);
	CHECK_EQ(run(a6), 1);
	CHECK_EQ(run(a7), 1);
	CHECK_EQ(run(a8), 1);
	CHECK(!exists("gntboxd.pid"));
	CHECK(!exists("control"));
}

int
main(void)
{
	const char *build;

	if ((build = getenv("GNTBOX_BUILD")) == NULL || *build == '\0')
		build = "build";
	(void)snprintf(gntboxd, sizeof(gntboxd), "%s/bin/gntboxd", build);
	test_second_and_signals(SIGTERM);
	test_second_and_signals(SIGINT);
	test_idle_exit();
	test_idle_exit_xenstore();
	test_stale_sockets();
	test_bad_options();
	remove_dir();
	return (check_exit());
}
