/*
 * xsc.h: the gntbox command's xenstore client.
 *
 * It speaks the wire protocol of xs_wire.h directly on a domain's
 * xenstore socket, one request at a time, as libxenstore does; watch
 * events that arrive between replies are passed over.  `gntbox xs` and
 * the block-device commands share it.  A connection may run one
 * transaction at a time: between xsc_tx_start and xsc_tx_end every
 * request belongs to it.
 */
#ifndef GNTBOX_CLI_XSC_H
#define GNTBOX_CLI_XSC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xen/io/xs_wire.h>

struct xsc {
	int fd;
	uint32_t req_id;
	uint32_t tx_id;	 /* 0 outside a transaction */
	int domid;	 /* whose store, or -1 when only XENSTORED_PATH says */
	const char *cmd; /* the subcommand, for messages */
};

/*
 * Connect to domain domid's store, or to $XENSTORED_PATH when domid < 0
 * (else $GNTBOX_DOMID's, else domain 0's).  Returns 0, or prints why not
 * in one line ("no gntboxd serves DIR", "there is no domain N") and
 * returns CLI_EXIT_FAIL with c->fd -1.  The socket's owner must be us or
 * root (docs/security.md).  c->domid: the store's domain, -1 when
 * XENSTORED_PATH names it and $GNTBOX_DOMID does not.
 * xsc_open_quiet: the same, but a socket that does not answer (no such
 * domain, no daemon) is an errno value returned and nothing printed.
 */
int xsc_open(struct xsc *c, int domid, const char *cmd);
int xsc_open_quiet(struct xsc *c, int domid, const char *cmd);
void xsc_close(struct xsc *c);

/*
 * Receive one message: its header into *h and its payload, NUL-terminated
 * for convenience, into a new buffer *payload.  Returns 0 or an errno.
 */
int xsc_recv(struct xsc *c, struct xsd_sockmsg *h, char **payload);

/*
 * Send one request and wait for its reply, skipping watch events.  On
 * success *reply (may be NULL when not wanted) holds the payload,
 * NUL-terminated.  Returns 0, the errno an ERROR reply named, or a
 * transport errno.
 */
int xsc_call(struct xsc *c, uint32_t type, const char *payload, size_t len,
    char **reply, size_t *rlen);

/* "a\0b" (nul_b: "a\0b\0"), as requests with two fields want them. */
char *xsc_join(const char *a, const char *b, bool nul_b, size_t *len);

/*
 * The children of path, as DIRECTORY returns them ("a\0b\0"), in a new
 * buffer.  A directory too large for one reply is read in parts
 * (DIRECTORY_PART), starting again when it changes meanwhile, as
 * libxenstore's xs_directory() does.
 */
int xsc_list(struct xsc *c, const char *path, char **out, size_t *outlen);

/* Single operations; 0 or an errno (ENOENT, EACCES, ...). */
int xsc_read(struct xsc *c, const char *path, char **value);
int xsc_write(struct xsc *c, const char *path, const char *value);
int xsc_mkdir(struct xsc *c, const char *path);
int xsc_rm(struct xsc *c, const char *path);
/* perms: xenstore's "n0\0r1\0" form, len bytes. */
int xsc_set_perms(struct xsc *c, const char *path, const char *perms,
    size_t len);
int xsc_watch(struct xsc *c, const char *path, const char *token);
int xsc_unwatch(struct xsc *c, const char *path, const char *token);

/*
 * Start a transaction, and end it (commit or abort).  xsc_tx_end returns
 * EAGAIN when a commit lost against a concurrent change: start again.
 */
int xsc_tx_start(struct xsc *c);
int xsc_tx_end(struct xsc *c, bool commit);

#endif /* GNTBOX_CLI_XSC_H */
