#!/bin/sh
# Build gntbox's Debian packages and try them (make deb, make deb-check):
#   scripts/deb-check.sh [--build-only] OUTDIR
# The packages are built from a copy of the tree (the files git knows and
# the new ones it does not ignore; no build outputs) with
# `dpkg-buildpackage -us -uc -b`, checked by lintian (any error fails),
# and copied to OUTDIR.  Then, unless --build-only: they are installed with
# apt-get, the installed smoke test runs against them
# (tests/install/smoke.sh /), a copy of gntbox moved out of /usr/bin finds
# the rest through the compiled-in directories, systemd-analyze verifies
# the units, and the packages are purged again.  Installing needs root.
#
# The package build skips the test suite (make check runs it), unless
# DEB_BUILD_OPTIONS is set, without nocheck, by the caller.
set -eu
build_only=false
if [ "${1:-}" = "--build-only" ]; then
	build_only=true
	shift
fi
out=${1:?usage: scripts/deb-check.sh [--build-only] OUTDIR}
top=$(cd "$(dirname "$0")/.." && pwd)
version=$(cat "$top/VERSION")
pkgs="gntbox libgntbox0 libgntbox-dev"

say() { printf '\n== %s\n' "$*"; }

"$top/scripts/install-deps.sh" deb
if ! $build_only; then
	for p in $pkgs; do
		if dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
		    grep -q 'installed$'; then
			echo "deb-check: $p is installed already; remove it" \
			    "first (deb-check installs and purges its own)" >&2
			exit 1
		fi
	done
	if [ "$(id -u)" -ne 0 ]; then
		echo "deb-check: installing the packages needs root" \
		    "(or: make deb, which only builds them)" >&2
		exit 1
	fi
fi

work=$(mktemp -d /tmp/gntbox-deb.XXXXXX)
src="$work/gntbox-$version"
mkdir "$src"
say "copying the tree to $src"
(cd "$top" && git ls-files --cached --others --exclude-standard) |
    while IFS= read -r f; do
	[ -e "$top/$f" ] || continue
	mkdir -p "$src/$(dirname "$f")"
	cp -P "$top/$f" "$src/$f"
done

say "dpkg-buildpackage -us -uc -b (log: $work/build.log)"
export DEB_BUILD_OPTIONS="${DEB_BUILD_OPTIONS-nocheck}"
if ! (cd "$src" && dpkg-buildpackage -us -uc -b) >"$work/build.log" 2>&1; then
	tail -n 60 "$work/build.log"
	echo "deb-check: the package build failed (log: $work/build.log)" >&2
	exit 1
fi
grep -E '^dpkg-(gensymbols|shlibdeps): warning' "$work/build.log" || true
changes=$(ls "$work"/gntbox_"$version"_*.changes)

say "lintian"
lintian_rc=0
lintian --fail-on error --display-info "$changes" || lintian_rc=$?
echo "lintian exit status: $lintian_rc"

mkdir -p "$out"
out=$(cd "$out" && pwd)
cp "$work"/*.deb "$changes" "$out"/
for deb in "$out"/*_"$version"_*.deb; do
	say "$(basename "$deb")"
	dpkg-deb -c "$deb" | awk '{ print $1, $6, $7, $8 }'
done
[ "$lintian_rc" -eq 0 ] || { echo "deb-check: lintian found errors" >&2; exit 1; }
if $build_only; then
	rm -rf "$work"
	exit 0
fi

say "installing the packages"
purge() {
	say "purging the packages"
	DEBIAN_FRONTEND=noninteractive apt-get purge -y $pkgs >/dev/null 2>&1 ||
	    dpkg --purge $pkgs
}
trap purge EXIT
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
    "$out"/gntbox_"$version"_*.deb "$out"/libgntbox0_"$version"_*.deb \
    "$out"/libgntbox-dev_"$version"_*.deb

multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
libdir=/usr/lib/$multiarch
failed=0

say "the installed smoke test"
if ! GNTBOX_TOP="$top" GNTBOX_DIR="$work/smoke" PREFIX=/usr LIBDIR="$libdir" \
    sh "$top/tests/install/smoke.sh" /; then
	echo "deb-check: the smoke test failed" >&2
	failed=1
else
	echo "passed"
fi

say "gntbox moved out of /usr/bin: the compiled-in directories"
mkdir "$work/moved"
cp /usr/bin/gntbox "$work/moved/gntbox"
export GNTBOX_DIR="$work/moved/run"
"$work/moved/gntbox" up
daemon=$(readlink "/proc/$(cat "$GNTBOX_DIR/gntboxd.pid")/exe")
preload=$("$work/moved/gntbox" run --dom 1 -- sh -c 'echo "$LD_PRELOAD"')
"$work/moved/gntbox" down
echo "gntboxd: $daemon; LD_PRELOAD: $preload"
if [ "$daemon" != /usr/sbin/gntboxd ] ||
    [ "$preload" != "$libdir/gntbox/libgntbox-preload.so" ]; then
	echo "deb-check: the moved gntbox did not find the installed files" >&2
	failed=1
fi

say "systemd-analyze verify"
if ! systemd-analyze verify /lib/systemd/system/gntboxd.service ||
    ! XDG_RUNTIME_DIR="$work" systemd-analyze --user verify \
    /usr/lib/systemd/user/gntboxd.service; then
	echo "deb-check: systemd-analyze verify failed" >&2
	failed=1
fi

if [ "$failed" -ne 0 ]; then
	echo "deb-check: FAILED (files in $work)" >&2
	exit 1
fi
rm -rf "$work"
say "deb-check: passed (packages in $out)"
