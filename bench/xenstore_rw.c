/*
 * xenstore_rw: xenstore reads and writes per second through Debian's
 * unmodified libxenstore against gntboxd, against a Unix-socket echo of
 * the same message sizes, measured in the same run.
 *
 *	xenstore_rw [-n OPS] [-r REPEATS] [-s VALUE_BYTES] [-o PREFIX]
 *
 * It starts its own gntboxd (on $GNTBOX_DIR, from $GNTBOX_BUILD as the
 * tests do) and talks to domain 0's store through XENSTORED_PATH.
 *
 * read:  xs_read() of one node holding VALUE_BYTES (default 16).
 * write: xs_write() of VALUE_BYTES to that node.
 * echo_read, echo_write: the baseline.  A forked process on the other end
 * of an AF_UNIX stream socket reads each request (header, then payload)
 * and answers with a message of the size gntboxd's reply has (xs_wire.h:
 * a 16-byte header and the value, or "OK"); the client sends each request
 * with one sendmsg() and reads the header then the payload, as
 * libxenstore does.  What is left between the two is gntboxd: its event
 * loop and the store.
 *
 * Each repetition times OPS operations of each kind, in an order that
 * rotates, after a warm-up, and records operations per second.  The
 * samples go to PREFIX.read, PREFIX.write, PREFIX.echo_read and
 * PREFIX.echo_write, one number per line, and PREFIX.pairs names the
 * comparisons for bench/run.sh (which runs ministat on them).  stdout
 * gets the median and the interquartile range of each, and the ratio of
 * the medians.
 */
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include <errno.h>
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
#include "daemon.h"
#include "samples.h"

#define WARMUP	  500
#define PATH	  "/bench/node"
#define NKINDS	  4
#define VALUE_MAX 2048

enum kind {
	K_ECHO_READ,
	K_READ,
	K_ECHO_WRITE,
	K_WRITE,
};

static const char *const kind_name[NKINDS] = { "echo_read", "read",
	"echo_write", "write" };

static char value[VALUE_MAX];
static size_t vlen = 16;

static void
die(const char *what)
{

	fprintf(stderr, "xenstore_rw: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* Read exactly len bytes; false at end of stream. */
static bool
read_all(int fd, void *buf, size_t len)
{
	char *p = buf;
	ssize_t r;

	while (len > 0) {
		r = read(fd, p, len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			return (false);
		p += r;
		len -= (size_t)r;
	}
	return (true);
}

static void
write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t r;

	while (len > 0) {
		r = send(fd, p, len, MSG_NOSIGNAL);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			die("echo send");
		p += r;
		len -= (size_t)r;
	}
}

/*
 * The echo: for each request, a reply of the size gntboxd's would have
 * (the value for READ, "OK" for WRITE), until the client goes.
 */
static void
echo_serve(int fd)
{
	static char buf[sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX];
	struct xsd_sockmsg h;

	while (read_all(fd, &h, sizeof(h))) {
		if (h.len > XENSTORE_PAYLOAD_MAX || !read_all(fd, buf, h.len))
			_exit(1);
		h.len = h.type == XS_READ ? (uint32_t)vlen : 3;
		memcpy(buf, &h, sizeof(h));
		memcpy(buf + sizeof(h), h.type == XS_READ ? value : "OK",
		    h.len);
		write_all(fd, buf, sizeof(h) + h.len);
	}
	_exit(0);
}

/* One request to the echo, sent and answered as libxenstore does it. */
static void
echo_op(int fd, uint32_t type)
{
	static char reply[XENSTORE_PAYLOAD_MAX];
	struct xsd_sockmsg h = { type, 0, 0, 0 };
	struct iovec iov[3];
	struct msghdr mh;

	iov[0].iov_base = &h;
	iov[0].iov_len = sizeof(h);
	iov[1].iov_base = (void *)(uintptr_t)PATH;
	iov[1].iov_len = sizeof(PATH);
	iov[2].iov_base = value;
	iov[2].iov_len = type == XS_WRITE ? vlen : 0;
	h.len = (uint32_t)(iov[1].iov_len + iov[2].iov_len);
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = iov;
	mh.msg_iovlen = 3;
	if (sendmsg(fd, &mh, MSG_NOSIGNAL) != (ssize_t)(sizeof(h) + h.len))
		die("sendmsg");
	if (!read_all(fd, &h, sizeof(h)) || h.len > sizeof(reply) ||
	    !read_all(fd, reply, h.len))
		die("echo reply");
}

/* OPS operations of one kind (after a warm-up): operations per second. */
static double
run(enum kind k, struct xs_handle *h, int echo, long n)
{
	uint64_t t0 = 0;
	unsigned len;
	char *v;
	long i;

	for (i = -WARMUP; i < n; i++) {
		if (i == 0)
			t0 = samples_now_ns();
		switch (k) {
		case K_ECHO_READ:
			echo_op(echo, XS_READ);
			break;
		case K_ECHO_WRITE:
			echo_op(echo, XS_WRITE);
			break;
		case K_READ:
			if ((v = xs_read(h, XBT_NULL, PATH, &len)) == NULL ||
			    len != vlen)
				die("xs_read");
			free(v);
			break;
		case K_WRITE:
			if (!xs_write(h, XBT_NULL, PATH, value, (unsigned)vlen))
				die("xs_write");
			break;
		}
	}
	return ((double)n * 1e9 / (double)(samples_now_ns() - t0));
}

static void
usage(void)
{

	fprintf(stderr,
	    "usage: xenstore_rw [-n OPS] [-r REPEATS] [-s VALUE_BYTES] "
	    "[-o PREFIX]\n");
	exit(2);
}

/* A decimal option argument in [lo, hi]; a usage error otherwise. */
static long
number(const char *s, long lo, long hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi) {
		fprintf(stderr,
		    "xenstore_rw: '%s' is not a number from %ld to "
		    "%ld\n",
		    s, lo, hi);
		usage();
	}
	return (v);
}

int
main(int argc, char **argv)
{
	const char *prefix = "xenstore_rw";
	char path[GBX_PATH_MAX], log[GBX_PATH_MAX];
	const char *args[] = { "--log", log, NULL };
	double *s[NKINDS], med[NKINDS];
	struct xs_handle *h;
	long n = 5000;
	int r = 20, c, k, j, sv[2], status;
	pid_t daemon, echo;

	while ((c = getopt(argc, argv, "n:r:s:o:")) != -1) {
		if (c == 'n')
			n = number(optarg, 1, LONG_MAX);
		else if (c == 'r')
			r = (int)number(optarg, 3, INT_MAX);
		else if (c == 's')
			vlen = (size_t)number(optarg, 0, VALUE_MAX);
		else if (c == 'o')
			prefix = optarg;
		else
			usage();
	}
	if (optind != argc)
		usage();
	memset(value, 'v', sizeof(value));
	for (k = 0; k < NKINDS; k++)
		if ((s[k] = calloc((size_t)r, sizeof(double))) == NULL)
			die("calloc");

	/* The echo first, so that it holds nothing of the daemon's. */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1)
		die("socketpair");
	if ((echo = fork()) == -1)
		die("fork");
	if (echo == 0) {
		close(sv[0]);
		echo_serve(sv[1]);
	}
	close(sv[1]);
	/* Its log goes to a file, not into the report. */
	if (gbx_path_file(log, sizeof(log), "gntboxd.log") != 0 ||
	    (daemon = td_start(args)) == -1)
		return (1);
	if (gbx_path_xenstore(path, sizeof(path), 0) != 0 ||
	    setenv("XENSTORED_PATH", path, 1) == -1 ||
	    (h = xs_open(0)) == NULL ||
	    !xs_write(h, XBT_NULL, PATH, value, (unsigned)vlen)) {
		fprintf(stderr,
		    "xenstore_rw: gntboxd's store does not "
		    "answer\n");
		(void)td_stop(daemon);
		return (1);
	}

	for (j = 0; j < r; j++)
		for (k = 0; k < NKINDS; k++) {
			/* Rotate, so that no kind always goes first. */
			int kk = (k + j) % NKINDS;

			s[kk][j] = run((enum kind)kk, h, sv[0], n);
		}

	xs_close(h);
	close(sv[0]);
	if (waitpid(echo, &status, 0) != echo || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0) {
		fprintf(stderr, "xenstore_rw: the echo process failed\n");
		(void)td_stop(daemon);
		return (1);
	}
	if (td_stop(daemon) != 0) {
		fprintf(stderr, "xenstore_rw: gntboxd did not exit cleanly\n");
		return (1);
	}
	printf("xenstore_rw: %d repetitions of %ld operations, %zu-byte "
	       "values, operations per second\n",
	    r, n, vlen);
	for (k = 0; k < NKINDS; k++)
		med[k] = samples_report(prefix, kind_name[k], s[k], r, "ops/s");
	printf("ratio read/echo_read (medians): %.3f\n",
	    med[K_READ] / med[K_ECHO_READ]);
	printf("ratio write/echo_write (medians): %.3f\n",
	    med[K_WRITE] / med[K_ECHO_WRITE]);
	samples_pairs(prefix, "echo_read read\necho_write write\n");
	for (k = 0; k < NKINDS; k++)
		free(s[k]);
	return (0);
}
