/*
 * util.c: messages and argument parsing shared by the subcommands.
 *
 * The NOLINTs below: clang-tidy 14 says vfprintf gets an uninitialised
 * va_list here, but only when it has analysed another file of src/cli/
 * first in the same run; analysed alone the file is clean.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

int
cli_fail(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "gntbox: %s: ", cmd);
	va_start(ap, fmt);
	/* NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized) */
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return (CLI_EXIT_FAIL);
}

int
cli_usage(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "gntbox: %s: ", cmd);
	va_start(ap, fmt);
	/* NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized) */
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'gntbox %s --help'.\n", cmd);
	return (CLI_EXIT_USAGE);
}

bool
cli_wants_help(int argc, char **argv)
{

	return (argc > 1 &&
	    (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0));
}

int
cli_bad_option(const char *cmd, int ch, char **argv)
{

	/* optind has moved past the option, and past its value if any. */
	if (ch == ':')
		return (cli_usage(cmd, "%s needs a value", argv[optind - 1]));
	return (cli_usage(cmd, "unknown option '%s'", argv[optind - 1]));
}

int
cli_options(const char *cmd, int argc, char **argv, unsigned allowed,
    const char *help, struct cli_opts *o)
{
	static const struct option opts[] = {
		{ "dom", required_argument, NULL, CLI_OPT_DOM },
		{ "name", required_argument, NULL, CLI_OPT_NAME },
		{ "json", no_argument, NULL, CLI_OPT_JSON },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch, rc;

	o->domid = -1;
	o->domname = NULL;
	o->name = NULL;
	o->json = false;
	optind = 1;
	while ((ch = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (ch == 'h') {
			fputs(help, stdout);
			return (-1);
		}
		if (ch == '?' || ch == ':')
			return (cli_bad_option(cmd, ch, argv));
		if (((unsigned)ch & allowed) == 0)
			return (cli_usage(cmd, "no --%s here",
			    ch == CLI_OPT_DOM	   ? "dom" :
				ch == CLI_OPT_NAME ? "name" :
						     "json"));
		if (ch == CLI_OPT_DOM &&
		    (rc = cli_dom_arg(cmd, optarg, &o->domid, &o->domname)) !=
			0)
			return (rc);
		if (ch == CLI_OPT_NAME)
			o->name = optarg;
		if (ch == CLI_OPT_JSON)
			o->json = true;
	}
	if (optind != argc)
		return (cli_usage(cmd, "unexpected '%s'", argv[optind]));
	return (0);
}
