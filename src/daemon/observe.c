/*
 * observe.c: what gntboxd tells about the domains while they work:
 * per-domain counters, denials, and the trace.
 *
 * Counters.  Each domain has a struct obs_dom, made on first use in an
 * array indexed by domain id (O(1) on every request) and cleared when a
 * domain of that id is created, so a new domain starts from zero.  The
 * levels `gntbox top` shows (grants, maps, ports) come from the
 * hypervisor model itself; the totals (xenstore requests, events,
 * denials) are counted here and where the events are (serve_evtchn.c).
 *
 * Denials.  Every refusal of what a domain asked (a grant map or copy
 * refused, a port bind refused, a xenstore request refused on
 * permissions, a privcmd hypercall refused) goes through gbxd_deny():
 * counted, traced, and logged at warn.  A client can provoke refusals
 * as fast as it can send requests, so the log lines are rate-limited,
 * per domain (so one domain cannot hide another's) and over all domains
 * (so many domains together cannot flood the log either); refusals kept
 * out are counted, and the domain's next logged refusal says how many
 * went unlogged before it.
 *
 * Trace.  gbxd_trace() formats one line, "TIMESTAMP dom D what", and
 * hands it to the tracers (feed.c) that follow domain D or the other
 * domain involved.  Callers check gbxd_tracing() first, so that an
 * untraced daemon formats nothing.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xen/xen.h>
#include <xen/grant_table.h>

#include "base/log.h"
#include "daemon/gntboxd.h"
#include "hv/domain.h"

/* Denial lines: per domain, and for all domains together. */
#define DENY_DOM_BURST 20
#define DENY_DOM_RATE  5 /* lines per second, after the burst */
#define DENY_ALL_BURST 100
#define DENY_ALL_RATE  20

int
observe_init(struct gbxd *g)
{

	TAILQ_INIT(&g->log_feeds);
	TAILQ_INIT(&g->trace_feeds);
	g->deny_rl.burst = DENY_ALL_BURST;
	g->deny_rl.per_sec = DENY_ALL_RATE;
	if ((g->obs = calloc(GBX_DOMID_MAX + 1, sizeof(*g->obs))) == NULL)
		return (ENOMEM);
	return (0);
}

void
observe_fini(struct gbxd *g)
{
	unsigned i;

	for (i = 0; g->obs != NULL && i <= GBX_DOMID_MAX; i++)
		free(g->obs[i]);
	free(g->obs);
	g->obs = NULL;
}

struct obs_dom *
obs_dom(struct gbxd *g, unsigned domid)
{
	struct obs_dom *od;

	if (domid > GBX_DOMID_MAX || g->obs == NULL)
		return (NULL);
	if ((od = g->obs[domid]) != NULL)
		return (od);
	if ((od = calloc(1, sizeof(*od))) == NULL)
		return (NULL);
	od->rl.burst = DENY_DOM_BURST;
	od->rl.per_sec = DENY_DOM_RATE;
	g->obs[domid] = od;
	return (od);
}

void
obs_domain_reset(struct gbxd *g, unsigned domid)
{

	if (domid <= GBX_DOMID_MAX && g->obs != NULL) {
		free(g->obs[domid]);
		g->obs[domid] = NULL;
	}
}

void
gbxd_trace(struct gbxd *g, unsigned actor, unsigned peer, const char *fmt, ...)
{
	char line[GBX_LOG_LINE_MAX];
	va_list ap;
	int n, m;

	if (!gbxd_tracing(g))
		return;
	gbx_log_timestamp(line, sizeof(line));
	n = (int)strlen(line);
	n += snprintf(line + n, sizeof(line) - (size_t)n, " dom %u ", actor);
	va_start(ap, fmt);
	/*
	 * clang-tidy 14 sees an uninitialised va_list here when it has
	 * analysed another file first (as in src/cli/util.c).
	 */
	/* NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized) */
	m = vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	if (m > 0)
		n += m;
	if ((size_t)n >= sizeof(line))
		n = (int)sizeof(line) - 1;
	feed_line(g, GBX_FEED_TRACE, GBX_LEVEL_INFO, actor, peer, line,
	    (size_t)n);
}

void
gbxd_deny(struct gbxd *g, unsigned domid, const char *op, const char *fmt, ...)
{
	char why[GBX_LOG_LINE_MAX / 2], more[96];
	struct obs_dom *od;
	va_list ap;

	va_start(ap, fmt);
	/* NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized) */
	(void)vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (gbxd_tracing(g))
		gbxd_trace(g, domid, GBXD_NO_PEER, "DENIED %s: %s", op, why);
	if ((od = obs_dom(g, domid)) == NULL)
		return;
	od->denials++;
	if (!gbx_ratelimit_ok(&od->rl) || !gbx_ratelimit_ok(&g->deny_rl)) {
		od->unlogged++;
		od->unreported++;
		return;
	}
	more[0] = '\0';
	if (od->unreported != 0) {
		(void)snprintf(more, sizeof(more),
		    " (and %llu earlier denials of domain %u not logged: rate "
		    "limit)",
		    (unsigned long long)od->unreported, domid);
		od->unreported = 0;
	}
	gbx_warn("domain %u denied %s: %s%s", domid, op, why, more);
}

/* Xen's GNTST_* statuses (grant_table.h), by -status. */
static const char *const gntst_names[] = { "GNTST_okay", "GNTST_general_error",
	"GNTST_bad_domain", "GNTST_bad_gntref", "GNTST_bad_handle",
	"GNTST_bad_virt_addr", "GNTST_bad_dev_addr", "GNTST_no_device_space",
	"GNTST_permission_denied", "GNTST_bad_page", "GNTST_bad_copy_arg",
	"GNTST_address_too_big", "GNTST_eagain", "GNTST_no_space" };
static const char *const gntst_texts[] = GNTTABOP_error_msgs;

_Static_assert(sizeof(gntst_names) / sizeof(gntst_names[0]) ==
	sizeof(gntst_texts) / sizeof(gntst_texts[0]),
    "one name per GNTST_* status");

/* A known GNTST_* status (0, -1, ...) as an index of the tables. */
static bool
gntst_known(int status)
{

	return (status <= 0 &&
	    -status < (int)(sizeof(gntst_names) / sizeof(gntst_names[0])));
}

const char *
gbxd_gntst_name(int status)
{

	return (gntst_known(status) ? gntst_names[-status] : "GNTST_unknown");
}

const char *
gbxd_gntst_text(int status)
{

	return (gntst_known(status) ? gntst_texts[-status] : "unknown status");
}

const char *
gbxd_errno_name(int error)
{
	const char *name;

	name = strerrorname_np(error);
	return (name != NULL ? name : "E?");
}

/*
 * CTL_TRACE: from the reply on, the connection gets a line per operation
 * of the domain it names (or of all).
 */
int
h_trace(struct gbxd *g, struct mconn *c, struct req *r)
{
	struct gbx_dump q;

	memcpy(&q, r->body, sizeof(q));
	if (q.domid != GBX_ALL_DOMAINS &&
	    hv_domain_find(&g->hv, q.domid) == NULL)
		return (ESRCH);
	return (
	    feed_subscribe(g, c, r, GBX_FEED_TRACE, q.domid, GBX_LEVEL_DEBUG));
}
