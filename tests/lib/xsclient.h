/*
 * xsclient.h: a test client of the xenstore engine, byte for byte.
 *
 * Builds xsd_sockmsg requests, feeds them to xs_conn_input() and parses
 * what xs_conn_output() queues.  Watch events that arrive before a reply
 * are kept, in order, for xt_event().  No socket: the engine does no I/O.
 */
#ifndef GNTBOX_TESTS_XSCLIENT_H
#define GNTBOX_TESTS_XSCLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "xs/xs.h"

#define XT_MAX	  4200
#define XT_EVENTS 256

struct xt_msg {
	uint32_t type;
	uint32_t req_id;
	uint32_t tx_id;
	uint32_t len;
	char data[XT_MAX];
};

struct xt {
	struct xs_conn *c;
	unsigned domid;
	unsigned ready;	 /* output_ready calls */
	uint32_t req_id; /* of the next request */
	struct xt_msg ev[XT_EVENTS];
	unsigned nev;
};

/*
 * A store (limits may be NULL) with domains 0, 1 ("one"), 2 ("two").
 * The test stops (REQUIRE) if it cannot be made.
 */
struct xs_store *xt_store(const struct xs_limits *l);
struct xt *xt_open(struct xs_store *s, unsigned domid);
void xt_close(struct xt *t);

/* Feed raw bytes; returns what xs_conn_input() returns. */
int xt_input(struct xt *t, const void *buf, size_t len);
/* Send one request (header built here); returns xs_conn_input()'s value. */
int xt_send(struct xt *t, uint32_t type, uint32_t tx, const void *payload,
    size_t len);
/* Take the next queued message; 0 when there is none. */
int xt_recv(struct xt *t, struct xt_msg *m);
/* Send and wait for the reply, keeping earlier events: 0 or the errno. */
int xt_call(struct xt *t, uint32_t type, uint32_t tx, const void *payload,
    size_t len, struct xt_msg *reply);
/* The errno of an ERROR reply's name. */
int xt_errno(const struct xt_msg *m);

/* Pack n nul-terminated strings; returns the length. */
size_t xt_pack(char *buf, int n, ...);

int xt_read(struct xt *t, uint32_t tx, const char *path, char *out,
    size_t *len);
int xt_write(struct xt *t, uint32_t tx, const char *path, const char *value);
int xt_mkdir(struct xt *t, uint32_t tx, const char *path);
int xt_rm(struct xt *t, uint32_t tx, const char *path);
/* Children as "a,b,c" (comma-joined) in out. */
int xt_dir(struct xt *t, uint32_t tx, const char *path, char *out);
/* Permissions as "n0,r1" in out. */
int xt_getperms(struct xt *t, uint32_t tx, const char *path, char *out);
/* perms as "n0,r1" (comma-separated). */
int xt_setperms(struct xt *t, uint32_t tx, const char *path, const char *perms);
int xt_watch(struct xt *t, const char *path, const char *token);
int xt_unwatch(struct xt *t, const char *path, const char *token);
int xt_tx_start(struct xt *t, uint32_t *id);
int xt_tx_end(struct xt *t, uint32_t id, int commit);
/* The next event as "path token"; 0 when none is queued. */
int xt_event(struct xt *t, char *out);
/* Messages waiting (events kept plus output not yet taken). */
unsigned xt_pending(struct xt *t);

#endif /* GNTBOX_TESTS_XSCLIENT_H */
