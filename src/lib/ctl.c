/*
 * ctl.c: the control client (ctl.h) and the administration half of
 * include/gntbox.h.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gntbox.h"
#include "lib/ctl.h"
#include "lib/result.h"

int
gbx_ctl_open(struct gbx_conn **cp)
{

	return (gbx_conn_open(GBX_KIND_CONTROL, 0, cp));
}

/* A request whose reply is at most a fixed body. */
static int
gbx_ctl_call(struct gbx_conn *c, uint16_t type, const void *body, size_t blen,
    void *reply, size_t rcap, size_t *rlen)
{
	struct gbx_call call;
	int error;

	gbx_call_init(&call, type, body, blen, reply, rcap);
	error = gbx_conn_call(c, &call);
	if (rlen != NULL)
		*rlen = call.rlen;
	return (error);
}

int
gbx_ctl_ping(struct gbx_conn *c, struct gbx_hello_reply *r)
{
	size_t rlen;
	int error;

	memset(r, 0, sizeof(*r));
	error = gbx_ctl_call(c, GBX_CTL_PING, NULL, 0, r, sizeof(*r), &rlen);
	if (error == 0 && rlen != sizeof(*r))
		error = EPROTO;
	return (error);
}

int
gbx_ctl_shutdown(struct gbx_conn *c)
{

	return (gbx_ctl_call(c, GBX_CTL_SHUTDOWN, NULL, 0, NULL, 0, NULL));
}

int
gbx_ctl_persist(struct gbx_conn *c, unsigned *was)
{
	struct gbx_persist_reply r;
	size_t rlen;
	int error;

	memset(&r, 0, sizeof(r));
	error = gbx_ctl_call(c, GBX_CTL_PERSIST, NULL, 0, &r, sizeof(r), &rlen);
	if (error == 0 && rlen != sizeof(r))
		error = EPROTO;
	if (error == 0 && was != NULL)
		*was = r.idle_exit;
	return (error);
}

/*
 * Stats grow at the end (proto.h); `size` says how much gntboxd filled, and
 * whatever lies beyond it is cleared rather than trusted.
 */
int
gbx_ctl_stats(struct gbx_conn *c, struct gbx_stats *st)
{
	size_t rlen, filled;
	int error;

	memset(st, 0, sizeof(*st));
	error = gbx_ctl_call(c, GBX_CTL_STATS, NULL, 0, st, sizeof(*st), &rlen);
	if (error != 0)
		return (error);
	if (rlen < offsetof(struct gbx_stats, domains))
		return (EPROTO);
	filled = st->size < rlen ? st->size : rlen;
	if (filled < sizeof(*st))
		memset((char *)st + filled, 0, sizeof(*st) - filled);
	return (0);
}

int
gbx_ctl_domain_create(struct gbx_conn *c, unsigned domid, const char *name,
    bool exist_ok)
{

	return (gbx_ctl_domain_create_as(c, domid, name, exist_ok, -1));
}

int
gbx_ctl_domain_create_as(struct gbx_conn *c, unsigned domid, const char *name,
    bool exist_ok, int64_t uid)
{
	struct gbx_domain_create req;

	memset(&req, 0, sizeof(req));
	if (domid > GBX_DOMID_MAX ||
	    (name != NULL && strlen(name) >= sizeof(req.name)) || uid < -1 ||
	    uid >= (int64_t)UINT32_MAX)
		return (EINVAL);
	req.domid = (uint16_t)domid;
	req.flags = exist_ok ? GBX_CREATE_EXIST_OK : 0;
	if (uid != -1) {
		req.flags |= GBX_CREATE_USER;
		req.uid = (uint32_t)uid;
	}
	if (name != NULL)
		memcpy(req.name, name, strlen(name));
	return (gbx_ctl_call(c, GBX_CTL_DOMAIN_CREATE, &req, sizeof(req), NULL,
	    0, NULL));
}

int
gbx_ctl_domain_destroy(struct gbx_conn *c, unsigned domid)
{
	struct gbx_domain_id req;

	if (domid > GBX_DOMID_MAX)
		return (EINVAL);
	memset(&req, 0, sizeof(req));
	req.domid = (uint16_t)domid;
	return (gbx_ctl_call(c, GBX_CTL_DOMAIN_DESTROY, &req, sizeof(req), NULL,
	    0, NULL));
}

int
gbx_ctl_domain_destroy_list(struct gbx_conn *c, unsigned domid,
    struct gbx_proc_rec **recs, uint32_t *n)
{
	struct gbx_domain_id req;

	if (domid > GBX_DOMID_MAX)
		return (EINVAL);
	memset(&req, 0, sizeof(req));
	req.domid = (uint16_t)domid;
	return (gbx_conn_dump(c, GBX_CTL_DOMAIN_DESTROY, &req, sizeof(req),
	    sizeof(**recs), (void **)recs, n));
}

int
gbx_ctl_domain_join(struct gbx_conn *c, unsigned domid, int pidfd)
{
	struct gbx_domain_id req;
	struct gbx_call call;

	if (domid > GBX_DOMID_MAX)
		return (EINVAL);
	memset(&req, 0, sizeof(req));
	req.domid = (uint16_t)domid;
	gbx_call_init(&call, GBX_CTL_DOMAIN_JOIN, &req, sizeof(req), NULL, 0);
	call.xfds = &pidfd;
	call.nx = 1;
	return (gbx_conn_call(c, &call));
}

int
gbx_ctl_domains(struct gbx_conn *c, struct gbx_domain_rec **recs, uint32_t *n)
{

	return (gbx_conn_dump(c, GBX_CTL_DOMAIN_LIST, NULL, 0, sizeof(**recs),
	    (void **)recs, n));
}

/* CTL_GRANTS and CTL_PORTS take the same request. */
static int
gbx_ctl_dump_dom(struct gbx_conn *c, uint16_t type, unsigned domid,
    size_t rec_size, void **recs, uint32_t *n)
{
	struct gbx_dump req;

	if (domid > GBX_DOMID_MAX && domid != GBX_ALL_DOMAINS)
		return (EINVAL);
	memset(&req, 0, sizeof(req));
	req.domid = (uint16_t)domid;
	return (gbx_conn_dump(c, type, &req, sizeof(req), rec_size, recs, n));
}

int
gbx_ctl_grants(struct gbx_conn *c, unsigned domid, struct gbx_grant_rec **recs,
    uint32_t *n)
{

	return (gbx_ctl_dump_dom(c, GBX_CTL_GRANTS, domid, sizeof(**recs),
	    (void **)recs, n));
}

int
gbx_ctl_ports(struct gbx_conn *c, unsigned domid, struct gbx_port_rec **recs,
    uint32_t *n)
{

	return (gbx_ctl_dump_dom(c, GBX_CTL_PORTS, domid, sizeof(**recs),
	    (void **)recs, n));
}

/* ------------------------------------------------------------------ */
/* The public administration functions: one session per call.           */

GNTBOX_API int
gntbox_get_stats(struct gntbox_stats *st)
{
	struct gbx_conn *c;
	struct gbx_stats s;
	int error;

	if (st == NULL)
		return (gbx_ret(EINVAL));
	if ((error = gbx_ctl_open(&c)) != 0)
		return (gbx_ret(error));
	error = gbx_ctl_stats(c, &s);
	gbx_conn_close(c);
	if (error != 0)
		return (gbx_ret(error));
	memset(st, 0, sizeof(*st));
	st->domains = s.domains;
	st->connections = s.connections;
	st->grants = s.grants;
	st->maps = s.maps;
	st->handles = s.handles;
	st->deferred = s.deferred;
	st->pages = s.pages;
	st->arenas = s.arenas;
	st->ports = s.ports;
	st->nodes = s.nodes;
	st->watches = s.watches;
	st->transactions = s.transactions;
	st->deferred_released = s.deferred_released;
	st->notifies_fired = s.notifies_fired;
	st->protocol_errors = s.protocol_errors;
	st->conns_dropped = s.conns_dropped;
	return (0);
}

GNTBOX_API int
gntbox_domain_create(int domid, const char *name, int exist_ok)
{
	struct gbx_conn *c;
	int error;

	if (domid < 0 || domid > GBX_DOMID_MAX)
		return (gbx_ret(EINVAL));
	if ((error = gbx_ctl_open(&c)) != 0)
		return (gbx_ret(error));
	error = gbx_ctl_domain_create(c, (unsigned)domid, name, exist_ok != 0);
	gbx_conn_close(c);
	return (gbx_ret(error));
}

GNTBOX_API int
gntbox_domain_destroy(int domid)
{
	struct gbx_conn *c;
	int error;

	if (domid < 0 || domid > GBX_DOMID_MAX)
		return (gbx_ret(EINVAL));
	if ((error = gbx_ctl_open(&c)) != 0)
		return (gbx_ret(error));
	error = gbx_ctl_domain_destroy(c, (unsigned)domid);
	gbx_conn_close(c);
	return (gbx_ret(error));
}
