/*
 * check.c: the failure counter behind check.h.
 */
#include <stdarg.h>
#include <stdio.h>

#include "check.h"

unsigned long check_count;
unsigned long check_failures;

void
check_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	check_failures++;
	fprintf(stderr, "FAIL %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int
check_exit(void)
{

	if (check_count == 0) {
		fprintf(stderr, "FAIL: the test checked nothing\n");
		return (1);
	}
	if (check_failures != 0) {
		fprintf(stderr, "%lu of %lu checks failed\n", check_failures,
		    check_count);
		return (1);
	}
	return (0);
}
