#!/bin/sh
# gntbox up, down, list, create, destroy, stats, grants and ports: output,
# exit statuses and one-line errors; --help on every command.
. "$(dirname "$0")/lib/common.sh"

# Without a daemon: every command says so in one line, the same line,
# naming what starts one.
nodaemon="no gntboxd serves $GNTBOX_DIR; start one with 'gntbox up'"
for c in list grants ports stats down; do
	expect_fail 1 "^gntbox: $c: $nodaemon\$" "$GNTBOX" $c
done
expect_fail 1 "^gntbox: grants: $nodaemon\$" "$GNTBOX" grants --dom alice
expect_fail 1 "^gntbox: create: $nodaemon\$" "$GNTBOX" create --dom 1
expect_fail 1 "^gntbox: destroy: $nodaemon\$" "$GNTBOX" destroy --dom 1

cli_start
expect_ok "$GNTBOX" up
expect_out "^gntboxd already serves $GNTBOX_DIR \\(pid [0-9]+\\) until 'gntbox down'\$"

# Usage errors exit 2, naming the problem.
expect_fail 2 "^gntbox: 'frobnicate' is not a command" "$GNTBOX" frobnicate
expect_fail 2 "^usage: gntbox COMMAND" "$GNTBOX"
expect_fail 2 "^gntbox: create: --dom N is required" "$GNTBOX" create
expect_fail 2 "^gntbox: create: '32752' is not a domain id" "$GNTBOX" create --dom 32752
expect_fail 2 "^gntbox: create: 'x 1' is neither a domain id" "$GNTBOX" create --dom "x 1"
expect_fail 2 "^gntbox: destroy: unexpected 'extra'" "$GNTBOX" destroy --dom 1 extra
expect_fail 2 "^gntbox: stats: unknown option .--frob.\$" "$GNTBOX" stats --frob
expect_fail 2 "^gntbox: list: unexpected 'x'" "$GNTBOX" list x
expect_fail 2 "^gntbox: list: no --dom here\$" "$GNTBOX" list --dom 1
expect_fail 2 "^gntbox: stats: no --dom here\$" "$GNTBOX" stats --dom 1
expect_fail 2 "^gntbox: create: no --json here\$" "$GNTBOX" create --dom 1 --json
expect_fail 2 "^gntbox: destroy: no --name here\$" "$GNTBOX" destroy --dom 1 --name x
expect_fail 2 "^gntbox: run: --dom N is required" "$GNTBOX" run -- true
expect_fail 2 "^gntbox: run: missing the command" "$GNTBOX" run --dom 1
expect_fail 2 "^gntbox: xs: missing operation" "$GNTBOX" xs

# --help on every command, to stdout, exit 0.
for c in run up down list grants ports stats create destroy xs; do
	expect_ok "$GNTBOX" $c --help
	expect_out "^usage: gntbox $c"
	# gntbox help COMMAND is the same.
	"$GNTBOX" $c --help >"$cli_out.help"
	expect_ok "$GNTBOX" help $c
	cli_checks=$((cli_checks + 1))
	cmp -s "$cli_out" "$cli_out.help" || fail "gntbox help $c differs"
done
rm -f "$cli_out.help"
expect_fail 2 "^gntbox: 'frob' is not a command" "$GNTBOX" help frob
expect_fail 2 "^gntbox: help: unexpected 'x'" "$GNTBOX" help run x
expect_ok "$GNTBOX" help
expect_out "^usage: gntbox COMMAND"
expect_ok "$GNTBOX" --help
expect_out "^usage: gntbox COMMAND"

# Domains.
expect_ok "$GNTBOX" list
expect_out "^0 +Domain-0 .*privileged"
expect_ok "$GNTBOX" create --dom 7 --name seven
expect_fail 1 "^gntbox: create: domain 7 exists\$" "$GNTBOX" create --dom 7
expect_ok "$GNTBOX" list
expect_out "^7 +seven "
expect_fail 1 "^gntbox: destroy: domain 0 cannot be destroyed\$" "$GNTBOX" destroy --dom 0
expect_ok "$GNTBOX" destroy --dom 7
expect_fail 1 "^gntbox: destroy: there is no domain 7\$" "$GNTBOX" destroy --dom 7
expect_fail 1 "^gntbox: grants: there is no domain 9\$" "$GNTBOX" grants --dom 9

# Dumps of an idle daemon: headers and nothing else.
expect_ok "$GNTBOX" grants
expect_out "^DOM +REF +FLAGS"
expect_ok "$GNTBOX" stats
expect_out "^domains +1\$"
expect_ok "$GNTBOX" stats --json
expect_out '^\{"domains":1,"connections":[0-9]+,"grants":0,'

cli_finish
