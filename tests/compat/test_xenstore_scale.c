/*
 * Compatibility test: a store of 100,000 nodes in gntboxd does not slow
 * a read through Debian's libxenstore.
 *
 * The nodes are built through the daemon (requests pipelined on a raw
 * connection, 64 at a time, so that building them takes a second, not a
 * minute of round trips).  A read's cost is counted, never timed: the
 * engine counts the comparisons its path lookups make, and CONTROL
 * lookup-steps (privileged) reports them, so the steps of one xs_read()
 * are the difference of two reports around it.  A read beside the big
 * directory costs exactly what it cost when the store held 100 nodes;
 * a read inside it stays within the depth of a red-black tree at each
 * level, 2 log2(n + 1): 42 comparisons for 100,000 children, where a
 * list would take tens of thousands.  bench/xenstore_rw measures the time.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xenstore.h>

#include "base/paths.h"
#include "check.h"
#include "harness.h"
#include "xswire.h"

#define N	   100000u
#define SMALL	   100u
#define PIPE_DEPTH 64

/* The depth bound of a red-black tree of n nodes: 2 log2(n + 1). */
static uint64_t
rb_depth(uint64_t n)
{
	uint64_t l;

	for (l = 0; (1ull << l) < n + 1; l++)
		;
	return (2 * l);
}

/* The comparisons the store's path lookups have made so far. */
static uint64_t
lookup_steps(struct xs_handle *h)
{
	unsigned long long v;
	char *r, *end;

	r = xs_control_command(h, "lookup-steps", NULL, 0);
	REQUIRE(r != NULL);
	v = strtoull(r, &end, 10);
	REQUIRE(end != r && *end == '\0');
	free(r);
	return ((uint64_t)v);
}

/* The comparisons one xs_read() of path makes; it must succeed. */
static uint64_t
read_steps(struct xs_handle *h, const char *path)
{
	uint64_t before;
	unsigned len;
	char *v;

	before = lookup_steps(h);
	v = xs_read(h, XBT_NULL, path, &len);
	CHECK(v != NULL);
	free(v);
	return (lookup_steps(h) - before);
}

/*
 * Make /scale/flat/n<first> .. n<last - 1> through connection fd, with
 * up to PIPE_DEPTH writes in flight.
 */
static void
build(int fd, unsigned first, unsigned last)
{
	struct xw_msg m;
	char req[64];
	unsigned sent, done;
	int n;

	for (sent = done = first; done < last;) {
		while (sent < last && sent - done < PIPE_DEPTH) {
			n = snprintf(req, sizeof(req), "/scale/flat/n%u", sent);
			REQUIRE(xw_send(fd, XS_WRITE, sent, 0, req,
				    (size_t)n + 1) == 0);
			sent++;
		}
		REQUIRE(xw_recv(fd, &m, XW_TIMEOUT_MS) == 0);
		REQUIRE(m.h.type == XS_WRITE && m.h.req_id == done);
		done++;
	}
}

int
main(void)
{
	struct gntbox_stats st;
	char path[GBX_PATH_MAX];
	struct xs_handle *h;
	uint64_t beside, inside, bound, steps;
	int fd;

	th_start(NULL);
	th_baseline();
	REQUIRE(gbx_path_xenstore(path, sizeof(path), 0) == 0);
	REQUIRE(setenv("XENSTORED_PATH", path, 1) == 0);
	REQUIRE((h = xs_open(0)) != NULL);
	REQUIRE((fd = xw_connect(0)) != -1);
	/* 100 nodes: what a read costs beside and inside the directory. */
	CHECK(xs_write(h, XBT_NULL, "/scale/small/a", "1", 1));
	build(fd, 0, SMALL);
	beside = read_steps(h, "/scale/small/a");
	inside = read_steps(h, "/scale/flat/n50");
	CHECK(beside > 0);
	/* 100,000. */
	build(fd, SMALL, N);
	th_stats(&st);
	CHECK(st.nodes >= N);
	CHECK_EQ(read_steps(h, "/scale/small/a"), beside);
	/*
	 * Inside: the root (local, scale, tool), /scale (flat, small), then
	 * the N children of /scale/flat, each within its tree's depth.
	 */
	bound = rb_depth(3) + rb_depth(2) + rb_depth(N);
	CHECK(inside <= rb_depth(3) + rb_depth(2) + rb_depth(SMALL));
	CHECK(read_steps(h, "/scale/flat/n50") <= bound);
	CHECK(read_steps(h, "/scale/flat/n99999") <= bound);
	steps = read_steps(h, "/scale/flat/n54321");
	CHECK(steps <= bound);
	printf("steps of a read with %u nodes: %llu beside, %llu inside; "
	       "with %u: %llu beside, %llu inside (bound %llu)\n",
	    SMALL, (unsigned long long)beside, (unsigned long long)inside, N,
	    (unsigned long long)read_steps(h, "/scale/small/a"),
	    (unsigned long long)steps, (unsigned long long)bound);
	/* Removing 100,000 nodes leaves the store as it was. */
	CHECK(xs_rm(h, XBT_NULL, "/scale"));
	close(fd);
	xs_close(h);
	th_check_baseline("100,000 nodes");
	return (th_finish());
}
