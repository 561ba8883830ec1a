#!/bin/sh
# Detaching and destroying with QEMU serving: one QEMU per (backend,
# frontend) pair, kept until the pair's last disk goes; a detach while
# the frontend is connected (the plugin closes, its requests fail with
# EIO afterwards); a detach while the frontend is frozen (SIGSTOP): it
# is reported and forced after the timeout; a backend domain other than
# 0 (backend=NAME); gntbox destroy of a frontend domain and of a backend
# domain stops their QEMU and removes the disks' nodes.
#
# Needs QEMU to start under gntbox (/dev/xen/privcmd, issue 9).
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/block.sh"

a="$blk_tmp/a.img"
b="$blk_tmp/b.img"
sock="$blk_tmp/nbd.sock"
blk_image "$a" 2
blk_image "$b" 2

cli_start
"$GNTBOX" create --dom 1 --name guest >/dev/null || fail "create 1"
"$GNTBOX" create --dom 2 --name driver >/dev/null || fail "create 2"
nodes0=$("$GNTBOX" xs ls /)

# Two disks of domain 1 from domain 0: one QEMU, kept for the second.
require_qemu 1 "$a,raw,xvda"
q1=$(qemu_pid 0 1)
expect_ok "$GNTBOX" block-attach 1 "$b,raw,xvdb"
cli_checks=$((cli_checks + 1))
[ "$(qemu_pid 0 1)" = "$q1" ] || fail "a second QEMU started for domain 1"
expect_ok "$GNTBOX" block-list 1
expect_out "^51712 0   1      1 "
expect_out "^51728 0   1      1 "

# Detach while the frontend is connected: it closes, QEMU answers.
nbd_start 1 "$sock" vdev=xvda || cli_finish
uri=$(nbd_uri "$sock")
expect_ok nbdcopy "$uri" "$blk_tmp/out.img"
expect_ok "$GNTBOX" block-detach 1 xvda
cli_checks=$((cli_checks + 1))
[ -s "$cli_out.err" ] && fail "a clean detach said: $(cat "$cli_out.err")"
cli_checks=$((cli_checks + 1))
kill -0 "$q1" 2>/dev/null || fail "QEMU stopped with a disk left"
cli_checks=$((cli_checks + 1))
qemu-io -f raw -c "read 0 4096" "$uri" >"$cli_out" 2>&1
expect_out "^read failed: Input/output error"
cli_checks=$((cli_checks + 1))
grep -q "xvda: read: the backend .* is closing" "$sock.log" ||
    fail "the plugin did not say why: $(cat "$sock.log")"
nbd_stop

# Detach while the frontend is frozen: reported, forced, QEMU stops
# with the last disk, and the frontend learns when it wakes.
nbd_start 1 "$sock" vdev=xvdb || cli_finish
expect_ok nbdcopy "$uri" "$blk_tmp/out.img"
kill -STOP "$nbd_pid"
expect_fail 0 "^gntbox: block-detach: the frontend of xvdb in domain 1 \\(state 4\\) did not close within 2 s: forcing\$" \
    "$GNTBOX" block-detach --timeout 2 guest xvdb
expect_gone "$q1" QEMU
kill -CONT "$nbd_pid"
cli_checks=$((cli_checks + 1))
qemu-io -f raw -c "read 0 4096" "$uri" >"$cli_out" 2>&1
expect_out "^read failed: Input/output error"
nbd_stop
cli_checks=$((cli_checks + 1))
grep -q "device/vbd/51728 was removed" "$sock.log" ||
    fail "the plugin did not say why: $(cat "$sock.log")"
cli_checks=$((cli_checks + 1))
[ "$("$GNTBOX" xs ls /)" = "$nodes0" ] ||
    fail "nodes left: $("$GNTBOX" xs ls /)"

# Backend domain 2 (by name): QEMU runs there, recorded there.
require_qemu guest "vdev=xvda,backend=driver,target=$a"
q2=$(qemu_pid 2 1)
cli_checks=$((cli_checks + 1))
[ -n "$q2" ] && grep -q '^GNTBOX_DOMID=2$' "/proc/$q2/environ" 2>/dev/null ||
    fail "QEMU does not run in domain 2"
expect_ok "$GNTBOX" block-list 1
expect_out "^51712 2   1      1     -1     -1       /local/domain/2/backend/qdisk/1/51712"
nbd_start 1 "$sock" vdev=xvda || cli_finish
expect_ok nbdcopy "$uri" "$blk_tmp/out.img"
cli_checks=$((cli_checks + 1))
[ "$(blk_sum "$blk_tmp/out.img")" = "$(blk_sum "$a")" ] ||
    fail "the disk read from domain 2 differs"
nbd_stop
# Destroying the backend domain stops its QEMU.
expect_ok "$GNTBOX" destroy --dom 2
expect_gone "$q2" QEMU
expect_ok "$GNTBOX" block-detach 1 xvda

# Destroying the frontend domain stops its QEMU and removes the nodes.
require_qemu 1 "$a,raw,xvda"
q3=$(qemu_pid 0 1)
expect_ok "$GNTBOX" destroy --dom 1
expect_gone "$q3" QEMU
expect_ok "$GNTBOX" xs ls /
cli_checks=$((cli_checks + 1))
grep -q "qdisk\\|libxl\\|device-model" "$cli_out" &&
    fail "destroy left nodes: $(cat "$cli_out")"
cli_finish
