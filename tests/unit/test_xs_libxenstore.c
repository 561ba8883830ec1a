/*
 * The xenstore engine behind real sockets, driven by Debian's unmodified
 * libxenstore and xenstore-utils.
 *
 * A forked server process stands in for gntboxd's I/O only: it listens on
 * one AF_UNIX SOCK_STREAM socket per domain (0, 1 and 2), gives each
 * accepted connection an xs_conn of the domain whose socket it came in
 * on, and pumps bytes between the sockets and xs_conn_input() /
 * xs_conn_output().  The real daemon will be tested the same way once
 * the engine is glued into it.  The test, as each domain in turn (by
 * XENSTORED_PATH), uses libxenstore's API and runs xenstore-write, -read,
 * -ls, -rm, -chmod, -exists, -list and -watch as subprocesses.
 */
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xenstore.h>

#include "check.h"
#include "xs/xs.h"

#define NDOM  3
#define NCONN 32

static char dir[] = "/tmp/xslib.XXXXXX";

static void
sock_path(char *buf, size_t size, unsigned domid)
{

	snprintf(buf, size, "%s/dom%u", dir, domid);
}

static int
listen_on(unsigned domid)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	sock_path(sa.sun_path, sizeof(sa.sun_path), domid);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    listen(fd, 16) != 0)
		_exit(2);
	return (fd);
}

static int
free_slot(const int *cfd)
{
	int n;

	for (n = 0; n < NCONN; n++)
		if (cfd[n] < 0)
			return (n);
	return (-1);
}

/*
 * The server: poll the listeners, the clients and its end of the control
 * pipe (the write end: it reports an error once the test closes the read
 * end, which means the test is done).  Exits 0 if the store's
 * invariants hold at the end and nothing is left behind.
 */
static void
serve(int ctl)
{
	struct xs_conn *conns[NCONN];
	struct pollfd pfd[1 + NDOM + NCONN];
	struct xs_store *s;
	struct xs_stats st;
	int lfd[NDOM], cfd[NCONN], n, i, fd;
	const void *out;
	char buf[8192];
	ssize_t r;
	size_t len;

	s = xs_store_new(NULL);
	if (s == NULL || xs_domain_introduce(s, 0, "Domain-0") != 0 ||
	    xs_domain_introduce(s, 1, "one") != 0 ||
	    xs_domain_introduce(s, 2, "two") != 0)
		_exit(2);
	for (i = 0; i < NDOM; i++)
		lfd[i] = listen_on((unsigned)i);
	for (i = 0; i < NCONN; i++)
		cfd[i] = -1;
	if (write(ctl, "r", 1) != 1)
		_exit(2);
	for (;;) {
		n = 0;
		pfd[n++] = (struct pollfd){ ctl, POLLIN, 0 };
		for (i = 0; i < NDOM; i++)
			pfd[n++] = (struct pollfd){ lfd[i], POLLIN, 0 };
		for (i = 0; i < NCONN; i++) {
			pfd[n] = (struct pollfd){ cfd[i], POLLIN, 0 };
			if (cfd[i] >= 0 && xs_conn_output(conns[i], &out) > 0)
				pfd[n].events |= POLLOUT;
			n++;
		}
		if (poll(pfd, (nfds_t)n, -1) < 0 && errno != EINTR)
			_exit(2);
		if (pfd[0].revents != 0)
			break;
		for (i = 0; i < NDOM; i++) {
			if (!(pfd[1 + i].revents & POLLIN))
				continue;
			fd = accept4(lfd[i], NULL, NULL, SOCK_NONBLOCK);
			if (fd < 0 || (n = free_slot(cfd)) < 0)
				_exit(2);
			cfd[n] = fd;
			conns[n] = xs_conn_new(s, (unsigned)i, NULL, NULL);
		}
		for (i = 0; i < NCONN; i++) {
			short re = pfd[1 + NDOM + i].revents;

			if (cfd[i] < 0 || re == 0)
				continue;
			if (re & POLLOUT) {
				len = xs_conn_output(conns[i], &out);
				r = write(cfd[i], out, len);
				if (r > 0)
					xs_conn_consume(conns[i], (size_t)r);
			}
			if (re & (POLLIN | POLLHUP | POLLERR)) {
				r = read(cfd[i], buf, sizeof(buf));
				if (r > 0 &&
				    xs_conn_input(conns[i], buf, (size_t)r) ==
					0)
					continue;
				if (r < 0 && errno == EAGAIN)
					continue;
				close(cfd[i]);
				cfd[i] = -1;
				xs_conn_free(conns[i]);
			}
		}
	}
	for (i = 0; i < NCONN; i++)
		if (cfd[i] >= 0) {
			close(cfd[i]);
			xs_conn_free(conns[i]);
		}
	xs_store_stats(s, &st);
	i = st.watches == 0 && st.transactions == 0;
	xs_store_free(s);
	_exit(i ? 0 : 1);
}

/* Run a shell command as domain domid; its output (stdout) into out. */
static int
run(unsigned domid, char *out, size_t size, const char *fmt, ...)
{
	char cmd[1024], sock[256];
	va_list ap;
	FILE *f;
	size_t n;
	int st;

	sock_path(sock, sizeof(sock), domid);
	n = (size_t)snprintf(cmd, sizeof(cmd), "XENSTORED_PATH=%s ", sock);
	va_start(ap, fmt);
	vsnprintf(cmd + n, sizeof(cmd) - n, fmt, ap);
	va_end(ap);
	if ((f = popen(cmd, "r")) == NULL)
		return (-1);
	n = fread(out, 1, size - 1, f);
	out[n] = '\0';
	st = pclose(f);
	return (WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

static struct xs_handle *
open_as(unsigned domid)
{
	char sock[256];

	sock_path(sock, sizeof(sock), domid);
	setenv("XENSTORED_PATH", sock, 1);
	return (xs_open(0));
}

static void
test_libxenstore(void)
{
	struct xs_handle *h0, *h1, *h2;
	struct xs_permissions perms[2], *got;
	unsigned int len, num;
	char *v, **list, **ev;
	xs_transaction_t t;
	bool ok;

	REQUIRE((h0 = open_as(0)) != NULL);
	REQUIRE((h1 = open_as(1)) != NULL);
	REQUIRE((h2 = open_as(2)) != NULL);
	CHECK(xs_write(h0, XBT_NULL, "/lib/a", "hello", 5));
	v = xs_read(h0, XBT_NULL, "/lib/a", &len);
	CHECK(v != NULL && len == 5 && strcmp(v, "hello") == 0);
	free(v);
	v = xs_get_domain_path(h1, 1);
	CHECK(v != NULL && strcmp(v, "/local/domain/1") == 0);
	free(v);
	/* Relative paths go to the home of the socket's domain. */
	CHECK(xs_write(h1, XBT_NULL, "data/x", "one", 3));
	v = xs_read(h0, XBT_NULL, "/local/domain/1/data/x", &len);
	CHECK(v != NULL && strcmp(v, "one") == 0);
	free(v);
	/* Domain 2 is refused, without learning what exists. */
	errno = 0;
	CHECK(xs_read(h2, XBT_NULL, "/local/domain/1/data/x", &len) == NULL);
	CHECK_EQ(errno, EACCES);
	CHECK(xs_read(h2, XBT_NULL, "/local/domain/1/data/none", &len) == NULL);
	CHECK_EQ(errno, EACCES);
	CHECK(!xs_write(h2, XBT_NULL, "/local/domain/1/data/y", "2", 1));
	CHECK_EQ(errno, EACCES);
	perms[0] = (struct xs_permissions){ 1, XS_PERM_NONE };
	perms[1] = (struct xs_permissions){ 2, XS_PERM_READ };
	CHECK(xs_set_permissions(h1, XBT_NULL, "data/x", perms, 2));
	got = xs_get_permissions(h2, XBT_NULL, "/local/domain/1/data/x", &num);
	CHECK(got != NULL && num == 2 && got[1].id == 2 &&
	    got[1].perms == XS_PERM_READ);
	free(got);
	v = xs_read(h2, XBT_NULL, "/local/domain/1/data/x", &len);
	CHECK(v != NULL && strcmp(v, "one") == 0);
	free(v);
	/* Directories, transactions (with a conflict), rm. */
	CHECK(xs_mkdir(h0, XBT_NULL, "/lib/d/b"));
	CHECK(xs_mkdir(h0, XBT_NULL, "/lib/d/a"));
	list = xs_directory(h0, XBT_NULL, "/lib/d", &num);
	CHECK(list != NULL && num == 2 && strcmp(list[0], "a") == 0 &&
	    strcmp(list[1], "b") == 0);
	free(list);
	t = xs_transaction_start(h0);
	CHECK(t != XBT_NULL);
	v = xs_read(h0, t, "/lib/a", &len);
	free(v);
	CHECK(xs_write(h1, XBT_NULL, "/local/domain/1/data/x", "two", 3));
	CHECK(xs_write(h0, XBT_NULL, "/lib/a", "outside", 7));
	CHECK(xs_write(h0, t, "/lib/a", "inside", 6));
	ok = xs_transaction_end(h0, t, false);
	CHECK(!ok && errno == EAGAIN);
	t = xs_transaction_start(h0);
	CHECK(xs_write(h0, t, "/lib/a", "inside", 6));
	CHECK(xs_transaction_end(h0, t, false));
	v = xs_read(h0, XBT_NULL, "/lib/a", &len);
	CHECK(v != NULL && strcmp(v, "inside") == 0);
	free(v);
	/* A long directory goes through DIRECTORY_PART. */
	{
		char p[64];
		int i;

		for (i = 0; i < 600; i++) {
			snprintf(p, sizeof(p), "/lib/long/child-%04d", i);
			REQUIRE(xs_mkdir(h0, XBT_NULL, p));
		}
		list = xs_directory(h0, XBT_NULL, "/lib/long", &num);
		CHECK(list != NULL && num == 600 &&
		    strcmp(list[599], "child-0599") == 0);
		free(list);
	}
	/* Watches: the initial event, then one per change. */
	CHECK(xs_watch(h1, "data", "tok"));
	ev = xs_read_watch(h1, &num);
	CHECK(ev != NULL && strcmp(ev[XS_WATCH_PATH], "data") == 0 &&
	    strcmp(ev[XS_WATCH_TOKEN], "tok") == 0);
	free(ev);
	CHECK(xs_write(h0, XBT_NULL, "/local/domain/1/data/w", "", 0));
	ev = xs_read_watch(h1, &num);
	CHECK(ev != NULL && strcmp(ev[XS_WATCH_PATH], "data/w") == 0);
	free(ev);
	CHECK(xs_unwatch(h1, "data", "tok"));
	CHECK(xs_rm(h0, XBT_NULL, "/lib/d"));
	CHECK(
	    xs_read(h0, XBT_NULL, "/lib/d/a", &len) == NULL && errno == ENOENT);
	CHECK(xs_is_domain_introduced(h0, 2));
	CHECK(!xs_is_domain_introduced(h0, 9));
	xs_close(h0);
	xs_close(h1);
	xs_close(h2);
}

static void
test_utils(void)
{
	char out[8192];
	FILE *w;
	char sock[256], cmd[512], line[256];

	CHECK_EQ(run(0, out, sizeof(out), "xenstore-write /u/a 1 /u/b 2"), 0);
	CHECK_EQ(run(0, out, sizeof(out), "xenstore-read /u/a"), 0);
	CHECK(strcmp(out, "1\n") == 0);
	CHECK_EQ(run(0, out, sizeof(out), "xenstore-list /u"), 0);
	CHECK(strcmp(out, "a\nb\n") == 0);
	CHECK_EQ(run(0, out, sizeof(out), "xenstore-exists /u/b"), 0);
	CHECK_EQ(run(0, out, sizeof(out), "xenstore-exists /u/c 2>/dev/null"),
	    1);
	CHECK_EQ(run(0, out, sizeof(out), "xenstore-ls /local/domain/1"), 0);
	CHECK(strstr(out, "domid = \"1\"") != NULL &&
	    strstr(out, "name = \"one\"") != NULL);
	CHECK_EQ(run(0, out, sizeof(out), "xenstore-ls -p /u"), 0);
	CHECK(strstr(out, "(n0)") != NULL);
	CHECK_EQ(run(0, out, sizeof(out), "xenstore-rm /u/a"), 0);
	CHECK_EQ(run(0, out, sizeof(out), "xenstore-exists /u/a 2>/dev/null"),
	    1);
	/* An unprivileged domain: its home, and others' refused. */
	CHECK_EQ(run(1, out, sizeof(out), "xenstore-write data/u x"), 0);
	CHECK_EQ(run(1, out, sizeof(out), "xenstore-read data/u"), 0);
	CHECK(strcmp(out, "x\n") == 0);
	CHECK_EQ(run(1, out, sizeof(out), "xenstore-list data"), 0);
	CHECK(strstr(out, "u\n") != NULL);
	CHECK_EQ(run(1, out, sizeof(out), "xenstore-read /u/b 2>/dev/null"), 1);
	CHECK_EQ(run(2, out, sizeof(out),
		     "xenstore-read /local/domain/1/data/u 2>/dev/null"),
	    1);
	CHECK_EQ(run(2, out, sizeof(out),
		     "xenstore-write /local/domain/1/data/u y 2>/dev/null"),
	    1);
	CHECK_EQ(run(2, out, sizeof(out),
		     "xenstore-rm /local/domain/1/data/u 2>/dev/null"),
	    1);
	CHECK_EQ(run(1, out, sizeof(out),
		     "xenstore-chmod /local/domain/1/data/u n1 r2"),
	    0);
	CHECK_EQ(run(2, out, sizeof(out),
		     "xenstore-read /local/domain/1/data/u"),
	    0);
	CHECK(strcmp(out, "x\n") == 0);
	CHECK_EQ(run(1, out, sizeof(out),
		     "xenstore-chmod data/u n2 2>/dev/null"),
	    1); /* owner: EPERM */
	CHECK_EQ(run(1, out, sizeof(out), "xenstore-rm data/u"), 0);
	/* xenstore-watch: the initial event, then the change. */
	sock_path(sock, sizeof(sock), 0);
	snprintf(cmd, sizeof(cmd), "XENSTORED_PATH=%s xenstore-watch -n 2 /u/w",
	    sock);
	REQUIRE((w = popen(cmd, "r")) != NULL);
	CHECK(fgets(line, sizeof(line), w) != NULL &&
	    strcmp(line, "/u/w\n") == 0);
	CHECK_EQ(run(0, out, sizeof(out), "xenstore-write /u/w/x 1"), 0);
	CHECK(fgets(line, sizeof(line), w) != NULL &&
	    strcmp(line, "/u/w/x\n") == 0);
	CHECK_EQ(pclose(w), 0);
}

int
main(void)
{
	char rdy, path[256];
	int ctl[2], st, i;
	pid_t pid;

	REQUIRE(mkdtemp(dir) != NULL);
	REQUIRE(pipe(ctl) == 0);
	signal(SIGPIPE, SIG_IGN);
	pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		close(ctl[0]);
		serve(ctl[1]);
	}
	close(ctl[1]);
	REQUIRE(read(ctl[0], &rdy, 1) == 1);
	test_libxenstore();
	test_utils();
	/* Closing our end tells the server to stop. */
	close(ctl[0]);
	REQUIRE(waitpid(pid, &st, 0) == pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	for (i = 0; i < NDOM; i++) {
		sock_path(path, sizeof(path), (unsigned)i);
		unlink(path);
	}
	rmdir(dir);
	return (check_exit());
}
