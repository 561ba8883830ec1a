/*
 * block.h: the block-device toolstack of the gntbox command, shared by
 * cmd_block.c (block-attach, block-list, block-detach) and devmodel.c
 * (the QEMU that serves a domain's disks).
 *
 * The xenstore layout is libxl 4.17's for a qdisk disk of frontend
 * domain FE served by backend domain BE, device number DEV:
 *
 *   /local/domain/FE/device/vbd/DEV            the frontend
 *   /local/domain/BE/backend/qdisk/FE/DEV      the backend
 *   /libxl/FE/device/vbd/DEV                   libxl's own record
 *   /local/domain/BE/libxl/FE/qdisk-backend-pid  QEMU's pid (xl devd's)
 *   /local/domain/BE/device-model/FE/state     "running", written by QEMU
 *
 * One QEMU per (BE, FE), started by the first block-attach and stopped
 * with the last block-detach or when either domain is destroyed.
 */
#ifndef GNTBOX_CLI_BLOCK_H
#define GNTBOX_CLI_BLOCK_H

#include <sys/types.h>

#include <stdbool.h>

#include "cli/xsc.h"

#define BLK_QEMU_DEFAULT "/usr/libexec/xen-qemu-system-i386"
#define BLK_QEMU_ENV	 "GNTBOX_QEMU"
#define BLK_QEMU_PACKAGE "qemu-system-xen"

/* libxl's timeouts, in milliseconds. */
#define BLK_INIT_TIMEOUT_MS	10000 /* LIBXL_INIT_TIMEOUT */
#define BLK_DESTROY_TIMEOUT_MS	10000 /* LIBXL_DESTROY_TIMEOUT */
#define BLK_DM_START_TIMEOUT_MS 60000 /* LIBXL_DEVICE_MODEL_START_TIMEOUT */

/* Xenbus states (xen/io/xenbus.h) the commands look for. */
#define BLK_STATE_INITIALISING 1
#define BLK_STATE_INITWAIT     2
#define BLK_STATE_CONNECTED    4
#define BLK_STATE_CLOSING      5
#define BLK_STATE_CLOSED       6

/*
 * Serialise the toolstack's operations on one runtime directory (libxl
 * takes a per-domain lock): flock on $GNTBOX_DIR/block.lock.  Returns the
 * descriptor (close it to unlock), or -1 after printing why not.
 */
int blk_lock(const char *cmd);

/*
 * Remove path and then each parent that is left empty (no value, no
 * children), as libxl__xs_path_cleanup does.  ENOENT is not an error.
 */
int blk_path_cleanup(struct xsc *c, const char *path);

/* An unsigned decimal number; -1 when s is not one. */
long blk_number(const char *s);

/* Read an unsigned decimal node; -1 when it is missing or malformed. */
long blk_read_long(struct xsc *c, const char *path);

/* The domain of a path /local/domain/N/...; -1 when it is none. */
int blk_path_domain(const char *path);

/*
 * Wait until the xenbus state at path satisfies done(state), or path
 * vanishes (state -1 is passed), for at most timeout_ms; stop early when
 * pidfd (if not -1) says its process exited.  Returns the last state
 * read; *timed_out tells a timeout.
 */
long blk_wait_state(struct xsc *c, const char *path, bool (*done)(long),
    int timeout_ms, int pidfd, bool *timed_out);

/* The QEMU binary to run: opt, else $GNTBOX_QEMU, else the default. */
const char *dm_binary(const char *opt);

/*
 * Check that the QEMU binary can run; prints "... (install Debian's
 * qemu-system-xen)" when not.  0 or CLI_EXIT_FAIL.
 */
int dm_check_binary(const char *cmd, const char *qemu);

/*
 * The pid of the QEMU serving fe from be, if one runs (it must be this
 * runtime directory's, started for these domains: a pid node that
 * survived its process is not taken for it).  0 when none runs.
 */
pid_t dm_running(struct xsc *c, int be, int fe);

/*
 * Start the QEMU serving fe from be, in domain be, as xl devd does
 * (libxl__spawn_qdisk_backend), under a small monitor process that
 * records its pid, logs its output to $GNTBOX_DIR/qdisk-BE-FE.log, and
 * when it exits marks its backends Closed, so that frontends fail their
 * requests instead of waiting forever.  Waits until QEMU says "running".
 * 0, or a printed failure naming the log (CLI_EXIT_FAIL).
 */
int dm_start(struct xsc *c, const char *cmd, const char *qemu, int be, int fe);

/*
 * Stop the QEMU serving fe from be, if one runs (SIGHUP, as libxl, then
 * SIGKILL if it lingers), and remove its pid and device-model nodes.
 * 0, or a printed failure.
 */
int dm_stop(struct xsc *c, const char *cmd, int be, int fe);

/* The log of the QEMU of (be, fe): $GNTBOX_DIR/qdisk-BE-FE.log. */
int dm_log_path(char *buf, size_t len, int be, int fe);

/* Its size now (0 when it does not exist): where new lines will start. */
off_t dm_log_size(int be, int fe);

/*
 * Find, in the log of (be, fe) from offset on, the first line that holds
 * needle; copy it (without the newline) to line.  True when found.
 */
bool dm_log_find(int be, int fe, off_t offset, const char *needle, char *line,
    size_t len);

/* True when the backend domain be still has qdisk disks of fe. */
bool dm_has_disks(struct xsc *c, int be, int fe);

/*
 * When be serves no more disks to fe: stop their QEMU, and remove what
 * it may have written into the backend directories as it went.
 */
void dm_retire(struct xsc *c, const char *cmd, int be, int fe);

#endif /* GNTBOX_CLI_BLOCK_H */
