/*
 * paths.c: the runtime directory and the names in it.
 */
#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xen/xen.h>

#include "base/paths.h"
#include "config.h" /* generated: GBX_SBINDIR, GBX_BIN_TO_SBINDIR, ... */

/*
 * The largest domain id: proto.h's GBX_DOMID_MAX, which base/ cannot
 * include (hv/domain.c checks that the two agree).
 */
#define DOMID_MAX (DOMID_FIRST_RESERVED - 1)

/*
 * sun_path holds 108 bytes; the longest name we put under the runtime
 * directory is "/dom/32751/xenstore" (19 bytes), so the directory may use
 * at most 108 - 1 - 19 bytes.
 */
#define GBX_DIR_MAX (108 - 1 - 19)

int
gbx_runtime_dir(char *buf, size_t len)
{
	const char *d;
	int r;

	if ((d = getenv("GNTBOX_DIR")) != NULL && *d != '\0')
		r = snprintf(buf, len, "%s", d);
	else if ((d = getenv("XDG_RUNTIME_DIR")) != NULL && *d != '\0')
		r = snprintf(buf, len, "%s/gntbox", d);
	else
		r = snprintf(buf, len, "/tmp/gntbox-%u", (unsigned)getuid());
	if (r < 0 || (size_t)r >= len || r > GBX_DIR_MAX)
		return (ENAMETOOLONG);
	return (0);
}

/* $dir/dom/<domid><suffix>. */
static int
gbx_path_dom(char *buf, size_t len, unsigned domid, const char *suffix)
{
	char dir[GBX_PATH_MAX];
	int error, r;

	if ((error = gbx_runtime_dir(dir, sizeof(dir))) != 0)
		return (error);
	r = snprintf(buf, len, "%s/dom/%u%s", dir, domid, suffix);
	if (r < 0 || (size_t)r >= len)
		return (ENAMETOOLONG);
	return (0);
}

int
gbx_path_control(char *buf, size_t len)
{

	return (gbx_path_file(buf, len, "control"));
}

int
gbx_path_domain_dir(char *buf, size_t len, unsigned domid)
{

	return (gbx_path_dom(buf, len, domid, ""));
}

int
gbx_path_device(char *buf, size_t len, unsigned domid)
{

	return (gbx_path_dom(buf, len, domid, "/device"));
}

int
gbx_path_xenstore(char *buf, size_t len, unsigned domid)
{

	return (gbx_path_dom(buf, len, domid, "/xenstore"));
}

int
gbx_path_file(char *buf, size_t len, const char *name)
{
	char dir[GBX_PATH_MAX];
	int error, r;

	if ((error = gbx_runtime_dir(dir, sizeof(dir))) != 0)
		return (error);
	r = snprintf(buf, len, "%s/%s", dir, name);
	if (r < 0 || (size_t)r >= len)
		return (ENAMETOOLONG);
	return (0);
}

int
gbx_env_domid(void)
{
	const char *s;
	char *end;
	long v;

	if ((s = getenv("GNTBOX_DOMID")) == NULL || *s == '\0') {
		errno = EINVAL;
		return (-1);
	}
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < 0 || v > DOMID_MAX) {
		errno = EINVAL;
		return (-1);
	}
	return ((int)v);
}

/*
 * The directory of the running program, from /proc/self/exe (the kernel
 * resolves every symbolic link), and whether it is a build tree's bin/.
 */
static int
exe_dir(char *buf, size_t len, bool *build_tree)
{
	char obj[GBX_PATH_MAX + 8];
	struct stat st;
	ssize_t n;
	char *slash;

	*build_tree = false;
	if ((n = readlink("/proc/self/exe", buf, len)) == -1)
		return (errno);
	if ((size_t)n >= len)
		return (ENAMETOOLONG);
	buf[n] = '\0';
	if ((slash = strrchr(buf, '/')) == NULL)
		return (ENOENT);
	*slash = '\0';
	(void)snprintf(obj, sizeof(obj), "%s/../obj", buf);
	*build_tree = stat(obj, &st) == 0 && S_ISDIR(st.st_mode);
	return (0);
}

/* Store path in buf, without "..", if it can be accessed with mode. */
static int
found(char *buf, size_t len, const char *path, int mode)
{
	char real[PATH_MAX];

	if (access(path, mode) != 0 || realpath(path, real) == NULL)
		return (ENOENT);
	if (strlen(real) >= len)
		return (ENAMETOOLONG);
	memcpy(buf, real, strlen(real) + 1);
	return (0);
}

/*
 * Store dir/rel in buf if it can be accessed with mode, else abs if it can
 * (abs may be NULL).  ENOENT leaves the last path tried in buf.
 */
static int
first_of(char *buf, size_t len, int mode, const char *dir, const char *rel,
    const char *abs)
{
	int error, r;

	r = snprintf(buf, len, "%s/%s", dir, rel);
	if (r < 0 || (size_t)r >= len)
		return (ENAMETOOLONG);
	if ((error = found(buf, len, buf, mode)) != ENOENT || abs == NULL)
		return (error);
	if (strlen(abs) >= len)
		return (ENAMETOOLONG);
	memcpy(buf, abs, strlen(abs) + 1);
	return (found(buf, len, abs, mode));
}

/*
 * A file of this program's build tree (build_rel) or installation
 * (inst_rel, then abs): see gbx_path_gntboxd().
 */
static int
find_own(char *buf, size_t len, int mode, const char *build_rel,
    const char *inst_rel, const char *abs)
{
	char dir[GBX_PATH_MAX];
	bool bt;
	int error;

	if ((error = exe_dir(dir, sizeof(dir), &bt)) != 0)
		return (error);
	if (bt)
		return (first_of(buf, len, mode, dir, build_rel, NULL));
	return (first_of(buf, len, mode, dir, inst_rel, abs));
}

int
gbx_path_gntboxd(char *buf, size_t len)
{

	return (find_own(buf, len, X_OK, "gntboxd",
	    GBX_BIN_TO_SBINDIR "/gntboxd", GBX_SBINDIR "/gntboxd"));
}

int
gbx_path_preload(char *buf, size_t len)
{

	return (find_own(buf, len, R_OK, "../lib/libgntbox-preload.so",
	    GBX_BIN_TO_PRELOADDIR "/libgntbox-preload.so",
	    GBX_PRELOADDIR "/libgntbox-preload.so"));
}
