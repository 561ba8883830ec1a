/*
 * arena.h: the memfd arenas that back granted pages (docs/architecture.md
 * §3).
 *
 * One arena per (granting domain, grantee domain, access mode), so a
 * domain that holds an arena's descriptor sees only pages its owner meant
 * for it.  An arena allocates pages with its own rangealloc, grows with
 * ftruncate, is sealed against shrinking (and against further seals, so
 * no holder can stop it growing or being written), and punches the hole
 * of every page it frees, so the memory goes back and a reused page reads
 * zero.  A read-only arena also has a descriptor reopened O_RDONLY through
 * /proc/self/fd for its grantee: neither mmap(PROT_WRITE) nor mprotect can
 * write through it.
 *
 * Arena k of a domain (its slot) owns the pseudo-physical frames [k * 2^20,
 * (k + 1) * 2^20); its id, which the protocol uses, is unique for the
 * daemon's lifetime.  An arena lives while it has pages or while a
 * connection that was sent its descriptor still holds it (until the
 * client puts it back with ARENA_PUT, or closes): a client that shares
 * and unshares a page over and over keeps one arena and one descriptor,
 * instead of a new one each time.  When neither holds any more, or when
 * its domain is freed, the arena is closed and its id is never used
 * again, so a client can never confuse a stale descriptor with a new
 * arena.
 */
#ifndef GNTBOX_HV_ARENA_H
#define GNTBOX_HV_ARENA_H

#include <stdbool.h>
#include <stdint.h>

#include "base/rangealloc.h"
#include "base/tree.h"

#define HV_ARENA_SHIFT 20		      /* pages per arena: 2^20 */
#define HV_ARENA_PAGES (1u << HV_ARENA_SHIFT) /* 4 GiB */
#define HV_ARENA_SLOTS 4096		      /* frames are 32 bits */

struct hv;
struct hv_domain;
struct hv_client;
struct hv_arena_sent;

LIST_HEAD(hv_sentlist, hv_arena_sent);

struct hv_arena {
	RB_ENTRY(hv_arena) klink;   /* in its domain, by (grantee, ro) */
	LIST_ENTRY(hv_arena) rlink; /* retired: on its domain's list */
	bool retired;		    /* allocates no more (arena_retire) */
	RB_ENTRY(hv_arena) ilink;   /* in the hv, by id */
	struct hv_domain *dom;	    /* the granting domain */
	uint16_t grantee;
	bool ro;
	uint32_t id;
	uint32_t slot;
	int fd;	  /* read-write */
	int rofd; /* read-only arenas: the grantee's descriptor */
	struct rangealloc pages;
	uint64_t npages; /* allocated */
	uint64_t size;	 /* pages the file holds */
	struct hv_sentlist sent;
};

/* Which connections (clients) were sent which arena. */
struct hv_arena_sent {
	RB_ENTRY(hv_arena_sent) clink; /* in the client, by arena id */
	LIST_ENTRY(hv_arena_sent) alink;
	struct hv_arena *arena;
	struct hv_client *client;
};

RB_HEAD(hv_arenakeys, hv_arena);
RB_HEAD(hv_senttree, hv_arena_sent);

/*
 * Allocate count consecutive zeroed pages from the arena (d -> grantee,
 * ro), creating the arena if needed, and store it and the first page.
 * Returns 0, ENOSPC (no run of count free pages, or no arena slot left),
 * or ENOMEM.  On error nothing was allocated.
 */
int arena_alloc(struct hv_domain *d, uint16_t grantee, bool ro, uint32_t count,
    struct hv_arena **ap, uint64_t *first);

/*
 * Free pages [first, first + count): their memory is released and reads
 * zero when reused.  The arena is destroyed with its last page unless a
 * connection still has its descriptor.
 */
void arena_free(struct hv_arena *a, uint64_t first, uint64_t count);

/* Close every arena of a domain being freed (none has pages left). */
void arena_destroy_all(struct hv_domain *d);

/*
 * Domain grantee is being destroyed: every arena of every domain that
 * grants to it retires.  Its processes may still hold those arenas'
 * descriptors (the ones not reached by the kill: docs/security.md), so
 * no page of them may ever be granted again, to a domain created later
 * with the same id above all (the XSA-396 rule): a retired arena
 * allocates nothing more (the next grant to that id makes a new arena)
 * and is closed once its last page is freed and no connection holds it.
 */
void arena_retire_grantee(struct hv *hv, uint16_t grantee);

/* The frame number of a page (docs/architecture.md §4). */
uint32_t arena_frame(const struct hv_arena *a, uint64_t page);

/* The arena with this id, or NULL. */
struct hv_arena *arena_by_id(struct hv *hv, uint32_t id);

/*
 * The descriptor domain domid may hold for the arena: the read-write one
 * for the granting domain and for the grantee of a writable arena, the
 * read-only one for the grantee of a read-only arena; -1 for any other
 * domain.  The arena keeps ownership of the descriptor.
 */
int arena_fd_for(const struct hv_arena *a, unsigned domid);

/* Write zero to byte off of page (an unmap notify's clear-byte). */
int arena_clear_byte(const struct hv_arena *a, uint64_t page, uint32_t off);

/*
 * Remember that the arena's descriptor went to client c (once per
 * connection: docs/architecture.md §3).  arena_sent() asks; arena_mark_sent
 * records, returning 0 or ENOMEM; arena_unmark_sent() drops the record
 * when the client let the descriptor go (ARENA_PUT), closing the arena if
 * nothing holds it any more; arena_forget_client() drops every record of
 * a client that goes away, likewise.
 */
bool arena_sent(struct hv_arena *a, struct hv_client *c);
int arena_mark_sent(struct hv_arena *a, struct hv_client *c);
void arena_unmark_sent(struct hv_arena *a, struct hv_client *c);
void arena_forget_client(struct hv_client *c);

#endif /* GNTBOX_HV_ARENA_H */
