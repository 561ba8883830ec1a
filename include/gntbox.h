/*
 * gntbox.h: the native C API of gntbox (libgntbox.so).
 *
 * USAGE GUIDE
 *
 * gntbox emulates Xen's grant tables and event channels between ordinary
 * processes.  Each process belongs to a domain; gntboxd, the daemon, plays
 * the hypervisor.  Run a program as a process of domain N with
 *
 *	gntbox run --dom N -- ./program
 *
 * which starts gntboxd if needed, creates domain N if it does not exist,
 * and sets GNTBOX_DIR and GNTBOX_DOMID for the program.
 *
 * A grant device handle (gntbox_t) does both halves of Xen's grant device,
 * in one offset space, as FreeBSD's /dev/xen/gntdev does:
 *
 *   Share pages with another domain (Linux's gntalloc):
 *	1. gntbox_share(): N fresh zeroed pages are granted to a domain; you
 *	   get N grant references and an offset.
 *	2. gntbox_mmap() at that offset: the pages in your address space.
 *	3. Send the references to the other domain (xenstore is the usual
 *	   place; any channel will do).
 *	4. gntbox_unshare() at the offset, then gntbox_munmap(), in either
 *	   order: the grants end when both are done.  If the other domain
 *	   still maps a page, its grant ends when it lets go; the page is never
 *	   reused before.
 *
 *   Map pages another domain granted you (Linux's gntdev):
 *	1. gntbox_map() with a list of (domain, reference): this only records
 *	   the list and gives you an offset.  Nothing is checked yet.
 *	2. gntbox_mmap() at that offset maps every page, all or nothing.  If a
 *	   grant is bad, it fails with EINVAL and its status array tells you
 *	   which reference failed and why (a GNTST_* code of Xen).
 *	3. gntbox_munmap(), then gntbox_unmap() at the offset (or the other
 *	   way round).  A map is mmapped once and whole.
 *
 *   Unmap notification: gntbox_set_unmap_notify() asks for a byte of the
 *   shared page to be zeroed and/or an event channel to be signalled when
 *   the page is released, including when your process dies.  Protocols use
 *   the byte as a "peer alive" flag.
 *
 * An event channel handle (gntbox_evtchn_t) binds ports and signals them,
 * with the semantics of Linux's /dev/xen/evtchn: a port that fires is
 * reported once and stays masked until you unmask it.  Its descriptor
 * (gntbox_evtchn_fd()) works with poll, select and epoll.
 *
 * Every function returns 0 (or a port, or a pointer) on success and -1 (or
 * NULL) with errno set on failure.  Handles may be shared by threads.
 *
 * EXAMPLE: domain 1 shares a page with domain 2, which maps it.  (This is
 * compiled and run by the tests: scripts/header-example.sh cuts it out.)
 *
 *	// Process A, run as: gntbox run --dom 1 -- ./a
 *	gntbox_t *h = gntbox_open(-1);            // -1: $GNTBOX_DOMID
 *	uint32_t ref;
 *	uint64_t off;
 *	if (h == NULL ||
 *	    gntbox_share(h, 2, 1, GNTBOX_SHARE_WRITABLE, &ref, &off) == -1)
 *		err(1, "share");
 *	char *p = gntbox_mmap(h, off, 1, PROT_READ | PROT_WRITE, NULL);
 *	if (p == NULL)
 *		err(1, "mmap");
 *	strcpy(p, "hello from domain 1");
 *	printf("%u\n", ref);                      // tell domain 2
 *	fflush(stdout);
 *	getchar();                                // wait until it is done
 *	gntbox_munmap(h, p, 1);
 *	gntbox_unshare(h, off, 1);
 *	gntbox_close(h);
 *
 *	// Process B, run as: gntbox run --dom 2 -- ./b REF
 *	gntbox_t *h = gntbox_open(-1);
 *	struct gntbox_grant_ref g = { .domid = 1, .ref = atoi(argv[1]) };
 *	int16_t status;
 *	uint64_t off;
 *	if (h == NULL || gntbox_map(h, 1, &g, 0, &off) == -1)
 *		err(1, "map");
 *	char *p = gntbox_mmap(h, off, 1, PROT_READ, &status);
 *	if (p == NULL)
 *		errx(1, "map: GNTST %d", status);  // e.g. -3: bad reference
 *	puts(p);                                  // "hello from domain 1"
 *	gntbox_munmap(h, p, 1);
 *	gntbox_unmap(h, off, 1);
 *	gntbox_close(h);
 *
 * Unmodified Xen programs (libxengnttab, libxenevtchn, libxenvchan,
 * libxenstore) need none of this: gntbox run loads libgntbox-preload.so,
 * which provides /dev/xen/gntdev, /dev/xen/gntalloc and /dev/xen/evtchn.
 */
#ifndef GNTBOX_H
#define GNTBOX_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define GNTBOX_API __attribute__((visibility("default")))

#define GNTBOX_PAGE_SIZE 4096
#define GNTBOX_COUNT_MAX 65536 /* pages or refs in one call */

typedef struct gntbox gntbox_t;
typedef struct gntbox_evtchn gntbox_evtchn_t;

/* ---------------------------------------------------------------------- */
/* Grant device.                                                           */

/*
 * Open a grant device of domain domid (-1: the domain in $GNTBOX_DOMID)
 * on the gntboxd of $GNTBOX_DIR (default $XDG_RUNTIME_DIR/gntbox, else
 * /tmp/gntbox-$UID).  The domain must exist.  Errors: ENOENT (no gntboxd
 * or no such domain), EINVAL (bad domid), and those of socket(2).
 */
GNTBOX_API gntbox_t *gntbox_open(int domid);

/*
 * Close the handle: every mapping it made is unmapped, every map and
 * share it holds is released (the notifies fire), and the handle is freed.
 */
GNTBOX_API int gntbox_close(gntbox_t *h);

/* The domain of the handle. */
GNTBOX_API int gntbox_domid(const gntbox_t *h);

#define GNTBOX_SHARE_WRITABLE 0x0001 /* the other domain may write */
#define GNTBOX_FIXED_OFFSET   0x0100 /* *offset is an input, not an output */

/*
 * Share count fresh zeroed pages with domain domid.  The grant references
 * go to refs[0..count-1] and the offset of the first page to *offset
 * (with GNTBOX_FIXED_OFFSET, *offset is the page-aligned offset you chose;
 * EBUSY if any of it is in use).  Errors: EINVAL (count 0 or above
 * GNTBOX_COUNT_MAX, unknown flags, unaligned or overflowing offset),
 * ENOSPC (this domain's grant table or offset space is full), ENOMEM.
 */
GNTBOX_API int gntbox_share(gntbox_t *h, uint32_t domid, uint32_t count,
    unsigned flags, uint32_t *refs, uint64_t *offset);

/*
 * Give up count shared pages starting at offset (any run of consecutive
 * shared pages, even across gntbox_share calls).  A page's grant ends when
 * it is also unmapped from this process.  Errors: EINVAL (not a run of
 * shared pages of this handle).
 */
GNTBOX_API int gntbox_unshare(gntbox_t *h, uint64_t offset, uint32_t count);

struct gntbox_grant_ref {
	uint32_t domid; /* the granting domain */
	uint32_t ref;	/* its grant reference */
};

/*
 * Record a map of count grants and return its offset in *offset
 * (GNTBOX_FIXED_OFFSET in flags: you chose *offset).  No grant is checked
 * until gntbox_mmap().  Errors: EINVAL (count, flags, offset), ENOSPC,
 * ENOMEM, EBUSY (fixed offset in use).
 */
GNTBOX_API int gntbox_map(gntbox_t *h, uint32_t count,
    const struct gntbox_grant_ref *refs, unsigned flags, uint64_t *offset);

/*
 * Remove the map recorded at offset (count pages; 0 matches any count, as
 * in Linux).  If it is still mmapped, its grants are released when the
 * mapping goes.  Errors: ENOENT (no such map).
 */
GNTBOX_API int gntbox_unmap(gntbox_t *h, uint64_t offset, uint32_t count);

/*
 * Map count pages at offset into this process, with PROT_READ and
 * optionally PROT_WRITE, and return the address; an inaccessible guard
 * page follows the mapping.
 *
 * For shared pages, offset may start any run of consecutive shared pages.
 * For a map, offset and count must be exactly the map's, and a map can be
 * mmapped only once; mapping it without PROT_WRITE maps the grants
 * read-only.  The grants are checked now, all or nothing.  When status is
 * not NULL it receives count GNTST_* codes, one per grant, whether the call
 * succeeds or fails with EINVAL because of a grant.
 *
 * Errors: EINVAL (no such run or map, not exactly a whole map, already
 * mmapped, a grant failed, PROT_WRITE on a read-only grant), EACCES, ENOMEM.
 */
GNTBOX_API void *gntbox_mmap(gntbox_t *h, uint64_t offset, uint32_t count,
    int prot, int16_t *status);

/*
 * Unmap count pages at addr, a range of a mapping gntbox_mmap() returned
 * (part of a mapping is fine).  Errors: EINVAL (not a gntbox mapping).
 */
GNTBOX_API int gntbox_munmap(gntbox_t *h, void *addr, uint32_t count);

/*
 * The offset and page count of the mapping that starts at addr.  Errors:
 * EINVAL (addr is not the start of a mapping of this handle).
 */
GNTBOX_API int gntbox_offset_for_vaddr(gntbox_t *h, const void *addr,
    uint64_t *offset, uint32_t *count);

#define GNTBOX_NOTIFY_CLEAR_BYTE 0x1
#define GNTBOX_NOTIFY_SEND_EVENT 0x2

/*
 * When the page holding byte offset `offset` is released (unmapped and
 * given up, or the process dies), zero that byte (CLEAR_BYTE) and then,
 * after the grant is unmapped or ended, signal event channel `port` of this
 * domain (SEND_EVENT).  Each fires once.  A map has one notify, a shared
 * page one per page; the last call wins.  Errors: EINVAL (unknown action;
 * port not bound in this domain; CLEAR_BYTE on a read-only map), ENOENT
 * (offset is not in a map or shared page of this handle).
 */
GNTBOX_API int gntbox_set_unmap_notify(gntbox_t *h, uint64_t offset,
    unsigned action, uint32_t port);

/* ---------------------------------------------------------------------- */
/* Event channels.                                                         */

#define GNTBOX_EVTCHN_NONBLOCK 0x1 /* gntbox_evtchn_pending() never waits */

/*
 * Open an event channel handle of domain domid (-1: $GNTBOX_DOMID).
 * Errors: as gntbox_open().
 */
GNTBOX_API gntbox_evtchn_t *gntbox_evtchn_open(int domid, unsigned flags);
GNTBOX_API int gntbox_evtchn_close(gntbox_evtchn_t *e);

/* A descriptor that polls readable when a port is pending. */
GNTBOX_API int gntbox_evtchn_fd(const gntbox_evtchn_t *e);

/*
 * Allocate a port that domain remote may bind to; returns the port.  As in
 * Xen, remote need not exist yet.  Errors: ENOSPC (no free port), EACCES
 * (the handle is restricted).
 */
GNTBOX_API int gntbox_evtchn_bind_unbound(gntbox_evtchn_t *e, uint32_t remote);

/*
 * Bind a new local port to remote_port of domain remote, which must be
 * unbound and waiting for this domain; returns the local port.
 * Errors: ESRCH, EINVAL (remote port not waiting for us), ENOSPC, EACCES.
 */
GNTBOX_API int gntbox_evtchn_bind_interdomain(gntbox_evtchn_t *e,
    uint32_t remote, uint32_t remote_port);

/* Close a port of this handle.  Errors: ENOTCONN (not ours), EINVAL. */
GNTBOX_API int gntbox_evtchn_unbind(gntbox_evtchn_t *e, uint32_t port);

/*
 * Signal the remote end of port.  A port whose remote end went away is
 * signalled into the void, as in Xen.  Errors: ENOTCONN (not ours).
 */
GNTBOX_API int gntbox_evtchn_notify(gntbox_evtchn_t *e, uint32_t port);

/*
 * Wait for a pending port and return it; it is masked until
 * gntbox_evtchn_unmask().  With GNTBOX_EVTCHN_NONBLOCK: EAGAIN when none.
 */
GNTBOX_API int gntbox_evtchn_pending(gntbox_evtchn_t *e);

/* Unmask port; if it fired meanwhile it is reported again. */
GNTBOX_API int gntbox_evtchn_unmask(gntbox_evtchn_t *e, uint32_t port);

/*
 * Restrict the handle to binding ports with domain domid only.  Errors:
 * EACCES (already restricted), EINVAL (domain 0 or reserved).
 */
GNTBOX_API int gntbox_evtchn_restrict(gntbox_evtchn_t *e, uint32_t domid);

/* ---------------------------------------------------------------------- */
/* Administration (what the gntbox command uses).                          */

struct gntbox_stats {
	uint64_t domains, connections;
	uint64_t grants, maps, handles, deferred, pages, arenas;
	uint64_t ports, nodes, watches, transactions;
	uint64_t deferred_released, notifies_fired, protocol_errors;
	uint64_t conns_dropped;
};

/* Read the daemon's counters.  Errors: ENOENT (no gntboxd answers). */
GNTBOX_API int gntbox_get_stats(struct gntbox_stats *st);

/*
 * Create domain domid (name NULL: a default name) unless it exists.
 * Errors: EEXIST (exists and exist_ok is 0), EINVAL, ENOENT (no gntboxd).
 */
GNTBOX_API int gntbox_domain_create(int domid, const char *name, int exist_ok);

/* Destroy domain domid.  Errors: ESRCH, EPERM (domain 0), ENOENT. */
GNTBOX_API int gntbox_domain_destroy(int domid);

#ifdef __cplusplus
}
#endif

#endif /* GNTBOX_H */
