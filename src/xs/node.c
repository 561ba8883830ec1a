/*
 * node.c: the live tree and its index.
 *
 * Every node keeps its children in a red-black tree ordered by name
 * (libbsd <sys/tree.h>), so a path lookup costs one O(log k) descent per
 * component, whatever the size of the store, and DIRECTORY walks only the
 * children it lists.  The tree is augmented with, for each child, the
 * bytes its subtree of children takes in a DIRECTORY reply (name and nul):
 * DIRECTORY knows its size before building anything, and DIRECTORY_PART
 * finds its byte offset in one descent.
 *
 * libbsd's tree.h calls RB_AUGMENT only on the nodes its rotations touch,
 * so, as in base/rangealloc.c, every insert and remove is followed by a
 * recompute of the path from the lowest changed node to the root.  This
 * file generates no other tree, since RB_AUGMENT is per translation unit.
 *
 * Nodes are not transactional here: transaction.c keeps a private overlay
 * and applies it through these functions when it commits.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xs/internal.h"

static void kid_augment(struct xs_node *);

#undef RB_AUGMENT
#define RB_AUGMENT(x) kid_augment(x)

static int
kid_cmp(const struct xs_node *a, const struct xs_node *b)
{

	return (xs_name_cmp(a->name, a->namelen, b->name, b->namelen));
}

RB_GENERATE_STATIC_UNUSED(xs_kids, xs_node, sib, kid_cmp)

/* Recompute one child's subtree byte count from its two children. */
static void
kid_augment(struct xs_node *n)
{
	struct xs_node *c;
	uint64_t b;

	b = (uint64_t)n->namelen + 1;
	if ((c = RB_LEFT(n, sib)) != NULL)
		b += c->subbytes;
	if ((c = RB_RIGHT(n, sib)) != NULL)
		b += c->subbytes;
	n->subbytes = b;
}

static void
kid_fixup(struct xs_node *n)
{

	for (; n != NULL; n = RB_PARENT(n, sib))
		kid_augment(n);
}

/* Total DIRECTORY bytes of a node's children. */
static uint64_t
kids_bytes(const struct xs_node *n)
{
	const struct xs_node *r;

	r = RB_ROOT(&n->kids);
	return (r != NULL ? r->subbytes : 0);
}

struct xs_node *
xs_node_alloc(const char *name, size_t namelen)
{
	struct xs_node *n;

	if (namelen > UINT16_MAX)
		return (NULL);
	n = calloc(1, sizeof(*n) + namelen + 1);
	if (n == NULL)
		return (NULL);
	RB_INIT(&n->kids);
	n->name = (char *)(n + 1);
	memcpy(n->name, name, namelen);
	n->namelen = (uint16_t)namelen;
	n->subbytes = namelen + 1;
	return (n);
}

void
xs_node_destroy(struct xs_node *n)
{

	free(n->value);
	xs_perms_free(&n->perms);
	free(n);
}

/* Free n and everything below it, with no accounting (store teardown). */
void
xs_node_free_tree(struct xs_node *n)
{
	struct xs_node *k;

	while ((k = RB_MIN(xs_kids, &n->kids)) != NULL) {
		RB_REMOVE(xs_kids, &n->kids, k);
		xs_node_free_tree(k);
	}
	xs_node_destroy(n);
}

/*
 * The child of parent called name[0..len), or NULL.  The descent is open
 * coded so that the comparisons can be counted (xs_store_lookup_steps):
 * the unit test proves lookups stay logarithmic by counting them.
 */
struct xs_node *
xs_node_kid(struct xs_store *s, struct xs_node *parent, const char *name,
    size_t len)
{
	struct xs_node key, *n;
	int r;

	key.name = (char *)(uintptr_t)name;
	key.namelen = (uint16_t)(len > UINT16_MAX ? UINT16_MAX : len);
	n = RB_ROOT(&parent->kids);
	while (n != NULL) {
		s->lookup_steps++;
		r = kid_cmp(&key, n);
		if (r == 0)
			return (n);
		n = r < 0 ? RB_LEFT(n, sib) : RB_RIGHT(n, sib);
	}
	return (NULL);
}

/*
 * The live node at a canonical absolute path, or NULL.  *deepest (when
 * not NULL) receives the deepest existing node on the way, and *dlen the
 * bytes of path it covers (0 for the root): creation starts there.
 */
struct xs_node *
xs_node_find(struct xs_store *s, const char *path, struct xs_node **deepest,
    size_t *dlen)
{
	struct xs_node *n, *k;
	const char *p, *slash;
	size_t len;

	n = s->root;
	if (deepest != NULL)
		*deepest = n;
	if (dlen != NULL)
		*dlen = 0;
	if (path[0] != '/')
		return (NULL);
	for (p = path + 1; *p != '\0'; p = slash + 1) {
		slash = strchr(p, '/');
		len = slash != NULL ? (size_t)(slash - p) : strlen(p);
		k = xs_node_kid(s, n, p, len);
		if (k == NULL)
			return (NULL);
		n = k;
		if (deepest != NULL)
			*deepest = n;
		if (dlen != NULL)
			*dlen = (size_t)(p - path) + len;
		if (slash == NULL)
			break;
	}
	return (n);
}

/*
 * Count a node's permission list in or out of the domains it names: the
 * owner's node count (the nodes quota) and, for the other live entries,
 * the reference count that lets xs_domain_release() skip the tree walk.
 */
void
xs_node_perms_account(struct xs_store *s, const struct xs_perms *p, int sign)
{
	struct xs_domain *d;
	uint32_t i;

	if (p->n == 0)
		return;
	if ((d = xs_domain_find(s, p->p[0].id)) != NULL)
		d->nnodes += (uint64_t)(int64_t)sign;
	for (i = 1; i < p->n; i++) {
		if ((p->p[i].bits & XSP_IGNORE) != 0 ||
		    p->p[i].id == XS_DOMID_ANY)
			continue;
		if ((d = xs_domain_find(s, p->p[i].id)) != NULL)
			d->nrefs += (uint64_t)(int64_t)sign;
	}
}

/*
 * Link a new node (from xs_node_alloc, its value and permissions set)
 * under parent.  Both the node and the parent, whose children changed,
 * get a new generation, as in C xenstored.  Cannot fail: a transaction
 * allocates its new nodes before it commits anything.
 */
void
xs_node_link(struct xs_store *s, struct xs_node *parent, struct xs_node *n)
{

	n->parent = parent;
	RB_INSERT(xs_kids, &parent->kids, n);
	kid_fixup(n);
	parent->nkids++;
	parent->gen = ++s->gen;
	n->gen = ++s->gen;
	s->nnodes++;
	xs_node_perms_account(s, &n->perms, 1);
}

/*
 * Create a child of parent with a copy of value and perms.  Returns 0 or
 * ENOMEM (nothing changed).
 */
int
xs_node_add(struct xs_store *s, struct xs_node *parent, const char *name,
    size_t namelen, const char *value, uint32_t vlen,
    const struct xs_perms *perms, struct xs_node **out)
{
	struct xs_node *n;

	n = xs_node_alloc(name, namelen);
	if (n == NULL)
		return (ENOMEM);
	if (vlen > 0) {
		n->value = malloc(vlen);
		if (n->value == NULL)
			goto nomem;
		memcpy(n->value, value, vlen);
		n->vlen = vlen;
	}
	if (xs_perms_copy(&n->perms, perms) != 0)
		goto nomem;
	xs_node_link(s, parent, n);
	if (out != NULL)
		*out = n;
	return (0);
nomem:
	xs_node_destroy(n);
	return (ENOMEM);
}

/* Give n the value buf[0..vlen), which it now owns. */
void
xs_node_take_value(struct xs_store *s, struct xs_node *n, char *buf,
    uint32_t vlen)
{

	free(n->value);
	n->value = buf;
	n->vlen = vlen;
	n->gen = ++s->gen;
}

/* Give n the permission list perms, which it now owns. */
void
xs_node_take_perms(struct xs_store *s, struct xs_node *n,
    struct xs_perms *perms)
{

	xs_node_perms_account(s, &n->perms, -1);
	xs_perms_free(&n->perms);
	n->perms = *perms;
	perms->p = NULL;
	perms->n = 0;
	xs_node_perms_account(s, &n->perms, 1);
	n->gen = ++s->gen;
}

int
xs_node_set_value(struct xs_store *s, struct xs_node *n, const char *value,
    uint32_t vlen)
{
	char *v;

	v = NULL;
	if (vlen > 0) {
		v = malloc(vlen);
		if (v == NULL)
			return (ENOMEM);
		memcpy(v, value, vlen);
	}
	xs_node_take_value(s, n, v, vlen);
	return (0);
}

int
xs_node_set_perms(struct xs_store *s, struct xs_node *n,
    const struct xs_perms *perms)
{
	struct xs_perms np;

	if (xs_perms_copy(&np, perms) != 0)
		return (ENOMEM);
	xs_node_take_perms(s, n, &np);
	return (0);
}

/* Remove and free a node that has no children. */
void
xs_node_unlink(struct xs_store *s, struct xs_node *n)
{
	struct xs_node *parent, *low, *c;

	parent = n->parent;
	if (RB_LEFT(n, sib) != NULL && RB_RIGHT(n, sib) != NULL) {
		c = RB_RIGHT(n, sib);
		while (RB_LEFT(c, sib) != NULL)
			c = RB_LEFT(c, sib);
		low = RB_PARENT(c, sib) == n ? c : RB_PARENT(c, sib);
	} else
		low = RB_PARENT(n, sib);
	RB_REMOVE(xs_kids, &parent->kids, n);
	kid_fixup(low);
	parent->nkids--;
	parent->gen = ++s->gen;
	s->nnodes--;
	xs_node_perms_account(s, &n->perms, -1);
	xs_node_destroy(n);
}

/*
 * Remove top and everything below it, children first, firing watches on
 * the way as C xenstored's rm does: each removed node fires the watches
 * set exactly on it (so a watch below a removed parent reports its own
 * path), and top fires every watch at or above it.  Each node fires while
 * it still exists, so the permission filter sees it.  path holds top's
 * path in an XS_PATH_BUF buffer and is used as scratch.  No allocation:
 * a removal cannot fail half way.
 */
void
xs_node_rm_tree(struct xs_store *s, struct xs_node *top, char *path, bool fire)
{
	struct xs_node *n, *k, *parent;
	size_t len, toplen;

	toplen = strlen(path);
	len = toplen;
	n = top;
	for (;;) {
		while ((k = RB_MIN(xs_kids, &n->kids)) != NULL) {
			if (len > 1)
				path[len++] = '/';
			memcpy(path + len, k->name, k->namelen);
			len += k->namelen;
			path[len] = '\0';
			n = k;
		}
		if (fire)
			xs_fire(s, path,
			    n == top ? XS_MATCH_SUBTREE : XS_MATCH_EXACT, n,
			    NULL);
		if (n == top)
			break;
		parent = n->parent;
		xs_node_unlink(s, n);
		len = xs_parent_len(path);
		path[len] = '\0';
		n = parent;
	}
	path[toplen] = '\0';
	if (top != s->root)
		xs_node_unlink(s, top);
}

struct xs_node *
xs_node_first(struct xs_node *n)
{

	return (RB_MIN(xs_kids, &n->kids));
}

struct xs_node *
xs_node_next(struct xs_node *parent, struct xs_node *kid)
{

	(void)parent; /* libbsd's RB_NEXT does not use the head */
	return (RB_NEXT(xs_kids, &parent->kids, kid));
}

/*
 * The child whose DIRECTORY entry holds byte off of n's list, with the
 * offset inside that entry in *inner; NULL when off is past the end.
 */
struct xs_node *
xs_node_at(struct xs_node *n, uint64_t off, uint64_t *inner)
{
	struct xs_node *k, *l;
	uint64_t lb;

	if (off >= kids_bytes(n))
		return (NULL);
	k = RB_ROOT(&n->kids);
	while (k != NULL) {
		l = RB_LEFT(k, sib);
		lb = l != NULL ? l->subbytes : 0;
		if (off < lb) {
			k = l;
			continue;
		}
		off -= lb;
		if (off <= k->namelen) {
			*inner = off;
			return (k);
		}
		off -= (uint64_t)k->namelen + 1;
		k = RB_RIGHT(k, sib);
	}
	return (NULL);
}

/* Write n's absolute path into buf; returns its length (0 if too long). */
size_t
xs_node_path(const struct xs_node *n, char *buf, size_t size)
{
	const struct xs_node *p;
	size_t len, pos;

	if (n->parent == NULL) {
		if (n->namelen > 0) { /* a special node */
			if ((size_t)n->namelen + 1 > size)
				return (0);
			memcpy(buf, n->name, n->namelen);
			buf[n->namelen] = '\0';
			return (n->namelen);
		}
		if (size < 2)
			return (0);
		buf[0] = '/';
		buf[1] = '\0';
		return (1);
	}
	len = 0;
	for (p = n; p->parent != NULL; p = p->parent)
		len += (size_t)p->namelen + 1;
	if (len + 1 > size)
		return (0);
	buf[len] = '\0';
	pos = len;
	for (p = n; p->parent != NULL; p = p->parent) {
		pos -= p->namelen;
		memcpy(buf + pos, p->name, p->namelen);
		buf[--pos] = '/';
	}
	return (len);
}

/*
 * Check the invariants below n: parent links, child counts, order and
 * byte sums.  Adds the nodes seen to *count.  Returns 0 or EFAULT.
 */
int
xs_node_check(struct xs_store *s, struct xs_node *n, uint64_t *count)
{
	struct xs_node *k, *prev;
	uint64_t nk, bytes;

	nk = 0;
	bytes = 0;
	prev = NULL;
	(*count)++;
	RB_FOREACH(k, xs_kids, &n->kids) {
		if (k->parent != n || (prev != NULL && kid_cmp(prev, k) >= 0))
			return (EFAULT);
		nk++;
		bytes += (uint64_t)k->namelen + 1;
		if (k->perms.n == 0 || xs_node_check(s, k, count) != 0)
			return (EFAULT);
		prev = k;
	}
	if (nk != n->nkids || bytes != kids_bytes(n))
		return (EFAULT);
	RB_FOREACH(k, xs_kids, &n->kids) {
		bytes = (uint64_t)k->namelen + 1;
		if (RB_LEFT(k, sib) != NULL)
			bytes += RB_LEFT(k, sib)->subbytes;
		if (RB_RIGHT(k, sib) != NULL)
			bytes += RB_RIGHT(k, sib)->subbytes;
		if (bytes != k->subbytes)
			return (EFAULT);
	}
	return (0);
}
