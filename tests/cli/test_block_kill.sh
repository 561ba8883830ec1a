#!/bin/sh
# Deaths in the middle of I/O.
# - The frontend (nbdkit) killed with SIGKILL while copying: the
#   backend's grants are released with the disk's detach, and a new
#   frontend started on the same disk before that reconnects (it closes
#   what its predecessor left Connected, state 4) and reads the right
#   data.
# - QEMU killed with SIGKILL while copying: the copy fails with EIO
#   instead of hanging, so do new requests; block-list shows the backend
#   Closed; detach works at once, and the counters come back.
#
# Needs QEMU to start under gntbox (/dev/xen/privcmd, issue 9).
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/block.sh"

img="$blk_tmp/disk.img"
sock="$blk_tmp/nbd.sock"
blk_image "$img" 64
sum0=$(blk_sum "$img")

cli_start
"$GNTBOX" create --dom 1 >/dev/null || fail "create 1"
nodes0=$("$GNTBOX" xs ls /)
require_qemu 1 "$img,raw,xvda,rw"
q1=$(qemu_pid 0 1)
uri=$(nbd_uri "$sock")

# copy_in_background: read the whole disk over and over (20 passes at
# most), in the background; its pid in $copy.
copy_in_background() {
	(
		i=0
		while [ $i -lt 20 ]; do
			nbdcopy "$uri" null: || exit 1
			i=$((i + 1))
		done
	) >"$blk_tmp/copy.log" 2>&1 &
	copy=$!
	sleep 0.5
}

# The frontend killed mid-I/O.
nbd_start 1 "$sock" vdev=xvda || cli_finish
copy_in_background
kill -9 "$nbd_pid"
nbd_pid=""
wait "$copy"
copied=$?
cli_checks=$((cli_checks + 1))
[ $copied -ne 0 ] || fail "the copy did not notice its server died"
wait "$nbd_job" 2>/dev/null
expect_ok fe_node 1 state
expect_same 4
# A new frontend closes the old connection and starts again.
nbd_start 1 "$sock" vdev=xvda || cli_finish
expect_ok nbdcopy "$uri" "$blk_tmp/out.img"
cli_checks=$((cli_checks + 1))
[ "$(blk_sum "$blk_tmp/out.img")" = "$sum0" ] ||
    fail "the disk read after reconnecting differs"
nbd_stop

# Killed again, and detached: every grant goes with the disk.
nbd_start 1 "$sock" vdev=xvda || cli_finish
copy_in_background
kill -9 "$nbd_pid"
nbd_pid=""
wait "$copy"
wait "$nbd_job" 2>/dev/null
expect_ok "$GNTBOX" block-detach --timeout 2 1 xvda
expect_gone "$q1" QEMU
cli_checks=$((cli_checks + 1))
[ "$("$GNTBOX" xs ls /)" = "$nodes0" ] ||
    fail "nodes left: $("$GNTBOX" xs ls /)"

# QEMU killed with requests outstanding: EIO, not a hang.  QEMU is
# stopped first so that the requests surely wait on the ring when it
# dies; qemu-io keeps four in flight and waits for all of them (nbdcopy
# would hang up at the first error while nbdkit 1.32 still answers the
# others, which that nbdkit does not survive).
require_qemu 1 "$img,raw,xvda,rw"
q2=$(qemu_pid 0 1)
nbd_start 1 "$sock" vdev=xvda || cli_finish
kill -STOP "$q2"
(
	timeout 60 qemu-io -f raw -c "aio_read 0 1M" -c "aio_read 1M 1M" \
	    -c "aio_read 2M 1M" -c "aio_read 3M 1M" -c aio_flush "$uri"
	echo "status $?"
) >"$blk_tmp/copy.log" 2>&1 &
copy=$!
sleep 0.5
kill -9 "$q2"
wait "$copy"
expect_ok grep -c "^readv failed: Input/output error\$" "$blk_tmp/copy.log"
expect_same 4
cli_checks=$((cli_checks + 1))
grep -q "^status 124\$" "$blk_tmp/copy.log" && fail "qemu-io hung"
# New requests fail at once too.
cli_checks=$((cli_checks + 1))
timeout 60 qemu-io -f raw -c "read 0 4096" "$uri" >"$cli_out" 2>&1
expect_out "^read failed: Input/output error"
cli_checks=$((cli_checks + 1))
grep -q "the backend /local/domain/0/backend/qdisk/1/51712 is closed" \
    "$sock.log" || fail "the plugin did not say why: $(cat "$sock.log")"
# The monitor marked the backend Closed; the frontend answered Closed.
expect_ok "$GNTBOX" block-list 1
expect_out "^51712 0   1      6 "
expect_ok "$GNTBOX" xs read /local/domain/0/backend/qdisk/1/51712/state
expect_same 6
expect_ok cat "$GNTBOX_DIR/qdisk-0-1.log"
expect_out "^gntbox: QEMU \\(pid $q2\\) killed by signal 9\$"
expect_ok "$GNTBOX" list
cli_checks=$((cli_checks + 1))
grep -q "qemu" "$cli_out" && fail "gntbox list shows a dead QEMU"
nbd_stop
expect_ok "$GNTBOX" block-detach 1 xvda
cli_checks=$((cli_checks + 1))
[ -s "$cli_out.err" ] && fail "detach said: $(cat "$cli_out.err")"
cli_checks=$((cli_checks + 1))
[ "$("$GNTBOX" xs ls /)" = "$nodes0" ] ||
    fail "nodes left: $("$GNTBOX" xs ls /)"

"$GNTBOX" destroy --dom 1 || fail "destroy 1"
cli_finish
