/*
 * samples.c: see samples.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "samples.h"

long
samples_count(const char *s, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < 1 || v > max)
		return (0);
	return (v);
}

void
samples_args(int argc, char **argv, const char *name, long *n, int *r,
    const char **prefix)
{
	long v;
	int c;

	while ((c = getopt(argc, argv, "n:r:o:")) != -1) {
		if (c == 'n' && (v = samples_count(optarg, 1000000000L)) != 0)
			*n = v;
		else if (c == 'r' && (v = samples_count(optarg, 100000)) >= 3)
			*r = (int)v;
		else if (c == 'o')
			*prefix = optarg;
		else
			break;
	}
	if (c != -1 || optind != argc) {
		fprintf(stderr,
		    "usage: %s [-n ROUNDS] [-r REPEATS >= 3] [-o PREFIX]\n",
		    name);
		exit(2);
	}
}

uint64_t
samples_now_ns(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec);
}

static int
cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return ((a > b) - (a < b));
}

/* The value at fraction q of the sorted samples (linear interpolation). */
static double
quantile(const double *sorted, int n, double q)
{
	double pos = q * (n - 1);
	int lo = (int)pos;

	if (lo + 1 >= n)
		return (sorted[n - 1]);
	return (sorted[lo] + (pos - lo) * (sorted[lo + 1] - sorted[lo]));
}

double
samples_min(const double *v, int n)
{
	double m;
	int i;

	for (i = 1, m = v[0]; i < n; i++)
		if (v[i] < m)
			m = v[i];
	return (m);
}

FILE *
samples_file(const char *prefix, const char *suffix)
{
	char path[1024];
	FILE *f;

	(void)snprintf(path, sizeof(path), "%s.%s", prefix, suffix);
	if ((f = fopen(path, "w")) == NULL) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		exit(1);
	}
	return (f);
}

void
samples_close(FILE *f, const char *prefix, const char *suffix)
{

	if (fclose(f) != 0) {
		fprintf(stderr, "%s.%s: %s\n", prefix, suffix, strerror(errno));
		exit(1);
	}
}

double
samples_median(const double *v, int n)
{
	double *c, m;

	if ((c = malloc((size_t)n * sizeof(*c))) == NULL) {
		fprintf(stderr, "samples_median: out of memory\n");
		exit(1);
	}
	memcpy(c, v, (size_t)n * sizeof(*c));
	qsort(c, (size_t)n, sizeof(*c), cmp_double);
	m = quantile(c, n, 0.5);
	free(c);
	return (m);
}

double
samples_report(const char *prefix, const char *variant, double *v, int n,
    const char *unit)
{
	double median;
	FILE *f;
	int i;

	f = samples_file(prefix, variant);
	for (i = 0; i < n; i++)
		fprintf(f, "%.1f\n", v[i]);
	samples_close(f, prefix, variant);
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	median = quantile(v, n, 0.5);
	printf("%-10s median %10.1f %s  IQR %9.1f  min %10.1f  max %10.1f\n",
	    variant, median, unit, quantile(v, n, 0.75) - quantile(v, n, 0.25),
	    v[0], v[n - 1]);
	return (median);
}

void
samples_pairs(const char *prefix, const char *pairs)
{
	FILE *f;

	f = samples_file(prefix, "pairs");
	fputs(pairs, f);
	samples_close(f, prefix, "pairs");
}

void
samples_plot(const char *prefix, const char *name, const char *title,
    const char *xlabel, const char *ylabel, int log, const char *const *cols,
    int ncols)
{
	char suffix[256];
	const char *base;
	FILE *f;
	int i, t;

	/* The script runs in PREFIX's directory: name files by base. */
	base = strrchr(prefix, '/') != NULL ? strrchr(prefix, '/') + 1 : prefix;
	(void)snprintf(suffix, sizeof(suffix), "%s.gp", name);
	f = samples_file(prefix, suffix);
	fprintf(f,
	    "set title \"%s\" noenhanced\n"
	    "set xlabel \"%s\" noenhanced\nset ylabel \"%s\" noenhanced\n"
	    "set key below noenhanced\nset grid\n",
	    title, xlabel, ylabel);
	if ((log & (SAMPLES_LOGX | SAMPLES_LOGX10)) != 0)
		fprintf(f, "set logscale x %d\n",
		    (log & SAMPLES_LOGX10) != 0 ? 10 : 2);
	if ((log & SAMPLES_LOGY) != 0)
		fprintf(f, "set logscale y 10\n");
	else
		fprintf(f, "set yrange [0:*]\n");
	/* Twice: a picture, and text that a Markdown file can hold. */
	for (t = 0; t < 2; t++) {
		fprintf(f, "%s\nset output \"%s.%s.%s\"\nplot ",
		    t == 0 ? "set terminal pngcairo size 800,500" :
			     "set terminal dumb size 79,30",
		    base, name, t == 0 ? "png" : "txt");
		for (i = 0; i < ncols; i++)
			fprintf(f,
			    "%s\"%s.%s.dat\" using 1:%d with linespoints "
			    "title \"%s\"",
			    i == 0 ? "" : ", ", base, name, i + 2, cols[i]);
		fprintf(f, "\n");
	}
	samples_close(f, prefix, suffix);
}
