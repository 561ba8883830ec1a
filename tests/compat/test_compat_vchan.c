/*
 * Compatibility test: Debian's unmodified libxenvchan (libxenmisc4.17),
 * on libxengnttab, libxenevtchn and libxenstore, between a server in
 * domain 1 and a client in domain 2, through libgntbox-preload.so and
 * gntboxd's xenstore.
 *
 * - rings inside the shared page and rings of their own pages (the
 *   client maps the server's data pages read-only on one side), data
 *   both ways, a clean close by the client detected by the server;
 * - a SIGKILLed client, detected by the server through the notify that
 *   clears cli_live and signals its port;
 * - a SIGKILLed server, detected by the client the same way (srv_live);
 *   its xenstore nodes stay, as on Xen, until removed with libxenstore.
 *
 * libxenvchan_close munmaps the data pages with a plain munmap(2) and
 * the server unshares its ring page the same way: both must release
 * everything, and the xenstore nodes go too (the baseline).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <libxenvchan.h>
#include <xenstore.h>

#include "check.h"
#include "compat.h"
#include "harness.h"

#define PATH  "/local/domain/1/data/vchan"
#define BULK  20000
#define CLEAN 0
#define KILL  1

/* Exactly len bytes, however the stream cuts them. */
static int
read_all(struct libxenvchan *v, uint8_t *buf, size_t len)
{
	size_t got;
	int r;

	for (got = 0; got < len; got += (size_t)r)
		if ((r = libxenvchan_read(v, buf + got, len - got)) <= 0)
			return (0);
	return (1);
}

static int
write_all(struct libxenvchan *v, const uint8_t *buf, size_t len)
{
	size_t put;
	int r;

	for (put = 0; put < len; put += (size_t)r)
		if ((r = libxenvchan_write(v, buf + put, len - put)) <= 0)
			return (0);
	return (1);
}

/* Wait, through the event channel, for the peer to be gone. */
static void
wait_closed(struct libxenvchan *v)
{

	while (libxenvchan_is_open(v) != 0)
		if (libxenvchan_wait(v) == -1)
			break;
}

/* One exchange each way, and a bulk one when the rings are large. */
static void
exchange(struct libxenvchan *v, int server, size_t ring)
{
	uint8_t *bulk;
	char word[5];
	size_t i;

	memset(word, 0, sizeof(word));
	if (server) {
		CHECK_EQ(libxenvchan_recv(v, word, 4), 4);
		CHECK(strcmp(word, "ping") == 0);
		CHECK_EQ(libxenvchan_send(v, "pong", 4), 4);
	} else {
		CHECK_EQ(libxenvchan_send(v, "ping", 4), 4);
		CHECK_EQ(libxenvchan_recv(v, word, 4), 4);
		CHECK(strcmp(word, "pong") == 0);
	}
	if (ring == 0)
		return;
	REQUIRE((bulk = malloc(BULK)) != NULL);
	for (i = 0; i < BULK; i++)
		bulk[i] = (uint8_t)(i * 7 + (server ? 1 : 2));
	if (server) {
		CHECK(write_all(v, bulk, BULK));
		CHECK(read_all(v, bulk, BULK));
		for (i = 0; i < BULK && bulk[i] == (uint8_t)(i * 7 + 2); i++)
			;
	} else {
		CHECK(read_all(v, bulk, BULK));
		for (i = 0; i < BULK && bulk[i] == (uint8_t)(i * 7 + 1); i++)
			;
		CHECK_EQ(i, BULK);
		for (i = 0; i < BULK; i++)
			bulk[i] = (uint8_t)(i * 7 + 2);
		CHECK(write_all(v, bulk, BULK));
		i = BULK;
	}
	CHECK_EQ(i, BULK);
	free(bulk);
}

static int
server(struct th_chan *ch)
{
	struct libxenvchan *v;
	uint64_t ring, how;

	ring = th_recv_u64(ch, 1);
	how = th_recv_u64(ch, 1);
	REQUIRE(
	    (v = libxenvchan_server_init(NULL, 2, PATH, ring, ring)) != NULL);
	v->blocking = 1;
	th_send_u64(ch, 1, 1);
	exchange(v, 1, ring);
	th_send_u64(ch, 1, 2);
	if (how == KILL) {
		(void)th_recv_u64(ch, 1); /* the server is the victim */
		return (0);
	}
	wait_closed(v);
	CHECK_EQ(libxenvchan_is_open(v), 0);
	libxenvchan_close(v);
	th_send_u64(ch, 1, 3);
	return (0);
}

static int
client(struct th_chan *ch)
{
	struct libxenvchan *v;
	uint64_t ring, how;

	ring = th_recv_u64(ch, 1);
	how = th_recv_u64(ch, 1);
	REQUIRE((v = libxenvchan_client_init(NULL, 1, PATH)) != NULL);
	v->blocking = 1;
	CHECK_EQ(libxenvchan_is_open(v), 1);
	exchange(v, 0, ring);
	th_send_u64(ch, 1, 2);
	if (how == KILL) {
		/* Either we are killed, or the server is and we see it. */
		if (th_recv_u64(ch, 1) == 0)
			return (0);
		wait_closed(v);
		CHECK_EQ(libxenvchan_is_open(v), 0);
	}
	libxenvchan_close(v);
	return (0);
}

/*
 * A killed server leaves its xenstore nodes, as on Xen; whoever manages
 * the domain removes them (here a process of domain 1, which owns them).
 */
static int
xs_cleanup(struct th_chan *ch)
{
	struct xs_handle *xs;

	(void)ch;
	REQUIRE((xs = xs_open(0)) != NULL);
	CHECK(xs_rm(xs, XBT_NULL, PATH));
	xs_close(xs);
	return (0);
}

/*
 * ring: the rings' minimum size (0: inside the shared page); victim:
 * nobody, the client or the server.
 */
static void
test_vchan(uint64_t ring, int victim, const char *what)
{
	struct tc_proc s, c;

	tc_run(&s, 1, "server");
	th_send_u64(&s.ch, 0, ring);
	th_send_u64(&s.ch, 0, victim == 2 ? KILL : CLEAN);
	CHECK_EQ(th_recv_u64(&s.ch, 0), 1);
	tc_run(&c, 2, "client");
	th_send_u64(&c.ch, 0, ring);
	th_send_u64(&c.ch, 0, victim != 0 ? KILL : CLEAN);
	CHECK_EQ(th_recv_u64(&s.ch, 0), 2);
	CHECK_EQ(th_recv_u64(&c.ch, 0), 2);
	if (victim == 1) {
		CHECK_EQ(tc_kill(&c), 128 + 9);
	} else if (victim == 2) {
		CHECK_EQ(tc_kill(&s), 128 + 9);
		th_send_u64(&c.ch, 0, 1);
		CHECK_EQ(tc_wait(&c), 0);
	} else
		CHECK_EQ(tc_wait(&c), 0);
	if (victim != 2) {
		CHECK_EQ(th_recv_u64(&s.ch, 0), 3);
		CHECK_EQ(tc_wait(&s), 0);
	} else {
		tc_run(&s, 1, "xs_cleanup");
		CHECK_EQ(tc_wait(&s), 0);
	}
	th_check_baseline(what);
}

static const struct tc_role roles[] = {
	{ "server", server },
	{ "client", client },
	{ "xs_cleanup", xs_cleanup },
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
	test_vchan(0, 0, "in-page rings, a clean close");
	test_vchan(8192, 0, "rings of their own pages, a clean close");
	test_vchan(0, 1, "the client killed");
	test_vchan(8192, 2, "the server killed");
	return (th_finish());
}
