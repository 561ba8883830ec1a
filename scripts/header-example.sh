#!/bin/sh
# Cut the EXAMPLE of include/gntbox.h's usage guide out as a program:
#   scripts/header-example.sh share|map include/gntbox.h >example.c
# "share" is the guide's process A, "map" its process B.  Each becomes the
# body of a main(), so what the guide shows is what the tests compile (with
# the project's warnings) and run (tests/cli/test_header_example.sh): it
# cannot drift from the API again (issue 12).
set -eu
case "${1:-}" in
share)	which="// Process A" ;;
map)	which="// Process B" ;;
*)	echo "usage: scripts/header-example.sh share|map HEADER" >&2
	exit 2 ;;
esac
header=${2:?usage: scripts/header-example.sh share|map HEADER}

# After " * EXAMPLE:", each process starts at its "// Process" line; the
# code ends at the first comment line that is neither blank nor indented
# by a tab.
body=$(awk -v which="$which" '
	index($0, " * EXAMPLE:") == 1 { inex = 1; next }
	!inex { next }
	index($0, " *\t// Process") == 1 {
		incode = 1
		take = index($0, which) > 0
		next
	}
	incode && !/^ \*(\t|$)/ { exit }
	take { sub(/^ \*/, ""); print }
' "$header")
if [ -z "$body" ]; then
	echo "header-example.sh: no '$which' in the EXAMPLE of $header" >&2
	exit 1
fi

cat <<EOT
/* Generated from $header by scripts/header-example.sh: do not edit. */
#include <sys/mman.h>

#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gntbox.h"

int
main(int argc, char **argv)
{

	(void)argc;
	(void)argv;
$body
	return (0);
}
EOT
