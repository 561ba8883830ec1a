/*
 * path.c: xenstore paths and request arguments.
 *
 * A path is canonical when it is absolute (or a special "@" path where
 * those are allowed), uses only [A-Za-z0-9-/_@], has no "//", no trailing
 * "/" (except the root) and is not too long.  Relative paths are taken
 * under the connection's home, /local/domain/<domid>, as C xenstored does
 * for every connection (docs/misc/xenstore.txt).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xs/internal.h"

static bool
valid_chars(const char *p)
{
	static const char ok[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				 "abcdefghijklmnopqrstuvwxyz"
				 "0123456789-/_@";

	return (p[strspn(p, ok)] == '\0');
}

/*
 * Bytes of a "/local/domain/<digits>/" prefix of path, or 0.  The length
 * limit for paths under a domain's home counts only what follows it, so
 * that every domain has the same room below its home whatever its id.
 */
static size_t
local_prefix(const char *path)
{
	static const char pre[] = "/local/domain/";
	size_t i, n;

	if (strncmp(path, pre, sizeof(pre) - 1) != 0)
		return (0);
	i = sizeof(pre) - 1;
	for (n = 0; n < 5 && path[i + n] >= '0' && path[i + n] <= '9'; n++)
		;
	if (n == 0 || path[i + n] != '/')
		return (0);
	return (i + n + 1);
}

int
xs_home_path(uint32_t domid, char *buf, size_t size)
{

	return (snprintf(buf, size, "/local/domain/%u", domid));
}

/* Length of "/local/domain/<domid>". */
size_t
xs_home_len(uint32_t domid)
{
	char buf[32];

	return ((size_t)xs_home_path(domid, buf, sizeof(buf)));
}

/*
 * Canonicalise a path argument into out (XS_PATH_BUF bytes).  Relative
 * paths gain the home prefix and *relative says so.  Special paths are
 * accepted only where the request allows them (watches and permissions).
 * Returns 0 or EINVAL.
 */
int
xs_canonical(const struct xs_req *rq, const char *in, bool special, char *out,
    bool *relative)
{
	size_t len, off;
	int n;

	if (in == NULL || !valid_chars(in) || (in[0] == '@' && !special))
		return (EINVAL);
	if (relative != NULL)
		*relative = in[0] != '/' && in[0] != '@';
	if (in[0] != '/' && in[0] != '@')
		n = snprintf(out, XS_PATH_BUF, "/local/domain/%u/%s",
		    rq->c->domid, in);
	else
		n = snprintf(out, XS_PATH_BUF, "%s", in);
	if (n < 0 || (size_t)n >= XS_PATH_BUF)
		return (EINVAL);
	len = (size_t)n;
	if (len > 1 && out[len - 1] == '/')
		return (EINVAL);
	if (len == 0 || strstr(out, "//") != NULL)
		return (EINVAL);
	off = local_prefix(out);
	if (len - off > XENSTORE_REL_PATH_MAX)
		return (EINVAL);
	return (0);
}

bool
xs_path_is_special(const char *path)
{

	return (path[0] == '@');
}

/*
 * Length of the parent of a canonical path: "/a/b" -> 2 ("/a"), "/a" -> 1
 * ("/").  A special path's parent is the root, as in C xenstored.
 */
size_t
xs_parent_len(const char *path)
{
	const char *slash;

	slash = strrchr(path + 1, '/');
	if (slash == NULL || path[0] != '/')
		return (1);
	return ((size_t)(slash - path));
}

/*
 * Is child at or below parent, and no more than depth levels below it
 * (depth < 0: any)?  Levels are counted in path components.
 */
bool
xs_is_child(const char *child, const char *parent, int depth)
{
	size_t len;
	int levels;

	len = strlen(parent);
	if (strncmp(child, parent, len) != 0)
		return (false);
	if (len > 1 && child[len] != '/' && child[len] != '\0')
		return (false);
	if (depth < 0 || child[len] == '\0')
		return (true);
	/* Below the root, the leading "/" already starts level 1. */
	levels = len == 1 ? 1 : 0;
	for (; levels <= depth; len++) {
		if (child[len] == '\0')
			return (true);
		if (child[len] == '/')
			levels++;
	}
	return (false);
}

/*
 * Split data[0..len) into nul-terminated strings; store up to max of them
 * in vec and return how many there are.  Bytes after the last nul are not
 * a string (a WRITE value, for instance).
 */
unsigned
xs_get_strings(const char *data, uint32_t len, const char **vec, unsigned max)
{
	const char *p, *end, *nul;
	unsigned n;

	n = 0;
	end = data + len;
	for (p = data; p < end; p = nul + 1) {
		nul = memchr(p, '\0', (size_t)(end - p));
		if (nul == NULL)
			break;
		if (n < max)
			vec[n] = p;
		n++;
	}
	return (n);
}

/* The single argument of a request: exactly one nul, at the end. */
const char *
xs_onearg(const struct xs_req *rq)
{

	if (rq->len == 0 ||
	    memchr(rq->data, '\0', rq->len) != rq->data + rq->len - 1)
		return (NULL);
	return (rq->data);
}

/* A decimal domid 0..65535, as C xenstored parses it; 0 or EINVAL. */
/*
 * A number in a request: plain decimal digits, at most max.  C xenstored
 * reads numbers with atoi(), which takes "12abc" as 12 and "" as 0, and
 * whose result is undefined when the number overflows; a client's bytes
 * must never reach undefined behaviour, so anything but digits is EINVAL.
 */
int
xs_parse_uint(const char *s, uint32_t max, uint32_t *out)
{
	uint64_t v;

	if (*s == '\0')
		return (EINVAL);
	for (v = 0; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return (EINVAL);
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > max)
			return (EINVAL);
	}
	*out = (uint32_t)v;
	return (0);
}

int
xs_parse_domid(const char *s, uint32_t *domid)
{

	return (xs_parse_uint(s, 65535, domid));
}

/*
 * Order of path components: bytes, then length.  Children are listed in
 * this order, in the live tree and in a transaction's view alike.
 */
int
xs_name_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	int r;

	r = memcmp(a, b, alen < blen ? alen : blen);
	if (r != 0)
		return (r);
	return (alen < blen ? -1 : alen > blen);
}
