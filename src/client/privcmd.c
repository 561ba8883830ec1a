/*
 * privcmd.c: one open /dev/xen/privcmd in the client process
 * (privcmd.h): a connection of kind GBX_KIND_PRIVCMD and its three
 * requests.
 *
 * A hypercall's answer comes back as a dump of bytes (proto/pcmd.h): its
 * length is gntboxd's to say (XEN_SYSCTL_getdomaininfolist writes one
 * record per domain), and gbx_conn_dump() bounds and reads it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/paths.h"
#include "client/hangup.h"
#include "client/link.h"
#include "client/privcmd.h"
#include "proto/proto.h"

struct gbx_privcmd {
	struct gbx_conn *conn;
	struct gbx_hangup *hup; /* its watch: only for the message */
};

int
gbx_privcmd_open(int domid, struct gbx_privcmd **pp)
{
	struct gbx_privcmd *p;
	int error;

	if (domid == -1 && (domid = gbx_env_domid()) == -1)
		return (EINVAL);
	if (domid < 0 || domid > GBX_DOMID_MAX)
		return (EINVAL);
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return (ENOMEM);
	if ((error = gbx_conn_open(GBX_KIND_PRIVCMD, (unsigned)domid,
		 &p->conn)) != 0) {
		free(p);
		return (error);
	}
	p->hup = gbx_hangup_add(gbx_conn_sock(p->conn), NULL, NULL);
	*pp = p;
	return (0);
}

void
gbx_privcmd_close(struct gbx_privcmd *p)
{

	gbx_hangup_del(p->hup);
	gbx_conn_close(p->conn);
	free(p);
}

int
gbx_privcmd_sock(const struct gbx_privcmd *p)
{

	return (gbx_conn_sock(p->conn));
}

int
gbx_privcmd_hypercall(struct gbx_privcmd *p, uint64_t op, const uint64_t arg[5],
    const void *in, size_t inlen, uint8_t **res, size_t *reslen)
{
	struct gbx_pcmd_hypercall hc;
	uint32_t n;
	void *recs;
	int error;

	if (inlen > sizeof(hc.in))
		return (EINVAL);
	memset(&hc, 0, sizeof(hc));
	hc.op = op;
	memcpy(hc.arg, arg, sizeof(hc.arg));
	hc.inlen = (uint32_t)inlen;
	if (inlen != 0)
		memcpy(hc.in, in, inlen);
	if ((error = gbx_conn_dump(p->conn, GBX_PCMD_HYPERCALL, &hc, sizeof(hc),
		 1, &recs, &n)) != 0)
		return (error);
	*res = recs;
	*reslen = n;
	return (0);
}

int
gbx_privcmd_restrict(struct gbx_privcmd *p, uint16_t domid)
{
	struct gbx_pcmd_restrict rs;
	struct gbx_call call;

	memset(&rs, 0, sizeof(rs));
	rs.domid = domid;
	gbx_call_init(&call, GBX_PCMD_RESTRICT, &rs, sizeof(rs), NULL, 0);
	return (gbx_conn_call(p->conn, &call));
}

int
gbx_privcmd_foreign(struct gbx_privcmd *p, uint32_t kind, uint16_t domid,
    int *answer)
{
	struct gbx_pcmd_foreign_reply rep;
	struct gbx_pcmd_foreign fr;
	struct gbx_call call;
	int error;

	memset(&fr, 0, sizeof(fr));
	fr.kind = kind;
	fr.domid = domid;
	gbx_call_init(&call, GBX_PCMD_FOREIGN, &fr, sizeof(fr), &rep,
	    sizeof(rep));
	if ((error = gbx_conn_call(p->conn, &call)) != 0)
		return (error);
	if (call.rlen != sizeof(rep) || rep.error <= 0 || rep.error > 4095)
		return (EPROTO);
	*answer = rep.error;
	return (0);
}
