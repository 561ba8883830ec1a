#!/bin/sh
# The smoke test of an installed gntbox, using the installation only:
#   tests/install/smoke.sh ROOT
# ROOT is the DESTDIR it was installed into, or / for a real installation
# (make deb-check).  The layout comes from the environment, as make install
# takes it: PREFIX (default /usr/local), BINDIR, SBINDIR, LIBDIR,
# PRELOADDIR, INCLUDEDIR, MANDIR, BASHCOMPDIR, NBDKITPLUGINDIR.  GNTBOX_TOP is the source
# tree (for the examples and VERSION), GNTBOX_DIR a fresh runtime directory.
#
# The build tree is out of PATH and of the library path; from the
# installation: gntbox up (its gntboxd), gntbox run with Debian's
# xenstore-read, the examples built with pkg-config and run in two
# domains, the manual pages rendered without a warning, the bash
# completion, gntbox down; and the levels back at their baseline.
set -u
root=${1:?usage: tests/install/smoke.sh ROOT}
root=${root%/}
top=${GNTBOX_TOP:?}
PREFIX=${PREFIX:-/usr/local}
BINDIR=${BINDIR:-$PREFIX/bin}
SBINDIR=${SBINDIR:-$PREFIX/sbin}
LIBDIR=${LIBDIR:-$PREFIX/lib}
PRELOADDIR=${PRELOADDIR:-$LIBDIR/gntbox}
NBDKITPLUGINDIR=${NBDKITPLUGINDIR:-$LIBDIR/nbdkit/plugins}
MANDIR=${MANDIR:-$PREFIX/share/man}
BASHCOMPDIR=${BASHCOMPDIR:-$PREFIX/share/bash-completion/completions}

# common.sh wants a build; the commands below are the installed ones.
GNTBOX_BUILD=${GNTBOX_BUILD:-$root$PREFIX}
. "$top/tests/cli/lib/common.sh"
GNTBOX="$root$BINDIR/gntbox"
version=$(cat "$top/VERSION")

PATH="$root$BINDIR:/usr/bin:/bin"
export PATH
unset LD_PRELOAD LD_LIBRARY_PATH PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR
if [ -n "$root" ]; then
	LD_LIBRARY_PATH="$root$LIBDIR"
	PKG_CONFIG_SYSROOT_DIR="$root"
	export LD_LIBRARY_PATH PKG_CONFIG_SYSROOT_DIR
fi
# Only the installed gntbox.pc, not one from anywhere else.
PKG_CONFIG_LIBDIR="$root$LIBDIR/pkgconfig"
export PKG_CONFIG_LIBDIR
tmp=$(mktemp -d /tmp/gntbox-smoke.XXXXXX)

# Both programs say the version of the tree they were built from.
expect_ok "$GNTBOX" --version
expect_same "gntbox $version"
expect_ok "$root$SBINDIR/gntboxd" --version
expect_same "gntboxd $version"

# gntbox up starts the installed gntboxd.
cli_start
cli_checks=$((cli_checks + 1))
daemon=$(readlink "/proc/$(cat "$GNTBOX_DIR/gntboxd.pid")/exe")
[ "$daemon" = "$(realpath "$root$SBINDIR/gntboxd")" ] ||
    fail "gntbox up started $daemon, not $root$SBINDIR/gntboxd"

# An unmodified Debian program, with the installed preload library.
expect_ok "$GNTBOX" run --dom 1 -- xenstore-read domid
expect_same "1"
expect_ok "$GNTBOX" run --dom 1 -- sh -c 'echo "$LD_PRELOAD"'
expect_out "(^|:)$(realpath "$root$PRELOADDIR/libgntbox-preload.so")\$"

# The blkfront plugin where nbdkit looks for plugins, with the entry
# point nbdkit calls (not loaded here: the sanitizer build's would want
# its runtime preloaded into nbdkit).
expect_ok nm -D --defined-only "$root$NBDKITPLUGINDIR/nbdkit-blkfront-plugin.so"
expect_out " T plugin_init\$"

# The examples, built as a user would: pkg-config, the installed header
# and library.
expect_ok pkg-config --modversion gntbox
expect_same "$version"
for ex in share_page map_page; do
	# shellcheck disable=SC2046
	expect_ok cc -o "$tmp/$ex" "$top/examples/$ex.c" \
	    $(pkg-config --cflags --libs gntbox)
done
# ... linked with the installed library (/lib may be a link to /usr/lib).
cli_checks=$((cli_checks + 1))
linked=$(ldd "$tmp/map_page" | awk '$1 == "libgntbox.so.0" { print $3 }')
[ -n "$linked" ] &&
    [ "$(realpath "$linked")" = "$(realpath "$root$LIBDIR/libgntbox.so.0")" ] ||
    fail "map_page is linked with '$linked', not $root$LIBDIR/libgntbox.so.0"

# ... and run in two domains.
mkfifo "$tmp/fifo"
"$GNTBOX" run --dom 1 -- "$tmp/share_page" 2 >"$tmp/fifo" 2>"$tmp/share.err" &
sharer=$!
exec 3<"$tmp/fifo"
read -r _ ref <&3
expect_ok "$GNTBOX" run --dom 2 -- "$tmp/map_page" 1 "$ref"
expect_same "domain 2 read: hello from domain 1"
cli_checks=$((cli_checks + 2))
[ "$(cat <&3)" = "domain 1 read: hello back from domain 2" ] ||
    fail "share_page did not read the answer ($(cat "$tmp/share.err"))"
wait "$sharer" || fail "share_page exited $?"
exec 3<&-

# The manual pages render, without a warning.
for page in man1/gntbox.1 man3/gntbox.3 man8/gntboxd.8; do
	file=$(ls "$root$MANDIR/$page" "$root$MANDIR/$page.gz" 2>/dev/null |
	    head -n 1)
	cli_checks=$((cli_checks + 2))
	if [ -z "$file" ]; then
		fail "$MANDIR/$page is not installed"
		continue
	fi
	MANWIDTH=80 man --warnings -l "$file" >"$tmp/page" 2>"$tmp/warn"
	grep -q '^NAME' "$tmp/page" || fail "man -l $file rendered no NAME"
	[ ! -s "$tmp/warn" ] || fail "man -l $file: $(head -n 3 "$tmp/warn")"
done

# The bash completion completes the commands.
expect_ok bash -c ". '$root$BASHCOMPDIR/gntbox'
COMP_WORDS=(gntbox x); COMP_CWORD=1; _gntbox; echo \"\${COMPREPLY[*]}\""
expect_same "xs"

expect_ok "$GNTBOX" destroy --dom 1
expect_ok "$GNTBOX" destroy --dom 2
rm -rf "$tmp"
cli_finish
