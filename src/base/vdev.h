/*
 * vdev.h: Xen virtual block device names and numbers.
 *
 * A disk's frontend lives at device/vbd/<number>, where the number encodes
 * the name the guest sees (Xen's xen-vbd-interface(7)).  libxl maps names
 * to numbers in libxl__device_disk_dev_number(); the gntbox command and
 * the blkfront plugin must agree with it and with each other, so both use
 * this one function.
 */
#ifndef GNTBOX_BASE_VDEV_H
#define GNTBOX_BASE_VDEV_H

/*
 * The device number of a virtual device name, as libxl computes it:
 *   xvdX[N]   X is a..z, aa..zz... (base 26, bijective), N a partition;
 *             (202 << 8) | (disk << 4) | N when both fit 4 bits, else
 *             the extended (1 << 28) | (disk << 8) | N;
 *   dDpP      the same numbers, disk and partition given in decimal;
 *   hdX[N]    IDE: majors 3 and 22, four disks, partitions up to 63;
 *   sdX[N]    SCSI: major 8, sixteen disks, partitions up to 15;
 *   a number  taken as it is (decimal, 0x hex or 0 octal, up to INT_MAX).
 * Returns the number, or -1 when the name is none of these.  xvda is
 * 51712.
 */
int gbx_vdev_number(const char *name);

#endif /* GNTBOX_BASE_VDEV_H */
