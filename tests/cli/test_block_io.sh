#!/bin/sh
# A 64 MiB disk served by Debian's QEMU (qdisk) in domain 0 and read and
# written through the blkfront plugin in domain 1, by libnbd's tools:
# the nodes and permissions block-attach writes, what the frontend
# negotiates (a multi-page ring, persistent grants), block-list and
# gntbox list while it runs, the image read whole and compared, other
# data written and compared in the file after detach, and nothing left
# after: no QEMU, no node, the counters at their baseline.
#
# Needs QEMU to start under gntbox (/dev/xen/privcmd, issue 9).
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/block.sh"

img="$blk_tmp/disk.img"
new="$blk_tmp/new.img"
out="$blk_tmp/out.img"
sock="$blk_tmp/nbd.sock"
blk_image "$img" 64
blk_image "$new" 64
sum0=$(blk_sum "$img")

cli_start
"$GNTBOX" create --dom 1 --name guest >/dev/null || fail "create 1"
nodes0=$("$GNTBOX" xs ls /)

require_qemu guest "format=raw,vdev=xvda,access=rw,backendtype=qdisk,target=$img"
qpid=$(qemu_pid 0 1)
cli_checks=$((cli_checks + 1))
[ -n "$qpid" ] && kill -0 "$qpid" 2>/dev/null ||
    fail "no QEMU pid recorded ($qpid)"

# The nodes, as libxl 4.17 writes them, and QEMU's answer: InitWait.
be=/local/domain/0/backend/qdisk/1/51712
fe=/local/domain/1/device/vbd/51712
expect_ok "$GNTBOX" xs read $be/params $be/mode $be/type $be/dev \
    $be/frontend $be/frontend-id $be/online $be/device-type \
    $be/discard-enable $fe/backend $fe/backend-id $fe/virtual-device \
    $fe/device-type $fe/trusted /libxl/1/device/vbd/51712/backend \
    $be/state
expect_same "aio:$img
w
qdisk
xvda
$fe
1
1
disk
1
$be
0
51712
disk
1
$be
2"
# Permissions (xenstore-ls -p): the frontend is domain 1's, readable by
# the backend's domain; the backend the other way round.
expect_ok "$GNTBOX" run --dom 0 -- xenstore-ls -p /local/domain/1/device/vbd
expect_out '^51712 = "" [. ]*\(n1,r0\)$'
expect_out '^ state = "1" [. ]*\(n1,r0\)$'
expect_ok "$GNTBOX" run --dom 0 -- xenstore-ls -p /local/domain/0/backend/qdisk/1
expect_out '^51712 = "" [. ]*\(n0,r1\)$'
expect_out '^ params = ".*" [. ]*\(n0,r1\)$'

expect_ok "$GNTBOX" list
expect_out "^qemu \\(qdisk\\) +$qpid +0 +1  running  $GNTBOX_DIR/qdisk-0-1.log\$"
expect_ok "$GNTBOX" block-list 1
expect_out "^51712 0   1      1     -1     -1       $be"

nbd_start 1 "$sock" vdev=xvda || cli_finish
uri=$(nbd_uri "$sock")
expect_ok nbdinfo --size "$uri"
expect_same 67108864
expect_ok nbdinfo "$uri"
expect_out "is_read_only: false"
expect_out "can_flush: true"
# A multi-page ring (QEMU offers order 4) and persistent grants.
expect_ok "$GNTBOX" xs read $fe/state $fe/ring-page-order $fe/num-ring-pages \
    $fe/feature-persistent $fe/protocol $be/state
expect_same "4
4
16
1
x86_64-abi
4"
expect_ok "$GNTBOX" block-list 1
expect_out "^51712 0   1      4     [0-9]+ +-1       $be"
grants=$("$GNTBOX" stats --json | tr ',' '\n' | grep '"grants"')

# Read it whole and compare.
expect_ok nbdcopy "$uri" "$out"
cli_checks=$((cli_checks + 1))
[ "$(blk_sum "$out")" = "$sum0" ] || fail "the image read differs"

# Write other data, read it back, and flush.
expect_ok nbdcopy --flush "$new" "$uri"
expect_ok nbdcopy "$uri" "$out"
cli_checks=$((cli_checks + 1))
[ "$(blk_sum "$out")" = "$(blk_sum "$new")" ] || fail "read back differs"
# Requests that are not whole sectors (qemu-io sends them as asked):
# the plugin reads, modifies and writes the sectors around them.
expect_ok qemu-io -f raw -c "write -P 0x55 100 1000" -c "read -P 0x55 100 1000" \
    -c "write -P 0x66 1100 1" -c "read -P 0x55 1099 1" -c "flush" "$uri"
cli_checks=$((cli_checks + 1))
grep -q "Pattern verification failed" "$cli_out" && fail "qemu-io: $(cat "$cli_out")"
# Discard: QEMU punches the hole, and it reads as zeros.
expect_ok qemu-io -f raw -c "discard 1048576 1048576" \
    -c "read -P 0 1048576 1048576" "$uri"
cli_checks=$((cli_checks + 1))
grep -q "Pattern verification failed" "$cli_out" && fail "qemu-io: $(cat "$cli_out")"
# The same changes to the expected image.
printf '\125%.0s' $(seq 1000) | dd of="$new" bs=1 seek=100 conv=notrunc status=none
printf '\146' | dd of="$new" bs=1 seek=1100 conv=notrunc status=none
dd if=/dev/zero of="$new" bs=1M seek=1 count=1 conv=notrunc status=none
expect_ok nbdcopy "$uri" "$out"
cli_checks=$((cli_checks + 1))
[ "$(blk_sum "$out")" = "$(blk_sum "$new")" ] || fail "partial writes went wrong"

# The pool was shared once: no grant came or went for the I/O.
cli_checks=$((cli_checks + 1))
[ "$("$GNTBOX" stats --json | tr ',' '\n' | grep '"grants"')" = "$grants" ] ||
    fail "grants changed during I/O: $grants"

nbd_stop
# Closed by the frontend as it went; the backend answered, and every
# grant and port of the frontend is gone with it (QEMU let go first).
expect_ok "$GNTBOX" xs read $fe/state $be/state
expect_same "6
6"
expect_ok "$GNTBOX" stats --json
expect_json '.grants == 0 and .maps == 0 and .handles == 0 and .deferred == 0'
expect_ok "$GNTBOX" ports --dom 1
cli_checks=$((cli_checks + 1))
[ "$(wc -l <"$cli_out")" -eq 1 ] || fail "ports left: $(cat "$cli_out")"
expect_ok "$GNTBOX" block-detach guest xvda
cli_checks=$((cli_checks + 1))
[ -s "$cli_out.err" ] && fail "detach said: $(cat "$cli_out.err")"
expect_gone "$qpid" QEMU
cli_checks=$((cli_checks + 1))
[ "$(blk_sum "$img")" = "$(blk_sum "$new")" ] ||
    fail "the image file does not hold what was written"
cli_checks=$((cli_checks + 1))
[ "$("$GNTBOX" xs ls /)" = "$nodes0" ] ||
    fail "nodes left: $("$GNTBOX" xs ls /)"
expect_ok "$GNTBOX" list
cli_checks=$((cli_checks + 1))
grep -q "qemu" "$cli_out" && fail "gntbox list still shows QEMU"

"$GNTBOX" destroy --dom 1 || fail "destroy 1"
cli_finish
