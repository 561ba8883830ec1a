/*
 * Unit test of the xenstore engine's framing and limits through xs.h:
 * requests split at every byte or packed together, unknown types
 * (ENOSYS), privileged types (EACCES), error names, a payload above
 * XENSTORE_PAYLOAD_MAX or a client that never reads failing only its own
 * connection, output_ready, CONTROL, and the per-domain quotas (nodes,
 * watches, transactions, value size, permissions, transaction nodes)
 * with GET_QUOTA and SET_QUOTA.
 */
#include <errno.h>
#include <stdint.h>

#include <xen/io/xs_wire.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "xs/internal.h"
#include "xsclient.h"

static void
test_framing(void)
{
	struct xs_store *s = xt_store(NULL);
	struct xt *t = xt_open(s, 0);
	unsigned char buf[256];
	struct xsd_sockmsg h = { XS_READ, 42, 0, 0 };
	struct xt_msg m;
	size_t i, len;

	CHECK_ERR(xt_write(t, 0, "/f", "val"), 0);
	/* One byte at a time. */
	h.len = 3;
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), "/f", 3);
	for (i = 0; i < sizeof(h) + 3; i++) {
		CHECK_ERR(xt_input(t, buf + i, 1), 0);
		CHECK_EQ(xt_pending(t), i + 1 == sizeof(h) + 3);
	}
	CHECK(xt_event(t, (char *)buf)); /* drains the kept reply */
	/* Three requests in one write, replies in order. */
	len = 0;
	for (i = 0; i < 3; i++) {
		h.req_id = 100 + (uint32_t)i;
		memcpy(buf + len, &h, sizeof(h));
		memcpy(buf + len + sizeof(h), "/f", 3);
		len += sizeof(h) + 3;
	}
	CHECK_ERR(xt_input(t, buf, len), 0);
	for (i = 0; i < 3; i++) {
		REQUIRE(xt_recv(t, &m));
		CHECK(m.type == XS_READ && m.req_id == 100 + i && m.len == 3);
	}
	/* Unknown and reply-only types: ENOSYS, with the exact name. */
	{
		static const uint32_t bad[] = { XS_WATCH_EVENT, XS_ERROR, 20,
			XST_COUNT, 1000, XS_INVALID };

		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			CHECK_ERR(xt_call(t, bad[i], 0, "", 0, &m), ENOSYS);
			CHECK(m.type == XS_ERROR && m.len == 7 &&
			    memcmp(m.data, "ENOSYS", 7) == 0);
		}
	}
	CHECK_ERR(xt_read(t, 0, "/nope", NULL, NULL), ENOENT);
	xt_close(t);
	xs_store_free(s);
}

static void
test_privileged(void)
{
	static const uint32_t priv[] = { XS_CONTROL, XS_INTRODUCE, XS_RELEASE,
		XS_IS_DOMAIN_INTRODUCED, XS_RESUME, XS_SET_TARGET,
		XST_SET_FEATURE, XST_GET_QUOTA, XST_SET_QUOTA };
	struct xs_store *s = xt_store(NULL);
	struct xt *u = xt_open(s, 1), *t = xt_open(s, 0);
	struct xt_msg m;
	size_t i;

	for (i = 0; i < sizeof(priv) / sizeof(priv[0]); i++)
		CHECK_ERR(xt_call(u, priv[i], 0, "1", 2, NULL), EACCES);
	CHECK_ERR(xt_call(t, XS_CONTROL, 0, "check", 6, &m), 0);
	CHECK(strcmp(m.data, "OK") == 0);
	CHECK_ERR(xt_call(t, XS_CONTROL, 0, "help", 5, &m), 0);
	CHECK(strstr(m.data, "check") != NULL);
	CHECK(strstr(m.data, "lookup-steps") != NULL);
	/* lookup-steps counts the comparisons of path lookups so far. */
	{
		unsigned long long a, b;

		CHECK_ERR(xt_call(t, XS_CONTROL, 0, "lookup-steps", 13, &m), 0);
		a = strtoull(m.data, NULL, 10);
		CHECK_EQ(a, xs_store_lookup_steps(s));
		CHECK_ERR(xt_read(t, 0, "/tool/xenstored", NULL, NULL), 0);
		CHECK_ERR(xt_call(t, XS_CONTROL, 0, "lookup-steps", 13, &m), 0);
		b = strtoull(m.data, NULL, 10);
		CHECK(b > a);
		CHECK_ERR(xt_call(t, XS_CONTROL, 0, "lookup-steps\0x", 15,
			      NULL),
		    EINVAL);
	}
	CHECK_ERR(xt_call(t, XS_CONTROL, 0, "print\0hi", 9, NULL), 0);
	CHECK_ERR(xt_call(t, XS_CONTROL, 0, "live-update", 12, NULL), EINVAL);
	CHECK_ERR(xt_call(t, XS_CONTROL, 0, "", 0, NULL), EINVAL);
	xt_close(u);
	xt_close(t);
	xs_store_free(s);
}

static void
test_bad_input_and_bound(void)
{
	struct xs_limits l = { .output_bytes = 4096 };
	struct xs_store *s = xt_store(&l);
	struct xt *bad = xt_open(s, 1), *quiet = xt_open(s, 0),
		  *good = xt_open(s, 0);
	struct xsd_sockmsg h = { XS_WRITE, 1, 0, XENSTORE_PAYLOAD_MAX + 1 };
	char path[64];
	unsigned before;
	int i;

	/* A payload above the maximum fails that connection only. */
	CHECK_EQ(xs_conn_error(bad->c), 0);
	CHECK_ERR(xt_input(bad, &h, sizeof(h)), EMSGSIZE);
	CHECK(xs_conn_failed(bad->c));
	CHECK_EQ(xs_conn_error(bad->c), EMSGSIZE);
	CHECK_ERR(xt_input(bad, "x", 1), EMSGSIZE);
	CHECK_ERR(xt_write(good, 0, "/ok", "1"), 0);
	h.len = XENSTORE_PAYLOAD_MAX; /* the maximum itself is fine */
	{
		static char big[sizeof(h) + XENSTORE_PAYLOAD_MAX];

		memset(big, 'a', sizeof(big));
		memcpy(big, &h, sizeof(h));
		memcpy(big + sizeof(h), "/big", 5);
		CHECK_ERR(xt_input(good, big, sizeof(big)), 0);
		CHECK_EQ(xt_pending(good), 1);
		good->nev = 0;
	}
	/* A client that never reads: past the bound it is failed. */
	CHECK_ERR(xt_watch(quiet, "/flood", "t"), 0);
	before = quiet->ready;
	for (i = 0; i < 200 && !xs_conn_failed(quiet->c); i++) {
		snprintf(path, sizeof(path), "/flood/n%d", i);
		CHECK_ERR(xt_write(good, 0, path, "x"), 0);
	}
	CHECK(xs_conn_failed(quiet->c));
	CHECK_EQ(xs_conn_error(quiet->c), ENOBUFS);
	CHECK(i < 200);
	CHECK(quiet->ready > before); /* the daemon hears of it */
	{
		const void *p;

		CHECK_EQ(xs_conn_output(quiet->c, &p), 0);
	}
	CHECK(!xs_conn_failed(good->c));
	CHECK_ERR(xt_write(good, 0, "/flood/after", "x"), 0);
	/* A failed connection answers nothing more. */
	CHECK_ERR(xt_input(quiet, &h, 1), ENOBUFS);
	/* Pipelined requests whose replies pass the bound fail, too. */
	{
		static char many[64 * 24];
		struct xsd_sockmsg r = { XS_READ, 0, 0, 5 };
		size_t k;

		for (k = 0; k < 64; k++) {
			memcpy(many + k * 21, &r, sizeof(r));
			memcpy(many + k * 21 + sizeof(r), "/big", 5);
		}
		CHECK_ERR(xt_input(good, many, 64 * 21), ENOBUFS);
	}
	xt_close(bad);
	xt_close(quiet);
	xt_close(good);
	CHECK_ERR(xs_store_check(s), 0);
	xs_store_free(s);
}

static void
test_quotas(void)
{
	struct xs_limits l = { .nodes = 6,
		.watches = 3,
		.transactions = 2,
		.perms = 3 };
	struct xs_store *s = xt_store(&l);
	struct xt *u = xt_open(s, 1), *t = xt_open(s, 0);
	struct xt_msg m;
	char buf[XT_MAX], val[2100];
	uint32_t tx[3];
	size_t len;
	int i;

	/* Nodes: the home and data/ are two of domain 1's six. */
	CHECK_ERR(xt_write(u, 0, "data/a", ""), 0);
	CHECK_ERR(xt_write(u, 0, "data/b", ""), 0);
	CHECK_ERR(xt_write(u, 0, "data/c/d/e", ""), ENOSPC); /* needs 3 */
	CHECK_ERR(xt_read(u, 0, "data/c", NULL, NULL), ENOENT);
	CHECK_ERR(xt_write(u, 0, "data/c", ""), 0);
	CHECK_ERR(xt_write(u, 0, "data/d", ""), 0);
	CHECK_ERR(xt_write(u, 0, "data/e", ""), ENOSPC);
	CHECK_ERR(xt_write(u, 0, "data/a", "existing is fine"), 0);
	CHECK_ERR(xt_write(t, 0, "/dom0/is/free/of/quota", ""), 0);
	/* In a transaction, and at its commit. */
	CHECK_ERR(xt_rm(u, 0, "data/d"), 0);
	CHECK_ERR(xt_tx_start(u, &tx[0]), 0);
	CHECK_ERR(xt_write(u, tx[0], "data/x", ""), 0);
	CHECK_ERR(xt_write(u, tx[0], "data/y", ""), ENOSPC);
	CHECK_ERR(xt_write(u, 0, "data/z", ""), 0);
	CHECK_ERR(xt_tx_end(u, tx[0], 1), ENOSPC);
	CHECK_ERR(xt_read(u, 0, "data/x", NULL, NULL), ENOENT);

	/* Watches: three, then E2BIG. */
	for (i = 0; i < 3; i++) {
		snprintf(buf, sizeof(buf), "w%d", i);
		CHECK_ERR(xt_watch(u, "data", buf), 0);
	}
	CHECK_ERR(xt_watch(u, "data", "w3"), E2BIG);
	/* Transactions: two, then ENOSPC. */
	CHECK_ERR(xt_tx_start(u, &tx[0]), 0);
	CHECK_ERR(xt_tx_start(u, &tx[1]), 0);
	CHECK_ERR(xt_tx_start(u, &tx[2]), ENOSPC);
	CHECK_ERR(xt_tx_end(u, tx[1], 0), 0);
	CHECK_ERR(xt_tx_start(u, &tx[1]), 0);
	/* Value size: 2048 bytes, not 2049. */
	memset(val, 'v', sizeof(val));
	val[2048] = '\0';
	CHECK_ERR(xt_write(u, 0, "data/a", val), 0);
	val[2048] = 'v';
	val[2049] = '\0';
	CHECK_ERR(xt_write(u, 0, "data/a", val), ENOSPC);
	CHECK_ERR(xt_write(t, 0, "/local/domain/1/data/a", val), 0);
	/* Permissions: three entries, not four. */
	CHECK_ERR(xt_setperms(u, 0, "data/a", "n1,r0,r1"), 0);
	CHECK_ERR(xt_setperms(u, 0, "data/a", "n1,r0,r1,r0"), ENOSPC);
	CHECK_ERR(xt_setperms(t, 0, "/local/domain/1/data/a", "n1,r0,r1,r0"),
	    0);

	/* GET_QUOTA and SET_QUOTA. */
	CHECK_ERR(xt_call(t, XST_GET_QUOTA, 0, "", 0, &m), 0);
	CHECK(strcmp(m.data,
		  "nodes watches transactions node-size "
		  "node-permissions transaction-nodes") == 0);
	CHECK_ERR(xt_call(t, XST_GET_QUOTA, 0, "nodes", 6, &m), 0);
	CHECK(strcmp(m.data, "6") == 0);
	len = xt_pack(buf, 2, "1", "transaction-nodes");
	CHECK_ERR(xt_call(t, XST_GET_QUOTA, 0, buf, len, &m), 0);
	CHECK(strcmp(m.data, "1024") == 0);
	len = xt_pack(buf, 3, "1", "transaction-nodes", "3");
	CHECK_ERR(xt_call(t, XST_SET_QUOTA, 0, buf, len, NULL), 0);
	len = xt_pack(buf, 2, "1", "transaction-nodes");
	CHECK_ERR(xt_call(t, XST_GET_QUOTA, 0, buf, len, &m), 0);
	CHECK(strcmp(m.data, "3") == 0);
	/* Transaction nodes: three touched, the fourth is ENOSPC. */
	CHECK_ERR(xt_read(u, tx[0], "data/a", NULL, NULL), 0);
	CHECK_ERR(xt_read(u, tx[0], "data/b", NULL, NULL), 0);
	CHECK_ERR(xt_read(u, tx[0], "data/c", NULL, NULL), 0);
	CHECK_ERR(xt_read(u, tx[0], "data/z", NULL, NULL), ENOSPC);
	CHECK_ERR(xt_read(u, tx[0], "data/a", NULL, NULL), 0);
	len = xt_pack(buf, 2, "watches", "4");
	CHECK_ERR(xt_call(t, XST_SET_QUOTA, 0, buf, len, NULL), 0);
	CHECK_ERR(xt_watch(u, "data", "w3"), 0);
	CHECK_ERR(xt_watch(u, "data", "w4"), E2BIG);
	len = xt_pack(buf, 2, "bogus", "4");
	CHECK_ERR(xt_call(t, XST_SET_QUOTA, 0, buf, len, NULL), EINVAL);
	len = xt_pack(buf, 2, "nodes", "-1");
	CHECK_ERR(xt_call(t, XST_SET_QUOTA, 0, buf, len, NULL), EINVAL);
	len = xt_pack(buf, 3, "9", "nodes", "4");
	CHECK_ERR(xt_call(t, XST_SET_QUOTA, 0, buf, len, NULL), ENOENT);
	len = xt_pack(buf, 1, "nodes");
	CHECK_ERR(xt_call(t, XST_SET_QUOTA, 0, buf, len, NULL), EINVAL);
	CHECK_ERR(xs_store_check(s), 0);
	xt_close(u);
	xt_close(t);
	xs_store_free(s);
}

/*
 * Numbers in requests are plain decimals.  C xenstored's atoi() would take
 * "12abc" as 12, "" as 0 and an overflowing number as anything at all.
 */
static void
test_numbers(void)
{
	struct xs_store *s;
	struct xt_msg m;
	struct xt *t;
	char buf[256];
	size_t n;

	s = xt_store(NULL);
	t = xt_open(s, 0);
	CHECK_EQ(xt_write(t, 0, "/n", "v"), 0);
	n = xt_pack(buf, 2, "/", "12abc");
	CHECK_EQ(xt_call(t, XS_DIRECTORY_PART, 0, buf, n, &m), EINVAL);
	n = xt_pack(buf, 2, "/", "");
	CHECK_EQ(xt_call(t, XS_DIRECTORY_PART, 0, buf, n, &m), EINVAL);
	n = xt_pack(buf, 2, "/", "99999999999999999999");
	CHECK_EQ(xt_call(t, XS_DIRECTORY_PART, 0, buf, n, &m), EINVAL);
	n = xt_pack(buf, 2, "/", "0");
	CHECK_EQ(xt_call(t, XS_DIRECTORY_PART, 0, buf, n, &m), 0);
	n = xt_pack(buf, 3, "/n", "tok", "-1");
	CHECK_EQ(xt_call(t, XS_WATCH, 0, buf, n, &m), EINVAL);
	n = xt_pack(buf, 3, "/n", "tok", "2x");
	CHECK_EQ(xt_call(t, XS_WATCH, 0, buf, n, &m), EINVAL);
	n = xt_pack(buf, 1, "");
	CHECK_EQ(xt_call(t, XS_GET_DOMAIN_PATH, 0, buf, n, &m), EINVAL);
	n = xt_pack(buf, 1, " 1");
	CHECK_EQ(xt_call(t, XS_GET_DOMAIN_PATH, 0, buf, n, &m), EINVAL);
	n = xt_pack(buf, 1, "1");
	CHECK_EQ(xt_call(t, XS_GET_DOMAIN_PATH, 0, buf, n, &m), 0);
	xt_close(t);
	xs_store_free(s);
}

int
main(void)
{

	test_numbers();
	test_framing();
	test_privileged();
	test_bad_input_and_bound();
	test_quotas();
	return (check_exit());
}
