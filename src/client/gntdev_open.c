/*
 * gntdev_open.c: the grant device in the client process (gntdev.h).
 *
 * The bookkeeping lives in offsets.c, records.c and vmindex.c; this file
 * adds the I/O around it: the messages to gntboxd, the mmap and munmap
 * system calls, the locks, and the lifetimes of devices and mappings.
 */
#include <sys/mman.h>

#include <stdint.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <xen/grant_table.h>

#include "base/paths.h"
#include "client/copy.h"
#include "client/gntdev.h"
#include "client/offsets.h"
#include "client/place.h"
#include "client/records.h"
#include "client/link.h"
#include "proto/proto.h"

#define PG	       ((uintptr_t)GBX_PAGE_SIZE)
#define GBX_REFS_CHUNK (GBX_INLINE_MAX / sizeof(uint32_t))

_Static_assert(sizeof(struct gntbox_grant_ref) == sizeof(struct gbx_grant_ref),
    "gntbox_grant_ref and gbx_grant_ref share one layout");

/*
 * A mapping made by gbx_dev_mmap().  The address index knows its vmap;
 * the device lists it so that close can find every mapping it made.
 */
struct gbx_mapping {
	struct gbx_vmap vm; /* first: the index hands back its address */
	LIST_ENTRY(gbx_mapping) link;
	struct gbx_dev *dev;
	bool is_map;		   /* a map (else shared pages) */
	uint32_t map_id;	   /* a map's object in gntboxd */
	uint64_t offset;	   /* the offset it was mmapped at */
	struct gbx_maprec *rec;	   /* a map's record */
	struct gbx_spage *pages[]; /* shared pages: vm.npages of them */
};

struct gbx_dev {
	pthread_mutex_t lock;
	atomic_uint refs;	   /* the handle and each mapping */
	LIST_ENTRY(gbx_dev) dlink; /* in gbx_devs */
	struct gbx_conn *conn;
	struct gbx_conn *adopt; /* inherited: this process's adopted holds */
	int domid;
	unsigned forks; /* gbx_forks when opened */
	bool closing;	/* gbx_dev_close(): the connection is about to go */
	struct gbx_offsets off;
	struct gbx_records rec;
	LIST_HEAD(, gbx_mapping) mappings;
	/* References waiting to go in one DEALLOC / MAPPED / UNMAPPED. */
	uint16_t pend_type;
	uint32_t npend;
	uint32_t pend[GBX_REFS_CHUNK];
};

/* The process-wide address index and its lock (gntdev.h, "Locking"). */
static pthread_mutex_t gbx_vm_lock = PTHREAD_MUTEX_INITIALIZER;
static struct gbx_vmindex gbx_vm_index = { RB_INITIALIZER(&gbx_vm_index.tree),
	0 };

/*
 * Every device of the process, for the fork handlers, and the count of
 * mappings (gbx_vm_any).
 */
static pthread_mutex_t gbx_devs_lock = PTHREAD_MUTEX_INITIALIZER;
static LIST_HEAD(, gbx_dev) gbx_devs = LIST_HEAD_INITIALIZER(gbx_devs);
static atomic_uint gbx_vm_nmappings;

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
static atomic_uint gbx_forks;
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

/* Whether dev was opened by this process (not inherited across fork). */
static bool
gbx_dev_ours(const struct gbx_dev *dev)
{

	return (dev->forks == atomic_load(&gbx_forks));
}

static void gbx_dev_unref(struct gbx_dev *dev);

/* ------------------------------------------------------------------ */
/* Reference lists for the one-way messages.                             */

/*
 * Send the pending references.  One-way messages carry their tail inline
 * (a bulk memfd might be reused before gntboxd reads it), so lists are cut
 * into messages of GBX_REFS_CHUNK references, which gntboxd treats one
 * reference at a time anyway.  A failed send means gntboxd is gone, and
 * with it everything the message would have released.
 */
static void
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
static void
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
	(void)pthread_once(&gbx_fork_once, gbx_fork_init);
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
	gbx_conn_close(dev->conn);
	gbx_off_destroy(&dev->off);
	(void)pthread_mutex_destroy(&dev->lock);
	free(dev);
}

static void
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
 * the order DESIGN.md fixes (clear byte, unmap or end access, event), as
 * it does when a process dies.  A piece another thread is unmapping at
 * the same moment is accounted for without messages too.
 */
void
gbx_dev_close(struct gbx_dev *dev)
{
	struct gbx_mapping *mp;
	struct gbx_vmbatch b;

	memset(&b, 0, sizeof(b));
	SLIST_INIT(&b.pieces);
	(void)pthread_mutex_lock(&dev->lock);
	dev->closing = true;
	(void)pthread_mutex_lock(&gbx_vm_lock);
	LIST_FOREACH(mp, &dev->mappings, link)
		gbx_vmi_detach_all(&gbx_vm_index, &mp->vm, &b);
	(void)pthread_mutex_unlock(&gbx_vm_lock);
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
/* mmap.                                                                 */

/*
 * Where a new mapping goes: where the kernel likes, followed by a guard
 * page (addr NULL), or exactly at addr without a guard (the preload
 * library's mmap(MAP_FIXED), or MAP_FIXED_NOREPLACE with noreplace).
 */
struct gbx_at {
	void *addr;
	bool noreplace;
};

/* The pages a reservation at `at` takes: the guard is one of them. */
static uint32_t
gbx_at_slots(const struct gbx_at *at, uint32_t n)
{

	return (at->addr == NULL ? n + 1 : n);
}

/* Enter a new mapping into the device and the address index. */
static void
gbx_mapping_enter(struct gbx_dev *dev, struct gbx_mapping *mp,
    struct gbx_vmfrag *frag)
{

	LIST_INSERT_HEAD(&dev->mappings, mp, link);
	atomic_fetch_add(&dev->refs, 1);
	atomic_fetch_add(&gbx_vm_nmappings, 1);
	(void)pthread_mutex_lock(&gbx_vm_lock);
	gbx_vmi_insert(&gbx_vm_index, &mp->vm, frag);
	(void)pthread_mutex_unlock(&gbx_vm_lock);
}

/* Tell gntboxd to release handles first .. first + n - 1 of a map. */
static void
gbx_send_unmap(struct gbx_dev *dev, uint32_t map_id, uint32_t first, uint32_t n)
{
	struct gbx_unmap um;

	if (!gbx_dev_ours(dev))
		return;
	memset(&um, 0, sizeof(um));
	um.map_id = map_id;
	um.first = first;
	um.count = n;
	(void)gbx_conn_send(dev->conn, GBX_UNMAP, &um, sizeof(um), NULL, 0);
}

/*
 * mmap of a map: the one round trip (MAP), which checks and maps every
 * grant, all or nothing, and names the arena page behind each.  Then each
 * run of consecutive pages of one arena is mapped with one mmap.  All the
 * memory this needs is taken before MAP, so that once gntboxd has mapped
 * the grants only the mmap system calls can fail, and then the grants are
 * released again (after the reservation is gone).  *filled tells the
 * caller whether status[] holds gntboxd's per-grant answers.
 */
static int
gbx_mmap_map(struct gbx_dev *dev, struct gbx_maprec *m, int prot,
    const struct gbx_at *at, int16_t *status, void **addr, bool *filled)
{
	struct gbx_map req;
	struct gbx_map_reply rep;
	struct gbx_map_result *res;
	struct gbx_mapping *mp;
	struct gbx_vmfrag *frag;
	struct gbx_call call;
	uint32_t i, j, n;
	void *base;
	bool ro;
	int error, fd;

	if (m->state != GBX_MAP_RECORDED)
		return (EINVAL);
	n = m->count;
	ro = (prot & PROT_WRITE) == 0;
	base = NULL;
	res = calloc(n, sizeof(*res));
	mp = calloc(1, sizeof(*mp));
	frag = malloc(sizeof(*frag));
	if (res == NULL || mp == NULL || frag == NULL) {
		error = ENOMEM;
		goto fail;
	}
	if ((error = gbx_place_reserve(n, at->addr, at->noreplace, &base)) != 0)
		goto fail;
	memset(&req, 0, sizeof(req));
	req.count = n;
	req.flags = ro ? GBX_MAP_READONLY : 0;
	req.notify = m->notify;
	gbx_call_init(&call, GBX_MAP, &req, sizeof(req), &rep, sizeof(rep));
	call.tail = m->refs;
	call.tlen = (size_t)n * sizeof(m->refs[0]);
	call.rtail = res;
	call.rtlen = (size_t)n * sizeof(*res);
	call.fdlist = offsetof(struct gbx_map_reply, fds);
	error = gbx_conn_call(dev->conn, &call);
	if (error == EINVAL && call.rtail_got && call.rlen == sizeof(rep) &&
	    rep.count == n) {
		/* A grant failed: nothing stayed mapped; say which. */
		if (status != NULL)
			for (i = 0; i < n; i++)
				status[i] = res[i].status;
		*filled = true;
		goto fail;
	}
	if (error == 0 &&
	    (call.rlen != sizeof(rep) || !call.rtail_got || rep.count != n ||
		rep.failed != 0)) {
		if (call.rlen == sizeof(rep))
			gbx_send_unmap(dev, rep.map_id, 0, n);
		error = EPROTO;
	}
	if (error != 0)
		goto fail;
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && res[j].arena == res[i].arena &&
		     res[j].page == res[i].page + (j - i);
		     j++)
			;
		if ((error = gbx_conn_arena_fd(dev->conn, res[i].arena, ro,
			 &fd)) != 0 ||
		    (error = gbx_place_run(base, i, j - i, prot, fd,
			 res[i].page)) != 0) {
			gbx_place_undo(base, gbx_at_slots(at, n));
			base = NULL;
			gbx_send_unmap(dev, rep.map_id, 0, n);
			goto fail;
		}
	}
	/* As Linux PV does: a fork()ed child does not inherit a map. */
	(void)madvise(base, (size_t)gbx_at_slots(at, n) * PG, MADV_DONTFORK);
	if (status != NULL)
		for (i = 0; i < n; i++)
			status[i] = GNTST_okay;
	*filled = true;
	gbx_vmap_init(&mp->vm, (uintptr_t)base, n, dev);
	mp->vm.guarded = at->addr == NULL;
	mp->dev = dev;
	mp->is_map = true;
	mp->map_id = rep.map_id;
	mp->offset = m->page << GBX_PAGE_SHIFT;
	mp->rec = m;
	m->state = GBX_MAP_MAPPED;
	m->map_id = rep.map_id;
	m->readonly = ro;
	m->mapping = mp;
	gbx_mapping_enter(dev, mp, frag);
	free(res);
	*addr = base;
	return (0);
fail:
	if (base != NULL)
		gbx_place_undo(base, gbx_at_slots(at, n));
	free(res);
	free(mp);
	free(frag);
	return (error);
}

/*
 * mmap of shared pages: any run of consecutive shared pages, mapped run of
 * arena pages by run, any number of times.  Pages that had no mapping in
 * this process take their mapping hold (MAPPED) once they are mapped.
 */
static int
gbx_mmap_share(struct gbx_dev *dev, uint64_t page, uint32_t n, int prot,
    const struct gbx_at *at, void **addr)
{
	struct gbx_mapping *mp;
	struct gbx_vmfrag *frag;
	struct gbx_spage *p;
	struct gbx_sblock *b;
	uint32_t i, j;
	void *base;
	int error, fd;

	mp = calloc(1, sizeof(*mp) + (size_t)n * sizeof(mp->pages[0]));
	frag = malloc(sizeof(*frag));
	base = NULL;
	if (mp == NULL || frag == NULL) {
		error = ENOMEM;
		goto fail;
	}
	if ((error = gbx_rec_share_run(&dev->rec, page, n, mp->pages)) != 0 ||
	    (error = gbx_place_reserve(n, at->addr, at->noreplace, &base)) != 0)
		goto fail;
	for (i = 0; i < n; i = j) {
		p = mp->pages[i];
		b = p->block;
		for (j = i + 1; j < n && mp->pages[j]->block == b &&
		     mp->pages[j] - b->pages == (p - b->pages) + (j - i);
		     j++)
			;
		if ((error = gbx_conn_arena_fd(dev->conn, b->arena, false,
			 &fd)) != 0 ||
		    (error = gbx_place_run(base, i, j - i, prot, fd,
			 gbx_spage_arena_page(p))) != 0)
			goto fail;
	}
	for (i = 0; i < n; i++)
		if (gbx_spage_map(mp->pages[i]))
			gbx_pend_add(dev, GBX_MAPPED, mp->pages[i]->ref);
	gbx_pend_flush(dev);
	gbx_vmap_init(&mp->vm, (uintptr_t)base, n, dev);
	mp->vm.guarded = at->addr == NULL;
	mp->dev = dev;
	mp->offset = page << GBX_PAGE_SHIFT;
	gbx_mapping_enter(dev, mp, frag);
	*addr = base;
	return (0);
fail:
	if (base != NULL)
		gbx_place_undo(base, gbx_at_slots(at, n));
	free(mp);
	free(frag);
	return (error);
}

/*
 * mmap: a map must be named exactly (its offset and count); otherwise the
 * offset must start a run of shared pages.  The unified offset space
 * guarantees the two never overlap.
 */
static int
gbx_dev_mmap_common(struct gbx_dev *dev, uint64_t offset, uint32_t count,
    int prot, const struct gbx_at *at, int16_t *status, void **addr)
{
	struct gbx_maprec *m;
	uint64_t page;
	uint32_t i;
	bool filled;
	int error;

	if (!gbx_dev_ours(dev))
		return (EBADF);

	if (count == 0 || count > GBX_COUNT_MAX)
		return (EINVAL);
	filled = false;
	if ((prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC)) != 0 ||
	    gbx_off_to_page(offset, count, &page) != 0 ||
	    ((uintptr_t)at->addr & (PG - 1)) != 0)
		error = EINVAL;
	else {
		(void)pthread_mutex_lock(&dev->lock);
		if ((m = gbx_rec_map_lookup(&dev->rec, page)) != NULL)
			error = m->page != page || m->count != count ?
			    EINVAL :
			    gbx_mmap_map(dev, m, prot, at, status, addr,
				&filled);
		else
			error =
			    gbx_mmap_share(dev, page, count, prot, at, addr);
		(void)pthread_mutex_unlock(&dev->lock);
	}
	if (status != NULL && !filled)
		for (i = 0; i < count; i++)
			status[i] =
			    error == 0 ? GNTST_okay : GNTST_general_error;
	return (error);
}

int
gbx_dev_mmap(struct gbx_dev *dev, uint64_t offset, uint32_t count, int prot,
    int16_t *status, void **addr)
{
	struct gbx_at at = { NULL, false };

	return (
	    gbx_dev_mmap_common(dev, offset, count, prot, &at, status, addr));
}

int
gbx_dev_mmap_at(struct gbx_dev *dev, uint64_t offset, uint32_t count, int prot,
    void *where, bool noreplace, void **addr)
{
	struct gbx_at at = { where, noreplace };

	return (gbx_dev_mmap_common(dev, offset, count, prot, &at, NULL, addr));
}

/* ------------------------------------------------------------------ */
/* munmap.                                                               */

/*
 * The last fragment of a mapping is gone: a map's record is RELEASED (and
 * freed if it already left the offset tree); the mapping leaves the
 * device.  Called with the device lock held.
 */
static void
gbx_mapping_free(struct gbx_dev *dev, struct gbx_mapping *mp)
{
	struct gbx_maprec *m;

	if ((m = mp->rec) != NULL) {
		m->state = GBX_MAP_RELEASED;
		m->mapping = NULL;
		if (!m->in_tree)
			gbx_rec_map_free(m);
	}
	LIST_REMOVE(mp, link);
	atomic_fetch_sub(&gbx_vm_nmappings, 1);
	(void)dev;
	free(mp);
}

/*
 * Account for a piece that is no longer mapped: a map releases exactly
 * the handles of those pages (UNMAP); shared pages drop their mapping hold
 * when this was their last mapping in the process (UNMAPPED), and are
 * freed when they were also given up.  The piece's mapping and device may
 * go with it.
 */
static void
gbx_piece_account(struct gbx_vmfrag *piece)
{
	struct gbx_mapping *mp;
	struct gbx_spage *p;
	struct gbx_dev *dev;
	uint32_t first, n, i;
	bool last;

	mp = (struct gbx_mapping *)(void *)piece->vm;
	dev = mp->dev;
	n = gbx_vmi_piece_pages(piece, &first);
	(void)pthread_mutex_lock(&dev->lock);
	if (n != 0 && mp->is_map && !dev->closing)
		gbx_send_unmap(dev, mp->map_id, first, n);
	else if (n != 0 && !mp->is_map) {
		for (i = 0; i < n; i++) {
			p = mp->pages[first + i];
			if (gbx_spage_unmap(p) && !dev->closing)
				gbx_pend_add(dev, GBX_UNMAPPED, p->ref);
			(void)gbx_spage_reap(p);
		}
		gbx_pend_flush(dev);
	}
	if ((last = gbx_vmi_piece_done(piece)))
		gbx_mapping_free(dev, mp);
	(void)pthread_mutex_unlock(&dev->lock);
	if (last)
		gbx_dev_unref(dev);
}

/* Page-align len and check that [addr, addr + len) does not wrap. */
static int
gbx_range_ok(const void *addr, size_t *len)
{
	uintptr_t a;

	a = (uintptr_t)addr;
	if ((a & (PG - 1)) != 0 || *len == 0 || *len > UINTPTR_MAX - (PG - 1))
		return (EINVAL);
	*len = (*len + PG - 1) & ~(PG - 1);
	if (a > UINTPTR_MAX - *len)
		return (EINVAL);
	return (0);
}

/*
 * The first half of munmap(2) for the preload library: detach whatever of
 * ours lies in the range, from every device, without checking coverage.
 */
int
gbx_vm_unmap_begin(void *addr, size_t len, struct gbx_vmbatch *b)
{
	int error;

	if ((error = gbx_range_ok(addr, &len)) != 0 ||
	    (error = gbx_vmi_batch_init(b)) != 0)
		return (error);
	(void)pthread_mutex_lock(&gbx_vm_lock);
	(void)gbx_vmi_detach(&gbx_vm_index, b, (uintptr_t)addr, len, NULL);
	(void)pthread_mutex_unlock(&gbx_vm_lock);
	return (0);
}

/*
 * Munmap each detached piece (or only what lies beyond the caller's range,
 * when the caller munmapped the range itself), then account for it: the
 * pages are out of reach before gntboxd may release them.
 */
void
gbx_vm_unmap_end(struct gbx_vmbatch *b, bool range_unmapped)
{
	struct gbx_vmfrag *p;
	uintptr_t s, e;

	while ((p = gbx_vmi_batch_pop(b)) != NULL) {
		s = p->start;
		e = s + (uintptr_t)p->nslots * PG;
		if (range_unmapped && s < b->hi)
			s = b->hi;
		if (s < e)
			(void)munmap((void *)s, e - s);
		gbx_piece_account(p);
	}
	gbx_vmi_batch_fini(b);
}

/*
 * gntbox_munmap(): detach the range only if it is entirely pages of this
 * device's mappings (vmindex's strict rule), then munmap and release it.
 */
int
gbx_dev_munmap(struct gbx_dev *dev, void *addr, size_t len)
{
	struct gbx_vmbatch b;
	int error;

	if (!gbx_dev_ours(dev))
		return (EBADF);

	if ((error = gbx_range_ok(addr, &len)) != 0 ||
	    (error = gbx_vmi_batch_init(&b)) != 0)
		return (error);
	(void)pthread_mutex_lock(&gbx_vm_lock);
	error = gbx_vmi_detach(&gbx_vm_index, &b, (uintptr_t)addr, len, dev);
	(void)pthread_mutex_unlock(&gbx_vm_lock);
	gbx_vm_unmap_end(&b, false);
	return (error);
}

/*
 * The map mapped exactly at addr.  What it reports was fixed at mmap time,
 * so the index lock alone protects the answer.
 */
int
gbx_dev_offset_for_vaddr(struct gbx_dev *dev, const void *addr,
    uint64_t *offset, uint32_t *count)
{
	struct gbx_mapping *mp;
	struct gbx_vmap *vm;
	int error;

	error = EINVAL;
	(void)pthread_mutex_lock(&gbx_vm_lock);
	vm = gbx_vmi_find_start(&gbx_vm_index, (uintptr_t)addr);
	mp = (struct gbx_mapping *)(void *)vm;
	if (mp != NULL && mp->is_map && (dev == NULL || vm->owner == dev)) {
		*offset = mp->offset;
		*count = vm->npages;
		error = 0;
	}
	(void)pthread_mutex_unlock(&gbx_vm_lock);
	return (error);
}

/*
 * Linux's GET_OFFSET_FOR_VADDR: the map one of whose pages holds addr, in
 * any device of the process (Linux looks at the VMA, not the file); a
 * mapping split by munmap still reports its whole map.
 */
int
gbx_dev_map_of_vaddr(const void *addr, uint64_t *offset, uint32_t *count)
{
	struct gbx_mapping *mp;
	int error;

	error = EINVAL;
	(void)pthread_mutex_lock(&gbx_vm_lock);
	mp = (struct gbx_mapping *)(void *)gbx_vmi_find(&gbx_vm_index,
	    (uintptr_t)addr);
	if (mp != NULL && mp->is_map) {
		*offset = mp->offset;
		*count = mp->vm.npages;
		error = 0;
	}
	(void)pthread_mutex_unlock(&gbx_vm_lock);
	return (error);
}

/* One relaxed load: munmap's test for a process with no grant mapping. */
bool
gbx_vm_any(void)
{

	return (
	    atomic_load_explicit(&gbx_vm_nmappings, memory_order_relaxed) != 0);
}

/* Whether mremap must look at [addr, addr + len) (the index's lock). */
bool
gbx_vm_intersects(const void *addr, size_t len)
{
	uintptr_t lo, hi;
	bool any;

	lo = (uintptr_t)addr & ~(PG - 1);
	hi = (uintptr_t)addr + len;
	if (hi < lo)
		hi = UINTPTR_MAX;
	(void)pthread_mutex_lock(&gbx_vm_lock);
	any = gbx_vmi_any_in(&gbx_vm_index, lo, hi);
	(void)pthread_mutex_unlock(&gbx_vm_lock);
	return (any);
}

/* ------------------------------------------------------------------ */
/* Unmap notify.                                                         */

/* A request with a header-only reply. */
static int
gbx_simple_call(struct gbx_dev *dev, uint16_t type, const void *body,
    size_t blen)
{
	struct gbx_call call;

	gbx_call_init(&call, type, body, blen, NULL, 0);
	return (gbx_conn_call(dev->conn, &call));
}

/*
 * Set the notify of the shared page or map holding offset.  A shared
 * page's notify is per page and goes to gntboxd at once.  A map's is kept
 * in its record until mmap sends it with MAP (gntboxd has no map object
 * before), and goes with NOTIFY_MAP while mapped.
 */
int
gbx_dev_notify(struct gbx_dev *dev, uint64_t offset, unsigned action,
    uint32_t port)
{
	struct gbx_notify_grant ng;
	struct gbx_notify_map nm;
	struct gbx_notify n;
	struct gbx_maprec *m;
	struct gbx_spage *p;
	uint64_t page;
	int error;

	if (!gbx_dev_ours(dev))
		return (EBADF);

	if ((action & ~(GNTBOX_NOTIFY_CLEAR_BYTE | GNTBOX_NOTIFY_SEND_EVENT)) !=
	    0)
		return (EINVAL);
	memset(&n, 0, sizeof(n));
	n.action = action;
	n.port = port;
	page = offset >> GBX_PAGE_SHIFT;
	error = 0;
	(void)pthread_mutex_lock(&dev->lock);
	if ((p = gbx_rec_share_lookup(&dev->rec, page)) != NULL) {
		memset(&ng, 0, sizeof(ng));
		ng.ref = p->ref;
		ng.notify = n;
		ng.notify.byte = offset & (PG - 1);
		error = gbx_simple_call(dev, GBX_NOTIFY_GRANT, &ng, sizeof(ng));
	} else if ((m = gbx_rec_map_lookup(&dev->rec, page)) != NULL) {
		n.byte = offset - (m->page << GBX_PAGE_SHIFT);
		if (m->state == GBX_MAP_MAPPED) {
			if ((action & GNTBOX_NOTIFY_CLEAR_BYTE) != 0 &&
			    m->readonly)
				error = EINVAL;
			else {
				memset(&nm, 0, sizeof(nm));
				nm.map_id = m->map_id;
				nm.notify = n;
				error = gbx_simple_call(dev, GBX_NOTIFY_MAP,
				    &nm, sizeof(nm));
			}
		}
		if (error == 0)
			m->notify = n;
	} else
		error = ENOENT;
	(void)pthread_mutex_unlock(&dev->lock);
	return (error);
}

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

/* NOTIFY_MAP with map id 0: is port one a SEND_EVENT notify may name? */
int
gbx_dev_check_port(struct gbx_dev *dev, uint32_t port)
{
	struct gbx_notify_map nm;
	int error;

	if (!gbx_dev_ours(dev))
		return (EBADF);
	memset(&nm, 0, sizeof(nm));
	nm.notify.action = GBX_NOTIFY_SEND_EVENT;
	nm.notify.port = port;
	(void)pthread_mutex_lock(&dev->lock);
	error = gbx_simple_call(dev, GBX_NOTIFY_MAP, &nm, sizeof(nm));
	(void)pthread_mutex_unlock(&dev->lock);
	return (error);
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
