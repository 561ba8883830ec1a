/*
 * fork.c: what fork() means for the preload library's own state.
 *
 * The devices themselves follow Linux across fork (client/gntdev.h, "Fork"): a
 * child keeps the gntalloc mappings it inherited and holds their pages
 * itself (ADOPT), has none of the gntdev maps (MADV_DONTFORK, as a Linux
 * PV domain), and may only close inherited descriptors.  Here the table of
 * descriptors is kept consistent across fork() (its lock is held, so the
 * child never inherits it locked by a thread it does not have), and the
 * child learns its own pid for uaccess.c.
 */
#include <pthread.h>

#include "preload/preload.h"

static void
pl_fork_prepare(void)
{

	pl_fd_fork_prepare();
}

static void
pl_fork_parent(void)
{

	pl_fd_fork_parent();
}

static void
pl_fork_child(void)
{

	pl_fd_fork_child();
	pl_uaccess_fork_child();
}

static void __attribute__((constructor)) pl_fork_ctor(void)
{

	(void)pthread_atfork(pl_fork_prepare, pl_fork_parent, pl_fork_child);
}
