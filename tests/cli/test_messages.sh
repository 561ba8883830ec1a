#!/bin/sh
# Messages that say what to do, not only an errno: a runtime directory
# that cannot be made (which one, and why), xenstore's limits and path
# rule, options without their value or in the wrong place, programs the
# preload library cannot reach, and Xen's names for grant statuses.
. "$(dirname "$0")/lib/common.sh"

tmp=$(mktemp -d /tmp/gbt-msg.XXXXXX)

# The runtime directory: which one, and why; no log that cannot exist.
expect_fail 1 "^gntbox: up: cannot make the runtime directory $tmp/none/dir: $tmp/none does not exist \\(GNTBOX_DIR chooses it\\)\$" \
    env GNTBOX_DIR="$tmp/none/dir" "$GNTBOX" up
: >"$tmp/file"
expect_fail 1 "^gntbox: run: cannot make the runtime directory $tmp/file/dir: $tmp/file is not a directory \\(GNTBOX_DIR chooses it\\)\$" \
    env GNTBOX_DIR="$tmp/file/dir" "$GNTBOX" run --dom 1 -- true
expect_fail 1 "^gntbox: up: the runtime directory $tmp/file is not a directory" \
    env GNTBOX_DIR="$tmp/file" "$GNTBOX" up
# A parent the user may not write: as root, that needs another user.
mkdir "$tmp/locked"
chmod 0555 "$tmp/locked"
chmod 0755 "$tmp"
if [ "$(id -u)" -eq 0 ]; then
	as_user="setpriv --reuid=65534 --regid=65534 --clear-groups"
else
	as_user=""
fi
expect_fail 1 "^gntbox: up: cannot make the runtime directory $tmp/locked/dir: $tmp/locked is not writable by you: Permission denied \\(GNTBOX_DIR chooses it\\)\$" \
    env GNTBOX_DIR="$tmp/locked/dir" $as_user "$GNTBOX" up
cli_checks=$((cli_checks + 1))
grep -q "log" "$cli_out.err" && fail "points at a log: $(cat "$cli_out.err")"

# Options without their value, or after xs's operation: usage, exit 2.
for c in ports grants; do
	expect_fail 2 "^gntbox: $c: --dom needs a value\$" "$GNTBOX" $c --dom
done
expect_fail 2 "^gntbox: run: --dom needs a value\$" "$GNTBOX" run --dom
expect_fail 2 "^gntbox: trace: --dom needs a value\$" "$GNTBOX" trace --dom
expect_fail 2 "^gntbox: log: -n needs a value\$" "$GNTBOX" log -n
expect_fail 2 "^gntbox: top: -d needs a value\$" "$GNTBOX" top -d
expect_fail 2 "^gntbox: xs: --dom needs a value\$" "$GNTBOX" xs --dom
expect_fail 2 "^gntbox: xs: '--dom' after the operation: options go before it, as in 'gntbox xs --dom N read PATH'\$" \
    "$GNTBOX" xs read --dom 1 name
expect_fail 2 "^gntbox: xs: '--dom' after the operation" \
    "$GNTBOX" xs write name x --dom 1

cli_start
"$GNTBOX" create --dom 1 --name one >/dev/null || fail "create 1"

# xenstore's path rule and limits.
expect_fail 1 "^gntbox: xs: read \\.\\./foo: not a xenstore path: a path has only the characters A-Z a-z 0-9 - / _ @, no '//', no '/' at its end, and at most 3072 bytes\$" \
    "$GNTBOX" xs read ../foo
expect_fail 1 "^gntbox: xs: write a//b: not a xenstore path" \
    "$GNTBOX" xs write a//b x
big=$(printf '%05000d' 0)
expect_fail 1 "^gntbox: xs: write /big: the path and value take 5005 bytes; a xenstore request holds at most 4096\$" \
    "$GNTBOX" xs write /big "$big"
expect_fail 1 "^gntbox: xs: write big: the value has 3000 bytes; domain 1 may store at most 2048 in a node \\(its node-size quota\\)\$" \
    "$GNTBOX" xs --dom 1 write big "$(printf '%03000d' 0)"
expect_fail 1 "^gntbox: xs: write big: the value has 3000 bytes; domain 1 may store" \
    "$GNTBOX" run --dom one -- "$GNTBOX" xs write big "$(printf '%03000d' 0)"
expect_ok "$GNTBOX" xs --dom 1 write big "$(printf '%02048d' 0)"
expect_ok "$GNTBOX" xs --dom 1 rm big
# shellcheck disable=SC2046
expect_fail 1 "^gntbox: xs: write many/child-[0-9]+: domain 1 owns the 1000 nodes its quota allows\$" \
    "$GNTBOX" xs --dom 1 write $(many_children many 1001)
expect_ok "$GNTBOX" xs --dom 1 rm many

# Programs the preload library cannot reach: run says so, then runs them.
printf 'int main(void) { return 3; }\n' >"$tmp/static.c"
cc -static -o "$tmp/static" "$tmp/static.c" || fail "cc -static"
expect_fail 3 "^gntbox: run: warning: $tmp/static is statically linked: the dynamic loader, and with it the preload library, never comes in, so /dev/xen/gntdev, gntalloc and evtchn will not exist for it\$" \
    "$GNTBOX" run --dom 1 -- "$tmp/static"
# A program without the C library makes its system calls itself; this
# one does nothing but trap (SIGILL, or SIGTRAP where that is the trap).
printf 'void _start(void);\nvoid _start(void) { __builtin_trap(); }\n' \
    >"$tmp/nolibc.c"
cc -nostdlib -fPIE -pie -o "$tmp/nolibc" "$tmp/nolibc.c" || fail "cc -nostdlib"
cli_checks=$((cli_checks + 1))
"$GNTBOX" run --dom 1 -- "$tmp/nolibc" 2>"$cli_out.err"
[ $? -gt 128 ] || fail "the trapping program did not die of a signal"
grep -q "^gntbox: run: warning: $tmp/nolibc does not use the C library: its system calls go straight to the kernel, past the preload library, so /dev/xen/gntdev, gntalloc and evtchn will not exist for it\$" "$cli_out.err" ||
    fail "no warning for a program without libc: $(cat "$cli_out.err")"
# Dynamic programs, found in PATH as execvp finds them, get no warning.
expect_ok "$GNTBOX" run --dom 1 -- true
cli_checks=$((cli_checks + 1))
[ -s "$cli_out.err" ] && fail "warning for true: $(cat "$cli_out.err")"
expect_ok "$GNTBOX" run --dom 1 -- sh -c 'exit 0'

# A map that fails says Xen's status name, not only its number.
expect_fail 1 "^map_page: cannot map grant 9999 of domain 1: GNTST_bad_gntref \\(-3, invalid grant reference\\)\$" \
    "$GNTBOX" run --dom 2 -- "$GNTBOX_BUILD/examples/map_page" 1 9999
expect_fail 1 "^map_page: cannot map grant 1 of domain 9: GNTST_bad_domain \\(-2, unrecognised domain id\\)\$" \
    "$GNTBOX" run --dom 2 -- "$GNTBOX_BUILD/examples/map_page" 9 1

"$GNTBOX" destroy --dom 1 >/dev/null || fail "destroy 1"
"$GNTBOX" destroy --dom 2 >/dev/null || fail "destroy 2"
rm -rf "$tmp"
cli_finish
