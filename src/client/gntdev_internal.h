/*
 * gntdev_internal.h: what the files of the grant device share.  Nothing
 * outside src/client/gntdev_*.c and tests/ may include it: the rest of
 * the client sees only gntdev.h.
 *
 * The device's stories, one file each (gntdev.h tells them):
 *   gntdev_open.c    opening and closing, the lifetimes of devices, the
 *                    records (share, unshare, map, unmap) and the lists of
 *                    references for the one-way release messages
 *   gntdev_mmap.c    mmap and munmap, and the process-wide address index
 *   gntdev_fork.c    fork(): the handlers, inherited devices, ADOPT
 *   gntdev_notify.c  unmap notify and the check of its port
 * The bookkeeping they share lives in offsets.c, records.c and vmindex.c,
 * which do no I/O; these files add the messages to gntboxd, the mmap and
 * munmap system calls, the locks, and the lifetimes.
 */
#ifndef GNTBOX_CLIENT_GNTDEV_INTERNAL_H
#define GNTBOX_CLIENT_GNTDEV_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/tree.h"
#include "client/gntdev.h"
#include "client/hangup.h"
#include "client/link.h"
#include "client/offsets.h"
#include "client/records.h"
#include "client/vmindex.h"
#include "proto/proto.h"

#define PG	       ((uintptr_t)GBX_PAGE_SIZE)
#define GBX_REFS_CHUNK (GBX_INLINE_MAX / sizeof(uint32_t))

/*
 * A mapping made by gbx_dev_mmap().  The address index knows its vmap;
 * the device lists it so that close can find every mapping it made.
 */
struct gbx_mapping {
	struct gbx_vmap vm; /* first: the index hands back its address */
	LIST_ENTRY(gbx_mapping) link;
	struct gbx_dev *dev;
	bool is_map;		   /* a map (else shared pages) */
	uint32_t map_id;	   /* a map's object in gntboxd */
	uint64_t offset;	   /* the offset it was mmapped at */
	struct gbx_maprec *rec;	   /* a map's record */
	struct gbx_spage *pages[]; /* shared pages: vm.npages of them */
};

/*
 * An open grant device (gntdev.h): what Linux keeps per open gntdev or
 * gntalloc file, and the connection that holds its grants in gntboxd.
 */
struct gbx_dev {
	pthread_mutex_t lock;
	atomic_uint refs;	   /* the handle and each mapping */
	LIST_ENTRY(gbx_dev) dlink; /* in gbx_devs */
	struct gbx_conn *conn;
	struct gbx_conn *adopt; /* inherited: this process's adopted holds */
	struct gbx_hangup *hup; /* conn's watch (hangup.h): the message */
	int domid;
	unsigned forks; /* gbx_forks when opened */
	bool closing;	/* gbx_dev_close(): the connection is about to go */
	struct gbx_offsets off;
	struct gbx_records rec;
	LIST_HEAD(, gbx_mapping) mappings;
	/* References waiting to go in one DEALLOC / MAPPED / UNMAPPED. */
	uint16_t pend_type;
	uint32_t npend;
	uint32_t pend[GBX_REFS_CHUNK];
};

/* ---- gntdev_open.c ---- */

/*
 * Every device of the process, for the fork handlers.  Its lock comes
 * before any device's (gntdev_fork.c takes them all in that order).
 */
LIST_HEAD(gbx_devlist, gbx_dev);
extern pthread_mutex_t gbx_devs_lock;
extern struct gbx_devlist gbx_devs;

/* Drop a reference on dev (its handle's or a mapping's); the last frees. */
void gbx_dev_unref(struct gbx_dev *dev);

/*
 * Queue ref for a one-way message of type (DEALLOC, MAPPED, UNMAPPED),
 * and send what is queued.  Device lock held.
 */
void gbx_pend_add(struct gbx_dev *dev, uint16_t type, uint32_t ref);
void gbx_pend_flush(struct gbx_dev *dev);

/* ---- gntdev_mmap.c ---- */

/* The process-wide address index and its lock (gntdev.h, "Locking"). */
extern pthread_mutex_t gbx_vm_lock;
extern struct gbx_vmindex gbx_vm_index;

/*
 * gbx_dev_close()'s first step: detach every mapping of dev from the
 * index into b, taking the index lock.  Device lock held.
 */
void gbx_mapping_detach_all(struct gbx_dev *dev, struct gbx_vmbatch *b);

/* ---- gntdev_fork.c ---- */

/* Forks seen by this process (gntdev_fork.c says why). */
extern atomic_uint gbx_forks;

/* Install the fork handlers, once per process (gbx_dev_open). */
void gbx_fork_install(void);

/*
 * Whether dev was opened by this process (not inherited across fork):
 * every operation but close and drop asks first, so it is one load.
 */
static inline bool
gbx_dev_ours(const struct gbx_dev *dev)
{

	return (dev->forks == atomic_load(&gbx_forks));
}

#endif /* GNTBOX_CLIENT_GNTDEV_INTERNAL_H */
