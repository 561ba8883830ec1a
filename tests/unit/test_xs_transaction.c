/*
 * Unit test of xenstore transactions through xs.h: isolation, commit and
 * abort, and EAGAIN exactly when C xenstored's generation rule says so
 * (test-xenstore's "ta rmw" and "ta err" cases, a parent whose children
 * changed, a node read as missing that appeared, a removed node), and
 * not otherwise (unrelated nodes, a sibling's value).  Also the
 * transaction's view of children, events at commit only, the errors of
 * TRANSACTION_START and TRANSACTION_END, and that a transaction touches
 * only what it uses however big the store.
 */
#include <errno.h>
#include <stdint.h>

#include <xen/io/xs_wire.h>

#include <stdio.h>
#include <string.h>

#include "check.h"
#include "xs/internal.h"
#include "xsclient.h"

static void
expect(struct xt *t, uint32_t tx, const char *path, const char *want)
{
	char buf[XT_MAX];
	int err;

	err = xt_read(t, tx, path, buf, NULL);
	check_count++;
	if (want == NULL ? err != ENOENT : (err != 0 || strcmp(buf, want)))
		check_fail(__FILE__, __LINE__, "%s in %u: err %d '%s', want %s",
		    path, tx, err, err ? "" : buf, want ? want : "ENOENT");
}

static void
test_rmw_and_err(void)
{
	struct xs_store *s = xt_store(NULL);
	struct xt *t = xt_open(s, 0), *o = xt_open(s, 0);
	uint32_t tx;

	/* ta rmw: the transaction sees its write, others do not. */
	CHECK_ERR(xt_write(t, 0, "/ta/a", "a"), 0);
	CHECK_ERR(xt_tx_start(t, &tx), 0);
	CHECK(tx != 0);
	expect(t, tx, "/ta/a", "a");
	CHECK_ERR(xt_write(t, tx, "/ta/a", "b"), 0);
	expect(t, tx, "/ta/a", "b");
	expect(o, 0, "/ta/a", "a");
	CHECK_ERR(xt_tx_end(t, tx, 1), 0);
	expect(o, 0, "/ta/a", "b");
	/* ta rmw x: abort. */
	CHECK_ERR(xt_tx_start(t, &tx), 0);
	CHECK_ERR(xt_write(t, tx, "/ta/a", "c"), 0);
	CHECK_ERR(xt_tx_end(t, tx, 0), 0);
	expect(o, 0, "/ta/a", "b");
	/* ta err: read in tx, write outside, write in tx: EAGAIN. */
	CHECK_ERR(xt_tx_start(t, &tx), 0);
	expect(t, tx, "/ta/a", "b");
	CHECK_ERR(xt_write(o, 0, "/ta/a", "outside"), 0);
	CHECK_ERR(xt_write(t, tx, "/ta/a", "inside"), 0);
	expect(t, tx, "/ta/a", "inside");
	CHECK_ERR(xt_tx_end(t, tx, 1), EAGAIN);
	expect(o, 0, "/ta/a", "outside");
	/* The ended transaction is gone whatever the outcome. */
	CHECK_ERR(xt_tx_end(t, tx, 1), ENOENT);
	/* Repeatable reads: a change outside is not seen inside. */
	CHECK_ERR(xt_tx_start(t, &tx), 0);
	expect(t, tx, "/ta/a", "outside");
	CHECK_ERR(xt_write(o, 0, "/ta/a", "later"), 0);
	expect(t, tx, "/ta/a", "outside");
	CHECK_ERR(xt_tx_end(t, tx, 1), EAGAIN);
	/* An empty transaction commits. */
	CHECK_ERR(xt_tx_start(t, &tx), 0);
	CHECK_ERR(xt_tx_end(t, tx, 1), 0);
	CHECK_ERR(xs_store_check(s), 0);
	xt_close(t);
	xt_close(o);
	xs_store_free(s);
}

/* A transaction doing op, with outside doing other in between. */
static int
race(struct xs_store *s, const char *setup, const char *inside,
    const char *read_first, const char *outside, bool outside_rm)
{
	struct xt *t = xt_open(s, 0), *o = xt_open(s, 0);
	uint32_t tx;
	int err;

	if (setup != NULL)
		REQUIRE(xt_write(o, 0, setup, "s") == 0);
	REQUIRE(xt_tx_start(t, &tx) == 0);
	if (read_first != NULL)
		(void)xt_read(t, tx, read_first, NULL, NULL);
	REQUIRE(xt_write(t, tx, inside, "i") == 0);
	if (outside_rm)
		REQUIRE(xt_rm(o, 0, outside) == 0);
	else
		REQUIRE(xt_write(o, 0, outside, "o") == 0);
	err = xt_tx_end(t, tx, 1);
	xt_close(t);
	xt_close(o);
	return (err);
}

static void
test_conflicts(void)
{
	struct xs_store *s = xt_store(NULL);

	/* Unrelated nodes: no conflict. */
	CHECK_ERR(race(s, "/r1/x", "/r1/x", NULL, "/r1/y", false), 0);
	/* A sibling's value changing does not touch the parent. */
	CHECK_ERR(race(s, "/r2/b", "/r2/a", NULL, "/r2/b", false), 0);
	/* The tx created a child; outside created another: same parent. */
	CHECK_ERR(race(s, "/r3/p", "/r3/p/a", NULL, "/r3/p/b", false), EAGAIN);
	/* Both create the same node. */
	CHECK_ERR(race(s, "/r4", "/r4/n", NULL, "/r4/n", false), EAGAIN);
	/* A node the transaction read as missing appeared. */
	CHECK_ERR(race(s, "/r5/x", "/r5/x", "/r5/ghost", "/r5/ghost", false),
	    EAGAIN);
	/* A node the transaction read was removed. */
	CHECK_ERR(race(s, "/r6/x", "/r6/y", "/r6/x", "/r6/x", true), EAGAIN);
	/* Written outside after the transaction wrote it (read first). */
	CHECK_ERR(race(s, "/r7/x", "/r7/x", NULL, "/r7/x", false), EAGAIN);
	CHECK_ERR(xs_store_check(s), 0);
	xs_store_free(s);
}

static void
test_view(void)
{
	struct xs_store *s = xt_store(NULL);
	struct xt *t = xt_open(s, 0), *o = xt_open(s, 0);
	struct xt_msg m;
	char buf[XT_MAX];
	uint32_t tx;
	size_t len;

	CHECK_ERR(xt_write(o, 0, "/v/b", "1"), 0);
	CHECK_ERR(xt_write(o, 0, "/v/d/deep", "1"), 0);
	CHECK_ERR(xt_write(o, 0, "/v/f", "1"), 0);
	CHECK_ERR(xt_watch(o, "/v", "w"), 0);
	CHECK(xt_event(o, buf));
	CHECK_ERR(xt_tx_start(t, &tx), 0);
	CHECK_ERR(xt_write(t, tx, "/v/a/new", "n"), 0);
	CHECK_ERR(xt_write(t, tx, "/v/e", "e"), 0);
	CHECK_ERR(xt_rm(t, tx, "/v/d"), 0);
	CHECK_ERR(xt_dir(t, tx, "/v", buf), 0);
	CHECK(strcmp(buf, "a,b,e,f") == 0);
	CHECK_ERR(xt_dir(o, 0, "/v", buf), 0);
	CHECK(strcmp(buf, "b,d,f") == 0);
	expect(t, tx, "/v/d/deep", NULL);
	expect(o, 0, "/v/d/deep", "1");
	expect(t, tx, "/v/a/new", "n");
	expect(o, 0, "/v/a/new", NULL);
	/* Recreate what was removed: an empty node, its old child gone. */
	CHECK_ERR(xt_mkdir(t, tx, "/v/d"), 0);
	CHECK_ERR(xt_dir(t, tx, "/v/d", buf), 0);
	CHECK(strcmp(buf, "") == 0);
	len = xt_pack(buf, 2, "/v", "0");
	CHECK_ERR(xt_call(t, XS_DIRECTORY_PART, tx, buf, len, &m), 0);
	len = strlen(m.data) + 1;
	CHECK(m.len - len == 11 &&
	    memcmp(m.data + len, "a\0b\0d\0e\0f\0\0", 11) == 0);
	/* Inside the transaction the changes fire nothing yet. */
	CHECK_EQ(xt_pending(o), 0);
	CHECK_ERR(xt_tx_end(t, tx, 1), 0);
	CHECK_ERR(xt_dir(o, 0, "/v", buf), 0);
	CHECK(strcmp(buf, "a,b,d,e,f") == 0);
	expect(o, 0, "/v/d/deep", NULL);
	expect(o, 0, "/v/a/new", "n");
	/* Events at commit, in the order the nodes were first touched. */
	CHECK(xt_event(o, buf) && strcmp(buf, "/v/a/new w") == 0);
	CHECK(xt_event(o, buf) && strcmp(buf, "/v/e w") == 0);
	CHECK(xt_event(o, buf) && strcmp(buf, "/v/d w") == 0);
	/* /v/d/deep went with its parent: only watches on it would fire. */
	CHECK_EQ(xt_pending(o), 0);
	/* An aborted transaction fires nothing. */
	CHECK_ERR(xt_tx_start(t, &tx), 0);
	CHECK_ERR(xt_write(t, tx, "/v/b", "2"), 0);
	CHECK_ERR(xt_tx_end(t, tx, 0), 0);
	CHECK_EQ(xt_pending(o), 0);
	/* Permissions and their errors inside a transaction. */
	CHECK_ERR(xt_tx_start(t, &tx), 0);
	CHECK_ERR(xt_setperms(t, tx, "/v/b", "n0,r1"), 0);
	CHECK_ERR(xt_getperms(t, tx, "/v/b", buf), 0);
	CHECK(strcmp(buf, "n0,r1") == 0);
	CHECK_ERR(xt_getperms(o, 0, "/v/b", buf), 0);
	CHECK(strcmp(buf, "n0") == 0);
	CHECK_ERR(xt_rm(t, tx, "/v/zz/yy"), ENOENT);
	CHECK_ERR(xt_tx_end(t, tx, 1), 0);
	CHECK_ERR(xt_getperms(o, 0, "/v/b", buf), 0);
	CHECK(strcmp(buf, "n0,r1") == 0);
	CHECK_ERR(xs_store_check(s), 0);
	xt_close(t);
	xt_close(o);
	xs_store_free(s);
}

static void
test_errors(void)
{
	struct xs_store *s = xt_store(NULL);
	struct xt *t = xt_open(s, 0), *u = xt_open(s, 1);
	struct xs_stats st;
	uint32_t tx, tx2;

	CHECK_ERR(xt_tx_start(t, &tx), 0);
	CHECK_ERR(xt_tx_start(t, &tx2), 0);
	CHECK(tx != tx2 && tx2 != 0);
	/* No nesting: a START that names a transaction is EBUSY. */
	CHECK_ERR(xt_call(t, XS_TRANSACTION_START, tx, "", 1, NULL), EBUSY);
	CHECK_ERR(xt_call(t, XS_TRANSACTION_START, 999, "", 1, NULL), ENOENT);
	CHECK_ERR(xt_call(t, XS_READ, 999, "/", 2, NULL), ENOENT);
	CHECK_ERR(xt_call(t, XS_TRANSACTION_END, 0, "T", 2, NULL), ENOENT);
	CHECK_ERR(xt_call(t, XS_TRANSACTION_END, tx, "X", 2, NULL), EINVAL);
	CHECK_ERR(xt_call(t, XS_TRANSACTION_END, tx, "T", 1, NULL), EINVAL);
	/* Transactions belong to their connection. */
	CHECK_ERR(xt_call(u, XS_READ, tx, "/", 2, NULL), ENOENT);
	CHECK_ERR(xt_tx_end(t, tx, 1), 0);
	xs_store_stats(s, &st);
	CHECK_EQ(st.transactions, 1);
	xt_close(t); /* aborts tx2 */
	xs_store_stats(s, &st);
	CHECK_EQ(st.transactions, 0);
	xt_close(u);
	xs_store_free(s);
}

static void
test_cost(void)
{
	struct xs_store *s = xt_store(NULL);
	struct xt *t = xt_open(s, 0);
	char path[64];
	uint32_t tx;
	int i;

	for (i = 0; i < 20000; i++) {
		snprintf(path, sizeof(path), "/many/n%d", i);
		REQUIRE(xt_mkdir(t, 0, path) == 0);
	}
	CHECK_ERR(xt_tx_start(t, &tx), 0);
	CHECK_ERR(xt_write(t, tx, "/many/new", "x"), 0);
	CHECK_ERR(xt_write(t, tx, "/many/n5", "y"), 0);
	/* The new node, its parent, n5: nothing else was copied. */
	CHECK_EQ(xs_tx_touched(t->c, tx), 3);
	CHECK_ERR(xt_tx_end(t, tx, 1), 0);
	expect(t, 0, "/many/new", "x");
	CHECK_ERR(xs_store_check(s), 0);
	xt_close(t);
	xs_store_free(s);
}

int
main(void)
{

	test_rmw_and_err();
	test_conflicts();
	test_view();
	test_errors();
	test_cost();
	return (check_exit());
}
