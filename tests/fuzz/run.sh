#!/bin/sh
# Run every libFuzzer target of a FUZZ=1 build:  tests/fuzz/run.sh BUILD SECONDS
#
# Each target starts from its corpus in tests/fuzz/corpus/NAME (read
# only: what it finds goes to BUILD/fuzz-work/NAME) and runs for SECONDS.
# A crash, a leak or a failed invariant stops the target; its input is
# saved as BUILD/fuzz-artifacts/NAME-crash-*, and this script fails after
# running the others.  The report gives each target's executions.
set -u
build=${1:?usage: tests/fuzz/run.sh BUILD SECONDS}
seconds=${2:-60}
build=$(cd "$build" && pwd)
top=$(cd "$(dirname "$0")/../.." && pwd)
export GNTBOX_BUILD="$build"
export ASAN_OPTIONS="abort_on_error=1:detect_leaks=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
status=0
mkdir -p "$build/fuzz-artifacts"
for src in "$top"/tests/fuzz/fuzz_*.c; do
	name=$(basename "$src" .c)
	work="$build/fuzz-work/$name"
	log="$build/fuzz-work/$name.log"
	mkdir -p "$work"
	if "$build/tests/fuzz/$name" -max_total_time="$seconds" \
	    -print_final_stats=1 -max_len=4096 -timeout=20 \
	    -artifact_prefix="$build/fuzz-artifacts/$name-" \
	    "$work" "$top/tests/fuzz/corpus/$name" >"$log" 2>&1; then
		verdict="no finding"
	else
		verdict="FAILED (see $log)"
		status=1
	fi
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
	printf '%-16s %10s executions in %ss, %s, corpus %s: %s\n' "$name" \
	    "${execs:-?}" "$seconds" "${cov:-cov: ?}" \
	    "$(ls "$work" | wc -l)" "$verdict"
done
exit $status
