/*
 * privcmd.h: one open /dev/xen/privcmd in the client process: a
 * connection of kind GBX_KIND_PRIVCMD (proto/pcmd.h).
 *
 * Why a connection of its own per open file: the file's one piece of
 * state, IOCTL_PRIVCMD_RESTRICT's domain, is the kernel's in Linux, and
 * so gntboxd's here, kept with the connection; the program's descriptor
 * is a duplicate of the connection's socket (as a grant device's is), so
 * dup, fork and exec carry the file as the kernel carries one, and its
 * last close ends it.  A privcmd file holds no grant, page or port, so the
 * connection needs no process token.  A grant-device connection could not
 * be reused: it belongs to one open gntdev or gntalloc file, and its
 * close releases what that file holds.
 *
 * The calls are round trips; no privcmd request is on a data path.
 * Functions return 0 or an errno value: those of gbx_conn_call(), and
 * ESRCH once the domain is being destroyed.
 */
#ifndef GNTBOX_CLIENT_PRIVCMD_H
#define GNTBOX_CLIENT_PRIVCMD_H

#include <stddef.h>
#include <stdint.h>

struct gbx_privcmd;

/*
 * Open a privcmd file of domain domid (-1: $GNTBOX_DOMID).  Errors:
 * EINVAL (no such domain id), and those of gbx_conn_open().
 */
int gbx_privcmd_open(int domid, struct gbx_privcmd **pp);

/* Close it: the connection, and the restriction with it. */
void gbx_privcmd_close(struct gbx_privcmd *p);

/* The connection's socket (the program's descriptor is a duplicate). */
int gbx_privcmd_sock(const struct gbx_privcmd *p);

/*
 * A hypercall: op, its five arguments, and the argument structure read
 * from the program's memory (in, inlen bytes: proto/pcmd.h's
 * gbx_pcmd_inlen says which).  On 0, *res is gntboxd's result stream
 * (*reslen bytes, to free) for gbx_pcmd_walk().  Errors: EPERM (the file
 * is restricted), EPROTO.
 */
int gbx_privcmd_hypercall(struct gbx_privcmd *p, uint64_t op,
    const uint64_t arg[5], const void *in, size_t inlen, uint8_t **res,
    size_t *reslen);

/* IOCTL_PRIVCMD_RESTRICT.  Errors: EINVAL (restricted to another). */
int gbx_privcmd_restrict(struct gbx_privcmd *p, uint16_t domid);

/*
 * The hypervisor's answer to mapping or operating on domain domid (kind
 * GBX_PCMD_MMU, _RESOURCE or _DMOP) in *answer, a positive errno.
 * Errors: EPERM (restricted to another domain).
 */
int gbx_privcmd_foreign(struct gbx_privcmd *p, uint32_t kind, uint16_t domid,
    int *answer);

#endif /* GNTBOX_CLIENT_PRIVCMD_H */
