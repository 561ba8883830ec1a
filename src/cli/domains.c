/*
 * domains.c: domains by id or by name, and the control session, for every
 * subcommand.
 *
 * Where a command takes --dom it takes a domain id or a name, as xl does
 * where it expects a domain: a string of digits is an id, anything else a
 * name (names are never all digits, proto/domname.h).  A name is looked
 * up in the daemon's list of domains when the command runs; dying
 * domains have given their names up.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/paths.h"
#include "cli/cli.h"
#include "lib/ctl.h"
#include "proto/domname.h"

int
cli_dom_arg(const char *cmd, const char *s, int *domid, const char **name)
{
	long v;

	*domid = -1;
	*name = NULL;
	if (*s != '\0' && s[strspn(s, "0123456789")] == '\0') {
		v = strlen(s) > 5 ? GBX_DOMID_MAX + 1 : strtol(s, NULL, 10);
		if (v > GBX_DOMID_MAX)
			return (
			    cli_usage(cmd, "'%s' is not a domain id (0 to %d)",
				s, GBX_DOMID_MAX));
		*domid = (int)v;
		return (0);
	}
	if (gbx_domain_name_check(s, GBX_ALL_DOMAINS) != GBX_NAME_OK)
		return (cli_usage(cmd,
		    "'%s' is neither a domain id (0 to %d) nor a domain name "
		    "(%s)",
		    s, GBX_DOMID_MAX, GBX_NAME_RULE));
	*name = s;
	return (0);
}

int
cli_check_name(const char *cmd, const char *name, unsigned domid)
{
	enum gbx_name_problem p;

	if ((p = gbx_domain_name_check(name, domid)) == GBX_NAME_OK)
		return (0);
	if (p == GBX_NAME_RESERVED)
		return (cli_usage(cmd,
		    "'%s' is not a name for domain %u: a name of the form "
		    "domain-N belongs to domain N (Domain-0 to domain 0)",
		    name, domid));
	return (
	    cli_usage(cmd, "'%s' is not a domain name: it %s (a name is %s)",
		name, gbx_domain_name_problem(p), GBX_NAME_RULE));
}

int
cli_no_daemon(const char *cmd)
{
	char dir[GBX_PATH_MAX];

	if (gbx_runtime_dir(dir, sizeof(dir)) != 0)
		snprintf(dir, sizeof(dir), "the runtime directory");
	return (cli_fail(cmd,
	    "no gntboxd serves %s; start one with 'gntbox up'", dir));
}

int
cli_ctl_open(const char *cmd, struct gbx_conn **c)
{
	int error;

	if ((error = gbx_ctl_open(c)) == 0)
		return (0);
	if (error == ENOENT || error == ECONNREFUSED)
		return (cli_no_daemon(cmd));
	return (cli_fail(cmd, "gntboxd: %s", strerror(error)));
}

/*
 * The record of the live domain with id domid (name NULL) or with that
 * name, from the list d of n; NULL when none.
 */
static const struct gbx_domain_rec *
find_rec(struct gbx_domain_rec *d, uint32_t n, int domid, const char *name)
{
	uint32_t i;

	for (i = 0; i < n; i++) {
		d[i].name[GBX_NAME_MAX - 1] = '\0';
		if ((d[i].flags & GBX_DOM_DYING) != 0)
			continue;
		if (name != NULL ? strcmp(d[i].name, name) == 0 :
				   d[i].domid == domid)
			return (&d[i]);
	}
	return (NULL);
}

int
cli_dom_find(struct gbx_conn *c, const char *name, int *domid)
{
	const struct gbx_domain_rec *r;
	struct gbx_domain_rec *d;
	uint32_t n;
	int error;

	if ((error = gbx_ctl_domains(c, &d, &n)) != 0)
		return (error);
	if ((r = find_rec(d, n, -1, name)) != NULL)
		*domid = r->domid;
	free(d);
	return (r != NULL ? 0 : ESRCH);
}

int
cli_dom_lookup(const char *cmd, struct gbx_conn *c, const char *name,
    int *domid)
{
	int error;

	if ((error = cli_dom_find(c, name, domid)) == ESRCH)
		return (cli_fail(cmd, "there is no domain named '%s'", name));
	if (error != 0)
		return (cli_fail(cmd, "list of domains: %s", strerror(error)));
	return (0);
}

int
cli_dom_open(const char *cmd, struct cli_opts *o, struct gbx_conn **c)
{
	int rc;

	if ((rc = cli_ctl_open(cmd, c)) != 0)
		return (rc);
	if (o->domname != NULL &&
	    (rc = cli_dom_lookup(cmd, *c, o->domname, &o->domid)) != 0) {
		gbx_conn_close(*c);
		*c = NULL;
		return (rc);
	}
	return (0);
}

int
cli_create_failed(const char *cmd, struct gbx_conn *c, int domid,
    const char *name, int error)
{
	const struct gbx_domain_rec *r;
	struct gbx_domain_rec *d;
	uint32_t n;
	int rc;

	if (error == EBUSY)
		return (cli_fail(cmd,
		    "domain %d is being destroyed: its id is free again once "
		    "other domains have unmapped its grants",
		    domid));
	if (error == ENOSPC)
		return (cli_fail(cmd,
		    "domain %d: gntboxd has all the domains "
		    "it may have",
		    domid));
	if (error != EEXIST || gbx_ctl_domains(c, &d, &n) != 0)
		return (cli_fail(cmd, "domain %d: %s", domid, strerror(error)));
	if ((r = find_rec(d, n, domid, NULL)) != NULL)
		rc = name != NULL && strcmp(r->name, name) != 0 ?
		    cli_fail(cmd, "domain %d exists, named %s", domid,
			r->name) :
		    cli_fail(cmd, "domain %d exists", domid);
	else if (name != NULL && (r = find_rec(d, n, -1, name)) != NULL)
		rc = cli_fail(cmd, "the name '%s' is taken by domain %u", name,
		    r->domid);
	else
		rc = cli_fail(cmd, "domain %d: %s", domid, strerror(error));
	free(d);
	return (rc);
}
