#!/bin/sh
# README.md's disk example, run as written on the built tree: the
# indented block of "Using it" that runs block-attach, in one shell, from
# a directory whose build/ is the build under test.  One line is slipped
# in: before `gntbox down`, a wait for the levels to be those of the
# domains alone (nbdkit exits on its own after the kill).
. "$(dirname "$0")/lib/common.sh"

top=${GNTBOX_TOP:?}
lib=$(cd "$(dirname "$0")/lib" && pwd)
work=$(mktemp -d /tmp/gbt-readme-disk.XXXXXX)
ln -s "$GNTBOX_BUILD" "$work/build"

awk '
/^    / { block = block substr($0, 5) "\n"; next }
{ if (block ~ /block-attach/) { printf "%s", block; done = 1; exit }
  block = "" }
END { if (!done && block ~ /block-attach/) printf "%s", block }
' "$top/README.md" >"$work/block"
cli_checks=$((cli_checks + 1))
grep -q '^build/bin/gntbox block-attach ' "$work/block" ||
    fail "README.md has no disk example block: $(cat "$work/block")"

# The levels once the domain exists and before anything is attached are
# the ones to be back at before the README's down.
{
	echo "set -e"
	echo "GNTBOX='$GNTBOX'"
	echo ". '$lib/levels.sh'"
	while IFS= read -r line; do
		case $line in
		"build/bin/gntbox block-attach "*)
			echo "levels >'$work/base'" ;;
		"build/bin/gntbox down"*)
			echo "settle \"\$(cat '$work/base')\" || levels >'$work/leak'" ;;
		esac
		printf '%s\n' "$line"
	done <"$work/block"
} >"$work/script"

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
