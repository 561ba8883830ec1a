/*
 * interpose.c: the libc entry points the library stands in for.
 *
 * Each one first decides, as cheaply as it can, whether the call is ours:
 *
 * - open and its variants compare the path with "/dev/xen/" (a program
 *   that opens no such path pays a string compare), and open a device only
 *   in a process of a gntbox domain ($GNTBOX_DOMID): elsewhere the path is
 *   libc's, so the library is harmless on a real Xen host (in a gntbox
 *   domain, /dev/xen/hypercall does not exist, whatever the host has);
 * - calls on a descriptor ask the table (fdtable.c), which costs an
 *   atomic load while the process has no device open;
 * - munmap, mremap and mmap(MAP_FIXED) ask whether the process has any
 *   grant mapping or reserved space at all (two atomic loads) before
 *   they look further.
 *
 * Everything else goes straight to libc (real.c), as does every call the
 * library's own code makes (pl_inside).  glibc's fortified variants
 * (__open_2, __read_chk...) check what glibc would, then come here.
 */
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/uio.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/paths.h"
#include "client/gntdev.h"
#include "client/place.h"
#include "preload/preload.h"
#include "proto/proto.h"

#define PL_API __attribute__((visibility("default")))

/* glibc's fortify failure (it is exported for exactly this). */
extern void __chk_fail(void) __attribute__((noreturn));

/* glibc's fortified entry points, declared only under _FORTIFY_SOURCE. */
int __open_2(const char *path, int flags);
int __openat_2(int dirfd, const char *path, int flags);
int __open64_2(const char *path, int flags);
int __openat64_2(int dirfd, const char *path, int flags);
ssize_t __read_chk(int fd, void *buf, size_t len, size_t buflen);

/* open(2) flags that are not part of the file's status. */
#define PL_OPEN_ONLY                                                           \
	(O_ACCMODE | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_CLOEXEC |       \
	    O_DIRECTORY | O_NOFOLLOW | O_PATH)
/* The status flags F_SETFL may change (Linux's SETFL_MASK). */
#define PL_SETFL_MASK (O_APPEND | O_NONBLOCK | O_ASYNC | O_DIRECT | O_NOATIME)

/*
 * A device a gntbox domain lacks: /dev/xen/hypercall, privcmd's buffer
 * device, which libxencall may do without (linux_privcmd.c).
 */
#define PL_ABSENT (-1)

/* The device a path names, PL_ABSENT, or 0. */
static int
pl_path_kind(const char *path)
{

	if (path == NULL || strncmp(path, "/dev/xen/", 9) != 0)
		return (0);
	if (strcmp(path + 9, "gntdev") == 0)
		return (PL_GNTDEV);
	if (strcmp(path + 9, "gntalloc") == 0)
		return (PL_GNTALLOC);
	if (strcmp(path + 9, "evtchn") == 0)
		return (PL_EVTCHN);
	if (strcmp(path + 9, "privcmd") == 0)
		return (PL_PRIVCMD);
	if (strcmp(path + 9, "hypercall") == 0)
		return (PL_ABSENT);
	return (0);
}

int
pl_errno(int error)
{

	return (error == EPIPE || error == EPROTO ? EIO : error);
}

/*
 * Open a device and give the program its descriptor.  The file's table
 * reference is its only one: if the descriptor cannot be made, the device
 * closes again.
 */
static int
pl_open_dev(enum pl_kind kind, int flags)
{
	struct pfile *pf;
	int error, fd, src;

	if ((pf = calloc(1, sizeof(*pf))) == NULL) {
		errno = ENOMEM;
		return (-1);
	}
	pf->kind = kind;
	pf->accmode = flags & O_ACCMODE;
	atomic_init(&pf->flags, flags & ~PL_OPEN_ONLY);
	pl_inside++;
	error = kind == PL_EVTCHN ? pl_evtchn_open(pf) :
	    kind == PL_PRIVCMD	  ? pl_privcmd_open(pf) :
				    pl_gnt_open(kind, pf);
	if (error != 0) {
		free(pf);
		pl_inside--;
		errno = pl_errno(error);
		return (-1);
	}
	src = kind == PL_EVTCHN ? pl_evtchn_fd(pf) :
	    kind == PL_PRIVCMD	? pl_privcmd_fd(pf) :
				  gbx_dev_sock(pf->dev);
	if ((fd = pl_fd_install(pf, src, (flags & O_CLOEXEC) != 0)) == -1) {
		error = errno;
		atomic_store(&pf->refs, 1);
		pl_file_put(pf);
		errno = error;
	}
	pl_inside--;
	return (fd);
}

/*
 * The device path of a process of a gntbox domain; anything else is -2,
 * for libc.
 */
#define PL_NOT_OURS (-2)

static int
pl_open(int dirfd, const char *path, int flags)
{
	int kind;

	(void)dirfd; /* only absolute paths are ours */
	if (pl_inside || (kind = pl_path_kind(path)) == 0 ||
	    getenv("GNTBOX_DOMID") == NULL)
		return (PL_NOT_OURS);
	if (kind == PL_ABSENT) {
		errno = ENOENT;
		return (-1);
	}
	return (pl_open_dev((enum pl_kind)kind, flags));
}

/*
 * The mode argument, which is there only with O_CREAT or O_TMPFILE
 * (reading it otherwise would read what the caller never passed).
 *
 * clang-tidy 14 run over several files (make lint) forgets va_start in
 * all but the first and reports every later va_arg as reading an
 * uninitialised va_list; alone, this file is clean.  Hence the NOLINTs.
 */
#define PL_VA_MODE(last, flags, mode)                                          \
	do {                                                                   \
		va_list pl_ap_;                                                \
                                                                               \
		(mode) = 0;                                                    \
		if (((flags)&O_CREAT) != 0 ||                                  \
		    ((flags)&O_TMPFILE) == O_TMPFILE) {                        \
			va_start(pl_ap_, last);                                \
			(mode) = (mode_t)va_arg(pl_ap_, int);                  \
			va_end(pl_ap_);                                        \
		}                                                              \
	} while (0)

enum pl_open_how {
	PL_OPEN,
	PL_OPENAT,
	PL_OPEN_2,
	PL_OPENAT_2,
};

/* Every open variant: a device of ours, or the variant of libc's. */
static int
pl_open_any(enum pl_open_how how, int dirfd, const char *path, int flags,
    mode_t mode)
{
	int fd;

	pl_real_init();
	if ((fd = pl_open(dirfd, path, flags)) != PL_NOT_OURS)
		return (fd);
	switch (how) {
	case PL_OPEN:
		return (pl_real.open(path, flags, mode));
	case PL_OPENAT:
		return (pl_real.openat(dirfd, path, flags, mode));
	case PL_OPEN_2:
		return (pl_real.open_2(path, flags));
	default:
		return (pl_real.openat_2(dirfd, path, flags));
	}
}

PL_API int
open(const char *path, int flags, ...)
{
	mode_t mode;

	/* NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized) */
	PL_VA_MODE(flags, flags, mode);
	return (pl_open_any(PL_OPEN, AT_FDCWD, path, flags, mode));
}

PL_API int
openat(int dirfd, const char *path, int flags, ...)
{
	mode_t mode;

	/* NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized) */
	PL_VA_MODE(flags, flags, mode);
	return (pl_open_any(PL_OPENAT, dirfd, path, flags, mode));
}

PL_API int
__open_2(const char *path, int flags)
{

	return (pl_open_any(PL_OPEN_2, AT_FDCWD, path, flags, 0));
}

PL_API int
__openat_2(int dirfd, const char *path, int flags)
{

	return (pl_open_any(PL_OPENAT_2, dirfd, path, flags, 0));
}

/* On LP64 the 64-bit names are the same functions. */
PL_API int open64(const char *, int, ...) __attribute__((alias("open")));
PL_API int openat64(int, const char *, int, ...)
    __attribute__((alias("openat")));
PL_API int __open64_2(const char *, int) __attribute__((alias("__open_2")));
PL_API int __openat64_2(int, const char *, int)
    __attribute__((alias("__openat_2")));

PL_API int
close(int fd)
{

	pl_real_init();
	if (pl_inside || !pl_fd_maybe(fd))
		return (pl_real.close(fd));
	return (pl_fd_close(fd));
}

/*
 * close_range and closefrom close many descriptors at once: ours among
 * them must leave the table, or a number the kernel hands out again
 * would be taken for a device.
 */
PL_API int
close_range(unsigned first, unsigned last, int flags)
{

	pl_real_init();
	if (pl_inside)
		return (pl_real.close_range(first, last, flags));
	return (pl_fd_close_range(first, last, flags, false));
}

PL_API void
closefrom(int lowfd)
{

	pl_real_init();
	if (pl_inside || lowfd < 0)
		pl_real.closefrom(lowfd);
	else
		(void)pl_fd_close_range((unsigned)lowfd, ~0u, 0, true);
}

PL_API int
dup(int fd)
{

	pl_real_init();
	if (pl_inside || !pl_fd_maybe(fd))
		return (pl_real.dup(fd));
	return (pl_fd_dup(fd, -1, 0));
}

PL_API int
dup2(int oldfd, int newfd)
{

	pl_real_init();
	if (pl_inside || (!pl_fd_maybe(oldfd) && !pl_fd_maybe(newfd)))
		return (pl_real.dup2(oldfd, newfd));
	return (pl_fd_dup3(oldfd, newfd, 0, true));
}

PL_API int
dup3(int oldfd, int newfd, int flags)
{

	pl_real_init();
	if (pl_inside || (!pl_fd_maybe(oldfd) && !pl_fd_maybe(newfd)))
		return (pl_real.dup3(oldfd, newfd, flags));
	return (pl_fd_dup3(oldfd, newfd, flags, false));
}

/*
 * fcntl of a device descriptor: duplicates enter the table, and the
 * status flags are the program's own.  The descriptor underneath (the
 * device's socket, or the evtchn eventfd, which must stay non-blocking:
 * evtpage.h) is shared with the library, so F_SETFL never reaches it.
 */
static int
pl_fcntl_dev(int fd, int cmd, void *arg)
{
	struct pfile *pf;
	int r;

	if (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC)
		return (pl_fd_dup(fd, cmd, (int)(intptr_t)arg));
	if (cmd != F_GETFL && cmd != F_SETFL)
		return (pl_real.fcntl(fd, cmd, arg));
	if ((pf = pl_fd_get(fd)) == NULL)
		return (pl_real.fcntl(fd, cmd, arg));
	if (cmd == F_GETFL)
		r = pf->accmode | O_LARGEFILE | atomic_load(&pf->flags);
	else {
		atomic_store(&pf->flags, (int)(intptr_t)arg & PL_SETFL_MASK);
		r = 0;
	}
	pl_file_put(pf);
	return (r);
}

PL_API int
fcntl(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;

	pl_real_init();
	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (pl_inside || !pl_fd_maybe(fd))
		return (pl_real.fcntl(fd, cmd, arg));
	return (pl_fcntl_dev(fd, cmd, arg));
}

PL_API int fcntl64(int, int, ...) __attribute__((alias("fcntl")));

PL_API int
ioctl(int fd, unsigned long request, ...)
{
	struct pfile *pf;
	va_list ap;
	void *arg;
	int error, ret;

	pl_real_init();
	va_start(ap, request);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (pl_inside || !pl_fd_maybe(fd) || (pf = pl_fd_get(fd)) == NULL)
		return (pl_real.ioctl(fd, request, arg));
	ret = 0;
	pl_inside++;
	/* The kernel passes the command on as an unsigned int. */
	switch (pf->kind) {
	case PL_GNTDEV:
		error = pl_gntdev_ioctl(pf, (unsigned)request, arg);
		break;
	case PL_GNTALLOC:
		error = pl_gntalloc_ioctl(pf, (unsigned)request, arg);
		break;
	case PL_PRIVCMD:
		error = pl_privcmd_ioctl(pf, (unsigned)request, arg, &ret);
		break;
	default:
		error = pl_evtchn_ioctl(pf, (unsigned)request, arg, &ret);
		break;
	}
	pl_inside--;
	pl_file_put(pf);
	if (error != 0) {
		errno = pl_errno(error);
		return (-1);
	}
	return (ret);
}

/* ------------------------------------------------------------------ */
/* Memory.                                                               */

/*
 * A call that replaces [addr, addr + len) (an munmap, a MAP_FIXED, an
 * mremap onto a fixed address): our mappings in the range are detached
 * first, the real call runs, and then the grants go (client/gntdev.h).
 * If the call fails, the detached mappings are unmapped all the same: the
 * kernel may have unmapped the range before it failed, and the
 * bookkeeping must never claim a mapping that is gone.
 *
 * The address space the client core reserves for grant mappings
 * (client/place.h) must never become a hole: an munmap leaves it reserved
 * (gbx_place_munmap), and what a MAP_FIXED maps over it becomes the
 * program's for good (gbx_place_excise).
 */
struct pl_replace {
	struct gbx_vmbatch b;
	bool active;
};

/* Whether a call over [addr, addr + len) has anything of ours to mind. */
static bool
pl_memory_ours(const void *addr, size_t len)
{

	return (gbx_vm_any() || gbx_place_touches(addr, len));
}

static void
pl_replace_begin(struct pl_replace *r, void *addr, size_t len)
{

	r->active = gbx_vm_any() && gbx_vm_unmap_begin(addr, len, &r->b) == 0;
}

/*
 * The program maps over [addr, addr + len) with MAP_FIXED: excise the
 * reserved space there, then detach our mappings.  False, with errno
 * ENOMEM, when the excision could not be recorded: the call must fail
 * before it maps anything.
 */
static bool
pl_replace_fixed(struct pl_replace *r, void *addr, size_t len)
{
	int error;

	if ((error = gbx_place_excise(addr, len)) != 0) {
		r->active = false;
		errno = error;
		return (false);
	}
	pl_replace_begin(r, addr, len);
	return (true);
}

static void
pl_replace_end(struct pl_replace *r, bool done)
{

	if (r->active)
		gbx_vm_unmap_end(&r->b, done);
}

PL_API void *
mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	struct pl_replace rp;
	struct pfile *pf;
	void *p;
	int error;

	pl_real_init();
	if (pl_inside)
		return (pl_real.mmap(addr, len, prot, flags, fd, off));
	if ((flags & MAP_ANONYMOUS) == 0 && pl_fd_maybe(fd) &&
	    (pf = pl_fd_get(fd)) != NULL) {
		if (pf->kind == PL_EVTCHN) {
			/* An eventfd cannot be mapped: ENODEV, as Linux. */
			pl_file_put(pf);
			return (pl_real.mmap(addr, len, prot, flags, fd, off));
		}
		pl_inside++;
		error = pf->kind == PL_PRIVCMD ?
		    pl_privcmd_mmap(pf, addr, len, prot, flags, &p) :
		    pl_gnt_mmap(pf, addr, len, prot, flags, off, &p);
		pl_inside--;
		pl_file_put(pf);
		if (error != 0) {
			errno = pl_errno(error);
			return (MAP_FAILED);
		}
		return (p);
	}
	if ((flags & MAP_FIXED) == 0 || !pl_memory_ours(addr, len))
		return (pl_real.mmap(addr, len, prot, flags, fd, off));
	pl_inside++;
	if (pl_replace_fixed(&rp, addr, len))
		p = pl_real.mmap(addr, len, prot, flags, fd, off);
	else
		p = MAP_FAILED;
	error = errno;
	pl_replace_end(&rp, p != MAP_FAILED);
	pl_inside--;
	errno = error;
	return (p);
}

PL_API void *mmap64(void *, size_t, int, int, int, off_t)
    __attribute__((alias("mmap")));

PL_API int
munmap(void *addr, size_t len)
{
	struct pl_replace rp;
	int r, error;

	pl_real_init();
	if (pl_inside || !pl_memory_ours(addr, len))
		return (pl_real.munmap(addr, len));
	pl_inside++;
	pl_replace_begin(&rp, addr, len);
	r = gbx_place_munmap(addr, len);
	error = errno;
	pl_replace_end(&rp, r == 0);
	pl_inside--;
	errno = error;
	return (r);
}

/*
 * mremap.  A grant mapping may shrink (its tail is unmapped, as by
 * munmap), but never grow, as Linux's grant mappings are VM_DONTEXPAND
 * (EFAULT), and is never moved (EINVAL: the index and gntboxd would have
 * to follow it).  Reserved space is not the program's to move or resize
 * (EFAULT, as for an address with nothing mapped).  A move onto a fixed
 * address replaces what was there.
 */
static void *
pl_mremap(void *old, size_t oldsz, size_t newsz, int flags, void *to)
{
	struct pl_replace rp;
	size_t o, n;
	void *p;
	int error;

	o = (oldsz + GBX_PAGE_SIZE - 1) & ~(size_t)(GBX_PAGE_SIZE - 1);
	n = (newsz + GBX_PAGE_SIZE - 1) & ~(size_t)(GBX_PAGE_SIZE - 1);
	if (gbx_vm_intersects(old, oldsz == 0 ? 1 : oldsz)) {
		error = n > o ? EFAULT :
		    (flags & (MREMAP_FIXED | MREMAP_DONTUNMAP)) != 0 ||
			oldsz == 0 ?
				EINVAL :
				0;
		if (error != 0) {
			errno = error;
			return (MAP_FAILED);
		}
		/*
		 * The head stays where it is (the kernel checks it and the
		 * flags); the tail goes as by munmap, reserved space kept.
		 */
		p = pl_real.mremap(old, n, n, flags & ~MREMAP_MAYMOVE, NULL);
		if (p != MAP_FAILED && n < o) {
			pl_replace_begin(&rp, (char *)old + n, o - n);
			(void)gbx_place_munmap((char *)old + n, o - n);
			pl_replace_end(&rp, true);
		}
		return (p);
	}
	if (gbx_place_reserved(old, oldsz == 0 ? 1 : oldsz)) {
		errno = EFAULT;
		return (MAP_FAILED);
	}
	if ((flags & MREMAP_FIXED) == 0)
		return (pl_real.mremap(old, oldsz, newsz, flags, to));
	if (!pl_replace_fixed(&rp, to, newsz))
		return (MAP_FAILED);
	p = pl_real.mremap(old, oldsz, newsz, flags, to);
	pl_replace_end(&rp, p != MAP_FAILED);
	return (p);
}

PL_API void *
mremap(void *old, size_t oldsz, size_t newsz, int flags, ...)
{
	va_list ap;
	void *to, *p;
	int error;

	pl_real_init();
	to = NULL;
	if ((flags & MREMAP_FIXED) != 0) {
		va_start(ap, flags);
		/* NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized) */
		to = va_arg(ap, void *);
		va_end(ap);
	}
	if (pl_inside ||
	    (!pl_memory_ours(old, oldsz == 0 ? 1 : oldsz) &&
		((flags & MREMAP_FIXED) == 0 || !pl_memory_ours(to, newsz))))
		return (pl_real.mremap(old, oldsz, newsz, flags, to));
	pl_inside++;
	p = pl_mremap(old, oldsz, newsz, flags, to);
	error = errno;
	pl_inside--;
	errno = error;
	return (p);
}

/* ------------------------------------------------------------------ */
/* read and write.                                                       */

/*
 * read or write of a device descriptor: Linux's gntdev and gntalloc have
 * neither (EINVAL); evtchn reads ports and writes unmasks.
 */
static ssize_t
pl_rw(int fd, bool in, void *buf, size_t len)
{
	struct pfile *pf;
	size_t done;
	int error;

	if ((pf = pl_fd_get(fd)) == NULL)
		return (in ? pl_real.read(fd, buf, len) :
			     pl_real.write(fd, buf, len));
	done = 0;
	if (pf->kind != PL_EVTCHN)
		error = EINVAL;
	else {
		pl_inside++;
		error = in ? pl_evtchn_read(pf, buf, len, &done) :
			     pl_evtchn_write(pf, buf, len, &done);
		pl_inside--;
	}
	pl_file_put(pf);
	if (error != 0) {
		errno = pl_errno(error);
		return (-1);
	}
	return ((ssize_t)done);
}

PL_API ssize_t
read(int fd, void *buf, size_t len)
{

	pl_real_init();
	if (pl_inside || !pl_fd_maybe(fd))
		return (pl_real.read(fd, buf, len));
	return (pl_rw(fd, true, buf, len));
}

PL_API ssize_t
__read_chk(int fd, void *buf, size_t len, size_t buflen)
{

	if (len > buflen)
		__chk_fail();
	return (read(fd, buf, len));
}

PL_API ssize_t
write(int fd, const void *buf, size_t len)
{

	pl_real_init();
	if (pl_inside || !pl_fd_maybe(fd))
		return (pl_real.write(fd, buf, len));
	return (pl_rw(fd, false, (void *)(uintptr_t)buf, len));
}

/*
 * readv and writev of a device: one read or write per vector, stopping
 * at the first short one, as Linux does for a driver without read_iter.
 */
static ssize_t
pl_rwv(int fd, bool in, const struct iovec *iov, int n)
{
	ssize_t r, total;
	int i;

	total = 0;
	for (i = 0; i < n; i++) {
		r = pl_rw(fd, in, iov[i].iov_base, iov[i].iov_len);
		if (r == -1)
			return (total != 0 ? total : -1);
		total += r;
		if ((size_t)r != iov[i].iov_len)
			break;
	}
	return (total);
}

PL_API ssize_t
readv(int fd, const struct iovec *iov, int n)
{

	pl_real_init();
	if (pl_inside || !pl_fd_maybe(fd) || n < 0 || n > IOV_MAX)
		return (pl_real.readv(fd, iov, n));
	return (pl_rwv(fd, true, iov, n));
}

PL_API ssize_t
writev(int fd, const struct iovec *iov, int n)
{

	pl_real_init();
	if (pl_inside || !pl_fd_maybe(fd) || n < 0 || n > IOV_MAX)
		return (pl_real.writev(fd, iov, n));
	return (pl_rwv(fd, false, iov, n));
}
