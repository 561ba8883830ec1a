/*
 * proto.h: the protocol between gntbox clients and gntboxd.
 *
 * This file is the specification (with proto/control.h, which it includes
 * for the control socket's messages); docs/architecture.md §7 is the
 * overview.
 *
 * Transport.  AF_UNIX SOCK_SEQPACKET, one message per request or reply.
 * The grant device and event channels of domain N connect to
 * $GNTBOX_DIR/dom/N/device (the connection's domain is the socket it came
 * in on); the gntbox command connects to $GNTBOX_DIR/control.  Xenstore is
 * not here: it speaks xs_wire.h on $GNTBOX_DIR/dom/N/xenstore.
 *
 * Messages.  Every message starts with struct gbx_hdr.  The fixed body of
 * its type follows, then, for types that have one, a variable tail (an
 * array whose length the fixed body's count gives).  `len` is the number
 * of bytes in the datagram, header included.  All integers are in host
 * order (both ends run on one machine).
 *
 * Requests and replies.  The client numbers its requests in `seq`; every
 * request that has a reply gets exactly one, with the same `type` and
 * `seq`, in the order the requests were sent.  `error` is 0 in requests;
 * in replies it is 0 or a positive errno, and a reply with an error has no
 * body beyond what its type says it keeps on error.  One-way messages
 * (marked so below) have no reply; gntboxd counts a failed one in
 * `protocol_errors` and logs it.
 *
 * Bulk tails.  A tail larger than GBX_INLINE_MAX travels in a memfd that
 * the client attaches as the message's only descriptor, with GBX_F_BULK in
 * `flags`; the tail starts at offset 0.  gntboxd reads it with pread()
 * into its own memory before it looks at it, and writes the reply's tail
 * (if any) back into the same memfd at offset 0 with pwrite(), marking the
 * reply GBX_F_BULK too.  gntboxd never mmaps a descriptor a client sent,
 * and it computes every tail size itself from counts it has checked.  A
 * client may always use bulk; replies whose tails fit inline come inline
 * unless the request was bulk.  A request whose reply tail would not fit
 * inline (ALLOC of more than 8192 pages, MAP of more than 2048 refs) must
 * be bulk: otherwise it fails with EMSGSIZE and nothing is done.  Dump
 * requests on the control socket always use bulk.
 *
 * Descriptors.  A message carries at most GBX_MAX_FDS descriptors
 * (SCM_RIGHTS); their meaning is given per type.  gntboxd closes any
 * descriptor it did not expect and treats a message with the wrong number
 * of descriptors, a truncated message (MSG_TRUNC or MSG_CTRUNC), a length
 * that disagrees with its type, or an unknown type as a protocol error: it
 * answers EPROTO where the type has a reply and the message was whole, and
 * drops the connection when it cannot parse the message at all.
 *
 * Limits.  A count of 0 or above GBX_COUNT_MAX is EINVAL, checked before
 * anything is allocated, so counts like 2^31 or 2^32 - 1 cannot overflow
 * a size computation anywhere.
 */
#ifndef GNTBOX_PROTO_PROTO_H
#define GNTBOX_PROTO_PROTO_H

#include <stdint.h>

#define GBX_PROTO_VERSION 1
#define GBX_PAGE_SIZE	  4096
#define GBX_PAGE_SHIFT	  12

#define GBX_MSG_MAX    65536  /* largest datagram, header included */
#define GBX_INLINE_MAX 32768  /* largest inline tail */
#define GBX_MAX_FDS    8      /* descriptors in one message */
#define GBX_COUNT_MAX  65536  /* elements in one request (Linux's limit) */
#define GBX_NAME_MAX   64     /* domain names, NUL included */
#define GBX_DOMID_MAX  0x7fef /* DOMID_FIRST_RESERVED - 1 */

struct gbx_hdr {
	uint16_t type;	/* GBX_* below */
	uint16_t flags; /* GBX_F_* */
	uint32_t len;	/* datagram bytes, header included */
	uint32_t seq;	/* request number, echoed by the reply */
	int32_t error;	/* replies: 0 or a positive errno */
};

#define GBX_F_BULK 0x0001 /* the tail is in the attached memfd */

/*
 * Message types.  "one-way" means no reply.  The grant device and event
 * channel types are accepted on connections of the matching kind only
 * (EPROTO otherwise); control types on the control socket only.
 */
enum gbx_type {
	GBX_HELLO = 0x01,

	/* Grant device (kind GBX_KIND_GNTDEV). */
	GBX_ALLOC = 0x10,
	GBX_DEALLOC = 0x11,  /* one-way */
	GBX_MAPPED = 0x12,   /* one-way */
	GBX_UNMAPPED = 0x13, /* one-way */
	GBX_MAP = 0x14,
	GBX_UNMAP = 0x15, /* one-way */
	GBX_NOTIFY_GRANT = 0x16,
	GBX_NOTIFY_MAP = 0x17,
	GBX_ARENA_GET = 0x18,
	GBX_COPY_ACQUIRE = 0x19,
	GBX_COPY_RELEASE = 0x1a, /* one-way */
	GBX_ADOPT = 0x1b,
	GBX_ARENA_PUT = 0x1c, /* one-way (issue 11, defect 4) */

	/* Event channels (kind GBX_KIND_EVTCHN). */
	GBX_EVT_BIND_UNBOUND = 0x30,
	GBX_EVT_BIND_INTERDOMAIN = 0x31,
	GBX_EVT_BIND_VIRQ = 0x32,
	GBX_EVT_UNBIND = 0x33,
	GBX_EVT_NOTIFY = 0x34,
	GBX_EVT_RESTRICT = 0x35,

	/* Control socket (kind GBX_KIND_CONTROL). */
	GBX_CTL_PING = 0x50,
	GBX_CTL_SHUTDOWN = 0x51,
	GBX_CTL_DOMAIN_CREATE = 0x52,
	GBX_CTL_DOMAIN_DESTROY = 0x53,
	GBX_CTL_DOMAIN_LIST = 0x54,
	GBX_CTL_GRANTS = 0x55,
	GBX_CTL_PORTS = 0x56,
	GBX_CTL_STATS = 0x57,

	GBX_CTL_PERSIST = 0x5f, /* issue 12 (cli-ux), numbered apart */
	/* Observability (issue 12): logs, counters, trace; see the end. */
	GBX_CTL_LOG = 0x60,
	GBX_CTL_TRACE = 0x61,
	GBX_CTL_DOMSTATS = 0x62,
	GBX_CTL_XS_PERMS = 0x63,
	GBX_CTL_FEED = 0x64, /* gntboxd to client only, unasked */

	/* Issue 11: a process that joins a domain without a connection. */
	GBX_CTL_DOMAIN_JOIN = 0x70,
};

/* ------------------------------------------------------------------ */
/* HELLO: the first message on every connection.                        */

enum gbx_kind {
	GBX_KIND_GNTDEV = 1,  /* share and map grants */
	GBX_KIND_EVTCHN = 2,  /* event channels */
	GBX_KIND_CONTROL = 3, /* the control socket */
};

/*
 * Request: struct gbx_hello.  Descriptors: for GBX_KIND_GNTDEV exactly one,
 * the *process token*: one end of a socketpair whose other end the client
 * keeps open with FD_CLOEXEC.  When that end closes (the process exits or
 * execs) gntboxd sees a hangup on the token and releases the connection's
 * mapping holds and map objects, exactly as the kernel drops a process's
 * VMAs at exit and exec, even when the connection itself lives on in a
 * child (docs/architecture.md §5).  Other kinds attach nothing (a
 * descriptor is EPROTO).
 *
 * Errors: EPROTO (version or kind unknown, wrong socket for the kind, a
 * second HELLO, any other type before HELLO, a process token that is not
 * one end of a socketpair whose peer is not gntboxd), EMFILE (too many
 * connections for the domain, or the domain or gntboxd is at its
 * descriptor limit), EACCES (the connecting process's uid is neither the
 * domain's user nor root), ESRCH (the domain is being destroyed), ENOMEM.
 *
 * A connection gntboxd refuses as it accepts it (the domain is at its
 * descriptor limit, too many connections wait for their HELLO) is sent a
 * HELLO reply with seq 0 and the error (EMFILE, EAGAIN) at once, before
 * any HELLO is read, and closed: the client reads it as the answer to
 * its HELLO, even when sending the HELLO failed because gntboxd had
 * already closed the socket.
 */
struct gbx_hello {
	uint32_t version; /* GBX_PROTO_VERSION */
	uint32_t kind;	  /* enum gbx_kind */
};

/*
 * Reply: struct gbx_hello_reply.  For GBX_KIND_EVTCHN two descriptors come
 * with it: [0] the handle's eventfd (EFD_SEMAPHORE, blocking: the
 * client calls evtpage_efd_setup on it; the handle's pollable
 * descriptor), [1]
 * its event page (a memfd of page_bytes bytes, sealed against resizing,
 * laid out as src/proto/evtpage.h says, initialised for max_ports), and
 * handle_id (never 0, never reused) names this handle in EVT_NOTIFY
 * replies.
 */
struct gbx_hello_reply {
	uint32_t version;
	uint16_t domid; /* the connection's domain */
	uint16_t pad;
	uint32_t max_grants; /* grant entries per domain */
	uint32_t max_ports;  /* event-channel ports per domain */
	uint32_t count_max;  /* GBX_COUNT_MAX */
	uint32_t page_bytes; /* EVTCHN: size of the event page */
	uint64_t handle_id;  /* EVTCHN: this handle's id */
	uint32_t daemon_pid;
	uint32_t pad2;
};

/* ------------------------------------------------------------------ */
/* Arena descriptors.                                                    */

/*
 * Replies that refer to arenas this connection has not been sent yet
 * (ALLOC, MAP, ARENA_GET, COPY_ACQUIRE) attach their descriptors and
 * list them, in attachment order, in a struct gbx_fdlist inside the reply.
 * gntboxd sends each arena to a connection once; a client that lost one
 * asks again with ARENA_GET.  If a reply refers to more new arenas than
 * GBX_MAX_FDS, the rest are left for ARENA_GET.
 */
struct gbx_fdlist {
	uint32_t nfds;
	uint32_t arena[GBX_MAX_FDS];
};

/*
 * ARENA_GET.  Request: struct gbx_arena_get.  Reply: struct gbx_arena_reply
 * with the descriptor attached (read-only for a read-only grantee arena).
 * Errors: ENOENT (no such arena, or not one this connection's domain may
 * hold).
 */
struct gbx_arena_get {
	uint32_t arena;
	uint32_t pad;
};

struct gbx_arena_reply {
	struct gbx_fdlist fds;
};

/*
 * ARENA_PUT (one-way), body struct gbx_refs, tail uint32_t arena[count]:
 * the client let these descriptors go (a bounded cache) or never got them
 * (MSG_CTRUNC); gntboxd sends them again when needed.  Unknown ids: skipped.
 */
/* ------------------------------------------------------------------ */
/* Sharing pages (gntalloc's half of the device).                        */

#define GBX_ALLOC_WRITABLE 0x0001 /* the grantee may write */

/*
 * ALLOC: allocate count zeroed pages and grant them to domid.  The pages
 * are a run of consecutive pages of the arena (this domain -> domid, mode),
 * first_page..first_page+count-1.  The connection owns the grants and holds
 * each by its *file hold* (dropped by DEALLOC or close).
 *
 * Request: struct gbx_alloc.  Reply: struct gbx_alloc_reply, tail
 * uint32_t refs[count] (ref i is the grant of page first_page + i).
 * Errors: EINVAL (count 0 or > GBX_COUNT_MAX, unknown flags, domid >
 * GBX_DOMID_MAX), ENOSPC (the grant table is full), ENOMEM.  On error
 * nothing was granted.
 */
struct gbx_alloc {
	uint16_t domid; /* the grantee */
	uint16_t flags; /* GBX_ALLOC_* */
	uint32_t count;
};

struct gbx_alloc_reply {
	uint32_t arena;
	uint32_t count;
	uint64_t first_page;
	struct gbx_fdlist fds;
};

/*
 * DEALLOC, MAPPED, UNMAPPED (one-way).  Body struct gbx_refs, tail
 * uint32_t refs[count], each a grant of this connection's domain that this
 * connection holds.
 *
 * - DEALLOC drops the connection's file hold on each.
 * - MAPPED takes the connection's *mapping hold* on each: the client sends
 *   it when a page goes from no mapping in its process to one.
 * - UNMAPPED drops the mapping hold: the page's last mapping in the process
 *   went away.  The process token's hangup drops all of them at once.
 *
 * A grant whose holds are all gone is released: its notify byte is
 * cleared, access is ended (or deferred while the grantee maps it), and its
 * notify event is sent.  A ref this connection does not hold in the way
 * named is counted as a protocol error and skipped; the others proceed.
 *
 * These messages never use bulk: the client would reuse its bulk memfd
 * for the next request before gntboxd has read the one-way message's tail.
 * A longer list is sent as several messages, each with an inline tail.
 */
struct gbx_refs {
	uint32_t count;
	uint32_t pad;
};

/* ------------------------------------------------------------------ */
/* Mapping grants (gntdev's half).                                       */

#define GBX_MAP_READONLY 0x0001 /* map read-only (the mmap had no PROT_WRITE) */

#define GBX_NOTIFY_CLEAR_BYTE 0x1 /* = UNMAP_NOTIFY_CLEAR_BYTE */
#define GBX_NOTIFY_SEND_EVENT 0x2 /* = UNMAP_NOTIFY_SEND_EVENT */

struct gbx_grant_ref {
	uint32_t domid;
	uint32_t ref;
};

struct gbx_notify {
	uint32_t action; /* GBX_NOTIFY_* (0: none) */
	uint32_t port;	 /* with SEND_EVENT: a port of this domain */
	uint64_t byte;	 /* with CLEAR_BYTE: byte offset within the map */
};

/*
 * MAP: map count grants, all or nothing (this is the hypercall Linux makes
 * at mmap time; the client's map request itself only records).  Each ref
 * is checked in the order of Xen's map_grant_ref() and gets a maptrack
 * handle of this domain; the refs then belong to a new *map object* of this
 * connection, released by UNMAP, by the process token's hangup, or by
 * close.  An optional unmap notify is set at the same time.
 *
 * Request: struct gbx_map, tail struct gbx_grant_ref[count].
 * Reply: struct gbx_map_reply, tail struct gbx_map_result[count], sent on
 * success and also on EINVAL from a ref's failure, so the caller learns
 * each ref's GNTST_* status.  When any ref fails, nothing stays mapped:
 * error is EINVAL, map_id is 0, `failed` counts the failed refs and each
 * result's status says why (GNTST_okay for refs that did not fail).
 * Other errors (no tail): EINVAL (count, flags, or a notify that is out of
 * range or asks CLEAR_BYTE on a read-only map), ENOMEM.
 */
struct gbx_map {
	uint32_t count;
	uint32_t flags; /* GBX_MAP_* */
	struct gbx_notify notify;
};

struct gbx_map_reply {
	uint32_t map_id; /* names the map object in UNMAP and NOTIFY_MAP;
			    reused once the map object is gone */
	uint32_t count;
	uint32_t failed;
	uint32_t pad;
	struct gbx_fdlist fds;
};

struct gbx_map_result {
	int16_t status; /* GNTST_* */
	uint16_t pad;
	uint32_t arena; /* on success: where the page lives */
	uint64_t page;	/* page index in that arena */
};

/*
 * UNMAP (one-way): release handles first..first+count-1 of map object
 * map_id (a munmap may cover part of a map).  When the page holding the
 * notify byte is released the byte is cleared; when the map's last handle
 * goes, the map object is freed and then its notify event is sent.
 * Releasing a handle twice, or a map this connection does not own, is a
 * protocol error; pins never go below zero.
 */
struct gbx_unmap {
	uint32_t map_id;
	uint32_t first;
	uint32_t count;
	uint32_t pad;
};

/*
 * NOTIFY_GRANT: set the unmap notify of one shared page (gntalloc keeps one
 * per page).  NOTIFY_MAP: set the notify of a map object (gntdev keeps one
 * per map).  The last call wins.  Reply: header only.
 * Errors: EINVAL (unknown action bits; SEND_EVENT with a port that is not
 * bound in this domain; CLEAR_BYTE outside the map or page), ENOENT (no
 * such grant or map on this connection).
 *
 * NOTIFY_MAP with map_id 0 sets nothing: it only checks the action bits
 * and the SEND_EVENT port (EINVAL), so that a client can answer Linux's
 * IOCTL_GNTDEV_SET_UNMAP_NOTIFY in Linux's order (the port is checked
 * before the map is looked up) for a map gntboxd has no object for yet.
 */
struct gbx_notify_grant {
	uint32_t ref;
	uint32_t pad;
	struct gbx_notify notify; /* byte: offset within the page */
};

struct gbx_notify_map {
	uint32_t map_id;
	uint32_t pad;
	struct gbx_notify notify;
};

/*
 * COPY_ACQUIRE: pin grants for a copy that the client performs itself
 * (Linux's IOCTL_GNTDEV_GRANT_COPY, Xen's GNTTABOP_copy): the client
 * names each grant once, with GBX_COPY_WRITE when the copy writes it.
 * Each is checked in the order of Xen's acquire_grant_for_copy(): the
 * granting domain must exist (GNTST_bad_domain), the reference must lie in
 * its table as it is now (GNTST_bad_gntref), an entry already pinned must
 * be pinned by this domain with room in its counter, and the entry must be
 * a GTF_permit_access entry for this domain, not GTF_readonly when the copy
 * writes (GNTST_general_error).  Each grant that passes gets a host pin,
 * read-only or writable, with GTF_reading (and GTF_writing) as in Xen, so
 * that the granter's end of access is deferred and its page can be neither
 * freed nor reused while the client copies.  Unlike MAP, a copy takes no
 * maptrack handle and is not all or nothing: every grant has its own
 * status, as every operation of a GNTTABOP_copy batch has.
 *
 * The client then reads or writes the pages through the arena
 * descriptors (pread/pwrite: nothing is mapped), and drops the pins with
 * COPY_RELEASE.  The pins also go when the process token hangs up (the
 * copying process died) and when the connection closes.
 *
 * Request: struct gbx_copy_acquire, tail struct gbx_copy_grant[count].
 * Reply: struct gbx_copy_reply, tail struct gbx_map_result[count] (each
 * grant's status and, when pinned, its arena and page), with the arenas
 * this connection has not been sent yet, as for MAP.  copy_id names the
 * pins for COPY_RELEASE; it is 0 when no grant was pinned (nothing to
 * release).  Errors (no tail): EINVAL (count, unknown flags), ENOMEM.
 */
#define GBX_COPY_WRITE 0x0001 /* the copy writes this grant */

struct gbx_copy_grant {
	uint32_t domid; /* the granting domain */
	uint32_t ref;
	uint32_t flags; /* GBX_COPY_* */
	uint32_t pad;
};

struct gbx_copy_acquire {
	uint32_t count;
	uint32_t pad;
};

struct gbx_copy_reply {
	uint32_t copy_id; /* 0: nothing pinned */
	uint32_t count;
	uint32_t failed; /* grants that were not pinned */
	uint32_t pad;
	struct gbx_fdlist fds;
};

/*
 * COPY_RELEASE (one-way): drop every pin of copy copy_id.  An id this
 * connection does not hold is a protocol error.
 */
struct gbx_copy_release {
	uint32_t copy_id;
	uint32_t pad;
};

/*
 * ADOPT: a process forked from one that had shared pages mapped inherits
 * those mappings (gntalloc mappings are inherited, as Linux's are), and
 * must hold the pages while it maps them, whatever becomes of the parent.
 * The child opens a connection of its own (with its own process token)
 * and adopts the pages before it lets go of the parent's token, so no
 * page can be released in between.  Each ref must be a grant of this
 * connection's domain that is still held (by its owner's file or mapping
 * hold, or by another adopter); this connection then takes an *adopted
 * mapping hold* on it, dropped by UNMAPPED of that ref on this
 * connection, by the token's hangup, or by close.  A grant is released
 * (notify, end of access) when its owner's holds and every adopted hold
 * are gone, as Linux's gntalloc frees a page when its last user goes.
 *
 * Request: struct gbx_refs, tail uint32_t refs[count].  Reply: header
 * only.  Errors: EINVAL (count; a ref that is not a held grant of this
 * domain, or that this connection adopted already, or that appears
 * twice: nothing is adopted then), ENOMEM.
 */

/* ------------------------------------------------------------------ */
/* Event channels.                                                       */

/*
 * EVT_BIND_UNBOUND: allocate a port of this domain, unbound, that
 * remote_dom may bind to.  EVT_BIND_INTERDOMAIN: allocate a port bound to
 * remote_port of remote_dom, which must be unbound and waiting for this
 * domain.  EVT_BIND_VIRQ: bind a virtual interrupt.  The new port belongs
 * to this handle; gntboxd has written its slot in the handle's event page
 * (generation gen, unmasked, not pending) before replying, and, for
 * BIND_INTERDOMAIN, fired it, as Xen sets the new port pending.
 *
 * Errors follow Xen's event_channel.c, in hv/evtchn.h's order: ESRCH
 * (BIND_INTERDOMAIN: the remote domain does not exist or is dying;
 * BIND_UNBOUND does not ask, as Xen does not), EINVAL (remote port invalid
 * or not waiting for us; virq unknown or without a source here), ENOSPC
 * (no free port), EACCES (the handle is restricted: to another domain for
 * BIND_INTERDOMAIN, always for BIND_UNBOUND and BIND_VIRQ, as Linux), EEXIST
 * (virq already bound in this domain), EBUSY (a global virq bound by a
 * domain other than 0).
 *
 * Every EVT_* request of a handle whose domain is being destroyed is
 * ESRCH: its ports closed with the domain, and the connection is about to
 * be.
 */
struct gbx_evt_bind {
	uint32_t remote_dom;  /* BIND_UNBOUND, BIND_INTERDOMAIN */
	uint32_t remote_port; /* BIND_INTERDOMAIN */
	uint32_t virq;	      /* BIND_VIRQ */
	uint32_t pad;
};

struct gbx_evt_bind_reply {
	uint32_t port;
	uint32_t gen;
};

/*
 * EVT_UNBIND: close a port of this handle.  The client has already
 * unbound the slot (evtpage_unbind: generation 0, so notifiers with the
 * old one come here; the port's ring entries stay, as in Linux's ring);
 * gntboxd unbinds it again in case it did not.
 * The remote end, if any, becomes unbound and waits for this domain again,
 * as in Xen.  A port named by an unmap notify that has not fired yet stays
 * allocated until it has.  Reply: header only.  Errors: ENOTCONN (not a
 * port of this handle), EINVAL (port out of range).
 */
struct gbx_evt_port {
	uint32_t port;
	uint32_t pad;
};

/*
 * EVT_NOTIFY: the slow path of a notify.  gntboxd delivers the event
 * itself (or drops it, as Xen does, when the port is unbound) and tells
 * the client where the remote end is now, so later notifies go directly
 * (docs/architecture.md §6).  Request: struct gbx_evt_notify.  Reply:
 * struct gbx_evt_notify_reply; when fds_attached is 1, the peer handle's
 * eventfd and event page come with it, in that order.  gntboxd attaches a
 * peer handle's descriptors the first time it names that handle to this
 * connection, and whenever the request sets GBX_EVT_WANT_FDS; a client
 * that let go of a peer's descriptors since sets it.  Notifying a virq
 * port, or a port whose remote end is unbound, succeeds and delivers
 * nothing (PEER_NONE).
 * Errors: ENOTCONN (not a port of this handle, out of range included, as
 * Linux answers IOCTL_EVTCHN_NOTIFY), EINVAL (unknown flags).
 */
#define GBX_EVT_WANT_FDS 0x1

struct gbx_evt_notify {
	uint32_t port;
	uint32_t flags; /* GBX_EVT_WANT_FDS */
};

#define GBX_EVT_PEER_NONE   0 /* no remote handle: the notify was dropped */
#define GBX_EVT_PEER_HANDLE 1 /* peer_* name the remote end */

struct gbx_evt_notify_reply {
	uint32_t state;	    /* GBX_EVT_PEER_* */
	uint32_t peer_port; /* the remote port (its slot in the peer's page) */
	uint32_t peer_gen;  /* the remote binding's generation */
	uint32_t fds_attached;
	uint64_t peer_handle; /* the remote handle's id */
};

/*
 * EVT_RESTRICT: from now on this handle may bind only to domid (Linux's
 * IOCTL_EVTCHN_RESTRICT_DOMID).  Request: struct gbx_evt_restrict.
 * Errors: EACCES (already restricted), EINVAL (domid 0 or reserved).
 */
struct gbx_evt_restrict {
	uint32_t domid;
	uint32_t pad;
};

/* ------------------------------------------------------------------ */
/* Control socket: its own file, for length.                             */

#include "proto/control.h"

/* ------------------------------------------------------------------ */
/* Observability (issue 12): logs, per-domain counters, trace.          */

/*
 * Log levels on the wire, as base/log.h numbers them: the most verbose
 * level a reader wants.
 */
#define GBX_LEVEL_ERR	0
#define GBX_LEVEL_WARN	1
#define GBX_LEVEL_INFO	2
#define GBX_LEVEL_DEBUG 3

/*
 * CTL_LOG (bulk only): the lines gntboxd keeps in memory (its last
 * GBXD_LOG_LINES, whatever --log says), as `xl dmesg` reads Xen's
 * console ring.  Request: struct gbx_log_req.  Reply: struct
 * gbx_dump_reply with rec_size 1 and count the bytes of text in the
 * bulk memfd: lines of at most `level`, the last `lines` of them (0:
 * all), each ending with a newline.
 *
 * With GBX_LOG_FOLLOW the connection then receives a CTL_FEED message of
 * kind GBX_FEED_LOG for every later line of at most `level`, until it
 * closes.  Errors: EINVAL (level above GBX_LEVEL_DEBUG, unknown flags),
 * EBUSY (the connection follows a feed already).
 */
#define GBX_LOG_FOLLOW 0x1

struct gbx_log_req {
	uint32_t lines; /* the last N lines; 0: every line kept */
	uint8_t level;	/* GBX_LEVEL_* */
	uint8_t flags;	/* GBX_LOG_FOLLOW */
	uint16_t pad;
};

/*
 * CTL_TRACE: subscribe the connection to the trace feed: from the reply
 * on, one CTL_FEED message of kind GBX_FEED_TRACE per operation gntboxd
 * performs for a domain (grant share, end of share, map, unmap, notify
 * settings, copy, port bind and unbind, notify through gntboxd, xenstore
 * requests with their paths and results, domain creation and
 * destruction) and per denial, restricted to operations that involve
 * domain `domid` (as actor or as the other side) unless it is
 * GBX_ALL_DOMAINS.  Request: struct gbx_dump.  Reply: header only.
 * Errors: ESRCH (no such domain), EBUSY (already following a feed).
 */

/*
 * CTL_FEED: a message gntboxd sends by itself, never a reply, to a
 * connection that follows a feed (CTL_LOG with GBX_LOG_FOLLOW, or
 * CTL_TRACE); its seq is that of the request that subscribed.  Body
 * struct gbx_feed, tail: one line of text (no newline, no nul).
 *
 * gntboxd never waits for a feed's reader: a line that does not fit in
 * the socket at once is dropped and counted, and the next line that
 * goes out says in `dropped` how many were lost before it.  A
 * subscribed connection should send no further request: feed messages
 * would come between its replies.
 */
#define GBX_FEED_LOG   1
#define GBX_FEED_TRACE 2

struct gbx_feed {
	uint32_t kind;	  /* GBX_FEED_* */
	uint32_t level;	  /* LOG: the line's GBX_LEVEL_* */
	uint64_t dropped; /* lines lost just before this one */
};

/*
 * CTL_DOMSTATS (bulk only): per-domain levels and counters, for `gntbox
 * top`.  Request: struct gbx_dump (GBX_ALL_DOMAINS for every domain).
 * Reply: struct gbx_dump_reply, records struct gbx_domstat_rec.  The
 * counters are totals since the domain was created; a reader makes
 * rates from two dumps.  Errors: ESRCH (no such domain).
 */
struct gbx_domstat_rec {
	uint16_t domid;
	uint16_t flags;	  /* GBX_DOM_* */
	uint32_t grants;  /* grant entries of its table in use */
	uint32_t handles; /* maptrack handles: grants it maps, page by page */
	uint32_t ports;	  /* its ports in use */
	uint64_t events;  /* notifications delivered to its ports (see below) */
	uint64_t xs_ops;  /* xenstore requests its connections made */
	uint64_t denials; /* refusals logged (or rate-limited) for it */
	uint64_t unlogged; /* of those, lines the rate limit kept out */
	char name[GBX_NAME_MAX];
};

/*
 * `events` counts every notification that reached a binding of one of
 * the domain's ports, whoever sent it: a process on the fast path
 * (evtpage.h: the notifier counts it in the receiver's event page),
 * gntboxd on the slow path, an unmap notify, a virq.  Notifications
 * merged into one already pending count each; those sent to an unbound
 * port (dropped, as Xen drops them) do not.  A process of another
 * domain that holds the page can write the counter too: it is as honest
 * as the domain's peers.
 */

/*
 * CTL_XS_PERMS: a xenstore node's permission list as the store keeps it,
 * with what GET_PERMS cannot say: which entries the store ignores
 * because they name a domain that did not exist when they were set (C
 * xenstored ignores those; a domain created later with that id does not
 * get their rights).  Request: struct gbx_xs_path, tail the absolute
 * path with its nul (`len` bytes).  Reply: struct gbx_xs_perms_reply,
 * tail struct gbx_xs_perm[count].  Errors: ENOENT (no such node),
 * EINVAL (not an absolute path or a special node, or not nul-terminated),
 * E2BIG (more entries than one reply carries).
 */
struct gbx_xs_path {
	uint32_t len; /* path bytes, nul included */
	uint32_t pad;
};

struct gbx_xs_perms_reply {
	uint32_t count;
	uint32_t pad;
};

#define GBX_XS_PERM_IGNORED 0x1

struct gbx_xs_perm {
	uint32_t domid;
	uint8_t access; /* 'n', 'r', 'w' or 'b', as GET_PERMS writes it */
	uint8_t flags;	/* GBX_XS_PERM_* */
	uint16_t pad;
};

/* privcmd (issue 9): its kind and messages are in proto/pcmd.h. */
#include "proto/pcmd.h"

#endif /* GNTBOX_PROTO_PROTO_H */
