# The stats levels, for tests/cli/lib/common.sh and for scripts a test
# generates; sourced, not run.  Needs GNTBOX (the gntbox program).

# The levels (the fields every test must leave as it found them), one
# NAME:VALUE a line.
levels() {
	"$GNTBOX" stats --json | tr -d '{}' | tr ',' '\n' |
	    grep -E '"(domains|grants|maps|handles|deferred|pages|arenas|ports|nodes|watches|transactions)"' |
	    tr -d ' "'
}

# settle BASELINE: wait up to 5 s for the levels to be BASELINE again
# (releases run after the processes that held things have gone); false
# when they are not.
settle() {
	settle_tries=0
	while [ "$(levels)" != "$1" ] && [ $settle_tries -lt 50 ]; do
		sleep 0.1
		settle_tries=$((settle_tries + 1))
	done
	[ "$(levels)" = "$1" ]
}
