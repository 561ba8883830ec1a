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

#include <sys/types.h>

#include <stdbool.h>
#include <stddef.h>

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

/* The common options; which ones a command takes is its `allowed` mask. */
#define CLI_OPT_DOM  0x1 /* --dom N */
#define CLI_OPT_NAME 0x2 /* --name NAME */
#define CLI_OPT_JSON 0x4 /* --json */

struct cli_opts {
	int domid;	  /* -1 when not given */
	const char *name; /* NULL when not given */
	bool json;
};

/*
 * Parse the allowed common options and --help, with no operands.
 * Returns 0; -1 after printing help (to stdout); or the exit status of a
 * usage error, already reported in one line.
 */
int cli_options(const char *cmd, int argc, char **argv, unsigned allowed,
    const char *help, struct cli_opts *o);

/*
 * What to say when a connection to gntboxd failed with error: the reason
 * a runtime directory or a daemon was refused (EPERM, paths.h), that it
 * is another user's (EACCES), else strerror(error).
 */
const char *cli_conn_error(int error);

/* 0 when a gntboxd answers on the control socket (its pid in *pid). */
int cli_daemon_ping(pid_t *pid);

/*
 * Start gntboxd detached, with --idle-exit idle_exit and the extra
 * arguments, and wait until it answers.  0, or a printed failure (1).
 */
int cli_daemon_start(const char *cmd, unsigned idle_exit, char *const *extra,
    pid_t *pid);

/* Start gntboxd unless one answers.  0, or a printed failure (1). */
int cli_daemon_ensure(const char *cmd, unsigned idle_exit);

/*
 * Open a control session (lib/ctl.h), or say in one line why not (no
 * daemon, or its error).  0, or the exit status of that failure.
 */
struct gbx_conn;
int cli_ctl_open(const char *cmd, struct gbx_conn **c);

/* Observability (issue 12): cmd_log.c, cmd_trace.c, cmd_top.c. */

/*
 * Parse a count of at most UINT32_MAX (0 too with zero_ok) given to the
 * option `what`.  0, or a usage error reported (CLI_EXIT_USAGE).
 */
int cli_parse_count(const char *cmd, const char *what, const char *s,
    bool zero_ok, unsigned long *v);

/*
 * Print the lines of the feed session c follows (log or trace), with a
 * line saying how many were dropped where gntboxd dropped some, until
 * count lines came (count < 0: until gntboxd exits).  An exit status.
 */
int cli_follow(const char *cmd, struct gbx_conn *c, long count);

int cmd_log(int argc, char **argv);
int cmd_top(int argc, char **argv);
int cmd_trace(int argc, char **argv);

/*
 * Destroy domain domid over the control session c and print what ended
 * (the domain, each process killed or that could not be), one line each
 * on standard output.  0 or the errno of the request.
 */
int cli_destroy(struct gbx_conn *c, unsigned domid);

int cmd_create(int argc, char **argv);
int cmd_destroy(int argc, char **argv);
int cmd_down(int argc, char **argv);
int cmd_grants(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_ports(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_up(int argc, char **argv);
int cmd_xs(int argc, char **argv);

#endif /* GNTBOX_CLI_CLI_H */
