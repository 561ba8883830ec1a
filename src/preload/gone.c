/*
 * gone.c: telling the program that gntboxd went away (issue 12).
 *
 * A Linux device whose driver goes away wakes its pollers and fails its
 * calls; the program's log then says why.  Here the client core's watcher
 * (client/hangup.h) does the waking: every event-channel descriptor
 * becomes readable and its reads fail with EIO, and the grant-device and
 * privcmd descriptors, duplicates of sockets gntboxd held, report
 * POLLHUP on their own.  What is left to this library is the why: one
 * line on stderr, once per process, that names gntboxd and says what to
 * do, since the program itself only sees EIO.
 */
#include <stdio.h>
#include <unistd.h>

#include "base/paths.h"
#include "client/hangup.h"
#include "preload/preload.h"

/*
 * The line, written by the watcher thread with one write(2), so that it
 * is never interleaved with the program's own output.
 */
static void
pl_gone_say(void)
{
	char line[320];
	int n;

	pl_real_init();
	n = snprintf(line, sizeof(line),
	    "gntbox: gntboxd went away (it stopped, or domain %d was "
	    "destroyed): /dev/xen/evtchn, gntdev, gntalloc and privcmd no "
	    "longer work in process %d; start it again with 'gntbox up' "
	    "and rerun the program\n",
	    gbx_env_domid(), (int)getpid());
	if (n > 0 && (size_t)n < sizeof(line))
		(void)pl_real.write(STDERR_FILENO, line, (size_t)n);
}

/* Watch from the start: the watcher itself waits for the first device. */
static void __attribute__((constructor)) pl_gone_ctor(void)
{

	gbx_hangup_enable(pl_gone_say);
}
