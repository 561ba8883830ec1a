/*
 * Unit test: every sequence of up to DEPTH operations on two ports of an
 * event page (notify, unmask, read, unbind or rebind, reset) gives what
 * Linux's /dev/xen/evtchn on Xen gives, step by step.
 *
 * The reference is a model written from the sources: Xen's 2-level
 * pending and mask bits (xen/common/event_channel.c: a send to a masked
 * port only sets pending), Linux's late-EOI interrupt (events_base.c:
 * lateeoi_ack_dynirq masks the port and clears pending when the event
 * arrives; xen_irq_lateeoi unmasks, and a port pending by then is raised
 * again) and its evtchn driver (evtchn.c: the interrupt handler clears
 * `enabled` and appends the port to the ring, or sets ring_overflow when
 * the ring is full; read() fails with EFBIG after an overflow, EAGAIN on
 * an empty ring; write() re-enables only a port that is not enabled;
 * unbind leaves the port's entries in the ring; bind starts enabled;
 * RESET empties the ring and clears the overflow).  The ring is small
 * here (2, then 3 entries, written into the page) so that short sequences
 * overflow it.
 *
 * Checked after every step: the notify's result (fired, kept pending,
 * stale), whether an unmask fired the port again, what a read returns
 * (EFBIG, EAGAIN, or a port the model's ring holds: the ring's order is
 * not kept, docs/differences.md), whether the eventfd polls readable
 * exactly when the model's ring has an entry, and, at some leaves, the
 * eventfd's count against the page's entries and debt.
 */
#include <sys/eventfd.h>
#include <sys/mman.h>

#include <errno.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "evtpage_util.h"
#include "proto/evtpage.h"

#define DEPTH 6
#define NOPS  8
#define NP    2

/* Two ports in different selector words. */
static const uint32_t port_no[NP] = { 1, 64 };

/* Linux + Xen, for the two ports of one open /dev/xen/evtchn. */
struct model {
	bool bound[NP];
	bool enabled[NP]; /* Linux's user_evtchn.enabled */
	bool pending[NP]; /* Xen's pending bit (set while masked) */
	int ring[NP];	  /* the port's entries in the ring */
	int total, size;
	bool overflow;
};

/* What gntbox keeps: the page words the two ports use. */
struct saved {
	struct model m;
	uint32_t gen[NP];
	uint64_t slot[NP], sel[2], summary;
	int32_t queued, debt;
	uint32_t overflow;
};

static struct gbx_evtpage *pg;
static int efd;
static uint32_t gen[NP], next_gen = 1;
static unsigned long nsteps, nleaves;

/* The interrupt handler's append (evtchn_interrupt). */
static void
m_push(struct model *m, int i)
{

	if (m->total < m->size) {
		m->ring[i]++;
		m->total++;
	} else
		m->overflow = true;
}

/*
 * A send to port i: dropped when it is not bound (on Xen the remote end
 * is unbound then; here gntboxd's slow path drops it), pending when
 * masked, otherwise the interrupt.  Returns the page's expected answer.
 */
static enum evtpage_result
m_notify(struct model *m, int i)
{

	if (!m->bound[i])
		return (EVTPAGE_STALE);
	if (!m->enabled[i]) {
		m->pending[i] = true;
		return (EVTPAGE_COALESCED);
	}
	m->enabled[i] = false;
	m_push(m, i);
	return (EVTPAGE_DELIVERABLE);
}

/* write() of port i: returns whether it fired again. */
static bool
m_unmask(struct model *m, int i)
{

	if (!m->bound[i] || m->enabled[i])
		return (false);
	m->enabled[i] = true;
	if (!m->pending[i])
		return (false);
	m->pending[i] = false;
	m->enabled[i] = false;
	m_push(m, i);
	return (true);
}

static uint64_t
entries(void)
{
	uint64_t n = 0;
	int i;

	for (i = 0; i < NP; i++)
		n += (atomic_load(&pg->slot[port_no[i]]) >> GBX_SLOT_Q_SHIFT) &
		    GBX_SLOT_Q_MAX;
	return (n);
}

/* The counts the eventfd holds when nobody is in the middle of a step. */
static uint64_t
counts(void)
{

	return (entries() + (uint64_t)atomic_load(&pg->debt));
}

static bool
readable(void)
{
	struct pollfd p = { .fd = efd, .events = POLLIN };

	return (poll(&p, 1, 0) == 1 && (p.revents & POLLIN) != 0);
}

static void
save(struct saved *s, const struct model *m)
{
	int i;

	s->m = *m;
	for (i = 0; i < NP; i++) {
		s->gen[i] = gen[i];
		s->slot[i] = atomic_load(&pg->slot[port_no[i]]);
	}
	s->sel[0] = atomic_load(&pg->sel[0]);
	s->sel[1] = atomic_load(&pg->sel[1]);
	s->summary = atomic_load(&pg->summary);
	s->queued = atomic_load(&pg->queued);
	s->debt = atomic_load(&pg->debt);
	s->overflow = atomic_load(&pg->overflow);
}

/* Put the page, the eventfd's count and the model back as saved. */
static void
restore(const struct saved *s, struct model *m)
{
	uint64_t cur, want;
	eventfd_t v;
	int i;

	cur = counts();
	*m = s->m;
	for (i = 0; i < NP; i++) {
		gen[i] = s->gen[i];
		atomic_store(&pg->slot[port_no[i]], s->slot[i]);
	}
	atomic_store(&pg->sel[0], s->sel[0]);
	atomic_store(&pg->sel[1], s->sel[1]);
	atomic_store(&pg->summary, s->summary);
	atomic_store(&pg->queued, s->queued);
	atomic_store(&pg->debt, s->debt);
	atomic_store(&pg->overflow, s->overflow);
	want = counts();
	for (; cur > want; cur--)
		REQUIRE(eventfd_read(efd, &v) == 0);
	if (want > cur)
		REQUIRE(eventfd_write(efd, want - cur) == 0);
}

/* One operation on both sides; false (and a message) when they differ. */
static bool
step(struct model *m, int op, char *trace, size_t tlen)
{
	enum evtpage_result want;
	uint32_t port;
	int i = op & 1, err;
	bool ok = true, fired;

	nsteps++;
	switch (op >> 1) {
	case 0: /* notify (a stale generation once unbound) */
		want = m_notify(m, i);
		ok = evtpage_notify(pg, efd, port_no[i], gen[i]) == want;
		snprintf(trace + strlen(trace), tlen - strlen(trace), " N%d",
		    i);
		break;
	case 1: /* unmask */
		fired = m_unmask(m, i);
		ok = evtpage_unmask(pg, efd, port_no[i]) == fired;
		snprintf(trace + strlen(trace), tlen - strlen(trace), " U%d",
		    i);
		break;
	case 2: /* unbind, or bind again */
		if (m->bound[i]) {
			m->bound[i] = false;
			evtpage_unbind(pg, port_no[i]);
		} else {
			m->bound[i] = m->enabled[i] = true;
			m->pending[i] = false;
			gen[i] = next_gen++;
			evtpage_bind(pg, port_no[i], gen[i]);
		}
		snprintf(trace + strlen(trace), tlen - strlen(trace), " B%d",
		    i);
		break;
	default:
		if (i == 1) {
			m->ring[0] = m->ring[1] = m->total = 0;
			m->overflow = false;
			evtpage_reset(pg, efd);
			snprintf(trace + strlen(trace), tlen - strlen(trace),
			    " X");
			break;
		}
		snprintf(trace + strlen(trace), tlen - strlen(trace), " R");
		err = evtpage_wait_take(pg, efd, true, &port);
		if (m->overflow)
			ok = err == EFBIG;
		else if (m->total == 0)
			ok = err == EAGAIN;
		else if (err != 0)
			ok = false;
		else if (port == port_no[0] && m->ring[0] > 0)
			m->ring[0]--, m->total--;
		else if (port == port_no[1] && m->ring[1] > 0)
			m->ring[1]--, m->total--;
		else
			ok = false;
		break;
	}
	if (ok && readable() != (m->total > 0))
		ok = false;
	if (!ok)
		check_fail(__FILE__, __LINE__, "differs from Linux after:%s",
		    trace);
	return (ok);
}

static bool
dfs(struct model *m, int depth, char *trace, size_t tlen)
{
	struct saved s;
	size_t tl;
	int op;

	if (depth == DEPTH) {
		if (++nleaves % 61 == 0 && eu_efd_count(efd) != counts()) {
			check_fail(__FILE__, __LINE__,
			    "eventfd holds %llu counts for %llu after:%s",
			    (unsigned long long)eu_efd_count(efd),
			    (unsigned long long)counts(), trace);
			return (false);
		}
		return (true);
	}
	tl = strlen(trace);
	for (op = 0; op < NOPS; op++) {
		save(&s, m);
		if (!step(m, op, trace, tlen) ||
		    !dfs(m, depth + 1, trace, tlen))
			return (false);
		restore(&s, m);
		trace[tl] = '\0';
	}
	return (true);
}

static void
run(int ring)
{
	struct model m;
	char trace[256];
	int i;

	memset(&m, 0, sizeof(m));
	m.size = ring;
	evtpage_init(pg, GBX_EVT_MAX_PORTS);
	atomic_store(&pg->ring, (uint32_t)ring);
	for (i = 0; i < NP; i++) {
		gen[i] = next_gen++;
		evtpage_bind(pg, port_no[i], gen[i]);
		m.bound[i] = m.enabled[i] = true;
	}
	trace[0] = '\0';
	nsteps = nleaves = 0;
	CHECK(dfs(&m, 0, trace, sizeof(trace)));
	printf("ring of %d: %lu sequences of %d steps, %lu steps: as Linux\n",
	    ring, nleaves, DEPTH, nsteps);
}

int
main(void)
{

	pg = eu_page_new(GBX_EVT_MAX_PORTS);
	efd = eu_efd_new();
	run(2);
	run(3);
	eu_page_free(pg);
	close(efd);
	return (check_exit());
}
