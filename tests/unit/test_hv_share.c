/*
 * Unit test of shared pages in the hypervisor model, without sockets:
 * arenas (frames, zeroed reuse, read-only descriptors), the grant table's
 * growth and its limit, holds, ending access while mapped (the deferred
 * list), unmap notifies, token hangup, bounded teardown, domain destroy.
 */
#include <sys/mman.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <xen/grant_table.h>

#include "test_hv.h"
#include "hv/arena.h"
#include "hv/client.h"
#include "hv/deferred.h"
#include "hv/domain.h"
#include "hv/gntmap.h"
#include "hv/hv.h"
#include "hv/mapobj.h"
#include "hv/share.h"

static uint8_t *
map_page(const struct hv_arena *a, unsigned domid, uint64_t page, int prot)
{
	void *p;

	p = mmap(NULL, GBX_PAGE_SIZE, prot, MAP_SHARED, arena_fd_for(a, domid),
	    (off_t)(page << GBX_PAGE_SHIFT));
	REQUIRE(p != MAP_FAILED);
	return (p);
}

static void
test_alloc(void)
{
	static uint32_t refs[600];
	struct hv_client *c;
	struct hv_arena *a, *b;
	struct hv_grant *g;
	uint64_t first;
	uint32_t i;

	setup(0, 0);
	c = hv_client_new(d1, 100);
	CHECK_ERR(hv_share(c, 2, true, 3, refs, &a, &first), 0);
	CHECK_EQ(refs[0], GNTTAB_NR_RESERVED_ENTRIES);
	CHECK_EQ(refs[2], GNTTAB_NR_RESERVED_ENTRIES + 2);
	CHECK_EQ(first, 0);
	g = gnttab_entry(&d1->gt, refs[1]);
	CHECK_EQ(g->ent.flags, GTF_permit_access);
	CHECK_EQ(g->ent.domid, 2);
	CHECK_EQ(g->ent.frame, arena_frame(a, 1));
	CHECK_EQ(arena_frame(a, 1), (a->slot << HV_ARENA_SHIFT) | 1);
	CHECK_EQ(hv.st.grants, 3);
	CHECK_EQ(hv.st.pages, 3);
	CHECK_EQ(hv.st.arenas, 1);
	/* Another mode, another arena, another slot of frames. */
	CHECK_ERR(hv_share(c, 2, false, 1, refs + 3, &b, &first), 0);
	CHECK(b != a);
	CHECK(b->slot != a->slot);
	CHECK(b->id > a->id);
	CHECK_EQ(gnttab_entry(&d1->gt, refs[3])->ent.flags,
	    GTF_permit_access | GTF_readonly);
	CHECK(arena_by_id(&hv, b->id) == b);
	CHECK(arena_by_id(&hv, 0) == NULL);
	/* The table grows by frames of 512 as references are handed out. */
	CHECK_EQ(gnttab_nr_entries(&d1->gt), GT_PER_FRAME);
	CHECK_ERR(hv_share(c, 2, true, 600, refs, &a, &first), 0);
	CHECK_EQ(gnttab_nr_entries(&d1->gt), 2 * GT_PER_FRAME);
	CHECK_EQ(first, 3);
	for (i = 0; i < 600; i++)
		CHECK_ERR(hv_share_dealloc(c, refs[i]), 0);
	CHECK_EQ(hv.st.grants, 4);
	/* Bad arguments change nothing. */
	CHECK_ERR(hv_share(c, 2, true, 0, refs, &a, &first), EINVAL);
	CHECK_ERR(hv_share(c, 2, true, GBX_COUNT_MAX + 1, refs, &a, &first),
	    EINVAL);
	CHECK_ERR(hv_share(c, 2, true, UINT32_MAX, refs, &a, &first), EINVAL);
	CHECK_ERR(hv_share(c, 2, true, 1u << 31, refs, &a, &first), EINVAL);
	CHECK_ERR(hv_share(c, GBX_DOMID_MAX + 1, true, 1, refs, &a, &first),
	    EINVAL);
	CHECK_EQ(hv.st.grants, 4);
	hv_client_close(c);
	teardown();
}

/* A table of one frame holds 504 grants; the 505th is ENOSPC. */
static void
test_table_full(void)
{
	static uint32_t refs[GT_PER_FRAME];
	struct hv_client *c;
	struct hv_arena *a;
	uint64_t first;

	setup(0, 1);
	c = hv_client_new(d1, 100);
	CHECK_ERR(hv_share(c, 2, true, GT_PER_FRAME - 7, refs, &a, &first),
	    ENOSPC);
	CHECK_EQ(hv.st.grants, 0);
	CHECK_EQ(hv.st.arenas, 0);
	CHECK_ERR(hv_share(c, 2, true, GT_PER_FRAME - 8, refs, &a, &first), 0);
	CHECK_ERR(hv_share(c, 3, true, 1, refs, &a, &first), ENOSPC);
	CHECK_EQ(hv.st.grants, GT_PER_FRAME - 8);
	CHECK_EQ(hv.st.arenas, 1);
	CHECK_ERR(hv_share_dealloc(c, GT_PER_FRAME - 1), 0);
	CHECK_ERR(hv_share(c, 3, true, 1, refs, &a, &first), 0);
	CHECK_EQ(refs[0], GT_PER_FRAME - 1);
	hv_client_close(c);
	teardown();
}

/* What the holds allow; a ref held some other way changes nothing. */
static void
test_holds(void)
{
	struct hv_client *c, *other;
	struct hv_arena *a;
	uint64_t first;
	uint32_t ref;

	setup(0, 0);
	c = hv_client_new(d1, 100);
	other = hv_client_new(d1, 101);
	CHECK_ERR(hv_share(c, 2, true, 1, &ref, &a, &first), 0);
	CHECK_ERR(hv_share_unmapped(c, ref), EINVAL);
	CHECK_ERR(hv_share_dealloc(other, ref), EINVAL);
	CHECK_ERR(hv_share_mapped(other, ref), EINVAL);
	CHECK_ERR(hv_share_mapped(c, ref + 1), EINVAL);
	CHECK_ERR(hv_share_mapped(c, UINT32_MAX), EINVAL);
	CHECK_ERR(hv_share_mapped(c, ref), 0);
	CHECK_ERR(hv_share_mapped(c, ref), EINVAL);
	/* The file hold goes; the mapping hold keeps the grant. */
	CHECK_ERR(hv_share_dealloc(c, ref), 0);
	CHECK_ERR(hv_share_dealloc(c, ref), EINVAL);
	CHECK_EQ(hv.st.grants, 1);
	CHECK_ERR(hv_share_unmapped(c, ref), 0);
	CHECK_EQ(hv.st.grants, 0);
	CHECK_EQ(hv.st.pages, 0);
	CHECK_EQ(hv.st.arenas, 0);
	CHECK_ERR(hv_share_unmapped(c, ref), EINVAL);
	CHECK_EQ(gnttab_entry(&d1->gt, ref)->ent.flags, GTF_invalid);
	hv_client_close(other);
	hv_client_close(c);
	teardown();
}

/*
 * A reused page reads zero, and the other pages of the arena keep their
 * data; a read-only grantee's descriptor can write by no means.
 */
static void
test_arena(void)
{
	struct hv_client *c;
	struct hv_arena *a, *a2, *ro;
	uint32_t refs[2], ref;
	uint64_t first, p;
	uint8_t *m0, *m1;

	setup(0, 0);
	c = hv_client_new(d1, 100);
	CHECK_ERR(hv_share(c, 2, true, 2, refs, &a, &first), 0);
	m0 = map_page(a, 1, 0, PROT_READ | PROT_WRITE);
	m1 = map_page(a, 1, 1, PROT_READ | PROT_WRITE);
	memset(m0, 0xaa, GBX_PAGE_SIZE);
	memset(m1, 0xbb, GBX_PAGE_SIZE);
	CHECK_ERR(hv_share_dealloc(c, refs[0]), 0);
	CHECK_EQ(m0[0], 0);
	CHECK_EQ(m0[GBX_PAGE_SIZE - 1], 0);
	CHECK_ERR(hv_share(c, 2, true, 1, &ref, &a2, &p), 0);
	CHECK(a2 == a);
	CHECK_EQ(p, 0);
	CHECK_EQ(m0[100], 0);
	CHECK_EQ(m1[100], 0xbb);
	munmap(m0, GBX_PAGE_SIZE);
	munmap(m1, GBX_PAGE_SIZE);
	/* The grantee of a writable arena gets its read-write descriptor. */
	CHECK_EQ(arena_fd_for(a, 2), a->fd);
	CHECK_EQ(arena_fd_for(a, 3), -1);
	CHECK_EQ(arena_fd_for(a, 0), -1);

	CHECK_ERR(hv_share(c, 2, false, 1, &ref, &ro, &p), 0);
	CHECK(arena_fd_for(ro, 2) != ro->fd);
	CHECK_EQ(arena_fd_for(ro, 1), ro->fd);
	errno = 0;
	CHECK(mmap(NULL, GBX_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		  arena_fd_for(ro, 2), 0) == MAP_FAILED);
	CHECK_EQ(errno, EACCES);
	m0 = map_page(ro, 2, p, PROT_READ);
	CHECK_ERR(mprotect(m0, GBX_PAGE_SIZE, PROT_READ | PROT_WRITE), EACCES);
	CHECK_ERR(ftruncate(arena_fd_for(ro, 2), 0), EINVAL);
	/* Nobody can shrink an arena, nor seal it further. */
	CHECK_ERR(ftruncate(ro->fd, 0), EPERM);
	CHECK_ERR(fcntl(ro->fd, F_ADD_SEALS, F_SEAL_WRITE), EPERM);
	m1 = map_page(ro, 1, p, PROT_READ | PROT_WRITE);
	m1[7] = 7;
	CHECK_EQ(m0[7], 7);
	munmap(m0, GBX_PAGE_SIZE);
	munmap(m1, GBX_PAGE_SIZE);
	hv_client_close(c);
	teardown();
}

/*
 * Ending access while the grantee maps a page defers it: the grant stays,
 * its page and reference are not reused, and a pass releases it only once
 * the grantee unmaps.  Entries still in use go to the tail, and the list
 * stays whole (FreeBSD's gref_list_dtor lost track here).
 */
static void
test_deferred(void)
{
	struct hv_client *c;
	struct hv_arena *a, *a2;
	struct hv_grant *g;
	uint32_t refs[3], h[3], ref, i;
	uint64_t first, p;

	setup(0, 0);
	c = hv_client_new(d1, 100);
	CHECK_ERR(hv_share(c, 2, true, 3, refs, &a, &first), 0);
	for (i = 0; i < 3; i++)
		CHECK_EQ(hv_grant_map(d2, 1, refs[i], false, NULL, &h[i]),
		    GNTST_okay);
	for (i = 0; i < 3; i++)
		CHECK_ERR(hv_share_dealloc(c, refs[i]), 0);
	CHECK_EQ(hv.st.deferred, 3);
	CHECK_EQ(hv.st.grants, 3);
	CHECK_EQ(hv.st.pages, 3);
	g = gnttab_entry(&d1->gt, refs[0]);
	CHECK(g->deferred);
	CHECK(g->owner == NULL);
	CHECK_EQ(g->ent.flags, GTF_permit_access | GTF_reading | GTF_writing);
	/* Nothing is ready: a pass releases nothing. */
	CHECK_EQ(hv_deferred_pass(&hv, 100), 0);
	/* A new share gets neither the deferred pages nor their refs. */
	CHECK_ERR(hv_share(c, 2, true, 1, &ref, &a2, &p), 0);
	CHECK(a2 == a);
	CHECK_EQ(p, 3);
	CHECK_EQ(ref, refs[2] + 1);
	/* The remote side may still map a deferred grant, as in Xen. */
	CHECK_EQ(hv_grant_map(d2, 1, refs[1], true, NULL, &i), GNTST_okay);
	CHECK_EQ(hv_grant_unmap(d2, i), GNTST_okay);
	/* Middle one first, then the last; the first stays mapped. */
	CHECK_EQ(hv_grant_unmap(d2, h[1]), GNTST_okay);
	CHECK_EQ(hv.nready, 1);
	CHECK_EQ(hv_grant_unmap(d2, h[2]), GNTST_okay);
	CHECK_EQ(hv.nready, 2);
	CHECK_EQ(hv_deferred_pass(&hv, 1), 0); /* looked at refs[0] only */
	CHECK_EQ(hv_deferred_pass(&hv, 100), 2);
	CHECK_EQ(hv.st.deferred, 1);
	CHECK_EQ(hv.st.deferred_released, 2);
	CHECK(STAILQ_FIRST(&hv.deferred) == g);
	CHECK(STAILQ_NEXT(g, dlink) == NULL);
	CHECK_EQ(gnttab_entry(&d1->gt, refs[1])->ent.flags, GTF_invalid);
	CHECK_EQ(hv_grant_unmap(d2, h[0]), GNTST_okay);
	CHECK_EQ(hv_deferred_pass(&hv, 100), 1);
	CHECK_EQ(hv.st.deferred, 0);
	CHECK_EQ(hv.st.grants, 1);
	CHECK(STAILQ_EMPTY(&hv.deferred));
	hv_client_close(c);
	teardown();
}

/* Unmap notifies: checks, the byte cleared at release, once. */
static void
test_notify(void)
{
	struct gbx_notify n = { GBX_NOTIFY_CLEAR_BYTE, 0, 100 };
	struct gbx_grant_ref gr[2];
	struct gbx_map_result res[2];
	struct hv_client *c, *c2;
	struct hv_arena *a;
	struct hv_map *m;
	uint32_t refs[2], h, failed, bad;
	uint64_t first;
	uint8_t *p;

	setup(0, 0);
	c = hv_client_new(d1, 100);
	c2 = hv_client_new(d2, 200);
	CHECK_ERR(hv_share(c, 2, true, 2, refs, &a, &first), 0);
	p = map_filled(a, 2);

	CHECK_ERR(hv_share_notify(c, refs[0] + 5, &n), ENOENT);
	CHECK_ERR(hv_share_notify(c2, refs[0], &n), ENOENT);
	n.byte = GBX_PAGE_SIZE;
	CHECK_ERR(hv_share_notify(c, refs[0], &n), EINVAL);
	n.byte = 100;
	n.action = 0x4;
	CHECK_ERR(hv_share_notify(c, refs[0], &n), EINVAL);
	n.action = 0x4;
	CHECK_ERR(hv_share_notify(c, refs[0] + 5, &n), EINVAL);
	/* No port is bound until event channels exist. */
	n.action = GBX_NOTIFY_SEND_EVENT;
	CHECK_ERR(hv_share_notify(c, refs[0], &n), EINVAL);
	n.action = GBX_NOTIFY_CLEAR_BYTE;
	CHECK_ERR(hv_share_notify(c, refs[0], &n), 0);

	/* Keep page 0 alive past its release: domain 2 maps it. */
	CHECK_EQ(hv_grant_map(d2, 1, refs[0], false, NULL, &h), GNTST_okay);
	CHECK_ERR(hv_share_dealloc(c, refs[0]), 0);
	CHECK_EQ(hv.st.notifies_fired, 1);
	CHECK_EQ(p[100], 0);
	CHECK_EQ(p[99], 0xff);
	CHECK_EQ(p[101], 0xff);
	CHECK_EQ(hv.st.deferred, 1);
	CHECK_EQ(hv_grant_unmap(d2, h), GNTST_okay);

	/* A map object's byte: cleared when its page goes, once. */
	gr[0] = (struct gbx_grant_ref){ 1, refs[1] };
	gr[1] = (struct gbx_grant_ref){ 1, refs[1] };
	n.byte = GBX_PAGE_SIZE + 5;
	CHECK_ERR(hv_map_create(c2, gr, 2, true, &n, res, &failed, &m), EINVAL);
	n.byte = 2 * GBX_PAGE_SIZE;
	CHECK_ERR(hv_map_create(c2, gr, 2, false, &n, res, &failed, &m),
	    EINVAL);
	CHECK_EQ(hv.st.handles, 0);
	n.byte = GBX_PAGE_SIZE + 5;
	CHECK_ERR(hv_map_create(c2, gr, 2, false, &n, res, &failed, &m), 0);
	CHECK_ERR(hv_map_unmap(m, 0, 1, &bad), 0);
	CHECK_EQ(p[GBX_PAGE_SIZE + 5], 0xff);
	CHECK_EQ(hv.st.notifies_fired, 1);
	CHECK_ERR(hv_map_unmap(m, 1, 1, &bad), 0);
	CHECK_EQ(p[GBX_PAGE_SIZE + 5], 0);
	CHECK_EQ(p[GBX_PAGE_SIZE + 4], 0xff);
	CHECK_EQ(hv.st.notifies_fired, 2);
	/* Last call wins; a read-only map refuses a byte to clear. */
	CHECK_ERR(hv_map_create(c2, gr, 1, true, NULL, res, &failed, &m), 0);
	n.byte = 0;
	CHECK_ERR(hv_map_set_notify(m, &n), EINVAL);
	n.action = 0;
	CHECK_ERR(hv_map_set_notify(m, &n), 0);
	CHECK_ERR(hv_map_unmap(m, 0, 1, &bad), 0);
	CHECK_EQ(hv.st.notifies_fired, 2);
	munmap(p, 2 * GBX_PAGE_SIZE);
	hv_client_close(c2);
	hv_client_close(c);
	while (hv_reap_pending(&hv))
		(void)hv_reap(&hv, 64);
	/* refs[0] waits on the deferred list, ready. */
	CHECK_EQ(hv.st.grants, 1);
	CHECK_EQ(hv_deferred_pass(&hv, 64), 1);
	CHECK_EQ(hv.st.grants, 0);
	teardown();
}

/*
 * Token hangup: mapping holds and map objects go (with their notifies);
 * file holds stay; the client goes on working.
 */
static void
test_hangup(void)
{
	struct gbx_notify n = { GBX_NOTIFY_CLEAR_BYTE, 0, 9 };
	struct gbx_grant_ref gr;
	struct gbx_map_result res;
	struct hv_client *c, *c2;
	struct hv_arena *a;
	struct hv_map *m, *m2;
	uint32_t refs[3], failed, id;
	uint64_t first;
	uint8_t *p;

	setup(0, 0);
	c = hv_client_new(d1, 100);
	c2 = hv_client_new(d2, 200);
	CHECK_ERR(hv_share(c, 2, true, 3, refs, &a, &first), 0);
	p = map_filled(a, 3);
	/* refs[0]: file + mapping; refs[1]: mapping only; refs[2]: file. */
	CHECK_ERR(hv_share_mapped(c, refs[0]), 0);
	CHECK_ERR(hv_share_mapped(c, refs[1]), 0);
	CHECK_ERR(hv_share_dealloc(c, refs[1]), 0);
	gr = (struct gbx_grant_ref){ 1, refs[2] };
	CHECK_ERR(hv_map_create(c2, &gr, 1, false, &n, &res, &failed, &m), 0);
	id = m->id;

	hv_client_hangup(c2);
	hv_client_hangup(c);
	CHECK(hv_map_find(c2, id) == NULL);
	/* A mapping hold of the gone process is not the new one's. */
	CHECK_ERR(hv_share_unmapped(c, refs[0]), EINVAL);
	while (hv_reap_pending(&hv))
		(void)hv_reap(&hv, 1);
	CHECK_EQ(p[2 * GBX_PAGE_SIZE + 9], 0);
	CHECK_EQ(hv.st.maps, 0);
	CHECK_EQ(hv.st.handles, 0);
	CHECK_EQ(hv.st.grants, 2);
	CHECK_EQ(gnttab_entry(&d1->gt, refs[1])->ent.flags, GTF_invalid);
	CHECK_EQ(gnttab_entry(&d1->gt, refs[0])->holds, HV_HOLD_FILE);
	/* Still usable: a child maps again, and releases by close. */
	CHECK_ERR(hv_map_create(c2, &gr, 1, true, NULL, &res, &failed, &m2), 0);
	CHECK_ERR(hv_share_mapped(c, refs[0]), 0);
	CHECK_ERR(hv_share_unmapped(c, refs[0]), 0);
	munmap(p, 3 * GBX_PAGE_SIZE);
	hv_client_close(c2);
	hv_client_close(c);
	CHECK_EQ(hv.st.grants, 2);
	while (hv_reap_pending(&hv))
		(void)hv_reap(&hv, 1);
	CHECK_EQ(hv.st.grants, 0);
	CHECK_EQ(hv.st.maps, 0);
	teardown();
}

/*
 * Closing a client that holds 100,000 handles is done in bounded steps:
 * no hv_reap() call does more than its budget (XSA-380).
 */
static void
test_reap_bounded(void)
{
	static struct gbx_grant_ref gr[1000];
	static struct gbx_map_result res[1000];
	static uint32_t refs[1000];
	struct hv_client *c, *c2;
	struct hv_arena *a;
	struct hv_map *m;
	uint32_t i, failed, calls, done;
	uint64_t first;

	setup(0, 0);
	c = hv_client_new(d1, 100);
	c2 = hv_client_new(d2, 200);
	CHECK_ERR(hv_share(c, 2, true, 1000, refs, &a, &first), 0);
	for (i = 0; i < 1000; i++)
		gr[i] = (struct gbx_grant_ref){ 1, refs[i] };
	for (i = 0; i < 100; i++)
		CHECK_ERR(hv_map_create(c2, gr, 1000, i % 2 == 0, NULL, res,
			      &failed, &m),
		    0);
	CHECK_EQ(hv.st.handles, 100000);
	hv_client_close(c);
	hv_client_close(c2);
	calls = 0;
	while (hv_reap_pending(&hv)) {
		done = hv_reap(&hv, 4096);
		CHECK(done <= 4096);
		calls++;
	}
	CHECK(calls >= 100000 / 4096);
	CHECK_EQ(hv.st.handles, 0);
	CHECK_EQ(hv.st.deferred, 1000);
	CHECK_EQ(hv.nready, 1000);
	while (hv.nready > 0)
		CHECK(hv_deferred_pass(&hv, 256) <= 256);
	CHECK_EQ(hv.st.grants, 0);
	teardown();
}

/*
 * Destroying a domain whose grants another domain maps: they go deferred,
 * the domain lingers (dying, its id taken) until they are unmapped.
 */
static void
test_destroy(void)
{
	struct hv_client *c;
	struct hv_arena *a;
	struct hv_domain *d;
	uint32_t refs[2], h;
	uint64_t first;

	setup(0, 0);
	c = hv_client_new(d3, 300);
	CHECK_ERR(hv_share(c, 2, true, 2, refs, &a, &first), 0);
	CHECK_EQ(hv_grant_map(d2, 3, refs[1], true, NULL, &h), GNTST_okay);
	CHECK_ERR(hv_domain_destroy(d3), 0);
	CHECK_ERR(hv_domain_destroy(d3), EALREADY);
	CHECK_ERR(hv_domain_destroy(hv_domain_find(&hv, 0)), EPERM);
	CHECK(hv_domain_live(&hv, 3) == NULL);
	hv_client_close(c);
	while (hv_reap_pending(&hv))
		(void)hv_reap(&hv, 1);
	CHECK(hv_domain_find(&hv, 3) == d3);
	CHECK_EQ(hv.st.deferred, 1);
	CHECK_EQ(hv.st.domains, 4);
	CHECK_ERR(hv_domain_create(&hv, 3, NULL, &d), EBUSY);
	CHECK_EQ(hv_grant_unmap(d2, h), GNTST_okay);
	CHECK_EQ(hv_deferred_pass(&hv, 10), 1);
	CHECK(hv_domain_find(&hv, 3) == NULL);
	CHECK_EQ(hv.st.domains, 3);
	CHECK_ERR(hv_domain_create(&hv, 3, "again", &d), 0);
	CHECK_ERR(hv_domain_create(&hv, 3, NULL, &d), EEXIST);
	CHECK_ERR(hv_domain_create(&hv, GBX_DOMID_MAX + 1, NULL, &d), EINVAL);
	CHECK_ERR(hv_domain_create(&hv, 7, "bad name", &d), EINVAL);
	CHECK_ERR(hv_domain_create(&hv, 7,
		      "0123456789012345678901234567890123456789012345678901234"
		      "567890123",
		      &d),
	    EINVAL);
	CHECK(hv_domain_name_ok("a.b-c_D9"));
	teardown();
}

int
main(void)
{

	test_alloc();
	test_table_full();
	test_holds();
	test_arena();
	test_deferred();
	test_notify();
	test_hangup();
	test_reap_bounded();
	test_destroy();
	return (check_exit());
}
