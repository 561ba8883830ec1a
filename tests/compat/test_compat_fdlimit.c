/*
 * Compatibility test: Debian's unmodified libxengnttab in a process whose
 * descriptor table is full (issue 11, defect 4).  Linux's gntdev needs no
 * descriptor to map a grant; the preload library needs the arena's, and
 * the kernel drops it from gntboxd's reply when the table is full.
 *
 * - xengnttab_map_grant_ref fails with EMFILE, and libxengnttab's own
 *   undo (UNMAP_GRANT_REF) leaves gntboxd with no map;
 * - the handle stays usable: once a descriptor is free, the same call
 *   maps the grant and the data is there; xengntshr_share_pages, which
 *   needs a descriptor of its own, is EMFILE too, and works once one
 *   more is free.
 *
 * Every scenario ends with gntboxd's levels back at their baseline.
 */
#include <sys/mman.h>

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <xengnttab.h>

#include "check.h"
#include "compat.h"
#include "fdfill.h"
#include "harness.h"

#define PG    4096
#define RW    (PROT_READ | PROT_WRITE)
#define SMALL 128

static int
full_mapper(struct th_chan *ch)
{
	xengnttab_handle *g;
	xengntshr_handle *s;
	uint32_t ref, sref;
	char *p, *q;

	ref = (uint32_t)th_recv_u64(ch, 1);
	REQUIRE((g = xengnttab_open(NULL, 0)) != NULL);
	REQUIRE((s = xengntshr_open(NULL, 0)) != NULL);
	tf_fill(SMALL);
	errno = 0;
	CHECK(xengnttab_map_grant_ref(g, 1, ref, RW) == NULL);
	CHECK_EQ(errno, EMFILE);
	errno = 0;
	CHECK(xengntshr_share_pages(s, 1, 1, &sref, 1) == NULL);
	CHECK_EQ(errno, EMFILE);
	th_send_u64(ch, 1, 1); /* the harness checks gntboxd kept no map */
	(void)th_recv_u64(ch, 1);
	tf_unfill(1);
	REQUIRE((p = xengnttab_map_grant_ref(g, 1, ref, RW)) != NULL);
	CHECK(strcmp(p, "granted by 1") == 0);
	strcpy(p + 100, "mapped by 2");
	tf_unfill(1);
	REQUIRE((q = xengntshr_share_pages(s, 1, 1, &sref, 1)) != NULL);
	q[0] = 1;
	CHECK_EQ(xengntshr_unshare(s, q, 1), 0);
	CHECK_EQ(xengnttab_unmap(g, p, 1), 0);
	tf_unfill(-1);
	CHECK_EQ(xengntshr_close(s), 0);
	CHECK_EQ(xengnttab_close(g), 0);
	return (0);
}

static const struct tc_role roles[] = {
	{ "full_mapper", full_mapper },
	{ NULL, NULL },
};

int
main(int argc, char **argv)
{
	struct gntbox_stats base, st;
	struct tc_proc m;
	uint32_t ref;
	uint64_t off;
	gntbox_t *h;
	char *p;
	int i;

	tc_main(argc, argv, roles);
	th_start(NULL);
	th_domain(1);
	th_domain(2);
	th_baseline();
	th_stats(&base);

	h = th_open(1);
	off = th_share(h, 2, 1, GNTBOX_SHARE_WRITABLE, &ref);
	REQUIRE((p = gntbox_mmap(h, off, 1, RW, NULL)) != NULL);
	strcpy(p, "granted by 1");
	tc_run(&m, 2, "full_mapper");
	th_send_u64(&m.ch, 0, ref);
	CHECK_EQ(th_recv_u64(&m.ch, 0), 1);
	for (i = 0; i < 500; i++) {
		th_stats(&st);
		if (st.maps == base.maps && st.handles == base.handles)
			break;
		(void)usleep(10000);
	}
	CHECK_EQ(st.maps, base.maps);
	CHECK_EQ(st.handles, base.handles);
	th_send_u64(&m.ch, 0, 1);
	CHECK_EQ(tc_wait(&m), 0);
	CHECK(strcmp(p + 100, "mapped by 2") == 0);
	CHECK_ERR(gntbox_munmap(h, p, 1), 0);
	CHECK_ERR(gntbox_unshare(h, off, 1), 0);
	CHECK_ERR(gntbox_close(h), 0);
	th_check_baseline("libxengnttab with a full table");
	return (th_finish());
}
