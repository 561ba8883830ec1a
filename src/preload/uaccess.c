/*
 * uaccess.c: reading and writing the program's memory as a kernel does.
 *
 * An ioctl argument is a pointer the program chose; Linux copies it with
 * copy_from_user and answers EFAULT when it cannot, and programs (and our
 * tests) rely on that.  process_vm_readv and process_vm_writev on our own
 * process do the same for us: the kernel copies, and a bad address is
 * EFAULT instead of a SIGSEGV in the middle of the library.  Where those
 * calls are not allowed (a seccomp filter, an old kernel), plain memcpy
 * is the fallback, with a NULL pointer still answered EFAULT.
 */
#include <sys/uio.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "preload/preload.h"

/* Our pid, for process_vm_*; fork.c refreshes it in a child. */
static atomic_int pl_pid;
/* process_vm_* failed with ENOSYS or EPERM: use memcpy. */
static atomic_bool pl_novm;

void
pl_uaccess_fork_child(void)
{

	atomic_store(&pl_pid, (int)getpid());
}

pid_t
pl_getpid(void)
{
	int pid;

	if ((pid = atomic_load_explicit(&pl_pid, memory_order_relaxed)) == 0) {
		pid = (int)getpid();
		atomic_store(&pl_pid, pid);
	}
	return ((pid_t)pid);
}

/* This thread's stack [lo, top), or [0, 0) when unknown. */
static __thread uintptr_t pl_stack_lo
    __attribute__((tls_model("initial-exec")));
static __thread uintptr_t pl_stack_top
    __attribute__((tls_model("initial-exec")));
static __thread bool pl_stack_known __attribute__((tls_model("initial-exec")));

static void
pl_stack_find(void)
{
	pthread_attr_t attr;
	size_t size;
	void *addr;

	if (pthread_getattr_np(pthread_self(), &attr) == 0) {
		if (pthread_attr_getstack(&attr, &addr, &size) == 0) {
			pl_stack_lo = (uintptr_t)addr;
			pl_stack_top = (uintptr_t)addr + size;
		}
		(void)pthread_attr_destroy(&attr);
	}
	pl_stack_known = true;
}

/*
 * Whether [uaddr, uaddr + len) lies in the live part of this thread's
 * stack: above our own frame (the real one: a sanitizer's fake stack
 * frames are elsewhere) and below the stack's top.  A thread running on
 * another stack (sigaltstack, makecontext) has its frame outside the
 * thread's stack, and takes the system call.
 */
static bool
pl_on_stack(const void *uaddr, size_t len)
{
	uintptr_t a, sp;

	if (!pl_stack_known)
		pl_stack_find();
	a = (uintptr_t)uaddr;
	sp = (uintptr_t)__builtin_frame_address(0);
	return (sp >= pl_stack_lo && sp < pl_stack_top && a >= sp &&
	    a < pl_stack_top && len <= pl_stack_top - a);
}

/* One copy in either direction; see the comment at the top. */
static int
pl_uaccess(bool in, void *local, void *uaddr, size_t len)
{
	struct iovec l, r;
	ssize_t n;

	if (len == 0)
		return (0);
	if (uaddr == NULL)
		return (EFAULT);
	if (!pl_on_stack(uaddr, len) &&
	    !atomic_load_explicit(&pl_novm, memory_order_relaxed)) {
		l.iov_base = local;
		l.iov_len = len;
		r.iov_base = uaddr;
		r.iov_len = len;
		n = in ? process_vm_readv(pl_getpid(), &l, 1, &r, 1, 0) :
			 process_vm_writev(pl_getpid(), &l, 1, &r, 1, 0);
		if (n == (ssize_t)len)
			return (0);
		/* A short copy stopped at an address it could not reach. */
		if (n >= 0 || (errno != ENOSYS && errno != EPERM))
			return (EFAULT);
		atomic_store(&pl_novm, true);
	}
	if (in)
		memcpy(local, uaddr, len);
	else
		memcpy(uaddr, local, len);
	return (0);
}

int
pl_copyin(void *dst, const void *uaddr, size_t len)
{

	return (pl_uaccess(true, dst, (void *)(uintptr_t)uaddr, len));
}

int
pl_copyout(void *uaddr, const void *src, size_t len)
{

	return (pl_uaccess(false, (void *)(uintptr_t)src, uaddr, len));
}
