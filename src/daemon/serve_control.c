/*
 * serve_control.c: the control socket's messages (kind GBX_KIND_CONTROL): ping,
 * shutdown, persist, domains, dumps and statistics.
 *
 * Dumps are written into the request's bulk memfd in chunks, so that a
 * dump never needs one buffer as large as itself.
 *
 * Domain names are unique among live domains, as xl keeps them (libxl
 * refuses a name another domain has).  The names given at creation are
 * indexed here, by name; default names need no entry, since no other
 * domain may take one (proto/domname.h).  A destroyed domain gives its
 * name up at once, even while it lingers dying.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "daemon/gntboxd.h"
#include "proto/domname.h"
#include "proto/msg.h"
#include "hv/arena.h"
#include "hv/client.h"
#include "hv/domain.h"
#include "hv/mapobj.h"

#define DUMP_CHUNK 256 /* records per pwrite */

/* CTL_PING: the daemon's parameters and pid. */
int
h_ping(struct gbxd *g, struct mconn *c, struct req *r)
{

	(void)c;
	gbxd_hello_reply(g, 0, REPLY_BODY(r, struct gbx_hello_reply));
	return (0);
}

/*
 * CTL_SHUTDOWN: reply, then leave the loop (after this batch of events);
 * main() closes everything.
 */
int
h_shutdown(struct gbxd *g, struct mconn *c, struct req *r)
{

	(void)r;
	gbx_info("shutdown requested by pid %d", (int)c->conn.pid);
	g->quit = true;
	return (0);
}

/* A name given at creation, in g->names. */
struct dom_name {
	RB_ENTRY(dom_name) link;
	uint16_t domid;
	char name[GBX_NAME_MAX];
};

static int
dom_name_cmp(const struct dom_name *a, const struct dom_name *b)
{

	return (strcmp(a->name, b->name));
}

RB_GENERATE_STATIC_UNUSED(dom_names, dom_name, link, dom_name_cmp)

/* The entry of name, or NULL.  O(log n). */
static struct dom_name *
dom_name_find(struct gbxd *g, const char *name)
{
	struct dom_name key;

	(void)snprintf(key.name, sizeof(key.name), "%s", name);
	return (RB_FIND(dom_names, &g->names, &key));
}

/* Domain domid gives up its name (destroyed). */
static void
dom_name_drop(struct gbxd *g, const char *name, unsigned domid)
{
	struct dom_name *n;

	if ((n = dom_name_find(g, name)) != NULL && n->domid == domid) {
		RB_REMOVE(dom_names, &g->names, n);
		free(n);
	}
}

void
ctl_names_fini(struct gbxd *g)
{
	struct dom_name *n;

	while ((n = RB_MIN(dom_names, &g->names)) != NULL) {
		RB_REMOVE(dom_names, &g->names, n);
		free(n);
	}
}

/*
 * The user a CTL_DOMAIN_CREATE binds its domain to, or an errno value
 * (proto.h): gntboxd's own without GBX_CREATE_USER; another one only when
 * gntboxd runs as root, and only one that can reach the runtime
 * directory (rundir_share() opens it to others).
 */
static int
create_uid(struct gbxd *g, const struct gbx_domain_create *dc, uid_t *uidp)
{
	int error;

	*uidp = geteuid();
	if ((dc->flags & GBX_CREATE_USER) == 0 || dc->uid == (uint32_t)*uidp)
		return (0);
	if (geteuid() != 0 || dc->uid == (uint32_t)-1)
		return (EPERM);
	if ((error = rundir_share(g, (uid_t)dc->uid)) != 0)
		return (error);
	*uidp = (uid_t)dc->uid;
	return (0);
}

/*
 * May domain dc->domid be created with dc->name?  EINVAL for a name the
 * rule refuses; EEXIST when the domain exists (0 with EXIST_OK, if it has
 * the name asked for or none was asked) or another domain has the name.
 * Default names never clash: no other domain may take one.
 */
static int
create_check(struct gbxd *g, const struct gbx_domain_create *dc)
{
	struct hv_domain *d;

	if (dc->name[0] != '\0' &&
	    gbx_domain_name_check(dc->name, dc->domid) != GBX_NAME_OK)
		return (EINVAL);
	if ((d = hv_domain_find(&g->hv, dc->domid)) != NULL) {
		if (hv_domain_dying(d))
			return (EBUSY);
		if ((dc->flags & GBX_CREATE_EXIST_OK) != 0 &&
		    (dc->name[0] == '\0' || strcmp(dc->name, d->name) == 0))
			return (-1);
		return (EEXIST);
	}
	if (dc->name[0] != '\0' && dom_name_find(g, dc->name) != NULL)
		return (EEXIST);
	return (0);
}

/*
 * CTL_PERSIST: the daemon stays until CTL_SHUTDOWN (gntbox up); the reply
 * says what idle exit it had.
 */
int
h_persist(struct gbxd *g, struct mconn *c, struct req *r)
{
	struct gbx_persist_reply *rep;

	rep = REPLY_BODY(r, struct gbx_persist_reply);
	rep->idle_exit = background_persist(g, c->conn.pid);
	return (0);
}

/*
 * CTL_DOMAIN_CREATE: the name's entry, the domain (bound to its user),
 * then its device socket, then its xenstore home and socket, then its
 * directory goes to its user (a failure undoes what was
 * made).
 */
int
h_domain_create(struct gbxd *g, struct mconn *c, struct req *r)
{
	struct gbx_domain_create dc;
	struct dom_name *n;
	struct hv_domain *d;
	uid_t uid;
	int error;

	(void)c;
	memcpy(&dc, r->body, sizeof(dc));
	if ((dc.flags & ~(GBX_CREATE_EXIST_OK | GBX_CREATE_USER)) != 0 ||
	    memchr(dc.name, '\0', sizeof(dc.name)) == NULL)
		return (EINVAL);
	if ((error = create_uid(g, &dc, &uid)) != 0)
		return (error);
	if ((error = create_check(g, &dc)) < 0) {
		/* An existing domain will do if it is bound as asked. */
		if ((dc.flags & GBX_CREATE_USER) != 0 &&
		    hv_domain_find(&g->hv, dc.domid)->uid != (uint32_t)uid)
			return (EEXIST);
		return (0);
	}
	if (error != 0)
		return (error);
	n = NULL;
	if (dc.name[0] != '\0') {
		if ((n = calloc(1, sizeof(*n))) == NULL)
			return (ENOMEM);
		n->domid = dc.domid;
		memcpy(n->name, dc.name, sizeof(n->name));
	}
	if ((error = hv_domain_create(&g->hv, dc.domid, dc.name, &d)) != 0) {
		free(n);
		return (error);
	}
	d->uid = (uint32_t)uid;
	if ((error = listen_device(g, dc.domid)) != 0) {
		(void)hv_domain_destroy(d);
		free(n);
		return (error == ENOMEM ? ENOMEM : EIO);
	}
	if ((error = xsd_domain_add(g, dc.domid, d->name)) != 0 ||
	    (error = domain_dir_give(g, dc.domid)) != 0) {
		xsd_domain_remove(g, dc.domid);
		unlisten_device(g, dc.domid);
		(void)hv_domain_destroy(d);
		free(n);
		return (error == ENOMEM ? ENOMEM : EIO);
	}
	/* create_check() found the name free: nothing is replaced. */
	if (n != NULL && RB_INSERT(dom_names, &g->names, n) != NULL)
		free(n);
	if (uid != geteuid())
		gbx_info("domain %u (%s) created for uid %u", d->domid, d->name,
		    (unsigned)uid);
	else
		gbx_info("domain %u (%s) created", d->domid, d->name);
	obs_domain_reset(g, d->domid);
	if (gbxd_tracing(g))
		gbxd_trace(g, d->domid, GBXD_NO_PEER, "created (%s)", d->name);
	return (0);
}

/* Buffered records, flushed into the bulk memfd a chunk at a time. */
struct dump {
	int fd;
	size_t rec;
	uint32_t count;
	uint32_t nbuf;
	int error;
	union {
		struct gbx_domain_rec d[DUMP_CHUNK];
		struct gbx_grant_rec g[DUMP_CHUNK];
		struct gbx_port_rec p[DUMP_CHUNK];
		struct gbx_domstat_rec s[DUMP_CHUNK];
	} buf;
};

static void
dump_flush(struct dump *dp)
{
	uint64_t off;

	if (dp->nbuf == 0 || dp->error != 0)
		return;
	off = (uint64_t)(dp->count - dp->nbuf) * dp->rec;
	dp->error = gbx_bulk_write(dp->fd, &dp->buf, dp->nbuf * dp->rec, off);
	dp->nbuf = 0;
}

/* Room for one more record (filled by the caller). */
static void *
dump_next(struct dump *dp)
{
	void *p;

	if (dp->nbuf == DUMP_CHUNK)
		dump_flush(dp);
	p = (char *)&dp->buf + dp->nbuf * dp->rec;
	memset(p, 0, dp->rec);
	dp->nbuf++;
	dp->count++;
	return (p);
}

/* The last chunk, then the reply that counts the records. */
static int
dump_reply(struct req *r, struct dump *dp)
{
	struct gbx_dump_reply *rep;

	dump_flush(dp);
	if (dp->error != 0)
		return (EPROTO);
	rep = REPLY_BODY(r, struct gbx_dump_reply);
	rep->count = dp->count;
	rep->rec_size = (uint32_t)dp->rec;
	reply_bulk_out(r);
	return (0);
}

/* One dump at a time (one thread): its chunk buffer is static. */
static struct dump *
dump_new(struct req *r, size_t rec)
{
	static struct dump dump;

	memset(&dump, 0, offsetof(struct dump, buf));
	dump.fd = r->bulk;
	dump.rec = rec;
	return (&dump);
}

/* A dump of one domain needs the domain. */
static bool
dump_domain_ok(struct gbxd *g, unsigned domid)
{

	return (
	    domid == GBX_ALL_DOMAINS || hv_domain_find(&g->hv, domid) != NULL);
}

/* One process a destroy killed (or could not): a record, or a count. */
static void
destroy_rec(void *arg, const struct gbx_proc_rec *rec)
{
	struct dump *dp = arg;

	if (dp->fd != -1)
		memcpy(dump_next(dp), rec, sizeof(*rec));
	else
		dp->count++;
}

/*
 * CTL_DOMAIN_DESTROY: mark it dying, kill its processes (procs.c: Xen
 * stops a destroyed domain's vCPUs), close its connections and sockets
 * (its xenstore nodes go and @releaseDomain fires), and retire the arenas
 * that grant to it: a process the kill did not reach may still hold their
 * descriptors, so none of their pages may be granted again, to a domain
 * created later with this id above all (hv/arena.h).  With a bulk memfd
 * the processes are listed (proto.h).
 */
int
h_domain_destroy(struct gbxd *g, struct mconn *c, struct req *r)
{
	struct gbx_dump_reply *rep;
	struct gbx_domain_id di;
	struct hv_domain *d;
	struct dump *dp;
	unsigned killed;

	(void)c;
	memcpy(&di, r->body, sizeof(di));
	if (di.domid == 0)
		return (EPERM);
	if ((d = hv_domain_live(&g->hv, di.domid)) == NULL)
		return (ESRCH);
	gbx_info("domain %u (%s) destroyed", d->domid, d->name);
	if (gbxd_tracing(g))
		gbxd_trace(g, d->domid, GBXD_NO_PEER, "destroyed");
	dom_name_drop(g, d->name, d->domid);
	/*
	 * Its processes first, while d surely exists: the pidfds their
	 * records hold are charged to it.
	 */
	dp = dump_new(r, sizeof(struct gbx_proc_rec));
	killed = procs_kill(g, di.domid, destroy_rec, dp);
	procs_forget(g, di.domid);
	/*
	 * Dying now, so that closing its connections cannot free it under
	 * us; it goes when the last of them is closed and reaped and its
	 * last grant (possibly deferred) has ended.  d may be gone after.
	 */
	(void)hv_domain_destroy(d);
	xsd_domain_remove(g, di.domid);
	unlisten_device(g, di.domid);
	arena_retire_grantee(&g->hv, di.domid);
	if (killed != 0)
		gbx_info("domain %u: %u processes killed", di.domid, killed);
	if (r->bulk != -1)
		return (dump_reply(r, dp));
	rep = REPLY_BODY(r, struct gbx_dump_reply);
	rep->count = dp->count;
	rep->rec_size = sizeof(struct gbx_proc_rec);
	return (0);
}

/*
 * CTL_DOMAIN_JOIN: the process of the pidfd is one of the domain's until
 * this connection closes (procs.c).
 */
int
h_domain_join(struct gbxd *g, struct mconn *c, struct req *r)
{
	struct gbx_domain_id di;
	struct hv_domain *d;
	int error;

	memcpy(&di, r->body, sizeof(di));
	if ((d = hv_domain_live(&g->hv, di.domid)) == NULL)
		return (ESRCH);
	if (c->joined != NULL)
		return (EBUSY);
	if ((error = proc_join(g, d, r->fds[0], &c->joined)) != 0)
		return (error);
	r->fds[0] = -1; /* the record's now */
	return (0);
}

/*
 * CTL_DOMAIN_LIST: one record per domain, dying ones included.
 */
int
h_domain_list(struct gbxd *g, struct mconn *c, struct req *r)
{
	struct gbx_domain_rec *rec;
	struct hv_domain *d;
	struct dump *dp;
	struct listener *l;

	(void)c;
	dp = dump_new(r, sizeof(*rec));
	for (d = hv_domain_first(&g->hv); d != NULL; d = hv_domain_next(d)) {
		rec = dump_next(dp);
		rec->domid = d->domid;
		rec->flags = d->flags;
		l = g->doms[d->domid];
		rec->conns =
		    (l != NULL ? l->nopen : 0) + xsd_domain_conns(g, d->domid);
		rec->grants = d->gt.nused;
		rec->handles = d->mt.nused;
		rec->ports = d->evt.nallocated;
		rec->uid = d->uid;
		memcpy(rec->name, d->name, sizeof(rec->name));
	}
	return (dump_reply(r, dp));
}

/* One grant's record. */
static void
grant_rec(struct gbx_grant_rec *rec, const struct hv_grant *g)
{
	const struct hv_mt *e;
	uint32_t i;

	rec->domid = g->dom->domid;
	rec->flags = g->ent.flags;
	rec->ref = g->ref;
	rec->grantee = g->ent.domid;
	rec->state = g->deferred ? GBX_GRANT_DEFERRED : 0;
	rec->frame = g->ent.frame;
	rec->pin_w = (g->pin & HV_PIN_HSTW_MASK) / HV_PIN_HSTW_INC;
	rec->pin_r = (g->pin & HV_PIN_HSTR_MASK) / HV_PIN_HSTR_INC;
	rec->owner_pid = g->owner != NULL ? g->owner->pid : 0;
	/* One handle per pin. */
	rec->nmappers = rec->pin_w + rec->pin_r;
	i = 0;
	for (e = LIST_FIRST(&g->mappers); e != NULL && i < GBX_REC_MAPPERS;
	     e = LIST_NEXT(e, glink))
		rec->mapper_pid[i++] = e->map != NULL ? e->map->client->pid : 0;
}

/*
 * CTL_GRANTS: one record per grant in use, deferred ones included, in
 * domain then reference order.
 */
int
h_grants(struct gbxd *g, struct mconn *c, struct req *r)
{
	struct gbx_dump q;
	struct hv_domain *d;
	struct hv_grant *gr;
	struct dump *dp;
	uint32_t ref, n;

	(void)c;
	memcpy(&q, r->body, sizeof(q));
	if (!dump_domain_ok(g, q.domid))
		return (ESRCH);
	dp = dump_new(r, sizeof(struct gbx_grant_rec));
	for (d = hv_domain_first(&g->hv); d != NULL; d = hv_domain_next(d)) {
		if (q.domid != GBX_ALL_DOMAINS && d->domid != q.domid)
			continue;
		n = gnttab_nr_entries(&d->gt);
		for (ref = 0; ref < n; ref++) {
			gr = gnttab_entry(&d->gt, ref);
			if (gr->arena != NULL)
				grant_rec(dump_next(dp), gr);
		}
	}
	return (dump_reply(r, dp));
}

/*
 * CTL_PORTS: one record per port in use, in domain then port order.
 */
int
h_ports(struct gbxd *g, struct mconn *c, struct req *r)
{
	struct gbx_port_rec rec;
	struct gbx_dump q;
	struct hv_domain *d;
	struct dump *dp;
	uint32_t port;

	(void)c;
	memcpy(&q, r->body, sizeof(q));
	if (!dump_domain_ok(g, q.domid))
		return (ESRCH);
	dp = dump_new(r, sizeof(struct gbx_port_rec));
	for (d = hv_domain_first(&g->hv); d != NULL; d = hv_domain_next(d)) {
		if (q.domid != GBX_ALL_DOMAINS && d->domid != q.domid)
			continue;
		for (port = 1;
		     port < d->evt.max_ports && d->evt.nallocated != 0; port++)
			if (evtd_port_rec(d, port, &rec))
				memcpy(dump_next(dp), &rec, sizeof(rec));
	}
	return (dump_reply(r, dp));
}

/*
 * CTL_STATS: the hypervisor's counters, which the daemon's own share,
 * and the xenstore levels.
 */
int
h_stats(struct gbxd *g, struct mconn *c, struct req *r)
{
	struct gbx_stats *st;
	struct hv_domain *d;

	(void)c;
	st = REPLY_BODY(r, struct gbx_stats);
	*st = g->hv.st;
	/* Ports are counted by their tables; a sum over the domains. */
	st->ports = 0;
	for (d = hv_domain_first(&g->hv); d != NULL; d = hv_domain_next(d))
		st->ports += d->evt.nallocated;
	xsd_stats(g, st);
	st->size = sizeof(*st);
	st->pad = 0;
	return (0);
}

/*
 * CTL_DOMSTATS: per-domain levels from the hypervisor model and totals
 * from observe.c; events are summed over the domain's open event-channel
 * handles first (one pass over all handles).
 */
int
h_domstats(struct gbxd *g, struct mconn *c, struct req *r)
{
	struct gbx_domstat_rec *rec;
	struct gbx_dump q;
	struct hv_domain *d;
	struct obs_dom *od;
	struct dump *dp;

	(void)c;
	memcpy(&q, r->body, sizeof(q));
	if (!dump_domain_ok(g, q.domid))
		return (ESRCH);
	evtd_sum_events(g);
	dp = dump_new(r, sizeof(*rec));
	for (d = hv_domain_first(&g->hv); d != NULL; d = hv_domain_next(d)) {
		if (q.domid != GBX_ALL_DOMAINS && d->domid != q.domid)
			continue;
		rec = dump_next(dp);
		rec->domid = d->domid;
		rec->flags = d->flags;
		rec->grants = d->gt.nused;
		rec->handles = d->mt.nused;
		rec->ports = d->evt.nallocated;
		if ((od = obs_dom(g, d->domid)) != NULL) {
			rec->events = od->events_gone + od->events_sum;
			rec->xs_ops = od->xs_ops;
			rec->denials = od->denials;
			rec->unlogged = od->unlogged;
		}
		memcpy(rec->name, d->name, sizeof(rec->name));
	}
	return (dump_reply(r, dp));
}
