/*
 * gnttab_mapunmap: what a grant map+unmap cycle costs, against the floor
 * of the same work measured in the same run.
 *
 *	gnttab_mapunmap [-n ROUNDS] [-r REPEATS] [-o PREFIX]
 *
 * The work of a cycle is one round trip to a server and one mapping of
 * shared pages made and unmapped again.  Its floor is exactly that with
 * nothing of gntbox's: one SOCK_SEQPACKET round trip (a request and a
 * reply of the sizes of gntboxd's MAP) to a server that answers with a
 * blocking recv and send, and an mmap + munmap of a memfd's pages.
 * Against it, in one process of domain 2 (under `gntbox run`, so with
 * the preload library), mapping pages domain 1 shares:
 *
 *	native:  gntbox_map, gntbox_mmap, gntbox_munmap, gntbox_unmap
 *	gnttab:  Debian's unmodified libxengnttab: xengnttab_map_grant_ref(s)
 *		 and xengnttab_unmap (MAP_GRANT_REF, mmap,
 *		 GET_OFFSET_FOR_VADDR, munmap, UNMAP_GRANT_REF)
 *
 * each of 1 and of 64 pages, untouched and touched (a byte written to
 * every page, which faults each in).  Issue 14's targets are an untouched
 * 1-page cycle within 1.15 of the floor and 64 pages within 1.10 per page.
 *
 * A fourth kind, "shape", makes the system calls gntbox's cycle makes
 * with none of its work, to tell the cost of the design's shape from the
 * cost of gntbox's code: the round trip to a server that waits in
 * epoll_wait and reads until EAGAIN, as gntboxd does; the arena's pages
 * mapped with MAP_FIXED over reserved space and PROT_NONE put back with
 * a second mmap (client/place.h); and a one-way message that the server
 * reads too (the release).
 *
 * Each repetition times ROUNDS cycles of 1 page and ROUNDS / 8 of 64
 * pages of each kind, in an order that rotates, after a warm-up, and
 * records the mean nanoseconds per page, and the CPU time both sides
 * used (the mapper and its server: gntboxd, or the floor's server, from
 * /proc/PID/schedstat), per page: the work, which other load on the
 * machine does not inflate as it inflates the time.  Samples go to PREFIX.KIND<N>
 * (floor1, native1, gnttab1, floor1t...), PREFIX.pairs names the
 * comparisons, and PREFIX.pages.dat / .gp plot the cost of a cycle
 * against its number of pages (1 to 64) for the three.
 */
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xengnttab.h>

#include "benchproc.h"
#include "daemon.h"
#include "gntbox.h"
#include "samples.h"

#define NPAGES	     64
#define WARMUP	     50
#define RW	     (PROT_READ | PROT_WRITE)
#define PG	     4096
/* gntboxd's MAP: header, body, 8 bytes a ref; reply 16 bytes a ref. */
#define REQ_BYTES(n) (84 + 8 * (size_t)(n))
#define REP_BYTES(n) (68 + 16 * (size_t)(n))

enum kind {
	FLOOR,
	SHAPE,
	NATIVE,
	GNTTAB,
	NKINDS
};

static const char *const kind_name[NKINDS] = { "floor", "shape", "native",
	"gnttab" };

/* The variants: kind x {1, 64 pages} x {untouched, touched}. */
#define NVARS (NKINDS * 4)

static void
die(const char *what)
{

	fprintf(stderr, "gnttab_mapunmap: %s: %s\n", what, strerror(errno));
	exit(1);
}

struct mapper {
	gntbox_t *h;
	xengnttab_handle *xg;
	struct gntbox_grant_ref g[NPAGES];
	uint32_t refs[NPAGES];
	int echo;	      /* SOCK_SEQPACKET to the floor's server */
	int epoll;	      /* to the shape's server */
	pid_t server[NKINDS]; /* who answers each kind's round trips */
	int memfd;
	char *resv; /* the shape's reserved space */
	char buf[REQ_BYTES(NPAGES) + REP_BYTES(NPAGES)];
};

/*
 * The floor's server: answer each request with the size it asks for (0:
 * a one-way message, no answer).  Blocking, or (ep) as gntboxd waits:
 * epoll_wait, then read until EAGAIN.
 */
static void
echo_serve(int s, bool ep)
{
	static char buf[65536];
	struct epoll_event ev;
	uint32_t want;
	ssize_t r;
	int e;

	e = -1;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	if (ep &&
	    ((e = epoll_create1(0)) == -1 ||
		epoll_ctl(e, EPOLL_CTL_ADD, s, &ev) != 0 ||
		fcntl(s, F_SETFL, O_NONBLOCK) != 0))
		_exit(1);
	for (;;) {
		if ((r = recv(s, buf, sizeof(buf), 0)) == -1 && ep &&
		    errno == EAGAIN) {
			if (epoll_wait(e, &ev, 1, -1) == -1 && errno != EINTR)
				_exit(1);
			continue;
		}
		if (r <= 0)
			_exit(r == 0 ? 0 : 1);
		memcpy(&want, buf, sizeof(want));
		if (want != 0 &&
		    (want > sizeof(buf) ||
			send(s, buf, want, 0) != (ssize_t)want))
			_exit(1);
	}
}

/* A round trip of n refs' sizes to the server at s. */
static void
round_trip(struct mapper *m, int s, uint32_t n)
{
	uint32_t want;

	want = (uint32_t)REP_BYTES(n);
	memcpy(m->buf, &want, sizeof(want));
	if (send(s, m->buf, REQ_BYTES(n), 0) != (ssize_t)REQ_BYTES(n) ||
	    recv(s, m->buf, sizeof(m->buf), 0) != (ssize_t)want)
		die("round trip");
}

/* Write a byte to each of n pages at p. */
static void
touch(volatile char *p, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		p[(size_t)i * PG] = (char)i;
}

/* One cycle of kind k, n pages. */
static void
cycle(struct mapper *m, enum kind k, uint32_t n, bool t)
{
	uint32_t zero;
	uint64_t off;
	char *p;

	switch (k) {
	case SHAPE:
		round_trip(m, m->epoll, n);
		p = mmap(m->resv, (size_t)n * PG, RW, MAP_SHARED | MAP_FIXED,
		    m->memfd, 0);
		if (p == MAP_FAILED)
			die("shape mmap");
		if (t)
			touch(p, n);
		if (mmap(p, (size_t)(n + 1) * PG, PROT_NONE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED,
			-1, 0) == MAP_FAILED)
			die("shape PROT_NONE");
		zero = 0;
		memcpy(m->buf, &zero, sizeof(zero));
		if (send(m->epoll, m->buf, 32, 0) != 32)
			die("shape one-way");
		break;
	case FLOOR:
		round_trip(m, m->echo, n);
		p = mmap(NULL, (size_t)n * PG, RW, MAP_SHARED, m->memfd, 0);
		if (p == MAP_FAILED)
			die("floor mmap");
		if (t)
			touch(p, n);
		if (munmap(p, (size_t)n * PG) != 0)
			die("floor munmap");
		break;
	case NATIVE:
		if (gntbox_map(m->h, n, m->g, 0, &off) != 0 ||
		    (p = gntbox_mmap(m->h, off, n, RW, NULL)) == NULL)
			die("native map");
		if (t)
			touch(p, n);
		if (gntbox_munmap(m->h, p, n) != 0 ||
		    gntbox_unmap(m->h, off, n) != 0)
			die("native unmap");
		break;
	default:
		p = n == 1 ?
		    xengnttab_map_grant_ref(m->xg, 1, m->refs[0], RW) :
		    xengnttab_map_domain_grant_refs(m->xg, n, 1, m->refs, RW);
		if (p == NULL)
			die("libxengnttab map");
		if (t)
			touch(p, n);
		if (xengnttab_unmap(m->xg, p, n) != 0)
			die("libxengnttab unmap");
		break;
	}
}

/*
 * The mean nanoseconds per cycle of c timed cycles; the CPU time both
 * sides used per cycle goes to *cpu unless it is NULL.
 */
static double
cycles(struct mapper *m, enum kind k, uint32_t n, bool t, long c, double *cpu)
{
	uint64_t t0, c0;
	long i;

	t0 = c0 = 0;
	for (i = -WARMUP; i < c; i++) {
		if (i == 0) {
			if (cpu != NULL)
				c0 = bp_cpu_ns(0) + bp_cpu_ns(m->server[k]);
			t0 = samples_now_ns();
		}
		cycle(m, k, n, t);
	}
	t0 = samples_now_ns() - t0;
	if (cpu != NULL)
		*cpu = (double)(bp_cpu_ns(0) + bp_cpu_ns(m->server[k]) - c0) /
		    (double)c;
	return ((double)t0 / (double)c);
}

#define NSIZES 7 /* 1, 2, 4 ... 64 pages */

/*
 * Cycle cost against pages, for the plot: the least of r repetitions of
 * the CPU time both sides use per cycle (on a shared machine the times
 * scatter, and even their medians, too much for a line to show pages).
 * Each repetition goes through every size and kind in turn, so that a
 * spell of other load falls on all of them alike.
 */
static void
pages_series(struct mapper *m, const char *prefix, long n, int r)
{
	static const char *const cols[] = { "floor (SEQPACKET round trip + "
					    "memfd mmap/munmap)",
		"shape (gntbox's system calls, none of its work)",
		"gntbox, native API", "gntbox, libxengnttab" };
	double *s[NSIZES][NKINDS];
	long c;
	int k, j, kk, z;
	FILE *f;

	for (z = 0; z < NSIZES; z++)
		for (k = 0; k < NKINDS; k++)
			if ((s[z][k] = calloc((size_t)r, sizeof(double))) ==
			    NULL)
				die("calloc");
	c = n / 8 > 0 ? n / 8 : 1;
	for (j = 0; j < r; j++)
		for (z = 0; z < NSIZES; z++)
			for (k = 0; k < NKINDS; k++) {
				kk = (k + j) % NKINDS;
				(void)cycles(m, (enum kind)kk, 1u << z, false,
				    c, &s[z][kk][j]);
			}
	f = samples_file(prefix, "pages.dat");
	fprintf(f,
	    "# pages, CPU microseconds per cycle, both sides (least of %d): "
	    "floor shape native gnttab\n",
	    r);
	for (z = 0; z < NSIZES; z++) {
		fprintf(f, "%u", 1u << z);
		for (k = 0; k < NKINDS; k++) {
			fprintf(f, " %.2f", samples_min(s[z][k], r) / 1000);
			free(s[z][k]);
		}
		fprintf(f, "\n");
	}
	samples_close(f, prefix, "pages.dat");
	samples_plot(prefix, "pages",
	    "gnttab_mapunmap: CPU time of a map+unmap cycle against pages "
	    "(untouched, both sides, least)",
	    "pages per cycle", "CPU microseconds per cycle", SAMPLES_LOGX, cols,
	    NKINDS);
}

/* The name of variant v: group v / NKINDS (1, 1t, 64, 64t), kind v % NKINDS. */
static void
var_name(int v, const char *suffix, char *name, size_t cap)
{
	int g;

	g = v / NKINDS;
	(void)snprintf(name, cap, "%s%d%s%s", kind_name[v % NKINDS],
	    g < 2 ? 1 : NPAGES, g % 2 == 1 ? "t" : "", suffix);
}

/* What the comparisons are: pairs of groups and kinds, and their words. */
static const struct {
	int g, base, other;
	const char *what;
} pairs[] = {
	{ 0, FLOOR, SHAPE, "gntbox's system calls without its work" },
	{ 0, SHAPE, NATIVE, "gntbox's own work, native API" },
	{ 2, FLOOR, SHAPE, "gntbox's system calls without its work" },
	{ 2, SHAPE, NATIVE, "gntbox's own work, native API" },
	{ 0, FLOOR, NATIVE, "map+unmap cycle, native API" },
	{ 0, FLOOR, GNTTAB, "map+unmap cycle, libxengnttab" },
	{ 1, FLOOR, NATIVE, "map+unmap cycle, native API" },
	{ 1, FLOOR, GNTTAB, "map+unmap cycle, libxengnttab" },
	{ 2, FLOOR, NATIVE, "map+unmap cycle, native API" },
	{ 2, FLOOR, GNTTAB, "map+unmap cycle, libxengnttab" },
	{ 3, FLOOR, NATIVE, "map+unmap cycle, native API" },
	{ 3, FLOOR, GNTTAB, "map+unmap cycle, libxengnttab" },
};

#define NPAIRS (sizeof(pairs) / sizeof(pairs[0]))

/*
 * PREFIX.pairs: every comparison in time per page, and the cycles' in
 * CPU work per page too.
 */
static void
write_pairs(const char *prefix)
{
	static const char *const group[] = { "1 page, untouched",
		"1 page, touched", "64 pages, untouched", "64 pages, touched" };
	char buf[8192], a[32], b[32];
	size_t len, i;
	int c;

	len = 0;
	for (c = 0; c < 2; c++)
		for (i = 0; i < NPAIRS; i++) {
			if (c == 1 && pairs[i].base != FLOOR)
				continue;
			var_name(pairs[i].g * NKINDS + pairs[i].base,
			    c ? "cpu" : "", a, sizeof(a));
			var_name(pairs[i].g * NKINDS + pairs[i].other,
			    c ? "cpu" : "", b, sizeof(b));
			len += (size_t)snprintf(buf + len, sizeof(buf) - len,
			    "%s %s ns/page %s, %s%s\n", a, b, pairs[i].what,
			    group[pairs[i].g],
			    c ? ", CPU time of both sides" : "");
		}
	samples_pairs(prefix, buf);
}

/* Domain 2's process: time r repetitions of every variant, and report. */
static int
measure(int refsfd, char **args, const char *prefix, long n, int r)
{
	struct mapper m;
	double *s[NVARS], *cpu[NVARS], med[NVARS], mc[NVARS];
	char name[32];
	int v, j, k, g, vv;
	uint32_t pages;
	bool t;

	memset(&m, 0, sizeof(m));
	if (read(refsfd, m.refs, sizeof(m.refs)) != (ssize_t)sizeof(m.refs))
		die("reading the refs");
	for (j = 0; j < NPAGES; j++) {
		m.g[j].domid = 1;
		m.g[j].ref = m.refs[j];
	}
	m.echo = atoi(args[0]);
	m.epoll = atoi(args[1]);
	m.server[FLOOR] = atoi(args[2]);
	m.server[SHAPE] = atoi(args[3]);
	m.server[NATIVE] = m.server[GNTTAB] = atoi(args[4]);
	if ((m.memfd = memfd_create("floor", MFD_CLOEXEC)) == -1 ||
	    ftruncate(m.memfd, (off_t)NPAGES * PG) != 0)
		die("memfd");
	m.resv = mmap(NULL, (NPAGES + 1) * PG, PROT_NONE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m.resv == MAP_FAILED)
		die("reserving");
	if ((m.h = gntbox_open(-1)) == NULL)
		die("gntbox_open");
	if ((m.xg = xengnttab_open(NULL, 0)) == NULL)
		die("xengnttab_open");
	for (v = 0; v < NVARS; v++)
		if ((s[v] = calloc((size_t)r, sizeof(double))) == NULL ||
		    (cpu[v] = calloc((size_t)r, sizeof(double))) == NULL)
			die("calloc");
	for (j = 0; j < r; j++)
		for (g = 0; g < 4; g++)
			for (k = 0; k < NKINDS; k++) {
				vv = g * NKINDS + (k + j) % NKINDS;
				pages = g < 2 ? 1 : NPAGES;
				t = g % 2 == 1;
				s[vv][j] =
				    cycles(&m, (enum kind)(vv % NKINDS), pages,
					t,
					pages == 1 ? n :
						     (n / 8 > 0 ? n / 8 : 1),
					&cpu[vv][j]) /
				    pages;
				cpu[vv][j] /= pages;
			}
	printf("gnttab_mapunmap: %d repetitions of %ld cycles of 1 page and "
	       "%ld of %d pages, mean ns per page each (time; CPU time of "
	       "both sides)\n",
	    r, n, n / 8 > 0 ? n / 8 : 1, NPAGES);
	for (v = 0; v < NVARS; v++) {
		var_name(v, "", name, sizeof(name));
		med[v] = samples_report(prefix, name, s[v], r, "ns/page");
		var_name(v, "cpu", name, sizeof(name));
		mc[v] = samples_report(prefix, name, cpu[v], r, "ns/page");
	}
	write_pairs(prefix);
	for (g = 0; g < 4; g++)
		for (k = SHAPE; k < NKINDS; k++)
			printf("ratio %s/floor, %d page%s%s (medians): %.3f, "
			       "CPU time %.3f\n",
			    kind_name[k], g < 2 ? 1 : NPAGES, g < 2 ? "" : "s",
			    g % 2 == 1 ? ", touched" : "",
			    med[g * NKINDS + k] / med[g * NKINDS],
			    mc[g * NKINDS + k] / mc[g * NKINDS]);
	pages_series(&m, prefix, n, r / 2 >= 3 ? r / 2 : 3);
	(void)xengnttab_close(m.xg);
	(void)gntbox_close(m.h);
	for (v = 0; v < NVARS; v++) {
		free(s[v]);
		free(cpu[v]);
	}
	return (0);
}

int
main(int argc, char **argv)
{
	const char *prefix = "gnttab_mapunmap";
	char refsarg[16], echoarg[16], eparg[16], narg[32], rarg[16];
	char pidarg[3][16];
	uint32_t refs[NPAGES];
	gntbox_t *h;
	uint64_t off;
	long n = 400;
	int r = 20, i, p[2], sv[2][2];
	pid_t daemon, echo[2], pid;
	bool ok;

	if (argc == 12 && strcmp(argv[1], "--role") == 0)
		return (measure(atoi(argv[3]), argv + 4, argv[9],
		    atol(argv[10]), atoi(argv[11])));
	samples_args(argc, argv, "gnttab_mapunmap", &n, &r, &prefix);
	/* The floor's servers first, so that they hold nothing of gntbox's. */
	for (i = 0; i < 2; i++) {
		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0,
			sv[i]) != 0)
			die("socketpair");
		fflush(NULL);
		if ((echo[i] = fork()) == -1)
			die("fork");
		if (echo[i] == 0) {
			(void)close(sv[i][0]);
			if (i == 1)
				(void)close(sv[0][0]);
			echo_serve(sv[i][1], i == 1);
		}
		(void)close(sv[i][1]);
	}
	daemon = bp_daemon(2);
	if ((h = gntbox_open(1)) == NULL ||
	    gntbox_share(h, 2, NPAGES, GNTBOX_SHARE_WRITABLE, refs, &off) != 0)
		die("sharing");
	if (pipe(p) != 0 || write(p[1], refs, sizeof(refs)) != sizeof(refs))
		die("pipe");
	(void)close(p[1]);
	/* The mapper's ends, past exec (gntboxd must not hold them). */
	if (fcntl(sv[0][0], F_SETFD, 0) != 0 ||
	    fcntl(sv[1][0], F_SETFD, 0) != 0)
		die("fcntl");
	(void)snprintf(refsarg, sizeof(refsarg), "%d", p[0]);
	(void)snprintf(echoarg, sizeof(echoarg), "%d", sv[0][0]);
	(void)snprintf(eparg, sizeof(eparg), "%d", sv[1][0]);
	(void)snprintf(narg, sizeof(narg), "%ld", n);
	(void)snprintf(rarg, sizeof(rarg), "%d", r);
	(void)snprintf(pidarg[0], sizeof(pidarg[0]), "%d", (int)echo[0]);
	(void)snprintf(pidarg[1], sizeof(pidarg[1]), "%d", (int)echo[1]);
	(void)snprintf(pidarg[2], sizeof(pidarg[2]), "%d", (int)daemon);
	pid = bp_role(2, "mapper", refsarg, echoarg, eparg, pidarg[0],
	    pidarg[1], pidarg[2], prefix, narg, rarg, NULL);
	(void)close(p[0]);
	ok = bp_wait(pid);
	for (i = 0; i < 2; i++) {
		(void)close(sv[i][0]);
		ok = bp_wait(echo[i]) && ok;
	}
	(void)gntbox_close(h);
	if (td_stop(daemon) != 0 || !ok) {
		fprintf(stderr, "gnttab_mapunmap: the mapper failed\n");
		return (1);
	}
	return (0);
}
