/*
 * xenbus.c: the frontend's side of the xenbus handshake (blkfront.h),
 * in the order blkif.h's state diagram and Linux's xen-blkfront follow:
 *
 *   read device/vbd/N/backend and backend-id;
 *   wait for the backend's InitWait and read its transport offer
 *     (max-ring-page-order, feature-max-indirect-segments);
 *   share the ring and the pool, bind an event channel;
 *   write ring-ref (or ring-page-order and ring-refN), event-channel,
 *     protocol and feature-persistent in one transaction; Initialised;
 *   wait for the backend's Connected, read the disk (sectors,
 *     sector-size, info, features); Connected.
 *
 * A previous frontend that died leaves the device Connected (or
 * Closing): we first close it (Closed, and wait for the backend's
 * Closed), then start again from Initialising, which tells the backend
 * to prepare for a reconnection.
 */
#include <errno.h>
#include <stdarg.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <xen/io/protocols.h>

#define NBDKIT_API_VERSION 2
#include <nbdkit-plugin.h>

#include "blkfront/blkfront.h"

#define BF_CLOSE_WAIT_MS 5000 /* for the backend to let go, at the end */

static long
bf_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* dir/key as a new string, or NULL when missing. */
static char *
bf_xs_read(struct bf_dev *d, const char *dir, const char *key)
{
	char path[512];
	unsigned len;

	snprintf(path, sizeof(path), "%s/%s", dir, key);
	return (xs_read(d->xs, XBT_NULL, path, &len));
}

/* dir/key as an unsigned number, or def when missing or malformed. */
static unsigned long long
bf_read_ull(struct bf_dev *d, const char *dir, const char *key,
    unsigned long long def)
{
	unsigned long long v;
	char *s, *end;

	if ((s = bf_xs_read(d, dir, key)) == NULL)
		return (def);
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0')
		v = def;
	free(s);
	return (v);
}

/* A xenbus state node: the state, or -1 when missing. */
static long
bf_state(struct bf_dev *d, const char *dir)
{

	return ((long)bf_read_ull(d, dir, "state", (unsigned long long)-1));
}

static int bf_write_in(struct bf_dev *d, xs_transaction_t t, const char *dir,
    const char *key, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static int
bf_write_in(struct bf_dev *d, xs_transaction_t t, const char *dir,
    const char *key, const char *fmt, ...)
{
	char path[512], val[64];
	va_list ap;

	snprintf(path, sizeof(path), "%s/%s", dir, key);
	va_start(ap, fmt);
	/* NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized) */
	vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	return (xs_write(d->xs, t, path, val, strlen(val)) ? 0 : -1);
}

static int
bf_switch(struct bf_dev *d, enum xenbus_state state)
{

	if (bf_write_in(d, XBT_NULL, d->fe_path, "state", "%d", state) != 0) {
		nbdkit_error("%s/state: %m", d->fe_path);
		return (-1);
	}
	return (0);
}

/*
 * Wait, watch event by watch event, until the backend's state is one of
 * the mask's (1 << state), for at most timeout_ms.  Returns the state
 * (-1 when the backend vanished), or -2 on timeout.
 */
static long
bf_wait_backend(struct bf_dev *d, unsigned mask, long timeout_ms)
{
	struct pollfd p;
	long deadline, left, st;
	char **w;

	deadline = bf_now_ms() + timeout_ms;
	for (;;) {
		st = bf_state(d, d->be_path);
		if (st < 0 || (st < 32 && (mask & (1u << st)) != 0))
			return (st);
		if ((left = deadline - bf_now_ms()) <= 0)
			return (-2);
		p.fd = xs_fileno(d->xs);
		p.events = POLLIN;
		if (poll(&p, 1, (int)left) > 0)
			while ((w = xs_check_watch(d->xs)) != NULL)
				free(w);
	}
}

/* Close a frontend a previous instance left open, and reopen it. */
static int
bf_reset(struct bf_dev *d, long fe_state)
{
	long st;

	nbdkit_debug("blkfront: %s was left in state %ld: closing it first",
	    d->fe_path, fe_state);
	if (fe_state != XenbusStateClosed && bf_switch(d, XenbusStateClosed))
		return (-1);
	st = bf_wait_backend(d, 1u << XenbusStateClosed,
	    (long)d->cfg.timeout_s * 1000);
	if (st != XenbusStateClosed) {
		nbdkit_error("the backend %s did not close (state %ld) after a "
			     "previous frontend",
		    d->be_path, st);
		return (-1);
	}
	return (bf_switch(d, XenbusStateInitialising));
}

/* Publish the ring, the event channel and our features; Initialised. */
static int
bf_publish(struct bf_dev *d)
{
	xs_transaction_t t;
	char key[32];
	unsigned i, pages;
	int err;

	pages = 1u << d->ring_order;
	for (;;) {
		if ((t = xs_transaction_start(d->xs)) == XBT_NULL) {
			nbdkit_error("xs_transaction_start: %m");
			return (-1);
		}
		err = 0;
		if (d->ring_order == 0)
			err |= bf_write_in(d, t, d->fe_path, "ring-ref", "%u",
			    d->ring_refs[0]);
		else {
			err |= bf_write_in(d, t, d->fe_path, "ring-page-order",
			    "%u", d->ring_order);
			err |= bf_write_in(d, t, d->fe_path, "num-ring-pages",
			    "%u", pages);
			for (i = 0; i < pages; i++) {
				snprintf(key, sizeof(key), "ring-ref%u", i);
				err |= bf_write_in(d, t, d->fe_path, key, "%u",
				    d->ring_refs[i]);
			}
		}
		err |= bf_write_in(d, t, d->fe_path, "event-channel", "%u",
		    d->port);
		err |= bf_write_in(d, t, d->fe_path, "protocol", "%s",
		    XEN_IO_PROTO_ABI_NATIVE);
		/* The pool is shared once and reused: persistent grants. */
		err |= bf_write_in(d, t, d->fe_path, "feature-persistent", "1");
		err |= bf_write_in(d, t, d->fe_path,
		    "feature-large-sector-size", "1");
		if (err != 0) {
			nbdkit_error("writing %s: %m", d->fe_path);
			xs_transaction_end(d->xs, t, true);
			return (-1);
		}
		if (xs_transaction_end(d->xs, t, false))
			break;
		if (errno != EAGAIN) {
			nbdkit_error("committing %s: %m", d->fe_path);
			return (-1);
		}
	}
	return (bf_switch(d, XenbusStateInitialised));
}

/* Read what the backend says of the disk once it is Connected. */
static int
bf_read_disk(struct bf_dev *d)
{

	d->sectors = bf_read_ull(d, d->be_path, "sectors", 0);
	d->sector_size =
	    (unsigned)bf_read_ull(d, d->be_path, "sector-size", 512);
	d->info = (unsigned)bf_read_ull(d, d->be_path, "info", 0);
	d->readonly = (d->info & VDISK_READONLY) != 0;
	d->flush = bf_read_ull(d, d->be_path, "feature-flush-cache", 0) != 0;
	d->barrier = bf_read_ull(d, d->be_path, "feature-barrier", 0) != 0;
	d->discard = bf_read_ull(d, d->be_path, "feature-discard", 0) != 0;
	d->persistent =
	    bf_read_ull(d, d->be_path, "feature-persistent", 0) != 0;
	if (d->sector_size < 512 || d->sector_size > BF_PAGE ||
	    (d->sector_size & (d->sector_size - 1)) != 0) {
		nbdkit_error("%s: sector-size %u: not a power of two from 512 "
			     "to 4096",
		    d->be_path, d->sector_size);
		return (-1);
	}
	if (d->sectors > UINT64_MAX / d->sector_size) {
		nbdkit_error("%s: %llu sectors: too many", d->be_path,
		    (unsigned long long)d->sectors);
		return (-1);
	}
	return (0);
}

int
bf_connect(struct bf_dev *d)
{
	xenevtchn_port_or_error_t port;
	char *be;
	long fe_state, st, timeout;
	unsigned order;

	timeout = (long)d->cfg.timeout_s * 1000;
	snprintf(d->fe_path, sizeof(d->fe_path), "device/vbd/%d", d->cfg.devid);
	if ((d->xs = xs_open(0)) == NULL) {
		nbdkit_error("cannot open xenstore: %m");
		return (-1);
	}
	if ((be = bf_xs_read(d, d->fe_path, "backend")) == NULL) {
		nbdkit_error("no disk %s in this domain (%s/backend: %m)",
		    d->cfg.vdev, d->fe_path);
		return (-1);
	}
	snprintf(d->be_path, sizeof(d->be_path), "%s", be);
	free(be);
	d->be_id = (unsigned)bf_read_ull(d, d->fe_path, "backend-id", 0);
	if ((d->gs = xengntshr_open(NULL, 0)) == NULL ||
	    (d->xe = xenevtchn_open(NULL, 0)) == NULL) {
		nbdkit_error("cannot open the grant or event-channel device: "
			     "%m");
		return (-1);
	}
	if (!xs_watch(d->xs, d->be_path, "backend") ||
	    !xs_watch(d->xs, d->fe_path, "frontend")) {
		nbdkit_error("cannot watch %s: %m", d->be_path);
		return (-1);
	}
	d->watching = true;

	fe_state = bf_state(d, d->fe_path);
	if (fe_state != XenbusStateInitialising && bf_reset(d, fe_state) != 0)
		return (-1);
	st = bf_wait_backend(d, 1u << XenbusStateInitWait, timeout);
	if (st != XenbusStateInitWait) {
		if (st == -2)
			nbdkit_error("the backend %s did not reach InitWait "
				     "within %u s (state %ld)",
			    d->be_path, d->cfg.timeout_s,
			    bf_state(d, d->be_path));
		else
			nbdkit_error("the backend %s went away", d->be_path);
		return (-1);
	}

	/* The transport the backend offers (max-ring-pages: the old way). */
	order = (unsigned)bf_read_ull(d, d->be_path, "max-ring-page-order", 0);
	if (order == 0) {
		unsigned long long pages;

		pages = bf_read_ull(d, d->be_path, "max-ring-pages", 1);
		while (order < BF_MAX_RING_ORDER && (2ULL << order) <= pages)
			order++;
	}
	if (order > BF_MAX_RING_ORDER)
		order = BF_MAX_RING_ORDER;
	d->be_max_indirect = (unsigned)bf_read_ull(d, d->be_path,
	    "feature-max-indirect-segments", 0);
	if (bf_ring_setup(d, order) != 0)
		return (-1);
	if ((port = xenevtchn_bind_unbound_port(d->xe, d->be_id)) < 0) {
		nbdkit_error("cannot bind an event channel for domain %u: %m",
		    d->be_id);
		return (-1);
	}
	d->port = (evtchn_port_t)port;
	d->port_bound = true;
	if (bf_publish(d) != 0)
		return (-1);

	/* A backend that closes instead (or dies) is a failure at once. */
	st = bf_wait_backend(d,
	    1u << XenbusStateConnected | 1u << XenbusStateClosing |
		1u << XenbusStateClosed,
	    timeout);
	if (st != XenbusStateConnected) {
		if (st == -2)
			nbdkit_error("the backend %s did not connect within "
				     "%u s",
			    d->be_path, d->cfg.timeout_s);
		else
			nbdkit_error("the backend %s %s instead of connecting",
			    d->be_path, st < 0 ? "went away" : "closed");
		return (-1);
	}
	if (bf_read_disk(d) != 0 || bf_switch(d, XenbusStateConnected) != 0)
		return (-1);
	nbdkit_debug("blkfront: %s connected to %s: %llu sectors of %u bytes, "
		     "ring of %u pages, %u slots of %u segments%s%s%s%s",
	    d->cfg.vdev, d->be_path, (unsigned long long)d->sectors,
	    d->sector_size, 1u << d->ring_order, d->nslots, d->segs,
	    d->ind_pages > 0 ? " (indirect)" : "",
	    d->readonly ? ", read-only" : "",
	    d->flush ? ", flush" : (d->barrier ? ", barrier" : ""),
	    d->discard ? ", discard" : "");
	return (0);
}

void
bf_check_backend(struct bf_dev *d)
{
	char why[320];
	long be, fe;

	be = bf_state(d, d->be_path);
	fe = bf_state(d, d->fe_path);
	if (fe < 0)
		snprintf(why, sizeof(why), "%s was removed", d->fe_path);
	else if (be < 0)
		snprintf(why, sizeof(why), "the backend %s is gone",
		    d->be_path);
	else if (be == XenbusStateClosing || be == XenbusStateClosed ||
	    be == XenbusStateUnknown)
		snprintf(why, sizeof(why), "the backend %s is %s", d->be_path,
		    be == XenbusStateClosing ? "closing" : "closed");
	else
		return;
	bf_mark_dead(d, why);
	/* As xenbus_frontend_closed(): the backend may now finish closing. */
	if (fe >= 0 && fe != XenbusStateClosed)
		(void)bf_switch(d, XenbusStateClosed);
}

void
bf_disconnect(struct bf_dev *d)
{
	long fe;

	if (d->xs != NULL && d->fe_path[0] != '\0' && d->ring_mem != NULL) {
		/* Tell the backend we go, and give it time to unmap. */
		fe = bf_state(d, d->fe_path);
		if (fe >= 0 && fe != XenbusStateClosed)
			(void)bf_switch(d, XenbusStateClosed);
		if (fe >= 0 && d->watching)
			(void)bf_wait_backend(d,
			    1u << XenbusStateClosed |
				1u << XenbusStateInitWait |
				1u << XenbusStateUnknown,
			    BF_CLOSE_WAIT_MS);
	}
	if (d->port_bound)
		xenevtchn_unbind(d->xe, d->port);
	d->port_bound = false;
	bf_ring_release(d);
	if (d->watching) {
		xs_unwatch(d->xs, d->be_path, "backend");
		xs_unwatch(d->xs, d->fe_path, "frontend");
		d->watching = false;
	}
	if (d->xe != NULL)
		xenevtchn_close(d->xe);
	if (d->gs != NULL)
		xengntshr_close(d->gs);
	if (d->xs != NULL)
		xs_close(d->xs);
	d->xe = NULL;
	d->gs = NULL;
	d->xs = NULL;
}
