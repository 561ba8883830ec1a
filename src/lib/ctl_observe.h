/*
 * ctl_observe.h: the control client's observability requests (issue
 * 12), for `gntbox log`, `top`, `trace` and `xs ls -p`, and the tests.
 *
 * Sessions are opened with gbx_ctl_open() (lib/ctl.h).  A session that
 * follows a feed (gbx_ctl_log() with follow, gbx_ctl_trace()) then only
 * reads lines with gbx_ctl_feed_next() until it is closed: gntboxd
 * sends them unasked, so no other request may share the session.
 * Every function returns 0 or an errno value.
 */
#ifndef GNTBOX_LIB_CTL_OBSERVE_H
#define GNTBOX_LIB_CTL_OBSERVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "client/link.h"
#include "proto/proto.h"

/*
 * CTL_LOG: the daemon's last `lines` log lines (0: all it keeps) of at
 * most `level` (GBX_LEVEL_*), each ending with a newline, in a new
 * nul-terminated buffer *text (free it) of *len bytes.  With follow, the
 * session then follows the log (gbx_ctl_feed_next).  Errors: EINVAL,
 * EBUSY (the session follows a feed already), EPIPE, EPROTO, ENOMEM.
 */
int gbx_ctl_log(struct gbx_conn *c, uint32_t lines, unsigned level, bool follow,
    char **text, size_t *len);

/*
 * CTL_TRACE: follow the trace of domain domid (GBX_ALL_DOMAINS: every
 * domain).  Errors: ESRCH (no such domain), EBUSY, EPIPE.
 */
int gbx_ctl_trace(struct gbx_conn *c, unsigned domid);

/*
 * The next line of the feed the session follows: its header in *f, its
 * text, nul-terminated and cut to cap - 1 bytes, in line.  Waits at most
 * timeout_ms (-1: for ever).  Errors: ETIMEDOUT (nothing came), EPIPE
 * (gntboxd closed the session: it exited), EPROTO (something else than
 * a feed line came), EINTR (a signal interrupted the wait).
 */
int gbx_ctl_feed_next(struct gbx_conn *c, struct gbx_feed *f, char *line,
    size_t cap, int timeout_ms);

/*
 * CTL_DOMSTATS: per-domain levels and counters (of domid, or of every
 * domain with GBX_ALL_DOMAINS), in a new array (free it).
 */
int gbx_ctl_domstats(struct gbx_conn *c, unsigned domid,
    struct gbx_domstat_rec **recs, uint32_t *n);

/*
 * CTL_XS_PERMS: the permissions of the xenstore node at path (absolute)
 * with the entries the store ignores marked, into out (room for max),
 * their number in *n.  Errors: ENOENT, EINVAL, E2BIG (more than max).
 */
int gbx_ctl_xs_perms(struct gbx_conn *c, const char *path,
    struct gbx_xs_perm *out, uint32_t max, uint32_t *n);

#endif /* GNTBOX_LIB_CTL_OBSERVE_H */
