/*
 * Integration test: the control client (src/lib/ctl.h and the public
 * administration functions) against a real gntboxd.
 *
 * - Without a gntboxd every call is ENOENT.
 * - Ping names the daemon's pid; stats count domains and connections.
 * - Domains: create (names, EEXIST, exist_ok, bad names and ids),
 *   destroy (ESRCH, EPERM for domain 0), and the list.
 * - The grant dump shows who shares and who maps, with their pins and
 *   flags, for one domain and for all; the port dump of a domain; ESRCH
 *   for a domain that does not exist.
 * - Shutdown: gntboxd answers, then exits with status 0.
 */
#include <sys/mman.h>

#include <stdint.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xen/grant_table.h>

#include "base/paths.h"
#include "check.h"
#include "harness.h"
#include "lib/ctl.h"

#define RW (PROT_READ | PROT_WRITE)

static struct gbx_conn *
ctl(void)
{
	struct gbx_conn *c;

	REQUIRE(gbx_ctl_open(&c) == 0);
	return (c);
}

/* The pid gntboxd wrote in its pid file. */
static long
daemon_pid(void)
{
	char path[GBX_PATH_MAX];
	long pid;
	FILE *f;

	REQUIRE(gbx_path_file(path, sizeof(path), "gntboxd.pid") == 0);
	REQUIRE((f = fopen(path, "r")) != NULL);
	REQUIRE(fscanf(f, "%ld", &pid) == 1);
	(void)fclose(f);
	return (pid);
}

static void
test_no_daemon(void)
{
	struct gntbox_stats st;
	struct gbx_conn *c;

	CHECK_ERR(gntbox_get_stats(&st), ENOENT);
	CHECK_ERR(gntbox_domain_create(1, NULL, 1), ENOENT);
	CHECK_ERR(gntbox_domain_destroy(1), ENOENT);
	CHECK_ERR(gbx_ctl_open(&c), ENOENT);
	CHECK(gntbox_open(1) == NULL && errno == ENOENT);
}

static void
test_ping_stats(void)
{
	struct gbx_hello_reply r;
	struct gntbox_stats st;
	struct gbx_conn *c;

	c = ctl();
	CHECK_ERR(gbx_ctl_ping(c, &r), 0);
	CHECK_EQ(r.version, GBX_PROTO_VERSION);
	CHECK_EQ(r.daemon_pid, daemon_pid());
	CHECK_EQ(r.count_max, GBX_COUNT_MAX);
	gbx_conn_close(c);
	th_stats(&st);
	CHECK_EQ(st.domains, 3); /* 0, 1 and 2 */
	CHECK(st.connections >= 1);
	CHECK_ERR(gntbox_get_stats(NULL), EINVAL);
}

/* The list's record of domid, copied into *out; false when absent. */
static bool
find_domain(unsigned domid, struct gbx_domain_rec *out)
{
	struct gbx_domain_rec *recs;
	struct gbx_conn *c;
	uint32_t n, i;
	bool found;

	c = ctl();
	REQUIRE(gbx_ctl_domains(c, &recs, &n) == 0);
	gbx_conn_close(c);
	found = false;
	for (i = 0; i < n; i++)
		if (recs[i].domid == domid) {
			*out = recs[i];
			found = true;
		}
	free(recs);
	return (found);
}

static void
test_domains(void)
{
	struct gbx_domain_rec d;
	struct gbx_conn *c;

	memset(&d, 0, sizeof(d));
	CHECK(find_domain(0, &d));
	CHECK(strcmp(d.name, "Domain-0") == 0);
	CHECK((d.flags & GBX_DOM_PRIVILEGED) != 0);
	CHECK(find_domain(1, &d));
	CHECK(strcmp(d.name, "domain-1") == 0);
	CHECK((d.flags & GBX_DOM_PRIVILEGED) == 0);
	CHECK(!find_domain(3, &d));

	CHECK_ERR(gntbox_domain_create(3, "web-1.test", 0), 0);
	CHECK(find_domain(3, &d));
	CHECK(strcmp(d.name, "web-1.test") == 0);
	CHECK_ERR(gntbox_domain_create(3, NULL, 0), EEXIST);
	CHECK_ERR(gntbox_domain_create(3, NULL, 1), 0);
	CHECK_ERR(gntbox_domain_create(4, "bad name", 0), EINVAL);
	CHECK_ERR(gntbox_domain_create(4, "x/y", 0), EINVAL);
	CHECK_ERR(gntbox_domain_create(0x7ff0, NULL, 0), EINVAL);
	CHECK_ERR(gntbox_domain_create(-1, NULL, 0), EINVAL);
	c = ctl();
	CHECK_ERR(gbx_ctl_domain_create(c, 4,
		      "a-name-that-is-much-too-long-for-the-sixty-four-bytes-"
		      "of-room-it-has",
		      false),
	    EINVAL);
	CHECK_ERR(gbx_ctl_domain_destroy(c, 0x7ff0), EINVAL);
	gbx_conn_close(c);
	CHECK_ERR(gntbox_domain_destroy(3), 0);
	CHECK(!find_domain(3, &d));
	CHECK_ERR(gntbox_domain_destroy(3), ESRCH);
	CHECK_ERR(gntbox_domain_destroy(0), EPERM);
}

static int
dump_mapper(void *arg)
{
	struct th_chan *ch;
	uint32_t ref;
	gntbox_t *h;
	char *p;

	ch = arg;
	ref = (uint32_t)th_recv_u64(ch, 1);
	h = th_open(-1);
	p = th_map(h, 1, 1, &ref, RW, NULL);
	p[0] = 1;
	th_send_u64(ch, 1, 1);
	(void)th_recv_u64(ch, 1);
	CHECK_ERR(gntbox_close(h), 0);
	return (0);
}

/* The dump's record of (dom, ref), copied into *out. */
static bool
find_grant(unsigned which, unsigned dom, uint32_t ref,
    struct gbx_grant_rec *out)
{
	struct gbx_grant_rec *recs;
	struct gbx_conn *c;
	uint32_t n, i;
	bool found;

	c = ctl();
	REQUIRE(gbx_ctl_grants(c, which, &recs, &n) == 0);
	gbx_conn_close(c);
	found = false;
	for (i = 0; i < n; i++)
		if (recs[i].domid == dom && recs[i].ref == ref) {
			*out = recs[i];
			found = true;
		}
	free(recs);
	return (found);
}

static void
test_dumps(void)
{
	struct gbx_grant_rec g;
	struct gbx_port_rec *ports;
	struct gbx_grant_rec *none;
	struct gbx_conn *c;
	struct th_chan ch;
	uint32_t ref, n;
	gntbox_t *h;
	pid_t pid;

	memset(&g, 0, sizeof(g));
	th_chan_open(&ch);
	pid = th_spawn(2, dump_mapper, &ch);
	h = th_open(1);
	(void)th_share(h, 2, 1, GNTBOX_SHARE_WRITABLE, &ref);
	th_send_u64(&ch, 0, ref);
	(void)th_recv_u64(&ch, 0);
	CHECK(find_grant(1, 1, ref, &g));
	CHECK_EQ(g.grantee, 2);
	CHECK_EQ(g.flags & (GTF_type_mask | GTF_readonly), GTF_permit_access);
	CHECK((g.flags & (GTF_reading | GTF_writing)) ==
	    (GTF_reading | GTF_writing));
	CHECK_EQ(g.pin_w, 1);
	CHECK_EQ(g.pin_r, 0);
	CHECK_EQ(g.owner_pid, getpid());
	CHECK_EQ(g.nmappers, 1);
	CHECK_EQ(g.mapper_pid[0], pid);
	CHECK(find_grant(GBX_ALL_DOMAINS, 1, ref, &g));
	CHECK(!find_grant(2, 1, ref, &g));
	c = ctl();
	CHECK_ERR(gbx_ctl_grants(c, 9, &none, &n), ESRCH);
	CHECK_ERR(gbx_ctl_ports(c, 1, &ports, &n), 0);
	free(ports);
	CHECK_ERR(gbx_ctl_ports(c, 9, &ports, &n), ESRCH);
	gbx_conn_close(c);
	th_send_u64(&ch, 0, 1);
	CHECK_EQ(th_wait(pid), 0);
	CHECK_ERR(gntbox_close(h), 0);
	th_chan_close(&ch);
}

static void
test_shutdown(void)
{
	struct gntbox_stats st;
	struct gbx_conn *c;
	unsigned i;

	c = ctl();
	CHECK_ERR(gbx_ctl_shutdown(c), 0);
	gbx_conn_close(c);
	for (i = 0; i < 500 && gntbox_get_stats(&st) == 0; i++)
		(void)usleep(10000);
	CHECK_ERR(gntbox_get_stats(&st), ENOENT);
}

int
main(void)
{

	test_no_daemon();
	th_start(NULL);
	th_domain(1);
	th_domain(2);
	th_baseline();
	test_ping_stats();
	th_check_baseline("ping and stats");
	test_domains();
	th_check_baseline("domains");
	test_dumps();
	th_check_baseline("dumps");
	test_shutdown();
	return (th_finish());
}
