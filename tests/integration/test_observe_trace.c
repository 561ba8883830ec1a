/*
 * Integration test: the feeds of gntboxd (CTL_TRACE, CTL_LOG with
 * GBX_LOG_FOLLOW), CTL_XS_PERMS, and the syslog socket (--syslog).
 *
 * - A tracer gets one line per operation, in order: grants shared,
 *   mapped and unmapped, notify settings, ports bound, notified through
 *   gntboxd and unbound, xenstore requests with paths and results, and
 *   denials with their reasons; --dom filters by either domain involved.
 * - A tracer that does not read costs gntboxd nothing: thousands of
 *   operations go on at full speed, the lines that did not fit are
 *   dropped, and the next line that goes out counts them, so that lines
 *   received plus lines dropped is exactly the number of operations.
 * - A log follower gets new lines of its level.
 * - Errors: a second feed on one connection (EBUSY), a trace of a domain
 *   that does not exist (ESRCH), a CTL_FEED sent to gntboxd (EPROTO),
 *   bad CTL_LOG and CTL_XS_PERMS requests.
 * - --syslog: RFC 3164 datagrams with the daemon's name and pid and the
 *   syslog priority of each level; a syslog socket nobody reads never
 *   holds the daemon up.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <poll.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "base/paths.h"
#include "lib/ctl_observe.h"
#include "test_daemon.h"
#include "test_evtchn.h"
#include "xswire.h"

static char line[GBX_INLINE_MAX + 1];

/* A control session following the trace of domid (or of all). */
static struct gbx_conn *
tracer(unsigned domid)
{
	struct gbx_conn *c;

	REQUIRE(gbx_ctl_open(&c) == 0);
	REQUIRE(gbx_ctl_trace(c, domid) == 0);
	return (c);
}

/*
 * The next line of c's feed contains want (after the timestamp); lines
 * are never lost here (the tracer keeps up).
 */
static void
expect_line(struct gbx_conn *c, const char *want)
{
	struct gbx_feed f;
	int error;

	error = gbx_ctl_feed_next(c, &f, line, sizeof(line), 10000);
	if (error != 0) {
		check_fail(__FILE__, __LINE__, "no line '%s': %s", want,
		    strerror(error));
		return;
	}
	CHECK_EQ(f.dropped, 0);
	/* "2026-12-05T14:03:07.123+01:00 " comes first. */
	if (strlen(line) < 30 || line[29] != ' ' ||
	    strcmp(line + 30, want) != 0)
		check_fail(__FILE__, __LINE__, "line '%s', want '%s'", line,
		    want);
}

/* Every kind of operation, seen by a tracer of all and one of domain 2. */
static void
test_trace_lines(void)
{
	struct gbx_conn *all, *two, *three;
	struct gntbox_grant_ref g;
	gntbox_evtchn_t *a, *b;
	gntbox_t *h1, *h2;
	char want[256];
	uint32_t ref;
	uint64_t off;
	void *p;
	int pa, pb, fd;

	all = tracer(GBX_ALL_DOMAINS);
	two = tracer(2);
	three = tracer(3);
	h1 = th_open(1);
	h2 = th_open(2);
	(void)th_share(h1, 2, 1, GNTBOX_SHARE_WRITABLE, &ref);
	snprintf(want, sizeof(want),
	    "dom 1 share 1 page with dom 2 (writable): refs %u", ref);
	expect_line(all, want);
	expect_line(two, want);
	g.domid = 1;
	g.ref = ref;
	REQUIRE(gntbox_map(h2, 1, &g, 0, &off) == 0);
	REQUIRE((p = gntbox_mmap(h2, off, 1, PROT_READ, NULL)) != NULL);
	snprintf(want, sizeof(want), "dom 2 map 1:%u -> map ", ref);
	REQUIRE(gbx_ctl_feed_next(all, &(struct gbx_feed){ 0 }, line,
		    sizeof(line), 10000) == 0);
	CHECK(strncmp(line + 30, want, strlen(want)) == 0);
	REQUIRE(gbx_ctl_feed_next(two, &(struct gbx_feed){ 0 }, line,
		    sizeof(line), 10000) == 0);
	CHECK(strncmp(line + 30, want, strlen(want)) == 0);
	CHECK_ERR(gntbox_munmap(h2, p, 1), 0);
	CHECK_ERR(gntbox_unmap(h2, off, 1), 0);
	/* UNMAP is one-way: a later request shows it was handled. */
	a = te_open(1);
	b = te_open(2);
	pa = gntbox_evtchn_bind_unbound(a, 2);
	REQUIRE(pa > 0);
	REQUIRE(gbx_ctl_feed_next(all, &(struct gbx_feed){ 0 }, line,
		    sizeof(line), 10000) == 0);
	CHECK(strstr(line, " dom 2 unmap map ") != NULL &&
	    strstr(line, " handles 0..0") != NULL);
	snprintf(want, sizeof(want), "dom 1 bind unbound for dom 2 -> port %d",
	    pa);
	expect_line(all, want);
	pb = gntbox_evtchn_bind_interdomain(b, 1, (uint32_t)pa);
	REQUIRE(pb > 0);
	snprintf(want, sizeof(want),
	    "dom 2 bind interdomain to dom 1 port %d -> port %d", pa, pb);
	expect_line(all, want);
	/* The first notify asks gntboxd where the port leads. */
	CHECK_ERR(gntbox_evtchn_notify(b, (uint32_t)pb), 0);
	snprintf(want, sizeof(want),
	    "dom 2 notify port %d via gntboxd -> dom 1 port %d", pb, pa);
	expect_line(all, want);
	CHECK_ERR(gntbox_evtchn_unbind(b, (uint32_t)pb), 0);
	snprintf(want, sizeof(want), "dom 2 unbind port %d", pb);
	expect_line(all, want);
	/* Domain 2's tracer saw its own and those that involve it. */
	REQUIRE(gbx_ctl_feed_next(two, &(struct gbx_feed){ 0 }, line,
		    sizeof(line), 10000) == 0);
	CHECK(strstr(line, " dom 2 unmap map ") != NULL);
	snprintf(want, sizeof(want), "dom 1 bind unbound for dom 2 -> port %d",
	    pa);
	expect_line(two, want);
	REQUIRE(gbx_ctl_feed_next(two, &(struct gbx_feed){ 0 }, line,
		    sizeof(line), 10000) == 0);
	REQUIRE(gbx_ctl_feed_next(two, &(struct gbx_feed){ 0 }, line,
		    sizeof(line), 10000) == 0);
	snprintf(want, sizeof(want), "dom 2 unbind port %d", pb);
	expect_line(two, want);
	/* Xenstore, and a denial with its reason. */
	REQUIRE((fd = xw_connect(2)) != -1);
	CHECK_ERR(xw_call(fd, XS_WRITE, "data/t\0v", 8, NULL), 0);
	expect_line(two, "dom 2 xs write /local/domain/2/data/t -> ok");
	CHECK_ERR(xw_call(fd, XS_READ, "/local/domain/1/data", 21, NULL),
	    EACCES);
	expect_line(two, "dom 2 xs read /local/domain/1/data -> EACCES");
	expect_line(two,
	    "dom 2 DENIED read of /local/domain/1/data: permissions n1 give "
	    "domain 2 no read access");
	CHECK_ERR(xw_call(fd, XS_RM, "data/t", 7, NULL), 0);
	expect_line(two, "dom 2 xs rm /local/domain/2/data/t -> ok");
	close(fd);
	/* Domain 3's tracer saw none of it: its first line is its own. */
	REQUIRE((fd = xw_connect(3)) != -1);
	CHECK_ERR(xw_call(fd, XS_READ, "domid", 6, NULL), 0);
	close(fd);
	expect_line(three, "dom 3 xs read /local/domain/3/domid -> ok");
	CHECK_ERR(gntbox_evtchn_close(a), 0);
	CHECK_ERR(gntbox_evtchn_close(b), 0);
	CHECK_ERR(gntbox_close(h2), 0);
	CHECK_ERR(gntbox_close(h1), 0);
	gbx_conn_close(all);
	gbx_conn_close(two);
	gbx_conn_close(three);
}

/*
 * A tracer that does not read: the operations go on, the lines that do
 * not fit are dropped, and received plus dropped is exact.
 */
static void
test_slow_tracer(void)
{
	enum {
		OPS = 20000
	};
	struct gbx_conn *slow;
	struct gbx_feed f;
	uint64_t got, dropped;
	int fd, i, error;

	slow = tracer(2);
	REQUIRE((fd = xw_connect(2)) != -1);
	for (i = 0; i < OPS; i++)
		if (xw_call(fd, XS_READ, "domid", 6, NULL) != 0)
			break;
	CHECK_EQ(i, OPS);
	got = dropped = 0;
	while (
	    (error = gbx_ctl_feed_next(slow, &f, line, sizeof(line), 0)) == 0) {
		got++;
		dropped += f.dropped;
	}
	CHECK_EQ(error, ETIMEDOUT);
	CHECK(got > 0 && got < OPS);
	/* One more: its line carries what was dropped since the last. */
	CHECK_ERR(xw_call(fd, XS_READ, "domid", 6, NULL), 0);
	REQUIRE(gbx_ctl_feed_next(slow, &f, line, sizeof(line), 10000) == 0);
	got++;
	dropped += f.dropped;
	CHECK(f.dropped > 0);
	CHECK_U64(got + dropped, OPS + 1);
	close(fd);
	gbx_conn_close(slow);
}

static void
test_log_follow(void)
{
	struct gbx_conn *c, *w;
	struct gbx_feed f;
	char *text;
	size_t len;
	int fd;

	REQUIRE(gbx_ctl_open(&c) == 0);
	REQUIRE(gbx_ctl_log(c, 1, GBX_LEVEL_DEBUG, true, &text, &len) == 0);
	CHECK(len > 0 && text[len - 1] == '\n');
	free(text);
	REQUIRE(gbx_ctl_open(&w) == 0);
	REQUIRE(gbx_ctl_log(w, 1, GBX_LEVEL_WARN, true, &text, &len) == 0);
	free(text);
	th_domain(4);
	REQUIRE(gbx_ctl_feed_next(c, &f, line, sizeof(line), 10000) == 0);
	CHECK_EQ(f.kind, GBX_FEED_LOG);
	CHECK_EQ(f.level, GBX_LEVEL_INFO);
	CHECK(strstr(line, " info: domain 4 (domain-4) created") != NULL);
	/* The warn follower did not get it: its first line is a warning. */
	REQUIRE((fd = xw_connect(4)) != -1);
	CHECK_ERR(xw_call(fd, XS_READ, "/local/domain/1/data", 21, NULL),
	    EACCES);
	close(fd);
	REQUIRE(gbx_ctl_feed_next(w, &f, line, sizeof(line), 10000) == 0);
	CHECK_EQ(f.level, GBX_LEVEL_WARN);
	CHECK(strstr(line,
		  " warn: domain 4 denied read of "
		  "/local/domain/1/data: ") != NULL);
	REQUIRE(gntbox_domain_destroy(4) == 0);
	gbx_conn_close(w);
	gbx_conn_close(c);
}

/* Requests that are refused. */
static void
test_errors(void)
{
	struct gbx_log_req lr = { 0, GBX_LEVEL_DEBUG, GBX_LOG_FOLLOW, 0 };
	struct gbx_dump d = { 77, 0, 0 };
	struct gbx_xs_perm pe[4];
	struct gbx_xs_path xp;
	struct gbx_conn *c;
	struct tdx_msg *m;
	uint32_t n;
	char *text;
	size_t len;
	int ctl, bulk;

	REQUIRE(gbx_ctl_open(&c) == 0);
	CHECK_ERR(gbx_ctl_trace(c, 77), ESRCH);
	REQUIRE(gbx_ctl_trace(c, GBX_ALL_DOMAINS) == 0);
	gbx_conn_close(c);
	/* A second feed on a connection. */
	REQUIRE((m = malloc(sizeof(*m))) != NULL);
	REQUIRE((ctl = td_control()) != -1);
	REQUIRE((bulk = gbx_bulk_create()) != -1);
	d.domid = GBX_ALL_DOMAINS;
	CHECK_EQ(tdx_call(ctl, GBX_CTL_TRACE, &d, sizeof(d), NULL, 0, -1, m),
	    0);
	CHECK_EQ(tdx_call(ctl, GBX_CTL_TRACE, &d, sizeof(d), NULL, 0, -1, m),
	    EBUSY);
	CHECK_EQ(tdx_call(ctl, GBX_CTL_LOG, &lr, sizeof(lr), NULL, 0, bulk, m),
	    EBUSY);
	close(ctl);
	/* Bad log requests; a feed message is gntboxd's to send. */
	REQUIRE((ctl = td_control()) != -1);
	lr.level = 4;
	CHECK_EQ(tdx_call(ctl, GBX_CTL_LOG, &lr, sizeof(lr), NULL, 0, bulk, m),
	    EINVAL);
	lr.level = GBX_LEVEL_INFO;
	lr.flags = 0x80;
	CHECK_EQ(tdx_call(ctl, GBX_CTL_LOG, &lr, sizeof(lr), NULL, 0, bulk, m),
	    EINVAL);
	th_expect_protocol_errors();
	CHECK_EQ(tdx_call(ctl, GBX_CTL_FEED, &d, sizeof(d), NULL, 0, -1, m),
	    EPROTO);
	/* CTL_XS_PERMS: a path without its nul, or relative. */
	xp.len = 4;
	xp.pad = 0;
	CHECK_EQ(tdx_call(ctl, GBX_CTL_XS_PERMS, &xp, sizeof(xp), "/abc", 4, -1,
		     m),
	    EINVAL);
	close(ctl);
	close(bulk);
	free(m);
	REQUIRE(gbx_ctl_open(&c) == 0);
	CHECK_ERR(gbx_ctl_xs_perms(c, "local/domain/1", pe, 4, &n), EINVAL);
	CHECK_ERR(gbx_ctl_xs_perms(c, "/local/domain/77", pe, 4, &n), ENOENT);
	CHECK_ERR(gbx_ctl_xs_perms(c, "/local/domain/1/name", pe, 4, &n), 0);
	CHECK(n == 2 && pe[0].domid == 0 && pe[0].access == 'n' &&
	    pe[1].domid == 1 && pe[1].access == 'r' && pe[1].flags == 0);
	CHECK_ERR(gbx_ctl_xs_perms(c, "/local/domain/1/name", pe, 1, &n),
	    E2BIG);
	CHECK_ERR(gbx_ctl_log(c, 0, GBX_LEVEL_INFO, false, &text, &len), 0);
	free(text);
	gbx_conn_close(c);
}

/* CTL_XS_PERMS marks the entries the store ignores. */
static void
test_xs_perms(void)
{
	struct gbx_xs_perm pe[4];
	struct gbx_conn *c;
	uint32_t n;
	int fd;

	REQUIRE((fd = xw_connect(1)) != -1);
	CHECK_ERR(xw_call(fd, XS_WRITE, "data/p\0v", 8, NULL), 0);
	CHECK_ERR(xw_call(fd, XS_SET_PERMS, "data/p\0n1\0r2\0r9", 16, NULL), 0);
	REQUIRE(gbx_ctl_open(&c) == 0);
	CHECK_ERR(gbx_ctl_xs_perms(c, "/local/domain/1/data/p", pe, 4, &n), 0);
	CHECK_EQ(n, 3);
	CHECK(pe[0].domid == 1 && pe[0].access == 'n' && pe[0].flags == 0);
	CHECK(pe[1].domid == 2 && pe[1].access == 'r' && pe[1].flags == 0);
	CHECK(pe[2].domid == 9 && pe[2].access == 'r' &&
	    pe[2].flags == GBX_XS_PERM_IGNORED);
	gbx_conn_close(c);
	CHECK_ERR(xw_call(fd, XS_RM, "data/p", 7, NULL), 0);
	close(fd);
}

/* A unix datagram socket standing in for syslog. */
static char syslog_path[GBX_PATH_MAX];

static int
syslog_open(void)
{
	struct sockaddr_un sun;
	int fd;

	snprintf(syslog_path, sizeof(syslog_path), "%s/syslog-test",
	    getenv("GNTBOX_DIR"));
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	REQUIRE(strlen(syslog_path) < sizeof(sun.sun_path));
	strcpy(sun.sun_path, syslog_path);
	REQUIRE((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) != -1);
	REQUIRE(bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0);
	return (fd);
}

/*
 * The next datagram, nul-terminated, within timeout_ms; false when none
 * came.
 */
static bool
syslog_next(int fd, char *buf, size_t len, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t r;

	if (poll(&p, 1, timeout_ms) != 1 ||
	    (r = recv(fd, buf, len - 1, MSG_DONTWAIT)) <= 0)
		return (false);
	buf[r] = '\0';
	return (true);
}

/*
 * What the daemon sent since it started: its first line, then a warning
 * with its priority; then a socket left unread does not hold it up.
 */
static void
test_syslog(int sfd)
{
	struct gbx_hello_reply hr;
	struct gbx_conn *c;
	char buf[2048], head[64];
	regex_t rx;
	int fd, i;

	REQUIRE(gbx_ctl_open(&c) == 0);
	REQUIRE(gbx_ctl_ping(c, &hr) == 0);
	gbx_conn_close(c);
	REQUIRE(regcomp(&rx,
		    "^<30>[A-Z][a-z]{2} [ 1-3][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2} "
		    "gntboxd\\[[0-9]+\\]: pid [0-9]+ serving /",
		    REG_EXTENDED | REG_NOSUB) == 0);
	REQUIRE(syslog_next(sfd, buf, sizeof(buf), 10000));
	CHECK(regexec(&rx, buf, 0, NULL, 0) == 0);
	regfree(&rx);
	snprintf(head, sizeof(head), " gntboxd[%u]: ", hr.daemon_pid);
	CHECK(strstr(buf, head) != NULL);
	/*
	 * A warning: priority 3 * 8 + 4.  What came since the first line
	 * goes first (a socket holds few datagrams: net.unix.max_dgram_qlen,
	 * 10 by default; the rest were lost).
	 */
	while (syslog_next(sfd, buf, sizeof(buf), 0))
		;
	REQUIRE((fd = xw_connect(2)) != -1);
	CHECK_ERR(xw_call(fd, XS_READ, "/local/domain/1/zzz", 20, NULL),
	    EACCES);
	close(fd);
	while (syslog_next(sfd, buf, sizeof(buf), 10000) &&
	    strstr(buf, "denied read of /local/domain/1/zzz") == NULL)
		;
	CHECK(strncmp(buf, "<28>", 4) == 0);
	CHECK(strstr(buf, "]: domain 2 denied read of /local/domain/1/zzz: ") !=
	    NULL);
	/* Nobody reads: lines are lost, the daemon goes on. */
	for (i = 0; i < 300; i++) {
		REQUIRE(gntbox_domain_create(7, NULL, 0) == 0);
		REQUIRE(gntbox_domain_destroy(7) == 0);
	}
	for (i = 0; i < 600 && syslog_next(sfd, buf, sizeof(buf), 0); i++)
		;
	CHECK(i > 0 && i < 600);
}

int
main(void)
{
	char arg[GBX_PATH_MAX + 16], dir[] = "/tmp/gntbox-trace.XXXXXX";
	const char *extra[] = { arg, NULL };
	int sfd;

	/* The syslog socket lives in the runtime directory: name it first. */
	if (getenv("GNTBOX_DIR") == NULL) {
		REQUIRE(mkdtemp(dir) != NULL);
		REQUIRE(setenv("GNTBOX_DIR", dir, 1) == 0);
	}
	sfd = syslog_open();
	snprintf(arg, sizeof(arg), "--syslog=%s", syslog_path);
	th_start(extra);
	th_domain(1);
	th_domain(2);
	th_domain(3);
	th_baseline();
	test_trace_lines();
	th_check_baseline("trace lines");
	test_slow_tracer();
	th_check_baseline("slow tracer");
	test_log_follow();
	th_check_baseline("log follow");
	test_errors();
	th_check_baseline("errors");
	test_xs_perms();
	th_check_baseline("xs perms");
	test_syslog(sfd);
	th_check_baseline("syslog");
	close(sfd);
	(void)unlink(syslog_path);
	return (th_finish());
}
