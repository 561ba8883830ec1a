/*
 * Compatibility test: /dev/xen/privcmd at the ioctl level, as libxencall,
 * libxenforeignmemory and libxendevicemodel call it, through
 * libgntbox-preload.so: every check in the order of Linux's
 * drivers/xen/privcmd.c with its errno, and the hypervisor's answers
 * behind them (docs/differences.md, "privcmd").  Domains 0, 1 and 2
 * exist, 3 does not.
 *
 * - open: /dev/xen/privcmd opens, /dev/xen/hypercall is ENOENT; read and
 *   write are EINVAL; IOCTL_PRIVCMD_UNIMPLEMENTED and unknown ioctls are
 *   ENOTTY; a dup works on after the original is closed; a fork()ed child
 *   gets EBADF.
 * - HYPERCALL: EFAULT for the argument and for the structure the
 *   hypercall reads; EACCES for a wrong interface version; the value of
 *   xen_version; EINVAL for XENVER_pagesize with an argument and
 *   get_features' submap 1; ENOSYS for an unknown hypercall and command,
 *   counted; EFAULT when what the hypervisor writes back lands in a
 *   read-only page (getdomaininfo, EVTCHNOP_status), and for
 *   getdomaininfolist, whose sysctl structure then stays as it was.
 * - RESTRICT: EFAULT; again to the same domain, not to another (EINVAL);
 *   then every hypercall is EPERM (before its argument is read) and the
 *   other ioctls are EPERM for another domain.
 * - DM_OP: no buffer succeeds without asking; E2BIG for 17 buffers or one
 *   above a page, EFAULT for the list and for a buffer; then EINVAL (not
 *   HVM), ESRCH (no domain, DOMID_SELF) or EPERM (itself).
 * - MMAPBATCH_V2, MMAPBATCH, MMAP and MMAP_RESOURCE: EFAULT, EINVAL for
 *   no frames or no privcmd mapping, the whole mapping first and then any
 *   part of it; every frame's refusal written back (V2: the error array;
 *   V1: the frame's top nibble); the mapping faults with SIGBUS; mmap of
 *   a read-only file for a shared write is EACCES.
 */
#define __XEN_TOOLS__ 1

#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <xen/xen.h>
#include <xen/domctl.h>
#include <xen/event_channel.h>
#include <xen/memory.h>
#include <xen/sysctl.h>
#include <xen/version.h>
#include <xen/sys/privcmd.h>

#include "check.h"
#include "compat.h"
#include "harness.h"

#define PG	  4096
#define NO_DOM	  3
#define MFN_ERROR PRIVCMD_MMAPBATCH_MFN_ERROR

/* An ioctl's value, or -errno. */
static int
io(int fd, unsigned long cmd, void *arg)
{
	int r;

	r = ioctl(fd, cmd, arg);
	return (r == -1 ? -errno : r);
}

/* IOCTL_PRIVCMD_HYPERCALL op(a0, a1). */
static int
hcall(int fd, uint64_t op, uint64_t a0, uint64_t a1)
{
	privcmd_hypercall_t hc;

	memset(&hc, 0, sizeof(hc));
	hc.op = op;
	hc.arg[0] = a0;
	hc.arg[1] = a1;
	return (io(fd, IOCTL_PRIVCMD_HYPERCALL, &hc));
}

static uint64_t
u64p(const void *p)
{

	return ((uint64_t)(uintptr_t)p);
}

/* A page, filled with what, then made read-only. */
static void *
ro_page(const void *what, size_t len)
{
	void *p;

	p = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
	    -1, 0);
	REQUIRE(p != MAP_FAILED);
	memcpy(p, what, len);
	REQUIRE(mprotect(p, PG, PROT_READ) == 0);
	return (p);
}

static int
batch(int fd, uint16_t dom, void *addr, unsigned num, xen_pfn_t *arr, int *err)
{
	privcmd_mmapbatch_v2_t m;

	memset(&m, 0, sizeof(m));
	m.num = num;
	m.dom = dom;
	m.addr = u64p(addr);
	m.arr = arr;
	m.err = err;
	return (io(fd, IOCTL_PRIVCMD_MMAPBATCH_V2, &m));
}

static int
dm_op(int fd, uint16_t dom, uint16_t num, const privcmd_dm_op_buf_t *bufs)
{
	privcmd_dm_op_t op;

	memset(&op, 0, sizeof(op));
	op.dom = dom;
	op.num = num;
	op.ubufs = bufs;
	return (io(fd, IOCTL_PRIVCMD_DM_OP, &op));
}

static int
resource(int fd, uint16_t dom, void *addr, uint64_t num)
{
	privcmd_mmap_resource_t r;

	memset(&r, 0, sizeof(r));
	r.dom = dom;
	r.type = XENMEM_resource_grant_table;
	r.addr = u64p(addr);
	r.num = num;
	return (io(fd, IOCTL_PRIVCMD_MMAP_RESOURCE, &r));
}

static int
restrict_to(int fd, uint16_t dom)
{

	return (io(fd, IOCTL_PRIVCMD_RESTRICT, &dom));
}

/* open, read, write, unknown ioctls, dup and fork. */
static void
files(void)
{
	char buf[8];
	pid_t pid;
	int fd, fd2, st;

	CHECK_EQ(open("/dev/xen/hypercall", O_RDWR | O_CLOEXEC), -1);
	CHECK_EQ(errno, ENOENT);
	REQUIRE((fd = open("/dev/xen/privcmd", O_RDWR | O_CLOEXEC)) >= 0);
	CHECK_EQ(read(fd, buf, sizeof(buf)), -1);
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(write(fd, buf, sizeof(buf)), -1);
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(io(fd, IOCTL_PRIVCMD_UNIMPLEMENTED, NULL), -ENOTTY);
	CHECK_EQ(io(fd, _IOC(_IOC_NONE, 'P', 8, 0), NULL), -ENOTTY);
	CHECK_EQ(io(fd, _IOC(_IOC_NONE, 'E', 0, 0), NULL), -ENOTTY);
	REQUIRE((fd2 = dup(fd)) >= 0);
	CHECK_EQ(close(fd), 0);
	CHECK_EQ(hcall(fd2, __HYPERVISOR_xen_version, XENVER_version, 0),
	    0x40011);
	fflush(NULL);
	if ((pid = fork()) == 0)
		_exit(hcall(fd2, __HYPERVISOR_xen_version, XENVER_version, 0) ==
				-EBADF &&
			    close(fd2) == 0 ?
			0 :
			1);
	REQUIRE(pid > 0);
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK_EQ(st, 0);
	CHECK_EQ(hcall(fd2, __HYPERVISOR_xen_version, XENVER_version, 0),
	    0x40011);
	CHECK_EQ(close(fd2), 0);
	/* mmap checks the file's access mode first, as the kernel does. */
	REQUIRE((fd = open("/dev/xen/privcmd", O_RDONLY | O_CLOEXEC)) >= 0);
	CHECK(mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) ==
	    MAP_FAILED);
	CHECK_EQ(errno, EACCES);
	CHECK_EQ(close(fd), 0);
}

/* HYPERCALL's own errors and the hypercalls' errors behind it. */
static void
hypercalls(int fd)
{
	struct evtchn_status es;
	xen_feature_info_t fi;
	struct xen_domctl dc;
	void *ro;

	CHECK_EQ(io(fd, IOCTL_PRIVCMD_HYPERCALL, NULL), -EFAULT);
	CHECK_EQ(hcall(fd, __HYPERVISOR_domctl, 0, 0), -EFAULT);
	CHECK_EQ(hcall(fd, __HYPERVISOR_domctl, 8, 0), -EFAULT);
	memset(&dc, 0, sizeof(dc));
	dc.cmd = XEN_DOMCTL_getdomaininfo;
	dc.interface_version = XEN_DOMCTL_INTERFACE_VERSION - 1;
	CHECK_EQ(hcall(fd, __HYPERVISOR_domctl, u64p(&dc), 0), -EACCES);
	CHECK_EQ(hcall(fd, __HYPERVISOR_xen_version, XENVER_version, 0),
	    0x40011);
	CHECK_EQ(hcall(fd, __HYPERVISOR_xen_version, XENVER_pagesize, 0), PG);
	CHECK_EQ(hcall(fd, __HYPERVISOR_xen_version, XENVER_pagesize, 8),
	    -EINVAL);
	memset(&fi, 0, sizeof(fi));
	fi.submap_idx = 1;
	CHECK_EQ(hcall(fd, __HYPERVISOR_xen_version, XENVER_get_features,
		     u64p(&fi)),
	    -EINVAL);
	CHECK_EQ(hcall(fd, __HYPERVISOR_xen_version, XENVER_get_features, 0),
	    -EFAULT);
	CHECK_EQ(hcall(fd, __HYPERVISOR_event_channel_op, EVTCHNOP_status, 0),
	    -EFAULT);
	/* Port 0 of our own domain, closed: the answer cannot be written. */
	memset(&es, 0, sizeof(es));
	es.dom = DOMID_SELF;
	ro = ro_page(&es, sizeof(es));
	CHECK_EQ(hcall(fd, __HYPERVISOR_event_channel_op, EVTCHNOP_status,
		     u64p(ro)),
	    -EFAULT);
	CHECK_EQ(munmap(ro, PG), 0);
	CHECK_EQ(hcall(fd, __HYPERVISOR_event_channel_op, EVTCHNOP_status,
		     u64p(&es)),
	    0);
	CHECK_EQ(es.status, EVTCHNSTAT_closed);
	/* Two hypercalls gntbox does not implement. */
	CHECK_EQ(hcall(fd, 60, 0, 0), -ENOSYS);
	CHECK_EQ(hcall(fd, __HYPERVISOR_event_channel_op, EVTCHNOP_send, 0),
	    -ENOSYS);
}

/* RESTRICT, on a file of its own. */
static void
restriction(void)
{
	int fd, err;

	REQUIRE((fd = open("/dev/xen/privcmd", O_RDWR | O_CLOEXEC)) >= 0);
	CHECK_EQ(io(fd, IOCTL_PRIVCMD_RESTRICT, NULL), -EFAULT);
	CHECK_EQ(dm_op(fd, DOMID_INVALID, 0, NULL), 0);
	CHECK_EQ(restrict_to(fd, DOMID_INVALID), 0);
	CHECK_EQ(hcall(fd, __HYPERVISOR_xen_version, XENVER_version, 0),
	    0x40011);
	CHECK_EQ(restrict_to(fd, 2), 0);
	CHECK_EQ(restrict_to(fd, 2), 0);
	CHECK_EQ(restrict_to(fd, NO_DOM), -EINVAL);
	CHECK_EQ(io(fd, IOCTL_PRIVCMD_HYPERCALL, NULL), -EPERM);
	CHECK_EQ(hcall(fd, __HYPERVISOR_xen_version, XENVER_version, 0),
	    -EPERM);
	CHECK_EQ(dm_op(fd, DOMID_INVALID, 0, NULL), -EPERM);
	CHECK_EQ(dm_op(fd, 2, 0, NULL), 0);
	CHECK_EQ(batch(fd, NO_DOM, NULL, 1, NULL, &err), -EPERM);
	CHECK_EQ(resource(fd, NO_DOM, NULL, 0), -EPERM);
	CHECK_EQ(resource(fd, 2, NULL, 0), -EPERM); /* a domU's answer */
	CHECK_EQ(close(fd), 0);
}

/* DM_OP from domain self: its checks, then the hypervisor's. */
static void
dm_ops(int fd, uint16_t self)
{
	privcmd_dm_op_buf_t b[17];
	uint64_t word;

	memset(b, 0, sizeof(b));
	word = 0;
	CHECK_EQ(io(fd, IOCTL_PRIVCMD_DM_OP, NULL), -EFAULT);
	CHECK_EQ(dm_op(fd, 2, 17, b), -E2BIG);
	CHECK_EQ(dm_op(fd, 2, 1, NULL), -EFAULT);
	b[0].uptr = &word;
	b[0].size = PG + 1;
	CHECK_EQ(dm_op(fd, 2, 1, b), -E2BIG);
	b[0].uptr = NULL;
	b[0].size = sizeof(word);
	CHECK_EQ(dm_op(fd, 2, 1, b), -EFAULT);
	b[0].uptr = &word;
	CHECK_EQ(dm_op(fd, 2, 1, b), -EINVAL);
	CHECK_EQ(dm_op(fd, NO_DOM, 1, b), -ESRCH);
	CHECK_EQ(dm_op(fd, DOMID_SELF, 1, b), -ESRCH);
	CHECK_EQ(dm_op(fd, self, 1, b), -EPERM);
}

/*
 * The foreign-mapping ioctls from domain self; refusal is what every
 * frame of domain 2 gets.
 */
static void
mappings(int fd, uint16_t self, int refusal)
{
	privcmd_mmapbatch_t m1;
	privcmd_mmap_entry_t e;
	privcmd_mmap_t mm;
	xen_pfn_t arr[2] = { 7, 8 };
	int err[2];
	void *p, *q, *anon;

	anon = mmap(NULL, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	REQUIRE(anon != MAP_FAILED);
	CHECK_EQ(io(fd, IOCTL_PRIVCMD_MMAPBATCH_V2, NULL), -EFAULT);
	CHECK_EQ(batch(fd, 2, anon, 0, arr, err), -EINVAL);
	CHECK_EQ(batch(fd, 2, anon, 1, NULL, err), -EFAULT);
	CHECK_EQ(batch(fd, 2, anon, 1, arr, NULL), -EFAULT);
	CHECK_EQ(batch(fd, 2, anon, 1, arr, err), -EINVAL);
	p = mmap(NULL, 2 * PG, PROT_READ, MAP_SHARED, fd, 0);
	REQUIRE(p != MAP_FAILED);
	/* Unused: only the whole mapping. */
	CHECK_EQ(batch(fd, 2, p, 1, arr, err), -EINVAL);
	err[0] = err[1] = 1;
	CHECK_EQ(batch(fd, 2, p, 2, arr, err), 0);
	CHECK_EQ(err[0], -refusal);
	CHECK_EQ(err[1], -refusal);
	/* Used: any part of it, no more. */
	err[0] = 1;
	CHECK_EQ(batch(fd, NO_DOM, (char *)p + PG, 1, arr, err), 0);
	CHECK_EQ(err[0], -ESRCH);
	CHECK_EQ(batch(fd, self, p, 1, arr, err), 0);
	CHECK_EQ(err[0], -ESRCH);
	CHECK_EQ(batch(fd, DOMID_SELF, p, 1, arr, err), 0);
	CHECK_EQ(err[0], -EINVAL);
	CHECK_EQ(batch(fd, 2, (char *)p + PG, 2, arr, err), -EINVAL);
	CHECK_EQ(th_faults(p, 0), SIGBUS);
	CHECK_EQ(munmap(p, 2 * PG), 0);

	/* Version 1: the error goes into the frame's top nibble. */
	q = mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, 0);
	REQUIRE(q != MAP_FAILED);
	memset(&m1, 0, sizeof(m1));
	m1.num = 1;
	m1.dom = 2;
	m1.addr = u64p(q);
	m1.arr = arr;
	CHECK_EQ(io(fd, IOCTL_PRIVCMD_MMAPBATCH, &m1), 0);
	CHECK_EQ(arr[0], 7 | MFN_ERROR);
	CHECK_EQ(arr[1], 8);
	m1.num = 0;
	CHECK_EQ(io(fd, IOCTL_PRIVCMD_MMAPBATCH, &m1), -EINVAL);
	CHECK_EQ(munmap(q, PG), 0);

	/* The legacy IOCTL_PRIVCMD_MMAP: the first range's refusal. */
	q = mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, 0);
	REQUIRE(q != MAP_FAILED);
	memset(&mm, 0, sizeof(mm));
	mm.dom = 2;
	mm.entry = &e;
	CHECK_EQ(io(fd, IOCTL_PRIVCMD_MMAP, &mm), 0);
	mm.num = 1;
	mm.entry = NULL;
	CHECK_EQ(io(fd, IOCTL_PRIVCMD_MMAP, &mm), -EFAULT);
	mm.entry = &e;
	memset(&e, 0, sizeof(e));
	e.va = u64p(q) + PG;
	e.mfn = 7;
	e.npages = 1;
	CHECK_EQ(io(fd, IOCTL_PRIVCMD_MMAP, &mm), -EINVAL);
	e.va = u64p(q);
	e.npages = 2;
	CHECK_EQ(io(fd, IOCTL_PRIVCMD_MMAP, &mm), -EINVAL);
	/* The mapping is used now: the driver wants a fresh one. */
	e.npages = 1;
	CHECK_EQ(io(fd, IOCTL_PRIVCMD_MMAP, &mm), -EINVAL);
	CHECK_EQ(munmap(q, PG), 0);
	q = mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, 0);
	REQUIRE(q != MAP_FAILED);
	e.va = u64p(q);
	CHECK_EQ(io(fd, IOCTL_PRIVCMD_MMAP, &mm), -refusal);

	/* Resources: the size query, then a mapping. */
	CHECK_EQ(io(fd, IOCTL_PRIVCMD_MMAP_RESOURCE, NULL), -EFAULT);
	CHECK_EQ(resource(fd, 2, NULL, 1), -EINVAL);
	CHECK_EQ(resource(fd, 2, q, 0), -EINVAL);
	CHECK_EQ(resource(fd, 2, NULL, 0), -refusal);
	CHECK_EQ(resource(fd, NO_DOM, NULL, 0), -ESRCH);
	CHECK_EQ(resource(fd, self, NULL, 0), -EPERM);
	CHECK_EQ(resource(fd, 2, anon, 1), -EINVAL);
	CHECK_EQ(resource(fd, 2, q, 1), -refusal);
	CHECK_EQ(munmap(q, PG), 0);
	CHECK_EQ(munmap(anon, PG), 0);
}

static int
domu(struct th_chan *ch)
{
	int fd;

	(void)ch;
	files();
	restriction();
	REQUIRE((fd = open("/dev/xen/privcmd", O_RDWR | O_CLOEXEC)) >= 0);
	hypercalls(fd);
	dm_ops(fd, 1);
	mappings(fd, 1, EPERM);
	CHECK_EQ(close(fd), 0);
	return (0);
}

/*
 * Domain 0: what only it may ask, written back into read-only memory.
 * getdomaininfolist writes its records before the sysctl structure, and
 * the structure only when they all went.
 */
static int
dom0(struct th_chan *ch)
{
	struct xen_domctl_getdomaininfo recs[2];
	struct xen_sysctl sc, *scro;
	struct xen_domctl dc;
	void *ro;
	int fd;

	(void)ch;
	REQUIRE((fd = open("/dev/xen/privcmd", O_RDWR | O_CLOEXEC)) >= 0);
	memset(&dc, 0, sizeof(dc));
	dc.cmd = XEN_DOMCTL_getdomaininfo;
	dc.interface_version = XEN_DOMCTL_INTERFACE_VERSION;
	dc.domain = 1;
	ro = ro_page(&dc, sizeof(dc));
	CHECK_EQ(hcall(fd, __HYPERVISOR_domctl, u64p(ro), 0), -EFAULT);
	CHECK_EQ(munmap(ro, PG), 0);
	CHECK_EQ(hcall(fd, __HYPERVISOR_domctl, u64p(&dc), 0), 0);
	CHECK_EQ(dc.u.getdomaininfo.domain, 1);
	CHECK_EQ(dc.u.getdomaininfo.flags & XEN_DOMINF_running,
	    XEN_DOMINF_running);

	memset(&sc, 0, sizeof(sc));
	sc.cmd = XEN_SYSCTL_getdomaininfolist;
	sc.interface_version = XEN_SYSCTL_INTERFACE_VERSION - 1;
	CHECK_EQ(hcall(fd, __HYPERVISOR_sysctl, u64p(&sc), 0), -EACCES);
	sc.interface_version = XEN_SYSCTL_INTERFACE_VERSION;
	sc.u.getdomaininfolist.first_domain = 0;
	sc.u.getdomaininfolist.max_domains = 2;
	sc.u.getdomaininfolist.num_domains = 77;
	memset(recs, 0, sizeof(recs));
	ro = ro_page(recs, sizeof(recs));
	set_xen_guest_handle(sc.u.getdomaininfolist.buffer,
	    (struct xen_domctl_getdomaininfo *)ro);
	CHECK_EQ(hcall(fd, __HYPERVISOR_sysctl, u64p(&sc), 0), -EFAULT);
	CHECK_EQ(sc.u.getdomaininfolist.num_domains, 77);
	CHECK_EQ(munmap(ro, PG), 0);
	set_xen_guest_handle(sc.u.getdomaininfolist.buffer, recs);
	scro = ro_page(&sc, sizeof(sc));
	CHECK_EQ(hcall(fd, __HYPERVISOR_sysctl, u64p(scro), 0), -EFAULT);
	CHECK_EQ(recs[1].domain, 1);
	CHECK_EQ(munmap(scro, PG), 0);
	memset(recs, 0xff, sizeof(recs));
	CHECK_EQ(hcall(fd, __HYPERVISOR_sysctl, u64p(&sc), 0), 0);
	CHECK_EQ(sc.u.getdomaininfolist.num_domains, 2);
	CHECK_EQ(recs[0].domain, 0);
	CHECK_EQ(recs[1].domain, 1);

	dm_ops(fd, 0);
	mappings(fd, 0, EINVAL);
	CHECK_EQ(close(fd), 0);
	return (0);
}

static const struct tc_role roles[] = {
	{ "domu", domu },
	{ "dom0", dom0 },
	{ NULL, NULL },
};

int
main(int argc, char **argv)
{
	struct tc_proc p;
	uint64_t before;

	tc_main(argc, argv, roles);
	th_start(NULL);
	th_domain(1);
	th_domain(2);
	th_baseline();
	before = tc_enosys();
	tc_run(&p, 1, "domu");
	CHECK_EQ(tc_wait(&p), 0);
	CHECK_EQ(tc_enosys() - before, 2);
	th_check_baseline("privcmd's ioctls from a domU");
	before = tc_enosys();
	tc_run(&p, 0, "dom0");
	CHECK_EQ(tc_wait(&p), 0);
	CHECK_EQ(tc_enosys() - before, 0);
	th_check_baseline("privcmd's ioctls from domain 0");
	return (th_finish());
}
