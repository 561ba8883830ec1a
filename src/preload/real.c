/*
 * real.c: libc's own versions of the functions the library stands in for.
 *
 * They are found with dlsym(RTLD_NEXT), the next definition after this
 * library in the lookup order: libc's, or a sanitizer's interceptor when
 * one was preloaded first, as `gntbox run` arranges for the sanitizer
 * build.  An entry point may run before this library's constructor (in
 * another library's constructor), so each calls pl_real_init() first;
 * pthread_once makes that one atomic load once resolved.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>

#include "preload/preload.h"

struct pl_real pl_real;
__thread int pl_inside __attribute__((tls_model("initial-exec")));

static pthread_once_t pl_real_once = PTHREAD_ONCE_INIT;

/* One symbol; without it the program cannot go on. */
static void *
pl_sym(const char *name)
{
	void *p;

	if ((p = dlsym(RTLD_NEXT, name)) == NULL) {
		(void)fprintf(stderr, "libgntbox-preload: no %s in libc\n",
		    name);
		abort();
	}
	return (p);
}

/*
 * Each pointer gets its type through a void * the way POSIX dlsym
 * requires (a function pointer and a void * have one representation).
 */
#define PL_RESOLVE(field, name)                                                \
	do {                                                                   \
		void *pl_p_ = pl_sym(name);                                    \
		memcpy(&pl_real.field, &pl_p_, sizeof(pl_p_));                 \
	} while (0)

static void
pl_real_resolve(void)
{

	PL_RESOLVE(open, "open");
	PL_RESOLVE(openat, "openat");
	PL_RESOLVE(open_2, "__open_2");
	PL_RESOLVE(openat_2, "__openat_2");
	PL_RESOLVE(close, "close");
	PL_RESOLVE(close_range, "close_range");
	PL_RESOLVE(closefrom, "closefrom");
	PL_RESOLVE(dup, "dup");
	PL_RESOLVE(dup2, "dup2");
	PL_RESOLVE(dup3, "dup3");
	PL_RESOLVE(fcntl, "fcntl");
	PL_RESOLVE(ioctl, "ioctl");
	PL_RESOLVE(mmap, "mmap");
	PL_RESOLVE(munmap, "munmap");
	PL_RESOLVE(mremap, "mremap");
	PL_RESOLVE(read, "read");
	PL_RESOLVE(write, "write");
	PL_RESOLVE(readv, "readv");
	PL_RESOLVE(writev, "writev");
}

void
pl_real_init(void)
{

	(void)pthread_once(&pl_real_once, pl_real_resolve);
}

/* Resolve early, while the process has one thread. */
static void __attribute__((constructor)) pl_real_ctor(void)
{

	pl_real_init();
}
