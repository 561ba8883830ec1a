/*
 * gntboxd: the hypervisor and kernel side of gntbox (docs/design.md,
 * "Command line", gives the command line; gntboxd(8) documents it).
 *
 * Start-up order matters: the runtime directory is made or checked first
 * (it must be ours alone: paths.h), then gntboxd.lock is taken before
 * anything else is touched, so that a second daemon on the same directory
 * exits (status 3) without disturbing the first one's sockets; then the
 * pid file, the descriptor limit, the hypervisor, the sockets, and last
 * the "ready" line.  No file is opened through a link: the lock and the
 * pid file are checked private files, and the pid file is replaced by
 * rename.  On SIGTERM, SIGINT or CTL_SHUTDOWN every connection is closed,
 * everything is released, and the sockets and pid file are removed.
 */
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "base/paths.h"
#include "base/sdnotify.h"
#include "config.h" /* generated: GBX_VERSION */
#include "daemon/gntboxd.h"
#include "hv/domain.h"

#define EXIT_LOCKED 3

struct opts {
	const char *dir;
	const char *log;
	bool syslog;		 /* --syslog */
	const char *syslog_sock; /* its socket, NULL for /dev/log */
	int ready_fd;
	unsigned idle_exit;
	unsigned max_conns;
	bool fds_given; /* --max-fds */
	bool verbose;
	struct hv_limits lim;
};

/* The usage: asked for (--help) on stdout with 0, else on stderr with 1. */
static void
usage(bool asked)
{

	fprintf(asked ? stdout : stderr,
	    "usage: gntboxd [--dir DIR] [--ready-fd FD] [--idle-exit SECONDS] "
	    "[--log FILE]\n"
	    "               [--syslog[=SOCKET]] [--verbose] "
	    "[--max-grant-frames N]\n"
	    "               [--max-maptrack N] [--max-ports N] "
	    "[--max-conns N] [--max-fds N]\n"
	    "       gntboxd --help | --version\n"
	    "gntboxd(8) describes them; under systemd it reports readiness "
	    "(Type=notify).\n");
	exit(asked ? 0 : 1);
}

/* A decimal number in [lo, hi], or exit 1 naming the option. */
static unsigned long
number(const char *opt, const char *s, unsigned long lo, unsigned long hi)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || v < lo ||
	    v > hi) {
		fprintf(stderr,
		    "gntboxd: --%s: expected a number from %lu to "
		    "%lu, got \"%s\"\n",
		    opt, lo, hi, s);
		exit(1);
	}
	return (v);
}

static void
parse(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "ready-fd", required_argument, NULL, 'r' },
		{ "idle-exit", required_argument, NULL, 'i' },
		{ "log", required_argument, NULL, 'l' },
		{ "syslog", optional_argument, NULL, 's' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "max-grant-frames", required_argument, NULL, 'g' },
		{ "max-maptrack", required_argument, NULL, 'm' },
		{ "max-ports", required_argument, NULL, 'p' },
		{ "max-conns", required_argument, NULL, 'c' },
		{ "max-fds", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	memset(o, 0, sizeof(*o));
	o->ready_fd = -1;
	o->max_conns = GBXD_CONNS_PER_DOMAIN;
	hv_limits_default(&o->lim);
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			o->dir = optarg;
			break;
		case 'r':
			o->ready_fd =
			    (int)number("ready-fd", optarg, 0, INT_MAX);
			break;
		case 'i':
			o->idle_exit =
			    (unsigned)number("idle-exit", optarg, 0, INT_MAX);
			break;
		case 'l':
			o->log = optarg;
			break;
		case 's':
			o->syslog = true;
			o->syslog_sock = optarg;
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'g':
			o->lim.max_grant_frames =
			    (uint32_t)number("max-grant-frames", optarg, 1,
				HV_MAX_GRANT_FRAMES);
			break;
		case 'm':
			o->lim.max_maptrack = (uint32_t)number("max-maptrack",
			    optarg, 1, HV_MAX_MAPTRACK);
			break;
		case 'p':
			o->lim.max_ports = (uint32_t)number("max-ports", optarg,
			    2, HV_DEF_PORTS);
			break;
		case 'c':
			o->max_conns = (unsigned)number("max-conns", optarg, 1,
			    GBXD_MAX_CONNS);
			break;
		case 'f':
			o->lim.max_fds = (uint32_t)number("max-fds", optarg,
			    HV_MIN_FDS, HV_MAX_FDS);
			o->fds_given = true;
			break;
		case 'h':
			usage(true);
			break;
		case 'V':
			printf("gntboxd %s\n", GBX_VERSION);
			exit(0);
		default:
			usage(false);
		}
	}
	if (optind != argc)
		usage(false);
}

/*
 * Take gntboxd.lock; exit 3 when another daemon holds it.  The lock file
 * is opened without following a link and must be a private file of ours
 * (gbx_open_private), so that nobody can point it elsewhere.
 */
static int
take_lock(void)
{
	char path[GBX_PATH_MAX];
	int fd;

	if (gbx_path_file(path, sizeof(path), "gntboxd.lock") != 0)
		return (-1);
	if ((fd = gbx_open_private(path, 0)) == -1) {
		gbx_err("%s", gbx_refusal());
		exit(1);
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		if (errno == EWOULDBLOCK) {
			gbx_err("another gntboxd runs on this directory");
			exit(EXIT_LOCKED);
		}
		gbx_err("%s: %s", path, strerror(errno));
		exit(1);
	}
	return (fd);
}

/*
 * Write the pid file atomically (a reader never sees it half written): a
 * new file made with O_EXCL and without following a link, then renamed
 * over the old one (rename replaces a link itself, never its target).
 */
static int
write_pidfile(void)
{
	char path[GBX_PATH_MAX], tmp[GBX_PATH_MAX + 8], line[32];
	int fd, n, error;

	if (gbx_path_file(path, sizeof(path), "gntboxd.pid") != 0)
		return (ENAMETOOLONG);
	(void)snprintf(tmp, sizeof(tmp), "%s.new", path);
	/* What a daemon that died here left (we hold the lock). */
	(void)unlink(tmp);
	if ((fd = gbx_open_private(tmp, O_EXCL)) == -1)
		return (errno);
	n = snprintf(line, sizeof(line), "%d\n", (int)getpid());
	if (write(fd, line, (size_t)n) != n) {
		error = errno != 0 ? errno : EIO;
		(void)close(fd);
		(void)unlink(tmp);
		return (error);
	}
	if (close(fd) != 0 || rename(tmp, path) == -1) {
		error = errno;
		(void)unlink(tmp);
		return (error);
	}
	return (0);
}

static void
remove_pidfile(void)
{
	char path[GBX_PATH_MAX];

	if (gbx_path_file(path, sizeof(path), "gntboxd.pid") == 0)
		(void)unlink(path);
}

/*
 * Every connection may need several descriptors: take what we may.  Then
 * bound what all clients together may have us hold (lim->max_fds_total)
 * to that limit, less what is open now and a reserve for ourselves, so
 * that clients meet a clean EMFILE from the accounting (hv_fds_take)
 * rather than gntboxd itself running out (issue 11, defect 3).
 */
static void
raise_nofile(struct hv_limits *lim, bool fds_given)
{
	struct rlimit rl;
	struct dirent *de;
	uint64_t open_now, max;
	DIR *d;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
		(void)getrlimit(RLIMIT_NOFILE, &rl);
	}
	open_now = 0;
	if ((d = opendir("/proc/self/fd")) != NULL) {
		while ((de = readdir(d)) != NULL)
			if (de->d_name[0] != '.')
				open_now++;
		(void)closedir(d);
	}
	max = rl.rlim_cur == RLIM_INFINITY ? UINT32_MAX : rl.rlim_cur;
	if (max > UINT32_MAX)
		max = UINT32_MAX;
	if (max > open_now + GBXD_FD_RESERVE)
		lim->max_fds_total =
		    (uint32_t)(max - open_now - GBXD_FD_RESERVE);
	else
		lim->max_fds_total = 0;
	/*
	 * Without --max-fds, one domain may have a quarter of the total,
	 * at most HV_DEF_FDS: a domain that takes its whole share leaves
	 * room for the others.
	 */
	if (!fds_given) {
		lim->max_fds = lim->max_fds_total / 4;
		if (lim->max_fds > HV_DEF_FDS)
			lim->max_fds = HV_DEF_FDS;
		if (lim->max_fds < HV_MIN_FDS)
			lim->max_fds = HV_MIN_FDS;
	}
}

/* Say that every socket listens: to systemd, and on --ready-fd. */
static void
ready(int fd)
{
	static const char msg[] = "ready\n";
	int error;

	if ((error = gbx_sd_notify("READY=1")) != 0)
		gbx_warn("NOTIFY_SOCKET: %s", strerror(error));
	if (fd < 0)
		return;
	if (write(fd, msg, sizeof(msg) - 1) != (ssize_t)sizeof(msg) - 1)
		gbx_warn("--ready-fd %d: %s", fd, strerror(errno));
	(void)close(fd);
}

/* Close everything, release everything, remove what we created. */
static void
shutdown_all(struct gbxd *g)
{
	char path[GBX_PATH_MAX];
	unsigned i;

	/* Before the device sockets, whose closing removes the directories. */
	xsd_fini(g);
	ctl_names_fini(g);
	for (i = 0; g->doms != NULL && i <= GBX_DOMID_MAX; i++)
		unlisten_device(g, i);
	if (g->control != NULL) {
		listener_close(g, g->control);
		g->control = NULL;
	}
	/*
	 * The reaper's queue is emptied first, event-channel handles (which
	 * point into their domains' port tables) included.
	 */
	procs_fini(g);
	hv_fini(&g->hv);
	background_fini(g);
	observe_fini(g);
	loop_fini(g);
	free(g->doms);
	if (gbx_path_file(path, sizeof(path), "dom") == 0)
		(void)rmdir(path);
	remove_pidfile();
}

int
main(int argc, char **argv)
{
	static struct gbxd g;
	struct opts o;
	int error, lockfd, logfd;

	gbx_log_init("gntboxd", GBX_LOG_INFO);
	/* Sockets and files are the user's alone. */
	(void)umask(077);
	parse(argc, argv, &o);
	if (o.verbose)
		gbx_log_init("gntboxd", GBX_LOG_DEBUG);
	if (o.dir != NULL && setenv("GNTBOX_DIR", o.dir, 1) == -1) {
		gbx_err("--dir: %s", strerror(errno));
		return (1);
	}
	if ((error = gbx_runtime_dir(g.dir, sizeof(g.dir))) != 0) {
		gbx_err("runtime directory %s: %s", g.dir, strerror(error));
		return (1);
	}
	/* Ours alone, or we would serve through another user's files. */
	if ((error = gbx_dir_make(g.dir)) != 0) {
		gbx_err("runtime directory: %s%s", gbx_refusal(),
		    error == EPERM ? " (refused: choose another with --dir)" :
				     "");
		return (1);
	}
	/* GNTBOX_DIR is what every path below is built from. */
	if (setenv("GNTBOX_DIR", g.dir, 1) == -1 ||
	    (lockfd = take_lock()) == -1) {
		gbx_err("%s: cannot take the lock", g.dir);
		return (1);
	}
	if (o.log != NULL) {
		if ((logfd = open(o.log,
			 O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600)) ==
			-1 ||
		    dup2(logfd, STDERR_FILENO) == -1) {
			gbx_err("--log %s: %s", o.log, strerror(errno));
			return (1);
		}
		(void)close(logfd);
		/* Standard error changed: is it the journal now? */
		gbx_log_init("gntboxd", gbx_log_max());
	}
	if (o.syslog && (error = gbx_log_syslog(o.syslog_sock)) != 0) {
		gbx_err("--syslog: %s", strerror(error));
		return (1);
	}
	(void)signal(SIGPIPE, SIG_IGN);
	raise_nofile(&o.lim, o.fds_given);
	g.idle_exit = o.idle_exit;
	g.max_conns = o.max_conns;
	g.epfd = -1;
	g.deferred.ev.fd = g.idle.ev.fd = -1;
	TAILQ_INIT(&g.paused);
	RB_INIT(&g.procs);
	g.spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	RB_INIT(&g.names);
	if ((error = write_pidfile()) != 0) {
		gbx_err("pid file: %s",
		    error == EPERM ? gbx_refusal() : strerror(error));
		return (1);
	}
	if ((g.doms = calloc(GBX_DOMID_MAX + 1, sizeof(*g.doms))) == NULL ||
	    (error = observe_init(&g)) != 0 ||
	    (error = logbook_init(&g)) != 0 ||
	    (error = hv_init(&g.hv, &o.lim)) != 0 ||
	    (error = loop_init(&g)) != 0 ||
	    (error = background_init(&g)) != 0) {
		gbx_err("start-up: %s", strerror(error != 0 ? error : ENOMEM));
		remove_pidfile();
		return (1);
	}
	listener_clean_stale(&g);
	if (listen_control(&g) != 0 || listen_device(&g, 0) != 0 ||
	    (error = xsd_init(&g)) != 0) {
		if (error != 0)
			gbx_err("xenstore: %s", strerror(error));
		shutdown_all(&g);
		return (1);
	}
	gbx_info("pid %d serving %s", (int)getpid(), g.dir);
	if (g.idle_exit != 0)
		gbx_info("it exits %u seconds after its last client has gone "
			 "(--idle-exit, as 'gntbox run' starts it), and every "
			 "domain and xenstore node with it; 'gntbox up' makes "
			 "it stay until 'gntbox down'",
		    g.idle_exit);
	ready(o.ready_fd);
	error = loop_run(&g);
	(void)gbx_sd_notify("STOPPING=1");
	shutdown_all(&g);
	gbx_info("exiting");
	logbook_fini(&g);
	/*
	 * lockfd stays open: the kernel lets the lock go when this process
	 * has exited, after the exit handlers (a sanitizer's leak check),
	 * which is what `gntbox down` waits for.
	 */
	(void)lockfd;
	return (error == 0 ? 0 : 1);
}
