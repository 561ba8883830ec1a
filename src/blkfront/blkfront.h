/*
 * blkfront.h: a Xen PV block frontend, as an nbdkit plugin.
 *
 * The plugin (plugin.c) serves one virtual disk of the domain it runs in
 * as an NBD export.  It speaks only Xen's public interfaces: the xenbus
 * handshake through libxenstore (xenbus.c), and the blkif ring of
 * xen/io/blkif.h over pages shared with libxengnttab and an event channel
 * of libxenevtchn (ring.c).  The same plugin therefore runs in a real Xen
 * domU, where those libraries use the /dev/xen devices, and under `gntbox run`,
 * where the preload library provides the devices.
 *
 * Like Linux's xen-blkfront it shares a pool of pages with the backend
 * once, at connection, and copies data through them (persistent grants):
 * a request never grants or ends a grant.  The pool is cut into slots,
 * one per request in flight: a slot owns a ring request id, the data
 * pages of up to `segs` segments and, when the backend takes indirect
 * descriptors, the page that lists them.  Requests larger than a slot
 * are split, and the parts run concurrently.
 *
 * Threads: nbdkit calls pread/pwrite/flush/trim from many threads at
 * once (the parallel model).  They share the ring under dev->lock; each
 * waits for its own slots on the slot's condition variable.  One
 * completion thread waits for the event channel and for xenstore
 * watches: it takes responses off the ring, and marks the device dead
 * when the backend closes or goes away, which fails every waiting and
 * later request with EIO.
 */
#ifndef GNTBOX_BLKFRONT_BLKFRONT_H
#define GNTBOX_BLKFRONT_BLKFRONT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <xenevtchn.h>
#include <xengnttab.h>
#include <xenstore.h>

/*
 * ring.h wants the memory barriers of the environment it runs in: for a
 * guest of the default (legacy) interface version, mb(), rmb(), wmb().
 */
#define mb()  __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define wmb() __atomic_thread_fence(__ATOMIC_RELEASE)
#include <xen/io/blkif.h>
#include <xen/io/xenbus.h>

#define BF_PAGE		  4096u
#define BF_MAX_RING_ORDER 4 /* 16 pages: QEMU's and Linux's limit */
#define BF_MAX_RING_PAGES (1u << BF_MAX_RING_ORDER)
#define BF_SEGS_PER_IND	  (BF_PAGE / sizeof(struct blkif_request_segment))
#define BF_MAX_INDIRECT	  256 /* segments: 1 MiB per request */

/* The plugin's parameters (plugin.c fills them, with their defaults). */
struct bf_config {
	char vdev[64];		 /* as given */
	int devid;		 /* its device number */
	unsigned timeout_s;	 /* handshake waits */
	unsigned max_ring_order; /* cap on max-ring-page-order */
	unsigned max_indirect;	 /* cap on indirect segments; 0: none */
	unsigned max_grants;	 /* pages shared at most (ring + pool) */
	bool ignore_readonly;	 /* send writes to a read-only disk anyway */
};

struct bf_slot {
	uint32_t id;	   /* index: the request id on the ring */
	int next_free;	   /* free list (LIFO), -1 at the end */
	bool busy;	   /* on the ring */
	bool done;	   /* its response came */
	int16_t status;	   /* BLKIF_RSP_* */
	uint8_t *data;	   /* segs pages */
	grant_ref_t *refs; /* their references */
	struct blkif_request_segment *ind; /* indirect page(s), or NULL */
	grant_ref_t ind_refs[BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST];
	pthread_cond_t cv;
};

struct bf_dev {
	struct bf_config cfg;

	/* Xen handles. */
	struct xs_handle *xs;
	xengntshr_handle *gs;
	xenevtchn_handle *xe;

	/* xenbus. */
	char fe_path[64];  /* device/vbd/N, relative to our domain */
	char be_path[256]; /* the backend's absolute path */
	unsigned be_id;	   /* the backend domain */
	bool watching;

	/* The shared ring. */
	unsigned ring_order;
	void *ring_mem;
	grant_ref_t ring_refs[BF_MAX_RING_PAGES];
	blkif_front_ring_t ring;
	evtchn_port_t port;
	bool port_bound;

	/* The pool of persistent grants, cut into slots. */
	void *pool;
	grant_ref_t *pool_refs;
	unsigned pool_pages;
	struct bf_slot *slots;
	unsigned nslots;
	int free_head;
	unsigned segs;	    /* data segments per slot */
	unsigned ind_pages; /* indirect pages per slot (0: direct only) */

	/* The disk, from the backend. */
	uint64_t sectors;
	unsigned sector_size;
	unsigned info; /* VDISK_* */
	bool readonly, flush, barrier, discard, persistent;
	unsigned be_max_indirect;

	/* Shared state, under lock. */
	pthread_mutex_t lock;
	pthread_cond_t slot_cv; /* a slot was freed, or the device died */
	bool dead;
	char why[320]; /* why it died */

	/* Unaligned writes read, modify and write whole sectors. */
	pthread_mutex_t rmw_lock;

	/* The completion thread. */
	pthread_t thread;
	bool thread_started;
	int stop_fd; /* an eventfd that stops it */
};

/* xenbus.c */

/*
 * Find the disk in xenstore, share the ring and the pool, and run the
 * handshake up to Connected (blkif.h's state diagram), restarting it when
 * a previous frontend left the device Connected or Closed.  0, or -1
 * after nbdkit_error().
 */
int bf_connect(struct bf_dev *d);

/*
 * Close the frontend (state Closed), wait a moment for the backend to
 * let go of the ring, then release every grant, the port and the
 * handles.  Safe on a half-connected device.
 */
void bf_disconnect(struct bf_dev *d);

/*
 * A watch fired: when the backend is closing, closed or gone, or our
 * frontend node was removed (a forced detach), mark the device dead and
 * answer Closed as Linux's blkfront does.
 */
void bf_check_backend(struct bf_dev *d);

/* ring.c */

/* Share the ring and the pool, sized from the backend's offer. */
int bf_ring_setup(struct bf_dev *d, unsigned be_max_order);
void bf_ring_release(struct bf_dev *d);

/* Start and stop the completion thread. */
int bf_thread_start(struct bf_dev *d);
void bf_thread_stop(struct bf_dev *d);

/* Mark the device dead (once): every waiter and later request gets EIO. */
void bf_mark_dead(struct bf_dev *d, const char *why);

/*
 * I/O.  Each returns 0 or an errno (EIO when the backend failed the
 * request or went away, EROFS for a write to a read-only disk,
 * EOPNOTSUPP for an operation the backend does not offer).
 */
int bf_read(struct bf_dev *d, void *buf, uint32_t count, uint64_t offset);
int bf_write(struct bf_dev *d, const void *buf, uint32_t count,
    uint64_t offset);
int bf_flush(struct bf_dev *d);
int bf_discard(struct bf_dev *d, uint32_t count, uint64_t offset);

#endif /* GNTBOX_BLKFRONT_BLKFRONT_H */
