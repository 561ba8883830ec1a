/*
 * Integration test: the port records of CTL_PORTS (what `gntbox ports`
 * prints), and a helper for the command-line test.
 *
 * Run without arguments, it is a test: with ports unbound, interdomain
 * and bound to a virq, each record says the state, the remote end, the
 * owning process and the notifies waiting on it; a domain's dump holds
 * only that domain's ports; the domain list and the stats count them.
 *
 * Run as `test_evtchn_ports hold` against a gntboxd whose domains 1 and
 * 2 exist, it binds the ports of hold_ports() below, prints "ready PID"
 * and keeps them until its standard input ends (tests/cli/test_ports.sh).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/ctl.h"
#include "client/evtchn_handle.h"
#include "test_evtchn.h"

#include <xen/xen.h>

struct held {
	gntbox_evtchn_t *a, *b;
	int unbound; /* domain 1's port waiting for domain 2 */
	int a_inter; /* domain 1's end of the channel */
	int b_inter; /* domain 2's end */
};

/*
 * Domain 1: port 1 unbound for domain 2, port 2 connected to domain 2's
 * port 1 (on a fresh gntboxd).
 */
static void
hold_ports(struct held *hd)
{

	hd->a = te_open(1);
	hd->b = te_open(2);
	hd->unbound = gntbox_evtchn_bind_unbound(hd->a, 2);
	REQUIRE(hd->unbound > 0);
	hd->a_inter = gntbox_evtchn_bind_unbound(hd->a, 2);
	REQUIRE(hd->a_inter > 0);
	hd->b_inter =
	    gntbox_evtchn_bind_interdomain(hd->b, 1, (uint32_t)hd->a_inter);
	REQUIRE(hd->b_inter > 0);
}

static void
hold_release(struct held *hd)
{

	CHECK_ERR(gntbox_evtchn_close(hd->a), 0);
	CHECK_ERR(gntbox_evtchn_close(hd->b), 0);
}

/* The helper of the command-line test. */
static int
hold(void)
{
	struct held hd;
	char line[16];

	hold_ports(&hd);
	printf("ready %d %d %d %d\n", (int)getpid(), hd.unbound, hd.a_inter,
	    hd.b_inter);
	(void)fflush(stdout);
	while (fgets(line, sizeof(line), stdin) != NULL)
		;
	hold_release(&hd);
	return (check_exit());
}

static uint32_t
dump(unsigned domid, struct gbx_port_rec **recs)
{
	struct gbx_conn *c;
	uint32_t n;

	REQUIRE(gbx_ctl_open(&c) == 0);
	REQUIRE(gbx_ctl_ports(c, domid, recs, &n) == 0);
	gbx_conn_close(c);
	return (n);
}

static void
test_records(void)
{
	struct gbx_domain_rec *doms;
	struct gbx_port_rec *r;
	struct gntbox_stats st;
	struct gbx_conn *c;
	struct held hd;
	gntbox_evtchn_t *d0;
	uint32_t n, i, virq;

	hold_ports(&hd);
	d0 = te_open(0);
	REQUIRE(gbx_evtchn_bind_virq(d0, VIRQ_DOM_EXC, &virq) == 0);
	REQUIRE(virq > 0);
	n = dump(GBX_ALL_DOMAINS, &r);
	REQUIRE(n == 4);
	/* Domain then port order. */
	CHECK_EQ(r[0].domid, 0);
	CHECK_EQ(r[0].port, virq);
	CHECK_EQ(r[0].state, GBX_PORT_VIRQ);
	CHECK_EQ(r[0].virq, VIRQ_DOM_EXC);
	CHECK_EQ(r[1].domid, 1);
	CHECK_EQ(r[1].port, hd.unbound);
	CHECK_EQ(r[1].state, GBX_PORT_UNBOUND);
	CHECK_EQ(r[1].remote_dom, 2);
	CHECK_EQ(r[2].domid, 1);
	CHECK_EQ(r[2].port, hd.a_inter);
	CHECK_EQ(r[2].state, GBX_PORT_INTERDOMAIN);
	CHECK_EQ(r[2].remote_dom, 2);
	CHECK_EQ(r[2].remote_port, hd.b_inter);
	CHECK_EQ(r[3].domid, 2);
	CHECK_EQ(r[3].port, hd.b_inter);
	CHECK_EQ(r[3].state, GBX_PORT_INTERDOMAIN);
	CHECK_EQ(r[3].remote_dom, 1);
	CHECK_EQ(r[3].remote_port, hd.a_inter);
	for (i = 0; i < n; i++) {
		CHECK_EQ(r[i].owner_pid, getpid());
		CHECK_EQ(r[i].notify_refs, 0);
	}
	free(r);
	n = dump(2, &r);
	CHECK_EQ(n, 1);
	CHECK_EQ(r[0].port, hd.b_inter);
	free(r);
	th_stats(&st);
	CHECK_U64(st.ports, 4);
	REQUIRE(gbx_ctl_open(&c) == 0);
	REQUIRE(gbx_ctl_domains(c, &doms, &n) == 0);
	gbx_conn_close(c);
	REQUIRE(n == 3);
	CHECK_EQ(doms[0].ports, 1);
	CHECK_EQ(doms[1].ports, 2);
	CHECK_EQ(doms[2].ports, 1);
	free(doms);
	CHECK_ERR(gntbox_evtchn_close(d0), 0);
	hold_release(&hd);
}

int
main(int argc, char **argv)
{

	if (argc == 2 && strcmp(argv[1], "hold") == 0)
		return (hold());
	th_start(NULL);
	th_domain(1);
	th_domain(2);
	th_baseline();
	test_records();
	th_check_baseline("port records");
	return (th_finish());
}
