/*
 * hangup.h: noticing that gntboxd went away (issue 12).
 *
 * A program blocked in poll() or read() on a device descriptor must wake
 * when gntboxd dies, as it would if a Linux device's driver went away.
 * The grant device's and privcmd's descriptors are duplicates of their
 * connection's socket, so the kernel's poll already reports the hangup on
 * them; an event channel's descriptor is an eventfd, which gntboxd's end
 * never touches, so nobody would tell it.
 *
 * So a process that asks for it (gbx_hangup_enable: the preload library
 * does) gets one watcher thread, started by the first gbx_hangup_add()
 * (in a fork()ed child, by the child's first).  It polls every watched
 * connection's socket with no event asked for, which reports only
 * POLLHUP, POLLERR and POLLNVAL and never consumes a reply, plus an
 * eventfd of its own that tells it the set changed.  When a socket hangs
 * up, the entry's function runs once (the event-channel handle makes its
 * descriptor readable and its reads fail), and the first hangup of the
 * process calls the function given to gbx_hangup_enable (the preload
 * library's one line on stderr).  Nothing on a request, notify or wait
 * path costs a system call; adding and removing an entry costs one
 * write() to the watcher's eventfd.
 *
 * A process that never enables it, libgntbox's users included, has no
 * thread: gbx_hangup_add() then returns NULL and does nothing.
 */
#ifndef GNTBOX_CLIENT_HANGUP_H
#define GNTBOX_CLIENT_HANGUP_H

struct gbx_hangup;

/*
 * Watch the connections added from now on; say runs once, on the watcher
 * thread, at the first hangup in the process (it may block: no lock is
 * held).
 */
void gbx_hangup_enable(void (*say)(void));

/*
 * Watch the socket sock of a connection; when it hangs up, gone(arg) runs
 * once on the watcher thread, under the watcher's lock: it must not block
 * and must not call gbx_hangup_*.  Returns the entry, or NULL when
 * watching is not enabled or there is no memory (then nothing is
 * watched: the connection still reports its errors when used).
 */
struct gbx_hangup *gbx_hangup_add(int sock, void (*gone)(void *), void *arg);

/*
 * Stop watching, before the socket is closed; once it returns, gone()
 * does not run (or has finished).  NULL is allowed.
 */
void gbx_hangup_del(struct gbx_hangup *h);

#endif /* GNTBOX_CLIENT_HANGUP_H */
