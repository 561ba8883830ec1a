/*
 * arena.c: memfd arenas, their pages and their descriptors.
 */
#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/tree.h"
#include "hv/arena.h"
#include "hv/client.h"
#include "hv/domain.h"

static int
arena_key_cmp(const struct hv_arena *a, const struct hv_arena *b)
{

	if (a->grantee != b->grantee)
		return (a->grantee < b->grantee ? -1 : 1);
	return ((int)a->ro - (int)b->ro);
}

static int
arena_id_cmp(const struct hv_arena *a, const struct hv_arena *b)
{

	if (a->id != b->id)
		return (a->id < b->id ? -1 : 1);
	return (0);
}

static int
arena_sent_cmp(const struct hv_arena_sent *a, const struct hv_arena_sent *b)
{

	return (arena_id_cmp(a->arena, b->arena));
}

RB_GENERATE_STATIC_UNUSED(hv_arenakeys, hv_arena, klink, arena_key_cmp)
RB_GENERATE_STATIC_UNUSED(hv_arenaids, hv_arena, ilink, arena_id_cmp)
RB_GENERATE_STATIC_UNUSED(hv_senttree, hv_arena_sent, clink, arena_sent_cmp)

/*
 * A new, empty arena of domain d for (grantee, ro).  The memfd is sealed
 * against shrinking, so that no holder can truncate pages another has
 * mapped (which would make it fault), and against further seals, so that
 * no holder can stop us from growing or writing it.
 */
static int
arena_create(struct hv_domain *d, uint16_t grantee, bool ro,
    struct hv_arena **ap)
{
	struct hv *hv = d->hv;
	struct hv_arena *a;
	char name[64];
	uint64_t slot;
	int error;

	if (hv->last_arena == UINT32_MAX)
		return (ENOSPC);
	/* Its descriptors count against the granting domain's. */
	if (hv_fds_take(hv, d, ro ? 2 : 1) != 0)
		return (ENOSPC);
	if ((error = ra_alloc(&d->slots, 1, &slot)) != 0) {
		hv_fds_put(hv, d, ro ? 2 : 1);
		return (error);
	}
	if ((a = calloc(1, sizeof(*a))) == NULL) {
		error = ENOMEM;
		goto fail_slot;
	}
	a->dom = d;
	a->grantee = grantee;
	a->ro = ro;
	a->slot = (uint32_t)slot;
	a->rofd = -1;
	LIST_INIT(&a->sent);
	(void)snprintf(name, sizeof(name), "gntbox-d%u-to-d%u-%s", d->domid,
	    grantee, ro ? "ro" : "rw");
	if ((a->fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING)) ==
	    -1) {
		error = errno == EMFILE || errno == ENFILE ? ENOMEM : errno;
		goto fail_free;
	}
	if (fcntl(a->fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_SEAL) == -1) {
		error = errno;
		goto fail_fd;
	}
	/*
	 * A memfd is made mode 0777, and a process may open its own
	 * descriptors again through /proc/self/fd with any mode the file's
	 * mode allows: a grantee could then turn its read-only descriptor
	 * into a writable one.  0644 lets the file's owner (gntboxd's user)
	 * alone write, while anyone who holds a descriptor may still reopen
	 * it read-only (the client does, to map a writable grant read-only).
	 * So read-only grants hold against a domain of another user
	 * (docs/security.md, "Users as a boundary").
	 */
	if (fchmod(a->fd, 0644) == -1) {
		error = errno;
		goto fail_fd;
	}
	if (ro) {
		/*
		 * A fresh open of the same file, read-only: a mapping made
		 * through it can never become writable.
		 */
		(void)snprintf(name, sizeof(name), "/proc/self/fd/%d", a->fd);
		if ((a->rofd = open(name, O_RDONLY | O_CLOEXEC)) == -1) {
			error =
			    errno == EMFILE || errno == ENFILE ? ENOMEM : errno;
			goto fail_fd;
		}
	}
	if ((error = ra_init(&a->pages, 0, HV_ARENA_PAGES - 1)) != 0)
		goto fail_ro;
	a->id = ++hv->last_arena;
	RB_INSERT(hv_arenakeys, &d->arenas, a);
	RB_INSERT(hv_arenaids, &hv->arenas, a);
	hv->st.arenas++;
	*ap = a;
	return (0);
fail_ro:
	if (a->rofd != -1)
		(void)close(a->rofd);
fail_fd:
	(void)close(a->fd);
fail_free:
	free(a);
fail_slot:
	(void)ra_free(&d->slots, slot, 1);
	hv_fds_put(hv, d, ro ? 2 : 1);
	return (error == ENOSPC ? ENOSPC : ENOMEM);
}

/* Close an arena that has no page left. */
static void
arena_destroy(struct hv_arena *a)
{
	struct hv_domain *d = a->dom;
	struct hv_arena_sent *s;

	while ((s = LIST_FIRST(&a->sent)) != NULL) {
		LIST_REMOVE(s, alink);
		RB_REMOVE(hv_senttree, &s->client->sent, s);
		free(s);
	}
	if (a->retired)
		LIST_REMOVE(a, rlink);
	else
		RB_REMOVE(hv_arenakeys, &d->arenas, a);
	RB_REMOVE(hv_arenaids, &d->hv->arenas, a);
	if (a->rofd != -1)
		(void)close(a->rofd);
	(void)close(a->fd);
	hv_fds_put(d->hv, d, a->ro ? 2 : 1);
	ra_destroy(&a->pages);
	(void)ra_free(&d->slots, a->slot, 1);
	d->hv->st.arenas--;
	free(a);
}

/*
 * Find or create the arena, take a run of pages lowest first, and grow
 * the file to cover it.  A new arena that cannot serve the request goes
 * again, so that a failure leaves nothing behind.
 */
int
arena_alloc(struct hv_domain *d, uint16_t grantee, bool ro, uint32_t count,
    struct hv_arena **ap, uint64_t *first)
{
	struct hv_arena key, *a;
	uint64_t p, need;
	bool created;
	int error;

	key.grantee = grantee;
	key.ro = ro;
	created = false;
	if ((a = RB_FIND(hv_arenakeys, &d->arenas, &key)) == NULL) {
		if ((error = arena_create(d, grantee, ro, &a)) != 0)
			return (error);
		created = true;
	}
	if ((error = ra_alloc(&a->pages, count, &p)) != 0)
		goto fail;
	need = p + count;
	if (need > a->size) {
		if (ftruncate(a->fd, (off_t)(need << GBX_PAGE_SHIFT)) == -1) {
			(void)ra_free(&a->pages, p, count);
			error = ENOMEM;
			goto fail;
		}
		a->size = need;
	}
	a->npages += count;
	d->hv->st.pages += count;
	*ap = a;
	*first = p;
	return (0);
fail:
	if (created)
		arena_destroy(a);
	return (error == ENOSPC ? ENOSPC : ENOMEM);
}

/*
 * Give pages back: punch their hole, then free them.  The arena goes with
 * its last page, its id retired for good, unless a connection still has
 * its descriptor: then it waits, empty, to serve that connection again.
 */
void
arena_free(struct hv_arena *a, uint64_t first, uint64_t count)
{

	/*
	 * Punching the hole releases the memory and makes the page read zero
	 * when it is handed out again.  It cannot fail on a memfd we own; if
	 * it did, the page would only keep its memory until the arena goes.
	 */
	(void)fallocate(a->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
	    (off_t)(first << GBX_PAGE_SHIFT), (off_t)(count << GBX_PAGE_SHIFT));
	(void)ra_free(&a->pages, first, count);
	a->npages -= count;
	a->dom->hv->st.pages -= count;
	if (a->npages == 0 && LIST_EMPTY(&a->sent))
		arena_destroy(a);
}

void
arena_destroy_all(struct hv_domain *d)
{
	struct hv_arena *a;

	while ((a = RB_MIN(hv_arenakeys, &d->arenas)) != NULL)
		arena_destroy(a);
	while ((a = LIST_FIRST(&d->retired)) != NULL)
		arena_destroy(a);
}

/*
 * One lookup per domain and mode: O(domains * log arenas), once per
 * destroy.  An arena that nothing holds goes at once.
 */
void
arena_retire_grantee(struct hv *hv, uint16_t grantee)
{
	struct hv_arena key, *a;
	struct hv_domain *d;
	int ro;

	key.grantee = grantee;
	for (d = hv_domain_first(hv); d != NULL; d = hv_domain_next(d)) {
		for (ro = 0; ro <= 1; ro++) {
			key.ro = ro != 0;
			if ((a = RB_FIND(hv_arenakeys, &d->arenas, &key)) ==
			    NULL)
				continue;
			RB_REMOVE(hv_arenakeys, &d->arenas, a);
			a->retired = true;
			LIST_INSERT_HEAD(&d->retired, a, rlink);
			if (a->npages == 0 && LIST_EMPTY(&a->sent))
				arena_destroy(a);
		}
	}
}

uint32_t
arena_frame(const struct hv_arena *a, uint64_t page)
{

	return ((a->slot << HV_ARENA_SHIFT) | (uint32_t)page);
}

struct hv_arena *
arena_by_id(struct hv *hv, uint32_t id)
{
	struct hv_arena key;

	key.id = id;
	return (RB_FIND(hv_arenaids, &hv->arenas, &key));
}

/*
 * Which descriptor a domain may hold (docs/architecture.md §3).
 */
int
arena_fd_for(const struct hv_arena *a, unsigned domid)
{

	if (domid == a->dom->domid)
		return (a->fd);
	if (domid == a->grantee)
		return (a->ro ? a->rofd : a->fd);
	return (-1);
}

int
arena_clear_byte(const struct hv_arena *a, uint64_t page, uint32_t off)
{
	const char zero = 0;
	ssize_t r;

	r = pwrite(a->fd, &zero, 1, (off_t)((page << GBX_PAGE_SHIFT) + off));
	return (r == 1 ? 0 : errno);
}

bool
arena_sent(struct hv_arena *a, struct hv_client *c)
{
	struct hv_arena_sent key;

	key.arena = a;
	return (RB_FIND(hv_senttree, &c->sent, &key) != NULL);
}

int
arena_mark_sent(struct hv_arena *a, struct hv_client *c)
{
	struct hv_arena_sent *s;

	if (arena_sent(a, c))
		return (0);
	if ((s = malloc(sizeof(*s))) == NULL)
		return (ENOMEM);
	s->arena = a;
	s->client = c;
	RB_INSERT(hv_senttree, &c->sent, s);
	LIST_INSERT_HEAD(&a->sent, s, alink);
	return (0);
}

void
arena_unmark_sent(struct hv_arena *a, struct hv_client *c)
{
	struct hv_arena_sent key, *s;

	key.arena = a;
	if ((s = RB_FIND(hv_senttree, &c->sent, &key)) == NULL)
		return;
	RB_REMOVE(hv_senttree, &c->sent, s);
	LIST_REMOVE(s, alink);
	free(s);
	if (a->npages == 0 && LIST_EMPTY(&a->sent))
		arena_destroy(a);
}

void
arena_forget_client(struct hv_client *c)
{
	struct hv_arena_sent *s;
	struct hv_arena *a;

	while ((s = RB_MIN(hv_senttree, &c->sent)) != NULL) {
		a = s->arena;
		RB_REMOVE(hv_senttree, &c->sent, s);
		LIST_REMOVE(s, alink);
		free(s);
		if (a->npages == 0 && LIST_EMPTY(&a->sent))
			arena_destroy(a);
	}
}
