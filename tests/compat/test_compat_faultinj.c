/*
 * Compatibility test: fault injection (issue 11).  A typical session of a
 * domain's process, through Debian's unmodified libraries and the preload
 * library (share with xengntshr, map with xengnttab, an event channel
 * bound, notified and read with xenevtchn, a xenstore write and read with
 * libxenstore, everything closed) and through the native API (share,
 * map, mmap, notify), runs with tests/lib/faultinj.c preloaded:
 *
 * - into the session's process, after the preload library, so that the
 *   library's own calls to libc (found with dlsym(RTLD_NEXT)) reach it:
 *   the count shows call sites in libgntbox-preload.so;
 * - into gntboxd, armed around the session with SIGUSR1 and SIGUSR2.
 *
 * For each side the session first runs once counting, which lists every
 * call site of the kinds (allocation, memfd_create, ftruncate, mmap,
 * fallocate, sendmsg, accept) with the number of its first call.  Then
 * the session runs once per site with that call failing.  Each run must
 * end without a crash or a hang, every step that failed must have failed
 * with an errno (the session then closes what it opened; EPROTO, which
 * blames gntboxd, never for a failure of the session's own), gntboxd must
 * still answer, and its levels must be back at the baseline.  A single
 * failed sendmsg of the session's fails no step: sends are tried again.
 *
 * Coverage: every site of gntboxd, and every site of the client that is
 * gntbox's code (the test program's copy of the client core and
 * libgntbox-preload.so).  Sites in Debian's Xen libraries and in libc
 * called from them are counted but not failed: their handling of a
 * failed malloc is theirs.  Under ASan, whose runtime keeps malloc for
 * itself, allocations are not seen; the other kinds are.  At most
 * MAX_RUNS sites per side are walked (spread evenly when there are more),
 * to bound the time; the log says how many there were.
 */
#include <sys/mman.h>
#include <sys/wait.h>

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <xenevtchn.h>
#include <xengnttab.h>
#include <xenstore.h>

#include "check.h"
#include "harness.h"
#include "xswire.h"

#define PG	 4096
#define RW	 (PROT_READ | PROT_WRITE)
#define MAX_SITE 512
#define MAX_RUNS 150
#define KINDS	 "alloc,memfd,ftruncate,mmap,fallocate,sendmsg,accept"

/* ------------------------------------------------------------------ */
/* The session (a process of domain 1, exec'd by the test).             */

static int failures; /* steps that failed, each with an errno */
static int bad;	     /* a step that failed without one, or wrong data */

/*
 * Note a failed step: it must have an errno, and when the failure was
 * this process's own, not EPROTO (which says gntboxd broke the protocol).
 */
static int
failed(const char *step)
{
	int e = errno;

	fprintf(stderr, "session: %s: %s\n", step, strerror(e));
	if (e == 0 || (e == EPROTO && getenv("FAULTINJ_SELF") != NULL))
		bad++;
	failures++;
	return (-1);
}

/*
 * After a client-side run: was the failure made in a sendmsg?  One
 * failed send is tried again (src/client/link.c), so nothing may fail.
 */
static bool
injected_sendmsg(void)
{
	char path[PATH_MAX], buf[8192];
	ssize_t n;
	int fd;

	(void)snprintf(path, sizeof(path), "%s.out", getenv("FAULTINJ_CTL"));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return (false);
	n = read(fd, buf, sizeof(buf) - 1);
	(void)close(fd);
	if (n <= 0)
		return (false);
	buf[n] = '\0';
	return (strstr(buf, "injected sendmsg\n") != NULL);
}

#define STEP(cond, name)                                                       \
	do {                                                                   \
		errno = 0;                                                     \
		if (!(cond)) {                                                 \
			(void)failed(name);                                    \
			goto out;                                              \
		}                                                              \
	} while (0)

/* Debian's libraries through the preload library. */
static void
xen_part(void)
{
	xengntshr_handle *s = NULL;
	xengnttab_handle *g = NULL;
	xenevtchn_handle *e1 = NULL, *e2 = NULL;
	struct xs_handle *xs = NULL;
	uint32_t refs[2];
	char *p = NULL, *q = NULL, *v;
	unsigned len;
	int pa, pb, pe;

	STEP((s = xengntshr_open(NULL, 0)) != NULL, "xengntshr_open");
	STEP((p = xengntshr_share_pages(s, 1, 2, refs, 1)) != NULL,
	    "xengntshr_share_pages");
	strcpy(p, "shared");
	STEP((g = xengnttab_open(NULL, 0)) != NULL, "xengnttab_open");
	STEP((q = xengnttab_map_domain_grant_refs(g, 2, 1, refs, RW)) != NULL,
	    "xengnttab_map_domain_grant_refs");
	if (strcmp(q, "shared") != 0)
		bad++;
	STEP((e1 = xenevtchn_open(NULL, 0)) != NULL, "xenevtchn_open");
	STEP((e2 = xenevtchn_open(NULL, 0)) != NULL, "xenevtchn_open 2");
	STEP((pa = xenevtchn_bind_unbound_port(e1, 1)) > 0,
	    "xenevtchn_bind_unbound_port");
	STEP((pb = xenevtchn_bind_interdomain(e2, 1, (uint32_t)pa)) > 0,
	    "xenevtchn_bind_interdomain");
	STEP(xenevtchn_notify(e2, (uint32_t)pb) == 0, "xenevtchn_notify");
	STEP((pe = xenevtchn_pending(e1)) == pa, "xenevtchn_pending");
	STEP(xenevtchn_unmask(e1, (uint32_t)pe) == 0, "xenevtchn_unmask");
	STEP((xs = xs_open(0)) != NULL, "xs_open");
	STEP(xs_write(xs, XBT_NULL, "data/fi", "v", 1), "xs_write");
	STEP((v = xs_read(xs, XBT_NULL, "data/fi", &len)) != NULL, "xs_read");
	free(v);
	STEP(xs_rm(xs, XBT_NULL, "data/fi"), "xs_rm");
out:
	if (xs != NULL)
		xs_close(xs);
	if (e2 != NULL)
		(void)xenevtchn_close(e2);
	if (e1 != NULL)
		(void)xenevtchn_close(e1);
	if (q != NULL && xengnttab_unmap(g, q, 2) != 0)
		(void)failed("xengnttab_unmap");
	if (g != NULL)
		(void)xengnttab_close(g);
	if (p != NULL && xengntshr_unshare(s, p, 2) != 0)
		(void)failed("xengntshr_unshare");
	if (s != NULL)
		(void)xengntshr_close(s);
}

/* The native API. */
static void
native_part(void)
{
	struct gntbox_grant_ref gr;
	gntbox_t *a = NULL, *b = NULL;
	gntbox_evtchn_t *e = NULL;
	uint64_t soff, moff;
	uint32_t ref;
	char *p = NULL, *q = NULL;
	bool shared = false, mapped = false;
	int port;

	STEP((a = gntbox_open(1)) != NULL, "gntbox_open");
	STEP(gntbox_share(a, 1, 1, GNTBOX_SHARE_WRITABLE, &ref, &soff) == 0,
	    "gntbox_share");
	shared = true;
	STEP((p = gntbox_mmap(a, soff, 1, RW, NULL)) != NULL, "gntbox_mmap");
	strcpy(p, "native");
	STEP((b = gntbox_open(1)) != NULL, "gntbox_open 2");
	gr.domid = 1;
	gr.ref = ref;
	STEP(gntbox_map(b, 1, &gr, 0, &moff) == 0, "gntbox_map");
	mapped = true;
	STEP((q = gntbox_mmap(b, moff, 1, RW, NULL)) != NULL,
	    "gntbox_mmap of a map");
	if (strcmp(q, "native") != 0)
		bad++;
	STEP((e = gntbox_evtchn_open(1, GNTBOX_EVTCHN_NONBLOCK)) != NULL,
	    "gntbox_evtchn_open");
	STEP((port = gntbox_evtchn_bind_unbound(e, 1)) > 0,
	    "gntbox_evtchn_bind_unbound");
	STEP(gntbox_set_unmap_notify(b, moff, GNTBOX_NOTIFY_CLEAR_BYTE, 0) == 0,
	    "gntbox_set_unmap_notify");
out:
	if (e != NULL)
		(void)gntbox_evtchn_close(e);
	if (q != NULL)
		(void)gntbox_munmap(b, q, 1);
	if (mapped)
		(void)gntbox_unmap(b, moff, 1);
	if (b != NULL)
		(void)gntbox_close(b);
	if (p != NULL)
		(void)gntbox_munmap(a, p, 1);
	if (shared)
		(void)gntbox_unshare(a, soff, 1);
	if (a != NULL)
		(void)gntbox_close(a);
}

static int
session(void)
{
	void (*arm)(void), (*disarm)(void);

	arm = (void (*)(void))dlsym(RTLD_DEFAULT, "faultinj_arm");
	disarm = (void (*)(void))dlsym(RTLD_DEFAULT, "faultinj_disarm");
	if (arm == NULL || disarm == NULL) {
		fprintf(stderr, "session: the fault injector is not loaded\n");
		return (2);
	}
	if (getenv("FAULTINJ_SELF") != NULL)
		arm();
	xen_part();
	native_part();
	if (getenv("FAULTINJ_SELF") != NULL) {
		disarm();
		if (injected_sendmsg() && failures != 0) {
			fprintf(stderr,
			    "session: a failed send was not "
			    "tried again\n");
			bad++;
		}
	}
	fprintf(stderr, "session: %d steps failed%s\n", failures,
	    bad != 0 ? ", some without an errno or with wrong data" : "");
	if (bad != 0)
		return (1);
	/* A session with nothing injected must work. */
	return (getenv("FAULTINJ_MUST_WORK") != NULL && failures != 0 ? 1 : 0);
}

/* ------------------------------------------------------------------ */
/* The test.                                                            */

static char ctl[PATH_MAX], out[PATH_MAX + 8], armed_path[PATH_MAX + 8];
static char preload[PATH_MAX], faultinj[PATH_MAX], asan[PATH_MAX];

struct site {
	char kind[16];
	unsigned long first;
	char obj[128];
};

/* The ASan runtime this program runs with, if any: it must come first. */
static void
find_asan(void)
{
	char line[PATH_MAX + 128], *p;
	FILE *f;

	asan[0] = '\0';
	REQUIRE((f = fopen("/proc/self/maps", "r")) != NULL);
	while (fgets(line, sizeof(line), f) != NULL)
		if ((p = strchr(line, '/')) != NULL &&
		    strstr(p, "/libasan.so") != NULL) {
			p[strcspn(p, "\n")] = '\0';
			(void)snprintf(asan, sizeof(asan), "%s", p);
			break;
		}
	(void)fclose(f);
}

static void
write_ctl(const char *kinds, unsigned long n)
{
	FILE *f;

	REQUIRE((f = fopen(ctl, "w")) != NULL);
	fprintf(f, "%s %lu\n", kinds, n);
	REQUIRE(fclose(f) == 0);
	(void)unlink(out);
}

/* Read the injector's report: sites (up to MAX_SITE), and whether it
 * injected; returns the number of sites, -1 when the report is missing. */
static int
read_out(struct site *s, bool *injected, int wait_ms)
{
	char line[256];
	bool end;
	FILE *f;
	int n, i;

	for (i = 0; i < wait_ms / 10; i++) {
		if ((f = fopen(out, "r")) != NULL) {
			n = 0;
			end = false;
			*injected = false;
			while (fgets(line, sizeof(line), f) != NULL) {
				if (s != NULL && n < MAX_SITE &&
				    sscanf(line, "site %15s %lu %127s",
					s[n].kind, &s[n].first, s[n].obj) == 3)
					n++;
				if (strncmp(line, "injected", 8) == 0)
					*injected = true;
				if (strcmp(line, "end\n") == 0)
					end = true;
			}
			(void)fclose(f);
			if (end)
				return (n);
		}
		(void)usleep(10000);
	}
	return (-1);
}

static pid_t
daemon_pid(void)
{
	char path[PATH_MAX];
	long pid;
	FILE *f;

	(void)snprintf(path, sizeof(path), "%s/gntboxd.pid",
	    getenv("GNTBOX_DIR"));
	REQUIRE((f = fopen(path, "r")) != NULL);
	REQUIRE(fscanf(f, "%ld", &pid) == 1);
	(void)fclose(f);
	return ((pid_t)pid);
}

/* Arm gntboxd and wait until it has read the control file. */
static void
daemon_arm(pid_t pid)
{
	int i;

	(void)unlink(armed_path);
	REQUIRE(kill(pid, SIGUSR1) == 0);
	for (i = 0; i < 500 && access(armed_path, F_OK) != 0; i++)
		(void)usleep(2000);
	REQUIRE(access(armed_path, F_OK) == 0);
}

/*
 * Run the session in a new process of domain 1, the injector preloaded
 * after the preload library; self: arm it in the session.  Returns the
 * session's exit status, 128 + signal, or -1 when it hung.
 */
static int
run_session(bool self, bool must_work)
{
	char self_exe[PATH_MAX], xsp[PATH_MAX], ld[3 * PATH_MAX + 3];
	int st, i;
	ssize_t n;
	pid_t pid;

	REQUIRE((n = readlink("/proc/self/exe", self_exe,
		     sizeof(self_exe) - 1)) > 0);
	self_exe[n] = '\0';
	(void)snprintf(xsp, sizeof(xsp), "%s/dom/1/xenstore",
	    getenv("GNTBOX_DIR"));
	(void)snprintf(ld, sizeof(ld), "%s%s%s:%s", asan, asan[0] ? ":" : "",
	    preload, faultinj);
	fflush(NULL);
	REQUIRE((pid = fork()) != -1);
	if (pid == 0) {
		(void)setenv("LD_PRELOAD", ld, 1);
		(void)setenv("GNTBOX_DOMID", "1", 1);
		(void)setenv("XENSTORED_PATH", xsp, 1);
		if (self)
			(void)setenv("FAULTINJ_SELF", "1", 1);
		if (must_work)
			(void)setenv("FAULTINJ_MUST_WORK", "1", 1);
		execl(self_exe, self_exe, "--session", (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 2000; i++) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return (WIFEXITED(st) ? WEXITSTATUS(st) :
						128 + WTERMSIG(st));
		(void)usleep(10000);
	}
	(void)kill(pid, SIGKILL);
	(void)waitpid(pid, &st, 0);
	return (-1);
}

/*
 * A session that failed between its xenstore write and its removal left
 * the node: xenstore keeps what was written (no leak), so remove it as
 * domain 0 before the baseline is checked.
 */
static void
settle(void)
{
	static const char node[] = "/local/domain/1/data/fi";
	int fd;

	REQUIRE((fd = xw_connect(0)) != -1);
	(void)xw_call(fd, XS_RM, node, sizeof(node), NULL);
	(void)close(fd);
}

/* Our code, whose failures the walk injects (see the top). */
static bool
ours(const struct site *s, bool daemon_side)
{

	return (daemon_side || strcmp(s->obj, "libgntbox-preload.so") == 0 ||
	    strcmp(s->obj, "test_compat_faultinj") == 0);
}

/*
 * Count one side's sites, then fail each in turn.  daemon_side: the
 * injector in gntboxd, else in the session.
 */
static void
walk(bool daemon_side, pid_t dpid)
{
	static struct site sites[MAX_SITE];
	unsigned long want[MAX_SITE];
	unsigned nwant, i, k, step, injected_runs, crashes;
	bool injected, preload_seen;
	int nsites, rc;
	const char *side = daemon_side ? "gntboxd" : "client";

	write_ctl(KINDS, 0);
	if (daemon_side)
		daemon_arm(dpid);
	rc = run_session(!daemon_side, true);
	if (daemon_side)
		REQUIRE(kill(dpid, SIGUSR2) == 0);
	CHECK_EQ(rc, 0);
	REQUIRE((nsites = read_out(sites, &injected, 5000)) >= 0);
	th_check_baseline("fault injection: counting");
	nwant = 0;
	preload_seen = false;
	for (i = 0; i < (unsigned)nsites; i++) {
		if (strcmp(sites[i].obj, "libgntbox-preload.so") == 0)
			preload_seen = true;
		if (ours(&sites[i], daemon_side))
			want[nwant++] = sites[i].first;
	}
	printf("%s: %d call sites, %u of them gntbox's\n", side, nsites, nwant);
	CHECK(nwant > 0);
	if (!daemon_side)
		CHECK(preload_seen);
	step = nwant > MAX_RUNS ? (nwant + MAX_RUNS - 1) / MAX_RUNS : 1;
	injected_runs = crashes = 0;
	for (k = 0; k < nwant; k += step) {
		write_ctl(KINDS, want[k]);
		/* A failed call may be a message gntboxd counts as bad. */
		th_expect_protocol_errors();
		if (daemon_side)
			daemon_arm(dpid);
		rc = run_session(!daemon_side, false);
		if (daemon_side)
			REQUIRE(kill(dpid, SIGUSR2) == 0);
		if (read_out(NULL, &injected, 5000) < 0)
			injected = false;
		injected_runs += injected;
		if (rc != 0) {
			crashes++;
			printf("%s: call %lu failed: the session ended with "
			       "%d\n",
			    side, want[k], rc);
		}
		CHECK_EQ(rc, 0);
		CHECK_EQ(kill(dpid, 0), 0);
		settle();
		if (!th_check_baseline("fault injection"))
			printf("%s: after failing call %lu\n", side, want[k]);
	}
	printf("%s: %u runs, %u with the failure injected, %u bad endings\n",
	    side, (nwant + step - 1) / step, injected_runs, crashes);
	CHECK(injected_runs > 0);
}

int
main(int argc, char **argv)
{
	const char *build, *dir;
	const char *const none[] = { NULL };
	char path[PATH_MAX];
	pid_t dpid;

	if (argc == 2 && strcmp(argv[1], "--session") == 0)
		return (session());
	(void)signal(SIGPIPE, SIG_IGN);
	if ((build = getenv("GNTBOX_BUILD")) == NULL || *build == '\0')
		build = "build";
	REQUIRE((dir = getenv("GNTBOX_DIR")) != NULL);
	(void)snprintf(preload, sizeof(preload), "%s/lib/libgntbox-preload.so",
	    build);
	(void)snprintf(faultinj, sizeof(faultinj),
	    "%s/lib/libgntbox-faultinj.so", build);
	REQUIRE(realpath(preload, path) != NULL);
	(void)snprintf(preload, sizeof(preload), "%s", path);
	REQUIRE(realpath(faultinj, path) != NULL);
	(void)snprintf(faultinj, sizeof(faultinj), "%s", path);
	(void)snprintf(ctl, sizeof(ctl), "%s/faultinj.ctl", dir);
	(void)snprintf(out, sizeof(out), "%s/faultinj.ctl.out", dir);
	(void)snprintf(armed_path, sizeof(armed_path), "%s.armed", ctl);
	find_asan();
	/* gntboxd with the injector, armed by signals. */
	{
		char ld[2 * PATH_MAX + 2];

		(void)snprintf(ld, sizeof(ld), "%s%s%s", asan,
		    asan[0] ? ":" : "", faultinj);
		REQUIRE(setenv("LD_PRELOAD", ld, 1) == 0);
		REQUIRE(setenv("FAULTINJ_SIGNALS", "1", 1) == 0);
		REQUIRE(setenv("FAULTINJ_CTL", ctl, 1) == 0);
		th_start(none);
		REQUIRE(unsetenv("LD_PRELOAD") == 0);
		REQUIRE(unsetenv("FAULTINJ_SIGNALS") == 0);
	}
	th_domain(1);
	th_baseline();
	dpid = daemon_pid();
	walk(false, dpid);
	walk(true, dpid);
	return (th_finish());
}
