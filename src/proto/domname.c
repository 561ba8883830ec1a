/*
 * domname.c: the rule for domain names (domname.h).
 */
#include <stdio.h>
#include <string.h>

#include "proto/domname.h"

/* True when name is "domain-" or "Domain-" and one or more digits. */
static bool
default_form(const char *name)
{
	const char *d;

	if (strncmp(name + 1, "omain-", 6) != 0 ||
	    (name[0] != 'd' && name[0] != 'D'))
		return (false);
	d = name + 7;
	return (*d != '\0' && d[strspn(d, "0123456789")] == '\0');
}

enum gbx_name_problem
gbx_domain_name_check(const char *name, unsigned domid)
{
	static const char ok[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				 "abcdefghijklmnopqrstuvwxyz"
				 "0123456789_.-";
	char def[GBX_NAME_MAX];
	size_t len;

	len = strnlen(name, GBX_NAME_MAX);
	if (len == 0)
		return (GBX_NAME_EMPTY);
	if (len >= GBX_NAME_MAX)
		return (GBX_NAME_TOO_LONG);
	if (strspn(name, ok) != len)
		return (GBX_NAME_BAD_CHAR);
	if (strspn(name, "0123456789") == len)
		return (GBX_NAME_DIGITS);
	if (domid != GBX_ALL_DOMAINS && default_form(name)) {
		gbx_domain_default_name(domid, def, sizeof(def));
		if (strcmp(name, def) != 0)
			return (GBX_NAME_RESERVED);
	}
	return (GBX_NAME_OK);
}

const char *
gbx_domain_name_problem(enum gbx_name_problem p)
{

	switch (p) {
	case GBX_NAME_OK:
		return ("is a valid name");
	case GBX_NAME_EMPTY:
		return ("is empty");
	case GBX_NAME_TOO_LONG:
		return ("is longer than 63 characters");
	case GBX_NAME_BAD_CHAR:
		return ("has a character other than A-Z a-z 0-9 _ . -");
	case GBX_NAME_DIGITS:
		return ("is all digits, which reads as a domain id");
	case GBX_NAME_RESERVED:
		return ("is the default name of another domain");
	}
	return ("is not a valid name");
}

void
gbx_domain_default_name(unsigned domid, char *buf, size_t len)
{

	if (domid == 0)
		(void)snprintf(buf, len, "Domain-0");
	else
		(void)snprintf(buf, len, "domain-%u", domid);
}
