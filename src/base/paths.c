/*
 * paths.c: the runtime directory, the names in it, and the checks that
 * decide whether it can be trusted (paths.h).
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
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

/* The reason of the last refusal, per thread (the client is threaded). */
static __thread char refusal[512];

const char *
gbx_refusal(void)
{

	return (refusal);
}

void
gbx_refusal_set(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	/*
	 * clang-tidy 14 reports an uninitialised va_list here when it has
	 * analysed another file first (as in src/cli/util.c); it is not.
	 */
	/* NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized) */
	(void)vsnprintf(refusal, sizeof(refusal), fmt, ap);
	va_end(ap);
}

/*
 * May a directory owned by uid be trusted?  The caller's own, and root's
 * when who allows it (root can do anything to us anyway).
 */
static bool
dir_owner_ok(uid_t uid, int who)
{

	return (uid == geteuid() || (who == GBX_DIR_USER && uid == 0));
}

/*
 * Check one existing component of a runtime directory's path: the last
 * one (the runtime directory itself) or one above it (paths.h says what
 * each must be).  Returns 0, the errno of lstat (ENOENT...), or EPERM
 * with the reason recorded.
 */
static int
dir_component_check(const char *path, bool last, int who)
{
	struct stat st;

	if (lstat(path, &st) == -1)
		return (errno);
	if (last) {
		if (S_ISLNK(st.st_mode)) {
			gbx_refusal_set("%s is a symbolic link, not a "
					"directory",
			    path);
			return (EPERM);
		}
	} else if (S_ISLNK(st.st_mode)) {
		/* /var/run -> /run: a link is fine when root or we made it. */
		if (!dir_owner_ok(st.st_uid, GBX_DIR_USER)) {
			gbx_refusal_set("%s is a symbolic link owned by uid "
					"%u",
			    path, (unsigned)st.st_uid);
			return (EPERM);
		}
		if (stat(path, &st) == -1)
			return (errno);
	}
	if (!S_ISDIR(st.st_mode)) {
		gbx_refusal_set("%s is not a directory", path);
		return (EPERM);
	}
	if (!dir_owner_ok(st.st_uid, last ? who : GBX_DIR_USER)) {
		gbx_refusal_set("%s belongs to uid %u, not to you (uid %u)%s",
		    path, (unsigned)st.st_uid, (unsigned)geteuid(),
		    last && who == GBX_DIR_USER ? " or root" : "");
		return (EPERM);
	}
	/* Above us, others may write only where they cannot rename ours. */
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0 &&
	    (last || (st.st_mode & S_ISVTX) == 0)) {
		gbx_refusal_set("%s is writable by others (mode %04o)", path,
		    (unsigned)(st.st_mode & 07777));
		return (EPERM);
	}
	return (0);
}

/*
 * Walk the components of dir (trailing slashes dropped), calling
 * dir_component_check on each, and with make, making each one that is
 * missing first.  A component made here is checked like any other: a
 * link planted between the mkdir and the check is caught.
 */
static int
dir_walk(const char *dir, int who, bool make)
{
	char buf[GBX_PATH_MAX];
	size_t i, n;
	bool last;
	int error, mkerr;

	n = strlen(dir);
	while (n > 1 && dir[n - 1] == '/')
		n--;
	if (n == 0 || n >= sizeof(buf))
		return (ENAMETOOLONG);
	memcpy(buf, dir, n);
	buf[n] = '\0';
	for (i = 1; i <= n; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		if (buf[i - 1] == '/')
			continue; /* "//" */
		last = i == n;
		buf[i] = '\0';
		/* EEXIST, or EACCES for a parent we may not write: look. */
		mkerr = 0;
		if (make && mkdir(buf, 0700) == -1 && errno != EEXIST)
			mkerr = errno;
		if (mkerr != 0 && mkerr != EACCES) {
			gbx_refusal_set("cannot create %s: %s", buf,
			    strerror(mkerr));
			return (mkerr);
		}
		if ((error = dir_component_check(buf, last, who)) != 0) {
			if (error == ENOENT && mkerr != 0)
				error = mkerr;
			if (error != EPERM)
				gbx_refusal_set("%s %s: %s",
				    make ? "cannot create" : "cannot use", buf,
				    strerror(error));
			return (error);
		}
		buf[i] = '/';
	}
	return (0);
}

int
gbx_dir_check(const char *dir, int who)
{

	/* "/" alone is root's, and never a runtime directory of ours. */
	if (strspn(dir, "/") == strlen(dir) && *dir != '\0') {
		gbx_refusal_set("%s cannot be a runtime directory", dir);
		return (EPERM);
	}
	return (dir_walk(dir, who, false));
}

int
gbx_dir_make(const char *dir)
{

	if (strspn(dir, "/") == strlen(dir) && *dir != '\0') {
		gbx_refusal_set("%s cannot be a runtime directory", dir);
		return (EPERM);
	}
	return (dir_walk(dir, GBX_DIR_OWN, true));
}

int
gbx_open_private(const char *path, int flags)
{
	struct stat st;
	int fd, error;

	fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC | flags,
	    0600);
	if (fd == -1) {
		error = errno;
		if (error == ELOOP) {
			gbx_refusal_set("%s is a symbolic link", path);
			error = EPERM;
		} else
			gbx_refusal_set("%s: %s", path, strerror(error));
		errno = error;
		return (-1);
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_uid != geteuid() || st.st_nlink != 1) {
		gbx_refusal_set("%s is not a private file of ours (a link, "
				"another user's, or not a regular file)",
		    path);
		(void)close(fd);
		errno = EPERM;
		return (-1);
	}
	return (fd);
}

int
gbx_peer_check(int s, const char *path)
{
	struct ucred cred;
	socklen_t len;

	len = sizeof(cred);
	if (getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1)
		return (errno);
	if (cred.uid != geteuid() && cred.uid != 0) {
		gbx_refusal_set("%s is served by uid %u, not by you (uid %u) "
				"or root",
		    path, (unsigned)cred.uid, (unsigned)geteuid());
		return (EPERM);
	}
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
