/*
 * paths.h: where a gntboxd lives (docs/design.md, "Runtime directory";
 * docs/architecture.md §2), and whether that place can be trusted
 * (docs/security.md, "The runtime directory").
 *
 * Everything a gntboxd creates is under its runtime directory:
 * $GNTBOX_DIR if set, else $XDG_RUNTIME_DIR/gntbox, else /tmp/gntbox-$UID.
 * The default under /tmp is predictable, so another local user could make
 * it first and plant symbolic links or a socket of its own there.  Both
 * sides therefore check it before they use it, as ssh-agent and tmux do:
 * gntboxd refuses a directory that is not its own, and a client refuses
 * one that belongs neither to it nor to root (a root gntboxd serves
 * domains bound to other users).
 */
#ifndef GNTBOX_BASE_PATHS_H
#define GNTBOX_BASE_PATHS_H

#include <stddef.h>

/* Room for any path below; an AF_UNIX socket path must also fit 108 bytes. */
#define GBX_PATH_MAX 4096

/*
 * Store the runtime directory in buf.  Returns 0, or ENAMETOOLONG when it
 * does not fit (or would leave no room for the socket names below).
 */
int gbx_runtime_dir(char *buf, size_t len);

/* $dir/control, $dir/dom/<domid>/device, $dir/dom/<domid>/xenstore, ... */
int gbx_path_control(char *buf, size_t len);
int gbx_path_domain_dir(char *buf, size_t len, unsigned domid);
int gbx_path_device(char *buf, size_t len, unsigned domid);
int gbx_path_xenstore(char *buf, size_t len, unsigned domid);
int gbx_path_file(char *buf, size_t len, const char *name);

/* Who may own a runtime directory that a caller accepts. */
#define GBX_DIR_OWN  0 /* the caller (gntboxd, `gntbox up`) */
#define GBX_DIR_USER 1 /* the caller or root (a client of gntboxd) */

/*
 * Check that dir can be trusted: the directory itself (a symbolic link in
 * its place is refused) is owned by the caller's effective uid (or root,
 * with GBX_DIR_USER) and writable by nobody else; every directory above it
 * is owned by the caller or root and, when others may write it, sticky
 * (so that nobody can rename or replace what lies below, as in /tmp).
 * Returns 0, ENOENT when dir does not exist, ENAMETOOLONG, or EPERM with
 * the reason in gbx_refusal().
 */
int gbx_dir_check(const char *dir, int who);

/*
 * Make dir, mode 0700, with any missing directory above it, checking each
 * directory it makes and each one it finds as gbx_dir_check() does (with
 * GBX_DIR_OWN for dir).  Returns 0, EPERM (gbx_refusal() says why), or the
 * errno of a mkdir that failed (gbx_refusal() names the directory too).
 */
int gbx_dir_make(const char *dir);

/*
 * The last reason this thread refused a runtime directory or a daemon:
 * one line naming the path (or the daemon) and why, for error messages.
 * gbx_refusal_set() records one (printf-like); "" when none.
 */
const char *gbx_refusal(void);
void gbx_refusal_set(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

/*
 * Open name in the runtime directory for writing, creating it (mode 0600)
 * when missing, without following a symbolic link, and check that it is a
 * regular file of ours with no other link (so that nobody can have
 * pointed it elsewhere).  flags adds O_APPEND, O_TRUNC or O_EXCL.  Returns
 * the descriptor (close-on-exec), or -1 with errno (EPERM: gbx_refusal()
 * says why).
 */
int gbx_open_private(const char *path, int flags);

/*
 * May we talk to the daemon at the other end of the connected socket s
 * (found at path)?  Only to one that runs as us or as root: a socket
 * another user put in our place would answer our requests with whatever
 * it likes, and be handed our descriptors.  Returns 0, EPERM (the reason
 * in gbx_refusal()), or the errno of getsockopt.
 */
int gbx_peer_check(int s, const char *path);

/*
 * The gntboxd program and the preload library that this program goes
 * with.  In a build tree (its bin/ has an obj/ beside it) they are
 * build/bin/gntboxd and build/lib/libgntbox-preload.so, and nothing
 * installed is used.  An installed program looks where `make install` put
 * them, first relative to its own directory (the install variables' BINDIR
 * to SBINDIR and to PRELOADDIR, so a copy installed under DESTDIR or moved
 * whole works), then at the compiled-in absolute paths.  Returns 0 with
 * the path in buf; or ENOENT with the last path tried in buf; or
 * ENAMETOOLONG.
 */
int gbx_path_gntboxd(char *buf, size_t len);
int gbx_path_preload(char *buf, size_t len);

/*
 * The domain of this process as `gntbox run` set it ($GNTBOX_DOMID).
 * Returns it, or -1 with errno EINVAL when unset or malformed.
 */
int gbx_env_domid(void);

#endif /* GNTBOX_BASE_PATHS_H */
