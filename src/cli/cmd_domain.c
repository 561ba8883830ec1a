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
    "gntboxd exits.\n";

static const char destroy_help[] =
    "usage: gntbox destroy --dom N\n"
    "\n"
    "Destroy domain N: its connections are closed, its grants are "
    "ended (those\nother domains still map are released when they "
    "let go), its xenstore nodes\nare removed and @releaseDomain "
    "fires.  Domain 0 cannot be destroyed.\nThe QEMUs serving its "
    "disks (block-attach), or running in it, stop first.\n";

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
	if (o->domid < 0)
		return (cli_usage(cmd, "--dom N is required"));
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
	domid = o.domid;
	if ((error = gbx_ctl_open(&c)) != 0)
		return (cli_fail("create", "no gntboxd answers: %s",
		    strerror(error)));
	error = gbx_ctl_domain_create(c, (unsigned)domid, o.name, false);
	gbx_conn_close(c);
	if (error == EEXIST)
		return (cli_fail("create", "domain %d exists", domid));
	if (error != 0)
		return (cli_fail("create", "domain %d: %s", domid,
		    strerror(error)));
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
	domid = o.domid;
	if ((error = gbx_ctl_open(&c)) != 0)
		return (cli_fail("destroy", "no gntboxd answers: %s",
		    strerror(error)));
	cli_block_domain_destroy("destroy", domid);
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
