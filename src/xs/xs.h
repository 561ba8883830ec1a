/*
 * xs.h: gntboxd's xenstore, as the daemon sees it.
 *
 * The store does no I/O.  The daemon accepts a connection on a domain's
 * xenstore socket, creates an xs_conn for that domain, feeds it the bytes
 * it reads and writes out the bytes it produces.  This keeps the protocol
 * engine testable byte for byte without sockets, and keeps the event loop
 * in one place.
 *
 * Flow control: a connection's pending output is bounded; a client that
 * stops reading while watch events pile up past the bound, or that sends
 * a malformed or oversized message, makes xs_conn_input() or the store
 * mark the connection failed, and the daemon drops it.  Nothing a client
 * sends can affect another connection beyond what xenstore's semantics
 * say (a write fires other clients' watches).
 */
#ifndef GNTBOX_XS_XS_H
#define GNTBOX_XS_XS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct xs_store;
struct xs_conn;

/* Per-domain quotas; zero fields take the defaults (xs_limits_default). */
struct xs_limits {
	uint32_t nodes;	       /* nodes a domain may own */
	uint32_t watches;      /* watches per connection */
	uint32_t transactions; /* open transactions per connection */
	uint32_t value_size;   /* bytes in one node's value */
	uint32_t perms;	       /* entries in one node's permission list */
	uint32_t output_bytes; /* pending output before the client is dropped */
};

void xs_limits_default(struct xs_limits *l);

/*
 * A new store holding the initial tree of C xenstored (/, /tool,
 * /tool/xenstored, and the special nodes @introduceDomain and
 * @releaseDomain), owned by the privileged domain 0.  NULL on ENOMEM.
 */
struct xs_store *xs_store_new(const struct xs_limits *limits);
void xs_store_free(struct xs_store *s);

/*
 * A domain appears: create /local/domain/<domid> with domid, name and data/
 * (owned by the domain, readable by domain 0 only, data/ writable by the
 * domain) and fire @introduceDomain.  EEXIST if already introduced.
 */
int xs_domain_introduce(struct xs_store *s, unsigned domid, const char *name);

/*
 * A domain goes: its connections must already be closed (xs_conn_free).
 * Remove /local/domain/<domid>, every node the domain owns and its entries
 * in other nodes' permissions, then fire @releaseDomain.  ENOENT if unknown.
 */
int xs_domain_release(struct xs_store *s, unsigned domid);

/*
 * Whether domid is introduced (domain 0 always is).  A domain released
 * over the wire (RELEASE) is not, until the daemon introduces it again
 * after destroying it: the daemon accepts no connection for it meanwhile.
 */
bool xs_domain_introduced(const struct xs_store *s, unsigned domid);

/*
 * What one request did, for the daemon's counters, trace and log
 * (xs_conn_ops.request_done).  Pointers are valid during the call only.
 */
struct xs_req_info {
	uint32_t type;	/* XS_* of the request */
	uint32_t tx_id; /* its transaction, or 0 */
	/*
	 * The path it names, canonical (a relative path under the domain's
	 * home) when it names one; otherwise its first argument; "" when it
	 * has none.
	 */
	const char *path;
	int error; /* 0, or the errno of its ERROR reply */
	/*
	 * For a refusal on permissions (EACCES or EPERM): why, in words
	 * ("permission for domain 2 set before it existed"); else NULL.
	 */
	const char *denied;
};

struct xs_conn_ops {
	/*
	 * Output went from empty to non-empty: the daemon should drain it.
	 * Also called when the store fails the connection, possibly while
	 * another connection's request is handled (its client stopped
	 * reading, or its domain was released): the daemon should then
	 * check xs_conn_failed().  The callback must not call into the
	 * store other than xs_conn_output() and xs_conn_failed().
	 */
	void (*output_ready)(void *cookie);
	/*
	 * A request of this connection was handled (may be NULL).  The
	 * same restriction as output_ready's applies.
	 */
	void (*request_done)(void *cookie, const struct xs_req_info *info);
};

/* A request type's name for people ("read", "set-perms"), or "?". */
const char *xs_type_name(uint32_t type);

/* A connection of domain domid (0 is privileged).  NULL on ENOMEM. */
struct xs_conn *xs_conn_new(struct xs_store *s, unsigned domid,
    const struct xs_conn_ops *ops, void *cookie);

/*
 * Close a connection: its watches and transactions go (open transactions
 * are aborted), and its queued output is discarded.
 */
void xs_conn_free(struct xs_conn *c);

/*
 * Bytes read from the client.  Complete requests are processed at once and
 * their replies (and any watch events they cause, on any connection) are
 * queued.  Returns 0, or an errno value when the connection must be
 * dropped (EMSGSIZE: payload above XENSTORE_PAYLOAD_MAX; ENOBUFS: output
 * bound exceeded; ENOMEM; ECONNRESET: its domain was released).  Replies
 * count against the output bound too, so the daemon should read a client
 * only while its output is empty, a few KiB at a time.
 */
int xs_conn_input(struct xs_conn *c, const void *buf, size_t len);

/*
 * Queued output: xs_conn_output() points *buf at the first pending bytes
 * and returns how many (0 when none); xs_conn_consume() drops n of them
 * once written.
 */
size_t xs_conn_output(struct xs_conn *c, const void **buf);
void xs_conn_consume(struct xs_conn *c, size_t n);

/* True when the store gave up on the connection: the daemon drops it. */
bool xs_conn_failed(const struct xs_conn *c);

/*
 * Why the store gave up on it (what xs_conn_input() would return:
 * ECONNRESET when its domain was released, ENOBUFS past the output bound,
 * ...), or 0 while it has not.  For the daemon's log and counters.
 */
int xs_conn_error(const struct xs_conn *c);

/* Levels for gntbox stats. */
struct xs_stats {
	uint64_t nodes;
	uint64_t watches;
	uint64_t transactions;
};

void xs_store_stats(const struct xs_store *s, struct xs_stats *st);

/*
 * One entry of a node's permission list as the store keeps it, for
 * `gntbox xs ls -p`: with whether the store ignores it, because it names
 * a domain that did not exist when it was set (C xenstored's rule: a
 * domain created later with that id does not get its rights).
 */
struct xs_perm_entry {
	uint32_t domid;
	char access; /* 'n', 'r', 'w' or 'b' */
	bool ignored;
};

/*
 * The permissions of the node at path (absolute and canonical, or a
 * special node), at most max entries into out, their number in *n.
 * Returns 0, ENOENT (no such node), EINVAL (a bad path) or E2BIG (more
 * than max entries; *n says how many).  The live tree, not a
 * transaction's view.
 */
int xs_node_perms(struct xs_store *s, const char *path,
    struct xs_perm_entry *out, uint32_t max, uint32_t *n);

#endif /* GNTBOX_XS_XS_H */
