#!/bin/sh
# The layers of src/: which folder may include which (make lint runs this).
#
#   scripts/layers.sh [DIR]           check the tree at DIR (default: this one)
#   scripts/layers.sh --graph [DIR]   the folder graph: one edge a line, with
#                                     its count of #include lines
#   scripts/layers.sh --dot [DIR]     the same graph for Graphviz (dot -Tsvg)
#   scripts/layers.sh --self-test     check this script on made-up trees
#
# It reads the #include "..." lines of every file under src/ (the files git
# knows, tracked or not yet added, or every file when DIR is not a git
# checkout) and fails, one line per problem, when
#   - a folder includes one that its line of the table below does not list,
#   - a folder not named in PUBLIC includes the public header
#     include/gntbox.h,
#   - a folder of src/ is missing from the table, or a line of the table
#     names a folder that has no line above it,
#   - two files under src/ share a name (main.c excepted): a name must say
#     which side of the socket its file is on,
#   - a file under src/ is longer than MAX_LINES lines.
# An include is placed as the compiler places it (-Iinclude -Isrc): next to
# the including file first, then under include/, then under src/.
# Exit status: 0 clean, 1 problems found, 2 bad usage.
set -u

# The layer table, bottom to top: a folder, then the folders it may include
# (itself always), each of which must have a line above it, so that no
# cycle can be written.  A new folder gets a line here; docs/contributing.md
# ("Layers") says how to choose it.
LAYERS='
base
blkfront	base
proto	base
hv	base proto
xs	base proto
daemon	base proto hv xs
client	base proto
lib	base proto client
preload	base proto client
cli	base proto lib
'
# The folders that may include the public header, include/gntbox.h.
PUBLIC='client lib preload cli'
# Names that may appear in several folders.
SAME_NAME_OK='main.c'
MAX_LINES=800

usage() {
	echo "usage: scripts/layers.sh [--graph | --dot] [DIR] | --self-test" >&2
	exit 2
}

# list_files ROOT: the files under src/ and include/ of ROOT, one a line,
# relative to ROOT.
list_files() {
	if [ "$(git -C "$1" rev-parse --show-toplevel 2>/dev/null)" = \
	    "$(cd "$1" && pwd -P)" ]; then
		git -C "$1" ls-files --cached --others --exclude-standard \
		    -- src include | sort -u |
		    while read -r f; do [ -f "$1/$f" ] && echo "$f"; done
	else
		(cd "$1" && find src include -type f 2>/dev/null | sort)
	fi
}

# scan MODE ROOT: MODE check prints the problems, MODE edges prints
# "RANK RANK FROM TO COUNT OK" for every edge between two folders, where
# OK is 1 (allowed), 0 (forbidden) or -1 (FROM is not in the table).
scan() {
	list_files "$2" | (cd "$2" && awk -v mode="$1" -v table="$LAYERS" \
	    -v public="$PUBLIC" -v sameok="$SAME_NAME_OK" \
	    -v maxlines="$MAX_LINES" '
	# "a/./b/../c" -> "a/c".
	function normpath(p,    n, i, w, out, k) {
		n = split(p, w, "/")
		k = 0
		for (i = 1; i <= n; i++) {
			if (w[i] == "" || w[i] == ".")
				continue
			if (w[i] == ".." && k > 0 && out[k] != "..")
				k--
			else
				out[++k] = w[i]
		}
		p = ""
		for (i = 1; i <= k; i++)
			p = p (i > 1 ? "/" : "") out[i]
		return (p)
	}
	function dirname(p) {
		if (sub(/\/[^\/]*$/, "", p) == 0)
			return (".")
		return (p)
	}
	function basename(p) {
		sub(/.*\//, "", p)
		return (p)
	}
	# The node a path belongs to: its folder under src/, "include" for
	# the public header, else the path itself.
	function node(p,    w) {
		if (p ~ /^include\//)
			return ("include")
		if (p ~ /^src\/[^\/]+\//) {
			split(p, w, "/")
			return (w[2])
		}
		if (p ~ /^src\//)
			return ("src")
		return (p)
	}
	# The file an #include "inc" in file f names, as the compiler finds it.
	function place(f, inc,    c) {
		c = normpath(dirname(f) "/" inc)
		if (c in exists)
			return (c)
		c = normpath("include/" inc)
		if (c in exists)
			return (c)
		c = normpath("src/" inc)
		if (c in exists || inc ~ /\//)
			return (c)
		return (normpath(dirname(f) "/" inc))
	}
	function problem(msg) {
		if (mode == "check")
			print msg
	}
	BEGIN {
		n = split(table, rows, "\n")
		for (i = 1; i <= n; i++) {
			m = split(rows[i], w, " ")
			if (m == 0)
				continue
			rank[w[1]] = ++nlayers
			allowed[w[1], w[1]] = 1
			deps[w[1]] = ""
			for (j = 2; j <= m; j++) {
				# Only lines above: the table cannot hold a cycle.
				if (!(w[j] in rank))
					problem("scripts/layers.sh: " w[1] \
					    " lists " w[j] ", which has no " \
					    "line above it in the layer table")
				allowed[w[1], w[j]] = 1
				deps[w[1]] = deps[w[1]] (j > 2 ? " " : "") w[j]
			}
		}
		n = split(public, w, " ")
		for (i = 1; i <= n; i++)
			pub[w[i]] = 1
		n = split(sameok, w, " ")
		for (i = 1; i <= n; i++)
			okname[w[i]] = 1
	}
	{
		exists[$0] = 1
		files[++nfiles] = $0
	}
	END {
		for (i = 1; i <= nfiles; i++) {
			f = files[i]
			if (f !~ /^src\//)
				continue
			from = node(f)
			if (!(from in rank) && !(from in told)) {
				told[from] = 1
				if (from == "src")
					problem(f ": outside any folder of src/")
				else
					problem("src/" from "/: a folder the " \
					    "layer table does not list " \
					    "(scripts/layers.sh)")
			}
			b = basename(f)
			if (!(b in okname)) {
				if (nnamed[b]++ == 0)
					named[b] = f
				else
					named[b] = named[b] " " f
			}
			lines = 0
			while ((getline line < f) > 0) {
				lines++
				if (line !~ /^[ \t]*#[ \t]*include[ \t]*"/)
					continue
				inc = line
				sub(/^[ \t]*#[ \t]*include[ \t]*"/, "", inc)
				sub(/".*/, "", inc)
				to = node(place(f, inc))
				if (to == from)
					continue
				count[from, to]++
				if (!(from in rank)) {
					ok[from, to] = -1
					continue
				}
				where = f ":" lines ": " from " -> " to \
				    " (#include \"" inc "\"): "
				if (to == "include") {
					ok[from, to] = (from in pub)
					if (!ok[from, to])
						problem(where "only " public \
						    " may include the public " \
						    "header")
				} else {
					ok[from, to] = ((from, to) in allowed)
					if (!ok[from, to])
						problem(where from " may " \
						    "include " (deps[from] == \
						    "" ? "nothing" : deps[from]))
				}
			}
			close(f)
			if (lines > maxlines)
				problem(f ": " lines " lines (at most " \
				    maxlines ")")
		}
		for (b in nnamed)
			if (nnamed[b] > 1)
				problem(named[b] ": " nnamed[b] " files named " \
				    b " (a name says which side it is on)")
		if (mode != "edges")
			exit (0)
		for (k in count) {
			split(k, w, SUBSEP)
			printf "%03d %03d %s %s %d %d\n", \
			    (w[1] in rank) ? rank[w[1]] : 999, \
			    (w[2] in rank) ? rank[w[2]] : 999, \
			    w[1], w[2], count[k], ok[k]
		}
	}'
	)
}

# check ROOT: print the problems on stderr; exit 1 if there are any.
check() {
	out=$(scan check "$1" | sort)
	[ -z "$out" ] && exit 0
	echo "$out" >&2
	echo "layers.sh: $(echo "$out" | wc -l) problem(s)" \
	    "(docs/contributing.md, \"Layers\")" >&2
	exit 1
}

# graph ROOT: "from -> to  count", bottom layer first.
graph() {
	scan edges "$1" | sort | while read -r _ _ from to n ok; do
		case $ok in
		1) note= ;;
		0) note='  forbidden' ;;
		*) note="  ($from is not in the table)" ;;
		esac
		printf '%-8s -> %-8s %4d%s\n' "$from" "$to" "$n" "$note"
	done
}

graph_dot() {
	echo "digraph layers {"
	echo "	node [shape=box];"
	scan edges "$1" | sort | while read -r _ _ from to n ok; do
		case $ok in
		1) style= ;;
		0) style=', color=red, fontcolor=red' ;;
		*) style=', style=dashed' ;;
		esac
		echo "	\"$from\" -> \"$to\" [label=$n$style];"
	done
	echo "}"
}

# self_test: each rule on a tree made for it.  Prints "ok N - what" or
# "not ok N - what" per case; exit 1 if any case failed.
self_test() {
	self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
	tmp=$(mktemp -d /tmp/layers-test.XXXXXX) || exit 1
	trap 'rm -rf "$tmp"' EXIT
	failed=0
	t=0

	# A clean tree: allowed edges, the public header where it may be,
	# two main.c, a file of exactly MAX_LINES lines.
	fresh() {
		rm -rf "$tmp/tree"
		mkdir -p "$tmp/tree/include" "$tmp/tree/src/base" \
		    "$tmp/tree/src/proto" "$tmp/tree/src/daemon" \
		    "$tmp/tree/src/lib" "$tmp/tree/src/cli"
		cd "$tmp/tree" || exit 1
		echo '/* public */' >include/gntbox.h
		echo '/* base */' >src/base/log.h
		printf '#include "base/log.h"\n' >src/proto/proto.h
		printf '#include "proto/proto.h"\n#include "base/log.h"\n' \
		    >src/daemon/main.c
		printf '#include "gntbox.h"\n#include "proto/proto.h"\n' \
		    >src/lib/api.c
		printf '#include "../base/log.h"\n' >src/cli/main.c
		awk -v n="$MAX_LINES" 'BEGIN { while (n-- > 0) print "" }' \
		    >src/base/long.c
		cd "$tmp" || exit 1
	}
	# expect WHAT STATUS TEXT: the checker on the tree exits STATUS and
	# prints exactly TEXT (and, on failure, its count line).
	expect() {
		t=$((t + 1))
		got=$("$checker" "$tmp/tree" 2>&1)
		rc=$?
		want=$3
		[ -n "$want" ] && want="$want
layers.sh: 1 problem(s) (docs/contributing.md, \"Layers\")"
		if [ "$rc" -eq "$2" ] && [ "$got" = "$want" ]; then
			echo "ok $t - $1"
		else
			echo "not ok $t - $1: exit $rc, printed:"
			echo "$got" | sed 's/^/#   /'
			failed=1
		fi
	}

	checker=$self
	fresh
	expect "allowed includes pass" 0 ""
	fresh
	printf '\n#include "proto/proto.h"\n' >"$tmp/tree/src/base/up.c"
	expect "an upward include fails" 1 \
	    'src/base/up.c:2: base -> proto (#include "proto/proto.h"): base may include nothing'
	fresh
	printf '# include "gntbox.h"\n' >"$tmp/tree/src/daemon/conn.c"
	expect "the public header outside its folders fails" 1 \
	    "src/daemon/conn.c:1: daemon -> include (#include \"gntbox.h\"): only $PUBLIC may include the public header"
	fresh
	echo '/* lib */' >"$tmp/tree/src/lib/log.h"
	expect "a duplicate name fails" 1 \
	    'src/base/log.h src/lib/log.h: 2 files named log.h (a name says which side it is on)'
	fresh
	echo '' >>"$tmp/tree/src/base/long.c"
	expect "a file of $((MAX_LINES + 1)) lines fails" 1 \
	    "src/base/long.c: $((MAX_LINES + 1)) lines (at most $MAX_LINES)"
	fresh
	mkdir "$tmp/tree/src/dev"
	echo '/* dev */' >"$tmp/tree/src/dev/dev.c"
	expect "a folder outside the table fails" 1 \
	    'src/dev/: a folder the layer table does not list (scripts/layers.sh)'
	# This script with a first table line that names a folder above it.
	checker="$tmp/layers.sh"
	awk '{ print } /^LAYERS=.$/ { print "first\tcli" }' "$self" >"$checker"
	chmod +x "$checker"
	fresh
	expect "a table line naming a folder not above it fails" 1 \
	    'scripts/layers.sh: first lists cli, which has no line above it in the layer table'

	t=$((t + 1))
	fresh
	printf '\n#include "proto/proto.h"\n' >"$tmp/tree/src/base/up.c"
	got=$("$self" --graph "$tmp/tree")
	want=$(printf '%s\n' \
	    'base     -> proto       1  forbidden' \
	    'proto    -> base        1' \
	    'daemon   -> base        1' \
	    'daemon   -> proto       1' \
	    'lib      -> proto       1' \
	    'lib      -> include     1' \
	    'cli      -> base        1')
	if [ "$got" = "$want" ]; then
		echo "ok $t - --graph counts each edge and marks the forbidden"
	else
		echo "not ok $t - --graph printed:"
		echo "$got" | sed 's/^/#   /'
		failed=1
	fi
	exit "$failed"
}

case "${1:-}" in
--self-test)
	[ $# -eq 1 ] || usage
	self_test
	;;
--graph | --dot)
	mode=graph
	[ "$1" = --dot ] && mode=graph_dot
	[ $# -le 2 ] || usage
	root=${2:-$(dirname "$0")/..}
	[ -d "$root/src" ] || { echo "layers.sh: $root has no src/" >&2; exit 2; }
	$mode "$root"
	;;
-*)
	usage
	;;
*)
	[ $# -le 1 ] || usage
	root=${1:-$(dirname "$0")/..}
	[ -d "$root/src" ] || { echo "layers.sh: $root has no src/" >&2; exit 2; }
	check "$root"
	;;
esac
