#!/bin/sh
# make install and make uninstall, into temporary DESTDIRs: the files and
# only them, nothing rebuilt; the installed gntbox's smoke test from the
# installation alone (tests/install/smoke.sh); and a gntbox moved away
# from its installation, which falls back on the compiled-in directories
# and says which path it missed, before it starts anything.
. "$(dirname "$0")/lib/common.sh"
top=${GNTBOX_TOP:?}
tmp=$(mktemp -d /tmp/gntbox-install.XXXXXX)

# The build under test, as make check named it (a relative O keeps make
# from seeing other targets than the ones it built).
case $GNTBOX_BUILD in
"$top"/*) o=${GNTBOX_BUILD#"$top"/} ;;
*) o=$GNTBOX_BUILD ;;
esac
san=
[ "$(basename "$GNTBOX_BUILD")" = build-san ] && san=1
mk() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
	    make -s -C "$top" O="$o" SAN="$san" "$@" >"$tmp/make.out" 2>&1 ||
	    fail "make $*: $(tail -n 3 "$tmp/make.out")"
}

installed="bin/gntbox
include/gntbox.h
lib/gntbox/libgntbox-preload.so
lib/libgntbox.so
lib/libgntbox.so.0
lib/libgntbox.so.0.1
lib/nbdkit/plugins/nbdkit-blkfront-plugin.so
lib/pkgconfig/gntbox.pc
lib/systemd/system/gntboxd.service
lib/systemd/user/gntboxd.service
sbin/gntboxd
share/bash-completion/completions/gntbox
share/man/man1/gntbox.1
share/man/man3/gntbox.3
share/man/man8/gntboxd.8"

before=$(stat -c %Y "$GNTBOX_BUILD/bin/gntbox" "$GNTBOX_BUILD/bin/gntboxd")
mk install DESTDIR="$tmp/a"
cli_checks=$((cli_checks + 3))
got=$(cd "$tmp/a/usr/local" 2>/dev/null && find . ! -type d | sed 's|^\./||' | sort)
[ "$got" = "$installed" ] || fail "make install put: $(echo "$got" | tr '\n' ' ')"
[ "$(stat -c %Y "$GNTBOX_BUILD/bin/gntbox" "$GNTBOX_BUILD/bin/gntboxd")" = "$before" ] ||
    fail "make install rebuilt the programs"
[ "$(readlink "$tmp/a/usr/local/lib/libgntbox.so.0")" = libgntbox.so.0.1 ] ||
    fail "libgntbox.so.0 -> $(readlink "$tmp/a/usr/local/lib/libgntbox.so.0")"
mk uninstall DESTDIR="$tmp/a"
cli_checks=$((cli_checks + 1))
left=$(find "$tmp/a" ! -type d)
[ -z "$left" ] || fail "make uninstall left: $left"

# The smoke test, on its own runtime directory.
mk install DESTDIR="$tmp/root"
cli_checks=$((cli_checks + 1))
GNTBOX_DIR="$GNTBOX_DIR/smoke" sh "$top/tests/install/smoke.sh" "$tmp/root" \
    >"$tmp/smoke.out" 2>&1 || fail "smoke test: $(grep FAIL "$tmp/smoke.out")"

# Moved away from its installation, gntbox looks in the compiled-in
# directories (/usr/local here); they are empty on a test machine.
mkdir "$tmp/moved"
cp "$tmp/root/usr/local/bin/gntbox" "$tmp/moved/gntbox"
export GNTBOX_DIR="$GNTBOX_DIR/moved"
if [ ! -e /usr/local/sbin/gntboxd ]; then
	expect_fail 1 "^gntbox: up: cannot find gntboxd: /usr/local/sbin/gntboxd: No such file or directory\$" \
	    "$tmp/moved/gntbox" up
fi
if [ ! -e /usr/local/lib/gntbox/libgntbox-preload.so ]; then
	expect_fail 1 "^gntbox: run: cannot find the preload library: /usr/local/lib/gntbox/libgntbox-preload.so: No such file or directory\$" \
	    "$tmp/moved/gntbox" run --dom 1 -- true
	cli_checks=$((cli_checks + 1))
	[ ! -e "$GNTBOX_DIR/gntboxd.pid" ] ||
	    fail "run started a daemon before it found the preload library"
fi

rm -rf "$tmp" "$cli_out" "$cli_out.err"
if [ "$cli_failures" -ne 0 ]; then
	echo "$cli_failures of $cli_checks checks failed" >&2
	exit 1
fi
exit 0
