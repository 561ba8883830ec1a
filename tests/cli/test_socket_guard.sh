#!/bin/sh
# gntboxd's sockets survive the processes of its domains.  A process of
# a domain sees its xenstore socket in XENSTORED_PATH and C xenstored
# unlinks that path and binds its own socket there; any process may
# remove a socket file.  gntboxd notices at once and listens at the path
# again; open connections go on (a xenstore watch keeps its events), and
# the log says what happened.  Covered: rm of a domain's xenstore socket
# from that domain, a file moved over its device socket, rm -rf of the
# domain's directory, rm of the control socket, and Debian's unmodified
# C xenstored (xen-utils-4.17) run in domain 0, which mugs domain 0's
# socket and then exits, as it cannot find a hypervisor.
. "$(dirname "$0")/lib/common.sh"

bin="${GNTBOX_TOP:?}/build/debs/xen-utils-4.17/usr/lib/xen-4.17/bin"
[ -x "$bin/xenstored" ] && [ -x "$bin/lsevtchn" ] ||
	{ echo "FAIL: $bin: run scripts/install-deps.sh" >&2; exit 1; }
log="$GNTBOX_DIR/gntboxd.log"
dom1="$GNTBOX_DIR/dom/1"
watch_out=$(mktemp /tmp/gbt-guard.XXXXXX)
scratch=$(mktemp -d /tmp/gbt-guard.XXXXXX)

# restores PATH: how many times gntboxd's log says it made PATH again.
restores() {
	grep -c -- " warn: $1 was removed or replaced by another process: listening there again" "$log"
}

# restored PATH N: wait (5 s at most) until gntboxd has made PATH again
# N times in all, and it is a socket.  (Inode numbers cannot tell: a file
# system gives a removed inode's number to the next file at once.)
restored() {
	cli_checks=$((cli_checks + 1))
	tries=0
	while { [ "$(restores "$1")" -lt "$2" ] || [ ! -S "$1" ]; } &&
	    [ $tries -lt 50 ]; do
		sleep 0.1
		tries=$((tries + 1))
	done
	[ "$(restores "$1")" -ge "$2" ] && [ -S "$1" ] ||
	    fail "$1 was not made again ($(restores "$1") of $2): $(ls -l "$(dirname "$1")")"
}

cli_start
expect_ok "$GNTBOX" create --dom 1 --name one

# A watch connected before: it outlives its socket's file.
bg_start "$watch_out" "$GNTBOX" run --dom 1 -- xenstore-watch -n 2 data
expect_ok in_dom 1 sh -c 'rm "$XENSTORED_PATH"'
restored "$dom1/xenstore" 1
expect_ok in_dom 1 xenstore-write data/x 1
bg_end "$bg_pid" "$watch_out" "data
data/x"
expect_ok in_dom 1 xenstore-read name
expect_same one

# A file moved over the device socket: privcmd opens through it.
expect_ok in_dom 1 sh -c ': >"$GNTBOX_DIR/impostor" &&
    mv "$GNTBOX_DIR/impostor" "$GNTBOX_DIR/dom/1/device"'
restored "$dom1/device" 1
expect_ok in_dom 1 "$bin/lsevtchn" 1
expect_same ""

# The domain's whole directory.
# (rm may fail: gntboxd may have filled the directory again before rmdir.)
expect_ok in_dom 1 sh -c 'rm -rf "$GNTBOX_DIR/dom/1" 2>/dev/null; :'
restored "$dom1/device" 2
restored "$dom1/xenstore" 2
expect_ok in_dom 1 xenstore-read domid
expect_same 1
expect_ok in_dom 1 "$bin/lsevtchn" 1

# The control socket.
expect_ok in_dom 1 sh -c 'rm "$GNTBOX_DIR/control"'
restored "$GNTBOX_DIR/control" 1
expect_ok "$GNTBOX" list
expect_out '^1 +one '

# C xenstored in domain 0: it unlinks and binds XENSTORED_PATH, then
# stops at its first hypervisor interface (/proc/xen/xsd_port), or at
# its bind if gntboxd was quicker.  Its run and library directories are
# kept out of /var.
cli_checks=$((cli_checks + 1))
XENSTORED_RUNDIR="$scratch/run" XENSTORED_ROOTDIR="$scratch/lib" \
    in_dom 0 "$bin/xenstored" -N >"$cli_out" 2>&1 &&
    fail "C xenstored ran: $(cat "$cli_out")"
grep -Eq 'FATAL: (Failed to initialize dom0 port|Could not bind socket)' \
    "$cli_out" || fail "C xenstored said: $(cat "$cli_out")"
restored "$GNTBOX_DIR/dom/0/xenstore" 1
expect_ok in_dom 0 xenstore-read /local/domain/1/name
expect_same one

expect_ok "$GNTBOX" destroy --dom 1
rm -rf "$watch_out" "$scratch"
cli_finish
