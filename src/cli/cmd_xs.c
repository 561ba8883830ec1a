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

#define XS_CMD "xs"

struct xsc {
	int fd;
	uint32_t req_id;
};

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

/*
 * Say why path (domain domid's socket, or $XENSTORED_PATH when domid < 0)
 * did not answer, as the other commands say it: no daemon at all, or no
 * such domain.
 */
static int
xsc_open_failed(const char *path, int domid, int error)
{
	char dir[GBX_PATH_MAX];

	if (domid < 0 || (error != ENOENT && error != ECONNREFUSED))
		return (cli_fail(XS_CMD, "%s: %s", path, strerror(error)));
	if (cli_daemon_ping(NULL) == 0)
		return (cli_fail(XS_CMD, "there is no domain %d", domid));
	if (gbx_runtime_dir(dir, sizeof(dir)) != 0)
		snprintf(dir, sizeof(dir), "the runtime directory");
	return (cli_fail(XS_CMD, "no gntboxd serves %s", dir));
}

/* Connect to domain domid's store, or to $XENSTORED_PATH when domid < 0. */
static int
xsc_open(struct xsc *c, int domid)
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
		return (xsc_open_failed(path, domid, error));
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

	if ((rc = xsc_open(&c, domid)) != 0)
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
	close(c.fd);
	return (rc);
}
