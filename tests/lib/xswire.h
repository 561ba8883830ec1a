/*
 * xswire.h: a raw xenstore client for tests of gntboxd's xenstore, for
 * what libxenstore cannot do: look at the order of messages, pipeline
 * requests, stop reading, or send what no library would.
 *
 * It speaks xs_wire.h on $GNTBOX_DIR/dom/N/xenstore.  Every wait is
 * bounded (XW_TIMEOUT_MS), so a daemon that does not answer fails the
 * test instead of hanging it.
 */
#ifndef GNTBOX_TESTS_XSWIRE_H
#define GNTBOX_TESTS_XSWIRE_H

#include <stddef.h>
#include <stdint.h>

#include <xen/io/xs_wire.h>

#define XW_TIMEOUT_MS 10000

struct xw_msg {
	struct xsd_sockmsg h;
	char data[XENSTORE_PAYLOAD_MAX + 1]; /* nul-terminated past h.len */
};

/* Connect to domain domid's xenstore socket; -1 with errno on failure. */
int xw_connect(unsigned domid);

/* Send one request (header built here); 0 or an errno value. */
int xw_send(int fd, uint32_t type, uint32_t req_id, uint32_t tx_id,
    const void *payload, size_t len);

/*
 * Receive one message, waiting at most timeout_ms.  Returns 0, ETIMEDOUT,
 * ECONNRESET when the daemon closed the connection, or EPROTO.
 */
int xw_recv(int fd, struct xw_msg *m, int timeout_ms);

/*
 * Send a request and wait for its reply; watch events that come first
 * are passed over.  Returns 0 (the reply in *m when m is not NULL), the
 * errno an ERROR reply names, or a transport error as xw_recv().
 */
int xw_call(int fd, uint32_t type, const void *payload, size_t len,
    struct xw_msg *m);

/* The errno of an ERROR reply's name (EINVAL when unknown). */
int xw_errno(const char *name);

#endif /* GNTBOX_TESTS_XSWIRE_H */
