#!/bin/sh
# The example of include/gntbox.h's usage guide (issue 12): the Makefile
# cuts its two processes out of the header (scripts/header-example.sh) and
# compiles them with the project's warnings; here they run in two domains
# as the guide says, and a bad reference gives Xen's status.
. "$(dirname "$0")/lib/common.sh"
ex="$GNTBOX_BUILD/tests/header"
tmp=$(mktemp -d /tmp/gntbox-example.XXXXXX)

cli_start
# Process A shares, prints the reference and waits for a line on stdin.
mkfifo "$tmp/in" "$tmp/out"
"$GNTBOX" run --dom 1 -- "$ex/example_share" <"$tmp/in" >"$tmp/out" &
sharer=$!
exec 4>"$tmp/in" 3<"$tmp/out"
read -r ref <&3
cli_checks=$((cli_checks + 1))
echo "$ref" | grep -Eq '^[0-9]+$' || fail "process A printed '$ref'"
# Process B maps it and prints what A wrote.
expect_ok "$GNTBOX" run --dom 2 -- "$ex/example_map" "$ref"
expect_same "hello from domain 1"
# A reference that does not exist: GNTST_bad_gntref (-3).
expect_fail 1 "map: GNTST -3\$" "$GNTBOX" run --dom 2 -- "$ex/example_map" 4000
echo >&4
cli_checks=$((cli_checks + 1))
wait "$sharer" || fail "process A exited $?"
exec 3<&- 4>&-

"$GNTBOX" destroy --dom 1 && "$GNTBOX" destroy --dom 2 ||
    fail "destroy the domains"
rm -rf "$tmp"
cli_finish
