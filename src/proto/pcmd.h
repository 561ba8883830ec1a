/*
 * pcmd.h: the two halves of a PCMD_HYPERCALL exchange (proto.h,
 * "privcmd") that both ends must agree on.
 *
 * - Which argument structure a hypercall reads, and where: the client
 *   copies it out of the program's memory, and gntboxd refuses a request
 *   whose `in` is not exactly that (EPROTO).
 * - The result stream: gntboxd builds it (the hypercall's value, then what
 *   the hypervisor writes into the program's memory and where, in the
 *   order Xen writes it), the client walks it.
 */
#ifndef GNTBOX_PROTO_PCMD_H
#define GNTBOX_PROTO_PCMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/proto.h"

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
