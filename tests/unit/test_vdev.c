/*
 * Unit test of the virtual block device numbers (base/vdev.h): the names
 * libxl maps, with libxl's numbers (Xen's xen-vbd-interface(7) table),
 * the extended numbers past xvdp and partition 15, the limits of each
 * family, and what libxl refuses.
 */
#include "check.h"
#include "base/vdev.h"

static void
test_xvd(void)
{

	CHECK_EQ(gbx_vdev_number("xvda"), 51712); /* 202 << 8 */
	CHECK_EQ(gbx_vdev_number("xvdb"), 51728);
	CHECK_EQ(gbx_vdev_number("xvda1"), 51713);
	CHECK_EQ(gbx_vdev_number("xvda15"), 51727);
	CHECK_EQ(gbx_vdev_number("xvdp"), (202 << 8) | (15 << 4));
	/* Past 15 disks or 15 partitions: the extended form. */
	CHECK_EQ(gbx_vdev_number("xvdq"), (1 << 28) | (16 << 8));
	CHECK_EQ(gbx_vdev_number("xvda16"), (1 << 28) | 16);
	CHECK_EQ(gbx_vdev_number("xvdz"), (1 << 28) | (25 << 8));
	CHECK_EQ(gbx_vdev_number("xvdaa"), (1 << 28) | (26 << 8));
	CHECK_EQ(gbx_vdev_number("xvdba"), (1 << 28) | (52 << 8));
	CHECK_EQ(gbx_vdev_number("xvda255"), (1 << 28) | 255);
	CHECK_EQ(gbx_vdev_number("xvda256"), -1);
	/* No leading zero, no letter after the partition, a drive needed. */
	CHECK_EQ(gbx_vdev_number("xvda01"), -1);
	CHECK_EQ(gbx_vdev_number("xvda1x"), -1);
	CHECK_EQ(gbx_vdev_number("xvd"), -1);
	CHECK_EQ(gbx_vdev_number("xvdA"), -1);
	/* 2^20 - 1 disks at most: "bgqcv" is disk 1048575. */
	CHECK_EQ(gbx_vdev_number("xvdbgqcv"), (1 << 28) | (1048575 << 8));
	CHECK_EQ(gbx_vdev_number("xvdbgqcw"), -1);
}

static void
test_dp(void)
{

	CHECK_EQ(gbx_vdev_number("d0p0"), 51712);
	CHECK_EQ(gbx_vdev_number("d1p2"), 51730);
	CHECK_EQ(gbx_vdev_number("d16p0"), (1 << 28) | (16 << 8));
	CHECK_EQ(gbx_vdev_number("d0p255"), (1 << 28) | 255);
	CHECK_EQ(gbx_vdev_number("d0p256"), -1);
	CHECK_EQ(gbx_vdev_number("d1048576p0"), -1);
	CHECK_EQ(gbx_vdev_number("d0"), -1);
	CHECK_EQ(gbx_vdev_number("d0p"), -1);
}

static void
test_hd_sd(void)
{

	CHECK_EQ(gbx_vdev_number("hda"), 3 << 8);
	CHECK_EQ(gbx_vdev_number("hdb"), (3 << 8) | (1 << 6));
	CHECK_EQ(gbx_vdev_number("hdc"), 22 << 8);
	CHECK_EQ(gbx_vdev_number("hdd1"), (22 << 8) | (1 << 6) | 1);
	CHECK_EQ(gbx_vdev_number("hda63"), (3 << 8) | 63);
	CHECK_EQ(gbx_vdev_number("hda64"), -1);
	CHECK_EQ(gbx_vdev_number("hde"), -1);
	CHECK_EQ(gbx_vdev_number("sda"), 8 << 8);
	CHECK_EQ(gbx_vdev_number("sdb3"), (8 << 8) | (1 << 4) | 3);
	CHECK_EQ(gbx_vdev_number("sdp15"), (8 << 8) | (15 << 4) | 15);
	CHECK_EQ(gbx_vdev_number("sdq"), -1);
	CHECK_EQ(gbx_vdev_number("sda16"), -1);
}

static void
test_numbers(void)
{

	CHECK_EQ(gbx_vdev_number("51712"), 51712);
	CHECK_EQ(gbx_vdev_number("0xca00"), 51712);
	CHECK_EQ(gbx_vdev_number("0"), 0);
	CHECK_EQ(gbx_vdev_number("2147483647"), 2147483647);
	CHECK_EQ(gbx_vdev_number("2147483648"), -1);
	CHECK_EQ(gbx_vdev_number("-1"), -1);
	CHECK_EQ(gbx_vdev_number("12ab"), -1);
	CHECK_EQ(gbx_vdev_number(""), -1);
	CHECK_EQ(gbx_vdev_number(NULL), -1);
	CHECK_EQ(gbx_vdev_number("vda"), -1);
	CHECK_EQ(gbx_vdev_number("xvda "), -1);
}

int
main(void)
{

	test_xvd();
	test_dp();
	test_hd_sd();
	test_numbers();
	return (check_exit());
}
