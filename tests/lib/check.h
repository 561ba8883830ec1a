/*
 * check.h: assertions for gntbox's tests.
 *
 * A failed CHECK prints where and what, counts the failure and carries on,
 * so one run reports every broken expectation; REQUIRE stops the test.  A
 * test program ends with "return (check_exit());", which fails when any
 * check failed or when no check ran at all: a test that asserts nothing
 * never passes.
 */
#ifndef GNTBOX_TESTS_CHECK_H
#define GNTBOX_TESTS_CHECK_H

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern unsigned long check_count;
extern unsigned long check_failures;

void check_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int check_exit(void);

#define CHECK(cond)                                                            \
	do {                                                                   \
		check_count++;                                                 \
		if (!(cond))                                                   \
			check_fail(__FILE__, __LINE__, "%s", #cond);           \
	} while (0)

#define CHECK_EQ(a, b)                                                         \
	do {                                                                   \
		long long check_a_ = (long long)(a),                           \
			  check_b_ = (long long)(b);                           \
		check_count++;                                                 \
		if (check_a_ != check_b_)                                      \
			check_fail(__FILE__, __LINE__,                         \
			    "%s == %s (%lld != %lld)", #a, #b, check_a_,       \
			    check_b_);                                         \
	} while (0)

#define CHECK_U64(a, b)                                                        \
	do {                                                                   \
		uint64_t check_a_ = (uint64_t)(a), check_b_ = (uint64_t)(b);   \
		check_count++;                                                 \
		if (check_a_ != check_b_)                                      \
			check_fail(__FILE__, __LINE__,                         \
			    "%s == %s (%#" PRIx64 " != %#" PRIx64 ")", #a, #b, \
			    check_a_, check_b_);                               \
	} while (0)

/* A call that returns 0 or an errno value (or -1 with errno set). */
#define CHECK_ERR(call, want)                                                  \
	do {                                                                   \
		int check_r_ = (call);                                         \
		if (check_r_ == -1)                                            \
			check_r_ = errno;                                      \
		check_count++;                                                 \
		if (check_r_ != (want))                                        \
			check_fail(__FILE__, __LINE__, "%s -> %s, want %s",    \
			    #call, check_r_ ? strerror(check_r_) : "0",        \
			    (want) ? strerror(want) : "0");                    \
	} while (0)

#define REQUIRE(cond)                                                          \
	do {                                                                   \
		check_count++;                                                 \
		if (!(cond)) {                                                 \
			check_fail(__FILE__, __LINE__, "required: %s", #cond); \
			exit(check_exit());                                    \
		}                                                              \
	} while (0)

#endif /* GNTBOX_TESTS_CHECK_H */
