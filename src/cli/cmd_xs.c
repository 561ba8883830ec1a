/*
 * cmd_xs.c: gntbox xs -- read, write, list, remove and watch xenstore
 * nodes, for people without Debian's xenstore-utils.
 *
 * It speaks the wire protocol of xs_wire.h directly on a domain's
 * xenstore socket, one request at a time, as libxenstore does; watch
 * events that arrive between replies are passed over, except by `watch`,
 * which waits for nothing else.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xen/io/xs_wire.h>

#include "base/paths.h"
#include "cli/cli.h"
#include "cli/json_out.h"
#include "lib/ctl.h"
#include "lib/ctl_observe.h"

#define XS_CMD	      "xs"
/* XS_GET_QUOTA of Xen 4.19's xs_wire.h, which Debian 12's predates. */
#define XSC_GET_QUOTA 25

struct xsc {
	int fd;
	uint32_t req_id;
	int domid; /* whose store, or -1 when only XENSTORED_PATH says */
};

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
 * Say why path (domain domid's socket, or $XENSTORED_PATH when domid < 0)
 * did not answer, as the other commands say it: no daemon at all, or no
 * such domain.
 */
static int
xsc_open_failed(const char *path, int domid, int error)
{

	if (domid < 0 || (error != ENOENT && error != ECONNREFUSED))
		return (cli_fail(XS_CMD, "%s: %s", path, strerror(error)));
	if (cli_daemon_ping(NULL) == 0)
		return (cli_fail(XS_CMD, "there is no domain %d", domid));
	return (cli_no_daemon(XS_CMD));
}

/*
 * Connect to domain domid's store, or to $XENSTORED_PATH when domid < 0.
 * quiet: fail with an errno value instead of a printed message.
 */
static int
xsc_open(struct xsc *c, int domid, bool quiet)
{
	struct sockaddr_un sun;
	char path[GBX_PATH_MAX];
	const char *env;
	int error;

	env = getenv("XENSTORED_PATH");
	if (domid < 0 && env != NULL && *env != '\0') {
		error = strlen(env) < sizeof(path) ? 0 : ENAMETOOLONG;
		if (error == 0)
			strcpy(path, env);
	} else {
		if (domid < 0 && (domid = gbx_env_domid()) < 0)
			domid = 0;
		error = gbx_path_xenstore(path, sizeof(path), (unsigned)domid);
	}
	if (error != 0)
		return (cli_fail(XS_CMD, "runtime directory path: %s",
		    strerror(error)));
	/* Under `gntbox run`, GNTBOX_DOMID names XENSTORED_PATH's domain. */
	c->domid = domid >= 0 ? domid : gbx_env_domid();
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path))
		return (cli_fail(XS_CMD, "%s: path too long", path));
	strcpy(sun.sun_path, path);
	c->req_id = 0;
	if ((c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return (cli_fail(XS_CMD, "socket: %s", strerror(errno)));
	if (connect(c->fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		error = errno;
		close(c->fd);
		return (quiet ? error : xsc_open_failed(path, domid, error));
	}
	/* Only a gntboxd of ours or root's (docs/security.md). */
	if ((error = gbx_peer_check(c->fd, path)) != 0) {
		close(c->fd);
		return (cli_fail(XS_CMD, "%s", cli_conn_error(error)));
	}
	return (0);
}

static int
xsc_io(int fd, void *buf, size_t len, bool out)
{
	char *p;
	ssize_t r;

	for (p = buf; len > 0; p += r, len -= (size_t)r) {
		r = out ? send(fd, p, len, MSG_NOSIGNAL) : read(fd, p, len);
		if (r == -1 && errno == EINTR) {
			r = 0;
			continue;
		}
		if (r <= 0)
			return (r == 0 ? ECONNRESET : errno);
	}
	return (0);
}

/*
 * Receive one message: its header into *h and its payload, NUL-terminated
 * for convenience, into a new buffer *payload.  Returns 0 or an errno.
 */
static int
xsc_recv(struct xsc *c, struct xsd_sockmsg *h, char **payload)
{
	int error;

	if ((error = xsc_io(c->fd, h, sizeof(*h), false)) != 0)
		return (error);
	if (h->len > XENSTORE_PAYLOAD_MAX)
		return (EPROTO);
	if ((*payload = malloc(h->len + 1)) == NULL)
		return (ENOMEM);
	if ((error = xsc_io(c->fd, *payload, h->len, false)) != 0) {
		free(*payload);
		return (error);
	}
	(*payload)[h->len] = '\0';
	return (0);
}

/* An ERROR reply's name, e.g. "ENOENT", as an errno value. */
static int
xsc_errno(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(xsd_errors) / sizeof(xsd_errors[0]); i++)
		if (strcmp(name, xsd_errors[i].errstring) == 0)
			return (xsd_errors[i].errnum);
	return (EINVAL);
}

/*
 * Send one request and wait for its reply, skipping watch events.  On
 * success *reply (may be NULL when not wanted) holds the payload.
 * Returns 0, the errno an ERROR reply named, or a transport errno.
 */
static int
xsc_call(struct xsc *c, uint32_t type, const char *payload, size_t len,
    char **reply, size_t *rlen)
{
	struct xsd_sockmsg h;
	char *body;
	int error;

	if (len > XENSTORE_PAYLOAD_MAX)
		return (E2BIG);
	h.type = type;
	h.req_id = ++c->req_id;
	h.tx_id = 0;
	h.len = (uint32_t)len;
	if ((error = xsc_io(c->fd, &h, sizeof(h), true)) != 0 ||
	    (error = xsc_io(c->fd, (void *)(uintptr_t)payload, len, true)) != 0)
		return (error);
	for (;;) {
		if ((error = xsc_recv(c, &h, &body)) != 0)
			return (error);
		if (h.type == XS_WATCH_EVENT) {
			free(body);
			continue;
		}
		break;
	}
	if (h.type == XS_ERROR)
		error = xsc_errno(body);
	else if (h.type != type || h.req_id != c->req_id)
		error = EPROTO;
	if (error != 0 || reply == NULL)
		free(body);
	else {
		*reply = body;
		if (rlen != NULL)
			*rlen = h.len;
	}
	return (error);
}

/* Build "a\0b\0" style payloads: the strings, each NUL-terminated. */
static char *
xsc_join(const char *a, const char *b, bool nul_b, size_t *len)
{
	size_t la, lb;
	char *p;

	la = strlen(a) + 1;
	lb = b == NULL ? 0 : strlen(b) + (nul_b ? 1 : 0);
	if ((p = malloc(la + lb + 1)) == NULL)
		return (NULL);
	memcpy(p, a, la);
	if (b != NULL)
		memcpy(p + la, b, lb);
	*len = la + lb;
	return (p);
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

	if (domid < 0 || xsc_open(&q, 0, true) != 0)
		return (0);
	n = snprintf(req, sizeof(req), "%d%c%s", domid, '\0', quota);
	v = 0;
	if (xsc_call(&q, XSC_GET_QUOTA, req, (size_t)n + 1, &val, NULL) == 0) {
		v = strtoul(val, NULL, 10);
		free(val);
	}
	close(q.fd);
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
 * The children of path, as DIRECTORY returns them ("a\0b\0"), in a new
 * buffer.  A directory too large for one reply is read in parts
 * (DIRECTORY_PART), starting again when it changes meanwhile, as
 * libxenstore's xs_directory() does.
 */
static int
xsc_list(struct xsc *c, const char *path, char **out, size_t *outlen)
{
	char req[XENSTORE_ABS_PATH_MAX + 16], gen[32], *part, *all, *p;
	size_t plen, len, rlen, glen;
	int error, n;

	plen = strlen(path) + 1;
	error = xsc_call(c, XS_DIRECTORY, path, plen, out, outlen);
	if (error != E2BIG)
		return (error);
	if (plen > XENSTORE_ABS_PATH_MAX)
		return (EINVAL);
	all = NULL;
	len = 0;
	gen[0] = '\0';
	for (;;) {
		memcpy(req, path, plen);
		n = snprintf(req + plen, sizeof(req) - plen, "%zu", len);
		if ((error = xsc_call(c, XS_DIRECTORY_PART, req,
			 plen + (size_t)n + 1, &part, &rlen)) != 0)
			break;
		glen = strnlen(part, rlen);
		if (glen == rlen || glen >= sizeof(gen)) {
			free(part);
			error = EPROTO;
			break;
		}
		if (len > 0 && strcmp(gen, part) != 0) {
			len = 0; /* it changed: start again */
			free(part);
			continue;
		}
		memcpy(gen, part, glen + 1);
		rlen -= glen + 1;
		if ((p = realloc(all, len + rlen + 1)) == NULL) {
			free(part);
			error = ENOMEM;
			break;
		}
		all = p;
		memcpy(all + len, part + glen + 1, rlen);
		free(part);
		len += rlen;
		/* The last part ends with an empty name. */
		if (rlen <= 1 || all[len - 2] == '\0') {
			*out = all;
			*outlen = len > 0 ? len - 1 : 0;
			return (0);
		}
	}
	free(all);
	return (error);
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
	if ((rc = xsc_open(&c, domid, false)) != 0)
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
	close(c.fd);
	return (rc);
}
