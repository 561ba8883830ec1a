/*
 * Unit test of the grant map and unmap operations of the hypervisor
 * model, without sockets: every check of Xen's map_grant_ref() in Xen's
 * order with Xen's GNTST_* status, pin limits and GTF_reading/GTF_writing,
 * bad and double unmaps, and all-or-nothing batches through map objects.
 */
#include <stdint.h>
#include <string.h>

#include <xen/grant_table.h>

#include "test_hv.h"
#include "hv/client.h"
#include "hv/domain.h"
#include "hv/gntmap.h"
#include "hv/hv.h"
#include "hv/mapobj.h"
#include "hv/share.h"

/* Every status a map or unmap returns must be Xen's, never positive. */
#define CHECK_ST(call, want)                                                   \
	do {                                                                   \
		int16_t st_ = (call);                                          \
		CHECK(st_ <= 0 && st_ >= GNTST_no_space);                      \
		CHECK_EQ(st_, (want));                                         \
	} while (0)

/* Share one page of domain 1's client c with grantee; return its ref. */
static uint32_t
share1(struct hv_client *c, uint32_t grantee, bool writable)
{
	struct hv_arena *a;
	uint64_t first;
	uint32_t ref;

	REQUIRE(hv_share(c, grantee, writable, 1, &ref, &a, &first) == 0);
	return (ref);
}

static uint16_t
flags_of(struct hv_domain *d, uint32_t ref)
{

	return (gnttab_entry(&d->gt, ref)->ent.flags);
}

/* The checks of map_grant_ref(), each alone. */
static void
test_each_check(void)
{
	struct hv_client *c;
	uint32_t rw, ro, other, h;

	setup(0, 0);
	c = hv_client_new(d1, 1);
	REQUIRE(c != NULL);
	rw = share1(c, 2, true);
	ro = share1(c, 2, false);
	other = share1(c, 3, true);
	CHECK(rw >= GNTTAB_NR_RESERVED_ENTRIES);

	CHECK_ST(hv_grant_map(d2, 9, rw, false, NULL, &h), GNTST_bad_domain);
	CHECK_ST(hv_grant_map(d2, 0x7ff0, rw, false, NULL, &h),
	    GNTST_bad_domain);
	CHECK_ST(hv_grant_map(d2, UINT32_MAX, rw, false, NULL, &h),
	    GNTST_bad_domain);
	/* Beyond the table as it is now (one frame), and far beyond. */
	CHECK_EQ(gnttab_nr_entries(&d1->gt), GT_PER_FRAME);
	CHECK_ST(hv_grant_map(d2, 1, GT_PER_FRAME, false, NULL, &h),
	    GNTST_bad_gntref);
	CHECK_ST(hv_grant_map(d2, 1, UINT32_MAX, false, NULL, &h),
	    GNTST_bad_gntref);
	/* Inside the table but never granted, reserved ones included. */
	CHECK_ST(hv_grant_map(d2, 1, 0, false, NULL, &h), GNTST_general_error);
	CHECK_ST(hv_grant_map(d2, 1, 7, true, NULL, &h), GNTST_general_error);
	CHECK_ST(hv_grant_map(d2, 1, 100, true, NULL, &h), GNTST_general_error);
	/* Granted to domain 3, not to us. */
	CHECK_ST(hv_grant_map(d2, 1, other, true, NULL, &h),
	    GNTST_general_error);
	/* Write on a read-only grant; reading it is fine. */
	CHECK_ST(hv_grant_map(d2, 1, ro, false, NULL, &h), GNTST_general_error);
	CHECK_EQ(flags_of(d1, ro), GTF_permit_access | GTF_readonly);
	CHECK_ST(hv_grant_map(d2, 1, ro, true, NULL, &h), GNTST_okay);
	CHECK_EQ(flags_of(d1, ro),
	    GTF_permit_access | GTF_readonly | GTF_reading);
	/* Already pinned read-only: a write pin is still refused. */
	CHECK_ST(hv_grant_map(d2, 1, ro, false, NULL, &h), GNTST_general_error);
	/* Nothing failed left a handle behind. */
	CHECK_EQ(d2->mt.nused, 1);
	CHECK_EQ(hv.st.handles, 1);
	CHECK_ST(hv_grant_unmap(d2, h), GNTST_okay);
	CHECK_EQ(flags_of(d1, ro), GTF_permit_access | GTF_readonly);
	/* A dying domain is gone for new maps. */
	CHECK_EQ(hv_domain_destroy(d3), 0);
	CHECK_ST(hv_grant_map(d2, 3, 8, true, NULL, &h), GNTST_bad_domain);
	hv_client_close(c);
	teardown();
}

/* When several checks fail, the first in Xen's order decides. */
static void
test_order(void)
{
	struct hv_client *c;
	uint32_t h, hs[2], ref;

	/* Two handles in all. */
	setup(2, 0);
	c = hv_client_new(d1, 1);
	ref = share1(c, 2, true);
	CHECK_ST(hv_grant_map(d2, 1, ref, false, NULL, &hs[0]), GNTST_okay);
	CHECK_ST(hv_grant_map(d2, 1, ref, true, NULL, &hs[1]), GNTST_okay);
	/* Bad domain comes before the maptrack check. */
	CHECK_ST(hv_grant_map(d2, 42, ref, false, NULL, &h), GNTST_bad_domain);
	/* No handle comes before the reference checks. */
	CHECK_ST(hv_grant_map(d2, 1, UINT32_MAX, false, NULL, &h),
	    GNTST_no_space);
	CHECK_ST(hv_grant_map(d2, 1, 100, false, NULL, &h), GNTST_no_space);
	CHECK_ST(hv_grant_map(d2, 1, ref, false, NULL, &h), GNTST_no_space);
	CHECK_ST(hv_grant_unmap(d2, hs[1]), GNTST_okay);
	/* A bad ref beyond the table before the entry's own checks. */
	CHECK_ST(hv_grant_map(d2, 1, 1u << 20, false, NULL, &h),
	    GNTST_bad_gntref);
	CHECK_ST(hv_grant_unmap(d2, hs[0]), GNTST_okay);
	hv_client_close(c);
	teardown();
}

/* Xen's byte-wide pin counters refuse a 129th pin of a kind. */
static void
test_pins(void)
{
	static uint32_t w[128], r[128];
	struct hv_client *c;
	uint32_t ref, h;
	struct hv_grant *g;
	int i;

	setup(0, 0);
	c = hv_client_new(d1, 1);
	ref = share1(c, 2, true);
	g = gnttab_entry(&d1->gt, ref);
	for (i = 0; i < 128; i++)
		CHECK_ST(hv_grant_map(d2, 1, ref, false, NULL, &w[i]),
		    GNTST_okay);
	CHECK_ST(hv_grant_map(d2, 1, ref, false, NULL, &h),
	    GNTST_general_error);
	CHECK_EQ(g->pin & HV_PIN_HSTW_MASK, 128);
	for (i = 0; i < 128; i++)
		CHECK_ST(hv_grant_map(d2, 1, ref, true, NULL, &r[i]),
		    GNTST_okay);
	CHECK_ST(hv_grant_map(d2, 1, ref, true, NULL, &h), GNTST_general_error);
	CHECK_EQ(g->ent.flags, GTF_permit_access | GTF_reading | GTF_writing);
	CHECK_EQ(d2->mt.nused, 256);
	/* GTF_writing follows the write pins, GTF_reading all pins. */
	for (i = 0; i < 128; i++)
		CHECK_ST(hv_grant_unmap(d2, w[i]), GNTST_okay);
	CHECK_EQ(g->ent.flags, GTF_permit_access | GTF_reading);
	for (i = 0; i < 127; i++)
		CHECK_ST(hv_grant_unmap(d2, r[i]), GNTST_okay);
	CHECK_EQ(g->ent.flags, GTF_permit_access | GTF_reading);
	CHECK_ST(hv_grant_unmap(d2, r[127]), GNTST_okay);
	CHECK_EQ(g->ent.flags, GTF_permit_access);
	CHECK_EQ(g->pin, 0);
	hv_client_close(c);
	teardown();
}

/* Bad and double unmaps: GNTST_bad_handle, and no pin goes below zero. */
static void
test_unmap(void)
{
	struct hv_client *c;
	uint32_t ref, h, h2;
	struct hv_grant *g;

	setup(1024, 0);
	c = hv_client_new(d1, 1);
	ref = share1(c, 2, true);
	g = gnttab_entry(&d1->gt, ref);
	CHECK_ST(hv_grant_unmap(d2, 0), GNTST_bad_handle);
	CHECK_ST(hv_grant_unmap(d2, 1024), GNTST_bad_handle);
	CHECK_ST(hv_grant_unmap(d2, UINT32_MAX), GNTST_bad_handle);
	CHECK_ST(hv_grant_map(d2, 1, ref, false, NULL, &h), GNTST_okay);
	CHECK_ST(hv_grant_map(d2, 1, ref, true, NULL, &h2), GNTST_okay);
	/* A handle of domain 2 means nothing in domain 3's table. */
	CHECK_ST(hv_grant_unmap(d3, h), GNTST_bad_handle);
	CHECK_ST(hv_grant_unmap(d2, h), GNTST_okay);
	CHECK_ST(hv_grant_unmap(d2, h), GNTST_bad_handle);
	CHECK_EQ(g->pin, HV_PIN_HSTR_INC);
	CHECK_ST(hv_grant_unmap(d2, h2), GNTST_okay);
	CHECK_ST(hv_grant_unmap(d2, h2), GNTST_bad_handle);
	CHECK_EQ(g->pin, 0);
	CHECK_EQ(g->ent.flags, GTF_permit_access);
	CHECK_EQ(d2->mt.nused, 0);
	/* Handles are handed out lowest first. */
	CHECK_ST(hv_grant_map(d2, 1, ref, false, NULL, &h), GNTST_okay);
	CHECK_EQ(h, 0);
	CHECK_ST(hv_grant_unmap(d2, h), GNTST_okay);
	hv_client_close(c);
	teardown();
}

/*
 * A batch that fails part-way (bad ref, exhausted maptrack, pin overflow
 * within the batch) leaves nothing pinned and no handle allocated, tells
 * each ref's status, and succeeds on retry once the bad ref is fixed.
 */
static void
test_batch(void)
{
	static struct gbx_grant_ref refs[200];
	static struct gbx_map_result res[200];
	struct hv_client *c, *c2;
	struct hv_map *m;
	uint32_t r[3], failed, bad, i;
	struct hv_grant *g;

	setup(150, 0);
	c = hv_client_new(d1, 1);
	c2 = hv_client_new(d2, 2);
	for (i = 0; i < 3; i++)
		r[i] = share1(c, 2, true);
	for (i = 0; i < 3; i++)
		refs[i] = (struct gbx_grant_ref){ 1, r[i] };
	refs[1].ref = 300; /* never granted */
	CHECK_ERR(hv_map_create(c2, refs, 3, false, NULL, res, &failed, &m),
	    EINVAL);
	CHECK_EQ(failed, 1);
	CHECK_EQ(res[0].status, GNTST_okay);
	CHECK_EQ(res[1].status, GNTST_general_error);
	CHECK_EQ(res[2].status, GNTST_okay);
	CHECK_EQ(res[0].arena, 0);
	CHECK_EQ(d2->mt.nused, 0);
	CHECK_EQ(hv.st.maps, 0);
	for (i = 0; i < 3; i++) {
		g = gnttab_entry(&d1->gt, r[i]);
		CHECK_EQ(g->pin, 0);
		CHECK_EQ(g->ent.flags, GTF_permit_access);
	}
	/* Fixed: the retry maps all three. */
	refs[1].ref = r[1];
	CHECK_ERR(hv_map_create(c2, refs, 3, false, NULL, res, &failed, &m), 0);
	CHECK_EQ(failed, 0);
	CHECK_EQ(m->live, 3);
	CHECK(res[0].arena != 0);
	CHECK_EQ(res[0].arena, res[1].arena);
	CHECK_EQ(res[1].page, res[0].page + 1);
	CHECK_EQ(hv.st.maps, 1);
	CHECK_EQ(hv.st.handles, 3);
	CHECK(hv_map_find(c2, m->id) == m);
	/* Partial and double unmaps. */
	CHECK_ERR(hv_map_unmap(m, 1, 1, &bad), 0);
	CHECK_EQ(bad, 0);
	CHECK_ERR(hv_map_unmap(m, 1, 1, &bad), 0);
	CHECK_EQ(bad, 1);
	CHECK_ERR(hv_map_unmap(m, 3, 1, &bad), EINVAL);
	CHECK_ERR(hv_map_unmap(m, 0, 0, &bad), EINVAL);
	CHECK_ERR(hv_map_unmap(m, 2, UINT32_MAX, &bad), EINVAL);
	CHECK_EQ(gnttab_entry(&d1->gt, r[1])->pin, 0);
	CHECK_ERR(hv_map_unmap(m, 0, 3, &bad), 0);
	CHECK_EQ(bad, 1);
	CHECK_EQ(hv.st.maps, 0);
	CHECK_EQ(hv.st.handles, 0);

	/* Maptrack exhaustion (150 handles) part-way through 200 refs. */
	for (i = 0; i < 200; i++)
		refs[i] = (struct gbx_grant_ref){ 1, r[i % 3] };
	CHECK_ERR(hv_map_create(c2, refs, 200, true, NULL, res, &failed, &m),
	    EINVAL);
	CHECK_EQ(failed, 50);
	CHECK_EQ(res[149].status, GNTST_okay);
	CHECK_EQ(res[150].status, GNTST_no_space);
	CHECK_EQ(d2->mt.nused, 0);
	/* Pin overflow within one batch: 129 pins of one grant. */
	for (i = 0; i < 129; i++)
		refs[i] = (struct gbx_grant_ref){ 1, r[0] };
	CHECK_ERR(hv_map_create(c2, refs, 129, true, NULL, res, &failed, &m),
	    EINVAL);
	CHECK_EQ(failed, 1);
	CHECK_EQ(res[128].status, GNTST_general_error);
	CHECK_EQ(gnttab_entry(&d1->gt, r[0])->pin, 0);
	CHECK_ERR(hv_map_create(c2, refs, 128, true, NULL, res, &failed, &m),
	    0);
	/* Counts out of range allocate nothing. */
	CHECK_ERR(hv_map_create(c2, refs, 0, true, NULL, res, &failed, &m),
	    EINVAL);
	CHECK_ERR(hv_map_create(c2, refs, GBX_COUNT_MAX + 1, true, NULL, res,
		      &failed, &m),
	    EINVAL);
	CHECK_ERR(hv_map_create(c2, refs, UINT32_MAX, true, NULL, res, &failed,
		      &m),
	    EINVAL);
	CHECK_EQ(failed, 0);
	hv_client_close(c2);
	hv_client_close(c);
	teardown();
}

int
main(void)
{

	test_each_check();
	test_order();
	test_pins();
	test_unmap();
	test_batch();
	return (check_exit());
}
