#!/bin/sh
# Read-only disks.  Debian 12's QEMU (7.2) refuses a read-only disk of
# device-type disk (it opens the image read-only but asks to write to
# it: "Block node is read-only"); block-attach reports QEMU's reason and
# leaves nothing behind.  A read-only cdrom it serves: the backend says
# so (mode r, info VDISK_READONLY|VDISK_CDROM), the export is read-only,
# and a frontend that sends writes anyway (ignore-readonly=true) has
# them refused by the backend with an I/O error; the image is untouched.
#
# Needs QEMU to start under gntbox (/dev/xen/privcmd, issue 9).
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/block.sh"

img="$blk_tmp/disk.img"
sock="$blk_tmp/nbd.sock"
blk_image "$img" 4
blk_image "$blk_tmp/other.img" 4
sum0=$(blk_sum "$img")

cli_start
"$GNTBOX" create --dom 1 >/dev/null || fail "create 1"
nodes0=$("$GNTBOX" xs ls /)
# QEMU must start (for the disk it then refuses) before anything else.
require_qemu 1 "raw:$img,xvdc,w"
expect_ok "$GNTBOX" block-detach 1 xvdc
expect_fail 1 "^gntbox: block-attach: QEMU refused /local/domain/0/backend/qdisk/1/51728: realization of device xen-disk failed: Block node is read-only \\(log: $GNTBOX_DIR/qdisk-0-1.log\\)\$" \
    "$GNTBOX" block-attach 1 "raw:$img,xvdb,r"
cli_checks=$((cli_checks + 1))
[ "$("$GNTBOX" xs ls /)" = "$nodes0" ] ||
    fail "a refused attach left nodes: $("$GNTBOX" xs ls /)"

# The positional form with a deprecated prefix and devtype.
require_qemu 1 "raw:$img,xvdb:cdrom,r"
be=/local/domain/0/backend/qdisk/1/51728
expect_ok "$GNTBOX" xs read $be/mode $be/discard-enable $be/device-type
expect_same "r
0
cdrom"

nbd_start 1 "$sock" vdev=xvdb || cli_finish
uri=$(nbd_uri "$sock")
expect_ok "$GNTBOX" xs read $be/info
expect_same 5
expect_ok nbdinfo "$uri"
expect_out "is_read_only: true"
expect_out "can_trim: false"
expect_fail 1 "" nbdcopy "$blk_tmp/other.img" "$uri"
expect_ok nbdcopy "$uri" "$blk_tmp/out.img"
cli_checks=$((cli_checks + 1))
[ "$(blk_sum "$blk_tmp/out.img")" = "$sum0" ] || fail "the image read differs"
nbd_stop

# Writes sent anyway: the backend refuses each.
nbd_start 1 "$sock" vdev=51728 ignore-readonly=true || cli_finish
expect_ok nbdinfo "$uri"
expect_out "is_read_only: false"
# (qemu-io says it on stdout.)
cli_checks=$((cli_checks + 1))
qemu-io -f raw -c "write -P 0x55 0 4096" "$uri" >"$cli_out" 2>&1 &&
    fail "qemu-io wrote to a read-only disk"
expect_out "^write failed: Input/output error"
cli_checks=$((cli_checks + 1))
grep -q "xvdb\\|51728: write: Input/output error" "$sock.log" ||
    fail "the plugin said nothing of the refusal: $(cat "$sock.log")"
nbd_stop

expect_ok "$GNTBOX" block-detach 1 xvdb
cli_checks=$((cli_checks + 1))
[ "$(blk_sum "$img")" = "$sum0" ] || fail "a read-only image was written"
"$GNTBOX" destroy --dom 1 || fail "destroy 1"
cli_finish
