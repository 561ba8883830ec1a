/*
 * fdtable.c: which descriptors are open device files.
 *
 * The table is two levels of atomic pointers indexed by descriptor: 1024
 * chunks of 1024 slots, a chunk allocated the first time one of its
 * descriptors is ours and never freed.  Checking a descriptor that is not
 * ours is one atomic load of the count of entries (zero in a process that
 * never opened a device) and at most two more loads: no lock, no call.
 *
 * Changes go under one mutex, together with the real system call that
 * makes them true, so the table never disagrees with the kernel as seen
 * by another entry point: a close removes the entry, then closes; a dup2
 * onto one of ours replaces it atomically in both.  A descriptor number
 * cannot be handed out by the kernel again before its close, so a slot is
 * never found holding a stale file.
 *
 * Lookups that find an entry take the mutex to take a reference, so a
 * file can never be freed under a call that uses it: only programs that
 * use our devices pay for it.
 */
#include <linux/close_range.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "client/gntdev.h"
#include "preload/preload.h"

#define PL_CHUNK_SHIFT 10
#define PL_CHUNK       (1 << PL_CHUNK_SHIFT)
#define PL_NCHUNKS     (PL_FD_MAX / PL_CHUNK)

typedef _Atomic(struct pfile *) pl_slot;

static _Atomic(pl_slot *) pl_chunks[PL_NCHUNKS];
static atomic_uint pl_nfds; /* entries in the table */
static pthread_mutex_t pl_fd_lock = PTHREAD_MUTEX_INITIALIZER;

/* The slot of fd, or NULL when its chunk does not exist (or fd is out). */
static pl_slot *
pl_slot_of(int fd)
{
	pl_slot *chunk;

	if (fd < 0 || fd >= PL_FD_MAX)
		return (NULL);
	chunk = atomic_load_explicit(&pl_chunks[fd >> PL_CHUNK_SHIFT],
	    memory_order_acquire);
	return (chunk == NULL ? NULL : &chunk[fd & (PL_CHUNK - 1)]);
}

bool
pl_fd_maybe(int fd)
{
	pl_slot *s;

	if (atomic_load_explicit(&pl_nfds, memory_order_relaxed) == 0)
		return (false);
	s = pl_slot_of(fd);
	return (
	    s != NULL && atomic_load_explicit(s, memory_order_relaxed) != NULL);
}

struct pfile *
pl_fd_get(int fd)
{
	struct pfile *pf;
	pl_slot *s;

	if (!pl_fd_maybe(fd))
		return (NULL);
	(void)pthread_mutex_lock(&pl_fd_lock);
	if ((s = pl_slot_of(fd)) != NULL &&
	    (pf = atomic_load_explicit(s, memory_order_relaxed)) != NULL)
		atomic_fetch_add(&pf->refs, 1);
	else
		pf = NULL;
	(void)pthread_mutex_unlock(&pl_fd_lock);
	return (pf);
}

/*
 * The last reference: close the device (mappings made from it live on,
 * and keep its connection, as Linux's mappings keep the file) and free.
 */
void
pl_file_put(struct pfile *pf)
{

	if (atomic_fetch_sub(&pf->refs, 1) != 1)
		return;
	pl_inside++;
	if (pf->kind == PL_EVTCHN)
		pl_evtchn_close(pf);
	else if (pf->kind == PL_PRIVCMD)
		pl_privcmd_close(pf);
	else
		gbx_dev_drop(pf->dev);
	pl_inside--;
	free(pf);
}

/* The slot of fd, making its chunk if needed.  Under the lock. */
static pl_slot *
pl_slot_make(int fd)
{
	pl_slot *chunk;

	if (fd < 0 || fd >= PL_FD_MAX)
		return (NULL);
	chunk = atomic_load_explicit(&pl_chunks[fd >> PL_CHUNK_SHIFT],
	    memory_order_relaxed);
	if (chunk == NULL) {
		if ((chunk = calloc(PL_CHUNK, sizeof(*chunk))) == NULL)
			return (NULL);
		atomic_store_explicit(&pl_chunks[fd >> PL_CHUNK_SHIFT], chunk,
		    memory_order_release);
	}
	return (&chunk[fd & (PL_CHUNK - 1)]);
}

/*
 * Enter pf at fd (free in the table), with a new reference, or say why
 * not.  Under the lock.
 */
static int
pl_slot_set(int fd, struct pfile *pf)
{
	pl_slot *s;

	if ((s = pl_slot_make(fd)) == NULL)
		return (fd >= PL_FD_MAX ? EMFILE : ENOMEM);
	atomic_fetch_add(&pf->refs, 1);
	atomic_fetch_add(&pl_nfds, 1);
	atomic_store_explicit(s, pf, memory_order_relaxed);
	return (0);
}

/* Take fd's entry out of the table; its reference goes to the caller. */
static struct pfile *
pl_slot_take(int fd)
{
	struct pfile *pf;
	pl_slot *s;

	if ((s = pl_slot_of(fd)) == NULL ||
	    (pf = atomic_load_explicit(s, memory_order_relaxed)) == NULL)
		return (NULL);
	atomic_store_explicit(s, NULL, memory_order_relaxed);
	atomic_fetch_sub(&pl_nfds, 1);
	return (pf);
}

int
pl_fd_install(struct pfile *pf, int src, bool cloexec)
{
	int fd, error;

	(void)pthread_mutex_lock(&pl_fd_lock);
	fd = pl_real.fcntl(src, cloexec ? F_DUPFD_CLOEXEC : F_DUPFD, 0);
	if (fd != -1 && (error = pl_slot_set(fd, pf)) != 0) {
		(void)pl_real.close(fd);
		errno = error;
		fd = -1;
	}
	(void)pthread_mutex_unlock(&pl_fd_lock);
	return (fd);
}

int
pl_fd_close(int fd)
{
	struct pfile *pf;
	int r, error;

	(void)pthread_mutex_lock(&pl_fd_lock);
	pf = pl_slot_take(fd);
	r = pl_real.close(fd);
	error = errno;
	(void)pthread_mutex_unlock(&pl_fd_lock);
	if (pf != NULL)
		pl_file_put(pf);
	errno = error;
	return (r);
}

/* dup(fd) (cmd -1) or fcntl(fd, cmd, minfd) for F_DUPFD*. */
int
pl_fd_dup(int fd, int cmd, int minfd)
{
	struct pfile *pf;
	pl_slot *s;
	int nfd, error;

	(void)pthread_mutex_lock(&pl_fd_lock);
	nfd = cmd == -1 ? pl_real.dup(fd) : pl_real.fcntl(fd, cmd, minfd);
	error = errno;
	if (nfd != -1 && (s = pl_slot_of(fd)) != NULL &&
	    (pf = atomic_load_explicit(s, memory_order_relaxed)) != NULL &&
	    (error = pl_slot_set(nfd, pf)) != 0) {
		(void)pl_real.close(nfd);
		nfd = -1;
	}
	(void)pthread_mutex_unlock(&pl_fd_lock);
	errno = error;
	return (nfd);
}

/*
 * dup2 or dup3: newfd, if ours, stops being ours (the kernel closed it);
 * it becomes oldfd's file if that is ours.  dup2(fd, fd) changes nothing.
 */
int
pl_fd_dup3(int oldfd, int newfd, int flags, bool dup2)
{
	struct pfile *pf, *gone;
	pl_slot *s;
	int r, error;

	gone = NULL;
	(void)pthread_mutex_lock(&pl_fd_lock);
	r = dup2 ? pl_real.dup2(oldfd, newfd) :
		   pl_real.dup3(oldfd, newfd, flags);
	error = errno;
	if (r != -1 && oldfd != newfd) {
		gone = pl_slot_take(newfd);
		if ((s = pl_slot_of(oldfd)) != NULL &&
		    (pf = atomic_load_explicit(s, memory_order_relaxed)) !=
			NULL &&
		    (error = pl_slot_set(newfd, pf)) != 0) {
			(void)pl_real.close(newfd);
			r = -1;
		}
	}
	(void)pthread_mutex_unlock(&pl_fd_lock);
	if (gone != NULL)
		pl_file_put(gone);
	errno = error;
	return (r);
}

/*
 * close_range or closefrom: the real call, then every descriptor of ours
 * it closed leaves the table (CLOSE_RANGE_CLOEXEC closes nothing).  Only
 * the chunks that exist are looked at.
 */
int
pl_fd_close_range(unsigned first, unsigned last, int flags, bool from)
{
	struct pfile **gone;
	unsigned fd, c, n, cap;
	int r, error;

	if ((cap = atomic_load(&pl_nfds)) == 0) {
		if (!from)
			return (pl_real.close_range(first, last, flags));
		pl_real.closefrom((int)first);
		return (0);
	}
	gone = calloc(cap, sizeof(*gone));
	(void)pthread_mutex_lock(&pl_fd_lock);
	r = 0;
	if (from)
		pl_real.closefrom((int)first);
	else
		r = pl_real.close_range(first, last, flags);
	error = errno;
	n = 0;
	if (r == 0 && (flags & CLOSE_RANGE_CLOEXEC) == 0 && gone != NULL) {
		for (c = first >> PL_CHUNK_SHIFT;
		     c < PL_NCHUNKS && c <= last >> PL_CHUNK_SHIFT; c++) {
			if (atomic_load(&pl_chunks[c]) == NULL)
				continue;
			for (fd = c << PL_CHUNK_SHIFT;
			     fd < (c + 1) << PL_CHUNK_SHIFT && fd <= last &&
			     n < cap;
			     fd++)
				if (fd >= first &&
				    (gone[n] = pl_slot_take((int)fd)) != NULL)
					n++;
		}
	}
	(void)pthread_mutex_unlock(&pl_fd_lock);
	while (n > 0)
		pl_file_put(gone[--n]);
	free(gone);
	errno = error;
	return (r);
}

void
pl_fd_fork_prepare(void)
{

	(void)pthread_mutex_lock(&pl_fd_lock);
}

void
pl_fd_fork_parent(void)
{

	(void)pthread_mutex_unlock(&pl_fd_lock);
}

void
pl_fd_fork_child(void)
{

	(void)pthread_mutex_unlock(&pl_fd_lock);
}
