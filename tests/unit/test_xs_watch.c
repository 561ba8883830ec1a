/*
 * Unit test of xenstore watches through xs.h: the OK reply before the
 * initial event, events with req_id 0, relative watches, every change
 * below the path, removal of a parent reporting the watched path, depth,
 * permission filtering, the special @introduceDomain and @releaseDomain
 * watches, UNWATCH, duplicates, RESET_WATCHES and event order.
 */
#include <errno.h>
#include <stdint.h>

#include <xen/io/xs_wire.h>

#include <stdio.h>
#include <string.h>

#include "check.h"
#include "xs/internal.h"
#include "xsclient.h"

/* The next event must be exactly want ("path token"). */
#define EXPECT_EVENT(t, want)                                                  \
	do {                                                                   \
		char ev_[XT_MAX];                                              \
		check_count++;                                                 \
		if (!xt_event((t), ev_))                                       \
			check_fail(__FILE__, __LINE__, "no event, want %s",    \
			    (want));                                           \
		else if (strcmp(ev_, (want)) != 0)                             \
			check_fail(__FILE__, __LINE__, "event %s, want %s",    \
			    ev_, (want));                                      \
	} while (0)

#define EXPECT_NONE(t) CHECK_EQ(xt_pending(t), 0)

static void
test_ok_then_event(void)
{
	struct xs_store *s = xt_store(NULL);
	struct xt *t = xt_open(s, 0);
	struct xt_msg m;
	char buf[64];
	size_t len;

	len = xt_pack(buf, 2, "/w", "tok");
	/* WATCH ignores tx_id: no ENOENT for an unknown one. */
	CHECK_ERR(xt_send(t, XS_WATCH, 77, buf, len), 0);
	CHECK(t->ready == 1);
	REQUIRE(xt_recv(t, &m));
	CHECK(m.type == XS_WATCH && strcmp(m.data, "OK") == 0 && m.len == 3);
	CHECK_EQ(m.tx_id, 77);
	REQUIRE(xt_recv(t, &m));
	CHECK(m.type == XS_WATCH_EVENT && m.req_id == 0 && m.tx_id == 0);
	CHECK(m.len == 7 && memcmp(m.data, "/w\0tok\0", 7) == 0);
	EXPECT_NONE(t);
	/* A change to the watched node (even before it exists) fires. */
	CHECK_ERR(xt_write(t, 0, "/w", "1"), 0);
	EXPECT_EVENT(t, "/w tok");
	/* The event of one's own write comes before the reply, as in C. */
	len = xt_pack(buf, 1, "/w/x");
	CHECK_ERR(xt_send(t, XS_WRITE, 0, buf, len), 0);
	REQUIRE(xt_recv(t, &m));
	CHECK(m.type == XS_WATCH_EVENT);
	REQUIRE(xt_recv(t, &m));
	CHECK(m.type == XS_WRITE);
	CHECK_ERR(xt_write(t, 0, "/wx", "1"), 0); /* a sibling: nothing */
	CHECK_ERR(xt_write(t, 0, "/other", "1"), 0);
	EXPECT_NONE(t);
	/* MKDIR of an existing node changes nothing and fires nothing. */
	CHECK_ERR(xt_mkdir(t, 0, "/w"), 0);
	EXPECT_NONE(t);
	CHECK_ERR(xt_setperms(t, 0, "/w/x", "n0,r1"), 0);
	EXPECT_EVENT(t, "/w/x tok");
	/* Duplicates, UNWATCH. */
	CHECK_ERR(xt_watch(t, "/w", "tok"), EEXIST);
	CHECK_ERR(xt_watch(t, "/w", "tok2"), 0);
	EXPECT_EVENT(t, "/w tok2");
	CHECK_ERR(xt_unwatch(t, "/w", "tok"), 0);
	CHECK_ERR(xt_unwatch(t, "/w", "tok"), ENOENT);
	CHECK_ERR(xt_unwatch(t, "/w", "nope"), ENOENT);
	CHECK_ERR(xt_call(t, XS_UNWATCH, 0, "/w", 3, NULL), EINVAL);
	CHECK_ERR(xt_call(t, XS_WATCH, 0, "/w", 3, NULL), EINVAL);
	CHECK_ERR(xt_watch(t, "/w//", "t"), EINVAL);
	CHECK_ERR(xt_write(t, 0, "/w", "2"), 0);
	EXPECT_EVENT(t, "/w tok2");
	EXPECT_NONE(t);
	xt_close(t);
	xs_store_free(s);
}

static void
test_relative_and_rm(void)
{
	struct xs_store *s = xt_store(NULL);
	struct xt *t = xt_open(s, 1), *d0 = xt_open(s, 0);

	CHECK_ERR(xt_watch(t, "data", "rel"), 0);
	EXPECT_EVENT(t, "data rel");
	CHECK_ERR(xt_write(t, 0, "data/x", "1"), 0);
	EXPECT_EVENT(t, "data/x rel");
	CHECK_ERR(xt_write(d0, 0, "/local/domain/1/data/y/z", "1"), 0);
	EXPECT_EVENT(t, "data/y/z rel");
	/* An absolute watch on the same node reports absolute paths. */
	CHECK_ERR(xt_watch(t, "/local/domain/1/data/y", "abs"), 0);
	EXPECT_EVENT(t, "/local/domain/1/data/y abs");
	/* UNWATCH matches the canonical path. */
	CHECK_ERR(xt_unwatch(t, "/local/domain/1/data", "rel"), 0);
	CHECK_ERR(xt_watch(t, "data/y/z", "deep"), 0);
	EXPECT_EVENT(t, "data/y/z deep");
	/*
	 * Removing a parent: the watch below reports its own path, the
	 * watch on the removed node the removed path; children first.
	 */
	CHECK_ERR(xt_rm(d0, 0, "/local/domain/1/data/y"), 0);
	EXPECT_EVENT(t, "data/y/z deep");
	EXPECT_EVENT(t, "/local/domain/1/data/y abs");
	EXPECT_NONE(t);
	/* A watch below a node that does not exist does not fire on rm. */
	CHECK_ERR(xt_watch(t, "data/q/r", "ghost"), 0);
	EXPECT_EVENT(t, "data/q/r ghost");
	CHECK_ERR(xt_write(t, 0, "data/q", "1"), 0); /* above it: nothing */
	EXPECT_NONE(t);
	CHECK_ERR(xt_rm(t, 0, "data/q"), 0);
	EXPECT_NONE(t);
	xt_close(t);
	xt_close(d0);
	xs_store_free(s);
}

static void
test_depth(void)
{
	struct xs_store *s = xt_store(NULL);
	struct xt *t = xt_open(s, 0);
	struct xt_msg m;
	char buf[64];
	size_t len;

	CHECK_ERR(xt_call(t, XST_GET_FEATURE, 0, "", 0, &m), 0);
	CHECK(strcmp(m.data, "12") == 0); /* WATCHDEPTH | DOMID_ANY */
	len = xt_pack(buf, 3, "/d", "one", "1");
	CHECK_ERR(xt_call(t, XS_WATCH, 0, buf, len, NULL), 0);
	EXPECT_EVENT(t, "/d one");
	len = xt_pack(buf, 3, "/d", "zero", "0");
	CHECK_ERR(xt_call(t, XS_WATCH, 0, buf, len, NULL), 0);
	EXPECT_EVENT(t, "/d zero");
	len = xt_pack(buf, 3, "/", "root", "1");
	CHECK_ERR(xt_call(t, XS_WATCH, 0, buf, len, NULL), 0);
	EXPECT_EVENT(t, "/ root");
	CHECK_ERR(xt_write(t, 0, "/d", ""), 0);
	EXPECT_EVENT(t, "/d one");
	EXPECT_EVENT(t, "/d zero");
	EXPECT_EVENT(t, "/d root");
	CHECK_ERR(xt_write(t, 0, "/d/a", ""), 0);
	EXPECT_EVENT(t, "/d/a one");
	CHECK_ERR(xt_write(t, 0, "/d/a/b", ""), 0);
	EXPECT_NONE(t);
	len = xt_pack(buf, 3, "/d", "neg", "-1");
	CHECK_ERR(xt_call(t, XS_WATCH, 0, buf, len, NULL), EINVAL);
	len = xt_pack(buf, 4, "/d", "x", "1", "2");
	CHECK_ERR(xt_call(t, XS_WATCH, 0, buf, len, NULL), EINVAL);
	xt_close(t);
	xs_store_free(s);
}

static void
test_permission_filter(void)
{
	struct xs_store *s = xt_store(NULL);
	struct xt *d1 = xt_open(s, 1), *d2 = xt_open(s, 2);

	/* Domain 1 watches a node of domain 2 it may not read. */
	CHECK_ERR(xt_watch(d1, "/local/domain/2/data", "spy"), 0);
	EXPECT_EVENT(d1, "/local/domain/2/data spy"); /* always sent */
	CHECK_ERR(xt_write(d2, 0, "data/secret", "1"), 0);
	EXPECT_NONE(d1);
	/* Readable node: the event arrives. */
	CHECK_ERR(xt_setperms(d2, 0, "data/secret", "n2,r1"), 0);
	EXPECT_EVENT(d1, "/local/domain/2/data/secret spy");
	CHECK_ERR(xt_write(d2, 0, "data/secret", "2"), 0);
	EXPECT_EVENT(d1, "/local/domain/2/data/secret spy");
	/* Losing the right still sends the event of the change. */
	CHECK_ERR(xt_setperms(d2, 0, "data/secret", "n2"), 0);
	EXPECT_EVENT(d1, "/local/domain/2/data/secret spy");
	CHECK_ERR(xt_write(d2, 0, "data/secret", "3"), 0);
	EXPECT_NONE(d1);
	/* A readable parent is enough. */
	CHECK_ERR(xt_setperms(d2, 0, "data", "n2,r1"), 0);
	EXPECT_EVENT(d1, "/local/domain/2/data spy");
	CHECK_ERR(xt_write(d2, 0, "data/secret", "4"), 0);
	EXPECT_EVENT(d1, "/local/domain/2/data/secret spy");
	EXPECT_NONE(d1);
	xt_close(d1);
	xt_close(d2);
	xs_store_free(s);
}

static void
test_special(void)
{
	struct xs_store *s = xt_store(NULL);
	struct xt *d0 = xt_open(s, 0), *d1 = xt_open(s, 1);
	char buf[64];
	size_t len;

	CHECK_ERR(xt_watch(d0, "@introduceDomain", "in"), 0);
	EXPECT_EVENT(d0, "@introduceDomain in");
	CHECK_ERR(xt_watch(d0, "@releaseDomain", "out"), 0);
	EXPECT_EVENT(d0, "@releaseDomain out");
	len = xt_pack(buf, 3, "@releaseDomain", "outd", "1");
	CHECK_ERR(xt_call(d0, XS_WATCH, 0, buf, len, NULL), 0);
	EXPECT_EVENT(d0, "@releaseDomain outd");
	CHECK_ERR(xt_watch(d0, "@releaseDomain/5", "five"), 0);
	EXPECT_EVENT(d0, "@releaseDomain/5 five");
	CHECK_ERR(xt_watch(d1, "@releaseDomain", "r1"), 0);
	EXPECT_EVENT(d1, "@releaseDomain r1");
	CHECK_ERR(xt_watch(d1, "@introduceDomain", "i1"), 0);
	EXPECT_EVENT(d1, "@introduceDomain i1");
	CHECK_ERR(xt_watch(d0, "/local/domain", "ld"), 0);
	EXPECT_EVENT(d0, "/local/domain ld");

	CHECK_ERR(xs_domain_introduce(s, 5, "five"), 0);
	EXPECT_EVENT(d0, "/local/domain/5 ld");
	EXPECT_EVENT(d0, "/local/domain/5/domid ld");
	EXPECT_EVENT(d0, "/local/domain/5/name ld");
	EXPECT_EVENT(d0, "/local/domain/5/data ld");
	EXPECT_EVENT(d0, "@introduceDomain in");
	EXPECT_NONE(d0);
	EXPECT_NONE(d1); /* @introduceDomain is n0 */
	CHECK_ERR(xs_domain_introduce(s, 6, "six"), 0);
	CHECK_ERR(xt_unwatch(d0, "/local/domain", "ld"), 0);
	(void)xt_pending(d0);
	d0->nev = 0;

	CHECK_ERR(xs_domain_release(s, 6), 0);
	EXPECT_EVENT(d0, "@releaseDomain out");
	EXPECT_EVENT(d0, "@releaseDomain/6 outd");
	EXPECT_NONE(d0);
	EXPECT_EVENT(d1, "@releaseDomain r1"); /* readable by DOMID_ANY */
	CHECK_ERR(xs_domain_release(s, 5), 0);
	EXPECT_EVENT(d0, "@releaseDomain out");
	EXPECT_EVENT(d0, "@releaseDomain/5 outd");
	EXPECT_EVENT(d0, "@releaseDomain/5 five");
	EXPECT_NONE(d0);
	EXPECT_EVENT(d1, "@releaseDomain r1");
	EXPECT_NONE(d1);
	/* Granting @introduceDomain to domain 1 lets it see them. */
	CHECK_ERR(xt_setperms(d0, 0, "@introduceDomain", "n0,r1"), 0);
	EXPECT_EVENT(d0, "@introduceDomain in"); /* set_perms fires */
	EXPECT_EVENT(d1, "@introduceDomain i1");
	CHECK_ERR(xs_domain_introduce(s, 7, "seven"), 0);
	EXPECT_EVENT(d1, "@introduceDomain i1");
	xt_close(d0);
	xt_close(d1);
	xs_store_free(s);
}

static void
test_reset_and_order(void)
{
	struct xs_store *s = xt_store(NULL);
	struct xt *t = xt_open(s, 0);
	struct xs_stats st;
	uint32_t tx;

	CHECK_ERR(xt_watch(t, "/o/a", "2"), 0);
	CHECK_ERR(xt_watch(t, "/o", "1"), 0);
	CHECK_ERR(xt_watch(t, "/", "3"), 0);
	EXPECT_EVENT(t, "/o/a 2");
	EXPECT_EVENT(t, "/o 1");
	EXPECT_EVENT(t, "/ 3");
	/* Several matching watches fire in the order they were set. */
	CHECK_ERR(xt_write(t, 0, "/o/a", "x"), 0);
	EXPECT_EVENT(t, "/o/a 2");
	EXPECT_EVENT(t, "/o/a 1");
	EXPECT_EVENT(t, "/o/a 3");
	CHECK_ERR(xt_tx_start(t, &tx), 0);
	xs_store_stats(s, &st);
	CHECK_EQ(st.watches, 3);
	CHECK_EQ(st.transactions, 1);
	CHECK_ERR(xt_call(t, XS_RESET_WATCHES, 0, "", 1, NULL), 0);
	xs_store_stats(s, &st);
	CHECK_EQ(st.watches, 0);
	CHECK_EQ(st.transactions, 0);
	CHECK_ERR(xt_tx_end(t, tx, 1), ENOENT);
	CHECK_ERR(xt_write(t, 0, "/o/a", "y"), 0);
	EXPECT_NONE(t);
	/* Closing a connection frees its watches. */
	CHECK_ERR(xt_watch(t, "/o", "1"), 0);
	xt_close(t);
	xs_store_stats(s, &st);
	CHECK_EQ(st.watches, 0);
	CHECK_ERR(xs_store_check(s), 0);
	xs_store_free(s);
}

int
main(void)
{

	test_ok_then_event();
	test_relative_and_rm();
	test_depth();
	test_permission_filter();
	test_special();
	test_reset_and_order();
	return (check_exit());
}
