/*
 * cmd_domain.c: gntbox create and gntbox destroy, explicit domain
 * lifetimes (gntbox run creates the domain it needs by itself).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "lib/ctl.h"

static const char create_help[] =
    "usage: gntbox create --dom N [--name NAME]\n"
    "\n"
    "Create domain N, with its sockets and its xenstore home "
    "/local/domain/N.\nIt lives until 'gntbox destroy' or until "
    "gntboxd exits.  NAME is 1 to 63 of\nthe characters A-Z a-z 0-9 "
    "_ . -, not all digits, and no other live domain's;\nwithout it "
    "the domain is domain-N, a name no other domain may take.\n";

static const char destroy_help[] =
    "usage: gntbox destroy --dom N|NAME\n"
    "\n"
    "Destroy domain N: its connections are closed, its grants are "
    "ended (those\nother domains still map are released when they "
    "let go), its xenstore nodes\nare removed and @releaseDomain "
    "fires.  Domain 0 cannot be destroyed.\n";

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

int
cmd_create(int argc, char **argv)
{
	struct cli_opts o;
	struct gbx_conn *c;
	int domid, error, rc;

	if ((rc = dom_options("create", argc, argv, CLI_OPT_DOM | CLI_OPT_NAME,
		 create_help, &o)) != 0)
		return (rc < 0 ? 0 : rc);
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
	error = gbx_ctl_domain_create(c, (unsigned)domid, o.name, false);
	rc = error == 0 ? 0 :
			  cli_create_failed("create", c, domid, o.name, error);
	gbx_conn_close(c);
	return (rc);
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
	error = gbx_ctl_domain_destroy(c, (unsigned)domid);
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
