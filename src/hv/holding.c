/*
 * holding.c: the trees of a client's holdings and the one reap path over
 * them (holding.h).
 */
#include <errno.h>

#include "base/tree.h"
#include "hv/client.h"
#include "hv/holding.h"

static int
holding_cmp(const struct hv_holding *a, const struct hv_holding *b)
{

	if (a->kind != b->kind)
		return (a->kind < b->kind ? -1 : 1);
	if (a->key != b->key)
		return (a->key < b->key ? -1 : 1);
	return (0);
}

RB_GENERATE_STATIC_UNUSED(hv_holdingtree, hv_holding, link, holding_cmp)

int
holding_add(struct hv_client *c, struct hv_holding *h, uint8_t kind,
    uint32_t key, hv_holding_reap_fn *reap)
{

	h->client = c;
	h->kind = kind;
	h->key = key;
	h->reap = reap;
	if (RB_INSERT(hv_holdingtree, &c->holdings, h) != NULL)
		return (EEXIST);
	return (0);
}

struct hv_holding *
holding_find(struct hv_client *c, uint8_t kind, uint32_t key)
{
	struct hv_holding k;

	k.kind = kind;
	k.key = key;
	return (RB_FIND(hv_holdingtree, &c->holdings, &k));
}

/*
 * A holding is in the live tree unless a hangup doomed it; only the
 * reaper releases doomed ones, so this costs one lookup either way.
 */
void
holding_remove(struct hv_holding *h)
{
	struct hv_client *c = h->client;

	if (RB_FIND(hv_holdingtree, &c->holdings, h) == h)
		RB_REMOVE(hv_holdingtree, &c->holdings, h);
	else
		RB_REMOVE(hv_holdingtree, &c->doomed, h);
}

/*
 * A doomed tree that is not empty can only meet the live one in a unit
 * test that hangs up twice; a holding whose key is doomed already (a ref
 * adopted again after the first hangup) is then released at once, which
 * is one unit.
 */
void
holding_doom_all(struct hv_client *c)
{
	struct hv_holding *h;
	bool gone;

	if (RB_EMPTY(&c->doomed)) {
		c->doomed = c->holdings;
		RB_INIT(&c->holdings);
		return;
	}
	while ((h = RB_MIN(hv_holdingtree, &c->holdings)) != NULL) {
		RB_REMOVE(hv_holdingtree, &c->holdings, h);
		if (RB_INSERT(hv_holdingtree, &c->doomed, h) != NULL) {
			/* Released from the live tree, where it was. */
			RB_INSERT(hv_holdingtree, &c->holdings, h);
			(void)h->reap(h, UINT32_MAX, &gone);
		}
	}
}

unsigned
holding_reap(struct hv_holdingtree *t, unsigned budget)
{
	struct hv_holding *h;
	unsigned done;
	bool gone;

	done = 0;
	while (done < budget && (h = RB_MIN(hv_holdingtree, t)) != NULL) {
		done += h->reap(h, budget - done, &gone);
		if (!gone)
			break;
	}
	return (done);
}
