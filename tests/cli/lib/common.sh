# Shared by the command-line tests (tests/cli/*.sh); sourced, not run.
#
# tests/run.sh gives each test a fresh GNTBOX_DIR and GNTBOX_BUILD.  A test
# calls cli_start (a gntboxd for the test), records the baseline, does its
# work with the expect_* checks, and ends with cli_finish, which fails if
# any check failed or the stats levels are not back at the baseline.
set -u

GNTBOX="${GNTBOX_BUILD:?}/bin/gntbox"
: "${GNTBOX_DIR:?}"
export GNTBOX_DIR
cli_failures=0
cli_checks=0
cli_out=$(mktemp /tmp/gbt-cli.XXXXXX)

fail() {
	echo "FAIL: $*" >&2
	cli_failures=$((cli_failures + 1))
}

# expect_ok CMD...: CMD succeeds; its stdout is kept in $cli_out.
expect_ok() {
	cli_checks=$((cli_checks + 1))
	if ! "$@" >"$cli_out" 2>"$cli_out.err"; then
		fail "$* exited $? ($(head -n 1 "$cli_out.err"))"
	fi
}

# expect_fail STATUS PATTERN CMD...: CMD exits with STATUS and prints one
# line on stderr matching the extended regular expression PATTERN.
expect_fail() {
	want=$1
	pattern=$2
	shift 2
	cli_checks=$((cli_checks + 1))
	"$@" >"$cli_out" 2>"$cli_out.err"
	got=$?
	if [ "$got" -ne "$want" ]; then
		fail "$* exited $got, want $want"
	fi
	if ! head -n 1 "$cli_out.err" | grep -Eq "$pattern"; then
		fail "$*: stderr '$(head -n 1 "$cli_out.err")' !~ /$pattern/"
	fi
}

# expect_out PATTERN: the last expect_ok's stdout matches PATTERN.
expect_out() {
	cli_checks=$((cli_checks + 1))
	grep -Eq "$1" "$cli_out" || fail "stdout !~ /$1/: $(cat "$cli_out")"
}

# expect_same TEXT: the last expect_ok's stdout is exactly TEXT.
expect_same() {
	cli_checks=$((cli_checks + 1))
	[ "$(cat "$cli_out")" = "$1" ] ||
	    fail "stdout '$(cat "$cli_out")' is not '$1'"
}

# bg_start OUT CMD...: run CMD in the background (10 s at most), its
# output in OUT, its pid in $bg_pid, and return once it has printed
# something (5 s at most): for commands whose first line says they are
# ready, such as a watch's first event.
bg_start() {
	bg_out=$1
	shift
	: >"$bg_out"
	timeout 10 "$@" >"$bg_out" 2>&1 &
	bg_pid=$!
	bg_tries=0
	while [ ! -s "$bg_out" ] && [ $bg_tries -lt 50 ]; do
		sleep 0.1
		bg_tries=$((bg_tries + 1))
	done
}

# bg_end PID OUT TEXT: the background command PID exited 0 by itself and
# its output in OUT is exactly TEXT.
bg_end() {
	cli_checks=$((cli_checks + 2))
	wait "$1"
	bg_rc=$?
	[ $bg_rc -eq 0 ] || fail "background command exited $bg_rc (124: timed out)"
	[ "$(cat "$2")" = "$3" ] || fail "background command printed '$(cat "$2")'"
}

# hold_start PROGRAM ARGS...: run a helper that makes something for the
# test to look at, prints "ready WORDS..." and keeps it until its
# standard input (a fifo here) ends.  Its ready line is in $hold_words
# (for `set -- $hold_words`), its pid in $hold_pid.  hold_end ends it
# and checks that it exited 0.
hold_start() {
	hold_fifo=$(mktemp -u /tmp/gbt-fifo.XXXXXX)
	mkfifo "$hold_fifo"
	hold_ready=$(mktemp /tmp/gbt-ready.XXXXXX)
	"$@" <"$hold_fifo" >"$hold_ready" 2>&1 &
	hold_pid=$!
	exec 3>"$hold_fifo"
	hold_tries=0
	while ! grep -q '^ready' "$hold_ready" && [ $hold_tries -lt 100 ]; do
		sleep 0.05
		hold_tries=$((hold_tries + 1))
	done
	hold_words=$(cat "$hold_ready")
	case "$hold_words" in
	ready*) ;;
	*) fail "the holder did not start: $hold_words" ;;
	esac
}

hold_end() {
	exec 3>&-
	wait "$hold_pid" || fail "the holder failed: $(cat "$hold_ready")"
	rm -f "$hold_fifo" "$hold_ready"
}

# many_children DIR N: "DIR/child-0 0 DIR/child-1 1 ..." up to N - 1, the
# PATH VALUE pairs of a directory too large for one xenstore reply.
many_children() {
	i=0
	while [ "$i" -lt "$2" ]; do
		printf '%s/child-%d %d ' "$1" "$i" "$i"
		i=$((i + 1))
	done
}

# in_dom N CMD...: run CMD as a process of domain N.
in_dom() {
	dom=$1
	shift
	"$GNTBOX" run --dom "$dom" -- "$@"
}

# levels and settle.  A sourced file cannot tell where it is: the tree
# (GNTBOX_TOP) says, else the test's own folder (tests/cli/).
if [ -f "${GNTBOX_TOP:-}/tests/cli/lib/levels.sh" ]; then
	. "$GNTBOX_TOP/tests/cli/lib/levels.sh"
else
	. "$(dirname "$0")/lib/levels.sh"
fi

cli_start() {
	"$GNTBOX" up >/dev/null || { echo "FAIL: gntbox up" >&2; exit 1; }
	cli_baseline=$(levels)
}

# Compare the levels with the baseline, giving releases a moment.
cli_finish() {
	if ! settle "$cli_baseline"; then
		fail "stats not at baseline: $(levels | tr '\n' ' ') (was $(echo "$cli_baseline" | tr '\n' ' '))"
	fi
	"$GNTBOX" down || fail "gntbox down"
	cli_report
}

# The end of a test: exit 1 if any check failed or none ran, else 0.
# cli_finish ends with it; a test whose daemon is not cli_start's calls
# it directly, after checking the levels its own way.
cli_report() {
	rm -f "$cli_out" "$cli_out.err"
	if [ "$cli_checks" -eq 0 ]; then
		echo "FAIL: the test checked nothing" >&2
		exit 1
	fi
	if [ "$cli_failures" -ne 0 ]; then
		echo "$cli_failures of $cli_checks checks failed" >&2
		exit 1
	fi
	exit 0
}
