#!/bin/sh
# Run every benchmark of one build and report:  bench/run.sh BUILD_DIR
#
# Convention: a benchmark program bench/NAME.c, run as `NAME -o PREFIX`,
# measures a baseline and what it compares against it in the same run,
# writes one sample per line to PREFIX.VARIANT for each variant, and lists
# the comparisons in PREFIX.pairs, one "BASELINE VARIANT" per line.  This
# script runs each program, then ministat on every pair (it says whether a
# difference is real at 95% confidence) and gnuplot for a picture of the
# samples.  Everything lands in BUILD_DIR/bench-results/.
#
# GNTBOX_BENCH_ARGS adds arguments to every program (e.g. "-r 10").
set -u
build=${1:?usage: bench/run.sh BUILD_DIR}
build=$(cd "$build" && pwd)
out="$build/bench-results"
rm -rf "$out"
mkdir -p "$out"
report="$out/report.txt"
: >"$report"
export GNTBOX_BUILD="$build"
status=0

for prog in "$build"/bench/*; do
	[ -x "$prog" ] || continue
	name=$(basename "$prog")
	prefix="$out/$name"
	echo "== $name" | tee -a "$report"
	dir=$(mktemp -d /tmp/gntbox-bench.XXXXXX)
	# shellcheck disable=SC2086
	if ! GNTBOX_DIR="$dir" "$prog" -o "$prefix" ${GNTBOX_BENCH_ARGS:-} \
	    >>"$report" 2>&1; then
		echo "$name failed; see $report" >&2
		status=1
		rm -rf "$dir"
		continue
	fi
	rm -rf "$dir"
	[ -f "$prefix.pairs" ] || { echo "$name wrote no .pairs" >&2; status=1; continue; }
	while read -r base other; do
		[ -n "$base" ] || continue
		echo "-- $name: $other against $base" >>"$report"
		ministat -w 72 "$prefix.$base" "$prefix.$other" >>"$report" 2>&1
		if command -v gnuplot >/dev/null 2>&1; then
			gnuplot <<GP 2>>"$report"
set terminal pngcairo size 800,500 noenhanced
set output "$prefix.$base-$other.png"
set title "$name: $other against $base (same run)"
set ylabel "per operation"
set style data boxplot
set style fill solid 0.3
set xtics ("$base" 1, "$other" 2)
plot "$prefix.$base" using (1):1 notitle, "$prefix.$other" using (2):1 notitle
GP
		fi
	done <"$prefix.pairs"
done
cat "$report"
echo "bench/run.sh: results in $out"
exit $status
