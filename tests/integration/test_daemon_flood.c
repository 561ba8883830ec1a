/*
 * Integration test of backpressure: a client that floods requests without
 * reading its replies is stopped being read (its sends fill up and fail
 * with EAGAIN) while the daemon keeps answering another client; when the
 * flooder reads, it gets every reply, in order, and the levels are back
 * at their baseline.
 */
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test_daemon.h"

/* More than the daemon queues before it stops reading a client. */
#define GBXD_TEST_MIN_FLOOD 256

static struct tdx_msg *m;

/* Send requests until the socket is full; returns how many went. */
static uint32_t
flood(int fd, uint16_t type, const void *body, size_t blen, uint32_t seq0)
{
	struct gbx_hdr h;
	uint32_t n;
	int e;

	REQUIRE(fcntl(fd, F_SETFL, O_NONBLOCK) == 0);
	for (n = 0; n < 10000000; n++) {
		memset(&h, 0, sizeof(h));
		h.type = type;
		h.seq = seq0 + n + 1;
		e = gbx_msg_send(fd, &h, body, blen, NULL, 0, NULL, 0);
		if (e == EAGAIN)
			break;
		REQUIRE(e == 0);
	}
	REQUIRE(fcntl(fd, F_SETFL, 0) == 0);
	return (n);
}

/*
 * Flood in rounds, pausing between them, until five rounds in a row could
 * send nothing: the daemon has stopped reading the client.  Without
 * backpressure it would keep reading (and queueing replies without
 * bound), and every round would send more.  Returns the total sent.
 */
static uint32_t
flood_until_stopped(int fd, uint16_t type, const void *body, size_t blen)
{
	uint32_t n, more;
	int round, quiet;

	n = flood(fd, type, body, blen, 0);
	quiet = 0;
	for (round = 0; round < 200 && quiet < 5; round++) {
		usleep(50000);
		more = flood(fd, type, body, blen, n);
		quiet = more == 0 ? quiet + 1 : 0;
		n += more;
	}
	CHECK_EQ(quiet, 5);
	return (n);
}

/* Read n replies of type; they come in order, none lost. */
static void
collect(int fd, uint16_t type, uint32_t n, int error)
{
	uint32_t i, bad;

	bad = 0;
	for (i = 0; i < n; i++) {
		REQUIRE(tdx_recv(fd, m) > 0);
		if (m->u.h.type != type || m->u.h.seq != i + 1 ||
		    m->u.h.error != error)
			bad++;
		tdx_close(m);
	}
	CHECK_EQ(bad, 0);
}

int
main(void)
{
	struct gbx_notify_map nm;
	struct tdx_env env;
	uint32_t n, n2;
	int ctl, a, b, g;

	REQUIRE((m = malloc(sizeof(*m))) != NULL);
	ctl = tdx_begin(&env, NULL, 0);

	/* A control client floods PINGs and reads nothing. */
	REQUIRE((a = td_control()) != -1);
	n = flood_until_stopped(a, GBX_CTL_PING, NULL, 0);
	fprintf(stderr, "flooder sent %u PINGs before it was stopped\n", n);
	CHECK(n > GBXD_TEST_MIN_FLOOD);
	/* Others are still served. */
	REQUIRE((b = td_control()) != -1);
	CHECK_EQ(tdx_call(b, GBX_CTL_PING, NULL, 0, NULL, 0, -1, m), 0);
	CHECK_EQ(tdx_call(ctl, GBX_CTL_STATS, NULL, 0, NULL, 0, -1, m), 0);
	/* A grant-device client floods too, at the same time. */
	REQUIRE((g = td_open(0, GBX_KIND_GNTDEV, NULL)) != -1);
	memset(&nm, 0, sizeof(nm));
	nm.map_id = 99;
	n2 = flood_until_stopped(g, GBX_NOTIFY_MAP, &nm, sizeof(nm));
	CHECK(n2 > GBXD_TEST_MIN_FLOOD);
	CHECK_EQ(tdx_call(b, GBX_CTL_PING, NULL, 0, NULL, 0, -1, m), 0);
	collect(a, GBX_CTL_PING, n, 0);
	collect(g, GBX_NOTIFY_MAP, n2, ENOENT);
	/* And the flooders are served again once they read. */
	CHECK_EQ(tdx_call(a, GBX_CTL_PING, NULL, 0, NULL, 0, -1, m), 0);
	close(a);
	close(b);
	close(g);
	free(m);
	return (tdx_end(&env, 0));
}
