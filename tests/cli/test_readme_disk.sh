#!/bin/sh
# README.md's disk example, run as written on the built tree: the
# indented block of "Using it" that runs block-attach, in one shell, from
# a directory whose build/ is the build under test.  Two lines are
# slipped in (lib/readme.sh): the levels before block-attach, and before
# `gntbox down` a wait for them to be back (nbdkit exits on its own
# after the kill).
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/readme.sh"

work=$(mktemp -d /tmp/gbt-readme-disk.XXXXXX)
ln -s "$GNTBOX_BUILD" "$work/build"

readme_block "block-attach" "$work/block"
cli_checks=$((cli_checks + 1))
grep -q '^build/bin/gntbox block-attach ' "$work/block" ||
    fail "README.md has no disk example block: $(cat "$work/block")"

# The levels once the domain exists and before anything is attached are
# the ones to be back at before the README's down.
readme_script "$work/block" "$work/script" "build/bin/gntbox block-attach " "$work"

cli_checks=$((cli_checks + 1))
(cd "$work" && timeout 120 sh "$work/script") >"$work/out" 2>"$work/err" ||
    fail "the README's disk commands failed ($?): $(cat "$work/err")"

# The copy is the image, block-list showed it, nothing stayed behind.
cli_checks=$((cli_checks + 3))
grep -qx 'same' "$work/out" || fail "no 'same': $(cat "$work/out")"
grep -Eq '^51712 +0 +1 +4 ' "$work/out" ||
    fail "block-list: no connected xvda: $(cat "$work/out")"
[ -s "$work/copy.img" ] || fail "no copy.img"
cli_checks=$((cli_checks + 1))
[ -f "$work/leak" ] &&
    fail "levels not back: $(tr '\n' ' ' <"$work/leak") (were $(tr '\n' ' ' <"$work/base"))"
cli_checks=$((cli_checks + 1))
[ -f "$GNTBOX_DIR/gntboxd.pid" ] && fail "gntboxd still runs after the README's down"
cli_checks=$((cli_checks + 1))
if grep -q "ERROR: AddressSanitizer\|runtime error:" "$work/err"; then
	fail "stderr: $(cat "$work/err")"
fi

rm -rf "$work"
cli_report
