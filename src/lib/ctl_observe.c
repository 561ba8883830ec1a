/*
 * ctl_observe.c: the control client's observability requests
 * (ctl_observe.h).
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "lib/ctl_observe.h"
#include "proto/msg.h"

int
gbx_ctl_log(struct gbx_conn *c, uint32_t lines, unsigned level, bool follow,
    char **text, size_t *len)
{
	struct gbx_log_req req;
	uint32_t n;
	int error;

	if (level > GBX_LEVEL_DEBUG)
		return (EINVAL);
	memset(&req, 0, sizeof(req));
	req.lines = lines;
	req.level = (uint8_t)level;
	req.flags = follow ? GBX_LOG_FOLLOW : 0;
	/* Text is a dump of 1-byte records; the array ends with a nul. */
	error = gbx_conn_dump(c, GBX_CTL_LOG, &req, sizeof(req), 1,
	    (void **)text, &n);
	if (error == 0)
		*len = n;
	return (error);
}

int
gbx_ctl_trace(struct gbx_conn *c, unsigned domid)
{
	struct gbx_dump req;
	struct gbx_call call;

	if (domid > GBX_DOMID_MAX && domid != GBX_ALL_DOMAINS)
		return (EINVAL);
	memset(&req, 0, sizeof(req));
	req.domid = (uint16_t)domid;
	gbx_call_init(&call, GBX_CTL_TRACE, &req, sizeof(req), NULL, 0);
	return (gbx_conn_call(c, &call));
}

/*
 * The message buffer is on the heap, not in static or thread-local
 * storage: this library may be loaded late (dlopen), where a large
 * thread-local block would not fit.
 */
int
gbx_ctl_feed_next(struct gbx_conn *c, struct gbx_feed *f, char *line,
    size_t cap, int timeout_ms)
{
	struct pollfd p;
	struct gbx_hdr h;
	int fds[GBX_MAX_FDS];
	unsigned nfds;
	size_t tlen;
	ssize_t r;
	char *m;
	int error;

	p.fd = gbx_conn_sock(c);
	p.events = POLLIN;
	r = poll(&p, 1, timeout_ms);
	if (r == -1)
		return (errno);
	if (r == 0)
		return (ETIMEDOUT);
	if ((m = malloc(GBX_MSG_MAX)) == NULL)
		return (ENOMEM);
	r = gbx_msg_recv(p.fd, m, GBX_MSG_MAX, fds, &nfds);
	gbx_close_fds(fds, &nfds);
	error = 0;
	if (r == 0 || r == -ECONNRESET)
		error = EPIPE;
	else if (r < (ssize_t)(sizeof(h) + sizeof(*f)))
		error = r < 0 ? (int)-r : EPROTO;
	if (error == 0) {
		memcpy(&h, m, sizeof(h));
		if (h.type != GBX_CTL_FEED)
			error = EPROTO;
	}
	if (error == 0) {
		memcpy(f, m + sizeof(h), sizeof(*f));
		tlen = (size_t)r - sizeof(h) - sizeof(*f);
		if (cap > 0) {
			if (tlen > cap - 1)
				tlen = cap - 1;
			memcpy(line, m + sizeof(h) + sizeof(*f), tlen);
			line[tlen] = '\0';
		}
	}
	free(m);
	return (error);
}

int
gbx_ctl_domstats(struct gbx_conn *c, unsigned domid,
    struct gbx_domstat_rec **recs, uint32_t *n)
{
	struct gbx_dump req;

	if (domid > GBX_DOMID_MAX && domid != GBX_ALL_DOMAINS)
		return (EINVAL);
	memset(&req, 0, sizeof(req));
	req.domid = (uint16_t)domid;
	return (gbx_conn_dump(c, GBX_CTL_DOMSTATS, &req, sizeof(req),
	    sizeof(**recs), (void **)recs, n));
}

int
gbx_ctl_xs_perms(struct gbx_conn *c, const char *path, struct gbx_xs_perm *out,
    uint32_t max, uint32_t *n)
{
	struct xs_perms_rep {
		struct gbx_xs_perms_reply h;
		struct gbx_xs_perm
		    p[GBX_INLINE_MAX / sizeof(struct gbx_xs_perm)];
	} * rep;
	struct gbx_xs_path req;
	struct gbx_call call;
	size_t plen;
	int error;

	plen = strlen(path) + 1;
	if (plen > GBX_COUNT_MAX)
		return (EINVAL);
	/* On the heap, as gbx_ctl_feed_next() says why. */
	if ((rep = malloc(sizeof(*rep))) == NULL)
		return (ENOMEM);
	memset(&req, 0, sizeof(req));
	req.len = (uint32_t)plen;
	/* The reply's tail comes inline, after the body: take both. */
	gbx_call_init(&call, GBX_CTL_XS_PERMS, &req, sizeof(req), rep,
	    sizeof(*rep));
	call.tail = path;
	call.tlen = plen;
	if ((error = gbx_conn_call(c, &call)) == 0 &&
	    (call.rlen < sizeof(rep->h) ||
		rep->h.count > sizeof(rep->p) / sizeof(rep->p[0]) ||
		call.rlen != sizeof(rep->h) + rep->h.count * sizeof(rep->p[0])))
		error = EPROTO;
	if (error == 0) {
		*n = rep->h.count;
		if (rep->h.count > max)
			error = E2BIG;
		else
			memcpy(out, rep->p, rep->h.count * sizeof(rep->p[0]));
	}
	free(rep);
	return (error);
}
