#!/bin/sh
# Install the Debian packages gntbox needs that are missing.
#   scripts/install-deps.sh [check|bench|lint]   (default: check)
# `make check`, `make demo` and `make bench` call it; it needs root (or
# sudo without a password) only when something is missing.
set -eu

base="make gcc pkg-config libbsd-dev"
# The block devices (block-attach, the blkfront plugin, their tests and
# benchmark) need QEMU's qdisk, nbdkit and its plugin headers, NBD
# clients (libnbd's, and qemu-io for requests that are not whole
# sectors) and fio.
block="qemu-system-xen qemu-utils nbdkit nbdkit-plugin-dev libnbd-bin fio"
case "${1:-check}" in
check)	want="$base libxen-dev xenstore-utils $block" ;;
bench)	want="$base libxen-dev xenstore-utils $block ministat gnuplot-nox strace" ;;
lint)	want="$base clang-format clang-tidy cppcheck" ;;
*)	echo "install-deps.sh: unknown profile '$1' (check, bench or lint)" >&2
	exit 2 ;;
esac

missing=""
for p in $want; do
	if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
	    grep -q '^install ok installed$'; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
	sudo=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
	sudo="sudo -n"
else
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
