/*
 * hypercall.c: the hypercalls of /dev/xen/privcmd, answered as Xen 4.17
 * answers them (hypercall.h).
 *
 * Each handler follows its Xen function's order of checks, and stops at
 * the first that fails, with Xen's errno:
 *
 *	do_domctl	interface version (EACCES); the domain (ESRCH; for
 *			getdomaininfo the first domain with an id at least
 *			the one asked, EINVAL for a reserved id); permission
 *			(EPERM); then the command
 *	do_sysctl	interface version (EACCES); permission (EPERM); then
 *			the command
 *	evtchn_status	the domain (ESRCH); the port (EINVAL); permission
 *			(EPERM)
 *	do_xen_version	the command; the commands every guest may ask, and
 *			commandline and build_id, whose answer to a domU is
 *			Xen's deny ("<denied>", EPERM)
 *
 * The permission rules are the dummy XSM policy's: XSM_TARGET lets a
 * domain ask about itself, everything else (XSM_PRIV, and XSM_XS_PRIV and
 * XSM_DM_PRIV, which have no xenstore or device-model domain to grant
 * here) is domain 0's.  Note that XSM_XS_PRIV does not let a domain ask
 * XEN_DOMCTL_getdomaininfo about itself: a domU gets EPERM even there.
 *
 * Copies back into the program's memory go into the result stream in
 * Xen's order (the getdomaininfolist records before the sysctl structure,
 * which is copied back only when they all went), so the client's first
 * failing write leaves the program's memory as Xen's would be.
 */
#define __XEN_TOOLS__ 1

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xen/xen.h>
#include <xen/domctl.h>
#include <xen/event_channel.h>
#include <xen/features.h>
#include <xen/sysctl.h>
#include <xen/version.h>

#include "hv/domain.h"
#include "hv/evtchn.h"
#include "hv/hypercall.h"
#include "proto/pcmd.h"

/* What xen_version tells about the "hypervisor": Xen 4.17, as gntbox. */
#define HC_XEN_MAJOR	4
#define HC_XEN_MINOR	17
#define HC_EXTRAVERSION ".0-gntbox"
#define HC_CAPABILITIES "xen-3.0-x86_64" /* 64-bit PV, no HVM */
#define HC_CHANGESET	"gntbox"
#define HC_VIRT_START	0xffff800000000000ull /* HYPERVISOR_VIRT_START */
#define HC_PAGE_SIZE	4096
#define HC_DENY		"<denied>" /* Xen's xen_deny() */

/* One hypercall being answered. */
struct hcall {
	struct hv *hv;
	struct hv_domain *self;
	const struct gbx_pcmd_hypercall *hc;
	struct gbx_pcmd_out out;
	struct hv_hcall_res *res;
};

/* The dummy policy's XSM_PRIV: the control domain, domain 0. */
static bool
hc_priv(const struct hcall *h)
{

	return ((h->self->flags & GBX_DOM_PRIVILEGED) != 0);
}

/* A hypercall or command gntbox does not implement. */
static int64_t
hc_enosys(struct hcall *h)
{

	h->res->enosys = true;
	h->hv->st.hypercalls_enosys++;
	return (-ENOSYS);
}

/*
 * Xen's getdomaininfo() for a gntbox domain: one vcpu, running until it
 * is dying; no memory of its own (its pages are granted ones), no handle,
 * cpupool 0, a PV guest (emulation_flags 0).
 */
static void
hc_dominfo(const struct hv_domain *d, struct xen_domctl_getdomaininfo *info)
{

	memset(info, 0, sizeof(*info));
	info->domain = d->domid;
	info->flags =
	    hv_domain_dying(d) ? XEN_DOMINF_dying : XEN_DOMINF_running;
	info->nr_online_vcpus = 1;
	info->max_vcpu_id = 0;
}

/* Domain id dom as rcu_lock_domain_by_id() finds it: reserved ids none. */
static struct hv_domain *
hc_domain(struct hcall *h, unsigned dom)
{

	return (
	    dom >= DOMID_FIRST_RESERVED ? NULL : hv_domain_find(h->hv, dom));
}

/* XEN_DOMCTL_getdomaininfo, from the domain lookup on. */
static int64_t
hc_getdomaininfo(struct hcall *h, struct xen_domctl *dc)
{
	struct hv_domain *d;

	if ((d = hc_domain(h, dc->domain)) == NULL) {
		if (dc->domain >= DOMID_FIRST_RESERVED)
			return (-EINVAL);
		if ((d = hv_domain_from(h->hv, dc->domain)) == NULL)
			return (-ESRCH);
	}
	if (!hc_priv(h))
		return (-EPERM);
	hc_dominfo(d, &dc->u.getdomaininfo);
	dc->domain = d->domid;
	gbx_pcmd_out_seg(&h->out, h->hc->arg[0], dc, sizeof(*dc));
	return (0);
}

/*
 * Whether do_domctl() looks the command's domain up (ESRCH when it does
 * not exist): not for createdomain, nor for the device commands that name
 * DOMID_INVALID or DOMID_IO on purpose.
 */
static bool
hc_domctl_looks_up(const struct xen_domctl *dc)
{

	switch (dc->cmd) {
	case XEN_DOMCTL_createdomain:
		return (false);
	case XEN_DOMCTL_assign_device:
	case XEN_DOMCTL_deassign_device:
		return (dc->domain != DOMID_IO);
	case XEN_DOMCTL_test_assign_device:
	case XEN_DOMCTL_vm_event_op:
		return (dc->domain != DOMID_INVALID);
	default:
		return (true);
	}
}

/* __HYPERVISOR_domctl: do_domctl(). */
static int64_t
hc_domctl(struct hcall *h)
{
	struct xen_domctl dc;

	memcpy(&dc, h->hc->in, sizeof(dc));
	if (dc.interface_version != XEN_DOMCTL_INTERFACE_VERSION)
		return (-EACCES);
	if (dc.cmd == XEN_DOMCTL_getdomaininfo)
		return (hc_getdomaininfo(h, &dc));
	if (hc_domctl_looks_up(&dc) && hc_domain(h, dc.domain) == NULL)
		return (-ESRCH);
	/* xsm_domctl: XSM_PRIV, or XSM_DM_PRIV, which only domain 0 has. */
	if (!hc_priv(h))
		return (-EPERM);
	return (hc_enosys(h));
}

/* XEN_SYSCTL_getdomaininfolist: every domain from first_domain on. */
static int64_t
hc_getdomaininfolist(struct hcall *h, struct xen_sysctl *sc)
{
	struct xen_sysctl_getdomaininfolist *l = &sc->u.getdomaininfolist;
	struct xen_domctl_getdomaininfo *recs;
	struct hv_domain *d;
	uint32_t n, cap;

	cap =
	    l->max_domains < h->hv->ndomains ? l->max_domains : h->hv->ndomains;
	recs = NULL;
	if (cap != 0 && (recs = calloc(cap, sizeof(*recs))) == NULL) {
		h->out.nomem = true;
		return (0);
	}
	n = 0;
	for (d = hv_domain_from(h->hv, l->first_domain); d != NULL && n < cap;
	     d = hv_domain_next(d))
		hc_dominfo(d, &recs[n++]);
	if (n != 0)
		gbx_pcmd_out_seg(&h->out, (uint64_t)(uintptr_t)l->buffer.p,
		    recs, n * sizeof(*recs));
	free(recs);
	l->num_domains = n;
	gbx_pcmd_out_seg(&h->out, h->hc->arg[0], sc, sizeof(*sc));
	return (0);
}

/* __HYPERVISOR_sysctl: do_sysctl(). */
static int64_t
hc_sysctl(struct hcall *h)
{
	struct xen_sysctl sc;

	memcpy(&sc, h->hc->in, sizeof(sc));
	if (sc.interface_version != XEN_SYSCTL_INTERFACE_VERSION)
		return (-EACCES);
	if (!hc_priv(h))
		return (-EPERM);
	if (sc.cmd == XEN_SYSCTL_getdomaininfolist)
		return (hc_getdomaininfolist(h, &sc));
	return (hc_enosys(h));
}

/*
 * EVTCHNOP_status: evtchn_status().  A port is valid below the domain's
 * port limit (Xen: below the ports of the buckets allocated so far); port
 * 0 is reserved, and so closed, as are the ports of a dying domain, whose
 * table is gone.
 */
static int64_t
hc_evtchn_status(struct hcall *h)
{
	struct evtchn_status st;
	const struct evt_port *p;
	struct hv_domain *d;

	memcpy(&st, h->hc->in, sizeof(st));
	d = st.dom == DOMID_SELF ? h->self : hc_domain(h, st.dom);
	if (d == NULL)
		return (-ESRCH);
	if (st.port >= d->evt.max_ports)
		return (-EINVAL);
	if (d != h->self && !hc_priv(h))
		return (-EPERM);
	p = d->evt.port == NULL ? NULL : evt_port_lookup(&d->evt, st.port);
	memset(&st.u, 0, sizeof(st.u));
	st.status = EVTCHNSTAT_closed;
	switch (p == NULL ? EVT_FREE : p->state) {
	case EVT_UNBOUND:
		st.status = EVTCHNSTAT_unbound;
		st.u.unbound.dom = p->remote_domid;
		break;
	case EVT_INTERDOMAIN:
		st.status = EVTCHNSTAT_interdomain;
		st.u.interdomain.dom = p->remote_domid;
		st.u.interdomain.port = p->remote_port;
		break;
	case EVT_VIRQ:
		st.status = EVTCHNSTAT_virq;
		st.u.virq = p->virq;
		break;
	default:
		break;
	}
	st.vcpu = 0;
	gbx_pcmd_out_seg(&h->out, h->hc->arg[1], &st, sizeof(st));
	return (0);
}

/* __HYPERVISOR_event_channel_op: do_event_channel_op(). */
static int64_t
hc_evtchn(struct hcall *h)
{

	if (h->hc->arg[0] == EVTCHNOP_status)
		return (hc_evtchn_status(h));
	return (hc_enosys(h));
}

/* XENVER_get_features: what Xen tells a 64-bit PV guest. */
static int64_t
hc_features(struct hcall *h)
{
	xen_feature_info_t fi;

	memcpy(&fi, h->hc->in, sizeof(fi));
	if (fi.submap_idx != 0)
		return (-EINVAL);
	fi.submap = (1u << XENFEAT_memory_op_vnode_supported) |
	    (1u << XENFEAT_mmu_pt_update_preserve_ad) |
	    (1u << XENFEAT_highmem_assist) |
	    (1u << XENFEAT_gnttab_map_avail_bits) |
	    (1u << XENFEAT_direct_mapped);
	if (hc_priv(h))
		fi.submap |= 1u << XENFEAT_dom0;
	gbx_pcmd_out_seg(&h->out, h->hc->arg[1], &fi, sizeof(fi));
	return (0);
}

/* A string into a zeroed buffer of size bytes, copied to arg[1]. */
static int64_t
hc_string(struct hcall *h, const char *s, size_t size)
{
	char buf[XEN_CAPABILITIES_INFO_LEN];

	memset(buf, 0, sizeof(buf));
	(void)snprintf(buf, size, "%s", s);
	gbx_pcmd_out_seg(&h->out, h->hc->arg[1], buf, size);
	return (0);
}

/* __HYPERVISOR_xen_version: do_xen_version(), for every guest. */
static int64_t
hc_version(struct hcall *h)
{
	xen_platform_parameters_t pp;
	xen_compile_info_t ci;
	xen_domain_handle_t hdl;

	switch (h->hc->arg[0]) {
	case XENVER_version:
		return ((HC_XEN_MAJOR << 16) | HC_XEN_MINOR);
	case XENVER_extraversion:
		return (
		    hc_string(h, HC_EXTRAVERSION, sizeof(xen_extraversion_t)));
	case XENVER_compile_info:
		memset(&ci, 0, sizeof(ci));
		(void)snprintf(ci.compiler, sizeof(ci.compiler), "gntboxd");
		(void)snprintf(ci.compile_by, sizeof(ci.compile_by), "gntbox");
		gbx_pcmd_out_seg(&h->out, h->hc->arg[1], &ci, sizeof(ci));
		return (0);
	case XENVER_capabilities:
		return (hc_string(h, HC_CAPABILITIES,
		    sizeof(xen_capabilities_info_t)));
	case XENVER_changeset:
		return (
		    hc_string(h, HC_CHANGESET, sizeof(xen_changeset_info_t)));
	case XENVER_platform_parameters:
		memset(&pp, 0, sizeof(pp));
		pp.virt_start = HC_VIRT_START;
		gbx_pcmd_out_seg(&h->out, h->hc->arg[1], &pp, sizeof(pp));
		return (0);
	case XENVER_get_features:
		return (hc_features(h));
	case XENVER_pagesize:
		return (h->hc->arg[1] != 0 ? -EINVAL : HC_PAGE_SIZE);
	case XENVER_guest_handle:
		memset(hdl, 0, sizeof(hdl));
		gbx_pcmd_out_seg(&h->out, h->hc->arg[1], hdl, sizeof(hdl));
		return (0);
	case XENVER_commandline:
		/* Domain 0's: the (empty) command line; others: Xen's deny. */
		if (!hc_priv(h)) {
			gbx_pcmd_out_seg(&h->out, h->hc->arg[1], HC_DENY,
			    sizeof(HC_DENY));
			return (0);
		}
		return (hc_string(h, "", sizeof(xen_commandline_t)));
	case XENVER_build_id:
		/* gntboxd has no build id: Xen's answer then is ENODATA. */
		return (hc_priv(h) ? -ENODATA : -EPERM);
	default:
		return (hc_enosys(h));
	}
}

/* The command of a multiplexed hypercall, for the daemon's log. */
static void
hc_command(const struct gbx_pcmd_hypercall *hc, struct hv_hcall_res *res)
{
	struct xen_domctl dc;
	struct xen_sysctl sc;

	res->has_cmd = true;
	switch (hc->op) {
	case __HYPERVISOR_domctl:
		memcpy(&dc, hc->in, sizeof(dc));
		res->cmd = dc.cmd;
		break;
	case __HYPERVISOR_sysctl:
		memcpy(&sc, hc->in, sizeof(sc));
		res->cmd = sc.cmd;
		break;
	case __HYPERVISOR_event_channel_op:
	case __HYPERVISOR_xen_version:
		res->cmd = (uint32_t)hc->arg[0];
		break;
	default:
		res->has_cmd = false;
		break;
	}
}

int
hv_hypercall(struct hv *hv, struct hv_domain *self,
    const struct gbx_pcmd_hypercall *hc, struct hv_hcall_res *res)
{
	struct hcall h;
	unsigned argidx;
	int64_t ret;
	int error;

	if (hc->inlen != gbx_pcmd_inlen(hc->op, hc->arg[0], &argidx))
		return (EPROTO);
	memset(res, 0, sizeof(*res));
	h.hv = hv;
	h.self = self;
	h.hc = hc;
	h.res = res;
	hc_command(hc, res);
	gbx_pcmd_out_init(&h.out);
	switch (hc->op) {
	case __HYPERVISOR_domctl:
		ret = hc_domctl(&h);
		break;
	case __HYPERVISOR_sysctl:
		ret = hc_sysctl(&h);
		break;
	case __HYPERVISOR_event_channel_op:
		ret = hc_evtchn(&h);
		break;
	case __HYPERVISOR_xen_version:
		ret = hc_version(&h);
		break;
	default:
		ret = hc_enosys(&h);
		break;
	}
	if ((error = gbx_pcmd_out_end(&h.out, ret)) != 0)
		return (error);
	res->ret = ret;
	res->stream = h.out.buf;
	res->len = h.out.len;
	return (0);
}

void
hv_hcall_res_free(struct hv_hcall_res *res)
{

	free(res->stream);
	res->stream = NULL;
}

/*
 * The refusals of hv_foreign(), per kind:
 *
 * - mmu_update (Xen's get_pg_owner, then xsm_mmu_update's XSM_TARGET):
 *   a domain that does not exist, or this domain named by its id rather
 *   than DOMID_SELF, is ESRCH; another domain's frames are EPERM but for
 *   domain 0, and to domain 0 and for this domain's own frames there is
 *   no such frame (EINVAL): a gntbox domain has no memory of its own.
 * - XENMEM_acquire_resource and dm_op (rcu_lock_remote_domain_by_id):
 *   no such domain is ESRCH, this domain EPERM; then dm_op needs an HVM
 *   domain (EINVAL, before the permission check), acquire_resource the
 *   permission (XSM_DM_PRIV, EPERM) and a resource the domain has (none
 *   here: EINVAL).
 */
int
hv_foreign(struct hv *hv, struct hv_domain *self, uint32_t kind, uint32_t domid)
{
	struct hv_domain *d;
	bool priv;

	priv = (self->flags & GBX_DOM_PRIVILEGED) != 0;
	if (kind == GBX_PCMD_MMU && (uint16_t)domid == DOMID_SELF)
		return (EINVAL);
	d = (uint16_t)domid >= DOMID_FIRST_RESERVED ?
	    NULL :
	    hv_domain_find(hv, (uint16_t)domid);
	if (d == NULL)
		return (ESRCH);
	if (d == self)
		return (kind == GBX_PCMD_MMU ? ESRCH : EPERM);
	if (kind == GBX_PCMD_DMOP)
		return (EINVAL);
	return (priv ? EINVAL : EPERM);
}
