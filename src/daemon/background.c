/*
 * background.c: what gntboxd does between requests, as a loop hook and
 * two timers.
 *
 * - The reaper: after every batch of events, one step of the
 *   hypervisor's reap queue (hv.h), at most GBXD_REAP_BUDGET units: what
 *   closed grant-device clients held, and closed event-channel handles.
 *   While the queue has work the loop does not sleep.
 * - Deferred passes: a timer runs one bounded pass over the deferred
 *   list (hv/deferred.h), at once while a deferred grant is ready, every
 *   GBXD_DEFERRED_PERIOD seconds while some still wait.
 * - The idle exit (--idle-exit, which `gntbox run` gives a daemon it
 *   starts): a timer that ends the loop when no client has been connected
 *   for that long, taking every domain and xenstore node with it; the log
 *   says so at start-up and at exit.  CTL_PERSIST (`gntbox up`) turns it
 *   off for good.
 *
 * Both timers are armed after the reaper's step, for what it left.
 */
#include <string.h>

#include "base/log.h"
#include "daemon/gntboxd.h"
#include "hv/deferred.h"

#define DEFERRED_OFF	   0
#define DEFERRED_PERIODIC  1
#define DEFERRED_IMMEDIATE 2

/* One bounded pass over the deferred list. */
static void
deferred_fire(struct gbxd *g, struct timer *t)
{
	unsigned n;

	(void)t;
	if (g->deferred_state == DEFERRED_IMMEDIATE)
		g->deferred_state = DEFERRED_OFF; /* the one-shot fired */
	n = hv_deferred_pass(&g->hv, GBXD_DEFERRED_BUDGET);
	if (n != 0)
		gbx_debug("deferred pass released %u grants", n);
}

static void
idle_fire(struct gbxd *g, struct timer *t)
{

	(void)t;
	g->idle_armed = false;
	if (g->nconns == 0) {
		gbx_info("no client for %u seconds (--idle-exit): exiting, and "
			 "every domain and xenstore node with it",
		    g->idle_exit);
		g->quit = true;
	}
}

unsigned
background_persist(struct gbxd *g, pid_t pid)
{
	unsigned was;

	if ((was = g->idle_exit) == 0)
		return (0);
	g->idle_exit = 0;
	if (g->idle_armed) {
		timer_arm(&g->idle, 0, 0, false);
		g->idle_armed = false;
	}
	gbx_info("pid %d asked this daemon to stay, as 'gntbox up' does: no "
		 "idle exit any more, it runs until 'gntbox down'",
	    (int)pid);
	return (was);
}

/* Arm the deferred timer for what the deferred list holds now. */
static void
deferred_arm(struct gbxd *g)
{

	if (g->hv.nready > 0) {
		if (g->deferred_state != DEFERRED_IMMEDIATE) {
			timer_arm(&g->deferred, 0, 1, false);
			g->deferred_state = DEFERRED_IMMEDIATE;
		}
	} else if (g->hv.st.deferred > 0) {
		if (g->deferred_state != DEFERRED_PERIODIC) {
			timer_arm(&g->deferred, GBXD_DEFERRED_PERIOD, 0, true);
			g->deferred_state = DEFERRED_PERIODIC;
		}
	} else if (g->deferred_state != DEFERRED_OFF) {
		timer_arm(&g->deferred, 0, 0, false);
		g->deferred_state = DEFERRED_OFF;
	}
}

/* Arm the idle timer while no client is connected, disarm it otherwise. */
static void
idle_arm(struct gbxd *g)
{

	if (g->idle_exit == 0)
		return;
	if (g->nconns == 0 && !g->idle_armed) {
		timer_arm(&g->idle, (time_t)g->idle_exit, 0, false);
		g->idle_armed = true;
	} else if (g->nconns > 0 && g->idle_armed) {
		timer_arm(&g->idle, 0, 0, false);
		g->idle_armed = false;
	}
}

/* After every batch: a step of the reaper, then the timers. */
static void
background_after(struct gbxd *g)
{

	if (hv_reap_pending(&g->hv))
		(void)hv_reap(&g->hv, GBXD_REAP_BUDGET);
	deferred_arm(g);
	idle_arm(g);
}

static bool
background_busy(const struct gbxd *g)
{

	return (hv_reap_pending(&g->hv));
}

/*
 * A listener paused when accept found no descriptor (listener.c) and no
 * connection has closed since: try again, lest a failure that passed
 * (another process's descriptors, memory) keep it deaf for good.
 */
static void
resume_fire(struct gbxd *g, struct timer *t)
{

	(void)t;
	listener_resume_all(g);
}

int
background_init(struct gbxd *g)
{
	int error;

	g->deferred.ev.fd = g->idle.ev.fd = g->resume.ev.fd = -1;
	if ((error = timer_open(g, &g->deferred, deferred_fire)) != 0 ||
	    (error = timer_open(g, &g->idle, idle_fire)) != 0 ||
	    (error = timer_open(g, &g->resume, resume_fire)) != 0)
		return (error);
	memset(&g->bg_hook, 0, sizeof(g->bg_hook));
	g->bg_hook.after = background_after;
	g->bg_hook.busy = background_busy;
	loop_hook(g, &g->bg_hook);
	return (0);
}

void
background_fini(struct gbxd *g)
{

	timer_close(g, &g->deferred);
	timer_close(g, &g->idle);
	timer_close(g, &g->resume);
}
