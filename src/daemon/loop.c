/*
 * loop.c: the event loop.
 *
 * One epoll instance, level-triggered.  Each turn handles a batch of
 * events, each with bounded work (a connection reads at most
 * GBXD_MSGS_PER_TURN messages, a listener accepts at most
 * GBXD_ACCEPTS_PER_TURN), then runs the hooks (background.c's: one
 * bounded step of the reaper, then the timers armed for what is left),
 * then frees the graveyard.  While a hook says it is busy the loop polls
 * instead of sleeping.
 *
 * The loop knows events, timers and hooks, and nothing of what they
 * serve; its own events are the signals that stop it (SIGTERM, SIGINT).
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

void
loop_hook(struct gbxd *g, struct hook *h)
{

	STAILQ_INSERT_TAIL(&g->hooks, h, link);
}

/*
 * Events of the current batch may still name ev: it is marked dead, so
 * that they are ignored, and its memory waits for the end of the batch.
 */
void
loop_bury(struct gbxd *g, struct ev *ev, void *mem)
{

	ev->dead = true;
	ev->mem = mem;
	TAILQ_INSERT_TAIL(&g->grave, ev, glink);
}

/* Free what was closed during the batch; no event can refer to it now. */
static void
loop_free_grave(struct gbxd *g)
{
	struct ev *ev;

	while ((ev = TAILQ_FIRST(&g->grave)) != NULL) {
		TAILQ_REMOVE(&g->grave, ev, glink);
		/*
		 * clang's analyzer cannot see that each buried ev has its
		 * own mem (which holds it), and reports a double free.
		 */
		/* NOLINTNEXTLINE(clang-analyzer-unix.Malloc) */
		free(ev->mem);
	}
}

/* A timerfd is readable: clear it, then run the timer's function. */
static void
timer_event(struct gbxd *g, struct ev *ev, uint32_t events)
{
	struct timer *t = (struct timer *)(void *)ev;
	uint64_t n;

	(void)events;
	/* Nothing to learn from the count; only clear the readiness. */
	if (read(ev->fd, &n, sizeof(n)) == -1)
		n = 0;
	(void)n;
	t->fn(g, t);
}

int
timer_open(struct gbxd *g, struct timer *t, timer_fn *fn)
{
	int error;

	t->fn = fn;
	t->ev.fn = timer_event;
	t->ev.fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (t->ev.fd == -1)
		return (errno);
	if ((error = loop_add(g, &t->ev, EPOLLIN)) != 0) {
		(void)close(t->ev.fd);
		t->ev.fd = -1;
	}
	return (error);
}

void
timer_arm(struct timer *t, time_t sec, long nsec, bool periodic)
{
	struct itimerspec its;

	memset(&its, 0, sizeof(its));
	its.it_value.tv_sec = sec;
	its.it_value.tv_nsec = nsec;
	if (periodic)
		its.it_interval = its.it_value;
	(void)timerfd_settime(t->ev.fd, 0, &its, NULL);
}

void
timer_close(struct gbxd *g, struct timer *t)
{

	if (t->ev.fd == -1)
		return;
	loop_del(g, &t->ev);
	(void)close(t->ev.fd);
	t->ev.fd = -1;
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

int
loop_init(struct gbxd *g)
{
	sigset_t ss;

	g->sig.fd = -1;
	STAILQ_INIT(&g->hooks);
	TAILQ_INIT(&g->grave);
	if ((g->epfd = epoll_create1(EPOLL_CLOEXEC)) == -1)
		return (errno);
	sigemptyset(&ss);
	sigaddset(&ss, SIGTERM);
	sigaddset(&ss, SIGINT);
	if (sigprocmask(SIG_BLOCK, &ss, NULL) == -1 ||
	    (g->sig.fd = signalfd(-1, &ss, SFD_NONBLOCK | SFD_CLOEXEC)) == -1)
		return (errno);
	g->sig.fn = on_signal;
	return (loop_add(g, &g->sig, EPOLLIN));
}

/* The end of a turn: the hooks, then the graveyard. */
static void
loop_after(struct gbxd *g)
{
	struct hook *h;

	STAILQ_FOREACH(h, &g->hooks, link)
		if (h->after != NULL)
			h->after(g);
	loop_free_grave(g);
}

/* Has a hook work left, so that the loop must not sleep? */
static bool
loop_busy(const struct gbxd *g)
{
	const struct hook *h;

	STAILQ_FOREACH(h, &g->hooks, link)
		if (h->busy != NULL && h->busy(g))
			return (true);
	return (false);
}

int
loop_run(struct gbxd *g)
{
	struct epoll_event evs[LOOP_BATCH];
	struct ev *ev;
	int i, n;

	for (;;) {
		loop_after(g);
		if (g->quit)
			break;
		n = epoll_wait(g->epfd, evs, LOOP_BATCH, loop_busy(g) ? 0 : -1);
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
	}
	return (0);
}

void
loop_fini(struct gbxd *g)
{

	loop_free_grave(g);
	if (g->sig.fd != -1)
		(void)close(g->sig.fd);
	if (g->epfd != -1)
		(void)close(g->epfd);
}
