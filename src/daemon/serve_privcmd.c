/*
 * serve_privcmd.c: /dev/xen/privcmd files (connections of kind
 * GBX_KIND_PRIVCMD) and their messages (proto/pcmd.h).
 *
 * A privcmd connection holds nothing but what Linux's privcmd keeps per
 * open file: the domain IOCTL_PRIVCMD_RESTRICT named (DOMID_INVALID while
 * unrestricted).  Hypercalls are answered by the hypervisor model
 * (hv/hypercall.h) for the connection's domain, which is the socket it
 * came in on, never anything the client says.
 *
 * What gntbox does not implement is said once: the first hypercall (and
 * command of a multiplexed one) answered ENOSYS is logged with its
 * numbers, so a user learns what a program needed; every one is counted
 * (`gntbox stats`: hypercalls_enosys).  What is refused to a domain (a
 * hypercall its permissions or its file's restriction do not allow, a
 * foreign mapping, resource or dm_op) is a denial (gbxd_deny()), and
 * every hypercall is traced.
 */
#define __XEN_TOOLS__ 1

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <xen/xen.h>

#include "base/log.h"
#include "daemon/gntboxd.h"
#include "hv/domain.h"
#include "hv/hypercall.h"
#include "proto/msg.h"

/*
 * Which (hypercall, command) pairs were logged: hypercalls 0..63 and one
 * bucket for the rest, commands 0..127 and one bucket for the rest.
 */
#define PCMD_LOG_OPS  65
#define PCMD_LOG_CMDS 129

static uint8_t pcmd_logged[PCMD_LOG_OPS][(PCMD_LOG_CMDS + 7) / 8];

/* Xen's names of the hypercalls a program is likely to ask. */
static const char *
pcmd_name(uint64_t op)
{

	switch (op) {
	case __HYPERVISOR_mmu_update:
		return ("mmu_update");
	case __HYPERVISOR_memory_op:
		return ("memory_op");
	case __HYPERVISOR_multicall:
		return ("multicall");
	case __HYPERVISOR_xen_version:
		return ("xen_version");
	case __HYPERVISOR_console_io:
		return ("console_io");
	case __HYPERVISOR_grant_table_op:
		return ("grant_table_op");
	case __HYPERVISOR_vcpu_op:
		return ("vcpu_op");
	case __HYPERVISOR_mmuext_op:
		return ("mmuext_op");
	case __HYPERVISOR_xsm_op:
		return ("xsm_op");
	case __HYPERVISOR_sched_op:
		return ("sched_op");
	case __HYPERVISOR_event_channel_op:
		return ("event_channel_op");
	case __HYPERVISOR_physdev_op:
		return ("physdev_op");
	case __HYPERVISOR_hvm_op:
		return ("hvm_op");
	case __HYPERVISOR_sysctl:
		return ("sysctl");
	case __HYPERVISOR_domctl:
		return ("domctl");
	case __HYPERVISOR_argo_op:
		return ("argo_op");
	case __HYPERVISOR_dm_op:
		return ("dm_op");
	case __HYPERVISOR_hypfs_op:
		return ("hypfs_op");
	default:
		return ("?");
	}
}

/* Log an ENOSYS hypercall the first time it (and its command) is seen. */
static void
pcmd_log_enosys(const struct mconn *c, uint64_t op,
    const struct hv_hcall_res *res)
{
	unsigned o, k;

	o = op < PCMD_LOG_OPS - 1 ? (unsigned)op : PCMD_LOG_OPS - 1;
	k = !res->has_cmd		 ? 0 :
	    res->cmd < PCMD_LOG_CMDS - 1 ? res->cmd :
					   PCMD_LOG_CMDS - 1;
	if ((pcmd_logged[o][k / 8] & (1u << (k % 8))) != 0)
		return;
	pcmd_logged[o][k / 8] |= (uint8_t)(1u << (k % 8));
	if (res->has_cmd)
		gbx_info("privcmd: domain %u (pid %d) made hypercall %llu "
			 "(%s) command %u, which gntbox does not implement: "
			 "ENOSYS (said once)",
		    c->conn.l->domid, (int)c->conn.pid, (unsigned long long)op,
		    pcmd_name(op), res->cmd);
	else
		gbx_info("privcmd: domain %u (pid %d) made hypercall %llu "
			 "(%s), which gntbox does not implement: ENOSYS "
			 "(said once)",
		    c->conn.l->domid, (int)c->conn.pid, (unsigned long long)op,
		    pcmd_name(op));
}

/* "hypercall N (name)", with " command C" for a multiplexed one. */
static void
pcmd_what(char *buf, size_t size, uint64_t op, bool has_cmd, uint32_t cmd)
{

	if (has_cmd)
		(void)snprintf(buf, size, "hypercall %llu (%s) command %u",
		    (unsigned long long)op, pcmd_name(op), cmd);
	else
		(void)snprintf(buf, size, "hypercall %llu (%s)",
		    (unsigned long long)op, pcmd_name(op));
}

/*
 * Trace a hypercall and its value, and count and log a refusal: EPERM
 * is Xen's permission check (the dummy XSM policy) saying no.
 */
static void
pcmd_observe(struct gbxd *g, const struct mconn *c,
    const struct gbx_pcmd_hypercall *hc, const struct hv_hcall_res *res)
{
	unsigned domid = c->conn.l->domid;
	char what[96];

	if (!gbxd_tracing(g) && res->ret != -EPERM)
		return;
	pcmd_what(what, sizeof(what), hc->op, res->has_cmd, res->cmd);
	if (gbxd_tracing(g) && res->ret < 0)
		gbxd_trace(g, domid, GBXD_NO_PEER, "%s -> %s", what,
		    gbxd_errno_name((int)-res->ret));
	else if (gbxd_tracing(g))
		gbxd_trace(g, domid, GBXD_NO_PEER, "%s -> %lld", what,
		    (long long)res->ret);
	if (res->ret == -EPERM)
		gbxd_deny(g, domid, what,
		    "EPERM: Xen's dummy XSM policy lets only domain 0 ask it");
}

/* The connection's domain, unless it is being destroyed. */
static struct hv_domain *
pcmd_domain(struct gbxd *g, const struct mconn *c)
{
	struct hv_domain *d;

	if ((d = hv_domain_find(&g->hv, c->conn.l->domid)) == NULL ||
	    hv_domain_dying(d))
		return (NULL);
	return (d);
}

void
pcmd_hello(struct mconn *c)
{

	c->pcmd_restrict = DOMID_INVALID;
}

/*
 * PCMD_HYPERCALL: the answer goes into the request's bulk memfd, as a
 * dump of bytes (proto/pcmd.h).
 */
int
h_pcmd_hypercall(struct gbxd *g, struct mconn *c, struct req *r)
{
	struct gbx_pcmd_hypercall hc;
	struct gbx_dump_reply *rep;
	struct hv_hcall_res res;
	struct hv_domain *d;
	char what[96];
	int error;

	if ((d = pcmd_domain(g, c)) == NULL)
		return (ESRCH);
	memcpy(&hc, r->body, sizeof(hc));
	if (c->pcmd_restrict != DOMID_INVALID) {
		pcmd_what(what, sizeof(what), hc.op, false, 0);
		gbxd_deny(g, d->domid, what,
		    "EPERM: the privcmd file is restricted to domain %u",
		    c->pcmd_restrict);
		return (EPERM);
	}
	if (hc.inlen > GBX_PCMD_IN_MAX)
		return (req_bad(r, "argument structure too long"));
	if ((error = hv_hypercall(&g->hv, d, &hc, &res)) != 0)
		return (error == EPROTO ?
			req_bad(r, "argument structure of the wrong size") :
			error);
	if (res.enosys)
		pcmd_log_enosys(c, hc.op, &res);
	pcmd_observe(g, c, &hc, &res);
	error = gbx_bulk_write(r->bulk, res.stream, res.len, 0);
	if (error == 0) {
		rep = REPLY_BODY(r, struct gbx_dump_reply);
		rep->count = (uint32_t)res.len;
		rep->rec_size = 1;
		reply_bulk_out(r);
	}
	hv_hcall_res_free(&res);
	return (error != 0 ? req_bad(r, "bulk memfd not writable") : 0);
}

/* PCMD_RESTRICT: once, or again to the same domain, as Linux. */
int
h_pcmd_restrict(struct gbxd *g, struct mconn *c, struct req *r)
{
	struct gbx_pcmd_restrict rs;

	if (pcmd_domain(g, c) == NULL)
		return (ESRCH);
	memcpy(&rs, r->body, sizeof(rs));
	if (c->pcmd_restrict == DOMID_INVALID)
		c->pcmd_restrict = (uint16_t)rs.domid;
	else if (c->pcmd_restrict != (uint16_t)rs.domid)
		return (EINVAL);
	return (0);
}

/*
 * PCMD_FOREIGN: the hypervisor's refusal (hv_foreign), a denial: gntbox
 * domains have no memory to map but granted pages.
 */
int
h_pcmd_foreign(struct gbxd *g, struct mconn *c, struct req *r)
{
	static const char *const what[] = { "", "map of the memory",
		"map of a resource", "device-model operation" };
	struct gbx_pcmd_foreign_reply *rep;
	struct gbx_pcmd_foreign fr;
	struct hv_domain *d;
	char op[64];
	int answer;

	if ((d = pcmd_domain(g, c)) == NULL)
		return (ESRCH);
	memcpy(&fr, r->body, sizeof(fr));
	if (fr.kind != GBX_PCMD_MMU && fr.kind != GBX_PCMD_RESOURCE &&
	    fr.kind != GBX_PCMD_DMOP)
		return (EINVAL);
	if (c->pcmd_restrict != DOMID_INVALID &&
	    c->pcmd_restrict != (uint16_t)fr.domid)
		return (EPERM);
	answer = hv_foreign(&g->hv, d, fr.kind, fr.domid);
	(void)snprintf(op, sizeof(op), "%s of domain %u", what[fr.kind],
	    (unsigned)(uint16_t)fr.domid);
	gbxd_deny(g, d->domid, op, "%s: %s", gbxd_errno_name(answer),
	    answer == EPERM ?
		"only domain 0 may (Xen's dummy XSM policy)" :
		answer == ESRCH ?
		"no such domain" :
		"gntbox domains have no memory but granted pages");
	rep = REPLY_BODY(r, struct gbx_pcmd_foreign_reply);
	rep->error = answer;
	return (0);
}
