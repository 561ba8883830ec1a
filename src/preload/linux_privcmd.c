/*
 * linux_privcmd.c: /dev/xen/privcmd, as Linux's drivers/xen/privcmd.c
 * answers it in a 64-bit PV domain, on a privcmd connection of the client
 * core (client/privcmd.h).  /dev/xen/hypercall, the driver's buffer
 * device, stays absent (interpose.c): libxencall then allocates its
 * hypercall buffers in anonymous memory, which uaccess.c reads.
 *
 * The ioctls check in the driver's order, with its errno values, and ask
 * gntboxd only where the driver asks the hypervisor:
 *
 *	HYPERCALL	restricted (EPERM), the argument (EFAULT); then the
 *			argument structure the hypercall reads is copied in
 *			(the hypervisor's copy_from_guest: the hypercall's
 *			EFAULT), gntboxd answers, and what it says the
 *			hypervisor writes is copied out (EFAULT again)
 *	RESTRICT	the argument (EFAULT); gntboxd (EINVAL)
 *	MMAPBATCH(_V2)	the argument, access_ok (EFAULT); restricted to
 *			another domain (EPERM); no frames (EINVAL); the frame
 *			array, and V2's zeroed error array (EFAULT); a
 *			privcmd mapping at the address (EINVAL); then every
 *			frame gets the hypervisor's refusal, written back
 *			into the frame array (V1) or the error array (V2),
 *			and the ioctl itself succeeds
 *	MMAP		the same for the legacy ioctl; its error is the first
 *			range's refusal
 *	MMAP_RESOURCE	the argument (EFAULT); restricted (EPERM); address
 *			and count both set or both not (EINVAL); a privcmd
 *			mapping (EINVAL); the hypervisor's refusal
 *	DM_OP		the argument (EFAULT); restricted (EPERM); no buffer
 *			succeeds without a hypercall; more than 16 buffers or
 *			one above a page (E2BIG); the buffers (EFAULT); the
 *			hypervisor's refusal
 *	anything else	ENOTTY, IOCTL_PRIVCMD_UNIMPLEMENTED included, as
 *			libxenforeignmemory expects of a current driver
 *
 * mmap of the file gives what the driver gives before MMAPBATCH fills
 * it: a mapping of nothing, where any access is SIGBUS, not inherited by
 * a fork()ed child (VM_DONTCOPY).  It is a mapping of an empty memfd of
 * the process, each at an offset of its own, so that /proc/self/maps
 * tells privcmd mappings (and their boundaries) from any other, as the
 * driver tells its VMAs by their vm_ops.  A mapping that MMAPBATCH or
 * MMAP_RESOURCE has used (the driver's vm_private_data) is mapped again
 * at its offset with PL_PCMD_USED added, so the state lives in the
 * mapping and goes with it.  Finding a mapping reads /proc/self/maps: a
 * linear walk, on a path that only ever ends in a refusal.
 *
 * A fork()ed child shares the parent's connection and may only close it
 * (libxencall's rule: handles do not survive fork); anything else is
 * EBADF.
 */
#define __XEN_TOOLS__ 1

#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xen/xen.h>
#include <xen/sys/privcmd.h>

#include "client/gntdev.h"
#include "client/privcmd.h"
#include "preload/preload.h"
#include "proto/pcmd.h"
#include "proto/proto.h"

#define PG		  ((uint64_t)GBX_PAGE_SIZE)
#define PL_PCMD_STRIDE	  (1ull << 36) /* offset between two mappings */
#define PL_PCMD_IDS	  (1ull << 24)
#define PL_PCMD_USED	  (1ull << 61)	    /* offset flag: vm_private_data */
#define PL_TASK_SIZE_MAX  0x7ffffffff000ull /* x86-64, 4-level paging */
#define PL_DM_OP_MAX_BUFS 16		    /* Linux's dm_op_max_nr_bufs */
#define PL_DM_OP_MAX_SIZE 4096		    /* dm_op_buf_max_size */
#define PL_KMALLOC_MAX	  (1ull << 22)	    /* kcalloc's limit */
#define PL_CHUNK	  512 /* frames read or written at a time */

/* The empty memfd privcmd mappings map, made at the first mmap. */
static pthread_mutex_t pcmd_lock = PTHREAD_MUTEX_INITIALIZER;
static int pcmd_memfd = -1;
static dev_t pcmd_dev;
static ino_t pcmd_ino;
static uint64_t pcmd_next_id;

/* A privcmd mapping as /proc/self/maps shows it. */
struct pcmd_vma {
	uint64_t start;
	uint64_t end;
	uint64_t off;
	int prot;
	int flags; /* MAP_SHARED or MAP_PRIVATE */
};

int
pl_privcmd_open(struct pfile *pf)
{
	int error;

	if ((error = gbx_privcmd_open(-1, &pf->pcmd)) != 0)
		return (error);
	pf->pid = pl_getpid();
	atomic_init(&pf->restricted, 0);
	return (0);
}

int
pl_privcmd_fd(const struct pfile *pf)
{

	return (gbx_privcmd_sock(pf->pcmd));
}

void
pl_privcmd_close(struct pfile *pf)
{

	gbx_privcmd_close(pf->pcmd);
}

/* The kernel's access_ok(): [p, p + len) lies in user space. */
static bool
pcmd_access_ok(uint64_t p, uint64_t len)
{

	return (p + len >= p && p + len <= PL_TASK_SIZE_MAX);
}

/* ------------------------------------------------------------------ */
/* mmap and the mappings.                                               */

/* The memfd, made once (under pcmd_lock). */
static int
pcmd_memfd_get(void)
{
	struct stat st;
	int fd;

	if (pcmd_memfd != -1)
		return (0);
	if ((fd = memfd_create("gntbox-privcmd", MFD_CLOEXEC)) == -1)
		return (errno);
	if (fstat(fd, &st) == -1) {
		(void)pl_real.close(fd);
		return (errno);
	}
	pcmd_dev = st.st_dev;
	pcmd_ino = st.st_ino;
	pcmd_memfd = fd;
	return (0);
}

/*
 * mmap: the kernel's checks of the file's access mode (the memfd is
 * opened read-write whatever the program opened), then a mapping of
 * nothing at an offset of its own.  A MAP_FIXED over grant mappings
 * releases them, as the kernel's implicit munmap would.
 */
int
pl_privcmd_mmap(struct pfile *pf, void *addr, size_t len, int prot, int flags,
    void **out)
{
	struct gbx_vmbatch b;
	bool replacing;
	uint64_t off;
	void *p;
	int error;

	if (pf->accmode == O_WRONLY ||
	    ((flags & MAP_TYPE) != MAP_PRIVATE && (prot & PROT_WRITE) != 0 &&
		pf->accmode != O_RDWR))
		return (EACCES);
	(void)pthread_mutex_lock(&pcmd_lock);
	error = pcmd_memfd_get();
	off = (pcmd_next_id++ % PL_PCMD_IDS) * PL_PCMD_STRIDE;
	(void)pthread_mutex_unlock(&pcmd_lock);
	if (error != 0)
		return (error);
	replacing = (flags & MAP_FIXED) != 0 &&
	    (flags & MAP_FIXED_NOREPLACE) == 0 && gbx_vm_any() &&
	    gbx_vm_unmap_begin(addr, len, &b) == 0;
	p = pl_real.mmap(addr, len, prot, flags, pcmd_memfd, (off_t)off);
	error = p == MAP_FAILED ? errno : 0;
	if (replacing)
		gbx_vm_unmap_end(&b, p != MAP_FAILED);
	if (error != 0)
		return (error);
	(void)madvise(p, len, MADV_DONTFORK);
	*out = p;
	return (0);
}

/*
 * One line of /proc/self/maps ("start-end perms offset major:minor inode
 * path") into v, and its file's device and inode.  false when it does not
 * read as one.
 */
static bool
pcmd_maps_line(const char *line, struct pcmd_vma *v, dev_t *dev, ino_t *ino)
{
	unsigned long maj, mino;
	const char *perms;
	char *p;

	memset(v, 0, sizeof(*v));
	v->start = strtoull(line, &p, 16);
	if (*p != '-')
		return (false);
	v->end = strtoull(p + 1, &p, 16);
	if (*p != ' ' || strlen(p) < 6)
		return (false);
	perms = p + 1;
	v->prot = (perms[0] == 'r' ? PROT_READ : 0) |
	    (perms[1] == 'w' ? PROT_WRITE : 0) |
	    (perms[2] == 'x' ? PROT_EXEC : 0);
	v->flags = perms[3] == 's' ? MAP_SHARED : MAP_PRIVATE;
	v->off = strtoull(perms + 5, &p, 16);
	maj = strtoul(p, &p, 16);
	if (*p != ':')
		return (false);
	mino = strtoul(p + 1, &p, 16);
	*ino = (ino_t)strtoull(p, &p, 10);
	*dev = makedev(maj, mino);
	return (true);
}

/*
 * find_vma(addr): the first mapping that ends above addr, if it is a
 * privcmd mapping.  Returns 0, or EINVAL when there is none (or another
 * kind of mapping), as the driver answers.
 */
static int
pcmd_find_vma(uint64_t addr, struct pcmd_vma *v)
{
	char line[512];
	dev_t dev;
	ino_t ino;
	FILE *f;
	int error;

	memset(v, 0, sizeof(*v));
	if ((f = fopen("/proc/self/maps", "re")) == NULL)
		return (errno != 0 ? errno : EIO);
	error = EINVAL;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (!pcmd_maps_line(line, v, &dev, &ino) || v->end <= addr)
			continue;
		if (pcmd_memfd != -1 && dev == pcmd_dev && ino == pcmd_ino)
			error = 0;
		break;
	}
	(void)fclose(f);
	return (error);
}

/* Mark a mapping used (vm_private_data): map it again, flagged. */
static void
pcmd_vma_use(const struct pcmd_vma *v)
{
	void *p;

	if ((v->off & PL_PCMD_USED) != 0)
		return;
	p = pl_real.mmap((void *)(uintptr_t)v->start, v->end - v->start,
	    v->prot, v->flags | MAP_FIXED, pcmd_memfd,
	    (off_t)(v->off | PL_PCMD_USED));
	if (p != MAP_FAILED)
		(void)madvise(p, v->end - v->start, MADV_DONTFORK);
}

/* ------------------------------------------------------------------ */
/* The ioctls.                                                          */

/* The handle is this process's (not inherited across fork). */
static bool
pcmd_ours(const struct pfile *pf)
{

	return (pf->pid == pl_getpid());
}

/* Restricted to a domain other than dom (EPERM in the driver). */
static bool
pcmd_refused(const struct pfile *pf, domid_t dom)
{
	unsigned r;

	r = atomic_load(&pf->restricted);
	return (r != 0 && r - 1 != dom);
}

/* Copy out one segment of a result stream (gbx_pcmd_walk's writer). */
static int
pcmd_write_seg(void *ctx, uint64_t addr, const void *data, size_t len)
{

	(void)ctx;
	return (pl_copyout((void *)(uintptr_t)addr, data, len));
}

/* IOCTL_PRIVCMD_HYPERCALL. */
static int
pcmd_hypercall(struct pfile *pf, void *arg, int *ret)
{
	uint8_t in[GBX_PCMD_IN_MAX], *res;
	privcmd_hypercall_t hc;
	uint64_t args[5];
	unsigned argidx, i;
	size_t inlen, reslen;
	int64_t r;
	int error;

	if (atomic_load(&pf->restricted) != 0)
		return (EPERM);
	if (pl_copyin(&hc, arg, sizeof(hc)) != 0)
		return (EFAULT);
	inlen = gbx_pcmd_inlen(hc.op, hc.arg[0], &argidx);
	if (inlen != 0 &&
	    pl_copyin(in, (void *)(uintptr_t)hc.arg[argidx], inlen) != 0)
		return (EFAULT);
	for (i = 0; i < 5; i++)
		args[i] = hc.arg[i];
	if ((error = gbx_privcmd_hypercall(pf->pcmd, hc.op, args, in, inlen,
		 &res, &reslen)) != 0)
		return (error);
	error = gbx_pcmd_walk(res, reslen, &r, pcmd_write_seg, NULL);
	free(res);
	if (error != 0)
		return (error);
	if (r < 0)
		return (r < -4095 ? EINVAL : (int)-r);
	*ret = (int)r;
	return (0);
}

/* IOCTL_PRIVCMD_RESTRICT: gntboxd keeps it; we remember it for EPERM. */
static int
pcmd_restrict(struct pfile *pf, void *arg)
{
	domid_t dom;
	int error;

	if (pl_copyin(&dom, arg, sizeof(dom)) != 0)
		return (EFAULT);
	if ((error = gbx_privcmd_restrict(pf->pcmd, dom)) != 0)
		return (error);
	if (dom != DOMID_INVALID)
		atomic_store(&pf->restricted, (unsigned)dom + 1);
	return (0);
}

/* The hypervisor's answer to a foreign request on dom. */
static int
pcmd_answer(struct pfile *pf, uint32_t kind, domid_t dom, int *answer)
{

	return (gbx_privcmd_foreign(pf->pcmd, kind, dom, answer));
}

/*
 * Read (or, with out, write) n elements of size bytes at uaddr, PL_CHUNK
 * at a time: gather_array's and the error passes' copies.  fn, when set,
 * changes each chunk between reading and writing it back.
 */
static int
pcmd_walk_array(uint64_t uaddr, uint64_t n, size_t size, bool out,
    void (*fn)(void *chunk, size_t n, void *ctx), void *ctx)
{
	uint64_t buf[PL_CHUNK];
	uint64_t i, k;

	for (i = 0; i < n; i += k) {
		k = n - i < PL_CHUNK ? n - i : PL_CHUNK;
		if (!out || fn != NULL) {
			if (pl_copyin(buf,
				(void *)(uintptr_t)(uaddr + i * size),
				k * size) != 0)
				return (EFAULT);
		} else
			memset(buf, 0, k * size);
		if (fn != NULL)
			fn(buf, (size_t)k, ctx);
		if (out &&
		    pl_copyout((void *)(uintptr_t)(uaddr + i * size), buf,
			k * size) != 0)
			return (EFAULT);
	}
	return (0);
}

/* V1's error pass: each frame's top nibble says it failed. */
static void
pcmd_mark_frames(void *chunk, size_t n, void *ctx)
{
	xen_pfn_t *f = chunk;
	int answer = *(int *)ctx;
	size_t i;

	for (i = 0; i < n; i++)
		f[i] |= answer == ENOENT ? PRIVCMD_MMAPBATCH_PAGED_ERROR :
					   PRIVCMD_MMAPBATCH_MFN_ERROR;
}

/* V2's error pass: each frame's error is the refusal. */
static void
pcmd_mark_errs(void *chunk, size_t n, void *ctx)
{
	int *e = chunk;
	size_t i;

	for (i = 0; i < n; i++)
		e[i] = -*(int *)ctx;
}

/* IOCTL_PRIVCMD_MMAPBATCH (version 1) and _V2. */
static int
pcmd_mmapbatch(struct pfile *pf, void *arg, int version)
{
	privcmd_mmapbatch_v2_t m;
	privcmd_mmapbatch_t m1;
	struct pcmd_vma v;
	uint64_t arr, end;
	int error, answer;

	if (version == 1) {
		if (pl_copyin(&m1, arg, sizeof(m1)) != 0)
			return (EFAULT);
		m.num = (unsigned)m1.num;
		m.dom = m1.dom;
		m.addr = m1.addr;
		m.arr = m1.arr;
		m.err = NULL;
		if (!pcmd_access_ok((uintptr_t)m.arr,
			(uint64_t)m.num * sizeof(xen_pfn_t)))
			return (EFAULT);
	} else {
		if (pl_copyin(&m, arg, sizeof(m)) != 0)
			return (EFAULT);
		if (!pcmd_access_ok((uintptr_t)m.err,
			(uint64_t)m.num * sizeof(int)))
			return (EFAULT);
	}
	if (pcmd_refused(pf, m.dom))
		return (EPERM);
	if (m.num == 0)
		return (EINVAL);
	arr = (uintptr_t)m.arr;
	if (pcmd_walk_array(arr, m.num, sizeof(xen_pfn_t), false, NULL, NULL) !=
	    0)
		return (EFAULT);
	if (version == 2 &&
	    pcmd_walk_array((uintptr_t)m.err, m.num, sizeof(int), true, NULL,
		NULL) != 0)
		return (EFAULT);
	if ((error = pcmd_find_vma(m.addr, &v)) != 0)
		return (error);
	end = m.addr + (uint64_t)m.num * PG;
	if ((v.off & PL_PCMD_USED) == 0 ? m.addr != v.start || end != v.end :
					  m.addr < v.start || end > v.end)
		return (EINVAL);
	pcmd_vma_use(&v);
	if ((error = pcmd_answer(pf, GBX_PCMD_MMU, m.dom, &answer)) != 0)
		return (error);
	if (version == 1)
		error = pcmd_walk_array(arr, m.num, sizeof(xen_pfn_t), true,
		    pcmd_mark_frames, &answer);
	else
		error = pcmd_walk_array((uintptr_t)m.err, m.num, sizeof(int),
		    true, pcmd_mark_errs, &answer);
	if (error != 0)
		return (error);
	return (answer == ENOENT ? ENOENT : 0);
}

/*
 * IOCTL_PRIVCMD_MMAP (legacy): every range is read first; the first must
 * start a privcmd mapping not used yet; then each range is checked and
 * mapped in turn, and the first that asks the hypervisor for a page gets
 * its refusal.
 */
static int
pcmd_mmap(struct pfile *pf, void *arg)
{
	privcmd_mmap_entry_t e;
	privcmd_mmap_t m;
	struct pcmd_vma v;
	uint64_t n, i, va;
	int error, answer;

	if (pl_copyin(&m, arg, sizeof(m)) != 0)
		return (EFAULT);
	if (pcmd_refused(pf, m.dom))
		return (EPERM);
	n = (unsigned)m.num;
	if (pcmd_walk_array((uintptr_t)m.entry, n * 3, sizeof(uint64_t), false,
		NULL, NULL) != 0)
		return (EFAULT);
	if (n == 0)
		return (0);
	if (pl_copyin(&e, m.entry, sizeof(e)) != 0)
		return (EFAULT);
	if ((error = pcmd_find_vma(e.va, &v)) != 0)
		return (error);
	if (e.va != v.start || (v.off & PL_PCMD_USED) != 0)
		return (EINVAL);
	pcmd_vma_use(&v);
	va = v.start;
	for (i = 0; i < n; i++) {
		if (pl_copyin(&e, m.entry + i, sizeof(e)) != 0)
			return (EFAULT);
		if (e.npages > (INT64_MAX >> 12) || (e.npages << 12) >= -va)
			return (EINVAL);
		if (e.va != va || e.va + (e.npages << 12) > v.end)
			return (EINVAL);
		if (e.npages != 0) {
			if ((error = pcmd_answer(pf, GBX_PCMD_MMU, m.dom,
				 &answer)) != 0)
				return (error);
			return (answer);
		}
	}
	return (0);
}

/*
 * IOCTL_PRIVCMD_MMAP_RESOURCE.  The size query (no address, no count)
 * goes straight to the hypervisor; a mapping needs a privcmd mapping,
 * room for the frame list, and a frame range Xen accepts (below 2^32).
 */
static int
pcmd_mmap_resource(struct pfile *pf, void *arg)
{
	privcmd_mmap_resource_t r;
	struct pcmd_vma v;
	int error, answer;

	if (pl_copyin(&r, arg, sizeof(r)) != 0)
		return (EFAULT);
	if (pcmd_refused(pf, r.dom))
		return (EPERM);
	if ((r.addr != 0) != (r.num != 0))
		return (EINVAL);
	if (r.addr != 0) {
		if ((error = pcmd_find_vma(r.addr, &v)) != 0)
			return (error);
		if (r.num > PL_KMALLOC_MAX / sizeof(xen_pfn_t))
			return (ENOMEM);
		pcmd_vma_use(&v);
		if (((uint64_t)r.idx + (uint32_t)r.num) >> 32 != 0)
			return (EINVAL);
	}
	if ((error = pcmd_answer(pf, GBX_PCMD_RESOURCE, r.dom, &answer)) != 0)
		return (error);
	return (answer);
}

/* IOCTL_PRIVCMD_DM_OP. */
static int
pcmd_dm_op(struct pfile *pf, void *arg)
{
	privcmd_dm_op_buf_t bufs[PL_DM_OP_MAX_BUFS];
	uint8_t scratch[PL_DM_OP_MAX_SIZE];
	privcmd_dm_op_t op;
	unsigned i;
	int error, answer;

	if (pl_copyin(&op, arg, sizeof(op)) != 0)
		return (EFAULT);
	if (pcmd_refused(pf, op.dom))
		return (EPERM);
	if (op.num == 0)
		return (0);
	if (op.num > PL_DM_OP_MAX_BUFS)
		return (E2BIG);
	if (pl_copyin(bufs, op.ubufs, op.num * sizeof(bufs[0])) != 0)
		return (EFAULT);
	for (i = 0; i < op.num; i++) {
		if (bufs[i].size > PL_DM_OP_MAX_SIZE)
			return (E2BIG);
		if (!pcmd_access_ok((uintptr_t)bufs[i].uptr, bufs[i].size))
			return (EFAULT);
	}
	/* The driver pins every buffer before the hypercall. */
	for (i = 0; i < op.num; i++)
		if (pl_copyin(scratch, bufs[i].uptr, bufs[i].size) != 0)
			return (EFAULT);
	if ((error = pcmd_answer(pf, GBX_PCMD_DMOP, op.dom, &answer)) != 0)
		return (error);
	return (answer);
}

int
pl_privcmd_ioctl(struct pfile *pf, unsigned cmd, void *arg, int *ret)
{

	if (!pcmd_ours(pf))
		return (EBADF);
	switch (cmd) {
	case IOCTL_PRIVCMD_HYPERCALL:
		return (pcmd_hypercall(pf, arg, ret));
	case IOCTL_PRIVCMD_MMAP:
		return (pcmd_mmap(pf, arg));
	case IOCTL_PRIVCMD_MMAPBATCH:
		return (pcmd_mmapbatch(pf, arg, 1));
	case IOCTL_PRIVCMD_MMAPBATCH_V2:
		return (pcmd_mmapbatch(pf, arg, 2));
	case IOCTL_PRIVCMD_DM_OP:
		return (pcmd_dm_op(pf, arg));
	case IOCTL_PRIVCMD_RESTRICT:
		return (pcmd_restrict(pf, arg));
	case IOCTL_PRIVCMD_MMAP_RESOURCE:
		return (pcmd_mmap_resource(pf, arg));
	default:
		return (ENOTTY);
	}
}
