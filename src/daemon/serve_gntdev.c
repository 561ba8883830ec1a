/*
 * serve_gntdev.c: the grant-device messages (kind GBX_KIND_GNTDEV).
 *
 * dispatch.c has checked each message's shape, count and tail; these
 * handlers check what the hypervisor model does not (flags), call it, and
 * build the reply.  A reply that refers to arenas this connection has not
 * been sent yet attaches their descriptors (at most GBX_MAX_FDS; the
 * client asks for the rest with ARENA_GET).  When a reply's tail cannot
 * be written into the client's bulk memfd, what the request did is undone
 * and the answer is EPROTO: nothing is left that the client does not know
 * of.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "daemon/gntboxd.h"
#include "hv/adopt.h"
#include "hv/arena.h"
#include "hv/client.h"
#include "hv/copypin.h"
#include "hv/domain.h"
#include "hv/mapobj.h"
#include "hv/notify.h"
#include "hv/share.h"

/* Descriptors of arenas going out with one reply. */
struct fdset {
	struct gbx_fdlist list;
	int fds[GBX_MAX_FDS];
	struct hv_arena *arenas[GBX_MAX_FDS];
};

/* Add a's descriptor unless c has it already or the reply is full. */
static void
fdset_add(struct fdset *s, struct hv_client *c, struct hv_arena *a)
{
	uint32_t i;
	int fd;

	if (a == NULL || arena_sent(a, c) ||
	    (fd = arena_fd_for(a, c->dom->domid)) == -1)
		return;
	for (i = 0; i < s->list.nfds; i++)
		if (s->arenas[i] == a)
			return;
	if (s->list.nfds == GBX_MAX_FDS)
		return;
	s->arenas[s->list.nfds] = a;
	s->fds[s->list.nfds] = fd;
	s->list.arena[s->list.nfds++] = a->id;
}

/*
 * The reply is built and can no longer fail: its descriptors go with it,
 * and the client has these arenas from now on.  A record we cannot make
 * only means the arena may be sent again.
 */
static void
fdset_commit(const struct fdset *s, struct hv_client *c, struct req *r)
{
	uint32_t i;

	reply_fds(r, s->fds, s->list.nfds);
	for (i = 0; i < s->list.nfds; i++)
		(void)arena_mark_sent(s->arenas[i], c);
}

/* The arenas of the results that succeeded go with the reply. */
static void
fdset_add_results(struct fdset *fs, struct gbxd *g, struct hv_client *c,
    const struct gbx_map_result *res, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		if (res[i].status == GNTST_okay &&
		    (i == 0 || res[i].arena != res[i - 1].arena))
			fdset_add(fs, c, arena_by_id(&g->hv, res[i].arena));
}

/*
 * ALLOC: share fresh pages; the reply carries the refs and, the first
 * time, the arena's descriptor.  If the refs cannot be written back to
 * the bulk memfd, the grants are ended again.
 */
int
h_alloc(struct gbxd *g, struct mconn *c, struct req *r)
{
	struct gbx_alloc a;
	struct gbx_alloc_reply *ar;
	struct hv_arena *arena;
	struct fdset fs;
	uint32_t *refs, i;
	uint64_t first;
	int error;

	memcpy(&a, r->body, sizeof(a));
	if ((a.flags & ~GBX_ALLOC_WRITABLE) != 0 || a.domid > GBX_DOMID_MAX)
		return (EINVAL);
	if ((refs = malloc((size_t)r->count * sizeof(*refs))) == NULL)
		return (ENOMEM);
	error =
	    hv_share(c->client, a.domid, (a.flags & GBX_ALLOC_WRITABLE) != 0,
		r->count, refs, &arena, &first);
	if (error != 0) {
		free(refs);
		return (error);
	}
	if (reply_tail(r, refs, (size_t)r->count * sizeof(*refs)) != 0) {
		for (i = 0; i < r->count; i++)
			(void)hv_share_dealloc(c->client, refs[i]);
		return (EPROTO);
	}
	if (gbxd_tracing(g))
		gbxd_trace(g, c->client->dom->domid, a.domid,
		    "share %u page%s with dom %u%s: refs %u%s", r->count,
		    r->count == 1 ? "" : "s", a.domid,
		    (a.flags & GBX_ALLOC_WRITABLE) != 0 ? " (writable)" :
							  " (read-only)",
		    refs[0], r->count > 1 ? "..." : "");
	memset(&fs, 0, sizeof(fs));
	fdset_add(&fs, c->client, arena);
	ar = REPLY_BODY(r, struct gbx_alloc_reply);
	ar->arena = arena->id;
	ar->count = r->count;
	ar->first_page = first;
	ar->fds = fs.list;
	fdset_commit(&fs, c->client, r);
	return (0);
}

/* DEALLOC, MAPPED, UNMAPPED: one call per ref; bad refs are skipped. */
static int
refs_each(struct gbxd *g, struct mconn *c, struct req *r,
    int (*fn)(struct hv_client *, uint32_t))
{
	const uint32_t *refs = r->tail;
	uint32_t i, bad;
	char what[64];

	bad = 0;
	for (i = 0; i < r->count; i++)
		if (fn(c->client, refs[i]) != 0)
			bad++;
	if (gbxd_tracing(g))
		gbxd_trace(g, c->client->dom->domid, GBXD_NO_PEER,
		    "%s %u ref%s: %u%s%s",
		    r->h.type == GBX_DEALLOC	? "end share of" :
			r->h.type == GBX_MAPPED ? "mmap own share of" :
						  "munmap own share of",
		    r->count, r->count == 1 ? "" : "s", refs[0],
		    r->count > 1 ? "..." : "",
		    bad != 0 ? " (some not held)" : "");
	if (bad != 0) {
		g->hv.st.protocol_errors += bad - 1;
		(void)snprintf(what, sizeof(what),
		    "%s: %u of %u refs not held so", r->t->name, bad, r->count);
		mconn_protocol_error(g, c, what);
	}
	return (0);
}

/*
 * DEALLOC: drop the file hold of each ref.
 */
int
h_dealloc(struct gbxd *g, struct mconn *c, struct req *r)
{

	return (refs_each(g, c, r, hv_share_dealloc));
}

/*
 * MAPPED: take the mapping hold of each ref.
 */
int
h_mapped(struct gbxd *g, struct mconn *c, struct req *r)
{

	return (refs_each(g, c, r, hv_share_mapped));
}

/*
 * UNMAPPED: drop the mapping hold of each ref.
 */
int
h_unmapped(struct gbxd *g, struct mconn *c, struct req *r)
{

	return (refs_each(g, c, r, hv_share_unmapped));
}

/*
 * The domain and ref of element i of a request's list of grants, whose
 * elements (struct gbx_grant_ref, struct gbx_copy_grant) start with the
 * domain and the ref.
 */
static void
grant_at(const void *list, size_t elem, uint32_t i, uint32_t *domid,
    uint32_t *ref)
{
	const char *p = (const char *)list + (size_t)i * elem;

	memcpy(domid, p, sizeof(*domid));
	memcpy(ref, p + sizeof(*domid), sizeof(*ref));
}

/*
 * Grants refused to c's domain (MAP, COPY_ACQUIRE): one denial for the
 * request, naming the first refused grant with its GNTST_* status and
 * how many others were refused.
 */
static void
grants_denied(struct gbxd *g, struct mconn *c, const char *what,
    const void *list, size_t elem, const struct gbx_map_result *res, uint32_t n,
    uint32_t failed)
{
	char op[64];
	uint32_t i, domid, ref;

	for (i = 0; i < n && res[i].status == GNTST_okay; i++)
		;
	if (i == n)
		return;
	grant_at(list, elem, i, &domid, &ref);
	(void)snprintf(op, sizeof(op), "%s of grant %u:%u", what, domid, ref);
	gbxd_deny(g, c->client->dom->domid, op, "%s (%s)%s",
	    gbxd_gntst_name(res[i].status), gbxd_gntst_text(res[i].status),
	    failed > 1 ? " and more refused in the same request" : "");
}

/* The trace line of grants used by one request: "map 1:8,1:9 -> map 3". */
static void
trace_grants(struct gbxd *g, struct mconn *c, const char *what,
    const void *list, size_t elem, uint32_t n, uint32_t id)
{
	char refs[256];
	uint32_t i, domid, ref, peer;
	size_t used;
	int k;

	used = 0;
	peer = GBXD_NO_PEER;
	refs[0] = '\0';
	for (i = 0; i < n && used < sizeof(refs) - 16; i++) {
		grant_at(list, elem, i, &domid, &ref);
		if (i == 0)
			peer = domid;
		k = snprintf(refs + used, sizeof(refs) - used, "%s%u:%u",
		    i == 0 ? "" : ",", domid, ref);
		if (k > 0)
			used += (size_t)k;
	}
	gbxd_trace(g, c->client->dom->domid, peer, "%s %s%s -> %s %u", what,
	    refs, i < n ? ",..." : "", what, id);
}

/*
 * MAP: map all the refs or none.  On a ref's failure the reply is EINVAL
 * with every status; on success it carries the map id, the results and
 * the arenas the connection has not seen.
 */
int
h_map(struct gbxd *g, struct mconn *c, struct req *r)
{
	static const struct gbx_notify none;
	struct gbx_map mr;
	struct gbx_map_reply *rep;
	struct gbx_map_result *res;
	struct hv_map *m;
	struct fdset fs;
	uint32_t failed, bad;
	int error;

	memcpy(&mr, r->body, sizeof(mr));
	if ((mr.flags & ~GBX_MAP_READONLY) != 0)
		return (EINVAL);
	if ((res = malloc((size_t)r->count * sizeof(*res))) == NULL)
		return (ENOMEM);
	error = hv_map_create(c->client, r->tail, r->count,
	    (mr.flags & GBX_MAP_READONLY) != 0,
	    mr.notify.action != 0 ? &mr.notify : NULL, res, &failed, &m);
	if (error != 0 && (error != EINVAL || failed == 0)) {
		free(res);
		return (error);
	}
	if (reply_tail(r, res, (size_t)r->count * sizeof(*res)) != 0) {
		if (error == 0) {
			/* Undone quietly: the notify must not fire for this. */
			(void)hv_map_set_notify(m, &none);
			(void)hv_map_unmap(m, 0, r->count, &bad);
		}
		return (EPROTO);
	}
	rep = REPLY_BODY(r, struct gbx_map_reply);
	rep->count = r->count;
	if (error != 0) {
		/* Each ref's status tells the caller which failed and why. */
		rep->failed = failed;
		reply_error(r, EINVAL);
		grants_denied(g, c, "map", r->tail,
		    sizeof(struct gbx_grant_ref), res, r->count, failed);
		return (0);
	}
	if (gbxd_tracing(g))
		trace_grants(g, c, "map", r->tail, sizeof(struct gbx_grant_ref),
		    r->count, m->id);
	memset(&fs, 0, sizeof(fs));
	fdset_add_results(&fs, g, c->client, res, r->count);
	rep->map_id = m->id;
	rep->fds = fs.list;
	fdset_commit(&fs, c->client, r);
	return (0);
}

/*
 * UNMAP (one-way): release a range of a map's handles.
 */
int
h_unmap(struct gbxd *g, struct mconn *c, struct req *r)
{
	struct gbx_unmap u;
	struct hv_map *m;
	uint32_t bad;
	char what[64];

	memcpy(&u, r->body, sizeof(u));
	if ((m = hv_map_find(c->client, u.map_id)) == NULL)
		return (ENOENT);
	if (gbxd_tracing(g))
		gbxd_trace(g, c->client->dom->domid, GBXD_NO_PEER,
		    "unmap map %u handles %u..%u", u.map_id, u.first,
		    u.first + u.count - 1);
	if (hv_map_unmap(m, u.first, u.count, &bad) != 0)
		return (EINVAL);
	if (bad != 0) {
		/* Released twice: skipped, and no pin went below zero. */
		g->hv.st.protocol_errors += bad - 1;
		(void)snprintf(what, sizeof(what),
		    "UNMAP: %u handles already released", bad);
		mconn_protocol_error(g, c, what);
	}
	return (0);
}

/* The trace line of an unmap notify being set on a grant or a map. */
static void
trace_notify(struct gbxd *g, struct mconn *c, const char *on, uint32_t id,
    const struct gbx_notify *n, int error)
{

	gbxd_trace(g, c->client->dom->domid, GBXD_NO_PEER,
	    "set unmap notify of %s %u:%s%s%s -> %s", on, id,
	    n->action == 0 ? " none" : "",
	    (n->action & GBX_NOTIFY_CLEAR_BYTE) != 0 ? " clear byte" : "",
	    (n->action & GBX_NOTIFY_SEND_EVENT) != 0 ? " send event" : "",
	    error == 0 ? "ok" : gbxd_errno_name(error));
}

/*
 * NOTIFY_GRANT: the unmap notify of one shared page.
 */
int
h_notify_grant(struct gbxd *g, struct mconn *c, struct req *r)
{
	struct gbx_notify_grant n;
	int error;

	memcpy(&n, r->body, sizeof(n));
	error = hv_share_notify(c->client, n.ref, &n.notify);
	if (gbxd_tracing(g))
		trace_notify(g, c, "ref", n.ref, &n.notify, error);
	return (error);
}

/*
 * NOTIFY_MAP: the unmap notify of a map object, or with map_id 0 a check
 * of the port alone.
 */
int
h_notify_map(struct gbxd *g, struct mconn *c, struct req *r)
{
	struct gbx_notify_map n;
	struct hv_map *m;
	int error;

	memcpy(&n, r->body, sizeof(n));
	if ((n.notify.action & ~GBX_NOTIFY_ALL) != 0)
		return (EINVAL);
	if (n.map_id == 0) {
		/* Only the port (proto.h): the byte has no map to lie in. */
		n.notify.action &= ~GBX_NOTIFY_CLEAR_BYTE;
		return (notify_check(c->client->dom, &n.notify, 0, false));
	}
	if ((m = hv_map_find(c->client, n.map_id)) == NULL)
		return (ENOENT);
	error = hv_map_set_notify(m, &n.notify);
	if (gbxd_tracing(g))
		trace_notify(g, c, "map", n.map_id, &n.notify, error);
	return (error);
}

/*
 * ARENA_GET: an arena's descriptor again, if this domain may hold it.
 */
int
h_arena_get(struct gbxd *g, struct mconn *c, struct req *r)
{
	struct gbx_arena_get ag;
	struct gbx_arena_reply *rep;
	struct hv_arena *a;
	int fd;

	memcpy(&ag, r->body, sizeof(ag));
	if ((a = arena_by_id(&g->hv, ag.arena)) == NULL ||
	    (fd = arena_fd_for(a, c->client->dom->domid)) == -1)
		return (ENOENT);
	rep = REPLY_BODY(r, struct gbx_arena_reply);
	rep->fds.nfds = 1;
	rep->fds.arena[0] = a->id;
	reply_fds(r, &fd, 1);
	(void)arena_mark_sent(a, c->client);
	return (0);
}

/*
 * ARENA_PUT (one-way): the client let these arenas' descriptors go, or
 * never got them; forget that they were sent, so that the next reply
 * that needs one carries it again.
 */
int
h_arena_put(struct gbxd *g, struct mconn *c, struct req *r)
{
	const uint32_t *ids = r->tail;
	struct hv_arena *a;
	uint32_t i;

	for (i = 0; i < r->count; i++)
		if ((a = arena_by_id(&g->hv, ids[i])) != NULL)
			arena_unmark_sent(a, c->client);
	return (0);
}

/*
 * COPY_ACQUIRE: pin each grant that passes Xen's checks; the reply has
 * every status, the pinned pages and their arenas.  If the reply cannot
 * carry its tail, the pins go again.
 */
int
h_copy_acquire(struct gbxd *g, struct mconn *c, struct req *r)
{
	struct gbx_copy_reply *rep;
	struct gbx_map_result *res;
	struct hv_copy *cp;
	struct fdset fs;
	uint32_t failed;
	int error;

	if ((res = malloc((size_t)r->count * sizeof(*res))) == NULL)
		return (ENOMEM);
	error =
	    hv_copy_acquire(c->client, r->tail, r->count, res, &failed, &cp);
	if (error != 0) {
		free(res);
		return (error);
	}
	if (reply_tail(r, res, (size_t)r->count * sizeof(*res)) != 0) {
		if (cp != NULL)
			hv_copy_release(cp);
		return (EPROTO);
	}
	if (failed != 0)
		grants_denied(g, c, "copy", r->tail,
		    sizeof(struct gbx_copy_grant), res, r->count, failed);
	if (gbxd_tracing(g))
		trace_grants(g, c, "copy", r->tail,
		    sizeof(struct gbx_copy_grant), r->count,
		    cp != NULL ? cp->id : 0);
	memset(&fs, 0, sizeof(fs));
	fdset_add_results(&fs, g, c->client, res, r->count);
	rep = REPLY_BODY(r, struct gbx_copy_reply);
	rep->copy_id = cp != NULL ? cp->id : 0;
	rep->count = r->count;
	rep->failed = failed;
	rep->fds = fs.list;
	fdset_commit(&fs, c->client, r);
	return (0);
}

/*
 * COPY_RELEASE (one-way): drop a copy's pins.
 */
int
h_copy_release(struct gbxd *g, struct mconn *c, struct req *r)
{
	struct gbx_copy_release cr;
	struct hv_copy *cp;

	(void)g;
	memcpy(&cr, r->body, sizeof(cr));
	if ((cp = hv_copy_find(c->client, cr.copy_id)) == NULL)
		return (ENOENT);
	hv_copy_release(cp);
	return (0);
}

/*
 * ADOPT: a forked child's connection holds the pages it inherited.
 */
int
h_adopt(struct gbxd *g, struct mconn *c, struct req *r)
{

	(void)g;
	return (hv_adopt(c->client, r->tail, r->count));
}
