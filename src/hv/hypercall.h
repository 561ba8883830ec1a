/*
 * hypercall.h: the hypercalls gntboxd answers for /dev/xen/privcmd
 * (proto/pcmd.h), as Xen 4.17 answers them, from the hypervisor's
 * own tables: domains (domain.h) and event channels (evtchn.h).
 *
 * Pure state, like the rest of hv/: a hypercall is a function of the
 * calling domain, the hypercall's number and arguments and the argument
 * structure its client read out of the program's memory.  Its answer is
 * the hypercall's value and what the hypervisor writes into the
 * program's memory (copy_to_guest), as proto.h's result stream.
 *
 * Answered (xen/common/domctl.c, sysctl.c, event_channel.c, kernel.c,
 * with the dummy XSM policy of xen/include/xsm/dummy.h):
 *
 *	domctl		XEN_DOMCTL_getdomaininfo; interface version 0x15
 *	sysctl		XEN_SYSCTL_getdomaininfolist; interface version 0x15
 *	event_channel_op  EVTCHNOP_status
 *	xen_version	version, extraversion, compile_info, capabilities,
 *			changeset, platform_parameters, get_features,
 *			pagesize, guest_handle, commandline (empty: no boot
 *			options), build_id (ENODATA: none)
 *
 * Domain 0 is the control domain; no domain is the xenstore domain (gntboxd
 * is the store) and none is another's device model, so the dummy policy's
 * XSM_XS_PRIV and XSM_DM_PRIV grant what XSM_PRIV grants: domain 0 only.
 * Every other hypercall, and every other command of those four, is -ENOSYS
 * (counted in hv->st.hypercalls_enosys), after the checks that Xen makes
 * before it looks at the command (interface version, domain, permission),
 * so a program is refused as Xen would refuse it, and only what Xen would
 * have done and gntbox cannot is ENOSYS.
 */
#ifndef GNTBOX_HV_HYPERCALL_H
#define GNTBOX_HV_HYPERCALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/proto.h"

struct hv;
struct hv_domain;

/* The answer to one hypercall. */
struct hv_hcall_res {
	int64_t ret;	 /* the hypercall's value, or a negated errno */
	uint8_t *stream; /* proto.h's result stream (malloc'ed) */
	size_t len;	 /* its bytes */
	/* For the daemon's log. */
	bool enosys;  /* ENOSYS: gntbox does not implement it */
	bool has_cmd; /* cmd is the command of a multiplexed hypercall */
	uint32_t cmd;
};

/*
 * Answer hypercall hc of domain self.  Returns 0 with res filled (free it
 * with hv_hcall_res_free), or EPROTO (hc->inlen is not the size of what
 * the hypercall reads, proto.h) or ENOMEM, with nothing to free.
 */
int hv_hypercall(struct hv *hv, struct hv_domain *self,
    const struct gbx_pcmd_hypercall *hc, struct hv_hcall_res *res);

void hv_hcall_res_free(struct hv_hcall_res *res);

/*
 * The hypervisor's answer (a positive errno: ESRCH, EPERM or EINVAL) when
 * domain self asks to map memory of domain domid (kind GBX_PCMD_MMU), a
 * resource of it (GBX_PCMD_RESOURCE) or to run a device-model operation
 * on it (GBX_PCMD_DMOP); proto.h's PCMD_FOREIGN.  kind must be one of
 * those three.
 */
int hv_foreign(struct hv *hv, struct hv_domain *self, uint32_t kind,
    uint32_t domid);

#endif /* GNTBOX_HV_HYPERCALL_H */
