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

# The stats levels (the fields every test must leave as it found them).
levels() {
	"$GNTBOX" stats --json | tr -d '{}' | tr ',' '\n' |
	    grep -E '"(domains|grants|maps|handles|deferred|pages|arenas|ports|nodes|watches|transactions)"' |
	    tr -d ' "'
}

cli_start() {
	"$GNTBOX" up >/dev/null || { echo "FAIL: gntbox up" >&2; exit 1; }
	cli_baseline=$(levels)
}

# Compare the levels with the baseline, giving releases a moment.
cli_finish() {
	tries=0
	while [ "$(levels)" != "$cli_baseline" ] && [ $tries -lt 50 ]; do
		sleep 0.1
		tries=$((tries + 1))
	done
	now=$(levels)
	if [ "$now" != "$cli_baseline" ]; then
		fail "stats not at baseline: $(echo "$now" | tr '\n' ' ') (was $(echo "$cli_baseline" | tr '\n' ' '))"
	fi
	"$GNTBOX" down || fail "gntbox down"
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
