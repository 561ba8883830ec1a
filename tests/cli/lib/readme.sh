# Running an indented block of README.md as written, for
# tests/cli/test_readme*.sh; sourced after common.sh, not run.

# readme_block PATTERN OUT: the first indented block of README.md whose
# text matches the awk regular expression PATTERN, unindented, into OUT.
readme_block() {
	awk -v pat="$1" '
	/^    / { block = block substr($0, 5) "\n"; next }
	{ if (block ~ pat) { printf "%s", block; done = 1; exit }
	  block = "" }
	END { if (!done && block ~ pat) printf "%s", block }
	' "${GNTBOX_TOP:?}/README.md" >"$2"
}

# readme_script BLOCK SCRIPT MARK WORK: a shell script running BLOCK's
# lines as written (set -e), with two lines slipped in: the stats levels
# into WORK/base just before the first line that starts with MARK, and,
# before `build/bin/gntbox down`, a wait for the levels to be those again
# (WORK/leak holds them if they never are).
readme_script() {
	{
		echo "set -e"
		echo "GNTBOX='$GNTBOX'"
		echo ". '$GNTBOX_TOP/tests/cli/lib/levels.sh'"
		rs_marked=0
		while IFS= read -r rs_line; do
			case $rs_line in
			"$3"*)
				if [ $rs_marked -eq 0 ]; then
					echo "levels >'$4/base'"
					rs_marked=1
				fi ;;
			"build/bin/gntbox down"*)
				echo "settle \"\$(cat '$4/base')\" || levels >'$4/leak'" ;;
			esac
			printf '%s\n' "$rs_line"
		done <"$1"
	} >"$2"
}
