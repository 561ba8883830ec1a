/*
 * log.c: diagnostics to stderr, one write per line so that lines from
 * several processes do not interleave.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "base/log.h"

static const char *log_prog = "gntbox";
static enum gbx_log_level log_max = GBX_LOG_INFO;

void
gbx_log_init(const char *prog, enum gbx_log_level max)
{

	log_prog = prog;
	log_max = max;
}

void
gbx_log(enum gbx_log_level level, const char *fmt, ...)
{
	static const char *names[] = { "error", "warning", "info", "debug" };
	char line[1024];
	va_list ap;
	ssize_t w;
	int n, m, saved;

	if (level > log_max)
		return;
	saved = errno;
	n = snprintf(line, sizeof(line), "%s: %s: ", log_prog, names[level]);
	if (n < 0 || (size_t)n >= sizeof(line))
		n = 0;
	va_start(ap, fmt);
	m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (m < 0)
		m = 0;
	n += m;
	if ((size_t)n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	/* Nowhere to report a failed write of a diagnostic. */
	w = write(STDERR_FILENO, line, (size_t)n);
	(void)w;
	errno = saved;
}
