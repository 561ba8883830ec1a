/*
 * gntbox: the command line of gntbox (docs/design.md "Command line", gntbox(1)).
 *
 * main() only finds the subcommand; each lives in its own file.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "config.h" /* generated: GBX_VERSION */

static const struct cmd {
	const char *name;
	int (*fn)(int, char **);
	const char *summary;
} cmds[] = {
	{ "run", cmd_run, "run a program as a process of a domain" },
	{ "up", cmd_up, "start gntboxd" },
	{ "down", cmd_down, "stop gntboxd" },
	{ "list", cmd_list, "list the domains" },
	{ "grants", cmd_grants, "dump grant tables" },
	{ "ports", cmd_ports, "list event-channel ports" },
	{ "stats", cmd_stats, "print gntboxd's counters" },
	{ "create", cmd_create, "create a domain" },
	{ "destroy", cmd_destroy, "destroy a domain" },
	{ "xs", cmd_xs, "read, write, list, remove or watch xenstore nodes" },
	{ "block-attach", cmd_block_attach, "attach a disk to a domain (xl)" },
	{ "block-list", cmd_block_list, "list a domain's disks (xl)" },
	{ "block-detach", cmd_block_detach,
	    "detach a disk from a domain (xl)" },
	{ "log", cmd_log, "print gntboxd's log" },
	{ "top", cmd_top, "watch each domain's activity" },
	{ "trace", cmd_trace, "print gntboxd's operations as they happen" },
};

static void
usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: gntbox COMMAND [ARGS...]\n\nCommands:\n");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  %-12s %s\n", cmds[i].name, cmds[i].summary);
	fprintf(f,
	    "\n'gntbox COMMAND --help' describes each; "
	    "'gntbox --version' prints the version.\n");
}

int
main(int argc, char **argv)
{
	static char help_flag[] = "--help";
	char *help_argv[4];
	size_t i;

	/* Each subcommand reports a bad option itself, in one line. */
	opterr = 0;
	if (argc < 2) {
		usage(stderr);
		return (CLI_EXIT_USAGE);
	}
	/* `gntbox help CMD` is `gntbox CMD --help`, as in xl and git. */
	if (strcmp(argv[1], "help") == 0 && argc > 2) {
		if (argc > 3) {
			fprintf(stderr, "gntbox: help: unexpected '%s'\n",
			    argv[3]);
			return (CLI_EXIT_USAGE);
		}
		help_argv[0] = argv[0];
		help_argv[1] = argv[2];
		help_argv[2] = help_flag;
		help_argv[3] = NULL;
		argc = 3;
		argv = help_argv;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return (0);
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("gntbox %s\n", GBX_VERSION);
		return (0);
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(argv[1], cmds[i].name) == 0)
			return (cmds[i].fn(argc - 1, argv + 1));
	fprintf(stderr, "gntbox: '%s' is not a command; try 'gntbox --help'\n",
	    argv[1]);
	return (CLI_EXIT_USAGE);
}
