#!/bin/sh
# scripts/layers.sh, the include-layer check of make lint: its self-test
# (each rule on a tree made for it: an allowed include, an upward include,
# the public header out of place, a duplicate name, a file one line too
# long, a folder outside the table, a table line that would allow a cycle,
# the --graph counts), then the same
# checker run here on a tree of our own, so that its exit status and its
# message are seen from outside, as make lint sees them.  The check of the
# real tree is make lint's, not this test's.
. "$(dirname "$0")/lib/common.sh"

layers="${GNTBOX_TOP:-$(dirname "$0")/../..}/scripts/layers.sh"
[ -x "$layers" ] || { echo "FAIL: $layers is not executable" >&2; exit 1; }

cli_start
expect_ok "$layers" --self-test
for case in "allowed includes pass" "an upward include fails" \
    "the public header outside its folders fails" "a duplicate name fails" \
    "a file of 801 lines fails" "a folder outside the table fails" \
    "a table line naming a folder not above it fails" \
    "--graph counts each edge and marks the forbidden"; do
	expect_out "^ok [0-9]+ - $case\$"
done
if grep -q '^not ok' "$cli_out"; then
	fail "layers.sh --self-test: $(grep '^not ok' "$cli_out")"
fi

# A tree where hv includes daemon: one line naming file, line and edge.
tree=$(mktemp -d /tmp/gbt-layers.XXXXXX)
mkdir -p "$tree/src/hv" "$tree/src/daemon"
echo '/* the daemon */' >"$tree/src/daemon/gntboxd.h"
printf '/* a grant */\n#include "daemon/gntboxd.h"\n' >"$tree/src/hv/grant.c"
expect_fail 1 '^src/hv/grant\.c:2: hv -> daemon \(#include "daemon/gntboxd\.h"\): hv may include base proto$' \
    "$layers" "$tree"
expect_ok "$layers" --graph "$tree"
expect_same "hv       -> daemon      1  forbidden"
# Once the include goes down instead, the tree passes.
printf '/* a grant */\n' >"$tree/src/hv/grant.c"
printf '#include "hv/grant.h"\n' >"$tree/src/daemon/gntboxd.h"
echo '/* a grant */' >"$tree/src/hv/grant.h"
expect_ok "$layers" "$tree"
expect_same ""
expect_fail 2 '^usage: scripts/layers\.sh' "$layers" --bogus
rm -rf "$tree"
cli_finish
