/*
 * gntboxd.h: the daemon's state and the interfaces its files share.
 *
 * gntboxd is one thread around one epoll loop.  Its files, from the
 * plumbing up:
 *
 *   loop.c            the loop: events (struct ev), timers, the hooks it
 *                     runs after every batch of events, the graveyard
 *   listener.c        listening sockets: a bounded accept that pauses at
 *                     the descriptor limit, handing each new socket to the
 *                     listener's accept callback; the control socket and
 *                     each domain's device socket
 *   listener_watch.c  a socket file another process removes or replaces
 *                     is made again at once
 *   connection.c      the lifecycle every accepted connection shares:
 *                     made, counted, closed, buried
 *   dispatch.c        connections that speak proto.h messages (device and
 *                     control sockets): reading, checking against the
 *                     message table, dispatch, the process token
 *   reply.c           the reply builder handlers answer with, and the
 *                     output queue of a client that does not read
 *   hello.c           HELLO: a connection's kind and domain
 *   procs.c           the processes of each domain (SO_PEERCRED, pidfds),
 *                     which a destroy kills
 *   serve_gntdev.c    grant-device messages, on the hypervisor (src/hv/)
 *   serve_evtchn.c    event-channel handles and their messages
 *   serve_privcmd.c   /dev/xen/privcmd files: hypercalls, on src/hv/
 *   serve_control.c   control messages: domains, dumps, statistics
 *   serve_xenstore.c  each domain's xenstore socket (a byte stream), on
 *                     the engine of src/xs/
 *   background.c      work between requests: a bounded step of the
 *                     hypervisor's reap queue after every batch, the
 *                     deferred-list timer, the idle exit
 *   observe.c         per-domain counters (CTL_DOMSTATS), denials
 *                     (logged, rate-limited) and trace lines
 *   feed.c            connections that follow the log or the trace:
 *                     lines sent without ever waiting, dropped and
 *                     counted for a reader that falls behind
 *   logbook.c         the log lines kept in memory for `gntbox log`
 *                     (CTL_LOG), like Xen's console ring
 *   main.c            command line, start-up and shutdown
 *
 * loop.c knows no subsystem: the others register hooks and timers with
 * it.  A listener knows nothing of what it serves: its accept callback
 * (dispatch.c's, serve_xenstore.c's) checks its limits and makes a
 * connection with conn_new(), whose ops give the service's init, event
 * and close functions.
 *
 * Handlers (msg_fn) return 0 or an errno value.  On 0 the dispatcher
 * sends the reply the handler built with the reply_* functions (nothing
 * for a one-way type); on an errno it answers with a bare header carrying
 * it, and counts a protocol error for EPROTO or a failed one-way message.
 *
 * Nothing that can still have an event pending in the current batch is
 * freed at once: closing marks its ev dead and buries it (loop_bury), and
 * the loop frees the graveyard after the batch.
 */
#ifndef GNTBOX_DAEMON_GNTBOXD_H
#define GNTBOX_DAEMON_GNTBOXD_H

#include <sys/types.h>

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "base/log.h"
#include "base/paths.h"
#include "base/tree.h"
#include "hv/hv.h"
#include "proto/proto.h"

#define GBXD_CONNS_PER_DOMAIN 1024 /* --max-conns default: per socket */
#define GBXD_MAX_CONNS	      65536
#define GBXD_PENDING_PER_SOCK 1024 /* accepted, not yet HELLO */
#define GBXD_MSGS_PER_TURN    16   /* messages read from one connection */
#define GBXD_ACCEPTS_PER_TURN 16
#define GBXD_OUT_HIGH_MSGS    256 /* stop reading a client above these */
#define GBXD_OUT_HIGH_BYTES   (1u << 20)
#define GBXD_OUT_HIGH_FDMSGS  16   /* queued replies carrying descriptors */
#define GBXD_FD_RESERVE	      64   /* descriptors kept for gntboxd itself */
#define GBXD_REAP_BUDGET      4096 /* units of teardown per turn */
#define GBXD_DEFERRED_BUDGET  256  /* deferred entries looked at per pass */
#define GBXD_DEFERRED_PERIOD  1	   /* seconds between passes while waiting */
#define GBXD_RESUME_NSEC      100000000 /* a paused listener tries again */

struct gbxd;
struct ev;
struct conn;
struct listener;
struct lw_rec;
struct lwatch;
struct mconn;
struct req;

/* ------------------------------------------------------------------ */
/* loop.c: events, timers, hooks, the graveyard.                        */

typedef void ev_fn(struct gbxd *g, struct ev *ev, uint32_t events);

/* Something the loop waits on. */
struct ev {
	int fd;
	bool dead; /* closed: ignore its pending events */
	ev_fn *fn;
	void *mem;	       /* buried: what to free after the batch */
	TAILQ_ENTRY(ev) glink; /* on the graveyard */
};

struct timer;
typedef void timer_fn(struct gbxd *g, struct timer *t);

/* A timerfd in the loop; fn runs when it fires. */
struct timer {
	struct ev ev; /* first: the loop hands it back */
	timer_fn *fn;
};

/*
 * Work the loop runs after every batch of events (and before the first),
 * in the order the hooks were added: after must be bounded; busy says
 * that it has work left, so that the loop polls instead of sleeping.
 * Either may be NULL.
 */
struct hook {
	void (*after)(struct gbxd *g);
	bool (*busy)(const struct gbxd *g);
	STAILQ_ENTRY(hook) link;
};

STAILQ_HEAD(hook_list, hook);
TAILQ_HEAD(ev_list, ev);

int loop_init(struct gbxd *g);
int loop_add(struct gbxd *g, struct ev *ev, uint32_t events);
int loop_mod(struct gbxd *g, struct ev *ev, uint32_t events);
void loop_del(struct gbxd *g, struct ev *ev);
void loop_hook(struct gbxd *g, struct hook *h);
/* ev is closed (marked dead here): free mem, which holds it, later. */
void loop_bury(struct gbxd *g, struct ev *ev, void *mem);
int loop_run(struct gbxd *g);
void loop_fini(struct gbxd *g);

/* A timer that calls fn; disarmed.  Returns 0 or an errno value. */
int timer_open(struct gbxd *g, struct timer *t, timer_fn *fn);
/* Fire in sec + nsec, then every as long when periodic; 0, 0 disarms. */
void timer_arm(struct timer *t, time_t sec, long nsec, bool periodic);
void timer_close(struct gbxd *g, struct timer *t);

/* ------------------------------------------------------------------ */
/* listener.c and connection.c: one connection lifecycle.               */

TAILQ_HEAD(conn_list, conn);
TAILQ_HEAD(listener_list, listener);

/* A new connection fd on l: the callback owns fd. */
typedef void accept_fn(struct gbxd *g, struct listener *l, int fd);

/* A listening socket. */
struct listener {
	struct ev ev; /* first: the loop hands it back */
	accept_fn *accept;
	uint16_t domid;
	int type;     /* SOCK_SEQPACKET (messages) or SOCK_STREAM (xenstore) */
	bool control; /* the control socket */
	bool paused;  /* accept hit the descriptor limit */
	struct lw_rec *watch; /* listener_watch.c's record of its path */
	char path[GBX_PATH_MAX];
	struct conn_list conns; /* every open connection accepted here */
	uint32_t nopen;
	uint32_t nhello;	     /* message sockets: past HELLO */
	TAILQ_ENTRY(listener) plink; /* on the paused list */
};

/*
 * Listen on path (SOCK_SEQPACKET or SOCK_STREAM) for domain domid,
 * handing new connections to fn.  Returns 0 with the listener in *lp, or
 * an errno value (logged) with nothing left behind.
 */
int listener_open(struct gbxd *g, const char *path, int type, unsigned domid,
    accept_fn *fn, struct listener **lp);
/* Close l: every connection accepted on it, then its socket and file. */
void listener_close(struct gbxd *g, struct listener *l);
/*
 * A descriptor was freed, or GBXD_RESUME_NSEC passed since a listener
 * paused: listeners paused at the limit listen again.
 */
void listener_resume_all(struct gbxd *g);
/* Remove the sockets a dead gntboxd left in the runtime directory. */
void listener_clean_stale(struct gbxd *g);
/*
 * Listen at l's path again, with a new socket (replacing whatever is
 * there, making the directories again); l's connections stay.  Returns 0
 * or an errno value, l unchanged then.
 */
int listener_relisten(struct gbxd *g, struct listener *l);
/*
 * listener_watch.c: keep l's path holding l's socket whatever another
 * process does to it (listener_open and listener_close call these).
 */
void listener_watch(struct gbxd *g, struct listener *l);
void listener_unwatch(struct gbxd *g, struct listener *l);
/* The control socket; domain domid's directory and device socket. */
int listen_control(struct gbxd *g);
int listen_device(struct gbxd *g, unsigned domid);
void unlisten_device(struct gbxd *g, unsigned domid);
/*
 * Users as a boundary (docs/security.md): rundir_share() checks that uid
 * can reach the runtime directory and makes it and dom/ searchable
 * (EACCES when a directory above is closed to uid); domain_dir_give()
 * gives domain domid's directory to its user once its sockets are made
 * (a socket of a domain bound to another user is that user's from the
 * start).  Both return 0 or an errno value.
 */
int rundir_share(struct gbxd *g, uid_t uid);
int domain_dir_give(struct gbxd *g, unsigned domid);

/* What a service adds to a connection (conn_new). */
struct conn_ops {
	const char *name; /* for the log */
	size_t size;	  /* of the struct that starts with struct conn */
	ev_fn *event;	  /* the connection's events */
	uint32_t events;  /* its first epoll interest */
	/* Set up the service's part; an errno value refuses the connection. */
	int (*init)(struct gbxd *g, struct conn *c);
	/* Release the service's part; the socket is closed already. */
	void (*close)(struct gbxd *g, struct conn *c);
};

/*
 * What every connection has, first in its service's struct, so that the
 * service's functions may convert a struct conn or its ev into theirs.
 */
struct conn {
	struct ev ev; /* first: the loop hands it back */
	struct gbxd *g;
	const struct conn_ops *ops;
	struct listener *l;	/* the socket it came in on */
	TAILQ_ENTRY(conn) link; /* in l->conns */
	uint32_t id;		/* for diagnostics */
	pid_t pid;		/* SO_PEERCRED at accept, or 0 */
	uid_t uid;		/* SO_PEERCRED at accept */
	struct hv_domain *dom;	/* its domain (NULL: the control socket) */
	struct gproc *proc;	/* its process in its domain (procs.c) */
};

/*
 * Make a connection of ops's service from fd, accepted on l: allocated,
 * set up (ops->init), in the loop and counted.  Returns it, or NULL with
 * fd closed.
 */
struct conn *conn_new(struct gbxd *g, struct listener *l, int fd,
    const struct conn_ops *ops);
/*
 * Close c: its socket, then its service's part (ops->close); it is
 * uncounted at once and freed after the batch.  Paused listeners resume.
 */
void conn_close(struct gbxd *g, struct conn *c);
/*
 * Refuse a new connection fd on l: log why, count it, tell the client
 * (error in a HELLO reply of seq 0 on a message socket, proto.h; an
 * XS_ERROR on a xenstore socket), close it.
 */
void conn_refuse(struct gbxd *g, struct listener *l, int fd, int error,
    const char *why);
/* Charge or give back descriptors held for c's domain (hv_fds_take). */
int conn_fds_take(struct conn *c, unsigned n);
void conn_fds_put(struct conn *c, unsigned n);

/* ------------------------------------------------------------------ */
/* dispatch.c and reply.c: connections that speak proto.h.              */

struct outmsg;
struct hv_client;
struct hv_domain;
struct evtd_handle;

STAILQ_HEAD(outq, outmsg);

/* A connection on the control socket or a device socket. */
struct mconn {
	struct conn conn;     /* first */
	struct ev token;      /* the process token (GNTDEV); fd -1 when none */
	struct gproc *tproc;  /* the token's process, when another one */
	struct gproc *joined; /* CONTROL: the process it joined to a domain */
	uint32_t kind;	      /* GBX_KIND_*; 0 before HELLO */
	unsigned hfds;	      /* descriptors charged at HELLO (token, handle) */
	/* Kind GNTDEV. */
	struct hv_client *client;
	/* Kind EVTCHN (serve_evtchn.c). */
	struct evtd_handle *evt;
	/* Kind PRIVCMD (serve_privcmd.c): IOCTL_PRIVCMD_RESTRICT's domain. */
	uint16_t pcmd_restrict;
	struct outq outq;
	uint32_t outn;
	uint32_t outfdmsgs; /* queued replies that carry descriptors */
	size_t outbytes;
	bool reading;	   /* EPOLLIN is wanted */
	bool closing;	   /* close once the current message is handled */
	bool token_hup;	   /* the token hung up; release once input is read */
	uint32_t nerrors;  /* protocol errors, for rate-limited logging */
	struct feed *feed; /* feed.c: the log or trace it follows, or NULL */
};

#define REPLY_BODY_MAX 256 /* the largest reply body (struct gbx_stats) */

/* The answer a handler builds (reply.c). */
struct reply {
	int error;	/* 0, or an error that keeps the body (MAP) */
	uint16_t flags; /* GBX_F_BULK */
	size_t blen;
	void *tail;  /* the handler's buffer, freed after sending */
	size_t tlen; /* inline tail bytes; 0 once written to bulk */
	unsigned nfds;
	int fds[GBX_MAX_FDS]; /* ours: duplicated if the reply must wait */
	union {
		uint64_t align;
		unsigned char buf[REPLY_BODY_MAX];
	} body;
};

/* One request being handled: dispatch.c parses it, a handler answers it. */
struct req {
	struct gbx_hdr h;
	const struct msgtype *t;
	const void *body; /* the fixed body (aligned) */
	size_t blen;
	const void *tail; /* count elements: inline, or read from bulk */
	void *tail_buf;	  /* malloc'ed copy of a bulk tail */
	uint32_t count;
	int bulk; /* the bulk memfd, or -1 */
	int fds[GBX_MAX_FDS];
	unsigned nfds;	 /* descriptors other than the bulk one */
	const char *why; /* what was wrong with it, for the log */
	struct reply rep;
};

/* Handle r: 0 (the reply built in r->rep goes out) or an errno value. */
typedef int msg_fn(struct gbxd *g, struct mconn *c, struct req *r);

/* What dispatch.c checks of each message type before its handler runs. */
struct msgtype {
	const char *name;
	msg_fn *fn;
	uint8_t kind;	   /* GBX_KIND_*, or 0 for HELLO */
	bool oneway;	   /* no reply */
	uint8_t bulk;	   /* MT_BULK_* */
	uint8_t nfds;	   /* descriptors besides a bulk memfd (MT_ANY) */
	uint16_t body;	   /* fixed body bytes */
	bool counted;	   /* the body has a uint32_t count ... */
	uint16_t count_at; /* ... at this offset */
	uint16_t req_elem; /* bytes per request tail element, 0: no tail */
	uint16_t rep_elem; /* bytes per reply tail element, 0: no tail */
};

#define MT_BULK_NO     0 /* no tail either way: GBX_F_BULK is an error */
#define MT_BULK_OK     1
#define MT_BULK_ALWAYS 2 /* dumps */
#define MT_ANY	       0xff

/* Refuse r as a protocol error, saying why in the log. */
static inline int
req_bad(struct req *r, const char *why)
{

	r->why = why;
	return (EPROTO);
}

/* dispatch.c */
accept_fn mconn_accept;
/* Count and log (rate-limited) a protocol error of c. */
void mconn_protocol_error(struct gbxd *g, struct mconn *c, const char *what);
/* Close c after a protocol error beyond answering. */
void mconn_drop(struct gbxd *g, struct mconn *c, const char *why);
/*
 * The process token of c hung up: release the process's mapping holds and
 * holdings once the messages it sent before it went are handled.
 */
void mconn_token_hangup(struct gbxd *g, struct mconn *c);

/*
 * reply.c.  A handler builds its reply in r: reply_body() gives zeroed
 * room for the fixed body, reply_tail() adds the tail, reply_fds() the
 * descriptors; reply_error() makes it an error reply that keeps them.
 */
void *reply_body(struct req *r, size_t len);
#define REPLY_BODY(r, type)                                                    \
	__extension__({                                                        \
		_Static_assert(sizeof(type) <= REPLY_BODY_MAX,                 \
		    "reply body larger than REPLY_BODY_MAX");                  \
		(type *)reply_body((r), sizeof(type));                         \
	})
/*
 * Add tail, a malloc'ed buffer of tlen bytes that the reply now owns.  A
 * bulk request's tail is written into its memfd at once: an errno value
 * then (the handler undoes what it did and fails with EPROTO).
 */
int reply_tail(struct req *r, void *tail, size_t tlen);
void reply_fds(struct req *r, const int *fds, unsigned nfds);
void reply_error(struct req *r, int error);
/* The handler wrote the reply's records into the bulk memfd (dumps). */
void reply_bulk_out(struct req *r);
/* The dispatcher's end: send r's reply, or a bare error header. */
void reply_send(struct mconn *c, struct req *r);
void reply_fail(struct mconn *c, struct req *r, int error);
/* The socket has room: send what waits; close c on a socket error. */
void mconn_flush(struct gbxd *g, struct mconn *c);
/* Free the replies still waiting (c is closing). */
void mconn_outq_clear(struct mconn *c);

/* ------------------------------------------------------------------ */
/* The services.                                                        */

/* hello.c */
msg_fn h_hello;
void gbxd_hello_reply(const struct gbxd *g, unsigned domid,
    struct gbx_hello_reply *hr);

/* serve_gntdev.c */
msg_fn h_alloc, h_dealloc, h_mapped, h_unmapped, h_map, h_unmap;
msg_fn h_notify_grant, h_notify_map, h_arena_get, h_arena_put;
msg_fn h_copy_acquire, h_copy_release, h_adopt;

/* serve_evtchn.c */
int evtd_open(struct gbxd *g, struct mconn *c, struct hv_domain *d);
void evtd_hello(const struct mconn *c, struct gbx_hello_reply *hr,
    struct req *r);
void evtd_close(struct gbxd *g, struct mconn *c);
bool evtd_port_rec(const struct hv_domain *d, uint32_t port,
    struct gbx_port_rec *rec);
msg_fn h_evt_bind, h_evt_unbind, h_evt_notify, h_evt_restrict;

/* serve_privcmd.c */
void pcmd_hello(struct mconn *c);
msg_fn h_pcmd_hypercall, h_pcmd_restrict, h_pcmd_foreign;

/* serve_control.c */
msg_fn h_ping, h_shutdown, h_domain_create, h_domain_destroy;
msg_fn h_domain_join;
msg_fn h_domain_list, h_grants, h_ports, h_stats, h_persist;
struct dom_name;
RB_HEAD(dom_names, dom_name);
/* Free the index of domain names (at exit). */
void ctl_names_fini(struct gbxd *g);

/*
 * serve_xenstore.c: the store, each domain's xenstore socket and its
 * connections.  xsd_domain_add() and xsd_domain_remove() follow the
 * domain's device socket (which makes and removes its directory).
 */
int xsd_init(struct gbxd *g);
void xsd_fini(struct gbxd *g);
int xsd_domain_add(struct gbxd *g, unsigned domid, const char *name);
void xsd_domain_remove(struct gbxd *g, unsigned domid);
uint32_t xsd_domain_conns(const struct gbxd *g, unsigned domid);
void xsd_stats(const struct gbxd *g, struct gbx_stats *st);

/* background.c */
int background_init(struct gbxd *g);
void background_fini(struct gbxd *g);
/*
 * Stay until shut down, whatever --idle-exit said (CTL_PERSIST from pid).
 * Returns the idle exit it had, 0 when it had none.
 */
unsigned background_persist(struct gbxd *g, pid_t pid);

/*
 * procs.c: which processes have connections to which domain (docs/
 * security.md, "Destroy").  A process is known by its pid and uid
 * (SO_PEERCRED) and, in a domain other than 0, by a pidfd taken when it
 * first connects (charged to the domain), so that a destroy can kill it
 * without any risk of killing another process that has its pid since.
 */
#define GBXD_PROC_CONTROL 0x10000 /* the "domain" of control connections */

struct gproc;
/*
 * Count one more connection (or token) of process pid, uid in domain
 * domid (GBXD_PROC_CONTROL for the control socket), d its domain (NULL
 * for control).  sock is the connection, for SO_PEERPIDFD.  Returns 0
 * with the record in *pp, EMFILE (d at its descriptor limit) or ENOMEM.
 */
int proc_attach(struct gbxd *g, struct hv_domain *d, unsigned domid, pid_t pid,
    uid_t uid, int sock, struct gproc **pp);
void proc_detach(struct gbxd *g, struct gproc *p);
/*
 * The process of pidfd (which the record takes) joins live domain d
 * (CTL_DOMAIN_JOIN).  Returns 0 with the record in *pp, EINVAL (not a
 * pidfd), ESRCH (the process has exited), EMFILE or ENOMEM.
 */
int proc_join(struct gbxd *g, struct hv_domain *d, int pidfd,
    struct gproc **pp);
/*
 * Kill (SIGKILL) every process of domain domid that has no connection to
 * domain 0 or to the control socket, calling fn for each one killed or
 * that could not be.  Returns how many were killed.
 */
unsigned procs_kill(struct gbxd *g, unsigned domid,
    void (*fn)(void *arg, const struct gbx_proc_rec *rec), void *arg);
/*
 * Then, before the domain can be freed: its records give their pidfds
 * back and are forgotten (those a connection still names go with it).
 */
void procs_forget(struct gbxd *g, unsigned domid);
void procs_fini(struct gbxd *g);

/* ------------------------------------------------------------------ */
/* Observability (issue 12): observe.c, feed.c, logbook.c.              */

/*
 * A domain's counters (CTL_DOMSTATS), made on first use and reset when
 * the domain is created; they outlive nothing else of it.
 */
struct obs_dom {
	uint64_t xs_ops;      /* xenstore requests */
	uint64_t denials;     /* refusals, logged or not */
	uint64_t unlogged;    /* refusals the rate limit kept out of the log */
	uint64_t unreported;  /* of those, not yet mentioned in a logged line */
	uint64_t events_gone; /* events of its event-channel handles closed */
	uint64_t events_sum;  /* scratch: events of its open handles */
	struct gbx_ratelimit rl; /* its denial lines */
};

struct feed;
TAILQ_HEAD(feed_list, feed);

int observe_init(struct gbxd *g);
void observe_fini(struct gbxd *g);
/* Domain domid's counters (NULL only without memory). */
struct obs_dom *obs_dom(struct gbxd *g, unsigned domid);
/* Domain domid was created: its counters start from zero. */
void obs_domain_reset(struct gbxd *g, unsigned domid);

/*
 * A refusal of what domain domid asked: counted, traced, and logged at
 * warn as "domain D denied OP: REASON", where OP names the operation and
 * its object ("read of /local/domain/1/data/x", "map of grant 1:8") and
 * the format gives the reason ("GNTST_bad_gntref: invalid grant
 * reference").  The log is rate-limited per domain and over all domains,
 * so a client cannot flood it; refusals kept out are counted (gntbox top,
 * CTL_DOMSTATS) and the next logged line of the domain says how many.
 * For every service that refuses a domain something (the privcmd
 * hypercalls too).
 */
void gbxd_deny(struct gbxd *g, unsigned domid, const char *op, const char *fmt,
    ...) __attribute__((format(printf, 4, 5)));

/*
 * A trace line, "dom D OPERATION...", for the tracers that follow
 * domain actor or domain peer (GBXD_NO_PEER: none).  Callers test
 * gbxd_tracing() (after struct gbxd) first, so that nothing is formatted
 * while nobody traces.
 */
#define GBXD_NO_PEER 0xffffffffu
void gbxd_trace(struct gbxd *g, unsigned actor, unsigned peer, const char *fmt,
    ...) __attribute__((format(printf, 4, 5)));

/* A GNTST_* status's name and Xen's words for it. */
const char *gbxd_gntst_name(int status);
const char *gbxd_gntst_text(int status);
/* An errno value's name ("EACCES"). */
const char *gbxd_errno_name(int error);

/* feed.c */
int feed_subscribe(struct gbxd *g, struct mconn *c, struct req *r,
    uint32_t kind, unsigned domid, unsigned level);
void feed_close(struct gbxd *g, struct mconn *c);
/*
 * Send a line to every follower of kind (GBX_FEED_*) that wants it: log
 * followers by level, tracers by domain (dom_a or dom_b, either may be
 * GBXD_NO_PEER).
 */
void feed_line(struct gbxd *g, uint32_t kind, unsigned level, unsigned dom_a,
    unsigned dom_b, const char *line, size_t len);

/* logbook.c */
int logbook_init(struct gbxd *g);
void logbook_fini(struct gbxd *g);
msg_fn h_log;

/* Handlers of observe.c and of the files the state lives in. */
msg_fn h_trace, h_domstats, h_xs_perms;
/* serve_evtchn.c: add each open handle's events into its obs_dom. */
void evtd_sum_events(struct gbxd *g);

/* ------------------------------------------------------------------ */

struct gbxd {
	int epfd;
	bool quit;
	char dir[GBX_PATH_MAX];
	struct hv hv;
	/* loop.c */
	struct ev sig;
	struct hook_list hooks;
	struct ev_list grave;
	/* listener.c, connection.c */
	struct listener *control;
	struct listener **doms;	     /* GBX_DOMID_MAX + 1 device sockets */
	struct listener_list paused; /* listeners paused by EMFILE */
	struct lwatch *lwatch;	     /* listener_watch.c, or NULL */
	uint32_t nconns;	     /* open connections, all kinds */
	uint32_t next_conn_id;
	uint32_t max_conns; /* --max-conns: per domain and socket */
	bool shared;	    /* rundir_share(): others may pass through */
	int spare_fd;	    /* freed to answer a client at EMFILE */
	/* procs.c */
	RB_HEAD(gproc_tree, gproc) procs;
	/* serve_evtchn.c */
	uint64_t last_evt_id; /* handle ids are never reused */
	/* serve_xenstore.c */
	struct xsd *xs;
	/* serve_control.c */
	struct dom_names names; /* names given at creation, by name */
	/* background.c */
	unsigned idle_exit; /* --idle-exit seconds, 0: never */
	struct hook bg_hook;
	struct timer deferred; /* deferred passes */
	int deferred_state;    /* 0 off, 1 periodic, 2 immediate */
	struct timer idle;     /* --idle-exit */
	struct timer resume;   /* paused listeners (listener.c) */
	bool idle_armed;
	/* observe.c, feed.c, logbook.c */
	struct obs_dom **obs;	      /* GBX_DOMID_MAX + 1, made on use */
	struct gbx_ratelimit deny_rl; /* denial lines of all domains */
	struct feed_list log_feeds;   /* log followers */
	struct feed_list trace_feeds; /* tracers */
	uint32_t ntracers;
	struct logbook *logbook;
};

/* Is anyone tracing?  (gbxd_trace) */
static inline bool
gbxd_tracing(const struct gbxd *g)
{

	return (g->ntracers != 0);
}

#endif /* GNTBOX_DAEMON_GNTBOXD_H */
