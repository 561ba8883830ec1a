#!/bin/sh
# The runtime directory is checked before it is used (issue 11, defect 1;
# docs/security.md, "The runtime directory"): gntboxd and `gntbox up`
# refuse a directory that another user made first, a symbolic link in its
# place, and one that others may write; the pid file, the lock and the
# log are never opened through a link planted in it; and the clients
# refuse a daemon of another user (its socket answered `gntbox stats`
# before).  Each refusal is one line naming the directory and why.
#
# Another user is played by nobody (uid 65534): this test runs as root,
# as make check does in CI.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/security.sh"

[ "$(id -u)" -eq 0 ] || { echo "FAIL: this test needs root (it plays another user with setpriv)" >&2; exit 1; }
nobody=$(id -u nobody)

# The programs, where nobody may run them (the build may be in a
# directory only root can read).
tools=$(mktemp -d /tmp/gbt-tools.XXXXXX)
copy_tools "$tools" a+rX
G="$tools/bin/gntbox"
D="$tools/bin/gntboxd"

# A place where both users may make things: $GNTBOX_DIR itself (root's,
# searchable so that nobody can reach what it makes below).
base=$GNTBOX_DIR
chmod 0711 "$base"
victim="$base/victim"
secret="$base/secret"
echo "root's file" >"$secret"

# The attacker makes the victim's directory first, with a link where the
# log will go.  gntboxd, `gntbox up` and `gntbox run` refuse it, and
# nothing is written through it.
mkdir "$victim"
chown "$nobody" "$victim"
as_nobody ln -s "$secret" "$victim/gntboxd.log"
as_nobody ln -s "$secret" "$victim/gntboxd.pid"
export GNTBOX_DIR="$victim"
expect_fail 1 "^gntbox: up: runtime directory: $victim belongs to uid $nobody, not to you \\(uid 0\\)\$" "$G" up
expect_fail 1 "^gntbox: run: $victim belongs to uid $nobody, not to you \\(uid 0\\) or root\$" "$G" run --dom 1 -- true
expect_fail 1 "^(gntboxd: |[-0-9T:.+]+ )error: runtime directory: $victim belongs to uid $nobody, not to you \\(uid 0\\) \\(refused: choose another with --dir\\)\$" "$D" --dir "$victim"
cli_checks=$((cli_checks + 1))
[ "$(cat "$secret")" = "root's file" ] || fail "the planted link was written through"
cli_checks=$((cli_checks + 1))
[ ! -e "$victim/gntboxd.lock" ] && [ ! -e "$victim/control" ] ||
    fail "gntboxd made files in a directory it refused"

# The attacker's own daemon in its own directory: the victim's commands
# refuse to talk to it, before (directory) and after (peer) connecting.
setpriv --reuid="$nobody" --regid="$(id -g nobody)" --clear-groups -- \
    "$D" --dir "$victim" --log /dev/null &
apid=$!
wait_socket "$victim/control"
[ -S "$victim/control" ] || fail "the attacker's gntboxd did not start"
expect_fail 1 "^gntbox: stats: gntboxd: $victim belongs to uid $nobody, not to you \\(uid 0\\) or root\$" "$G" stats
expect_fail 1 "^gntbox: create: no gntboxd answers: $victim belongs to uid $nobody, not to you \\(uid 0\\) or root\$" "$G" create --dom 1
expect_fail 1 "^gntbox: down: $victim belongs to uid $nobody, not to you \\(uid 0\\) or root\$" "$G" down
# A socket reached through a directory we trust (here a link root made
# by mistake, or XENSTORED_PATH) is still refused when another user
# serves it.
trusted="$base/trusted"
mkdir "$trusted"
ln -s "$victim/control" "$trusted/control"
expect_fail 1 "^gntbox: stats: gntboxd: $trusted/control is served by uid $nobody, not by you \\(uid 0\\) or root\$" \
    env GNTBOX_DIR="$trusted" "$G" stats
expect_fail 1 "^gntbox: xs: $victim/dom/0/xenstore is served by uid $nobody, not by you \\(uid 0\\) or root\$" \
    env XENSTORED_PATH="$victim/dom/0/xenstore" "$G" xs read /local/domain/0/name
# nobody itself may use its daemon.
cli_checks=$((cli_checks + 1))
as_nobody env GNTBOX_DIR="$victim" "$G" stats >/dev/null ||
    fail "nobody cannot use its own gntboxd"
kill "$apid"
wait "$apid" 2>/dev/null

# A symbolic link in place of the directory, and a directory others may
# write, are refused too; so is one under a directory others may write
# that is not sticky.
ln -s "$trusted" "$base/link"
expect_fail 1 "^gntbox: up: runtime directory: .*/link is a symbolic link, not a directory\$" \
    env GNTBOX_DIR="$base/link" "$G" up
mkdir -m 0777 "$base/open"
chmod 0777 "$base/open"
expect_fail 1 "^gntbox: up: runtime directory: .*/open is writable by others \\(mode 0777\\)\$" \
    env GNTBOX_DIR="$base/open" "$G" up
expect_fail 1 "^gntbox: up: runtime directory: .*/open is writable by others \\(mode 0777\\)\$" \
    env GNTBOX_DIR="$base/open/below" "$G" up
cli_checks=$((cli_checks + 1))
[ ! -e "$base/open/below" ] || fail "a directory was made under an open one"

# A good directory with planted files (left by root by mistake): the
# lock is refused through a link, the log too, and the pid file's link
# is replaced, never followed.
good="$base/good"
mkdir -m 0700 "$good"
ln -s "$secret" "$good/gntboxd.log"
expect_fail 1 "^gntbox: up: log: $good/gntboxd.log is a symbolic link\$" env GNTBOX_DIR="$good" "$G" up
rm "$good/gntboxd.log"
ln -s "$secret" "$good/gntboxd.lock"
expect_fail 1 "^(gntboxd: |[-0-9T:.+]+ )error: $good/gntboxd.lock is a symbolic link\$" "$D" --dir "$good"
rm "$good/gntboxd.lock"
ln -s "$secret" "$good/gntboxd.pid"
export GNTBOX_DIR="$good"
cli_start
cli_checks=$((cli_checks + 1))
[ ! -L "$good/gntboxd.pid" ] && [ "$(cat "$secret")" = "root's file" ] ||
    fail "the pid file was written through a link"
# A default directory under $XDG_RUNTIME_DIR when GNTBOX_DIR is unset.
expect_ok env -u GNTBOX_DIR XDG_RUNTIME_DIR="$trusted" "$G" up
expect_out "^gntboxd serves $trusted/gntbox \\(pid [0-9]+\\)\$"
cli_checks=$((cli_checks + 1))
[ "$(stat -c %a "$trusted/gntbox")" = 700 ] || fail "the default directory is not 0700"
expect_ok env -u GNTBOX_DIR XDG_RUNTIME_DIR="$trusted" "$G" down
rm -rf "$tools"
cli_finish
