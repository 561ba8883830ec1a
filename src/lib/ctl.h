/*
 * ctl.h: the control client, for the gntbox command and the tests.
 *
 * A control session is a connection to $GNTBOX_DIR/control (client/link.h).
 * Open one with gbx_ctl_open(), make any number of requests, and close it
 * with gbx_conn_close().  The public gntbox_get_stats(),
 * gntbox_domain_create() and gntbox_domain_destroy() each open a session
 * for one request.  Every function returns 0 or an errno value; ENOENT
 * from gbx_ctl_open() means no gntboxd answers.
 */
#ifndef GNTBOX_LIB_CTL_H
#define GNTBOX_LIB_CTL_H

#include <stdbool.h>
#include <stdint.h>

#include "client/link.h"
#include "proto/proto.h"

int gbx_ctl_open(struct gbx_conn **cp);

/* CTL_PING: the daemon's version and pid. */
int gbx_ctl_ping(struct gbx_conn *c, struct gbx_hello_reply *r);

/* CTL_SHUTDOWN: gntboxd replies, then closes everything and exits. */
int gbx_ctl_shutdown(struct gbx_conn *c);

/*
 * CTL_PERSIST: gntboxd drops its idle exit; *was (may be NULL) gets the
 * one it had, in seconds, 0 when it had none.
 */
int gbx_ctl_persist(struct gbx_conn *c, unsigned *was);

/*
 * CTL_STATS.  Fields gntboxd did not fill (an older daemon) are zero.
 */
int gbx_ctl_stats(struct gbx_conn *c, struct gbx_stats *st);

/*
 * CTL_DOMAIN_CREATE (name NULL or "": the default name).  Errors: EINVAL,
 * EEXIST (unless exist_ok), ENOSPC.
 */
int gbx_ctl_domain_create(struct gbx_conn *c, unsigned domid, const char *name,
    bool exist_ok);

/*
 * The same, bound to the Unix user uid unless uid is -1 (proto.h,
 * GBX_CREATE_USER).  Errors also: EPERM (gntboxd is not root), EACCES
 * (uid cannot reach the runtime directory), EEXIST (with exist_ok: the
 * domain exists bound to another user).
 */
int gbx_ctl_domain_create_as(struct gbx_conn *c, unsigned domid,
    const char *name, bool exist_ok, int64_t uid);

/* CTL_DOMAIN_DESTROY.  Errors: ESRCH, EPERM (domain 0). */
int gbx_ctl_domain_destroy(struct gbx_conn *c, unsigned domid);

/*
 * The same, with the list of the domain's processes it killed, or could
 * not kill (proto.h): an array (free() it) and its length.
 */
int gbx_ctl_domain_destroy_list(struct gbx_conn *c, unsigned domid,
    struct gbx_proc_rec **recs, uint32_t *n);

/*
 * CTL_DOMAIN_JOIN: the process of pidfd (which stays the caller's) is one
 * of domain domid's until c closes.  Errors: ESRCH, EINVAL, EBUSY.
 */
int gbx_ctl_domain_join(struct gbx_conn *c, unsigned domid, int pidfd);

/*
 * Dumps: an array of records (free() it) and their number.  domid
 * GBX_ALL_DOMAINS dumps every domain.
 */
int gbx_ctl_domains(struct gbx_conn *c, struct gbx_domain_rec **recs,
    uint32_t *n);
int gbx_ctl_grants(struct gbx_conn *c, unsigned domid,
    struct gbx_grant_rec **recs, uint32_t *n);
int gbx_ctl_ports(struct gbx_conn *c, unsigned domid,
    struct gbx_port_rec **recs, uint32_t *n);

#endif /* GNTBOX_LIB_CTL_H */
