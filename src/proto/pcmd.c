/*
 * pcmd.c: what both ends of a PCMD_HYPERCALL agree on (pcmd.h): which
 * argument structure a hypercall reads, and the result stream.
 *
 * Xen's public headers give the hypercall numbers and structure sizes;
 * they are the tools' view (__XEN_TOOLS__), without which the compat
 * numbers of Xen 3.0 (event_channel_op 16) would be the ones defined.
 */
#define __XEN_TOOLS__ 1

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <xen/xen.h>
#include <xen/domctl.h>
#include <xen/event_channel.h>
#include <xen/sysctl.h>
#include <xen/version.h>

#include "proto/pcmd.h"

_Static_assert(sizeof(struct xen_domctl) <= GBX_PCMD_IN_MAX,
    "struct xen_domctl does not fit GBX_PCMD_IN_MAX");
_Static_assert(sizeof(struct xen_sysctl) <= GBX_PCMD_IN_MAX,
    "struct xen_sysctl does not fit GBX_PCMD_IN_MAX");
_Static_assert(__HYPERVISOR_event_channel_op == 32,
    "the compat hypercall numbers are defined");

#define PCMD_ALIGN 8

size_t
gbx_pcmd_inlen(uint64_t op, uint64_t arg0, unsigned *argidx)
{

	*argidx = 0;
	switch (op) {
	case __HYPERVISOR_domctl:
		return (sizeof(struct xen_domctl));
	case __HYPERVISOR_sysctl:
		return (sizeof(struct xen_sysctl));
	case __HYPERVISOR_event_channel_op:
		*argidx = 1;
		return (
		    arg0 == EVTCHNOP_status ? sizeof(struct evtchn_status) : 0);
	case __HYPERVISOR_xen_version:
		*argidx = 1;
		return (arg0 == XENVER_get_features ?
			sizeof(xen_feature_info_t) :
			0);
	default:
		return (0);
	}
}

void
gbx_pcmd_out_init(struct gbx_pcmd_out *o)
{

	memset(o, 0, sizeof(*o));
	o->len = sizeof(struct gbx_pcmd_result);
}

/* Room for n more bytes, or o->nomem. */
static bool
out_room(struct gbx_pcmd_out *o, size_t n)
{
	size_t cap;
	uint8_t *b;

	if (o->nomem)
		return (false);
	if (o->len + n <= o->cap)
		return (true);
	for (cap = o->cap == 0 ? 512 : o->cap; cap < o->len + n; cap *= 2)
		;
	if ((b = realloc(o->buf, cap)) == NULL) {
		o->nomem = true;
		return (false);
	}
	o->buf = b;
	o->cap = cap;
	return (true);
}

void
gbx_pcmd_out_seg(struct gbx_pcmd_out *o, uint64_t addr, const void *data,
    size_t len)
{
	struct gbx_pcmd_seg seg;
	size_t padded;

	padded = (len + PCMD_ALIGN - 1) & ~(size_t)(PCMD_ALIGN - 1);
	if (len > UINT32_MAX || !out_room(o, sizeof(seg) + padded))
		return;
	memset(&seg, 0, sizeof(seg));
	seg.addr = addr;
	seg.len = (uint32_t)len;
	memcpy(o->buf + o->len, &seg, sizeof(seg));
	memcpy(o->buf + o->len + sizeof(seg), data, len);
	memset(o->buf + o->len + sizeof(seg) + len, 0, padded - len);
	o->len += sizeof(seg) + padded;
	o->nseg++;
}

int
gbx_pcmd_out_end(struct gbx_pcmd_out *o, int64_t ret)
{
	struct gbx_pcmd_result r;

	if (!out_room(o, 0)) {
		gbx_pcmd_out_free(o);
		return (ENOMEM);
	}
	memset(&r, 0, sizeof(r));
	r.ret = ret;
	r.nseg = o->nseg;
	memcpy(o->buf, &r, sizeof(r));
	return (0);
}

void
gbx_pcmd_out_free(struct gbx_pcmd_out *o)
{

	free(o->buf);
	o->buf = NULL;
	o->len = o->cap = 0;
}

/*
 * Check the whole stream before writing anything, then write: a stream
 * that lies about its lengths never makes the client write half of it.
 */
int
gbx_pcmd_walk(const uint8_t *s, size_t len, int64_t *ret,
    int (*wr)(void *ctx, uint64_t addr, const void *data, size_t len),
    void *ctx)
{
	struct gbx_pcmd_result r;
	struct gbx_pcmd_seg seg;
	size_t off, padded;
	uint32_t i;
	int pass;

	if (len < sizeof(r))
		return (EPROTO);
	memcpy(&r, s, sizeof(r));
	for (pass = 0; pass < 2; pass++) {
		off = sizeof(r);
		for (i = 0; i < r.nseg; i++) {
			if (len - off < sizeof(seg))
				return (EPROTO);
			memcpy(&seg, s + off, sizeof(seg));
			off += sizeof(seg);
			padded = ((size_t)seg.len + PCMD_ALIGN - 1) &
			    ~(size_t)(PCMD_ALIGN - 1);
			if (len - off < padded)
				return (EPROTO);
			if (pass == 1 &&
			    wr(ctx, seg.addr, s + off, seg.len) != 0) {
				*ret = -EFAULT;
				return (0);
			}
			off += padded;
		}
	}
	*ret = r.ret;
	return (0);
}
