#!/bin/sh
# Debian's unmodified xenstore-utils against gntboxd: xenstore-read,
# -write, -ls, -rm, -chmod, -exists, -list and -watch, as domain 0 and as
# unprivileged domains.  Relative paths are under /local/domain/N; a
# domain's home (domid, name, data) exists from its creation and goes,
# with every node it owns, when it is destroyed; domains are refused each
# other's nodes with EACCES whether or not the node exists;
# @introduceDomain and @releaseDomain fire on gntbox create and destroy.
#
# Each tool runs as a process of its domain under `gntbox run --dom N`,
# as a user runs it: it finds its domain's store through XENSTORED_PATH,
# and has the preload library (and, in the sanitizer build, the ASan
# runtime before it: see tests/run.sh about their leaks).
. "$(dirname "$0")/lib/common.sh"

# expect_missing N PATH: xenstore-exists, as domain N, says PATH is not
# there (for N, which cannot tell a node it may not read from none).
expect_missing() {
	cli_checks=$((cli_checks + 1))
	in_dom "$1" xenstore-exists "$2" >"$cli_out" 2>&1
	rc=$?
	[ $rc -eq 1 ] || fail "xenstore-exists $2 as $1 exited $rc"
}

watch_out=$(mktemp /tmp/gbt-xsu.XXXXXX)
xs0="$GNTBOX_DIR/dom/0/xenstore"
xs1="$GNTBOX_DIR/dom/1/xenstore"
cli_start

# A domain's home exists from its creation: domid, name, data.
expect_ok "$GNTBOX" create --dom 1 --name one
expect_ok "$GNTBOX" create --dom 2
expect_ok in_dom 0 xenstore-ls /local/domain/1
expect_same 'data = ""
domid = "1"
name = "one"'
expect_ok in_dom 1 xenstore-read domid name
expect_same "1
one"
expect_ok in_dom 0 xenstore-list /local/domain
expect_same "0
1
2"

# Domain 0.
expect_ok in_dom 0 xenstore-write /u/a 1 /u/b 2
expect_ok in_dom 0 xenstore-read /u/a /u/b
expect_same "1
2"
expect_ok in_dom 0 xenstore-list /u
expect_same "a
b"
expect_ok in_dom 0 xenstore-exists /u/b
expect_missing 0 /u/c
expect_ok in_dom 0 xenstore-ls -p /u
expect_out '^a = "1" .*\(n0\)$'
expect_ok in_dom 0 xenstore-rm /u/a
expect_missing 0 /u/a
expect_fail 1 "couldn't read path /u/a" in_dom 0 xenstore-read /u/a
# Relative paths are under /local/domain/0.
expect_ok in_dom 0 xenstore-write data/x zero
expect_ok in_dom 0 xenstore-read /local/domain/0/data/x
expect_same zero

# Domain 1: its home by relative paths; what it creates is its own.
expect_ok in_dom 1 xenstore-write data/u x
expect_ok in_dom 1 xenstore-read data/u
expect_same x
expect_ok in_dom 1 xenstore-exists data/u
expect_ok in_dom 1 xenstore-list data
expect_same u
expect_ok in_dom 1 xenstore-ls -p data
expect_out '^u = "x" .*\(n1\)$'
expect_ok in_dom 0 xenstore-read /local/domain/1/data/u
expect_same x
expect_fail 1 "couldn't read path /u/b" in_dom 1 xenstore-read /u/b
expect_fail 1 "could not write path domid" in_dom 1 xenstore-write domid 7

# Domain 2 is refused domain 1's nodes, existing or not, with EACCES.
for p in /local/domain/1/data/u /local/domain/1/data/none; do
	expect_fail 1 "^xenstore-ls: xs_directory \\($p\\): Permission denied\$" \
	    in_dom 2 xenstore-ls "$p"
	expect_fail 1 "^xenstore-chmod: Error occurred setting permissions on '$p': Permission denied\$" \
	    in_dom 2 xenstore-chmod "$p" n2
	expect_fail 1 "couldn't read path $p" in_dom 2 xenstore-read "$p"
	expect_fail 1 "could not write path $p" in_dom 2 xenstore-write "$p" y
	expect_fail 1 "could not remove path $p" in_dom 2 xenstore-rm "$p"
	expect_missing 2 "$p"
done
# Until domain 1 lets it read; giving the node away is domain 0's.
expect_ok in_dom 1 xenstore-chmod data/u n1 r2
expect_ok in_dom 2 xenstore-read /local/domain/1/data/u
expect_same x
expect_fail 1 "could not write path" in_dom 2 xenstore-write /local/domain/1/data/u y
expect_fail 1 "^xenstore-chmod: Error occurred setting permissions on 'data/u': Operation not permitted\$" \
    in_dom 1 xenstore-chmod data/u n2
expect_ok in_dom 0 xenstore-chmod /local/domain/1/data/u n2
expect_ok in_dom 2 xenstore-write /local/domain/1/data/u y
expect_ok in_dom 0 xenstore-ls -p /local/domain/1/data
expect_out '^u = "y" .*\(n2\)$'

# Watches: the watched path first, then one event per change, relative
# for a relative watch.
bg_start "$watch_out" env XENSTORED_PATH="$xs1" xenstore-watch -n 3 data/w
expect_ok in_dom 1 xenstore-write data/w/x 1
expect_ok in_dom 0 xenstore-rm /local/domain/1/data/w
bg_end "$bg_pid" "$watch_out" "data/w
data/w/x
data/w"
bg_start "$watch_out" env XENSTORED_PATH="$xs0" xenstore-watch -n 2 /local/domain/1/data
# A watching connection counts as one of its domain's.
expect_ok "$GNTBOX" list
expect_out "^0 +Domain-0 +1 "
expect_ok in_dom 1 xenstore-write data/v 1
bg_end "$bg_pid" "$watch_out" "/local/domain/1/data
/local/domain/1/data/v"

# @introduceDomain and @releaseDomain, seen from domain 0 (the second
# from domain 1 too: every domain may watch for releases).
bg_start "$watch_out" env XENSTORED_PATH="$xs0" xenstore-watch -n 2 @introduceDomain
expect_ok "$GNTBOX" create --dom 3
bg_end "$bg_pid" "$watch_out" "@introduceDomain
@introduceDomain"
# Domain 3 writes where domain 0 lets it, and in its home.
expect_ok in_dom 0 xenstore-write /shared ""
expect_ok in_dom 0 xenstore-chmod /shared n0 b3
expect_ok in_dom 3 xenstore-write /shared/by3 3 data/mine 3
expect_ok in_dom 0 xenstore-exists /shared/by3 /local/domain/3/data/mine
bg_start "$watch_out" env XENSTORED_PATH="$xs0" xenstore-watch -n 2 @releaseDomain
pid0=$bg_pid
bg_start "$watch_out.1" env XENSTORED_PATH="$xs1" xenstore-watch -n 2 @releaseDomain
expect_ok "$GNTBOX" destroy --dom 3
bg_end "$pid0" "$watch_out" "@releaseDomain
@releaseDomain"
bg_end "$bg_pid" "$watch_out.1" "@releaseDomain
@releaseDomain"
# Its nodes went: its home, and what it owned elsewhere.
expect_missing 0 /local/domain/3
expect_missing 0 /shared/by3
expect_ok in_dom 0 xenstore-list /local/domain
expect_same "0
1
2"
expect_ok in_dom 0 xenstore-ls -p /
expect_out '^shared = "" .*\(n0\)$'

# A directory too large for one reply: xenstore-list gets it whole.
# shellcheck disable=SC2046 # the names have no spaces
expect_ok in_dom 0 xenstore-write $(many_children /big 600)
expect_ok in_dom 0 xenstore-list /big
cli_checks=$((cli_checks + 1))
[ "$(wc -l <"$cli_out")" -eq 600 ] || fail "list /big: $(wc -l <"$cli_out") lines"

expect_ok in_dom 0 xenstore-rm /big /shared /u data/x
expect_ok "$GNTBOX" destroy --dom 1
expect_ok "$GNTBOX" destroy --dom 2
rm -f "$watch_out" "$watch_out.1"
cli_finish
