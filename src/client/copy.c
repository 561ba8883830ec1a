/*
 * copy.c: grant copy done by the client (copy.h).
 *
 * The grants of a batch are made distinct before they are pinned: Xen
 * pins a grant for one operation at a time, so a batch that names one
 * grant a thousand times never meets the pin counter's limit of 128, and
 * neither must ours.  A grant is distinct by (domain, reference, whether
 * the copy writes it): a segment that reads a read-only grant must work
 * even when another segment of the batch fails to write it.  Sorting the
 * keys makes this O(n log n).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xen/grant_table.h>

#include "client/copy.h"
#include "client/link.h"
#include "proto/proto.h"

#define GBX_DOMID_SELF 0x7ff0u /* DOMID_SELF */

/* One grant side of one segment, before the grants are made distinct. */
struct gbx_copy_key {
	uint32_t domid;
	uint32_t ref;
	uint32_t flags; /* GBX_COPY_WRITE */
	uint32_t slot;	/* 2 * segment + (0: source, 1: destination) */
};

static int
gbx_copy_key_cmp(const void *pa, const void *pb)
{
	const struct gbx_copy_key *a = pa, *b = pb;

	if (a->domid != b->domid)
		return (a->domid < b->domid ? -1 : 1);
	if (a->ref != b->ref)
		return (a->ref < b->ref ? -1 : 1);
	if (a->flags != b->flags)
		return (a->flags < b->flags ? -1 : 1);
	return (0);
}

/* The work of one batch. */
struct gbx_copy_work {
	struct gbx_copy_key *keys; /* 2 * n */
	uint32_t *grant;	   /* 2 * n: index into grants, per slot */
	struct gbx_copy_grant *grants;
	struct gbx_map_result *res;
	uint32_t ngrants;
};

/* Record the grant side p of a segment, if it is one. */
static void
gbx_copy_key_add(struct gbx_copy_work *w, uint32_t *nkeys,
    const struct gbx_copy_ptr *p, unsigned self, bool write, uint32_t slot)
{
	struct gbx_copy_key *k = &w->keys[(*nkeys)++];

	k->domid = p->domid == GBX_DOMID_SELF ? self : p->domid;
	k->ref = p->ref;
	k->flags = write ? GBX_COPY_WRITE : 0;
	k->slot = slot;
}

/* Sort the keys and give each distinct grant one entry of w->grants. */
static void
gbx_copy_distinct(struct gbx_copy_work *w, uint32_t nkeys)
{
	struct gbx_copy_key *k;
	uint32_t i;

	qsort(w->keys, nkeys, sizeof(w->keys[0]), gbx_copy_key_cmp);
	w->ngrants = 0;
	for (i = 0; i < nkeys; i++) {
		k = &w->keys[i];
		if (i == 0 || gbx_copy_key_cmp(k, &w->keys[i - 1]) != 0) {
			memset(&w->grants[w->ngrants], 0, sizeof(w->grants[0]));
			w->grants[w->ngrants].domid = k->domid;
			w->grants[w->ngrants].ref = k->ref;
			w->grants[w->ngrants].flags = k->flags;
			w->ngrants++;
		}
		w->grant[k->slot] = w->ngrants - 1;
	}
}

/* Where a pinned grant side's bytes are: its arena's descriptor and offset. */
static int
gbx_copy_where(struct gbx_conn *c, const struct gbx_map_result *r,
    uint16_t offset, int *fd, off_t *off)
{
	int error;

	if (r->page >= ((uint64_t)1 << (63 - GBX_PAGE_SHIFT)))
		return (EPROTO);
	if ((error = gbx_conn_arena_fd(c, r->arena, false, fd)) != 0)
		return (error);
	*off = (off_t)((r->page << GBX_PAGE_SHIFT) + offset);
	return (0);
}

/* Exactly len bytes, or EFAULT (a bad local buffer) or another errno. */
static int
gbx_copy_io(bool in, int fd, void *buf, size_t len, off_t off)
{
	ssize_t r;

	do
		r = in ? pread(fd, buf, len, off) : pwrite(fd, buf, len, off);
	while (r == -1 && errno == EINTR);
	if (r == -1)
		return (errno);
	return ((size_t)r == len ? 0 : EIO);
}

/*
 * Copy one segment whose grants are pinned: a grant into a local buffer
 * (pread), a local buffer into a grant (pwrite), or a grant into a grant
 * through a page-sized buffer of our own.
 */
static int
gbx_copy_one(struct gbx_conn *c, const struct gbx_copy_seg *s,
    const struct gbx_map_result *rs, const struct gbx_map_result *rd)
{
	unsigned char bounce[GBX_PAGE_SIZE];
	off_t soff, doff;
	int sfd, dfd, error;

	sfd = dfd = -1;
	soff = doff = 0;
	if ((s->flags & GBX_COPY_SRC_GREF) != 0 &&
	    (error = gbx_copy_where(c, rs, s->src.offset, &sfd, &soff)) != 0)
		return (error);
	if ((s->flags & GBX_COPY_DST_GREF) != 0 &&
	    (error = gbx_copy_where(c, rd, s->dst.offset, &dfd, &doff)) != 0)
		goto out;
	if (dfd == -1)
		error = gbx_copy_io(true, sfd, s->dst.virt, s->len, soff);
	else if (sfd == -1)
		error = gbx_copy_io(false, dfd, s->src.virt, s->len, doff);
	else if ((error = gbx_copy_io(true, sfd, bounce, s->len, soff)) == 0)
		error = gbx_copy_io(false, dfd, bounce, s->len, doff);
out:
	/* The descriptors were pinned in the cache (link.h) until now. */
	if (sfd != -1)
		gbx_conn_arena_unpin(c, rs->arena);
	if (dfd != -1)
		gbx_conn_arena_unpin(c, rd->arena);
	return (error);
}

/* COPY_ACQUIRE of the distinct grants; *copy_id is 0 when none is pinned. */
static int
gbx_copy_acquire(struct gbx_conn *c, struct gbx_copy_work *w, uint32_t *copy_id)
{
	struct gbx_copy_acquire req;
	struct gbx_copy_reply rep;
	struct gbx_call call;
	int error;

	memset(&req, 0, sizeof(req));
	req.count = w->ngrants;
	gbx_call_init(&call, GBX_COPY_ACQUIRE, &req, sizeof(req), &rep,
	    sizeof(rep));
	call.tail = w->grants;
	call.tlen = (size_t)w->ngrants * sizeof(w->grants[0]);
	call.rtail = w->res;
	call.rtlen = (size_t)w->ngrants * sizeof(w->res[0]);
	call.fdlist = offsetof(struct gbx_copy_reply, fds);
	if ((error = gbx_conn_call(c, &call)) != 0)
		return (error);
	if (call.rlen != sizeof(rep) || !call.rtail_got ||
	    rep.count != w->ngrants) {
		/* Whatever it pinned is the connection's until it closes. */
		return (EPROTO);
	}
	*copy_id = rep.copy_id;
	return (0);
}

static void
gbx_copy_release(struct gbx_conn *c, uint32_t copy_id)
{
	struct gbx_copy_release rel;

	if (copy_id == 0)
		return;
	memset(&rel, 0, sizeof(rel));
	rel.copy_id = copy_id;
	(void)gbx_conn_send(c, GBX_COPY_RELEASE, &rel, sizeof(rel), NULL, 0);
}

/* The status of the grant in slot, or GNTST_okay when it is no grant. */
static int16_t
gbx_copy_status(const struct gbx_copy_work *w, const struct gbx_copy_seg *s,
    uint32_t i, bool dst)
{

	if ((s->flags & (dst ? GBX_COPY_DST_GREF : GBX_COPY_SRC_GREF)) == 0)
		return (GNTST_okay);
	return (w->res[w->grant[2 * i + (dst ? 1 : 0)]].status);
}

static void
gbx_copy_work_free(struct gbx_copy_work *w)
{

	free(w->keys);
	free(w->grant);
	free(w->grants);
	free(w->res);
}

int
gbx_copy_batch(struct gbx_conn *c, unsigned self, struct gbx_copy_seg *segs,
    uint32_t n)
{
	struct gbx_copy_work w;
	struct gbx_copy_seg *s;
	uint32_t i, nkeys, copy_id;
	int error;

	if (n == 0 || n > GBX_COPY_BATCH)
		return (EINVAL);
	memset(&w, 0, sizeof(w));
	w.keys = calloc(2 * (size_t)n, sizeof(*w.keys));
	w.grant = calloc(2 * (size_t)n, sizeof(*w.grant));
	w.grants = calloc(2 * (size_t)n, sizeof(*w.grants));
	w.res = calloc(2 * (size_t)n, sizeof(*w.res));
	if (w.keys == NULL || w.grant == NULL || w.grants == NULL ||
	    w.res == NULL) {
		gbx_copy_work_free(&w);
		return (ENOMEM);
	}
	/* A segment of length 0 is done, and names no grant (Xen's rule). */
	nkeys = 0;
	for (i = 0; i < n; i++) {
		s = &segs[i];
		s->status = GNTST_okay;
		if (s->len == 0)
			continue;
		if ((s->flags & GBX_COPY_SRC_GREF) != 0)
			gbx_copy_key_add(&w, &nkeys, &s->src, self, false,
			    2 * i);
		if ((s->flags & GBX_COPY_DST_GREF) != 0)
			gbx_copy_key_add(&w, &nkeys, &s->dst, self, true,
			    2 * i + 1);
	}
	error = 0;
	copy_id = 0;
	if (nkeys != 0) {
		gbx_copy_distinct(&w, nkeys);
		error = gbx_copy_acquire(c, &w, &copy_id);
	}
	for (i = 0; error == 0 && nkeys != 0 && i < n; i++) {
		s = &segs[i];
		if (s->len == 0)
			continue;
		if ((s->status = gbx_copy_status(&w, s, i, false)) ==
		    GNTST_okay)
			s->status = gbx_copy_status(&w, s, i, true);
		if (s->status != GNTST_okay)
			continue;
		error = gbx_copy_one(c, s,
		    (s->flags & GBX_COPY_SRC_GREF) != 0 ?
			&w.res[w.grant[2 * i]] :
			NULL,
		    (s->flags & GBX_COPY_DST_GREF) != 0 ?
			&w.res[w.grant[2 * i + 1]] :
			NULL);
	}
	gbx_copy_release(c, copy_id);
	gbx_copy_work_free(&w);
	return (error);
}
