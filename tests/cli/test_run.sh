#!/bin/sh
# gntbox run: it starts a daemon when none answers (one that leaves when
# idle), creates the domain, gives the command its environment, forwards
# SIGTERM, and exits with the command's status.
. "$(dirname "$0")/lib/common.sh"

# No daemon yet: run starts one, which exits on its own once idle
# (--idle-exit 10) after the command is gone.
expect_ok "$GNTBOX" run --dom 3 --name three -- true
[ -f "$GNTBOX_DIR/gntboxd.pid" ] || fail "run started no gntboxd"
pid=$(cat "$GNTBOX_DIR/gntboxd.pid" 2>/dev/null || echo 0)
waited=0
while kill -0 "$pid" 2>/dev/null && [ $waited -lt 200 ]; do
	sleep 0.1
	waited=$((waited + 1))
done
cli_checks=$((cli_checks + 1))
kill -0 "$pid" 2>/dev/null && fail "the gntboxd run started did not exit when idle"
# Its log said when and why it would exit, and then that it did.
cli_checks=$((cli_checks + 2))
grep -q "it exits 10 seconds after its last client has gone (--idle-exit, as 'gntbox run' starts it)" \
    "$GNTBOX_DIR/gntboxd.log" || fail "log: $(cat "$GNTBOX_DIR/gntboxd.log")"
grep -q "no client for 10 seconds (--idle-exit): exiting" \
    "$GNTBOX_DIR/gntboxd.log" || fail "log: $(cat "$GNTBOX_DIR/gntboxd.log")"

cli_start

# The command's exit status, a signal's 128 + n, and a missing command.
cli_checks=$((cli_checks + 1))
"$GNTBOX" run --dom 1 -- sh -c 'exit 3'
[ $? -eq 3 ] || fail "run did not pass on exit status 3"
cli_checks=$((cli_checks + 1))
"$GNTBOX" run --dom 1 -- sh -c 'kill -9 $$'
[ $? -eq 137 ] || fail "run did not exit 128 + SIGKILL"
expect_fail 127 "^gntbox: run: no-such-command-here: No such file or directory\$" \
    "$GNTBOX" run --dom 1 -- no-such-command-here

# The environment: domain, directory, xenstore socket, preload library.
expect_ok "$GNTBOX" run --dom 4 --name four -- sh -c \
    'echo "$GNTBOX_DOMID|$GNTBOX_DIR|$XENSTORED_PATH|$LD_PRELOAD"'
dir=$(cd "$GNTBOX_DIR" && pwd -P)
expect_out "^4\\|$dir\\|$dir/dom/4/xenstore\\|.*/lib/libgntbox-preload\\.so\$"
expect_ok "$GNTBOX" list
expect_out "^4 +four "
# A nested run does not load the preload library twice.
expect_ok "$GNTBOX" run --dom 4 -- "$GNTBOX" run --dom 4 -- sh -c 'echo "$LD_PRELOAD"'
cli_checks=$((cli_checks + 1))
[ "$(grep -o 'libgntbox-preload' "$cli_out" | wc -l)" -eq 1 ] ||
    fail "nested run: LD_PRELOAD=$(cat "$cli_out")"

# SIGTERM to gntbox run reaches the command, and run exits as it did.
"$GNTBOX" run --dom 1 -- sleep 30 &
runner=$!
sleep 0.5
kill -TERM $runner
wait $runner
status=$?
cli_checks=$((cli_checks + 1))
[ $status -eq 143 ] || fail "run after SIGTERM exited $status, want 143"

# Domains that run created live on, as Xen domains outlive their
# processes, until destroyed.
expect_ok "$GNTBOX" destroy --dom 1
expect_ok "$GNTBOX" destroy --dom 4
cli_finish
