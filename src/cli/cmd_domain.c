/*
 * cmd_domain.c: gntbox create and gntbox destroy, explicit domain
 * lifetimes (gntbox run creates the domain it needs by itself).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "lib/ctl.h"

/*
 * Parse "--dom N [--name NAME]" (NAME only when name is not NULL).
 * Returns 0 or the exit status of a usage error.
 */
static int
parse_dom(const char *cmd, int argc, char **argv, int *domid, const char **name,
    void (*help)(void))
{
	static const struct option opts[] = {
		{ "dom", required_argument, NULL, 'd' },
		{ "name", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch, rc;

	*domid = -1;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			if ((rc = cli_parse_domid(cmd, optarg, domid)) != 0)
				return (rc);
			break;
		case 'n':
			if (name == NULL)
				return (cli_usage(cmd, "no --name here"));
			*name = optarg;
			break;
		case 'h':
			help();
			return (-1);
		default:
			return (cli_usage(cmd, "unknown option \'%s\'",
			    argv[optind - 1]));
		}
	}
	if (optind != argc)
		return (cli_usage(cmd, "unexpected '%s'", argv[optind]));
	if (*domid < 0)
		return (cli_usage(cmd, "--dom N is required"));
	return (0);
}

static void
create_help(void)
{

	printf("usage: gntbox create --dom N [--name NAME]\n"
	       "\n"
	       "Create domain N, with its sockets and its xenstore home "
	       "/local/domain/N.\nIt lives until 'gntbox destroy' or until "
	       "gntboxd exits.\n");
}

static void
destroy_help(void)
{

	printf("usage: gntbox destroy --dom N\n"
	       "\n"
	       "Destroy domain N: its connections are closed, its grants are "
	       "ended (those\nother domains still map are released when they "
	       "let go), its xenstore nodes\nare removed and @releaseDomain "
	       "fires.  Domain 0 cannot be destroyed.\n");
}

int
cmd_create(int argc, char **argv)
{
	struct gbx_conn *c;
	const char *name;
	int domid, error, rc;

	name = NULL;
	if ((rc = parse_dom("create", argc, argv, &domid, &name,
		 create_help)) != 0)
		return (rc < 0 ? 0 : rc);
	if ((error = gbx_ctl_open(&c)) != 0)
		return (cli_fail("create", "no gntboxd answers: %s",
		    strerror(error)));
	error = gbx_ctl_domain_create(c, (unsigned)domid, name, false);
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
	struct gbx_conn *c;
	int domid, error, rc;

	if ((rc = parse_dom("destroy", argc, argv, &domid, NULL,
		 destroy_help)) != 0)
		return (rc < 0 ? 0 : rc);
	if ((error = gbx_ctl_open(&c)) != 0)
		return (cli_fail("destroy", "no gntboxd answers: %s",
		    strerror(error)));
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
