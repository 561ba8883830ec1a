/*
 * log.h: gntbox's diagnostics.
 *
 * One line per message, prefixed with the program name and the level.
 * gntboxd sends them to stderr, or to its log file when detached; client
 * libraries stay quiet unless GNTBOX_DEBUG is set in the environment,
 * because they run inside other people's programs.
 */
#ifndef GNTBOX_BASE_LOG_H
#define GNTBOX_BASE_LOG_H

enum gbx_log_level {
	GBX_LOG_ERR,
	GBX_LOG_WARN,
	GBX_LOG_INFO,
	GBX_LOG_DEBUG,
};

/* Set the prefix and the most verbose level printed (default GBX_LOG_INFO). */
void gbx_log_init(const char *prog, enum gbx_log_level max);

void gbx_log(enum gbx_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define gbx_err(...)   gbx_log(GBX_LOG_ERR, __VA_ARGS__)
#define gbx_warn(...)  gbx_log(GBX_LOG_WARN, __VA_ARGS__)
#define gbx_info(...)  gbx_log(GBX_LOG_INFO, __VA_ARGS__)
#define gbx_debug(...) gbx_log(GBX_LOG_DEBUG, __VA_ARGS__)

#endif /* GNTBOX_BASE_LOG_H */
