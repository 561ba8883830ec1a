/*
 * cli.h: what the gntbox command's subcommands share.
 *
 * Each subcommand is a function cmd_<name>(argc, argv) in its own file,
 * listed in main.c.  argv[0] is the subcommand's name.  It prints its usage
 * for --help and returns the process's exit status: 0 on success, 1 when
 * the operation failed, 2 for a usage error.  Every failure is one line on
 * stderr, "gntbox: <subcommand>: <what went wrong>".
 */
#ifndef GNTBOX_CLI_CLI_H
#define GNTBOX_CLI_CLI_H

#include <stdbool.h>

#define CLI_EXIT_FAIL  1
#define CLI_EXIT_USAGE 2

/* Print the one-line failure; returns CLI_EXIT_FAIL. */
int cli_fail(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Print a one-line usage error and a pointer to --help; CLI_EXIT_USAGE. */
int cli_usage(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* True when argv asks for help (--help or -h as the first argument). */
bool cli_wants_help(int argc, char **argv);

/*
 * Parse a domain id (0..32751).  Returns 0, or prints a usage error and
 * returns CLI_EXIT_USAGE.
 */
int cli_parse_domid(const char *cmd, const char *s, int *domid);

int cmd_xs(int argc, char **argv);

#endif /* GNTBOX_CLI_CLI_H */
