/*
 * Compatibility test: Debian's unmodified vchan-socket-proxy
 * (xen-utils-4.17, unpacked by scripts/install-deps.sh into build/debs),
 * `vchan-socket-proxy [-m server|client] DOMID XS-PATH -`, with its
 * standard input and output on pipes of this harness and, at the other
 * end of the vchan, a role using Debian's libxenvchan.
 *
 * - Server mode (the proxy in domain 1, a libxenvchan client in domain
 *   2) and client mode (the proxy in domain 2, or 0, a libxenvchan server
 *   in domain 1; the proxy's libxenctrl now finds /dev/xen/privcmd), each
 *   way: 64 MiB once, and RUNS runs of 64 KiB, each with a new proxy,
 *   compared by length and FNV-1a checksum, the proxy exiting 0.  A run
 *   that makes no progress for WATCHDOG_MS is a stall.
 * - A client waiting for a server that appears later (its two xenstore
 *   watches are in place first), and a client in domain 0 whose server
 *   domain is destroyed: it exits 1, told by XEN_DOMCTL_getdomaininfo
 *   (ESRCH past the last domain), instead of waiting forever.
 *
 * The proxy's own races, which Xen shows as well (vchan-socket-proxy.c,
 * data_loop()), shape what each run may ask of it:
 *
 * - When its vchan peer closes, it writes out what it has already read
 *   and then discards what is left in the ring (discard_buffers()).  So
 *   a peer that writes and closes at once may lose its last bytes on Xen
 *   too.  The runs have the writing peer wait until the harness has read
 *   everything before it closes; and "write and close" runs check what
 *   the proxy must still deliver: a prefix of the stream, never a wrong
 *   byte, and an exit.
 * - At end of its input, it loops `while (insiz) { vchan_wr();
 *   libxenvchan_wait(); }`: after its last write it waits for one more
 *   event, which a peer that only reads need not send (libxenvchan
 *   notifies a writer only when it asked, on a full ring).  On Xen it
 *   then hangs until the peer closes.  The reading peers here close once
 *   they have read everything, which ends that wait.
 *
 * GNTBOX_VSP_RUNS changes RUNS, GNTBOX_VSP_WATCHDOG_MS the watchdog, and
 * GNTBOX_VSP_MEASURE=1 makes stalls
 * counted (the stalled run is killed, its role started again) instead of
 * failing at the first: `GNTBOX_VSP_MEASURE=1 test_compat_vchan_proxy`
 * prints the stall rate of each kind of run.
 */
#include <sys/prctl.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <libxenvchan.h>
#include <xenstore.h>

#include "check.h"
#include "compat.h"
#include "harness.h"

#define PATH	    "/local/domain/1/data/vsp"
#define PATH3	    "/local/domain/3/data/vsp"
#define BIG	    (64u << 20)
#define SMALL	    (64u << 10)
#define RUNS	    50
#define WATCHDOG_MS 20000 /* GNTBOX_VSP_WATCHDOG_MS changes it */
#define CHUNK	    65536

/* Directions, seen from the proxy's vchan peer. */
#define PEER_WRITES 1 /* peer -> vchan -> proxy -> stdout */
#define PEER_READS  2 /* stdin -> proxy -> vchan -> peer */
#define PEER_QUITS  3 /* the peer writes and closes at once */

/* What the harness asks of a role for one run. */
struct job {
	uint32_t dir;
	uint32_t size;
	uint64_t seed;
	uint32_t ring; /* libxenvchan_server_init's minimum ring sizes */
	uint32_t quit; /* no more runs */
};

/* The proxy under test, on our pipes. */
struct proxy {
	pid_t pid; /* gntbox run */
	int in;	   /* its standard input (ours to write) */
	int out;   /* its standard output (ours to read) */
};

/* A stream of pseudo-random bytes, and a running FNV-1a over bytes. */
struct stream {
	uint64_t x;
	uint64_t fnv;
	uint64_t done;
};

static int measure;
static int watchdog_ms = WATCHDOG_MS;

static void
stream_init(struct stream *s, uint64_t seed)
{

	s->x = seed * 0x9e3779b97f4a7c15ull + 1;
	s->fnv = 0xcbf29ce484222325ull;
	s->done = 0;
}

/* The next n bytes of the stream into buf, and into the checksum. */
static void
stream_next(struct stream *s, uint8_t *buf, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (((s->done + i) & 7) == 0) {
			s->x ^= s->x << 13;
			s->x ^= s->x >> 7;
			s->x ^= s->x << 17;
		}
		buf[i] = (uint8_t)(s->x >> (8 * ((s->done + i) & 7)));
		s->fnv = (s->fnv ^ buf[i]) * 0x100000001b3ull;
	}
	s->done += n;
}

/* Checksum n received bytes, and tell whether they are the stream's. */
static bool
stream_check(struct stream *s, const uint8_t *buf, size_t n)
{
	uint8_t want[CHUNK];
	size_t k;
	bool same;

	same = true;
	while (n > 0) {
		k = n < sizeof(want) ? n : sizeof(want);
		stream_next(s, want, k);
		same = same && memcmp(want, buf, k) == 0;
		buf += k;
		n -= k;
	}
	return (same);
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

/* Wait for events on fd: 1 when they came, 0 after ms without. */
static int
wait_fd(int fd, short events, int ms)
{
	struct pollfd p;
	int n;

	p.fd = fd;
	p.events = events;
	while ((n = poll(&p, 1, ms)) == -1 && errno == EINTR)
		;
	return (n > 0);
}

/* A role's next u64, or false when none came within the watchdog. */
static bool
recv_u64(struct th_chan *ch, int end, uint64_t *v)
{

	if (!wait_fd(ch->fd[end], POLLIN, watchdog_ms))
		return (false);
	*v = th_recv_u64(ch, end);
	return (true);
}

/* ------------------------------------------------------------------ */
/* The roles: the proxy's vchan peers, under gntbox run.               */

/*
 * The next len bytes of the stream, a chunk at a time, to put(ctx, buf,
 * n), which returns how much it took (at least 1), or 0 when it failed.
 */
static bool
stream_put(struct stream *s, uint64_t len,
    size_t (*put)(void *ctx, const uint8_t *buf, size_t n), void *ctx)
{
	uint8_t buf[CHUNK];
	size_t n, done, r;

	while (len > 0) {
		n = len < sizeof(buf) ? (size_t)len : sizeof(buf);
		stream_next(s, buf, n);
		for (done = 0; done < n; done += r)
			if ((r = put(ctx, buf + done, n - done)) == 0)
				return (false);
		len -= n;
	}
	return (true);
}

/* libxenvchan_write, as stream_put's writer (blocking: all or failure). */
static size_t
vchan_put(void *ctx, const uint8_t *buf, size_t n)
{
	int r;

	r = libxenvchan_write(ctx, buf, n);
	return (r > 0 ? (size_t)r : 0);
}

/* Exactly len bytes in, checked against the stream, or false. */
static bool
vchan_recv(struct libxenvchan *v, struct stream *s, uint32_t len)
{
	uint8_t buf[CHUNK];
	bool same;
	int r;

	same = true;
	while (len > 0) {
		r = libxenvchan_read(v, buf,
		    len < sizeof(buf) ? len : sizeof(buf));
		if (r <= 0)
			return (false);
		same = stream_check(s, buf, (size_t)r) && same;
		len -= (uint32_t)r;
	}
	return (same);
}

/*
 * One run of a peer, once connected: write or read the stream, tell the
 * harness its checksum (0 when the vchan failed) and, for a writer, wait
 * until the harness has read it all.
 */
static void
peer_run(struct th_chan *ch, struct libxenvchan *v, const struct job *j)
{
	struct stream s;
	bool ok;

	stream_init(&s, j->seed);
	v->blocking = 1;
	if (j->dir == PEER_READS) {
		ok = vchan_recv(v, &s, j->size);
		th_send_u64(ch, 1, ok ? s.fnv : 0);
		return;
	}
	ok = stream_put(&s, j->size, vchan_put, v);
	th_send_u64(ch, 1, ok ? s.fnv : 0);
	if (j->dir == PEER_WRITES)
		(void)th_recv_u64(ch, 1); /* the harness has it all */
}

/*
 * Domain 2: a libxenvchan client of server-mode proxies, one per run.
 * Like the proxy's own client, it waits for the server's nodes with a
 * xenstore watch, and tries again at each event.
 */
static int
vclient(struct th_chan *ch)
{
	struct libxenvchan *v;
	struct xs_handle *xs;
	unsigned n;
	struct job j;
	char **w;

	REQUIRE((xs = xs_open(0)) != NULL);
	REQUIRE(xs_watch(xs, PATH, "t"));
	for (;;) {
		th_recv(ch, 1, &j, sizeof(j));
		if (j.quit)
			break;
		v = NULL;
		while (v == NULL && (w = xs_read_watch(xs, &n)) != NULL) {
			free(w);
			v = libxenvchan_client_init(NULL, 1, PATH);
		}
		if (v == NULL) {
			check_fail(__FILE__, __LINE__, "no server at %s", PATH);
			return (1);
		}
		peer_run(ch, v, &j);
		libxenvchan_close(v);
		th_send_u64(ch, 1, 1); /* closed */
	}
	xs_close(xs);
	return (0);
}

/* Domain 1: a libxenvchan server for client-mode proxies, one per run. */
static int
vserver(struct th_chan *ch)
{
	struct libxenvchan *v;
	struct job j;
	uint64_t client;

	client = th_recv_u64(ch, 1);
	for (;;) {
		th_recv(ch, 1, &j, sizeof(j));
		if (j.quit)
			break;
		v = libxenvchan_server_init(NULL, (int)client, PATH, j.ring,
		    j.ring);
		REQUIRE(v != NULL);
		th_send_u64(ch, 1, 1); /* ready */
		while (libxenvchan_is_open(v) == 2)
			if (libxenvchan_wait(v) != 0)
				break;
		peer_run(ch, v, &j);
		libxenvchan_close(v);
		th_send_u64(ch, 1, 1); /* closed */
	}
	return (0);
}

/* ------------------------------------------------------------------ */
/* The harness's side.                                                 */

/* Start `gntbox run --dom dom -- vchan-socket-proxy -m mode peer path -`. */
static void
proxy_start(struct proxy *p, unsigned dom, const char *mode, unsigned peer,
    const char *path, int errfd)
{
	char gntbox[PATH_MAX], vsp[PATH_MAX], d[16], pd[16];
	int in[2], out[2];

	(void)snprintf(gntbox, sizeof(gntbox), "%s/bin/gntbox",
	    getenv("GNTBOX_BUILD"));
	(void)snprintf(vsp, sizeof(vsp),
	    "%s/build/debs/xen-utils-4.17/usr/lib/xen-4.17/bin/"
	    "vchan-socket-proxy",
	    getenv("GNTBOX_TOP"));
	REQUIRE(access(vsp, X_OK) == 0);
	(void)snprintf(d, sizeof(d), "%u", dom);
	(void)snprintf(pd, sizeof(pd), "%u", peer);
	REQUIRE(pipe2(in, O_CLOEXEC) == 0 && pipe2(out, O_CLOEXEC) == 0);
	fflush(NULL);
	REQUIRE((p->pid = fork()) != -1);
	if (p->pid == 0) {
		(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (dup2(in[0], 0) == -1 || dup2(out[1], 1) == -1 ||
		    (errfd != -1 && dup2(errfd, 2) == -1))
			_exit(126);
		execl(gntbox, gntbox, "run", "--dom", d, "--", vsp, "-m", mode,
		    pd, path, "-", (char *)NULL);
		_exit(127);
	}
	(void)close(in[0]);
	(void)close(out[1]);
	p->in = in[1];
	p->out = out[0];
	(void)fcntl(p->in, F_SETFL, O_NONBLOCK);
	(void)fcntl(p->out, F_SETFL, O_NONBLOCK);
}

/*
 * Wait for the proxy to exit: its status (128 + a signal), or -1 when it
 * did not within the watchdog (it is killed then).
 */
static int
proxy_wait(struct proxy *p)
{
	uint64_t until;
	int st;

	until = now_ms() + (uint64_t)watchdog_ms;
	while (waitpid(p->pid, &st, WNOHANG) != p->pid) {
		if (now_ms() > until) {
			(void)kill(p->pid, SIGTERM);
			(void)usleep(100000);
			(void)kill(p->pid, SIGKILL);
			(void)waitpid(p->pid, &st, 0);
			st = -1;
			break;
		}
		(void)usleep(2000);
	}
	if (p->in != -1)
		(void)close(p->in);
	(void)close(p->out);
	if (st == -1)
		return (-1);
	return (WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st));
}

/*
 * Read the proxy's output: exactly len bytes (upto_eof: until its end,
 * at most len), checked against the stream.  Returns the bytes read, and
 * sets *same; *stalled when nothing came within the watchdog.
 */
static uint64_t
proxy_read(struct proxy *p, struct stream *s, uint64_t len, bool upto_eof,
    bool *same, bool *stalled)
{
	uint8_t buf[CHUNK];
	uint64_t got;
	ssize_t r;

	*same = true;
	*stalled = false;
	for (got = 0; got < len || upto_eof;) {
		if (!wait_fd(p->out, POLLIN, watchdog_ms)) {
			*stalled = true;
			break;
		}
		r = read(p->out, buf,
		    len - got < sizeof(buf) ? (size_t)(len - got) :
					      sizeof(buf));
		if (r == -1 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (r <= 0)
			break;
		*same = stream_check(s, buf, (size_t)r) && *same;
		got += (uint64_t)r;
		if (got == len && upto_eof)
			len++; /* one more read must see the end */
	}
	return (got);
}

/* write to the proxy's input, as stream_put's writer, with the watchdog. */
static size_t
pipe_put(void *ctx, const uint8_t *buf, size_t n)
{
	struct proxy *p = ctx;
	ssize_t r;

	for (;;) {
		if (!wait_fd(p->in, POLLOUT, watchdog_ms))
			return (0);
		r = write(p->in, buf, n);
		if (r > 0)
			return ((size_t)r);
		if (r == 0 || (errno != EAGAIN && errno != EINTR))
			return (0);
	}
}

/* Write len bytes of the stream to the proxy's input, then close it. */
static bool
proxy_write(struct proxy *p, struct stream *s, uint64_t len)
{

	if (!stream_put(s, len, pipe_put, p))
		return (false);
	(void)close(p->in);
	p->in = -1;
	return (true);
}

/* The kinds of run, and what the measurement counts. */
struct kind {
	const char *name;
	int server_mode; /* the proxy is the vchan server */
	uint32_t dir;
	unsigned runs;
	unsigned stalls;
	unsigned short_reads; /* PEER_QUITS: runs that lost a tail */
};

/* The role of a kind: its process, restarted after a stall. */
struct peer {
	struct tc_proc proc;
	bool up;
	int proxy_dom; /* client mode: the proxy's domain */
};

static void
peer_start(struct peer *pr, int server_mode)
{

	if (server_mode)
		tc_run(&pr->proc, 2, "vclient");
	else {
		tc_run(&pr->proc, 1, "vserver");
		th_send_u64(&pr->proc.ch, 0, (uint64_t)pr->proxy_dom);
	}
	pr->up = true;
}

static void
peer_stop(struct peer *pr)
{
	struct job j;

	if (!pr->up)
		return;
	memset(&j, 0, sizeof(j));
	j.quit = 1;
	th_send(&pr->proc.ch, 0, &j, sizeof(j));
	CHECK_EQ(tc_wait(&pr->proc), 0);
	pr->up = false;
}

/*
 * A killed server-mode proxy leaves its vchan's nodes in xenstore: what
 * remains after a stall goes (`gntbox xs --dom 1 rm`), so that the stall
 * is the only failure reported.
 */
static void
xs_forget(void)
{
	char gntbox[PATH_MAX];
	pid_t pid;

	(void)snprintf(gntbox, sizeof(gntbox), "%s/bin/gntbox",
	    getenv("GNTBOX_BUILD"));
	fflush(NULL);
	REQUIRE((pid = fork()) != -1);
	if (pid == 0) {
		execl(gntbox, gntbox, "xs", "--dom", "1", "rm", PATH,
		    (char *)NULL);
		_exit(127);
	}
	(void)th_wait(pid);
}

/*
 * One run of kind k: a new proxy, the job sent to the peer, the data
 * moved and checked, the proxy's exit.  Returns false on a stall (the
 * peer is then killed, and everything cleaned up for the next run).
 */
static bool
one_run(struct kind *k, struct peer *pr, uint32_t size, uint64_t seed,
    uint32_t ring)
{
	struct proxy p;
	struct stream s;
	struct job j;
	uint64_t fnv, got, ack;
	bool same, stalled, ok;
	int st;

	if (!pr->up)
		peer_start(pr, k->server_mode);
	memset(&j, 0, sizeof(j));
	j.dir = k->dir;
	j.size = size;
	j.seed = seed;
	j.ring = ring;
	th_send(&pr->proc.ch, 0, &j, sizeof(j));
	if (k->server_mode)
		proxy_start(&p, 1, "server", 2, PATH, -1);
	else {
		ok = recv_u64(&pr->proc.ch, 0, &ack); /* the server is up */
		REQUIRE(ok);
		proxy_start(&p, (unsigned)pr->proxy_dom, "client", 1, PATH, -1);
	}
	stream_init(&s, seed);
	stalled = false;
	ok = true;
	fnv = 0;
	if (k->dir == PEER_READS) {
		stalled = !proxy_write(&p, &s, size);
		stalled = stalled || !recv_u64(&pr->proc.ch, 0, &fnv);
		ok = !stalled && fnv == s.fnv;
	} else if (k->dir == PEER_WRITES) {
		got = proxy_read(&p, &s, size, false, &same, &stalled);
		stalled = stalled || !recv_u64(&pr->proc.ch, 0, &fnv);
		ok = !stalled && got == size && same && fnv == s.fnv;
		if (!stalled)
			th_send_u64(&pr->proc.ch, 0, 1);
	} else {
		/* What the proxy must still deliver: a prefix, then its exit. */
		got = proxy_read(&p, &s, size, true, &same, &stalled);
		stalled = stalled || !recv_u64(&pr->proc.ch, 0, &fnv);
		ok = !stalled && got <= size && same;
		if (got < size)
			k->short_reads++;
	}
	if (stalled)
		(void)kill(p.pid, SIGTERM);
	st = proxy_wait(&p);
	stalled = stalled || st == -1 ||
	    !recv_u64(&pr->proc.ch, 0, &ack); /* closed */
	k->runs++;
	if (stalled) {
		k->stalls++;
		(void)tc_kill(&pr->proc);
		pr->up = false;
		xs_forget();
		if (!measure)
			check_fail(__FILE__, __LINE__,
			    "%s: run %u (%u bytes) stalled", k->name, k->runs,
			    size);
		return (false);
	}
	if (!ok || st != 0)
		check_fail(__FILE__, __LINE__,
		    "%s: run %u: data %s, proxy exit %d", k->name, k->runs,
		    ok ? "right" : "wrong", st);
	else
		check_count++;
	return (true);
}

/* A kind: one big run, then `runs` small ones (all of them measuring). */
static void
kind_runs(struct kind *k, int proxy_dom, unsigned runs)
{
	struct peer pr;
	unsigned i;

	memset(&pr, 0, sizeof(pr));
	pr.proxy_dom = proxy_dom;
	if (k->dir != PEER_QUITS && !one_run(k, &pr, BIG, 1, 65536) && !measure)
		runs = 0;
	for (i = 0; i < runs; i++)
		if (!one_run(k, &pr, SMALL, 100 + i, 0) && !measure)
			break;
	peer_stop(&pr);
	if (measure)
		printf("%-34s %u runs, %u stalled\n", k->name, k->runs,
		    k->stalls);
	if (k->dir == PEER_QUITS)
		printf("%s: %u of %u runs lost the tail the peer wrote "
		       "before closing (on Xen too)\n",
		    k->name, k->short_reads, k->runs);
	fflush(stdout);
}

/* gntboxd's watches, to know when a waiting client is in place. */
static uint64_t
watches(void)
{
	struct gntbox_stats st;

	th_stats(&st);
	return (st.watches);
}

/* Wait until gntboxd has want watches (the proxy's two are in place). */
static void
await_watches(uint64_t want)
{
	uint64_t until;

	until = now_ms() + (uint64_t)watchdog_ms;
	while (watches() != want && now_ms() < until)
		(void)usleep(5000);
	CHECK_EQ(watches(), want);
}

/*
 * A client-mode proxy that starts before its server: it waits (its
 * xenstore watches are there), and connects when the server comes.
 */
static void
client_first(void)
{
	struct stream s;
	struct proxy p;
	struct job j;
	uint64_t base, fnv, ack;
	struct tc_proc v;
	bool same, stalled;

	base = watches();
	proxy_start(&p, 2, "client", 1, PATH, -1);
	await_watches(base + 2);
	tc_run(&v, 1, "vserver");
	th_send_u64(&v.ch, 0, 2);
	memset(&j, 0, sizeof(j));
	j.dir = PEER_WRITES;
	j.size = SMALL;
	j.seed = 7;
	th_send(&v.ch, 0, &j, sizeof(j));
	CHECK(recv_u64(&v.ch, 0, &ack));
	stream_init(&s, 7);
	CHECK_EQ(proxy_read(&p, &s, SMALL, false, &same, &stalled), SMALL);
	CHECK(same && !stalled);
	CHECK(recv_u64(&v.ch, 0, &fnv));
	CHECK_EQ(fnv, s.fnv);
	th_send_u64(&v.ch, 0, 1);
	CHECK_EQ(proxy_wait(&p), 0);
	CHECK(recv_u64(&v.ch, 0, &ack));
	memset(&j, 0, sizeof(j));
	j.quit = 1;
	th_send(&v.ch, 0, &j, sizeof(j));
	CHECK_EQ(tc_wait(&v), 0);
}

/*
 * A client in domain 0 waiting for a server in domain 3: when domain 3
 * is destroyed, @releaseDomain wakes it, getdomaininfo answers ESRCH
 * (no domain at or above 3), and it gives up with status 1.
 */
static void
server_destroyed(void)
{
	char errpath[] = "/tmp/gbt-vsp.XXXXXX", line[256];
	struct proxy p;
	uint64_t base;
	FILE *f;
	int errfd;

	REQUIRE((errfd = mkstemp(errpath)) != -1);
	REQUIRE(gntbox_domain_create(3, NULL, 0) == 0);
	base = watches();
	proxy_start(&p, 0, "client", 3, PATH3, errfd);
	await_watches(base + 2);
	REQUIRE(gntbox_domain_destroy(3) == 0);
	CHECK_EQ(proxy_wait(&p), 1);
	REQUIRE((f = fdopen(errfd, "r")) != NULL);
	rewind(f);
	if (fgets(line, sizeof(line), f) == NULL)
		line[0] = '\0';
	CHECK(strncmp(line, "vchan client init", 17) == 0);
	(void)fclose(f);
	(void)unlink(errpath);
}

static const struct tc_role roles[] = {
	{ "vclient", vclient },
	{ "vserver", vserver },
	{ NULL, NULL },
};

int
main(int argc, char **argv)
{
	struct kind kinds[] = {
		{ "server mode, peer writes", 1, PEER_WRITES, 0, 0, 0 },
		{ "server mode, peer reads", 1, PEER_READS, 0, 0, 0 },
		{ "client mode, peer writes", 0, PEER_WRITES, 0, 0, 0 },
		{ "client mode, peer reads", 0, PEER_READS, 0, 0, 0 },
		{ "server mode, peer writes, closes", 1, PEER_QUITS, 0, 0, 0 },
	};
	const char *e;
	unsigned runs, i;

	tc_main(argc, argv, roles);
	runs =
	    (e = getenv("GNTBOX_VSP_RUNS")) != NULL ? (unsigned)atoi(e) : RUNS;
	measure = (e = getenv("GNTBOX_VSP_MEASURE")) != NULL && *e == '1';
	if ((e = getenv("GNTBOX_VSP_WATCHDOG_MS")) != NULL && atoi(e) > 0)
		watchdog_ms = atoi(e);
	(void)signal(SIGPIPE, SIG_IGN);
	th_start(NULL);
	th_domain(1);
	th_domain(2);
	th_baseline();
	for (i = 0; i < 4; i++) {
		kind_runs(&kinds[i], 2, runs);
		th_check_baseline(kinds[i].name);
	}
	kind_runs(&kinds[4], 2, runs / 5);
	th_check_baseline(kinds[4].name);
	client_first();
	th_check_baseline("a client waiting for its server");
	server_destroyed();
	th_check_baseline("a client whose server domain went");
	return (th_finish());
}
