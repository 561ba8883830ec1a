/*
 * records.h: what one grant device holds at which offset.
 *
 * Two kinds of record share the device's offset space (offsets.h):
 *
 * - A *map record* for each gntbox_map() call (Linux's gntdev map): the
 *   list of (domain, reference) pairs to map, the page offset and count,
 *   and its unmap notify.  It goes RECORDED -> MAPPED (mmapped once and
 *   whole, which is when gntboxd maps the grants) -> RELEASED (every page
 *   munmapped; it can never be mmapped again).  An mmap that fails leaves
 *   it RECORDED, since nothing stayed mapped.  The record leaves the
 *   offset tree on gntbox_unmap() but lives on while its mapping does.
 *
 * - *Shared pages* (Linux's gntalloc).  Each gntbox_share() call makes a
 *   block of pages, consecutive in one arena, with per-page state: the
 *   grant reference, how many mappings of this process cover the page,
 *   and whether the device still offers it (unshare gives it up).  The
 *   offset tree holds *segments*: runs of pages at consecutive offsets and
 *   consecutive within one block.  Giving up part of a segment splits it,
 *   so a run can be mmapped or given up across share calls, and in parts.
 *   A page leaves its segment when it is given up, and is freed when it is
 *   also unmapped; its block is freed with its last page.
 *
 * Both trees are ordered by first page, and no two records overlap, so
 * finding the record that holds a page is one descent: O(log n).
 *
 * Pure bookkeeping, no I/O and no locking: the device's lock covers it.
 */
#ifndef GNTBOX_CLIENT_RECORDS_H
#define GNTBOX_CLIENT_RECORDS_H

#include <stdbool.h>
#include <stdint.h>

#include "base/tree.h"
#include "proto/proto.h"

enum gbx_map_state {
	GBX_MAP_RECORDED, /* not mmapped yet (or its mmap failed) */
	GBX_MAP_MAPPED,	  /* mmapped; pages may be munmapped one by one */
	GBX_MAP_RELEASED, /* every page munmapped */
};

struct gbx_maprec {
	RB_ENTRY(gbx_maprec) link;
	uint64_t page;		  /* first page in the offset space */
	uint32_t count;		  /* pages (and grants) */
	uint32_t map_id;	  /* gntboxd's map object while MAPPED */
	enum gbx_map_state state; /* see above */
	bool in_tree;		  /* holds its offsets (not unmapped yet) */
	bool readonly;		  /* mmapped without PROT_WRITE */
	struct gbx_notify notify; /* byte is relative to the map */
	void *mapping;		  /* the device's mapping while MAPPED */
	struct gbx_grant_ref refs[];
};

struct gbx_sblock;

struct gbx_spage {
	uint32_t ref;		  /* the grant */
	uint32_t nmaps;		  /* mappings of this process covering it */
	bool shared;		  /* still offered by the device */
	struct gbx_sblock *block; /* the share call it came from */
};

struct gbx_sblock {
	uint32_t arena;	     /* arena holding the pages */
	uint32_t count;	     /* pages */
	uint64_t arena_page; /* arena page of pages[0] */
	uint32_t live;	     /* pages not freed yet */
	uint32_t pad;
	struct gbx_spage pages[];
};

struct gbx_sseg {
	RB_ENTRY(gbx_sseg) link;
	uint64_t page;		 /* first page in the offset space */
	uint32_t count;		 /* pages */
	struct gbx_spage *first; /* its first page (inside a block) */
};

RB_HEAD(gbx_maptree, gbx_maprec);
RB_HEAD(gbx_segtree, gbx_sseg);

struct gbx_records {
	struct gbx_maptree maps;
	struct gbx_segtree segs;
	uint64_t nmaps;	 /* map records in the tree */
	uint64_t nsegs;	 /* segments in the tree */
	uint64_t npages; /* shared pages in the tree */
};

void gbx_rec_init(struct gbx_records *r);

/* ---- Map records. ---- */

/*
 * A new RECORDED map record of count grants (count must be 1 ..
 * GBX_COUNT_MAX; the caller checked), not in the tree.  NULL on ENOMEM.
 */
struct gbx_maprec *gbx_rec_map_new(uint32_t count,
    const struct gbx_grant_ref *refs);
void gbx_rec_map_free(struct gbx_maprec *m);

/* Add m, whose page the caller allocated, to the tree. */
void gbx_rec_map_insert(struct gbx_records *r, struct gbx_maprec *m);
void gbx_rec_map_remove(struct gbx_records *r, struct gbx_maprec *m);

/* The map record starting at page with count pages (0: any count). */
struct gbx_maprec *gbx_rec_map_find(const struct gbx_records *r, uint64_t page,
    uint32_t count);

/* The map record whose pages include page. */
struct gbx_maprec *gbx_rec_map_lookup(const struct gbx_records *r,
    uint64_t page);

/* The map record with the lowest offset, or NULL (to empty the tree). */
struct gbx_maprec *gbx_rec_map_first(const struct gbx_records *r);

/* ---- Shared pages. ---- */

/*
 * A block of count shared pages, pages[i] granted as refs[i] and held at
 * arena page arena_page + i.  NULL on ENOMEM.
 */
struct gbx_sblock *gbx_sblock_new(uint32_t arena, uint64_t arena_page,
    uint32_t count, const uint32_t *refs);

/* The arena page of p. */
uint64_t gbx_spage_arena_page(const struct gbx_spage *p);

/*
 * Offer the whole block at pages page .. page + count - 1 (the caller
 * allocated them).  Returns 0 or ENOMEM (nothing changed).
 */
int gbx_rec_share_insert(struct gbx_records *r, uint64_t page,
    struct gbx_sblock *b);

/*
 * The lowest segment's first page and page count, to empty the tree.
 * Returns false when there is none.
 */
bool gbx_rec_share_first(const struct gbx_records *r, uint64_t *page,
    uint32_t *count);

/* The shared page at page, or NULL. */
struct gbx_spage *gbx_rec_share_lookup(const struct gbx_records *r,
    uint64_t page);

/*
 * Check that pages page .. page + count - 1 are all shared pages of the
 * device (segments may come from different share calls) and, when out is
 * not NULL, store them in out[0 .. count - 1].  Returns 0 or EINVAL.
 */
int gbx_rec_share_run(const struct gbx_records *r, uint64_t page,
    uint32_t count, struct gbx_spage **out);

/*
 * Give up pages page .. page + count - 1, which must all be shared pages
 * (EINVAL otherwise, and nothing changes).  They leave the tree and lose
 * `shared`; fn is called on each, in order, after which the caller may
 * free it (gbx_spage_reap).  Splitting a segment in the middle needs one
 * new segment: *spare should point to a preallocated one, which is
 * consumed (*spare set to NULL) when used.  Returns 0, EINVAL, or ENOMEM
 * when the split was needed and *spare was NULL (nothing changed then).
 */
int gbx_rec_share_remove(struct gbx_records *r, uint64_t page, uint32_t count,
    struct gbx_sseg **spare, void (*fn)(void *arg, struct gbx_spage *p),
    void *arg);

/*
 * Per-page mapping counts.  gbx_spage_map() counts one more mapping and
 * returns true when it is the page's first in this process (the device
 * then sends MAPPED); gbx_spage_unmap() counts one fewer and returns true
 * when it was the last (UNMAPPED).
 */
bool gbx_spage_map(struct gbx_spage *p);
bool gbx_spage_unmap(struct gbx_spage *p);

/*
 * Free p when it is neither shared nor mapped, and its block with its
 * last page.  Returns true when p was freed (p must not be used again).
 */
bool gbx_spage_reap(struct gbx_spage *p);

#endif /* GNTBOX_CLIENT_RECORDS_H */
