#!/bin/sh
# The daemon's life: `gntbox up` keeps a daemon until `gntbox down` and
# says so; it turns a daemon that would exit when idle (as `gntbox run`
# starts one) into a lasting one; it refuses options it could not apply.
# A daemon with an idle exit says in its log when and why it will exit,
# and `gntbox run --help` says it too.
. "$(dirname "$0")/lib/common.sh"

gntboxd="$GNTBOX_BUILD/bin/gntboxd"

# wait_gone PID: true once PID has exited (5 s at most).
wait_gone() {
	n=0
	while kill -0 "$1" 2>/dev/null && [ $n -lt 50 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	! kill -0 "$1" 2>/dev/null
}

# Options up sets itself are refused before anything starts.
expect_fail 2 "^gntbox: up: --idle-exit is not for up: a daemon up starts runs until 'gntbox down'\$" \
    "$GNTBOX" up -- --idle-exit 5
expect_fail 2 "^gntbox: up: --dir is not for up: GNTBOX_DIR chooses the directory\$" \
    "$GNTBOX" up -- --dir=/tmp/elsewhere
expect_fail 2 "^gntbox: up: --ready-fd is not for up" "$GNTBOX" up -- --ready 3
cli_checks=$((cli_checks + 1))
[ -e "$GNTBOX_DIR/gntboxd.pid" ] && fail "a refused up started gntboxd"

# up starts one with its options, then says it serves already; options
# for a running daemon are refused.
expect_ok "$GNTBOX" up -- --max-ports 64
expect_out "^gntboxd serves $GNTBOX_DIR \\(pid [0-9]+\\) until 'gntbox down'\$"
expect_ok "$GNTBOX" up
expect_out "^gntboxd already serves $GNTBOX_DIR \\(pid [0-9]+\\) until 'gntbox down'\$"
expect_fail 1 "^gntbox: up: gntboxd already serves $GNTBOX_DIR \\(pid [0-9]+\\): options for gntboxd apply when it starts; 'gntbox down' first\$" \
    "$GNTBOX" up -- --max-ports 32
expect_ok "$GNTBOX" down

# run --help says when its daemon exits, and how to keep it.
expect_ok "$GNTBOX" run --help
expect_out "one that exits 10 seconds"
expect_out "'gntbox up', before or while it runs, keeps it"

# A daemon with an idle exit, as gntbox run starts one (with 10 s; 1 s
# here), says so in its log; without up it exits once idle, saying why.
other=$(mktemp -d /tmp/gbt-life.XXXXXX)
GNTBOX_DIR=$other "$gntboxd" --idle-exit 1 --log "$other/log" &
idler=$!
cli_checks=$((cli_checks + 2))
wait_gone $idler || fail "a gntboxd with --idle-exit 1 did not exit when idle"
grep -q "it exits 1 seconds after its last client has gone (--idle-exit, as 'gntbox run' starts it), and every domain and xenstore node with it; 'gntbox up' makes it stay until 'gntbox down'" "$other/log" ||
    fail "the log does not say when the daemon exits: $(cat "$other/log")"
cli_checks=$((cli_checks + 1))
grep -q "no client for 1 seconds (--idle-exit): exiting, and every domain and xenstore node with it" "$other/log" ||
    fail "the log does not say why the daemon exited: $(cat "$other/log")"
rm -rf "$other"

# up turns such a daemon into a lasting one, and says so.
"$gntboxd" --idle-exit 2 --log "$GNTBOX_DIR/log" &
idler=$!
n=0
until "$GNTBOX" stats >/dev/null 2>&1 || [ $n -ge 50 ]; do
	sleep 0.1
	n=$((n + 1))
done
expect_ok "$GNTBOX" up
expect_out "^gntboxd \\(pid $idler\\) was to exit when idle \\(--idle-exit 2, as 'gntbox run' starts it\\); now it serves $GNTBOX_DIR until 'gntbox down'\$"
sleep 3
cli_checks=$((cli_checks + 2))
kill -0 $idler 2>/dev/null || fail "up did not keep the daemon: it exited when idle"
grep -q "asked this daemon to stay, as 'gntbox up' does: no idle exit any more" "$GNTBOX_DIR/log" ||
    fail "the log does not say the daemon stays: $(cat "$GNTBOX_DIR/log")"
expect_ok "$GNTBOX" up
expect_out "^gntboxd already serves $GNTBOX_DIR \\(pid $idler\\) until 'gntbox down'\$"
cli_baseline=$(levels)
cli_finish
