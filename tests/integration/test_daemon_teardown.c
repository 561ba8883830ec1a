/*
 * Integration test of tearing down a connection that holds 100,000
 * maptrack handles (Xen's XSA-380 made such a teardown a denial of
 * service): by close and by the process token's hangup, the daemon
 * releases everything, in bounded steps (the unit test test_hv_share
 * checks the bound), keeps answering others meanwhile, and the levels
 * come back to their baseline.  The ping round trips seen during the
 * teardown are printed, not asserted: tests do not time things.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "test_daemon.h"

#define PAGES 1000
#define MAPS  100

static struct tdx_msg *m;
static int ctl;

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec * 1e3 + ts.tv_nsec / 1e6);
}

static bool
handles_are(const struct gbx_stats *st, const void *arg)
{

	return (st->handles == *(const uint64_t *)arg);
}

/* Map every shared page MAPS times from a new domain-2 connection. */
static int
map_all(const uint32_t *refs, int *token)
{
	static struct gbx_grant_ref gr[PAGES];
	struct gbx_map mp;
	uint64_t want;
	int fd, i, bulk;

	REQUIRE((fd = td_open(2, GBX_KIND_GNTDEV, token)) != -1);
	REQUIRE((bulk = gbx_bulk_create()) != -1);
	for (i = 0; i < PAGES; i++)
		gr[i] = (struct gbx_grant_ref){ 1, refs[i] };
	for (i = 0; i < MAPS; i++) {
		memset(&mp, 0, sizeof(mp));
		mp.count = PAGES;
		mp.flags = i % 2 == 0 ? GBX_MAP_READONLY : 0;
		CHECK_EQ(tdx_call(fd, GBX_MAP, &mp, sizeof(mp), gr, sizeof(gr),
			     bulk, m),
		    0);
		tdx_close(m);
	}
	close(bulk);
	want = PAGES * MAPS;
	CHECK(tdx_wait(ctl, handles_are, &want));
	return (fd);
}

/* Ping until the handles are gone; report the worst round trip. */
static void
ping_through(const char *what)
{
	struct gbx_stats st;
	double t0, t, worst, start;
	int n, pinger;

	REQUIRE((pinger = td_control()) != -1);
	worst = 0;
	start = now_ms();
	for (n = 0; n < 100000; n++) {
		t0 = now_ms();
		CHECK_EQ(tdx_call(pinger, GBX_CTL_STATS, NULL, 0, NULL, 0, -1,
			     m),
		    0);
		t = now_ms() - t0;
		if (t > worst)
			worst = t;
		memcpy(&st, tdx_body(m), sizeof(st));
		if (st.handles == 0)
			break;
	}
	fprintf(stderr,
	    "%s of %d handles: %.1f ms, %d pings answered meanwhile, worst "
	    "round trip %.2f ms\n",
	    what, PAGES * MAPS, now_ms() - start, n, worst);
	CHECK_U64(st.handles, 0);
	CHECK_U64(st.maps, 0);
	close(pinger);
}

int
main(void)
{
	static uint32_t refs[PAGES];
	struct gbx_alloc_reply ar;
	struct tdx_env env;
	int s, mf, tok;

	REQUIRE((m = malloc(sizeof(*m))) != NULL);
	ctl = tdx_begin(&env, NULL, 2);
	REQUIRE((s = td_open(1, GBX_KIND_GNTDEV, NULL)) != -1);
	CHECK_EQ(tdx_alloc(s, 2, GBX_ALLOC_WRITABLE, PAGES, refs, &ar, -1, m),
	    0);
	tdx_close(m);

	/* Close. */
	mf = map_all(refs, &tok);
	close(mf);
	ping_through("close");
	close(tok);
	/* The process token's hangup, the connection staying open. */
	mf = map_all(refs, &tok);
	close(tok);
	ping_through("token hangup");
	CHECK_EQ(tdx_call(mf, GBX_CTL_PING, NULL, 0, NULL, 0, -1, m), EPROTO);
	close(mf);

	close(s);
	free(m);
	return (tdx_end(&env, 2));
}
