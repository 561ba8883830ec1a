/*
 * ops.c: the requests on nodes, with C xenstored's checks in its order
 * (core.c: do_read, do_write, do_mkdir, do_rm, send_directory,
 * send_directory_part, do_get_perms, do_set_perms).
 *
 * Each handler returns 0 after queueing its reply, or an errno value that
 * xs_conn.c turns into an ERROR reply.  They work on the request's view
 * (view.c), so the same code serves requests inside and outside a
 * transaction.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xs/internal.h"

/* The single path argument of a request, canonical, into path. */
static int
one_path(struct xs_req *rq, bool special, char *path)
{

	return (xs_canonical(rq, xs_onearg(rq), special, path, NULL));
}

int
xs_do_read(struct xs_req *rq)
{
	char path[XS_PATH_BUF];
	struct xs_ref r;
	int err;

	if ((err = one_path(rq, false, path)) != 0 ||
	    (err = xs_view_get_node(rq, path, XSP_READ, &r)) != 0)
		return (err);
	xs_reply(rq, XS_READ, r.value, r.vlen);
	return (0);
}

/*
 * WRITE <path>|<value>: the value is everything after the first nul and
 * may hold nuls.  Missing parents are created.  An unprivileged domain's
 * value is limited to the node-size quota (ENOSPC).
 */
int
xs_do_write(struct xs_req *rq)
{
	char path[XS_PATH_BUF];
	const char *vec[1];
	struct xs_ref r;
	uint32_t off;
	int err;

	if (xs_get_strings(rq->data, rq->len, vec, 1) < 1)
		return (EINVAL);
	off = (uint32_t)strlen(vec[0]) + 1;
	if ((err = xs_canonical(rq, vec[0], false, path, NULL)) != 0)
		return (err);
	err = xs_view_get_node(rq, path, XSP_WRITE, &r);
	if (err != 0 && err != ENOENT)
		return (err);
	if (xs_quota_exceeded(rq->s, rq->c->domid, XSQ_NODE_SIZE,
		rq->len - off))
		return (ENOSPC);
	if ((err = xs_view_write(rq, path, &r, rq->data + off,
		 rq->len - off)) != 0)
		return (err);
	xs_reply_ok(rq);
	return (0);
}

/* MKDIR: create the node if it is missing; an existing one is fine. */
int
xs_do_mkdir(struct xs_req *rq)
{
	char path[XS_PATH_BUF];
	struct xs_ref r;
	int err;

	if ((err = one_path(rq, false, path)) != 0)
		return (err);
	err = xs_view_get_node(rq, path, XSP_WRITE, &r);
	if (err == ENOENT)
		err = xs_view_write(rq, path, &r, NULL, 0);
	if (err != 0)
		return (err);
	xs_reply_ok(rq);
	return (0);
}

/*
 * RM: removes the node and its subtree.  A missing node is fine when its
 * parent exists, ENOENT otherwise; the root cannot go (EINVAL).
 */
int
xs_do_rm(struct xs_req *rq)
{
	char path[XS_PATH_BUF];
	struct xs_ref r;
	size_t plen;
	int err;

	if ((err = one_path(rq, false, path)) != 0)
		return (err);
	err = xs_view_get_node(rq, path, XSP_WRITE, &r);
	if (err == ENOENT) {
		plen = xs_parent_len(path);
		path[plen] = '\0';
		if ((err = xs_view_get(rq, path, &r)) != 0)
			return (err);
		if (!r.exists)
			return (ENOENT);
		xs_reply_ok(rq);
		return (0);
	}
	if (err != 0)
		return (err);
	if (strcmp(path, "/") == 0)
		return (EINVAL);
	if ((err = xs_view_rm(rq, path, &r)) != 0)
		return (err);
	xs_reply_ok(rq);
	return (0);
}

int
xs_do_directory(struct xs_req *rq)
{
	char path[XS_PATH_BUF];
	struct xs_ref r;
	char *list;
	size_t len;
	int err;

	if ((err = one_path(rq, false, path)) != 0 ||
	    (err = xs_view_get_node(rq, path, XSP_READ, &r)) != 0 ||
	    (err = xs_view_list(rq, path, &r, XENSTORE_PAYLOAD_MAX, &list,
		 &len)) != 0)
		return (err);
	xs_reply(rq, XS_DIRECTORY, list, len);
	free(list);
	return (0);
}

/*
 * The DIRECTORY_PART reply for the part of a list that starts at the
 * requested offset: list[0..w) holds whole names from there (w reaches
 * the end of the list when at_end).  As C xenstored: the node's
 * generation, then as many names as fit, then an empty name once the
 * list is complete.
 */
static void
part_reply(struct xs_req *rq, uint64_t gen, const char *list, size_t w,
    bool at_end)
{
	char out[XENSTORE_PAYLOAD_MAX];
	size_t genlen, maxlen, len, l;

	genlen = (size_t)snprintf(out, sizeof(out), "%" PRIu64, gen) + 1;
	maxlen = XENSTORE_PAYLOAD_MAX - genlen - 1;
	len = 0;
	while (len < w) {
		l = strnlen(list + len, w - len);
		if (len + l >= maxlen)
			break;
		len += l + 1;
	}
	memcpy(out + genlen, list, len);
	if (at_end && len == w)
		out[genlen + len++] = '\0';
	xs_reply(rq, XS_DIRECTORY_PART, out, genlen + len);
}

/*
 * The live list of n from byte off, whole names, at least as much as one
 * reply can carry: one descent to the offset, then only the names sent.
 */
static void
part_live(struct xs_req *rq, struct xs_node *n, uint64_t off)
{
	char win[2 * XENSTORE_PAYLOAD_MAX + 2];
	struct xs_node *k;
	uint64_t inner;
	size_t w, l;

	w = 0;
	k = xs_node_at(n, off, &inner);
	for (; k != NULL && w < XENSTORE_PAYLOAD_MAX; k = xs_node_next(n, k)) {
		l = k->namelen - (size_t)inner;
		if (w + l + 1 > sizeof(win))
			break;
		memcpy(win + w, k->name + inner, l);
		win[w + l] = '\0';
		w += l + 1;
		inner = 0;
	}
	part_reply(rq, n->gen, win, w, k == NULL);
}

/* DIRECTORY_PART <path>|<offset>|: a long list in pieces. */
int
xs_do_directory_part(struct xs_req *rq)
{
	char path[XS_PATH_BUF];
	const char *vec[2];
	struct xs_ref r;
	char *list;
	size_t len;
	uint32_t off;
	int err;

	if (xs_get_strings(rq->data, rq->len, vec, 2) != 2)
		return (EINVAL);
	if ((err = xs_canonical(rq, vec[0], false, path, NULL)) != 0 ||
	    (err = xs_view_get_node(rq, path, XSP_READ, &r)) != 0)
		return (err);
	if (xs_parse_uint(vec[1], UINT32_MAX, &off) != 0)
		return (EINVAL);
	if (r.tn == NULL) {
		part_live(rq, r.node, off);
		return (0);
	}
	if ((err = xs_view_list(rq, path, &r, SIZE_MAX, &list, &len)) != 0)
		return (err);
	if (off > len)
		off = len;
	part_reply(rq, r.gen, list + off, len - (size_t)off, true);
	free(list);
	return (0);
}

int
xs_do_get_perms(struct xs_req *rq)
{
	char path[XS_PATH_BUF];
	struct xs_ref r;
	char *buf;
	size_t len;
	int err;

	if ((err = one_path(rq, true, path)) != 0 ||
	    (err = xs_view_get_node(rq, path, XSP_READ, &r)) != 0)
		return (err);
	len = xs_perms_format(&r.perms, NULL, 0);
	if ((buf = malloc(len)) == NULL)
		return (ENOMEM);
	xs_perms_format(&r.perms, buf, len);
	xs_reply(rq, XS_GET_PERMS, buf, len);
	free(buf);
	return (0);
}

/*
 * SET_PERMS <path>|<perm>|+: the caller must own the node (or be
 * privileged); an unprivileged owner may not give it away (EPERM).
 * Entries naming domains that do not exist are kept but ignored; an
 * owner that does not exist is ENOENT.
 */
int
xs_do_set_perms(struct xs_req *rq)
{
	char path[XS_PATH_BUF];
	struct xs_perms perms;
	struct xs_ref r;
	uint32_t n, off;
	int err;

	n = xs_get_strings(rq->data, rq->len, NULL, 0);
	if (n < 2)
		return (EINVAL);
	n--;
	if (xs_quota_exceeded(rq->s, rq->c->domid, XSQ_PERMS, n))
		return (ENOSPC);
	off = (uint32_t)strlen(rq->data) + 1;
	if ((err = xs_perms_parse(rq->data + off, rq->len - off, n, &perms)) !=
	    0)
		return (err);
	xs_perms_adjust(rq->s, &perms);
	err = ENOENT;
	if ((perms.p[0].bits & XSP_IGNORE) != 0)
		goto out;
	if ((err = xs_canonical(rq, rq->data, true, path, NULL)) != 0 ||
	    (err = xs_view_get_node(rq, path, XSP_WRITE | XSP_OWNER, &r)) != 0)
		goto out;
	err = EPERM;
	if (!xs_is_priv(rq->c->domid) && perms.p[0].id != r.perms.p[0].id) {
		xs_deny(rq,
		    "domain %u owns it and may not give it to domain %u (only "
		    "domain 0 may change a node's owner)",
		    r.perms.p[0].id, perms.p[0].id);
		goto out;
	}
	if ((err = xs_view_set_perms(rq, path, &r, &perms)) == 0)
		xs_reply_ok(rq);
out:
	xs_perms_free(&perms);
	return (err);
}
