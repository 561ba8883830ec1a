/*
 * faultinj.c: fault injection by interposition, for tests only
 * (build/lib/libgntbox-faultinj.so; tests/compat/test_compat_faultinj.c).
 *
 * LD_PRELOADed into gntboxd or a client process, it stands in for the
 * calls whose failure the code must survive, so that production code
 * carries no hook at all:
 *
 *	kind       calls                              injected failure
 *	alloc      malloc, calloc, realloc            NULL, ENOMEM
 *	memfd      memfd_create                       EMFILE
 *	ftruncate  ftruncate, ftruncate64             ENOMEM
 *	mmap       mmap, mmap64                       MAP_FAILED, ENOMEM
 *	fallocate  fallocate, fallocate64             ENOSPC
 *	sendmsg    sendmsg                            ENOBUFS
 *	accept     accept, accept4                    EMFILE
 *
 * Nothing is counted or failed until the injector is armed, so start-up
 * and the test's own set-up are left alone:
 *
 * - a client process arms itself: faultinj_arm() and faultinj_disarm(),
 *   found with dlsym(RTLD_DEFAULT) (absent when not preloaded);
 * - gntboxd is armed with SIGUSR1 and disarmed with SIGUSR2, the handlers
 *   installed when $FAULTINJ_SIGNALS is set (the daemon blocks only
 *   SIGTERM and SIGINT).
 *
 * Arming reads what to do from $FAULTINJ_CTL, a file: "KINDS N", where
 * KINDS is a comma list of the kinds above or "all", and N is the number
 * of the matching call (from 1, counted since arming) that fails, or 0 to
 * fail none and only count; then it creates $FAULTINJ_CTL.armed, for a
 * test that waits for the daemon's handler.  Disarming writes $FAULTINJ_CTL.out: one line
 * per distinct call site (the caller's return address) with the number
 * of the first call made from it, then "calls N" (how many
 * matching calls were made) and "injected KIND" when the failure was
 * made.  A site line is "site KIND N OBJECT", OBJECT the file name of
 * the program or library the call came from.  A test counts a session
 * once with N = 0 and then fails the first call of each site in turn.
 *
 * Everything here is async-signal-safe where the daemon's handlers need
 * it: the state is a few atomics and a fixed table, and the files are
 * read and written with open, read and write.  The allocation functions
 * use glibc's __libc_* entry points, so that dlsym (which allocates) is
 * never needed for them.  Under ASan, whose runtime comes first and keeps
 * malloc for itself, only the other kinds reach us (ASan's interceptors
 * of mmap, sendmsg or accept call the next definition, which is ours).
 */
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define EXPORT __attribute__((visibility("default")))

enum kind {
	K_ALLOC,
	K_MEMFD,
	K_FTRUNCATE,
	K_MMAP,
	K_FALLOCATE,
	K_SENDMSG,
	K_ACCEPT,
	K_N
};

static const char *const kind_name[K_N] = { "alloc", "memfd", "ftruncate",
	"mmap", "fallocate", "sendmsg", "accept" };

#define SITES 4096

static atomic_bool armed;
static atomic_uint want_kinds; /* bit per kind */
static atomic_ulong fail_at;   /* 0: count only */
static atomic_ulong ncalls;
static atomic_int injected = -1;
static struct {
	_Atomic(uintptr_t) pc;
	unsigned kind;
	unsigned long first;
} sites[SITES];

void *__libc_malloc(size_t);
void *__libc_calloc(size_t, size_t);
void *__libc_realloc(void *, size_t);

EXPORT void faultinj_arm(void);
EXPORT void faultinj_disarm(void);

/* Remember pc's first call (a fixed open-addressed table, no locks). */
static void
site_note(uintptr_t pc, unsigned k, unsigned long n)
{
	uintptr_t want;
	unsigned i, h;

	h = (unsigned)((pc >> 2) * 2654435761u) % SITES;
	for (i = 0; i < SITES; i++, h = (h + 1) % SITES) {
		want = 0;
		if (atomic_load(&sites[h].pc) == pc)
			return;
		if (atomic_compare_exchange_strong(&sites[h].pc, &want, pc)) {
			sites[h].kind = k;
			sites[h].first = n;
			return;
		}
		if (want == pc)
			return;
	}
}

/* Is this call of kind k, from pc, the one to fail? */
static bool
fail(unsigned k, uintptr_t pc)
{
	unsigned long n, at;

	if (!atomic_load(&armed) || (atomic_load(&want_kinds) & 1u << k) == 0)
		return (false);
	n = atomic_fetch_add(&ncalls, 1) + 1;
	at = atomic_load(&fail_at);
	if (at == 0) {
		site_note(pc, k, n);
		return (false);
	}
	if (n != at)
		return (false);
	atomic_store(&injected, (int)k);
	return (true);
}

#define FAIL(k) fail((k), (uintptr_t)__builtin_return_address(0))

/* ---- Arming. ---- */

static size_t
put_str(char *buf, size_t at, size_t cap, const char *s)
{

	while (*s != '\0' && at < cap)
		buf[at++] = *s++;
	return (at);
}

static size_t
put_num(char *buf, size_t at, size_t cap, unsigned long v, unsigned base)
{
	char tmp[24];
	int i;

	i = 0;
	do {
		tmp[i++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v != 0);
	while (i > 0 && at < cap)
		buf[at++] = tmp[--i];
	return (at);
}

EXPORT void
faultinj_arm(void)
{
	char buf[256], *p, *end;
	const char *path;
	unsigned kinds, k;
	ssize_t r;
	size_t n;
	int fd;

	atomic_store(&armed, false);
	if ((path = getenv("FAULTINJ_CTL")) == NULL ||
	    (fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return;
	r = read(fd, buf, sizeof(buf) - 1);
	(void)close(fd);
	if (r <= 0)
		return;
	buf[r] = '\0';
	kinds = 0;
	for (p = buf; *p != '\0' && *p != ' ';) {
		for (n = 0; p[n] != '\0' && p[n] != ',' && p[n] != ' '; n++)
			;
		if (n == 3 && memcmp(p, "all", 3) == 0)
			kinds = (1u << K_N) - 1;
		for (k = 0; k < K_N; k++)
			if (strlen(kind_name[k]) == n &&
			    memcmp(p, kind_name[k], n) == 0)
				kinds |= 1u << k;
		p += n;
		if (*p == ',')
			p++;
	}
	atomic_store(&fail_at, strtoul(p, &end, 10));
	atomic_store(&want_kinds, kinds);
	atomic_store(&ncalls, 0);
	atomic_store(&injected, -1);
	for (k = 0; k < SITES; k++)
		atomic_store(&sites[k].pc, 0);
	atomic_store(&armed, true);
	/* Tell the test (waiting for gntboxd's signal handler) we are. */
	n = put_str(buf, 0, sizeof(buf) - 7, path);
	n = put_str(buf, n, sizeof(buf) - 1, ".armed");
	buf[n] = '\0';
	if ((fd = open(buf, O_WRONLY | O_CREAT | O_CLOEXEC, 0600)) != -1)
		(void)close(fd);
}

/* The file name of the object pc lies in ("?" when unknown). */
static const char *
object_of(uintptr_t pc)
{
	const char *slash;
	Dl_info info;

	if (dladdr((void *)pc, &info) == 0 || info.dli_fname == NULL)
		return ("?");
	slash = strrchr(info.dli_fname, '/');
	return (slash != NULL ? slash + 1 : info.dli_fname);
}

EXPORT void
faultinj_disarm(void)
{
	char path[512], line[128];
	const char *ctl;
	size_t n;
	unsigned i;
	int fd, inj;

	atomic_store(&armed, false);
	if ((ctl = getenv("FAULTINJ_CTL")) == NULL)
		return;
	n = put_str(path, 0, sizeof(path) - 5, ctl);
	n = put_str(path, n, sizeof(path) - 1, ".out");
	path[n] = '\0';
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) ==
	    -1)
		return;
	for (i = 0; i < SITES; i++) {
		if (atomic_load(&sites[i].pc) == 0)
			continue;
		n = put_str(line, 0, sizeof(line), "site ");
		n = put_str(line, n, sizeof(line), kind_name[sites[i].kind]);
		n = put_str(line, n, sizeof(line), " ");
		n = put_num(line, n, sizeof(line), sites[i].first, 10);
		n = put_str(line, n, sizeof(line), " ");
		n = put_str(line, n, sizeof(line),
		    object_of(atomic_load(&sites[i].pc)));
		n = put_str(line, n, sizeof(line), "\n");
		if (write(fd, line, n) != (ssize_t)n)
			break;
	}
	n = put_str(line, 0, sizeof(line), "calls ");
	n = put_num(line, n, sizeof(line), atomic_load(&ncalls), 10);
	n = put_str(line, n, sizeof(line), "\n");
	if ((inj = atomic_load(&injected)) >= 0) {
		n = put_str(line, n, sizeof(line), "injected ");
		n = put_str(line, n, sizeof(line), kind_name[inj]);
		n = put_str(line, n, sizeof(line), "\n");
	}
	/* The last line tells the reader the file is whole. */
	n = put_str(line, n, sizeof(line), "end\n");
	(void)write(fd, line, n);
	(void)close(fd);
}

static void
on_signal(int sig)
{
	int saved = errno;

	if (sig == SIGUSR1)
		faultinj_arm();
	else
		faultinj_disarm();
	errno = saved;
}

__attribute__((constructor)) static void
faultinj_init(void)
{
	struct sigaction sa;

	if (getenv("FAULTINJ_SIGNALS") == NULL)
		return;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	(void)sigaction(SIGUSR1, &sa, NULL);
	(void)sigaction(SIGUSR2, &sa, NULL);
}

/* ---- The calls. ---- */

static void *
next(const char *name)
{
	void *f;

	if ((f = dlsym(RTLD_NEXT, name)) == NULL)
		abort();
	return (f);
}

#define REAL(ret, name, ...)                                                   \
	static ret (*real_##name)(__VA_ARGS__);                                \
	if (real_##name == NULL)                                               \
		real_##name = (ret(*)(__VA_ARGS__))next(#name);

EXPORT void *
malloc(size_t n)
{

	if (FAIL(K_ALLOC)) {
		errno = ENOMEM;
		return (NULL);
	}
	return (__libc_malloc(n));
}

EXPORT void *
calloc(size_t n, size_t m)
{

	if (FAIL(K_ALLOC)) {
		errno = ENOMEM;
		return (NULL);
	}
	return (__libc_calloc(n, m));
}

EXPORT void *
realloc(void *p, size_t n)
{

	if (FAIL(K_ALLOC)) {
		errno = ENOMEM;
		return (NULL);
	}
	return (__libc_realloc(p, n));
}

EXPORT int
memfd_create(const char *name, unsigned flags)
{
	REAL(int, memfd_create, const char *, unsigned)

	if (FAIL(K_MEMFD)) {
		errno = EMFILE;
		return (-1);
	}
	return (real_memfd_create(name, flags));
}

EXPORT int
ftruncate(int fd, off_t len)
{
	REAL(int, ftruncate, int, off_t)

	if (FAIL(K_FTRUNCATE)) {
		errno = ENOMEM;
		return (-1);
	}
	return (real_ftruncate(fd, len));
}

EXPORT int
ftruncate64(int fd, off_t len)
{
	REAL(int, ftruncate64, int, off_t)

	if (FAIL(K_FTRUNCATE)) {
		errno = ENOMEM;
		return (-1);
	}
	return (real_ftruncate64(fd, len));
}

EXPORT void *
mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	REAL(void *, mmap, void *, size_t, int, int, int, off_t)

	if (FAIL(K_MMAP)) {
		errno = ENOMEM;
		return (MAP_FAILED);
	}
	return (real_mmap(addr, len, prot, flags, fd, off));
}

EXPORT void *
mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	REAL(void *, mmap64, void *, size_t, int, int, int, off_t)

	if (FAIL(K_MMAP)) {
		errno = ENOMEM;
		return (MAP_FAILED);
	}
	return (real_mmap64(addr, len, prot, flags, fd, off));
}

EXPORT int
fallocate(int fd, int mode, off_t off, off_t len)
{
	REAL(int, fallocate, int, int, off_t, off_t)

	if (FAIL(K_FALLOCATE)) {
		errno = ENOSPC;
		return (-1);
	}
	return (real_fallocate(fd, mode, off, len));
}

EXPORT int
fallocate64(int fd, int mode, off_t off, off_t len)
{
	REAL(int, fallocate64, int, int, off_t, off_t)

	if (FAIL(K_FALLOCATE)) {
		errno = ENOSPC;
		return (-1);
	}
	return (real_fallocate64(fd, mode, off, len));
}

EXPORT ssize_t
sendmsg(int s, const struct msghdr *m, int flags)
{
	REAL(ssize_t, sendmsg, int, const struct msghdr *, int)

	if (FAIL(K_SENDMSG)) {
		errno = ENOBUFS;
		return (-1);
	}
	return (real_sendmsg(s, m, flags));
}

EXPORT int
accept(int s, struct sockaddr *sa, socklen_t *len)
{
	REAL(int, accept, int, struct sockaddr *, socklen_t *)

	if (FAIL(K_ACCEPT)) {
		errno = EMFILE;
		return (-1);
	}
	return (real_accept(s, sa, len));
}

EXPORT int
accept4(int s, struct sockaddr *sa, socklen_t *len, int flags)
{
	REAL(int, accept4, int, struct sockaddr *, socklen_t *, int)

	if (FAIL(K_ACCEPT)) {
		errno = EMFILE;
		return (-1);
	}
	return (real_accept4(s, sa, len, flags));
}
