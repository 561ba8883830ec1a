/*
 * Unit test of what the xenstore engine tells the daemon about each
 * request (xs_conn_ops.request_done): its type, its canonical path, its
 * result, and for a refusal on permissions the reason, in the words the
 * daemon logs ("permission for domain 2 set before it existed", C
 * xenstored's rule that costs people time); and of xs_node_perms(), which
 * shows the entries the store ignores, and xs_type_name().
 */
#include <errno.h>
#include <stdint.h>

#include <xen/io/xs_wire.h>

#include <stdio.h>
#include <string.h>

#include "check.h"
#include "xs/internal.h"
#include "xsclient.h"

/* The last request_done of a connection. */
struct seen {
	unsigned calls;
	uint32_t type;
	uint32_t tx_id;
	int error;
	char path[XT_MAX];
	char denied[XS_WHY_MAX];
	bool has_denied;
};

static struct seen seen;

static void
ready(void *cookie)
{
	struct xt *t = cookie;

	t->ready++;
}

static void
done(void *cookie, const struct xs_req_info *info)
{

	(void)cookie;
	seen.calls++;
	seen.type = info->type;
	seen.tx_id = info->tx_id;
	seen.error = info->error;
	snprintf(seen.path, sizeof(seen.path), "%s", info->path);
	seen.has_denied = info->denied != NULL;
	snprintf(seen.denied, sizeof(seen.denied), "%s",
	    info->denied != NULL ? info->denied : "");
}

static const struct xs_conn_ops ops = { .output_ready = ready,
	.request_done = done };

/* A connection of domid whose requests we watch. */
static struct xt *
open_seen(struct xs_store *s, unsigned domid)
{
	struct xt *t;

	REQUIRE((t = xt_open(s, domid)) != NULL);
	t->c->ops = &ops;
	return (t);
}

/* The last request was refused with err, for the reason want. */
static void
check_denied(int err, const char *want)
{

	CHECK_EQ(seen.error, err);
	CHECK(seen.has_denied);
	if (strcmp(seen.denied, want) != 0)
		check_fail(__FILE__, __LINE__, "reason '%s', want '%s'",
		    seen.denied, want);
}

/*
 * The case of issue 12: domain 1 gives domain 3 read access before
 * domain 3 exists; C xenstored ignores that entry, so domain 3, created
 * afterwards, is refused, and the reason says why.  Setting the
 * permissions again once the domain exists makes them count.
 */
static void
test_set_before_domain(void)
{
	struct xs_store *s = xt_store(NULL);
	struct xt *one = open_seen(s, 1), *three;
	struct xs_perm_entry pe[4];
	uint32_t n;
	char buf[64];

	CHECK_ERR(xt_write(one, 0, "data/echo", "hi"), 0);
	CHECK_EQ(seen.type, XS_WRITE);
	CHECK(strcmp(seen.path, "/local/domain/1/data/echo") == 0);
	CHECK_EQ(seen.error, 0);
	CHECK(!seen.has_denied);
	CHECK_ERR(xt_setperms(one, 0, "data/echo", "n1,r3"), 0);
	/* The store shows the entry it ignores. */
	CHECK_ERR(xs_node_perms(s, "/local/domain/1/data/echo", pe, 4, &n), 0);
	CHECK_EQ(n, 2);
	CHECK(pe[0].domid == 1 && pe[0].access == 'n' && !pe[0].ignored);
	CHECK(pe[1].domid == 3 && pe[1].access == 'r' && pe[1].ignored);
	CHECK_ERR(xs_domain_introduce(s, 3, "three"), 0);
	three = open_seen(s, 3);
	CHECK_ERR(xt_read(three, 0, "/local/domain/1/data/echo", NULL, NULL),
	    EACCES);
	CHECK_EQ(seen.type, XS_READ);
	CHECK(strcmp(seen.path, "/local/domain/1/data/echo") == 0);
	check_denied(EACCES, "permission for domain 3 set before it existed");
	/* GET_PERMS (wire) cannot tell: it lists the entry as it was set. */
	CHECK_ERR(xt_getperms(one, 0, "data/echo", buf), 0);
	CHECK(strcmp(buf, "n1,r3") == 0);
	/* Set again now that domain 3 exists: it reads. */
	CHECK_ERR(xt_setperms(one, 0, "data/echo", "n1,r3"), 0);
	CHECK_ERR(xs_node_perms(s, "/local/domain/1/data/echo", pe, 4, &n), 0);
	CHECK(n == 2 && !pe[1].ignored);
	CHECK_ERR(xt_read(three, 0, "/local/domain/1/data/echo", NULL, NULL),
	    0);
	CHECK(!seen.has_denied);
	xt_close(three);
	xt_close(one);
	xs_store_free(s);
}

/* The other reasons, each for the refusal it explains. */
static void
test_reasons(void)
{
	struct xs_store *s = xt_store(NULL);
	struct xt *zero = open_seen(s, 0), *one = open_seen(s, 1),
		  *two = open_seen(s, 2);
	uint32_t tx;

	CHECK_ERR(xt_write(one, 0, "data/a", "1"), 0);
	CHECK_ERR(xt_setperms(one, 0, "data/a", "n1,r2"), 0);
	/* Read-only for domain 2: a write is refused. */
	CHECK_ERR(xt_write(two, 0, "/local/domain/1/data/a", "x"), EACCES);
	CHECK_EQ(seen.type, XS_WRITE);
	check_denied(EACCES, "permissions n1,r2 give domain 2 no write access");
	/* Not listed: the owner's entry is the default. */
	CHECK_ERR(xt_write(one, 0, "data/b", "1"), 0);
	CHECK_ERR(xt_read(two, 0, "/local/domain/1/data/b", NULL, NULL),
	    EACCES);
	check_denied(EACCES, "permissions n1 give domain 2 no read access");
	/* Only the owner changes permissions. */
	CHECK_ERR(xt_setperms(one, 0, "data/b", "n1,b2"), 0);
	CHECK_ERR(xt_setperms(two, 0, "/local/domain/1/data/b", "n2"), EACCES);
	CHECK_EQ(seen.type, XS_SET_PERMS);
	check_denied(EACCES,
	    "only its owner (domain 1) or domain 0 may change its "
	    "permissions (n1,b2)");
	/* An owner may not give a node away. */
	CHECK_ERR(xt_setperms(one, 0, "data/b", "n2"), EPERM);
	check_denied(EPERM,
	    "domain 1 owns it and may not give it to domain 2 (only domain "
	    "0 may change a node's owner)");
	/* A missing node under one it may not read: hidden, and said so. */
	CHECK_ERR(xt_write(one, 0, "data/c", "1"), 0);
	CHECK_ERR(xt_read(two, 0, "/local/domain/1/data/c/x/y", NULL, NULL),
	    EACCES);
	check_denied(EACCES,
	    "/local/domain/1/data/c, the nearest node above it that exists: "
	    "permissions n1 give domain 2 no read access");
	/* Under one it may read, a missing node is just missing. */
	CHECK_ERR(xt_read(two, 0, "/local/domain/1/data/a/x", NULL, NULL),
	    ENOENT);
	CHECK(!seen.has_denied);
	/* Privileged requests. */
	CHECK_ERR(xt_call(two, XS_SET_TARGET, 0,
		      "1\0"
		      "2",
		      4, NULL),
	    EACCES);
	CHECK_EQ(seen.type, XS_SET_TARGET);
	check_denied(EACCES, "only domain 0 may make set-target requests");
	CHECK_ERR(xt_call(two, XST_GET_FEATURE, 0, "1", 2, NULL), EACCES);
	check_denied(EACCES,
	    "only domain 0 may read another domain's features");
	/* Errors that are not about permissions carry no reason. */
	CHECK_ERR(xt_read(two, 0, "data/nope", NULL, NULL), ENOENT);
	CHECK_EQ(seen.error, ENOENT);
	CHECK(!seen.has_denied);
	CHECK_ERR(xt_read(two, 0, "bad//path", NULL, NULL), EINVAL);
	CHECK(strcmp(seen.path, "bad//path") == 0);
	/* Transactions are named; the privileged domain is never refused. */
	CHECK_ERR(xt_tx_start(two, &tx), 0);
	CHECK_ERR(xt_read(two, tx, "data", NULL, NULL), 0);
	CHECK_EQ(seen.tx_id, tx);
	CHECK(strcmp(seen.path, "/local/domain/2/data") == 0);
	CHECK_ERR(xt_tx_end(two, tx, 0), 0);
	CHECK_ERR(xt_read(zero, 0, "/local/domain/1/data/b", NULL, NULL), 0);
	CHECK(!seen.has_denied);
	xt_close(two);
	xt_close(one);
	xt_close(zero);
	xs_store_free(s);
}

/* One call per request, and none for a request that is not whole yet. */
static void
test_calls(void)
{
	struct xs_store *s = xt_store(NULL);
	struct xt *t = open_seen(s, 0);
	struct xsd_sockmsg h = { XS_READ, 9, 0, 3 };
	struct xt_msg m;
	unsigned before;

	before = seen.calls;
	CHECK_ERR(xt_input(t, &h, sizeof(h)), 0);
	CHECK_EQ(seen.calls, before);
	CHECK_ERR(xt_input(t, "/f", 3), 0);
	CHECK_EQ(seen.calls, before + 1);
	REQUIRE(xt_recv(t, &m));
	CHECK_EQ(seen.error, ENOENT);
	CHECK(strcmp(seen.path, "/f") == 0);
	CHECK_ERR(xt_call(t, 999, 0, "", 0, NULL), ENOSYS);
	CHECK_EQ(seen.calls, before + 2);
	CHECK_EQ(seen.type, 999);
	CHECK(strcmp(xs_type_name(XS_READ), "read") == 0);
	CHECK(strcmp(xs_type_name(XS_DIRECTORY_PART), "directory-part") == 0);
	CHECK(strcmp(xs_type_name(999), "?") == 0);
	CHECK(strcmp(xs_type_name(XS_WATCH_EVENT), "?") == 0);
	xt_close(t);
	xs_store_free(s);
}

/* xs_node_perms(): absolute paths only, special nodes, sizes. */
static void
test_node_perms(void)
{
	struct xs_store *s = xt_store(NULL);
	struct xt *t = xt_open(s, 0);
	struct xs_perm_entry pe[2];
	uint32_t n;

	CHECK_ERR(xs_node_perms(s, "/local/domain/1/name", pe, 2, &n), 0);
	CHECK(n == 2 && pe[0].domid == 0 && pe[0].access == 'n');
	CHECK(pe[1].domid == 1 && pe[1].access == 'r' && !pe[1].ignored);
	CHECK_ERR(xs_node_perms(s, "@introduceDomain", pe, 2, &n), 0);
	CHECK(n == 1 && pe[0].domid == 0);
	CHECK_ERR(xs_node_perms(s, "@nope", pe, 2, &n), ENOENT);
	CHECK_ERR(xs_node_perms(s, "/local/domain/9", pe, 2, &n), ENOENT);
	CHECK_ERR(xs_node_perms(s, "local/domain/1", pe, 2, &n), EINVAL);
	CHECK_ERR(xs_node_perms(s, "/local//domain", pe, 2, &n), EINVAL);
	CHECK_ERR(xs_node_perms(s, "/local/", pe, 2, &n), EINVAL);
	CHECK_ERR(xt_write(t, 0, "/p", "1"), 0);
	CHECK_ERR(xt_setperms(t, 0, "/p", "n0,r1,r2,b7"), 0);
	CHECK_ERR(xs_node_perms(s, "/p", pe, 2, &n), E2BIG);
	CHECK_EQ(n, 4);
	xt_close(t);
	xs_store_free(s);
}

int
main(void)
{

	test_set_before_domain();
	test_reasons();
	test_calls();
	test_node_perms();
	return (check_exit());
}
