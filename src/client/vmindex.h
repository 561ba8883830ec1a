/*
 * vmindex.h: which addresses of this process hold grant device mappings.
 *
 * Every successful gntbox_mmap() makes a *mapping* (struct gbx_vmap) of
 * npages pages followed by one inaccessible guard page: npages + 1
 * *slots*, slot npages being the guard.  A mapping can be munmapped in any
 * parts, as the kernel splits a VMA, so the index holds *fragments*: runs
 * of consecutive slots of one mapping that are still mapped.  One RB tree,
 * ordered by address, holds the fragments of every mapping of every
 * device in the process, because the preload library must resolve an
 * arbitrary munmap(addr, len) to the mappings it covers in O(log n + k).
 *
 * Unmapping a range *detaches* it: the parts of fragments inside it leave
 * the tree and become *pieces* in a batch, which the device layer then
 * munmaps and accounts for (releasing exactly the grants of those pages).
 * The guard page goes with its mapping's last page: a piece that takes
 * slot npages - 1 also takes the guard when it is still there.  Detaching
 * never allocates beyond two spare fragments that the batch holds in
 * advance, so once a batch is prepared an unmap cannot fail for memory.
 *
 * A mapping lives as long as any of its fragments, in the tree or as a
 * detached piece: `refs` counts them, and the piece that drops it to zero
 * tells its caller to free the mapping.
 *
 * Pure bookkeeping: no system calls and no locking (gntdev_mmap.c
 * serialises the process-wide index with its own mutex).
 */
#ifndef GNTBOX_CLIENT_VMINDEX_H
#define GNTBOX_CLIENT_VMINDEX_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/tree.h"

struct gbx_vmfrag;

struct gbx_vmap {
	uintptr_t base;	   /* address of slot 0 */
	uint32_t npages;   /* real pages; slot npages is the guard */
	uint32_t live;	   /* real pages still in the index */
	bool guarded;	   /* from the reservation, with a guard slot */
	bool guard;	   /* the guard slot is still in the index */
	const void *owner; /* the device that made the mapping */
	atomic_uint refs;  /* fragments alive, in the tree or detached */
	LIST_HEAD(, gbx_vmfrag) frags; /* its fragments in the tree */
};

struct gbx_vmfrag {
	RB_ENTRY(gbx_vmfrag) link;     /* in the index */
	LIST_ENTRY(gbx_vmfrag) mlink;  /* in its mapping's list */
	SLIST_ENTRY(gbx_vmfrag) blink; /* in a batch, once detached */
	uintptr_t start;	       /* address of its first slot */
	uint32_t first;		       /* its first slot */
	uint32_t nslots;	       /* slots */
	struct gbx_vmap *vm;
};

RB_HEAD(gbx_vmtree, gbx_vmfrag);

struct gbx_vmindex {
	struct gbx_vmtree tree;
	uint64_t nfrags; /* fragments in the tree */
};

struct gbx_vmbatch {
	SLIST_HEAD(, gbx_vmfrag) pieces; /* detached, in address order */
	struct gbx_vmfrag *spare[2];	 /* for splitting fragments */
	uintptr_t lo, hi;		 /* the range detached [lo, hi) */
};

void gbx_vmi_init(struct gbx_vmindex *vi);

/*
 * Describe a mapping of npages pages (plus its guard) at base, made by
 * owner.  It is not in the index yet.  A mapping placed where the program
 * asked has no guard (nor comes from the reservation of place.h): the
 * caller clears `guarded` before the insert.
 */
void gbx_vmap_init(struct gbx_vmap *vm, uintptr_t base, uint32_t npages,
    const void *owner);

/*
 * Enter vm into the index as one fragment, using the caller's frag, and
 * count that fragment as vm's first reference.  The range must be free in
 * the index (it is: the kernel just gave it to us).
 */
void gbx_vmi_insert(struct gbx_vmindex *vi, struct gbx_vmap *vm,
    struct gbx_vmfrag *frag);

/* Prepare an empty batch with its two spares.  Returns 0 or ENOMEM. */
int gbx_vmi_batch_init(struct gbx_vmbatch *b);

/* Free the spares a batch did not use; its pieces must be gone. */
void gbx_vmi_batch_fini(struct gbx_vmbatch *b);

/*
 * Detach the slots inside [addr, addr + len) (page aligned; the caller
 * checked that the sum does not wrap) into b.
 *
 * With owner NULL, whatever slots of any mapping lie in the range are
 * detached (the preload library's munmap of an arbitrary range).  With an
 * owner, every page of the range must be a live page of a mapping of that
 * owner, guard pages excluded, or nothing is detached and EINVAL is
 * returned (gntbox_munmap's check).  Returns 0 or EINVAL.
 */
int gbx_vmi_detach(struct gbx_vmindex *vi, struct gbx_vmbatch *b,
    uintptr_t addr, size_t len, const void *owner);

/* Detach every remaining fragment of vm into b. */
void gbx_vmi_detach_all(struct gbx_vmindex *vi, struct gbx_vmap *vm,
    struct gbx_vmbatch *b);

/* The next piece of b, removed from it, or NULL. */
struct gbx_vmfrag *gbx_vmi_batch_pop(struct gbx_vmbatch *b);

/*
 * The real pages of a piece: its first page index in the mapping and how
 * many (possibly 0 for a lone guard page).
 */
uint32_t gbx_vmi_piece_pages(const struct gbx_vmfrag *p, uint32_t *first);

/*
 * Free a piece once it has been munmapped and accounted for.  Returns true
 * when it was its mapping's last fragment: the caller frees the mapping.
 */
bool gbx_vmi_piece_done(struct gbx_vmfrag *p);

/*
 * Take every fragment of the mappings pred selects out of the index, and
 * leave them allocated: after fork() the child has neither the pages of
 * a map (MADV_DONTFORK) nor a safe way to free what they belong to, and
 * the kernel may place new mappings at those addresses.
 */
void gbx_vmi_purge(struct gbx_vmindex *vi,
    bool (*pred)(const struct gbx_vmap *vm));

/*
 * The mapping whose first page is mapped at addr (exactly its start), or
 * NULL.
 */
struct gbx_vmap *gbx_vmi_find_start(const struct gbx_vmindex *vi,
    uintptr_t addr);

/* Whether any slot of any mapping lies in [lo, hi). */
bool gbx_vmi_any_in(struct gbx_vmindex *vi, uintptr_t lo, uintptr_t hi);

/*
 * The mapping one of whose pages, still in the index, holds addr (guard
 * pages excluded), or NULL.
 */
struct gbx_vmap *gbx_vmi_find(const struct gbx_vmindex *vi, uintptr_t addr);

#endif /* GNTBOX_CLIENT_VMINDEX_H */
