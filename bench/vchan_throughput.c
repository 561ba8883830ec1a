/*
 * vchan_throughput: a stream through Debian's unmodified libxenvchan
 * between two domains, against a socketpair between two processes and
 * against memcpy through a ring of the same size, at ring sizes from
 * 1 KiB to 1 MiB, measured in the same run.
 *
 *	vchan_throughput [-r REPEATS] [-m MIB] [-o PREFIX]
 *
 * vchan: a server in domain 1 and a client in domain 2, each under
 * `gntbox run` (the preload library, gntboxd's xenstore), with rings of
 * the size measured (libxenvchan_server_init's minimums; 1 KiB is the
 * ring inside the shared page).  The client writes MIB MiB in writes of
 * 64 KiB (libxenvchan_write, blocking), the server reads them
 * (libxenvchan_read, blocking) and answers one byte at the end; the
 * client times from its first write to that byte.
 *
 * socket: the same between two plain processes over an AF_UNIX
 * SOCK_STREAM socketpair as the kernel makes it (its default buffers),
 * with the same 64 KiB writes and reads: what a program would use
 * instead of a vchan.  It does not depend on the ring size; it is
 * measured beside each for the interleaving.
 *
 * memcpy: one thread moves the same bytes through a ring buffer of the
 * ring size, from and to 64 KiB buffers as the two sides of a vchan do,
 * a ring's worth at a time: a copy in and a copy out per byte, with no
 * waiting and no second CPU.
 *
 * Issue 14's targets (reached through the event path, issue 14 item 1):
 * 64 KiB rings at 0.6 of the socketpair, 1 MiB rings at 0.7 of memcpy.
 * Qubes' vchan-socket is not in Debian; docs/performance.md cites its
 * measured figures.
 *
 * Samples (MiB/s, one per repetition, variants interleaved) go to
 * PREFIX.vchanS, PREFIX.socketS and PREFIX.memcpyS (S: 1k ... 1m),
 * PREFIX.pairs names the comparisons, and PREFIX.rings.dat / .gp plot
 * throughput against ring size.
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <libxenvchan.h>

#include "benchproc.h"
#include "daemon.h"
#include "gntbox.h"
#include "samples.h"

#define CHUNK  65536
#define NSIZES 6
#define PATH   "/local/domain/1/data/vchan/bench"

static const size_t ring_size[NSIZES] = { 1024, 4096, 16384, 65536, 262144,
	1048576 };
static const char *const size_name[NSIZES] = { "1k", "4k", "16k", "64k", "256k",
	"1m" };

enum kind {
	VCHAN,
	SOCKET,
	MEMCPY,
	NKINDS
};

static const char *const kind_name[NKINDS] = { "vchan", "socket", "memcpy" };

/* An order from the harness to a vchan side. */
struct order {
	uint32_t op; /* OP_* */
	uint32_t size;
	uint64_t total;
};

enum {
	OP_OPEN,  /* set up a vchan with rings of size */
	OP_RUN,	  /* move total bytes (the client answers the nanoseconds) */
	OP_CLOSE, /* close it */
	OP_EXIT,
};

static char chunk[CHUNK];

static void
die(const char *what)
{

	fprintf(stderr, "vchan_throughput: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void
put(int fd, const void *buf, size_t len)
{

	if (write(fd, buf, len) != (ssize_t)len)
		die("pipe write");
}

static void
get(int fd, void *buf, size_t len)
{

	if (read(fd, buf, len) != (ssize_t)len)
		die("pipe read");
}

/* ------------------------------------------------------------------ */
/* The vchan sides.                                                      */

/* The server (domain 1): read total bytes, answer one. */
static void
vchan_drain(struct libxenvchan *v, uint64_t total)
{
	uint64_t got;
	int r;

	for (got = 0; got < total; got += (uint64_t)r)
		if ((r = libxenvchan_read(v, chunk, CHUNK)) <= 0)
			die("libxenvchan_read");
	if (libxenvchan_write(v, "k", 1) != 1)
		die("libxenvchan_write");
}

/* The client (domain 2): write total bytes, wait for the answer. */
static uint64_t
vchan_fill(struct libxenvchan *v, uint64_t total)
{
	uint64_t put_, t0;
	size_t n;
	char k;

	t0 = samples_now_ns();
	for (put_ = 0; put_ < total; put_ += n) {
		n = total - put_ < CHUNK ? (size_t)(total - put_) : CHUNK;
		if (libxenvchan_write(v, chunk, n) != (int)n)
			die("libxenvchan_write");
	}
	if (libxenvchan_recv(v, &k, 1) != 1)
		die("libxenvchan_recv");
	return (samples_now_ns() - t0);
}

/* A vchan side: follow the harness's orders on in, answer on out. */
static int
vchan_side(bool server, int in, int out)
{
	struct libxenvchan *v;
	struct order o;
	uint64_t ns;

	v = NULL;
	for (;;) {
		get(in, &o, sizeof(o));
		switch (o.op) {
		case OP_OPEN:
			v = server ? libxenvchan_server_init(NULL, 2, PATH,
					 o.size, o.size) :
				     libxenvchan_client_init(NULL, 1, PATH);
			if (v == NULL)
				die("libxenvchan init");
			v->blocking = 1;
			ns = 0;
			put(out, &ns, sizeof(ns));
			break;
		case OP_RUN:
			if (server)
				vchan_drain(v, o.total);
			else {
				ns = vchan_fill(v, o.total);
				put(out, &ns, sizeof(ns));
			}
			break;
		case OP_CLOSE:
			libxenvchan_close(v);
			v = NULL;
			ns = 0;
			put(out, &ns, sizeof(ns));
			break;
		default:
			return (0);
		}
	}
}

/* ------------------------------------------------------------------ */
/* The floors.                                                           */

/*
 * socketpair: a forked reader, timed by the writer until its answer.
 * (The ring size has no part in it.)
 */
static uint64_t
socket_run(size_t size, uint64_t total)
{
	uint64_t t0, put_, got;
	size_t n;
	ssize_t r;
	pid_t pid;
	int sv[2];
	char k;

	(void)size;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
		die("socketpair");
	n = CHUNK;
	if ((pid = fork()) == -1)
		die("fork");
	if (pid == 0) {
		(void)close(sv[0]);
		for (got = 0; got < total; got += (uint64_t)r)
			if ((r = read(sv[1], chunk, n)) <= 0)
				_exit(1);
		_exit(write(sv[1], "k", 1) == 1 ? 0 : 1);
	}
	(void)close(sv[1]);
	t0 = samples_now_ns();
	for (put_ = 0; put_ < total; put_ += (uint64_t)r)
		if ((r = write(sv[0], chunk,
			 total - put_ < n ? (size_t)(total - put_) : n)) <= 0)
			die("socket write");
	if (read(sv[0], &k, 1) != 1)
		die("socket answer");
	t0 = samples_now_ns() - t0;
	(void)close(sv[0]);
	if (!bp_wait(pid))
		die("socket reader");
	return (t0);
}

/*
 * memcpy through a ring of size: fill it from 64 KiB buffers, then empty
 * it into one, a ring's worth at a time.
 */
static uint64_t
memcpy_run(char *ring, char *dst, size_t size, uint64_t total)
{
	uint64_t t0, moved;
	size_t n, i, k;

	t0 = samples_now_ns();
	for (moved = 0; moved < total; moved += n) {
		n = total - moved < size ? (size_t)(total - moved) : size;
		for (i = 0; i < n; i += k) {
			k = n - i < CHUNK ? n - i : CHUNK;
			memcpy(ring + i, chunk, k);
		}
		for (i = 0; i < n; i += k) {
			k = n - i < CHUNK ? n - i : CHUNK;
			memcpy(dst, ring + i, k);
		}
		/* The copies are the point: keep the compiler from eliding. */
		__asm__ __volatile__("" : : "r"(dst), "r"(ring) : "memory");
	}
	return (samples_now_ns() - t0);
}

/* ------------------------------------------------------------------ */

struct sides {
	int to[2];   /* orders: [0] server, [1] client */
	int from[2]; /* answers */
};

static uint64_t
order(struct sides *s, int side, uint32_t op, size_t size, uint64_t total)
{
	struct order o;
	uint64_t ns;

	memset(&o, 0, sizeof(o));
	o.op = op;
	o.size = (uint32_t)size;
	o.total = total;
	put(s->to[side], &o, sizeof(o));
	ns = 0;
	if (op != OP_EXIT && (op != OP_RUN || side == 1))
		get(s->from[side], &ns, sizeof(ns));
	return (ns);
}

static void
measure(struct sides *s, const char *prefix, int r, uint64_t mib)
{
	static const char *const cols[] = { "vchan (libxenvchan, 2 domains)",
		"socketpair (default buffers)",
		"memcpy through the ring (1 thread, 2 copies)" };
	double *smp[NSIZES][NKINDS], med[NSIZES][NKINDS];
	char name[32], *pairs, *ring, *dst;
	uint64_t total, ns;
	int i, k, j, kk;
	size_t len;
	FILE *f;

	if ((ring = malloc(ring_size[NSIZES - 1])) == NULL ||
	    (dst = malloc(CHUNK)) == NULL || (pairs = malloc(4096)) == NULL)
		die("malloc");
	memset(ring, 1, ring_size[NSIZES - 1]);
	memset(dst, 2, CHUNK);
	total = mib << 20;
	for (i = 0; i < NSIZES; i++) {
		for (k = 0; k < NKINDS; k++)
			if ((smp[i][k] = calloc((size_t)r, sizeof(double))) ==
			    NULL)
				die("calloc");
		(void)order(s, 0, OP_OPEN, ring_size[i], 0);
		(void)order(s, 1, OP_OPEN, ring_size[i], 0);
		/* A warm-up of each, then r interleaved repetitions. */
		for (j = -1; j < r; j++)
			for (k = 0; k < NKINDS; k++) {
				kk = (k + (j < 0 ? 0 : j)) % NKINDS;
				if (kk == VCHAN) {
					(void)order(s, 0, OP_RUN, 0, total);
					ns = order(s, 1, OP_RUN, 0, total);
				} else if (kk == SOCKET)
					ns = socket_run(ring_size[i], total);
				else
					ns = memcpy_run(ring, dst, ring_size[i],
					    total);
				if (j >= 0)
					smp[i][kk][j] = (double)total /
					    (1 << 20) / ((double)ns / 1e9);
			}
		(void)order(s, 1, OP_CLOSE, 0, 0);
		(void)order(s, 0, OP_CLOSE, 0, 0);
	}
	printf("vchan_throughput: %d repetitions of %llu MiB each, MiB/s\n", r,
	    (unsigned long long)mib);
	pairs[0] = '\0';
	for (i = 0; i < NSIZES; i++) {
		for (k = 0; k < NKINDS; k++) {
			(void)snprintf(name, sizeof(name), "%s%s", kind_name[k],
			    size_name[i]);
			med[i][k] =
			    samples_report(prefix, name, smp[i][k], r, "MiB/s");
		}
		len = strlen(pairs);
		(void)snprintf(pairs + len, 4096 - len,
		    "socket%s vchan%s MiB/s stream throughput, %s rings, "
		    "against a "
		    "socketpair\nmemcpy%s vchan%s MiB/s stream throughput, %s "
		    "rings, against memcpy through the ring\n",
		    size_name[i], size_name[i], size_name[i], size_name[i],
		    size_name[i], size_name[i]);
		printf("ratio vchan/socket, vchan/memcpy, %s rings (medians): "
		       "%.3f %.3f\n",
		    size_name[i], med[i][VCHAN] / med[i][SOCKET],
		    med[i][VCHAN] / med[i][MEMCPY]);
	}
	samples_pairs(prefix, pairs);
	f = samples_file(prefix, "rings.dat");
	fprintf(f, "# ring KiB, MiB/s (median): vchan socketpair memcpy\n");
	for (i = 0; i < NSIZES; i++)
		fprintf(f, "%zu %.1f %.1f %.1f\n", ring_size[i] / 1024,
		    med[i][VCHAN], med[i][SOCKET], med[i][MEMCPY]);
	samples_close(f, prefix, "rings.dat");
	samples_plot(prefix, "rings",
	    "vchan_throughput: stream throughput against ring size",
	    "ring size (KiB)", "MiB/s", SAMPLES_LOGX | SAMPLES_LOGY, cols,
	    NKINDS);
	for (i = 0; i < NSIZES; i++)
		for (k = 0; k < NKINDS; k++)
			free(smp[i][k]);
	free(ring);
	free(dst);
	free(pairs);
}

int
main(int argc, char **argv)
{
	const char *prefix = "vchan_throughput";
	char in[2][16], out[2][16];
	struct sides s;
	int c, r = 10, i, to[2][2], from[2][2];
	long mib = 32;
	pid_t daemon, pid[2];
	bool ok;

	if (argc == 5 && strcmp(argv[1], "--role") == 0)
		return (vchan_side(strcmp(argv[2], "server") == 0,
		    atoi(argv[3]), atoi(argv[4])));
	while ((c = getopt(argc, argv, "r:m:o:")) != -1) {
		if (c == 'r' && (r = (int)samples_count(optarg, 10000)) == 0)
			break;
		if (c == 'm' && (mib = samples_count(optarg, 4096)) == 0)
			break;
		if (c == 'o')
			prefix = optarg;
		if (c != 'r' && c != 'm' && c != 'o')
			break;
	}
	if (c != -1 || optind != argc || r < 3) {
		fprintf(stderr,
		    "usage: vchan_throughput [-r REPEATS >= 3] "
		    "[-m MIB] [-o PREFIX]\n");
		return (2);
	}
	memset(chunk, 'v', sizeof(chunk));
	daemon = bp_daemon(2);
	for (i = 0; i < 2; i++) {
		if (pipe(to[i]) != 0 || pipe(from[i]) != 0)
			die("pipe");
		(void)snprintf(in[i], sizeof(in[i]), "%d", to[i][0]);
		(void)snprintf(out[i], sizeof(out[i]), "%d", from[i][1]);
		pid[i] = bp_role(i == 0 ? 1 : 2, i == 0 ? "server" : "client",
		    in[i], out[i], NULL);
		(void)close(to[i][0]);
		(void)close(from[i][1]);
		s.to[i] = to[i][1];
		s.from[i] = from[i][0];
	}
	measure(&s, prefix, r, (uint64_t)mib);
	(void)order(&s, 1, OP_EXIT, 0, 0);
	(void)order(&s, 0, OP_EXIT, 0, 0);
	ok = bp_wait(pid[0]);
	ok = bp_wait(pid[1]) && ok;
	if (td_stop(daemon) != 0 || !ok) {
		fprintf(stderr, "vchan_throughput: a vchan side failed\n");
		return (1);
	}
	return (0);
}
