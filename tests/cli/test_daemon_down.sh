#!/bin/sh
# gntbox down returns once the daemon has really ended, even when nobody
# reaps it (issue 11, defect 6): it waits for gntboxd.lock, which the
# daemon's process holds until it exits, rather than testing the pid,
# which a zombie keeps.  Here gntboxd's parent is a shell that execs sleep
# and never waits for it, as a container's PID 1 may not.
. "$(dirname "$0")/lib/common.sh"

sh -c '"$0" --dir "$1" --log /dev/null & echo $! >"$1/daemon.pid"; exec sleep 60' \
    "$GNTBOX_BUILD/bin/gntboxd" "$GNTBOX_DIR" &
parent=$!
tries=0
while ! "$GNTBOX" stats >/dev/null 2>&1 && [ $tries -lt 100 ]; do
	sleep 0.05
	tries=$((tries + 1))
done
daemon=$(cat "$GNTBOX_DIR/daemon.pid")
cli_baseline=$(levels)

expect_ok "$GNTBOX" down
# The daemon exited and nobody reaped it: down did not need that.
cli_checks=$((cli_checks + 1))
state=$(sed 's/.*) //' "/proc/$daemon/stat" 2>/dev/null | cut -d' ' -f1)
[ "$state" = Z ] || fail "gntboxd (pid $daemon) is in state '$state', not a zombie"
expect_fail 1 "^gntbox: stats: no gntboxd serves $GNTBOX_DIR\$" "$GNTBOX" stats
kill "$parent"
wait "$parent" 2>/dev/null

# And as usual, once more, with a daemon `gntbox up` started.
cli_start
cli_finish
