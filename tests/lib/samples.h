/*
 * samples.h: how a benchmark reports, as bench/run.sh expects: each
 * variant's samples in PREFIX.VARIANT, one number per line (for
 * ministat), their median and spread on stdout, the comparisons in
 * PREFIX.pairs, and line plots (PREFIX.NAME.dat and .gp).
 */
#ifndef GNTBOX_TESTS_SAMPLES_H
#define GNTBOX_TESTS_SAMPLES_H

#include <stdint.h>
#include <stdio.h>

/*
 * A count from the command line: a decimal number from 1 to max, or 0
 * for the caller to refuse.
 */
long samples_count(const char *s, long max);

/*
 * The options most benchmarks take: -n ROUNDS (1 to 10^9), -r REPEATS
 * (3 to 100,000) and -o PREFIX; anything else prints name's usage and
 * exits 2.  What is not given keeps its value.
 */
void samples_args(int argc, char **argv, const char *name, long *n, int *r,
    const char **prefix);

/* CLOCK_MONOTONIC in nanoseconds, for timing a run of operations. */
uint64_t samples_now_ns(void);

/*
 * Write the n samples v to PREFIX.variant, sort them in place, print the
 * median, interquartile range, minimum and maximum (in unit), and return
 * the median.  Exits 1 when the file cannot be written.
 */
double samples_report(const char *prefix, const char *variant, double *v, int n,
    const char *unit);

/*
 * Write PREFIX.pairs: pairs is "BASELINE VARIANT" lines.  Exits 1 when
 * the file cannot be written.
 */
void samples_pairs(const char *prefix, const char *pairs);

/*
 * PREFIX.suffix opened for writing / closed; either exits 1 with a
 * message when it fails.
 */
FILE *samples_file(const char *prefix, const char *suffix);
void samples_close(FILE *f, const char *prefix, const char *suffix);

/* The median of n samples (v is left as it was). */
double samples_median(const double *v, int n);

/*
 * The least of n samples: of costs measured on a busy machine, the one
 * least disturbed by other work (what a plot of cost against a
 * parameter draws, so that its line shows the parameter, not the load).
 */
double samples_min(const double *v, int n);

/*
 * A line plot for bench/run.sh, which runs every PREFIX.*.gp with
 * gnuplot: write PREFIX.name.gp to draw columns 2 .. ncols + 1 of
 * PREFIX.name.dat (which the caller writes: one row per x, x in column
 * 1) against column 1, titled cols[], into PREFIX.name.png and, as
 * text for docs/performance.md, PREFIX.name.txt.  log is SAMPLES_LOGX
 * (base 2) or SAMPLES_LOGX10, and/or SAMPLES_LOGY (base 10), for log
 * scales.
 */
#define SAMPLES_LOGX   1
#define SAMPLES_LOGY   2
#define SAMPLES_LOGX10 4

void samples_plot(const char *prefix, const char *name, const char *title,
    const char *xlabel, const char *ylabel, int log, const char *const *cols,
    int ncols);

#endif /* GNTBOX_TESTS_SAMPLES_H */
