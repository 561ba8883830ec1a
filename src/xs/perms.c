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
		n = snprintf(buf + (len < size ? len : size),
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
