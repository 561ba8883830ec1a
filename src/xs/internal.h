/*
 * internal.h: the xenstore engine's own structures, shared by the files of
 * src/xs/ and by its unit tests.  Nothing outside src/xs/ and tests/ may
 * include it: the daemon sees only xs.h.
 *
 * The parts, one file each:
 *   path.c         canonical paths, relative paths, watch matching
 *   node.c         the live tree: nodes, children, the path index
 *   perms.c        permission lists: parsing, printing, checking
 *   view.c         a request's view of the tree (live, or a transaction's)
 *   transaction.c  transactions: a private overlay and its commit
 *   watch.c        watches, their index and event delivery
 *   xs_domain.c    domains: introduce, release, per-domain state
 *   quota.c        limits and the GET_QUOTA / SET_QUOTA requests
 *   ops.c          the node requests (READ, WRITE, RM, ...)
 *   xs_conn.c      the engine's connections: input framing, output queue,
 *                  dispatch
 *   store.c        the store, its initial tree, CONTROL and self-check
 */
#ifndef GNTBOX_XS_INTERNAL_H
#define GNTBOX_XS_INTERNAL_H

#include <errno.h> /* xs_wire.h's error table needs the E names */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xen/io/xs_wire.h>

#include "base/tree.h"
#include "xs/xs.h"

/*
 * Message types that Debian's xs_wire.h (Xen 4.17) predates; the numbers
 * are those of docs/misc/xenstore.txt.
 */
#define XST_GET_FEATURE 23
#define XST_SET_FEATURE 24
#define XST_GET_QUOTA	25
#define XST_SET_QUOTA	26
#define XST_COUNT	27

/* Server features (xs_wire.h of newer Xen). */
#define XSF_WATCHDEPTH 4
#define XSF_DOMID_ANY  8
/*
 * What we advertise.  XENSTORE_SERVER_FEATURE_ERROR (2) describes a field
 * of the shared ring page, which socket connections do not have.
 */
#define XS_FEATURES    (XSF_WATCHDEPTH | XSF_DOMID_ANY)

/* Special domain ids (xen/include/public/xen.h). */
#define XS_DOMID_FIRST_RESERVED 0x7FF0u
#define XS_DOMID_SELF		0x7FF0u
#define XS_DOMID_ANY		0x7FF5u

/* The privileged domain. */
#define XS_PRIV_DOMID 0u

/* Permission bits of one entry; only READ and WRITE travel on the wire. */
#define XSP_NONE   0x00
#define XSP_READ   0x01
#define XSP_WRITE  0x02
#define XSP_OWNER  0x08 /* only in what xs_perm_for() returns */
#define XSP_IGNORE 0x10 /* entry names a domain that does not exist */

/* Generation of a node that does not exist. */
#define XS_GEN_NONE UINT64_MAX

/* Longest canonical path plus room for a child name while walking. */
#define XS_PATH_BUF (XENSTORE_ABS_PATH_MAX + XENSTORE_PAYLOAD_MAX + 2)

/* Room for the reason of a refusal, for the daemon's log. */
#define XS_WHY_MAX 256

/* Transaction-nodes quota of C xenstored (nodes one transaction touches). */
#define XS_DEFAULT_TX_NODES 1024

struct xs_perm {
	uint32_t id;
	uint32_t bits;
};

/* A permission list; entry 0 is the owner and the default. */
struct xs_perms {
	struct xs_perm *p;
	uint32_t n;
};

/*
 * A node of the live tree.  Children sit in a red-black tree ordered by
 * name; each child also records the bytes its subtree of that tree takes
 * in a DIRECTORY reply (name plus nul), so that DIRECTORY_PART finds a
 * byte offset in O(log n) and DIRECTORY knows its size up front.
 */
struct xs_node {
	RB_ENTRY(xs_node) sib;
	RB_HEAD(xs_kids, xs_node) kids;
	struct xs_node *parent;
	uint64_t subbytes; /* sum of (namelen + 1) over this subtree of sib */
	uint64_t gen;
	uint32_t nkids;
	uint32_t vlen;
	char *value;
	struct xs_perms perms;
	uint16_t namelen;
	char *name; /* not nul-terminated past namelen for the root ("") */
};

enum xs_match {
	XS_MATCH_EXACT,	  /* watch path equals the event path */
	XS_MATCH_SUBTREE, /* event path at or below the watch path */
	XS_MATCH_DEPTH,	  /* special event with a domid suffix */
	XS_MATCH_NODEPTH, /* special event without suffix */
};

/* Quotas, as GET_QUOTA and SET_QUOTA name them. */
enum xs_quota {
	XSQ_NODES,
	XSQ_WATCHES,
	XSQ_TRANSACTIONS,
	XSQ_NODE_SIZE,
	XSQ_PERMS,
	XSQ_TX_NODES,
	XSQ_COUNT,
};
#define XSQ_UNSET UINT32_MAX

/*
 * What the store knows of a domain: whether it is introduced, how many
 * nodes it owns and how many permission entries name it (so release can
 * skip the tree walk when nothing outside its home refers to it), its
 * target, features and quota overrides, and its live connections.
 */
struct xs_domain {
	RB_ENTRY(xs_domain) link;
	uint32_t domid;
	bool introduced;
	bool named;	 /* xs_domain_introduce() made its home */
	uint32_t target; /* XS_DOMID_ANY when none */
	uint32_t features;
	uint64_t nnodes;
	uint64_t nrefs;
	uint64_t chk_nodes; /* scratch for xs_store_check() */
	uint64_t chk_refs;
	uint32_t quota[XSQ_COUNT];
	TAILQ_HEAD(xs_connq, xs_conn) conns;
};
RB_HEAD(xs_domains, xs_domain);

struct xs_watch;
struct xs_wbucket;
RB_HEAD(xs_windex, xs_wbucket);
RB_HEAD(xs_cwatches, xs_watch);
struct xs_tx;
RB_HEAD(xs_txs, xs_tx);

/* One queued output message (header and payload in one block). */
struct xs_out {
	STAILQ_ENTRY(xs_out) link;
	size_t len;
	size_t off;
	unsigned char data[];
};

struct xs_conn {
	TAILQ_ENTRY(xs_conn) link;    /* in the store */
	TAILQ_ENTRY(xs_conn) domlink; /* in its domain */
	struct xs_store *store;
	struct xs_domain *dom;
	uint32_t domid;
	const struct xs_conn_ops *ops;
	void *cookie;
	int failed; /* errno that failed it, or 0 */

	/* Input: one message being assembled. */
	size_t inlen;
	union {
		struct xsd_sockmsg hdr;
		unsigned char
		    raw[sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX + 1];
	} in;

	/* Output: queued messages and their total size. */
	STAILQ_HEAD(xs_outq, xs_out) out;
	size_t outbytes;

	struct xs_cwatches watches;
	uint32_t nwatches;
	struct xs_txs txs;
	uint32_t ntxs;
	uint32_t next_txid;
};

struct xs_store {
	struct xs_limits limits;
	uint32_t glob_quota[XSQ_COUNT];
	struct xs_node *root;
	struct xs_node *intro;	 /* @introduceDomain */
	struct xs_node *release; /* @releaseDomain */
	uint64_t gen;
	uint64_t nnodes;
	uint64_t nwatches;
	uint64_t ntxs;
	uint64_t watch_seq;
	uint64_t lookup_steps;
	struct xs_domains domains;
	struct xs_windex windex;
	struct xs_connq conns;
};

/*
 * One request being handled: the connection, its transaction (or NULL),
 * the header as received and the payload, nul-terminated one byte past
 * its end so that a payload without a nul cannot be over-read.
 */
struct xs_req {
	struct xs_store *s;
	struct xs_conn *c;
	struct xs_tx *tx;
	struct xsd_sockmsg hdr;
	char *data;
	uint32_t len;
	bool replied;
	char why[XS_WHY_MAX]; /* a permission refusal's reason (xs_deny) */
};

/* A node as one request sees it: live, or a transaction's copy. */
struct xs_ref {
	bool exists;
	const char *value;
	uint32_t vlen;
	struct xs_perms perms;
	uint64_t gen;
	struct xs_node *node; /* live node, when the view is live */
	struct xs_txnode *tn; /* overlay entry, in a transaction */
};

/* path.c */
int xs_canonical(const struct xs_req *rq, const char *in, bool special,
    char *out, bool *relative);
size_t xs_home_len(uint32_t domid);
int xs_home_path(uint32_t domid, char *buf, size_t size);
size_t xs_parent_len(const char *path);
bool xs_is_child(const char *child, const char *parent, int depth);
bool xs_path_is_special(const char *path);
unsigned xs_get_strings(const char *data, uint32_t len, const char **vec,
    unsigned max);
const char *xs_onearg(const struct xs_req *rq);
int xs_parse_uint(const char *s, uint32_t max, uint32_t *out);
int xs_parse_domid(const char *s, uint32_t *domid);
int xs_name_cmp(const char *a, size_t alen, const char *b, size_t blen);

/* node.c */
struct xs_node *xs_node_alloc(const char *name, size_t namelen);
void xs_node_destroy(struct xs_node *n);
void xs_node_free_tree(struct xs_node *n);
struct xs_node *xs_node_find(struct xs_store *s, const char *path,
    struct xs_node **deepest, size_t *dlen);
struct xs_node *xs_node_kid(struct xs_store *s, struct xs_node *parent,
    const char *name, size_t len);
int xs_node_add(struct xs_store *s, struct xs_node *parent, const char *name,
    size_t namelen, const char *value, uint32_t vlen,
    const struct xs_perms *perms, struct xs_node **out);
void xs_node_link(struct xs_store *s, struct xs_node *parent,
    struct xs_node *n);
void xs_node_take_value(struct xs_store *s, struct xs_node *n, char *buf,
    uint32_t vlen);
void xs_node_take_perms(struct xs_store *s, struct xs_node *n,
    struct xs_perms *perms);
int xs_node_set_value(struct xs_store *s, struct xs_node *n, const char *value,
    uint32_t vlen);
int xs_node_set_perms(struct xs_store *s, struct xs_node *n,
    const struct xs_perms *perms);
void xs_node_perms_account(struct xs_store *s, const struct xs_perms *p,
    int sign);
void xs_node_unlink(struct xs_store *s, struct xs_node *n);
void xs_node_rm_tree(struct xs_store *s, struct xs_node *top, char *path,
    bool fire);
struct xs_node *xs_node_first(struct xs_node *n);
struct xs_node *xs_node_next(struct xs_node *parent, struct xs_node *kid);
struct xs_node *xs_node_at(struct xs_node *n, uint64_t off, uint64_t *inner);
size_t xs_node_path(const struct xs_node *n, char *buf, size_t size);
int xs_node_check(struct xs_store *s, struct xs_node *n, uint64_t *count);

/* perms.c */
int xs_perms_parse(const char *strings, uint32_t len, uint32_t n,
    struct xs_perms *out);
size_t xs_perms_format(const struct xs_perms *p, char *buf, size_t size);
int xs_perms_copy(struct xs_perms *dst, const struct xs_perms *src);
void xs_perms_free(struct xs_perms *p);
bool xs_perms_equal(const struct xs_perms *a, const struct xs_perms *b);
unsigned xs_perm_for(const struct xs_store *s, uint32_t domid,
    const struct xs_perms *p);
void xs_perms_adjust(struct xs_store *s, struct xs_perms *p);
bool xs_is_priv(uint32_t domid);
void xs_perm_explain(const struct xs_store *s, uint32_t domid,
    const struct xs_perms *p, unsigned need, char *buf, size_t len);

/* xs_domain.c */
struct xs_domain *xs_domain_find(const struct xs_store *s, uint32_t domid);
struct xs_domain *xs_domain_get(struct xs_store *s, uint32_t domid);
struct xs_domain *xs_domain_first(struct xs_store *s);
struct xs_domain *xs_domain_next(struct xs_store *s, struct xs_domain *d);
bool xs_domain_exists(const struct xs_store *s, uint32_t domid);
void xs_domains_free(struct xs_store *s);
int xs_do_introduce(struct xs_req *rq);
int xs_do_release(struct xs_req *rq);
int xs_do_resume(struct xs_req *rq);
int xs_do_get_domain_path(struct xs_req *rq);
int xs_do_is_domain_introduced(struct xs_req *rq);
int xs_do_set_target(struct xs_req *rq);
int xs_do_get_feature(struct xs_req *rq);
int xs_do_set_feature(struct xs_req *rq);

/* quota.c */
uint32_t xs_quota(const struct xs_store *s, uint32_t domid, enum xs_quota q);
bool xs_quota_exceeded(const struct xs_store *s, uint32_t domid,
    enum xs_quota q, uint64_t val);
int xs_node_quota(struct xs_req *rq, uint64_t k);
void xs_quota_init(struct xs_store *s);
int xs_do_get_quota(struct xs_req *rq);
int xs_do_set_quota(struct xs_req *rq);

/* view.c */
int xs_view_get(struct xs_req *rq, const char *path, struct xs_ref *r);
int xs_view_get_node(struct xs_req *rq, const char *path, unsigned need,
    struct xs_ref *r);
int xs_view_write(struct xs_req *rq, const char *path, struct xs_ref *r,
    const char *value, uint32_t vlen);
int xs_view_set_perms(struct xs_req *rq, const char *path, struct xs_ref *r,
    const struct xs_perms *perms);
int xs_view_rm(struct xs_req *rq, const char *path, struct xs_ref *r);
int xs_view_list(struct xs_req *rq, const char *path, struct xs_ref *r,
    size_t max, char **buf, size_t *len);
struct xs_node *xs_special(const struct xs_store *s, const char *path);

/* transaction.c */
struct xs_tx *xs_tx_find(struct xs_conn *c, uint32_t id);
void xs_tx_free_all(struct xs_conn *c);
int xs_tx_get(struct xs_req *rq, const char *path, struct xs_ref *r);
int xs_tx_create(struct xs_req *rq, const char *path, const char *value,
    uint32_t vlen);
int xs_tx_set_value(struct xs_req *rq, struct xs_ref *r, const char *value,
    uint32_t vlen);
int xs_tx_set_perms(struct xs_req *rq, struct xs_ref *r,
    const struct xs_perms *perms);
int xs_tx_rm(struct xs_req *rq, const char *path, struct xs_ref *r);
int xs_tx_list(struct xs_req *rq, const char *path, struct xs_ref *r,
    char **buf, size_t *len);
int64_t xs_tx_owner_delta(const struct xs_tx *tx, uint32_t domid);
int xs_do_transaction_start(struct xs_req *rq);
int xs_do_transaction_end(struct xs_req *rq);

/* watch.c */
void xs_fire(struct xs_store *s, const char *path, enum xs_match m,
    struct xs_node *node, const struct xs_perms *old);
void xs_fire_special(struct xs_store *s, struct xs_node *special,
    uint32_t domid);
void xs_watch_free_all(struct xs_conn *c);
void xs_windex_free(struct xs_store *s);
int xs_do_watch(struct xs_req *rq);
int xs_do_unwatch(struct xs_req *rq);
int xs_do_reset_watches(struct xs_req *rq);

/* ops.c */
int xs_do_read(struct xs_req *rq);
int xs_do_write(struct xs_req *rq);
int xs_do_mkdir(struct xs_req *rq);
int xs_do_rm(struct xs_req *rq);
int xs_do_directory(struct xs_req *rq);
int xs_do_directory_part(struct xs_req *rq);
int xs_do_get_perms(struct xs_req *rq);
int xs_do_set_perms(struct xs_req *rq);

/* xs_conn.c */
void xs_reply(struct xs_req *rq, uint32_t type, const void *data, size_t len);
void xs_reply_ok(struct xs_req *rq);
void xs_reply_str(struct xs_req *rq, const char *s);
void xs_reply_error(struct xs_req *rq, int err);
void xs_send_event(struct xs_conn *c, const char *path, const char *token);
void xs_conn_fail(struct xs_conn *c, int err);
void xs_deny(struct xs_req *rq, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* store.c */
int xs_do_control(struct xs_req *rq);

/* For tests: the invariants of the whole store (0 or EFAULT). */
int xs_store_check(struct xs_store *s);
/* For tests: nodes a transaction has touched (-1: no such one). */
int64_t xs_tx_touched(struct xs_conn *c, uint32_t id);
/* For tests: comparisons made by path lookups so far. */
uint64_t xs_store_lookup_steps(const struct xs_store *s);

#endif /* GNTBOX_XS_INTERNAL_H */
