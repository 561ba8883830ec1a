#!/bin/sh
# The ABI of libgntbox.so.0: its soname; every symbol it defines is a
# function of include/gntbox.h, listed in src/lib/libgntbox.map (and in
# debian/libgntbox0.symbols) and versioned GNTBOX_<n> there; and abigail's abidiff finds no difference
# from the committed baseline src/lib/libgntbox.abi (what the header shows:
# functions, their types, the public structures' layouts).  An intended
# change (new functions, in a new GNTBOX_<n+1> node) rewrites the baseline
# with `make abi-baseline` in the same commit.
. "$(dirname "$0")/lib/common.sh"
top=${GNTBOX_TOP:?}
lib="$GNTBOX_BUILD/lib/libgntbox.so.0"

expect_ok readelf -d "$lib"
expect_out "Library soname: \\[libgntbox\\.so\\.0\\]"

# The defined dynamic symbols, name@@version, and the version nodes.
defined=$(readelf --dyn-syms -W "$lib" |
    awk 'NR > 3 && $7 != "UND" && $8 != "" { print $8 }' | sort)
nodes=$(echo "$defined" | grep -v @ | sort)
functions=$(echo "$defined" | grep @ | sed 's/@.*//' | sort)
unversioned=$(echo "$defined" | grep -v '@@GNTBOX_[0-9]*$' | grep -v '^GNTBOX_[0-9]*$')
header=$(grep -A1 '^GNTBOX_API' "$top/include/gntbox.h" |
    grep -o 'gntbox_[a-z_]*(' | tr -d '(' | sort)
map=$(sed -n 's/^[[:space:]]*\(gntbox_[a-z_]*\);$/\1/p' "$top/src/lib/libgntbox.map" | sort)

cli_checks=$((cli_checks + 5))
[ -z "$unversioned" ] || fail "symbols without a GNTBOX_<n> version: $unversioned"
[ "$nodes" = "GNTBOX_1" ] || fail "version nodes: $(echo $nodes)"
[ -n "$header" ] && [ "$functions" = "$header" ] ||
    fail "exported: $(echo $functions); declared GNTBOX_API: $(echo $header)"
[ "$map" = "$header" ] ||
    fail "libgntbox.map lists $(echo $map); the header declares $(echo $header)"
# Debian's symbols file, which dpkg-gensymbols holds the package to.
symbols=$(sed -n 's/^ \(gntbox_[a-z_]*\)@GNTBOX_[0-9]* .*/\1/p' \
    "$top/debian/libgntbox0.symbols" | sort)
[ "$symbols" = "$header" ] ||
    fail "debian/libgntbox0.symbols lists $(echo $symbols); the header declares $(echo $header)"

# The ABI itself, types included.
cli_checks=$((cli_checks + 1))
if ! abidiff "$top/src/lib/libgntbox.abi" "$lib" >"$cli_out" 2>&1; then
	fail "libgntbox's ABI differs from src/lib/libgntbox.abi (make abi-baseline after a deliberate change):
$(cat "$cli_out")"
fi

rm -f "$cli_out" "$cli_out.err"
if [ "$cli_failures" -ne 0 ]; then
	echo "$cli_failures of $cli_checks checks failed" >&2
	exit 1
fi
exit 0
