/*
 * Fuzz target: the preload library's translation of Linux's device ABI
 * (src/preload/linux_gntdev.c, linux_gntalloc.c, linux_evtchn.c): ioctls
 * with fuzzed argument bytes in this process's memory, and read and write
 * of evtchn, called through the same device functions the interposed
 * ioctl(), read() and write() call, on devices opened as a program's are,
 * against a real gntboxd this target starts.  What reaches gntboxd is
 * what the library sends for those arguments; gntboxd's own parsing of
 * arbitrary messages is fuzz_daemon's.
 *
 * The argument lies at the end of a buffer followed by an inaccessible
 * page, as a program's may, so a structure that claims more than it has
 * reads into the guard and must come back EFAULT; other inputs pass NULL
 * or the guard itself.  The one pointer the library follows into the
 * program's memory besides the argument, a grant copy's local buffer, is
 * kept inside a data area of ours (also followed by a guard): a fuzzed
 * pointer into this process's heap would let the library write over the
 * fuzzer itself, which is no finding (a program can pass such a pointer
 * to the kernel too).
 *
 * The input: records [op:1][len:1][bytes:len].  op % 3 is the device
 * (gntdev, gntalloc, evtchn), op / 3 % 8 the call (the device's ioctls,
 * an unknown number, and for evtchn read and write), op's top bits how
 * the argument is passed.  Domain 2 grants refs 8 to 13 to domain 1 (12
 * and 13 read-only) and has an unbound port for it, so calls can
 * succeed.  After the input the devices are closed, and gntboxd's levels
 * must be back at what they were, or the target aborts.
 */
#include <sys/ioctl.h>
#include <sys/mman.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xen/grant_table.h>
#include <xen/evtchn.h>
#include <xen/gntalloc.h>
#include <xen/gntdev.h>

#include "daemon.h"
#include "gntbox.h"
#include "preload/preload.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PG	    4096
#define ARG_PAGES   4 /* the argument area, then a guard page */
#define DATA_PAGES  2 /* grant copy's local buffers, then a guard */
#define MAX_RECORDS 32

static pid_t daemon_pid;
static gntbox_t *dom2;
static gntbox_evtchn_t *dom2_evt;
static struct gntbox_stats base;
static char *arg_area, *arg_guard, *data_area;

static const unsigned gntdev_cmds[] = { IOCTL_GNTDEV_MAP_GRANT_REF,
	IOCTL_GNTDEV_UNMAP_GRANT_REF, IOCTL_GNTDEV_GET_OFFSET_FOR_VADDR,
	IOCTL_GNTDEV_SET_UNMAP_NOTIFY, IOCTL_GNTDEV_GRANT_COPY,
	IOCTL_GNTDEV_SET_MAX_GRANTS, IOCTL_GNTDEV_MAP_GRANT_REF,
	IOCTL_GNTDEV_GRANT_COPY };
static const unsigned gntalloc_cmds[] = { IOCTL_GNTALLOC_ALLOC_GREF,
	IOCTL_GNTALLOC_DEALLOC_GREF, IOCTL_GNTALLOC_SET_UNMAP_NOTIFY,
	IOCTL_GNTALLOC_ALLOC_GREF, IOCTL_GNTALLOC_DEALLOC_GREF,
	IOCTL_GNTALLOC_SET_UNMAP_NOTIFY, IOCTL_GNTALLOC_ALLOC_GREF, 0 };
static const unsigned evtchn_cmds[] = { IOCTL_EVTCHN_BIND_VIRQ,
	IOCTL_EVTCHN_BIND_INTERDOMAIN, IOCTL_EVTCHN_BIND_UNBOUND_PORT,
	IOCTL_EVTCHN_UNBIND, IOCTL_EVTCHN_NOTIFY, IOCTL_EVTCHN_RESET,
	IOCTL_EVTCHN_RESTRICT_DOMID, 0 };

static void
stop_daemon(void)
{

	if (dom2_evt != NULL)
		(void)gntbox_evtchn_close(dom2_evt);
	if (dom2 != NULL)
		(void)gntbox_close(dom2);
	if (daemon_pid > 0)
		(void)td_stop(daemon_pid);
}

/* Memory: rw pages followed by an inaccessible one. */
static char *
guarded(size_t pages)
{
	char *p;

	p = mmap(NULL, (pages + 1) * PG, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED || mprotect(p + pages * PG, PG, PROT_NONE) != 0)
		abort();
	return (p);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	uint32_t refs[4];
	uint64_t off;

	(void)argc;
	(void)argv;
	if ((daemon_pid = td_start(NULL)) <= 0)
		abort();
	(void)atexit(stop_daemon);
	if (gntbox_domain_create(1, NULL, 0) != 0 ||
	    gntbox_domain_create(2, NULL, 0) != 0)
		abort();
	if ((dom2 = gntbox_open(2)) == NULL ||
	    gntbox_share(dom2, 1, 4, GNTBOX_SHARE_WRITABLE, refs, &off) != 0 ||
	    gntbox_share(dom2, 1, 2, 0, refs, &off) != 0)
		abort();
	if ((dom2_evt = gntbox_evtchn_open(2, GNTBOX_EVTCHN_NONBLOCK)) ==
		NULL ||
	    gntbox_evtchn_bind_unbound(dom2_evt, 1) <= 0)
		abort();
	if (setenv("GNTBOX_DOMID", "1", 1) != 0)
		abort();
	pl_real_init();
	arg_area = guarded(ARG_PAGES);
	arg_guard = arg_area + ARG_PAGES * PG;
	data_area = guarded(DATA_PAGES);
	if (gntbox_get_stats(&base) != 0)
		abort();
	return (0);
}

/*
 * A grant copy's argument, built in the argument area: the segments from
 * the input, each local buffer moved into the data area.
 */
static void *
copy_arg(const uint8_t *b, size_t len)
{
	struct ioctl_gntdev_grant_copy *op;
	struct gntdev_grant_copy_segment *seg;
	uint32_t i, n;
	uintptr_t v;

	op = (void *)arg_area;
	seg = (void *)(arg_area + 64);
	n = len / sizeof(*seg);
	memcpy(seg, b, n * sizeof(*seg));
	for (i = 0; i < n; i++) {
		if ((seg[i].flags & GNTCOPY_source_gref) == 0) {
			v = (uintptr_t)seg[i].source.virt;
			seg[i].source.virt = data_area + v % (DATA_PAGES * PG);
		}
		if ((seg[i].flags & GNTCOPY_dest_gref) == 0) {
			v = (uintptr_t)seg[i].dest.virt;
			seg[i].dest.virt = data_area + v % (DATA_PAGES * PG);
		}
	}
	op->count =
	    len > 0 && (b[0] & 0x80) != 0 ? n + 1 : n; /* one too many */
	op->segments = seg;
	return (op);
}

/* Where the argument goes: at the guard, NULL, the guard, or astride. */
static void *
place_arg(uint8_t how, const uint8_t *b, size_t len)
{
	char *p;

	switch (how) {
	case 1:
		return (NULL);
	case 2:
		return (arg_guard);
	case 3:
		p = arg_guard - (len < 8 ? len : 8);
		memcpy(p, b, len < 8 ? len : 8);
		return (p);
	default:
		p = arg_guard - len;
		memcpy(p, b, len);
		return (p);
	}
}

static void
one_call(struct pfile *pf[3], uint8_t op, const uint8_t *b, size_t len)
{
	unsigned dev, which, cmd;
	uint8_t how;
	size_t done;
	void *arg;
	int ret;

	dev = op % 3;
	which = op / 3 % 8;
	how = op >> 6;
	if (dev == 0 && gntdev_cmds[which] == IOCTL_GNTDEV_GRANT_COPY &&
	    how == 0)
		arg = copy_arg(b, len);
	else
		arg = place_arg(how, b, len);
	switch (dev) {
	case 0:
		cmd = gntdev_cmds[which];
		(void)pl_gntdev_ioctl(pf[0], cmd, arg);
		break;
	case 1:
		cmd = gntalloc_cmds[which];
		if (cmd == 0 && len >= 4)
			memcpy(&cmd, b, 4);
		(void)pl_gntalloc_ioctl(pf[1], cmd, arg);
		break;
	default:
		cmd = evtchn_cmds[which];
		if (cmd != 0) {
			(void)pl_evtchn_ioctl(pf[2], cmd, arg, &ret);
		} else if (how == 0 || how == 1) {
			/* read: pending ports (non-blocking: none may be). */
			if ((atomic_load(&pf[2]->flags) & O_NONBLOCK) != 0)
				(void)pl_evtchn_read(pf[2], arg_guard - len,
				    len, &done);
		} else
			(void)pl_evtchn_write(pf[2], arg, len, &done);
		break;
	}
}

/* Wait for gntboxd to have released what the input's devices held. */
static void
check_levels(void)
{
	struct gntbox_stats st;
	int i;

	for (i = 0; i < 400; i++) {
		if (gntbox_get_stats(&st) != 0)
			abort();
		if (st.grants == base.grants && st.maps == base.maps &&
		    st.handles == base.handles && st.pages == base.pages &&
		    st.ports == base.ports && st.deferred == base.deferred &&
		    st.connections == base.connections)
			return;
		(void)usleep(5000);
	}
	fprintf(stderr,
	    "fuzz_ioctl: levels not back: grants %llu/%llu maps %llu/%llu "
	    "handles %llu/%llu pages %llu/%llu ports %llu/%llu conns "
	    "%llu/%llu\n",
	    (unsigned long long)st.grants, (unsigned long long)base.grants,
	    (unsigned long long)st.maps, (unsigned long long)base.maps,
	    (unsigned long long)st.handles, (unsigned long long)base.handles,
	    (unsigned long long)st.pages, (unsigned long long)base.pages,
	    (unsigned long long)st.ports, (unsigned long long)base.ports,
	    (unsigned long long)st.connections,
	    (unsigned long long)base.connections);
	abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pfile *pf[3];
	size_t off, len;
	unsigned i, nrec;

	for (i = 0; i < 3; i++) {
		if ((pf[i] = calloc(1, sizeof(*pf[i]))) == NULL)
			abort();
		atomic_init(&pf[i]->refs, 1);
		pf[i]->kind = (enum pl_kind)(PL_GNTDEV + i);
		pf[i]->accmode = O_RDWR;
		atomic_init(&pf[i]->flags, O_RDWR | O_NONBLOCK);
		if ((i < 2 ? pl_gnt_open(pf[i]->kind, pf[i]) :
			     pl_evtchn_open(pf[i])) != 0)
			abort();
	}
	for (off = 0, nrec = 0; off + 2 <= size && nrec < MAX_RECORDS; nrec++) {
		len = data[off + 1];
		if (len > size - off - 2)
			len = size - off - 2;
		one_call(pf, data[off], data + off + 2, len);
		off += 2 + len;
	}
	for (i = 0; i < 3; i++)
		pl_file_put(pf[i]);
	check_levels();
	return (0);
}
