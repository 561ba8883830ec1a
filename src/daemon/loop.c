/*
 * loop.c: the event loop.
 *
 * One epoll instance, level-triggered.  Each turn handles a batch of
 * events, each with bounded work (a connection reads at most
 * GBXD_MSGS_PER_TURN messages, a listener accepts at most
 * GBXD_ACCEPTS_PER_TURN), then does one bounded step of the reapers
 * (grant-device clients, then event-channel handles), then
 * arms the timers for what is left: the deferred-list timer (at once
 * while a deferred grant is ready, every GBXD_DEFERRED_PERIOD seconds
 * while some still wait) and the idle timer.  While the reaper has work
 * the loop does not sleep.
 */
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "daemon/gntboxd.h"
#include "hv/deferred.h"

#define LOOP_BATCH 64

static int
loop_ctl(struct gbxd *g, int op, struct ev *ev, uint32_t events)
{
	struct epoll_event e;

	memset(&e, 0, sizeof(e));
	e.events = events;
	e.data.ptr = ev;
	return (epoll_ctl(g->epfd, op, ev->fd, &e) == -1 ? errno : 0);
}

int
loop_add(struct gbxd *g, struct ev *ev, uint32_t events)
{

	return (loop_ctl(g, EPOLL_CTL_ADD, ev, events));
}

int
loop_mod(struct gbxd *g, struct ev *ev, uint32_t events)
{

	return (loop_ctl(g, EPOLL_CTL_MOD, ev, events));
}

void
loop_del(struct gbxd *g, struct ev *ev)
{

	(void)epoll_ctl(g->epfd, EPOLL_CTL_DEL, ev->fd, NULL);
}

static void
timer_set(int fd, time_t sec, long nsec, bool periodic)
{
	struct itimerspec its;

	memset(&its, 0, sizeof(its));
	its.it_value.tv_sec = sec;
	its.it_value.tv_nsec = nsec;
	if (periodic)
		its.it_interval = its.it_value;
	(void)timerfd_settime(fd, 0, &its, NULL);
}

static void
timer_drain(int fd)
{
	uint64_t n;

	/* Nothing to learn from the count; only clear the readiness. */
	if (read(fd, &n, sizeof(n)) == -1)
		n = 0;
	(void)n;
}

static void
on_signal(struct gbxd *g, struct ev *ev, uint32_t events)
{
	struct signalfd_siginfo si;

	(void)events;
	if (read(ev->fd, &si, sizeof(si)) != (ssize_t)sizeof(si))
		return;
	gbx_info("signal %u: shutting down", si.ssi_signo);
	g->quit = true;
}

/* The deferred timer: one bounded pass over the deferred list. */
static void
on_dtimer(struct gbxd *g, struct ev *ev, uint32_t events)
{
	unsigned n;

	(void)events;
	timer_drain(ev->fd);
	if (g->dtimer_state == 2)
		g->dtimer_state = 0; /* the one-shot fired */
	n = hv_deferred_pass(&g->hv, GBXD_DEFERRED_BUDGET);
	if (n != 0)
		gbx_debug("deferred pass released %u grants", n);
}

static void
on_itimer(struct gbxd *g, struct ev *ev, uint32_t events)
{

	(void)events;
	timer_drain(ev->fd);
	g->itimer_armed = false;
	if (g->nconns == 0) {
		gbx_info("no client for %u seconds: exiting", g->idle_exit);
		g->quit = true;
	}
}

/* Arm the timers for what the turn left behind. */
static void
loop_timers(struct gbxd *g)
{

	if (g->hv.nready > 0) {
		if (g->dtimer_state != 2) {
			timer_set(g->dtimer.fd, 0, 1, false);
			g->dtimer_state = 2;
		}
	} else if (g->hv.st.deferred > 0) {
		if (g->dtimer_state != 1) {
			timer_set(g->dtimer.fd, GBXD_DEFERRED_PERIOD, 0, true);
			g->dtimer_state = 1;
		}
	} else if (g->dtimer_state != 0) {
		timer_set(g->dtimer.fd, 0, 0, false);
		g->dtimer_state = 0;
	}
	if (g->idle_exit == 0)
		return;
	if (g->nconns == 0 && !g->itimer_armed) {
		timer_set(g->itimer.fd, (time_t)g->idle_exit, 0, false);
		g->itimer_armed = true;
	} else if (g->nconns > 0 && g->itimer_armed) {
		timer_set(g->itimer.fd, 0, 0, false);
		g->itimer_armed = false;
	}
}

/* Free what was closed during the batch; no event can refer to it now. */
static void
loop_bury(struct gbxd *g)
{
	struct conn *c;
	struct dsock *ds;

	while ((c = TAILQ_FIRST(&g->conn_grave)) != NULL) {
		TAILQ_REMOVE(&g->conn_grave, c, link);
		free(c);
	}
	while ((ds = TAILQ_FIRST(&g->dsock_grave)) != NULL) {
		TAILQ_REMOVE(&g->dsock_grave, ds, glink);
		free(ds);
	}
	xsd_bury(g);
}

int
loop_init(struct gbxd *g)
{
	sigset_t ss;

	g->sig.fd = g->dtimer.fd = g->itimer.fd = -1;
	TAILQ_INIT(&g->conn_grave);
	TAILQ_INIT(&g->dsock_grave);
	TAILQ_INIT(&g->paused);
	if ((g->epfd = epoll_create1(EPOLL_CLOEXEC)) == -1)
		return (errno);
	sigemptyset(&ss);
	sigaddset(&ss, SIGTERM);
	sigaddset(&ss, SIGINT);
	if (sigprocmask(SIG_BLOCK, &ss, NULL) == -1 ||
	    (g->sig.fd = signalfd(-1, &ss, SFD_NONBLOCK | SFD_CLOEXEC)) == -1)
		return (errno);
	g->sig.fn = on_signal;
	if ((g->dtimer.fd = timerfd_create(CLOCK_MONOTONIC,
		 TFD_NONBLOCK | TFD_CLOEXEC)) == -1 ||
	    (g->itimer.fd = timerfd_create(CLOCK_MONOTONIC,
		 TFD_NONBLOCK | TFD_CLOEXEC)) == -1)
		return (errno);
	g->dtimer.fn = on_dtimer;
	g->itimer.fn = on_itimer;
	if (loop_add(g, &g->sig, EPOLLIN) != 0 ||
	    loop_add(g, &g->dtimer, EPOLLIN) != 0 ||
	    loop_add(g, &g->itimer, EPOLLIN) != 0)
		return (errno);
	return (0);
}

int
loop_run(struct gbxd *g)
{
	struct epoll_event evs[LOOP_BATCH];
	struct ev *ev;
	int i, n;

	while (!g->quit) {
		loop_timers(g);
		n = epoll_wait(g->epfd, evs, LOOP_BATCH,
		    hv_reap_pending(&g->hv) || evtd_reap_pending() ? 0 : -1);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			gbx_err("epoll_wait: %s", strerror(errno));
			return (errno);
		}
		for (i = 0; i < n && !g->quit; i++) {
			ev = evs[i].data.ptr;
			if (!ev->dead)
				ev->fn(g, ev, evs[i].events);
		}
		if (hv_reap_pending(&g->hv))
			(void)hv_reap(&g->hv, GBXD_REAP_BUDGET);
		if (evtd_reap_pending())
			(void)evtd_reap(GBXD_REAP_BUDGET);
		loop_bury(g);
	}
	return (0);
}

void
loop_fini(struct gbxd *g)
{

	loop_bury(g);
	if (g->sig.fd != -1)
		(void)close(g->sig.fd);
	if (g->dtimer.fd != -1)
		(void)close(g->dtimer.fd);
	if (g->itimer.fd != -1)
		(void)close(g->itimer.fd);
	if (g->epfd != -1)
		(void)close(g->epfd);
}
