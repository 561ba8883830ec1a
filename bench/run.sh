#!/bin/sh
# Run every benchmark of one build and report:  bench/run.sh BUILD_DIR
#
# Convention: a benchmark program bench/NAME.c, run as `NAME -o PREFIX`,
# measures a baseline and what it compares against it in the same run,
# writes one sample per line to PREFIX.VARIANT for each variant, and lists
# the comparisons in PREFIX.pairs, one per line:
#
#	BASELINE VARIANT UNIT WHAT IS MEASURED...
#
# It may also write line plots (PREFIX.NAME.dat and the gnuplot script
# PREFIX.NAME.gp, tests/lib/samples.h) and single figures
# (PREFIX.figures: "what<TAB>value<TAB>unit<TAB>anchor" lines).  This
# script runs each program, then ministat on every pair (it says whether
# a difference is real at 95% confidence), gnuplot on every script and a
# box plot of every pair, and writes summary.md: one table row per pair
# and per figure (measure, gntbox, baseline, ratio of the medians,
# ministat's verdict, the command that reproduces it), which is what
# docs/performance.md quotes.  Everything lands in BUILD_DIR/bench-results/.
#
# GNTBOX_BENCH_ARGS adds arguments to every program (e.g. "-r 10");
# GNTBOX_BENCH_ONLY runs only the programs it names (space separated).
set -u
build=${1:?usage: bench/run.sh BUILD_DIR}
build=$(cd "$build" && pwd)
out="$build/bench-results"
rm -rf "$out"
mkdir -p "$out"
report="$out/report.txt"
summary="$out/summary.md"
: >"$report"
export GNTBOX_BUILD="$build"
status=0

# The median of a file of numbers, one a line.
median() {
	sort -g "$1" | awk '{ v[NR] = $1 }
	    END { if (NR % 2) print v[(NR + 1) / 2];
		  else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# ministat's verdict on two files, in a few words.
verdict() {
	ministat -A "$1" "$2" 2>/dev/null | awk '
	    /No difference proven/ { print "no difference (95%)"; exit }
	    /Difference at/ { d = 1; next }
	    d && /%/ { gsub(/^[ \t]+/, ""); sub(/ \+\/- /, " ± ");
		       print $0 " (95%)"; exit }'
}

{
	echo "| measure | gntbox | baseline | ratio | ministat | command |"
	echo "| --- | ---: | ---: | ---: | --- | --- |"
} >"$summary"

for prog in "$build"/bench/*; do
	[ -x "$prog" ] || continue
	name=$(basename "$prog")
	if [ -n "${GNTBOX_BENCH_ONLY:-}" ]; then
		case " $GNTBOX_BENCH_ONLY " in
		*" $name "*) ;;
		*) continue ;;
		esac
	fi
	prefix="$out/$name"
	cmd="GNTBOX_BUILD=build GNTBOX_DIR=\$(mktemp -d) build/bench/$name -o /tmp/$name ${GNTBOX_BENCH_ARGS:-}"
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
	while read -r base other unit what; do
		[ -n "$base" ] || continue
		echo "-- $name: $other against $base" >>"$report"
		ministat -w 72 "$prefix.$base" "$prefix.$other" >>"$report" 2>&1
		mb=$(median "$prefix.$base")
		mo=$(median "$prefix.$other")
		ratio=$(awk -v a="$mo" -v b="$mb" 'BEGIN { printf "%.3f", a / b }')
		echo "| $what | $mo $unit | $mb $unit | $ratio | $(verdict "$prefix.$base" "$prefix.$other") | \`$cmd\` |" >>"$summary"
		if command -v gnuplot >/dev/null 2>&1; then
			gnuplot <<GP 2>>"$report"
set terminal pngcairo size 800,500 noenhanced
set output "$prefix.$base-$other.png"
set title "$name: $other against $base (same run)"
set ylabel "$unit"
set style data boxplot
set style fill solid 0.3
set xtics ("$base" 1, "$other" 2)
plot "$prefix.$base" using (1):1 notitle, "$prefix.$other" using (2):1 notitle
GP
		fi
	done <"$prefix.pairs"
	if [ -f "$prefix.figures" ]; then
		while IFS='	' read -r what value unit anchor; do
			echo "| $what | $value $unit | $anchor | | | \`$cmd\` |" >>"$summary"
		done <"$prefix.figures"
	fi
	if command -v gnuplot >/dev/null 2>&1; then
		for gp in "$prefix".*.gp; do
			[ -f "$gp" ] || continue
			(cd "$out" && gnuplot "$(basename "$gp")") 2>>"$report"
		done
	fi
done
{
	echo
	echo "Machine: $(nproc) CPUs, $(uname -sr), $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)"
	echo "Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
} >>"$summary"
cat "$report"
echo
cat "$summary"
echo "bench/run.sh: results in $out"
exit $status
