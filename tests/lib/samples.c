/*
 * samples.c: see samples.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

/* Open PREFIX.suffix for writing, or exit 1 saying why. */
static FILE *
samples_open(const char *prefix, const char *suffix)
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

double
samples_report(const char *prefix, const char *variant, double *v, int n,
    const char *unit)
{
	double median;
	FILE *f;
	int i;

	f = samples_open(prefix, variant);
	for (i = 0; i < n; i++)
		fprintf(f, "%.1f\n", v[i]);
	if (fclose(f) != 0) {
		fprintf(stderr, "%s.%s: %s\n", prefix, variant,
		    strerror(errno));
		exit(1);
	}
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

	f = samples_open(prefix, "pairs");
	fputs(pairs, f);
	if (fclose(f) != 0) {
		fprintf(stderr, "%s.pairs: %s\n", prefix, strerror(errno));
		exit(1);
	}
}
