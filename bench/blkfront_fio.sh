#!/bin/sh
# blkfront_fio: a disk through gntbox's grants against the same disk
# without them, measured in the same run with fio.
#
#	blkfront_fio [-r REPEATS] [-t SECONDS] [-s MIB] [-o PREFIX]
#
# The disk is a raw image served by Debian's QEMU (qdisk) in domain 0
# and read and written by the blkfront plugin under nbdkit in domain 1
# (gntbox block-attach, gntbox run): every byte crosses a grant.  The
# baselines use the same image in the same run:
#   nbdfile  fio through nbdkit's file plugin, the same NBD path (fio's
#            nbd engine, nbdkit, a Unix socket) without Xen in it;
#   psync    fio with psync on the file itself (numjobs = queue depth).
# Cases: 4 KiB random reads and writes at queue depths 1 and 32, and
# 1 MiB sequential reads and writes (queue depth 4).  The 4 KiB cases
# are measured in IOPS, the 1 MiB ones in MiB/s.  Each repetition runs
# every case on every path for SECONDS, in an order that rotates.
#
# bench/run.sh's convention: samples in PREFIX.CASE.PATH, one per
# repetition; PREFIX.pairs compares blkfront with each baseline (run.sh
# runs ministat and draws each pair).  This script also writes the table
# (medians, ratios, targets) to stdout and PREFIX.table, a bar chart of
# the ratios in PREFIX.ratios.png, and counts gntboxd's round trips per
# request: a separate fixed-size run of each case with strace -c on
# gntboxd (sendmsg = replies, recvmsg = messages received), since a
# count must not come from a timed run that strace slows.  rt/req is per
# fio request; rt/ring per blkif request on the ring (a 1 MiB request is
# 24 of them when the backend, as QEMU 7.2, offers no indirect requests).
#
# $GNTBOX_QEMU names another QEMU binary, as for block-attach.
set -u

repeats=3
seconds=3
mib=256
prefix=blkfront_fio
while getopts "r:t:s:o:" opt; do
	case $opt in
	r) repeats=$OPTARG ;;
	t) seconds=$OPTARG ;;
	s) mib=$OPTARG ;;
	o) prefix=$OPTARG ;;
	*) echo "usage: blkfront_fio [-r REPEATS] [-t SECONDS] [-s MIB] [-o PREFIX]" >&2
	   exit 2 ;;
	esac
done

build=${GNTBOX_BUILD:?blkfront_fio: GNTBOX_BUILD must name the build}
: "${GNTBOX_DIR:?blkfront_fio: GNTBOX_DIR must name a runtime directory}"
export GNTBOX_DIR
gntbox="$build/bin/gntbox"
plugin="$build/lib/nbdkit-blkfront-plugin.so"
tmp=$(mktemp -d /tmp/gntbox-fio.XXXXXX)
img="$tmp/disk.img"
front="$tmp/blkfront.sock"
file="$tmp/file.sock"
pids=""

die() {
	echo "blkfront_fio: $*" >&2
	exit 1
}

cleanup() {
	for p in $pids; do
		kill "$p" 2>/dev/null
	done
	wait 2>/dev/null
	"$gntbox" block-detach 1 xvda >/dev/null 2>&1
	"$gntbox" down >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT

for tool in fio nbdkit strace; do
	command -v $tool >/dev/null || die "$tool is missing (scripts/install-deps.sh bench)"
done

# wait_socket PATH: up to 10 s.
wait_socket() {
	n=0
	while [ ! -S "$1" ] && [ $n -lt 100 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	[ -S "$1" ] || die "no server on $1"
}

dd if=/dev/urandom of="$img" bs=1M count="$mib" status=none || die "cannot write $img"
"$gntbox" up >/dev/null || die "gntbox up failed"
"$gntbox" create --dom 1 >/dev/null || die "gntbox create failed"
"$gntbox" block-attach 1 "format=raw,vdev=xvda,access=rw,target=$img" ||
    die "block-attach failed (QEMU needs /dev/xen/privcmd)"
"$gntbox" run --dom 1 -- nbdkit -f -U "$front" --threads 64 "$plugin" \
    vdev=xvda >"$tmp/blkfront.log" 2>&1 &
pids="$pids $!"
nbdkit -f -U "$file" --threads 64 file "$img" >"$tmp/file.log" 2>&1 &
pids="$pids $!"
wait_socket "$front"
wait_socket "$file"

cases="randread-4k-qd1 randread-4k-qd32 randwrite-4k-qd1 randwrite-4k-qd32 read-1m-qd4 write-1m-qd4"
paths="blkfront nbdfile psync"

# fio_args CASE PATH: the job, as options.
fio_args() {
	rw=${1%%-*}
	rest=${1#*-}
	bs=${rest%%-*}
	qd=${rest#*-qd}
	case $2 in
	blkfront) echo "--ioengine=nbd --uri=nbd+unix:///?socket=$front --iodepth=$qd" ;;
	nbdfile) echo "--ioengine=nbd --uri=nbd+unix:///?socket=$file --iodepth=$qd" ;;
	psync) echo "--ioengine=psync --filename=$img --numjobs=$qd --group_reporting" ;;
	esac
	echo "--rw=$rw --bs=$bs --size=${mib}m --norandommap --randrepeat=0"
}

# measure CASE PATH: one timed run; prints IOPS (4k) or MiB/s (1m).
measure() {
	# shellcheck disable=SC2046
	out=$(fio --name=bench $(fio_args "$1" "$2") --time_based \
	    --runtime="$seconds" --ramp_time=1 --output-format=terse \
	    --terse-version=3 2>"$tmp/fio.err") || die "fio $1 $2: $(cat "$tmp/fio.err")"
	# Terse v3: read KiB/s and IOPS are fields 7 and 8, write 48 and 49.
	# (fio's nbd engine also prints "fio: connected to NBD server".)
	echo "$out" | awk -F';' -v c="$1" '$1 == "3" {
		if (c ~ /read/) { bw = $7; iops = $8 } else { bw = $48; iops = $49 }
		if (c ~ /-1m-/) printf "%.1f\n", bw / 1024; else printf "%.0f\n", iops
	}'
}

: >"$prefix.pairs"
for c in $cases; do
	for p in $paths; do
		: >"$prefix.$c.$p"
	done
	case $c in
	*-1m-*) unit=MiB/s ;;
	*) unit=IOPS ;;
	esac
	# run.sh's pair line: BASELINE VARIANT UNIT WHAT IS MEASURED.
	echo "$c.nbdfile $c.blkfront $unit fio $c, blkfront against nbdkit's file plugin" >>"$prefix.pairs"
	echo "$c.psync $c.blkfront $unit fio $c, blkfront against psync on the file" >>"$prefix.pairs"
done

i=0
while [ $i -lt "$repeats" ]; do
	# Rotate the order of the paths, so that drift spreads evenly.
	case $((i % 3)) in
	0) order="blkfront nbdfile psync" ;;
	1) order="nbdfile psync blkfront" ;;
	2) order="psync blkfront nbdfile" ;;
	esac
	for c in $cases; do
		for p in $order; do
			measure "$c" "$p" >>"$prefix.$c.$p"
		done
	done
	i=$((i + 1))
done

# Round trips: strace -c on gntboxd during a fixed number of requests.
daemon=$(cat "$GNTBOX_DIR/gntboxd.pid")
count_trips() {
	strace -f -c -e trace=sendmsg,recvmsg -p "$daemon" -o "$tmp/strace.out" &
	spid=$!
	sleep 1
	case $1 in
	*-1m-*) n=64 ;;
	*) n=4096 ;;
	esac
	bs=${1#*-}
	bs=${bs%%-*}
	# shellcheck disable=SC2046
	fio --name=count $(fio_args "$1" blkfront) --number_ios=$n \
	    --output-format=terse >/dev/null 2>&1
	sleep 0.5
	kill -INT $spid
	wait $spid 2>/dev/null
	awk -v n=$n '
		$NF == "sendmsg" { s = $4 }
		$NF == "recvmsg" { r = $4; e = (NF == 6 ? $5 : 0) }
		END { printf "%.2f %.2f\n", s / n, (r - e) / n }' "$tmp/strace.out"
}

# Pages per ring request: 11, or the indirect segments the plugin uses
# (its default 32) when the backend offers them.
segs=$("$gntbox" xs read /local/domain/0/backend/qdisk/1/51712/feature-max-indirect-segments 2>/dev/null)
if [ -n "$segs" ] && [ "$segs" -gt 11 ]; then
	[ "$segs" -gt 32 ] && segs=32
else
	segs=11
fi

median() {
	sort -n "$1" | awk '{ v[NR] = $1 } END {
		if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

{
	printf "%-18s %6s %10s %10s %10s %8s %8s %8s %8s %8s\n" case unit \
	    blkfront nbdfile psync vs-nbd vs-psync rt/req msg/req rt/ring
	for c in $cases; do
		b=$(median "$prefix.$c.blkfront")
		f=$(median "$prefix.$c.nbdfile")
		s=$(median "$prefix.$c.psync")
		unit=IOPS
		case $c in *-1m-*) unit=MiB/s ;; esac
		ring=1
		case $c in *-1m-*) ring=$(((1048576 + segs * 4096 - 1) / (segs * 4096))) ;; esac
		set -- $(count_trips "$c")
		awk -v c="$c" -v u="$unit" -v b="$b" -v f="$f" -v s="$s" \
		    -v rt="$1" -v m="$2" -v r="$ring" 'BEGIN {
			printf "%-18s %6s %10s %10s %10s %8.2f %8.2f %8s %8s %8.2f\n",
			    c, u, b, f, s, b / f, b / s, rt, m, rt / r }'
	done
} >"$prefix.table"
cat "$prefix.table"

# The targets of issue 10, against the NBD path without grants.
echo
awk 'NR > 1 {
	if ($1 ~ /-1m-/) { want = 0.70 } else if ($1 ~ /qd32/) { want = 0.50 } else { next }
	printf "target %-18s blkfront/nbdfile %.2f >= %.2f: %s\n", $1, $6, want,
	    ($6 >= want ? "met" : "MISSED")
}
NR > 1 { rt += $10; n++ }
END { printf "target round trips per ring request (mean of cases) %.2f <= 1.00: %s\n",
	rt / n, (rt / n <= 1.0 ? "met" : "MISSED") }' "$prefix.table"

if command -v gnuplot >/dev/null 2>&1; then
	awk 'NR > 1 { print $1, $6, $7 }' "$prefix.table" >"$tmp/ratios.dat"
	gnuplot <<GP
set terminal pngcairo size 900,500 noenhanced
set output "$prefix.ratios.png"
set title "blkfront over gntbox grants, as a fraction of each baseline (medians, same run)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.6
set yrange [0:1]
set ylabel "blkfront / baseline"
set xtics rotate by -20
plot "$tmp/ratios.dat" using 2:xtic(1) title "vs nbdkit file plugin", \
     "" using 3 title "vs psync on the file", 0.7 with lines dt 2 title "1 MiB target", \
     0.5 with lines dt 3 title "4 KiB qd32 target"
GP
fi
