#!/bin/sh
# README.md's example, run as written on the built tree: the indented
# block of "Using it" that runs vchan_echo (both domains created first,
# the server in the background), in one shell, from a directory whose
# build/ is the build under test.  (Its `make` line has run already.)
# Two lines are slipped in between the README's: the levels once both
# domains exist, and a wait for them to be back before `gntbox down`.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/readme.sh"

work=$(mktemp -d /tmp/gbt-readme.XXXXXX)
ln -s "$GNTBOX_BUILD" "$work/build"

# The indented blocks of README.md, the one that runs vchan_echo server.
readme_block "vchan_echo server" "$work/block"
cli_checks=$((cli_checks + 1))
grep -q '^build/bin/gntbox run .*vchan_echo server.*&' "$work/block" ||
    fail "README.md has no vchan example block: $(cat "$work/block")"

# The script: the block as written, with the two lines slipped in.
readme_script "$work/block" "$work/script" "build/bin/gntbox run " "$work"

cli_checks=$((cli_checks + 1))
(cd "$work" && timeout 60 sh "$work/script") >"$work/out" 2>"$work/err" ||
    fail "the README's commands failed ($?): $(cat "$work/err")"

# The echo came back, the domains were named, nothing stayed behind.
cli_checks=$((cli_checks + 4))
grep -qx 'HELLO' "$work/out" || fail "no HELLO: $(cat "$work/out")"
grep -Eq '^1 +alice ' "$work/out" || fail "list: no alice: $(cat "$work/out")"
grep -Eq '^2 +bob ' "$work/out" || fail "list: no bob: $(cat "$work/out")"
[ -s "$work/err" ] && fail "stderr: $(cat "$work/err")"
cli_checks=$((cli_checks + 2))
grep -q '^domains:3$' "$work/base" 2>/dev/null ||
    fail "no levels with the example's domains: $(cat "$work/base")"
[ -f "$work/leak" ] &&
    fail "levels not back: $(tr '\n' ' ' <"$work/leak") (were $(tr '\n' ' ' <"$work/base"))"
cli_checks=$((cli_checks + 1))
[ -f "$GNTBOX_DIR/gntboxd.pid" ] && fail "gntboxd still runs after the README's down"

rm -rf "$work"
cli_report
