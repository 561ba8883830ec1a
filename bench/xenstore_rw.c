/*
 * xenstore_rw: xenstore reads and writes per second through Debian's
 * unmodified libxenstore against gntboxd, against the same libxenstore
 * talking to a trivial server, measured in the same run.
 *
 *	xenstore_rw [-n OPS] [-r REPEATS] [-s VALUE_BYTES] [-o PREFIX]
 *
 * The trivial server is the floor of the same work: one process, one
 * epoll loop, as gntboxd, answering the same xs_wire.h messages on a
 * Unix socket (a READ with a value of VALUE_BYTES, anything else with
 * "OK") with no store behind them.  libxenstore is pointed at either
 * with XENSTORED_PATH, so the client's side (its system calls, its
 * copies, its locking) is the same code in both: what is left between
 * the two is gntboxd's store.
 *
 *	read, trivial_read	xs_read() of a node holding VALUE_BYTES
 *	write, trivial_write	xs_write() of VALUE_BYTES to it
 *	read4, trivial_read4	four client processes reading at once
 *				(operations per second of all four)
 *	read_big		xs_read() of a node among 100,000 siblings,
 *				from a second gntboxd whose store holds them
 *				(against read, from a store of a few nodes)
 *
 * Everything runs on one CPU (the program pins itself to CPU 0 before it
 * starts the servers, which inherit it, as `taskset -c 0` would).
 * libxenstore writes a request in several write() calls, so unpinned,
 * on a machine of two CPUs, each run lands in one of two modes a factor
 * of five apart: a server on the other CPU wakes for each part, a server
 * on the same CPU reads the whole request at once.  Which one is luck of
 * placement, not the store; on one CPU the figure is the work.
 *
 * Each repetition times OPS operations of each kind, in an order that
 * rotates, after a warm-up, and records operations per second.  Samples
 * go to PREFIX.KIND, PREFIX.pairs names the comparisons.
 */
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xen/io/xs_wire.h>
#include <xenstore.h>

#include "base/paths.h"
#include "benchproc.h"
#include "daemon.h"
#include "samples.h"
#include "xswire.h"

#define WARMUP	  500
#define PATH	  "/bench/node"
#define BIGDIR	  "/bench/big"
#define NBIG	  100000u
#define VALUE_MAX 2048
#define NCLIENTS  4
#define MAXCONNS  16
#define DEPTH	  64 /* writes in flight while the big store is built */

enum kind {
	K_READ,
	K_TRIVIAL_READ,
	K_WRITE,
	K_TRIVIAL_WRITE,
	K_READ4,
	K_TRIVIAL_READ4,
	K_READ_BIG,
	NKINDS
};

static const char *const kind_name[NKINDS] = { "read", "trivial_read", "write",
	"trivial_write", "read4", "trivial_read4", "read_big" };

static char value[VALUE_MAX];
static size_t vlen = 16;

static void
die(const char *what)
{

	fprintf(stderr, "xenstore_rw: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* ------------------------------------------------------------------ */
/* The trivial server.                                                   */

struct tconn {
	int fd;
	size_t have;
	char buf[sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX];
};

/* Answer every whole message in c's buffer; false when c must go. */
static bool
trivial_answer(struct tconn *c)
{
	char out[sizeof(struct xsd_sockmsg) + VALUE_MAX];
	struct xsd_sockmsg h;
	size_t whole;

	while (c->have >= sizeof(h)) {
		memcpy(&h, c->buf, sizeof(h));
		if (h.len > XENSTORE_PAYLOAD_MAX)
			return (false);
		whole = sizeof(h) + h.len;
		if (c->have < whole)
			break;
		h.len = h.type == XS_READ ? (uint32_t)vlen : 3;
		memcpy(out, &h, sizeof(h));
		memcpy(out + sizeof(h), h.type == XS_READ ? value : "OK",
		    h.len);
		if (send(c->fd, out, sizeof(h) + h.len, MSG_NOSIGNAL) !=
		    (ssize_t)(sizeof(h) + h.len))
			return (false);
		memmove(c->buf, c->buf + whole, c->have - whole);
		c->have -= whole;
	}
	return (true);
}

/*
 * One epoll loop, as gntboxd's: accept, read what is there until
 * EAGAIN, answer whole messages.  Exits when told on stop.
 */
static void
trivial_serve(int lfd, int stop)
{
	static struct tconn conns[MAXCONNS];
	struct epoll_event ev, evs[MAXCONNS];
	struct tconn *c;
	int ep, n, i, fd;
	ssize_t r;

	if ((ep = epoll_create1(0)) == -1)
		_exit(1);
	for (i = 0; i < MAXCONNS; i++)
		conns[i].fd = -1;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.ptr = NULL;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev) != 0)
		_exit(1);
	ev.data.ptr = &ev; /* the stop pipe */
	if (epoll_ctl(ep, EPOLL_CTL_ADD, stop, &ev) != 0)
		_exit(1);
	for (;;) {
		if ((n = epoll_wait(ep, evs, MAXCONNS, -1)) == -1) {
			if (errno == EINTR)
				continue;
			_exit(1);
		}
		for (i = 0; i < n; i++) {
			if (evs[i].data.ptr == &ev)
				_exit(0);
			if (evs[i].data.ptr == NULL) {
				fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK);
				for (c = conns;
				     fd != -1 && c < conns + MAXCONNS; c++)
					if (c->fd == -1)
						break;
				if (fd == -1 || c == conns + MAXCONNS)
					_exit(1);
				c->fd = fd;
				c->have = 0;
				ev.data.ptr = c;
				if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0)
					_exit(1);
				ev.data.ptr = &ev;
				continue;
			}
			c = evs[i].data.ptr;
			while ((r = read(c->fd, c->buf + c->have,
				    sizeof(c->buf) - c->have)) > 0) {
				c->have += (size_t)r;
				if (!trivial_answer(c))
					break;
			}
			if (r == 0 || (r == -1 && errno != EAGAIN)) {
				(void)close(c->fd);
				c->fd = -1;
			}
		}
	}
}

/* Start the trivial server on a socket at path; *stop ends it. */
static pid_t
trivial_start(const char *path, int *stop)
{
	struct sockaddr_un sa;
	int lfd, p[2];
	pid_t pid;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path))
		die("socket path too long");
	strcpy(sa.sun_path, path);
	(void)unlink(path);
	if ((lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    listen(lfd, 16) != 0 || pipe2(p, O_CLOEXEC) != 0)
		die("trivial server socket");
	fflush(NULL);
	if ((pid = fork()) == -1)
		die("fork");
	if (pid == 0) {
		(void)close(p[1]);
		trivial_serve(lfd, p[0]);
	}
	(void)close(lfd);
	(void)close(p[0]);
	*stop = p[1];
	return (pid);
}

/* ------------------------------------------------------------------ */
/* The clients.                                                          */

/* n operations of one kind on h (after a warm-up): operations/s. */
static double
run(struct xs_handle *h, bool write, const char *path, long n)
{
	uint64_t t0 = 0;
	unsigned len;
	char *v;
	long i;

	for (i = -WARMUP; i < n; i++) {
		if (i == 0)
			t0 = samples_now_ns();
		if (write) {
			if (!xs_write(h, XBT_NULL, path, value, (unsigned)vlen))
				die("xs_write");
		} else {
			if ((v = xs_read(h, XBT_NULL, path, &len)) == NULL ||
			    len != vlen)
				die("xs_read");
			free(v);
		}
	}
	return ((double)n * 1e9 / (double)(samples_now_ns() - t0));
}

/* Open libxenstore on the socket at path. */
static struct xs_handle *
open_at(const char *path)
{
	struct xs_handle *h;

	if (setenv("XENSTORED_PATH", path, 1) != 0 || (h = xs_open(0)) == NULL)
		die(path);
	return (h);
}

/*
 * NCLIENTS processes reading at once, each its own connection: the
 * operations per second of all of them, from the first start to the last
 * end.
 */
static double
run4(const char *path, long n)
{
	uint64_t t[2], lo, hi;
	struct xs_handle *h;
	int p[2], go[2], i;
	pid_t pid[NCLIENTS];
	char c;

	if (pipe(p) != 0 || pipe(go) != 0)
		die("pipe");
	fflush(NULL);
	for (i = 0; i < NCLIENTS; i++) {
		if ((pid[i] = fork()) == -1)
			die("fork");
		if (pid[i] == 0) {
			h = open_at(path);
			(void)close(go[1]);
			if (read(go[0], &c, 1) != 0)
				_exit(1);
			t[0] = samples_now_ns();
			(void)run(h, false, PATH, n);
			t[1] = samples_now_ns();
			xs_close(h);
			_exit(write(p[1], t, sizeof(t)) == sizeof(t) ? 0 : 1);
		}
	}
	(void)close(p[1]);
	(void)close(go[0]);
	(void)close(go[1]); /* everyone starts */
	lo = UINT64_MAX;
	hi = 0;
	for (i = 0; i < NCLIENTS; i++) {
		if (read(p[0], t, sizeof(t)) != sizeof(t))
			die("a reader failed");
		lo = t[0] < lo ? t[0] : lo;
		hi = t[1] > hi ? t[1] : hi;
	}
	(void)close(p[0]);
	for (i = 0; i < NCLIENTS; i++)
		(void)waitpid(pid[i], NULL, 0);
	return ((double)n * NCLIENTS * 1e9 / (double)(hi - lo));
}

/* ------------------------------------------------------------------ */

/* Write NBIG nodes under BIGDIR, DEPTH requests in flight. */
static void
build_big(void)
{
	char req[64 + VALUE_MAX];
	uint32_t sent, done;
	struct xw_msg *m;
	size_t len;
	int fd;

	if ((m = malloc(sizeof(*m))) == NULL || (fd = xw_connect(0)) == -1)
		die("connecting to the big store");
	for (sent = done = 0; done < NBIG;) {
		while (sent < NBIG && sent - done < DEPTH) {
			len =
			    (size_t)snprintf(req, 64, "%s/n%u", BIGDIR, sent) +
			    1;
			memcpy(req + len, value, vlen);
			if (xw_send(fd, XS_WRITE, sent, 0, req, len + vlen) !=
			    0)
				die("building the big store");
			sent++;
		}
		if (xw_recv(fd, m, XW_TIMEOUT_MS) != 0 || m->h.type != XS_WRITE)
			die("building the big store");
		done++;
	}
	(void)close(fd);
	free(m);
}

/* A gntboxd on its own directory dir, with a node at PATH. */
static pid_t
daemon_at(const char *dir, char *xspath, size_t cap)
{
	char log[GBX_PATH_MAX];
	const char *args[] = { "--log", log, NULL };
	struct xs_handle *h;
	pid_t pid;

	if (setenv("GNTBOX_DIR", dir, 1) != 0 ||
	    gbx_path_file(log, sizeof(log), "gntboxd.log") != 0 ||
	    (pid = td_start(args)) == -1 ||
	    gbx_path_xenstore(xspath, cap, 0) != 0)
		die("starting gntboxd");
	h = open_at(xspath);
	if (!xs_write(h, XBT_NULL, PATH, value, (unsigned)vlen))
		die("gntboxd's store does not answer");
	xs_close(h);
	return (pid);
}

static void
usage(void)
{

	fprintf(stderr,
	    "usage: xenstore_rw [-n OPS] [-r REPEATS >= 3] "
	    "[-s VALUE_BYTES] [-o PREFIX]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	const char *prefix = "xenstore_rw";
	char dir[2][GBX_PATH_MAX], xs[2][GBX_PATH_MAX], tpath[GBX_PATH_MAX];
	char bigpath[64];
	double *s[NKINDS], med[NKINDS];
	struct xs_handle *h[3];
	const char *base;
	long n = 5000, v;
	int r = 20, c, k, kk, j, stop;
	pid_t daemon[2], trivial;
	bool ok;

	while ((c = getopt(argc, argv, "n:r:s:o:")) != -1) {
		if (c == 'n' && (n = samples_count(optarg, LONG_MAX)) == 0)
			usage();
		else if (c == 'r' &&
		    (r = (int)samples_count(optarg, 100000)) < 3)
			usage();
		else if (c == 's') {
			v = strcmp(optarg, "0") == 0 ?
			    0 :
			    samples_count(optarg, VALUE_MAX);
			if (v == 0 && strcmp(optarg, "0") != 0)
				usage();
			vlen = (size_t)v;
		} else if (c == 'o')
			prefix = optarg;
		else if (c != 'n' && c != 'r')
			usage();
	}
	if (optind != argc)
		usage();
	memset(value, 'v', sizeof(value));
	bp_pin(0);
	for (k = 0; k < NKINDS; k++)
		if ((s[k] = calloc((size_t)r, sizeof(double))) == NULL)
			die("calloc");
	/* Two gntboxd, a small store and a big one, and the trivial server. */
	if ((base = getenv("GNTBOX_DIR")) == NULL || *base == '\0')
		base = "/tmp";
	for (k = 0; k < 2; k++) {
		(void)snprintf(dir[k], sizeof(dir[k]), "%s/%s", base,
		    k == 0 ? "small" : "big");
		daemon[k] = daemon_at(dir[k], xs[k], sizeof(xs[k]));
	}
	build_big();
	(void)snprintf(bigpath, sizeof(bigpath), "%s/n%u", BIGDIR, NBIG / 2);
	h[2] = open_at(xs[1]);
	if (!xs_write(h[2], XBT_NULL, bigpath, value, (unsigned)vlen))
		die("the big store");
	(void)snprintf(tpath, sizeof(tpath), "%s/trivial.sock", base);
	trivial = trivial_start(tpath, &stop);
	h[0] = open_at(xs[0]);
	h[1] = open_at(tpath);

	for (j = 0; j < r; j++)
		for (k = 0; k < NKINDS; k++) {
			/* Rotate, so that no kind always goes first. */
			kk = (k + j) % NKINDS;
			switch (kk) {
			case K_READ:
			case K_TRIVIAL_READ:
			case K_WRITE:
			case K_TRIVIAL_WRITE:
				s[kk][j] =
				    run(h[kk % 2], kk >= K_WRITE, PATH, n);
				break;
			case K_READ4:
				s[kk][j] = run4(xs[0], n);
				break;
			case K_TRIVIAL_READ4:
				s[kk][j] = run4(tpath, n);
				break;
			default:
				s[kk][j] = run(h[2], false, bigpath, n);
				break;
			}
		}

	for (k = 0; k < 3; k++)
		xs_close(h[k]);
	(void)close(stop);
	ok = waitpid(trivial, &c, 0) == trivial && WIFEXITED(c) &&
	    WEXITSTATUS(c) == 0;
	for (k = 0; k < 2; k++)
		ok = setenv("GNTBOX_DIR", dir[k], 1) == 0 &&
		    td_stop(daemon[k]) == 0 && ok;
	if (!ok) {
		fprintf(stderr, "xenstore_rw: a server did not exit cleanly\n");
		return (1);
	}
	printf("xenstore_rw: %d repetitions of %ld operations, %zu-byte "
	       "values, operations per second\n",
	    r, n, vlen);
	for (k = 0; k < NKINDS; k++)
		med[k] = samples_report(prefix, kind_name[k], s[k], r, "ops/s");
	printf("ratio read/trivial_read (medians): %.3f\n",
	    med[K_READ] / med[K_TRIVIAL_READ]);
	printf("ratio write/trivial_write (medians): %.3f\n",
	    med[K_WRITE] / med[K_TRIVIAL_WRITE]);
	printf("ratio read4/trivial_read4 (medians): %.3f\n",
	    med[K_READ4] / med[K_TRIVIAL_READ4]);
	printf("ratio read_big/read (medians): %.3f\n",
	    med[K_READ_BIG] / med[K_READ]);
	samples_pairs(prefix,
	    "trivial_read read ops/s xs_read through libxenstore, 1 client\n"
	    "trivial_write write ops/s xs_write through libxenstore, 1 client\n"
	    "trivial_read4 read4 ops/s xs_read through libxenstore, 4 clients "
	    "at "
	    "once\n"
	    "read read_big ops/s xs_read among 100,000 siblings, against a "
	    "store "
	    "of a few nodes\n");
	for (k = 0; k < NKINDS; k++)
		free(s[k]);
	return (0);
}
