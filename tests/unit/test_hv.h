/*
 * test_hv.h: the fixture of the hypervisor model's unit tests: a fresh
 * hypervisor with domains 1, 2 and 3 next to domain 0, and a teardown
 * that checks every level is back at zero.
 */
#ifndef GNTBOX_TESTS_TEST_HV_H
#define GNTBOX_TESTS_TEST_HV_H

#include <sys/mman.h>

#include <string.h>

#include "check.h"
#include "hv/arena.h"
#include "hv/domain.h"
#include "hv/hv.h"

static struct hv hv;
static struct hv_domain *d1, *d2, *d3;

/* Limits of 0 keep Xen's defaults. */
static __attribute__((unused)) void
setup(uint32_t maptrack, uint32_t grant_frames)
{
	struct hv_limits lim;

	hv_limits_default(&lim);
	if (maptrack != 0)
		lim.max_maptrack = maptrack;
	if (grant_frames != 0)
		lim.max_grant_frames = grant_frames;
	REQUIRE(hv_init(&hv, &lim) == 0);
	REQUIRE(hv_domain_create(&hv, 1, NULL, &d1) == 0);
	REQUIRE(hv_domain_create(&hv, 2, "two", &d2) == 0);
	REQUIRE(hv_domain_create(&hv, 3, NULL, &d3) == 0);
}

/* Tear down; every level is back at zero (domain 0 is gone too). */
static __attribute__((unused)) void
teardown(void)
{

	hv_fini(&hv);
	CHECK_EQ(hv.st.domains, 0);
	CHECK_EQ(hv.st.grants, 0);
	CHECK_EQ(hv.st.maps, 0);
	CHECK_EQ(hv.st.handles, 0);
	CHECK_EQ(hv.st.deferred, 0);
	CHECK_EQ(hv.st.pages, 0);
	CHECK_EQ(hv.st.arenas, 0);
}

/* The first npages of arena a, read-write, every byte 0xff. */
static __attribute__((unused)) uint8_t *
map_filled(const struct hv_arena *a, size_t npages)
{
	uint8_t *p;

	p = mmap(NULL, npages * GBX_PAGE_SIZE, PROT_READ | PROT_WRITE,
	    MAP_SHARED, a->fd, 0);
	REQUIRE(p != MAP_FAILED);
	memset(p, 0xff, npages * GBX_PAGE_SIZE);
	return (p);
}

#endif /* GNTBOX_TESTS_TEST_HV_H */
