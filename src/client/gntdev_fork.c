/*
 * gntdev_fork.c: grant devices across fork() (gntdev.h, "Fork"): the
 * handlers that leave the child no lock held by a thread it does not
 * have and no map it did not inherit, and the adoption (ADOPT) of the
 * shared pages it did.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "client/gntdev_internal.h"

/*
 * Forks seen by this process.  A device opened before a fork() is not the
 * child's: its connection is shared with the parent, and a request from
 * the child would interleave with the parent's on one socket.  As with
 * libxengnttab, a child may only close (or drop) what it inherited, and
 * never sends a request on it.  (An inherited device that had maps is
 * never freed in the child: its maps' records stay allocated, and with
 * them the child's copy of the connection, until it exits.)
 *
 * Across fork() the prepare handler holds the list of devices, every
 * device's lock and the index lock, so the child inherits none of them
 * locked by a thread it does not have, and finds every device between
 * two calls.
 */
atomic_uint gbx_forks;
static pthread_once_t gbx_fork_once = PTHREAD_ONCE_INIT;

static void
gbx_fork_prepare(void)
{
	struct gbx_dev *dev;

	(void)pthread_mutex_lock(&gbx_devs_lock);
	LIST_FOREACH(dev, &gbx_devs, dlink)
		(void)pthread_mutex_lock(&dev->lock);
	(void)pthread_mutex_lock(&gbx_vm_lock);
}

/* Undo gbx_fork_prepare(), in the parent and in the child. */
static void
gbx_fork_unlock(void)
{
	struct gbx_dev *dev;

	(void)pthread_mutex_unlock(&gbx_vm_lock);
	LIST_FOREACH(dev, &gbx_devs, dlink)
		(void)pthread_mutex_unlock(&dev->lock);
	(void)pthread_mutex_unlock(&gbx_devs_lock);
}

/* A map's mapping: absent from a fork()ed child (MADV_DONTFORK). */
static bool
gbx_vm_is_map(const struct gbx_vmap *vm)
{

	return (((const struct gbx_mapping *)(const void *)vm)->is_map);
}

static int
gbx_ref_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x < y ? -1 : x > y);
}

/*
 * The references of dev's shared pages mapped in this process, each
 * once, in a new array (NULL when there are none).
 */
static int
gbx_dev_mapped_refs(struct gbx_dev *dev, uint32_t **refsp, uint32_t *np)
{
	struct gbx_mapping *mp;
	uint32_t *refs, i, n, cap;

	*refsp = NULL;
	*np = 0;
	cap = 0;
	LIST_FOREACH(mp, &dev->mappings, link)
		if (!mp->is_map)
			cap += mp->vm.npages;
	if (cap == 0)
		return (0);
	if ((refs = calloc(cap, sizeof(*refs))) == NULL)
		return (ENOMEM);
	n = 0;
	LIST_FOREACH(mp, &dev->mappings, link)
		for (i = 0; !mp->is_map && i < mp->vm.npages; i++)
			if (mp->pages[i]->nmaps != 0)
				refs[n++] = mp->pages[i]->ref;
	qsort(refs, n, sizeof(*refs), gbx_ref_cmp);
	for (i = 0, cap = 0; i < n; i++)
		if (i == 0 || refs[i] != refs[cap - 1])
			refs[cap++] = refs[i];
	*refsp = refs;
	*np = cap;
	return (0);
}

/*
 * ADOPT refs over a new connection of this process's own (proto.h), in
 * requests of at most GBX_COUNT_MAX references.
 */
static int
gbx_dev_adopt(int domid, const uint32_t *refs, uint32_t n, struct gbx_conn **cp)
{
	struct gbx_refs body;
	struct gbx_call call;
	struct gbx_conn *c;
	uint32_t i, k;
	int error;

	if ((error = gbx_conn_open(GBX_KIND_GNTDEV, (unsigned)domid, &c)) != 0)
		return (error);
	for (i = 0; i < n; i += k) {
		k = n - i < GBX_COUNT_MAX ? n - i : GBX_COUNT_MAX;
		memset(&body, 0, sizeof(body));
		body.count = k;
		gbx_call_init(&call, GBX_ADOPT, &body, sizeof(body), NULL, 0);
		call.tail = refs + i;
		call.tlen = (size_t)k * sizeof(*refs);
		if ((error = gbx_conn_call(c, &call)) != 0) {
			gbx_conn_close(c);
			return (error);
		}
	}
	*cp = c;
	return (0);
}

/*
 * In a fork()ed child, for an inherited device: the child has inherited
 * every shared-page mapping (maps are MADV_DONTFORK), and must hold those
 * pages itself, whatever becomes of its parent (gntalloc's pages live as
 * long as any process maps them).  It adopts them over a connection of
 * its own, then closes its copy of the process token(s) it inherited, so
 * that gntboxd sees the parent's exit (and releases the parent's maps
 * and mapping holds) as Linux would.  Adoption comes first: while the
 * child still holds the parent's token, nothing it maps can be released.
 * If adoption fails, the child keeps the inherited tokens: its pages then
 * live until it exits, and so do its parent's maps.
 */
static void
gbx_dev_inherit(struct gbx_dev *dev)
{
	struct gbx_conn *nc;
	uint32_t *refs, n;
	int error;

	nc = NULL;
	error = gbx_dev_mapped_refs(dev, &refs, &n);
	if (error == 0 && n != 0)
		error = gbx_dev_adopt(dev->domid, refs, n, &nc);
	free(refs);
	if (error != 0)
		return;
	gbx_conn_token_close(dev->conn);
	/* The parent's adopted holds are the parent's: drop our copy. */
	if (dev->adopt != NULL)
		gbx_conn_close(dev->adopt);
	dev->adopt = nc;
}

/*
 * In the child: every device is the parent's now, and the parent's maps
 * are not in this address space, so they leave the index before anything
 * new can be mapped where they were; the shared pages are adopted.
 */
static void
gbx_fork_child(void)
{
	struct gbx_dev *dev;

	atomic_fetch_add(&gbx_forks, 1);
	gbx_vmi_purge(&gbx_vm_index, gbx_vm_is_map);
	LIST_FOREACH(dev, &gbx_devs, dlink)
		gbx_dev_inherit(dev);
	gbx_fork_unlock();
}

static void
gbx_fork_init(void)
{

	(void)pthread_atfork(gbx_fork_prepare, gbx_fork_unlock, gbx_fork_child);
}

/* The handlers go in with the first device a process opens. */
void
gbx_fork_install(void)
{

	(void)pthread_once(&gbx_fork_once, gbx_fork_init);
}
