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

int
gbx_ctl_feed_next(struct gbx_conn *c, struct gbx_feed *f, char *line,
    size_t cap, int timeout_ms)
{
	static __thread union {
		uint64_t align;
		char buf[GBX_MSG_MAX];
	} m;
	struct pollfd p;
	struct gbx_hdr h;
	int fds[GBX_MAX_FDS];
	unsigned nfds;
	size_t tlen;
	ssize_t r;

	p.fd = gbx_conn_sock(c);
	p.events = POLLIN;
	r = poll(&p, 1, timeout_ms);
	if (r == -1)
		return (errno);
	if (r == 0)
		return (ETIMEDOUT);
	r = gbx_msg_recv(p.fd, m.buf, sizeof(m.buf), fds, &nfds);
	gbx_close_fds(fds, &nfds);
	if (r == 0 || r == -ECONNRESET)
		return (EPIPE);
	if (r < (ssize_t)(sizeof(h) + sizeof(*f)))
		return (r < 0 ? (int)-r : EPROTO);
	memcpy(&h, m.buf, sizeof(h));
	if (h.type != GBX_CTL_FEED)
		return (EPROTO);
	memcpy(f, m.buf + sizeof(h), sizeof(*f));
	tlen = (size_t)r - sizeof(h) - sizeof(*f);
	if (cap == 0)
		return (0);
	if (tlen > cap - 1)
		tlen = cap - 1;
	memcpy(line, m.buf + sizeof(h) + sizeof(*f), tlen);
	line[tlen] = '\0';
	return (0);
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
	static __thread struct {
		struct gbx_xs_perms_reply h;
		struct gbx_xs_perm
		    p[GBX_INLINE_MAX / sizeof(struct gbx_xs_perm)];
	} rep;
	struct gbx_xs_path req;
	struct gbx_call call;
	size_t plen;
	int error;

	plen = strlen(path) + 1;
	if (plen > GBX_COUNT_MAX)
		return (EINVAL);
	memset(&req, 0, sizeof(req));
	req.len = (uint32_t)plen;
	/* The reply's tail comes inline, after the body: take both. */
	gbx_call_init(&call, GBX_CTL_XS_PERMS, &req, sizeof(req), &rep,
	    sizeof(rep));
	call.tail = path;
	call.tlen = plen;
	if ((error = gbx_conn_call(c, &call)) != 0)
		return (error);
	if (call.rlen < sizeof(rep.h) ||
	    rep.h.count > sizeof(rep.p) / sizeof(rep.p[0]) ||
	    call.rlen != sizeof(rep.h) + rep.h.count * sizeof(rep.p[0]))
		return (EPROTO);
	*n = rep.h.count;
	if (rep.h.count > max)
		return (E2BIG);
	memcpy(out, rep.p, rep.h.count * sizeof(rep.p[0]));
	return (0);
}
