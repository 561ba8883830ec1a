#!/bin/sh
# gntbox ports: the header alone when no port is in use; unbound and
# interdomain ports with their remote ends and owning process (held by
# the helper mode of tests/integration/test_evtchn_ports); --dom; an
# unknown domain; and nothing left once the holder has gone.
. "$(dirname "$0")/lib/common.sh"

holder="$GNTBOX_BUILD/tests/integration/test_evtchn_ports"
[ -x "$holder" ] || { echo "FAIL: $holder is not built" >&2; exit 1; }

cli_start
expect_ok "$GNTBOX" ports
expect_out "^DOM +PORT +STATE +REMOTE +OWNER +NOTIFIES\$"
[ "$(wc -l <"$cli_out")" -eq 1 ] || fail "ports of an idle daemon: $(cat "$cli_out")"
expect_ok "$GNTBOX" create --dom 1
expect_ok "$GNTBOX" create --dom 2

# The holder keeps its ports until its standard input (a fifo) ends.
hold_start "$holder" hold
set -- $hold_words
pid=${2:-0} unbound=${3:-0} a_inter=${4:-0} b_inter=${5:-0}

expect_ok "$GNTBOX" ports
expect_out "^1 +$unbound +unbound +dom 2 +$pid +0\$"
expect_out "^1 +$a_inter +interdomain +dom 2 port $b_inter +$pid +0\$"
expect_out "^2 +$b_inter +interdomain +dom 1 port $a_inter +$pid +0\$"
[ "$(wc -l <"$cli_out")" -eq 4 ] || fail "gntbox ports: $(cat "$cli_out")"
expect_ok "$GNTBOX" ports --dom 2
expect_out "^2 +$b_inter +interdomain +dom 1 port $a_inter +$pid +0\$"
[ "$(wc -l <"$cli_out")" -eq 2 ] || fail "gntbox ports --dom 2: $(cat "$cli_out")"
expect_fail 1 "^gntbox: ports: there is no domain 9\$" "$GNTBOX" ports --dom 9
expect_ok "$GNTBOX" stats
expect_out "^ports +3\$"
expect_ok "$GNTBOX" list
expect_out "^1 +domain-1 .* 2 "

# The holder goes: so do its ports.
hold_end
expect_ok "$GNTBOX" ports
[ "$(wc -l <"$cli_out")" -eq 1 ] || fail "ports after the holder: $(cat "$cli_out")"
expect_ok "$GNTBOX" destroy --dom 1
expect_ok "$GNTBOX" destroy --dom 2
cli_finish
