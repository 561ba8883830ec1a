/*
 * log.h: gntbox's diagnostics.
 *
 * One line per message, with a level.  gntboxd is the only user today:
 * client libraries stay quiet, because they run inside other people's
 * programs.  A line goes to:
 *
 *   - standard error (gntboxd's log file when it runs detached), as
 *     "2026-12-05T14:03:07.123+01:00 warn: what happened": an ISO 8601
 *     timestamp with milliseconds and the local offset, the level, the
 *     message.  When standard error is the systemd journal
 *     ($JOURNAL_STREAM names it) the line is "<4>warn: what happened"
 *     instead: the journal stamps the time itself and takes the
 *     priority from the "<N>" prefix (sd-daemon(3)).
 *   - a syslog socket, when gbx_log_syslog() opened one: RFC 3164
 *     datagrams "<PRI>Mmm dd hh:mm:ss PROG[PID]: message", sent without
 *     ever blocking (a full socket loses the line).
 *   - the hook, when one is set: gntboxd keeps the lines it is given
 *     for `gntbox log`.
 *
 * The levels are syslog's err, warning, info and debug, named error,
 * warn, info and debug.
 */
#ifndef GNTBOX_BASE_LOG_H
#define GNTBOX_BASE_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum gbx_log_level {
	GBX_LOG_ERR,
	GBX_LOG_WARN,
	GBX_LOG_INFO,
	GBX_LOG_DEBUG,
};

#define GBX_LOG_LEVELS 4

/* Longest line, timestamp and level included, newline excluded. */
#define GBX_LOG_LINE_MAX 1024

/* "2026-12-05T14:03:07.123+01:00" and its nul. */
#define GBX_LOG_TS_LEN 30

/* Set the prefix and the most verbose level printed (default GBX_LOG_INFO). */
void gbx_log_init(const char *prog, enum gbx_log_level max);

/* The most verbose level printed. */
enum gbx_log_level gbx_log_max(void);

void gbx_log(enum gbx_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define gbx_err(...)   gbx_log(GBX_LOG_ERR, __VA_ARGS__)
#define gbx_warn(...)  gbx_log(GBX_LOG_WARN, __VA_ARGS__)
#define gbx_info(...)  gbx_log(GBX_LOG_INFO, __VA_ARGS__)
#define gbx_debug(...) gbx_log(GBX_LOG_DEBUG, __VA_ARGS__)

/* A level's name ("error", "warn", "info", "debug"). */
const char *gbx_log_level_name(enum gbx_log_level level);

/* A level from its name (or a syslog alias: err, warning).  0 or EINVAL. */
int gbx_log_level_parse(const char *name, enum gbx_log_level *level);

/*
 * The current time as an ISO 8601 timestamp with milliseconds and the
 * local offset ("2026-12-05T14:03:07.123+01:00"), into buf (at least
 * GBX_LOG_TS_LEN bytes).
 */
void gbx_log_timestamp(char *buf, size_t len);

/*
 * Whether standard error is the systemd journal: $JOURNAL_STREAM is
 * "DEVICE:INODE" of the stream systemd connected, and standard error is
 * that very file (a service's child with redirected stderr is not).
 * gbx_log_init() checks it; exported for tests and for gntboxd(8)'s
 * start-up message.
 */
bool gbx_log_stderr_is_journal(void);

/*
 * Also send every line to the syslog socket at path (NULL: /dev/log).
 * Returns 0, or an errno value when the socket cannot be made (a socket
 * that exists but does not answer yet is retried with each line).
 */
int gbx_log_syslog(const char *path);

/*
 * Call fn(arg, level, line, len) for every line printed: line is what
 * the log file gets (timestamp, level, message), without the newline.
 * NULL removes the hook.  fn must not log.
 */
typedef void gbx_log_hook_fn(void *arg, enum gbx_log_level level,
    const char *line, size_t len);
void gbx_log_set_hook(gbx_log_hook_fn *fn, void *arg);

/*
 * A token bucket for rate-limited messages: at most burst at once, then
 * per_sec a second.  gbx_ratelimit_ok() takes a token when one is left
 * and returns true; otherwise it counts the message in `suppressed` and
 * returns false.  Zero-initialise, then set burst and per_sec.
 */
struct gbx_ratelimit {
	uint32_t burst;
	uint32_t per_sec;
	uint64_t tokens_ms; /* tokens times 1000 */
	uint64_t last_ms;   /* CLOCK_MONOTONIC of the last refill; 0: full */
	uint64_t suppressed;
};

bool gbx_ratelimit_ok(struct gbx_ratelimit *rl);

#endif /* GNTBOX_BASE_LOG_H */
