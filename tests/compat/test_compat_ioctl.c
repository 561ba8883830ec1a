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
 * count 0, read and write (EINVAL), the program's own F_SETFL.
 *
 * gntalloc: ALLOC_GREF (EFAULT, counts 0, 65537, 2^31, 2^32 - 1),
 * DEALLOC_GREF (count 0, a run across two allocations, EINVAL),
 * SET_UNMAP_NOTIFY's order (the page before the action), mmap
 * (MAP_PRIVATE, ENOENT, the same pages twice), unknown ioctls.
 */
#include <sys/ioctl.h>
#include <sys/mman.h>

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xen/grant_table.h>
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
	struct ioctl_gntdev_get_offset_for_vaddr gov;
	struct ioctl_gntdev_unmap_notify un;
	struct ioctl_gntdev_set_max_grants mg;
	struct ioctl_gntdev_grant_copy gc;
	int64_t idx;
	uint8_t *p;
	char c;

	REQUIRE((idx = map_refs(dev, 3, refs)) >= 0);
	/* UNMAP: unknown index, wrong count, then count 0 matches. */
	CHECK_ERR(ioctl(dev, IOCTL_GNTDEV_UNMAP_GRANT_REF, NULL), EFAULT);
	CHECK_ERR(tc_unmap_refs(dev, idx + 64 * PG, 3), ENOENT);
	CHECK_ERR(tc_unmap_refs(dev, idx, 2), ENOENT);
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
	/* GRANT_COPY: EFAULT for the head or the segments; count 0. */
	CHECK_ERR(ioctl(dev, IOCTL_GNTDEV_GRANT_COPY, NULL), EFAULT);
	memset(&gc, 0, sizeof(gc));
	CHECK_EQ(ioctl(dev, IOCTL_GNTDEV_GRANT_COPY, &gc), 0);
	gc.count = 2;
	CHECK_ERR(ioctl(dev, IOCTL_GNTDEV_GRANT_COPY, &gc), EFAULT);
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
	CHECK_EQ(munmap(shared, 3 * PG), 0);
	CHECK_EQ(close(alloc), 0);
	/* A new gntalloc file for its own checks. */
	REQUIRE((alloc = open("/dev/xen/gntalloc", O_RDWR)) >= 0);
	gntalloc_errors(alloc);
	CHECK_EQ(close(alloc), 0);
	CHECK_EQ(close(dev), 0);
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
