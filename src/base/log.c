/*
 * log.c: diagnostics to standard error, a syslog socket and a hook
 * (log.h), one write per line so that lines from several processes do
 * not interleave.
 *
 * Nothing here may block the daemon: standard error is whatever the
 * daemon was given (a file, normally), and the syslog socket is
 * non-blocking, so a syslog daemon that does not read loses lines
 * instead of stalling gntboxd.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"

#define SYSLOG_FACILITY_DAEMON 3 /* LOG_DAEMON >> 3 */

static const char *log_prog = "gntbox";
static enum gbx_log_level log_max = GBX_LOG_INFO;
static bool log_journal;
static int log_syslog_fd = -1;
static struct sockaddr_un log_syslog_addr;
static gbx_log_hook_fn *log_hook;
static void *log_hook_arg;

/* syslog's severities for our levels (err, warning, info, debug). */
static const int log_severity[GBX_LOG_LEVELS] = { 3, 4, 6, 7 };
static const char *const log_names[GBX_LOG_LEVELS] = { "error", "warn", "info",
	"debug" };

void
gbx_log_init(const char *prog, enum gbx_log_level max)
{

	log_prog = prog;
	log_max = max;
	log_journal = gbx_log_stderr_is_journal();
}

enum gbx_log_level
gbx_log_max(void)
{

	return (log_max);
}

const char *
gbx_log_level_name(enum gbx_log_level level)
{

	return ((unsigned)level < GBX_LOG_LEVELS ? log_names[level] : "?");
}

int
gbx_log_level_parse(const char *name, enum gbx_log_level *level)
{
	unsigned i;

	for (i = 0; i < GBX_LOG_LEVELS; i++)
		if (strcasecmp(name, log_names[i]) == 0) {
			*level = (enum gbx_log_level)i;
			return (0);
		}
	if (strcasecmp(name, "err") == 0) {
		*level = GBX_LOG_ERR;
		return (0);
	}
	if (strcasecmp(name, "warning") == 0) {
		*level = GBX_LOG_WARN;
		return (0);
	}
	return (EINVAL);
}

void
gbx_log_timestamp(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;
	char date[24], zone[8];

	(void)clock_gettime(CLOCK_REALTIME, &ts);
	if (localtime_r(&ts.tv_sec, &tm) == NULL ||
	    strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm) == 0 ||
	    strftime(zone, sizeof(zone), "%z", &tm) != 5) {
		(void)snprintf(buf, len, "%lld.%03ld", (long long)ts.tv_sec,
		    ts.tv_nsec / 1000000);
		return;
	}
	/* ISO 8601's extended form wants the offset as +hh:mm. */
	(void)snprintf(buf, len, "%s.%03ld%.3s:%.2s", date,
	    ts.tv_nsec / 1000000, zone, zone + 3);
}

bool
gbx_log_stderr_is_journal(void)
{
	unsigned long long dev, ino;
	const char *env;
	struct stat st;
	char *end;

	if ((env = getenv("JOURNAL_STREAM")) == NULL || *env < '0' ||
	    *env > '9')
		return (false);
	errno = 0;
	dev = strtoull(env, &end, 10);
	if (*end != ':' || end[1] < '0' || end[1] > '9')
		return (false);
	ino = strtoull(end + 1, &end, 10);
	if (*end != '\0' || errno != 0 || fstat(STDERR_FILENO, &st) == -1)
		return (false);
	return ((unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino);
}

int
gbx_log_syslog(const char *path)
{
	int fd;

	if (path == NULL)
		path = "/dev/log";
	if (strlen(path) >= sizeof(log_syslog_addr.sun_path))
		return (ENAMETOOLONG);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return (errno);
	if (log_syslog_fd != -1)
		(void)close(log_syslog_fd);
	memset(&log_syslog_addr, 0, sizeof(log_syslog_addr));
	log_syslog_addr.sun_family = AF_UNIX;
	strcpy(log_syslog_addr.sun_path, path);
	log_syslog_fd = fd;
	/* Not there yet (syslog starts later): sendto() tries each line. */
	return (0);
}

/*
 * One RFC 3164 datagram: "<PRI>Mmm dd hh:mm:ss PROG[PID]: message", as
 * syslog(3) sends it, so that rsyslog and journald file it under our
 * name and pid.  A full or missing socket loses the line.
 */
static void
log_to_syslog(enum gbx_log_level level, const char *msg, size_t mlen)
{
	char buf[GBX_LOG_LINE_MAX + 64], stamp[20];
	struct tm tm;
	time_t now;
	int n;

	now = time(NULL);
	if (localtime_r(&now, &tm) == NULL ||
	    strftime(stamp, sizeof(stamp), "%b %e %H:%M:%S", &tm) == 0)
		stamp[0] = '\0';
	n = snprintf(buf, sizeof(buf),
	    "<%d>%s %s[%d]: ", SYSLOG_FACILITY_DAEMON * 8 + log_severity[level],
	    stamp, log_prog, (int)getpid());
	if (n < 0 || (size_t)n >= sizeof(buf))
		return;
	if (mlen > sizeof(buf) - (size_t)n)
		mlen = sizeof(buf) - (size_t)n;
	memcpy(buf + n, msg, mlen);
	(void)sendto(log_syslog_fd, buf, (size_t)n + mlen, MSG_NOSIGNAL,
	    (struct sockaddr *)&log_syslog_addr, sizeof(log_syslog_addr));
}

void
gbx_log_set_hook(gbx_log_hook_fn *fn, void *arg)
{

	log_hook = fn;
	log_hook_arg = arg;
}

void
gbx_log(enum gbx_log_level level, const char *fmt, ...)
{
	char line[GBX_LOG_LINE_MAX + 1], ts[GBX_LOG_TS_LEN];
	va_list ap;
	ssize_t w;
	size_t n, head;
	int m, saved;

	if (level > log_max || (unsigned)level >= GBX_LOG_LEVELS)
		return;
	saved = errno;
	gbx_log_timestamp(ts, sizeof(ts));
	/* The file's form; the journal's replaces the timestamp. */
	m = snprintf(line, sizeof(line), "%s %s: ", ts, log_names[level]);
	head = m < 0 ? 0 : (size_t)m;
	va_start(ap, fmt);
	/* clang-tidy 14: a false uninitialised va_list, as in cli/util.c */
	/* NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized) */
	m = vsnprintf(line + head, sizeof(line) - head, fmt, ap);
	va_end(ap);
	n = head + (m < 0 ? 0 : (size_t)m);
	if (n > GBX_LOG_LINE_MAX)
		n = GBX_LOG_LINE_MAX;
	if (log_syslog_fd != -1)
		log_to_syslog(level, line + head, n - head);
	if (log_hook != NULL)
		log_hook(log_hook_arg, level, line, n);
	line[n] = '\n';
	if (log_journal) {
		char jl[GBX_LOG_LINE_MAX + 16];
		size_t skip;
		int k;

		/* "<4>warn: message": the level word stays for readers. */
		skip = strlen(ts) + 1;
		k = snprintf(jl, sizeof(jl), "<%d>", log_severity[level]);
		memcpy(jl + k, line + skip, n + 1 - skip);
		w = write(STDERR_FILENO, jl, (size_t)k + n + 1 - skip);
	} else
		w = write(STDERR_FILENO, line, n + 1);
	/* Nowhere to report a failed write of a diagnostic. */
	(void)w;
	errno = saved;
}

bool
gbx_ratelimit_ok(struct gbx_ratelimit *rl)
{
	struct timespec ts;
	uint64_t now, cap;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	cap = (uint64_t)rl->burst * 1000;
	if (rl->last_ms == 0)
		rl->tokens_ms = cap;
	else if (now > rl->last_ms)
		rl->tokens_ms += (now - rl->last_ms) * rl->per_sec;
	if (rl->tokens_ms > cap)
		rl->tokens_ms = cap;
	rl->last_ms = now != 0 ? now : 1;
	if (rl->tokens_ms >= 1000) {
		rl->tokens_ms -= 1000;
		return (true);
	}
	rl->suppressed++;
	return (false);
}
