#!/bin/sh
# Run every test against one build:  tests/run.sh BUILD_DIR
#
# Each test runs alone with a fresh runtime directory (GNTBOX_DIR) and a
# time limit; a daemon it leaves behind is a failure.  The sanitizer build
# (build-san) runs the same tests with ASan and UBSan set to stop at the
# first error.
set -u
build=${1:?usage: tests/run.sh BUILD_DIR}
build=$(cd "$build" && pwd)
top=$(cd "$(dirname "$0")/.." && pwd)
export GNTBOX_BUILD="$build"
export GNTBOX_TOP="$top"
export ASAN_OPTIONS="abort_on_error=1:detect_leaks=1:strict_string_checks=1"
# Leaks of Debian's own Xen programs and libraries, which gntbox run
# (built with ASan) makes LeakSanitizer check too, are theirs: lsan.supp.
export LSAN_OPTIONS="suppressions=$top/tests/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
limit=${GNTBOX_TEST_TIMEOUT:-600}

pass=0
fail=0
failed=""
logdir=$(mktemp -d /tmp/gntbox-tests.XXXXXX)

run_one() {
	name=$1
	shift
	dir=$(mktemp -d /tmp/gbt.XXXXXX)
	log="$logdir/$(echo "$name" | tr / _).log"
	start=$(date +%s)
	GNTBOX_DIR="$dir" timeout -k 10 "$limit" "$@" >"$log" 2>&1
	rc=$?
	end=$(date +%s)
	# A daemon still running in the test's directory is a leak.
	if [ -f "$dir/gntboxd.pid" ] &&
	    kill -0 "$(cat "$dir/gntboxd.pid")" 2>/dev/null; then
		echo "tests/run.sh: gntboxd left running" >>"$log"
		kill -9 "$(cat "$dir/gntboxd.pid")" 2>/dev/null
		[ "$rc" -eq 0 ] && rc=1
	fi
	if [ "$rc" -eq 0 ]; then
		pass=$((pass + 1))
		printf 'PASS %-50s %4ss\n' "$name" $((end - start))
	else
		fail=$((fail + 1))
		failed="$failed $name"
		printf 'FAIL %-50s %4ss (exit %s)\n' "$name" $((end - start)) "$rc"
		tail -n 40 "$log" | sed 's/^/    | /'
	fi
	rm -rf "$dir"
}

# Every test whose source exists, so a stale binary of a removed test never
# runs; a test that was not built is a failure.
for kind in unit integration compat; do
	for src in "$top"/tests/$kind/*.c; do
		[ -f "$src" ] || continue
		name=$(basename "$src" .c)
		run_one "$kind/$name" "$build/tests/$kind/$name"
	done
done
# Fuzz targets: their corpus replayed, then a few seconds of mutations
# (tests/fuzz/driver.c; make fuzz runs them with libFuzzer).
for src in "$top"/tests/fuzz/fuzz_*.c; do
	[ -f "$src" ] || continue
	name=$(basename "$src" .c)
	run_one "fuzz/$name" "$build/tests/fuzz/$name" \
	    -s "${FUZZ_SMOKE_SECONDS:-3}" "$top/tests/fuzz/corpus/$name"
done
for t in "$top"/tests/cli/*.sh; do
	[ -f "$t" ] || continue
	run_one "cli/$(basename "$t" .sh)" sh "$t"
done

echo "$(basename "$build"): $pass passed, $fail failed (logs in $logdir)"
if [ "$fail" -ne 0 ]; then
	echo "failed:$failed"
	exit 1
fi
