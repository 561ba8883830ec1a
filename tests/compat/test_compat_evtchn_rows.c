/*
 * Compatibility test: docs/events.md's table of event delivery, row by
 * row (tests/lib/evtrows.h), through Debian's unmodified libxenevtchn
 * (and libxengnttab's xengntshr for the unmap notify's row) on
 * libgntbox-preload.so: a process of domain 1 and one of domain 2, each
 * under `gntbox run`, each with one xenevtchn_handle, do what the test's
 * main process tells them.  A non-blocking read is the program's own
 * O_NONBLOCK on xenevtchn_fd(); RESET is the ioctl on it.
 */
#include <sys/ioctl.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <xen/xen.h>
#include <xen/evtchn.h>
#include <xenevtchn.h>
#include <xengnttab.h>

#include "compat.h"
#include "evtrows.h"

static xengntshr_handle *gshr; /* ER_SHARE's handle */
static void *gpage;	       /* and its page */

static int64_t
ret(int r)
{

	return (r < 0 ? -errno : r);
}

static void *
x_open(void)
{

	return (xenevtchn_open(NULL, 0));
}

static void
x_close(void *h)
{

	CHECK_EQ(xenevtchn_close(h), 0);
}

static int
x_fd(void *h)
{

	return (xenevtchn_fd(h));
}

static int64_t
x_bind_unbound(void *h, uint32_t dom)
{

	return (ret(xenevtchn_bind_unbound_port(h, dom)));
}

static int64_t
x_bind_inter(void *h, uint32_t dom, uint32_t port)
{

	return (ret(xenevtchn_bind_interdomain(h, dom, port)));
}

static int64_t
x_notify(void *h, uint32_t port)
{

	return (ret(xenevtchn_notify(h, port)));
}

static int64_t
x_unmask(void *h, uint32_t port)
{

	return (ret(xenevtchn_unmask(h, port)));
}

static int64_t
x_unbind(void *h, uint32_t port)
{

	return (ret(xenevtchn_unbind(h, port)));
}

/* xenevtchn_pending, with the descriptor made non-blocking for it. */
static int64_t
x_read(void *h, bool nonblock)
{
	int fd = xenevtchn_fd(h), fl, r, e;

	if (!nonblock)
		return (ret(xenevtchn_pending(h)));
	REQUIRE((fl = fcntl(fd, F_GETFL)) != -1);
	REQUIRE(fcntl(fd, F_SETFL, fl | O_NONBLOCK) == 0);
	r = xenevtchn_pending(h);
	e = errno;
	REQUIRE(fcntl(fd, F_SETFL, fl) == 0);
	errno = e;
	return (ret(r));
}

static int64_t
x_reset(void *h)
{

	return (ret(ioctl(xenevtchn_fd(h), IOCTL_EVTCHN_RESET, 0)));
}

static int64_t
x_restrict(void *h, uint32_t dom)
{

	return (ret(xenevtchn_restrict(h, (domid_t)dom)));
}

/* A page shared with domain 1 whose release signals port. */
static int64_t
x_share(uint32_t port)
{
	uint32_t ref;

	REQUIRE((gshr = xengntshr_open(NULL, 0)) != NULL);
	gpage =
	    xengntshr_share_page_notify(gshr, 1, &ref, 1, (uint32_t)-1, port);
	return (gpage == NULL ? -errno : 0);
}

/*
 * Give the page up (a one-way release), then share another one: its
 * ALLOC_GREF comes back after gntboxd handled the release, and so fired
 * the notify.
 */
static int64_t
x_unshare(void)
{
	uint32_t ref;
	void *p;
	int r;

	r = xengntshr_unshare(gshr, gpage, 1);
	REQUIRE((p = xengntshr_share_pages(gshr, 1, 1, &ref, 1)) != NULL);
	CHECK_EQ(xengntshr_unshare(gshr, p, 1), 0);
	CHECK_EQ(xengntshr_close(gshr), 0);
	gshr = NULL;
	return (ret(r));
}

static const struct er_ops xen_ops = {
	.open = x_open,
	.close = x_close,
	.fd = x_fd,
	.bind_unbound = x_bind_unbound,
	.bind_inter = x_bind_inter,
	.notify = x_notify,
	.unmask = x_unmask,
	.unbind = x_unbind,
	.read = x_read,
	.reset = x_reset,
	.restrict_dom = x_restrict,
	.share = x_share,
	.unshare = x_unshare,
};

static int
server(struct th_chan *ch)
{

	return (er_serve(ch, &xen_ops));
}

static const struct tc_role roles[] = {
	{ "server", server },
	{ NULL, NULL },
};

int
main(int argc, char **argv)
{
	struct tc_proc a, b;
	struct er_pair p;

	tc_main(argc, argv, roles);
	th_start(NULL);
	th_domain(1);
	th_domain(2);
	tc_run(&a, 1, "server");
	tc_run(&b, 2, "server");
	p.a = &a.ch;
	p.b = &b.ch;
	p.has_reset = true;
	er_ready(&p);
	th_baseline();
	er_rows(&p);
	CHECK_EQ(tc_wait(&a), 0);
	CHECK_EQ(tc_wait(&b), 0);
	return (th_finish());
}
