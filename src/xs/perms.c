/*
 * perms.c: permission lists.
 *
 * A node's list names an owner first; the owner has full access and the
 * first entry's rights are the default for every domain not listed.
 * Later entries grant rights to one domain, or to every domain when they
 * name DOMID_ANY; the first entry that matches wins.  Domain 0 is
 * privileged and may do anything; a domain with a target (SET_TARGET)
 * also has the rights of its target.  This is C xenstored's
 * perm_for_conn().
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xs/internal.h"

bool
xs_is_priv(uint32_t domid)
{

	return (domid == XS_PRIV_DOMID);
}

/*
 * Parse n entries "<r|w|b|n><domid>" from nul-separated strings.  The
 * domid is read as C's strtol(base 0) reads it, as libxenstore and C
 * xenstored do.  Returns 0, EINVAL or ENOMEM.
 */
int
xs_perms_parse(const char *strings, uint32_t len, uint32_t n,
    struct xs_perms *out)
{
	const char *p, *end;
	char *stop;
	uint32_t i;
	long id;

	out->p = calloc(n, sizeof(*out->p));
	out->n = n;
	if (out->p == NULL)
		return (ENOMEM);
	end = strings + len;
	for (p = strings, i = 0; i < n; i++) {
		if (p >= end)
			goto inval;
		switch (*p) {
		case 'r':
			out->p[i].bits = XSP_READ;
			break;
		case 'w':
			out->p[i].bits = XSP_WRITE;
			break;
		case 'b':
			out->p[i].bits = XSP_READ | XSP_WRITE;
			break;
		case 'n':
			out->p[i].bits = XSP_NONE;
			break;
		default:
			goto inval;
		}
		p++;
		id = strtol(p, &stop, 0);
		if (*stop != '\0' || *p == '\0')
			goto inval;
		out->p[i].id = (uint32_t)id;
		p = stop + 1;
	}
	return (0);
inval:
	xs_perms_free(out);
	return (EINVAL);
}

/*
 * The GET_PERMS form of a list: "<letter><domid>" and a nul per entry.
 * Returns the bytes written, or the bytes needed when size is too small.
 */
size_t
xs_perms_format(const struct xs_perms *p, char *buf, size_t size)
{
	static const char letter[] = { 'n', 'r', 'w', 'b' };
	size_t len;
	uint32_t i;
	int n;

	len = 0;
	for (i = 0; i < p->n; i++) {
		/* buf may be NULL (size 0): no arithmetic on it then. */
		n = snprintf(len < size ? buf + len : NULL,
		    len < size ? size - len : 0, "%c%d",
		    letter[p->p[i].bits & (XSP_READ | XSP_WRITE)],
		    (int)p->p[i].id);
		len += (size_t)n + 1;
	}
	return (len);
}

int
xs_perms_copy(struct xs_perms *dst, const struct xs_perms *src)
{

	dst->n = 0;
	dst->p = NULL;
	if (src->n == 0)
		return (0);
	dst->p = malloc(src->n * sizeof(*src->p));
	if (dst->p == NULL)
		return (ENOMEM);
	memcpy(dst->p, src->p, src->n * sizeof(*src->p));
	dst->n = src->n;
	return (0);
}

void
xs_perms_free(struct xs_perms *p)
{

	free(p->p);
	p->p = NULL;
	p->n = 0;
}

bool
xs_perms_equal(const struct xs_perms *a, const struct xs_perms *b)
{

	return (a->n == b->n &&
	    (a->n == 0 || memcmp(a->p, b->p, a->n * sizeof(*a->p)) == 0));
}

static bool
perm_matches(uint32_t id, uint32_t domid, uint32_t target)
{

	return (id == domid || id == XS_DOMID_ANY ||
	    (target != XS_DOMID_ANY && id == target));
}

/* The rights (XSP_READ, XSP_WRITE, XSP_OWNER) domid has under p. */
unsigned
xs_perm_for(const struct xs_store *s, uint32_t domid, const struct xs_perms *p)
{
	const struct xs_domain *d;
	uint32_t target, i;

	if (xs_is_priv(domid))
		return (XSP_READ | XSP_WRITE | XSP_OWNER);
	if (p->n == 0)
		return (XSP_NONE);
	d = xs_domain_find(s, domid);
	target = d != NULL ? d->target : XS_DOMID_ANY;
	if (perm_matches(p->p[0].id, domid, target))
		return (XSP_READ | XSP_WRITE | XSP_OWNER);
	for (i = 1; i < p->n; i++)
		if ((p->p[i].bits & XSP_IGNORE) == 0 &&
		    perm_matches(p->p[i].id, domid, target))
			return (p->p[i].bits & (XSP_READ | XSP_WRITE));
	return (p->p[0].bits & (XSP_READ | XSP_WRITE));
}

/*
 * Mark the entries that name a domain which does not exist, as C
 * xenstored's domain_alloc_permrefs() does, so that a domain created
 * later with that id does not inherit them.  DOMID_ANY always exists.
 */
void
xs_perms_adjust(struct xs_store *s, struct xs_perms *p)
{
	uint32_t i;

	for (i = 0; i < p->n; i++)
		if (p->p[i].id != XS_DOMID_ANY &&
		    !xs_domain_exists(s, p->p[i].id))
			p->p[i].bits |= XSP_IGNORE;
}

/* p as GET_PERMS would list it, comma-separated ("n1,r2"), into buf. */
static void
perms_list(const struct xs_perms *p, char *buf, size_t len)
{
	size_t n, i, used;

	n = xs_perms_format(p, buf, len);
	if (n > len) {
		(void)snprintf(buf, len, "(%u entries)", p->n);
		return;
	}
	/* The nuls between entries become commas; the last one stays. */
	for (i = 0, used = n; i + 1 < used; i++)
		if (buf[i] == '\0')
			buf[i] = ',';
	if (n == 0 && len > 0)
		buf[0] = '\0';
}

/*
 * Why domid lacks the rights in need under p, in words for the daemon's
 * log, into buf: an entry that would have applied to it but is ignored
 * because it named the domain before the domain existed (the case that
 * costs people time: C xenstored's rule), the owner's rights that only
 * the owner has, or the rights the list gives it.
 */
void
xs_perm_explain(const struct xs_store *s, uint32_t domid,
    const struct xs_perms *p, unsigned need, char *buf, size_t len)
{
	const struct xs_domain *d;
	char list[128];
	uint32_t target, i;
	unsigned rights;

	if (p->n == 0) {
		(void)snprintf(buf, len, "the node has no permission list");
		return;
	}
	d = xs_domain_find(s, domid);
	target = d != NULL ? d->target : XS_DOMID_ANY;
	perms_list(p, list, sizeof(list));
	/* The entry that would apply if ignored ones counted. */
	for (i = 1; i < p->n; i++)
		if (perm_matches(p->p[i].id, domid, target))
			break;
	if (i < p->n && (p->p[i].bits & XSP_IGNORE) != 0) {
		(void)snprintf(buf, len,
		    "permission for domain %u set before it existed", domid);
		return;
	}
	rights = xs_perm_for(s, domid, p);
	if ((need & XSP_OWNER) != 0 && (rights & XSP_OWNER) == 0) {
		(void)snprintf(buf, len,
		    "only its owner (domain %u) or domain 0 may change its "
		    "permissions (%s)",
		    p->p[0].id, list);
		return;
	}
	(void)snprintf(buf, len, "permissions %s give domain %u no %s access",
	    list, domid,
	    (need & XSP_READ) != 0 && (rights & XSP_READ) == 0 ? "read" :
								 "write");
}

int
xs_node_perms(struct xs_store *s, const char *path, struct xs_perm_entry *out,
    uint32_t max, uint32_t *n)
{
	static const char letter[] = { 'n', 'r', 'w', 'b' };
	char canon[XS_PATH_BUF];
	const struct xs_node *node;
	uint32_t i;

	*n = 0;
	/* Absolute only: a relative path would need a connection's home. */
	if (path[0] != '/' && path[0] != '@')
		return (EINVAL);
	if (xs_canonical(NULL, path, true, canon, NULL) != 0 ||
	    strcmp(canon, path) != 0)
		return (EINVAL);
	node = xs_path_is_special(path) ? xs_special(s, path) :
					  xs_node_find(s, path, NULL, NULL);
	if (node == NULL)
		return (ENOENT);
	*n = node->perms.n;
	if (node->perms.n > max)
		return (E2BIG);
	for (i = 0; i < node->perms.n; i++) {
		out[i].domid = node->perms.p[i].id;
		out[i].access =
		    letter[node->perms.p[i].bits & (XSP_READ | XSP_WRITE)];
		out[i].ignored = (node->perms.p[i].bits & XSP_IGNORE) != 0;
	}
	return (0);
}
