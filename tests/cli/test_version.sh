#!/bin/sh
# --version and --help of both programs (docs/design.md, issue 12):
# the version is VERSION's, the one source also of gntbox.pc and of
# debian/changelog's latest entry; help goes to stdout with status 0, a
# bad option to stderr with the usage and status 1.
. "$(dirname "$0")/lib/common.sh"
top=${GNTBOX_TOP:?}
GNTBOXD="$GNTBOX_BUILD/bin/gntboxd"
version=$(cat "$top/VERSION")

cli_checks=$((cli_checks + 1))
echo "$version" | grep -Eq '^[0-9]+\.[0-9]+\.[0-9]+$' ||
    fail "VERSION is '$version', not N.N.N"
expect_ok "$GNTBOX" --version
expect_same "gntbox $version"
expect_ok "$GNTBOXD" --version
expect_same "gntboxd $version"
expect_ok "$GNTBOXD" --help
expect_out "^usage: gntboxd "
expect_out "gntboxd --help \\| --version"
expect_fail 1 "unrecognized option '--no-such-option'" \
    "$GNTBOXD" --no-such-option
cli_checks=$((cli_checks + 1))
grep -q "^usage: gntboxd " "$cli_out.err" || fail "no usage after a bad option"
expect_ok "$GNTBOX" --help
expect_out "gntbox --version"

# debian/changelog's latest entry is this version (a native package).
cli_checks=$((cli_checks + 1))
head -n 1 "$top/debian/changelog" | grep -q "^gntbox ($version) " ||
    fail "debian/changelog starts '$(head -n 1 "$top/debian/changelog")', not version $version"

# The daemon's --version and --help start nothing.
cli_checks=$((cli_checks + 1))
[ ! -e "$GNTBOX_DIR/gntboxd.pid" ] || fail "gntboxd --version started a daemon"
cli_start
cli_finish
