/*
 * pcmd.h: the protocol of /dev/xen/privcmd (issue 9), the part of
 * proto.h's specification that privcmd connections use: their kind, their
 * messages, and the two halves of a PCMD_HYPERCALL exchange that both
 * ends must agree on:
 *
 * - which argument structure a hypercall reads, and where: the client
 *   copies it out of the program's memory, and gntboxd refuses a request
 *   whose `in` is not exactly that (EPROTO);
 * - the result stream: gntboxd builds it (the hypercall's value, then
 *   what the hypervisor writes into the program's memory and where, in
 *   the order Xen writes it), the client walks it.
 *
 * proto.h includes this file at its end.
 */
#ifndef GNTBOX_PROTO_PCMD_H
#define GNTBOX_PROTO_PCMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/proto.h"

/* ------------------------------------------------------------------ */
/* privcmd (issue 9): /dev/xen/privcmd, connections of kind PRIVCMD.    */

/*
 * A privcmd connection stands for one open /dev/xen/privcmd file.  Its
 * HELLO attaches nothing; it holds nothing but what Linux keeps per file,
 * the restriction of IOCTL_PRIVCMD_RESTRICT, which is gntboxd's state for
 * the connection (as it is the kernel's, not the program's, in Linux).
 * The connection's domain is the socket it came in on.
 *
 * Hypercalls.  The client reads the hypercall's argument structure out of
 * the program's memory (the copy_from_guest the hypervisor would make)
 * and sends it with the hypercall's number and arguments; gntboxd answers
 * as Xen 4.17 would, from its own tables, and says what the hypervisor
 * would have written into the program's memory and where, in the order
 * Xen writes it.  The client writes it there, and stops at the first
 * address it cannot write: the hypercall's result is then -EFAULT, as
 * Xen's copy_to_guest makes it.
 *
 * Every request of a connection whose domain is being destroyed is ESRCH.
 */
#define GBX_KIND_PRIVCMD 4 /* enum gbx_kind: one open /dev/xen/privcmd */

enum gbx_type_privcmd {
	GBX_PCMD_HYPERCALL = 0x40,
	GBX_PCMD_RESTRICT = 0x41,
	GBX_PCMD_FOREIGN = 0x42,
};

/*
 * PCMD_HYPERCALL (IOCTL_PRIVCMD_HYPERCALL).  Request: struct
 * gbx_pcmd_hypercall, always with a bulk memfd and no tail (as a dump).
 * `in` holds the argument structure the hypercall reads, inlen bytes of
 * it, and nothing for hypercalls that read none:
 *
 *	domctl (36)			struct xen_domctl at arg[0]
 *	sysctl (35)			struct xen_sysctl at arg[0]
 *	event_channel_op (32),
 *	    EVTCHNOP_status		struct evtchn_status at arg[1]
 *	xen_version (17),
 *	    XENVER_get_features		xen_feature_info_t at arg[1]
 *
 * Reply: struct gbx_dump_reply with rec_size 1: count bytes in the memfd,
 * a struct gbx_pcmd_result and then, nseg times, a struct gbx_pcmd_seg
 * followed by its len bytes and zeros up to a multiple of 8.  Errors:
 * EPERM (the connection is restricted, as Linux refuses every hypercall
 * of a restricted file), EPROTO (inlen is not what the hypercall reads).
 * Everything else, ENOSYS for a hypercall gntboxd does not implement
 * included, is the hypercall's result, not the reply's error.
 */
#define GBX_PCMD_IN_MAX 256

struct gbx_pcmd_hypercall {
	uint64_t op;
	uint64_t arg[5];
	uint32_t inlen;
	uint32_t pad;
	uint8_t in[GBX_PCMD_IN_MAX];
};

struct gbx_pcmd_result {
	int64_t ret; /* the hypercall's value: >= 0, or a negated errno */
	uint32_t nseg;
	uint32_t pad;
};

struct gbx_pcmd_seg {
	uint64_t addr; /* in the program's memory */
	uint32_t len;
	uint32_t pad;
};

/*
 * PCMD_RESTRICT (IOCTL_PRIVCMD_RESTRICT): from now on the connection may
 * make no hypercall (EPERM) and may ask PCMD_FOREIGN only about domid.
 * Request: struct gbx_pcmd_restrict.  Reply: header only.  Errors:
 * EINVAL (restricted to another domain already; restricting again to
 * the same one succeeds, as in Linux).
 */
struct gbx_pcmd_restrict {
	uint32_t domid; /* a domid_t; DOMID_INVALID restricts nothing */
	uint32_t pad;
};

/*
 * PCMD_FOREIGN: what the hypervisor answers when this domain asks to map
 * memory of domid (IOCTL_PRIVCMD_MMAP and MMAPBATCH*: Xen's mmu_update),
 * to map a resource of it (MMAP_RESOURCE: XENMEM_acquire_resource), or
 * to run a device-model operation on it (DM_OP: dm_op).  gntbox domains
 * have no memory but their granted pages, so the answer is always a
 * refusal: Xen's, in Xen's order, when Xen would refuse too, and EINVAL
 * (no such frame, resource or HVM domain) when Xen would not.
 * Request: struct gbx_pcmd_foreign.  Reply: struct gbx_pcmd_foreign_reply.
 * Errors: EINVAL (unknown kind), EPERM (restricted to another domain).
 */
#define GBX_PCMD_MMU	  1 /* mmu_update of foreign frames */
#define GBX_PCMD_RESOURCE 2 /* XENMEM_acquire_resource */
#define GBX_PCMD_DMOP	  3 /* dm_op */

struct gbx_pcmd_foreign {
	uint32_t kind; /* GBX_PCMD_MMU, _RESOURCE, _DMOP */
	uint32_t domid;
};

struct gbx_pcmd_foreign_reply {
	int32_t error; /* the hypervisor's answer: a positive errno */
	uint32_t pad;
};

/*
 * The argument structure hypercall op with first argument arg0 reads:
 * its size, and in *argidx which argument holds its address.  0 when it
 * reads none (or gntboxd does not answer it).
 */
size_t gbx_pcmd_inlen(uint64_t op, uint64_t arg0, unsigned *argidx);

/* A result stream being built. */
struct gbx_pcmd_out {
	uint8_t *buf;
	size_t len;
	size_t cap;
	uint32_t nseg;
	bool nomem; /* an append failed: the stream is useless */
};

/* An empty stream (its header is written by gbx_pcmd_out_end). */
void gbx_pcmd_out_init(struct gbx_pcmd_out *o);

/* Append "write len bytes of data at addr"; on ENOMEM, o->nomem. */
void gbx_pcmd_out_seg(struct gbx_pcmd_out *o, uint64_t addr, const void *data,
    size_t len);

/*
 * Write the header with the hypercall's value ret.  Returns 0 (o->buf and
 * o->len are the stream, to free) or ENOMEM (everything freed).
 */
int gbx_pcmd_out_end(struct gbx_pcmd_out *o, int64_t ret);

/* Free a stream that will not be ended. */
void gbx_pcmd_out_free(struct gbx_pcmd_out *o);

/*
 * Walk a stream of len bytes: call wr(ctx, addr, data, len) for each
 * segment in order, stopping at the first that returns nonzero, and set
 * *ret to the hypercall's value, or to -EFAULT when a write failed (the
 * copy_to_guest failed).  Returns 0, or EPROTO for a stream that is not
 * well formed (nothing is written then).
 */
int gbx_pcmd_walk(const uint8_t *s, size_t len, int64_t *ret,
    int (*wr)(void *ctx, uint64_t addr, const void *data, size_t len),
    void *ctx);

#endif /* GNTBOX_PROTO_PCMD_H */
