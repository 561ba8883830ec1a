#!/bin/sh
# gntbox create --user and gntbox run for a domain bound to a user (issue
# 11, "Users as a boundary"; docs/security.md): the domain's directory and
# sockets are the user's, mode 0700; run started by root runs the command
# as that user, and refuses when the user cannot read the preload
# library; anyone else gets a one-line refusal; binding needs a root
# gntboxd and a runtime directory the user can reach; destroy kills the
# user's command.  Users are Debian's nobody and daemon; this test runs
# as root, as make check does in CI.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/security.sh"

[ "$(id -u)" -eq 0 ] || { echo "FAIL: this test needs root (it runs commands as other users)" >&2; exit 1; }
nobody=$(id -u nobody)

# The programs, where nobody may read them (the build may be in a
# directory only root can read), and a copy nobody may not read.
base=$GNTBOX_DIR
tools=$(mktemp -d /tmp/gbt-tools.XXXXXX)
closed=$(mktemp -d /tmp/gbt-closed.XXXXXX)
copy_tools "$tools" a+rX
copy_tools "$closed" go-rwx
G="$tools/bin/gntbox"

cli_start
expect_fail 1 "^gntbox: create: there is no user 'no-such-user'\$" "$G" create --dom 1 --user no-such-user
expect_fail 2 "^gntbox: create: --user needs a user name\$" "$G" create --dom 1 --user
expect_ok "$G" create --dom 1 --name one --user nobody
expect_ok "$G" create --dom 2 --name dom2 --user=daemon
expect_fail 1 "^gntbox: create: domain 1 exists\$" "$G" create --dom 1 --user nobody
cli_checks=$((cli_checks + 1))
[ "$(stat -c '%U %a' "$base/dom/1" "$base/dom/1/device" "$base/dom/1/xenstore" | sort -u)" = "nobody 700" ] ||
    fail "domain 1's files: $(stat -c '%n %U %a' "$base/dom/1" "$base/dom/1/device" "$base/dom/1/xenstore")"
cli_checks=$((cli_checks + 1))
[ "$(stat -c '%U %a' "$base/dom/0/device" "$base/control")" = "root 700
root 700" ] || fail "domain 0's and the control socket are not root's alone"

# run, started by root, runs the command as the domain's user.
expect_ok "$G" run --dom 1 -- id -u
expect_same "$nobody"
expect_ok "$G" run --dom 1 -- sh -c 'exec 3<>/dev/xen/gntdev && echo opened'
expect_same "opened"
expect_ok "$G" run --dom 0 -- id -u
expect_same 0
expect_fail 126 "^gntbox: run: user nobody cannot read $closed/lib/libgntbox-preload.so: Permission denied\$" \
    "$closed/bin/gntbox" run --dom 1 -- true
# Anyone but root is refused, in one line.
expect_fail 1 "^gntbox: run: $base: permission denied: that gntboxd, or that domain, belongs to another user\$" \
    as_nobody "$G" run --dom 1 -- true
expect_fail 1 "^gntbox: stats: gntboxd: permission denied: that gntboxd, or that domain, belongs to another user\$" \
    as_nobody "$G" stats

# destroy kills the user's command.
run_sleep "$G" 2
expect_ok "$G" destroy --dom 2
expect_out "^domain 2 \\(dom2\\): killed process $sleeper \\(sleep\\), uid $(id -u daemon)\$"
wait "$runner"
expect_ok "$G" destroy --dom 1

# A runtime directory the user cannot reach.
mkdir -m 0700 "$base/shut"
expect_ok env GNTBOX_DIR="$base/shut/gntbox" "$GNTBOX" up
expect_fail 1 "^gntbox: create: domain 1: user nobody cannot reach $base/shut/gntbox \\(a directory above it is not searchable by others\\)\$" \
    env GNTBOX_DIR="$base/shut/gntbox" "$G" create --dom 1 --user nobody
expect_ok env GNTBOX_DIR="$base/shut/gntbox" "$GNTBOX" down

# A gntboxd that is not root binds domains to its own user only.
mkdir "$base/nob"
chown nobody "$base/nob"
as_nobody "$tools/bin/gntboxd" --dir "$base/nob" --log /dev/null &
nob=$!
wait_socket "$base/nob/control"
expect_fail 1 "^gntbox: create: domain 1: binding a domain to user daemon needs gntboxd to run as root\$" \
    as_nobody env GNTBOX_DIR="$base/nob" "$G" create --dom 1 --user daemon
expect_ok as_nobody env GNTBOX_DIR="$base/nob" "$G" create --dom 1 --user nobody
expect_ok as_nobody env GNTBOX_DIR="$base/nob" "$G" down
wait "$nob"

rm -rf "$tools" "$closed"
cli_finish
