#!/bin/sh
# Install the Debian packages gntbox needs that are missing.
#   scripts/install-deps.sh [PROFILE]           install what PROFILE lacks
#   scripts/install-deps.sh --check PROFILE     only say what it lacks
# PROFILE: build (make), demo (make demo), check (make check, the default),
# bench (make bench), lint (make lint), fuzz (make fuzz), deb (make
# deb-check).
# `make check`, `make demo` and `make bench` call it; it needs root (or sudo
# without a password) only when something is missing.  Plain `make` calls
# it with --check before it compiles anything, so that a machine without
# the packages gets their names rather than a compiler error (issue 12).
set -eu

only_check=false
if [ "${1:-}" = "--check" ]; then
	only_check=true
	shift
fi

# libjson-c-dev: the gntbox command writes --json with json-c.
# nbdkit-plugin-dev: the blkfront plugin (src/blkfront/) is part of the build.
build="make gcc libc6-dev pkg-config libbsd-dev libxen-dev libjson-c-dev nbdkit-plugin-dev"
# The block devices' tests and benchmark (block-attach, the blkfront
# plugin) run QEMU's qdisk, nbdkit, NBD clients (libnbd's, and qemu-io
# for requests that are not whole sectors) and fio.
block="qemu-system-xen qemu-utils nbdkit libnbd-bin fio"
# The tests also run Debian's xenstore tools, render the installed manual
# pages (man-db), compare the library's ABI (abigail-tools) and parse
# --json output with jq.
check="$build xenstore-utils man-db abigail-tools jq $block"
case "${1:-check}" in
build | demo) want="$build" ;;
check)	want="$check" ;;
bench)	want="$check ministat gnuplot-nox strace" ;;
lint)	want="$build clang-format clang-tidy cppcheck" ;;
# make fuzz: clang and its libFuzzer and sanitizer runtimes.
fuzz)	want="$check clang libclang-rt-14-dev" ;;
deb)	want="$check debhelper dpkg-dev fakeroot lintian systemd" ;;
*)	echo "install-deps.sh: unknown profile '$1'" \
	    "(build, demo, check, bench, lint, fuzz or deb)" >&2
	exit 2 ;;
esac

# Without dpkg this is not Debian: the compiler will say what is missing.
command -v dpkg-query >/dev/null 2>&1 || exit 0

# Packages the tests run programs from, but which are not installed:
# scripts/install-deps.sh unpacks them (dpkg-deb -x) into build/debs/PKG,
# at the version of the installed libxen-dev, whose libraries they use.
# Installing xen-utils-4.17 (vchan-socket-proxy, C xenstored) is not
# clean on a test machine: it pulls xen-utils-common, whose postinst
# registers the xen and xendomains init scripts to start at boot, udev,
# whose postinst starts udevd, and python3.
case "${1:-check}" in
check | bench) unpack="xen-utils-4.17" ;;
*) unpack="" ;;
esac
top=$(cd "$(dirname "$0")/.." && pwd)

# unpack_debs: unpack what is not unpacked yet.  A failed download is
# retried after apt-get update when we may run it.
unpack_debs() {
	ver=$(dpkg-query -W -f='${Version}' libxen-dev 2>/dev/null) || return 0
	for p in $unpack; do
		dest="$top/build/debs/$p"
		[ -f "$dest/.unpacked-$ver" ] && continue
		tmp=$(mktemp -d)
		chmod 755 "$tmp"
		if ! (cd "$tmp" && apt-get download -q "$p=$ver" >/dev/null 2>&1) &&
		    ! { [ "$root" = yes ] && $sudo apt-get update -q >/dev/null &&
		    (cd "$tmp" && apt-get download -q "$p=$ver" >/dev/null); }; then
			rm -rf "$tmp"
			echo "install-deps.sh: cannot download $p=$ver" >&2
			return 1
		fi
		rm -rf "$dest"
		mkdir -p "$dest"
		dpkg-deb -x "$tmp"/*.deb "$dest"
		touch "$dest/.unpacked-$ver"
		rm -rf "$tmp"
		echo "install-deps.sh: unpacked $p $ver into $dest"
	done
}

missing=""
for p in $want; do
	if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
	    grep -q '^install ok installed$'; then
		missing="$missing $p"
	fi
done
if $only_check; then
	[ -z "$missing" ] && exit 0
	cat >&2 <<EOF
gntbox needs Debian packages that are not installed:$missing
Install them with:  sudo apt-get install$missing
(or run 'make demo' or 'make check', which install what they need)
EOF
	exit 1
fi

root=yes
sudo=""
if [ "$(id -u)" -eq 0 ]; then
	:
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
	sudo="sudo -n"
else
	root=no
fi
if [ -z "$missing" ]; then
	unpack_debs
	exit
fi

if [ "$root" = no ]; then
	echo "install-deps.sh: missing Debian packages:$missing" >&2
	echo "install-deps.sh: run as root: apt-get install$missing" >&2
	exit 1
fi
echo "install-deps.sh: installing$missing"
export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086
if ! $sudo apt-get install -y --no-install-recommends $missing; then
	$sudo apt-get update
	# shellcheck disable=SC2086
	$sudo apt-get install -y --no-install-recommends $missing
fi
unpack_debs
