/*
 * gnttab.c: grant table storage and reference allocation.
 *
 * The table is an array of frame pointers sized for the limit, with frames
 * of 512 entries allocated as the lowest free reference reaches them.  A
 * frame is never freed before the domain is (Xen does not shrink a grant
 * table either), so entry pointers are stable.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hv/gnttab.h"

int
gnttab_init(struct gnttab *gt, struct hv_domain *d, uint32_t max_frames)
{
	int error;

	memset(gt, 0, sizeof(*gt));
	if (max_frames == 0)
		return (EINVAL);
	gt->dom = d;
	gt->max_frames = max_frames;
	if ((gt->frames = calloc(max_frames, sizeof(*gt->frames))) == NULL)
		return (ENOMEM);
	if ((gt->frames[0] = calloc(GT_PER_FRAME, sizeof(**gt->frames))) ==
	    NULL) {
		free(gt->frames);
		return (ENOMEM);
	}
	gt->nframes = 1;
	error = ra_init(&gt->refs, GNTTAB_NR_RESERVED_ENTRIES,
	    (uint64_t)max_frames * GT_PER_FRAME - 1);
	if (error != 0) {
		free(gt->frames[0]);
		free(gt->frames);
	}
	return (error);
}

void
gnttab_fini(struct gnttab *gt)
{
	uint32_t i;

	for (i = 0; i < gt->nframes; i++)
		free(gt->frames[i]);
	free(gt->frames);
	ra_destroy(&gt->refs);
	memset(gt, 0, sizeof(*gt));
}

uint32_t
gnttab_nr_entries(const struct gnttab *gt)
{

	return (gt->nframes * GT_PER_FRAME);
}

uint32_t
gnttab_max_entries(const struct gnttab *gt)
{

	return (gt->max_frames * GT_PER_FRAME);
}

struct hv_grant *
gnttab_entry(const struct gnttab *gt, uint32_t ref)
{

	if (ref >= gnttab_nr_entries(gt))
		return (NULL);
	return (&gt->frames[ref / GT_PER_FRAME][ref % GT_PER_FRAME]);
}

/*
 * Make sure the frame holding ref exists.  Frames below it exist already:
 * references are handed out lowest first, so the table grows one frame at
 * a time.
 */
static int
gnttab_grow(struct gnttab *gt, uint32_t ref)
{
	struct hv_grant *f;

	while (ref >= gnttab_nr_entries(gt)) {
		if ((f = calloc(GT_PER_FRAME, sizeof(*f))) == NULL)
			return (ENOMEM);
		gt->frames[gt->nframes++] = f;
	}
	return (0);
}

int
gnttab_alloc(struct gnttab *gt, uint32_t count, uint32_t *refs)
{
	struct hv_grant *g;
	uint64_t r;
	uint32_t i;
	int error;

	if (count == 0)
		return (EINVAL);
	if (gnttab_max_entries(gt) - GNTTAB_NR_RESERVED_ENTRIES - gt->nused <
	    count)
		return (ENOSPC);
	for (i = 0; i < count; i++) {
		if ((error = ra_alloc(&gt->refs, 1, &r)) != 0)
			goto fail;
		if ((error = gnttab_grow(gt, (uint32_t)r)) != 0) {
			(void)ra_free(&gt->refs, r, 1);
			goto fail;
		}
		refs[i] = (uint32_t)r;
		g = gnttab_entry(gt, refs[i]);
		memset(g, 0, sizeof(*g));
		g->ref = refs[i];
		g->dom = gt->dom;
		gt->nused++;
	}
	return (0);
fail:
	while (i > 0)
		gnttab_free(gt, refs[--i]);
	return (error == ENOSPC ? ENOSPC : ENOMEM);
}

void
gnttab_free(struct gnttab *gt, uint32_t ref)
{
	struct hv_grant *g;

	g = gnttab_entry(gt, ref);
	memset(g, 0, sizeof(*g));
	(void)ra_free(&gt->refs, ref, 1);
	gt->nused--;
}
