/*
 * plugin.c: nbdkit-blkfront-plugin, a Xen virtual disk of this domain
 * served as an NBD export (blkfront.h).
 *
 *	nbdkit [-f] -U SOCKET nbdkit-blkfront-plugin.so vdev=xvda
 *
 * in a Xen domU, or as a process of a gntbox domain:
 *
 *	gntbox run --dom 1 -- nbdkit -f -U SOCKET \
 *	    build/lib/nbdkit-blkfront-plugin.so vdev=xvda
 *
 * One device per nbdkit process, connected after nbdkit forks (threads
 * and Xen handles do not survive a fork) and shared by every NBD client:
 * the disk has one ring, and a flush on any connection flushes it all.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NBDKIT_API_VERSION 2
#include <nbdkit-plugin.h>

#include "base/vdev.h"
#include "blkfront/blkfront.h"

#define THREAD_MODEL NBDKIT_THREAD_MODEL_PARALLEL

static struct bf_dev bf_dev = {
	.cfg = {
		.devid = -1,
		.timeout_s = 30,
		.max_ring_order = BF_MAX_RING_ORDER,
		.max_indirect = 32, /* Linux's default */
		.max_grants = 1024, /* Linux's gntalloc limit */
	},
	.free_head = -1,
	.stop_fd = -1,
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.slot_cv = PTHREAD_COND_INITIALIZER,
	.rmw_lock = PTHREAD_MUTEX_INITIALIZER,
};
static bool bf_connected;

/* nbdkit's errors carry an errno; every failure says which disk. */
static int
bf_fail(int error, const char *what)
{

	if (error == EIO && bf_dev.dead)
		nbdkit_error("%s: %s: %s", bf_dev.cfg.vdev, what, bf_dev.why);
	else
		nbdkit_error("%s: %s: %s", bf_dev.cfg.vdev, what,
		    strerror(error));
	nbdkit_set_error(error);
	return (-1);
}

static int
bf_unsigned(const char *key, const char *value, unsigned max, unsigned *out)
{

	if (nbdkit_parse_unsigned(key, value, out) == -1)
		return (-1);
	if (*out > max) {
		nbdkit_error("%s=%s: at most %u", key, value, max);
		return (-1);
	}
	return (0);
}

static int
bf_config(const char *key, const char *value)
{
	int b;

	if (strcmp(key, "vdev") == 0) {
		if ((bf_dev.cfg.devid = gbx_vdev_number(value)) < 0) {
			nbdkit_error("vdev=%s: not a virtual disk name (xvda, "
				     "hda, sda, d0p0) or number",
			    value);
			return (-1);
		}
		snprintf(bf_dev.cfg.vdev, sizeof(bf_dev.cfg.vdev), "%s", value);
		return (0);
	}
	if (strcmp(key, "timeout") == 0)
		return (bf_unsigned(key, value, 3600, &bf_dev.cfg.timeout_s));
	if (strcmp(key, "max-ring-page-order") == 0)
		return (bf_unsigned(key, value, BF_MAX_RING_ORDER,
		    &bf_dev.cfg.max_ring_order));
	if (strcmp(key, "max-indirect-segments") == 0)
		return (bf_unsigned(key, value, BF_MAX_INDIRECT,
		    &bf_dev.cfg.max_indirect));
	if (strcmp(key, "max-grants") == 0)
		return (bf_unsigned(key, value, 65536, &bf_dev.cfg.max_grants));
	if (strcmp(key, "ignore-readonly") == 0) {
		if ((b = nbdkit_parse_bool(value)) == -1)
			return (-1);
		bf_dev.cfg.ignore_readonly = b;
		return (0);
	}
	nbdkit_error("unknown parameter '%s'", key);
	return (-1);
}

static int
bf_config_complete(void)
{

	if (bf_dev.cfg.devid < 0) {
		nbdkit_error("vdev=NAME is required (e.g. vdev=xvda)");
		return (-1);
	}
	if (bf_dev.cfg.timeout_s == 0)
		bf_dev.cfg.timeout_s = 1;
	return (0);
}

/* Connect once nbdkit has forked: the thread and handles are ours. */
static int
bf_after_fork(void)
{

	if (bf_connect(&bf_dev) != 0 || bf_thread_start(&bf_dev) != 0) {
		bf_thread_stop(&bf_dev);
		bf_disconnect(&bf_dev);
		return (-1);
	}
	bf_connected = true;
	return (0);
}

/* nbdkit is going: release every grant, the port and the handles. */
static void
bf_cleanup(void)
{

	bf_thread_stop(&bf_dev);
	if (bf_connected || bf_dev.xs != NULL)
		bf_disconnect(&bf_dev);
	bf_connected = false;
}

static void *
bf_open(int readonly)
{

	(void)readonly;
	return (&bf_dev);
}

static int64_t
bf_get_size(void *h)
{
	struct bf_dev *d = h;

	return ((int64_t)(d->sectors * d->sector_size));
}

static int
bf_can_write(void *h)
{
	struct bf_dev *d = h;

	return (!d->readonly || d->cfg.ignore_readonly);
}

static int
bf_can_flush(void *h)
{
	struct bf_dev *d = h;

	return (d->flush || d->barrier);
}

static int
bf_can_fua(void *h)
{
	struct bf_dev *d = h;

	/* FUA is a write then a flush, which nbdkit does for us. */
	return (d->flush || d->barrier ? NBDKIT_FUA_EMULATE : NBDKIT_FUA_NONE);
}

static int
bf_can_trim(void *h)
{
	struct bf_dev *d = h;

	return (d->discard && bf_can_write(h));
}

/* One ring, shared by every connection: a flush covers them all. */
static int
bf_can_multi_conn(void *h)
{

	(void)h;
	return (1);
}

static int
bf_block_size(void *h, uint32_t *minimum, uint32_t *preferred,
    uint32_t *maximum)
{
	struct bf_dev *d = h;

	/* Any alignment: a partial sector is read, modified and written. */
	*minimum = 1;
	*preferred = BF_PAGE > d->sector_size ? BF_PAGE : d->sector_size;
	*maximum = 0xffffffff;
	return (0);
}

static int
bf_pread(void *h, void *buf, uint32_t count, uint64_t offset, uint32_t flags)
{
	int error;

	(void)flags;
	if ((error = bf_read(h, buf, count, offset)) != 0)
		return (bf_fail(error, "read"));
	return (0);
}

static int
bf_pwrite(void *h, const void *buf, uint32_t count, uint64_t offset,
    uint32_t flags)
{
	int error;

	(void)flags;
	if ((error = bf_write(h, buf, count, offset)) != 0)
		return (bf_fail(error, "write"));
	return (0);
}

static int
bf_pflush(void *h, uint32_t flags)
{
	int error;

	(void)flags;
	if ((error = bf_flush(h)) != 0)
		return (bf_fail(error, "flush"));
	return (0);
}

static int
bf_trim(void *h, uint32_t count, uint64_t offset, uint32_t flags)
{
	int error;

	(void)flags;
	if ((error = bf_discard(h, count, offset)) != 0)
		return (bf_fail(error, "discard"));
	return (0);
}

static struct nbdkit_plugin plugin = {
	.name = "blkfront",
	.longname = "Xen PV block frontend (gntbox)",
	.version = "1.0",
	.description = "a Xen virtual disk of this domain, through its "
		       "blkif ring",
	.config = bf_config,
	.config_complete = bf_config_complete,
	.config_help = "vdev=NAME                  the disk: xvda, hdb, sdc, "
		       "d0p1 or a number (required)\n"
		       "timeout=SECONDS            handshake waits (30)\n"
		       "max-ring-page-order=N      ring of at most 2^N pages "
		       "(4)\n"
		       "max-indirect-segments=N    segments per indirect "
		       "request (32; 0: none)\n"
		       "max-grants=N               pages shared with the "
		       "backend at most (1024)\n"
		       "ignore-readonly=BOOL       send writes to a read-only "
		       "disk (testing)",
	.magic_config_key = "vdev",
	.after_fork = bf_after_fork,
	.cleanup = bf_cleanup,
	.open = bf_open,
	.get_size = bf_get_size,
	.can_write = bf_can_write,
	.can_flush = bf_can_flush,
	.can_fua = bf_can_fua,
	.can_trim = bf_can_trim,
	.can_multi_conn = bf_can_multi_conn,
	.block_size = bf_block_size,
	.pread = bf_pread,
	.pwrite = bf_pwrite,
	.flush = bf_pflush,
	.trim = bf_trim,
	.errno_is_preserved = 0,
};

/* nbdkit finds the plugin by this symbol. */
struct nbdkit_plugin *plugin_init(void);

NBDKIT_REGISTER_PLUGIN(plugin)
