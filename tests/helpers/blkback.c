/*
 * blkback: a small blkif backend for the blkfront plugin's tests, run in
 * domain 0 under `gntbox run`, on Debian's libxengnttab, libxenevtchn
 * and libxenstore through the preload library.
 *
 *	blkback [-o ORDER] [-P PAGES] [-i SEGS] [-p] [-b] [-d] [-r]
 *	    [-s SECTOR_SIZE] [-x N] FE DEVID FILE
 *
 * It offers what QEMU's qdisk (the backend users run) does not, so that
 * the plugin's handling of each can be tested: indirect requests (-i:
 * feature-max-indirect-segments), persistent grants (-p: a grant once
 * mapped stays mapped), the barrier instead of the flush (-b), another
 * sector size (-s), the old max-ring-pages node (-P) instead of
 * max-ring-page-order (-o), discard (-d), a read-only disk (-r), and a
 * broken backend (-x N: the Nth response names a request never made).
 *
 * Being both toolstack and backend, it writes the disk's frontend and
 * backend nodes itself (the frontend owned by FE, readable by us), runs
 * the xenbus handshake, serves the ring until SIGTERM or SIGINT, and
 * then prints its counters, one "name value" per line, and removes the
 * nodes.  It prints "ready" once the backend waits for the frontend.
 * Not a product: QEMU is gntbox's backend; this is a protocol peer that
 * a test can make do each thing once.
 */
#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xenevtchn.h>
#include <xengnttab.h>
#include <xenstore.h>

#define mb()  __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define wmb() __atomic_thread_fence(__ATOMIC_RELEASE)
#include <xen/io/blkif.h>
#include <xen/io/xenbus.h>

#define PAGE	  4096u
#define REFS_MAX  (1u << 20) /* grant references we can cache */
#define MAX_ORDER 4

struct counters {
	unsigned long reads, writes, flushes, barriers, discards, indirect;
	unsigned long max_segs, segments, maps, errors;
};

static struct {
	unsigned order, pages_node, indirect, sector;
	bool persistent, barrier, discard, readonly;
	unsigned long bad_at;
} opt = { .sector = 512 };

static volatile sig_atomic_t stop;
static struct xs_handle *xs;
static xengnttab_handle *xgt;
static xenevtchn_handle *xce;
static unsigned fe;
static char fe_path[128], be_path[128];
static int disk = -1;
static uint64_t sectors;
static blkif_back_ring_t ring;
static void *ring_mem;
static unsigned ring_pages;
static evtchn_port_t port;
static bool connected;
static void **cache; /* persistent mappings, by reference */
static struct counters n;

static void
die(const char *what)
{

	fprintf(stderr, "blkback: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void
on_signal(int sig)
{

	(void)sig;
	stop = 1;
}

static void
put(const char *dir, const char *key, const char *fmt, unsigned long v)
{
	char path[256], val[64];

	snprintf(path, sizeof(path), "%s/%s", dir, key);
	snprintf(val, sizeof(val), fmt, v);
	if (!xs_write(xs, XBT_NULL, path, val, strlen(val)))
		die(path);
}

static long
get(const char *dir, const char *key)
{
	char path[256], *v;
	unsigned len;
	long r;

	snprintf(path, sizeof(path), "%s/%s", dir, key);
	if ((v = xs_read(xs, XBT_NULL, path, &len)) == NULL)
		return (-1);
	r = strtol(v, NULL, 10);
	free(v);
	return (r);
}

/* The nodes a toolstack writes, and the backend's offer. */
static void
write_nodes(unsigned devid)
{
	struct xs_permissions fperm[2] = { { .id = fe, .perms = XS_PERM_NONE },
		{ .id = 0, .perms = XS_PERM_READ } };
	struct xs_permissions bperm[2] = { { .id = 0, .perms = XS_PERM_NONE },
		{ .id = fe, .perms = XS_PERM_READ } };
	char path[256];

	snprintf(fe_path, sizeof(fe_path), "/local/domain/%u/device/vbd/%u", fe,
	    devid);
	snprintf(be_path, sizeof(be_path), "/local/domain/0/backend/vbd/%u/%u",
	    fe, devid);
	if (!xs_mkdir(xs, XBT_NULL, fe_path) ||
	    !xs_set_permissions(xs, XBT_NULL, fe_path, fperm, 2))
		die(fe_path);
	snprintf(path, sizeof(path), "%s/backend", fe_path);
	if (!xs_write(xs, XBT_NULL, path, be_path, strlen(be_path)))
		die(path);
	put(fe_path, "backend-id", "%lu", 0);
	put(fe_path, "virtual-device", "%lu", devid);
	put(fe_path, "state", "%lu", XenbusStateInitialising);
	if (!xs_mkdir(xs, XBT_NULL, be_path) ||
	    !xs_set_permissions(xs, XBT_NULL, be_path, bperm, 2))
		die(be_path);
	snprintf(path, sizeof(path), "%s/frontend", be_path);
	if (!xs_write(xs, XBT_NULL, path, fe_path, strlen(fe_path)))
		die(path);
	if (opt.pages_node > 0)
		put(be_path, "max-ring-pages", "%lu", opt.pages_node);
	else
		put(be_path, "max-ring-page-order", "%lu", opt.order);
	if (opt.indirect > 0)
		put(be_path, "feature-max-indirect-segments", "%lu",
		    opt.indirect);
	put(be_path, "feature-persistent", "%lu", opt.persistent);
	put(be_path, opt.barrier ? "feature-barrier" : "feature-flush-cache",
	    "%lu", 1);
	put(be_path, "feature-discard", "%lu", opt.discard);
	put(be_path, "info", "%lu", opt.readonly ? VDISK_READONLY : 0);
	put(be_path, "sector-size", "%lu", opt.sector);
	put(be_path, "sectors", "%lu", sectors);
	put(be_path, "state", "%lu", XenbusStateInitWait);
}

/* Remove path, then each parent it leaves empty, up to the domain. */
static void
rm_up(char *path)
{
	unsigned num;
	char **dir, *slash;

	xs_rm(xs, XBT_NULL, path);
	while ((slash = strrchr(path, '/')) != NULL &&
	    strcmp(path, "/local/domain/0/backend") != 0) {
		*slash = '\0';
		if ((dir = xs_directory(xs, XBT_NULL, path, &num)) == NULL)
			break;
		free(dir);
		if (num != 0)
			break;
		xs_rm(xs, XBT_NULL, path);
	}
}

/* A data page: mapped once for good when persistent, else for now. */
static void *
map_page(grant_ref_t ref, bool *temporary)
{
	void *p;

	*temporary = !opt.persistent;
	if (opt.persistent && ref < REFS_MAX && cache[ref] != NULL)
		return (cache[ref]);
	p = xengnttab_map_grant_ref(xgt, fe, ref, PROT_READ | PROT_WRITE);
	if (p == NULL)
		return (NULL);
	n.maps++;
	if (opt.persistent && ref < REFS_MAX)
		cache[ref] = p;
	else
		*temporary = true;
	return (p);
}

/* One segment's transfer between the disk and a granted page. */
static int
do_segment(uint8_t op, uint64_t *sector, grant_ref_t ref, unsigned first,
    unsigned last)
{
	size_t len;
	off_t off;
	bool tmp;
	void *p;
	ssize_t r;

	if (first > last || (last + 1) * opt.sector > PAGE)
		return (-1);
	if ((p = map_page(ref, &tmp)) == NULL)
		return (-1);
	len = (size_t)(last - first + 1) * opt.sector;
	off = (off_t)(*sector * opt.sector);
	if (*sector + (last - first + 1) > sectors)
		r = -1;
	else if (op == BLKIF_OP_READ)
		r = pread(disk, (uint8_t *)p + first * opt.sector, len, off);
	else
		r = pwrite(disk, (uint8_t *)p + first * opt.sector, len, off);
	if (tmp)
		xengnttab_unmap(xgt, p, 1);
	*sector += last - first + 1;
	n.segments++;
	return (r == (ssize_t)len ? 0 : -1);
}

/* Serve one request; its BLKIF_RSP_* status. */
static int16_t
serve(const blkif_request_t *req)
{
	const struct blkif_request_indirect *ind;
	const struct blkif_request_discard *dis;
	struct blkif_request_segment *segs;
	unsigned i, nseg, npages;
	uint64_t sector;
	uint8_t op;
	int16_t st;

	op = req->operation;
	switch (op) {
	case BLKIF_OP_FLUSH_DISKCACHE:
	case BLKIF_OP_WRITE_BARRIER:
		if ((op == BLKIF_OP_WRITE_BARRIER) != opt.barrier)
			return (BLKIF_RSP_EOPNOTSUPP);
		*(op == BLKIF_OP_WRITE_BARRIER ? &n.barriers : &n.flushes) += 1;
		return (
		    fdatasync(disk) == 0 ? BLKIF_RSP_OKAY : BLKIF_RSP_ERROR);
	case BLKIF_OP_DISCARD:
		dis = (const void *)req;
		if (!opt.discard || opt.readonly)
			return (BLKIF_RSP_EOPNOTSUPP);
		n.discards++;
		return (
		    fallocate(disk, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			(off_t)(dis->sector_number * opt.sector),
			(off_t)(dis->nr_sectors * opt.sector)) == 0 ?
			BLKIF_RSP_OKAY :
			BLKIF_RSP_ERROR);
	case BLKIF_OP_READ:
	case BLKIF_OP_WRITE:
		if (req->nr_segments == 0 ||
		    req->nr_segments > BLKIF_MAX_SEGMENTS_PER_REQUEST)
			return (BLKIF_RSP_ERROR);
		if (op == BLKIF_OP_WRITE && opt.readonly)
			return (BLKIF_RSP_ERROR);
		*(op == BLKIF_OP_READ ? &n.reads : &n.writes) += 1;
		if (req->nr_segments > n.max_segs)
			n.max_segs = req->nr_segments;
		sector = req->sector_number;
		for (i = 0; i < req->nr_segments; i++)
			if (do_segment(op, &sector, req->seg[i].gref,
				req->seg[i].first_sect,
				req->seg[i].last_sect) != 0)
				return (BLKIF_RSP_ERROR);
		return (BLKIF_RSP_OKAY);
	case BLKIF_OP_INDIRECT:
		ind = (const void *)req;
		op = ind->indirect_op;
		nseg = ind->nr_segments;
		if (opt.indirect == 0 || nseg == 0 || nseg > opt.indirect ||
		    (op != BLKIF_OP_READ && op != BLKIF_OP_WRITE) ||
		    (op == BLKIF_OP_WRITE && opt.readonly))
			return (BLKIF_RSP_ERROR);
		npages =
		    (nseg + PAGE / sizeof(*segs) - 1) / (PAGE / sizeof(*segs));
		segs = xengnttab_map_domain_grant_refs(xgt, npages, fe,
		    (uint32_t *)ind->indirect_grefs, PROT_READ);
		if (segs == NULL)
			return (BLKIF_RSP_ERROR);
		n.indirect++;
		*(op == BLKIF_OP_READ ? &n.reads : &n.writes) += 1;
		if (nseg > n.max_segs)
			n.max_segs = nseg;
		sector = ind->sector_number;
		st = BLKIF_RSP_OKAY;
		for (i = 0; i < nseg && st == BLKIF_RSP_OKAY; i++)
			if (do_segment(op, &sector, segs[i].gref,
				segs[i].first_sect, segs[i].last_sect) != 0)
				st = BLKIF_RSP_ERROR;
		xengnttab_unmap(xgt, segs, npages);
		return (st);
	default:
		return (BLKIF_RSP_EOPNOTSUPP);
	}
}

/* Take every request off the ring and answer it. */
static void
work(void)
{
	blkif_response_t *rsp;
	blkif_request_t req;
	RING_IDX rc, rp;
	int more, notify;

	do {
		rp = ring.sring->req_prod;
		rmb();
		for (rc = ring.req_cons; rc != rp; rc++) {
			RING_COPY_REQUEST(&ring, rc, &req);
			ring.req_cons = rc + 1;
			rsp = RING_GET_RESPONSE(&ring, ring.rsp_prod_pvt);
			rsp->status = serve(&req);
			if (rsp->status != BLKIF_RSP_OKAY)
				n.errors++;
			rsp->id = req.id;
			rsp->operation = req.operation;
			ring.rsp_prod_pvt++;
			if (opt.bad_at != 0 && ring.rsp_prod_pvt == opt.bad_at)
				rsp->id = ~0ULL; /* a request never made */
			RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&ring, notify);
			if (notify)
				xenevtchn_notify(xce, port);
		}
		RING_FINAL_CHECK_FOR_REQUESTS(&ring, more);
	} while (more);
}

/* The frontend is Initialised: map its ring, bind its channel. */
static void
connect_ring(void)
{
	uint32_t refs[1u << MAX_ORDER];
	char key[32];
	long order, v;
	unsigned i;
	int p;

	order = get(fe_path, "ring-page-order");
	ring_pages = order > 0 ? 1u << order : 1;
	if (ring_pages > (1u << MAX_ORDER))
		return;
	for (i = 0; i < ring_pages; i++) {
		if (order > 0)
			snprintf(key, sizeof(key), "ring-ref%u", i);
		else
			snprintf(key, sizeof(key), "ring-ref");
		if ((v = get(fe_path, key)) < 0)
			return;
		refs[i] = (uint32_t)v;
	}
	ring_mem = xengnttab_map_domain_grant_refs(xgt, ring_pages, fe, refs,
	    PROT_READ | PROT_WRITE);
	if (ring_mem == NULL)
		die("mapping the ring");
	BACK_RING_INIT(&ring, (blkif_sring_t *)ring_mem, ring_pages * PAGE);
	if ((v = get(fe_path, "event-channel")) < 0 ||
	    (p = xenevtchn_bind_interdomain(xce, fe, (uint32_t)v)) < 0)
		die("binding the event channel");
	port = (evtchn_port_t)p;
	connected = true;
	put(be_path, "state", "%lu", XenbusStateConnected);
}

/* Let go of the ring, the channel and every persistent mapping. */
static void
disconnect(void)
{
	unsigned i;

	if (connected) {
		xenevtchn_unbind(xce, port);
		xengnttab_unmap(xgt, ring_mem, ring_pages);
		connected = false;
	}
	for (i = 0; i < REFS_MAX; i++)
		if (cache[i] != NULL) {
			xengnttab_unmap(xgt, cache[i], 1);
			cache[i] = NULL;
		}
}

/* React to the frontend's state, as blkif.h's diagram says. */
static void
frontend_changed(void)
{
	long st, be;

	st = get(fe_path, "state");
	be = get(be_path, "state");
	if ((st == XenbusStateInitialised || st == XenbusStateConnected) &&
	    !connected)
		connect_ring();
	else if (st == XenbusStateClosing || st == XenbusStateClosed ||
	    st < 0) {
		disconnect();
		if (be != XenbusStateClosed)
			put(be_path, "state", "%lu", XenbusStateClosed);
	} else if (st == XenbusStateInitialising && be == XenbusStateClosed)
		put(be_path, "state", "%lu", XenbusStateInitWait);
}

int
main(int argc, char **argv)
{
	struct pollfd p[2];
	struct stat sb;
	struct sigaction sa;
	char **w;
	int ch, e;

	while ((ch = getopt(argc, argv, "o:P:i:pbdrs:x:")) != -1) {
		switch (ch) {
		case 'o':
			opt.order = (unsigned)atoi(optarg);
			break;
		case 'P':
			opt.pages_node = (unsigned)atoi(optarg);
			break;
		case 'i':
			opt.indirect = (unsigned)atoi(optarg);
			break;
		case 'p':
			opt.persistent = true;
			break;
		case 'b':
			opt.barrier = true;
			break;
		case 'd':
			opt.discard = true;
			break;
		case 'r':
			opt.readonly = true;
			break;
		case 's':
			opt.sector = (unsigned)atoi(optarg);
			break;
		case 'x':
			opt.bad_at = strtoul(optarg, NULL, 10);
			break;
		default:
			fprintf(stderr,
			    "usage: blkback [-o ORDER] [-P PAGES] "
			    "[-i SEGS] [-p] [-b] [-d] [-r] [-s SIZE] "
			    "[-x N] FE DEVID FILE\n");
			return (2);
		}
	}
	if (argc - optind != 3)
		return (2);
	fe = (unsigned)atoi(argv[optind]);
	if ((disk = open(argv[optind + 2], opt.readonly ? O_RDONLY : O_RDWR)) ==
		-1 ||
	    fstat(disk, &sb) == -1)
		die(argv[optind + 2]);
	sectors = (uint64_t)sb.st_size / opt.sector;
	if ((cache = calloc(REFS_MAX, sizeof(*cache))) == NULL)
		die("calloc");
	if ((xs = xs_open(0)) == NULL ||
	    (xgt = xengnttab_open(NULL, 0)) == NULL ||
	    (xce = xenevtchn_open(NULL, 0)) == NULL)
		die("opening the Xen interfaces");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	write_nodes((unsigned)atoi(argv[optind + 1]));
	{
		char path[160];

		snprintf(path, sizeof(path), "%s/state", fe_path);
		if (!xs_watch(xs, path, "fe"))
			die("xs_watch");
	}
	printf("ready\n");
	fflush(stdout);
	p[0].fd = xs_fileno(xs);
	p[0].events = POLLIN;
	p[1].fd = xenevtchn_fd(xce);
	p[1].events = POLLIN;
	while (!stop) {
		if (poll(p, 2, 200) == -1 && errno != EINTR)
			die("poll");
		if (p[0].revents != 0) {
			while ((w = xs_check_watch(xs)) != NULL) {
				free(w);
				frontend_changed();
			}
			if (errno != EAGAIN)
				break; /* the store went away: so do we */
		}
		if (p[1].revents != 0 && (e = xenevtchn_pending(xce)) >= 0) {
			xenevtchn_unmask(xce, (evtchn_port_t)e);
			if (connected)
				work();
		}
	}
	disconnect();
	xs_rm(xs, XBT_NULL, fe_path);
	rm_up(be_path);
	printf("reads %lu\nwrites %lu\nflushes %lu\nbarriers %lu\n"
	       "discards %lu\nindirect %lu\nmax_segments %lu\nsegments %lu\n"
	       "maps %lu\nerrors %lu\n",
	    n.reads, n.writes, n.flushes, n.barriers, n.discards, n.indirect,
	    n.max_segs, n.segments, n.maps, n.errors);
	xs_close(xs);
	xengnttab_close(xgt);
	xenevtchn_close(xce);
	free(cache);
	return (0);
}
