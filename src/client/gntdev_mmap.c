/*
 * gntdev_mmap.c: mapping a grant device's pages (gntdev.h): mmap, with
 * its one round trip for a map, munmap, and the process-wide address
 * index that resolves any range to the mappings it covers.
 */
#include <sys/mman.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <xen/grant_table.h>

#include "client/gntdev_internal.h"
#include "client/place.h"

/* The process-wide address index and its lock (gntdev.h, "Locking"). */
pthread_mutex_t gbx_vm_lock = PTHREAD_MUTEX_INITIALIZER;
struct gbx_vmindex gbx_vm_index = { RB_INITIALIZER(&gbx_vm_index.tree), 0 };

/* The mappings of the process, all devices together (gbx_vm_any). */
static atomic_uint gbx_vm_nmappings;

/* ------------------------------------------------------------------ */
/* mmap.                                                                 */

/*
 * Where a new mapping goes: in its pool of the reservation, followed by a
 * guard page (addr NULL), or exactly at addr without a guard (the preload
 * library's mmap(MAP_FIXED), or MAP_FIXED_NOREPLACE with noreplace).
 * place.h tells the rest.
 */
struct gbx_at {
	void *addr;
	bool noreplace;
};

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
	struct gbx_place pl;
	struct gbx_call call;
	uint32_t i, j, n;
	bool ro, placed;
	int error, fd;

	if (m->state != GBX_MAP_RECORDED)
		return (EINVAL);
	n = m->count;
	ro = (prot & PROT_WRITE) == 0;
	placed = false;
	res = calloc(n, sizeof(*res));
	mp = calloc(1, sizeof(*mp));
	frag = malloc(sizeof(*frag));
	if (res == NULL || mp == NULL || frag == NULL) {
		error = ENOMEM;
		goto fail;
	}
	if ((error = gbx_place_get(&pl, GBX_POOL_MAP, n, at->addr,
		 at->noreplace)) != 0)
		goto fail;
	placed = true;
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
			 &fd)) == 0) {
			error =
			    gbx_place_run(&pl, i, j - i, prot, fd, res[i].page);
			gbx_conn_arena_unpin(dev->conn, res[i].arena);
		}
		if (error != 0) {
			/*
			 * Out of reach before gntboxd lets the grants go (a
			 * failed MAP_FIXED may have unmapped its range too).
			 */
			gbx_place_put(&pl, true);
			placed = false;
			gbx_send_unmap(dev, rep.map_id, 0, n);
			goto fail;
		}
	}
	/*
	 * As Linux PV does, a fork()ed child does not inherit a map: the
	 * fork handlers mark the map pool (place.h); a map placed where the
	 * program asked carries the mark itself.
	 */
	if (!pl.pooled)
		(void)madvise(pl.base, (size_t)n * PG, MADV_DONTFORK);
	if (status != NULL)
		for (i = 0; i < n; i++)
			status[i] = GNTST_okay;
	*filled = true;
	gbx_vmap_init(&mp->vm, (uintptr_t)pl.base, n, dev);
	mp->vm.guarded = pl.pooled;
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
	*addr = pl.base;
	return (0);
fail:
	if (placed)
		gbx_place_put(&pl, false);
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
	struct gbx_place pl;
	uint32_t i, j;
	bool placed;
	int error, fd;

	mp = calloc(1, sizeof(*mp) + (size_t)n * sizeof(mp->pages[0]));
	frag = malloc(sizeof(*frag));
	placed = false;
	if (mp == NULL || frag == NULL) {
		error = ENOMEM;
		goto fail;
	}
	if ((error = gbx_rec_share_run(&dev->rec, page, n, mp->pages)) != 0 ||
	    (error = gbx_place_get(&pl, GBX_POOL_SHARE, n, at->addr,
		 at->noreplace)) != 0)
		goto fail;
	placed = true;
	for (i = 0; i < n; i = j) {
		p = mp->pages[i];
		b = p->block;
		for (j = i + 1; j < n && mp->pages[j]->block == b &&
		     mp->pages[j] - b->pages == (p - b->pages) + (j - i);
		     j++)
			;
		if ((error = gbx_conn_arena_fd(dev->conn, b->arena, false,
			 &fd)) != 0)
			goto fail;
		error = gbx_place_run(&pl, i, j - i, prot, fd,
		    gbx_spage_arena_page(p));
		gbx_conn_arena_unpin(dev->conn, b->arena);
		if (error != 0)
			goto fail;
	}
	for (i = 0; i < n; i++)
		if (gbx_spage_map(mp->pages[i]))
			gbx_pend_add(dev, GBX_MAPPED, mp->pages[i]->ref);
	gbx_pend_flush(dev);
	gbx_vmap_init(&mp->vm, (uintptr_t)pl.base, n, dev);
	mp->vm.guarded = pl.pooled;
	mp->dev = dev;
	mp->offset = page << GBX_PAGE_SHIFT;
	gbx_mapping_enter(dev, mp, frag);
	*addr = pl.base;
	return (0);
fail:
	/* Only the runs fail once placed: restore the whole placement. */
	if (placed)
		gbx_place_put(&pl, true);
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

/* Detach every mapping of dev, for gbx_dev_close(). */
void
gbx_mapping_detach_all(struct gbx_dev *dev, struct gbx_vmbatch *b)
{
	struct gbx_mapping *mp;

	(void)pthread_mutex_lock(&gbx_vm_lock);
	LIST_FOREACH(mp, &dev->mappings, link)
		gbx_vmi_detach_all(&gbx_vm_index, &mp->vm, b);
	(void)pthread_mutex_unlock(&gbx_vm_lock);
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
 * Take each detached piece out of reach, then account for it: the pages
 * are gone before gntboxd may release them.  A piece from the reservation
 * goes back to PROT_NONE with one mmap, whatever the caller did (its
 * munmap left reserved space alone, and what its MAP_FIXED replaced was
 * excised first, which gbx_place_release() skips).  Any other piece is
 * munmapped, or only beyond the caller's range when the caller's own call
 * took care of the range.
 */
void
gbx_vm_unmap_end(struct gbx_vmbatch *b, bool range_unmapped)
{
	struct gbx_vmfrag *p;
	uintptr_t s, e;

	while ((p = gbx_vmi_batch_pop(b)) != NULL) {
		s = p->start;
		e = s + (uintptr_t)p->nslots * PG;
		if (p->vm->guarded)
			gbx_place_release((void *)s, e - s);
		else {
			if (range_unmapped && s < b->hi)
				s = b->hi;
			if (s < e)
				(void)munmap((void *)s, e - s);
		}
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
