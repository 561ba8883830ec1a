#!/bin/sh
# make demo: two domains share pages, then talk over unmodified vchan.
#   scripts/demo.sh BUILD_DIR
set -eu
build=$(cd "${1:-build}" && pwd)
gntbox="$build/bin/gntbox"
ex="$build/examples"
export GNTBOX_DIR="${GNTBOX_DIR:-$(mktemp -d /tmp/gntbox-demo.XXXXXX)}"
fifo="$GNTBOX_DIR/demo.fifo"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
cleanup() { "$gntbox" down >/dev/null 2>&1 || true; }
trap cleanup EXIT

say "gntboxd plays the hypervisor for this directory: $GNTBOX_DIR"
"$gntbox" up
"$gntbox" create --dom 1 --name alice
"$gntbox" create --dom 2 --name bob
"$gntbox" list

say "alice (domain 1) shares a page with bob (domain 2) ..."
mkfifo "$fifo"
"$gntbox" run --dom 1 -- "$ex/share_page" 2 >"$fifo" &
sharer=$!
exec 3<"$fifo"
read -r _ ref <&3
echo "alice granted reference $ref"
"$gntbox" grants --dom 1

say "... bob maps it, reads alice's words and writes back"
"$gntbox" run --dom 2 -- "$ex/map_page" 1 "$ref"
cat <&3
wait "$sharer"
exec 3<&-

say "bob asks for a grant that does not exist: Xen's status comes back"
"$gntbox" run --dom 2 -- "$ex/map_page" 1 9999 || true

say "unmodified libxenvchan: alice serves, bob talks"
"$gntbox" run --dom 1 -- "$ex/vchan_echo" server 2 /local/domain/1/data/echo &
server=$!
printf 'hello over vchan\ngrant tables without a hypervisor\n' |
    "$gntbox" run --dom 2 -- "$ex/vchan_echo" client 1 /local/domain/1/data/echo
wait "$server"

say "nothing is left behind: no grant, map, handle, page or port"
"$gntbox" stats
