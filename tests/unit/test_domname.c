/*
 * Unit test of the domain-name rule (proto/domname.h): length, characters,
 * names that would read as ids, and default names that belong to their
 * domain only.
 */
#include <string.h>

#include "check.h"
#include "proto/domname.h"

static void
test_form(void)
{
	char long_name[GBX_NAME_MAX + 1];

	CHECK_EQ(gbx_domain_name_check("alice", 1), GBX_NAME_OK);
	CHECK_EQ(gbx_domain_name_check("a.b-c_D9", 7), GBX_NAME_OK);
	CHECK_EQ(gbx_domain_name_check("7up", 7), GBX_NAME_OK);
	CHECK_EQ(gbx_domain_name_check("", 1), GBX_NAME_EMPTY);
	CHECK_EQ(gbx_domain_name_check("a b/c", 1), GBX_NAME_BAD_CHAR);
	CHECK_EQ(gbx_domain_name_check("caf\xc3\xa9", 1), GBX_NAME_BAD_CHAR);
	CHECK_EQ(gbx_domain_name_check("123", 1), GBX_NAME_DIGITS);
	CHECK_EQ(gbx_domain_name_check("0", GBX_ALL_DOMAINS), GBX_NAME_DIGITS);

	/* 63 bytes is the most: GBX_NAME_MAX counts the NUL. */
	memset(long_name, 'x', sizeof(long_name));
	long_name[GBX_NAME_MAX - 1] = '\0';
	CHECK_EQ(gbx_domain_name_check(long_name, 1), GBX_NAME_OK);
	long_name[GBX_NAME_MAX - 1] = 'x';
	long_name[GBX_NAME_MAX] = '\0';
	CHECK_EQ(gbx_domain_name_check(long_name, 1), GBX_NAME_TOO_LONG);
	CHECK(strcmp(gbx_domain_name_problem(GBX_NAME_TOO_LONG),
		  "is longer than 63 characters") == 0);
}

static void
test_defaults(void)
{
	char buf[GBX_NAME_MAX];

	gbx_domain_default_name(0, buf, sizeof(buf));
	CHECK(strcmp(buf, "Domain-0") == 0);
	gbx_domain_default_name(32751, buf, sizeof(buf));
	CHECK(strcmp(buf, "domain-32751") == 0);

	/* A default name is its own domain's to take, nobody else's. */
	CHECK_EQ(gbx_domain_name_check("domain-3", 3), GBX_NAME_OK);
	CHECK_EQ(gbx_domain_name_check("Domain-0", 0), GBX_NAME_OK);
	CHECK_EQ(gbx_domain_name_check("domain-3", 4), GBX_NAME_RESERVED);
	CHECK_EQ(gbx_domain_name_check("Domain-0", 5), GBX_NAME_RESERVED);
	CHECK_EQ(gbx_domain_name_check("Domain-3", 3), GBX_NAME_RESERVED);
	CHECK_EQ(gbx_domain_name_check("domain-03", 3), GBX_NAME_RESERVED);
	CHECK_EQ(gbx_domain_name_check("domain-0", 0), GBX_NAME_RESERVED);
	/* Only the exact form is reserved. */
	CHECK_EQ(gbx_domain_name_check("domain-", 4), GBX_NAME_OK);
	CHECK_EQ(gbx_domain_name_check("domain-3a", 4), GBX_NAME_OK);
	CHECK_EQ(gbx_domain_name_check("DOMAIN-3", 4), GBX_NAME_OK);
	CHECK_EQ(gbx_domain_name_check("xdomain-3", 4), GBX_NAME_OK);
	/* A name to look up may have any valid form. */
	CHECK_EQ(gbx_domain_name_check("domain-3", GBX_ALL_DOMAINS),
	    GBX_NAME_OK);
}

int
main(void)
{

	test_form();
	test_defaults();
	return (check_exit());
}
