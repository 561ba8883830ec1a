/*
 * Compatibility test: Debian's unmodified libxenstore against gntboxd.
 *
 * Each process finds its domain's store as under `gntbox run`, through
 * XENSTORED_PATH.  Checked, as domain 0 and as unprivileged domains:
 * paths and relative paths, each domain's home from its creation,
 * permissions (EACCES whether or not the node exists, owners), the
 * transactions of Xen's test-xenstore ("ta err" is EAGAIN, nothing else
 * is), watch events (OK before the first event, relative watches
 * reported relative, one event per change, at commit for transactions),
 * DIRECTORY_PART for a large directory, the quotas (ENOSPC, E2BIG),
 * clients that flood or send malformed messages (dropped, nobody else
 * notices), a client that pipelines requests without reading (stalled,
 * not dropped, every reply in order), domains going (by gntbox destroy
 * and by RELEASE), and xenstore connections in the stats and their limit
 * per domain.  Where libxenstore cannot express what is checked (the
 * order of messages, a client that stops reading), a raw client
 * (xswire.h) stands beside it.
 */
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xenstore.h>

#include "base/paths.h"
#include "check.h"
#include "harness.h"
#include "lib/ctl.h"
#include "xswire.h"

#define QUIET_MS 200 /* how long "no event" is waited for */
#define STALL_MS 300 /* how long a full socket means "not read" */

/* A handle of domain domid, found as `gntbox run` points libxenstore. */
static struct xs_handle *
open_as(unsigned domid)
{
	char path[GBX_PATH_MAX];
	struct xs_handle *h;

	REQUIRE(gbx_path_xenstore(path, sizeof(path), domid) == 0);
	REQUIRE(setenv("XENSTORED_PATH", path, 1) == 0);
	h = xs_open(0);
	REQUIRE(h != NULL);
	(void)xs_fileno(h); /* the event pipe, for next_event() */
	return (h);
}

/*
 * The next watch event of h, as "path token" in out, waiting at most ms
 * milliseconds.  Returns true when one came.
 */
static bool
next_event(struct xs_handle *h, int ms, char *out, size_t size)
{
	struct pollfd p;
	char **v;

	for (;;) {
		if ((v = xs_check_watch(h)) != NULL) {
			snprintf(out, size, "%s %s", v[XS_WATCH_PATH],
			    v[XS_WATCH_TOKEN]);
			free(v);
			return (true);
		}
		p.fd = xs_fileno(h);
		p.events = POLLIN;
		if (errno != EAGAIN || poll(&p, 1, ms) <= 0)
			return (false);
	}
}

/* The next event must be want ("path token"). */
static void
expect_event(struct xs_handle *h, const char *want)
{
	char ev[4096];

	ev[0] = '\0';
	CHECK(next_event(h, XW_TIMEOUT_MS, ev, sizeof(ev)));
	if (strcmp(ev, want) != 0)
		check_fail(__FILE__, __LINE__, "event '%s', want '%s'", ev,
		    want);
}

/* No event must come (within QUIET_MS). */
static void
expect_quiet(struct xs_handle *h)
{
	char ev[4096];

	if (next_event(h, QUIET_MS, ev, sizeof(ev)))
		check_fail(__FILE__, __LINE__, "unexpected event '%s'", ev);
	check_count++;
}

/* path's value is want (or the read fails with errno err). */
static void
expect_value(struct xs_handle *h, xs_transaction_t t, const char *path,
    const char *want, int err)
{
	unsigned len;
	char *v;

	errno = 0;
	v = xs_read(h, t, path, &len);
	if (err != 0) {
		CHECK(v == NULL);
		CHECK_EQ(errno, err);
	} else if (v == NULL || strlen(want) != len ||
	    memcmp(v, want, len) != 0) {
		check_fail(__FILE__, __LINE__, "%s: '%s' (%s), want '%s'", path,
		    v != NULL ? v : "", v != NULL ? "" : strerror(errno), want);
	} else {
		check_count++;
	}
	free(v);
}

/* A call that returns false with errno err. */
#define CHECK_FAILS(call, err)                                                 \
	do {                                                                   \
		errno = 0;                                                     \
		CHECK(!(call));                                                \
		CHECK_EQ(errno, (err));                                        \
	} while (0)

/* The counters of the daemon, for the drops and protocol errors. */
static struct gntbox_stats
stats(void)
{
	struct gntbox_stats st;

	th_stats(&st);
	return (st);
}

/*
 * Paths, relative paths and each domain's home: /local/domain/N with
 * domid and name (readable, not writable, by N) and data (N's own).
 */
static void
test_paths(void)
{
	struct xs_handle *h0 = open_as(0), *h1 = open_as(1);
	struct xs_permissions *p;
	unsigned n;
	char *v, **list;

	CHECK(xs_write(h0, XBT_NULL, "/lib/a", "hello", 5));
	expect_value(h0, XBT_NULL, "/lib/a", "hello", 0);
	expect_value(h1, XBT_NULL, "/lib/a", NULL, EACCES);
	v = xs_get_domain_path(h1, 1);
	CHECK(v != NULL && strcmp(v, "/local/domain/1") == 0);
	free(v);
	expect_value(h1, XBT_NULL, "domid", "1", 0);
	expect_value(h1, XBT_NULL, "name", "domain-1", 0);
	expect_value(h1, XBT_NULL, "/local/domain/1/domid", "1", 0);
	expect_value(h0, XBT_NULL, "/local/domain/2/name", "domain-2", 0);
	CHECK_FAILS(xs_write(h1, XBT_NULL, "domid", "7", 1), EACCES);
	list = xs_directory(h1, XBT_NULL, "/local/domain/1", &n);
	CHECK(list != NULL && n == 3 && strcmp(list[0], "data") == 0 &&
	    strcmp(list[1], "domid") == 0 && strcmp(list[2], "name") == 0);
	free(list);
	/* A relative path is under the home of the socket's domain. */
	CHECK(xs_write(h1, XBT_NULL, "data/x", "one", 3));
	expect_value(h0, XBT_NULL, "/local/domain/1/data/x", "one", 0);
	CHECK(xs_write(h0, XBT_NULL, "data/x", "zero", 4));
	expect_value(h0, XBT_NULL, "/local/domain/0/data/x", "zero", 0);
	/* An unprivileged domain owns what it creates. */
	p = xs_get_permissions(h1, XBT_NULL, "data/x", &n);
	CHECK(
	    p != NULL && n == 1 && p[0].id == 1 && p[0].perms == XS_PERM_NONE);
	free(p);
	CHECK(xs_mkdir(h1, XBT_NULL, "data/d"));
	list = xs_directory(h1, XBT_NULL, "data", &n);
	CHECK(list != NULL && n == 2);
	free(list);
	CHECK(xs_is_domain_introduced(h0, 2));
	CHECK(!xs_is_domain_introduced(h0, 9));
	CHECK(xs_rm(h1, XBT_NULL, "data/x"));
	CHECK(xs_rm(h1, XBT_NULL, "data/d"));
	expect_value(h1, XBT_NULL, "data/x", NULL, ENOENT);
	CHECK(xs_rm(h0, XBT_NULL, "/lib"));
	CHECK(xs_rm(h0, XBT_NULL, "data/x"));
	xs_close(h0);
	xs_close(h1);
}

/*
 * Domain 2 is refused what domain 1 has not granted it, with EACCES
 * whether or not the node exists; grants open it; only the privileged
 * domain changes an owner.
 */
static void
test_permissions(void)
{
	static const char *const paths[] = { "/local/domain/1/data/x",
		"/local/domain/1/data/none",
		"/local/domain/1/data/none/deeper" };
	struct xs_handle *h0 = open_as(0), *h1 = open_as(1), *h2 = open_as(2);
	struct xs_permissions set[2], *p;
	unsigned i, n;

	CHECK(xs_write(h1, XBT_NULL, "data/x", "one", 3));
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		expect_value(h2, XBT_NULL, paths[i], NULL, EACCES);
		CHECK_FAILS(xs_write(h2, XBT_NULL, paths[i], "2", 1), EACCES);
		CHECK_FAILS(xs_mkdir(h2, XBT_NULL, paths[i]), EACCES);
		CHECK_FAILS(xs_rm(h2, XBT_NULL, paths[i]), EACCES);
		CHECK_FAILS(xs_directory(h2, XBT_NULL, paths[i], &n) != NULL,
		    EACCES);
		CHECK_FAILS(xs_get_permissions(h2, XBT_NULL, paths[i], &n) !=
			NULL,
		    EACCES);
		set[0] = (struct xs_permissions){ 2, XS_PERM_NONE };
		CHECK_FAILS(xs_set_permissions(h2, XBT_NULL, paths[i], set, 1),
		    EACCES);
	}
	/* Read granted: reads, not writes. */
	set[0] = (struct xs_permissions){ 1, XS_PERM_NONE };
	set[1] = (struct xs_permissions){ 2, XS_PERM_READ };
	CHECK(xs_set_permissions(h1, XBT_NULL, "data/x", set, 2));
	expect_value(h2, XBT_NULL, paths[0], "one", 0);
	p = xs_get_permissions(h2, XBT_NULL, paths[0], &n);
	CHECK(
	    p != NULL && n == 2 && p[1].id == 2 && p[1].perms == XS_PERM_READ);
	free(p);
	CHECK_FAILS(xs_write(h2, XBT_NULL, paths[0], "2", 1), EACCES);
	/* Both granted: writes too. */
	set[1].perms = XS_PERM_READ | XS_PERM_WRITE;
	CHECK(xs_set_permissions(h1, XBT_NULL, "data/x", set, 2));
	CHECK(xs_write(h2, XBT_NULL, paths[0], "two", 3));
	expect_value(h1, XBT_NULL, "data/x", "two", 0);
	/* Only the privileged domain gives a node away. */
	set[0].id = 2;
	CHECK_FAILS(xs_set_permissions(h1, XBT_NULL, "data/x", set, 1), EPERM);
	CHECK(xs_set_permissions(h0, XBT_NULL, paths[0], set, 1));
	expect_value(h1, XBT_NULL, "data/x", NULL, EACCES);
	CHECK(xs_rm(h2, XBT_NULL, paths[0]));
	xs_close(h0);
	xs_close(h1);
	xs_close(h2);
}

/*
 * Transactions, as Xen's test-xenstore runs them, then the conflict
 * rule: a transaction fails with EAGAIN when a node it read (a value or
 * a directory) changed, and only then.
 */
static void
test_transactions(void)
{
	struct xs_handle *h = open_as(1), *o = open_as(0), *w = open_as(0);
	xs_transaction_t t;
	unsigned n;
	char **list;

	/* ta empty, ta empty x. */
	CHECK((t = xs_transaction_start(h)) != XBT_NULL);
	CHECK(xs_transaction_end(h, t, false));
	CHECK((t = xs_transaction_start(h)) != XBT_NULL);
	CHECK(xs_transaction_end(h, t, true));
	/* ta rmw: the transaction sees its write, nobody else does. */
	CHECK(xs_write(h, XBT_NULL, "data/t", "a", 1));
	CHECK((t = xs_transaction_start(h)) != XBT_NULL);
	expect_value(h, t, "data/t", "a", 0);
	CHECK(xs_write(h, t, "data/t", "b", 1));
	expect_value(h, t, "data/t", "b", 0);
	expect_value(h, XBT_NULL, "data/t", "a", 0);
	CHECK(xs_transaction_end(h, t, false));
	expect_value(h, XBT_NULL, "data/t", "b", 0);
	/* ta rmw x: aborted, nothing happened. */
	CHECK(xs_write(h, XBT_NULL, "data/t", "a", 1));
	CHECK((t = xs_transaction_start(h)) != XBT_NULL);
	expect_value(h, t, "data/t", "a", 0);
	CHECK(xs_write(h, t, "data/t", "b", 1));
	CHECK(xs_transaction_end(h, t, true));
	expect_value(h, XBT_NULL, "data/t", "a", 0);
	/* ta err: read in, written outside, written in: EAGAIN. */
	CHECK((t = xs_transaction_start(h)) != XBT_NULL);
	expect_value(h, t, "data/t", "a", 0);
	CHECK(xs_write(h, XBT_NULL, "data/t", "b", 1));
	expect_value(h, t, "data/t", "a", 0);
	CHECK(xs_write(h, t, "data/t", "c", 1));
	expect_value(h, t, "data/t", "c", 0);
	CHECK_FAILS(xs_transaction_end(h, t, false), EAGAIN);
	expect_value(h, XBT_NULL, "data/t", "b", 0);
	/* Read only, and the node changed: EAGAIN as well. */
	CHECK((t = xs_transaction_start(h)) != XBT_NULL);
	expect_value(h, t, "data/t", "b", 0);
	CHECK(xs_write(o, XBT_NULL, "/local/domain/1/data/t", "o", 1));
	CHECK_FAILS(xs_transaction_end(h, t, false), EAGAIN);
	/* A directory read, and a child came: EAGAIN. */
	CHECK((t = xs_transaction_start(h)) != XBT_NULL);
	list = xs_directory(h, t, "data", &n);
	CHECK(list != NULL && n == 1);
	free(list);
	CHECK(xs_write(h, t, "data/u", "1", 1));
	CHECK(xs_write(o, XBT_NULL, "/local/domain/1/data/new", "", 0));
	CHECK_FAILS(xs_transaction_end(h, t, false), EAGAIN);
	expect_value(h, XBT_NULL, "data/u", NULL, ENOENT);
	/* Nothing it read changed (other nodes did): it commits. */
	CHECK((t = xs_transaction_start(h)) != XBT_NULL);
	expect_value(h, t, "data/t", "o", 0);
	CHECK(xs_write(h, t, "data/u", "1", 1));
	CHECK(xs_write(o, XBT_NULL, "/local/domain/1/data/new", "2", 1));
	CHECK(xs_write(o, XBT_NULL, "/elsewhere", "", 0));
	CHECK(xs_transaction_end(h, t, false));
	expect_value(h, XBT_NULL, "data/u", "1", 0);
	/* An abort never fails, conflict or not. */
	CHECK((t = xs_transaction_start(h)) != XBT_NULL);
	expect_value(h, t, "data/t", "o", 0);
	CHECK(xs_write(o, XBT_NULL, "/local/domain/1/data/t", "p", 1));
	CHECK(xs_transaction_end(h, t, true));
	/* Watches fire at commit, not before. */
	CHECK(xs_watch(w, "/local/domain/1/data/u", "u"));
	expect_event(w, "/local/domain/1/data/u u");
	CHECK((t = xs_transaction_start(h)) != XBT_NULL);
	CHECK(xs_write(h, t, "data/u", "2", 1));
	expect_quiet(w);
	CHECK(xs_transaction_end(h, t, false));
	expect_event(w, "/local/domain/1/data/u u");
	/* A connection's open transactions go with it. */
	CHECK((t = xs_transaction_start(h)) != XBT_NULL);
	CHECK(xs_write(h, t, "data/gone", "1", 1));
	CHECK_EQ(stats().transactions, 1);
	xs_close(h);
	CHECK_EQ(stats().transactions, 0);
	expect_value(o, XBT_NULL, "/local/domain/1/data/gone", NULL, ENOENT);
	CHECK(xs_rm(o, XBT_NULL, "/local/domain/1/data/t"));
	CHECK(xs_rm(o, XBT_NULL, "/local/domain/1/data/u"));
	CHECK(xs_rm(o, XBT_NULL, "/local/domain/1/data/new"));
	CHECK(xs_rm(o, XBT_NULL, "/elsewhere"));
	xs_close(o);
	xs_close(w);
}

/*
 * The reply OK comes before the first event, which names the watched
 * path as it was given: seen on the wire, since libxenstore hides the
 * order.
 */
static void
test_watch_order(void)
{
	struct xw_msg m;
	int fd;

	REQUIRE((fd = xw_connect(1)) != -1);
	CHECK_EQ(xw_send(fd, XS_WATCH, 7, 0, "data\0tok", 9), 0);
	CHECK_EQ(xw_recv(fd, &m, XW_TIMEOUT_MS), 0);
	CHECK_EQ(m.h.type, XS_WATCH);
	CHECK_EQ(m.h.req_id, 7);
	CHECK(m.h.len == 3 && strcmp(m.data, "OK") == 0);
	CHECK_EQ(xw_recv(fd, &m, XW_TIMEOUT_MS), 0);
	CHECK_EQ(m.h.type, XS_WATCH_EVENT);
	CHECK(m.h.len == 9 && memcmp(m.data, "data\0tok", 9) == 0);
	close(fd);
}

/*
 * One event per change under the watched path (write, mkdir, set_perms,
 * rm, a removed parent), relative for a relative watch, absolute for an
 * absolute one, none after UNWATCH.
 */
static void
test_watches(void)
{
	struct xs_handle *h1 = open_as(1), *h0 = open_as(0);
	struct xs_permissions set[1] = { { 1, XS_PERM_NONE } };

	CHECK(xs_watch(h1, "data", "rel"));
	expect_event(h1, "data rel");
	CHECK(xs_watch(h0, "/local/domain/1/data", "abs"));
	expect_event(h0, "/local/domain/1/data abs");
	CHECK(xs_write(h0, XBT_NULL, "/local/domain/1/data/a", "1", 1));
	expect_event(h1, "data/a rel");
	expect_event(h0, "/local/domain/1/data/a abs");
	CHECK(xs_mkdir(h1, XBT_NULL, "data/b"));
	expect_event(h1, "data/b rel");
	expect_event(h0, "/local/domain/1/data/b abs");
	CHECK(xs_set_permissions(h1, XBT_NULL, "data/a", set, 1));
	expect_event(h1, "data/a rel");
	expect_event(h0, "/local/domain/1/data/a abs");
	CHECK(xs_rm(h1, XBT_NULL, "data/b"));
	expect_event(h1, "data/b rel");
	expect_event(h0, "/local/domain/1/data/b abs");
	/* Removing a parent of a watched node reports the watched node. */
	CHECK(xs_write(h1, XBT_NULL, "data/a/deep", "", 0));
	expect_event(h1, "data/a/deep rel");
	expect_event(h0, "/local/domain/1/data/a/deep abs");
	CHECK(xs_watch(h1, "data/a/deep", "deep"));
	expect_event(h1, "data/a/deep deep");
	CHECK(xs_rm(h0, XBT_NULL, "/local/domain/1/data/a"));
	expect_event(h0, "/local/domain/1/data/a abs");
	/* Two watches of h1 fire; which comes first is not specified. */
	{
		char a[256], b[256];

		CHECK(next_event(h1, XW_TIMEOUT_MS, a, sizeof(a)));
		CHECK(next_event(h1, XW_TIMEOUT_MS, b, sizeof(b)));
		CHECK((strcmp(a, "data/a rel") == 0 &&
			  strcmp(b, "data/a/deep deep") == 0) ||
		    (strcmp(b, "data/a rel") == 0 &&
			strcmp(a, "data/a/deep deep") == 0));
	}
	expect_quiet(h1);
	expect_quiet(h0);
	/* Nothing after UNWATCH; the other watch still fires. */
	CHECK(xs_unwatch(h1, "data", "rel"));
	CHECK(xs_unwatch(h1, "data/a/deep", "deep"));
	CHECK(xs_write(h0, XBT_NULL, "/local/domain/1/data/c", "", 0));
	expect_event(h0, "/local/domain/1/data/c abs");
	expect_quiet(h1);
	CHECK_EQ(stats().watches, 1);
	CHECK(xs_rm(h0, XBT_NULL, "/local/domain/1/data/c"));
	xs_close(h1);
	xs_close(h0);
}

/*
 * A directory too large for one DIRECTORY reply (E2BIG on the wire) is
 * listed whole by xs_directory(), which reads it with DIRECTORY_PART.
 */
static void
test_directory_part(void)
{
	struct xs_handle *h = open_as(0);
	char path[64], **list;
	unsigned i, n;
	int fd;

	for (i = 0; i < 600; i++) {
		snprintf(path, sizeof(path), "/dp/child-%04u", i);
		REQUIRE(xs_mkdir(h, XBT_NULL, path));
	}
	REQUIRE((fd = xw_connect(0)) != -1);
	CHECK_EQ(xw_call(fd, XS_DIRECTORY, "/dp", 4, NULL), E2BIG);
	close(fd);
	list = xs_directory(h, XBT_NULL, "/dp", &n);
	REQUIRE(list != NULL);
	CHECK_EQ(n, 600);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "child-%04u", i);
		if (strcmp(list[i], path) != 0)
			break;
	}
	CHECK_EQ(i, 600);
	free(list);
	CHECK(xs_rm(h, XBT_NULL, "/dp"));
	xs_close(h);
}

/*
 * The quotas of an unprivileged domain: 1000 nodes, 128 watches and 10
 * transactions per connection, 2048-byte values, 5 permission entries.
 * The privileged domain has none.
 */
static void
test_quotas(void)
{
	struct xs_handle *h = open_as(1), *h0 = open_as(0);
	struct xs_permissions set[6];
	xs_transaction_t t[11];
	char path[64], token[16], big[2049];
	unsigned i;

	/* Domain 1 owns its home and data/ already: 998 more. */
	for (i = 0; i < 998; i++) {
		snprintf(path, sizeof(path), "data/q%u", i);
		if (!xs_write(h, XBT_NULL, path, "", 0))
			break;
	}
	CHECK_EQ(i, 998);
	CHECK_FAILS(xs_write(h, XBT_NULL, "data/one-more", "", 0), ENOSPC);
	for (i = 0; i < 998; i++) {
		snprintf(path, sizeof(path), "data/q%u", i);
		REQUIRE(xs_rm(h, XBT_NULL, path));
	}
	CHECK(xs_write(h, XBT_NULL, "data/one-more", "", 0));
	CHECK(xs_rm(h, XBT_NULL, "data/one-more"));
	/* Watches. */
	for (i = 0; i < 128; i++) {
		snprintf(token, sizeof(token), "w%u", i);
		if (!xs_watch(h, "data", token))
			break;
	}
	CHECK_EQ(i, 128);
	CHECK_FAILS(xs_watch(h, "data", "w128"), E2BIG);
	/* Transactions. */
	for (i = 0; i < 10; i++)
		if ((t[i] = xs_transaction_start(h)) == XBT_NULL)
			break;
	CHECK_EQ(i, 10);
	CHECK_FAILS(xs_transaction_start(h) != XBT_NULL, ENOSPC);
	for (i = 0; i < 10; i++)
		CHECK(xs_transaction_end(h, t[i], true));
	/* Values and permission lists. */
	memset(big, 'v', sizeof(big));
	CHECK(xs_write(h, XBT_NULL, "data/v", big, 2048));
	CHECK_FAILS(xs_write(h, XBT_NULL, "data/v", big, 2049), ENOSPC);
	for (i = 0; i < 6; i++)
		set[i] =
		    (struct xs_permissions){ i == 0 ? 1 : 1 + i, XS_PERM_READ };
	set[0].perms = XS_PERM_NONE;
	CHECK(xs_set_permissions(h, XBT_NULL, "data/v", set, 5));
	CHECK_FAILS(xs_set_permissions(h, XBT_NULL, "data/v", set, 6), ENOSPC);
	/* Domain 0: no limit. */
	for (i = 0; i < 1001; i++) {
		snprintf(path, sizeof(path), "/q0/n%u", i);
		if (!xs_write(h0, XBT_NULL, path, "", 0))
			break;
	}
	CHECK_EQ(i, 1001);
	CHECK(xs_write(h0, XBT_NULL, "/q0/v", big, sizeof(big)));
	for (i = 0; i < 129; i++) {
		snprintf(token, sizeof(token), "w%u", i);
		if (!xs_watch(h0, "/q0", token))
			break;
	}
	CHECK_EQ(i, 129);
	CHECK(xs_rm(h0, XBT_NULL, "/q0"));
	CHECK(xs_rm(h, XBT_NULL, "data/v"));
	xs_close(h);
	xs_close(h0);
}

/* Wait (10 s at most) until fd's peer closes; true when it did. */
static bool
closed_by_peer(int fd)
{
	struct xw_msg m;
	int error;

	while ((error = xw_recv(fd, &m, XW_TIMEOUT_MS)) == 0)
		;
	return (error == ECONNRESET);
}

/*
 * A client that stops reading while its watch events pile up is dropped
 * once they pass its output bound (2 MiB); the writer and another
 * client of the same domain, which reads, carry on.
 */
static void
test_flood(void)
{
	static char token[1001], path[2100];
	struct xs_handle *h0 = open_as(0), *h1 = open_as(1);
	struct gntbox_stats before;
	struct xw_msg m;
	unsigned i;
	char ev[4096];
	int fd;

	memset(token, 't', sizeof(token) - 1);
	memcpy(path, "data", 5);
	memcpy(path + 5, token, sizeof(token));
	REQUIRE((fd = xw_connect(1)) != -1);
	CHECK_EQ(xw_call(fd, XS_WATCH, path, 5 + sizeof(token), &m), 0);
	CHECK(xs_watch(h1, "data", "reader"));
	expect_event(h1, "data reader");
	before = stats();
	/* Events of about 3 KiB: the bound is passed within 1000. */
	i = (unsigned)snprintf(path, sizeof(path), "/local/domain/1/data/");
	memset(path + i, 'n', 2000);
	path[i + 2000] = '\0';
	for (i = 0; i < 2000 && stats().conns_dropped == before.conns_dropped;
	     i += 50) {
		unsigned k;

		for (k = 0; k < 50; k++)
			REQUIRE(xs_write(h0, XBT_NULL, path, "x", 1));
	}
	CHECK(i < 2000);
	CHECK_EQ(stats().conns_dropped, before.conns_dropped + 1);
	CHECK(closed_by_peer(fd));
	close(fd);
	CHECK_EQ(stats().connections, before.connections - 1);
	/* The reader had every event, and both others work on. */
	for (i = 0; next_event(h1, QUIET_MS, ev, sizeof(ev)); i++)
		CHECK(strncmp(ev, "data/nnnn", 9) == 0);
	CHECK(i >= 50);
	CHECK(xs_write(h1, XBT_NULL, "data/after", "1", 1));
	expect_event(h1, "data/after reader");
	expect_value(h0, XBT_NULL, "/local/domain/1/data/after", "1", 0);
	CHECK(xs_rm(h0, XBT_NULL, path));
	CHECK(xs_rm(h0, XBT_NULL, "/local/domain/1/data/after"));
	xs_close(h0);
	xs_close(h1);
	th_expect_protocol_errors();
}

/*
 * Malformed input: a payload above XENSTORE_PAYLOAD_MAX drops that
 * client (a protocol error) and nobody else notices; what is merely
 * wrong gets an error and the connection stays; a request that arrives
 * a byte at a time is one request.
 */
static void
test_malformed(void)
{
	struct xsd_sockmsg h = { XS_READ, 0, 0, XENSTORE_PAYLOAD_MAX + 1 };
	struct xs_handle *h1 = open_as(1);
	struct gntbox_stats before;
	struct xw_msg m;
	char req[64];
	size_t i, len;
	int fd;

	before = stats();
	REQUIRE((fd = xw_connect(1)) != -1);
	CHECK_EQ(xw_call(fd, 99, "x", 2, NULL), ENOSYS);
	CHECK_EQ(xw_call(fd, XS_READ, "no/nul/at/end", 13, NULL), EINVAL);
	CHECK_EQ(xw_call(fd, XS_READ, "bad//path", 10, NULL), EINVAL);
	CHECK_EQ(xw_call(fd, XS_INTRODUCE,
		     "1\0"
		     "0\0"
		     "0",
		     6, NULL),
	    EACCES);
	/* A byte at a time. */
	h.len = 6;
	memcpy(req, &h, sizeof(h));
	memcpy(req + sizeof(h), "domid", 6);
	len = sizeof(h) + 6;
	for (i = 0; i < len; i++) {
		CHECK_EQ(send(fd, req + i, 1, MSG_NOSIGNAL), 1);
		usleep(1000);
	}
	CHECK_EQ(xw_recv(fd, &m, XW_TIMEOUT_MS), 0);
	CHECK(m.h.type == XS_READ && m.h.len == 1 && m.data[0] == '1');
	CHECK_EQ(stats().conns_dropped, before.conns_dropped);
	/* Too long a payload: dropped. */
	h.len = XENSTORE_PAYLOAD_MAX + 1;
	CHECK_EQ(send(fd, &h, sizeof(h), MSG_NOSIGNAL), (ssize_t)sizeof(h));
	CHECK(closed_by_peer(fd));
	close(fd);
	CHECK_EQ(stats().conns_dropped, before.conns_dropped + 1);
	CHECK_EQ(stats().protocol_errors, before.protocol_errors + 1);
	/* Half a header, then gone: nothing to answer, nothing lost. */
	REQUIRE((fd = xw_connect(1)) != -1);
	CHECK_EQ(send(fd, &h, 5, MSG_NOSIGNAL), 5);
	close(fd);
	expect_value(h1, XBT_NULL, "domid", "1", 0);
	xs_close(h1);
	th_expect_protocol_errors();
}

/*
 * A client that sends requests without reading the replies is not read
 * while its replies wait, so its sends stall long before the stream ends
 * (a daemon that read on would pass the output bound and drop it), and it
 * is not dropped; once it reads, every reply comes, in order.
 */
static void
test_pipelined(void)
{
	enum {
		N = 2000
	};
	static char path[2100], value[2000], req[2200];
	struct xs_handle *h0 = open_as(0);
	struct gntbox_stats before;
	struct xsd_sockmsg hd;
	struct pollfd p;
	struct xw_msg m;
	size_t plen, rlen, off, sent, total;
	unsigned got;
	bool stalled;
	ssize_t r;
	int fd;

	plen = (size_t)snprintf(path, sizeof(path), "/pipe/") + 2000;
	memset(path + plen - 2000, 'p', 2000);
	path[plen++] = '\0';
	memset(value, 'v', sizeof(value));
	REQUIRE(xs_write(h0, XBT_NULL, path, value, sizeof(value)));
	hd = (struct xsd_sockmsg){ XS_READ, 0, 0, (uint32_t)plen };
	memcpy(req, &hd, sizeof(hd));
	memcpy(req + sizeof(hd), path, plen);
	rlen = sizeof(hd) + plen;
	total = rlen * N;
	before = stats();
	REQUIRE((fd = xw_connect(0)) != -1);
	REQUIRE(fcntl(fd, F_SETFL, O_NONBLOCK) == 0);
	/*
	 * Send without reading until the daemon stops taking requests: the
	 * socket stays full for STALL_MS.
	 */
	stalled = false;
	for (sent = 0; sent < total && !stalled;) {
		off = sent % rlen;
		if ((r = send(fd, req + off, rlen - off, MSG_NOSIGNAL)) > 0) {
			sent += (size_t)r;
			continue;
		}
		if (r == -1 && errno != EAGAIN)
			break;
		p.fd = fd;
		p.events = POLLOUT;
		stalled = poll(&p, 1, STALL_MS) == 0;
	}
	CHECK(stalled);
	CHECK(sent < total / 2);
	CHECK_EQ(stats().conns_dropped, before.conns_dropped);
	CHECK_EQ(stats().connections, before.connections + 1);
	/* Now read as well: every reply, in order. */
	REQUIRE(fcntl(fd, F_SETFL, 0) == 0);
	for (got = 0; got < N;) {
		p.fd = fd;
		p.events = POLLIN | (sent < total ? POLLOUT : 0);
		REQUIRE(poll(&p, 1, XW_TIMEOUT_MS) == 1);
		if ((p.revents & POLLOUT) != 0) {
			off = sent % rlen;
			r = send(fd, req + off, rlen - off,
			    MSG_NOSIGNAL | MSG_DONTWAIT);
			if (r > 0)
				sent += (size_t)r;
		}
		if ((p.revents & POLLIN) == 0)
			continue;
		REQUIRE(xw_recv(fd, &m, XW_TIMEOUT_MS) == 0);
		if (m.h.type != XS_READ || m.h.len != sizeof(value))
			break;
		got++;
	}
	CHECK_EQ(got, N);
	close(fd);
	CHECK(xs_rm(h0, XBT_NULL, "/pipe"));
	xs_close(h0);
}

/* Open connections of domid, as CTL_DOMAIN_LIST counts them. */
static uint32_t
domain_conns(unsigned domid)
{
	struct gbx_domain_rec *recs;
	struct gbx_conn *c;
	uint32_t i, n, conns;

	REQUIRE(gbx_ctl_open(&c) == 0);
	REQUIRE(gbx_ctl_domains(c, &recs, &n) == 0);
	gbx_conn_close(c);
	conns = UINT32_MAX;
	for (i = 0; i < n; i++)
		if (recs[i].domid == domid)
			conns = recs[i].conns;
	free(recs);
	return (conns);
}

/* xenstore connections count in the stats and in the domain list. */
static void
test_connections(void)
{
	struct gntbox_stats before;
	struct xs_handle *a, *b, *c;

	before = stats();
	a = open_as(0);
	b = open_as(1);
	c = open_as(1);
	CHECK_EQ(stats().connections, before.connections + 3);
	CHECK_EQ(domain_conns(0), 1);
	CHECK_EQ(domain_conns(1), 2);
	CHECK_EQ(domain_conns(2), 0);
	xs_close(b);
	CHECK_EQ(domain_conns(1), 1);
	xs_close(a);
	xs_close(c);
}

/*
 * At most 1024 xenstore connections per domain: the next is closed at
 * once (and counted as dropped); other domains are not affected, and a
 * slot frees when a connection closes.
 */
static void
test_connection_limit(void)
{
	static int fds[1024];
	int i, fd;

	for (i = 0; i < 1024; i++) {
		if ((fds[i] = xw_connect(2)) == -1 ||
		    xw_call(fds[i], XS_READ, "domid", 6, NULL) != 0)
			break;
	}
	CHECK_EQ(i, 1024);
	REQUIRE((fd = xw_connect(2)) != -1);
	CHECK(closed_by_peer(fd));
	close(fd);
	REQUIRE((fd = xw_connect(0)) != -1);
	CHECK_EQ(xw_call(fd, XS_READ, "domid", 6, NULL), 0);
	close(fd);
	close(fds[0]);
	for (i = 0; i < 100; i++) {
		REQUIRE((fds[0] = xw_connect(2)) != -1);
		if (xw_call(fds[0], XS_READ, "domid", 6, NULL) == 0)
			break;
		close(fds[0]);
		fds[0] = -1;
		usleep(10000);
	}
	CHECK(fds[0] != -1);
	for (i = 0; i < 1024; i++)
		if (fds[i] != -1)
			close(fds[i]);
	th_expect_protocol_errors();
}

/*
 * Domains come and go: @introduceDomain and @releaseDomain fire; a
 * destroyed domain's connections are closed and its nodes go, those it
 * made outside its home too, and so do permission entries naming it; the
 * same id created again starts afresh.  RELEASE over the wire does the
 * store's part at once, and the domain's socket takes no connection
 * until the later destroy, which still works.
 */
static void
test_domains(void)
{
	struct xs_permissions set[2] = { { 0, XS_PERM_NONE },
		{ 3, XS_PERM_READ | XS_PERM_WRITE } };
	struct xs_handle *h0 = open_as(0), *h3;
	struct xs_permissions *p;
	unsigned n;
	int fd;

	CHECK(xs_watch(h0, "@introduceDomain", "i"));
	expect_event(h0, "@introduceDomain i");
	CHECK(xs_watch(h0, "@releaseDomain", "r"));
	expect_event(h0, "@releaseDomain r");
	CHECK_EQ(gntbox_domain_create(3, "three", 0), 0);
	expect_event(h0, "@introduceDomain i");
	expect_value(h0, XBT_NULL, "/local/domain/3/name", "three", 0);
	CHECK(xs_write(h0, XBT_NULL, "/shared/x", "", 0));
	CHECK(xs_set_permissions(h0, XBT_NULL, "/shared", set, 2));
	CHECK(xs_set_permissions(h0, XBT_NULL, "/shared/x", set, 2));
	h3 = open_as(3);
	CHECK(xs_write(h3, XBT_NULL, "/shared/by3", "3", 1));
	CHECK(xs_write(h3, XBT_NULL, "data/mine", "3", 1));
	REQUIRE((fd = xw_connect(3)) != -1);
	CHECK_EQ(xw_call(fd, XS_READ, "domid", 6, NULL), 0);
	CHECK_EQ(gntbox_domain_destroy(3), 0);
	expect_event(h0, "@releaseDomain r");
	CHECK(closed_by_peer(fd));
	close(fd);
	CHECK(xs_read(h3, XBT_NULL, "data/mine", &n) == NULL);
	xs_close(h3);
	CHECK(xw_connect(3) == -1 && errno == ENOENT);
	expect_value(h0, XBT_NULL, "/local/domain/3", NULL, ENOENT);
	expect_value(h0, XBT_NULL, "/shared/by3", NULL, ENOENT);
	p = xs_get_permissions(h0, XBT_NULL, "/shared/x", &n);
	CHECK(p != NULL && n == 1 && p[0].id == 0);
	free(p);
	/* Again, and released over the wire first. */
	CHECK_EQ(gntbox_domain_create(3, NULL, 0), 0);
	expect_event(h0, "@introduceDomain i");
	expect_value(h0, XBT_NULL, "/local/domain/3/name", "domain-3", 0);
	expect_value(h0, XBT_NULL, "/local/domain/3/data/mine", NULL, ENOENT);
	REQUIRE((fd = xw_connect(3)) != -1);
	CHECK_EQ(xw_call(fd, XS_READ, "domid", 6, NULL), 0); /* accepted */
	CHECK(xs_release_domain(h0, 3));
	expect_event(h0, "@releaseDomain r");
	CHECK(closed_by_peer(fd));
	close(fd);
	expect_value(h0, XBT_NULL, "/local/domain/3", NULL, ENOENT);
	CHECK(!xs_is_domain_introduced(h0, 3));
	/* Until it is destroyed, nobody connects as that domain. */
	REQUIRE((fd = xw_connect(3)) != -1);
	CHECK(closed_by_peer(fd));
	close(fd);
	CHECK_EQ(gntbox_domain_destroy(3), 0);
	expect_quiet(h0);
	CHECK(xs_rm(h0, XBT_NULL, "/shared"));
	xs_close(h0);
}

int
main(void)
{

	th_start(NULL);
	th_domain(1);
	th_domain(2);
	th_baseline();
	test_paths();
	th_check_baseline("paths");
	test_permissions();
	th_check_baseline("permissions");
	test_transactions();
	th_check_baseline("transactions");
	test_watch_order();
	test_watches();
	th_check_baseline("watches");
	test_directory_part();
	th_check_baseline("directory_part");
	test_quotas();
	th_check_baseline("quotas");
	test_flood();
	th_check_baseline("flood");
	test_malformed();
	th_check_baseline("malformed");
	test_pipelined();
	th_check_baseline("pipelined");
	test_connections();
	th_check_baseline("connections");
	test_connection_limit();
	th_check_baseline("connection limit");
	test_domains();
	th_check_baseline("domains");
	return (th_finish());
}
