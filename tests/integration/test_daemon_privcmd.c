/*
 * Integration test of gntboxd's privcmd connections at the protocol level
 * (proto/pcmd.h): what a client that does not go through the
 * preload library can send, and what gntboxd answers.
 *
 * - HELLO of kind PRIVCMD on a domain's device socket only, with no
 *   descriptor (EPROTO otherwise).
 * - PCMD_HYPERCALL without its bulk memfd, with an argument structure
 *   longer than GBX_PCMD_IN_MAX or of the wrong size for the hypercall:
 *   EPROTO, counted; a good one answers with its result stream; an
 *   enormous max_domains lists only the domains there are.
 * - privcmd types on a grant-device connection and event-channel types
 *   on a privcmd one: EPROTO.
 * - PCMD_FOREIGN of an unknown kind: EINVAL; PCMD_RESTRICT, then every
 *   hypercall EPERM and another domain's foreign request EPERM.
 * - The connection of a domain being destroyed is closed.
 * After all of it the daemon answers and every level is at its baseline.
 */
#define __XEN_TOOLS__ 1

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xen/xen.h>
#include <xen/domctl.h>
#include <xen/sysctl.h>
#include <xen/version.h>

#include "base/paths.h"
#include "proto/pcmd.h"
#include "test_daemon.h"

static struct tdx_msg *m;
static int ctl;

/* A hypercall request: op, a0, and inlen bytes of in. */
static void
hcall_req(struct gbx_pcmd_hypercall *hc, uint64_t op, uint64_t a0,
    const void *in, size_t inlen)
{

	memset(hc, 0, sizeof(*hc));
	hc->op = op;
	hc->arg[0] = a0;
	hc->inlen = (uint32_t)inlen;
	if (inlen != 0)
		memcpy(hc->in, in,
		    inlen < sizeof(hc->in) ? inlen : sizeof(hc->in));
}

/* Where the program's memory would be written: nowhere, here. */
static int
no_write(void *ctx, uint64_t addr, const void *data, size_t len)
{

	(void)ctx;
	(void)addr;
	(void)data;
	(void)len;
	return (0);
}

/* Send hc with a bulk memfd; the reply's error, the value in *ret. */
static int
hcall(int fd, const struct gbx_pcmd_hypercall *hc, int64_t *ret)
{
	struct gbx_dump_reply rep;
	uint8_t *s;
	int bulk, e;

	REQUIRE((bulk = gbx_bulk_create()) != -1);
	e = tdx_call(fd, GBX_PCMD_HYPERCALL, hc, sizeof(*hc), NULL, 0, bulk, m);
	if (e == 0) {
		REQUIRE(m->blen == sizeof(rep));
		memcpy(&rep, tdx_body(m), sizeof(rep));
		CHECK_EQ(rep.rec_size, 1);
		REQUIRE((s = malloc(rep.count)) != NULL);
		CHECK_EQ(gbx_bulk_read(bulk, s, rep.count, 0), 0);
		CHECK_EQ(gbx_pcmd_walk(s, rep.count, ret, no_write, NULL), 0);
		free(s);
	}
	tdx_close(m);
	(void)close(bulk);
	return (e);
}

/* HELLO of kind PRIVCMD: where it may be said, and how. */
static void
test_hello(void)
{
	char path[GBX_PATH_MAX];
	struct gbx_hello h;
	int fd, pair[2];

	memset(&h, 0, sizeof(h));
	h.version = GBX_PROTO_VERSION;
	h.kind = GBX_KIND_PRIVCMD;
	/* Not on the control socket. */
	REQUIRE(gbx_path_control(path, sizeof(path)) == 0);
	REQUIRE((fd = td_connect(path)) != -1);
	CHECK_EQ(tdx_call(fd, GBX_HELLO, &h, sizeof(h), NULL, 0, -1, m),
	    EPROTO);
	tdx_close(m);
	(void)close(fd);
	/* Not with a descriptor (a privcmd file has no process token). */
	REQUIRE(gbx_path_device(path, sizeof(path), 1) == 0);
	REQUIRE((fd = td_connect(path)) != -1);
	REQUIRE(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, pair) == 0);
	REQUIRE(tdx_send(fd, GBX_HELLO, 0, 1, &h, sizeof(h), NULL, 0, &pair[1],
		    1) == 0);
	REQUIRE(tdx_recv(fd, m) >= (ssize_t)sizeof(struct gbx_hdr));
	CHECK_EQ(m->u.h.error, EPROTO);
	tdx_close(m);
	(void)close(fd);
	(void)close(pair[0]);
	(void)close(pair[1]);
	/* On a domain's device socket, with nothing attached. */
	REQUIRE((fd = td_open(1, GBX_KIND_PRIVCMD, NULL)) != -1);
	(void)close(fd);
}

int
main(void)
{
	struct gbx_pcmd_hypercall hc;
	struct gbx_pcmd_foreign fr;
	struct gbx_pcmd_restrict rs;
	struct gbx_pcmd_foreign_reply frr;
	struct xen_domctl dc;
	struct xen_sysctl sc;
	struct tdx_env env;
	uint64_t before;
	int64_t ret;
	int fd, gfd, token, two;

	REQUIRE((m = malloc(sizeof(*m))) != NULL);
	ctl = tdx_begin(&env, NULL, 2);
	test_hello();
	REQUIRE((fd = td_open(1, GBX_KIND_PRIVCMD, NULL)) != -1);

	/* A good hypercall, and the bad ways to send one. */
	hcall_req(&hc, __HYPERVISOR_xen_version, XENVER_version, NULL, 0);
	CHECK_EQ(hcall(fd, &hc, &ret), 0);
	CHECK_EQ(ret, 0x40011);
	before = tdx_protocol_errors(ctl);
	CHECK_EQ(tdx_call(fd, GBX_PCMD_HYPERCALL, &hc, sizeof(hc), NULL, 0, -1,
		     m),
	    EPROTO);
	tdx_close(m);
	hcall_req(&hc, __HYPERVISOR_domctl, 0, NULL, 0);
	hc.inlen = GBX_PCMD_IN_MAX + 1;
	CHECK_EQ(hcall(fd, &hc, &ret), EPROTO);
	hc.inlen = 10;
	CHECK_EQ(hcall(fd, &hc, &ret), EPROTO);
	hcall_req(&hc, __HYPERVISOR_xen_version, XENVER_version, "x", 1);
	CHECK_EQ(hcall(fd, &hc, &ret), EPROTO);
	CHECK_EQ(tdx_protocol_errors(ctl) - before, 4);

	/* The domain's own answers: a domU is refused getdomaininfo. */
	memset(&dc, 0, sizeof(dc));
	dc.cmd = XEN_DOMCTL_getdomaininfo;
	dc.interface_version = XEN_DOMCTL_INTERFACE_VERSION;
	dc.domain = 1;
	hcall_req(&hc, __HYPERVISOR_domctl, 8, &dc, sizeof(dc));
	CHECK_EQ(hcall(fd, &hc, &ret), 0);
	CHECK_EQ(ret, -EPERM);
	hcall_req(&hc, 1000, 0, NULL, 0);
	CHECK_EQ(hcall(fd, &hc, &ret), 0);
	CHECK_EQ(ret, -ENOSYS);

	/* Domain 0 lists what there is, however much room it offers. */
	REQUIRE((two = td_open(0, GBX_KIND_PRIVCMD, NULL)) != -1);
	memset(&sc, 0, sizeof(sc));
	sc.cmd = XEN_SYSCTL_getdomaininfolist;
	sc.interface_version = XEN_SYSCTL_INTERFACE_VERSION;
	sc.u.getdomaininfolist.max_domains = UINT32_MAX;
	hcall_req(&hc, __HYPERVISOR_sysctl, 8, &sc, sizeof(sc));
	CHECK_EQ(hcall(two, &hc, &ret), 0);
	CHECK_EQ(ret, 0);
	(void)close(two);

	/* Wrong kinds both ways. */
	REQUIRE((gfd = td_open(1, GBX_KIND_GNTDEV, &token)) != -1);
	CHECK_EQ(hcall(gfd, &hc, &ret), EPROTO);
	memset(&rs, 0, sizeof(rs));
	CHECK_EQ(tdx_call(gfd, GBX_PCMD_RESTRICT, &rs, sizeof(rs), NULL, 0, -1,
		     m),
	    EPROTO);
	tdx_close(m);
	(void)close(gfd);
	(void)close(token);
	CHECK_EQ(tdx_call(fd, GBX_EVT_RESTRICT, &rs, sizeof(rs), NULL, 0, -1,
		     m),
	    EPROTO);
	tdx_close(m);

	/* PCMD_FOREIGN and PCMD_RESTRICT. */
	memset(&fr, 0, sizeof(fr));
	fr.kind = 9;
	fr.domid = 2;
	CHECK_EQ(tdx_call(fd, GBX_PCMD_FOREIGN, &fr, sizeof(fr), NULL, 0, -1,
		     m),
	    EINVAL);
	tdx_close(m);
	fr.kind = GBX_PCMD_MMU;
	CHECK_EQ(tdx_call(fd, GBX_PCMD_FOREIGN, &fr, sizeof(fr), NULL, 0, -1,
		     m),
	    0);
	REQUIRE(m->blen == sizeof(frr));
	memcpy(&frr, tdx_body(m), sizeof(frr));
	CHECK_EQ(frr.error, EPERM);
	tdx_close(m);
	rs.domid = 2;
	CHECK_EQ(tdx_call(fd, GBX_PCMD_RESTRICT, &rs, sizeof(rs), NULL, 0, -1,
		     m),
	    0);
	tdx_close(m);
	rs.domid = 1;
	CHECK_EQ(tdx_call(fd, GBX_PCMD_RESTRICT, &rs, sizeof(rs), NULL, 0, -1,
		     m),
	    EINVAL);
	tdx_close(m);
	hcall_req(&hc, __HYPERVISOR_xen_version, XENVER_version, NULL, 0);
	CHECK_EQ(hcall(fd, &hc, &ret), EPERM);
	fr.domid = 1;
	CHECK_EQ(tdx_call(fd, GBX_PCMD_FOREIGN, &fr, sizeof(fr), NULL, 0, -1,
		     m),
	    EPERM);
	tdx_close(m);
	(void)close(fd);

	/* A destroyed domain's privcmd connections are closed. */
	REQUIRE((fd = td_open(2, GBX_KIND_PRIVCMD, NULL)) != -1);
	CHECK_EQ(tdx_domain_destroy(ctl, 2), 0);
	CHECK(tdx_dropped(fd));
	(void)close(fd);
	CHECK_EQ(tdx_domain_create(ctl, 2, NULL), 0);
	free(m);
	return (tdx_end(&env, 2));
}
