/*
 * Destroying a domain ends its processes, and no page they could reach is
 * granted again (issue 11, defect 5; docs/security.md, "Destroy").
 * Before, destroy dropped the domain's pins and let its processes run on
 * with their mappings: the page went back to its arena's allocator and
 * was granted to the domain created again with the same id, so the old
 * process read the new domain's data and its writes reached the sharer
 * (the XSA-396 rule broken).
 *
 * - Kill: every process with a connection to domain 2 (a mapper, one with
 *   only a xenstore connection) is killed and listed; one that also has a
 *   connection to domain 0 (a toolstack) is not, and neither is the one
 *   that asks.
 * - Retire: a process the kill did not reach (here the test itself, which
 *   holds the control socket while it asks) keeps its mapping of a page
 *   domain 1 had granted to domain 2.  Domain 1 ends that grant, domain 2
 *   is created again and domain 1 grants it a new page: the old mapping
 *   neither sees the new page's data nor writes into it, and the new
 *   page comes from another arena (its frame differs).
 */
#include <sys/mman.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "harness.h"
#include "lib/ctl.h"
#include "xswire.h"

struct kid {
	struct th_chan ch;
	uint32_t ref; /* the grant of domain 1 to map, 0: none */
	int also_dom0;
};

/* A process of domain 2: maps kid->ref and/or sits on a connection. */
static int
kid_main(void *arg)
{
	struct kid *k = arg;
	gntbox_t *h, *h0;
	char *p;
	int xs;

	h = th_open(-1);
	xs = xw_connect(2);
	CHECK(xs != -1);
	h0 = k->also_dom0 ? th_open(0) : NULL;
	p = k->ref != 0 ? th_map(h, 1, 1, &k->ref, PROT_READ, NULL) : NULL;
	CHECK(p == NULL || strcmp(p, "for domain 2") == 0);
	th_send_u64(&k->ch, 1, 1); /* ready */
	if (!k->also_dom0) {
		for (;;)
			pause(); /* until the destroy kills us */
	}
	/* Spared: our domain-2 connections were closed under us. */
	(void)th_recv_u64(&k->ch, 1);
	CHECK(xw_call(xs, XS_READ, "domid", 6, NULL) != 0);
	close(xs);
	(void)gntbox_close(h);
	(void)gntbox_close(h0);
	return (0);
}

/* The records of a destroy of domain domid. */
static uint32_t
destroy(unsigned domid, struct gbx_proc_rec **recs)
{
	struct gbx_conn *c;
	uint32_t n;

	REQUIRE(gbx_ctl_open(&c) == 0);
	REQUIRE(gbx_ctl_domain_destroy_list(c, domid, recs, &n) == 0);
	gbx_conn_close(c);
	return (n);
}

static const struct gbx_proc_rec *
find_pid(const struct gbx_proc_rec *recs, uint32_t n, pid_t pid)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		if (recs[i].pid == (uint32_t)pid)
			return (&recs[i]);
	return (NULL);
}

static void
test_kill(void)
{
	struct kid mapper, idle, spared;
	const struct gbx_proc_rec *r;
	struct gbx_proc_rec *recs;
	pid_t pm, pi, ps;
	gntbox_t *h1;
	uint64_t off;
	uint32_t ref, n;
	char *p;

	h1 = th_open(1);
	off = th_share(h1, 2, 1, GNTBOX_SHARE_WRITABLE, &ref);
	REQUIRE((p = gntbox_mmap(h1, off, 1, PROT_READ | PROT_WRITE, NULL)) !=
	    NULL);
	strcpy(p, "for domain 2");
	memset(&mapper, 0, sizeof(mapper));
	mapper.ref = ref;
	idle = spared = mapper;
	idle.ref = 0;
	spared.also_dom0 = 1;
	th_chan_open(&mapper.ch);
	th_chan_open(&idle.ch);
	th_chan_open(&spared.ch);
	pm = th_spawn(2, kid_main, &mapper);
	pi = th_spawn(2, kid_main, &idle);
	ps = th_spawn(2, kid_main, &spared);
	CHECK_EQ(th_recv_u64(&mapper.ch, 0), 1);
	CHECK_EQ(th_recv_u64(&idle.ch, 0), 1);
	CHECK_EQ(th_recv_u64(&spared.ch, 0), 1);

	n = destroy(2, &recs);
	CHECK_EQ(n, 2);
	CHECK((r = find_pid(recs, n, pm)) != NULL && r->error == 0 &&
	    r->domid == 2 && r->uid == getuid());
	CHECK((r = find_pid(recs, n, pi)) != NULL && r->error == 0);
	CHECK(find_pid(recs, n, ps) == NULL);
	CHECK(find_pid(recs, n, getpid()) == NULL);
	free(recs);
	CHECK_EQ(th_wait(pm), -SIGKILL);
	CHECK_EQ(th_wait(pi), -SIGKILL);
	th_send_u64(&spared.ch, 0, 1);
	CHECK_EQ(th_wait(ps), 0);
	th_chan_close(&mapper.ch);
	th_chan_close(&idle.ch);
	th_chan_close(&spared.ch);
	CHECK_ERR(gntbox_munmap(h1, p, 1), 0);
	CHECK_ERR(gntbox_unshare(h1, off, 1), 0);
	CHECK_ERR(gntbox_close(h1), 0);
	th_domain(2);
}

/* The frame of grant ref of domain 1. */
static uint32_t
frame_of(uint32_t ref)
{
	struct gbx_grant_rec *recs;
	struct gbx_conn *c;
	uint32_t i, n, frame;

	REQUIRE(gbx_ctl_open(&c) == 0);
	REQUIRE(gbx_ctl_grants(c, 1, &recs, &n) == 0);
	gbx_conn_close(c);
	frame = 0;
	for (i = 0; i < n; i++)
		if (recs[i].ref == ref)
			frame = recs[i].frame;
	free(recs);
	return (frame);
}

static void
test_retire(void)
{
	struct gbx_proc_rec *recs;
	uint32_t ref, ref2, frame;
	uint64_t off, off2;
	gntbox_t *h1, *h2;
	char *p1, *p2, *old;

	h1 = th_open(1);
	off = th_share(h1, 2, 1, GNTBOX_SHARE_WRITABLE, &ref);
	REQUIRE((p1 = gntbox_mmap(h1, off, 1, PROT_READ | PROT_WRITE, NULL)) !=
	    NULL);
	strcpy(p1, "old");
	frame = frame_of(ref);
	/* A process of domain 2 the kill will not reach: this one. */
	h2 = th_open(2);
	old = th_map(h2, 1, 1, &ref, PROT_READ | PROT_WRITE, NULL);
	CHECK(strcmp(old, "old") == 0);
	(void)destroy(2, &recs);
	free(recs);
	/* Domain 1 ends its grant; domain 2 comes back and gets a page. */
	CHECK_ERR(gntbox_munmap(h1, p1, 1), 0);
	CHECK_ERR(gntbox_unshare(h1, off, 1), 0);
	th_domain(2);
	off2 = th_share(h1, 2, 1, GNTBOX_SHARE_WRITABLE, &ref2);
	REQUIRE((p2 = gntbox_mmap(h1, off2, 1, PROT_READ | PROT_WRITE, NULL)) !=
	    NULL);
	strcpy(p2, "secret of the new domain 2");
	/* The old mapping reaches neither its data nor the sharer. */
	CHECK(strcmp(old, "secret of the new domain 2") != 0);
	strcpy(old, "written by the old domain 2");
	CHECK(strcmp(p2, "secret of the new domain 2") == 0);
	CHECK(frame_of(ref2) != frame);
	CHECK_ERR(gntbox_munmap(h1, p2, 1), 0);
	CHECK_ERR(gntbox_unshare(h1, off2, 1), 0);
	CHECK_ERR(gntbox_close(h1), 0);
	(void)gntbox_munmap(h2, old, 1);
	(void)gntbox_close(h2);
}

int
main(void)
{

	th_start(NULL);
	th_domain(1);
	th_domain(2);
	th_baseline();
	test_kill();
	th_check_baseline("destroy kills");
	test_retire();
	th_check_baseline("destroy retires");
	return (th_finish());
}
