/*
 * copy.h: grant copy (Xen's GNTTABOP_copy, Linux's IOCTL_GNTDEV_GRANT_COPY)
 * done by the client itself.
 *
 * A batch of segments, each copying len bytes between a grant (a page of
 * another domain, named by domain and reference, at an offset) and a
 * local buffer, or between two grants.  One COPY_ACQUIRE (proto.h) pins
 * every distinct grant the batch names, checked as Xen checks a copy, and
 * tells where each lives; the client then copies with pread and pwrite on
 * the arena descriptors, so nothing is mapped and a bad local buffer is
 * EFAULT, as the kernel's pinning of user pages would say; then one
 * one-way COPY_RELEASE drops the pins.  One round trip per batch.
 */
#ifndef GNTBOX_CLIENT_COPY_H
#define GNTBOX_CLIENT_COPY_H

#include <stdint.h>

#define GBX_COPY_SRC_GREF 0x1 /* = GNTCOPY_source_gref */
#define GBX_COPY_DST_GREF 0x2 /* = GNTCOPY_dest_gref */

/* Segments per batch: each names at most two grants (GBX_COUNT_MAX). */
#define GBX_COPY_BATCH (GBX_COUNT_MAX / 2)

struct gbx_conn;

struct gbx_copy_ptr {
	void *virt;	 /* the local side */
	uint32_t domid;	 /* the grant side: granting domain ... */
	uint32_t ref;	 /* ... reference ... */
	uint16_t offset; /* ... and offset in its page */
};

struct gbx_copy_seg {
	struct gbx_copy_ptr src, dst;
	uint16_t len;
	uint16_t flags; /* GBX_COPY_*_GREF: which sides are grants */
	int16_t status; /* out: GNTST_* */
};

/*
 * Copy n segments (1 .. GBX_COPY_BATCH) over connection c, whose domain
 * is self (DOMID_SELF in a grant side means it).  The caller has checked
 * that every segment has a grant side and that each grant side stays in
 * its page.  Each segment's status is set: GNTST_okay when it was copied
 * (a segment of length 0 always is, and names no grant), else the first
 * failing grant's status (source first), and then nothing of it was
 * copied.  Returns 0, or an errno value when the batch could not be done
 * (the statuses are then undefined, as Linux says): EFAULT (a local
 * buffer cannot be read or written), ENOMEM, and the connection's errors.
 */
int gbx_copy_batch(struct gbx_conn *c, unsigned self, struct gbx_copy_seg *segs,
    uint32_t n);

#endif /* GNTBOX_CLIENT_COPY_H */
