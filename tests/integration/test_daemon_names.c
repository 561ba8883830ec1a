/*
 * Integration test: domain names and the daemon's life, as gntboxd
 * enforces them whatever the client (the gntbox command checks names
 * too, but the control socket is open to any program of the user).
 *
 * - CTL_DOMAIN_CREATE refuses a name proto/domname.h refuses (EINVAL):
 *   all digits, another domain's default name, bad characters.
 * - Names are unique among live domains (EEXIST naming no id); a domain
 *   may take its own default name; exist_ok succeeds only for the name
 *   the domain has (or none asked); a destroyed domain's name is free at
 *   once.
 * - CTL_PERSIST: a daemon started with --idle-exit 1 says it had 1 and
 *   then 0, and stays while no client is connected for longer than that.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "harness.h"
#include "lib/ctl.h"

/* The name of live domain domid in the list; "" when none. */
static void
name_of(unsigned domid, char *buf, size_t len)
{
	struct gbx_domain_rec *d;
	struct gbx_conn *c;
	uint32_t i, n;

	buf[0] = '\0';
	REQUIRE(gbx_ctl_open(&c) == 0);
	REQUIRE(gbx_ctl_domains(c, &d, &n) == 0);
	gbx_conn_close(c);
	for (i = 0; i < n; i++)
		if (d[i].domid == domid && (d[i].flags & GBX_DOM_DYING) == 0)
			(void)snprintf(buf, len, "%s", d[i].name);
	free(d);
}

static void
test_rule(void)
{

	CHECK_ERR(gntbox_domain_create(3, "123", 0), EINVAL);
	CHECK_ERR(gntbox_domain_create(3, "domain-4", 0), EINVAL);
	CHECK_ERR(gntbox_domain_create(3, "Domain-0", 0), EINVAL);
	CHECK_ERR(gntbox_domain_create(3, "Domain-3", 0), EINVAL);
	CHECK_ERR(gntbox_domain_create(3, "a b", 0), EINVAL);
	CHECK_ERR(gntbox_domain_create(3, "domain-3", 0), 0);
	CHECK_ERR(gntbox_domain_destroy(3), 0);
}

static void
test_unique(void)
{
	char name[GBX_NAME_MAX];

	CHECK_ERR(gntbox_domain_create(3, "alice", 0), 0);
	CHECK_ERR(gntbox_domain_create(4, "alice", 0), EEXIST);
	CHECK_ERR(gntbox_domain_create(4, "alice", 1), EEXIST);
	name_of(4, name, sizeof(name));
	CHECK(name[0] == '\0');
	/* exist_ok: the domain as it is, or no name asked. */
	CHECK_ERR(gntbox_domain_create(3, "alice", 1), 0);
	CHECK_ERR(gntbox_domain_create(3, NULL, 1), 0);
	CHECK_ERR(gntbox_domain_create(3, "bob", 1), EEXIST);
	CHECK_ERR(gntbox_domain_create(3, "bob", 0), EEXIST);
	name_of(3, name, sizeof(name));
	CHECK(strcmp(name, "alice") == 0);
	/* Freed by destroy: another domain takes it at once. */
	CHECK_ERR(gntbox_domain_destroy(3), 0);
	CHECK_ERR(gntbox_domain_create(4, "alice", 0), 0);
	name_of(4, name, sizeof(name));
	CHECK(strcmp(name, "alice") == 0);
	/* A name that failed to be given is not kept either. */
	CHECK_ERR(gntbox_domain_create(4, "carol", 0), EEXIST);
	CHECK_ERR(gntbox_domain_create(5, "carol", 0), 0);
	CHECK_ERR(gntbox_domain_destroy(4), 0);
	CHECK_ERR(gntbox_domain_destroy(5), 0);
}

static void
test_persist(void)
{
	struct timespec idle = { 2, 500 * 1000 * 1000 };
	struct gbx_hello_reply r;
	struct gbx_conn *c;
	unsigned was;

	REQUIRE(gbx_ctl_open(&c) == 0);
	CHECK_ERR(gbx_ctl_persist(c, &was), 0);
	CHECK_EQ(was, 1);
	CHECK_ERR(gbx_ctl_persist(c, &was), 0);
	CHECK_EQ(was, 0);
	gbx_conn_close(c);
	/* No client for longer than --idle-exit: it is still there. */
	(void)nanosleep(&idle, NULL);
	REQUIRE(gbx_ctl_open(&c) == 0);
	CHECK_ERR(gbx_ctl_ping(c, &r), 0);
	gbx_conn_close(c);
}

int
main(void)
{
	static const char *const idle[] = { "--idle-exit", "1", NULL };

	/* Started with an idle exit, as gntbox run starts it. */
	th_start(idle);
	test_persist();
	th_baseline();
	test_rule();
	th_check_baseline("name rule");
	test_unique();
	th_check_baseline("unique names");
	return (th_finish());
}
