#!/bin/sh
# gntbox xs against gntboxd: read, write, ls, rm and watch --count, as
# domain 0 and as an unprivileged domain; relative paths; the domain it
# runs as by default; one-line errors (ENOENT, EACCES, no daemon, no such
# domain, usage); --help.
. "$(dirname "$0")/lib/common.sh"

# expect_error STATUS PATTERN CMD...: expect_fail, and stderr is that one
# line.
expect_error() {
	expect_fail "$@"
	cli_checks=$((cli_checks + 1))
	[ "$(wc -l <"$cli_out.err")" -eq 1 ] ||
	    fail "$*: stderr is not one line: $(cat "$cli_out.err")"
}

watch_out=$(mktemp /tmp/gbt-xs.XXXXXX)

# No daemon: said in one line, whichever domain is asked for.
nodaemon="no gntboxd serves $GNTBOX_DIR; start one with 'gntbox up'"
expect_error 1 "^gntbox: xs: $nodaemon\$" "$GNTBOX" xs read /x
expect_error 1 "^gntbox: xs: $nodaemon\$" "$GNTBOX" xs --dom 3 ls /
expect_error 1 "^gntbox: xs: $nodaemon\$" "$GNTBOX" xs --dom three ls /

cli_start

# Usage errors exit 2; --help goes to stdout.
expect_ok "$GNTBOX" xs --help
expect_out "^usage: gntbox xs \\[--dom N\\|NAME\\] read PATH"
expect_out "watch \\[--count N\\] PATH"
expect_fail 2 "^gntbox: xs: missing operation" "$GNTBOX" xs
expect_fail 2 "^gntbox: xs: unknown operation 'frob'" "$GNTBOX" xs frob
expect_fail 2 "^gntbox: xs: read: missing PATH" "$GNTBOX" xs read
expect_fail 2 "^gntbox: xs: write takes PATH VALUE pairs" \
    "$GNTBOX" xs write /a
expect_fail 2 "^gntbox: xs: '0' is not a count" \
    "$GNTBOX" xs watch --count 0 /a
expect_fail 2 "^gntbox: xs: watch takes one PATH" "$GNTBOX" xs watch /a /b
expect_fail 2 "^gntbox: xs: ls takes at most one PATH" "$GNTBOX" xs ls /a /b
expect_fail 2 "^gntbox: xs: 'x y' is neither a domain id \\(0 to 32751\\) nor a domain name" \
    "$GNTBOX" xs --dom "x y" ls
expect_error 1 "^gntbox: xs: there is no domain named 'x'\$" \
    "$GNTBOX" xs --dom x ls

"$GNTBOX" create --dom 3 --name three >/dev/null || fail "create 3"
"$GNTBOX" create --dom 4 >/dev/null || fail "create 4"
expect_error 1 "^gntbox: xs: there is no domain 9\$" \
    "$GNTBOX" xs --dom 9 read /x

# Domain 0: write, read, ls, rm.
expect_ok "$GNTBOX" xs write /t/a 1 /t/b "two words"
expect_ok "$GNTBOX" xs read /t/a /t/b
expect_same "1
two words"
expect_ok "$GNTBOX" xs ls /t
expect_same 'a = "1"
b = "two words"'
expect_ok "$GNTBOX" xs ls /local/domain/3
expect_out '^data = ""$'
expect_out '^domid = "3"$'
expect_out '^name = "three"$'
expect_error 1 "^gntbox: xs: read /t/none: No such file or directory\$" \
    "$GNTBOX" xs read /t/none
expect_error 1 "^gntbox: xs: ls /t/none: No such file or directory\$" \
    "$GNTBOX" xs ls /t/none
expect_ok "$GNTBOX" xs rm /t/a
expect_error 1 "^gntbox: xs: read /t/a: No such file or directory\$" \
    "$GNTBOX" xs read /t/a
# Relative paths are under /local/domain/0.
expect_ok "$GNTBOX" xs write data/rel x
expect_ok "$GNTBOX" xs read /local/domain/0/data/rel
expect_same x

# Domain 3: its home by relative paths, nothing of domain 4's.
expect_ok "$GNTBOX" xs --dom 3 read domid name
expect_same "3
three"
expect_ok "$GNTBOX" xs --dom 3 write data/k v
expect_ok "$GNTBOX" xs read /local/domain/3/data/k
expect_same v
expect_ok "$GNTBOX" xs --dom 3 ls data
expect_same 'k = "v"'
expect_ok "$GNTBOX" xs --dom 3 rm data/k
expect_error 1 "^gntbox: xs: read data/k: No such file or directory\$" \
    "$GNTBOX" xs --dom 3 read data/k
# Refused the same way whether or not the node exists.
expect_error 1 "^gntbox: xs: read /local/domain/4/data: Permission denied\$" \
    "$GNTBOX" xs --dom 3 read /local/domain/4/data
expect_error 1 "^gntbox: xs: read /local/domain/4/none: Permission denied\$" \
    "$GNTBOX" xs --dom 3 read /local/domain/4/none
expect_error 1 "^gntbox: xs: write /t/b: Permission denied\$" \
    "$GNTBOX" xs --dom 3 write /t/b x
expect_error 1 "^gntbox: xs: rm /local/domain/4/data: Permission denied\$" \
    "$GNTBOX" xs --dom 3 rm /local/domain/4/data
expect_error 1 "^gntbox: xs: ls /local/domain/4: Permission denied\$" \
    "$GNTBOX" xs --dom 3 ls /local/domain/4
expect_ok "$GNTBOX" xs read /t/b
expect_same "two words"

# Without --dom: the domain of `gntbox run` (XENSTORED_PATH), else
# GNTBOX_DOMID, else 0.
expect_ok env GNTBOX_DOMID=3 "$GNTBOX" xs read domid
expect_same 3
expect_ok env GNTBOX_DOMID=3 XENSTORED_PATH="$GNTBOX_DIR/dom/4/xenstore" \
    "$GNTBOX" xs read domid
expect_same 4
expect_ok "$GNTBOX" xs read domid
expect_same 0

# A directory too large for one reply is listed in parts.
# shellcheck disable=SC2046 # the names have no spaces
expect_ok "$GNTBOX" xs write $(many_children /big 600)
expect_ok "$GNTBOX" xs ls /big
cli_checks=$((cli_checks + 1))
[ "$(wc -l <"$cli_out")" -eq 600 ] || fail "ls /big: $(wc -l <"$cli_out") lines"
expect_out '^child-599 = "599"$'
expect_ok "$GNTBOX" xs rm /big

# watch --count N: the first event names the path itself (the watch is
# set), then one per change under it.
bg_start "$watch_out" "$GNTBOX" xs watch --count 3 /t
expect_ok "$GNTBOX" xs write /t/c 1
expect_ok "$GNTBOX" xs rm /t/c
bg_end "$bg_pid" "$watch_out" "/t
/t/c
/t/c"
# As domain 3, relative: events are relative too.
bg_start "$watch_out" "$GNTBOX" xs --dom 3 watch --count 2 data
expect_ok "$GNTBOX" xs --dom 3 write data/w 1
bg_end "$bg_pid" "$watch_out" "data
data/w"
expect_error 1 "^gntbox: xs: there is no domain 9\$" \
    "$GNTBOX" xs --dom 9 watch /x

expect_ok "$GNTBOX" xs rm /t data/rel
"$GNTBOX" destroy --dom 3 || fail "destroy 3"
"$GNTBOX" destroy --dom 4 || fail "destroy 4"
rm -f "$watch_out"
cli_finish
