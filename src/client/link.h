/*
 * link.h: the client's connection to gntboxd (proto.h).
 *
 * The bottom of the client core (src/client/), built on base/ and proto/
 * only: the grant device (gntdev.h), the event-channel handle
 * (evtchn_handle.h) and the control client (lib/ctl.h) each talk to
 * gntboxd through one.  (gntboxd's side of a connection is another
 * matter, in src/daemon/.)
 *
 * One connection per grant device handle, event channel handle, or
 * control session.  A connection:
 *
 * - says HELLO of its kind; a grant device connection sends the process
 *   token (one end of a socketpair whose other end stays here,
 *   close-on-exec, so gntboxd learns when this process exits or execs);
 * - serialises requests with a mutex held from send to reply, and checks
 *   that each reply has the request's type and sequence number;
 * - sends one-way messages in order with the requests;
 * - moves tails larger than GBX_INLINE_MAX through a bulk memfd it keeps
 *   and reuses (only for requests with replies: gntboxd has read the tail
 *   before it answers, so the memfd is free again when the reply comes);
 * - caches the arena descriptors gntboxd sends, by arena id, at most
 *   GBX_ARENA_CACHE_FDS of them (link.c): the least recently used goes
 *   first, and gntboxd is told (ARENA_PUT), so that it keeps an empty
 *   arena only while some connection holds its descriptor; a missing one
 *   comes back with ARENA_GET.
 *
 * Every function returns 0 or an errno value.  A connection whose stream
 * broke (gntboxd went away, or answered out of protocol) fails every later
 * call with EPIPE.  A reply whose descriptors the kernel dropped because
 * this process's descriptor table is full does not break it: the call
 * says so (fds_lost), and what needed them fails with EMFILE.
 * Thread-safe.
 */
#ifndef GNTBOX_CLIENT_LINK_H
#define GNTBOX_CLIENT_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "proto/proto.h"

struct gbx_conn;

/*
 * Connect: kind GBX_KIND_GNTDEV or GBX_KIND_EVTCHN to domain domid's
 * device socket, GBX_KIND_CONTROL to the control socket (domid ignored).
 * The runtime directory must be ours or root's and the daemon must run as
 * us or as root (paths.h): otherwise EPERM, with the reason in
 * gbx_refusal().  Errors: ENOENT (no gntboxd, or no such domain), EPERM,
 * EPROTO (the HELLO was refused or answered wrongly), those of the HELLO
 * reply (EMFILE, ESRCH, EACCES), and those of socket(2) and connect(2).
 */
int gbx_conn_open(uint32_t kind, unsigned domid, struct gbx_conn **cp);

/* Close the connection and every descriptor it holds. */
void gbx_conn_close(struct gbx_conn *c);

/*
 * The connection's socket.  The preload library gives the program a
 * duplicate of it as the device's descriptor, so that the connection
 * lives as long as any copy of that descriptor, as a Linux device file
 * lives as long as any descriptor of it.
 */
int gbx_conn_sock(const struct gbx_conn *c);

/*
 * In a fork()ed child: close the child's copy of the process token.  The
 * token stands for the process that opened the connection; the child
 * holding a copy would keep gntboxd from seeing that process exit.  The
 * caller makes sure no other thread uses the connection.
 */
void gbx_conn_token_close(struct gbx_conn *c);

/* The HELLO reply. */
const struct gbx_hello_reply *gbx_conn_hello(const struct gbx_conn *c);

/*
 * Take the descriptors that came with the HELLO reply (an event channel
 * handle's eventfd and event page); the caller owns them afterwards.
 * Stores at most GBX_MAX_FDS and their number in *n.
 */
void gbx_conn_take_hello_fds(struct gbx_conn *c, int *fds, unsigned *n);

/*
 * One request and its reply.  The caller fills the request part and the
 * sizes of the reply it expects, computed from its own counts: a reply
 * tail is never sized from what gntboxd says.
 */
struct gbx_call {
	uint16_t type;	  /* GBX_* */
	bool bulk;	  /* force a bulk memfd (dumps) */
	const void *body; /* fixed body and its length */
	size_t blen;
	const void *tail; /* request tail and its length */
	size_t tlen;
	void *reply;	 /* where the reply's fixed body goes */
	size_t rcap;	 /* its size */
	void *rtail;	 /* where the reply's tail goes */
	size_t rtlen;	 /* its expected length */
	int fdlist;	 /* offset of a struct gbx_fdlist in reply, or -1 */
	const int *xfds; /* descriptors to send (not with bulk) */
	unsigned nx;
	/* Results. */
	size_t rlen;	/* bytes of fixed body received (<= rcap) */
	bool rtail_got; /* the tail was there and was read into rtail */
	bool fds_lost;	/* descriptors of the reply were dropped (EMFILE) */
};

/*
 * Start a call of type with a fixed body and room for a fixed reply; no
 * tails and no arena list until the caller adds them.
 */
static inline void
gbx_call_init(struct gbx_call *call, uint16_t type, const void *body,
    size_t blen, void *reply, size_t rcap)
{

	memset(call, 0, sizeof(*call));
	call->type = type;
	call->body = body;
	call->blen = blen;
	call->reply = reply;
	call->rcap = rcap;
	call->fdlist = -1;
}

/*
 * Send c's request and wait for its reply.  Returns the reply's error (0
 * or an errno value; the reply body may still be there, as MAP's is on
 * EINVAL) or a transport error: EPIPE (the stream is broken), EPROTO (a
 * reply that does not match the request; the stream is then broken too),
 * EMSGSIZE (a request that cannot be sent), ENOMEM.  Arena descriptors
 * listed in the reply's fdlist are cached; any other descriptor is closed.
 * call->fds_lost says that the kernel dropped some of them (the reply
 * still stands).
 */
int gbx_conn_call(struct gbx_conn *c, struct gbx_call *call);

/*
 * As gbx_conn_call(), but the reply's descriptors go to fds (room for
 * GBX_MAX_FDS; their number in *nfds) for the caller to own, instead of
 * the arena cache: an EVT_NOTIFY reply's peer eventfd and page.  *nfds is
 * 0 when no reply came; with call->fds_lost, fewer came than were sent.
 */
int gbx_conn_call_fds(struct gbx_conn *c, struct gbx_call *call, int *fds,
    unsigned *nfds);

/*
 * A control dump (CTL_DOMAIN_LIST, CTL_GRANTS, CTL_PORTS): send type with
 * body over bulk, and return the records in a new array (*recs, to free;
 * it always holds at least one zeroed record) of rec_size bytes each,
 * and their number in *nrecs.  Errors: as gbx_conn_call(), and EPROTO
 * for a dump larger than GBX_DUMP_MAX records or out of its memfd.
 */
#define GBX_DUMP_MAX (1u << 22)

int gbx_conn_dump(struct gbx_conn *c, uint16_t type, const void *body,
    size_t blen, size_t rec_size, void **recs, uint32_t *nrecs);

/*
 * Send a one-way message with an inline tail (tlen <= GBX_INLINE_MAX: a
 * bulk memfd could be overwritten before gntboxd reads it, so callers
 * split long lists).  Returns 0, EPIPE, EMSGSIZE.
 */
int gbx_conn_send(struct gbx_conn *c, uint16_t type, const void *body,
    size_t blen, const void *tail, size_t tlen);

/*
 * A descriptor for arena `arena`, from the cache or by ARENA_GET; the
 * connection keeps ownership, and keeps the descriptor open until the
 * caller calls gbx_conn_arena_unpin() (once per successful call), as
 * soon as it has mapped or read it.  With readonly, a descriptor opened
 * read-only, so that a mapping made from it can never be made writable
 * (mprotect fails with EACCES).  Errors: ENOENT (gntboxd does not know
 * the arena, or it is not ours to hold), EMFILE (our descriptor table is
 * full: the same call works once a descriptor is free), EPIPE, ENOMEM,
 * and those of open(2) for the read-only reopening.
 */
int gbx_conn_arena_fd(struct gbx_conn *c, uint32_t arena, bool readonly,
    int *fd);
void gbx_conn_arena_unpin(struct gbx_conn *c, uint32_t arena);

#endif /* GNTBOX_CLIENT_LINK_H */
