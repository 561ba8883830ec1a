/*
 * msg.h: sending and receiving gntbox protocol messages (proto.h) on a
 * SOCK_SEQPACKET socket, with descriptors passed by SCM_RIGHTS, and the
 * bulk memfds that carry tails too large for one datagram.
 */
#ifndef GNTBOX_PROTO_MSG_H
#define GNTBOX_PROTO_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "proto/proto.h"

/*
 * Send one message: the header (its len is filled in), the fixed body and
 * an optional inline tail, with nfds descriptors (at most GBX_MAX_FDS).
 * Never raises SIGPIPE.  Returns 0 or an errno value: EAGAIN when a
 * non-blocking socket is full (nothing was sent), EPIPE when the peer has
 * gone, EMSGSIZE when the message exceeds GBX_MSG_MAX, EINVAL for too many
 * descriptors.
 */
int gbx_msg_send(int sock, struct gbx_hdr *h, const void *body, size_t blen,
    const void *tail, size_t tlen, const int *fds, unsigned nfds);

/*
 * Receive one message into buf (cap bytes; GBX_MSG_MAX holds any valid
 * one) and its descriptors into fds (GBX_MAX_FDS slots), their number into
 * *nfds; they are received close-on-exec.  Returns the message's length,
 * 0 at end of stream, or a negative errno value: -EAGAIN when a
 * non-blocking socket has nothing, -EPROTO when the message or its
 * descriptors were truncated or its header's len disagrees with what
 * arrived (every descriptor that did arrive has then been closed).
 */
ssize_t gbx_msg_recv(int sock, void *buf, size_t cap, int *fds, unsigned *nfds);

/*
 * The same, for a receiver that copes with a message whose descriptors
 * the kernel dropped because the receiver's descriptor table is full
 * (MSG_CTRUNC; those that did arrive come first, in order): the message
 * is returned, with *ctrunc set, instead of -EPROTO.
 */
ssize_t gbx_msg_recv_ctrunc(int sock, void *buf, size_t cap, int *fds,
    unsigned *nfds, bool *ctrunc);

/* Close n descriptors of fds and set *n to 0 (for refused messages). */
void gbx_close_fds(int *fds, unsigned *n);

/* A new bulk memfd (close-on-exec), or -1 with errno. */
int gbx_bulk_create(void);

/*
 * Write len bytes at offset off of a bulk memfd / read exactly len bytes
 * from offset off.  Return 0 or an errno value (EPROTO when the memfd
 * holds fewer bytes: a client that shrank its own bulk buffer gets a
 * protocol error, never a fault).
 */
int gbx_bulk_write(int fd, const void *data, size_t len, uint64_t off);
int gbx_bulk_read(int fd, void *data, size_t len, uint64_t off);

#endif /* GNTBOX_PROTO_MSG_H */
