/*
 * control.h: the messages of the control socket (kind GBX_KIND_CONTROL),
 * part of the protocol proto.h specifies: domains, dumps, statistics.
 * proto.h includes it where its section "Control socket" stands, after
 * what it needs; include proto.h, not this file.
 */
#ifndef GNTBOX_PROTO_CONTROL_H
#define GNTBOX_PROTO_CONTROL_H

#ifndef GNTBOX_PROTO_PROTO_H
#error "include proto/proto.h, not proto/control.h"
#endif

#include <stdint.h>

/*
 * CTL_PING: header only both ways; the reply body is struct gbx_hello_reply
 * with daemon_pid set (domid 0).  CTL_SHUTDOWN: gntboxd replies, then
 * closes every connection and exits.  CTL_PERSIST: request header only;
 * gntboxd drops its idle exit (--idle-exit, which `gntbox run` gives a
 * daemon it starts) and runs until CTL_SHUTDOWN or a signal.  Reply: the
 * idle exit it had.
 */
struct gbx_persist_reply {
	uint32_t idle_exit; /* seconds; 0: it had none */
	uint32_t pad;
};

/*
 * CTL_DOMAIN_CREATE: create domain domid (its sockets, its xenstore home
 * /local/domain/<domid>).  Errors: EINVAL (domid > GBX_DOMID_MAX, a name
 * not NUL-terminated or that proto/domname.h refuses for domid), EEXIST
 * (the domain exists, or another live one has the name; with
 * GBX_CREATE_EXIST_OK it succeeds if it exists with that name or none is
 * asked), EBUSY (a destroyed domain of that id still has grants mapped by
 * others: it keeps its id until they are unmapped), ENOSPC (too many).
 */
#define GBX_CREATE_EXIST_OK 0x1
#define GBX_CREATE_USER	    0x2 /* bind the domain to uid (issue 11) */

/*
 * With GBX_CREATE_USER the domain is bound to the Unix user uid: its
 * directory and sockets belong to that user, mode 0700, and gntboxd
 * refuses connections to them from any other uid but root's
 * (docs/security.md, "Users as a boundary").  Errors then also: EPERM
 * (gntboxd does not run as root and uid is not its own; or uid is root:
 * root's domains are the unbound ones), EACCES (uid cannot reach the
 * runtime directory: a directory above it is not searchable by others).
 * Without it the domain belongs to gntboxd's own user.  EXIST_OK accepts
 * an existing domain only when it is bound as asked (EEXIST otherwise).
 */
struct gbx_domain_create {
	uint16_t domid;
	uint16_t flags;
	uint32_t uid; /* with GBX_CREATE_USER */
	char name[GBX_NAME_MAX]; /* empty: the default (proto/domname.h) */
};

/*
 * CTL_DOMAIN_DESTROY.  Errors: ESRCH (no such domain), EPERM (domain 0).
 *
 * Destroying a domain kills its processes first, as Xen stops a destroyed
 * domain's vCPUs (docs/security.md, "Destroy"): every process that has a
 * connection to one of the domain's sockets, or gave a process token on
 * one, is sent SIGKILL, unless it also has a connection to domain 0 or to
 * the control socket (a toolstack, such as the caller itself).  The
 * request may be sent with a bulk memfd (MT_BULK_OK, no tail): the reply
 * is then struct gbx_dump_reply, and the memfd holds one struct
 * gbx_proc_rec per process killed or that could not be.  Without bulk
 * the reply is struct gbx_dump_reply alone (count, no records).
 */
struct gbx_domain_id {
	uint16_t domid;
	uint16_t pad;
	uint32_t pad2;
};

struct gbx_proc_rec {
	uint32_t pid;
	uint32_t uid;
	int32_t error; /* 0: killed; else the errno of the kill */
	uint16_t domid;
	uint16_t pad;
	char comm[16]; /* /proc/PID/comm, NUL-terminated */
};

/*
 * CTL_DOMAIN_JOIN (issue 11): the process whose pidfd comes with the
 * request (its one descriptor) is a process of domain domid, as one that
 * has a connection to the domain is, until this control connection
 * closes: a destroy kills it.  `gntbox run` sends its command's pidfd, so
 * that a command that never opens a device is reached too.  Request:
 * struct gbx_domain_id.  Reply: header only.  Errors: EINVAL (the
 * descriptor is not a pidfd), ESRCH (no such domain, it is dying, or the
 * process has exited), EBUSY (this connection has joined one already),
 * EMFILE (the domain is at its descriptor limit), ENOMEM.
 */

/*
 * Dumps (bulk only): CTL_DOMAIN_LIST (request body empty), CTL_GRANTS and
 * CTL_PORTS (request struct gbx_dump, domid GBX_ALL_DOMAINS for all).
 * Reply: struct gbx_dump_reply, records in the bulk memfd from offset 0.
 */
#define GBX_ALL_DOMAINS 0xffff

struct gbx_dump {
	uint16_t domid;
	uint16_t pad;
	uint32_t pad2;
};

struct gbx_dump_reply {
	uint32_t count;	   /* records */
	uint32_t rec_size; /* bytes per record (the struct below) */
};

#define GBX_DOM_PRIVILEGED 0x1
#define GBX_DOM_DYING	   0x2

struct gbx_domain_rec {
	uint16_t domid;
	uint16_t flags;	  /* GBX_DOM_* */
	uint32_t conns;	  /* open connections of all kinds */
	uint32_t grants;  /* grant entries in use, deferred ones included */
	uint32_t handles; /* maptrack handles in use */
	uint32_t ports;	  /* ports in use */
	uint32_t uid;	  /* the domain's user (gntboxd's when not bound) */
	char name[GBX_NAME_MAX];
};

#define GBX_GRANT_DEFERRED 0x1 /* ended by its owner, still mapped */

#define GBX_REC_MAPPERS 4

struct gbx_grant_rec {
	uint16_t domid; /* granting domain */
	uint16_t flags; /* the entry's GTF_* flags */
	uint32_t ref;
	uint16_t grantee; /* the entry's domid field */
	uint16_t state;	  /* GBX_GRANT_* */
	uint32_t frame;
	uint32_t pin_w;	    /* writable host mappings */
	uint32_t pin_r;	    /* read-only host mappings */
	uint32_t owner_pid; /* process that shared it (0: none left) */
	uint32_t nmappers;  /* maptrack handles on it */
	uint32_t mapper_pid[GBX_REC_MAPPERS]; /* the first few mappers */
};

#define GBX_PORT_FREE	     0
#define GBX_PORT_UNBOUND     1
#define GBX_PORT_INTERDOMAIN 2
#define GBX_PORT_VIRQ	     3

struct gbx_port_rec {
	uint16_t domid;
	uint16_t state; /* GBX_PORT_* */
	uint32_t port;
	uint16_t remote_dom; /* UNBOUND, INTERDOMAIN */
	uint16_t pad;
	uint32_t remote_port; /* INTERDOMAIN */
	uint32_t virq;	      /* VIRQ */
	uint32_t owner_pid;   /* process of the owning handle (0: none) */
	uint32_t notify_refs; /* unmap notifies waiting to fire on it */
	uint32_t pad2;
};

/*
 * CTL_STATS: request header only; reply struct gbx_stats.  The first group
 * are levels that every test expects back at its baseline afterwards; the
 * second are totals since gntboxd started.  New fields are appended;
 * `size` says how many bytes of the struct the daemon filled.
 */
struct gbx_stats {
	uint32_t size;
	uint32_t pad;
	/* Levels. */
	uint64_t domains;
	uint64_t connections;
	uint64_t grants;   /* grant entries in use, deferred included */
	uint64_t maps;	   /* map objects */
	uint64_t handles;  /* maptrack handles in use */
	uint64_t deferred; /* grants waiting for the grantee to unmap */
	uint64_t pages;	   /* arena pages allocated */
	uint64_t arenas;
	uint64_t ports; /* ports not free */
	uint64_t nodes; /* xenstore nodes */
	uint64_t watches;
	uint64_t transactions;
	/* Totals. */
	uint64_t deferred_released; /* deferred grants released later */
	uint64_t notifies_fired;    /* unmap notifies performed */
	uint64_t protocol_errors;
	uint64_t conns_dropped; /* connections dropped for misbehaving */
	/* Descriptor limits (issue 11). */
	uint64_t fds;		 /* level: descriptors held for clients */
	uint64_t limit_refusals; /* connections and requests refused at a
				    --max-conns or --max-fds limit */
	/* privcmd (issue 9): hypercalls answered ENOSYS, not implemented. */
	uint64_t hypercalls_enosys;
};

#endif /* GNTBOX_PROTO_CONTROL_H */
