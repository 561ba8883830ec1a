#!/bin/sh
# Install the Debian packages gntbox needs that are missing.
#   scripts/install-deps.sh [PROFILE]           install what PROFILE lacks
#   scripts/install-deps.sh --check PROFILE     only say what it lacks
# PROFILE: build (make), demo (make demo), check (make check, the default),
# bench (make bench), lint (make lint), deb (make deb-check).
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
build="make gcc libc6-dev pkg-config libbsd-dev libxen-dev libjson-c-dev"
# The tests also run Debian's xenstore tools, render the installed manual
# pages (man-db), compare the library's ABI (abigail-tools) and parse
# --json output with jq.
check="$build xenstore-utils man-db abigail-tools jq"
case "${1:-check}" in
build | demo) want="$build" ;;
check)	want="$check" ;;
bench)	want="$check ministat gnuplot-nox" ;;
lint)	want="$build clang-format clang-tidy cppcheck" ;;
deb)	want="$check debhelper dpkg-dev fakeroot lintian systemd" ;;
*)	echo "install-deps.sh: unknown profile '$1'" \
	    "(build, demo, check, bench, lint or deb)" >&2
	exit 2 ;;
esac

# Without dpkg this is not Debian: the compiler will say what is missing.
command -v dpkg-query >/dev/null 2>&1 || exit 0

missing=""
for p in $want; do
	if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
	    grep -q '^install ok installed$'; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if $only_check; then
	cat >&2 <<EOF
gntbox needs Debian packages that are not installed:$missing
Install them with:  sudo apt-get install$missing
(or run 'make demo' or 'make check', which install what they need)
EOF
	exit 1
fi

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
