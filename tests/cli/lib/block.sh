# Shared by the block-device tests (tests/cli/test_block*.sh); sourced
# after common.sh.
#
# The tests run Debian's QEMU (qemu-system-xen) as the qdisk backend,
# the blkfront plugin under nbdkit as the frontend, and libnbd's tools as
# the NBD clients.  $GNTBOX_QEMU, when set, names another QEMU binary
# (block-attach reads it too).

PLUGIN="$GNTBOX_BUILD/lib/nbdkit-blkfront-plugin.so"
blk_tmp=$(mktemp -d /tmp/gbt-blk.XXXXXX)
nbd_pid=""
nbd_job=""

# blk_image PATH MIB: a raw image of MIB mebibytes of random bytes.
blk_image() {
	dd if=/dev/urandom of="$1" bs=1M count="$2" status=none ||
	    { echo "FAIL: cannot write $1" >&2; exit 1; }
}

# blk_sum PATH: its SHA-256.
blk_sum() {
	sha256sum "$1" | cut -d' ' -f1
}

# require_qemu: these tests need QEMU to start under gntbox, which needs
# /dev/xen/privcmd from the preload library.  Without it they fail, and
# say why, rather than pass or skip.
require_qemu() {
	if ! "$GNTBOX" block-attach "$@" >"$cli_out" 2>"$cli_out.err"; then
		if grep -q "privileged command interface" "$cli_out.err"; then
			echo "FAIL: QEMU cannot start: the preload library does not provide /dev/xen/privcmd (issue 9)" >&2
		else
			echo "FAIL: block-attach $*: $(cat "$cli_out.err")" >&2
		fi
		"$GNTBOX" down >/dev/null 2>&1
		exit 1
	fi
}

# nbd_uri SOCKET
nbd_uri() {
	echo "nbd+unix:///?socket=$1"
}

# nbd_start DOM SOCKET PARAM...: the blkfront plugin in domain DOM,
# serving on SOCKET, in the foreground of a background job; its pid in
# $nbd_pid.  Returns once the socket exists (10 s at most), or fails.
nbd_start() {
	nbd_dom=$1
	nbd_sock=$2
	shift 2
	rm -f "$nbd_sock" "$nbd_sock.pid"
	"$GNTBOX" run --dom "$nbd_dom" -- nbdkit -f -U "$nbd_sock" \
	    -P "$nbd_sock.pid" --threads 32 "$PLUGIN" "$@" \
	    >"$nbd_sock.log" 2>&1 &
	nbd_job=$!
	nbd_tries=0
	while [ ! -s "$nbd_sock.pid" ] && [ $nbd_tries -lt 100 ]; do
		sleep 0.1
		nbd_tries=$((nbd_tries + 1))
	done
	nbd_pid=$(cat "$nbd_sock.pid" 2>/dev/null)
	cli_checks=$((cli_checks + 1))
	if [ -z "$nbd_pid" ]; then
		fail "nbdkit did not start: $(cat "$nbd_sock.log")"
		return 1
	fi
	# nbdkit writes its pid before the plugin has connected to the
	# backend (after_fork); an NBD handshake waits until it has, or
	# fails when the plugin could not.
	timeout 60 nbdinfo --size "$(nbd_uri "$nbd_sock")" >/dev/null 2>&1
	return 0
}

# nbd_stop: stop the plugin started last (SIGTERM, as a user would) and
# wait for it; it must exit by itself within 20 s.
nbd_stop() {
	[ -n "$nbd_pid" ] || return 0
	kill "$nbd_pid" 2>/dev/null
	nbd_tries=0
	while kill -0 "$nbd_pid" 2>/dev/null && [ $nbd_tries -lt 200 ]; do
		sleep 0.1
		nbd_tries=$((nbd_tries + 1))
	done
	cli_checks=$((cli_checks + 1))
	if kill -0 "$nbd_pid" 2>/dev/null; then
		fail "nbdkit $nbd_pid did not exit"
		kill -9 "$nbd_pid" 2>/dev/null
	fi
	nbd_pid=""
	wait "$nbd_job" 2>/dev/null
	# The sanitizer build's plugin reports into nbdkit's output: any
	# memory error, and any leak with the plugin on its stack (nbdkit
	# 1.32 itself leaks a connection now and then; that one is not ours).
	cli_checks=$((cli_checks + 1))
	if grep -q "ERROR: AddressSanitizer\|runtime error:\|src/blkfront/" \
	    "$nbd_sock.log"; then
		fail "nbdkit: $(cat "$nbd_sock.log")"
	fi
}

# qemu_pid BE FE: the pid block-attach recorded, or nothing.
qemu_pid() {
	"$GNTBOX" xs read "/local/domain/$1/libxl/$2/qdisk-backend-pid" 2>/dev/null
}

# expect_gone PID WHAT: PID exits within 10 s.
expect_gone() {
	gone_tries=0
	while kill -0 "$1" 2>/dev/null && [ $gone_tries -lt 100 ]; do
		sleep 0.1
		gone_tries=$((gone_tries + 1))
	done
	cli_checks=$((cli_checks + 1))
	kill -0 "$1" 2>/dev/null && fail "$2 (pid $1) still runs"
}

# fe_node DOM KEY: the frontend node of xvda in DOM.
fe_node() {
	"$GNTBOX" xs read "/local/domain/$1/device/vbd/51712/$2" 2>/dev/null
}

# blk_cleanup: what a failed test may leave running.
blk_cleanup() {
	[ -n "$nbd_pid" ] && kill -9 "$nbd_pid" 2>/dev/null
	rm -rf "$blk_tmp"
}
trap blk_cleanup EXIT
