/*
 * Integration test of who holds what, against a real gntboxd with real
 * shared pages: sharing and mapping through the protocol; the process
 * token's hangup (maps and mapping holds go, notify bytes are cleared,
 * file holds stay); ending access while mapped (deferred, never reused,
 * released on unmap); close releasing everything; read-only grants whose
 * descriptors cannot write; ARENA_GET; the dumps; and domain destroy,
 * whose grants still mapped elsewhere keep the dying domain until they
 * are unmapped.  The levels end back at their baseline.
 */
#include <sys/mman.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xen/grant_table.h>

#include "base/paths.h"
#include "test_daemon.h"

static struct tdx_msg *m;
static int ctl;

struct level {
	size_t off; /* offsetof a level in struct gbx_stats */
	uint64_t want;
};

static bool
level_is(const struct gbx_stats *st, const void *arg)
{
	const struct level *l = arg;

	return (*(const uint64_t *)(const void *)((const char *)st + l->off) ==
	    l->want);
}

/* Wait until a level reaches want. */
#define WAIT_LEVEL(field, value)                                               \
	do {                                                                   \
		struct level l_ = { offsetof(struct gbx_stats, field),         \
			(value) };                                             \
		CHECK(tdx_wait(ctl, level_is, &l_));                           \
	} while (0)

static uint64_t
stat_at(size_t off)
{
	struct gbx_stats st;

	tdx_stats(ctl, &st);
	return (*(uint64_t *)(void *)((char *)&st + off));
}

#define STAT(field) stat_at(offsetof(struct gbx_stats, field))

static uint8_t *
map_pages(int fd, uint64_t page, size_t n, int prot)
{
	void *p;

	p = mmap(NULL, n * GBX_PAGE_SIZE, prot, MAP_SHARED, fd,
	    (off_t)(page * GBX_PAGE_SIZE));
	REQUIRE(p != MAP_FAILED);
	return (p);
}

/* MAP count refs of domid; the reply in *rep, results in res. */
static int
map(int fd, uint32_t domid, const uint32_t *refs, uint32_t count,
    uint32_t flags, const struct gbx_notify *n, struct gbx_map_reply *rep,
    struct gbx_map_result *res)
{
	struct gbx_grant_ref gr[8];
	struct gbx_map mp;
	uint32_t i;
	int e;

	REQUIRE(count <= 8);
	for (i = 0; i < count; i++)
		gr[i] = (struct gbx_grant_ref){ domid, refs[i] };
	memset(&mp, 0, sizeof(mp));
	mp.count = count;
	mp.flags = flags;
	if (n != NULL)
		mp.notify = *n;
	e = tdx_call(fd, GBX_MAP, &mp, sizeof(mp), gr, count * sizeof(gr[0]),
	    -1, m);
	memset(rep, 0, sizeof(*rep));
	if (m->blen >= sizeof(*rep)) {
		memcpy(rep, tdx_body(m), sizeof(*rep));
		memcpy(res, (char *)tdx_body(m) + sizeof(*rep),
		    count * sizeof(*res));
	}
	return (e);
}

static void
refs_msg(int fd, uint16_t type, const uint32_t *refs, uint32_t count)
{
	struct gbx_refs rf = { count, 0 };

	REQUIRE(tdx_oneway(fd, type, &rf, sizeof(rf), refs,
		    count * sizeof(*refs), -1) == 0);
}

static int
notify_grant(int fd, uint32_t ref, uint32_t action, uint32_t port,
    uint64_t byte)
{
	struct gbx_notify_grant ng = { ref, 0, { action, port, byte } };

	return (
	    tdx_call(fd, GBX_NOTIFY_GRANT, &ng, sizeof(ng), NULL, 0, -1, m));
}

static int
notify_map(int fd, uint32_t id, uint32_t action, uint32_t port, uint64_t byte)
{
	struct gbx_notify_map nm = { id, 0, { action, port, byte } };

	return (tdx_call(fd, GBX_NOTIFY_MAP, &nm, sizeof(nm), NULL, 0, -1, m));
}

/* Records of a dump into buf (cap bytes); returns their number. */
static uint32_t
dump(uint16_t type, uint16_t domid, void *buf, size_t cap, size_t rec)
{
	struct gbx_dump q = { domid, 0, 0 };
	struct gbx_dump_reply rep;
	int bulk;

	REQUIRE((bulk = gbx_bulk_create()) != -1);
	REQUIRE(
	    tdx_call(ctl, type, &q, type == GBX_CTL_DOMAIN_LIST ? 0 : sizeof(q),
		NULL, 0, bulk, m) == 0);
	CHECK_EQ(m->u.h.flags & GBX_F_BULK, GBX_F_BULK);
	memcpy(&rep, tdx_body(m), sizeof(rep));
	CHECK_EQ(rep.rec_size, rec);
	REQUIRE(rep.count * rec <= cap);
	if (rep.count != 0)
		REQUIRE(gbx_bulk_read(bulk, buf, rep.count * rec, 0) == 0);
	close(bulk);
	return (rep.count);
}

static const struct gbx_domain_rec *
find_domain(const struct gbx_domain_rec *d, uint32_t n, unsigned domid)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		if (d[i].domid == domid)
			return (&d[i]);
	return (NULL);
}

/*
 * Share, map, hang up, defer, close: the life of two shared pages.
 */
static void
test_share_and_map(void)
{
	struct gbx_notify n = { GBX_NOTIFY_CLEAR_BYTE, 0, 10 };
	struct gbx_map_result res[2];
	struct gbx_map_reply rep, rep2;
	struct gbx_alloc_reply ar;
	struct gbx_grant_rec gr[8];
	struct gbx_domain_rec dr[8];
	const struct gbx_domain_rec *d;
	uint64_t fired;
	uint32_t refs[2], nrec;
	uint8_t *sp, *mp;
	int s, stok, mf, mtok, sfd, mfd;

	REQUIRE((s = td_open(1, GBX_KIND_GNTDEV, &stok)) != -1);
	REQUIRE((mf = td_open(2, GBX_KIND_GNTDEV, &mtok)) != -1);
	CHECK_EQ(tdx_alloc(s, 2, GBX_ALLOC_WRITABLE, 2, refs, &ar, -1, m), 0);
	REQUIRE((sfd = tdx_arena_fd(m, &ar.fds, ar.arena)) != -1);
	m->fds[0] = -1; /* keep it */
	sp = map_pages(sfd, ar.first_page, 2, PROT_READ | PROT_WRITE);
	memset(sp, 0xff, 2 * GBX_PAGE_SIZE);
	memcpy(sp + 100, "hello", 6);
	refs_msg(s, GBX_MAPPED, refs, 2);

	CHECK_EQ(map(mf, 1, refs, 2, 0, &n, &rep, res), 0);
	CHECK(rep.map_id != 0);
	CHECK_EQ(rep.failed, 0);
	CHECK_EQ(res[0].status, GNTST_okay);
	CHECK_EQ(res[0].arena, ar.arena);
	CHECK_EQ(res[1].page, ar.first_page + 1);
	REQUIRE((mfd = tdx_arena_fd(m, &rep.fds, ar.arena)) != -1);
	m->fds[0] = -1;
	mp = map_pages(mfd, res[0].page, 2, PROT_READ | PROT_WRITE);
	CHECK(strcmp((char *)mp + 100, "hello") == 0);
	mp[GBX_PAGE_SIZE + 30] = 'x';
	CHECK_EQ(sp[GBX_PAGE_SIZE + 30], 'x');
	/* Sent once per connection: a second map brings no descriptor. */
	CHECK_EQ(map(mf, 1, refs, 1, GBX_MAP_READONLY, NULL, &rep2, res), 0);
	CHECK_EQ(rep2.fds.nfds, 0);
	CHECK_EQ(m->nfds, 0);
	CHECK_U64(STAT(maps), 2);
	CHECK_U64(STAT(handles), 3);

	/* The dumps. */
	nrec = dump(GBX_CTL_GRANTS, 1, gr, sizeof(gr), sizeof(gr[0]));
	CHECK_EQ(nrec, 2);
	CHECK_EQ(gr[0].domid, 1);
	CHECK_EQ(gr[0].ref, refs[0]);
	CHECK_EQ(gr[0].grantee, 2);
	CHECK_EQ(gr[0].flags, GTF_permit_access | GTF_reading | GTF_writing);
	CHECK_EQ(gr[0].pin_w, 1);
	CHECK_EQ(gr[0].pin_r, 1);
	CHECK_EQ(gr[0].nmappers, 2);
	CHECK_EQ(gr[0].mapper_pid[0], (uint32_t)getpid());
	CHECK_EQ(gr[0].owner_pid, (uint32_t)getpid());
	CHECK_EQ(gr[1].pin_r, 0);
	CHECK_EQ(gr[0].state, 0);
	CHECK_EQ(dump(GBX_CTL_GRANTS, 2, gr, sizeof(gr), sizeof(gr[0])), 0);
	nrec = dump(GBX_CTL_DOMAIN_LIST, 0, dr, sizeof(dr), sizeof(dr[0]));
	CHECK_EQ(nrec, 3);
	REQUIRE((d = find_domain(dr, nrec, 0)) != NULL);
	CHECK_EQ(d->flags, GBX_DOM_PRIVILEGED);
	CHECK(strcmp(d->name, "Domain-0") == 0);
	REQUIRE((d = find_domain(dr, nrec, 1)) != NULL);
	CHECK_EQ(d->grants, 2);
	CHECK_EQ(d->conns, 1);
	CHECK(strcmp(d->name, "one") == 0);
	REQUIRE((d = find_domain(dr, nrec, 2)) != NULL);
	CHECK_EQ(d->handles, 3);

	/* The mapper's process goes: its maps go, the byte is cleared. */
	fired = STAT(notifies_fired);
	close(mtok);
	WAIT_LEVEL(maps, 0);
	CHECK_EQ(sp[10], 0);
	CHECK_EQ(sp[11], 0xff);
	CHECK_U64(STAT(notifies_fired), fired + 1);
	CHECK_U64(STAT(handles), 0);
	/* Its connection lives on, in a child say. */
	CHECK_EQ(notify_map(mf, rep.map_id, 0, 0, 0), ENOENT);
	CHECK_EQ(map(mf, 1, refs + 1, 1, 0, NULL, &rep, res), 0);

	/* The sharer's notify on its second page; bad ones first. */
	CHECK_EQ(notify_grant(s, refs[1], GBX_NOTIFY_CLEAR_BYTE, 0, 4096),
	    EINVAL);
	CHECK_EQ(notify_grant(s, refs[1], GBX_NOTIFY_SEND_EVENT, 1, 0), EINVAL);
	CHECK_EQ(notify_grant(s, refs[1], 8, 0, 0), EINVAL);
	CHECK_EQ(notify_grant(s, 9999, GBX_NOTIFY_CLEAR_BYTE, 0, 0), ENOENT);
	CHECK_EQ(notify_grant(mf, refs[1], GBX_NOTIFY_CLEAR_BYTE, 0, 0),
	    ENOENT);
	CHECK_EQ(notify_grant(s, refs[1], GBX_NOTIFY_CLEAR_BYTE, 0, 20), 0);
	/* Its process goes: the file holds keep both grants. */
	close(stok);
	usleep(100000);
	CHECK_U64(STAT(grants), 2);
	CHECK_EQ(sp[GBX_PAGE_SIZE + 20], 0xff);
	/* Ending access while domain 2 maps it: deferred, byte cleared. */
	refs_msg(s, GBX_DEALLOC, refs + 1, 1);
	WAIT_LEVEL(deferred, 1);
	CHECK_EQ(sp[GBX_PAGE_SIZE + 20], 0);
	nrec = dump(GBX_CTL_GRANTS, 1, gr, sizeof(gr), sizeof(gr[0]));
	CHECK_EQ(nrec, 2);
	CHECK_EQ(gr[1].state, GBX_GRANT_DEFERRED);
	CHECK_EQ(gr[1].owner_pid, 0);
	/* Its page is not handed out again while mapped. */
	{
		struct gbx_alloc_reply ar2;
		uint32_t r2;

		CHECK_EQ(tdx_alloc(s, 2, GBX_ALLOC_WRITABLE, 1, &r2, &ar2, -1,
			     m),
		    0);
		CHECK(r2 != refs[1]);
		CHECK_EQ(ar2.arena, ar.arena);
		CHECK_EQ(ar2.first_page, ar.first_page + 2);
		refs_msg(s, GBX_DEALLOC, &r2, 1);
	}
	/* The mapper lets go: the deferred grant ends. */
	{
		struct gbx_unmap u = { rep.map_id, 0, 1, 0 };

		REQUIRE(
		    tdx_oneway(mf, GBX_UNMAP, &u, sizeof(u), NULL, 0, -1) == 0);
	}
	WAIT_LEVEL(deferred, 0);
	CHECK_U64(STAT(grants), 1);
	/* Close gives back the rest. */
	close(s);
	WAIT_LEVEL(grants, 0);
	/* The empty arena stays while a connection has its descriptor. */
	CHECK_U64(STAT(arenas), 1);
	munmap(sp, 2 * GBX_PAGE_SIZE);
	munmap(mp, 2 * GBX_PAGE_SIZE);
	close(sfd);
	close(mfd);
	close(mf);
	WAIT_LEVEL(arenas, 0);
}

/* Read-only grants: refused for writing, and their descriptor too. */
static void
test_readonly(void)
{
	struct gbx_notify n = { GBX_NOTIFY_CLEAR_BYTE, 0, 0 };
	struct gbx_map_result res[1];
	struct gbx_map_reply rep;
	struct gbx_alloc_reply ar;
	struct gbx_arena_get ag;
	uint32_t ref;
	uint8_t *p;
	int s, mf, other, fd;

	REQUIRE((s = td_open(1, GBX_KIND_GNTDEV, NULL)) != -1);
	REQUIRE((mf = td_open(2, GBX_KIND_GNTDEV, NULL)) != -1);
	REQUIRE((other = td_open(0, GBX_KIND_GNTDEV, NULL)) != -1);
	CHECK_EQ(tdx_alloc(s, 2, 0, 1, &ref, &ar, -1, m), 0);
	tdx_close(m);
	CHECK_EQ(map(mf, 1, &ref, 1, 0, NULL, &rep, res), EINVAL);
	CHECK_EQ(rep.failed, 1);
	CHECK_EQ(res[0].status, GNTST_general_error);
	CHECK_EQ(map(mf, 1, &ref, 1, GBX_MAP_READONLY, &n, &rep, res), EINVAL);
	CHECK_EQ(m->blen, 0);
	CHECK_EQ(map(mf, 1, &ref, 1, 0x10, NULL, &rep, res), EINVAL);
	CHECK_EQ(map(mf, 1, &ref, 1, GBX_MAP_READONLY, NULL, &rep, res), 0);
	REQUIRE((fd = tdx_arena_fd(m, &rep.fds, ar.arena)) != -1);
	m->fds[0] = -1;
	errno = 0;
	CHECK(mmap(NULL, GBX_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		  (off_t)(res[0].page * GBX_PAGE_SIZE)) == MAP_FAILED);
	CHECK_EQ(errno, EACCES);
	p = map_pages(fd, res[0].page, 1, PROT_READ);
	CHECK_ERR(mprotect(p, GBX_PAGE_SIZE, PROT_READ | PROT_WRITE), EACCES);
	CHECK_EQ(p[0], 0);
	munmap(p, GBX_PAGE_SIZE);
	close(fd);
	CHECK_EQ(notify_map(mf, rep.map_id, GBX_NOTIFY_CLEAR_BYTE, 0, 0),
	    EINVAL);
	CHECK_EQ(notify_map(mf, rep.map_id, GBX_NOTIFY_SEND_EVENT, 3, 0),
	    EINVAL);
	CHECK_EQ(notify_map(mf, rep.map_id, 0, 0, 0), 0);
	CHECK_EQ(notify_map(mf, rep.map_id + 1, 0, 0, 0), ENOENT);
	/* ARENA_GET: the read-only descriptor again; others get nothing. */
	ag.arena = ar.arena;
	ag.pad = 0;
	CHECK_EQ(tdx_call(mf, GBX_ARENA_GET, &ag, sizeof(ag), NULL, 0, -1, m),
	    0);
	CHECK_EQ(m->nfds, 1);
	if (m->nfds == 1) {
		errno = 0;
		CHECK(mmap(NULL, GBX_PAGE_SIZE, PROT_WRITE, MAP_SHARED,
			  m->fds[0], 0) == MAP_FAILED);
		CHECK_EQ(errno, EACCES);
	}
	tdx_close(m);
	CHECK_EQ(tdx_call(other, GBX_ARENA_GET, &ag, sizeof(ag), NULL, 0, -1,
		     m),
	    ENOENT);
	ag.arena = 0;
	CHECK_EQ(tdx_call(mf, GBX_ARENA_GET, &ag, sizeof(ag), NULL, 0, -1, m),
	    ENOENT);
	close(other);
	close(mf);
	close(s);
}

/* Destroying a domain whose grant another domain still maps. */
static void
test_destroy(void)
{
	struct gbx_map_result res[1];
	struct gbx_map_reply rep;
	struct gbx_alloc_reply ar;
	struct gbx_domain_rec dr[8];
	struct gbx_grant_rec gr[4];
	const struct gbx_domain_rec *d;
	char path[GBX_PATH_MAX];
	uint32_t ref, n;
	int c3, mf, mf2;

	CHECK_EQ(tdx_domain_create(ctl, 3, "three"), 0);
	REQUIRE((c3 = td_open(3, GBX_KIND_GNTDEV, NULL)) != -1);
	REQUIRE((mf = td_open(2, GBX_KIND_GNTDEV, NULL)) != -1);
	CHECK_EQ(tdx_alloc(c3, 2, GBX_ALLOC_WRITABLE, 1, &ref, &ar, -1, m), 0);
	tdx_close(m);
	CHECK_EQ(map(mf, 3, &ref, 1, 0, NULL, &rep, res), 0);
	tdx_close(m);

	CHECK_EQ(tdx_domain_destroy(ctl, 0), EPERM);
	CHECK_EQ(tdx_domain_destroy(ctl, 77), ESRCH);
	CHECK_EQ(tdx_domain_destroy(ctl, 3), 0);
	CHECK(tdx_dropped(c3));
	close(c3);
	REQUIRE(gbx_path_device(path, sizeof(path), 3) == 0);
	CHECK_EQ(access(path, F_OK), -1);
	CHECK_EQ(td_open(3, GBX_KIND_GNTDEV, NULL), -1);
	CHECK_EQ(tdx_domain_destroy(ctl, 3), ESRCH);
	CHECK_EQ(tdx_domain_create(ctl, 3, NULL), EBUSY);
	WAIT_LEVEL(deferred, 1);
	n = dump(GBX_CTL_DOMAIN_LIST, 0, dr, sizeof(dr), sizeof(dr[0]));
	REQUIRE((d = find_domain(dr, n, 3)) != NULL);
	CHECK_EQ(d->flags, GBX_DOM_DYING);
	CHECK_EQ(d->conns, 0);
	CHECK_EQ(dump(GBX_CTL_GRANTS, 3, gr, sizeof(gr), sizeof(gr[0])), 1);
	CHECK_EQ(gr[0].state, GBX_GRANT_DEFERRED);
	/* New maps of a dying domain's grants: GNTST_bad_domain. */
	REQUIRE((mf2 = td_open(2, GBX_KIND_GNTDEV, NULL)) != -1);
	CHECK_EQ(map(mf2, 3, &ref, 1, 0, NULL, &rep, res), EINVAL);
	CHECK_EQ(res[0].status, GNTST_bad_domain);
	close(mf2);
	/* The last mapping goes, and the domain with it. */
	close(mf);
	WAIT_LEVEL(domains, 3);
	n = dump(GBX_CTL_DOMAIN_LIST, 0, dr, sizeof(dr), sizeof(dr[0]));
	CHECK(find_domain(dr, n, 3) == NULL);
	CHECK_EQ(tdx_domain_create(ctl, 3, NULL), 0);
	CHECK_EQ(tdx_domain_create(ctl, 3, NULL), EEXIST);
	{
		struct gbx_domain_create dc;
		size_t rlen;

		memset(&dc, 0, sizeof(dc));
		dc.domid = 3;
		dc.flags = GBX_CREATE_EXIST_OK;
		CHECK_EQ(td_call(ctl, GBX_CTL_DOMAIN_CREATE, &dc, sizeof(dc),
			     NULL, 0, NULL, 0, &rlen),
		    0);
		dc.domid = GBX_DOMID_MAX + 1;
		CHECK_EQ(td_call(ctl, GBX_CTL_DOMAIN_CREATE, &dc, sizeof(dc),
			     NULL, 0, NULL, 0, &rlen),
		    EINVAL);
		dc.domid = 5;
		dc.flags = 0;
		memcpy(dc.name, "no spaces", 10);
		CHECK_EQ(td_call(ctl, GBX_CTL_DOMAIN_CREATE, &dc, sizeof(dc),
			     NULL, 0, NULL, 0, &rlen),
		    EINVAL);
		memset(dc.name, 'a', sizeof(dc.name));
		CHECK_EQ(td_call(ctl, GBX_CTL_DOMAIN_CREATE, &dc, sizeof(dc),
			     NULL, 0, NULL, 0, &rlen),
		    EINVAL);
		dc.name[0] = '\0';
		dc.flags = 4; /* 1 and 2 are EXIST_OK and USER */
		CHECK_EQ(td_call(ctl, GBX_CTL_DOMAIN_CREATE, &dc, sizeof(dc),
			     NULL, 0, NULL, 0, &rlen),
		    EINVAL);
	}
	CHECK_EQ(tdx_domain_destroy(ctl, 3), 0);
}

int
main(void)
{
	struct tdx_env env;

	REQUIRE((m = malloc(sizeof(*m))) != NULL);
	ctl = tdx_begin(&env, NULL, 0);
	CHECK_EQ(tdx_domain_create(ctl, 1, "one"), 0);
	CHECK_EQ(tdx_domain_create(ctl, 2, NULL), 0);
	test_share_and_map();
	test_readonly();
	test_destroy();
	free(m);
	return (tdx_end(&env, 2));
}
