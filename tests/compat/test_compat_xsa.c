/*
 * Compatibility test: Xen advisory classes that no other test names
 * (docs/security.md, "Advisories"), through Debian's unmodified
 * libxengnttab in domain 2 against grants of domain 1 (the harness, on
 * the native API), with the grant dump showing pins and GTF_* flags.
 *
 * - XSA-218: two handles map one grant; after the first unmap the entry
 *   still has one writable pin and GTF_reading | GTF_writing; only the
 *   last unmap clears them.  Then two threads map and unmap it at once,
 *   200 times: the pins end at zero, and an unmap of an address no longer
 *   mapped fails and changes nothing.
 * - XSA-230: a grant copy to and from a grant that is also mapped leaves
 *   the map's pin and flags as they were; the munmap clears them.
 * - XSA-318: a copy of 40,000 segments (more than one batch) writes every
 *   segment's status, the good ones GNTST_okay and the bad ones
 *   GNTST_bad_gntref.
 * - XSA-448 (follow-up): a segment of length 0 succeeds whatever else it
 *   says (a bad domain and reference, a NULL buffer; its offset must
 *   still be within the page, which Linux's gntdev checks first).
 * - XSA-500: a reference ended and granted again is checked again: to
 *   another domain, the copy fails (GNTST_general_error); to us again,
 *   the copy reads the new page, never the old one.
 *
 * The levels end back at their baseline.
 */
#include <sys/mman.h>

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xen/grant_table.h>
#include <xengnttab.h>

#include "check.h"
#include "compat.h"
#include "harness.h"
#include "lib/ctl.h"

#define PG     4096
#define RW     (PROT_READ | PROT_WRITE)
#define NSEGS  40000
#define ROUNDS 200

/* ------------------------------------------------------------------ */
/* Domain 2: libxengnttab.                                              */

struct racer {
	xengnttab_handle *g;
	uint32_t ref;
	pthread_barrier_t *bar;
	int errors;
};

/* Map and unmap the grant ROUNDS times, in step with the other thread. */
static void *
race(void *arg)
{
	struct racer *r = arg;
	void *p;
	int i;

	for (i = 0; i < ROUNDS; i++) {
		(void)pthread_barrier_wait(r->bar);
		if ((p = xengnttab_map_grant_ref(r->g, 1, r->ref, RW)) ==
		    NULL) {
			r->errors++;
			continue;
		}
		(void)pthread_barrier_wait(r->bar);
		if (xengnttab_unmap(r->g, p, 1) != 0)
			r->errors++;
	}
	return (NULL);
}

static void
xsa218(struct th_chan *ch, uint32_t ref)
{
	xengnttab_handle *g1, *g2;
	pthread_barrier_t bar;
	struct racer r[2];
	pthread_t t[2];
	char *p1, *p2;
	int i;

	REQUIRE((g1 = xengnttab_open(NULL, 0)) != NULL);
	REQUIRE((g2 = xengnttab_open(NULL, 0)) != NULL);
	REQUIRE((p1 = xengnttab_map_grant_ref(g1, 1, ref, RW)) != NULL);
	REQUIRE((p2 = xengnttab_map_grant_ref(g2, 1, ref, RW)) != NULL);
	th_send_u64(ch, 1, 2); /* two pins */
	(void)th_recv_u64(ch, 1);
	CHECK_EQ(xengnttab_unmap(g1, p1, 1), 0);
	th_send_u64(ch, 1, 1); /* one left */
	(void)th_recv_u64(ch, 1);
	CHECK_EQ(xengnttab_unmap(g2, p2, 1), 0);
	/* Unmapping again is refused and changes nothing. */
	CHECK(xengnttab_unmap(g2, p2, 1) != 0);
	REQUIRE(pthread_barrier_init(&bar, NULL, 2) == 0);
	for (i = 0; i < 2; i++) {
		r[i].g = i == 0 ? g1 : g2;
		r[i].ref = ref;
		r[i].bar = &bar;
		r[i].errors = 0;
		REQUIRE(pthread_create(&t[i], NULL, race, &r[i]) == 0);
	}
	for (i = 0; i < 2; i++) {
		REQUIRE(pthread_join(t[i], NULL) == 0);
		CHECK_EQ(r[i].errors, 0);
	}
	(void)pthread_barrier_destroy(&bar);
	th_send_u64(ch, 1, 0); /* none */
	(void)th_recv_u64(ch, 1);
	CHECK_EQ(xengnttab_close(g2), 0);
	CHECK_EQ(xengnttab_close(g1), 0);
}

/* One copy segment between a grant of domain 1 and a local buffer. */
static void
seg_init(xengnttab_grant_copy_segment_t *s, uint32_t ref, bool to_grant,
    void *buf, uint16_t off, uint16_t len)
{

	memset(s, 0, sizeof(*s));
	s->len = len;
	if (to_grant) {
		s->flags = GNTCOPY_dest_gref;
		s->dest.foreign.domid = 1;
		s->dest.foreign.ref = ref;
		s->dest.foreign.offset = off;
		s->source.virt = buf;
	} else {
		s->flags = GNTCOPY_source_gref;
		s->source.foreign.domid = 1;
		s->source.foreign.ref = ref;
		s->source.foreign.offset = off;
		s->dest.virt = buf;
	}
	s->status = 0x5a5a;
}

static void
xsa230(struct th_chan *ch, uint32_t ref)
{
	xengnttab_grant_copy_segment_t s[2];
	xengnttab_handle *g;
	char buf[16], *p;

	REQUIRE((g = xengnttab_open(NULL, 0)) != NULL);
	REQUIRE((p = xengnttab_map_grant_ref(g, 1, ref, RW)) != NULL);
	strcpy(buf, "copied");
	seg_init(&s[0], ref, true, buf, 100, 7);
	seg_init(&s[1], ref, false, buf + 8, 0, 7);
	CHECK_EQ(xengnttab_grant_copy(g, 2, s), 0);
	CHECK_EQ(s[0].status, GNTST_okay);
	CHECK_EQ(s[1].status, GNTST_okay);
	CHECK(strcmp(p + 100, "copied") == 0);
	th_send_u64(ch, 1, 1); /* the harness looks at the map's pin */
	(void)th_recv_u64(ch, 1);
	CHECK_EQ(xengnttab_unmap(g, p, 1), 0);
	th_send_u64(ch, 1, 0);
	(void)th_recv_u64(ch, 1);
	CHECK_EQ(xengnttab_close(g), 0);
}

static void
xsa318_448(uint32_t ref)
{
	xengnttab_grant_copy_segment_t *s, z[2];
	xengnttab_handle *g;
	char buf[8];
	uint32_t i, bad;

	REQUIRE((g = xengnttab_open(NULL, 0)) != NULL);
	REQUIRE((s = calloc(NSEGS, sizeof(*s))) != NULL);
	for (i = 0; i < NSEGS; i++)
		seg_init(&s[i], i % 3 == 2 ? 99999 : ref, false, buf, 0, 8);
	CHECK_EQ(xengnttab_grant_copy(g, NSEGS, s), 0);
	bad = 0;
	for (i = 0; i < NSEGS; i++)
		if (s[i].status != (i % 3 == 2 ? GNTST_bad_gntref : GNTST_okay))
			bad++;
	CHECK_EQ(bad, 0);
	free(s);
	/*
	 * Length 0: nothing else is looked at (but the offset, which Linux's
	 * gntdev checks against the page before Xen sees the segment).
	 */
	seg_init(&z[0], 0xffffffffu, false, NULL, 4096, 0);
	z[0].source.foreign.domid = 0x7ff0;
	seg_init(&z[1], ref, false, buf, 0, 4);
	CHECK_EQ(xengnttab_grant_copy(g, 2, z), 0);
	CHECK_EQ(z[0].status, GNTST_okay);
	CHECK_EQ(z[1].status, GNTST_okay);
	CHECK_EQ(xengnttab_close(g), 0);
}

static void
xsa500(struct th_chan *ch, uint32_t ref)
{
	xengnttab_grant_copy_segment_t s;
	xengnttab_handle *g;
	char buf[8];

	REQUIRE((g = xengnttab_open(NULL, 0)) != NULL);
	seg_init(&s, ref, false, buf, 0, 4);
	CHECK_EQ(xengnttab_grant_copy(g, 1, &s), 0);
	CHECK_EQ(s.status, GNTST_okay);
	CHECK(memcmp(buf, "old", 4) == 0);
	th_send_u64(ch, 1, 1); /* the harness grants ref to domain 3 */
	(void)th_recv_u64(ch, 1);
	seg_init(&s, ref, false, buf, 0, 4);
	CHECK_EQ(xengnttab_grant_copy(g, 1, &s), 0);
	CHECK_EQ(s.status, GNTST_general_error);
	th_send_u64(ch, 1, 2); /* ... and to us again, a new page */
	(void)th_recv_u64(ch, 1);
	seg_init(&s, ref, false, buf, 0, 4);
	CHECK_EQ(xengnttab_grant_copy(g, 1, &s), 0);
	CHECK_EQ(s.status, GNTST_okay);
	CHECK(memcmp(buf, "new", 4) == 0);
	CHECK_EQ(xengnttab_close(g), 0);
}

static int
copier(struct th_chan *ch)
{
	uint32_t refs[4];

	th_recv(ch, 1, refs, sizeof(refs));
	xsa218(ch, refs[0]);
	xsa230(ch, refs[1]);
	xsa318_448(refs[2]);
	xsa500(ch, refs[3]);
	th_send_u64(ch, 1, 99);
	return (0);
}

static const struct tc_role roles[] = {
	{ "copier", copier },
	{ NULL, NULL },
};

/* ------------------------------------------------------------------ */
/* The harness: domain 1.                                               */

/* Domain 1's entry ref in the grant dump. */
static struct gbx_grant_rec
entry(uint32_t ref)
{
	struct gbx_grant_rec *recs, out;
	struct gbx_conn *c;
	uint32_t n, i;

	memset(&out, 0, sizeof(out));
	REQUIRE(gbx_ctl_open(&c) == 0);
	REQUIRE(gbx_ctl_grants(c, 1, &recs, &n) == 0);
	gbx_conn_close(c);
	for (i = 0; i < n; i++)
		if (recs[i].ref == ref)
			out = recs[i];
	free(recs);
	return (out);
}

/* The entry has w writable pins, and its flags say so. */
static void
check_pins(uint32_t ref, uint32_t w)
{
	struct gbx_grant_rec e;
	int i;

	/* A release is one-way: wait for it. */
	for (i = 0; i < 500; i++) {
		e = entry(ref);
		if (e.pin_w == w)
			break;
		(void)usleep(10000);
	}
	CHECK_EQ(e.pin_w, w);
	CHECK_EQ(e.pin_r, 0);
	CHECK_EQ(e.flags & (GTF_reading | GTF_writing),
	    w != 0 ? GTF_reading | GTF_writing : 0);
	CHECK_EQ(e.flags & GTF_permit_access, GTF_permit_access);
}

/* The role says it holds w pins of ref: check, and let it go on. */
static void
pins_step(struct tc_proc *m, uint32_t ref, uint32_t w)
{

	CHECK_EQ(th_recv_u64(&m->ch, 0), w);
	check_pins(ref, w);
	th_send_u64(&m->ch, 0, 1);
}

int
main(int argc, char **argv)
{
	struct tc_proc m;
	uint32_t refs[4], again;
	uint64_t off[4], off2;
	gntbox_t *h;
	char *p;
	int i;

	tc_main(argc, argv, roles);
	th_start(NULL);
	th_domain(1);
	th_domain(2);
	th_domain(3);
	th_baseline();
	h = th_open(1);
	for (i = 0; i < 4; i++)
		off[i] = th_share(h, 2, 1, GNTBOX_SHARE_WRITABLE, &refs[i]);
	REQUIRE((p = gntbox_mmap(h, off[3], 1, RW, NULL)) != NULL);
	strcpy(p, "old");
	CHECK_ERR(gntbox_munmap(h, p, 1), 0);
	tc_run(&m, 2, "copier");
	th_send(&m.ch, 0, refs, sizeof(refs));
	/* XSA-218: two pins, one, none. */
	for (i = 2; i >= 0; i--)
		pins_step(&m, refs[0], (uint32_t)i);
	/* XSA-230: the map's pin after the copy, then none. */
	for (i = 1; i >= 0; i--)
		pins_step(&m, refs[1], (uint32_t)i);
	/* XSA-500: the reference ended, then granted to domain 3. */
	CHECK_EQ(th_recv_u64(&m.ch, 0), 1);
	CHECK_ERR(gntbox_unshare(h, off[3], 1), 0);
	off2 = th_share(h, 3, 1, GNTBOX_SHARE_WRITABLE, &again);
	CHECK_EQ(again, refs[3]);
	th_send_u64(&m.ch, 0, 1);
	CHECK_EQ(th_recv_u64(&m.ch, 0), 2);
	CHECK_ERR(gntbox_unshare(h, off2, 1), 0);
	off[3] = th_share(h, 2, 1, GNTBOX_SHARE_WRITABLE, &again);
	CHECK_EQ(again, refs[3]);
	REQUIRE((p = gntbox_mmap(h, off[3], 1, RW, NULL)) != NULL);
	strcpy(p, "new");
	CHECK_ERR(gntbox_munmap(h, p, 1), 0);
	th_send_u64(&m.ch, 0, 1);
	CHECK_EQ(th_recv_u64(&m.ch, 0), 99);
	CHECK_EQ(tc_wait(&m), 0);
	for (i = 0; i < 4; i++)
		CHECK_ERR(gntbox_unshare(h, off[i], 1), 0);
	CHECK_ERR(gntbox_close(h), 0);
	th_check_baseline("advisories");
	return (th_finish());
}
