#!/bin/sh
# Debian's unmodified Xen tools on /dev/xen/privcmd (xen-utils-4.17,
# unpacked by scripts/install-deps.sh into build/debs): `xl list` lists
# the domains in domain 0 (XEN_SYSCTL_getdomaininfolist, names from
# xenstore) and is refused in a domU, as Xen's dummy XSM policy refuses
# it; `lsevtchn` lists a domain's ports (EVTCHNOP_status, port by port
# until EINVAL) as `gntbox ports` does, in domain 0 for any domain and in
# a domU for its own only; what is refused is a denial in gntboxd's
# log; `xl info` needs hypercalls gntbox does not implement: each is
# ENOSYS, counted in hypercalls_enosys and said once in gntboxd's log
# with its number, however often it is made.
. "$(dirname "$0")/lib/common.sh"

bin="${GNTBOX_TOP:?}/build/debs/xen-utils-4.17/usr/lib/xen-4.17/bin"
[ -x "$bin/xl" ] && [ -x "$bin/lsevtchn" ] ||
	{ echo "FAIL: $bin: run scripts/install-deps.sh" >&2; exit 1; }
holder="$GNTBOX_BUILD/tests/integration/test_evtchn_ports"
[ -x "$holder" ] || { echo "FAIL: $holder is not built" >&2; exit 1; }
log="$GNTBOX_DIR/gntboxd.log"

# expect_err PATTERN: the last command's stderr has a line matching it.
expect_err() {
	cli_checks=$((cli_checks + 1))
	grep -Eq "$1" "$cli_out.err" ||
	    fail "stderr !~ /$1/: $(cat "$cli_out.err")"
}

# The ENOSYS total of `gntbox stats`.
enosys() {
	"$GNTBOX" stats | awk '$1 == "hypercalls_enosys" { print $2 }'
}

cli_start
expect_ok "$GNTBOX" create --dom 1 --name one
expect_ok "$GNTBOX" create --dom 2

# xl list: domain 0 sees every domain, with its name; a domU nothing.
expect_ok in_dom 0 "$bin/xl" list
expect_out '^Domain-0 +0 +0 +1 +r----- +0\.0$'
expect_out '^one +1 +0 +1 +r----- +0\.0$'
expect_out '^domain-2 +2 +0 +1 +r----- +0\.0$'
[ "$(wc -l <"$cli_out")" -eq 4 ] || fail "xl list: $(cat "$cli_out")"
expect_fail 1 "" in_dom 1 "$bin/xl" list
expect_err 'libxl_list_domain: getting domain info list: Operation not permitted'
cli_checks=$((cli_checks + 1))
grep -q ' warn: domain 1 denied hypercall 35 (sysctl) command 6: EPERM: ' "$log" ||
    fail "the refusal of getdomaininfolist was not logged: $(grep denied "$log")"

# lsevtchn, against ports the holder binds: unbound 1 -> 2, and 1:a <-> 2:b.
hold_start "$holder" hold
set -- $hold_words
unbound=${3:-0} a=${4:-0} b=${5:-0}
expect_ok in_dom 0 "$bin/lsevtchn" 1
expect_same "$(printf '%4d: VCPU 0: Interdomain (Waiting connection) - Remote Domain 2\n%4d: VCPU 0: Interdomain (Connected) - Remote Domain 2, Port %d' \
    "$unbound" "$a" "$b" | sort -n)"
expect_ok in_dom 2 "$bin/lsevtchn" 2
expect_same "$(printf '%4d: VCPU 0: Interdomain (Connected) - Remote Domain 1, Port %d' "$b" "$a")"
expect_fail 1 '^xc_evtchn_status: Operation not permitted$' in_dom 2 "$bin/lsevtchn" 1
expect_fail 1 '^xc_evtchn_status: No such process$' in_dom 0 "$bin/lsevtchn" 9
expect_ok in_dom 0 "$bin/lsevtchn" 0
expect_same ""
hold_end

# xl info: what it needs and gntbox lacks is ENOSYS, counted each time
# and said once.
before=$(enosys)
in_dom 0 "$bin/xl" info >"$cli_out" 2>"$cli_out.err"
expect_out '^xend_config_format +: 4$'
expect_err 'getting physinfo: Function not implemented'
once=$(enosys)
cli_checks=$((cli_checks + 1))
[ "$once" -gt "$before" ] || fail "xl info counted no ENOSYS ($before, $once)"
in_dom 0 "$bin/xl" info >"$cli_out" 2>"$cli_out.err"
cli_checks=$((cli_checks + 2))
[ $(($(enosys) - once)) -eq $((once - before)) ] ||
    fail "a second xl info counted $(($(enosys) - once)), the first $((once - before))"
[ "$(grep -c 'made hypercall 35 (sysctl) command 3, which gntbox does not implement: ENOSYS' "$log")" -eq 1 ] ||
    fail "physinfo was not said once: $(grep privcmd "$log")"

expect_ok "$GNTBOX" destroy --dom 1
expect_ok "$GNTBOX" destroy --dom 2
cli_finish
