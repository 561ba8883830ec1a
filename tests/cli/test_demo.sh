#!/bin/sh
# make demo's script: it runs to the end, explains its last screen (which
# counters are the baseline, and that they are back at it), stops its
# daemon and removes the runtime directory it made.
. "$(dirname "$0")/lib/common.sh"

top=${GNTBOX_TOP:?}
tmp=$(mktemp -d /tmp/gbt-demo.XXXXXX)
cli_checks=$((cli_checks + 1))
# Without GNTBOX_DIR the demo makes its own directory, under TMPDIR.
env -u GNTBOX_DIR TMPDIR="$tmp" sh "$top/scripts/demo.sh" "$GNTBOX_BUILD" \
    >"$cli_out" 2>"$cli_out.err" || fail "demo.sh exited $?: $(cat "$cli_out.err")"
expect_out '^COUNTER +BASELINE +NOW$'
expect_out '^grants +0 +0$'
expect_out '^ports +0 +0$'
expect_out 'The baseline is$'
expect_out '^Every level is back at its baseline'
expect_out '^HELLO OVER VCHAN$'
cli_checks=$((cli_checks + 3))
grep -q 'GNTST_bad_gntref (-3, invalid grant reference)$' "$cli_out.err" ||
    fail "no GNTST name for the bad grant: $(cat "$cli_out.err")"
[ -z "$(ls -A "$tmp")" ] || fail "the demo left $(ls -A "$tmp") in TMPDIR"
ps -eo args | grep -q "[g]ntboxd --dir $tmp/" && fail "the demo left its gntboxd running"

# With GNTBOX_DIR set, the directory is the user's: the demo keeps it.
expect_ok sh "$top/scripts/demo.sh" "$GNTBOX_BUILD"
cli_checks=$((cli_checks + 2))
[ -d "$GNTBOX_DIR" ] || fail "the demo removed the user's GNTBOX_DIR"
[ -f "$GNTBOX_DIR/gntboxd.pid" ] && fail "the demo left its gntboxd running"
rm -rf "$tmp"
cli_report
