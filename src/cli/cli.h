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
 * The path of rel relative to the directory of this program (gntboxd and
 * the preload library are found next to gntbox: build/bin, build/lib).
 */
int cli_sibling_path(const char *rel, char *buf, size_t len);

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
 * Set this process's environment to make a program it execs a process of
 * domain domid, as `gntbox run` does (GNTBOX_DIR, GNTBOX_DOMID,
 * XENSTORED_PATH, the preload library in LD_PRELOAD).  0, or a printed
 * failure (1).
 */
int cli_domain_env(const char *cmd, int domid);

/*
 * The block-device toolstack's part in other commands (devmodel.c):
 * gntbox list prints the device models after the domains, and gntbox
 * destroy stops those of a domain (and removes its disks' nodes) before
 * the domain goes, as libxl does.  Both print their own failures and
 * leave the command to carry on.
 */
void cli_block_list_dms(void);
void cli_block_domain_destroy(const char *cmd, int domid);

int cmd_block_attach(int argc, char **argv);
int cmd_block_detach(int argc, char **argv);
int cmd_block_list(int argc, char **argv);
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
