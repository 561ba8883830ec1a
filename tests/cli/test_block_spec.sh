#!/bin/sh
# gntbox block-attach, block-list and block-detach where no QEMU runs:
# xl's disk-spec errors (one line naming the field, exit 2), what gntbox
# refuses before writing anything (a missing image, backends it has not,
# unknown domains, no QEMU binary), the undoing of an attach whose QEMU
# dies, block-list of nodes written as libxl writes them, and
# block-detach of such nodes: with no backend, with a backend that
# answers Closing with Closed, and with one that never answers.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/block.sh"

img="$blk_tmp/disk.img"
blk_image "$img" 1

# No daemon.
expect_fail 1 "^gntbox: block-list: no gntboxd serves $GNTBOX_DIR; start one with 'gntbox up'\$" \
    "$GNTBOX" block-list 1
expect_fail 1 "^gntbox: block-attach: no gntboxd serves $GNTBOX_DIR; start one with 'gntbox up'\$" \
    "$GNTBOX" block-attach 1 "vdev=xvda,target=$img"

cli_start
"$GNTBOX" create --dom 1 --name guest >/dev/null || fail "create 1"
nodes0=$("$GNTBOX" xs ls /)

for c in block-attach block-list block-detach; do
	expect_ok "$GNTBOX" $c --help
	expect_out "^usage: gntbox $c"
done

# Usage.
expect_fail 2 "^gntbox: block-attach: expected DOM DISKSPEC" \
    "$GNTBOX" block-attach 1
expect_fail 2 "^gntbox: block-attach: unknown option '--frob'" \
    "$GNTBOX" block-attach --frob 1 "vdev=xvda,target=$img"
expect_fail 2 "^gntbox: block-list: expected DOM" "$GNTBOX" block-list
expect_fail 2 "^gntbox: block-detach: expected DOM VDEV" \
    "$GNTBOX" block-detach 1
expect_fail 2 "^gntbox: block-detach: 'xvd0' is not a virtual disk" \
    "$GNTBOX" block-detach 1 xvd0
expect_fail 2 "^gntbox: block-detach: '0' is not a timeout" \
    "$GNTBOX" block-detach --timeout 0 1 xvda

# xl's disk-spec errors: one line, exit 2, the field named.
spec_error() {
	expect_fail 2 "$1" "$GNTBOX" block-attach 1 "$2"
	cli_checks=$((cli_checks + 1))
	[ "$(wc -l <"$cli_out.err")" -eq 1 ] ||
	    fail "'$2': not one line: $(cat "$cli_out.err")"
}
spec_error "^gntbox: block-attach: unknown value for access: near 'rx' in " \
    "vdev=xvda,access=rx,target=$img"
spec_error "^gntbox: block-attach: unknown value for format: near 'vmdk'" \
    "vdev=xvda,format=vmdk,target=$img"
spec_error "^gntbox: block-attach: unknown value for backendtype: near 'nfs'" \
    "vdev=xvda,backendtype=nfs,target=$img"
spec_error "^gntbox: block-attach: unknown parameter: near 'color=r'" \
    "vdev=xvda,color=red,target=$img"
spec_error "^gntbox: block-attach: no vdev specified in 'target=" \
    "target=$img"
spec_error "^gntbox: block-attach: no target specified \\(and device not removable\\)" \
    "vdev=xvda"
spec_error "^gntbox: block-attach: too many positional parameters: near 'x'" \
    "$img,raw,xvda,rw,x"
spec_error "^gntbox: block-attach: vdev respecified: near 'xvdb'" \
    "vdev=xvda,vdev=xvdb,target=$img"
spec_error "^gntbox: block-attach: unknown deprecated disk prefix: near 'zip:'" \
    "zip:$img,xvda"

# Refused before any node is written: exit 1, the field named.
expect_fail 1 "^gntbox: block-attach: vdev: invalid or unsupported virtual disk identifier 'vda'" \
    "$GNTBOX" block-attach 1 "$img,raw,vda"
expect_fail 1 "^gntbox: block-attach: backendtype: phy needs the kernel's blkback" \
    "$GNTBOX" block-attach 1 "vdev=xvda,backendtype=phy,target=$img"
expect_fail 1 "^gntbox: block-attach: specification: virtio is not available" \
    "$GNTBOX" block-attach 1 "vdev=xvda,specification=virtio,target=$img"
expect_fail 1 "^gntbox: block-attach: script: block-iscsi cannot serve" \
    "$GNTBOX" block-attach 1 "iscsi:$img,xvda"
expect_fail 1 "^gntbox: block-attach: target: an empty cdrom drive" \
    "$GNTBOX" block-attach 1 ",hdc:cdrom,r"
expect_fail 1 "^gntbox: block-attach: target: $blk_tmp/none.img: No such file or directory\$" \
    "$GNTBOX" block-attach 1 "vdev=xvda,target=$blk_tmp/none.img"
chmod 0444 "$img"
if [ "$(id -u)" -ne 0 ]; then
	expect_fail 1 "^gntbox: block-attach: target: $img: Permission denied\$" \
	    "$GNTBOX" block-attach 1 "vdev=xvda,target=$img"
fi
chmod 0644 "$img"
expect_fail 1 "^gntbox: block-attach: there is no domain 5\$" \
    "$GNTBOX" block-attach 5 "$img,,xvda"
expect_fail 1 "^gntbox: block-attach: there is no domain named 'nobody'\$" \
    "$GNTBOX" block-attach nobody "$img,,xvda"
expect_fail 1 "^gntbox: block-attach: there is no domain 4\$" \
    "$GNTBOX" block-attach guest "$img,,xvda,backend=4"
expect_fail 1 "^gntbox: block-attach: QEMU $blk_tmp/no-qemu: No such file or directory\$" \
    "$GNTBOX" block-attach --qemu "$blk_tmp/no-qemu" 1 "$img,,xvda"
GNTBOX_QEMU="$blk_tmp/no-qemu" expect_fail 1 \
    "^gntbox: block-attach: QEMU $blk_tmp/no-qemu: No such file or directory\$" \
    "$GNTBOX" block-attach 1 "$img,,xvda"
cli_checks=$((cli_checks + 1))
[ "$("$GNTBOX" xs ls /)" = "$nodes0" ] ||
    fail "a refused attach wrote nodes: $("$GNTBOX" xs ls /)"

# A "QEMU" that exits at once: the attach fails, names the log, and
# removes every node it wrote.
expect_fail 1 "^gntbox: block-attach: QEMU exited before it was ready: .*\\(log: $GNTBOX_DIR/qdisk-0-1.log\\)\$" \
    "$GNTBOX" block-attach --qemu /bin/false guest "$img,,xvda"
cli_checks=$((cli_checks + 1))
[ "$("$GNTBOX" xs ls /)" = "$nodes0" ] ||
    fail "a failed attach left nodes: $("$GNTBOX" xs ls /)"
expect_ok cat "$GNTBOX_DIR/qdisk-0-1.log"
expect_out "^gntbox: QEMU \\(pid [0-9]+\\) exited with status 1\$"

# Nodes as libxl writes them for xvda of domain 1, backend 0.
be=/local/domain/0/backend/qdisk/1/51712
fe=/local/domain/1/device/vbd/51712
lx=/libxl/1/device/vbd/51712
write_nodes() {
	"$GNTBOX" xs write $lx/frontend $fe $lx/backend $be \
	    $fe/backend $be $fe/backend-id 0 $fe/state 4 \
	    $fe/virtual-device 51712 $fe/event-channel 7 $fe/ring-ref 9 \
	    $be/frontend $fe $be/frontend-id 1 $be/dev xvda \
	    $be/type qdisk "$@" || fail "writing the nodes"
}
write_nodes $be/state 4
expect_ok "$GNTBOX" block-list 1
expect_same "Vdev  BE  handle state evt-ch ring-ref BE-path                       
51712 0   1      4     7      9        $be"
expect_ok "$GNTBOX" block-list guest 0
expect_out "^51712 0   1      4     7      9 "
expect_fail 1 "^gntbox: block-list: there is no domain 3\$" \
    "$GNTBOX" block-list 1 3
expect_out "^51712 "
expect_fail 1 "^gntbox: block-attach: xvda is already attached to domain 1\$" \
    "$GNTBOX" block-attach 1 "$img,,xvda"

# Detach with no backend process: Closing is never answered.  The
# frontend is reported and removed, then the backend, after each
# timeout; the nodes go.
"$GNTBOX" xs rm $fe/event-channel $fe/ring-ref
expect_fail 0 "^gntbox: block-detach: the frontend of xvda in domain 1 \\(state 4\\) did not close within 1 s: forcing\$" \
    "$GNTBOX" block-detach --timeout 1 1 xvda
cli_checks=$((cli_checks + 1))
grep -q "the backend of xvda did not close within 1 s: removing it anyway" \
    "$cli_out.err" || fail "no word of the backend: $(cat "$cli_out.err")"
cli_checks=$((cli_checks + 1))
[ "$("$GNTBOX" xs ls /)" = "$nodes0" ] ||
    fail "detach left nodes: $("$GNTBOX" xs ls /)"
expect_fail 1 "^gntbox: block-detach: xvda is not attached to domain 1\$" \
    "$GNTBOX" block-detach 1 xvda

# Detach when the backend is gone (no state): at once, nodes removed.
write_nodes
"$GNTBOX" xs rm $be/state
expect_ok "$GNTBOX" block-detach 1 51712
cli_checks=$((cli_checks + 1))
[ "$("$GNTBOX" xs ls /)" = "$nodes0" ] ||
    fail "detach left nodes: $("$GNTBOX" xs ls /)"

# Detach with a backend that answers: online goes 0, state 5, and when
# the backend says 6 the nodes go, with no word on stderr.
write_nodes $be/state 4 $fe/state 1
(
	i=0
	while [ $i -lt 100 ]; do
		if [ "$("$GNTBOX" xs read $be/state 2>/dev/null)" = 5 ]; then
			echo "online=$("$GNTBOX" xs read $be/online)" \
			    >"$blk_tmp/seen"
			"$GNTBOX" xs write $be/state 6
			break
		fi
		sleep 0.05
		i=$((i + 1))
	done
) &
answer=$!
expect_ok "$GNTBOX" block-detach --timeout 10 1 xvda
wait $answer
cli_checks=$((cli_checks + 2))
[ -s "$cli_out.err" ] && fail "a clean detach said: $(cat "$cli_out.err")"
[ "$(cat "$blk_tmp/seen" 2>/dev/null)" = "online=0" ] ||
    fail "the backend saw '$(cat "$blk_tmp/seen" 2>/dev/null)'"
cli_checks=$((cli_checks + 1))
[ "$("$GNTBOX" xs ls /)" = "$nodes0" ] ||
    fail "detach left nodes: $("$GNTBOX" xs ls /)"

"$GNTBOX" destroy --dom 1 || fail "destroy 1"
cli_finish
