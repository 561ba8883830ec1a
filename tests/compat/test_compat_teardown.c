/*
 * Compatibility test: every teardown order of both devices, through
 * libgntbox-preload.so, between a process of domain 1 and one of domain
 * 2, with the unmap notify's byte watched by the other side:
 *
 * gntdev (the mapper in domain 2 tears down; its CLEAR_BYTE notify must
 * reach the sharer's page): munmap then UNMAP_GRANT_REF; UNMAP_GRANT_REF
 * then munmap; close with the mapping alive, then munmap (the mapping
 * keeps the device); exit with everything open; SIGKILL.
 *
 * gntalloc (the sharer in domain 1 tears down; its CLEAR_BYTE notify
 * must reach the mapper's view): munmap then DEALLOC_GREF; DEALLOC_GREF
 * then munmap (libxengnttab's order); close with the mapping alive, then
 * munmap; exit; SIGKILL.  The grant stays (deferred) while the mapper
 * maps it, and goes when it unmaps.
 *
 * After each, gntboxd's levels are back at the baseline.
 */
#include <sys/mman.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xen/grant_table.h>
#include <xen/gntalloc.h>
#include <xen/gntdev.h>

#include "check.h"
#include "compat.h"
#include "harness.h"

#define PG   4096
#define RW   (PROT_READ | PROT_WRITE)
#define BYTE 100

enum order {
	MUNMAP_FIRST,
	IOCTL_FIRST,
	CLOSE_FIRST,
	EXIT,
	KILL,
	NORDERS
};

static const char *const order_names[] = { "munmap first", "ioctl first",
	"close first", "exit", "SIGKILL" };

/* ------------------------------------------------------------------ */
/* gntdev: the mapper tears down.                                        */

/* Shares a page, then watches the mapper's notify byte. */
static int
gnt_sharer(struct th_chan *ch)
{
	uint64_t index;
	uint32_t ref;
	uint8_t *p;
	int fd;

	REQUIRE((fd = open("/dev/xen/gntalloc", O_RDWR)) >= 0);
	index = tc_alloc(fd, 2, 1, true, &ref);
	p = tc_mmap(fd, index, 1, RW);
	th_send(ch, 1, &ref, sizeof(ref));
	/* The mapper set the byte; its teardown clears it. */
	(void)th_recv_u64(ch, 1);
	CHECK_EQ(p[BYTE], 1);
	th_send_u64(ch, 1, 1);
	th_send_u64(ch, 1, tc_wait_byte(p + BYTE, 0));
	(void)th_recv_u64(ch, 1);
	CHECK_EQ(tc_dealloc(fd, index, 1), 0);
	CHECK_EQ(munmap(p, PG), 0);
	CHECK_EQ(close(fd), 0);
	return (0);
}

static int
gnt_mapper(struct th_chan *ch)
{
	uint64_t index;
	enum order o;
	uint32_t ref;
	uint8_t *p;
	int fd;

	o = (enum order)th_recv_u64(ch, 1);
	th_recv(ch, 1, &ref, sizeof(ref));
	REQUIRE((fd = open("/dev/xen/gntdev", O_RDWR | O_CLOEXEC)) >= 0);
	index = tc_map_refs(fd, 1, 1, &ref);
	p = tc_mmap(fd, index, 1, RW);
	REQUIRE(tc_notify(fd, index + BYTE, UNMAP_NOTIFY_CLEAR_BYTE, 0) == 0);
	p[BYTE] = 1;
	th_send_u64(ch, 1, 1);
	(void)th_recv_u64(ch, 1); /* go, or SIGKILL */
	switch (o) {
	case MUNMAP_FIRST:
		CHECK_EQ(munmap(p, PG), 0);
		CHECK_EQ(tc_unmap_refs(fd, index, 1), 0);
		CHECK_EQ(close(fd), 0);
		break;
	case IOCTL_FIRST:
		CHECK_EQ(tc_unmap_refs(fd, index, 1), 0);
		CHECK_EQ(p[BYTE], 1); /* still mapped */
		CHECK_EQ(munmap(p, PG), 0);
		CHECK_EQ(close(fd), 0);
		break;
	case CLOSE_FIRST:
		CHECK_EQ(close(fd), 0);
		usleep(50000);
		CHECK_EQ(p[BYTE], 1); /* the mapping keeps the device */
		CHECK_EQ(munmap(p, PG), 0);
		break;
	default:
		break;
	}
	return (0);
}

static void
test_gntdev(enum order o)
{
	struct tc_proc s, m;
	uint32_t ref;

	tc_run(&s, 1, "gnt_sharer");
	tc_run(&m, 2, "gnt_mapper");
	th_send_u64(&m.ch, 0, o);
	th_recv(&s.ch, 0, &ref, sizeof(ref));
	th_send(&m.ch, 0, &ref, sizeof(ref));
	(void)th_recv_u64(&m.ch, 0);
	th_send_u64(&s.ch, 0, 1);
	(void)th_recv_u64(&s.ch, 0);
	if (o == KILL)
		CHECK_EQ(tc_kill(&m), 128 + 9);
	else
		th_send_u64(&m.ch, 0, 1);
	CHECK_EQ(th_recv_u64(&s.ch, 0), 1);
	if (o != KILL)
		CHECK_EQ(tc_wait(&m), 0);
	th_send_u64(&s.ch, 0, 1);
	CHECK_EQ(tc_wait(&s), 0);
	if (!th_check_baseline(order_names[o]))
		(void)fprintf(stderr, "gntdev teardown: %s\n", order_names[o]);
}

/* ------------------------------------------------------------------ */
/* gntalloc: the sharer tears down.                                      */

static int
alloc_sharer(struct th_chan *ch)
{
	uint64_t index;
	enum order o;
	uint32_t ref;
	uint8_t *p;
	int fd;

	o = (enum order)th_recv_u64(ch, 1);
	REQUIRE((fd = open("/dev/xen/gntalloc", O_RDWR)) >= 0);
	index = tc_alloc(fd, 2, 1, true, &ref);
	p = tc_mmap(fd, index, 1, RW);
	REQUIRE(tc_notify(fd, index + BYTE, UNMAP_NOTIFY_CLEAR_BYTE, 0) == 0);
	p[BYTE] = 1;
	th_send(ch, 1, &ref, sizeof(ref));
	(void)th_recv_u64(ch, 1); /* the mapper maps it */
	switch (o) {
	case MUNMAP_FIRST:
		CHECK_EQ(munmap(p, PG), 0);
		usleep(50000);
		th_send_u64(ch, 1, 1);
		CHECK_EQ(tc_dealloc(fd, index, 1), 0);
		CHECK_EQ(close(fd), 0);
		break;
	case IOCTL_FIRST:
		CHECK_EQ(tc_dealloc(fd, index, 1), 0);
		usleep(50000);
		CHECK_EQ(p[BYTE], 1); /* mapped: not released yet */
		th_send_u64(ch, 1, 1);
		CHECK_EQ(munmap(p, PG), 0);
		CHECK_EQ(close(fd), 0);
		break;
	case CLOSE_FIRST:
		CHECK_EQ(close(fd), 0);
		usleep(50000);
		CHECK_EQ(p[BYTE], 1);
		th_send_u64(ch, 1, 1);
		CHECK_EQ(munmap(p, PG), 0);
		break;
	case EXIT:
		break;
	default:
		(void)th_recv_u64(ch, 1); /* until killed */
		break;
	}
	return (0);
}

/*
 * Maps the page and watches the sharer's byte.  Before the sharer's last
 * step the byte must still be set: it is only cleared on release.
 */
static int
alloc_mapper(struct th_chan *ch)
{
	uint64_t index;
	uint32_t ref;
	uint8_t *p;
	int fd;

	th_recv(ch, 1, &ref, sizeof(ref));
	REQUIRE((fd = open("/dev/xen/gntdev", O_RDWR | O_CLOEXEC)) >= 0);
	index = tc_map_refs(fd, 1, 1, &ref);
	p = tc_mmap(fd, index, 1, RW);
	CHECK_EQ(p[BYTE], 1);
	th_send_u64(ch, 1, 1);
	th_send_u64(ch, 1, tc_wait_byte(p + BYTE, 0));
	(void)th_recv_u64(ch, 1);
	CHECK_EQ(munmap(p, PG), 0);
	CHECK_EQ(tc_unmap_refs(fd, index, 1), 0);
	CHECK_EQ(close(fd), 0);
	return (0);
}

static void
test_gntalloc(enum order o)
{
	struct tc_proc s, m;
	struct gntbox_stats st;
	uint32_t ref;

	tc_run(&s, 1, "alloc_sharer");
	tc_run(&m, 2, "alloc_mapper");
	th_send_u64(&s.ch, 0, o);
	th_recv(&s.ch, 0, &ref, sizeof(ref));
	th_send(&m.ch, 0, &ref, sizeof(ref));
	(void)th_recv_u64(&m.ch, 0);
	th_send_u64(&s.ch, 0, 1);
	if (o == KILL)
		CHECK_EQ(tc_kill(&s), 128 + 9);
	else if (o != EXIT)
		(void)th_recv_u64(&s.ch, 0); /* before its last step */
	CHECK_EQ(th_recv_u64(&m.ch, 0), 1);
	if (o != KILL)
		CHECK_EQ(tc_wait(&s), 0);
	/* Released but mapped by domain 2: deferred, still granted. */
	th_stats(&st);
	CHECK_EQ(st.deferred, 1);
	th_send_u64(&m.ch, 0, 1);
	CHECK_EQ(tc_wait(&m), 0);
	if (!th_check_baseline(order_names[o]))
		(void)fprintf(stderr, "gntalloc teardown: %s\n",
		    order_names[o]);
}

static const struct tc_role roles[] = {
	{ "gnt_sharer", gnt_sharer },
	{ "gnt_mapper", gnt_mapper },
	{ "alloc_sharer", alloc_sharer },
	{ "alloc_mapper", alloc_mapper },
	{ NULL, NULL },
};

int
main(int argc, char **argv)
{
	int o;

	tc_main(argc, argv, roles);
	th_start(NULL);
	th_domain(1);
	th_domain(2);
	th_baseline();
	for (o = 0; o < NORDERS; o++)
		test_gntdev((enum order)o);
	for (o = 0; o < NORDERS; o++)
		test_gntalloc((enum order)o);
	return (th_finish());
}
