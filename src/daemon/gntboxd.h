/*
 * gntboxd.h: the daemon's state, shared by its files.
 *
 * gntboxd is one thread around one epoll loop (loop.c).  Everything that
 * can wake it is a struct ev: the signalfd, the timers, the listening
 * sockets (listener.c: the control socket and one device socket per
 * domain) and the connections (connection.c), each with its process
 * token.  A connection's messages are parsed and checked in connection.c,
 * then handled by serve_gntdev.c (grant-device kind), serve_evtchn.c
 * (event-channel kind) or serve_control.c (control kind), which call into
 * the hypervisor model (src/hv/).  serve_xenstore.c serves each domain's xenstore socket (a byte stream) with the
 * engine of src/xs/.
 *
 * Objects that can still have events pending in the current epoll batch
 * are never freed at once: closing marks their ev dead and puts them on
 * the graveyard, which the loop empties after the batch.
 */
#ifndef GNTBOX_DAEMON_GNTBOXD_H
#define GNTBOX_DAEMON_GNTBOXD_H

#include <sys/types.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/paths.h"
#include "base/tree.h"
#include "hv/hv.h"
#include "proto/proto.h"

#define GBXD_CONNS_PER_DOMAIN 1024 /* HELLOs per socket; EMFILE beyond */
#define GBXD_PENDING_PER_SOCK 1024 /* accepted, not yet HELLO */
#define GBXD_MSGS_PER_TURN    16   /* messages read from one connection */
#define GBXD_ACCEPTS_PER_TURN 16
#define GBXD_OUT_HIGH_MSGS    256 /* stop reading a client above these */
#define GBXD_OUT_HIGH_BYTES   (1u << 20)
#define GBXD_REAP_BUDGET      4096 /* grants or handles released per turn */
#define GBXD_DEFERRED_BUDGET  256  /* deferred entries looked at per pass */
#define GBXD_DEFERRED_PERIOD  1	   /* seconds between passes while waiting */

struct gbxd;
struct ev;

typedef void ev_fn(struct gbxd *g, struct ev *ev, uint32_t events);

/* Something the loop waits on. */
struct ev {
	int fd;
	bool dead; /* closed: ignore its pending events */
	ev_fn *fn;
};

struct conn;
struct outmsg;

TAILQ_HEAD(conn_list, conn);
TAILQ_HEAD(dsock_list, dsock);
STAILQ_HEAD(outq, outmsg);

/* A listening socket: the control socket or a domain's device socket. */
struct dsock {
	struct ev ev;
	bool control;
	bool paused; /* accept hit the descriptor limit */
	uint16_t domid;
	char path[GBX_PATH_MAX];
	struct conn_list conns; /* every open connection accepted here */
	uint32_t nopen;
	uint32_t nhello;	  /* connections past HELLO */
	uint32_t npending;	  /* connections before HELLO */
	TAILQ_ENTRY(dsock) glink; /* on the graveyard */
	TAILQ_ENTRY(dsock) plink; /* on the paused list */
};

/* A reply waiting for room in the socket. */
struct outmsg {
	STAILQ_ENTRY(outmsg) link;
	size_t len;
	unsigned nfds;
	int fds[GBX_MAX_FDS]; /* our duplicates */
	char data[];	      /* header, body, inline tail */
};

struct hv_client;
struct hv_domain;
struct evtd_handle;

struct conn {
	struct ev ev;
	struct gbxd *g;
	struct ev token; /* the process token (GNTDEV); fd -1 when none */
	struct dsock *ds;
	TAILQ_ENTRY(conn) link; /* in ds->conns, then on the graveyard */
	uint32_t kind;		/* GBX_KIND_*; 0 before HELLO */
	pid_t pid;		/* SO_PEERCRED at accept */
	uint32_t id;		/* for diagnostics */
	/* Kind GNTDEV. */
	struct hv_client *client;
	/* Kind EVTCHN (serve_evtchn.c). */
	struct evtd_handle *evt;
	struct outq outq;
	uint32_t outn;
	size_t outbytes;
	bool reading;	  /* EPOLLIN is wanted */
	bool closing;	  /* close once the current message is handled */
	bool token_hup;	  /* the token hung up; release once input is read */
	uint32_t nerrors; /* protocol errors, for rate-limited logging */
};

/* One request being handled: connection.c parses it, a handler answers it. */
struct req {
	struct gbx_hdr h;
	const struct msgtype *t;
	const void *body; /* the fixed body (aligned) */
	size_t blen;
	const void *tail; /* count elements: inline, or read from bulk */
	void *tail_buf;	  /* malloc'ed copy of a bulk tail */
	uint32_t count;
	int bulk;      /* the bulk memfd, or -1 */
	bool bulk_out; /* the handler wrote the reply's data into it */
	int fds[GBX_MAX_FDS];
	unsigned nfds;	 /* descriptors other than the bulk one */
	const char *why; /* what was wrong with it, for the log */
};

typedef void msg_fn(struct gbxd *g, struct conn *c, struct req *r);

/* What connection.c checks of each message type before its handler runs. */
struct msgtype {
	uint16_t type;
	uint8_t kind;	   /* GBX_KIND_*, or 0 for HELLO */
	bool oneway;	   /* no reply */
	uint8_t bulk;	   /* MT_BULK_* */
	uint8_t nfds;	   /* descriptors besides a bulk memfd (MT_ANY) */
	uint16_t body;	   /* fixed body bytes */
	int16_t count_off; /* offset of the uint32_t count in the body, -1 */
	uint16_t req_elem; /* bytes per request tail element, 0: no tail */
	uint16_t rep_elem; /* bytes per reply tail element, 0: no tail */
	msg_fn *fn;
	const char *name;
};

#define MT_BULK_NO     0 /* no tail either way: GBX_F_BULK is an error */
#define MT_BULK_OK     1
#define MT_BULK_ALWAYS 2 /* dumps */
#define MT_ANY	       0xff
#define MT_VARBODY     0xffff /* any body length (types not defined yet) */

struct gbxd {
	int epfd;
	struct hv hv;
	struct ev sig;
	struct ev dtimer; /* deferred passes */
	struct ev itimer; /* --idle-exit */
	int dtimer_state; /* 0 off, 1 periodic, 2 immediate */
	bool itimer_armed;
	unsigned idle_exit;
	bool quit;
	char dir[GBX_PATH_MAX];
	struct dsock *control;
	struct dsock **doms; /* GBX_DOMID_MAX + 1 slots */
	uint32_t nconns;     /* open connections, all kinds */
	uint32_t next_conn_id;
	struct dsock_list paused; /* listeners paused by EMFILE */
	struct conn_list conn_grave;
	struct dsock_list dsock_grave;
	struct xsd *xs; /* serve_xenstore.c */
};

/* loop.c */
int loop_init(struct gbxd *g);
int loop_add(struct gbxd *g, struct ev *ev, uint32_t events);
int loop_mod(struct gbxd *g, struct ev *ev, uint32_t events);
void loop_del(struct gbxd *g, struct ev *ev);
int loop_run(struct gbxd *g);
void loop_fini(struct gbxd *g);

/* listener.c */
int dsock_open(struct gbxd *g, bool control, unsigned domid);
void dsock_close(struct gbxd *g, struct dsock *ds);
void dsock_resume_all(struct gbxd *g);
void dsock_clean_stale(struct gbxd *g);
int dsock_listen(const char *path, int type, int *fdp);

/* connection.c */
void conn_accept(struct gbxd *g, struct dsock *ds, int fd);

/* The pid of a socket's peer (SO_PEERCRED), or 0 when unknown. */
pid_t conn_peer_pid(int fd);

/* Refuse a new connection fd: log why (on path), count it, close it. */
void conn_refuse(struct gbxd *g, int fd, const char *path, const char *why);
void conn_close(struct gbxd *g, struct conn *c);
void conn_drop(struct gbxd *g, struct conn *c, const char *why);
int conn_reply(struct conn *c, struct req *r, int error, const void *body,
    size_t blen, const void *tail, size_t tlen, const int *fds, unsigned nfds);
void conn_fail(struct gbxd *g, struct conn *c, struct req *r, int error);
void conn_protocol_error(struct gbxd *g, struct conn *c, const char *what);
/*
 * The process token of c hung up: release the process's mapping holds and
 * map objects once the messages it sent before it went are handled.
 */
void conn_token_hangup(struct gbxd *g, struct conn *c);

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
void xsd_resume(struct gbxd *g);
void xsd_bury(struct gbxd *g);

/* hello.c */
msg_fn h_hello;

/* serve_gntdev.c */
msg_fn h_alloc, h_dealloc, h_mapped, h_unmapped, h_map, h_unmap;
msg_fn h_notify_grant, h_notify_map, h_arena_get;
msg_fn h_copy_acquire, h_copy_release, h_adopt;

/* serve_evtchn.c */
int evtd_open(struct conn *c, struct hv_domain *d);
void evtd_hello(const struct conn *c, struct gbx_hello_reply *hr, int *fds,
    unsigned *nfds);
void evtd_close(struct conn *c);
unsigned evtd_reap(unsigned budget);
bool evtd_reap_pending(void);
bool evtd_port_rec(const struct hv_domain *d, uint32_t port,
    struct gbx_port_rec *rec);
msg_fn h_evt_bind, h_evt_unbind, h_evt_notify, h_evt_restrict;

/* serve_control.c */
msg_fn h_ping, h_shutdown, h_domain_create, h_domain_destroy;
msg_fn h_domain_list, h_grants, h_ports, h_stats;
void gbxd_hello_reply(const struct gbxd *g, unsigned domid,
    struct gbx_hello_reply *hr);

#endif /* GNTBOX_DAEMON_GNTBOXD_H */
