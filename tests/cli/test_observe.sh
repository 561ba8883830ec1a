#!/bin/sh
# Watching gntboxd from the command line (issue 12): gntbox log (with
# -f, -n, --level), the denial of a xenstore read whose permission was
# set before the reader's domain existed (logged with its reason, marked
# by xs ls -p), --json on list, grants, ports, stats and xs ls (checked
# with jq, a real parser), gntbox top -b, gntbox trace, the journal's
# line format under systemd, and the usage errors of the new commands.
. "$(dirname "$0")/lib/common.sh"

holder="$GNTBOX_BUILD/tests/integration/test_observe_counts"
[ -x "$holder" ] || { echo "FAIL: $holder is not built" >&2; exit 1; }
command -v jq >/dev/null || { echo "FAIL: jq is not installed" >&2; exit 1; }

ts='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}[+-][0-9]{2}:[0-9]{2}'

# expect_json FILTER: jq -e FILTER holds for the last expect_ok's stdout.
expect_json() {
	cli_checks=$((cli_checks + 1))
	jq -e "$1" "$cli_out" >/dev/null 2>&1 ||
	    fail "jq '$1' does not hold for $(cat "$cli_out")"
}

# wait_for FILE PATTERN: FILE gets a line matching PATTERN (10 s at most).
wait_for() {
	cli_checks=$((cli_checks + 1))
	tries=0
	while ! grep -Eq "$2" "$1" && [ $tries -lt 100 ]; do
		sleep 0.1
		tries=$((tries + 1))
	done
	grep -Eq "$2" "$1" || fail "no line /$2/ in: $(cat "$1")"
}

# Without a daemon.
for c in log top trace; do
	expect_fail 1 "^gntbox: $c: no gntboxd" "$GNTBOX" $c
done

cli_start

# Usage errors and help.
expect_fail 2 "^gntbox: log: --level: 'loud' is not error, warn, info or debug\$" "$GNTBOX" log --level loud
expect_fail 2 "^gntbox: log: --count needs -f\$" "$GNTBOX" log --count 2
expect_fail 2 "^gntbox: log: -n: 'x' is not a count\$" "$GNTBOX" log -n x
expect_fail 2 "^gntbox: log: unexpected 'extra'\$" "$GNTBOX" log extra
expect_fail 2 "^gntbox: top: -d: '0' is not a delay from 0.1 to 3600 seconds\$" "$GNTBOX" top -d 0
expect_fail 2 "^gntbox: top: -n: '0' is not a count\$" "$GNTBOX" top -n 0
expect_fail 2 "^gntbox: trace: 'x y' is neither a domain id" "$GNTBOX" trace --dom "x y"
expect_fail 1 "^gntbox: trace: there is no domain named 'x'\$" "$GNTBOX" trace --dom x
expect_fail 2 "^gntbox: trace: --count: '-1' is not a count\$" "$GNTBOX" trace --count -1
expect_fail 1 "^gntbox: trace: there is no domain 9\$" "$GNTBOX" trace --dom 9
expect_fail 2 "^gntbox: xs: ls: unknown option '-q'\$" "$GNTBOX" xs ls -q
for c in log top trace; do
	expect_ok "$GNTBOX" $c --help
	expect_out "^usage: gntbox $c"
done
expect_ok "$GNTBOX" --help
expect_out "^  log "
expect_out "^  top "
expect_out "^  trace "

# The log: timestamped lines with levels, the last N, by level.
expect_ok "$GNTBOX" log
expect_out "^$ts info: pid [0-9]+ serving $GNTBOX_DIR\$"
grep -Evq "^$ts (error|warn|info|debug): " "$cli_out" &&
    fail "a log line without timestamp or level: $(cat "$cli_out")"
expect_ok "$GNTBOX" log -n 1
[ "$(wc -l <"$cli_out")" -eq 1 ] || fail "log -n 1: $(cat "$cli_out")"

# The README's trap: domain 1 lets domain 2 read a node before domain 2
# exists.  C xenstored ignores such a permission; the reader is refused,
# the log says why, and xs ls -p marks the entry.
expect_ok "$GNTBOX" create --dom 1
expect_ok "$GNTBOX" xs --dom 1 write data/echo hi
expect_ok "$GNTBOX" run --dom 1 -- xenstore-chmod data/echo n1 r2
expect_ok "$GNTBOX" create --dom 2

# A tracer of domain 2, ready once it has seen an operation of it.
trace_out=$(mktemp /tmp/gbt-trace.XXXXXX)
# By name: every --dom takes one.
timeout 20 "$GNTBOX" trace --dom domain-2 >"$trace_out" 2>&1 &
trace_pid=$!
tries=0
while [ ! -s "$trace_out" ] && [ $tries -lt 100 ]; do
	"$GNTBOX" xs --dom 2 read domid >/dev/null
	sleep 0.1
	tries=$((tries + 1))
done
wait_for "$trace_out" "^$ts dom 2 xs read /local/domain/2/domid -> ok\$"

expect_fail 1 "^gntbox: xs: read /local/domain/1/data/echo: Permission denied\$" \
    "$GNTBOX" xs --dom 2 read /local/domain/1/data/echo
expect_ok "$GNTBOX" log --level warn -n 1
expect_out "^$ts warn: domain 2 denied read of /local/domain/1/data/echo: permission for domain 2 set before it existed\$"
expect_ok "$GNTBOX" log --level warn
grep -Evq "^$ts (error|warn): " "$cli_out" &&
    fail "log --level warn printed other levels: $(cat "$cli_out")"
expect_ok "$GNTBOX" xs ls -p /local/domain/1/data
expect_same 'echo = "hi"  (n1,r2 ignored: set before domain 2 existed)'
expect_ok "$GNTBOX" xs --dom 1 ls -p data
expect_same 'echo = "hi"  (n1,r2 ignored: set before domain 2 existed)'
expect_ok "$GNTBOX" xs ls -p --json /local/domain/1/data
expect_json 'length == 1 and .[0].path == "/local/domain/1/data/echo" and .[0].value == "hi" and .[0].readable'
expect_json '.[0].perms == [{"domid":1,"access":"n","ignored":false},{"domid":2,"access":"r","ignored":true}]'

# The tracer saw the request and the denial, with the reason.
wait_for "$trace_out" "^$ts dom 2 xs read /local/domain/1/data/echo -> EACCES\$"
wait_for "$trace_out" "^$ts dom 2 DENIED read of /local/domain/1/data/echo: permission for domain 2 set before it existed\$"
kill "$trace_pid" 2>/dev/null
wait "$trace_pid" 2>/dev/null
rm -f "$trace_out"

# Set again now that domain 2 exists: the entry counts.
expect_ok "$GNTBOX" run --dom 1 -- xenstore-chmod data/echo n1 r2
expect_ok "$GNTBOX" xs --dom 2 read /local/domain/1/data/echo
expect_same "hi"
expect_ok "$GNTBOX" xs ls -p /local/domain/1/data
expect_same 'echo = "hi"  (n1,r2)'
# Without -p, no permissions; values that are not UTF-8 in hex.
expect_ok "$GNTBOX" xs ls --json /local/domain/1/data
expect_json '.[0] | has("perms") | not'
printf 'b\377' >"$cli_out.val"
expect_ok "$GNTBOX" xs --dom 1 write data/raw "$(cat "$cli_out.val")"
rm -f "$cli_out.val"
expect_ok "$GNTBOX" xs ls --json /local/domain/1/data
expect_json '.[1].path == "/local/domain/1/data/raw" and .[1].value == null and .[1].value_hex == "62ff"'
expect_ok "$GNTBOX" xs --dom 1 rm data/echo data/raw

# log -f: the history asked for, then new lines as they come.
follow_out=$(mktemp /tmp/gbt-follow.XXXXXX)
bg_start "$follow_out" "$GNTBOX" log -f -n 1 --count 1 --level info
expect_ok "$GNTBOX" create --dom 3
wait "$bg_pid" || fail "log -f exited $?"
[ "$(wc -l <"$follow_out")" -eq 2 ] || fail "log -f: $(cat "$follow_out")"
tail -n 1 "$follow_out" | grep -Eq "^$ts info: domain 3 \(domain-3\) created\$" ||
    fail "log -f's new line: $(cat "$follow_out")"
rm -f "$follow_out"
expect_ok "$GNTBOX" destroy --dom 3

# Listings as JSON, with a process that shares, maps and notifies.
hold_start "$holder" hold
set -- $hold_words
pid=${2:-0} ref0=${3:-0} ref1=${4:-0} pa=${5:-0} pb=${6:-0}

expect_ok "$GNTBOX" list --json
expect_json 'length == 3 and .[0] == {"domid":0,"name":"Domain-0","connections":.[0].connections,"grants":0,"handles":0,"ports":0,"privileged":true,"dying":false}'
expect_json '.[1].name == "domain-1" and .[1].grants == 2 and .[1].ports == 1 and (.[1].privileged | not)'
expect_json '.[2].handles == 1 and .[2].ports == 1'
expect_ok "$GNTBOX" grants --json
expect_json "length == 2 and .[0].domid == 1 and .[0].ref == $ref0 and .[0].grantee == 2 and .[0].state == \"live\" and .[0].owner_pid == $pid"
expect_json '.[0].flags == ["permit_access","reading","writing"] and .[0].pins_writable == 1 and .[0].pins_readonly == 0'
expect_json ".[0].mappers == 1 and .[0].mapper_pids == [$pid] and (.[0].frame | type) == \"number\""
expect_json ".[1].ref == $ref1 and .[1].flags == [\"permit_access\",\"readonly\"] and .[1].mappers == 0 and .[1].mapper_pids == []"
expect_ok "$GNTBOX" grants --dom 2 --json
expect_same '[]'
expect_ok "$GNTBOX" ports --json
expect_json "length == 2 and .[0] == {\"domid\":1,\"port\":$pa,\"state\":\"interdomain\",\"remote_domid\":2,\"remote_port\":$pb,\"virq\":null,\"owner_pid\":$pid,\"notifies\":0}"
expect_json ".[1].domid == 2 and .[1].port == $pb and .[1].remote_port == $pa"
expect_ok "$GNTBOX" stats --json
expect_json '.domains == 3 and .grants == 2 and .maps == 1 and .handles == 1 and .ports == 2 and (keys | length) == 19 and .hypercalls_enosys == 0'

# top: the holder's grants, map, ports and events.
expect_ok "$GNTBOX" top -b -n 2 -d 0.2
[ "$(grep -c '^gntbox top - ' "$cli_out")" -eq 2 ] || fail "top -n 2: $(cat "$cli_out")"
expect_out "^DOMID NAME +GRANTS +MAPS +PORTS +EVT/S +EVENTS +XS/S +XSOPS +DENIED\$"
expect_out "^ +1 domain-1 +2 +0 +1 +0\.0 +0 +0\.0 +[0-9]+ +0\$"
expect_out "^ +2 domain-2 +0 +1 +1 +0\.0 +4 +0\.0 +[0-9]+ +1\$"

hold_end
expect_ok "$GNTBOX" ports --json
expect_same '[]'
expect_ok "$GNTBOX" destroy --dom 1
expect_ok "$GNTBOX" destroy --dom 2

# A daemon that cannot start says why, without the log line's time.
"$GNTBOX" down || fail "gntbox down"
long=$(printf '/x%.0s' $(seq 60))
expect_fail 1 "^gntbox: up: gntboxd did not start: error: --syslog: File name too long \\(log: " \
    "$GNTBOX" up -- "--syslog=$long"

# Under systemd, with standard error on the journal ($JOURNAL_STREAM
# names it), lines carry the journal's priority prefix and no time.
log="$GNTBOX_DIR/gntboxd.log"
: >"$log"
JOURNAL_STREAM=$(stat -c '%d:%i' "$log") "$GNTBOX" up >/dev/null ||
    fail "gntbox up under a journal"
grep -Eq '^<6>info: pid [0-9]+ serving ' "$log" ||
    fail "journal format: $(cat "$log")"
expect_ok "$GNTBOX" log -n 1
expect_out "^$ts info: pid [0-9]+ serving "
cli_finish
