#!/bin/sh
# The bash completion of gntbox (dist/gntbox.bash-completion): commands,
# options and xs subcommands as the program's --help gives them, domain
# ids of the running gntboxd for --dom, a command line after run's --;
# and nothing for --dom when no gntboxd answers (completing starts none).
. "$(dirname "$0")/lib/common.sh"
top=${GNTBOX_TOP:?}

# complete WORD...: what bash would offer for the last word.
complete_words() {
	PATH="$GNTBOX_BUILD/bin:$PATH" bash -c '
	. "$1/dist/gntbox.bash-completion"
	shift
	COMP_WORDS=("$@")
	COMP_CWORD=$(($# - 1))
	_gntbox
	echo "${COMPREPLY[*]}"' complete "$top" "$@"
}

expect_ok complete_words gntbox --dom ""
expect_same ""
cli_checks=$((cli_checks + 1))
[ ! -e "$GNTBOX_DIR/gntboxd.pid" ] || fail "completing started a gntboxd"

cli_start
expect_ok "$GNTBOX" create --dom 7 --name seven

# Every command of gntbox --help, and the two options.
commands=$("$GNTBOX" --help | awk '/^Commands:/ { c = 1; next } c && !NF { exit } c { print $1 }')
expect_ok complete_words gntbox ""
expect_same "$(echo $commands) --help --version"
expect_ok complete_words gntbox de
expect_same "destroy"
# Each command's options are those its usage names (other commands grow
# options; the completion follows without an edit).
for c in grants run create; do
	want=$("$GNTBOX" $c --help | sed -n '/^usage:/,/^$/p' |
	    grep -o -- '--[a-z][a-z-]*' | sort -u)
	expect_ok complete_words gntbox $c --
	expect_same "$(echo $want) --help"
	cli_checks=$((cli_checks + 1))
	echo "$want" | grep -q -- --dom || fail "$c --help names no --dom"
done
expect_ok complete_words gntbox grants --dom ""
expect_same "0 7"
expect_ok complete_words gntbox xs r
expect_same "read rm"
expect_ok complete_words gntbox run --dom 7 -- xenstore-re
expect_same "xenstore-read"
expect_ok complete_words gntbox create --name ""
expect_same ""

expect_ok "$GNTBOX" destroy --dom 7
cli_finish
