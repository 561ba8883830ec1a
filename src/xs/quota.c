/*
 * quota.c: limits on what a domain may hold.
 *
 * The store starts with the limits it was given (xs_limits, defaults as
 * C xenstored's); GET_QUOTA and SET_QUOTA read and change them, globally
 * (the defaults of every domain) or for one domain, with C xenstored's
 * names.  A limit of 0 means none.  The privileged domain has no quota,
 * as in C xenstored.  A domain may hold exactly its limit; one more is
 * refused.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xs/internal.h"

static const char *const quota_names[XSQ_COUNT] = {
	[XSQ_NODES] = "nodes",
	[XSQ_WATCHES] = "watches",
	[XSQ_TRANSACTIONS] = "transactions",
	[XSQ_NODE_SIZE] = "node-size",
	[XSQ_PERMS] = "node-permissions",
	[XSQ_TX_NODES] = "transaction-nodes",
};

/*
 * C xenstored's defaults, and a bound on a connection's pending output
 * that a well-behaved client never nears (libxenstore has one request in
 * flight and reads its events as they come).
 */
void
xs_limits_default(struct xs_limits *l)
{

	l->nodes = 1000;
	l->watches = 128;
	l->transactions = 10;
	l->value_size = 2048;
	l->perms = 5;
	l->output_bytes = 2u << 20;
}

void
xs_quota_init(struct xs_store *s)
{

	s->glob_quota[XSQ_NODES] = s->limits.nodes;
	s->glob_quota[XSQ_WATCHES] = s->limits.watches;
	s->glob_quota[XSQ_TRANSACTIONS] = s->limits.transactions;
	s->glob_quota[XSQ_NODE_SIZE] = s->limits.value_size;
	s->glob_quota[XSQ_PERMS] = s->limits.perms;
	s->glob_quota[XSQ_TX_NODES] = XS_DEFAULT_TX_NODES;
}

/* The limit q of a domain: its own, else the global one. */
uint32_t
xs_quota(const struct xs_store *s, uint32_t domid, enum xs_quota q)
{
	const struct xs_domain *d;

	d = xs_domain_find(s, domid);
	if (d != NULL && d->quota[q] != XSQ_UNSET)
		return (d->quota[q]);
	return (s->glob_quota[q]);
}

/* Would holding val of q put domid over its limit? */
bool
xs_quota_exceeded(const struct xs_store *s, uint32_t domid, enum xs_quota q,
    uint64_t val)
{
	uint32_t lim;

	if (xs_is_priv(domid))
		return (false);
	lim = xs_quota(s, domid, q);
	return (lim != 0 && val > lim);
}

/*
 * May the requester own k more nodes?  Unprivileged domains own what they
 * create, so the count is what they own plus what their open transaction
 * has added so far.  ENOSPC when not.
 */
int
xs_node_quota(struct xs_req *rq, uint64_t k)
{
	int64_t owned;

	owned = (int64_t)rq->c->dom->nnodes;
	if (rq->tx != NULL)
		owned += xs_tx_owner_delta(rq->tx, rq->c->domid);
	if (owned < 0)
		owned = 0;
	if (xs_quota_exceeded(rq->s, rq->c->domid, XSQ_NODES,
		(uint64_t)owned + k))
		return (ENOSPC);
	return (0);
}

static int
quota_index(const char *name, enum xs_quota *q)
{
	int i;

	for (i = 0; i < XSQ_COUNT; i++)
		if (strcmp(name, quota_names[i]) == 0) {
			*q = (enum xs_quota)i;
			return (0);
		}
	return (EINVAL);
}

/* The domain a quota request names: ENOENT if the store never saw it. */
static int
quota_domain(const char *arg, struct xs_domain **d, struct xs_store *s)
{
	uint32_t domid;
	int err;

	if ((err = xs_parse_domid(arg, &domid)) != 0)
		return (err);
	if ((*d = xs_domain_find(s, domid)) == NULL)
		return (ENOENT);
	return (0);
}

/*
 * GET_QUOTA: no argument lists the quota names; <quota> gives the global
 * value; <domid>|<quota> the one that applies to that domain.
 */
int
xs_do_get_quota(struct xs_req *rq)
{
	char out[256];
	const char *vec[2];
	struct xs_domain *d;
	enum xs_quota q;
	size_t len;
	unsigned n;
	int i, err;

	n = xs_get_strings(rq->data, rq->len, vec, 2);
	if (n > 2)
		return (EINVAL);
	if (n == 0) {
		len = 0;
		for (i = 0; i < XSQ_COUNT; i++)
			len += (size_t)snprintf(out + len, sizeof(out) - len,
			    "%s%s", i > 0 ? " " : "", quota_names[i]);
		xs_reply_str(rq, out);
		return (0);
	}
	d = NULL;
	if (n == 2 && (err = quota_domain(vec[0], &d, rq->s)) != 0)
		return (err);
	if ((err = quota_index(vec[n - 1], &q)) != 0)
		return (err);
	snprintf(out, sizeof(out), "%u",
	    d != NULL ? xs_quota(rq->s, d->domid, q) : rq->s->glob_quota[q]);
	xs_reply_str(rq, out);
	return (0);
}

/* SET_QUOTA [<domid>|]<quota>|<value>|: global or one domain's. */
int
xs_do_set_quota(struct xs_req *rq)
{
	const char *vec[3];
	struct xs_domain *d;
	enum xs_quota q;
	unsigned long v;
	char *end;
	unsigned n;
	int err;

	n = xs_get_strings(rq->data, rq->len, vec, 3);
	if (n < 2 || n > 3)
		return (EINVAL);
	d = NULL;
	if (n == 3 && (err = quota_domain(vec[0], &d, rq->s)) != 0)
		return (err);
	if ((err = quota_index(vec[n - 2], &q)) != 0)
		return (err);
	v = strtoul(vec[n - 1], &end, 10);
	if (*vec[n - 1] == '\0' || *end != '\0' || v >= XSQ_UNSET)
		return (EINVAL);
	if (d != NULL)
		d->quota[q] = (uint32_t)v;
	else
		rq->s->glob_quota[q] = (uint32_t)v;
	xs_reply_ok(rq);
	return (0);
}
