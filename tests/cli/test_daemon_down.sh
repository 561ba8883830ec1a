#!/bin/sh
# gntbox down returns once the daemon has really ended, even when nobody
# reaps it (issue 11, defect 6): it waits for gntboxd.lock, which the
# daemon's process holds until it exits, rather than testing the pid,
# which a zombie keeps.  Here gntboxd's parent is a shell that execs sleep
# and never waits for it, as a container's PID 1 may not.
#
# gntbox destroy and gntbox down say what they end (issue 12, item 5):
# the domains, and the processes they kill (issue 11, defect 5), a
# command `gntbox run` started included, though it opened no device.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/security.sh"

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
# The daemon exited and nobody reaped it: down did not need that.  (The
# lock goes as the process exits, a moment before it is a zombie.)
cli_checks=$((cli_checks + 1))
tries=0
state=
while [ "$state" != Z ] && [ $tries -lt 100 ]; do
	state=$(sed 's/.*) //' "/proc/$daemon/stat" 2>/dev/null | cut -d' ' -f1)
	[ "$state" = Z ] || sleep 0.05
	tries=$((tries + 1))
done
[ "$state" = Z ] || fail "gntboxd (pid $daemon) is in state '$state', not a zombie"
expect_fail 1 "^gntbox: stats: no gntboxd serves $GNTBOX_DIR\$" "$GNTBOX" stats
kill "$parent"
wait "$parent" 2>/dev/null

# destroy kills the command run started, and says so.
cli_start
run_sleep "$GNTBOX" 3
expect_ok "$GNTBOX" destroy --dom 3
expect_out "^domain 3 \\(dom3\\): destroyed\$"
expect_out "^domain 3 \\(dom3\\): killed process $sleeper \\(sleep\\), uid 0\$"
cli_checks=$((cli_checks + 1))
wait "$runner"
[ $? -eq 137 ] || fail "run did not exit 128 + SIGKILL after destroy"

# down destroys every domain first, then stops the daemon.
run_sleep "$GNTBOX" 4
"$GNTBOX" create --dom 5 || fail "create 5"
daemon=$(cat "$GNTBOX_DIR/gntboxd.pid")
expect_ok "$GNTBOX" down
expect_out "^domain 4 \\(dom4\\): destroyed\$"
expect_out "^domain 4 \\(dom4\\): killed process $sleeper \\(sleep\\), uid 0\$"
expect_out "^domain 5 \\(domain-5\\): destroyed\$"
expect_out "^gntboxd \\(pid $daemon\\): stopped\$"
cli_checks=$((cli_checks + 1))
wait "$runner"
[ $? -eq 137 ] || fail "run did not exit 128 + SIGKILL after down"

# And as usual, once more, with a daemon `gntbox up` started.
cli_start
cli_finish
