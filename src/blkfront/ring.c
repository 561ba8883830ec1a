/*
 * ring.c: the blkif ring, the pool of persistent grants, requests and
 * the completion thread (blkfront.h).
 */
#include <sys/eventfd.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NBDKIT_API_VERSION 2
#include <nbdkit-plugin.h>

#include "blkfront/blkfront.h"

/* Chunks of one request in flight at once (a 32 MiB NBD request). */
#define BF_WINDOW 64

/* One chunk of a request: which slot carries it, and where it goes. */
struct bf_chunk {
	struct bf_slot *slot;
	size_t off; /* in the caller's buffer */
	size_t len;
};

/*
 * Slots: as many requests as the ring holds, within the grant budget.
 * A slot takes segs data pages (the backend's indirect limit, within
 * ours, or 11 direct segments) plus the pages that list its segments
 * when it uses indirect requests.
 */
int
bf_ring_setup(struct bf_dev *d, unsigned be_max_order)
{
	unsigned i, j, per_slot, budget, ring_pages, ring_size;
	blkif_sring_t *sring;
	uint32_t refs[BF_MAX_RING_PAGES];

	d->ring_order = be_max_order < d->cfg.max_ring_order ?
	    be_max_order :
	    d->cfg.max_ring_order;
	ring_pages = 1u << d->ring_order;
	d->ring_mem =
	    xengntshr_share_pages(d->gs, d->be_id, (int)ring_pages, refs, 1);
	if (d->ring_mem == NULL) {
		nbdkit_error("sharing the %u ring pages with domain %u: %m",
		    ring_pages, d->be_id);
		return (-1);
	}
	for (i = 0; i < ring_pages; i++)
		d->ring_refs[i] = refs[i];
	sring = d->ring_mem;
	SHARED_RING_INIT(sring);
	FRONT_RING_INIT(&d->ring, sring, ring_pages * BF_PAGE);
	ring_size = RING_SIZE(&d->ring);

	if (d->be_max_indirect > BLKIF_MAX_SEGMENTS_PER_REQUEST &&
	    d->cfg.max_indirect > BLKIF_MAX_SEGMENTS_PER_REQUEST) {
		d->segs = d->be_max_indirect < d->cfg.max_indirect ?
		    d->be_max_indirect :
		    d->cfg.max_indirect;
		if (d->segs > BF_MAX_INDIRECT)
			d->segs = BF_MAX_INDIRECT;
		d->ind_pages =
		    (d->segs + BF_SEGS_PER_IND - 1) / BF_SEGS_PER_IND;
	} else {
		d->segs = BLKIF_MAX_SEGMENTS_PER_REQUEST;
		d->ind_pages = 0;
	}
	per_slot = d->segs + d->ind_pages;
	budget =
	    d->cfg.max_grants > ring_pages ? d->cfg.max_grants - ring_pages : 0;
	d->nslots = budget / per_slot;
	if (d->nslots > ring_size)
		d->nslots = ring_size;
	if (d->nslots == 0) {
		nbdkit_error("max-grants=%u leaves no room for one request of "
			     "%u pages",
		    d->cfg.max_grants, per_slot);
		return (-1);
	}
	d->pool_pages = d->nslots * per_slot;
	d->pool_refs = calloc(d->pool_pages, sizeof(*d->pool_refs));
	d->slots = calloc(d->nslots, sizeof(*d->slots));
	if (d->pool_refs == NULL || d->slots == NULL) {
		nbdkit_error("out of memory");
		return (-1);
	}
	d->pool = xengntshr_share_pages(d->gs, d->be_id, (int)d->pool_pages,
	    d->pool_refs, 1);
	if (d->pool == NULL) {
		nbdkit_error("sharing %u pages with domain %u: %m",
		    d->pool_pages, d->be_id);
		return (-1);
	}
	for (i = 0; i < d->nslots; i++) {
		struct bf_slot *s = &d->slots[i];

		s->id = i;
		s->next_free = i + 1 < d->nslots ? (int)i + 1 : -1;
		s->data = (uint8_t *)d->pool + (size_t)i * per_slot * BF_PAGE;
		s->refs = d->pool_refs + (size_t)i * per_slot;
		if (d->ind_pages > 0) {
			s->ind = (struct blkif_request_segment *)(s->data +
			    (size_t)d->segs * BF_PAGE);
			for (j = 0; j < d->ind_pages; j++)
				s->ind_refs[j] = s->refs[d->segs + j];
		}
		pthread_cond_init(&s->cv, NULL);
	}
	d->free_head = 0;
	return (0);
}

/* Release the pool and the ring (the grants end as the backend lets go). */
void
bf_ring_release(struct bf_dev *d)
{
	unsigned i;

	if (d->pool != NULL)
		xengntshr_unshare(d->gs, d->pool, d->pool_pages);
	if (d->ring_mem != NULL)
		xengntshr_unshare(d->gs, d->ring_mem, 1u << d->ring_order);
	d->pool = d->ring_mem = NULL;
	if (d->slots != NULL)
		for (i = 0; i < d->nslots; i++)
			pthread_cond_destroy(&d->slots[i].cv);
	free(d->slots);
	free(d->pool_refs);
	d->slots = NULL;
	d->pool_refs = NULL;
	d->nslots = 0;
}

void
bf_mark_dead(struct bf_dev *d, const char *why)
{
	unsigned i;

	pthread_mutex_lock(&d->lock);
	if (!d->dead) {
		d->dead = true;
		snprintf(d->why, sizeof(d->why), "%s", why);
		nbdkit_debug("blkfront: %s: failing every request", why);
		for (i = 0; i < d->nslots; i++)
			pthread_cond_broadcast(&d->slots[i].cv);
		pthread_cond_broadcast(&d->slot_cv);
	}
	pthread_mutex_unlock(&d->lock);
}

/*
 * Take the responses off the ring and wake their waiters, then re-arm
 * rsp_event (RING_FINAL_CHECK_FOR_RESPONSES), looping while more came
 * meanwhile.  Called with the lock held.  Returns false when a response
 * names no request in flight: a backend that breaks the protocol, which
 * the caller kills.
 */
static bool
bf_responses_locked(struct bf_dev *d)
{
	blkif_response_t *rsp;
	struct bf_slot *s;
	RING_IDX i, rp;
	int more;
	bool bad;

	bad = false;
	do {
		rp = d->ring.sring->rsp_prod;
		xen_rmb(); /* the responses before the index */
		if (rp - d->ring.rsp_cons > RING_SIZE(&d->ring)) {
			bad = true;
			break;
		}
		for (i = d->ring.rsp_cons; i != rp; i++) {
			rsp = RING_GET_RESPONSE(&d->ring, i);
			if (rsp->id >= d->nslots ||
			    !(s = &d->slots[rsp->id])->busy || s->done) {
				bad = true;
				continue;
			}
			s->status = rsp->status;
			s->done = true;
			pthread_cond_signal(&s->cv);
		}
		d->ring.rsp_cons = rp;
		RING_FINAL_CHECK_FOR_RESPONSES(&d->ring, more);
	} while (more && !bad);
	return (!bad);
}

static void
bf_responses(struct bf_dev *d)
{
	bool ok;

	pthread_mutex_lock(&d->lock);
	ok = bf_responses_locked(d);
	pthread_mutex_unlock(&d->lock);
	if (!ok)
		bf_mark_dead(d, "the backend answered a request never made");
}

/* The completion thread: events, watches, and the stop eventfd. */
static void *
bf_thread(void *arg)
{
	struct bf_dev *d = arg;
	struct pollfd p[3];
	char **w;
	int port;

	p[0].fd = xenevtchn_fd(d->xe);
	p[1].fd = xs_fileno(d->xs);
	p[2].fd = d->stop_fd;
	p[0].events = p[1].events = p[2].events = POLLIN;
	for (;;) {
		if (poll(p, 3, -1) == -1) {
			if (errno == EINTR)
				continue;
			bf_mark_dead(d, "poll failed");
			break;
		}
		if (p[2].revents != 0)
			break;
		if (p[0].revents != 0) {
			if ((port = xenevtchn_pending(d->xe)) >= 0)
				xenevtchn_unmask(d->xe, (evtchn_port_t)port);
			bf_responses(d);
		}
		if (p[1].revents != 0) {
			while ((w = xs_check_watch(d->xs)) != NULL) {
				free(w);
				bf_check_backend(d);
			}
			if (errno != EAGAIN) {
				bf_mark_dead(d, "lost xenstore");
				p[1].fd = -1;
			}
		}
	}
	return (NULL);
}

int
bf_thread_start(struct bf_dev *d)
{
	int error;

	if ((d->stop_fd = eventfd(0, EFD_CLOEXEC)) == -1) {
		nbdkit_error("eventfd: %m");
		return (-1);
	}
	if ((error = pthread_create(&d->thread, NULL, bf_thread, d)) != 0) {
		nbdkit_error("pthread_create: %s", strerror(error));
		return (-1);
	}
	d->thread_started = true;
	return (0);
}

void
bf_thread_stop(struct bf_dev *d)
{
	uint64_t one = 1;

	if (d->thread_started) {
		if (write(d->stop_fd, &one, sizeof(one)) != sizeof(one))
			nbdkit_debug("blkfront: cannot stop the thread: %m");
		pthread_join(d->thread, NULL);
		d->thread_started = false;
	}
	if (d->stop_fd != -1)
		close(d->stop_fd);
	d->stop_fd = -1;
}

/*
 * A free slot, or NULL: when the device is dead, or when none is free
 * and the caller may not wait (it holds slots of its own, whose
 * completion it must collect first, or two requests could each wait for
 * the other's slots).
 */
static struct bf_slot *
bf_slot_get(struct bf_dev *d, bool wait)
{
	struct bf_slot *s;

	pthread_mutex_lock(&d->lock);
	while (d->free_head == -1 && !d->dead && wait)
		pthread_cond_wait(&d->slot_cv, &d->lock);
	s = NULL;
	if (!d->dead && d->free_head != -1) {
		s = &d->slots[d->free_head];
		d->free_head = s->next_free;
	}
	pthread_mutex_unlock(&d->lock);
	return (s);
}

/* Give a slot back, first in the list (LIFO, as blkif.h advises). */
static void
bf_slot_put(struct bf_dev *d, struct bf_slot *s)
{

	pthread_mutex_lock(&d->lock);
	s->busy = false;
	s->next_free = d->free_head;
	d->free_head = (int)s->id;
	pthread_cond_signal(&d->slot_cv);
	pthread_mutex_unlock(&d->lock);
}

/*
 * Put one request on the ring and notify the backend if it asked
 * (req_event).  op is a BLKIF_OP_*; for READ and WRITE, len bytes at
 * sector go through the slot's pages; for DISCARD len is a sector count.
 */
static int
bf_submit(struct bf_dev *d, struct bf_slot *s, uint8_t op, uint64_t sector,
    uint64_t len)
{
	struct blkif_request_indirect *ind;
	struct blkif_request_discard *dis;
	struct blkif_request_segment seg;
	blkif_request_t *req;
	unsigned i, nseg, per_page;
	uint64_t left;
	int notify;

	nseg = (unsigned)((op == BLKIF_OP_READ || op == BLKIF_OP_WRITE) ?
		(len + BF_PAGE - 1) / BF_PAGE :
		0);
	per_page = BF_PAGE / d->sector_size;
	/* An indirect request lists its segments in the slot's own pages. */
	if (nseg > BLKIF_MAX_SEGMENTS_PER_REQUEST)
		for (i = 0, left = len; i < nseg; i++, left -= BF_PAGE) {
			seg.gref = s->refs[i];
			seg.first_sect = 0;
			seg.last_sect = (uint8_t)((left >= BF_PAGE ? per_page :
								     left /
							      d->sector_size) -
			    1);
			s->ind[i] = seg;
		}

	pthread_mutex_lock(&d->lock);
	if (d->dead) {
		pthread_mutex_unlock(&d->lock);
		return (EIO);
	}
	req = RING_GET_REQUEST(&d->ring, d->ring.req_prod_pvt);
	if (op == BLKIF_OP_DISCARD) {
		dis = (struct blkif_request_discard *)req;
		memset(dis, 0, sizeof(*dis));
		dis->operation = BLKIF_OP_DISCARD;
		dis->handle = (blkif_vdev_t)d->cfg.devid;
		dis->id = s->id;
		dis->sector_number = sector;
		dis->nr_sectors = len;
	} else if (nseg > BLKIF_MAX_SEGMENTS_PER_REQUEST) {
		ind = (struct blkif_request_indirect *)req;
		memset(ind, 0, sizeof(*ind));
		ind->operation = BLKIF_OP_INDIRECT;
		ind->indirect_op = op;
		ind->nr_segments = (uint16_t)nseg;
		ind->id = s->id;
		ind->sector_number = sector;
		ind->handle = (blkif_vdev_t)d->cfg.devid;
		for (i = 0; i < (nseg + BF_SEGS_PER_IND - 1) / BF_SEGS_PER_IND;
		     i++)
			ind->indirect_grefs[i] = s->ind_refs[i];
	} else {
		req->operation = op;
		req->nr_segments = (uint8_t)nseg;
		req->handle = (blkif_vdev_t)d->cfg.devid;
		req->id = s->id;
		req->sector_number = sector;
		for (i = 0, left = len; i < nseg; i++, left -= BF_PAGE) {
			req->seg[i].gref = s->refs[i];
			req->seg[i].first_sect = 0;
			req->seg[i].last_sect =
			    (uint8_t)((left >= BF_PAGE ?
					      per_page :
					      left / d->sector_size) -
				1);
		}
	}
	s->busy = true;
	s->done = false;
	d->ring.req_prod_pvt++;
	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&d->ring, notify);
	pthread_mutex_unlock(&d->lock);
	if (notify && xenevtchn_notify(d->xe, d->port) == -1) {
		bf_mark_dead(d, "cannot notify the backend");
		return (EIO);
	}
	return (0);
}

/* Wait for a slot's response: 0, or the errno its status means. */
static int
bf_wait(struct bf_dev *d, struct bf_slot *s)
{
	int error;

	pthread_mutex_lock(&d->lock);
	/*
	 * The response may be on the ring already, its event not yet taken
	 * by the completion thread: then there is no need to sleep for it.
	 */
	if (!s->done && !d->dead &&
	    d->ring.sring->rsp_prod != d->ring.rsp_cons &&
	    !bf_responses_locked(d)) {
		pthread_mutex_unlock(&d->lock);
		bf_mark_dead(d, "the backend answered a request never made");
		pthread_mutex_lock(&d->lock);
	}
	while (!s->done && !d->dead)
		pthread_cond_wait(&s->cv, &d->lock);
	/* A request the dead backend never answered failed like an error. */
	error = EIO;
	if (s->done && s->status == BLKIF_RSP_OKAY)
		error = 0;
	else if (s->done && s->status == BLKIF_RSP_EOPNOTSUPP)
		error = EOPNOTSUPP;
	pthread_mutex_unlock(&d->lock);
	return (error);
}

/* One operation without data (flush, barrier, discard) on one slot. */
static int
bf_simple(struct bf_dev *d, uint8_t op, uint64_t sector, uint64_t count)
{
	struct bf_slot *s;
	int error;

	if ((s = bf_slot_get(d, true)) == NULL)
		return (EIO);
	if ((error = bf_submit(d, s, op, sector, count)) == 0)
		error = bf_wait(d, s);
	bf_slot_put(d, s);
	return (error);
}

/*
 * Read or write len bytes at a sector-aligned byte offset, in chunks of
 * at most one slot's pages, up to BF_WINDOW chunks in flight.  The first
 * error stops new chunks; those in flight are still collected, so that
 * every slot comes back.
 */
static int
bf_rw_aligned(struct bf_dev *d, uint8_t op, uint8_t *buf, size_t len,
    uint64_t offset)
{
	struct bf_chunk win[BF_WINDOW];
	struct bf_slot *s;
	size_t next, chunk, head, n;
	int error, e;

	chunk = (size_t)d->segs * BF_PAGE;
	next = 0;
	head = n = 0;
	error = 0;
	while ((next < len && error == 0) || n > 0) {
		if (next < len && error == 0 && n < BF_WINDOW &&
		    (s = bf_slot_get(d, n == 0)) != NULL) {
			struct bf_chunk *c = &win[(head + n) % BF_WINDOW];

			c->slot = s;
			c->off = next;
			c->len = len - next < chunk ? len - next : chunk;
			if (op == BLKIF_OP_WRITE)
				memcpy(s->data, buf + next, c->len);
			e = bf_submit(d, s, op,
			    (offset + next) / d->sector_size, c->len);
			if (e != 0) {
				bf_slot_put(d, s);
				error = e;
				continue;
			}
			next += c->len;
			n++;
			continue;
		}
		if (n == 0) {
			/* No slot and nothing of ours in flight: dead. */
			error = EIO;
			break;
		}
		/* Collect the oldest chunk of ours. */
		s = win[head].slot;
		e = bf_wait(d, s);
		if (e == 0 && op == BLKIF_OP_READ)
			memcpy(buf + win[head].off, s->data, win[head].len);
		if (e != 0 && error == 0)
			error = e;
		bf_slot_put(d, s);
		head = (head + 1) % BF_WINDOW;
		n--;
	}
	return (error);
}

int
bf_read(struct bf_dev *d, void *buf, uint32_t count, uint64_t offset)
{
	uint64_t start, end;
	uint8_t *bounce;
	int error;

	start = offset / d->sector_size * d->sector_size;
	end = (offset + count + d->sector_size - 1) / d->sector_size *
	    d->sector_size;
	if (start == offset && end == offset + count)
		return (bf_rw_aligned(d, BLKIF_OP_READ, buf, count, offset));
	/* Whole sectors only on the ring: read them, keep the middle. */
	if ((bounce = malloc(end - start)) == NULL)
		return (ENOMEM);
	error = bf_rw_aligned(d, BLKIF_OP_READ, bounce, end - start, start);
	if (error == 0)
		memcpy(buf, bounce + (offset - start), count);
	free(bounce);
	return (error);
}

int
bf_write(struct bf_dev *d, const void *buf, uint32_t count, uint64_t offset)
{
	uint64_t start, end, ss;
	uint8_t *bounce;
	int error;

	if (d->readonly && !d->cfg.ignore_readonly)
		return (EROFS);
	ss = d->sector_size;
	start = offset / ss * ss;
	end = (offset + count + ss - 1) / ss * ss;
	if (start == offset && end == offset + count)
		return (bf_rw_aligned(d, BLKIF_OP_WRITE, (uint8_t *)buf, count,
		    offset));
	/*
	 * A partial sector: read the first and last sectors, lay the data
	 * over them, write the whole.  Concurrent partial writes of one
	 * sector must not interleave their read and write: one at a time.
	 */
	if ((bounce = malloc(end - start)) == NULL)
		return (ENOMEM);
	pthread_mutex_lock(&d->rmw_lock);
	error = bf_rw_aligned(d, BLKIF_OP_READ, bounce, ss, start);
	if (error == 0 && end - start > ss)
		error = bf_rw_aligned(d, BLKIF_OP_READ,
		    bounce + (end - start - ss), ss, end - ss);
	if (error == 0) {
		memcpy(bounce + (offset - start), buf, count);
		error = bf_rw_aligned(d, BLKIF_OP_WRITE, bounce, end - start,
		    start);
	}
	pthread_mutex_unlock(&d->rmw_lock);
	free(bounce);
	return (error);
}

int
bf_flush(struct bf_dev *d)
{

	if (d->flush)
		return (bf_simple(d, BLKIF_OP_FLUSH_DISKCACHE, 0, 0));
	if (d->barrier)
		return (bf_simple(d, BLKIF_OP_WRITE_BARRIER, 0, 0));
	return (EOPNOTSUPP);
}

int
bf_discard(struct bf_dev *d, uint32_t count, uint64_t offset)
{
	uint64_t first, last;

	if (!d->discard)
		return (EOPNOTSUPP);
	if (d->readonly && !d->cfg.ignore_readonly)
		return (EROFS);
	/* Only whole sectors may go: round inwards (a trim is advisory). */
	first = (offset + d->sector_size - 1) / d->sector_size;
	last = (offset + count) / d->sector_size;
	if (last <= first)
		return (0);
	return (bf_simple(d, BLKIF_OP_DISCARD, first, last - first));
}
