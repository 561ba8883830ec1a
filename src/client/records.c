/*
 * records.c: map records and shared pages by offset (records.h).
 *
 * Records never overlap, so the record holding a page is the one with the
 * greatest first page not above it, provided it reaches that far: a floor
 * search in the RB tree.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/rbfloor.h"
#include "client/records.h"

static int
gbx_maprec_cmp(const struct gbx_maprec *a, const struct gbx_maprec *b)
{

	if (a->page < b->page)
		return (-1);
	return (a->page > b->page);
}

static int
gbx_sseg_cmp(const struct gbx_sseg *a, const struct gbx_sseg *b)
{

	if (a->page < b->page)
		return (-1);
	return (a->page > b->page);
}

RB_GENERATE_STATIC_UNUSED(gbx_maptree, gbx_maprec, link, gbx_maprec_cmp)
RB_GENERATE_STATIC_UNUSED(gbx_segtree, gbx_sseg, link, gbx_sseg_cmp)
GBX_RB_FLOOR(gbx_map_floor, gbx_maptree, gbx_maprec, link, page, uint64_t)
GBX_RB_FLOOR(gbx_seg_floor, gbx_segtree, gbx_sseg, link, page, uint64_t)

void
gbx_rec_init(struct gbx_records *r)
{

	memset(r, 0, sizeof(*r));
	RB_INIT(&r->maps);
	RB_INIT(&r->segs);
}

/* ------------------------------------------------------------------ */
/* Map records.                                                          */

struct gbx_maprec *
gbx_rec_map_new(uint32_t count, const struct gbx_grant_ref *refs)
{
	struct gbx_maprec *m;

	m = calloc(1, sizeof(*m) + (size_t)count * sizeof(m->refs[0]));
	if (m == NULL)
		return (NULL);
	m->count = count;
	m->state = GBX_MAP_RECORDED;
	memcpy(m->refs, refs, (size_t)count * sizeof(m->refs[0]));
	return (m);
}

void
gbx_rec_map_free(struct gbx_maprec *m)
{

	free(m);
}

void
gbx_rec_map_insert(struct gbx_records *r, struct gbx_maprec *m)
{

	RB_INSERT(gbx_maptree, &r->maps, m);
	m->in_tree = true;
	r->nmaps++;
}

void
gbx_rec_map_remove(struct gbx_records *r, struct gbx_maprec *m)
{

	RB_REMOVE(gbx_maptree, &r->maps, m);
	m->in_tree = false;
	r->nmaps--;
}

struct gbx_maprec *
gbx_rec_map_find(const struct gbx_records *r, uint64_t page, uint32_t count)
{
	struct gbx_maprec *m;

	m = gbx_map_floor(&r->maps, page);
	if (m == NULL || m->page != page || (count != 0 && m->count != count))
		return (NULL);
	return (m);
}

struct gbx_maprec *
gbx_rec_map_lookup(const struct gbx_records *r, uint64_t page)
{
	struct gbx_maprec *m;

	m = gbx_map_floor(&r->maps, page);
	if (m == NULL || page - m->page >= m->count)
		return (NULL);
	return (m);
}

struct gbx_maprec *
gbx_rec_map_first(const struct gbx_records *r)
{

	return (RB_MIN(gbx_maptree, (struct gbx_maptree *)&r->maps));
}

/* ------------------------------------------------------------------ */
/* Shared pages.                                                         */

struct gbx_sblock *
gbx_sblock_new(uint32_t arena, uint64_t arena_page, uint32_t count,
    const uint32_t *refs)
{
	struct gbx_sblock *b;
	uint32_t i;

	b = calloc(1, sizeof(*b) + (size_t)count * sizeof(b->pages[0]));
	if (b == NULL)
		return (NULL);
	b->arena = arena;
	b->arena_page = arena_page;
	b->count = count;
	b->live = count;
	for (i = 0; i < count; i++) {
		b->pages[i].ref = refs[i];
		b->pages[i].shared = true;
		b->pages[i].block = b;
	}
	return (b);
}

uint64_t
gbx_spage_arena_page(const struct gbx_spage *p)
{

	return (p->block->arena_page + (uint64_t)(p - p->block->pages));
}

int
gbx_rec_share_insert(struct gbx_records *r, uint64_t page, struct gbx_sblock *b)
{
	struct gbx_sseg *s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return (ENOMEM);
	s->page = page;
	s->count = b->count;
	s->first = &b->pages[0];
	RB_INSERT(gbx_segtree, &r->segs, s);
	r->nsegs++;
	r->npages += b->count;
	return (0);
}

bool
gbx_rec_share_first(const struct gbx_records *r, uint64_t *page,
    uint32_t *count)
{
	struct gbx_sseg *s;

	if ((s = RB_MIN(gbx_segtree, (struct gbx_segtree *)&r->segs)) == NULL)
		return (false);
	*page = s->page;
	*count = s->count;
	return (true);
}

/* The segment holding page, or NULL. */
static struct gbx_sseg *
gbx_seg_lookup(const struct gbx_records *r, uint64_t page)
{
	struct gbx_sseg *best;

	best = gbx_seg_floor(&r->segs, page);
	if (best == NULL || page - best->page >= best->count)
		return (NULL);
	return (best);
}

struct gbx_spage *
gbx_rec_share_lookup(const struct gbx_records *r, uint64_t page)
{
	struct gbx_sseg *s;

	if ((s = gbx_seg_lookup(r, page)) == NULL)
		return (NULL);
	return (s->first + (page - s->page));
}

/*
 * Walk the segments covering page .. page + count - 1, which must follow
 * each other without a gap; store the pages in out when it is not NULL.
 * O(log n) for the first segment, then one step per further segment.
 */
int
gbx_rec_share_run(const struct gbx_records *r, uint64_t page, uint32_t count,
    struct gbx_spage **out)
{
	struct gbx_sseg *s;
	uint64_t at, n, i, skip, done;

	if (count == 0 || (s = gbx_seg_lookup(r, page)) == NULL)
		return (EINVAL);
	for (done = 0, at = page;;) {
		skip = at - s->page;
		n = s->count - skip;
		if (n > count - done)
			n = count - done;
		if (out != NULL)
			for (i = 0; i < n; i++)
				out[done + i] = s->first + skip + i;
		done += n;
		at += n;
		if (done == count)
			return (0);
		/* The next segment must start right where this one ends. */
		s = RB_NEXT(gbx_segtree, &r->segs, s);
		if (s == NULL || s->page != at)
			return (EINVAL);
	}
}

/*
 * Take pages out of the run, segment by segment.  The first segment may
 * keep a head and the last a tail; when both are the same segment, the
 * tail becomes the spare segment.  Checked first, so nothing changes on
 * EINVAL or ENOMEM.
 */
int
gbx_rec_share_remove(struct gbx_records *r, uint64_t page, uint32_t count,
    struct gbx_sseg **spare, void (*fn)(void *arg, struct gbx_spage *p),
    void *arg)
{
	struct gbx_sseg *s, *next, *tail;
	struct gbx_spage *first;
	uint64_t at, skip, n, i, done, keep;

	if (gbx_rec_share_run(r, page, count, NULL) != 0)
		return (EINVAL);
	s = gbx_seg_lookup(r, page);
	/* A run strictly inside one segment cuts it in two. */
	if (page != s->page && count < s->count - (page - s->page) &&
	    *spare == NULL)
		return (ENOMEM);
	for (done = 0, at = page; done < count; s = next) {
		next = RB_NEXT(gbx_segtree, &r->segs, s);
		skip = at - s->page;
		n = s->count - skip;
		if (n > count - done)
			n = count - done;
		keep = s->count - skip - n; /* pages after the run */
		first = s->first + skip;
		if (keep != 0) {
			if (skip != 0) {
				/* A middle cut: the tail needs a segment. */
				tail = *spare;
				*spare = NULL;
				tail->page = at + n;
				tail->count = (uint32_t)keep;
				tail->first = first + n;
				s->count = (uint32_t)skip;
				RB_INSERT(gbx_segtree, &r->segs, tail);
				r->nsegs++;
			} else {
				/* The key changes, but not the order. */
				s->page += n;
				s->count -= (uint32_t)n;
				s->first += n;
			}
		} else if (skip != 0)
			s->count = (uint32_t)skip;
		else {
			RB_REMOVE(gbx_segtree, &r->segs, s);
			r->nsegs--;
			free(s);
		}
		r->npages -= n;
		done += n;
		at += n;
		for (i = 0; i < n; i++) {
			/* fn may free the page and its block: read nothing after. */
			first[i].shared = false;
			fn(arg, &first[i]);
		}
	}
	return (0);
}

bool
gbx_spage_map(struct gbx_spage *p)
{

	return (p->nmaps++ == 0);
}

bool
gbx_spage_unmap(struct gbx_spage *p)
{

	return (--p->nmaps == 0);
}

bool
gbx_spage_reap(struct gbx_spage *p)
{
	struct gbx_sblock *b;

	if (p->shared || p->nmaps != 0)
		return (false);
	b = p->block;
	p->block = NULL;
	if (--b->live == 0)
		free(b);
	return (true);
}
