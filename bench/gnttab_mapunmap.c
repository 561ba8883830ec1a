/*
 * gnttab_mapunmap: what the Linux device emulation costs.  A map+unmap
 * cycle of 1 and of 64 granted pages through Debian's unmodified
 * libxengnttab (libgntbox-preload.so underneath), against the same cycle
 * through the native API (include/gntbox.h), measured in the same run.
 *
 *	gnttab_mapunmap [-n ROUNDS] [-r REPEATS] [-o PREFIX]
 *
 * The program starts its own gntboxd ($GNTBOX_BUILD/bin/gntboxd on
 * $GNTBOX_DIR, as the tests do) with domains 1 and 2; domain 1 (this
 * process) shares 64 pages with domain 2, and a process of domain 2,
 * started with `gntbox run --dom 2` so that it has the preload library,
 * times the cycles:
 *
 *	native:  gntbox_map, gntbox_mmap, gntbox_munmap, gntbox_unmap
 *	gnttab:  xengnttab_map_grant_ref(s) and xengnttab_unmap, which make
 *		 MAP_GRANT_REF, mmap, GET_OFFSET_FOR_VADDR, munmap and
 *		 UNMAP_GRANT_REF
 *
 * Both run in that one process, alternating which goes first in each
 * repetition (the native calls pass through the preload library's
 * interposed mmap and munmap too, which let them straight to libc).  Each
 * repetition times ROUNDS cycles of 1 page and ROUNDS / 8 cycles of 64
 * pages (at least one) after a warm-up, and records the mean nanoseconds
 * per page.  Samples go to PREFIX.native1, PREFIX.gnttab1,
 * PREFIX.native64 and PREFIX.gnttab64, PREFIX.pairs names the two
 * comparisons, and stdout gets each median and spread and the ratios of
 * the medians.
 */
#include <sys/mman.h>
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
#include <xengnttab.h>

#include "daemon.h"
#include "gntbox.h"
#include "samples.h"

#define NPAGES 64
#define WARMUP 50
#define RW     (PROT_READ | PROT_WRITE)

enum kind {
	NATIVE1,
	GNTTAB1,
	NATIVE64,
	GNTTAB64,
	NKINDS
};

static const char *const names[NKINDS] = { "native1", "gnttab1", "native64",
	"gnttab64" };

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
};

/* One native cycle of n pages. */
static void
native_cycle(struct mapper *m, uint32_t n)
{
	uint64_t off;
	void *p;

	if (gntbox_map(m->h, n, m->g, 0, &off) != 0 ||
	    (p = gntbox_mmap(m->h, off, n, RW, NULL)) == NULL ||
	    gntbox_munmap(m->h, p, n) != 0 || gntbox_unmap(m->h, off, n) != 0)
		die("native cycle");
}

/* One libxengnttab cycle of n pages. */
static void
gnttab_cycle(struct mapper *m, uint32_t n)
{
	void *p;

	p = n == 1 ? xengnttab_map_grant_ref(m->xg, 1, m->refs[0], RW) :
		     xengnttab_map_domain_grant_refs(m->xg, n, 1, m->refs, RW);
	if (p == NULL || xengnttab_unmap(m->xg, p, n) != 0)
		die("libxengnttab cycle");
}

/* The mean nanoseconds per page of n timed cycles of kind k. */
static double
cycles(struct mapper *m, enum kind k, long n)
{
	uint32_t pages;
	uint64_t t0;
	long i;

	pages = k == NATIVE1 || k == GNTTAB1 ? 1 : NPAGES;
	t0 = 0;
	for (i = -WARMUP; i < n; i++) {
		if (i == 0)
			t0 = samples_now_ns();
		if (k == NATIVE1 || k == NATIVE64)
			native_cycle(m, pages);
		else
			gnttab_cycle(m, pages);
	}
	return ((double)(samples_now_ns() - t0) / (double)n / (double)pages);
}

/*
 * Domain 2's process: read the refs from fd, time r repetitions of each
 * kind, and report.
 */
static int
measure(int fd, const char *prefix, long n, int r)
{
	struct mapper m;
	double *s[NKINDS], med[NKINDS];
	int k, j, rep;

	if (read(fd, m.refs, sizeof(m.refs)) != (ssize_t)sizeof(m.refs))
		die("reading the refs");
	for (j = 0; j < NPAGES; j++) {
		m.g[j].domid = 1;
		m.g[j].ref = m.refs[j];
	}
	if ((m.h = gntbox_open(-1)) == NULL)
		die("gntbox_open");
	if ((m.xg = xengnttab_open(NULL, 0)) == NULL)
		die("xengnttab_open");
	for (k = 0; k < NKINDS; k++)
		if ((s[k] = calloc((size_t)r, sizeof(double))) == NULL)
			die("calloc");
	for (rep = 0; rep < r; rep++) {
		/* Pairs in alternating order: neither always goes first. */
		for (k = 0; k < NKINDS; k += 2) {
			j = rep % 2;
			s[k + j][rep] = cycles(&m, (enum kind)(k + j),
			    k == 0 ? n : (n / 8 > 0 ? n / 8 : 1));
			s[k + 1 - j][rep] = cycles(&m, (enum kind)(k + 1 - j),
			    k == 0 ? n : (n / 8 > 0 ? n / 8 : 1));
		}
	}
	printf("gnttab_mapunmap: %d repetitions of %ld cycles of 1 page and "
	       "%ld of %d pages, mean ns per page each\n",
	    r, n, n / 8 > 0 ? n / 8 : 1, NPAGES);
	for (k = 0; k < NKINDS; k++)
		med[k] = samples_report(prefix, names[k], s[k], r, "ns/page");
	samples_pairs(prefix, "native1 gnttab1\nnative64 gnttab64\n");
	printf("ratio gnttab1/native1 (medians): %.3f\n",
	    med[GNTTAB1] / med[NATIVE1]);
	printf("ratio gnttab64/native64 (medians): %.3f\n",
	    med[GNTTAB64] / med[NATIVE64]);
	(void)xengnttab_close(m.xg);
	(void)gntbox_close(m.h);
	for (k = 0; k < NKINDS; k++)
		free(s[k]);
	return (0);
}

/* Start `gntbox run --dom 2 -- self --measure FD PREFIX N R`. */
static pid_t
start_mapper(int fd, const char *prefix, long n, int r)
{
	char self[PATH_MAX], gntbox[PATH_MAX], fds[16], ns[32], rs[16];
	const char *build;
	ssize_t len;
	pid_t pid;

	if ((len = readlink("/proc/self/exe", self, sizeof(self) - 1)) <= 0)
		die("/proc/self/exe");
	self[len] = '\0';
	if ((build = getenv("GNTBOX_BUILD")) == NULL || *build == '\0')
		build = "build";
	(void)snprintf(gntbox, sizeof(gntbox), "%s/bin/gntbox", build);
	(void)snprintf(fds, sizeof(fds), "%d", fd);
	(void)snprintf(ns, sizeof(ns), "%ld", n);
	(void)snprintf(rs, sizeof(rs), "%d", r);
	fflush(NULL);
	if ((pid = fork()) == -1)
		die("fork");
	if (pid == 0) {
		execl(gntbox, gntbox, "run", "--dom", "2", "--", self,
		    "--measure", fds, prefix, ns, rs, (char *)NULL);
		die(gntbox);
	}
	return (pid);
}

int
main(int argc, char **argv)
{
	const char *prefix = "gnttab_mapunmap";
	uint32_t refs[NPAGES];
	gntbox_t *h;
	uint64_t off;
	long n = 400;
	int r = 20, c, st, p[2];
	pid_t daemon, pid;

	if (argc == 6 && strcmp(argv[1], "--measure") == 0)
		return (measure(atoi(argv[2]), argv[3], atol(argv[4]),
		    atoi(argv[5])));
	while ((c = getopt(argc, argv, "n:r:o:")) != -1) {
		if (c == 'n' && (n = samples_count(optarg, 1000000)) == 0)
			break;
		if (c == 'r' && (r = (int)samples_count(optarg, 10000)) == 0)
			break;
		if (c == 'o')
			prefix = optarg;
		if (c != 'n' && c != 'r' && c != 'o')
			break;
	}
	if (c != -1 || optind != argc || r < 3) {
		fprintf(stderr,
		    "usage: gnttab_mapunmap [-n ROUNDS] "
		    "[-r REPEATS >= 3] [-o PREFIX]\n");
		return (2);
	}
	if ((daemon = td_start(NULL)) == -1)
		return (1);
	if (gntbox_domain_create(1, NULL, 1) != 0 ||
	    gntbox_domain_create(2, NULL, 1) != 0)
		die("creating domains");
	if ((h = gntbox_open(1)) == NULL ||
	    gntbox_share(h, 2, NPAGES, GNTBOX_SHARE_WRITABLE, refs, &off) != 0)
		die("sharing");
	if (pipe(p) != 0 || write(p[1], refs, sizeof(refs)) != sizeof(refs))
		die("pipe");
	(void)close(p[1]);
	pid = start_mapper(p[0], prefix, n, r);
	(void)close(p[0]);
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 0) {
		fprintf(stderr, "gnttab_mapunmap: the mapper failed\n");
		(void)td_stop(daemon);
		return (1);
	}
	(void)gntbox_close(h);
	return (td_stop(daemon) == 0 ? 0 : 1);
}
