/*
 * Unit test of the hypervisor model's grant-copy pins (COPY_ACQUIRE,
 * COPY_RELEASE) and adopted holds (ADOPT), without sockets:
 *
 * - a copy batch gets Xen's status per grant (bad domain, bad reference,
 *   not granted to us, write on a read-only grant), is not all or
 *   nothing, pins what passed (GTF_reading / GTF_writing), and meets
 *   Xen's pin limit of 128 per kind; its pins keep a released grant
 *   deferred until COPY_RELEASE, the token's hangup or close;
 * - adopted holds keep a grant alive after its owner let go of
 *   everything, each adopter's UNMAPPED or close drops its hold, the
 *   notify fires with the last one, and a batch with a bad, repeated or
 *   already adopted ref adopts nothing;
 * - a second token hangup before the reaper ran loses no holding.
 */
#include <sys/mman.h>

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <xen/grant_table.h>

#include "test_hv.h"
#include "hv/adopt.h"
#include "hv/client.h"
#include "hv/copypin.h"
#include "hv/deferred.h"
#include "hv/mapobj.h"
#include "hv/share.h"

/* Reap until the reaper is idle. */
static void
reap_all(void)
{

	while (hv_reap_pending(&hv))
		(void)hv_reap(&hv, 1000);
}

static struct gbx_copy_grant
cg(uint32_t domid, uint32_t ref, bool write)
{
	struct gbx_copy_grant g;

	memset(&g, 0, sizeof(g));
	g.domid = domid;
	g.ref = ref;
	g.flags = write ? GBX_COPY_WRITE : 0;
	return (g);
}

static void
test_copy_status(void)
{
	struct gbx_copy_grant req[6];
	struct gbx_map_result res[6];
	struct hv_client *own, *cp2;
	struct hv_arena *a;
	struct hv_copy *cp;
	struct hv_grant *g;
	uint32_t rw, ro, d3ref, failed;
	uint64_t first;

	setup(0, 0);
	own = hv_client_new(d1, 100);
	cp2 = hv_client_new(d2, 200);
	REQUIRE(hv_share(own, 2, true, 1, &rw, &a, &first) == 0);
	REQUIRE(hv_share(own, 2, false, 1, &ro, &a, &first) == 0);
	REQUIRE(hv_share(own, 3, true, 1, &d3ref, &a, &first) == 0);
	req[0] = cg(1, rw, true);
	req[1] = cg(1, ro, true);  /* write on a read-only grant */
	req[2] = cg(1, ro, false); /* reading it is fine */
	req[3] = cg(1, 4000, false);
	req[4] = cg(7, rw, false);    /* no domain 7 */
	req[5] = cg(1, d3ref, false); /* granted to domain 3 */
	CHECK_ERR(hv_copy_acquire(cp2, req, 6, res, &failed, &cp), 0);
	REQUIRE(cp != NULL);
	CHECK_EQ(failed, 4);
	CHECK_EQ(res[0].status, GNTST_okay);
	CHECK_EQ(res[1].status, GNTST_general_error);
	CHECK_EQ(res[2].status, GNTST_okay);
	CHECK_EQ(res[3].status, GNTST_bad_gntref);
	CHECK_EQ(res[4].status, GNTST_bad_domain);
	CHECK_EQ(res[5].status, GNTST_general_error);
	CHECK_EQ(res[0].page, gnttab_entry(&d1->gt, rw)->page);
	g = gnttab_entry(&d1->gt, rw);
	CHECK_EQ(g->ent.flags & (GTF_reading | GTF_writing),
	    GTF_reading | GTF_writing);
	CHECK_EQ(gnttab_entry(&d1->gt, ro)->ent.flags & GTF_writing, 0);
	/* Copy pins take no maptrack handle. */
	CHECK_EQ(hv.st.handles, 0);
	CHECK(hv_copy_find(cp2, cp->id) == cp);
	/* Unknown flags, and a count of 0: nothing happens. */
	req[0].flags = 0x80;
	CHECK_ERR(hv_copy_acquire(cp2, req, 1, res, &failed, &cp), EINVAL);
	CHECK_ERR(hv_copy_acquire(cp2, req, 0, res, &failed, &cp), EINVAL);
	/* Nothing pinned: no copy object. */
	req[0] = cg(1, 4000, false);
	CHECK_ERR(hv_copy_acquire(cp2, req, 1, res, &failed, &cp), 0);
	CHECK(cp == NULL);
	CHECK_EQ(failed, 1);
	/* The owner lets go: the pinned grants are deferred. */
	hv_client_close(own);
	reap_all();
	CHECK_EQ(hv.st.deferred, 2);
	CHECK_EQ(hv.st.grants, 2);
	/* The pinning process dies: the pins go, and so do the grants. */
	hv_client_hangup(cp2);
	reap_all();
	CHECK_EQ(hv_deferred_pass(&hv, 100), 2);
	CHECK_EQ(hv.st.grants, 0);
	hv_client_close(cp2);
	teardown();
}

static void
test_copy_pins(void)
{
	static struct gbx_copy_grant req[129];
	static struct gbx_map_result res[129];
	struct hv_client *own, *cp2;
	struct hv_arena *a;
	struct hv_copy *cp, *cp1;
	uint32_t ref, failed, i;
	uint64_t first;

	setup(0, 0);
	own = hv_client_new(d1, 100);
	cp2 = hv_client_new(d2, 200);
	REQUIRE(hv_share(own, 2, false, 1, &ref, &a, &first) == 0);
	/* Xen's limit: 128 read pins of one grant, the 129th fails. */
	for (i = 0; i < 129; i++)
		req[i] = cg(1, ref, false);
	CHECK_ERR(hv_copy_acquire(cp2, req, 129, res, &failed, &cp), 0);
	CHECK_EQ(failed, 1);
	CHECK_EQ(res[127].status, GNTST_okay);
	CHECK_EQ(res[128].status, GNTST_general_error);
	/* Released, the counter has room again. */
	hv_copy_release(cp);
	CHECK_EQ(gnttab_entry(&d1->gt, ref)->pin, 0);
	CHECK_EQ(gnttab_entry(&d1->gt, ref)->ent.flags & GTF_reading, 0);
	CHECK_ERR(hv_copy_acquire(cp2, req, 1, res, &failed, &cp1), 0);
	CHECK_EQ(failed, 0);
	/* A copy's pin keeps a released grant deferred until released. */
	CHECK_ERR(hv_share_dealloc(own, ref), 0);
	CHECK_EQ(hv.st.deferred, 1);
	hv_copy_release(cp1);
	CHECK_EQ(hv_deferred_pass(&hv, 100), 1);
	CHECK_EQ(hv.st.grants, 0);
	/* Close releases what is still pinned. */
	REQUIRE(hv_share(own, 2, true, 1, &ref, &a, &first) == 0);
	req[0] = cg(1, ref, true);
	CHECK_ERR(hv_copy_acquire(cp2, req, 1, res, &failed, &cp), 0);
	hv_client_close(cp2);
	reap_all();
	CHECK_EQ(gnttab_entry(&d1->gt, ref)->pin, 0);
	hv_client_close(own);
	reap_all();
	teardown();
}

static void
test_adopt(void)
{
	struct gbx_notify n;
	struct hv_client *own, *child, *grand, *other;
	struct hv_arena *a;
	uint32_t refs[2], bad[2];
	uint64_t first;
	uint8_t *p;

	setup(0, 0);
	own = hv_client_new(d1, 100);
	child = hv_client_new(d1, 101);
	grand = hv_client_new(d1, 102);
	REQUIRE(hv_share(own, 2, true, 2, refs, &a, &first) == 0);
	p = map_filled(a, 2);
	memset(&n, 0, sizeof(n));
	n.action = GBX_NOTIFY_CLEAR_BYTE;
	n.byte = 7;
	CHECK_ERR(hv_share_notify(own, refs[1], &n), 0);
	CHECK_ERR(hv_share_mapped(own, refs[0]), 0);
	CHECK_ERR(hv_share_mapped(own, refs[1]), 0);
	/* All or nothing: a bad ref, a repeated one. */
	bad[0] = refs[0];
	bad[1] = 5000;
	CHECK_ERR(hv_adopt(child, bad, 2), EINVAL);
	bad[1] = refs[0];
	CHECK_ERR(hv_adopt(child, bad, 2), EINVAL);
	CHECK_ERR(hv_adopt(child, refs, 0), EINVAL);
	/* Another domain's client cannot adopt domain 1's grants. */
	other = hv_client_new(d2, 300);
	CHECK_ERR(hv_adopt(other, refs, 1), EINVAL);
	hv_client_close(other);
	CHECK_ERR(hv_adopt(child, refs, 2), 0);
	CHECK_ERR(hv_adopt(child, refs, 1), EINVAL); /* adopted already */
	CHECK_ERR(hv_adopt(grand, refs + 1, 1), 0);
	/* The parent dies: its holds go, the adopted pages stay. */
	hv_client_hangup(own);
	hv_client_close(own);
	reap_all();
	CHECK_EQ(hv.st.grants, 2);
	CHECK_EQ(p[GBX_PAGE_SIZE + 7], 0xff);
	CHECK_EQ(gnttab_entry(&d1->gt, refs[0])->owner, NULL);
	/* The child unmaps page 0: released. */
	CHECK_ERR(hv_share_unmapped(child, refs[0]), 0);
	CHECK_EQ(hv.st.grants, 1);
	/* Page 1 goes with its last adopter; the notify fires then. */
	hv_client_hangup(child);
	reap_all();
	CHECK_EQ(hv.st.grants, 1);
	CHECK_EQ(p[GBX_PAGE_SIZE + 7], 0xff);
	hv_client_close(grand);
	reap_all();
	CHECK_EQ(hv.st.grants, 0);
	CHECK_EQ(p[GBX_PAGE_SIZE + 7], 0);
	/* A released grant can no longer be adopted. */
	CHECK_ERR(hv_adopt(child, refs, 1), EINVAL);
	hv_client_close(child);
	(void)munmap(p, 2 * GBX_PAGE_SIZE);
	teardown();
}

/*
 * A client whose token hangs up twice before the reaper runs (the model
 * allows it; gntboxd hangs a connection's token up once): the second
 * hangup adds its holdings to the doomed ones one by one, and an adoption
 * of a ref that is doomed already is released at once, so that neither
 * is lost.
 */
static void
test_hangup_twice(void)
{
	struct gbx_grant_ref gr;
	struct gbx_map_result res;
	struct hv_client *own, *child, *mapper;
	struct hv_arena *a;
	struct hv_grant *g;
	struct hv_map *m;
	uint32_t ref, failed;
	uint64_t first;

	setup(0, 0);
	own = hv_client_new(d1, 100);
	child = hv_client_new(d1, 101);
	mapper = hv_client_new(d2, 200);
	REQUIRE(hv_share(own, 2, true, 1, &ref, &a, &first) == 0);
	g = gnttab_entry(&d1->gt, ref);
	gr.domid = 1;
	gr.ref = ref;
	CHECK_ERR(hv_map_create(mapper, &gr, 1, false, NULL, &res, &failed, &m),
	    0);
	CHECK_ERR(hv_adopt(child, &ref, 1), 0);
	hv_client_hangup(child);
	hv_client_hangup(mapper);
	/* Doomed, not reaped: the same ref and a new map once more. */
	CHECK_ERR(hv_adopt(child, &ref, 1), 0);
	CHECK_EQ(g->adopters, 2);
	CHECK_ERR(hv_map_create(mapper, &gr, 1, false, NULL, &res, &failed, &m),
	    0);
	CHECK_EQ(hv.st.maps, 2);
	hv_client_hangup(child);
	hv_client_hangup(mapper);
	CHECK_EQ(g->adopters, 1);
	CHECK_EQ(hv.st.maps, 2);
	reap_all();
	CHECK_EQ(g->adopters, 0);
	CHECK_EQ(hv.st.maps, 0);
	CHECK_EQ(hv.st.handles, 0);
	hv_client_close(child);
	hv_client_close(mapper);
	hv_client_close(own);
	reap_all();
	CHECK_EQ(hv.st.grants, 0);
	teardown();
}

int
main(void)
{

	test_copy_status();
	test_copy_pins();
	test_adopt();
	test_hangup_twice();
	return (check_exit());
}
