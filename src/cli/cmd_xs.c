/*
 * cmd_xs.c: gntbox xs -- read, write, list, remove and watch xenstore
 * nodes, for people without Debian's xenstore-utils.
 *
 * It talks to the store through xsc.h, one request at a time; `watch`
 * waits for nothing but events.  ls -p asks gntboxd's control socket
 * which permission entries the store ignores.
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/json_out.h"
#include "cli/xsc.h"
#include "lib/ctl.h"
#include "lib/ctl_observe.h"

#define XS_CMD	      "xs"
/* XS_GET_QUOTA of Xen 4.19's xs_wire.h, which Debian 12's predates. */
#define XSC_GET_QUOTA 25

/* How `ls` lists: with permissions (-p), as JSON (--json). */
struct ls_how {
	bool perms;
	bool json;
	struct json_object *out; /* --json: the array being built */
	struct gbx_conn *ctl;	 /* -p: for the entries the store ignores */
};

static void
xs_help(void)
{

	printf(
	    "usage: gntbox xs [--dom N|NAME] read PATH...\n"
	    "       gntbox xs [--dom N|NAME] write PATH VALUE [PATH VALUE]..."
	    "\n"
	    "       gntbox xs [--dom N|NAME] ls [-p] [--json] [PATH]\n"
	    "       gntbox xs [--dom N|NAME] rm PATH...\n"
	    "       gntbox xs [--dom N|NAME] watch [--count N] PATH\n"
	    "\n"
	    "Read, write, list, remove or watch xenstore nodes as a process "
	    "of\ndomain N.  Relative paths are under /local/domain/N/.  "
	    "Without --dom:\nthe store of the domain this runs in under "
	    "'gntbox run' (XENSTORED_PATH),\nelse domain $GNTBOX_DOMID, "
	    "else 0.  watch prints the path of each event,\nthe first "
	    "being PATH itself once the watch is set, and stops after N\n"
	    "events with --count.  ls -p adds each node's permissions, "
	    "marking\nthose xenstored ignores because they were set "
	    "before their domain\nexisted; ls --json prints one JSON "
	    "array of nodes.\n");
}

/*
 * Say why op on path failed.  xenstored answers EINVAL for a path it
 * refuses (for these requests nothing else is invalid), so that gets the
 * rule C xenstored applies.
 */
static int
xs_failed(const char *op, const char *path, int error)
{

	if (error == EINVAL)
		return (cli_fail(XS_CMD,
		    "%s %s: not a xenstore path: a path has only the "
		    "characters A-Z a-z 0-9 - / _ @, no '//', no '/' at its "
		    "end, and at most %d bytes",
		    op, path, XENSTORE_ABS_PATH_MAX));
	return (cli_fail(XS_CMD, "%s %s: %s", op, path, strerror(error)));
}

/*
 * A quota of domain domid, asked of domain 0's store (GET_QUOTA is for
 * the privileged domain, as in C xenstored).  0 when it cannot be had.
 */
static unsigned long
xs_quota(int domid, const char *quota)
{
	char req[64], *val;
	unsigned long v;
	struct xsc q;
	int n;

	if (domid < 0 || xsc_open_quiet(&q, 0, XS_CMD) != 0)
		return (0);
	n = snprintf(req, sizeof(req), "%d%c%s", domid, '\0', quota);
	v = 0;
	if (xsc_call(&q, XSC_GET_QUOTA, req, (size_t)n + 1, &val, NULL) == 0) {
		v = strtoul(val, NULL, 10);
		free(val);
	}
	xsc_close(&q);
	return (v);
}

/*
 * Say why write path=value failed: the two limits a value meets are
 * xenstore's request size (checked before sending: E2BIG) and, for an
 * unprivileged domain, its node-size and nodes quotas (ENOSPC).
 */
static int
xs_write_failed(int domid, const char *path, const char *value, int error)
{
	unsigned long size, nodes;
	size_t vlen;

	vlen = strlen(value);
	if (error == E2BIG)
		return (cli_fail(XS_CMD,
		    "write %s: the path and value take %zu bytes; a xenstore "
		    "request holds at most %d",
		    path, strlen(path) + 1 + vlen, XENSTORE_PAYLOAD_MAX));
	if (error != ENOSPC)
		return (xs_failed("write", path, error));
	size = xs_quota(domid, "node-size");
	nodes = xs_quota(domid, "nodes");
	if (size != 0 && vlen > size)
		return (cli_fail(XS_CMD,
		    "write %s: the value has %zu bytes; domain %d may store "
		    "at most %lu in a node (its node-size quota)",
		    path, vlen, domid, size));
	if (nodes != 0)
		return (cli_fail(XS_CMD,
		    "write %s: domain %d owns the %lu nodes its quota allows",
		    path, domid, nodes));
	return (cli_fail(XS_CMD,
	    "write %s: over the domain's xenstore quota (%zu bytes in a node, "
	    "1000 nodes by default)",
	    path, vlen));
}

/* Print a value as xenstore-ls does: printable bytes, others escaped. */
static void
xs_print_value(const char *v, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (v[i] == '"' || v[i] == '\\')
			printf("\\%c", v[i]);
		else if ((unsigned char)v[i] >= 0x20 &&
		    (unsigned char)v[i] < 0x7f)
			putchar(v[i]);
		else
			printf("\\x%02x", (unsigned char)v[i]);
	}
}

/*
 * The permissions of child as GET_PERMS gives them to us ("n1\0r2\0"),
 * with the entries the store ignores marked from CTL_XS_PERMS; entries
 * stay in GET_PERMS's order.  Returns the number of entries (0 when the
 * list cannot be read).
 */
#define LS_PERMS_MAX 64

struct ls_perm {
	uint32_t domid;
	char access;
	bool ignored;
};

static unsigned
ls_perms(struct xsc *c, const struct ls_how *how, const char *child,
    struct ls_perm *out)
{
	struct gbx_xs_perm kept[LS_PERMS_MAX];
	char abs[XENSTORE_ABS_PATH_MAX + 32], *list, *p, *end;
	uint32_t nkept;
	size_t len;
	unsigned n;

	if (xsc_call(c, XS_GET_PERMS, child, strlen(child) + 1, &list, &len) !=
	    0)
		return (0);
	n = 0;
	for (p = list; p < list + len && *p != '\0' && n < LS_PERMS_MAX;
	     p += strlen(p) + 1) {
		out[n].access = p[0];
		out[n].domid = (uint32_t)strtoul(p + 1, &end, 10);
		out[n].ignored = false;
		n++;
	}
	free(list);
	/* The store wants an absolute path; a relative one is ours. */
	if (child[0] == '/')
		snprintf(abs, sizeof(abs), "%s", child);
	else
		snprintf(abs, sizeof(abs), "/local/domain/%d/%s", c->domid,
		    child);
	if (how->ctl != NULL && (child[0] == '/' || c->domid >= 0) &&
	    gbx_ctl_xs_perms(how->ctl, abs, kept, LS_PERMS_MAX, &nkept) == 0)
		for (len = 0; len < nkept && len < n; len++)
			if (kept[len].domid == out[len].domid &&
			    (kept[len].flags & GBX_XS_PERM_IGNORED) != 0)
				out[len].ignored = true;
	return (n);
}

/* " (n1,r2 ignored: set before domain 2 existed)" */
static void
ls_print_perms(const struct ls_perm *p, unsigned n)
{
	unsigned i;

	printf("  (");
	for (i = 0; i < n; i++) {
		printf("%s%c%u", i == 0 ? "" : ",", p[i].access, p[i].domid);
		if (p[i].ignored)
			printf(" ignored: set before domain %u existed",
			    p[i].domid);
	}
	putchar(')');
}

/* One node as a JSON object (ls --json). */
static void
ls_json_node(struct ls_how *how, const char *path, const char *val, size_t vlen,
    const struct ls_perm *p, unsigned np)
{
	struct json_object *o, *perms, *e, *s;
	unsigned i;
	size_t k;
	char *hex;

	o = cj_object();
	cj_set_str(o, "path", path);
	cj_set_bool(o, "readable", val != NULL);
	s = val != NULL ? cj_string_utf8(val, vlen) : NULL;
	cj_set(o, "value", s);
	if (val != NULL && s == NULL && (hex = malloc(2 * vlen + 1)) != NULL) {
		for (k = 0; k < vlen; k++)
			snprintf(hex + 2 * k, 3, "%02x", (unsigned char)val[k]);
		hex[2 * vlen] = '\0';
		cj_set_str(o, "value_hex", hex);
		free(hex);
	}
	if (how->perms) {
		perms = cj_array();
		for (i = 0; i < np; i++) {
			char acc[2] = { p[i].access, '\0' };

			e = cj_object();
			cj_set_u64(e, "domid", p[i].domid);
			cj_set_str(e, "access", acc);
			cj_set_bool(e, "ignored", p[i].ignored);
			cj_push(perms, e);
		}
		cj_set(o, "perms", perms);
	}
	cj_push(how->out, o);
}

/*
 * List path's children, depth levels deep, and theirs, as xenstore-ls
 * does (or into how->out as JSON).  A child whose value cannot be read is
 * marked and not entered (its children are no more readable); one that
 * vanished meanwhile is passed over.  Returns 0 or the first error, with
 * *where naming the path it concerns.
 */
static int
xs_ls(struct xsc *c, struct ls_how *how, const char *path, int depth,
    char *where, size_t wlen)
{
	char child[XENSTORE_ABS_PATH_MAX + 1], *dir, *p, *val;
	struct ls_perm perms[LS_PERMS_MAX];
	size_t len, vlen;
	unsigned np;
	int error;

	if ((error = xsc_list(c, path, &dir, &len)) != 0) {
		snprintf(where, wlen, "%s", path);
		return (error);
	}
	for (p = dir; error == 0 && p < dir + len && *p != '\0';
	     p += strlen(p) + 1) {
		if ((size_t)snprintf(child, sizeof(child), "%s%s%s", path,
			strcmp(path, "/") == 0 ? "" : "/", p) >= sizeof(child))
			continue;
		error =
		    xsc_call(c, XS_READ, child, strlen(child) + 1, &val, &vlen);
		if (error == ENOENT) { /* removed since the listing */
			error = 0;
			continue;
		}
		if (error != 0 && error != EACCES) {
			snprintf(where, wlen, "%s", child);
			break;
		}
		if (error != 0)
			val = NULL;
		np = how->perms ? ls_perms(c, how, child, perms) : 0;
		if (how->json)
			ls_json_node(how, child, val, vlen, perms, np);
		else {
			printf("%*s%s = \"", depth, "", p);
			if (val != NULL)
				xs_print_value(val, vlen);
			printf("\"%s", val == NULL ? " (unreadable)" : "");
			if (how->perms)
				ls_print_perms(perms, np);
			putchar('\n');
		}
		if (val == NULL) {
			error = 0;
			continue;
		}
		free(val);
		if ((error = xs_ls(c, how, child, depth + 1, where, wlen)) ==
		    ENOENT)
			error = 0;
	}
	free(dir);
	return (error);
}

/*
 * ls [-p] [--json] [PATH]: open the control session -p needs (without
 * one, nothing is marked ignored) and list.
 */
static int
xs_ls_cmd(struct xsc *c, struct ls_how *how, const char *path)
{
	char where[XENSTORE_ABS_PATH_MAX + 1];
	int error, rc;

	if (how->perms && gbx_ctl_open(&how->ctl) != 0)
		how->ctl = NULL;
	if (how->json)
		how->out = cj_array();
	error = xs_ls(c, how, path, 0, where, sizeof(where));
	if (how->ctl != NULL)
		gbx_conn_close(how->ctl);
	if (error != 0) {
		json_object_put(how->out);
		return (xs_failed("ls", where, error));
	}
	rc = how->json ? cj_print(XS_CMD, how->out) : 0;
	return (rc);
}

/* Watch path and print each event's path, count events at most. */
static int
xs_watch(struct xsc *c, const char *path, long count)
{
	struct xsd_sockmsg h;
	char *req, *body;
	size_t len;
	int error;

	if ((req = xsc_join(path, "gntbox", true, &len)) == NULL)
		return (cli_fail(XS_CMD, "out of memory"));
	error = xsc_call(c, XS_WATCH, req, len, NULL, NULL);
	free(req);
	if (error != 0)
		return (xs_failed("watch", path, error));
	while (count != 0) {
		if ((error = xsc_recv(c, &h, &body)) != 0)
			return (cli_fail(XS_CMD, "watch %s: %s", path,
			    strerror(error)));
		if (h.type == XS_WATCH_EVENT) {
			printf("%s\n", body);
			fflush(stdout);
			if (count > 0)
				count--;
		}
		free(body);
	}
	return (0);
}

/*
 * Options go before the operation, where getopt_long() stops: one among
 * the paths (a PATH position, never a VALUE, which may be anything) is a
 * usage error rather than a path that cannot exist.
 */
static int
xs_check_paths(const char *op, int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i += strcmp(op, "write") == 0 ? 2 : 1)
		if (strncmp(argv[i], "--", 2) == 0)
			return (cli_usage(XS_CMD,
			    "'%s' after the operation: options go before it, "
			    "as in 'gntbox xs --dom N %s PATH'",
			    argv[i], op));
	return (0);
}

/* The id of the domain called name, asked of gntboxd; -1 on failure. */
static int
xs_domain_named(const char *name)
{
	struct gbx_conn *ctl;
	int domid;

	if (cli_ctl_open(XS_CMD, &ctl) != 0)
		return (-1);
	if (cli_dom_lookup(XS_CMD, ctl, name, &domid) != 0)
		domid = -1;
	gbx_conn_close(ctl);
	return (domid);
}

int
cmd_xs(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dom", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct xsc c;
	struct ls_how how;
	const char *op, *domname;
	char *req, *val, *end;
	size_t len, vlen;
	long count;
	int ch, domid, error, i, rc;

	domid = -1;
	domname = NULL;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			if ((rc = cli_dom_arg(XS_CMD, optarg, &domid,
				 &domname)) != 0)
				return (rc);
			break;
		case 'h':
			xs_help();
			return (0);
		default:
			return (cli_bad_option(XS_CMD, ch, argv));
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		return (cli_usage(XS_CMD, "missing operation"));
	memset(&how, 0, sizeof(how));
	op = argv[0];
	count = -1;
	if (strcmp(op, "watch") == 0 && argc >= 3 &&
	    strcmp(argv[1], "--count") == 0) {
		errno = 0;
		count = strtol(argv[2], &end, 10);
		if (errno != 0 || *end != '\0' || count < 1)
			return (
			    cli_usage(XS_CMD, "'%s' is not a count", argv[2]));
		argc -= 2;
		argv += 2;
	}
	if (strcmp(op, "read") == 0 || strcmp(op, "rm") == 0 ||
	    strcmp(op, "watch") == 0) {
		if (argc < 2)
			return (cli_usage(XS_CMD, "%s: missing PATH", op));
		if (strcmp(op, "watch") == 0 && argc != 2)
			return (cli_usage(XS_CMD, "watch takes one PATH"));
	} else if (strcmp(op, "write") == 0) {
		if (argc < 3 || argc % 2 == 0)
			return (
			    cli_usage(XS_CMD, "write takes PATH VALUE pairs"));
	} else if (strcmp(op, "ls") == 0) {
		while (argc >= 2 && argv[1][0] == '-') {
			if (strcmp(argv[1], "-p") == 0)
				how.perms = true;
			else if (strcmp(argv[1], "--json") == 0)
				how.json = true;
			else
				return (cli_usage(XS_CMD,
				    "ls: unknown option '%s'", argv[1]));
			argc--;
			argv++;
		}
		if (argc > 2)
			return (cli_usage(XS_CMD, "ls takes at most one PATH"));
	} else
		return (cli_usage(XS_CMD, "unknown operation '%s'", op));
	if ((rc = xs_check_paths(op, argc, argv)) != 0)
		return (rc);

	if (domname != NULL && (domid = xs_domain_named(domname)) < 0)
		return (CLI_EXIT_FAIL);
	if ((rc = xsc_open(&c, domid, XS_CMD)) != 0)
		return (rc);
	rc = 0;
	if (strcmp(op, "ls") == 0)
		rc = xs_ls_cmd(&c, &how, argc == 2 ? argv[1] : "/");
	else if (strcmp(op, "watch") == 0)
		rc = xs_watch(&c, argv[1], count);
	for (i = 1; rc == 0 && strcmp(op, "read") == 0 && i < argc; i++) {
		error = xsc_call(&c, XS_READ, argv[i], strlen(argv[i]) + 1,
		    &val, &vlen);
		if (error != 0)
			rc = xs_failed("read", argv[i], error);
		else {
			fwrite(val, 1, vlen, stdout);
			putchar('\n');
			free(val);
		}
	}
	for (i = 1; rc == 0 && strcmp(op, "rm") == 0 && i < argc; i++)
		if ((error = xsc_call(&c, XS_RM, argv[i], strlen(argv[i]) + 1,
			 NULL, NULL)) != 0)
			rc = xs_failed("rm", argv[i], error);
	for (i = 1; rc == 0 && strcmp(op, "write") == 0 && i < argc; i += 2) {
		if ((req = xsc_join(argv[i], argv[i + 1], false, &len)) == NULL)
			return (cli_fail(XS_CMD, "out of memory"));
		error = xsc_call(&c, XS_WRITE, req, len, NULL, NULL);
		free(req);
		if (error != 0)
			rc = xs_write_failed(c.domid, argv[i], argv[i + 1],
			    error);
	}
	xsc_close(&c);
	return (rc);
}
