/*
 * vdev.c: virtual block device names to device numbers (vdev.h).
 *
 * The rules are libxl's (tools/libs/light/libxl_device.c in Xen 4.17),
 * including their corner cases: no leading zero in a partition number,
 * the names tried before a plain number (so "d0p0" is a name), and hd/sd
 * tried after it.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/vdev.h"

#define XVD_MAJOR     202
#define IDE0_MAJOR    3
#define IDE1_MAJOR    22
#define SCSI_MAJOR    8
#define VDEV_EXTENDED (1 << 28)
#define XVD_DISKS_MAX ((1 << 20) - 1)
#define XVD_PARTS_MAX 255

/*
 * Match prefix, then a drive letter sequence (a = 0, z = 25, aa = 26...)
 * at most max_disk, then nothing or a partition number at most max_part
 * without leading zero.  True on a match, with the disk and partition.
 */
static bool
vdev_match(const char *name, const char *prefix, long max_disk, long max_part,
    long *disk, long *part)
{
	const char *p;
	char *end;
	unsigned long n;
	long d;

	if (strncmp(name, prefix, strlen(prefix)) != 0)
		return (false);
	p = name + strlen(prefix);
	if (*p < 'a' || *p > 'z')
		return (false); /* a drive needs a letter */
	for (d = -1; *p >= 'a' && *p <= 'z'; p++) {
		d = (d + 1) * 26 + (*p - 'a');
		if (d > max_disk)
			return (false);
	}
	*disk = d;
	if (*p == '\0') {
		*part = 0;
		return (true);
	}
	if (*p < '1' || *p > '9')
		return (false);
	errno = 0;
	n = strtoul(p, &end, 10);
	if (errno != 0 || *end != '\0' || n > (unsigned long)max_part)
		return (false);
	*part = (long)n;
	return (true);
}

/* "dDpP", both numbers in any C base as sscanf's %i reads them. */
static bool
vdev_match_dp(const char *name, long *disk, long *part)
{
	char *end;
	long d, p;

	if (name[0] != 'd')
		return (false);
	errno = 0;
	d = strtol(name + 1, &end, 0);
	if (end == name + 1 || *end != 'p' || errno != 0)
		return (false);
	name = end + 1;
	p = strtol(name, &end, 0);
	if (end == name || *end != '\0' || errno != 0)
		return (false);
	if (d >= (1 << 20) || p >= 256 || d < 0 || p < 0)
		return (false);
	*disk = d;
	*part = p;
	return (true);
}

int
gbx_vdev_number(const char *name)
{
	unsigned long n;
	long disk, part;
	char *end;

	if (name == NULL || *name == '\0')
		return (-1);
	if (vdev_match_dp(name, &disk, &part) ||
	    vdev_match(name, "xvd", XVD_DISKS_MAX, XVD_PARTS_MAX, &disk,
		&part)) {
		if (disk <= 15 && part <= 15)
			return ((int)((XVD_MAJOR << 8) | (disk << 4) | part));
		return ((int)(VDEV_EXTENDED | (disk << 8) | part));
	}
	errno = 0;
	n = strtoul(name, &end, 0);
	if (errno == 0 && *end == '\0' && name[0] != '-' && n <= INT_MAX)
		return ((int)n);
	if (vdev_match(name, "hd", 3, 63, &disk, &part))
		return ((int)(((disk < 2 ? IDE0_MAJOR : IDE1_MAJOR) << 8) |
		    ((disk & 1) << 6) | part));
	if (vdev_match(name, "sd", 15, 15, &disk, &part))
		return ((int)((SCSI_MAJOR << 8) | (disk << 4) | part));
	return (-1);
}
