/*
 * gntdev_open.c: opening and closing a grant device, and its records
 * (gntdev.h): share, unshare, map and unmap, which change what the device
 * holds at which offset but map nothing, and the lists of references
 * that the one-way release messages carry.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "base/paths.h"
#include "client/copy.h"
#include "client/gntdev_internal.h"

_Static_assert(sizeof(struct gntbox_grant_ref) == sizeof(struct gbx_grant_ref),
    "gntbox_grant_ref and gbx_grant_ref share one layout");

/* Every device of the process (gntdev_internal.h). */
pthread_mutex_t gbx_devs_lock = PTHREAD_MUTEX_INITIALIZER;
struct gbx_devlist gbx_devs = LIST_HEAD_INITIALIZER(gbx_devs);

/* ------------------------------------------------------------------ */
/* Reference lists for the one-way messages.                             */

/*
 * Send the pending references.  One-way messages carry their tail inline
 * (a bulk memfd might be reused before gntboxd reads it), so lists are cut
 * into messages of GBX_REFS_CHUNK references, which gntboxd treats one
 * reference at a time anyway.  A failed send means gntboxd is gone, and
 * with it everything the message would have released.
 */
void
gbx_pend_flush(struct gbx_dev *dev)
{
	struct gbx_refs body;

	if (dev->npend == 0)
		return;
	if (!gbx_dev_ours(dev)) {
		/* A forked child drops only the holds it adopted. */
		if (dev->adopt != NULL && dev->pend_type == GBX_UNMAPPED) {
			memset(&body, 0, sizeof(body));
			body.count = dev->npend;
			(void)gbx_conn_send(dev->adopt, GBX_UNMAPPED, &body,
			    sizeof(body), dev->pend,
			    (size_t)dev->npend * sizeof(uint32_t));
		}
		dev->npend = 0;
		return;
	}
	memset(&body, 0, sizeof(body));
	body.count = dev->npend;
	(void)gbx_conn_send(dev->conn, dev->pend_type, &body, sizeof(body),
	    dev->pend, (size_t)dev->npend * sizeof(uint32_t));
	dev->npend = 0;
}

/* Queue ref for a message of type; messages go out in the queued order. */
void
gbx_pend_add(struct gbx_dev *dev, uint16_t type, uint32_t ref)
{

	if (dev->npend != 0 &&
	    (dev->pend_type != type || dev->npend == GBX_REFS_CHUNK))
		gbx_pend_flush(dev);
	dev->pend_type = type;
	dev->pend[dev->npend++] = ref;
}

/* A shared page given up by unshare: drop the file hold. */
static void
gbx_giveup_page(void *arg, struct gbx_spage *p)
{
	struct gbx_dev *dev;

	dev = arg;
	gbx_pend_add(dev, GBX_DEALLOC, p->ref);
	(void)gbx_spage_reap(p);
}

/* A shared page forgotten because the connection is about to close. */
static void
gbx_forget_page(void *arg, struct gbx_spage *p)
{

	(void)arg;
	(void)gbx_spage_reap(p);
}

/* ------------------------------------------------------------------ */
/* Opening and closing.                                                  */

/*
 * A new device: its offset space and records, and its connection.  The
 * fork handlers are installed with the first device (gntdev.h, "Fork").
 */
int
gbx_dev_open(int domid, struct gbx_dev **devp)
{
	struct gbx_dev *dev;
	int error;

	if (domid == -1 && (domid = gbx_env_domid()) == -1)
		return (EINVAL);
	if (domid < 0 || domid > GBX_DOMID_MAX)
		return (EINVAL);
	gbx_fork_install();
	if ((dev = calloc(1, sizeof(*dev))) == NULL)
		return (ENOMEM);
	dev->domid = domid;
	dev->forks = atomic_load(&gbx_forks);
	atomic_init(&dev->refs, 1);
	gbx_rec_init(&dev->rec);
	LIST_INIT(&dev->mappings);
	if ((error = pthread_mutex_init(&dev->lock, NULL)) != 0) {
		free(dev);
		return (error);
	}
	if ((error = gbx_off_init(&dev->off)) != 0)
		goto fail;
	if ((error = gbx_conn_open(GBX_KIND_GNTDEV, (unsigned)domid,
		 &dev->conn)) != 0) {
		gbx_off_destroy(&dev->off);
		goto fail;
	}
	dev->hup = gbx_hangup_add(gbx_conn_sock(dev->conn), NULL, NULL);
	(void)pthread_mutex_lock(&gbx_devs_lock);
	LIST_INSERT_HEAD(&gbx_devs, dev, dlink);
	(void)pthread_mutex_unlock(&gbx_devs_lock);
	*devp = dev;
	return (0);
fail:
	(void)pthread_mutex_destroy(&dev->lock);
	free(dev);
	return (error);
}

/*
 * The last reference went: close the connection (gntboxd releases
 * whatever is left) and free the device.  Every record is gone by now:
 * gbx_dev_drop() emptied the trees and the last mapping freed its own.
 */
static void
gbx_dev_destroy(struct gbx_dev *dev)
{

	(void)pthread_mutex_lock(&gbx_devs_lock);
	LIST_REMOVE(dev, dlink);
	(void)pthread_mutex_unlock(&gbx_devs_lock);
	if (dev->adopt != NULL)
		gbx_conn_close(dev->adopt);
	gbx_hangup_del(dev->hup);
	gbx_conn_close(dev->conn);
	gbx_off_destroy(&dev->off);
	(void)pthread_mutex_destroy(&dev->lock);
	free(dev);
}

void
gbx_dev_unref(struct gbx_dev *dev)
{

	if (atomic_fetch_sub(&dev->refs, 1) == 1)
		gbx_dev_destroy(dev);
}

/*
 * Give up the handle.  Map records that are not mmapped have nothing in
 * gntboxd and are simply freed; mmapped ones live on with their mapping.
 * Shared pages are given up (DEALLOC) so that each is released when its
 * last mapping goes.  With no mapping left at all (or all of them being
 * unmapped by gbx_dev_close), no message is needed: closing the
 * connection, just below, releases everything at once.
 */
void
gbx_dev_drop(struct gbx_dev *dev)
{
	struct gbx_maprec *m;
	struct gbx_sseg *nospare;
	uint64_t page;
	uint32_t count;
	bool quiet;

	(void)pthread_mutex_lock(&dev->lock);
	quiet =
	    dev->closing || !gbx_dev_ours(dev) || LIST_EMPTY(&dev->mappings);
	while ((m = gbx_rec_map_first(&dev->rec)) != NULL) {
		gbx_rec_map_remove(&dev->rec, m);
		if (m->state != GBX_MAP_MAPPED)
			gbx_rec_map_free(m);
	}
	/* Whole segments go: no split, so no spare is needed. */
	nospare = NULL;
	while (gbx_rec_share_first(&dev->rec, &page, &count))
		(void)gbx_rec_share_remove(&dev->rec, page, count, &nospare,
		    quiet ? gbx_forget_page : gbx_giveup_page, dev);
	gbx_pend_flush(dev);
	(void)pthread_mutex_unlock(&dev->lock);
	gbx_dev_unref(dev);
}

/*
 * Close: detach every mapping of the device from the address index at
 * once, munmap them, then drop the handle, which frees the device.  No
 * release message is sent: the connection closes right after the last
 * munmap, and gntboxd then releases everything the connection held, in
 * the order docs/design.md fixes ("Release order": clear byte, unmap or
 * end access, event), as it does when a process dies.  A piece another
 * thread is unmapping at the same moment is accounted for without
 * messages too.
 */
void
gbx_dev_close(struct gbx_dev *dev)
{
	struct gbx_vmbatch b;

	memset(&b, 0, sizeof(b));
	SLIST_INIT(&b.pieces);
	(void)pthread_mutex_lock(&dev->lock);
	dev->closing = true;
	gbx_mapping_detach_all(dev, &b);
	(void)pthread_mutex_unlock(&dev->lock);
	gbx_vm_unmap_end(&b, false);
	gbx_dev_drop(dev);
}

int
gbx_dev_domid(const struct gbx_dev *dev)
{

	return (dev->domid);
}

/* ------------------------------------------------------------------ */
/* Sharing pages.                                                        */

/*
 * Share: take the offsets first (so a fixed offset in use fails before
 * anything is granted), then ALLOC.  If the bookkeeping cannot be recorded
 * after gntboxd granted the pages, they are given back at once.
 */
int
gbx_dev_share(struct gbx_dev *dev, uint32_t domid, uint32_t count,
    unsigned flags, uint32_t *refs, uint64_t *offset)
{
	struct gbx_alloc req;
	struct gbx_alloc_reply rep;
	struct gbx_call call;
	struct gbx_sblock *b;
	uint64_t off;
	uint32_t i;
	bool fixed;
	int error;

	if (!gbx_dev_ours(dev))
		return (EBADF);

	if (count == 0 || count > GBX_COUNT_MAX || domid > GBX_DOMID_MAX ||
	    (flags & ~(GNTBOX_SHARE_WRITABLE | GNTBOX_FIXED_OFFSET)) != 0 ||
	    refs == NULL || offset == NULL)
		return (EINVAL);
	fixed = (flags & GNTBOX_FIXED_OFFSET) != 0;
	off = fixed ? *offset : 0;
	(void)pthread_mutex_lock(&dev->lock);
	if ((error = gbx_off_alloc(&dev->off, count, fixed, &off)) != 0)
		goto out;
	memset(&req, 0, sizeof(req));
	req.domid = (uint16_t)domid;
	req.flags =
	    (flags & GNTBOX_SHARE_WRITABLE) != 0 ? GBX_ALLOC_WRITABLE : 0;
	req.count = count;
	gbx_call_init(&call, GBX_ALLOC, &req, sizeof(req), &rep, sizeof(rep));
	call.rtail = refs;
	call.rtlen = (size_t)count * sizeof(uint32_t);
	call.fdlist = offsetof(struct gbx_alloc_reply, fds);
	error = gbx_conn_call(dev->conn, &call);
	if (error == 0 &&
	    (call.rlen != sizeof(rep) || !call.rtail_got || rep.count != count))
		error = EPROTO;
	if (error != 0) {
		(void)gbx_off_free(&dev->off, off >> GBX_PAGE_SHIFT, count);
		goto out;
	}
	b = gbx_sblock_new(rep.arena, rep.first_page, count, refs);
	if (b == NULL ||
	    gbx_rec_share_insert(&dev->rec, off >> GBX_PAGE_SHIFT, b) != 0) {
		free(b);
		for (i = 0; i < count; i++)
			gbx_pend_add(dev, GBX_DEALLOC, refs[i]);
		gbx_pend_flush(dev);
		(void)gbx_off_free(&dev->off, off >> GBX_PAGE_SHIFT, count);
		error = ENOMEM;
		goto out;
	}
	*offset = off;
out:
	(void)pthread_mutex_unlock(&dev->lock);
	return (error);
}

/*
 * Unshare: give up a run of shared pages, which may span share calls.
 * Their offsets are free at once (FreeBSD's choice; Linux's gntalloc never
 * reuses offsets); each page's grant ends when it is also unmapped.
 */
int
gbx_dev_unshare(struct gbx_dev *dev, uint64_t offset, uint32_t count)
{
	struct gbx_sseg *spare;
	uint64_t page;
	int error;

	if (!gbx_dev_ours(dev))
		return (EBADF);

	if (count == 0 || count > GBX_COUNT_MAX ||
	    gbx_off_to_page(offset, count, &page) != 0)
		return (EINVAL);
	spare = calloc(1, sizeof(*spare)); /* needed only to split */
	(void)pthread_mutex_lock(&dev->lock);
	error = gbx_rec_share_remove(&dev->rec, page, count, &spare,
	    gbx_giveup_page, dev);
	if (error == 0) {
		gbx_pend_flush(dev);
		(void)gbx_off_free(&dev->off, page, count);
	}
	(void)pthread_mutex_unlock(&dev->lock);
	free(spare);
	return (error);
}

/* ------------------------------------------------------------------ */
/* Map records.                                                          */

/* Record a map: no grant is looked at before mmap (as in Linux). */
int
gbx_dev_map(struct gbx_dev *dev, uint32_t count,
    const struct gntbox_grant_ref *refs, unsigned flags, uint64_t *offset)
{
	struct gbx_maprec *m;
	uint64_t off;
	bool fixed;
	int error;

	if (!gbx_dev_ours(dev))
		return (EBADF);

	if (count == 0 || count > GBX_COUNT_MAX ||
	    (flags & ~GNTBOX_FIXED_OFFSET) != 0 || refs == NULL ||
	    offset == NULL)
		return (EINVAL);
	if ((m = gbx_rec_map_new(count,
		 (const struct gbx_grant_ref *)(const void *)refs)) == NULL)
		return (ENOMEM);
	fixed = (flags & GNTBOX_FIXED_OFFSET) != 0;
	off = fixed ? *offset : 0;
	(void)pthread_mutex_lock(&dev->lock);
	if ((error = gbx_off_alloc(&dev->off, count, fixed, &off)) == 0) {
		m->page = off >> GBX_PAGE_SHIFT;
		gbx_rec_map_insert(&dev->rec, m);
	}
	(void)pthread_mutex_unlock(&dev->lock);
	if (error != 0) {
		gbx_rec_map_free(m);
		return (error);
	}
	*offset = off;
	return (0);
}

/*
 * Remove a map record (count 0 matches any count, as in Linux).  Its
 * offsets are free at once; a mapped record lives on with its mapping,
 * whose last munmap releases the grants.
 */
int
gbx_dev_unmap(struct gbx_dev *dev, uint64_t offset, uint32_t count)
{
	struct gbx_maprec *m;
	int error;

	if (!gbx_dev_ours(dev))
		return (EBADF);

	if ((offset & (PG - 1)) != 0)
		return (ENOENT);
	error = 0;
	(void)pthread_mutex_lock(&dev->lock);
	m = gbx_rec_map_find(&dev->rec, offset >> GBX_PAGE_SHIFT, count);
	if (m == NULL)
		error = ENOENT;
	else {
		gbx_rec_map_remove(&dev->rec, m);
		(void)gbx_off_free(&dev->off, m->page, m->count);
		if (m->state != GBX_MAP_MAPPED)
			gbx_rec_map_free(m);
	}
	(void)pthread_mutex_unlock(&dev->lock);
	return (error);
}

/* ------------------------------------------------------------------ */
/* Questions about the device, and its connection.                       */

/*
 * What holds offset: a map record (mmapped or not) or a shared page the
 * device still offers.
 */
enum gbx_dev_what
gbx_dev_lookup(struct gbx_dev *dev, uint64_t offset)
{
	enum gbx_dev_what what;
	uint64_t page;

	page = offset >> GBX_PAGE_SHIFT;
	(void)pthread_mutex_lock(&dev->lock);
	if (gbx_rec_share_lookup(&dev->rec, page) != NULL)
		what = GBX_DEV_SHARED;
	else if (gbx_rec_map_lookup(&dev->rec, page) != NULL)
		what = GBX_DEV_MAP;
	else
		what = GBX_DEV_NOTHING;
	(void)pthread_mutex_unlock(&dev->lock);
	return (what);
}

/*
 * A grant copy batch: a connection-level operation (client/copy.c), with no
 * device record involved, so the device's lock is not taken.
 */
int
gbx_dev_copy(struct gbx_dev *dev, struct gbx_copy_seg *segs, uint32_t n)
{

	if (!gbx_dev_ours(dev))
		return (EBADF);
	return (gbx_copy_batch(dev->conn, (unsigned)dev->domid, segs, n));
}

/* The socket the preload library duplicates for the program. */
int
gbx_dev_sock(const struct gbx_dev *dev)
{

	return (gbx_conn_sock(dev->conn));
}
