/*
 * A process that releases its mappings and exits at once: the releases it
 * sent (UNMAP, UNMAPPED) reach gntboxd before or together with the hangup
 * of its process token, and must be handled before the hangup releases
 * what the process still held.  Handled after, they would name map
 * objects and holds the hangup already freed: nothing would leak, but
 * gntboxd would count every one as a protocol error, hiding real ones.
 * The harness's baseline check fails on any protocol error.
 */
#include <sys/mman.h>

#include <stdint.h>
#include <string.h>

#include "check.h"
#include "harness.h"

#define NMAPS  120
#define NPROCS 5

/* Domain 2: map each of domain 1's grants separately, unmap all, exit. */
static int
mapper(void *arg)
{
	struct th_chan *ch = arg;
	uint32_t refs[NMAPS];
	void *p[NMAPS];
	uint64_t off[NMAPS];
	gntbox_t *h;
	int i;

	th_recv(ch, 1, refs, sizeof(refs));
	h = th_open(-1);
	for (i = 0; i < NMAPS; i++)
		p[i] = th_map(h, 1, 1, &refs[i], PROT_READ, &off[i]);
	for (i = 0; i < NMAPS; i++) {
		CHECK_ERR(gntbox_munmap(h, p[i], 1), 0);
		CHECK_ERR(gntbox_unmap(h, off[i], 1), 0);
	}
	/* Exit with the handle open: the token hangs up right behind them. */
	return (0);
}

/* Domain 1: share pages, munmap them and exit, several times over. */
static int
sharer(void *arg)
{
	struct th_chan *ch = arg;
	uint32_t refs[NMAPS];
	uint64_t off;
	gntbox_t *h;
	char *p;

	h = th_open(-1);
	off = th_share(h, 2, NMAPS, GNTBOX_SHARE_WRITABLE, refs);
	REQUIRE((p = gntbox_mmap(h, off, NMAPS, PROT_READ | PROT_WRITE,
		     NULL)) != NULL);
	memset(p, 1, (size_t)NMAPS * GNTBOX_PAGE_SIZE);
	CHECK_ERR(gntbox_unshare(h, off, NMAPS), 0);
	/* Each page's last mapping goes: one UNMAPPED per page run. */
	CHECK_ERR(gntbox_munmap(h, p, NMAPS), 0);
	(void)ch;
	return (0);
}

int
main(void)
{
	struct th_chan ch;
	uint32_t refs[NMAPS];
	gntbox_t *h;
	pid_t pid[NPROCS];
	uint64_t off;
	int i;

	th_start(NULL);
	th_domain(1);
	th_domain(2);
	th_baseline();

	/* Mappers: domain 1 shares, five processes of domain 2 map and go. */
	h = th_open(1);
	off = th_share(h, 2, NMAPS, GNTBOX_SHARE_WRITABLE, refs);
	for (i = 0; i < NPROCS; i++) {
		th_chan_open(&ch);
		pid[i] = th_spawn(2, mapper, &ch);
		th_send(&ch, 0, refs, sizeof(refs));
		CHECK_EQ(th_wait(pid[i]), 0);
		th_chan_close(&ch);
	}
	CHECK_ERR(gntbox_unshare(h, off, NMAPS), 0);
	CHECK_ERR(gntbox_close(h), 0);
	th_check_baseline("mappers that unmap and exit");

	/* Sharers that give up and unmap their pages and exit at once. */
	for (i = 0; i < NPROCS; i++) {
		pid[i] = th_spawn(1, sharer, &ch);
		CHECK_EQ(th_wait(pid[i]), 0);
	}
	th_check_baseline("sharers that unmap and exit");
	return (th_finish());
}
