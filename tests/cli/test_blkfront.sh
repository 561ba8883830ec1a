#!/bin/sh
# The blkfront plugin against a backend that offers what QEMU's qdisk
# does not (tests/helpers/blkback, run in domain 0): indirect requests,
# persistent grants, the barrier, discard, a 4 KiB sector, the old
# max-ring-pages node, a read-only disk, a backend that breaks the
# protocol and one that goes away; the plugin's own limits
# (max-ring-page-order, max-indirect-segments, max-grants); a frontend
# killed while the backend keeps its grants mapped.  The data is
# compared each time and the counters come back to their baseline.
# Needs no QEMU.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/block.sh"

BLKBACK="$GNTBOX_BUILD/tests/helpers/blkback"
img="$blk_tmp/disk.img"
ref="$blk_tmp/ref.img"
out="$blk_tmp/out.img"
sock="$blk_tmp/nbd.sock"
fe=/local/domain/1/device/vbd/51712
bb_pid=""

# bb_start OPTION...: the backend for xvda of domain 1 over $img.
bb_start() {
	: >"$blk_tmp/bb.out"
	"$GNTBOX" run --dom 0 -- "$BLKBACK" "$@" 1 51712 "$img" \
	    >"$blk_tmp/bb.out" 2>&1 &
	bb_pid=$!
	n=0
	while ! grep -q '^ready$' "$blk_tmp/bb.out" && [ $n -lt 100 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	cli_checks=$((cli_checks + 1))
	grep -q '^ready$' "$blk_tmp/bb.out" ||
	    fail "blkback did not start: $(cat "$blk_tmp/bb.out")"
}

# bb_stop: stop it (gntbox run passes SIGTERM on); its counters are
# then in $blk_tmp/bb.out.
bb_stop() {
	kill "$bb_pid"
	wait "$bb_pid"
	bb_pid=""
}

# counter NAME: a counter blkback printed.
counter() {
	awk -v k="$1" '$1 == k { print $2 }' "$blk_tmp/bb.out"
}

# expect_counter NAME OP VALUE: e.g. expect_counter indirect -gt 0
expect_counter() {
	cli_checks=$((cli_checks + 1))
	v=$(counter "$1")
	[ -n "$v" ] && [ "$v" "$2" "$3" ] || fail "blkback's $1 is '$v', want $2 $3"
}

same_as() {
	cli_checks=$((cli_checks + 1))
	[ "$(blk_sum "$1")" = "$(blk_sum "$2")" ] || fail "$1 differs from $2"
}

blk_image "$img" 16
cp "$img" "$ref"
blk_image "$blk_tmp/new.img" 16
cli_start
"$GNTBOX" create --dom 1 >/dev/null || fail "create 1"
uri=$(nbd_uri "$sock")

# 1. Everything offered: a 4-page ring, indirect requests, persistent
# grants, the barrier, discard.
bb_start -o 2 -i 64 -p -b -d
nbd_start 1 "$sock" vdev=xvda || cli_finish
expect_ok "$GNTBOX" xs read $fe/ring-page-order $fe/num-ring-pages \
    $fe/ring-ref0 $fe/ring-ref3 $fe/feature-persistent
expect_out "^2
4
[0-9]+
[0-9]+
1\$"
expect_ok nbdcopy "$uri" "$out"
same_as "$out" "$ref"
expect_ok nbdcopy --flush "$blk_tmp/new.img" "$uri"
cp "$blk_tmp/new.img" "$ref"
expect_ok qemu-io -f raw -c "discard 4M 1M" -c "read -P 0 4M 1M" "$uri"
cli_checks=$((cli_checks + 1))
grep -q "Pattern verification failed" "$cli_out" && fail "discarded data reads back"
dd if=/dev/zero of="$ref" bs=1M seek=4 count=1 conv=notrunc status=none
nbd_stop
bb_stop
same_as "$img" "$ref"
expect_counter indirect -gt 0
expect_counter max_segments -eq 32
expect_counter barriers -gt 0
expect_counter flushes -eq 0
expect_counter discards -gt 0
expect_counter errors -eq 0
# Persistent: each page of the pool was mapped once, however many
# segments went through it.
cli_checks=$((cli_checks + 1))
[ "$(counter maps)" -lt "$(counter segments)" ] ||
    fail "grants were not reused: $(counter maps) maps for $(counter segments) segments"

# 2. The plugin's own limits: one ring page, no indirect requests, a
# small pool (40 pages: three slots of eleven).
bb_start -o 2 -i 64 -p
nbd_start 1 "$sock" vdev=51712 max-ring-page-order=0 \
    max-indirect-segments=0 max-grants=40 || cli_finish
expect_ok "$GNTBOX" xs read $fe/ring-ref
expect_out "^[0-9]+\$"
cli_checks=$((cli_checks + 1))
"$GNTBOX" xs read $fe/ring-page-order >/dev/null 2>&1 &&
    fail "ring-page-order written for a one-page ring"
expect_ok nbdcopy "$uri" "$out"
same_as "$out" "$ref"
nbd_stop
bb_stop
expect_counter indirect -eq 0
expect_counter max_segments -eq 11
expect_counter maps -le 33
# max-grants=5 leaves no slot: the plugin says so, and nbdkit ends.
bb_start -o 2
nbd_start 1 "$sock" vdev=xvda max-grants=5 || cli_finish
expect_gone "$nbd_pid" "nbdkit with max-grants=5"
cli_checks=$((cli_checks + 1))
grep -q "max-grants=5 leaves no room for one request of 11 pages" \
    "$sock.log" || fail "max-grants=5: $(cat "$sock.log")"
nbd_stop
bb_stop

# 3. The old node (max-ring-pages=4), non-persistent mapping, the
# flush, and a 4 KiB sector with partial-sector requests.
blk_image "$img" 16
cp "$img" "$ref"
bb_start -P 4 -s 4096
nbd_start 1 "$sock" vdev=xvda || cli_finish
expect_ok "$GNTBOX" xs read $fe/ring-page-order
expect_same 2
expect_ok nbdinfo "$uri"
expect_out "export-size: 16777216"
expect_ok qemu-io -f raw -c "write -P 0x33 5000 3000" \
    -c "read -P 0x33 5000 3000" -c "flush" "$uri"
cli_checks=$((cli_checks + 1))
grep -q "Pattern verification failed" "$cli_out" && fail "qemu-io: $(cat "$cli_out")"
printf '\063%.0s' $(seq 3000) | dd of="$ref" bs=1 seek=5000 conv=notrunc status=none
expect_ok nbdcopy "$uri" "$out"
same_as "$out" "$ref"
nbd_stop
bb_stop
same_as "$img" "$ref"
expect_counter flushes -gt 0
expect_counter barriers -eq 0
expect_counter indirect -eq 0
# Without persistence the backend maps each segment for its request.
cli_checks=$((cli_checks + 1))
[ "$(counter maps)" -eq "$(counter segments)" ] ||
    fail "$(counter maps) maps for $(counter segments) segments"

# 4. A read-only disk: a read-only export; writes sent anyway fail.
bb_start -r
nbd_start 1 "$sock" vdev=xvda || cli_finish
expect_ok nbdinfo "$uri"
expect_out "is_read_only: true"
nbd_stop
nbd_start 1 "$sock" vdev=xvda ignore-readonly=true || cli_finish
cli_checks=$((cli_checks + 1))
qemu-io -f raw -c "write -P 0x55 0 4096" "$uri" >"$cli_out" 2>&1 &&
    fail "a write to a read-only disk succeeded"
expect_out "^write failed: Input/output error"
nbd_stop
bb_stop
expect_counter errors -gt 0
same_as "$img" "$ref"

# 5. A backend that answers a request never made: the plugin stops
# trusting it, and every request fails with EIO.
bb_start -x 3
nbd_start 1 "$sock" vdev=xvda || cli_finish
cli_checks=$((cli_checks + 1))
qemu-io -f raw -c "read 0 4096" -c "read 4096 4096" -c "read 8192 4096" \
    -c "read 0 4096" "$uri" >"$cli_out" 2>&1
expect_out "^read failed: Input/output error"
nbd_stop
cli_checks=$((cli_checks + 1))
grep -q "the backend answered a request never made" "$sock.log" ||
    fail "the plugin did not say why: $(cat "$sock.log")"
bb_stop

# 6. The frontend killed while the backend keeps its grants mapped: the
# grants wait (deferred) until the backend lets go, then go.
bb_start -p -o 1
nbd_start 1 "$sock" vdev=xvda || cli_finish
expect_ok nbdcopy "$uri" "$out"
kill -9 "$nbd_pid"
nbd_pid=""
wait "$nbd_job" 2>/dev/null
expect_ok "$GNTBOX" stats
expect_out "^deferred +[1-9]"
bb_stop

# 7. The backend goes away (its nodes removed) under a connected
# frontend: requests fail with EIO, nothing hangs.
bb_start -o 1
nbd_start 1 "$sock" vdev=xvda || cli_finish
expect_ok nbdcopy "$uri" "$out"
bb_stop
cli_checks=$((cli_checks + 1))
timeout 60 qemu-io -f raw -c "read 0 4096" "$uri" >"$cli_out" 2>&1
expect_out "^read failed: Input/output error"
nbd_stop

"$GNTBOX" destroy --dom 1 || fail "destroy 1"
cli_finish
