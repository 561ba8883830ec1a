/*
 * daemon.h: starting and stopping a real gntboxd for a test, and talking
 * raw protocol to it (for tests of the daemon's own handling of bad
 * input).  Integration tests normally use harness.h, built on this.
 */
#ifndef GNTBOX_TESTS_DAEMON_H
#define GNTBOX_TESTS_DAEMON_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

/*
 * Start $GNTBOX_BUILD/bin/gntboxd (GNTBOX_BUILD defaults to "build") on
 * $GNTBOX_DIR, which is created (mode 0700) when it does not exist; when
 * GNTBOX_DIR is unset a fresh directory under /tmp is made and exported.
 * extra is NULL or a NULL-terminated list of further gntboxd arguments.
 * Waits for --ready-fd.  Returns the daemon's pid, or -1 (with a message
 * on stderr) when it did not become ready.
 */
pid_t td_start(const char *const *extra);

/*
 * Ask the daemon to shut down (CTL_SHUTDOWN on the control socket), wait
 * for it, and return its exit status as waitpid() reports it (0 for a
 * clean exit), or -1 when it had to be killed after a time limit.
 */
int td_stop(pid_t pid);

/* Connect to a SOCK_SEQPACKET socket at path; -1 with errno on failure. */
int td_connect(const char *path);

/*
 * Connect to domain domid's device socket and say HELLO of the given kind
 * (for GBX_KIND_GNTDEV a process token is made; its client end is stored
 * in *token, or closed when token is NULL).  Returns the socket or -1.
 */
int td_open(unsigned domid, uint32_t kind, int *token);

/* The control socket, after HELLO.  -1 on failure. */
int td_control(void);

/*
 * One request, one reply: send type with body (and optional inline tail),
 * wait for the reply, copy at most cap bytes of its body (what follows the
 * header) into reply and store the body's length in *rlen.  Returns the
 * reply's error field (0 or an errno), or -1 on a transport failure.
 */
int td_call(int sock, uint16_t type, const void *body, size_t blen,
    const void *tail, size_t tlen, void *reply, size_t cap, size_t *rlen);

#endif /* GNTBOX_TESTS_DAEMON_H */
