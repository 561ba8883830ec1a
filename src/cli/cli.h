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
 * The usage error of a getopt_long() result that is no option of ours:
 * '?' (unknown option) or ':' (an option without its value; the option
 * strings start with ':' so that getopt_long() tells the two apart).
 */
int cli_bad_option(const char *cmd, int ch, char **argv);

/* The common options; which ones a command takes is its `allowed` mask. */
#define CLI_OPT_DOM  0x1 /* --dom N or NAME */
#define CLI_OPT_NAME 0x2 /* --name NAME */
#define CLI_OPT_JSON 0x4 /* --json */

struct cli_opts {
	int domid;	     /* -1 when not given, or given by name */
	const char *domname; /* --dom's name, until cli_dom_open() */
	const char *name;    /* --name; NULL when not given */
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

/* ------------------------------------------------------------------ */
/* domains.c: domains by id or by name, and the control session.        */

struct gbx_conn;

/*
 * --dom's value: a domain id (digits, 0 to 32751) into *domid, or a
 * domain name (proto/domname.h) into *name, to look up once a daemon
 * answers.  Returns 0, or a printed usage error.
 */
int cli_dom_arg(const char *cmd, const char *s, int *domid, const char **name);

/*
 * Check NAME as the name of new domain domid (create, run).  Returns 0,
 * or a printed usage error that says the rule.
 */
int cli_check_name(const char *cmd, const char *name, unsigned domid);

/*
 * Open a control session: 0, or the failure printed (the one message for
 * "no daemon", which names 'gntbox up', when none answers).
 */
int cli_ctl_open(const char *cmd, struct gbx_conn **c);

/* Print that no gntboxd serves the runtime directory; CLI_EXIT_FAIL. */
int cli_no_daemon(const char *cmd);

/* The live domain called name: 0, ESRCH when none, or an errno value. */
int cli_dom_find(struct gbx_conn *c, const char *name, int *domid);

/*
 * Look the live domain called name up, as xl does for a name where a
 * domain is expected.  0 with its id in *domid, or a printed failure.
 */
int cli_dom_lookup(const char *cmd, struct gbx_conn *c, const char *name,
    int *domid);

/*
 * cli_ctl_open(), then o->domname (if any) looked up into o->domid.  0
 * with the session in *c, or a printed failure (no session left open).
 */
int cli_dom_open(const char *cmd, struct cli_opts *o, struct gbx_conn **c);

/*
 * Say why creating domain domid (named name, or NULL) failed with error:
 * which domain exists or has the name, and so on.  CLI_EXIT_FAIL.
 */
int cli_create_failed(const char *cmd, struct gbx_conn *c, int domid,
    const char *name, int error);

/* 0 when a gntboxd answers on the control socket (its pid in *pid). */
int cli_daemon_ping(pid_t *pid);

/*
 * The runtime directory into dir, made if missing.  0, or a printed
 * failure that says which directory and why (a missing or unwritable
 * parent, a file in the way), and that GNTBOX_DIR chooses it.
 */
int cli_runtime_dir(const char *cmd, char *dir, size_t len);

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

/* ------------------------------------------------------------------ */
/* progcheck.c: what `gntbox run` can tell of a program beforehand.      */

/*
 * Warn (one line on stderr) when the program prog names, found as
 * execvp() finds it, cannot be reached by the preload library: it is
 * statically linked, or dynamic without the C library (its system calls
 * go to the kernel directly).  Says nothing of programs it cannot read.
 */
void cli_check_program(const char *cmd, const char *prog);

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
