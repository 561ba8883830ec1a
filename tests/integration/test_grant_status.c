/*
 * Integration test: Xen's GNTST_* status for each grant of a map, and the
 * all-or-nothing rule.
 *
 * - One batch holding a good grant, a domain that does not exist, a
 *   reference beyond the table, a reference never granted, a reserved
 *   reference and a grant to another domain gets each its own status;
 *   nothing stays mapped, pinned or counted.
 * - A batch whose ref k fails leaves no pin and no handle (stats and the
 *   grant dump), and the same map succeeds once the granter fixes ref k.
 * - Pin overflow: Xen's pin counters hold 128 pins of each kind; the
 *   129th writable mapping of one grant fails (in one batch and across
 *   maps), while a read-only one, counted apart, still works.
 */
#include <sys/mman.h>

#include <stdint.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <xen/grant_table.h>

#include "check.h"
#include "harness.h"
#include "lib/ctl.h"

#define PG   4096
#define RW   (PROT_READ | PROT_WRITE)
#define SHRW GNTBOX_SHARE_WRITABLE

/* Host pins held on ref of domain dom, from gntboxd's grant dump. */
static unsigned
pins_on(unsigned dom, uint32_t ref)
{
	struct gbx_grant_rec *recs;
	struct gbx_conn *c;
	unsigned pins;
	uint32_t n, i;

	REQUIRE(gbx_ctl_open(&c) == 0);
	REQUIRE(gbx_ctl_grants(c, dom, &recs, &n) == 0);
	gbx_conn_close(c);
	pins = 0;
	for (i = 0; i < n; i++)
		if (recs[i].domid == dom && recs[i].ref == ref)
			pins += recs[i].pin_w + recs[i].pin_r;
	free(recs);
	return (pins);
}

/* Handles and map objects gntboxd holds, for "nothing stayed mapped". */
static void
held(uint64_t *handles, uint64_t *maps)
{
	struct gntbox_stats st;

	th_stats(&st);
	*handles = st.handles;
	*maps = st.maps;
}

/* ------------------------------------------------------------------ */

static int
statuses_mapper(void *arg)
{
	struct gntbox_grant_ref g[8];
	struct th_chan *ch;
	uint64_t off, h0, m0, h1, m1;
	uint32_t refs[2];
	int16_t st[8];
	gntbox_t *h;
	unsigned i;
	char *p;

	ch = arg;
	th_recv(ch, 1, refs, sizeof(refs)); /* [0] to us, [1] to domain 3 */
	h = th_open(-1);
	held(&h0, &m0);
	for (i = 0; i < 8; i++) {
		g[i].domid = 1;
		g[i].ref = refs[0];
	}
	g[1].domid = 77;       /* no such domain */
	g[2].ref = 0x7fffffff; /* beyond the table */
	g[3].ref = 300;	       /* in the table, never granted */
	g[4].ref = refs[1];    /* granted to domain 3 */
	g[5].ref = 1;	       /* reserved (xenstore's) */
	g[6].domid = 0x7ff0;   /* DOMID_FIRST_RESERVED */
	CHECK_ERR(gntbox_map(h, 8, g, 0, &off), 0);
	memset(st, 0x55, sizeof(st));
	CHECK(gntbox_mmap(h, off, 8, RW, st) == NULL);
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(st[0], GNTST_okay);
	CHECK_EQ(st[1], GNTST_bad_domain);
	CHECK_EQ(st[2], GNTST_bad_gntref);
	CHECK_EQ(st[3], GNTST_general_error);
	CHECK_EQ(st[4], GNTST_general_error);
	CHECK_EQ(st[5], GNTST_general_error);
	CHECK_EQ(st[6], GNTST_bad_domain);
	CHECK_EQ(st[7], GNTST_okay);
	held(&h1, &m1);
	CHECK_EQ(h1, h0);
	CHECK_EQ(m1, m0);
	CHECK_EQ(pins_on(1, refs[0]), 0);

	/* The good grant alone maps, and carries the data. */
	CHECK(gntbox_mmap(h, off, 1, PROT_READ, st) == NULL);
	p = th_map(h, 1, 1, refs, PROT_READ, NULL);
	CHECK(strcmp(p, "status") == 0);
	CHECK_ERR(gntbox_close(h), 0);
	return (0);
}

static void
test_statuses(void)
{
	struct th_chan ch;
	uint32_t refs[2];
	gntbox_t *h;
	char *p;
	pid_t pid;
	uint64_t off;

	th_chan_open(&ch);
	pid = th_spawn(2, statuses_mapper, &ch);
	h = th_open(1);
	off = th_share(h, 2, 1, SHRW, &refs[0]);
	(void)th_share(h, 3, 1, SHRW, &refs[1]);
	REQUIRE((p = gntbox_mmap(h, off, 1, RW, NULL)) != NULL);
	strcpy(p, "status");
	th_send(&ch, 0, refs, sizeof(refs));
	CHECK_EQ(th_wait(pid), 0);
	CHECK_ERR(gntbox_close(h), 0);
	th_chan_close(&ch);
}

/* ------------------------------------------------------------------ */

static int
retry_mapper(void *arg)
{
	struct gntbox_grant_ref g[5];
	struct th_chan *ch;
	uint64_t off, h0, m0, h1, m1;
	uint32_t refs[5];
	int16_t st[5];
	gntbox_t *h;
	unsigned i;
	char *p;

	ch = arg;
	th_recv(ch, 1, refs, sizeof(refs)); /* refs[2] is domain 3's */
	h = th_open(-1);
	held(&h0, &m0);
	th_refs(g, 1, refs, 5);
	CHECK_ERR(gntbox_map(h, 5, g, 0, &off), 0);
	CHECK(gntbox_mmap(h, off, 5, RW, st) == NULL);
	CHECK_EQ(errno, EINVAL);
	for (i = 0; i < 5; i++)
		CHECK_EQ(st[i], i == 2 ? GNTST_general_error : GNTST_okay);
	/* Nothing pinned, no handle, no map object. */
	held(&h1, &m1);
	CHECK_EQ(h1, h0);
	CHECK_EQ(m1, m0);
	for (i = 0; i < 5; i++)
		CHECK_EQ(pins_on(1, refs[i]), 0);

	/* Domain 1 ends ref 2 and grants it again, to us this time. */
	th_send_u64(ch, 1, 1);
	(void)th_recv_u64(ch, 1);
	REQUIRE((p = gntbox_mmap(h, off, 5, RW, st)) != NULL);
	for (i = 0; i < 5; i++)
		CHECK_EQ(st[i], GNTST_okay);
	CHECK(strcmp(p + 2 * PG, "fixed") == 0);
	CHECK_EQ(pins_on(1, refs[2]), 1);
	held(&h1, &m1);
	CHECK_EQ(h1, h0 + 5);
	CHECK_EQ(m1, m0 + 1);
	CHECK_ERR(gntbox_close(h), 0);
	return (0);
}

static void
test_batch_retry(void)
{
	struct th_chan ch;
	uint32_t refs[5], again;
	uint64_t off3, off;
	gntbox_t *h;
	char *p;
	pid_t pid;

	th_chan_open(&ch);
	pid = th_spawn(2, retry_mapper, &ch);
	h = th_open(1);
	(void)th_share(h, 2, 2, SHRW, &refs[0]);
	off3 = th_share(h, 3, 1, SHRW, &refs[2]);
	(void)th_share(h, 2, 2, SHRW, &refs[3]);
	th_send(&ch, 0, refs, sizeof(refs));
	(void)th_recv_u64(&ch, 0);
	/* References are handed out lowest first: the freed one comes back. */
	CHECK_ERR(gntbox_unshare(h, off3, 1), 0);
	off = th_share(h, 2, 1, SHRW, &again);
	CHECK_EQ(again, refs[2]);
	REQUIRE((p = gntbox_mmap(h, off, 1, RW, NULL)) != NULL);
	strcpy(p, "fixed");
	th_send_u64(&ch, 0, 1);
	CHECK_EQ(th_wait(pid), 0);
	CHECK_ERR(gntbox_close(h), 0);
	th_chan_close(&ch);
}

/* ------------------------------------------------------------------ */

#define PINS 128 /* Xen's counters: 8 bits, the top one refuses more */

static int
pins_mapper(void *arg)
{
	struct gntbox_grant_ref *g;
	struct th_chan *ch;
	uint64_t off, offs[PINS];
	uint32_t ref;
	int16_t *st;
	gntbox_t *h;
	void *maps[PINS + 1];
	unsigned i;

	ch = arg;
	ref = (uint32_t)th_recv_u64(ch, 1);
	h = th_open(-1);
	REQUIRE((g = calloc(PINS + 1, sizeof(*g))) != NULL);
	REQUIRE((st = calloc(PINS + 1, sizeof(*st))) != NULL);
	for (i = 0; i <= PINS; i++) {
		g[i].domid = 1;
		g[i].ref = ref;
	}
	/* One batch of 129 writable mappings of one grant. */
	CHECK_ERR(gntbox_map(h, PINS + 1, g, 0, &off), 0);
	CHECK(gntbox_mmap(h, off, PINS + 1, RW, st) == NULL);
	CHECK_EQ(st[0], GNTST_okay);
	CHECK_EQ(st[PINS - 1], GNTST_okay);
	CHECK_EQ(st[PINS], GNTST_general_error);
	CHECK_EQ(pins_on(1, ref), 0);
	CHECK_ERR(gntbox_unmap(h, off, 0), 0);

	/* 128 maps of one page each, then a 129th. */
	for (i = 0; i < PINS; i++) {
		REQUIRE(gntbox_map(h, 1, g, 0, &offs[i]) == 0);
		maps[i] = gntbox_mmap(h, offs[i], 1, RW, NULL);
		CHECK(maps[i] != NULL);
	}
	CHECK_ERR(gntbox_map(h, 1, g, 0, &off), 0);
	CHECK(gntbox_mmap(h, off, 1, RW, st) == NULL);
	CHECK_EQ(st[0], GNTST_general_error);
	/* Read-only pins are counted apart. */
	REQUIRE((maps[PINS] = gntbox_mmap(h, off, 1, PROT_READ, st)) != NULL);
	CHECK_EQ(st[0], GNTST_okay);
	/* One writable pin goes: the next writable one fits again. */
	CHECK_ERR(gntbox_munmap(h, maps[0], 1), 0);
	CHECK_ERR(gntbox_unmap(h, offs[0], 1), 0);
	CHECK_ERR(gntbox_map(h, 1, g, 0, &off), 0);
	CHECK(gntbox_mmap(h, off, 1, RW, st) != NULL);
	free(g);
	free(st);
	CHECK_ERR(gntbox_close(h), 0);
	return (0);
}

static void
test_pin_overflow(void)
{
	struct th_chan ch;
	uint32_t ref;
	gntbox_t *h;
	pid_t pid;

	th_chan_open(&ch);
	pid = th_spawn(2, pins_mapper, &ch);
	h = th_open(1);
	(void)th_share(h, 2, 1, SHRW, &ref);
	th_send_u64(&ch, 0, ref);
	CHECK_EQ(th_wait(pid), 0);
	CHECK_ERR(gntbox_close(h), 0);
	th_chan_close(&ch);
}

int
main(void)
{

	th_start(NULL);
	th_domain(1);
	th_domain(2);
	th_domain(3);
	th_baseline();
	test_statuses();
	th_check_baseline("per-grant statuses");
	test_batch_retry();
	th_check_baseline("batch failure and retry");
	test_pin_overflow();
	th_check_baseline("pin overflow");
	return (th_finish());
}
