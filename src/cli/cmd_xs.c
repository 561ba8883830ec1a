/*
 * cmd_xs.c: gntbox xs -- read, write, list, remove and watch xenstore
 * nodes, for people without Debian's xenstore-utils.
 *
 * It talks to the store through xsc.h, one request at a time; `watch`
 * waits for nothing but events.
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/xsc.h"

#define XS_CMD "xs"

static void
xs_help(void)
{

	printf("usage: gntbox xs [--dom N] read PATH...\n"
	       "       gntbox xs [--dom N] write PATH VALUE [PATH VALUE]...\n"
	       "       gntbox xs [--dom N] ls [PATH]\n"
	       "       gntbox xs [--dom N] rm PATH...\n"
	       "       gntbox xs [--dom N] watch [--count N] PATH\n"
	       "\n"
	       "Read, write, list, remove or watch xenstore nodes as a process "
	       "of\ndomain N.  Relative paths are under /local/domain/N/.  "
	       "Without --dom:\nthe store of the domain this runs in under "
	       "'gntbox run' (XENSTORED_PATH),\nelse domain $GNTBOX_DOMID, "
	       "else 0.  watch prints the path of each event,\nthe first "
	       "being PATH itself once the watch is set, and stops after N\n"
	       "events with --count.\n");
}

static int
xs_failed(const char *op, const char *path, int error)
{

	return (cli_fail(XS_CMD, "%s %s: %s", op, path, strerror(error)));
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
 * Print path's children, depth levels deep, and theirs, as xenstore-ls
 * does.  A child whose value cannot be read is marked and not entered
 * (its children are no more readable); one that vanished meanwhile is
 * passed over.  Returns 0 or the first error, with *where naming the path
 * it concerns.
 */
static int
xs_ls(struct xsc *c, const char *path, int depth, char *where, size_t wlen)
{
	char child[XENSTORE_ABS_PATH_MAX + 1], *dir, *p, *val;
	size_t len, vlen;
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
		printf("%*s%s = \"", depth, "", p);
		if (error != 0) {
			printf("\" (unreadable)\n");
			error = 0;
			continue;
		}
		xs_print_value(val, vlen);
		free(val);
		printf("\"\n");
		if ((error = xs_ls(c, child, depth + 1, where, wlen)) == ENOENT)
			error = 0;
	}
	free(dir);
	return (error);
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

int
cmd_xs(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dom", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct xsc c;
	const char *op;
	char where[XENSTORE_ABS_PATH_MAX + 1], *req, *val, *end;
	size_t len, vlen;
	long count;
	int ch, domid, error, i, rc;

	domid = -1;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			if ((rc = cli_parse_domid(XS_CMD, optarg, &domid)) != 0)
				return (rc);
			break;
		case 'h':
			xs_help();
			return (0);
		default:
			return (cli_usage(XS_CMD, "unknown option \'%s\'",
			    argv[optind - 1]));
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		return (cli_usage(XS_CMD, "missing operation"));
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
		if (argc > 2)
			return (cli_usage(XS_CMD, "ls takes at most one PATH"));
	} else
		return (cli_usage(XS_CMD, "unknown operation '%s'", op));

	if ((rc = xsc_open(&c, domid, XS_CMD)) != 0)
		return (rc);
	rc = 0;
	if (strcmp(op, "ls") == 0) {
		if ((error = xs_ls(&c, argc == 2 ? argv[1] : "/", 0, where,
			 sizeof(where))) != 0)
			rc = xs_failed("ls", where, error);
	} else if (strcmp(op, "watch") == 0)
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
			rc = xs_failed("write", argv[i], error);
	}
	xsc_close(&c);
	return (rc);
}
