#!/bin/sh
# Plain `make` on a machine without the packages it needs (issue 12): one
# message naming the missing Debian packages and how to install them, and
# no compiler run; pkg-config is not asked before that (the Makefile used
# to ask it while being read, before `make demo` had installed libbsd-dev).
# The machine is the real one, seen through a copy of its dpkg database
# without libbsd-dev and libxen-dev (dpkg-query reads $DPKG_ADMINDIR).
. "$(dirname "$0")/lib/common.sh"
top=${GNTBOX_TOP:?}
tmp=$(mktemp -d /tmp/gntbox-depcheck.XXXXXX)

mkdir "$tmp/dpkg" "$tmp/dpkg/info" "$tmp/dpkg/updates"
awk -v RS= -v ORS='\n\n' \
    '!/^Package: (libbsd-dev|libxen-dev)\n/' /var/lib/dpkg/status \
    >"$tmp/dpkg/status"
# Stands in for pkg-config only to see whether make asks it anything.
printf '#!/bin/sh\ntouch "%s/asked"\nexit 1\n' "$tmp" >"$tmp/pkg-config"
chmod +x "$tmp/pkg-config"

mk() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL DPKG_ADMINDIR="$tmp/dpkg" \
	    make -C "$top" O="$tmp/build" PKG_CONFIG="$tmp/pkg-config" "$@"
}
expect_fail 2 "^gntbox needs Debian packages that are not installed: libbsd-dev libxen-dev\$" \
    mk -s -j2
expect_fail 2 "^gntbox needs Debian packages" mk -s tests
cli_checks=$((cli_checks + 3))
grep -q "^Install them with:  sudo apt-get install libbsd-dev libxen-dev\$" \
    "$cli_out.err" || fail "no install command in: $(cat "$cli_out.err")"
[ ! -e "$tmp/build/obj" ] || fail "make compiled something"
[ ! -e "$tmp/asked" ] || fail "make asked pkg-config before the packages were there"
# With the packages there, the check is silent (and the build goes on,
# as every other test shows).
expect_ok "$top/scripts/install-deps.sh" --check build
expect_same ""
rm -rf "$tmp"
cli_start
cli_finish
