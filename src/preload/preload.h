/*
 * preload.h: libgntbox-preload.so, the Linux device ABI for unmodified
 * programs (docs/architecture.md §1, docs/design.md "Linux device ABI").
 *
 * The library stands in for a few libc entry points (interpose.c) so that
 * /dev/xen/gntdev, /dev/xen/gntalloc, /dev/xen/evtchn and /dev/xen/privcmd
 * behave as Linux's drivers do (and /dev/xen/hypercall is absent).  It is built on the client core alone (src/client/: the
 * grant device of gntdev.h, the event-channel handle of evtchn_handle.h,
 * the connection of link.h), beside libgntbox's public API (src/lib/),
 * never on it: preload/ and lib/ do not include each other, and the
 * library links its own copy of the core.
 *
 * - open() of one of those paths, in a process that `gntbox run` made a
 *   process of a domain, opens a device and returns a descriptor the
 *   program owns: for gntdev and gntalloc a duplicate of the device's
 *   socket to gntboxd, for evtchn a duplicate of the handle's eventfd.  So
 *   dup, fork and exec carry the open device as the kernel carries an open
 *   file, and poll works on the evtchn descriptor natively.
 * - fdtable.c maps those descriptors to their open device files (struct
 *   pfile), with O(1) checks for every other descriptor.
 * - linux_gntdev.c, linux_gntalloc.c, linux_mmap.c, linux_evtchn.c and
 *   linux_privcmd.c answer ioctl, mmap, read and write with Linux's
 *   numbers, layouts, check order and errno values.
 * - gone.c says once on stderr when gntboxd went away; the client core's
 *   watcher (client/hangup.h) has woken the evtchn descriptors by then.
 * - Any munmap, mmap(MAP_FIXED) or mremap that covers grant mappings is
 *   accounted for (gntdev.h's gbx_vm_unmap_begin / _end), after one
 *   atomic test when the process has none.
 *
 * Device functions return 0 or an errno value.
 */
#ifndef GNTBOX_PRELOAD_PRELOAD_H
#define GNTBOX_PRELOAD_PRELOAD_H

#include <sys/types.h>
#include <sys/uio.h>

#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gntbox.h"

struct gbx_dev;
struct gbx_privcmd;
struct gntbox_evtchn;

/* ---- libc's own functions (real.c). ---- */

struct pl_real {
	int (*open)(const char *, int, ...);
	int (*openat)(int, const char *, int, ...);
	int (*open_2)(const char *, int);
	int (*openat_2)(int, const char *, int);
	int (*close)(int);
	int (*close_range)(unsigned, unsigned, int);
	void (*closefrom)(int);
	int (*dup)(int);
	int (*dup2)(int, int);
	int (*dup3)(int, int, int);
	int (*fcntl)(int, int, ...);
	int (*ioctl)(int, unsigned long, ...);
	void *(*mmap)(void *, size_t, int, int, int, off_t);
	int (*munmap)(void *, size_t);
	void *(*mremap)(void *, size_t, size_t, int, ...);
	ssize_t (*read)(int, void *, size_t);
	ssize_t (*write)(int, const void *, size_t);
	ssize_t (*readv)(int, const struct iovec *, int);
	ssize_t (*writev)(int, const struct iovec *, int);
};

/* The functions the library stands in for, as libc has them. */
extern struct pl_real pl_real;

/* Resolve pl_real (once; every entry point calls it first). */
void pl_real_init(void);

/*
 * Nonzero while this thread runs the library's own code: the entry
 * points then go straight to libc, so that the client core calling mmap,
 * munmap or close never comes back in.
 */
extern __thread int pl_inside __attribute__((tls_model("initial-exec")));

/* ---- User memory (uaccess.c). ---- */

/*
 * Copy len bytes from / to the program's memory at uaddr, as the kernel's
 * copy_from_user and copy_to_user do: an address that cannot be read (or
 * written) is EFAULT, not a crash.  Returns 0 or EFAULT.
 */
int pl_copyin(void *dst, const void *uaddr, size_t len);
int pl_copyout(void *uaddr, const void *src, size_t len);

/* A fork()ed child has another pid. */
void pl_uaccess_fork_child(void);

/* This process's pid, without a system call. */
pid_t pl_getpid(void);

/* ---- Open device files (fdtable.c). ---- */

enum pl_kind {
	PL_GNTDEV = 1,
	PL_GNTALLOC,
	PL_EVTCHN,
	PL_PRIVCMD,
};

/*
 * One open device file: what Linux's struct file is for the device.  Each
 * descriptor of it in the table holds a reference, and so does every call
 * in progress on it; the last reference closes the device.
 */
struct pfile {
	atomic_uint refs;
	enum pl_kind kind;
	int accmode;	     /* O_RDONLY, O_WRONLY or O_RDWR, as opened */
	atomic_int flags;    /* the program's status flags (O_NONBLOCK...) */
	struct gbx_dev *dev; /* gntdev, gntalloc */
	struct gntbox_evtchn *evt; /* evtchn */
	struct gbx_privcmd *pcmd;  /* privcmd */
	pid_t pid;		   /* evtchn, privcmd: who opened it */
	atomic_uint restricted;	   /* evtchn, privcmd: RESTRICT's domain + 1 */
};

/* Descriptors at or above this are never ours (they are refused). */
#define PL_FD_MAX (1 << 20)

/*
 * Whether the table may hold fd: one or two atomic loads and no lock, so
 * that every other descriptor costs nothing more.
 */
bool pl_fd_maybe(int fd);

/* The open device file of fd with a reference taken, or NULL. */
struct pfile *pl_fd_get(int fd);

/* Drop a reference; the last one closes the device. */
void pl_file_put(struct pfile *pf);

/*
 * Give the program a descriptor for pf: a duplicate of src (the device's
 * socket or eventfd), close-on-exec if asked, entered in the table with a
 * reference of its own.  Returns the descriptor, or -1 with errno.
 */
int pl_fd_install(struct pfile *pf, int src, bool cloexec);

/*
 * close, dup, dup2, dup3 and fcntl(F_DUPFD*) of a descriptor, keeping the
 * table in step with the kernel's: each runs the real call under the
 * table's lock.  Return what the real call returns, with errno.
 */
int pl_fd_close(int fd);
int pl_fd_close_range(unsigned first, unsigned last, int flags, bool from);
int pl_fd_dup(int fd, int cmd, int minfd);
int pl_fd_dup3(int oldfd, int newfd, int flags, bool dup2);

/* The fork handlers of the table (fdtable.c). */
void pl_fd_fork_prepare(void);
void pl_fd_fork_parent(void);
void pl_fd_fork_child(void);

/* ---- The devices. ---- */

/* Open a device of the process's domain.  Errors: those of gntboxd's. */
int pl_gnt_open(enum pl_kind kind, struct pfile *pf);
int pl_evtchn_open(struct pfile *pf);

/* ioctl: *ret is the call's value on success (a port for evtchn binds). */
int pl_gntdev_ioctl(struct pfile *pf, unsigned cmd, void *arg);
int pl_gntalloc_ioctl(struct pfile *pf, unsigned cmd, void *arg);
int pl_evtchn_ioctl(struct pfile *pf, unsigned cmd, void *arg, int *ret);

/* mmap of a gntdev or gntalloc file (linux_mmap.c). */
int pl_gnt_mmap(struct pfile *pf, void *addr, size_t len, int prot, int flags,
    off_t off, void **out);

/* read and write of an evtchn file; *done is the byte count. */
int pl_evtchn_read(struct pfile *pf, void *buf, size_t len, size_t *done);
int pl_evtchn_write(struct pfile *pf, const void *buf, size_t len,
    size_t *done);

/* The descriptor to duplicate for the program, and closing. */
int pl_evtchn_fd(const struct pfile *pf);
void pl_evtchn_close(struct pfile *pf);

/* /dev/xen/privcmd (linux_privcmd.c): as the evtchn functions above. */
int pl_privcmd_open(struct pfile *pf);
int pl_privcmd_fd(const struct pfile *pf);
void pl_privcmd_close(struct pfile *pf);
int pl_privcmd_ioctl(struct pfile *pf, unsigned cmd, void *arg, int *ret);
int pl_privcmd_mmap(struct pfile *pf, void *addr, size_t len, int prot,
    int flags, void **out);

/*
 * A connection error (gntboxd went away) is EIO to the program, which
 * knows no daemon; everything else passes unchanged.
 */
int pl_errno(int error);

#endif /* GNTBOX_PRELOAD_PRELOAD_H */
