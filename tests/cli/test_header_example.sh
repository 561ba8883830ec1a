#!/bin/sh
# The example of include/gntbox.h's usage guide (issue 12): the Makefile
# cuts its two processes out of the header (scripts/header-example.sh) and
# compiles them with the project's warnings; here they run in two domains
# as the guide says, a bad reference gives Xen's status, and gntbox(3)
# shows the very same code.
. "$(dirname "$0")/lib/common.sh"
top=${GNTBOX_TOP:?}
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

# gntbox(3)'s EXAMPLES are the header's example, line for line.
cli_checks=$((cli_checks + 1))
awk '/^\.Sh EXAMPLES/ { e = 1 } /^\.Sh ERRORS/ { e = 0 }
    e && /^\.Ed/ { lit = 0 } e && lit { print "\t" $0 }
    e && /^\.Bd -literal/ { lit = 1 }' "$top/docs/gntbox.3" |
    sed 's/\\e/\\/g; s/^\t$//' >"$tmp/man"
for part in share map; do
	"$top/scripts/header-example.sh" "$part" "$top/include/gntbox.h" |
	    sed -n '/(void)argv;/,/return (0);/p' | sed '1d;$d' |
	    sed -e :a -e '/^\n*$/{$d;N;ba' -e '}'
done >"$tmp/header"
cmp -s "$tmp/man" "$tmp/header" ||
    fail "docs/gntbox.3's EXAMPLES differ from the header's: $(diff "$tmp/header" "$tmp/man" | head -n 5)"

"$GNTBOX" destroy --dom 1 && "$GNTBOX" destroy --dom 2 ||
    fail "destroy the domains"
rm -rf "$tmp"
cli_finish
