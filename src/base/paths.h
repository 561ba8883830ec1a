/*
 * paths.h: where a gntboxd lives (docs/design.md, "Runtime directory";
 * docs/architecture.md §2).
 *
 * Everything a gntboxd creates is under its runtime directory:
 * $GNTBOX_DIR if set, else $XDG_RUNTIME_DIR/gntbox, else /tmp/gntbox-$UID.
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
