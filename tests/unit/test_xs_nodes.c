/*
 * Unit test of the xenstore engine's node requests, byte for byte through
 * xs.h: READ, WRITE, MKDIR, RM, DIRECTORY, DIRECTORY_PART, GET_PERMS and
 * SET_PERMS, with C xenstored's error for every case: path syntax and
 * length, missing parents, permissions between domains (without telling
 * a domain whether a node it may not see exists), ownership, and the
 * initial tree.
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
test_initial_tree(void)
{
	struct xs_store *s;
	struct xt *t;
	struct xs_stats st;
	char buf[XT_MAX];

	s = xs_store_new(NULL);
	REQUIRE(s != NULL);
	xs_store_stats(s, &st);
	CHECK_EQ(st.nodes, 7); /* /, tool, xenstored, local, domain, 2 @ */
	t = xt_open(s, 0);
	CHECK_ERR(xt_dir(t, 0, "/", buf), 0);
	CHECK(strcmp(buf, "local,tool") == 0);
	CHECK_ERR(xt_dir(t, 0, "/tool", buf), 0);
	CHECK(strcmp(buf, "xenstored") == 0);
	CHECK_ERR(xt_dir(t, 0, "/local/domain", buf), 0);
	CHECK(strcmp(buf, "") == 0);
	CHECK_ERR(xt_getperms(t, 0, "/", buf), 0);
	CHECK(strcmp(buf, "n0") == 0);
	CHECK_ERR(xt_getperms(t, 0, "@introduceDomain", buf), 0);
	CHECK(strcmp(buf, "n0") == 0);
	CHECK_ERR(xt_getperms(t, 0, "@releaseDomain", buf), 0);
	CHECK(strcmp(buf, "n0,r32757") == 0);
	/* Special paths are for permissions and watches only. */
	CHECK_ERR(xt_read(t, 0, "@releaseDomain", NULL, NULL), EINVAL);
	CHECK_ERR(xs_store_check(s), 0);
	xt_close(t);
	xs_store_free(s);
}

static void
test_read_write(void)
{
	struct xs_store *s = xt_store(NULL);
	struct xt *t = xt_open(s, 0);
	struct xt_msg m;
	char buf[XT_MAX], big[XENSTORE_PAYLOAD_MAX + 8];
	size_t len;

	CHECK_ERR(xt_write(t, 0, "/a/b/c", "v"), 0);
	CHECK_ERR(xt_read(t, 0, "/a/b/c", buf, &len), 0);
	CHECK(len == 1 && buf[0] == 'v');
	/* Missing parents were created empty. */
	CHECK_ERR(xt_read(t, 0, "/a/b", buf, &len), 0);
	CHECK_EQ(len, 0);
	CHECK_ERR(xt_read(t, 0, "/a/x", NULL, NULL), ENOENT);
	CHECK_ERR(xt_read(t, 0, "/nothere/x", NULL, NULL), ENOENT);
	/* Binary values, nuls included; the reply adds no nul. */
	len = xt_pack(buf, 1, "/bin");
	memcpy(buf + len, "x\0y", 3);
	CHECK_ERR(xt_call(t, XS_WRITE, 0, buf, len + 3, NULL), 0);
	CHECK_ERR(xt_call(t, XS_READ, 0, "/bin", 5, &m), 0);
	CHECK(
	    m.type == XS_READ && m.len == 3 && memcmp(m.data, "x\0y", 3) == 0);
	/* Replies echo req_id and tx_id. */
	CHECK_EQ(m.req_id, t->req_id - 1);
	CHECK_EQ(m.tx_id, 0);
	/* Relative paths live under /local/domain/<id>. */
	CHECK_ERR(xt_write(t, 0, "rel", "r"), 0);
	CHECK_ERR(xt_read(t, 0, "/local/domain/0/rel", buf, NULL), 0);
	CHECK(strcmp(buf, "r") == 0);
	/* Overwrite, and the empty value. */
	CHECK_ERR(xt_write(t, 0, "/a/b/c", ""), 0);
	CHECK_ERR(xt_read(t, 0, "/a/b/c", buf, &len), 0);
	CHECK_EQ(len, 0);
	/* WRITE needs a nul after the path. */
	CHECK_ERR(xt_call(t, XS_WRITE, 0, "/a", 2, NULL), EINVAL);
	/* READ wants exactly one argument. */
	CHECK_ERR(xt_call(t, XS_READ, 0, "/a\0/b", 6, NULL), EINVAL);
	CHECK_ERR(xt_call(t, XS_READ, 0, "/a", 2, NULL), EINVAL);
	CHECK_ERR(xt_call(t, XS_READ, 0, "", 0, NULL), EINVAL);
	/* A value of 4 KiB minus the path: the whole payload. */
	memset(big, 'x', sizeof(big));
	len = xt_pack(buf, 1, "/big");
	memcpy(buf + len, big, XENSTORE_PAYLOAD_MAX - len);
	CHECK_ERR(xt_call(t, XS_WRITE, 0, buf, XENSTORE_PAYLOAD_MAX, NULL), 0);
	CHECK_ERR(xt_read(t, 0, "/big", NULL, &len), 0);
	CHECK_EQ(len, XENSTORE_PAYLOAD_MAX - 5);
	CHECK_ERR(xs_store_check(s), 0);
	xt_close(t);
	xs_store_free(s);
}

static void
test_paths(void)
{
	struct xs_store *s = xt_store(NULL);
	struct xt *t = xt_open(s, 1), *d0 = xt_open(s, 0);
	char p[3200];

	CHECK_ERR(xt_write(t, 0, "/local/domain/1/a//b", "x"), EINVAL);
	CHECK_ERR(xt_write(t, 0, "/local/domain/1/a/", "x"), EINVAL);
	CHECK_ERR(xt_write(t, 0, "/local/domain/1/a b", "x"), EINVAL);
	CHECK_ERR(xt_write(t, 0, "/local/domain/1/a.b", "x"), EINVAL);
	CHECK_ERR(xt_write(t, 0, "", "x"), EINVAL);
	CHECK_ERR(xt_write(t, 0, "@x", "x"), EINVAL);
	CHECK_ERR(xt_write(t, 0, "a-b_c@d/E9", "x"), 0);
	/* 2048 bytes below a home are allowed, 2049 are not. */
	memset(p, 'a', sizeof(p));
	p[2048] = '\0';
	CHECK_ERR(xt_write(t, 0, p, "x"), 0);
	p[2048] = 'a';
	p[2049] = '\0';
	CHECK_ERR(xt_write(t, 0, p, "x"), EINVAL);
	/* Outside a home the whole path counts. */
	memcpy(p, "/x/", 3);
	p[2048] = '\0';
	CHECK_ERR(xt_mkdir(d0, 0, p), 0);
	p[2048] = 'a';
	p[2049] = '\0';
	CHECK_ERR(xt_call(t, XS_MKDIR, 0, p, 2050, NULL), EINVAL);
	xt_close(t);
	xt_close(d0);
	xs_store_free(s);
}

static void
test_mkdir_rm(void)
{
	struct xs_store *s = xt_store(NULL);
	struct xt *t = xt_open(s, 0);
	char buf[XT_MAX];

	CHECK_ERR(xt_mkdir(t, 0, "/m/n"), 0);
	CHECK_ERR(xt_write(t, 0, "/m/n", "keep"), 0);
	CHECK_ERR(xt_mkdir(t, 0, "/m/n"), 0); /* exists: value kept */
	CHECK_ERR(xt_read(t, 0, "/m/n", buf, NULL), 0);
	CHECK(strcmp(buf, "keep") == 0);
	CHECK_ERR(xt_write(t, 0, "/m/n/o/p", "x"), 0);
	CHECK_ERR(xt_rm(t, 0, "/m/n"), 0);
	CHECK_ERR(xt_read(t, 0, "/m/n/o/p", NULL, NULL), ENOENT);
	CHECK_ERR(xt_read(t, 0, "/m/n", NULL, NULL), ENOENT);
	CHECK_ERR(xt_dir(t, 0, "/m", buf), 0);
	CHECK(strcmp(buf, "") == 0);
	/* Missing node with an existing parent: fine; without: ENOENT. */
	CHECK_ERR(xt_rm(t, 0, "/m/zz"), 0);
	CHECK_ERR(xt_rm(t, 0, "/m/zz/yy"), ENOENT);
	CHECK_ERR(xt_rm(t, 0, "/"), EINVAL);
	CHECK_ERR(xt_rm(t, 0, "/m"), 0);
	CHECK_ERR(xs_store_check(s), 0);
	xt_close(t);
	xs_store_free(s);
}

static void
test_directory(void)
{
	struct xs_store *s = xt_store(NULL);
	struct xt *t = xt_open(s, 0);
	struct xt_msg m;
	char buf[XT_MAX], name[64], all[200000];
	size_t len, alen, off;
	int i, n, rounds;

	CHECK_ERR(xt_write(t, 0, "/d/b", ""), 0);
	CHECK_ERR(xt_write(t, 0, "/d/a", ""), 0);
	CHECK_ERR(xt_write(t, 0, "/d/c/deep", ""), 0);
	CHECK_ERR(xt_dir(t, 0, "/d", buf), 0);
	CHECK(strcmp(buf, "a,b,c") == 0);
	CHECK_ERR(xt_dir(t, 0, "/d/none", buf), ENOENT);
	/* A list longer than a payload: E2BIG, then DIRECTORY_PART. */
	alen = 0;
	for (i = 0; i < 1500; i++) {
		n = snprintf(name, sizeof(name), "/big/child%05d", i);
		CHECK_ERR(xt_mkdir(t, 0, name), 0);
		memcpy(all + alen, name + 5, (size_t)n - 4);
		alen += (size_t)n - 4;
	}
	CHECK_ERR(xt_dir(t, 0, "/big", buf), E2BIG);
	len = 0;
	rounds = 0;
	for (off = 0;; rounds++) {
		n = snprintf(name, sizeof(name), "%zu", off);
		len = xt_pack(buf, 2, "/big", name);
		REQUIRE(xt_call(t, XS_DIRECTORY_PART, 0, buf, len, &m) == 0);
		REQUIRE(m.len <= XENSTORE_PAYLOAD_MAX);
		len = strlen(m.data) + 1; /* the generation */
		CHECK(memcmp(all + off, m.data + len, m.len - len) == 0 ||
		    off + m.len - len == alen + 1);
		off += m.len - len;
		if (m.len - len <= 1 || m.data[m.len - 2] == '\0')
			break;
	}
	CHECK_EQ(off, alen + 1); /* every name, then the empty one */
	CHECK(rounds >= 4);
	/* Past the end: the generation and an empty name. */
	len = xt_pack(buf, 2, "/big", "999999");
	CHECK_ERR(xt_call(t, XS_DIRECTORY_PART, 0, buf, len, &m), 0);
	CHECK(m.len == strlen(m.data) + 2 && m.data[m.len - 1] == '\0');
	CHECK_ERR(xt_call(t, XS_DIRECTORY_PART, 0, "/big", 5, NULL), EINVAL);
	/* The generation changes when the children do. */
	len = xt_pack(buf, 2, "/d", "0");
	CHECK_ERR(xt_call(t, XS_DIRECTORY_PART, 0, buf, len, &m), 0);
	snprintf(name, sizeof(name), "%s", m.data);
	CHECK(strcmp(m.data + strlen(m.data) + 1, "a") == 0);
	CHECK_ERR(xt_mkdir(t, 0, "/d/e"), 0);
	CHECK_ERR(xt_call(t, XS_DIRECTORY_PART, 0, buf, len, &m), 0);
	CHECK(strcmp(name, m.data) != 0);
	/* An offset inside a name answers from there, as C does. */
	len = xt_pack(buf, 2, "/d", "2");
	CHECK_ERR(xt_call(t, XS_DIRECTORY_PART, 0, buf, len, &m), 0);
	CHECK(strcmp(m.data + strlen(m.data) + 1, "b") == 0);
	CHECK_ERR(xs_store_check(s), 0);
	xt_close(t);
	xs_store_free(s);
}

static void
test_permissions(void)
{
	struct xs_store *s = xt_store(NULL);
	struct xt *d0 = xt_open(s, 0), *d1 = xt_open(s, 1), *d2 = xt_open(s, 2);
	char buf[XT_MAX];

	/* Home and data belong to the domain; domid and name to dom0. */
	CHECK_ERR(xt_getperms(d1, 0, "/local/domain/1", buf), 0);
	CHECK(strcmp(buf, "n1") == 0);
	CHECK_ERR(xt_getperms(d1, 0, "domid", buf), 0);
	CHECK(strcmp(buf, "n0,r1") == 0);
	CHECK_ERR(xt_read(d1, 0, "domid", buf, NULL), 0);
	CHECK(strcmp(buf, "1") == 0);
	CHECK_ERR(xt_read(d1, 0, "name", buf, NULL), 0);
	CHECK(strcmp(buf, "one") == 0);
	CHECK_ERR(xt_write(d1, 0, "name", "evil"), EACCES);
	CHECK_ERR(xt_write(d1, 0, "data/x", "1"), 0);
	CHECK_ERR(xt_getperms(d1, 0, "data/x", buf), 0);
	CHECK(strcmp(buf, "n1") == 0);

	/* Another domain sees nothing, and cannot tell what exists. */
	CHECK_ERR(xt_read(d2, 0, "/local/domain/1/data/x", NULL, NULL), EACCES);
	CHECK_ERR(xt_read(d2, 0, "/local/domain/1/data/nothere", NULL, NULL),
	    EACCES);
	CHECK_ERR(xt_read(d2, 0, "/local/domain/1/nothere/deeper", NULL, NULL),
	    EACCES);
	CHECK_ERR(xt_write(d2, 0, "/local/domain/1/data/y", "1"), EACCES);
	CHECK_ERR(xt_rm(d2, 0, "/local/domain/1/data/x"), EACCES);
	CHECK_ERR(xt_rm(d2, 0, "/local/domain/1/data/nothere"), EACCES);
	CHECK_ERR(xt_dir(d2, 0, "/local/domain/1", NULL), EACCES);
	CHECK_ERR(xt_getperms(d2, 0, "/local/domain/1/data/x", NULL), EACCES);
	CHECK_ERR(xt_write(d2, 0, "/top", "1"), EACCES);
	CHECK_ERR(xt_read(d2, 0, "/", NULL, NULL), EACCES);
	/* But its own home answers ENOENT for a missing node. */
	CHECK_ERR(xt_read(d2, 0, "nothere", NULL, NULL), ENOENT);

	/* The owner grants read to domain 2. */
	CHECK_ERR(xt_setperms(d1, 0, "data/x", "n1,r2"), 0);
	CHECK_ERR(xt_read(d2, 0, "/local/domain/1/data/x", buf, NULL), 0);
	CHECK(strcmp(buf, "1") == 0);
	CHECK_ERR(xt_write(d2, 0, "/local/domain/1/data/x", "2"), EACCES);
	/* A node readable below an unreadable parent. */
	CHECK_ERR(xt_read(d2, 0, "/local/domain/1/data/x/none", NULL, NULL),
	    ENOENT);
	/* Write access lets it write but not change permissions. */
	CHECK_ERR(xt_setperms(d1, 0, "data/x", "n1,b2"), 0);
	CHECK_ERR(xt_write(d2, 0, "/local/domain/1/data/x", "2"), 0);
	CHECK_ERR(xt_setperms(d2, 0, "/local/domain/1/data/x", "n1,b2"),
	    EACCES);
	/* Nodes created by domain 2 under it belong to domain 2. */
	CHECK_ERR(xt_write(d2, 0, "/local/domain/1/data/x/sub", "s"), 0);
	CHECK_ERR(xt_getperms(d0, 0, "/local/domain/1/data/x/sub", buf), 0);
	CHECK(strcmp(buf, "n2,b2") == 0);
	/* The default (first entry's rights) applies to everyone else. */
	CHECK_ERR(xt_setperms(d1, 0, "data/x", "r1"), 0);
	CHECK_ERR(xt_read(d2, 0, "/local/domain/1/data/x", NULL, NULL), 0);
	/* An unprivileged owner cannot give a node away... */
	CHECK_ERR(xt_setperms(d1, 0, "data/x", "n2"), EPERM);
	/* ...dom0 can, and can read and write everything. */
	CHECK_ERR(xt_setperms(d0, 0, "/local/domain/1/data/x", "n2"), 0);
	CHECK_ERR(xt_setperms(d2, 0, "/local/domain/1/data/x", "n2,r1"), 0);
	CHECK_ERR(xt_read(d0, 0, "/local/domain/1/data/x", NULL, NULL), 0);
	/* DOMID_ANY grants to every domain. */
	CHECK_ERR(xt_write(d0, 0, "/pub", "p"), 0);
	CHECK_ERR(xt_read(d1, 0, "/pub", NULL, NULL), EACCES);
	CHECK_ERR(xt_setperms(d0, 0, "/pub", "n0,r32757"), 0);
	CHECK_ERR(xt_read(d1, 0, "/pub", buf, NULL), 0);
	CHECK_ERR(xt_read(d2, 0, "/pub", buf, NULL), 0);
	/* Entries for domains that do not exist are kept and ignored. */
	CHECK_ERR(xt_setperms(d0, 0, "/pub", "n0,r7"), 0);
	CHECK_ERR(xt_getperms(d0, 0, "/pub", buf), 0);
	CHECK(strcmp(buf, "n0,r7") == 0);
	CHECK_ERR(xs_domain_introduce(s, 7, "seven"), 0);
	{
		struct xt *d7 = xt_open(s, 7);

		CHECK_ERR(xt_read(d7, 0, "/pub", NULL, NULL), EACCES);
		xt_close(d7);
	}
	/* An owner that does not exist: ENOENT. */
	CHECK_ERR(xt_setperms(d0, 0, "/pub", "n9"), ENOENT);
	/* Malformed lists. */
	CHECK_ERR(xt_setperms(d0, 0, "/pub", "x0"), EINVAL);
	CHECK_ERR(xt_setperms(d0, 0, "/pub", "r"), EINVAL);
	CHECK_ERR(xt_setperms(d0, 0, "/pub", "r1z"), EINVAL);
	CHECK_ERR(xt_call(d0, XS_SET_PERMS, 0, "/pub", 5, NULL), EINVAL);
	CHECK_ERR(xt_setperms(d0, 0, "/nothere", "n0"), ENOENT);
	/* Hex ids, as strtol(base 0) reads them. */
	CHECK_ERR(xt_setperms(d0, 0, "/pub", "n0,b0x1"), 0);
	CHECK_ERR(xt_getperms(d0, 0, "/pub", buf), 0);
	CHECK(strcmp(buf, "n0,b1") == 0);
	/* Permissions of the special nodes. */
	CHECK_ERR(xt_setperms(d1, 0, "@introduceDomain", "n0,r1"), EACCES);
	CHECK_ERR(xt_setperms(d0, 0, "@introduceDomain", "n0,r1"), 0);
	CHECK_ERR(xt_getperms(d1, 0, "@introduceDomain", buf), 0);
	CHECK(strcmp(buf, "n0,r1") == 0);
	CHECK_ERR(xt_getperms(d0, 0, "@nosuch", NULL), ENOENT);
	CHECK_ERR(xs_store_check(s), 0);
	xt_close(d0);
	xt_close(d1);
	xt_close(d2);
	xs_store_free(s);
}

int
main(void)
{

	test_initial_tree();
	test_read_write();
	test_paths();
	test_mkdir_rm();
	test_directory();
	test_permissions();
	return (check_exit());
}
