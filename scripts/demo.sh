#!/bin/sh
# make demo: two domains share pages, then talk over unmodified vchan.
#   scripts/demo.sh BUILD_DIR
# It runs in a runtime directory of its own ($GNTBOX_DIR if set, else a
# new one under $TMPDIR or /tmp that it removes at the end) and stops its
# daemon when done.
set -eu
build=$(cd "${1:-build}" && pwd)
gntbox="$build/bin/gntbox"
ex="$build/examples"
if [ -z "${GNTBOX_DIR:-}" ]; then
	GNTBOX_DIR=$(mktemp -d "${TMPDIR:-/tmp}/gntbox-demo.XXXXXX")
	made_dir=1
else
	made_dir=0
fi
export GNTBOX_DIR
fifo="$GNTBOX_DIR/demo.fifo"
base="$GNTBOX_DIR/demo.base"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
cleanup() {
	"$gntbox" down >/dev/null 2>&1 || true
	rm -f "$fifo" "$base"
	if [ "$made_dir" -eq 1 ]; then
		rm -rf "$GNTBOX_DIR"
	fi
}
trap cleanup EXIT

say "gntboxd plays the hypervisor for this directory: $GNTBOX_DIR"
"$gntbox" up
"$gntbox" create --dom 1 --name alice
"$gntbox" create --dom 2 --name bob
"$gntbox" list
# The baseline: what exists once both domains do, before anything shares.
"$gntbox" stats >"$base"

say "alice (domain 1) shares a page with bob (domain 2) ..."
mkfifo "$fifo"
"$gntbox" run --dom alice -- "$ex/share_page" 2 >"$fifo" &
sharer=$!
exec 3<"$fifo"
read -r _ ref <&3
echo "alice granted reference $ref"
"$gntbox" grants --dom alice

say "... bob maps it, reads alice's words and writes back"
"$gntbox" run --dom bob -- "$ex/map_page" 1 "$ref"
cat <&3
wait "$sharer"
exec 3<&-

say "bob asks for a grant that does not exist: Xen's status comes back"
"$gntbox" run --dom bob -- "$ex/map_page" 1 9999 || true

say "unmodified libxenvchan: alice serves, bob talks"
"$gntbox" run --dom alice -- "$ex/vchan_echo" server 2 /local/domain/1/data/echo &
server=$!
printf 'hello over vchan\ngrant tables without a hypervisor\n' |
    "$gntbox" run --dom bob -- "$ex/vchan_echo" client 1 /local/domain/1/data/echo
wait "$server"

say "nothing is left behind"
# The levels (the first twelve counters) but connections, which counts
# the stats command itself; releases run once the processes have gone.
levels() { sed -n '1,12p' "$1" | grep -v '^connections '; }
tries=0
while "$gntbox" stats >"$base.now" &&
    [ "$(levels "$base.now")" != "$(levels "$base")" ] && [ $tries -lt 50 ]; do
	sleep 0.1
	tries=$((tries + 1))
done
# Side by side: the counters once alice and bob existed, and now.
awk 'NR == FNR { was[$1] = $2; next }
     FNR == 1 { printf "%-18s %10s %6s\n", "COUNTER", "BASELINE", "NOW" }
     FNR == 13 { print "  (totals since gntboxd started)" }
     { printf "%-18s %10s %6s\n", $1, FNR <= 12 ? was[$1] : "", $2 }' \
    "$base" "$base.now"
cat <<'TEXT'

The first twelve counters are levels: what exists now. The baseline is
what existed once alice and bob had been created, before anything was
shared: three domains (Domain-0, alice and bob), their xenstore nodes,
and no grant, map, handle, page, arena, port, watch or transaction
(connections counts the stats command itself). Below them are totals
since gntboxd started: deferred grants released late, unmap
notifications fired (vchan asks for them), protocol errors, dropped
connections, connections refused at a limit and hypercalls answered
"not implemented"; and fds, the descriptors gntboxd holds for its
clients now.
TEXT
if [ "$(levels "$base.now")" = "$(levels "$base")" ]; then
	echo "Every level is back at its baseline: the programs left nothing behind."
	rm -f "$base.now"
else
	echo "Some levels are NOT back at their baseline: something was left behind."
	rm -f "$base.now"
	exit 1
fi
