/*
 * Integration test: the per-domain counters of CTL_DOMSTATS (what
 * `gntbox top` shows) and the denials gntboxd logs.
 *
 * - Levels: grants a domain shares, grants it maps (maptrack handles),
 *   its ports.
 * - Events: every notify that reaches a binding of the domain's ports
 *   counts once, fast path and slow path alike, merged ones too; one sent
 *   to an unbound port counts nowhere; a closed handle's events stay in
 *   its domain's total.
 * - Xenstore requests, failed ones included.
 * - Denials: a grant map refused (with the GNTST_* name), a port bind
 *   refused, a xenstore read refused because the permission was set
 *   before the domain existed; each logged at warn with domain,
 *   operation and reason, and counted.  Under a flood the log is
 *   rate-limited: every denial is either logged or counted as unlogged,
 *   and the next logged one says how many were not.
 * - A domain created again starts from zero.
 * - CTL_LOG: levels and the last N lines; bad requests.
 *
 * Run as `test_observe_counts hold` against a gntboxd whose domains 1
 * and 2 exist, it makes something for `gntbox top` and the --json
 * listings to show (tests/cli/test_observe.sh): domain 1 shares two
 * pages with domain 2 (the first writable), domain 2 maps the first;
 * a port of domain 1 is connected to one of domain 2 (whose binding
 * makes one event, as in Xen) and domain 1 notifies it three times.  It
 * prints "ready PID REF0 REF1 PORT1 PORT2" and keeps all that until its
 * standard input ends.
 */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "lib/ctl_observe.h"
#include "test_evtchn.h"
#include "xswire.h"

#include <xen/grant_table.h>

static struct gbx_domstat_rec
domstat(unsigned domid)
{
	struct gbx_domstat_rec *r, out;
	struct gbx_conn *c;
	uint32_t n;

	REQUIRE(gbx_ctl_open(&c) == 0);
	REQUIRE(gbx_ctl_domstats(c, domid, &r, &n) == 0);
	REQUIRE(n == 1);
	out = r[0];
	free(r);
	gbx_conn_close(c);
	return (out);
}

/* The daemon's log (CTL_LOG), nul-terminated; free it. */
static char *
log_text(uint32_t lines, unsigned level)
{
	struct gbx_conn *c;
	char *text;
	size_t len;

	REQUIRE(gbx_ctl_open(&c) == 0);
	REQUIRE(gbx_ctl_log(c, lines, level, false, &text, &len) == 0);
	gbx_conn_close(c);
	CHECK_EQ(strlen(text), len);
	return (text);
}

/* Lines of the log that contain s. */
static unsigned
log_count(const char *s)
{
	char *text, *p;
	unsigned n;

	text = log_text(0, GBX_LEVEL_DEBUG);
	n = 0;
	for (p = text; (p = strstr(p, s)) != NULL; p += strlen(s))
		n++;
	free(text);
	return (n);
}

/* The log has a line that contains s. */
static bool
log_has(const char *s)
{

	return (log_count(s) > 0);
}

/* Grants shared, grants mapped (handles) and ports, per domain. */
static void
test_levels(void)
{
	struct gbx_domstat_rec b1, b2, s1, s2;
	gntbox_t *h1, *h2;
	gntbox_evtchn_t *e;
	uint32_t refs[3];
	void *p;

	b1 = domstat(1);
	b2 = domstat(2);
	h1 = th_open(1);
	h2 = th_open(2);
	(void)th_share(h1, 2, 3, GNTBOX_SHARE_WRITABLE, refs);
	p = th_map(h2, 1, 2, refs, PROT_READ | PROT_WRITE, NULL);
	e = te_open(1);
	REQUIRE(gntbox_evtchn_bind_unbound(e, 2) > 0);
	s1 = domstat(1);
	s2 = domstat(2);
	CHECK_EQ(s1.grants, b1.grants + 3);
	CHECK_EQ(s1.handles, b1.handles);
	CHECK_EQ(s1.ports, b1.ports + 1);
	CHECK_EQ(s2.grants, b2.grants);
	CHECK_EQ(s2.handles, b2.handles + 2);
	CHECK_EQ(s2.ports, b2.ports);
	CHECK(strcmp(s1.name, "domain-1") == 0);
	CHECK_EQ(s1.domid, 1);
	CHECK_ERR(gntbox_munmap(h2, p, 2), 0);
	CHECK_ERR(gntbox_close(h2), 0);
	CHECK_ERR(gntbox_close(h1), 0);
	CHECK_ERR(gntbox_evtchn_close(e), 0);
}

/* Notify port p of e n times (nothing taken in between). */
static void
notify_n(gntbox_evtchn_t *e, uint32_t p, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++)
		CHECK_ERR(gntbox_evtchn_notify(e, p), 0);
}

static void
test_events(void)
{
	struct gbx_domstat_rec b1, b2;
	gntbox_evtchn_t *a, *b;
	uint32_t pa, pb;
	int lone;

	a = te_open(1);
	b = te_open(2);
	pa = te_connect(a, 1, b, 2, &pb);
	b1 = domstat(1);
	b2 = domstat(2);
	/* The first goes through gntboxd, the rest on the fast path. */
	notify_n(a, pa, 5);
	CHECK_U64(domstat(2).events, b2.events + 5);
	CHECK_U64(domstat(1).events, b1.events);
	CHECK_EQ(gntbox_evtchn_pending(b), (int)pb);
	CHECK_ERR(gntbox_evtchn_unmask(b, pb), 0);
	notify_n(a, pa, 2);
	notify_n(b, pb, 3);
	CHECK_U64(domstat(2).events, b2.events + 7);
	CHECK_U64(domstat(1).events, b1.events + 3);
	/* To an unbound port: dropped, as Xen drops it, and not counted. */
	lone = gntbox_evtchn_bind_unbound(a, 2);
	REQUIRE(lone > 0);
	notify_n(a, (uint32_t)lone, 4);
	CHECK_U64(domstat(2).events, b2.events + 7);
	CHECK_U64(domstat(1).events, b1.events + 3);
	/* Closed handles' events stay in their domains' totals. */
	CHECK_ERR(gntbox_evtchn_close(b), 0);
	CHECK_ERR(gntbox_evtchn_close(a), 0);
	th_check_baseline("events: handles closed");
	CHECK_U64(domstat(2).events, b2.events + 7);
	CHECK_U64(domstat(1).events, b1.events + 3);
}

static void
test_xs_ops(void)
{
	struct gbx_domstat_rec b2, b1;
	int fd, i;

	b1 = domstat(1);
	b2 = domstat(2);
	REQUIRE((fd = xw_connect(2)) != -1);
	for (i = 0; i < 6; i++)
		CHECK_ERR(xw_call(fd, XS_READ, "domid", 6, NULL), 0);
	CHECK_ERR(xw_call(fd, XS_READ, "nope", 5, NULL), ENOENT);
	CHECK_ERR(xw_call(fd, XS_WRITE, "data/x\0y", 8, NULL), 0);
	CHECK_ERR(xw_call(fd, XS_RM, "data/x", 7, NULL), 0);
	close(fd);
	CHECK_U64(domstat(2).xs_ops, b2.xs_ops + 9);
	CHECK_U64(domstat(1).xs_ops, b1.xs_ops);
}

/* A map of a ref that is not granted: GNTST_bad_gntref, logged. */
static void
test_deny_map(void)
{
	struct gntbox_grant_ref g = { 1, 9999 };
	struct gbx_domstat_rec b2;
	gntbox_t *h;
	int16_t st;
	uint64_t off;

	b2 = domstat(2);
	h = th_open(2);
	REQUIRE(gntbox_map(h, 1, &g, 0, &off) == 0);
	CHECK(gntbox_mmap(h, off, 1, PROT_READ, &st) == NULL);
	CHECK_EQ(st, GNTST_bad_gntref);
	CHECK_ERR(gntbox_close(h), 0);
	CHECK_U64(domstat(2).denials, b2.denials + 1);
	CHECK(log_has(" warn: domain 2 denied map of grant 1:9999: "
		      "GNTST_bad_gntref (invalid grant reference)\n"));
}

/* A bind to a port that is not waiting for us: EINVAL, logged. */
static void
test_deny_bind(void)
{
	struct gbx_domstat_rec b2;
	gntbox_evtchn_t *b;

	b2 = domstat(2);
	b = te_open(2);
	CHECK_EQ(gntbox_evtchn_bind_interdomain(b, 1, 4000), -1);
	CHECK_EQ(errno, EINVAL);
	CHECK_ERR(gntbox_evtchn_close(b), 0);
	CHECK_U64(domstat(2).denials, b2.denials + 1);
	CHECK(log_has(" warn: domain 2 denied bind interdomain to dom 1 port "
		      "4000: the remote port is not unbound and waiting for "
		      "this domain (EINVAL)\n"));
}

/*
 * Issue 12's case: domain 1 lets domain 5 read its node before domain 5
 * exists; domain 5, created afterwards, is refused, and the log says
 * why.
 */
static void
test_deny_xenstore(void)
{
	int fd1, fd5;

	REQUIRE((fd1 = xw_connect(1)) != -1);
	CHECK_ERR(xw_call(fd1, XS_WRITE, "data/echo\0hi", 12, NULL), 0);
	CHECK_ERR(xw_call(fd1, XS_SET_PERMS, "data/echo\0n1\0r5", 16, NULL), 0);
	th_domain(5);
	REQUIRE((fd5 = xw_connect(5)) != -1);
	CHECK_ERR(xw_call(fd5, XS_READ, "/local/domain/1/data/echo", 26, NULL),
	    EACCES);
	close(fd5);
	CHECK_EQ(domstat(5).denials, 1);
	CHECK(log_has(" warn: domain 5 denied read of "
		      "/local/domain/1/data/echo: permission for domain 5 set "
		      "before it existed\n"));
	CHECK_ERR(xw_call(fd1, XS_RM, "data/echo", 10, NULL), 0);
	close(fd1);
	REQUIRE(gntbox_domain_destroy(5) == 0);
}

/*
 * A flood of refusals: each is logged or counted as unlogged, the log
 * gets far fewer lines than refusals, and once the rate allows again the
 * next logged refusal says how many went unlogged.
 */
static void
test_deny_flood(void)
{
	struct gbx_domstat_rec b, a;
	unsigned lines0, lines1, i;
	char want[128];
	int fd;

	b = domstat(2);
	lines0 = log_count("warn: domain 2 denied");
	REQUIRE((fd = xw_connect(2)) != -1);
	for (i = 0; i < 400; i++)
		CHECK_ERR(xw_call(fd, XS_READ, "/local/domain/0/name", 21,
			      NULL),
		    EACCES);
	a = domstat(2);
	lines1 = log_count("warn: domain 2 denied");
	CHECK_U64(a.denials, b.denials + 400);
	CHECK_U64((lines1 - lines0) + (a.unlogged - b.unlogged), 400);
	CHECK(lines1 - lines0 < 200);
	CHECK(a.unlogged > b.unlogged);
	/* The rate lets one through again (5 a second): it says the rest. */
	usleep(1200 * 1000);
	CHECK_ERR(xw_call(fd, XS_READ, "/local/domain/0/name", 21, NULL),
	    EACCES);
	close(fd);
	snprintf(want, sizeof(want),
	    "(and %llu earlier denials of domain 2 not logged: rate limit)\n",
	    (unsigned long long)(a.unlogged - b.unlogged));
	CHECK(log_has(want));
}

/* A domain created again starts from zero. */
static void
test_reset(void)
{
	struct gbx_domstat_rec s;
	int fd;

	REQUIRE(gntbox_domain_create(6, NULL, 0) == 0);
	REQUIRE((fd = xw_connect(6)) != -1);
	CHECK_ERR(xw_call(fd, XS_READ, "/local/domain/0/name", 21, NULL),
	    EACCES);
	close(fd);
	s = domstat(6);
	CHECK(s.xs_ops == 1 && s.denials == 1);
	REQUIRE(gntbox_domain_destroy(6) == 0);
	th_check_baseline("reset: domain 6 gone");
	REQUIRE(gntbox_domain_create(6, "again", 0) == 0);
	s = domstat(6);
	CHECK(s.xs_ops == 0 && s.denials == 0 && s.events == 0 &&
	    s.unlogged == 0);
	CHECK(strcmp(s.name, "again") == 0);
	REQUIRE(gntbox_domain_destroy(6) == 0);
}

/* Every line of text matches re. */
static bool
all_lines_match(const char *text, const char *re)
{
	regex_t rx;
	char line[2048];
	const char *p, *nl;
	bool ok;

	REQUIRE(regcomp(&rx, re, REG_EXTENDED | REG_NOSUB) == 0);
	ok = true;
	for (p = text; *p != '\0'; p = nl + 1) {
		nl = strchr(p, '\n');
		REQUIRE(nl != NULL && (size_t)(nl - p) < sizeof(line));
		memcpy(line, p, (size_t)(nl - p));
		line[nl - p] = '\0';
		if (regexec(&rx, line, 0, NULL, 0) != 0) {
			fprintf(stderr, "line does not match %s: %s\n", re,
			    line);
			ok = false;
		}
	}
	regfree(&rx);
	return (ok);
}

static unsigned
nlines(const char *text)
{
	unsigned n;

	for (n = 0; *text != '\0'; text++)
		n += *text == '\n';
	return (n);
}

static void
test_log_request(void)
{
	static const char ts[] = "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}"
				 ":[0-9]{2}\\.[0-9]{3}[+-][0-9]{2}:[0-9]{2} ";
	char re[256], *all, *warn, *last;
	struct gbx_conn *c;
	size_t len;

	all = log_text(0, GBX_LEVEL_DEBUG);
	snprintf(re, sizeof(re), "%s(error|warn|info|debug): ", ts);
	CHECK(all_lines_match(all, re));
	CHECK(strstr(all, " info: pid ") != NULL);
	warn = log_text(0, GBX_LEVEL_WARN);
	snprintf(re, sizeof(re), "%s(error|warn): ", ts);
	CHECK(nlines(warn) > 0);
	CHECK(all_lines_match(warn, re));
	/* The last 3 lines are the end of the whole log. */
	last = log_text(3, GBX_LEVEL_DEBUG);
	CHECK_EQ(nlines(last), 3);
	CHECK(strlen(all) >= strlen(last) &&
	    strcmp(all + strlen(all) - strlen(last), last) == 0);
	free(all);
	free(warn);
	free(last);
	REQUIRE(gbx_ctl_open(&c) == 0);
	CHECK_ERR(gbx_ctl_log(c, 0, 4, false, &all, &len), EINVAL);
	gbx_conn_close(c);
}

/* The helper of the command-line test (see the top). */
static int
hold(void)
{
	gntbox_evtchn_t *a, *b;
	gntbox_t *h1, *h2;
	uint32_t refs[2], pa, pb;
	char buf[16];
	void *p;

	h1 = th_open(1);
	h2 = th_open(2);
	(void)th_share(h1, 2, 1, GNTBOX_SHARE_WRITABLE, &refs[0]);
	(void)th_share(h1, 2, 1, 0, &refs[1]);
	p = th_map(h2, 1, 1, refs, PROT_READ | PROT_WRITE, NULL);
	a = te_open(1);
	b = te_open(2);
	pa = te_connect(a, 1, b, 2, &pb);
	notify_n(a, pa, 3);
	printf("ready %d %u %u %u %u\n", (int)getpid(), refs[0], refs[1], pa,
	    pb);
	(void)fflush(stdout);
	while (fgets(buf, sizeof(buf), stdin) != NULL)
		;
	CHECK_ERR(gntbox_munmap(h2, p, 1), 0);
	CHECK_ERR(gntbox_close(h2), 0);
	CHECK_ERR(gntbox_close(h1), 0);
	CHECK_ERR(gntbox_evtchn_close(a), 0);
	CHECK_ERR(gntbox_evtchn_close(b), 0);
	return (check_exit());
}

int
main(int argc, char **argv)
{

	if (argc == 2 && strcmp(argv[1], "hold") == 0)
		return (hold());
	th_start(NULL);
	th_domain(1);
	th_domain(2);
	th_baseline();
	test_levels();
	th_check_baseline("levels");
	test_events();
	th_check_baseline("events");
	test_xs_ops();
	th_check_baseline("xenstore requests");
	test_deny_map();
	th_check_baseline("map refused");
	test_deny_bind();
	th_check_baseline("bind refused");
	test_deny_xenstore();
	th_check_baseline("xenstore refused");
	test_deny_flood();
	th_check_baseline("refusals flood");
	test_reset();
	th_check_baseline("reset");
	test_log_request();
	th_check_baseline("log");
	return (th_finish());
}
