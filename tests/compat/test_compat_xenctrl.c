/*
 * Compatibility test: Debian's unmodified libxenctrl, libxenforeignmemory
 * and libxendevicemodel (libxenmisc4.17 and friends) on /dev/xen/privcmd,
 * through libgntbox-preload.so, answered by gntboxd as Xen 4.17 with its
 * dummy XSM policy would answer (docs/differences.md, "privcmd").
 *
 * Domains 0, 1, 2 and 5 exist; 3, 4 and 6 do not.
 *
 * - From domain 0: xc_domain_getinfo (the first domain at or above the id
 *   asked, running, one vcpu; ESRCH past the last; EINVAL for a reserved
 *   id), xc_domain_getinfolist (from a domain on, bounded by its count);
 *   xc_evtchn_status of its own ports in every state (closed, unbound,
 *   interdomain both ends, virq; port 0 and the last port closed, the
 *   port limit EINVAL; DOMID_SELF) and of domain 1's; xc_version's basic
 *   commands, with commandline (empty) and build_id (ENODATA: none); and
 *   what gntbox does not implement (physinfo, pausedomain) is ENOSYS,
 *   counted in hypercalls_enosys.
 * - From domain 1: getdomaininfo is EPERM even about itself (the dummy
 *   policy's XSM_XS_PRIV) but ESRCH past the last domain and EINVAL for a
 *   reserved id, which Xen checks first; getdomaininfolist, physinfo and
 *   pausedomain are EPERM (pausedomain of no domain ESRCH), counted as
 *   nothing; xc_evtchn_status of its own ports (by DOMID_SELF and by id)
 *   and EPERM for another domain's, after ESRCH (no domain) and EINVAL
 *   (no such port).
 * - libxenforeignmemory: it opens (IOCTL_PRIVCMD_UNIMPLEMENTED fails as it
 *   wants), a map succeeds with every frame's error (EINVAL for domain 0,
 *   EPERM for a domU, ESRCH for no domain or itself by id) and faults with
 *   SIGBUS; without an error array it fails with that errno; resources
 *   are refused; xenforeignmemory_restrict confines later maps.
 * - libxendevicemodel: it opens (DM_OP with no buffer succeeds), and an
 *   operation is EINVAL (a gntbox domain is not HVM), ESRCH, or EPERM on
 *   itself.
 */
#include <sys/mman.h>

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <xenctrl.h>
#include <xendevicemodel.h>
#include <xenevtchn.h>
#include <xenforeignmemory.h>
#include <xen/features.h>
#include <xen/memory.h>

#include "check.h"
#include "compat.h"
#include "harness.h"

#define NO_DOM	3 /* between existing domains */
#define NO_DOM2 6 /* past the last */
#define LAST	5

/* xc_evtchn_status: 0 with *st filled, or -errno. */
static int
status(xc_interface *xc, uint16_t dom, uint32_t port, xc_evtchn_status_t *st)
{

	memset(st, 0, sizeof(*st));
	st->dom = dom;
	st->port = port;
	return (xc_evtchn_status(xc, st) == 0 ? 0 : -errno);
}

/* The basic xen_version commands, as every guest may ask them. */
static void
versions(xc_interface *xc, int dom0)
{
	xen_platform_parameters_t pp;
	xen_capabilities_info_t caps;
	xen_extraversion_t extra;
	xen_changeset_info_t cs;
	xen_compile_info_t ci;
	xen_feature_info_t fi;
	xen_domain_handle_t h = { 1 };
	xen_commandline_t cmdline = "x";
	struct {
		xen_build_id_t id;
		unsigned char buf[64];
	} bid;
	size_t i;

	CHECK_EQ(xc_version(xc, XENVER_version, NULL), 0x40011);
	CHECK_EQ(xc_version(xc, XENVER_extraversion, extra), 0);
	CHECK(strcmp(extra, ".0-gntbox") == 0);
	CHECK_EQ(xc_version(xc, XENVER_capabilities, caps), 0);
	CHECK(strcmp(caps, "xen-3.0-x86_64") == 0);
	CHECK_EQ(xc_version(xc, XENVER_changeset, cs), 0);
	CHECK(strcmp(cs, "gntbox") == 0);
	CHECK_EQ(xc_version(xc, XENVER_compile_info, &ci), 0);
	CHECK(strcmp(ci.compile_by, "gntbox") == 0);
	CHECK_EQ(xc_version(xc, XENVER_platform_parameters, &pp), 0);
	CHECK_EQ(pp.virt_start, 0xffff800000000000ul);
	CHECK_EQ(xc_version(xc, XENVER_pagesize, NULL), 4096);
	CHECK_EQ(xc_version(xc, XENVER_guest_handle, h), 0);
	for (i = 0; i < sizeof(h) && h[i] == 0; i++)
		;
	CHECK_EQ(i, sizeof(h));
	memset(&fi, 0, sizeof(fi));
	CHECK_EQ(xc_version(xc, XENVER_get_features, &fi), 0);
	CHECK_EQ((fi.submap >> XENFEAT_dom0) & 1, (unsigned)dom0);
	CHECK_EQ((fi.submap >> XENFEAT_auto_translated_physmap) & 1, 0);
	/* No boot options to show; a domU gets Xen's deny instead. */
	CHECK_EQ(xc_version(xc, XENVER_commandline, cmdline), 0);
	CHECK(strcmp(cmdline, dom0 ? "" : "<denied>") == 0);
	memset(&bid, 0, sizeof(bid));
	bid.id.len = sizeof(bid.buf);
	CHECK_EQ(xc_version(xc, XENVER_build_id, &bid.id), -1);
	CHECK_EQ(errno, dom0 ? ENODATA : EPERM);
}

/* Domain 0: the control domain sees every domain and port. */
static int
dom0(struct th_chan *ch)
{
	xc_domaininfo_t list[8];
	xc_evtchn_status_t st;
	xc_dominfo_t info[8];
	xenevtchn_handle *xce;
	xc_interface *xc;
	xc_physinfo_t pi;
	uint32_t p1, q, a, b, c, v;
	int i;

	REQUIRE((xc = xc_interface_open(NULL, NULL, 0)) != NULL);
	CHECK_EQ(xc_domain_getinfo(xc, 0, 8, info), 4);
	for (i = 0; i < 4; i++) {
		CHECK_EQ(info[i].domid, (uint32_t)(i < 3 ? i : LAST));
		CHECK_EQ(info[i].running, 1);
		CHECK_EQ(info[i].dying, 0);
		CHECK_EQ(info[i].nr_online_vcpus, 1);
	}
	CHECK_EQ(xc_domain_getinfo(xc, NO_DOM, 1, info), 1);
	CHECK_EQ(info[0].domid, LAST);
	CHECK_EQ(xc_domain_getinfo(xc, NO_DOM2, 1, info), -1);
	CHECK_EQ(errno, ESRCH);
	CHECK_EQ(xc_domain_getinfo(xc, DOMID_SELF, 1, info), -1);
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(xc_domain_getinfolist(xc, 1, 8, list), 3);
	CHECK_EQ(list[0].domain, 1);
	CHECK_EQ(list[2].domain, LAST);
	CHECK_EQ(list[2].flags & (XEN_DOMINF_running | XEN_DOMINF_dying),
	    XEN_DOMINF_running);
	CHECK_EQ(xc_domain_getinfolist(xc, 0, 2, list), 2);
	CHECK_EQ(xc_domain_getinfolist(xc, NO_DOM2, 8, list), 0);

	/* Its own ports, in every state. */
	REQUIRE((xce = xenevtchn_open(NULL, 0)) != NULL);
	REQUIRE((i = xenevtchn_bind_unbound_port(xce, 1)) > 0);
	a = (uint32_t)i;
	REQUIRE((i = xenevtchn_bind_unbound_port(xce, 0)) > 0);
	b = (uint32_t)i;
	REQUIRE((i = xenevtchn_bind_interdomain(xce, 0, b)) > 0);
	c = (uint32_t)i;
	REQUIRE((i = xenevtchn_bind_virq(xce, VIRQ_DOM_EXC)) > 0);
	v = (uint32_t)i;
	CHECK_EQ(status(xc, DOMID_SELF, a, &st), 0);
	CHECK_EQ(st.status, EVTCHNSTAT_unbound);
	CHECK_EQ(st.u.unbound.dom, 1);
	CHECK_EQ(status(xc, 0, b, &st), 0);
	CHECK_EQ(st.status, EVTCHNSTAT_interdomain);
	CHECK_EQ(st.u.interdomain.dom, 0);
	CHECK_EQ(st.u.interdomain.port, c);
	CHECK_EQ(status(xc, DOMID_SELF, c, &st), 0);
	CHECK_EQ(st.u.interdomain.port, b);
	CHECK_EQ(status(xc, 0, v, &st), 0);
	CHECK_EQ(st.status, EVTCHNSTAT_virq);
	CHECK_EQ(st.u.virq, VIRQ_DOM_EXC);
	CHECK_EQ(status(xc, 0, 0, &st), 0);
	CHECK_EQ(st.status, EVTCHNSTAT_closed);
	CHECK_EQ(status(xc, 0, 4095, &st), 0);
	CHECK_EQ(st.status, EVTCHNSTAT_closed);
	CHECK_EQ(status(xc, 0, 4096, &st), -EINVAL);
	CHECK_EQ(status(xc, NO_DOM, 1, &st), -ESRCH);
	CHECK_EQ(status(xc, 0x7ff1, 1, &st), -ESRCH);

	/* Domain 1's port, before and after we connect to it. */
	p1 = (uint32_t)th_recv_u64(ch, 1);
	CHECK_EQ(status(xc, 1, p1, &st), 0);
	CHECK_EQ(st.status, EVTCHNSTAT_unbound);
	CHECK_EQ(st.u.unbound.dom, 0);
	REQUIRE((i = xenevtchn_bind_interdomain(xce, 1, p1)) > 0);
	q = (uint32_t)i;
	CHECK_EQ(status(xc, 1, p1, &st), 0);
	CHECK_EQ(st.status, EVTCHNSTAT_interdomain);
	CHECK_EQ(st.u.interdomain.dom, 0);
	CHECK_EQ(st.u.interdomain.port, q);
	th_send_u64(ch, 1, q);
	(void)th_recv_u64(ch, 1); /* domain 1 has looked */

	versions(xc, 1);
	/* Not implemented: two ENOSYS, one not (no such domain). */
	CHECK_EQ(xc_physinfo(xc, &pi), -1);
	CHECK_EQ(errno, ENOSYS);
	CHECK_EQ(xc_domain_pause(xc, 1), -1);
	CHECK_EQ(errno, ENOSYS);
	CHECK_EQ(xc_domain_pause(xc, NO_DOM), -1);
	CHECK_EQ(errno, ESRCH);
	xenevtchn_close(xce);
	xc_interface_close(xc);
	return (0);
}

/* Domain 1: what the dummy policy lets a domU see. */
static int
domu(struct th_chan *ch)
{
	xc_domaininfo_t list[8];
	xc_evtchn_status_t st;
	xc_dominfo_t info[2];
	xenevtchn_handle *xce;
	xc_interface *xc;
	xc_physinfo_t pi;
	uint32_t p, q;
	int i;

	REQUIRE((xc = xc_interface_open(NULL, NULL, 0)) != NULL);
	CHECK_EQ(xc_domain_getinfo(xc, 1, 1, info), -1);
	CHECK_EQ(errno, EPERM);
	CHECK_EQ(xc_domain_getinfo(xc, 0, 2, info), -1);
	CHECK_EQ(errno, EPERM);
	CHECK_EQ(xc_domain_getinfo(xc, NO_DOM2, 1, info), -1);
	CHECK_EQ(errno, ESRCH);
	CHECK_EQ(xc_domain_getinfo(xc, DOMID_SELF, 1, info), -1);
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(xc_domain_getinfolist(xc, 0, 8, list), -1);
	CHECK_EQ(errno, EPERM);
	CHECK_EQ(xc_physinfo(xc, &pi), -1);
	CHECK_EQ(errno, EPERM);
	CHECK_EQ(xc_domain_pause(xc, 2), -1);
	CHECK_EQ(errno, EPERM);
	CHECK_EQ(xc_domain_pause(xc, NO_DOM), -1);
	CHECK_EQ(errno, ESRCH);
	versions(xc, 0);

	REQUIRE((xce = xenevtchn_open(NULL, 0)) != NULL);
	REQUIRE((i = xenevtchn_bind_unbound_port(xce, 0)) > 0);
	p = (uint32_t)i;
	CHECK_EQ(status(xc, DOMID_SELF, p, &st), 0);
	CHECK_EQ(st.status, EVTCHNSTAT_unbound);
	CHECK_EQ(status(xc, 1, p, &st), 0);
	CHECK_EQ(st.u.unbound.dom, 0);
	th_send_u64(ch, 1, p);
	q = (uint32_t)th_recv_u64(ch, 1); /* domain 0 connected to p */
	CHECK_EQ(status(xc, DOMID_SELF, p, &st), 0);
	CHECK_EQ(st.status, EVTCHNSTAT_interdomain);
	CHECK_EQ(st.u.interdomain.dom, 0);
	CHECK_EQ(st.u.interdomain.port, q);
	/* Another domain's: ESRCH, then EINVAL, then EPERM. */
	CHECK_EQ(status(xc, 0, q, &st), -EPERM);
	CHECK_EQ(status(xc, 2, 0, &st), -EPERM);
	CHECK_EQ(status(xc, 0, 4096, &st), -EINVAL);
	CHECK_EQ(status(xc, NO_DOM, 1, &st), -ESRCH);
	th_send_u64(ch, 1, 1);
	xenevtchn_close(xce);
	xc_interface_close(xc);
	return (0);
}

/*
 * libxenforeignmemory and libxendevicemodel.  expect is what every frame
 * of domain `other` gets: EINVAL for domain 0 (no such frame), EPERM for
 * a domU; self is this role's domain.
 */
static void
foreign(unsigned self, unsigned other, int expect)
{
	xenforeignmemory_resource_handle *res;
	xenforeignmemory_handle *fm;
	xendevicemodel_handle *dm;
	xen_pfn_t pfn[2] = { 1, 2 };
	int err[2];
	size_t size;
	void *p;

	REQUIRE((fm = xenforeignmemory_open(NULL, 0)) != NULL);
	memset(err, 0, sizeof(err));
	p = xenforeignmemory_map(fm, other, PROT_READ, 2, pfn, err);
	REQUIRE(p != NULL);
	CHECK_EQ(err[0], -expect);
	CHECK_EQ(err[1], -expect);
	/* A mapping of nothing, as Linux's before the frames are mapped. */
	CHECK_EQ(th_faults(p, 0), SIGBUS);
	CHECK_EQ(xenforeignmemory_unmap(fm, p, 2), 0);
	p = xenforeignmemory_map(fm, NO_DOM, PROT_READ, 1, pfn, err);
	REQUIRE(p != NULL);
	CHECK_EQ(err[0], -ESRCH);
	CHECK_EQ(xenforeignmemory_unmap(fm, p, 1), 0);
	p = xenforeignmemory_map(fm, self, PROT_READ, 1, pfn, err);
	REQUIRE(p != NULL);
	CHECK_EQ(err[0], -ESRCH);
	CHECK_EQ(xenforeignmemory_unmap(fm, p, 1), 0);
	CHECK(xenforeignmemory_map(fm, other, PROT_READ, 1, pfn, NULL) == NULL);
	CHECK_EQ(errno, expect);
	p = NULL;
	res = xenforeignmemory_map_resource(fm, other,
	    XENMEM_resource_grant_table, 0, 0, 1, &p, PROT_READ, 0);
	CHECK(res == NULL);
	CHECK_EQ(errno, expect);
	CHECK_EQ(xenforeignmemory_resource_size(fm, other,
		     XENMEM_resource_grant_table, 0, &size),
	    -1);
	CHECK_EQ(errno, expect);
	CHECK_EQ(xenforeignmemory_resource_size(fm, self,
		     XENMEM_resource_grant_table, 0, &size),
	    -1);
	CHECK_EQ(errno, EPERM);
	/* Restricted to `other`, domain 2 (or 1) cannot be asked at all. */
	CHECK_EQ(xenforeignmemory_restrict(fm, other), 0);
	CHECK(xenforeignmemory_map(fm, other == 1 ? 2 : 1, PROT_READ, 1, pfn,
		  err) == NULL);
	CHECK_EQ(errno, EPERM);
	p = xenforeignmemory_map(fm, other, PROT_READ, 1, pfn, err);
	REQUIRE(p != NULL);
	CHECK_EQ(err[0], -expect);
	CHECK_EQ(xenforeignmemory_unmap(fm, p, 1), 0);
	CHECK_EQ(xenforeignmemory_close(fm), 0);

	REQUIRE((dm = xendevicemodel_open(NULL, 0)) != NULL);
	CHECK_EQ(xendevicemodel_set_isa_irq_level(dm, other, 5, 1), -1);
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(xendevicemodel_set_isa_irq_level(dm, NO_DOM, 5, 1), -1);
	CHECK_EQ(errno, ESRCH);
	CHECK_EQ(xendevicemodel_set_isa_irq_level(dm, self, 5, 1), -1);
	CHECK_EQ(errno, EPERM);
	CHECK_EQ(xendevicemodel_close(dm), 0);
}

static int
fmem0(struct th_chan *ch)
{

	(void)ch;
	foreign(0, 1, EINVAL);
	return (0);
}

static int
fmemu(struct th_chan *ch)
{

	(void)ch;
	foreign(1, 2, EPERM);
	return (0);
}

static const struct tc_role roles[] = {
	{ "dom0", dom0 },
	{ "domu", domu },
	{ "fmem0", fmem0 },
	{ "fmemu", fmemu },
	{ NULL, NULL },
};

int
main(int argc, char **argv)
{
	struct tc_proc z, u;
	uint64_t before;

	tc_main(argc, argv, roles);
	th_start(NULL);
	th_domain(1);
	th_domain(2);
	th_domain(LAST);
	th_baseline();

	before = tc_enosys();
	tc_run(&u, 1, "domu");
	tc_run(&z, 0, "dom0");
	th_send_u64(&z.ch, 0, th_recv_u64(&u.ch, 0));
	th_send_u64(&u.ch, 0, th_recv_u64(&z.ch, 0));
	th_send_u64(&z.ch, 0, th_recv_u64(&u.ch, 0));
	CHECK_EQ(tc_wait(&z), 0);
	CHECK_EQ(tc_wait(&u), 0);
	CHECK_EQ(tc_enosys() - before, 2);
	th_check_baseline("libxenctrl from domain 0 and from a domU");

	before = tc_enosys();
	tc_run(&z, 0, "fmem0");
	CHECK_EQ(tc_wait(&z), 0);
	tc_run(&u, 1, "fmemu");
	CHECK_EQ(tc_wait(&u), 0);
	CHECK_EQ(tc_enosys() - before, 0);
	th_check_baseline("libxenforeignmemory and libxendevicemodel");
	return (th_finish());
}
