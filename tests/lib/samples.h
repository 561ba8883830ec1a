/*
 * samples.h: how a benchmark reports, as bench/run.sh expects: each
 * variant's samples in PREFIX.VARIANT, one number per line (for
 * ministat), their median and spread on stdout, and the comparisons in
 * PREFIX.pairs.
 */
#ifndef GNTBOX_TESTS_SAMPLES_H
#define GNTBOX_TESTS_SAMPLES_H

#include <stdint.h>

/*
 * A count from the command line: a decimal number from 1 to max, or 0
 * for the caller to refuse.
 */
long samples_count(const char *s, long max);

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

#endif /* GNTBOX_TESTS_SAMPLES_H */
