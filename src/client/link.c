/*
 * link.c: the client's connection to gntboxd (link.h).
 *
 * The connection's mutex covers the socket, the sequence counter, the
 * receive buffer, the bulk memfd and the arena cache.  A request holds it
 * from its send to its reply, so replies can only come in the order the
 * requests went, and a one-way message sent between two requests reaches
 * gntboxd between them.
 *
 * Descriptors (issue 11, defect 4).  A Linux device needs no descriptor
 * to map a grant; we need the arena's.  Two things follow:
 *
 * - The arena cache is bounded (gbx_arena_cap: GBX_ARENA_CACHE_FDS, less
 *   when RLIMIT_NOFILE is small).  The least recently used descriptor
 *   that no caller is using (pins) goes first, and gntboxd is told with
 *   ARENA_PUT, so that its record of what we hold stays true: it sends
 *   the descriptor again when a reply next needs it, and an arena that
 *   has neither pages nor holders can go.
 * - When our descriptor table is full, the kernel drops the descriptors
 *   of a reply (MSG_CTRUNC) but delivers the reply.  The reply stands:
 *   the arenas whose descriptors were lost are put back (ARENA_PUT) and
 *   the call learns it (fds_lost), so that whoever needed them fails with
 *   EMFILE and undoes what the request did (an mmap sends UNMAP).  The
 *   connection stays usable, and the same call works again once a
 *   descriptor is free.
 */
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/paths.h"
#include "base/tree.h"
#include "client/link.h"
#include "proto/msg.h"

struct gbx_arena {
	RB_ENTRY(gbx_arena) link;
	TAILQ_ENTRY(gbx_arena) lru; /* least recently used first */
	uint32_t id;
	unsigned pins; /* callers between gbx_conn_arena_fd and _unpin */
	int fd;	       /* as gntboxd sent it */
	int rofd;      /* opened read-only, or -1 until needed */
};

RB_HEAD(gbx_arenas, gbx_arena);
TAILQ_HEAD(gbx_arena_lru, gbx_arena);

/*
 * At most this many arena descriptors per connection (a read-only
 * reopening counts as one more), or an eighth of RLIMIT_NOFILE if that
 * is less: enough to keep the hot arenas of a backend, few enough that a
 * process sharing with a thousand domains stays far below the default
 * limit of 1024.
 */
#define GBX_ARENA_CACHE_FDS 64
#define GBX_ARENA_CACHE_MIN 2

/* Sends tried while the kernel has no memory for them (gbx_send). */
#define GBX_SEND_TRIES 4

/* Arena ids to put back (ARENA_PUT) in one message. */
#define GBX_ARENA_PUT_MAX 64

struct gbx_conn {
	pthread_mutex_t lock;
	int sock;
	int token; /* our end of the process token, or -1 */
	int bulk;  /* the bulk memfd, or -1 until needed */
	uint32_t seq;
	bool broken;
	struct gbx_hello_reply hello;
	int hello_fds[GBX_MAX_FDS];
	unsigned nhello_fds;
	struct gbx_arenas arenas;
	struct gbx_arena_lru lru;
	unsigned arena_fds;		 /* descriptors the cache holds */
	unsigned arena_cap;		 /* and may hold, beyond pinned ones */
	uint32_t put[GBX_ARENA_PUT_MAX]; /* ids to put back */
	unsigned nput;
	union {
		struct gbx_hdr h;
		unsigned char b[GBX_MSG_MAX];
	} buf;
};

static int
gbx_arena_cmp(const struct gbx_arena *a, const struct gbx_arena *b)
{

	if (a->id < b->id)
		return (-1);
	return (a->id > b->id);
}

RB_GENERATE_STATIC_UNUSED(gbx_arenas, gbx_arena, link, gbx_arena_cmp)

static struct gbx_arena *
gbx_arena_find(struct gbx_conn *c, uint32_t id)
{
	struct gbx_arena key;

	memset(&key, 0, sizeof(key));
	key.id = id;
	return (RB_FIND(gbx_arenas, &c->arenas, &key));
}

/*
 * Send one message, trying again a few times while the kernel is short of
 * memory for it (ENOBUFS, ENOMEM): SOCK_SEQPACKET sends all or nothing,
 * so nothing went and the stream is whole.  A one-way release that could
 * not go at all is lost to gntboxd, so its caller breaks the stream; a
 * request that could not go only fails.
 */
static int
gbx_send(struct gbx_conn *c, struct gbx_hdr *h, const void *body, size_t blen,
    const void *tail, size_t tlen, const int *fds, unsigned nfds)
{
	int error, i;

	for (i = 0;; i++) {
		error =
		    gbx_msg_send(c->sock, h, body, blen, tail, tlen, fds, nfds);
		if ((error != ENOBUFS && error != ENOMEM) ||
		    i == GBX_SEND_TRIES - 1)
			return (error);
		(void)usleep(1000u << i);
	}
}

/*
 * Tell gntboxd that we no longer hold the arenas in c->put (ARENA_PUT,
 * one-way).  Called with the lock held, between requests.  A failure to
 * send breaks the stream, as any other send's does.
 */
static void
gbx_arena_put_flush(struct gbx_conn *c)
{
	struct gbx_refs body;
	struct gbx_hdr h;

	if (c->nput == 0 || c->broken) {
		c->nput = 0;
		return;
	}
	memset(&body, 0, sizeof(body));
	body.count = c->nput;
	memset(&h, 0, sizeof(h));
	h.type = GBX_ARENA_PUT;
	h.seq = ++c->seq;
	if (gbx_send(c, &h, &body, sizeof(body), c->put,
		c->nput * sizeof(c->put[0]), NULL, 0) != 0)
		c->broken = true;
	c->nput = 0;
}

/* Note that we do not hold arena id (any more): gntboxd will be told. */
static void
gbx_arena_put(struct gbx_conn *c, uint32_t id)
{

	if (c->nput == GBX_ARENA_PUT_MAX)
		gbx_arena_put_flush(c);
	c->put[c->nput++] = id;
}

/* Forget a cached arena: close its descriptors, free it. */
static void
gbx_arena_drop(struct gbx_conn *c, struct gbx_arena *a)
{

	RB_REMOVE(gbx_arenas, &c->arenas, a);
	TAILQ_REMOVE(&c->lru, a, lru);
	if (a->rofd != -1 && a->rofd != a->fd) {
		(void)close(a->rofd);
		c->arena_fds--;
	}
	(void)close(a->fd);
	c->arena_fds--;
	free(a);
}

/*
 * Keep the cache within its bound: the least recently used arenas that
 * nobody is using go, and are put back.  Pinned ones stay even beyond the
 * bound (a caller is about to map with the descriptor); the next trim
 * takes them once they are unpinned.
 */
static void
gbx_arena_trim(struct gbx_conn *c)
{
	struct gbx_arena *a, *next;

	for (a = TAILQ_FIRST(&c->lru); a != NULL && c->arena_fds > c->arena_cap;
	     a = next) {
		next = TAILQ_NEXT(a, lru);
		if (a->pins != 0)
			continue;
		gbx_arena_put(c, a->id);
		gbx_arena_drop(c, a);
	}
}

/* Cache fd as arena id's descriptor, or close it if we have one already. */
static void
gbx_arena_add(struct gbx_conn *c, uint32_t id, int fd)
{
	struct gbx_arena *a;

	if (gbx_arena_find(c, id) != NULL) {
		(void)close(fd);
		return;
	}
	if ((a = calloc(1, sizeof(*a))) == NULL) {
		/* Without room to keep it, ARENA_GET will bring it again. */
		(void)close(fd);
		gbx_arena_put(c, id);
		return;
	}
	a->id = id;
	a->fd = fd;
	a->rofd = -1;
	(void)RB_INSERT(gbx_arenas, &c->arenas, a);
	TAILQ_INSERT_TAIL(&c->lru, a, lru);
	c->arena_fds++;
}

/*
 * Take the descriptors of a reply: arena descriptors named by its fdlist
 * go to the cache; anything else (a count that disagrees with the list
 * included) is closed, and ARENA_GET will fetch what is missing.  When
 * the kernel dropped some (ctrunc: our descriptor table is full), those
 * that came are the first of the list; the others are put back at once,
 * and the call says so.
 */
static void
gbx_take_arenas(struct gbx_conn *c, struct gbx_call *call, int *fds,
    unsigned nfds, bool ctrunc)
{
	struct gbx_fdlist l;
	unsigned i;

	if (nfds == 0 && !ctrunc)
		return;
	if (call->fdlist >= 0 &&
	    call->rlen >= (size_t)call->fdlist + sizeof(l)) {
		memcpy(&l, (const char *)call->reply + call->fdlist, sizeof(l));
		if (l.nfds == nfds ||
		    (ctrunc && l.nfds > nfds && l.nfds <= GBX_MAX_FDS)) {
			for (i = 0; i < nfds; i++)
				gbx_arena_add(c, l.arena[i], fds[i]);
			for (; i < l.nfds; i++)
				gbx_arena_put(c, l.arena[i]);
			call->fds_lost = ctrunc;
			gbx_arena_trim(c);
			gbx_arena_put_flush(c);
			return;
		}
	}
	call->fds_lost = ctrunc;
	gbx_close_fds(fds, &nfds);
}

/*
 * The socket connected to path, close-on-exec, in a runtime directory we
 * trust (paths.h) and with a daemon we trust at the other end.
 */
static int
gbx_connect(const char *path, int *sp)
{
	char dir[GBX_PATH_MAX];
	struct sockaddr_un sa;
	int s, error;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path))
		return (ENAMETOOLONG);
	memcpy(sa.sun_path, path, strlen(path));
	if ((error = gbx_runtime_dir(dir, sizeof(dir))) != 0)
		return (error);
	if ((error = gbx_dir_check(dir, GBX_DIR_USER)) != 0)
		return (error == ENOTDIR ? ENOENT : error);
	if ((s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0)) == -1)
		return (errno);
	if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) == -1) {
		error = errno;
		(void)close(s);
		/* A missing socket or one nobody listens on: no gntboxd. */
		if (error == ECONNREFUSED || error == ENOTDIR)
			error = ENOENT;
		return (error);
	}
	if ((error = gbx_peer_check(s, path)) != 0) {
		(void)close(s);
		return (error);
	}
	*sp = s;
	return (0);
}

/*
 * gntboxd refused this connection as it accepted it, and closed it: what
 * it sent first is a HELLO reply of seq 0 with the reason (proto.h).
 * Returns that error, or EPIPE when there is none.  Never blocks: the
 * other end is closed.
 */
static int
gbx_refused(struct gbx_conn *c)
{
	int fds[GBX_MAX_FDS];
	struct gbx_hdr h;
	unsigned nfds;
	ssize_t r;

	/*
	 * Closed with our HELLO unread, the socket reports ECONNRESET once
	 * before it gives what was sent to us.
	 */
	if ((r = gbx_msg_recv(c->sock, &c->buf, sizeof(c->buf), fds, &nfds)) ==
	    -ECONNRESET)
		r = gbx_msg_recv(c->sock, &c->buf, sizeof(c->buf), fds, &nfds);
	if (r < (ssize_t)sizeof(h))
		return (EPIPE);
	gbx_close_fds(fds, &nfds);
	memcpy(&h, &c->buf, sizeof(h));
	if (h.type != GBX_HELLO || h.seq != 0 || h.error <= 0 || h.error > 4095)
		return (EPIPE);
	return (h.error);
}

/*
 * Send a request with the descriptors xfds and receive its reply; the
 * reply's descriptors go to rfds when the caller wants them (HELLO),
 * otherwise to the arena cache.  Called with the lock held.
 */
static int
gbx_xfer(struct gbx_conn *c, struct gbx_call *call, const int *xfds,
    unsigned nx, int *rfds, unsigned *nrfds)
{
	struct gbx_hdr h;
	int fds[GBX_MAX_FDS];
	unsigned nfds;
	size_t body;
	ssize_t r;
	bool bulk, ctrunc;
	int error;

	call->rlen = 0;
	call->rtail_got = false;
	call->fds_lost = false;
	if (c->broken)
		return (EPIPE);
	bulk = call->bulk || call->tlen > GBX_INLINE_MAX ||
	    call->rtlen > GBX_INLINE_MAX;
	if (bulk) {
		if (c->bulk == -1 && (c->bulk = gbx_bulk_create()) == -1)
			return (errno);
		if (call->tlen != 0 &&
		    (error = gbx_bulk_write(c->bulk, call->tail, call->tlen,
			 0)) != 0)
			return (error);
		xfds = &c->bulk;
		nx = 1;
	}
	memset(&h, 0, sizeof(h));
	h.type = call->type;
	h.flags = bulk ? GBX_F_BULK : 0;
	h.seq = ++c->seq;
	error = gbx_send(c, &h, call->body, call->blen,
	    bulk ? NULL : call->tail, bulk ? 0 : call->tlen, xfds, nx);
	if (error == ENOBUFS || error == ENOMEM)
		return (ENOMEM); /* nothing went: the stream is whole */
	if (error != 0) {
		if (error != EMSGSIZE && error != EINVAL)
			c->broken = true;
		/* Refused at accept: the reason waits before the end. */
		if (call->type == GBX_HELLO &&
		    (error == EPIPE || error == ECONNRESET))
			return (gbx_refused(c));
		return (error == EMSGSIZE || error == EINVAL ? error : EPIPE);
	}
	ctrunc = false;
	r = gbx_msg_recv_ctrunc(c->sock, &c->buf, sizeof(c->buf), fds, &nfds,
	    &ctrunc);
	if (r == -ECONNRESET && call->type == GBX_HELLO) {
		c->broken = true;
		return (gbx_refused(c));
	}
	if (r <= 0) {
		c->broken = true;
		return (r == -EPROTO ? EPROTO : EPIPE);
	}
	memcpy(&h, &c->buf, sizeof(h));
	/* A refusal sent before our HELLO was read (proto.h). */
	if (call->type == GBX_HELLO && h.type == GBX_HELLO && h.seq == 0 &&
	    h.error > 0 && h.error <= 4095) {
		gbx_close_fds(fds, &nfds);
		c->broken = true;
		return (h.error);
	}
	if (h.type != call->type || h.seq != c->seq || h.error < 0 ||
	    h.error > 4095) {
		gbx_close_fds(fds, &nfds);
		c->broken = true;
		return (EPROTO);
	}
	body = (size_t)r - sizeof(h);
	call->rlen = body < call->rcap ? body : call->rcap;
	if (call->rlen != 0)
		memcpy(call->reply, c->buf.b + sizeof(h), call->rlen);
	if (call->rtlen != 0 && body >= call->rcap) {
		if ((h.flags & GBX_F_BULK) != 0) {
			if (bulk &&
			    gbx_bulk_read(c->bulk, call->rtail, call->rtlen,
				0) == 0)
				call->rtail_got = true;
		} else if (body == call->rcap + call->rtlen) {
			memcpy(call->rtail, c->buf.b + sizeof(h) + call->rcap,
			    call->rtlen);
			call->rtail_got = true;
		}
	}
	if (rfds != NULL) {
		memcpy(rfds, fds, nfds * sizeof(int));
		*nrfds = nfds;
		call->fds_lost = ctrunc;
	} else
		gbx_take_arenas(c, call, fds, nfds, ctrunc);
	return (h.error);
}

/* Empty the bulk memfd: its memory goes back and no stale data lingers. */
static void
gbx_bulk_reset(struct gbx_conn *c)
{

	/* A failure (none is known on a memfd) only leaves memory held. */
	if (c->bulk != -1 && ftruncate(c->bulk, 0) == -1)
		return;
}

/*
 * HELLO: the first exchange.  A grant device sends the far end of a fresh
 * socketpair as its process token and keeps the near end; both ends are
 * close-on-exec, and the far end is closed here once gntboxd has its own
 * copy.
 */
static int
gbx_hello(struct gbx_conn *c, uint32_t kind, unsigned domid)
{
	struct gbx_hello hello;
	struct gbx_call call;
	int sp[2], error;

	memset(&hello, 0, sizeof(hello));
	hello.version = GBX_PROTO_VERSION;
	hello.kind = kind;
	gbx_call_init(&call, GBX_HELLO, &hello, sizeof(hello), &c->hello,
	    sizeof(c->hello));
	if (kind == GBX_KIND_GNTDEV) {
		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) ==
		    -1)
			return (errno);
		c->token = sp[0];
		error =
		    gbx_xfer(c, &call, &sp[1], 1, c->hello_fds, &c->nhello_fds);
		(void)close(sp[1]);
	} else
		error =
		    gbx_xfer(c, &call, NULL, 0, c->hello_fds, &c->nhello_fds);
	if (error == 0 && call.fds_lost) {
		/* An event channel's eventfd or page could not be ours. */
		gbx_close_fds(c->hello_fds, &c->nhello_fds);
		return (EMFILE);
	}
	if (error != 0)
		return (error);
	if (call.rlen != sizeof(c->hello) ||
	    c->hello.version != GBX_PROTO_VERSION ||
	    (kind != GBX_KIND_CONTROL && c->hello.domid != domid))
		return (EPROTO);
	return (0);
}

/* How many arena descriptors a connection keeps (GBX_ARENA_CACHE_FDS). */
static unsigned
gbx_arena_cap(void)
{
	struct rlimit rl;
	rlim_t cap;

	cap = GBX_ARENA_CACHE_FDS;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur / 8 < cap)
		cap = rl.rlim_cur / 8;
	return (
	    cap < GBX_ARENA_CACHE_MIN ? GBX_ARENA_CACHE_MIN : (unsigned)cap);
}

/*
 * Connect and say HELLO.  The socket is close-on-exec: an exec'd program
 * does not inherit our connections (a fork()ed child does, see gntdev.h).
 */
int
gbx_conn_open(uint32_t kind, unsigned domid, struct gbx_conn **cp)
{
	char path[GBX_PATH_MAX];
	struct gbx_conn *c;
	int error;

	if (kind == GBX_KIND_CONTROL)
		error = gbx_path_control(path, sizeof(path));
	else
		error = gbx_path_device(path, sizeof(path), domid);
	if (error != 0)
		return (error);
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return (ENOMEM);
	c->sock = c->token = c->bulk = -1;
	RB_INIT(&c->arenas);
	TAILQ_INIT(&c->lru);
	c->arena_cap = gbx_arena_cap();
	if ((error = pthread_mutex_init(&c->lock, NULL)) != 0) {
		free(c);
		return (error);
	}
	if ((error = gbx_connect(path, &c->sock)) != 0 ||
	    (error = gbx_hello(c, kind, domid)) != 0) {
		gbx_conn_close(c);
		return (error);
	}
	*cp = c;
	return (0);
}

/*
 * Close the socket and the token (gntboxd then releases everything the
 * connection held), and every cached descriptor.
 */
void
gbx_conn_close(struct gbx_conn *c)
{
	struct gbx_arena *a;

	/* gntboxd forgets what this connection held as it closes. */
	while ((a = RB_MIN(gbx_arenas, &c->arenas)) != NULL)
		gbx_arena_drop(c, a);
	gbx_close_fds(c->hello_fds, &c->nhello_fds);
	if (c->bulk != -1)
		(void)close(c->bulk);
	if (c->sock != -1)
		(void)close(c->sock);
	if (c->token != -1)
		(void)close(c->token);
	(void)pthread_mutex_destroy(&c->lock);
	free(c);
}

int
gbx_conn_sock(const struct gbx_conn *c)
{

	return (c->sock);
}

void
gbx_conn_token_close(struct gbx_conn *c)
{

	if (c->token != -1) {
		(void)close(c->token);
		c->token = -1;
	}
}

const struct gbx_hello_reply *
gbx_conn_hello(const struct gbx_conn *c)
{

	return (&c->hello);
}

void
gbx_conn_take_hello_fds(struct gbx_conn *c, int *fds, unsigned *n)
{

	(void)pthread_mutex_lock(&c->lock);
	memcpy(fds, c->hello_fds, c->nhello_fds * sizeof(int));
	*n = c->nhello_fds;
	c->nhello_fds = 0;
	(void)pthread_mutex_unlock(&c->lock);
}

/* One request and its reply, under the lock; the bulk memfd is emptied. */
int
gbx_conn_call(struct gbx_conn *c, struct gbx_call *call)
{
	int error;

	(void)pthread_mutex_lock(&c->lock);
	error = gbx_xfer(c, call, call->xfds, call->nx, NULL, NULL);
	gbx_bulk_reset(c);
	(void)pthread_mutex_unlock(&c->lock);
	return (error);
}

/* The same, with the reply's descriptors handed to the caller. */
int
gbx_conn_call_fds(struct gbx_conn *c, struct gbx_call *call, int *fds,
    unsigned *nfds)
{
	int error;

	*nfds = 0;
	(void)pthread_mutex_lock(&c->lock);
	error = gbx_xfer(c, call, NULL, 0, fds, nfds);
	gbx_bulk_reset(c);
	(void)pthread_mutex_unlock(&c->lock);
	return (error);
}

/*
 * A dump: the request always goes bulk, and the records come back in the
 * bulk memfd.  Their number and size are gntboxd's to say, so both are
 * bounded before anything is allocated, and a memfd shorter than they
 * claim is EPROTO (gbx_bulk_read).  Records are copied into an array of
 * our own record size, cut or zero-padded as the sizes differ.  Memory is
 * allocated only for what the memfd really holds.
 */
int
gbx_conn_dump(struct gbx_conn *c, uint16_t type, const void *body, size_t blen,
    size_t rec_size, void **recs, uint32_t *nrecs)
{
	struct gbx_dump_reply rep;
	struct gbx_call call;
	struct stat sb;
	unsigned char *raw, *out;
	size_t total;
	uint32_t i;
	int error;

	gbx_call_init(&call, type, body, blen, &rep, sizeof(rep));
	call.bulk = true;
	raw = out = NULL;
	(void)pthread_mutex_lock(&c->lock);
	error = gbx_xfer(c, &call, NULL, 0, NULL, NULL);
	if (error != 0)
		goto out;
	if (call.rlen != sizeof(rep) || rep.count > GBX_DUMP_MAX ||
	    rep.rec_size == 0 || rep.rec_size > GBX_MSG_MAX) {
		error = EPROTO;
		goto out;
	}
	total = (size_t)rep.count * rep.rec_size;
	if (fstat(c->bulk, &sb) == -1 || (uint64_t)sb.st_size < total) {
		error = EPROTO;
		goto out;
	}
	if ((raw = malloc(total + 1)) == NULL ||
	    (out = calloc((size_t)rep.count + 1, rec_size)) == NULL) {
		error = ENOMEM;
		goto out;
	}
	if (total != 0 && (error = gbx_bulk_read(c->bulk, raw, total, 0)) != 0)
		goto out;
	for (i = 0; i < rep.count; i++)
		memcpy(out + (size_t)i * rec_size,
		    raw + (size_t)i * rep.rec_size,
		    rep.rec_size < rec_size ? rep.rec_size : rec_size);
	*recs = out;
	*nrecs = rep.count;
	out = NULL;
out:
	gbx_bulk_reset(c);
	(void)pthread_mutex_unlock(&c->lock);
	free(raw);
	free(out);
	return (error);
}

/*
 * A one-way message, under the same lock as requests, so it reaches
 * gntboxd in order with them.  A failure other than a message too large
 * means the stream is gone.
 */
int
gbx_conn_send(struct gbx_conn *c, uint16_t type, const void *body, size_t blen,
    const void *tail, size_t tlen)
{
	struct gbx_hdr h;
	int error;

	if (tlen > GBX_INLINE_MAX)
		return (EMSGSIZE);
	memset(&h, 0, sizeof(h));
	h.type = type;
	(void)pthread_mutex_lock(&c->lock);
	if (c->broken)
		error = EPIPE;
	else {
		h.seq = ++c->seq;
		error = gbx_send(c, &h, body, blen, tail, tlen, NULL, 0);
		if (error != 0 && error != EMSGSIZE)
			c->broken = true;
	}
	(void)pthread_mutex_unlock(&c->lock);
	return (error);
}

/*
 * A read-only descriptor for a: the one gntboxd sent when it is read-only
 * already (a read-only grant's arena), else a reopening of the same file
 * through /proc with O_RDONLY, which counts against the cache's bound.
 * Mappings made from it cannot be upgraded with mprotect, which is how a
 * read-only map stays read-only.
 */
static int
gbx_arena_rofd(struct gbx_conn *c, struct gbx_arena *a)
{
	char path[64];
	int fl;

	if (a->rofd != -1)
		return (0);
	if ((fl = fcntl(a->fd, F_GETFL)) == -1)
		return (errno);
	if ((fl & O_ACCMODE) == O_RDONLY) {
		a->rofd = a->fd;
		return (0);
	}
	(void)snprintf(path, sizeof(path), "/proc/self/fd/%d", a->fd);
	if ((a->rofd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return (errno);
	c->arena_fds++;
	return (0);
}

/*
 * The arena's descriptor, pinned in the cache until the caller unpins it:
 * from the cache (the most recently used then), or by ARENA_GET.  A reply
 * whose descriptor the kernel dropped is EMFILE (gntboxd has been told,
 * gbx_take_arenas); asking again once a descriptor is free works.
 */
int
gbx_conn_arena_fd(struct gbx_conn *c, uint32_t arena, bool readonly, int *fd)
{
	struct gbx_arena_get req;
	struct gbx_arena_reply rep;
	struct gbx_call call;
	struct gbx_arena *a;
	int error;

	(void)pthread_mutex_lock(&c->lock);
	if ((a = gbx_arena_find(c, arena)) == NULL) {
		memset(&req, 0, sizeof(req));
		req.arena = arena;
		gbx_call_init(&call, GBX_ARENA_GET, &req, sizeof(req), &rep,
		    sizeof(rep));
		call.fdlist = offsetof(struct gbx_arena_reply, fds);
		error = gbx_xfer(c, &call, NULL, 0, NULL, NULL);
		gbx_bulk_reset(c);
		if (error == 0 && (a = gbx_arena_find(c, arena)) == NULL)
			error = call.fds_lost ? EMFILE : EPROTO;
		if (error != 0)
			goto out;
	} else if (TAILQ_NEXT(a, lru) != NULL) {
		TAILQ_REMOVE(&c->lru, a, lru);
		TAILQ_INSERT_TAIL(&c->lru, a, lru);
	}
	error = 0;
	if (readonly && (error = gbx_arena_rofd(c, a)) != 0)
		goto out;
	a->pins++;
	*fd = readonly ? a->rofd : a->fd;
out:
	(void)pthread_mutex_unlock(&c->lock);
	return (error);
}

/* The caller is done with the descriptor: the cache may let it go. */
void
gbx_conn_arena_unpin(struct gbx_conn *c, uint32_t arena)
{
	struct gbx_arena *a;

	(void)pthread_mutex_lock(&c->lock);
	if ((a = gbx_arena_find(c, arena)) != NULL && a->pins > 0 &&
	    --a->pins == 0 && c->arena_fds > c->arena_cap) {
		gbx_arena_trim(c);
		gbx_arena_put_flush(c);
	}
	(void)pthread_mutex_unlock(&c->lock);
}
