/*
 * Compatibility test: the Linux device ABI at the ioctl level.  A process
 * of domain 1 calls open, ioctl, mmap, read and write on /dev/xen/gntdev
 * and /dev/xen/gntalloc itself, as libxengnttab would, through
 * libgntbox-preload.so, and checks every errno in the order Linux's
 * drivers check them (docs/differences.md for the few places gntbox
 * answers otherwise).  The domain grants pages to itself, so one process
 * both shares and maps.
 *
 * gntdev: MAP_GRANT_REF (EFAULT for the head, for the refs and for the
 * index; EINVAL for counts 0, 65537, 2^31, 2^32 - 1), mmap (length,
 * offset, MAP_PRIVATE with PROT_WRITE, not a whole map, a failing grant
 * in a batch, a second mmap, MAP_FIXED and MAP_FIXED_NOREPLACE),
 * UNMAP_GRANT_REF (ENOENT, count 0, an index inside the first page),
 * GET_OFFSET_FOR_VADDR (any page of a map, after a partial munmap; not a
 * gntalloc page), SET_UNMAP_NOTIFY's order (the port before the map),
 * SET_MAX_GRANTS and unknown ioctls (ENOTTY), GRANT_COPY's EFAULT and
 * count 0, read and write (EINVAL), the program's own F_SETFL; dup,
 * F_DUPFD_CLOEXEC and dup3 of a device, dup2 of another file over one,
 * as xentoolcore_restrict_all does, and close_range.
 *
 * gntalloc: ALLOC_GREF (EFAULT, counts 0, 65537, 2^31, 2^32 - 1),
 * DEALLOC_GREF (count 0, a run across two allocations, EINVAL),
 * SET_UNMAP_NOTIFY's order (the page before the action), mmap
 * (MAP_PRIVATE, ENOENT, the same pages twice), unknown ioctls.
 *
 * evtchn: every bind's EFAULT, ESRCH, EINVAL, EBUSY; UNBIND's EINVAL and
 * ENOTCONN; NOTIFY's ENOTCONN; RESTRICT_DOMID's order (EACCES before
 * EFAULT once restricted, as for BIND_VIRQ and BIND_UNBOUND_PORT); RESET
 * drops what fired; read (0 and 3 bytes, EAGAIN, EFAULT only when
 * something is pending) and write (whole ports, unknown ones ignored);
 * mmap (ENODEV) and unknown ioctls (ENOSYS).
 */
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/close_range.h>

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xen/grant_table.h>
#include <xen/xen.h>
#include <xen/evtchn.h>
#include <xen/gntalloc.h>
#include <xen/gntdev.h>

#include "check.h"
#include "compat.h"
#include "harness.h"

#define PG   4096
#define RW   (PROT_READ | PROT_WRITE)
#define SELF 1

/* MAP_GRANT_REF of n refs of domain 1; returns the index or -errno. */
static int64_t
map_refs(int fd, uint32_t n, const uint32_t *refs)
{
	struct ioctl_gntdev_map_grant_ref *op;
	int64_t r;
	uint32_t i;

	REQUIRE(
	    (op = calloc(1, sizeof(*op) + n * sizeof(op->refs[0]))) != NULL);
	op->count = n;
	for (i = 0; i < n; i++) {
		op->refs[i].domid = SELF;
		op->refs[i].ref = refs[i];
	}
	r = ioctl(fd, IOCTL_GNTDEV_MAP_GRANT_REF, op) == 0 ?
	    (int64_t)op->index :
	    -errno;
	free(op);
	return (r);
}

/* ------------------------------------------------------------------ */

static void
gntdev_map_errors(int dev, const uint32_t *refs)
{
	struct ioctl_gntdev_map_grant_ref op, *tail;
	static const uint32_t counts[] = { 0, 65537, 1u << 31, UINT32_MAX };
	uint8_t *two;
	size_t i;

	CHECK_ERR(ioctl(dev, IOCTL_GNTDEV_MAP_GRANT_REF, NULL), EFAULT);
	memset(&op, 0, sizeof(op));
	for (i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		op.count = counts[i];
		CHECK_ERR(ioctl(dev, IOCTL_GNTDEV_MAP_GRANT_REF, &op), EINVAL);
	}
	/* The head readable, the refs running into an inaccessible page. */
	two = mmap(NULL, 2 * PG, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	REQUIRE(two != MAP_FAILED);
	REQUIRE(mprotect(two + PG, PG, PROT_NONE) == 0);
	tail = (void *)(two + PG - sizeof(*tail));
	tail->count = 3;
	tail->refs[0].domid = SELF;
	tail->refs[0].ref = refs[0];
	CHECK_ERR(ioctl(dev, IOCTL_GNTDEV_MAP_GRANT_REF, tail), EFAULT);
	/* The refs read, the index not writable: EFAULT, the map recorded. */
	tail->count = 1;
	REQUIRE(mprotect(two, PG, PROT_READ) == 0);
	CHECK_ERR(ioctl(dev, IOCTL_GNTDEV_MAP_GRANT_REF, tail), EFAULT);
	CHECK_EQ(map_refs(dev, 1, refs), PG);
	CHECK_EQ(tc_unmap_refs(dev, 0, 1), 0);
	CHECK_EQ(tc_unmap_refs(dev, PG, 1), 0);
	(void)munmap(two, 2 * PG);
}

static void
gntdev_mmap_errors(int dev, const uint32_t *refs)
{
	uint32_t bad[3];
	int64_t idx;
	uint8_t *p, *q;

	REQUIRE((idx = map_refs(dev, 2, refs)) >= 0);
	CHECK(mmap(NULL, 0, RW, MAP_SHARED, dev, idx) == MAP_FAILED);
	CHECK_EQ(errno, EINVAL);
	CHECK(mmap(NULL, 2 * PG, RW, MAP_SHARED, dev, idx + 1) == MAP_FAILED);
	CHECK_EQ(errno, EINVAL);
	CHECK(mmap(NULL, 2 * PG, RW, MAP_PRIVATE, dev, idx) == MAP_FAILED);
	CHECK_EQ(errno, EINVAL);
	/* Not exactly the whole map. */
	CHECK(mmap(NULL, PG, RW, MAP_SHARED, dev, idx) == MAP_FAILED);
	CHECK_EQ(errno, EINVAL);
	CHECK(mmap(NULL, 2 * PG, RW, MAP_SHARED, dev, idx + PG) == MAP_FAILED);
	CHECK_EQ(errno, EINVAL);
	/* At an address of our choosing, not replacing what is there. */
	q = mmap(NULL, 4 * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	REQUIRE(q != MAP_FAILED);
	CHECK(mmap(q + PG, 2 * PG, RW, MAP_SHARED | MAP_FIXED_NOREPLACE, dev,
		  idx) == MAP_FAILED);
	CHECK_EQ(errno, EEXIST);
	p = mmap(q + PG, 2 * PG, RW, MAP_SHARED | MAP_FIXED, dev, idx);
	CHECK(p == q + PG);
	p[0] = 'x';
	/* Mapped once: a second mmap of the map is refused. */
	CHECK(mmap(NULL, 2 * PG, RW, MAP_SHARED, dev, idx) == MAP_FAILED);
	CHECK_EQ(errno, EINVAL);
	/* A MAP_FIXED anonymous mapping over it releases it. */
	CHECK(mmap(q, 4 * PG, PROT_NONE,
		  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == q);
	CHECK_EQ(tc_unmap_refs(dev, idx, 2), 0);
	(void)munmap(q, 4 * PG);
	/* A batch with a bad grant in the middle maps nothing. */
	bad[0] = refs[0];
	bad[1] = 3; /* reserved: never granted */
	bad[2] = refs[1];
	REQUIRE((idx = map_refs(dev, 3, bad)) >= 0);
	CHECK(mmap(NULL, 3 * PG, RW, MAP_SHARED, dev, idx) == MAP_FAILED);
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(tc_unmap_refs(dev, idx, 3), 0);
}

static void
gntdev_other_errors(int dev, int alloc, const uint32_t *refs, uint8_t *shared)
{
	static const uint32_t counts[] = { 0, 65537, 1u << 31, UINT32_MAX };
	struct ioctl_gntdev_get_offset_for_vaddr gov;
	struct ioctl_gntdev_unmap_notify un;
	struct ioctl_gntdev_set_max_grants mg;
	struct ioctl_gntdev_grant_copy gc;
	int64_t idx;
	uint8_t *p;
	size_t i;
	char c;

	REQUIRE((idx = map_refs(dev, 3, refs)) >= 0);
	/* UNMAP: unknown index, wrong counts, then count 0 matches. */
	CHECK_ERR(ioctl(dev, IOCTL_GNTDEV_UNMAP_GRANT_REF, NULL), EFAULT);
	CHECK_ERR(tc_unmap_refs(dev, idx + 64 * PG, 3), ENOENT);
	CHECK_ERR(tc_unmap_refs(dev, idx, 2), ENOENT);
	for (i = 1; i < sizeof(counts) / sizeof(counts[0]); i++)
		CHECK_ERR(tc_unmap_refs(dev, idx, counts[i]), ENOENT);
	CHECK_EQ(tc_unmap_refs(dev, idx, 0), 0);
	CHECK_ERR(tc_unmap_refs(dev, idx, 0), ENOENT);
	/* An index inside the map's first page finds it, as in Linux. */
	REQUIRE((idx = map_refs(dev, 3, refs)) >= 0);
	p = mmap(NULL, 3 * PG, RW, MAP_SHARED, dev, idx);
	REQUIRE(p != MAP_FAILED);
	/* GET_OFFSET_FOR_VADDR: any page of the map, even once split. */
	CHECK_ERR(ioctl(dev, IOCTL_GNTDEV_GET_OFFSET_FOR_VADDR, NULL), EFAULT);
	memset(&gov, 0, sizeof(gov));
	gov.vaddr = (uintptr_t)(p + 2 * PG + 5);
	CHECK_EQ(ioctl(dev, IOCTL_GNTDEV_GET_OFFSET_FOR_VADDR, &gov), 0);
	CHECK_U64(gov.offset, idx);
	CHECK_EQ(gov.count, 3);
	CHECK_EQ(munmap(p, PG), 0);
	gov.vaddr = (uintptr_t)(p + PG);
	CHECK_EQ(ioctl(dev, IOCTL_GNTDEV_GET_OFFSET_FOR_VADDR, &gov), 0);
	CHECK_EQ(gov.count, 3);
	gov.vaddr = (uintptr_t)p;
	CHECK_ERR(ioctl(dev, IOCTL_GNTDEV_GET_OFFSET_FOR_VADDR, &gov), EINVAL);
	gov.vaddr = (uintptr_t)shared; /* a gntalloc page is no map */
	CHECK_ERR(ioctl(dev, IOCTL_GNTDEV_GET_OFFSET_FOR_VADDR, &gov), EINVAL);
	/* SET_UNMAP_NOTIFY: action, then port, then the map, then ro. */
	CHECK_ERR(ioctl(dev, IOCTL_GNTDEV_SET_UNMAP_NOTIFY, NULL), EFAULT);
	memset(&un, 0, sizeof(un));
	un.index = idx + 64 * PG;
	un.action = 0x4;
	CHECK_ERR(ioctl(dev, IOCTL_GNTDEV_SET_UNMAP_NOTIFY, &un), EINVAL);
	un.action = UNMAP_NOTIFY_SEND_EVENT;
	un.event_channel_port = 4095; /* bound nowhere */
	CHECK_ERR(ioctl(dev, IOCTL_GNTDEV_SET_UNMAP_NOTIFY, &un), EINVAL);
	un.action = UNMAP_NOTIFY_CLEAR_BYTE;
	CHECK_ERR(ioctl(dev, IOCTL_GNTDEV_SET_UNMAP_NOTIFY, &un), ENOENT);
	un.index = idx + 2 * PG + 9;
	CHECK_EQ(ioctl(dev, IOCTL_GNTDEV_SET_UNMAP_NOTIFY, &un), 0);
	CHECK_EQ(tc_unmap_refs(dev, idx + 7, 3), 0);
	/* The byte is cleared when its page goes. */
	p[2 * PG + 9] = 1;
	CHECK_EQ(munmap(p + PG, 2 * PG), 0);
	CHECK(tc_wait_byte(shared + 2 * PG + 9, 0));
	/* CLEAR_BYTE on a read-only map. */
	REQUIRE((idx = map_refs(dev, 1, refs)) >= 0);
	p = mmap(NULL, PG, PROT_READ, MAP_SHARED, dev, idx);
	REQUIRE(p != MAP_FAILED);
	un.index = idx;
	CHECK_ERR(ioctl(dev, IOCTL_GNTDEV_SET_UNMAP_NOTIFY, &un), EINVAL);
	CHECK_EQ(munmap(p, PG), 0);
	CHECK_EQ(tc_unmap_refs(dev, idx, 1), 0);
	/* SET_MAX_GRANTS as current Linux: ENOTTY.  Unknown ones too. */
	mg.count = 1;
	CHECK_ERR(ioctl(dev, IOCTL_GNTDEV_SET_MAX_GRANTS, &mg), ENOTTY);
	CHECK_ERR(ioctl(dev, _IOC(_IOC_NONE, 'G', 99, 8), &mg), ENOTTY);
	CHECK_ERR(ioctl(dev, IOCTL_GNTALLOC_ALLOC_GREF, &mg), ENOTTY);
	CHECK_ERR(ioctl(alloc, IOCTL_GNTDEV_MAP_GRANT_REF, &mg), ENOTTY);
	CHECK_ERR(ioctl(dev, TCGETS, &mg), ENOTTY);
	/*
	 * GRANT_COPY: EFAULT for the head or the segments; count 0; counts
	 * Linux has no limit for run into memory that is not there.
	 */
	CHECK_ERR(ioctl(dev, IOCTL_GNTDEV_GRANT_COPY, NULL), EFAULT);
	memset(&gc, 0, sizeof(gc));
	CHECK_EQ(ioctl(dev, IOCTL_GNTDEV_GRANT_COPY, &gc), 0);
	gc.count = 2;
	CHECK_ERR(ioctl(dev, IOCTL_GNTDEV_GRANT_COPY, &gc), EFAULT);
	/* One good segment (of no length) before an inaccessible page. */
	p = mmap(NULL, 2 * PG, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	REQUIRE(p != MAP_FAILED);
	REQUIRE(mprotect(p + PG, PG, PROT_NONE) == 0);
	gc.segments = (void *)(p + PG - sizeof(*gc.segments));
	gc.segments->flags = GNTCOPY_source_gref;
	for (i = 1; i < sizeof(counts) / sizeof(counts[0]); i++) {
		gc.count = counts[i];
		CHECK_ERR(ioctl(dev, IOCTL_GNTDEV_GRANT_COPY, &gc), EFAULT);
	}
	gc.count = 1;
	CHECK_EQ(ioctl(dev, IOCTL_GNTDEV_GRANT_COPY, &gc), 0);
	CHECK_EQ(gc.segments->status, GNTST_okay);
	(void)munmap(p, 2 * PG);
	/* No read or write on a grant device. */
	CHECK_ERR(read(dev, &c, 1), EINVAL);
	CHECK_ERR(write(alloc, &c, 1), EINVAL);
	/* The program's own status flags; the device works on. */
	CHECK_EQ(fcntl(dev, F_GETFL) & (O_ACCMODE | O_NONBLOCK), O_RDWR);
	CHECK_EQ(fcntl(dev, F_SETFL, O_NONBLOCK), 0);
	CHECK_EQ(fcntl(dev, F_GETFL) & O_NONBLOCK, O_NONBLOCK);
	CHECK((idx = map_refs(dev, 1, refs)) >= 0);
	CHECK_EQ(tc_unmap_refs(dev, idx, 1), 0);
}

static void
gntalloc_errors(int alloc)
{
	static const uint32_t counts[] = { 65537, 1u << 31, UINT32_MAX };
	static const int want[] = { ENOSPC, ENOMEM, ENOMEM };
	struct ioctl_gntalloc_alloc_gref op;
	struct ioctl_gntalloc_dealloc_gref da;
	struct ioctl_gntalloc_unmap_notify un;
	uint32_t refs[3];
	uint64_t i1, i2;
	uint8_t *p, *q;
	size_t i;

	CHECK_ERR(ioctl(alloc, IOCTL_GNTALLOC_ALLOC_GREF, NULL), EFAULT);
	memset(&op, 0, sizeof(op));
	op.domid = SELF;
	CHECK_EQ(ioctl(alloc, IOCTL_GNTALLOC_ALLOC_GREF, &op), 0);
	for (i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		op.count = counts[i];
		CHECK_ERR(ioctl(alloc, IOCTL_GNTALLOC_ALLOC_GREF, &op),
		    want[i]);
	}
	i1 = tc_alloc(alloc, SELF, 2, true, refs);
	i2 = tc_alloc(alloc, SELF, 1, true, refs + 2);
	/* mmap: shared only; a run of the file's pages, even across allocs. */
	CHECK(mmap(NULL, PG, RW, MAP_PRIVATE, alloc, i1) == MAP_FAILED);
	CHECK_EQ(errno, EINVAL);
	CHECK(
	    mmap(NULL, PG, RW, MAP_SHARED, alloc, i2 + 64 * PG) == MAP_FAILED);
	CHECK_EQ(errno, ENOENT);
	p = mmap(NULL, 3 * PG, RW, MAP_SHARED, alloc, i1);
	q = mmap(NULL, PG, RW, MAP_SHARED, alloc, i1 + PG);
	REQUIRE(p != MAP_FAILED && q != MAP_FAILED);
	p[PG] = 'z';
	CHECK_EQ(q[0], 'z');
	/* SET_UNMAP_NOTIFY: the page first, then the action, then the port. */
	CHECK_ERR(ioctl(alloc, IOCTL_GNTALLOC_SET_UNMAP_NOTIFY, NULL), EFAULT);
	memset(&un, 0, sizeof(un));
	un.index = i2 + 64 * PG;
	un.action = 0x4;
	CHECK_ERR(ioctl(alloc, IOCTL_GNTALLOC_SET_UNMAP_NOTIFY, &un), ENOENT);
	un.index = i1 + 5;
	CHECK_ERR(ioctl(alloc, IOCTL_GNTALLOC_SET_UNMAP_NOTIFY, &un), EINVAL);
	un.action = UNMAP_NOTIFY_SEND_EVENT;
	un.event_channel_port = 4095;
	CHECK_ERR(ioctl(alloc, IOCTL_GNTALLOC_SET_UNMAP_NOTIFY, &un), EINVAL);
	un.action = UNMAP_NOTIFY_CLEAR_BYTE;
	CHECK_EQ(ioctl(alloc, IOCTL_GNTALLOC_SET_UNMAP_NOTIFY, &un), 0);
	/* DEALLOC: count 0 and unknown runs are EINVAL; across allocs. */
	CHECK_ERR(ioctl(alloc, IOCTL_GNTALLOC_DEALLOC_GREF, NULL), EFAULT);
	memset(&da, 0, sizeof(da));
	da.index = i1;
	CHECK_ERR(ioctl(alloc, IOCTL_GNTALLOC_DEALLOC_GREF, &da), EINVAL);
	for (i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		da.count = counts[i];
		CHECK_ERR(ioctl(alloc, IOCTL_GNTALLOC_DEALLOC_GREF, &da),
		    EINVAL);
	}
	da.count = 4;
	CHECK_ERR(ioctl(alloc, IOCTL_GNTALLOC_DEALLOC_GREF, &da), EINVAL);
	da.index = i1 + PG;
	da.count = 2;
	CHECK_EQ(ioctl(alloc, IOCTL_GNTALLOC_DEALLOC_GREF, &da), 0);
	CHECK_ERR(ioctl(alloc, IOCTL_GNTALLOC_DEALLOC_GREF, &da), EINVAL);
	/* Given up, the page has no notify any more: ENOENT. */
	un.index = i1 + PG;
	CHECK_ERR(ioctl(alloc, IOCTL_GNTALLOC_SET_UNMAP_NOTIFY, &un), ENOENT);
	da.index = i1;
	da.count = 1;
	CHECK_EQ(ioctl(alloc, IOCTL_GNTALLOC_DEALLOC_GREF, &da), 0);
	/* Page 0 goes with its last mapping (baseline: nothing is left). */
	p[5] = 1;
	CHECK_EQ(munmap(p, 3 * PG), 0);
	CHECK_EQ(munmap(q, PG), 0);
	CHECK_ERR(ioctl(alloc, _IOC(_IOC_NONE, 'G', 0, 24), &op), ENOTTY);
}

/* One pending port of a non-blocking evtchn descriptor, or -errno. */
static int64_t
evt_read1(int fd)
{
	uint32_t port;
	ssize_t r;

	r = read(fd, &port, sizeof(port));
	return (r == (ssize_t)sizeof(port) ? (int64_t)port :
		r == -1			   ? -errno :
					     -EIO);
}

static void
evtchn_errors(void)
{
	struct ioctl_evtchn_bind_interdomain bi;
	struct ioctl_evtchn_bind_unbound_port bu;
	struct ioctl_evtchn_bind_virq bv;
	struct ioctl_evtchn_restrict_domid rd;
	struct ioctl_evtchn_unbind ub;
	struct ioctl_evtchn_notify nt;
	uint32_t two[2];
	int fd, a, b;
	char c[3], *bad;

	/* A buffer no one may read or write. */
	bad = mmap(NULL, PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	REQUIRE(bad != MAP_FAILED);
	REQUIRE((fd = open("/dev/xen/evtchn", O_RDWR | O_CLOEXEC)) >= 0);
	REQUIRE(fcntl(fd, F_SETFL, O_NONBLOCK) == 0);
	CHECK(mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED);
	CHECK_EQ(errno, ENODEV);
	/* Binds. */
	CHECK_ERR(ioctl(fd, IOCTL_EVTCHN_BIND_VIRQ, NULL), EFAULT);
	bv.virq = VIRQ_DOM_EXC;
	CHECK_ERR(ioctl(fd, IOCTL_EVTCHN_BIND_VIRQ, &bv), EBUSY);
	bv.virq = VIRQ_TIMER;
	CHECK_ERR(ioctl(fd, IOCTL_EVTCHN_BIND_VIRQ, &bv), EINVAL);
	CHECK_ERR(ioctl(fd, IOCTL_EVTCHN_BIND_UNBOUND_PORT, NULL), EFAULT);
	CHECK_ERR(ioctl(fd, IOCTL_EVTCHN_BIND_INTERDOMAIN, NULL), EFAULT);
	bi.remote_domain = 77;
	bi.remote_port = 1;
	CHECK_ERR(ioctl(fd, IOCTL_EVTCHN_BIND_INTERDOMAIN, &bi), ESRCH);
	/* A loopback channel: the ioctls' value is the port. */
	bu.remote_domain = SELF;
	CHECK((a = ioctl(fd, IOCTL_EVTCHN_BIND_UNBOUND_PORT, &bu)) > 0);
	bi.remote_domain = SELF;
	bi.remote_port = (unsigned)a + 100;
	CHECK_ERR(ioctl(fd, IOCTL_EVTCHN_BIND_INTERDOMAIN, &bi), EINVAL);
	bi.remote_port = (unsigned)a;
	CHECK((b = ioctl(fd, IOCTL_EVTCHN_BIND_INTERDOMAIN, &bi)) > 0);
	/* b is pending at once (Xen's fix-up); RESET drops it, masked. */
	CHECK_EQ(ioctl(fd, IOCTL_EVTCHN_RESET), 0);
	CHECK_EQ(evt_read1(fd), -EAGAIN);
	nt.port = (unsigned)a;
	CHECK_EQ(ioctl(fd, IOCTL_EVTCHN_NOTIFY, &nt), 0);
	CHECK_EQ(evt_read1(fd), -EAGAIN);
	two[0] = (uint32_t)b;
	CHECK_EQ(write(fd, two, 4), 4); /* unmasked: it fired meanwhile */
	CHECK_EQ(evt_read1(fd), b);
	CHECK_EQ(write(fd, two, 4), 4);
	/* read: nothing for 0 and 3 bytes; EFAULT only once pending. */
	CHECK_EQ(read(fd, c, 0), 0);
	CHECK_EQ(read(fd, c, 3), 0);
	CHECK_ERR(read(fd, bad, 4), EAGAIN);
	nt.port = (unsigned)a;
	CHECK_EQ(ioctl(fd, IOCTL_EVTCHN_NOTIFY, &nt), 0);
	CHECK_ERR(read(fd, bad, 4), EFAULT);
	CHECK_EQ(evt_read1(fd), b);
	/* write: whole ports, unknown ones ignored; unmask b. */
	two[0] = 4000;
	two[1] = (uint32_t)b;
	CHECK_EQ(write(fd, two, 7), 4);
	CHECK_EQ(write(fd, two, 8), 8);
	CHECK_ERR(write(fd, bad, 4), EFAULT);
	CHECK_EQ(write(fd, two, 0), 0);
	nt.port = (unsigned)a;
	CHECK_EQ(ioctl(fd, IOCTL_EVTCHN_NOTIFY, &nt), 0);
	CHECK_EQ(evt_read1(fd), b);
	/* NOTIFY and UNBIND of ports that are not ours. */
	CHECK_ERR(ioctl(fd, IOCTL_EVTCHN_NOTIFY, NULL), EFAULT);
	nt.port = 4000;
	CHECK_ERR(ioctl(fd, IOCTL_EVTCHN_NOTIFY, &nt), ENOTCONN);
	nt.port = 1u << 30;
	CHECK_ERR(ioctl(fd, IOCTL_EVTCHN_NOTIFY, &nt), ENOTCONN);
	CHECK_ERR(ioctl(fd, IOCTL_EVTCHN_UNBIND, NULL), EFAULT);
	ub.port = 1u << 30;
	CHECK_ERR(ioctl(fd, IOCTL_EVTCHN_UNBIND, &ub), EINVAL);
	ub.port = 4000;
	CHECK_ERR(ioctl(fd, IOCTL_EVTCHN_UNBIND, &ub), ENOTCONN);
	ub.port = (unsigned)b;
	CHECK_EQ(ioctl(fd, IOCTL_EVTCHN_UNBIND, &ub), 0);
	CHECK_ERR(ioctl(fd, IOCTL_EVTCHN_UNBIND, &ub), ENOTCONN);
	/* RESTRICT_DOMID, then the order of the binds' checks. */
	CHECK_ERR(ioctl(fd, IOCTL_EVTCHN_RESTRICT_DOMID, NULL), EFAULT);
	rd.domid = 0;
	CHECK_ERR(ioctl(fd, IOCTL_EVTCHN_RESTRICT_DOMID, &rd), EINVAL);
	rd.domid = DOMID_SELF;
	CHECK_ERR(ioctl(fd, IOCTL_EVTCHN_RESTRICT_DOMID, &rd), EINVAL);
	rd.domid = 2;
	CHECK_EQ(ioctl(fd, IOCTL_EVTCHN_RESTRICT_DOMID, &rd), 0);
	CHECK_ERR(ioctl(fd, IOCTL_EVTCHN_RESTRICT_DOMID, NULL), EACCES);
	CHECK_ERR(ioctl(fd, IOCTL_EVTCHN_BIND_VIRQ, NULL), EACCES);
	CHECK_ERR(ioctl(fd, IOCTL_EVTCHN_BIND_UNBOUND_PORT, NULL), EACCES);
	CHECK_ERR(ioctl(fd, IOCTL_EVTCHN_BIND_INTERDOMAIN, NULL), EFAULT);
	bi.remote_domain = SELF;
	bi.remote_port = (unsigned)a;
	CHECK_ERR(ioctl(fd, IOCTL_EVTCHN_BIND_INTERDOMAIN, &bi), EACCES);
	/* Unknown commands: ENOSYS, as Linux's evtchn answers. */
	CHECK_ERR(ioctl(fd, _IOC(_IOC_NONE, 'E', 42, 4), &nt), ENOSYS);
	CHECK_ERR(ioctl(fd, IOCTL_GNTDEV_MAP_GRANT_REF, &nt), ENOSYS);
	CHECK_EQ(close(fd), 0);
	(void)munmap(bad, PG);
}

/*
 * Descriptors: a dup, an F_DUPFD_CLOEXEC and a dup3 are the same open
 * device; dup2 of another file over one (xentoolcore_restrict_all does
 * that with /dev/null) leaves the others working; the device goes with
 * its last descriptor.
 */
static void
descriptors(const uint32_t *refs)
{
	int dev, d1, d2, d3, null;
	int64_t idx;

	REQUIRE((dev = open("/dev/xen/gntdev", O_RDWR | O_CLOEXEC)) >= 0);
	REQUIRE((null = open("/dev/null", O_RDWR)) >= 0);
	REQUIRE((d1 = dup(dev)) >= 0);
	REQUIRE((d2 = fcntl(dev, F_DUPFD_CLOEXEC, 100)) >= 100);
	REQUIRE((d3 = dup3(dev, 200, O_CLOEXEC)) == 200);
	CHECK_EQ(fcntl(d2, F_GETFD), FD_CLOEXEC);
	/* A map made on one is found through another. */
	REQUIRE((idx = map_refs(d1, 1, refs)) >= 0);
	CHECK_EQ(dup2(null, dev), dev);
	CHECK_ERR(ioctl(dev, IOCTL_GNTDEV_SET_MAX_GRANTS, NULL), ENOTTY);
	CHECK_EQ(tc_unmap_refs(d2, (uint64_t)idx, 1), 0);
	CHECK_EQ(close(d1), 0);
	CHECK_EQ(close(d2), 0);
	CHECK((idx = map_refs(d3, 1, refs)) >= 0);
	CHECK_EQ(close(d3), 0);
	CHECK_ERR(ioctl(d3, IOCTL_GNTDEV_MAP_GRANT_REF, NULL), EBADF);
	CHECK_EQ(close(dev), 0);
	/* close_range: CLOSE_RANGE_CLOEXEC keeps them; a plain one does not. */
	REQUIRE((dev = open("/dev/xen/gntdev", O_RDWR)) >= 0);
	REQUIRE(dup3(dev, 300, 0) == 300 && dup3(dev, 301, 0) == 301);
	CHECK_EQ(close(dev), 0);
	CHECK_EQ(close_range(300, 301, CLOSE_RANGE_CLOEXEC), 0);
	CHECK_EQ(fcntl(301, F_GETFD), FD_CLOEXEC);
	CHECK((idx = map_refs(301, 1, refs)) >= 0);
	CHECK_EQ(close_range(300, 310, 0), 0);
	/* The number handed out again is not taken for the device. */
	CHECK_EQ(dup3(null, 301, 0), 301);
	CHECK_ERR(ioctl(301, IOCTL_GNTDEV_UNMAP_GRANT_REF, NULL), ENOTTY);
	CHECK_EQ(close(301), 0);
	CHECK_EQ(close(null), 0);
}

static int
ioctls(struct th_chan *ch)
{
	uint32_t refs[3];
	uint64_t idx;
	uint8_t *shared;
	int dev, alloc;

	(void)ch;
	REQUIRE((dev = open("/dev/xen/gntdev", O_RDWR | O_CLOEXEC)) >= 0);
	REQUIRE((alloc = open("/dev/xen/gntalloc", O_RDWR)) >= 0);
	idx = tc_alloc(alloc, SELF, 3, true, refs);
	shared = mmap(NULL, 3 * PG, RW, MAP_SHARED, alloc, idx);
	REQUIRE(shared != MAP_FAILED);
	gntdev_map_errors(dev, refs);
	gntdev_mmap_errors(dev, refs);
	gntdev_other_errors(dev, alloc, refs, shared);
	descriptors(refs);
	CHECK_EQ(munmap(shared, 3 * PG), 0);
	CHECK_EQ(close(alloc), 0);
	/* A new gntalloc file for its own checks. */
	REQUIRE((alloc = open("/dev/xen/gntalloc", O_RDWR)) >= 0);
	gntalloc_errors(alloc);
	CHECK_EQ(close(alloc), 0);
	CHECK_EQ(close(dev), 0);
	evtchn_errors();
	/* Outside a gntbox process the path is libc's (no such device). */
	REQUIRE(unsetenv("GNTBOX_DOMID") == 0);
	CHECK_ERR(open("/dev/xen/gntdev", O_RDWR), ENOENT);
	return (0);
}

static const struct tc_role roles[] = {
	{ "ioctls", ioctls },
	{ NULL, NULL },
};

int
main(int argc, char **argv)
{
	struct tc_proc a;

	tc_main(argc, argv, roles);
	th_start(NULL);
	th_domain(SELF);
	th_baseline();
	tc_run(&a, SELF, "ioctls");
	CHECK_EQ(tc_wait(&a), 0);
	th_check_baseline("ioctls");
	return (th_finish());
}
