/*
 * gnttab_scale: what a map+unmap cycle costs with 10 and with 30,000
 * other grants mapped, and what a grant and a mapped grant cost gntboxd
 * in memory.
 *
 *	gnttab_scale [-n ROUNDS] [-r REPEATS] [-o PREFIX]
 *
 * Domain 1 (this process) shares 30,001 pages with domain 2; five
 * processes of domain 2 map 10, 100, 1,000, 10,000 and 30,000 of them,
 * one page per map, and then, in turns that rotate (so that load on the
 * machine falls on every level alike), time 1-page map+unmap cycles
 * (native API, untouched) of the one page left over.  Every lookup on
 * the way (gntboxd's grant table, maptrack and map objects, the client's
 * offsets, records, address index and address-space pool) is O(log n),
 * so the cost must stay flat: the baseline of each level is the level of
 * 10, measured in the same run.
 *
 * Memory: gntboxd's anonymous resident memory (RssAnon) before and after
 * the 30,001 grants are made, and after the process of 30,000 has mapped
 * them (it starts first, alone): bytes per grant and per mapped grant
 * (issue 14 found about 114 and 142).
 *
 * Samples go to PREFIX.liveN (mean ns per cycle) and PREFIX.liveNcpu
 * (the CPU time the mapper and gntboxd used per cycle, from
 * /proc/PID/schedstat, which other load on the machine does not
 * inflate), PREFIX.pairs names live10 against live30000 in both,
 * PREFIX.live.dat / .gp plot cost against live maps, and
 * PREFIX.figures holds the memory figures.
 */
#include <sys/mman.h>

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "benchproc.h"
#include "daemon.h"
#include "gntbox.h"
#include "samples.h"

#define NLIVE	30000u
#define NLEVELS 5
#define WARMUP	50
#define RW	(PROT_READ | PROT_WRITE)

static const unsigned level[NLEVELS] = { 10, 100, 1000, 10000, NLIVE };

static void
die(const char *what)
{

	fprintf(stderr, "gnttab_scale: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void
xread(int fd, void *buf, size_t len)
{
	size_t got;
	ssize_t r;

	for (got = 0; got < len; got += (size_t)r)
		if ((r = read(fd, (char *)buf + got, len - got)) <= 0)
			die("pipe read");
}

static void
xwrite(int fd, const void *buf, size_t len)
{
	size_t put;
	ssize_t r;

	for (put = 0; put < len; put += (size_t)r)
		if ((r = write(fd, (const char *)buf + put, len - put)) <= 0)
			die("pipe write");
}

/*
 * A 1-page map+unmap cycle of g, c times (after a warm-up): mean ns, and
 * in cpu[0] the CPU time we and gntboxd used per cycle.
 */
static double
cycles(gntbox_t *h, const struct gntbox_grant_ref *g, long c, pid_t daemon,
    double *cpu)
{
	uint64_t t0, c0, off;
	long i;
	void *p;

	t0 = c0 = 0;
	for (i = -WARMUP; i < c; i++) {
		if (i == 0) {
			c0 = bp_cpu_ns(0) + bp_cpu_ns(daemon);
			t0 = samples_now_ns();
		}
		if (gntbox_map(h, 1, g, 0, &off) != 0 ||
		    (p = gntbox_mmap(h, off, 1, RW, NULL)) == NULL ||
		    gntbox_munmap(h, p, 1) != 0 || gntbox_unmap(h, off, 1) != 0)
			die("cycle");
	}
	t0 = samples_now_ns() - t0;
	*cpu = (double)(bp_cpu_ns(0) + bp_cpu_ns(daemon) - c0) / (double)c;
	return ((double)t0 / (double)c);
}

/*
 * A process of domain 2 holding `live` grants mapped: read the refs, map
 * them, say so, then time n cycles each time the harness says go, until
 * it closes the pipe.
 */
static int
mapper(int in, int out, unsigned live, long n, pid_t daemon)
{
	static uint32_t refs[NLIVE + 1];
	struct gntbox_grant_ref g;
	unsigned mapped;
	uint64_t off;
	gntbox_t *h;
	double ns[2];
	char c;

	xread(in, refs, sizeof(refs));
	if ((h = gntbox_open(-1)) == NULL)
		die("gntbox_open");
	g.domid = 1;
	for (mapped = 0; mapped < live; mapped++) {
		g.ref = refs[mapped];
		if (gntbox_map(h, 1, &g, 0, &off) != 0 ||
		    gntbox_mmap(h, off, 1, RW, NULL) == NULL)
			die("mapping the live grants");
	}
	g.ref = refs[NLIVE];
	ns[0] = ns[1] = 0;
	xwrite(out, ns, sizeof(ns));
	while (read(in, &c, 1) == 1) {
		ns[0] = cycles(h, &g, n, daemon, &ns[1]);
		xwrite(out, ns, sizeof(ns));
	}
	/* close() unmaps them all and releases them. */
	(void)gntbox_close(h);
	return (0);
}

/* gntboxd's anonymous resident memory, in bytes. */
static uint64_t
rss_anon(pid_t pid)
{
	unsigned long long kb;
	char path[64], line[256];
	FILE *f;

	(void)snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		die(path);
	kb = 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "RssAnon: %llu kB", &kb) == 1)
			break;
	(void)fclose(f);
	return ((uint64_t)kb * 1024);
}

struct level {
	pid_t pid;
	int to, from;
	double *s, *cpu;
};

/* Start the mapper of level l; wait until its grants are mapped. */
static void
level_start(struct level *lv, unsigned l, const uint32_t *refs, size_t len,
    long n, pid_t daemon)
{
	char inarg[16], outarg[16], larg[16], narg[32], darg[16];
	int to[2], from[2];
	double ns[2];

	/* Only the mapper's own ends go past exec. */
	if (pipe2(to, O_CLOEXEC) != 0 || pipe2(from, O_CLOEXEC) != 0 ||
	    fcntl(to[0], F_SETFD, 0) != 0 || fcntl(from[1], F_SETFD, 0) != 0)
		die("pipe");
	(void)snprintf(inarg, sizeof(inarg), "%d", to[0]);
	(void)snprintf(outarg, sizeof(outarg), "%d", from[1]);
	(void)snprintf(larg, sizeof(larg), "%u", level[l]);
	(void)snprintf(narg, sizeof(narg), "%ld", n);
	(void)snprintf(darg, sizeof(darg), "%d", (int)daemon);
	lv->pid = bp_role(2, "mapper", inarg, outarg, larg, narg, darg, NULL);
	(void)close(to[0]);
	(void)close(from[1]);
	lv->to = to[1];
	lv->from = from[0];
	xwrite(lv->to, refs, len);
	xread(lv->from, ns, sizeof(ns));
}

/* Time the levels, interleaved, and report. */
static void
report(struct level *lv, const char *prefix, long n, int r)
{
	static const char *const cols[] = { "time",
		"CPU time of the mapper and gntboxd" };
	double med[NLEVELS], mc[NLEVELS], ns[2];
	char name[32], go;
	unsigned l, ll;
	int j;
	FILE *f;

	go = 'g';
	for (j = 0; j < r; j++)
		for (l = 0; l < NLEVELS; l++) {
			ll = (l + (unsigned)j) % NLEVELS;
			xwrite(lv[ll].to, &go, 1);
			xread(lv[ll].from, ns, sizeof(ns));
			lv[ll].s[j] = ns[0];
			lv[ll].cpu[j] = ns[1];
		}
	printf("gnttab_scale: %d repetitions of %ld 1-page cycles at each "
	       "level of live maps, mean ns per cycle\n",
	    r, n);
	for (l = 0; l < NLEVELS; l++) {
		(void)snprintf(name, sizeof(name), "live%u", level[l]);
		med[l] = samples_report(prefix, name, lv[l].s, r, "ns");
		(void)snprintf(name, sizeof(name), "live%ucpu", level[l]);
		mc[l] = samples_report(prefix, name, lv[l].cpu, r, "ns");
	}
	printf("ratio live%u/live%u (medians): %.3f, CPU time %.3f\n", NLIVE,
	    level[0], med[NLEVELS - 1] / med[0], mc[NLEVELS - 1] / mc[0]);
	samples_pairs(prefix,
	    "live10 live30000 ns 1-page map+unmap cycle with 30,000 grants "
	    "mapped, against 10\n"
	    "live10cpu live30000cpu ns 1-page map+unmap cycle with 30,000 "
	    "grants mapped, against 10, CPU time of the mapper and "
	    "gntboxd\n");
	f = samples_file(prefix, "live.dat");
	fprintf(f,
	    "# live maps, microseconds per cycle (least of %d, the least "
	    "disturbed): time, CPU time\n",
	    r);
	for (l = 0; l < NLEVELS; l++)
		fprintf(f, "%u %.2f %.2f\n", level[l],
		    samples_min(lv[l].s, r) / 1000,
		    samples_min(lv[l].cpu, r) / 1000);
	samples_close(f, prefix, "live.dat");
	samples_plot(prefix, "live",
	    "gnttab_scale: 1-page map+unmap cycle against live mapped grants "
	    "(least)",
	    "grants mapped by the process", "microseconds per cycle",
	    SAMPLES_LOGX10, cols, 2);
}

int
main(int argc, char **argv)
{
	const char *prefix = "gnttab_scale";
	static uint32_t refs[NLIVE + 1];
	struct level lv[NLEVELS];
	uint64_t m0, m1, m2, off;
	int r = 10;
	unsigned l;
	long n = 300;
	pid_t daemon;
	gntbox_t *h;
	FILE *f;
	bool ok;

	if (argc == 8 && strcmp(argv[1], "--role") == 0)
		return (mapper(atoi(argv[3]), atoi(argv[4]),
		    (unsigned)atoi(argv[5]), atol(argv[6]),
		    (pid_t)atoi(argv[7])));
	samples_args(argc, argv, "gnttab_scale", &n, &r, &prefix);
	daemon = bp_daemon(2);
	if ((h = gntbox_open(1)) == NULL)
		die("gntbox_open");
	m0 = rss_anon(daemon);
	if (gntbox_share(h, 2, NLIVE + 1, GNTBOX_SHARE_WRITABLE, refs, &off) !=
	    0)
		die("sharing");
	m1 = rss_anon(daemon);
	/* The 30,000 first, alone, for the memory of a mapped grant. */
	m2 = 0;
	for (l = NLEVELS; l-- > 0;) {
		if ((lv[l].s = calloc((size_t)r, sizeof(double))) == NULL ||
		    (lv[l].cpu = calloc((size_t)r, sizeof(double))) == NULL)
			die("calloc");
		level_start(&lv[l], l, refs, sizeof(refs), n, daemon);
		if (l == NLEVELS - 1)
			m2 = rss_anon(daemon);
	}
	report(lv, prefix, n, r);
	ok = true;
	for (l = 0; l < NLEVELS; l++) {
		(void)close(lv[l].to);
		(void)close(lv[l].from);
		ok = bp_wait(lv[l].pid) && ok;
		free(lv[l].s);
		free(lv[l].cpu);
	}
	printf("gntboxd memory: %.1f bytes per grant, %.1f bytes per mapped "
	       "grant (RssAnon, %u grants, %u maps of 1 page)\n",
	    (double)(m1 - m0) / (NLIVE + 1), (double)(m2 - m1) / NLIVE,
	    NLIVE + 1, NLIVE);
	f = samples_file(prefix, "figures");
	fprintf(f,
	    "memory per grant in gntboxd (RssAnon)\t%.1f\tbytes\tabout 114 "
	    "(issue 14)\n"
	    "memory per mapped grant in gntboxd (RssAnon)\t%.1f\tbytes\t"
	    "about 142 (issue 14)\n",
	    (double)(m1 - m0) / (NLIVE + 1), (double)(m2 - m1) / NLIVE);
	samples_close(f, prefix, "figures");
	(void)gntbox_close(h);
	if (td_stop(daemon) != 0 || !ok) {
		fprintf(stderr, "gnttab_scale: a mapper failed\n");
		return (1);
	}
	return (0);
}
