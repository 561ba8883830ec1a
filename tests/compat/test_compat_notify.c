/*
 * Compatibility test: unmap notifies through Debian's unmodified
 * libxengnttab and libxenevtchn, when one side is killed.
 *
 * - xengntshr_share_page_notify in domain 1 (byte and event), mapped by
 *   domain 2, which holds the other end of the event channel; domain 1 is
 *   SIGKILLed: domain 2 sees the event, and by then the byte is cleared.
 * - xengnttab_map_grant_ref_notify in domain 2 (byte and event); domain 2
 *   is SIGKILLed: domain 1 sees the event and the byte cleared.
 *
 * The unmap notify's port stays bound until its notify fired, and goes
 * with it; everything is back at the baseline afterwards.
 */
#include <sys/mman.h>

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <unistd.h>
#include <xengnttab.h>
#include <xenevtchn.h>

#include "check.h"
#include "compat.h"
#include "harness.h"

#define RW   (PROT_READ | PROT_WRITE)
#define BYTE 21 /* libxenvchan's srv_live */

/* Wait for the event on port, take it and unmask it. */
static int
event(xenevtchn_handle *x, int port)
{
	struct pollfd p = { .fd = xenevtchn_fd(x), .events = POLLIN };
	int got;

	if (poll(&p, 1, 5000) != 1)
		return (0);
	got = xenevtchn_pending(x);
	(void)xenevtchn_unmask(x, (evtchn_port_t)port);
	return (got == port);
}

/* ------------------------------------------------------------------ */
/* The sharer dies.                                                      */

static int
victim_sharer(struct th_chan *ch)
{
	xengntshr_handle *s;
	xenevtchn_handle *x;
	uint32_t ref;
	uint8_t *p;
	int port;

	REQUIRE((x = xenevtchn_open(NULL, 0)) != NULL);
	REQUIRE((port = xenevtchn_bind_unbound_port(x, 2)) > 0);
	REQUIRE((s = xengntshr_open(NULL, 0)) != NULL);
	REQUIRE((p = xengntshr_share_page_notify(s, 2, &ref, 1, BYTE,
		     (evtchn_port_t)port)) != NULL);
	p[BYTE] = 1;
	th_send_u64(ch, 1, ref);
	th_send_u64(ch, 1, (uint64_t)port);
	(void)th_recv_u64(ch, 1); /* until killed */
	return (0);
}

static int
watch_mapper(struct th_chan *ch)
{
	xengnttab_handle *g;
	xenevtchn_handle *x;
	uint32_t ref;
	uint8_t *q;
	int local;

	ref = (uint32_t)th_recv_u64(ch, 1);
	REQUIRE((x = xenevtchn_open(NULL, 0)) != NULL);
	REQUIRE((local = xenevtchn_bind_interdomain(x, 1,
		     (evtchn_port_t)th_recv_u64(ch, 1))) > 0);
	CHECK(event(x, local)); /* Xen's fix-up: pending at once */
	REQUIRE((g = xengnttab_open(NULL, 0)) != NULL);
	REQUIRE((q = xengnttab_map_grant_ref_notify(g, 1, ref, RW, -1, -1)) !=
	    NULL);
	CHECK_EQ(q[BYTE], 1);
	th_send_u64(ch, 1, 1);
	/* The sharer is killed: its event comes, after the byte cleared. */
	CHECK(event(x, local));
	CHECK_EQ(q[BYTE], 0);
	CHECK_EQ(xengnttab_unmap(g, q, 1), 0);
	CHECK_EQ(xengnttab_close(g), 0);
	CHECK_EQ(xenevtchn_close(x), 0);
	return (0);
}

static void
test_sharer_killed(void)
{
	struct tc_proc s, m;

	tc_run(&s, 1, "victim_sharer");
	tc_run(&m, 2, "watch_mapper");
	th_send_u64(&m.ch, 0, th_recv_u64(&s.ch, 0));
	th_send_u64(&m.ch, 0, th_recv_u64(&s.ch, 0));
	(void)th_recv_u64(&m.ch, 0);
	CHECK_EQ(tc_kill(&s), 128 + 9);
	CHECK_EQ(tc_wait(&m), 0);
	th_check_baseline("the sharer killed");
}

/* ------------------------------------------------------------------ */
/* The mapper dies.                                                      */

static int
watch_sharer(struct th_chan *ch)
{
	xengntshr_handle *s;
	xenevtchn_handle *x;
	uint32_t ref;
	uint8_t *p;
	int port;

	REQUIRE((x = xenevtchn_open(NULL, 0)) != NULL);
	REQUIRE((port = xenevtchn_bind_unbound_port(x, 2)) > 0);
	REQUIRE((s = xengntshr_open(NULL, 0)) != NULL);
	REQUIRE((p = xengntshr_share_pages(s, 2, 1, &ref, 1)) != NULL);
	th_send_u64(ch, 1, ref);
	th_send_u64(ch, 1, (uint64_t)port);
	/* The mapper sets the byte, and is killed. */
	(void)th_recv_u64(ch, 1);
	CHECK_EQ(p[BYTE], 1);
	th_send_u64(ch, 1, 1);
	CHECK(event(x, port));
	CHECK_EQ(p[BYTE], 0);
	CHECK_EQ(xengntshr_unshare(s, p, 1), 0);
	CHECK_EQ(xengntshr_close(s), 0);
	CHECK_EQ(xenevtchn_close(x), 0);
	return (0);
}

static int
victim_mapper(struct th_chan *ch)
{
	xengnttab_handle *g;
	xenevtchn_handle *x;
	uint32_t ref;
	uint8_t *q;
	int local;

	ref = (uint32_t)th_recv_u64(ch, 1);
	REQUIRE((x = xenevtchn_open(NULL, 0)) != NULL);
	REQUIRE((local = xenevtchn_bind_interdomain(x, 1,
		     (evtchn_port_t)th_recv_u64(ch, 1))) > 0);
	REQUIRE((g = xengnttab_open(NULL, 0)) != NULL);
	REQUIRE((q = xengnttab_map_grant_ref_notify(g, 1, ref, RW, BYTE,
		     (evtchn_port_t)local)) != NULL);
	q[BYTE] = 1;
	th_send_u64(ch, 1, 1);
	(void)th_recv_u64(ch, 1); /* until killed */
	return (0);
}

static void
test_mapper_killed(void)
{
	struct tc_proc s, m;

	tc_run(&s, 1, "watch_sharer");
	tc_run(&m, 2, "victim_mapper");
	th_send_u64(&m.ch, 0, th_recv_u64(&s.ch, 0));
	th_send_u64(&m.ch, 0, th_recv_u64(&s.ch, 0));
	th_send_u64(&s.ch, 0, th_recv_u64(&m.ch, 0));
	(void)th_recv_u64(&s.ch, 0);
	CHECK_EQ(tc_kill(&m), 128 + 9);
	CHECK_EQ(tc_wait(&s), 0);
	th_check_baseline("the mapper killed");
}

static const struct tc_role roles[] = {
	{ "victim_sharer", victim_sharer },
	{ "watch_mapper", watch_mapper },
	{ "watch_sharer", watch_sharer },
	{ "victim_mapper", victim_mapper },
	{ NULL, NULL },
};

int
main(int argc, char **argv)
{

	tc_main(argc, argv, roles);
	th_start(NULL);
	th_domain(1);
	th_domain(2);
	th_baseline();
	test_sharer_killed();
	test_mapper_killed();
	return (th_finish());
}
