/*
 * paths.c: the runtime directory and the names in it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <xen/xen.h>

#include "base/paths.h"

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
