/*
 * hangup.c: the watcher thread that notices gntboxd going away
 * (hangup.h).
 *
 * Why a thread.  A program waits for events in its own poll(), select(),
 * epoll_wait() or read() on the eventfd we gave it, and none of them can
 * see gntboxd's sockets; checking the connection on every wait would cost
 * a system call on the path docs/performance.md counts.  One thread per
 * process, asleep in poll() on the connections' sockets, costs nothing
 * until something happens.
 *
 * The set.  Entries live in one list under hup_lock.  Every change bumps
 * hup_gen and writes the watcher's eventfd.  The watcher builds its poll
 * set under the lock, polls without it, and trusts what poll() said only
 * if hup_gen has not moved meanwhile: a removed entry's socket may have
 * been closed and its number reused by then, but a removal always bumps
 * the generation first (gbx_hangup_del runs before the close), so a stale
 * answer is never believed, and the entries it names are still there.
 *
 * Fork.  The thread does not survive fork(); the child forgets it and its
 * eventfd (the parent's), and starts its own at its first add.  Inherited
 * entries stay in the child's list: their sockets are the parent's too,
 * and hang up when gntboxd goes, as the parent's do.
 */
#include <sys/eventfd.h>

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/tree.h"
#include "client/hangup.h"

struct gbx_hangup {
	TAILQ_ENTRY(gbx_hangup) link;
	int sock;
	bool hung; /* it hung up: gone() ran, out of the poll set */
	void (*gone)(void *);
	void *arg;
};

TAILQ_HEAD(gbx_hangups, gbx_hangup);

static pthread_mutex_t hup_lock = PTHREAD_MUTEX_INITIALIZER;
static struct gbx_hangups hup_list = TAILQ_HEAD_INITIALIZER(hup_list);
static unsigned hup_live;     /* entries not hung up */
static uint64_t hup_gen;      /* changes to the list */
static void (*hup_say)(void); /* NULL: watching is off */
static bool hup_said;	      /* hup_say ran */
static bool hup_running;      /* this process has its watcher */
static int hup_wake = -1;     /* the watcher's eventfd */

/* The watcher's poll set: [0] is hup_wake, [i] watches hup_ent[i]. */
static struct pollfd *hup_pfd;
static struct gbx_hangup **hup_ent;
static unsigned hup_cap;

/* The list changed: the watcher must build its set again.  Locked. */
static void
hup_changed(void)
{
	uint64_t one = 1;

	hup_gen++;
	/* It fails only with a count near 2^64: readable then anyway. */
	if (hup_wake != -1 && write(hup_wake, &one, sizeof(one)) == -1)
		return;
}

/*
 * Build the poll set from the live entries; returns its size.  Without
 * memory to grow, it watches the entries that fit (one is enough to see
 * gntboxd go).  Locked.
 */
static unsigned
hup_build(void)
{
	struct gbx_hangup *h, **ent;
	struct pollfd *pfd;
	unsigned n, want;

	want = hup_live + 1;
	if (want > hup_cap) {
		pfd = realloc(hup_pfd, want * sizeof(*pfd));
		if (pfd != NULL)
			hup_pfd = pfd;
		ent = realloc(hup_ent, want * sizeof(*ent));
		if (ent != NULL)
			hup_ent = ent;
		if (pfd != NULL && ent != NULL)
			hup_cap = want;
	}
	hup_pfd[0].fd = hup_wake;
	hup_pfd[0].events = POLLIN;
	n = 1;
	TAILQ_FOREACH(h, &hup_list, link) {
		if (h->hung || n == hup_cap)
			continue;
		/* No event asked for: only POLLHUP, POLLERR, POLLNVAL. */
		hup_pfd[n].fd = h->sock;
		hup_pfd[n].events = 0;
		hup_ent[n++] = h;
	}
	return (n);
}

/*
 * The watcher: sleep in poll() until the set changes or a socket hangs
 * up; each entry that hung up gets its gone() once, and the process's
 * first hangup is said once, outside the lock (saying may block on a
 * full stderr, and nothing else must wait for it).
 */
static void *
hup_watch(void *unused)
{
	void (*say)(void);
	uint64_t gen, v;
	unsigned n, i;
	bool hung;

	(void)unused;
	(void)pthread_mutex_lock(&hup_lock);
	for (;;) {
		n = hup_build();
		gen = hup_gen;
		(void)pthread_mutex_unlock(&hup_lock);
		if (poll(hup_pfd, n, -1) == -1)
			for (i = 0; i < n; i++)
				hup_pfd[i].revents = 0;
		/* Drained; a failure leaves it readable for the next round. */
		if ((hup_pfd[0].revents & POLLIN) != 0 &&
		    read(hup_wake, &v, sizeof(v)) == -1)
			v = 0;
		(void)pthread_mutex_lock(&hup_lock);
		if (gen != hup_gen)
			continue;
		hung = false;
		for (i = 1; i < n; i++) {
			if (hup_pfd[i].revents == 0)
				continue;
			hup_ent[i]->hung = true;
			hup_live--;
			if (hup_ent[i]->gone != NULL)
				hup_ent[i]->gone(hup_ent[i]->arg);
			hung = true;
		}
		if (hung && !hup_said) {
			hup_said = true;
			say = hup_say;
			(void)pthread_mutex_unlock(&hup_lock);
			say();
			(void)pthread_mutex_lock(&hup_lock);
		}
	}
	return (NULL);
}

/*
 * Start this process's watcher, with every signal blocked so that the
 * program's handlers never run on it.  A failure leaves it for the next
 * add to try again.  Locked.
 */
static void
hup_start(void)
{
	pthread_attr_t attr;
	pthread_t tid;
	sigset_t all, old;
	int error;

	if (hup_cap == 0) {
		/* Room for the eventfd at least: hup_build only grows it. */
		if (hup_pfd == NULL)
			hup_pfd = calloc(1, sizeof(*hup_pfd));
		if (hup_ent == NULL)
			hup_ent = calloc(1, sizeof(*hup_ent));
		if (hup_pfd == NULL || hup_ent == NULL)
			return;
		hup_cap = 1;
	}
	if ((hup_wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) == -1)
		return;
	if (pthread_attr_init(&attr) != 0) {
		(void)close(hup_wake);
		hup_wake = -1;
		return;
	}
	(void)pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	(void)sigfillset(&all);
	(void)pthread_sigmask(SIG_SETMASK, &all, &old);
	error = pthread_create(&tid, &attr, hup_watch, NULL);
	(void)pthread_sigmask(SIG_SETMASK, &old, NULL);
	(void)pthread_attr_destroy(&attr);
	if (error != 0) {
		(void)close(hup_wake);
		hup_wake = -1;
		return;
	}
	hup_running = true;
}

static void
hup_fork_prepare(void)
{

	(void)pthread_mutex_lock(&hup_lock);
}

static void
hup_fork_parent(void)
{

	(void)pthread_mutex_unlock(&hup_lock);
}

/* The child has no watcher, and the eventfd it inherited is the parent's. */
static void
hup_fork_child(void)
{

	hup_running = false;
	if (hup_wake != -1)
		(void)close(hup_wake);
	hup_wake = -1;
	(void)pthread_mutex_unlock(&hup_lock);
}

void
gbx_hangup_enable(void (*say)(void))
{
	bool first;

	(void)pthread_mutex_lock(&hup_lock);
	first = hup_say == NULL;
	hup_say = say;
	(void)pthread_mutex_unlock(&hup_lock);
	if (first)
		(void)pthread_atfork(hup_fork_prepare, hup_fork_parent,
		    hup_fork_child);
}

struct gbx_hangup *
gbx_hangup_add(int sock, void (*gone)(void *), void *arg)
{
	struct gbx_hangup *h;

	(void)pthread_mutex_lock(&hup_lock);
	if (hup_say == NULL || (h = calloc(1, sizeof(*h))) == NULL) {
		(void)pthread_mutex_unlock(&hup_lock);
		return (NULL);
	}
	h->sock = sock;
	h->gone = gone;
	h->arg = arg;
	TAILQ_INSERT_TAIL(&hup_list, h, link);
	hup_live++;
	hup_changed();
	if (!hup_running)
		hup_start();
	(void)pthread_mutex_unlock(&hup_lock);
	return (h);
}

void
gbx_hangup_del(struct gbx_hangup *h)
{

	if (h == NULL)
		return;
	(void)pthread_mutex_lock(&hup_lock);
	TAILQ_REMOVE(&hup_list, h, link);
	if (!h->hung)
		hup_live--;
	hup_changed();
	(void)pthread_mutex_unlock(&hup_lock);
	free(h);
}
