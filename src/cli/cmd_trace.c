/*
 * cmd_trace.c: gntbox trace -- gntboxd's operations as they happen, one
 * line each, for watching a handshake: grants shared, mapped, unmapped,
 * ports bound and unbound, notifies that pass through gntboxd, xenstore
 * requests with their paths and results, and every denial.
 *
 * The daemon sends the lines (CTL_TRACE) and never waits for us: when we
 * fall behind it drops lines and says how many, and we print that where
 * it happened.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "lib/ctl.h"
#include "lib/ctl_observe.h"

#define TRACE_CMD "trace"

static const char trace_help[] =
    "usage: gntbox trace [--dom D|NAME] [--count K]\n"
    "\n"
    "Print what gntboxd does, as it does it, one line per operation:\n"
    "'TIME dom D OPERATION -> RESULT'.  Grant shares, maps, unmaps and\n"
    "notify settings, port binds and unbinds, notifies that go through\n"
    "gntboxd (a notify on the fast path does not: see 'gntbox top' for\n"
    "those), xenstore requests with their paths and results, domains\n"
    "created and destroyed, and every denial, with its reason.\n"
    "\n"
    "  --dom D      only operations of domain D, or on domain D's grants\n"
    "               and ports\n"
    "  --count K    stop after K lines\n"
    "\n"
    "gntboxd never waits for this reader; lines it had to drop are\n"
    "counted in a '-- N lines dropped --' line where they were lost.\n";

int
cmd_trace(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dom", required_argument, NULL, 'd' },
		{ "count", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct gbx_conn *c;
	const char *domname;
	unsigned long count;
	int ch, domid, error, rc;

	domid = -1;
	domname = NULL;
	count = 0;
	optind = 1;
	while ((ch = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			if ((rc = cli_dom_arg(TRACE_CMD, optarg, &domid,
				 &domname)) != 0)
				return (rc);
			break;
		case 'c':
			if ((rc = cli_parse_count(TRACE_CMD, "--count", optarg,
				 false, &count)) != 0)
				return (rc);
			break;
		case 'h':
			fputs(trace_help, stdout);
			return (0);
		default:
			return (cli_bad_option(TRACE_CMD, ch, argv));
		}
	}
	if (optind != argc)
		return (cli_usage(TRACE_CMD, "unexpected '%s'", argv[optind]));
	if ((rc = cli_ctl_open(TRACE_CMD, &c)) != 0)
		return (rc);
	if (domname != NULL &&
	    (rc = cli_dom_lookup(TRACE_CMD, c, domname, &domid)) != 0) {
		gbx_conn_close(c);
		return (rc);
	}
	error = gbx_ctl_trace(c, domid < 0 ? GBX_ALL_DOMAINS : (unsigned)domid);
	if (error != 0) {
		gbx_conn_close(c);
		if (error == ESRCH)
			return (cli_fail(TRACE_CMD, "there is no domain %d",
			    domid));
		return (cli_fail(TRACE_CMD, "%s", strerror(error)));
	}
	rc = cli_follow(TRACE_CMD, c, count != 0 ? (long)count : -1);
	gbx_conn_close(c);
	return (rc);
}
