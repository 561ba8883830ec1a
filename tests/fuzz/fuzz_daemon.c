/*
 * Fuzz target: gntboxd's message decoder and handlers (src/daemon/
 * dispatch.c and the serve_*.c families, on src/hv/), driven through the
 * daemon's own code: a real struct gbxd set up as main.c sets it up, in
 * this process, and each input one connection accepted from an in-process
 * socketpair.  The daemon's event loop runs one turn at a time (loop_run
 * with a hook of ours that stops it after the turn), so the messages are
 * read, checked and dispatched exactly as in gntboxd, replies go out on
 * the socket, and closing releases through the reaper.  Nothing in
 * src/daemon/ knows about this file.
 *
 * The input: one byte choosing the connection (a grant device or an event
 * channel handle of domain 1, the control socket, or a raw connection of
 * domain 1 whose HELLO the input must send itself); the harness says a
 * valid HELLO first for the others, with a process token for a grant
 * device.  Then records, each [flags:1][len:2][bytes:len]: a message, with
 * these flags:
 *   0x01  set the header's len and seq to what they should be
 *   0x02  attach a bulk memfd holding the next record's bytes (which that
 *         record then does not send)
 *   0x04  attach a descriptor the message does not expect (an eventfd)
 *   0x08  close the process token after this message (the process "exits")
 * Control inputs may create and destroy domain 3 only (the harness
 * rewrites other ids in those two requests) and cannot stop the daemon.
 *
 * After the input the connection is closed and the loop runs until the
 * daemon has reaped it; then every level of `gntbox stats` must be back
 * where it was before the input, or the target aborts: a leak is a bug
 * found.  Domain 2 holds a few grants to domain 1 (refs 8 to 13, 12 and
 * 13 read-only) and an unbound port (1) for domain 1, so that MAP,
 * COPY_ACQUIRE and EVT_BIND_INTERDOMAIN can succeed.
 */
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "daemon/gntboxd.h"
#include "hv/hv.h"
#include "proto/msg.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_RECORDS 64
#define MAX_TURNS   100000 /* a teardown that takes longer is a hang */

static struct gbxd g;
static struct hook stop_hook;
static unsigned turn_count;
static struct gbx_stats base; /* levels after set-up */
static uint32_t base_conns;

/* Our hook: let loop_run() make one turn, then stop. */
static void
stop_after(struct gbxd *gp)
{

	if (++turn_count >= 2)
		gp->quit = true;
}

static bool
stop_busy(const struct gbxd *gp)
{

	(void)gp;
	return (true); /* never let the loop sleep */
}

/* One turn of gntboxd's loop: hooks, ready events, hooks, graveyard. */
static void
turn(void)
{

	turn_count = 0;
	g.quit = false;
	(void)loop_run(&g);
	g.quit = false;
}

/* Whatever the daemon sent on our end: read and dropped. */
static void
drain(int s)
{
	static char buf[GBX_MSG_MAX];
	int fds[GBX_MAX_FDS];
	unsigned n;

	while (gbx_msg_recv(s, buf, sizeof(buf), fds, &n) > 0)
		gbx_close_fds(fds, &n);
	gbx_close_fds(fds, &n);
}

/* A new connection accepted on l: our end in *s. */
static void
connect_to(struct listener *l, int *s)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC,
		0, sv) == -1)
		abort();
	mconn_accept(&g, l, sv[0]);
	*s = sv[1];
}

/* Send one message on s, turning the loop while the socket is full. */
static int
send_msg(int s, struct gbx_hdr *h, const void *body, size_t blen,
    const int *fds, unsigned nfds)
{
	int i, error;

	for (i = 0; i < 100; i++) {
		error = gbx_msg_send(s, h, body, blen, NULL, 0, fds, nfds);
		if (error != EAGAIN)
			return (error);
		turn();
		drain(s);
	}
	return (EAGAIN);
}

/* Send len raw bytes with nfds descriptors, however wrong they are. */
static void
send_raw(int s, const void *msg, size_t len, const int *fds, unsigned nfds)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * GBX_MAX_FDS)];
	} cb;
	struct msghdr m;
	struct cmsghdr *c;
	struct iovec iov;
	int i;

	memset(&m, 0, sizeof(m));
	iov.iov_base = (void *)(uintptr_t)msg;
	iov.iov_len = len;
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	if (nfds != 0) {
		memset(&cb, 0, sizeof(cb));
		m.msg_control = cb.buf;
		m.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(c), fds, nfds * sizeof(int));
	}
	for (i = 0; i < 100; i++) {
		if (sendmsg(s, &m, MSG_DONTWAIT | MSG_NOSIGNAL) != -1 ||
		    errno != EAGAIN)
			return;
		turn();
		drain(s);
	}
}

/* A request of the harness's own, answered before it returns. */
static int
call(int s, uint16_t type, const void *body, size_t blen, const int *fds,
    unsigned nfds, void *reply, size_t rlen)
{
	static union {
		struct gbx_hdr h;
		char b[GBX_MSG_MAX];
	} buf;
	static uint32_t seq;
	struct gbx_hdr h;
	int rfds[GBX_MAX_FDS], i;
	unsigned n;
	ssize_t r;

	memset(&h, 0, sizeof(h));
	h.type = type;
	h.seq = ++seq;
	if (send_msg(s, &h, body, blen, fds, nfds) != 0)
		abort();
	for (i = 0; i < 1000; i++) {
		turn();
		r = gbx_msg_recv(s, &buf, sizeof(buf), rfds, &n);
		if (r == -EAGAIN)
			continue;
		gbx_close_fds(rfds, &n);
		if (r < (ssize_t)sizeof(h))
			abort();
		if (reply != NULL)
			memcpy(reply, buf.b + sizeof(h),
			    (size_t)r - sizeof(h) < rlen ?
				(size_t)r - sizeof(h) :
				rlen);
		return (buf.h.error);
	}
	abort();
}

/*
 * Process tokens come from a child: gntboxd refuses a token whose peer is
 * itself (issue 11, defect 2), and here gntboxd is this process.  The
 * child makes a socketpair for each byte it reads on maker and sends both
 * ends back; it lives as long as we do, as a token's process must.
 */
static int maker = -1;

static void
token_maker(int s)
{
	struct gbx_hdr h;
	char byte;
	int sp[2];

	(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
	while (read(s, &byte, 1) == 1) {
		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) ==
		    -1)
			_exit(1);
		memset(&h, 0, sizeof(h));
		if (gbx_msg_send(s, &h, NULL, 0, NULL, 0, sp, 2) != 0)
			_exit(1);
		(void)close(sp[0]);
		(void)close(sp[1]);
	}
	_exit(0);
}

/*
 * A socketpair made by the token maker, into sp.  A fuzzed destroy of
 * domain 3 may kill the maker (its pairs were tokens there): a new one
 * takes its place.
 */
static void
token_pair(int sp[2])
{
	struct gbx_hdr h;
	int s[2], fds[GBX_MAX_FDS], tries;
	unsigned n;

	for (tries = 0;; tries++) {
		if (maker == -1) {
			if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC,
				0, s) == -1)
				abort();
			switch (fork()) {
			case -1:
				abort();
			case 0:
				(void)close(s[0]);
				token_maker(s[1]);
			}
			(void)close(s[1]);
			maker = s[0];
		}
		n = 0;
		if (write(maker, "t", 1) == 1 &&
		    gbx_msg_recv(maker, &h, sizeof(h), fds, &n) ==
			(ssize_t)sizeof(h) &&
		    n == 2) {
			sp[0] = fds[0];
			sp[1] = fds[1];
			return;
		}
		gbx_close_fds(fds, &n);
		if (tries > 0)
			abort();
		(void)close(maker);
		maker = -1;
	}
}

/* HELLO of kind on s, with a process token for a grant device. */
static void
hello(int s, uint32_t kind, int *token)
{
	struct gbx_hello h;
	int sp[2];

	memset(&h, 0, sizeof(h));
	h.version = GBX_PROTO_VERSION;
	h.kind = kind;
	*token = -1;
	if (kind == GBX_KIND_GNTDEV) {
		token_pair(sp);
		if (call(s, GBX_HELLO, &h, sizeof(h), &sp[1], 1, NULL, 0) != 0)
			abort();
		(void)close(sp[1]);
		*token = sp[0];
	} else if (call(s, GBX_HELLO, &h, sizeof(h), NULL, 0, NULL, 0) != 0)
		abort();
}

/* The harness's control connection, and domain 2's lasting holdings. */
static int ctl;
static int dom2_gnt, dom2_tok, dom2_evt;

static void
domain(uint16_t domid, uint16_t type)
{
	struct gbx_domain_create dc;

	memset(&dc, 0, sizeof(dc));
	dc.domid = domid;
	if (type == GBX_CTL_DOMAIN_CREATE)
		(void)call(ctl, type, &dc, sizeof(dc), NULL, 0, NULL, 0);
	else
		(void)call(ctl, type, &dc, sizeof(struct gbx_domain_id), NULL,
		    0, NULL, 0);
}

static void
levels(struct gbx_stats *st, uint32_t *conns)
{

	*st = g.hv.st;
	xsd_stats(&g, st);
	*conns = g.nconns;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static char dir[] = "/tmp/gntbox-fuzz-daemon.XXXXXX";
	struct hv_limits lim;
	struct gbx_alloc a;
	struct gbx_evt_bind b;
	int t;

	(void)argc;
	(void)argv;
	gbx_log_init("gntboxd", GBX_LOG_ERR);
	(void)umask(077);
	if (mkdtemp(dir) == NULL || setenv("GNTBOX_DIR", dir, 1) == -1 ||
	    gbx_runtime_dir(g.dir, sizeof(g.dir)) != 0)
		abort();
	(void)signal(SIGPIPE, SIG_IGN);
	g.epfd = -1;
	g.deferred.ev.fd = g.idle.ev.fd = -1;
	TAILQ_INIT(&g.paused);
	RB_INIT(&g.procs);
	RB_INIT(&g.names);
	g.spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	g.max_conns = GBXD_CONNS_PER_DOMAIN;
	hv_limits_default(&lim);
	if ((g.doms = calloc(GBX_DOMID_MAX + 1, sizeof(*g.doms))) == NULL ||
	    observe_init(&g) != 0 || logbook_init(&g) != 0 ||
	    hv_init(&g.hv, &lim) != 0 || loop_init(&g) != 0 ||
	    background_init(&g) != 0 || listen_control(&g) != 0 ||
	    listen_device(&g, 0) != 0 || xsd_init(&g) != 0)
		abort();
	stop_hook.after = stop_after;
	stop_hook.busy = stop_busy;
	loop_hook(&g, &stop_hook);

	connect_to(g.control, &ctl);
	hello(ctl, GBX_KIND_CONTROL, &t);
	domain(1, GBX_CTL_DOMAIN_CREATE);
	domain(2, GBX_CTL_DOMAIN_CREATE);
	/* Domain 2 grants refs 8-11 writable and 12-13 read-only to 1. */
	connect_to(g.doms[2], &dom2_gnt);
	hello(dom2_gnt, GBX_KIND_GNTDEV, &dom2_tok);
	memset(&a, 0, sizeof(a));
	a.domid = 1;
	a.count = 4;
	a.flags = GBX_ALLOC_WRITABLE;
	if (call(dom2_gnt, GBX_ALLOC, &a, sizeof(a), NULL, 0, NULL, 0) != 0)
		abort();
	a.count = 2;
	a.flags = 0;
	if (call(dom2_gnt, GBX_ALLOC, &a, sizeof(a), NULL, 0, NULL, 0) != 0)
		abort();
	/* And an unbound port for domain 1. */
	connect_to(g.doms[2], &dom2_evt);
	hello(dom2_evt, GBX_KIND_EVTCHN, &t);
	memset(&b, 0, sizeof(b));
	b.remote_dom = 1;
	if (call(dom2_evt, GBX_EVT_BIND_UNBOUND, &b, sizeof(b), NULL, 0, NULL,
		0) != 0)
		abort();
	levels(&base, &base_conns);
	return (0);
}

/* Keep the input's control requests to domain 3, and the daemon up. */
static void
tame_control(uint8_t *msg, size_t len)
{
	struct gbx_hdr h;

	if (len < sizeof(h) + sizeof(uint16_t))
		return;
	memcpy(&h, msg, sizeof(h));
	if (h.type == GBX_CTL_DOMAIN_CREATE || h.type == GBX_CTL_DOMAIN_DESTROY)
		msg[sizeof(h)] = 3, msg[sizeof(h) + 1] = 0;
}

/* Run the loop until the input's connection is gone and reaped. */
static void
settle(void)
{
	unsigned i;

	for (i = 0; i < MAX_TURNS; i++) {
		turn();
		if (g.nconns == base_conns && !g.bg_hook.busy(&g))
			return;
	}
	fprintf(stderr, "fuzz_daemon: the connection was never reaped\n");
	abort();
}

static void
check_levels(void)
{
	struct gbx_stats st;
	uint32_t conns;

	levels(&st, &conns);
#define SAME(f)                                                                \
	do {                                                                   \
		if (st.f != base.f) {                                          \
			fprintf(stderr, "fuzz_daemon: %s %llu, was %llu\n",    \
			    #f, (unsigned long long)st.f,                      \
			    (unsigned long long)base.f);                       \
			abort();                                               \
		}                                                              \
	} while (0)
	SAME(domains);
	SAME(grants);
	SAME(maps);
	SAME(handles);
	SAME(deferred);
	SAME(pages);
	SAME(arenas);
	SAME(ports);
	SAME(nodes);
	SAME(watches);
	SAME(transactions);
#undef SAME
	if (conns != base_conns)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t msg[GBX_MSG_MAX];
	struct gbx_hdr h;
	struct listener *l;
	size_t off, len, blen;
	unsigned nrec, nfds;
	uint8_t how, flags;
	int s, token, fds[2];
	uint32_t seq;

	if (size < 1)
		return (0);
	how = data[0] & 3;
	l = how == 2 ? g.control : g.doms[1];
	connect_to(l, &s);
	token = -1;
	if (how == 0)
		hello(s, GBX_KIND_GNTDEV, &token);
	else if (how == 1)
		hello(s, GBX_KIND_EVTCHN, &token);
	else if (how == 2)
		hello(s, GBX_KIND_CONTROL, &token);
	seq = 100;
	for (off = 1, nrec = 0; off + 3 <= size && nrec < MAX_RECORDS; nrec++) {
		flags = data[off];
		len = (size_t)data[off + 1] | (size_t)data[off + 2] << 8;
		off += 3;
		if (len > size - off)
			len = size - off;
		memcpy(msg, data + off, len);
		off += len;
		if (how == 2)
			tame_control(msg, len);
		if ((flags & 0x01) != 0 && len >= sizeof(h)) {
			memcpy(&h, msg, sizeof(h));
			h.len = (uint32_t)len;
			h.seq = ++seq;
			memcpy(msg, &h, sizeof(h));
		}
		nfds = 0;
		if ((flags & 0x02) != 0 && off + 2 <= size) {
			/* The next record's bytes are the bulk memfd's. */
			blen = (size_t)data[off] | (size_t)data[off + 1] << 8;
			off += 2;
			if (blen > size - off)
				blen = size - off;
			if ((fds[nfds] = memfd_create("fuzz-bulk",
				 MFD_CLOEXEC | MFD_ALLOW_SEALING)) == -1)
				abort();
			if (blen != 0 &&
			    write(fds[nfds], data + off, blen) != (ssize_t)blen)
				abort();
			off += blen;
			nfds++;
		}
		if ((flags & 0x04) != 0 &&
		    (fds[nfds++] = eventfd(0, EFD_CLOEXEC)) == -1)
			abort();
		/* A raw message: its header is whatever the input says. */
		if (len != 0)
			send_raw(s, msg, len, fds, nfds);
		gbx_close_fds(fds, &nfds);
		turn();
		drain(s);
		if ((flags & 0x08) != 0 && token != -1) {
			(void)close(token);
			token = -1;
			turn();
		}
	}
	if (token != -1)
		(void)close(token);
	(void)close(s);
	settle();
	if (how == 2) {
		domain(3, GBX_CTL_DOMAIN_DESTROY);
		settle();
	}
	check_levels();
	return (0);
}
