#!/bin/sh
# Domains by name, as xl has them: the rule for a name (said in full when
# broken), names unique among live domains, default names (Domain-0,
# domain-N) their own domain's only, and every --dom taking a name.
. "$(dirname "$0")/lib/common.sh"

cli_start
rule='\(a name is 1 to 63 of the characters A-Z a-z 0-9 _ \. -, not all digits\)$'

# The rule, said in full, exit 2, before anything is asked of gntboxd.
expect_fail 2 "^gntbox: create: 'a b/c' is not a domain name: it has a character other than A-Z a-z 0-9 _ \\. - $rule" \
    "$GNTBOX" create --dom 1 --name "a b/c"
expect_fail 2 "^gntbox: create: '123' is not a domain name: it is all digits, which reads as a domain id $rule" \
    "$GNTBOX" create --dom 1 --name 123
long=$(printf '%064d' 0 | tr 0 x)
expect_fail 2 "^gntbox: create: '$long' is not a domain name: it is longer than 63 characters" \
    "$GNTBOX" create --dom 1 --name "$long"
expect_fail 2 "^gntbox: run: '' is not a domain name: it is empty" \
    "$GNTBOX" run --dom 1 --name "" -- true
expect_fail 2 "^gntbox: create: 'domain-1' is not a name for domain 3: a name of the form domain-N belongs to domain N" \
    "$GNTBOX" create --dom 3 --name domain-1
expect_fail 2 "^gntbox: create: 'Domain-0' is not a name for domain 5" \
    "$GNTBOX" create --dom 5 --name Domain-0
expect_fail 2 "^gntbox: create: --name goes with a domain id: --dom N\$" \
    "$GNTBOX" create --dom alice --name bob
expect_ok "$GNTBOX" list
expect_same "DOMID  NAME                  CONNS  GRANTS  HANDLES  PORTS  FLAGS
0      Domain-0                  0       0        0      0  privileged"

# 63 characters is a name; a domain may take its own default name.
expect_ok "$GNTBOX" create --dom 6 --name domain-6
expect_ok "$GNTBOX" create --dom 8 --name "$(printf '%063d' 0 | tr 0 y)"

# Unique: a second alice is refused, naming who has it.
expect_ok "$GNTBOX" create --dom 1 --name alice
expect_fail 1 "^gntbox: create: the name 'alice' is taken by domain 1\$" \
    "$GNTBOX" create --dom 2 --name alice
expect_fail 1 "^gntbox: run: the name 'alice' is taken by domain 1\$" \
    "$GNTBOX" run --dom 2 --name alice -- true
expect_fail 1 "^gntbox: create: domain 1 exists, named alice\$" \
    "$GNTBOX" create --dom 1 --name bob
expect_fail 1 "^gntbox: run: domain 1 exists, named alice\$" \
    "$GNTBOX" run --dom 1 --name bob -- true
expect_fail 1 "^gntbox: create: domain alice exists \\(id 1\\)\$" \
    "$GNTBOX" create --dom alice
expect_fail 1 "^gntbox: create: there is no domain named 'zed'; to make one: gntbox create --dom N --name zed\$" \
    "$GNTBOX" create --dom zed
# Asking for the name a domain has is no clash.
expect_ok "$GNTBOX" run --dom 1 --name alice -- true

# Every --dom takes the name: grants, ports, xs, run, destroy.
expect_ok "$GNTBOX" run --dom alice -- sh -c 'echo "$GNTBOX_DOMID"'
expect_same 1
expect_ok "$GNTBOX" xs --dom alice read name
expect_same alice
expect_ok "$GNTBOX" xs --dom Domain-0 read /local/domain/0/domid
expect_same 0
expect_ok "$GNTBOX" xs --dom domain-6 read domid
expect_same 6
expect_ok "$GNTBOX" grants --dom alice
expect_out "^DOM +REF"
expect_ok "$GNTBOX" ports --dom alice
expect_out "^DOM +PORT"
for c in grants ports destroy; do
	expect_fail 1 "^gntbox: $c: there is no domain named 'bob'\$" \
	    "$GNTBOX" $c --dom bob
done
expect_fail 1 "^gntbox: xs: there is no domain named 'bob'\$" \
    "$GNTBOX" xs --dom bob read name
expect_fail 1 "^gntbox: run: there is no domain named 'bob'; 'gntbox run --dom N --name bob' makes one\$" \
    "$GNTBOX" run --dom bob -- true
expect_fail 2 "^gntbox: run: --name goes with a domain id: --dom N\$" \
    "$GNTBOX" run --dom alice --name alice -- true
expect_fail 2 "^gntbox: ports: 'a:b' is neither a domain id \\(0 to 32751\\) nor a domain name" \
    "$GNTBOX" ports --dom a:b

# A destroyed domain gives its name up: another may take it at once.
expect_ok "$GNTBOX" destroy --dom alice
expect_fail 1 "^gntbox: xs: there is no domain named 'alice'\$" \
    "$GNTBOX" xs --dom alice read name
expect_ok "$GNTBOX" create --dom 2 --name alice
expect_ok "$GNTBOX" xs --dom alice read domid
expect_same 2
expect_ok "$GNTBOX" list
expect_out "^2 +alice "

for d in alice 6 8; do
	expect_ok "$GNTBOX" destroy --dom $d
done
cli_finish
