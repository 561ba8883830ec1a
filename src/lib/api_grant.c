/*
 * api_grant.c: the grant device half of include/gntbox.h.
 *
 * A gntbox_t is a grant device (client/gntdev.h); each function here checks the
 * handle, calls the device and turns its errno value into the -1 / errno
 * convention of the public API.
 */
#include <errno.h>
#include <stdlib.h>

#include "client/gntdev.h"
#include "gntbox.h"
#include "lib/result.h"
#include "proto/proto.h"

struct gntbox {
	struct gbx_dev *dev;
};

GNTBOX_API gntbox_t *
gntbox_open(int domid)
{
	struct gntbox *h;
	int error;

	if ((h = calloc(1, sizeof(*h))) == NULL)
		return (NULL);
	if ((error = gbx_dev_open(domid, &h->dev)) != 0) {
		free(h);
		errno = error;
		return (NULL);
	}
	return (h);
}

GNTBOX_API int
gntbox_close(gntbox_t *h)
{

	if (h == NULL)
		return (gbx_ret(EINVAL));
	gbx_dev_close(h->dev);
	free(h);
	return (0);
}

GNTBOX_API int
gntbox_domid(const gntbox_t *h)
{

	if (h == NULL)
		return (gbx_ret(EINVAL));
	return (gbx_dev_domid(h->dev));
}

GNTBOX_API int
gntbox_share(gntbox_t *h, uint32_t domid, uint32_t count, unsigned flags,
    uint32_t *refs, uint64_t *offset)
{

	if (h == NULL)
		return (gbx_ret(EINVAL));
	return (
	    gbx_ret(gbx_dev_share(h->dev, domid, count, flags, refs, offset)));
}

GNTBOX_API int
gntbox_unshare(gntbox_t *h, uint64_t offset, uint32_t count)
{

	if (h == NULL)
		return (gbx_ret(EINVAL));
	return (gbx_ret(gbx_dev_unshare(h->dev, offset, count)));
}

GNTBOX_API int
gntbox_map(gntbox_t *h, uint32_t count, const struct gntbox_grant_ref *refs,
    unsigned flags, uint64_t *offset)
{

	if (h == NULL)
		return (gbx_ret(EINVAL));
	return (gbx_ret(gbx_dev_map(h->dev, count, refs, flags, offset)));
}

GNTBOX_API int
gntbox_unmap(gntbox_t *h, uint64_t offset, uint32_t count)
{

	if (h == NULL)
		return (gbx_ret(EINVAL));
	return (gbx_ret(gbx_dev_unmap(h->dev, offset, count)));
}

GNTBOX_API void *
gntbox_mmap(gntbox_t *h, uint64_t offset, uint32_t count, int prot,
    int16_t *status)
{
	void *addr;
	int error;

	if (h == NULL) {
		errno = EINVAL;
		return (NULL);
	}
	error = gbx_dev_mmap(h->dev, offset, count, prot, status, &addr);
	if (error != 0) {
		errno = error;
		return (NULL);
	}
	return (addr);
}

GNTBOX_API int
gntbox_munmap(gntbox_t *h, void *addr, uint32_t count)
{

	if (h == NULL || count == 0)
		return (gbx_ret(EINVAL));
	return (gbx_ret(
	    gbx_dev_munmap(h->dev, addr, (size_t)count * GBX_PAGE_SIZE)));
}

GNTBOX_API int
gntbox_offset_for_vaddr(gntbox_t *h, const void *addr, uint64_t *offset,
    uint32_t *count)
{

	if (h == NULL || offset == NULL || count == NULL)
		return (gbx_ret(EINVAL));
	return (gbx_ret(gbx_dev_offset_for_vaddr(h->dev, addr, offset, count)));
}

GNTBOX_API int
gntbox_set_unmap_notify(gntbox_t *h, uint64_t offset, unsigned action,
    uint32_t port)
{

	if (h == NULL)
		return (gbx_ret(EINVAL));
	return (gbx_ret(gbx_dev_notify(h->dev, offset, action, port)));
}
