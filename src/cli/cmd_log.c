/*
 * cmd_log.c: gntbox log -- the daemon's log, as `xl dmesg` shows Xen's.
 *
 * gntboxd keeps its last lines in memory (CTL_LOG), so this works
 * however the daemon logs (a file, syslog, the journal).  -f then
 * follows new lines until the daemon exits, or until --count lines came.
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "cli/cli.h"
#include "lib/ctl.h"
#include "lib/ctl_observe.h"

#define LOG_CMD "log"

static const char log_help[] =
    "usage: gntbox log [-f] [-n N] [--level LEVEL] [--count K]\n"
    "\n"
    "Print gntboxd's log: the lines it keeps in memory (its last 2048),\n"
    "whatever --log, --syslog or the journal do with them, as 'xl dmesg'\n"
    "prints Xen's.  Each line is 'TIME LEVEL: MESSAGE', TIME in ISO 8601\n"
    "with milliseconds.\n"
    "\n"
    "  -f, --follow     then print new lines as they come, until gntboxd\n"
    "                   exits\n"
    "  -n, --lines N    only the last N lines\n"
    "  --level LEVEL    only lines of LEVEL or more severe: error, warn,\n"
    "                   info or debug (default: every line)\n"
    "  --count K        with -f: stop after K new lines\n";

/* A decimal count >= 1 (or >= 0 with zero_ok) into *v; else usage. */
int
cli_parse_count(const char *cmd, const char *what, const char *s, bool zero_ok,
    unsigned long *v)
{
	char *end;

	errno = 0;
	*v = strtoul(s, &end, 10);
	if (*s == '\0' || *s == '-' || *end != '\0' || errno != 0 ||
	    *v > UINT32_MAX || (*v == 0 && !zero_ok))
		return (cli_usage(cmd, "%s: '%s' is not a count", what, s));
	return (0);
}

/* Print feed lines until count of them came (count < 0: for ever). */
int
cli_follow(const char *cmd, struct gbx_conn *c, long count)
{
	char line[GBX_INLINE_MAX + 1];
	struct gbx_feed f;
	int error;

	fflush(stdout);
	while (count != 0) {
		error = gbx_ctl_feed_next(c, &f, line, sizeof(line), -1);
		if (error == EINTR)
			continue;
		if (error == EPIPE) {
			fprintf(stderr, "gntbox: %s: gntboxd has exited\n",
			    cmd);
			return (0);
		}
		if (error != 0)
			return (cli_fail(cmd, "%s", strerror(error)));
		if (f.dropped != 0)
			printf("-- %llu line%s dropped: this reader fell "
			       "behind --\n",
			    (unsigned long long)f.dropped,
			    f.dropped == 1 ? "" : "s");
		printf("%s\n", line);
		fflush(stdout);
		if (count > 0)
			count--;
	}
	return (0);
}

int
cmd_log(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "follow", no_argument, NULL, 'f' },
		{ "lines", required_argument, NULL, 'n' },
		{ "level", required_argument, NULL, 'l' },
		{ "count", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	enum gbx_log_level level;
	unsigned long lines, count;
	struct gbx_conn *c;
	bool follow;
	char *text;
	size_t len;
	int ch, error, rc;

	level = GBX_LOG_DEBUG;
	lines = 0;
	count = 0;
	follow = false;
	optind = 1;
	while ((ch = getopt_long(argc, argv, ":fn:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			follow = true;
			break;
		case 'n':
			if ((rc = cli_parse_count(LOG_CMD, "-n", optarg, true,
				 &lines)) != 0)
				return (rc);
			break;
		case 'l':
			if (gbx_log_level_parse(optarg, &level) != 0)
				return (cli_usage(LOG_CMD,
				    "--level: '%s' is not error, warn, info "
				    "or debug",
				    optarg));
			break;
		case 'c':
			if ((rc = cli_parse_count(LOG_CMD, "--count", optarg,
				 false, &count)) != 0)
				return (rc);
			break;
		case 'h':
			fputs(log_help, stdout);
			return (0);
		default:
			return (cli_bad_option(LOG_CMD, ch, argv));
		}
	}
	if (optind != argc)
		return (cli_usage(LOG_CMD, "unexpected '%s'", argv[optind]));
	if (count != 0 && !follow)
		return (cli_usage(LOG_CMD, "--count needs -f"));
	if ((rc = cli_ctl_open(LOG_CMD, &c)) != 0)
		return (rc);
	error = gbx_ctl_log(c, (uint32_t)lines, (unsigned)level, follow, &text,
	    &len);
	if (error != 0) {
		gbx_conn_close(c);
		return (cli_fail(LOG_CMD, "%s", strerror(error)));
	}
	fwrite(text, 1, len, stdout);
	free(text);
	rc = follow ? cli_follow(LOG_CMD, c, count != 0 ? (long)count : -1) : 0;
	gbx_conn_close(c);
	return (rc);
}
