/*
 * Integration test: docs/events.md's table of event delivery, row by row
 * (tests/lib/evtrows.h), through the native API: a process of domain 1
 * and one of domain 2 each hold a gntbox_evtchn_t and do what the
 * test's main process tells them.  The native API has no reset
 * (IOCTL_EVTCHN_RESET is the Linux device's), so row E11 runs only
 * through libxenevtchn (tests/compat/test_compat_evtchn_rows.c).
 */
#include <errno.h>
#include <poll.h>

#include "evtrows.h"

static gntbox_t *grant;	   /* ER_SHARE's handle */
static uint64_t grant_off; /* and its page */

static int64_t
ret(int r)
{

	return (r < 0 ? -errno : r);
}

static void *
n_open(void)
{

	return (gntbox_evtchn_open(-1, 0));
}

static void
n_close(void *h)
{

	CHECK_EQ(gntbox_evtchn_close(h), 0);
}

static int
n_fd(void *h)
{

	return (gntbox_evtchn_fd(h));
}

static int64_t
n_bind_unbound(void *h, uint32_t dom)
{

	return (ret(gntbox_evtchn_bind_unbound(h, dom)));
}

static int64_t
n_bind_inter(void *h, uint32_t dom, uint32_t port)
{

	return (ret(gntbox_evtchn_bind_interdomain(h, dom, port)));
}

static int64_t
n_notify(void *h, uint32_t port)
{

	return (ret(gntbox_evtchn_notify(h, port)));
}

static int64_t
n_unmask(void *h, uint32_t port)
{

	return (ret(gntbox_evtchn_unmask(h, port)));
}

static int64_t
n_unbind(void *h, uint32_t port)
{

	return (ret(gntbox_evtchn_unbind(h, port)));
}

/*
 * The handle blocks; a non-blocking read looks first: only this server
 * reads when a row asks for one.
 */
static int64_t
n_read(void *h, bool nonblock)
{
	struct pollfd pfd = { .fd = gntbox_evtchn_fd(h), .events = POLLIN };

	if (nonblock && poll(&pfd, 1, 0) != 1)
		return (-EAGAIN);
	return (ret(gntbox_evtchn_pending(h)));
}

static int64_t
n_reset(void *h)
{

	(void)h;
	return (-ENOSYS);
}

static int64_t
n_restrict(void *h, uint32_t dom)
{

	return (ret(gntbox_evtchn_restrict(h, dom)));
}

/* A page shared with domain 1 whose release signals port. */
static int64_t
n_share(uint32_t port)
{
	uint32_t ref;

	REQUIRE((grant = gntbox_open(-1)) != NULL);
	REQUIRE(gntbox_share(grant, 1, 1, 0, &ref, &grant_off) == 0);
	return (ret(gntbox_set_unmap_notify(grant, grant_off,
	    GNTBOX_NOTIFY_SEND_EVENT, port)));
}

/*
 * Give the page up (a one-way release), then share another one: its
 * reply comes after gntboxd handled the release, and so fired the
 * notify.
 */
static int64_t
n_unshare(void)
{
	uint64_t off;
	uint32_t ref;
	int r;

	r = gntbox_unshare(grant, grant_off, 1);
	REQUIRE(gntbox_share(grant, 1, 1, 0, &ref, &off) == 0);
	CHECK_EQ(gntbox_close(grant), 0);
	grant = NULL;
	return (ret(r));
}

static const struct er_ops native_ops = {
	.open = n_open,
	.close = n_close,
	.fd = n_fd,
	.bind_unbound = n_bind_unbound,
	.bind_inter = n_bind_inter,
	.notify = n_notify,
	.unmask = n_unmask,
	.unbind = n_unbind,
	.read = n_read,
	.reset = n_reset,
	.restrict_dom = n_restrict,
	.share = n_share,
	.unshare = n_unshare,
};

static int
server(void *arg)
{

	return (er_serve(arg, &native_ops));
}

int
main(void)
{
	struct th_chan a, b;
	struct er_pair p;
	pid_t pa, pb;

	th_start(NULL);
	th_domain(1);
	th_domain(2);
	th_chan_open(&a);
	th_chan_open(&b);
	pa = th_spawn(1, server, &a);
	pb = th_spawn(2, server, &b);
	p.a = &a;
	p.b = &b;
	p.has_reset = false;
	er_ready(&p);
	th_baseline();
	er_rows(&p);
	CHECK_EQ(th_wait(pa), 0);
	CHECK_EQ(th_wait(pb), 0);
	th_chan_close(&a);
	th_chan_close(&b);
	return (th_finish());
}
