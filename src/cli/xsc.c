/*
 * xsc.c: the gntbox command's xenstore client (xsc.h).
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/paths.h"
#include "cli/cli.h"
#include "cli/xsc.h"

/*
 * Say why path (domain domid's socket, or $XENSTORED_PATH when domid < 0)
 * did not answer, as the other commands say it: no daemon at all, or no
 * such domain.
 */
static int
xsc_open_failed(const char *cmd, const char *path, int domid, int error)
{

	if (domid < 0 || (error != ENOENT && error != ECONNREFUSED))
		return (cli_fail(cmd, "%s: %s", path, strerror(error)));
	if (cli_daemon_ping(NULL) == 0)
		return (cli_fail(cmd, "there is no domain %d", domid));
	return (cli_no_daemon(cmd));
}

/*
 * Connect to domid's store (xsc_open in xsc.h).  quiet: a socket that
 * does not answer is an errno value returned, not a message printed;
 * every other failure is printed and CLI_EXIT_FAIL.
 */
static int
xsc_connect(struct xsc *c, int domid, const char *cmd, bool quiet)
{
	struct sockaddr_un sun;
	char path[GBX_PATH_MAX];
	const char *env;
	int error;

	c->fd = -1; /* until connected: xsc_close and polls can tell */
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
		return (cli_fail(cmd, "runtime directory path: %s",
		    strerror(error)));
	/* Under `gntbox run`, GNTBOX_DOMID names XENSTORED_PATH's domain. */
	c->domid = domid >= 0 ? domid : gbx_env_domid();
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path))
		return (cli_fail(cmd, "%s: path too long", path));
	strcpy(sun.sun_path, path);
	c->req_id = 0;
	c->tx_id = 0;
	c->cmd = cmd;
	if ((c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return (cli_fail(cmd, "socket: %s", strerror(errno)));
	if (connect(c->fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		error = errno;
		close(c->fd);
		c->fd = -1;
		return (
		    quiet ? error : xsc_open_failed(cmd, path, domid, error));
	}
	/* Only a gntboxd of ours or root's (docs/security.md). */
	if ((error = gbx_peer_check(c->fd, path)) != 0) {
		xsc_close(c);
		return (cli_fail(cmd, "%s", cli_conn_error(error)));
	}
	return (0);
}

int
xsc_open(struct xsc *c, int domid, const char *cmd)
{

	return (xsc_connect(c, domid, cmd, false));
}

int
xsc_open_quiet(struct xsc *c, int domid, const char *cmd)
{

	return (xsc_connect(c, domid, cmd, true));
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

int
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

int
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
	h.tx_id = c->tx_id;
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

char *
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

int
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

void
xsc_close(struct xsc *c)
{

	if (c->fd != -1)
		close(c->fd);
	c->fd = -1;
}

/* A request whose payload is one path, NUL-terminated. */
static int
xsc_path_op(struct xsc *c, uint32_t type, const char *path, char **reply)
{

	return (xsc_call(c, type, path, strlen(path) + 1, reply, NULL));
}

int
xsc_read(struct xsc *c, const char *path, char **value)
{

	return (xsc_path_op(c, XS_READ, path, value));
}

int
xsc_mkdir(struct xsc *c, const char *path)
{

	return (xsc_path_op(c, XS_MKDIR, path, NULL));
}

int
xsc_rm(struct xsc *c, const char *path)
{

	return (xsc_path_op(c, XS_RM, path, NULL));
}

int
xsc_write(struct xsc *c, const char *path, const char *value)
{
	size_t len;
	char *req;
	int error;

	if ((req = xsc_join(path, value, false, &len)) == NULL)
		return (ENOMEM);
	error = xsc_call(c, XS_WRITE, req, len, NULL, NULL);
	free(req);
	return (error);
}

int
xsc_set_perms(struct xsc *c, const char *path, const char *perms, size_t len)
{
	size_t plen;
	char *req;
	int error;

	plen = strlen(path) + 1;
	if ((req = malloc(plen + len)) == NULL)
		return (ENOMEM);
	memcpy(req, path, plen);
	memcpy(req + plen, perms, len);
	error = xsc_call(c, XS_SET_PERMS, req, plen + len, NULL, NULL);
	free(req);
	return (error);
}

/* WATCH and UNWATCH take "path\0token\0". */
static int
xsc_watch_op(struct xsc *c, uint32_t type, const char *path, const char *token)
{
	size_t len;
	char *req;
	int error;

	if ((req = xsc_join(path, token, true, &len)) == NULL)
		return (ENOMEM);
	error = xsc_call(c, type, req, len, NULL, NULL);
	free(req);
	return (error);
}

int
xsc_watch(struct xsc *c, const char *path, const char *token)
{

	return (xsc_watch_op(c, XS_WATCH, path, token));
}

int
xsc_unwatch(struct xsc *c, const char *path, const char *token)
{

	return (xsc_watch_op(c, XS_UNWATCH, path, token));
}

int
xsc_tx_start(struct xsc *c)
{
	char *id, *end;
	unsigned long v;
	int error;

	c->tx_id = 0;
	if ((error = xsc_call(c, XS_TRANSACTION_START, "", 1, &id, NULL)) != 0)
		return (error);
	errno = 0;
	v = strtoul(id, &end, 10);
	if (errno != 0 || *end != '\0' || v == 0 || v > UINT32_MAX)
		error = EPROTO;
	else
		c->tx_id = (uint32_t)v;
	free(id);
	return (error);
}

int
xsc_tx_end(struct xsc *c, bool commit)
{
	int error;

	error =
	    xsc_call(c, XS_TRANSACTION_END, commit ? "T" : "F", 2, NULL, NULL);
	c->tx_id = 0;
	return (error);
}
