/*
 * maptrack.c: maptrack handle allocation and storage.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hv/maptrack.h"

int
maptrack_init(struct maptrack *mt, uint32_t limit)
{
	int error;

	memset(mt, 0, sizeof(*mt));
	if (limit == 0)
		return (EINVAL);
	mt->limit = limit;
	mt->nslots = (limit + MT_PER_FRAME - 1) / MT_PER_FRAME;
	if ((mt->frames = calloc(mt->nslots, sizeof(*mt->frames))) == NULL)
		return (ENOMEM);
	if ((error = ra_init(&mt->free, 0, limit - 1)) != 0) {
		free(mt->frames);
		mt->frames = NULL;
	}
	return (error);
}

void
maptrack_fini(struct maptrack *mt)
{
	uint32_t i;

	for (i = 0; i < mt->nslots; i++)
		free(mt->frames[i]);
	free(mt->frames);
	ra_destroy(&mt->free);
	memset(mt, 0, sizeof(*mt));
}

struct hv_mt *
maptrack_entry(const struct maptrack *mt, uint32_t handle)
{
	struct hv_mt *f;

	if (handle >= mt->limit)
		return (NULL);
	if ((f = mt->frames[handle / MT_PER_FRAME]) == NULL)
		return (NULL);
	return (&f[handle % MT_PER_FRAME]);
}

int
maptrack_get(struct maptrack *mt, uint32_t *handle)
{
	struct hv_mt **slot, *e;
	uint64_t h;
	int error;

	if ((error = ra_alloc(&mt->free, 1, &h)) != 0)
		return (error);
	slot = &mt->frames[h / MT_PER_FRAME];
	if (*slot == NULL &&
	    (*slot = calloc(MT_PER_FRAME, sizeof(**slot))) == NULL) {
		(void)ra_free(&mt->free, h, 1);
		return (ENOMEM);
	}
	e = &(*slot)[h % MT_PER_FRAME];
	memset(e, 0, sizeof(*e));
	e->handle = (uint32_t)h;
	mt->nused++;
	*handle = (uint32_t)h;
	return (0);
}

void
maptrack_put(struct maptrack *mt, uint32_t handle)
{
	struct hv_mt *e;

	e = maptrack_entry(mt, handle);
	memset(e, 0, sizeof(*e));
	(void)ra_free(&mt->free, handle, 1);
	mt->nused--;
}
