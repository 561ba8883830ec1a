# Shared by the command-line tests of issue 11 (runtime directory, users,
# destroy); sourced after common.sh, not run.

# as_nobody CMD...: run CMD as the user nobody (with its group alone).
as_nobody() {
	setpriv --reuid="$(id -u nobody)" --regid="$(id -g nobody)" \
	    --clear-groups -- "$@"
}

# copy_tools DIR MODE: bin/gntbox, bin/gntboxd and lib/libgntbox-preload.so
# of the build in DIR, with DIR's mode MODE (a+rX: anyone may read and
# run them, wherever the build itself is; go-rwx: root alone).  An obj/
# beside bin/ makes it a build tree, where gntbox finds the others.
copy_tools() {
	mkdir -p "$1/bin" "$1/lib" "$1/obj"
	cp "$GNTBOX_BUILD/bin/gntbox" "$GNTBOX_BUILD/bin/gntboxd" "$1/bin/"
	cp "$GNTBOX_BUILD/lib/libgntbox-preload.so" "$1/lib/"
	chmod -R "$2" "$1"
}

# wait_socket PATH: wait (5 s at most) until PATH is a socket.
wait_socket() {
	ws_tries=0
	while [ ! -S "$1" ] && [ $ws_tries -lt 100 ]; do
		sleep 0.05
		ws_tries=$((ws_tries + 1))
	done
}

# run_sleep GNTBOX DOM: `GNTBOX run --dom DOM --name domDOM -- sleep 60`
# in the background; $runner is run's pid and $sleeper the command's,
# once it runs (run makes it a process of the domain before it execs).
run_sleep() {
	"$1" run --dom "$2" --name "dom$2" -- sleep 60 &
	runner=$!
	sleeper=
	rs_tries=0
	while [ -z "$sleeper" ] && [ $rs_tries -lt 100 ]; do
		sleep 0.05
		sleeper=$(pgrep -P "$runner" sleep || true)
		rs_tries=$((rs_tries + 1))
	done
}
