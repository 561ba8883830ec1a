/*
 * Unit test of domains in the xenstore engine: xs_domain_introduce()
 * makes the home as a toolstack does, xs_domain_release() removes what
 * the domain owns and its permission entries, and the wire requests
 * about domains (RELEASE, INTRODUCE, IS_DOMAIN_INTRODUCED, RESUME,
 * SET_TARGET, GET_DOMAIN_PATH, GET_FEATURE, SET_FEATURE) answer as C
 * xenstored does, privileged ones EACCES to other domains.
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
test_introduce_release(void)
{
	struct xs_store *s;
	struct xt *d0, *d3;
	struct xs_stats st0, st;
	char buf[XT_MAX];

	REQUIRE((s = xs_store_new(NULL)) != NULL);
	xs_store_stats(s, &st0);
	CHECK_ERR(xs_domain_introduce(s, 0, "Domain-0"), 0);
	CHECK_ERR(xs_domain_introduce(s, 0, "Domain-0"), EEXIST);
	CHECK_ERR(xs_domain_introduce(s, 0x7FF0, "x"), EINVAL);
	CHECK_ERR(xs_domain_introduce(s, 3, NULL), EINVAL);
	CHECK_ERR(xs_domain_release(s, 3), ENOENT);
	CHECK_ERR(xs_domain_release(s, 0), EINVAL);
	d0 = xt_open(s, 0);
	CHECK_ERR(xs_domain_introduce(s, 3, "three"), 0);
	CHECK_ERR(xs_domain_introduce(s, 3, "three"), EEXIST);
	CHECK_ERR(xt_dir(d0, 0, "/local/domain/3", buf), 0);
	CHECK(strcmp(buf, "data,domid,name") == 0);
	CHECK_ERR(xt_read(d0, 0, "/local/domain/3/domid", buf, NULL), 0);
	CHECK(strcmp(buf, "3") == 0);
	CHECK_ERR(xt_read(d0, 0, "/local/domain/3/name", buf, NULL), 0);
	CHECK(strcmp(buf, "three") == 0);
	CHECK_ERR(xt_getperms(d0, 0, "/local/domain/3/data", buf), 0);
	CHECK(strcmp(buf, "n3") == 0);
	CHECK_ERR(xt_getperms(d0, 0, "/local/domain/0", buf), 0);
	CHECK(strcmp(buf, "n0") == 0);

	/* What domain 3 owns elsewhere, and where it is named. */
	d3 = xt_open(s, 3);
	CHECK_ERR(xt_write(d3, 0, "mine", "1"), 0); /* owns its home */
	CHECK_ERR(xt_write(d0, 0, "/shared/owned/by3/child", "x"), 0);
	CHECK_ERR(xt_setperms(d0, 0, "/shared/owned", "n3"), 0);
	CHECK_ERR(xt_write(d0, 0, "/shared/grant", "g"), 0);
	CHECK_ERR(xt_setperms(d0, 0, "/shared/grant", "n0,r3,b3"), 0);
	CHECK_ERR(xt_setperms(d0, 0, "@releaseDomain", "n0,r3"), 0);
	CHECK_ERR(xt_read(d3, 0, "/shared/grant", NULL, NULL), 0);
	/* A connection left open is failed by the release. */
	CHECK_ERR(xs_domain_release(s, 3), 0);
	CHECK(xs_conn_failed(d3->c));
	CHECK_EQ(xs_conn_error(d3->c), ECONNRESET);
	CHECK_ERR(xs_domain_release(s, 3), ENOENT);
	CHECK_ERR(xt_read(d0, 0, "/local/domain/3", NULL, NULL), ENOENT);
	CHECK_ERR(xt_read(d0, 0, "/shared/owned", NULL, NULL), ENOENT);
	CHECK_ERR(xt_getperms(d0, 0, "/shared/grant", buf), 0);
	CHECK(strcmp(buf, "n0") == 0);
	CHECK_ERR(xt_getperms(d0, 0, "@releaseDomain", buf), 0);
	CHECK(strcmp(buf, "n0") == 0);
	CHECK_ERR(xs_store_check(s), 0);
	xt_close(d3);

	/* A new domain 3 inherits nothing of the old one. */
	CHECK_ERR(xs_domain_introduce(s, 3, "again"), 0);
	d3 = xt_open(s, 3);
	CHECK_ERR(xt_read(d3, 0, "/shared/grant", NULL, NULL), EACCES);
	CHECK_ERR(xt_read(d3, 0, "mine", NULL, NULL), ENOENT);
	xt_close(d3);
	CHECK_ERR(xs_domain_release(s, 3), 0);
	CHECK_ERR(xt_rm(d0, 0, "/shared"), 0);
	CHECK_ERR(xt_rm(d0, 0, "/local/domain/0"), 0);
	xt_close(d0);
	xs_store_stats(s, &st);
	CHECK_EQ(st.nodes, st0.nodes);
	CHECK_EQ(st.watches, 0);
	CHECK_ERR(xs_store_check(s), 0);
	xs_store_free(s);
}

static void
test_wire_requests(void)
{
	struct xs_store *s;
	struct xt *d0, *d1, *d2;
	struct xt_msg m;
	char buf[XT_MAX];
	size_t len;

	REQUIRE((s = xs_store_new(NULL)) != NULL);
	REQUIRE(xs_domain_introduce(s, 1, "one") == 0);
	REQUIRE(xs_domain_introduce(s, 2, "two") == 0);
	d0 = xt_open(s, 0);
	d1 = xt_open(s, 1);
	d2 = xt_open(s, 2);

	CHECK_ERR(xt_call(d1, XS_GET_DOMAIN_PATH, 0, "7", 2, &m), 0);
	CHECK(strcmp(m.data, "/local/domain/7") == 0 && m.len == 16);
	CHECK_ERR(xt_call(d1, XS_GET_DOMAIN_PATH, 0, "x", 2, NULL), EINVAL);
	CHECK_ERR(xt_call(d1, XS_GET_DOMAIN_PATH, 0, "70000", 6, NULL), EINVAL);
	CHECK_ERR(xt_call(d0, XS_IS_DOMAIN_INTRODUCED, 0, "1", 2, &m), 0);
	CHECK(strcmp(m.data, "T") == 0);
	CHECK_ERR(xt_call(d0, XS_IS_DOMAIN_INTRODUCED, 0, "9", 2, &m), 0);
	CHECK(strcmp(m.data, "F") == 0);
	CHECK_ERR(xt_call(d0, XS_IS_DOMAIN_INTRODUCED, 0, "0", 2, &m), 0);
	CHECK(strcmp(m.data, "T") == 0);
	CHECK_ERR(xt_call(d1, XS_IS_DOMAIN_INTRODUCED, 0, "1", 2, NULL),
	    EACCES);
	len = xt_pack(buf, 3, "1", "0", "5");
	CHECK_ERR(xt_call(d0, XS_INTRODUCE, 0, buf, len, NULL), 0);
	len = xt_pack(buf, 3, "9", "0", "5");
	CHECK_ERR(xt_call(d0, XS_INTRODUCE, 0, buf, len, NULL), EINVAL);
	len = xt_pack(buf, 3, "1", "0", "0");
	CHECK_ERR(xt_call(d0, XS_INTRODUCE, 0, buf, len, NULL), EINVAL);
	CHECK_ERR(xt_call(d1, XS_INTRODUCE, 0, buf, len, NULL), EACCES);
	CHECK_ERR(xt_call(d0, XS_RESUME, 0, "1", 2, NULL), 0);
	CHECK_ERR(xt_call(d0, XS_RESUME, 0, "9", 2, NULL), ENOENT);
	CHECK_ERR(xt_call(d0, XS_RESUME, 0, "0", 2, NULL), EINVAL);

	/* SET_TARGET: domain 2 acts for domain 1. */
	CHECK_ERR(xt_read(d2, 0, "/local/domain/1/data", NULL, NULL), EACCES);
	len = xt_pack(buf, 2, "2", "1");
	CHECK_ERR(xt_call(d1, XS_SET_TARGET, 0, buf, len, NULL), EACCES);
	CHECK_ERR(xt_call(d0, XS_SET_TARGET, 0, buf, len, NULL), 0);
	CHECK_ERR(xt_write(d2, 0, "/local/domain/1/data/dm", "x"), 0);
	len = xt_pack(buf, 2, "2", "9");
	CHECK_ERR(xt_call(d0, XS_SET_TARGET, 0, buf, len, NULL), ENOENT);

	/* Features. */
	CHECK_ERR(xt_call(d1, XST_GET_FEATURE, 0, "", 0, &m), 0);
	CHECK(strcmp(m.data, "12") == 0);
	CHECK_ERR(xt_call(d1, XST_GET_FEATURE, 0, "1", 2, NULL), EACCES);
	CHECK_ERR(xt_call(d0, XST_GET_FEATURE, 0, "1", 2, &m), 0);
	CHECK_ERR(xt_call(d0, XST_GET_FEATURE, 0, "9", 2, NULL), ENOENT);
	len = xt_pack(buf, 2, "1", "4");
	CHECK_ERR(xt_call(d0, XST_SET_FEATURE, 0, buf, len, NULL), EBUSY);
	CHECK_ERR(xt_call(d1, XST_SET_FEATURE, 0, buf, len, NULL), EACCES);

	/* RELEASE over the wire: the domain's connections fail. */
	CHECK_ERR(xt_watch(d0, "@releaseDomain", "r"), 0);
	CHECK(xt_event(d0, buf));
	CHECK_ERR(xt_call(d1, XS_RELEASE, 0, "2", 2, NULL), EACCES);
	CHECK_ERR(xt_call(d0, XS_RELEASE, 0, "0", 2, NULL), EINVAL);
	CHECK_ERR(xt_call(d0, XS_RELEASE, 0, "9", 2, NULL), ENOENT);
	CHECK(xs_domain_introduced(s, 1));
	CHECK_ERR(xt_call(d0, XS_RELEASE, 0, "1", 2, NULL), 0);
	CHECK(!xs_domain_introduced(s, 1));
	CHECK(xs_domain_introduced(s, 0));
	CHECK(xs_domain_introduced(s, 2));
	CHECK(!xs_domain_introduced(s, 9));
	CHECK(xt_event(d0, buf) && strcmp(buf, "@releaseDomain r") == 0);
	CHECK(xs_conn_failed(d1->c));
	CHECK_EQ(xs_conn_error(d1->c), ECONNRESET);
	CHECK(!xs_conn_failed(d2->c));
	CHECK_EQ(xs_conn_error(d2->c), 0);
	CHECK_ERR(xt_read(d0, 0, "/local/domain/1", NULL, NULL), ENOENT);
	CHECK_ERR(xs_domain_release(s, 1), ENOENT);
	CHECK_ERR(xt_call(d0, XS_IS_DOMAIN_INTRODUCED, 0, "1", 2, &m), 0);
	CHECK(strcmp(m.data, "F") == 0);
	/* The target went with it. */
	CHECK_ERR(xt_write(d2, 0, "/local/domain/1/x", "x"), EACCES);
	CHECK_ERR(xs_store_check(s), 0);
	xt_close(d1);
	xt_close(d2);
	xt_close(d0);
	xs_store_free(s);
}

int
main(void)
{

	test_introduce_release();
	test_wire_requests();
	return (check_exit());
}
