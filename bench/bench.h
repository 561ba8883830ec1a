/*
 * bench.h: what the benchmarks share: a clock, and the report of a set of
 * samples in the convention of bench/run.sh (one sample per line in
 * PREFIX.VARIANT, the comparisons in PREFIX.pairs, the median and spread
 * on stdout).
 */
#ifndef GNTBOX_BENCH_BENCH_H
#define GNTBOX_BENCH_BENCH_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BENCH_UNUSED __attribute__((unused)) static

BENCH_UNUSED uint64_t
bench_now_ns(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec);
}

BENCH_UNUSED int
bench_cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return ((a > b) - (a < b));
}

/* A decimal number from 1 to max, or 0 (for the caller to refuse). */
BENCH_UNUSED long
bench_number(const char *s, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < 1 || v > max)
		return (0);
	return (v);
}

/* The value at fraction q of the sorted samples (linear interpolation). */
BENCH_UNUSED double
bench_quantile(const double *sorted, int n, double q)
{
	double pos = q * (n - 1);
	int lo = (int)pos;

	if (lo + 1 >= n)
		return (sorted[n - 1]);
	return (sorted[lo] + (pos - lo) * (sorted[lo + 1] - sorted[lo]));
}

/*
 * Write the n samples v of variant name to PREFIX.name, then sort them
 * and print their median, interquartile range, minimum and maximum in
 * `unit`.  Returns the median, or -1 when the file cannot be written.
 */
BENCH_UNUSED double
bench_report(const char *prefix, const char *name, double *v, int n,
    const char *unit)
{
	char path[1024];
	double median;
	FILE *f;
	int i;

	(void)snprintf(path, sizeof(path), "%s.%s", prefix, name);
	if ((f = fopen(path, "w")) == NULL) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return (-1);
	}
	for (i = 0; i < n; i++)
		fprintf(f, "%.1f\n", v[i]);
	(void)fclose(f);
	qsort(v, (size_t)n, sizeof(*v), bench_cmp_double);
	median = bench_quantile(v, n, 0.5);
	printf("%-8s median %8.0f %s  IQR %6.0f  min %8.0f  max %8.0f  (%s)\n",
	    name, median, unit,
	    bench_quantile(v, n, 0.75) - bench_quantile(v, n, 0.25), v[0],
	    v[n - 1], path);
	return (median);
}

/*
 * PREFIX.pairs: one comparison, "BASELINE VARIANT", replacing the file
 * (mode "w") or after the comparisons already there ("a").  0 or -1.
 */
BENCH_UNUSED int
bench_pairs_mode(const char *prefix, const char *base, const char *variant,
    const char *mode)
{
	char path[1024];
	FILE *f;

	(void)snprintf(path, sizeof(path), "%s.pairs", prefix);
	if ((f = fopen(path, mode)) == NULL) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return (-1);
	}
	fprintf(f, "%s %s\n", base, variant);
	return (fclose(f) == 0 ? 0 : -1);
}

/* PREFIX.pairs with one comparison only. */
BENCH_UNUSED int
bench_pairs(const char *prefix, const char *base, const char *variant)
{

	return (bench_pairs_mode(prefix, base, variant, "w"));
}

#endif /* GNTBOX_BENCH_BENCH_H */
