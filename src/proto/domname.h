/*
 * domname.h: what a domain name may be (docs/design.md, "Command line").
 *
 * gntboxd checks a name with gbx_domain_name_check() when a domain is
 * created, and the gntbox command checks it before it asks, so that both
 * say the same thing.  A name is 1 to GBX_NAME_MAX - 1 bytes of
 * [A-Za-z0-9_.-], not all digits (a string of digits is a domain id, as
 * in xl), and names are unique among live domains (gntboxd keeps them so).
 * The default names, "Domain-0" for domain 0 and "domain-N" for domain N,
 * belong to their domain: a name of that form (any number, either case of
 * the D) may be given to the domain whose default name it is, and to no
 * other, so that a default name never clashes with one given earlier.
 */
#ifndef GNTBOX_PROTO_DOMNAME_H
#define GNTBOX_PROTO_DOMNAME_H

#include <stdbool.h>
#include <stddef.h>

#include "proto/proto.h"

/* What is wrong with a name; the rule for users, in one phrase. */
enum gbx_name_problem {
	GBX_NAME_OK = 0,
	GBX_NAME_EMPTY,
	GBX_NAME_TOO_LONG,
	GBX_NAME_BAD_CHAR,
	GBX_NAME_DIGITS,   /* all digits: it would read as a domain id */
	GBX_NAME_RESERVED, /* another domain's default name */
};

#define GBX_NAME_RULE                                                          \
	"1 to 63 of the characters A-Z a-z 0-9 _ . -, not all digits"

/*
 * May name be given to domain domid?  GBX_NAME_OK, or the problem.
 * domid GBX_ALL_DOMAINS checks only the form (a name to look up).
 */
enum gbx_name_problem gbx_domain_name_check(const char *name, unsigned domid);

/* The problem in a few words, e.g. "has a character other than ...". */
const char *gbx_domain_name_problem(enum gbx_name_problem p);

/* Domain domid's default name: "Domain-0", else "domain-<domid>". */
void gbx_domain_default_name(unsigned domid, char *buf, size_t len);

#endif /* GNTBOX_PROTO_DOMNAME_H */
