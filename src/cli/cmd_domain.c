/*
 * cmd_domain.c: gntbox create and gntbox destroy, explicit domain
 * lifetimes (gntbox run creates the domain it needs by itself).
 */
#include <errno.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/paths.h"
#include "cli/cli.h"
#include "lib/ctl.h"

static const char create_help[] =
    "usage: gntbox create --dom N [--name NAME] [--user USER]\n"
    "\n"
    "Create domain N, with its sockets and its xenstore home "
    "/local/domain/N.\nIt lives until 'gntbox destroy' or until "
    "gntboxd exits.  NAME is 1 to 63 of\nthe characters A-Z a-z 0-9 "
    "_ . -, not all digits, and no other live domain's;\nwithout it "
    "the domain is domain-N, a name no other domain may take.\n"
    "\n"
    "With --user, the domain belongs to that Unix user (a name or a uid): "
    "its\nsockets are that user's alone (mode 0700), gntboxd refuses "
    "connections to\nthem from other users but root, and 'gntbox run' "
    "started by root runs\nits commands as that user.  Domains of "
    "different users cannot reach\neach other's processes (ptrace, "
    "/proc) nor write what was granted\nread-only.  gntboxd must run as "
    "root for this.\n";

static const char destroy_help[] =
    "usage: gntbox destroy --dom N|NAME\n"
    "\n"
    "Destroy domain N: its processes are killed (those with a connection "
    "to it,\nunless they also have one to domain 0 or to the control "
    "socket), its\nconnections are closed, its grants are ended (those "
    "other domains still map\nare released when they let go), its "
    "xenstore nodes are removed and\n@releaseDomain fires.  Each line "
    "printed says what ended.  Domain 0 cannot\nbe destroyed.\n";

/*
 * The options of create and destroy, --dom being required.  Returns 0,
 * -1 after --help, or an exit status.
 */
static int
dom_options(const char *cmd, int argc, char **argv, unsigned allowed,
    const char *help, struct cli_opts *o)
{
	int rc;

	if ((rc = cli_options(cmd, argc, argv, allowed, help, o)) != 0)
		return (rc);
	if (o->domid < 0 && o->domname == NULL)
		return (cli_usage(cmd, "--dom N is required"));
	if (o->name != NULL && o->domname != NULL)
		return (
		    cli_usage(cmd, "--name goes with a domain id: --dom N"));
	if (o->name != NULL)
		return (cli_check_name(cmd, o->name, (unsigned)o->domid));
	return (0);
}

/*
 * Take --user USER (or --user=USER) out of argv, which cli_options() does
 * not know, leaving the rest in args.  Returns 0, or a usage error.
 */
static int
take_user(int argc, char **argv, char **args, int *nargs, const char **user)
{
	int i, n;

	*user = NULL;
	*nargs = n = 0;
	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			while (i < argc)
				args[n++] = argv[i++];
			break;
		}
		if (strncmp(argv[i], "--user=", 7) == 0)
			*user = argv[i] + 7;
		else if (strcmp(argv[i], "--user") == 0) {
			if (i + 1 >= argc)
				return (cli_usage("create",
				    "--user needs a user name"));
			*user = argv[++i];
		} else
			args[n++] = argv[i];
	}
	args[n] = NULL;
	*nargs = n;
	if (*user != NULL && **user == '\0')
		return (cli_usage("create", "--user needs a user name"));
	return (0);
}

/* A user name or uid: its uid, or -1 after saying why. */
static int64_t
user_uid(const char *user)
{
	struct passwd *pw;
	char *end;
	unsigned long v;

	if ((pw = getpwnam(user)) != NULL)
		return ((int64_t)pw->pw_uid);
	errno = 0;
	v = strtoul(user, &end, 10);
	if (*end == '\0' && errno == 0 && v < UINT32_MAX && user[0] != '-')
		return ((int64_t)v);
	(void)cli_fail("create", "there is no user '%s'", user);
	return (-1);
}

int
cmd_create(int argc, char **argv)
{
	char dir[GBX_PATH_MAX];
	struct cli_opts o;
	struct gbx_conn *c;
	const char *user;
	char **args;
	int64_t uid;
	int domid, error, rc, nargs;

	if ((args = calloc((size_t)argc + 1, sizeof(*args))) == NULL)
		return (cli_fail("create", "out of memory"));
	if ((rc = take_user(argc, argv, args, &nargs, &user)) != 0 ||
	    (rc = dom_options("create", nargs, args, CLI_OPT_DOM | CLI_OPT_NAME,
		 create_help, &o)) != 0) {
		free(args);
		return (rc < 0 ? 0 : rc);
	}
	free(args);
	uid = -1;
	if (user != NULL && (uid = user_uid(user)) == -1)
		return (CLI_EXIT_FAIL);
	if ((rc = cli_ctl_open("create", &c)) != 0)
		return (rc);
	if (o.domname != NULL) {
		/* A name: only an existing domain has one yet. */
		error = cli_dom_find(c, o.domname, &domid);
		gbx_conn_close(c);
		if (error == 0)
			return (cli_fail("create", "domain %s exists (id %d)",
			    o.domname, domid));
		return (cli_fail("create",
		    "there is no domain named '%s'; to make one: gntbox "
		    "create --dom N --name %s",
		    o.domname, o.domname));
	}
	domid = o.domid;
	error =
	    gbx_ctl_domain_create_as(c, (unsigned)domid, o.name, false, uid);
	if (error == EPERM && user != NULL)
		rc = cli_fail("create",
		    "domain %d: binding a domain to user %s needs gntboxd "
		    "to run as root",
		    domid, user);
	else if (error == EACCES && user != NULL) {
		if (gbx_runtime_dir(dir, sizeof(dir)) != 0)
			(void)snprintf(dir, sizeof(dir),
			    "the runtime directory");
		rc = cli_fail("create",
		    "domain %d: user %s cannot reach %s (a directory above "
		    "it is not searchable by others)",
		    domid, user, dir);
	} else
		rc = error == 0 ?
		    0 :
		    cli_create_failed("create", c, domid, o.name, error);
	gbx_conn_close(c);
	return (rc);
}

/* The name of domain domid, for the listing ("" when unknown). */
static void
domain_name(struct gbx_conn *c, unsigned domid, char *buf, size_t len)
{
	struct gbx_domain_rec *recs;
	uint32_t i, n;

	buf[0] = '\0';
	if (gbx_ctl_domains(c, &recs, &n) != 0)
		return;
	for (i = 0; i < n; i++)
		if (recs[i].domid == domid)
			(void)snprintf(buf, len, "%.*s",
			    (int)sizeof(recs[i].name), recs[i].name);
	free(recs);
}

int
cli_destroy(struct gbx_conn *c, unsigned domid)
{
	struct gbx_proc_rec *recs;
	char name[GBX_NAME_MAX + 1];
	uint32_t i, n;
	int error;

	domain_name(c, domid, name, sizeof(name));
	if ((error = gbx_ctl_domain_destroy_list(c, domid, &recs, &n)) != 0)
		return (error);
	printf("domain %u (%s): destroyed\n", domid, name);
	for (i = 0; i < n; i++) {
		recs[i].comm[sizeof(recs[i].comm) - 1] = '\0';
		if (recs[i].error == 0)
			printf("domain %u (%s): killed process %u (%s), uid "
			       "%u\n",
			    domid, name, recs[i].pid, recs[i].comm,
			    recs[i].uid);
		else
			printf("domain %u (%s): could not kill process %u "
			       "(%s), uid %u: %s\n",
			    domid, name, recs[i].pid, recs[i].comm, recs[i].uid,
			    strerror(recs[i].error));
	}
	free(recs);
	return (0);
}

int
cmd_destroy(int argc, char **argv)
{
	struct cli_opts o;
	struct gbx_conn *c;
	int domid, error, rc;

	if ((rc = dom_options("destroy", argc, argv, CLI_OPT_DOM, destroy_help,
		 &o)) != 0)
		return (rc < 0 ? 0 : rc);
	if ((rc = cli_dom_open("destroy", &o, &c)) != 0)
		return (rc);
	domid = o.domid;
	cli_block_domain_destroy("destroy", domid);
	error = cli_destroy(c, (unsigned)domid);
	gbx_conn_close(c);
	if (error == ESRCH)
		return (cli_fail("destroy", "there is no domain %d", domid));
	if (error == EPERM)
		return (cli_fail("destroy", "domain 0 cannot be destroyed"));
	if (error != 0)
		return (cli_fail("destroy", "domain %d: %s", domid,
		    strerror(error)));
	return (0);
}
