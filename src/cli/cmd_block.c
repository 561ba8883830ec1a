/*
 * cmd_block.c: gntbox block-attach, block-list and block-detach, xl's
 * commands for virtual block devices (xl(1)), with QEMU's qdisk as the
 * backend (block.h says where everything lives in xenstore).
 *
 * block-attach writes the nodes in one transaction with the permissions
 * libxl 4.17 gives them (libxl__device_disk_add, libxl__device_generic_add),
 * after every check that can fail without touching the store: the disk
 * spec, the virtual device name, the backend type, the domains, the image
 * and the QEMU binary.  block-detach runs libxl's removal: online=0 and
 * Closing, wait for Closed, and when the frontend does not answer in
 * time, say so, remove the frontend and wait again, then remove the nodes
 * (libxl__initiate_device_generic_remove, libxl__device_destroy).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xen/io/protocols.h>

#include "base/paths.h"
#include "base/vdev.h"
#include "cli/block.h"
#include "cli/cli.h"
#include "cli/diskspec.h"

#define ATTACH_CMD  "block-attach"
#define LIST_CMD    "block-list"
#define DETACH_CMD  "block-detach"
#define BLK_PATH    256
#define BLK_TRIES   100 /* transactions retried on EAGAIN */
#define BLK_POLL_MS 20

/* One disk's three directories, and its two domains. */
struct blk_dev {
	int fe, be, devid;
	char fe_path[BLK_PATH]; /* /local/domain/FE/device/vbd/DEV */
	char be_path[BLK_PATH]; /* /local/domain/BE/backend/qdisk/FE/DEV */
	char lx_path[BLK_PATH]; /* /libxl/FE/device/vbd/DEV */
};

/* A node to write: name relative to a directory, and value. */
struct blk_kv {
	const char *key;
	char val[PATH_MAX + 16];
};

static const char attach_help[] =
    "usage: gntbox block-attach [--qemu PATH] DOM DISKSPEC...\n"
    "\n"
    "Attach a disk to domain DOM (an id or a name), as 'xl block-attach'\n"
    "does, with QEMU's qdisk as the backend.  DISKSPEC is xl's disk\n"
    "syntax (xl-disk-configuration(5)), in one or several arguments:\n"
    "  target=PATH  the image (must come last: it takes the rest)\n"
    "  vdev=NAME    the name the guest sees: xvda, hdb, sdc, d0p1, 51712\n"
    "  format=raw   raw (the default), qcow, qcow2, vhd or qed\n"
    "  access=rw    rw or ro (r, w); devtype=cdrom is read-only\n"
    "  backend=DOM  the backend domain (default 0)\n"
    "  backendtype=qdisk  the only one gntbox has\n"
    "  and the positional form TARGET,FORMAT,VDEV,ACCESS.\n"
    "The first disk of DOM served by a backend domain starts a QEMU\n"
    "(--qemu PATH, else $GNTBOX_QEMU, else " BLK_QEMU_DEFAULT
    ")\nin that domain; its output goes to $GNTBOX_DIR/qdisk-BE-DOM.log.\n";

static const char list_help[] =
    "usage: gntbox block-list DOM...\n"
    "\n"
    "List the disks of each domain DOM as 'xl block-list' does: device\n"
    "number, backend domain, frontend domain (handle), frontend state,\n"
    "event channel, ring reference (-1 for a multi-page ring) and the\n"
    "backend's path.\n";

static const char detach_help[] =
    "usage: gntbox block-detach [-f|--force] [--timeout SECONDS] DOM VDEV\n"
    "\n"
    "Detach disk VDEV (a name or a device number) from domain DOM, as\n"
    "'xl block-detach' does: the backend is told to close, and the\n"
    "frontend is given SECONDS (default 10) to let go.  A frontend that\n"
    "does not is reported and removed, then the nodes go.  --force\n"
    "removes the frontend at once.  QEMU stops with the last disk it\n"
    "serves to DOM.\n";

/* Fill in the three paths of (fe, be, devid). */
static void
blk_dev_paths(struct blk_dev *b)
{

	snprintf(b->fe_path, sizeof(b->fe_path),
	    "/local/domain/%d/device/vbd/%d", b->fe, b->devid);
	snprintf(b->be_path, sizeof(b->be_path),
	    "/local/domain/%d/backend/qdisk/%d/%d", b->be, b->fe, b->devid);
	snprintf(b->lx_path, sizeof(b->lx_path), "/libxl/%d/device/vbd/%d",
	    b->fe, b->devid);
}

/*
 * A domain named by its id or its name, as xl's domain qualifiers are.
 * 0, or a printed failure.
 */
static int
blk_domain(struct xsc *c, const char *cmd, const char *s, int *domid)
{
	char path[BLK_PATH], *doms, *d, *name;
	const char *named;
	size_t len;
	bool digits;
	int rc;

	digits = *s != '\0' && strspn(s, "0123456789") == strlen(s);
	if (digits) {
		/* The id's range, checked as every --dom's is. */
		if ((rc = cli_dom_arg(cmd, s, domid, &named)) != 0)
			return (rc);
		snprintf(path, sizeof(path), "/local/domain/%d/domid", *domid);
		if (blk_read_long(c, path) != *domid)
			return (cli_fail(cmd, "there is no domain %d", *domid));
		return (0);
	}
	if (xsc_list(c, "/local/domain", &doms, &len) != 0)
		return (cli_fail(cmd, "cannot list the domains"));
	rc = CLI_EXIT_FAIL;
	for (d = doms; d < doms + len && *d != '\0' && rc != 0;
	     d += strlen(d) + 1) {
		snprintf(path, sizeof(path), "/local/domain/%s/name", d);
		if (xsc_read(c, path, &name) != 0)
			continue;
		if (strcmp(name, s) == 0) {
			*domid = (int)blk_number(d);
			rc = 0;
		}
		free(name);
	}
	free(doms);
	if (rc != 0)
		return (cli_fail(cmd, "there is no domain named '%s'", s));
	return (0);
}

/*
 * What libxl would refuse, or gntbox cannot serve, in a parsed spec.
 * Sets *devid.  0, or a printed one-line failure naming the field.
 */
static int
blk_check_spec(const struct diskspec *d, int *devid)
{

	if ((*devid = gbx_vdev_number(d->vdev)) < 0)
		return (cli_fail(ATTACH_CMD,
		    "vdev: invalid or unsupported virtual disk identifier "
		    "'%s'",
		    d->vdev));
	if (d->specification == DS_SPEC_VIRTIO)
		return (cli_fail(ATTACH_CMD,
		    "specification: virtio is not available: gntbox serves "
		    "Xen PV disks"));
	switch (d->backendtype) {
	case DS_BACKEND_PHY:
		return (cli_fail(ATTACH_CMD,
		    "backendtype: phy needs the kernel's blkback; gntbox has "
		    "qdisk"));
	case DS_BACKEND_TAP:
		return (cli_fail(ATTACH_CMD,
		    "backendtype: blktap is not supported (nor by libxl)"));
	case DS_BACKEND_STANDALONE:
		return (cli_fail(ATTACH_CMD,
		    "backendtype: standalone is for virtio; gntbox has qdisk"));
	default:
		break;
	}
	if (d->script != NULL)
		return (cli_fail(ATTACH_CMD,
		    "script: %s cannot serve a qdisk disk", d->script));
	if (d->colo == DS_ON)
		return (cli_fail(ATTACH_CMD, "colo: COLO is not supported"));
	if (d->format == DS_FORMAT_EMPTY)
		return (cli_fail(ATTACH_CMD,
		    "target: an empty %s drive is not supported",
		    d->is_cdrom ? "cdrom" : "disk"));
	return (0);
}

/*
 * The image as an absolute path, checked: it must exist and be readable,
 * and writable for a read-write disk.  QEMU may have been started from
 * another directory, so a relative target is made absolute here.
 */
static int
blk_target(const struct diskspec *d, char *abs)
{

	if (realpath(d->target, abs) == NULL)
		return (cli_fail(ATTACH_CMD, "target: %s: %s", d->target,
		    strerror(errno)));
	if (access(abs, d->readwrite ? R_OK | W_OK : R_OK) != 0)
		return (cli_fail(ATTACH_CMD, "target: %s: %s", abs,
		    strerror(errno)));
	return (0);
}

/* Append key=value to kv. */
static void kv_add(struct blk_kv *kv, size_t *n, const char *key,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
kv_add(struct blk_kv *kv, size_t *n, const char *key, const char *fmt, ...)
{
	va_list ap;

	kv[*n].key = key;
	va_start(ap, fmt);
	/* NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized) */
	vsnprintf(kv[*n].val, sizeof(kv[*n].val), fmt, ap);
	va_end(ap);
	(*n)++;
}

/* Write dir/key = value for each kv, with perms when not NULL. */
static int
kv_write(struct xsc *c, const char *dir, const struct blk_kv *kv, size_t n,
    const char *perms, size_t plen)
{
	char path[BLK_PATH + 64];
	size_t i;
	int error;

	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, kv[i].key);
		if ((error = xsc_write(c, path, kv[i].val)) != 0)
			return (error);
		if (perms != NULL &&
		    (error = xsc_set_perms(c, path, perms, plen)) != 0)
			return (error);
	}
	return (0);
}

/* A permission list "<c><domid>\0<c><domid>\0" in buf; its length. */
static size_t
blk_perms(char *buf, size_t len, int owner, int reader)
{
	int n;

	n = snprintf(buf, len, "n%d%cr%d", owner, '\0', reader);
	return ((size_t)n + 1);
}

/*
 * One attempt at libxl__device_generic_add's transaction body: the libxl
 * record, the frontend (owned by the frontend, readable by the backend)
 * and the backend (owned by the backend, readable by the frontend).
 */
static int
blk_add_nodes(struct xsc *c, const struct blk_dev *b, const struct blk_kv *back,
    size_t nback, const struct blk_kv *front, size_t nfront)
{
	char path[BLK_PATH + 64], feperms[32], beperms[32], *val;
	size_t felen, belen;
	int error;

	if ((error = xsc_read(c, b->lx_path, &val)) == 0) {
		free(val);
		return (EEXIST);
	}
	if (error != ENOENT)
		return (error);
	felen = blk_perms(feperms, sizeof(feperms), b->fe, b->be);
	belen = blk_perms(beperms, sizeof(beperms), b->be, b->fe);
	snprintf(path, sizeof(path), "%s/frontend", b->lx_path);
	if ((error = xsc_write(c, path, b->fe_path)) != 0)
		return (error);
	snprintf(path, sizeof(path), "%s/backend", b->lx_path);
	if ((error = xsc_write(c, path, b->be_path)) != 0)
		return (error);

	if ((error = xsc_rm(c, b->fe_path)) != 0 && error != ENOENT)
		return (error);
	if ((error = xsc_mkdir(c, b->fe_path)) != 0 ||
	    (error = xsc_set_perms(c, b->fe_path, feperms, felen)) != 0)
		return (error);
	snprintf(path, sizeof(path), "%s/backend", b->fe_path);
	if ((error = xsc_write(c, path, b->be_path)) != 0 ||
	    (error = kv_write(c, b->fe_path, front, nfront, feperms, felen)) !=
		0)
		return (error);

	if ((error = xsc_rm(c, b->be_path)) != 0 && error != ENOENT)
		return (error);
	if ((error = xsc_mkdir(c, b->be_path)) != 0 ||
	    (error = xsc_set_perms(c, b->be_path, beperms, belen)) != 0)
		return (error);
	snprintf(path, sizeof(path), "%s/frontend", b->be_path);
	if ((error = xsc_write(c, path, b->fe_path)) != 0 ||
	    (error = kv_write(c, b->be_path, back, nback, NULL, 0)) != 0)
		return (error);
	/* libxl keeps a copy of the backend's nodes in its own record. */
	return (kv_write(c, b->lx_path, back, nback, NULL, 0));
}

/*
 * Write the disk's nodes, in one transaction, retried when it loses
 * against a concurrent change.  0, EEXIST when the disk exists, or an
 * errno.
 */
static int
blk_write_nodes(struct xsc *c, const struct blk_dev *b,
    const struct diskspec *d, const char *target)
{
	struct blk_kv back[16], front[8];
	size_t nb, nf;
	int error, tries;

	nb = nf = 0;
	kv_add(back, &nb, "params", "%s:%s", diskspec_format_name(d->format),
	    target);
	kv_add(back, &nb, "frontend-id", "%d", b->fe);
	kv_add(back, &nb, "online", "1");
	kv_add(back, &nb, "removable", "%d", d->removable ? 1 : 0);
	kv_add(back, &nb, "bootable", "1");
	kv_add(back, &nb, "state", "%d", BLK_STATE_INITIALISING);
	kv_add(back, &nb, "dev", "%s", d->vdev);
	kv_add(back, &nb, "type", "qdisk");
	kv_add(back, &nb, "mode", "%s", d->readwrite ? "w" : "r");
	kv_add(back, &nb, "device-type", "%s", d->is_cdrom ? "cdrom" : "disk");
	if (d->direct_io_safe)
		kv_add(back, &nb, "direct-io-safe", "1");
	/* libxl: discard defaults to on for a writable disk. */
	kv_add(back, &nb, "discard-enable", "%d",
	    d->discard == DS_DEFAULT ? d->readwrite : d->discard == DS_ON);
	kv_add(back, &nb, "specification", "xen");

	kv_add(front, &nf, "backend-id", "%d", b->be);
	kv_add(front, &nf, "state", "%d", BLK_STATE_INITIALISING);
	kv_add(front, &nf, "virtual-device", "%d", b->devid);
	kv_add(front, &nf, "device-type", "%s", d->is_cdrom ? "cdrom" : "disk");
	kv_add(front, &nf, "trusted", "%d", d->trusted != DS_OFF);
	/* libxl writes a PV guest's native protocol for old frontends. */
	kv_add(front, &nf, "protocol", "%s", XEN_IO_PROTO_ABI_NATIVE);

	for (tries = 0; tries < BLK_TRIES; tries++) {
		if ((error = xsc_tx_start(c)) != 0)
			return (error);
		error = blk_add_nodes(c, b, back, nb, front, nf);
		if (error != 0) {
			(void)xsc_tx_end(c, false);
			return (error);
		}
		if ((error = xsc_tx_end(c, true)) != EAGAIN)
			return (error);
	}
	return (EAGAIN);
}

/*
 * Remove a disk's nodes, in one transaction (libxl__device_destroy): the
 * frontend, the libxl record and the backend, each with the parents they
 * leave empty.
 */
static int
blk_remove_nodes(struct xsc *c, const char *fe_path, const char *lx_path,
    const char *be_path)
{
	int error, tries;

	for (tries = 0; tries < BLK_TRIES; tries++) {
		if ((error = xsc_tx_start(c)) != 0)
			return (error);
		if ((error = blk_path_cleanup(c, fe_path)) != 0 ||
		    (error = blk_path_cleanup(c, lx_path)) != 0 ||
		    (error = blk_path_cleanup(c, be_path)) != 0) {
			(void)xsc_tx_end(c, false);
			return (error);
		}
		if ((error = xsc_tx_end(c, true)) != EAGAIN)
			return (error);
	}
	return (EAGAIN);
}

static bool
blk_backend_ready(long state)
{

	return (state >= BLK_STATE_INITWAIT);
}

static bool
blk_closed(long state)
{

	return (state == BLK_STATE_CLOSED || state < 0);
}

/*
 * After the nodes are written: start QEMU if none serves the pair, and
 * wait until the backend has picked the disk up (InitWait, or Connected
 * when a frontend is already there).  QEMU says nothing in xenstore when
 * it refuses a disk, only in its log ("failed to create 'qdisk' device
 * 'DEV': ..."), which is watched from where it stood before the nodes
 * were written.  On failure everything this attach wrote or started is
 * undone.
 */
static int
blk_bring_up(struct xsc *c, const struct blk_dev *b, const char *qemu,
    bool start, off_t log_from)
{
	char path[BLK_PATH + 16], needle[64], line[512], log[GBX_PATH_MAX];
	bool refused, timed_out;
	long state;
	int rc, waited;

	if (start && (rc = dm_start(c, ATTACH_CMD, qemu, b->be, b->fe)) != 0) {
		(void)blk_remove_nodes(c, b->fe_path, b->lx_path, b->be_path);
		dm_retire(c, ATTACH_CMD, b->be, b->fe);
		return (rc);
	}
	snprintf(path, sizeof(path), "%s/state", b->be_path);
	snprintf(needle, sizeof(needle), "device '%d'", b->devid);
	refused = timed_out = false;
	state = -1;
	for (waited = 0; waited < BLK_INIT_TIMEOUT_MS && !refused;
	     waited += BLK_POLL_MS) {
		state = blk_wait_state(c, path, blk_backend_ready, BLK_POLL_MS,
		    -1, &timed_out);
		if (blk_backend_ready(state) && state < BLK_STATE_CLOSING)
			return (0);
		refused = dm_log_find(b->be, b->fe, log_from, needle, line,
		    sizeof(line));
	}
	(void)blk_remove_nodes(c, b->fe_path, b->lx_path, b->be_path);
	dm_retire(c, ATTACH_CMD, b->be, b->fe);
	if (dm_log_path(log, sizeof(log), b->be, b->fe) != 0)
		log[0] = '\0';
	if (refused)
		return (cli_fail(ATTACH_CMD, "QEMU refused %s: %s (log: %s)",
		    b->be_path, strstr(line, needle) + strlen(needle) + 2,
		    log));
	return (cli_fail(ATTACH_CMD,
	    "QEMU did not take %s within %d s (backend state %ld; log: %s)",
	    b->be_path, BLK_INIT_TIMEOUT_MS / 1000, state, log));
}

int
cmd_block_attach(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "qemu", required_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char target[PATH_MAX];
	struct diskspec d;
	struct blk_dev b;
	struct xsc c;
	const char *qemu_opt, *qemu;
	int ch, error, lock, rc;
	off_t log_from;
	bool start;

	memset(&b, 0, sizeof(b));
	qemu_opt = NULL;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (ch) {
		case 'q':
			qemu_opt = optarg;
			break;
		case 'h':
			fputs(attach_help, stdout);
			return (0);
		default:
			return (cli_usage(ATTACH_CMD, "unknown option '%s'",
			    argv[optind - 1]));
		}
	}
	if (argc - optind < 2)
		return (cli_usage(ATTACH_CMD, "expected DOM DISKSPEC..."));
	if (diskspec_parse(argc - optind - 1, argv + optind + 1, &d) != 0) {
		cli_fail(ATTACH_CMD, "%s", d.message);
		diskspec_free(&d);
		return (CLI_EXIT_USAGE);
	}
	rc = blk_check_spec(&d, &b.devid);
	if (rc == 0)
		rc = blk_target(&d, target);
	if (rc != 0 || (rc = xsc_open(&c, 0, ATTACH_CMD)) != 0) {
		diskspec_free(&d);
		return (rc);
	}
	if ((rc = blk_domain(&c, ATTACH_CMD, argv[optind], &b.fe)) != 0 ||
	    (rc = blk_domain(&c, ATTACH_CMD,
		 d.backend != NULL ? d.backend : "0", &b.be)) != 0)
		goto out;
	blk_dev_paths(&b);
	if ((lock = blk_lock(ATTACH_CMD)) == -1) {
		rc = CLI_EXIT_FAIL;
		goto out;
	}
	qemu = dm_binary(qemu_opt);
	start = dm_running(&c, b.be, b.fe) == 0;
	if (start && (rc = dm_check_binary(ATTACH_CMD, qemu)) != 0)
		goto unlock;
	log_from = dm_log_size(b.be, b.fe);
	if ((error = blk_write_nodes(&c, &b, &d, target)) == EEXIST)
		rc = cli_fail(ATTACH_CMD, "%s is already attached to domain %d",
		    d.vdev, b.fe);
	else if (error != 0)
		rc = cli_fail(ATTACH_CMD, "writing the nodes of %s: %s",
		    b.lx_path, strerror(error));
	else
		rc = blk_bring_up(&c, &b, qemu, start, log_from);
unlock:
	close(lock);
out:
	xsc_close(&c);
	diskspec_free(&d);
	return (rc);
}

/* Print one domain's disks, as xl block-list does. */
static void
blk_list_domain(struct xsc *c, int dom)
{
	char path[BLK_PATH + 32], fe_path[BLK_PATH], *devs, *p, *be_path;
	size_t len;
	int be;

	snprintf(path, sizeof(path), "/libxl/%d/device/vbd", dom);
	if (xsc_list(c, path, &devs, &len) != 0)
		return;
	for (p = devs; p < devs + len && *p != '\0'; p += strlen(p) + 1) {
		snprintf(path, sizeof(path), "/libxl/%d/device/vbd/%s/backend",
		    dom, p);
		if (xsc_read(c, path, &be_path) != 0)
			continue;
		if ((be = blk_path_domain(be_path)) < 0) {
			free(be_path);
			continue;
		}
		snprintf(fe_path, sizeof(fe_path),
		    "/local/domain/%d/device/vbd/%s", dom, p);
		snprintf(path, sizeof(path), "%s/state", fe_path);
		printf("%-5ld %-3d %-6d %-5ld ", blk_number(p), be, dom,
		    blk_read_long(c, path));
		snprintf(path, sizeof(path), "%s/event-channel", fe_path);
		printf("%-6ld ", blk_read_long(c, path));
		snprintf(path, sizeof(path), "%s/ring-ref", fe_path);
		printf("%-8ld %-30s\n", blk_read_long(c, path), be_path);
		free(be_path);
	}
	free(devs);
}

int
cmd_block_list(int argc, char **argv)
{
	struct xsc c;
	int dom, i, rc;

	if (cli_wants_help(argc, argv)) {
		fputs(list_help, stdout);
		return (0);
	}
	if (argc < 2)
		return (cli_usage(LIST_CMD, "expected DOM..."));
	for (i = 1; i < argc; i++)
		if (argv[i][0] == '-')
			return (cli_usage(LIST_CMD, "unknown option '%s'",
			    argv[i]));
	if ((rc = xsc_open(&c, 0, LIST_CMD)) != 0)
		return (rc);
	printf("%-5s %-3s %-6s %-5s %-6s %-8s %-30s\n", "Vdev", "BE", "handle",
	    "state", "evt-ch", "ring-ref", "BE-path");
	for (i = 1; i < argc; i++) {
		if (blk_domain(&c, LIST_CMD, argv[i], &dom) != 0) {
			rc = CLI_EXIT_FAIL;
			continue;
		}
		blk_list_domain(&c, dom);
	}
	xsc_close(&c);
	return (rc);
}

/*
 * One pass of libxl__initiate_device_generic_remove: in a transaction,
 * remove the frontend first when forcing, then set online=0 and the
 * backend to Closing (unless Closed); then wait for Closed.  Returns 0
 * when the backend closed (or is gone), ETIMEDOUT, or an errno.
 */
static int
blk_close(struct xsc *c, const struct blk_dev *b, bool force, int timeout_ms)
{
	char state[BLK_PATH + 16], online[BLK_PATH + 16];
	bool timed_out;
	long st;
	int error, tries;

	snprintf(state, sizeof(state), "%s/state", b->be_path);
	snprintf(online, sizeof(online), "%s/online", b->be_path);
	for (tries = 0; tries < BLK_TRIES; tries++) {
		if ((error = xsc_tx_start(c)) != 0)
			return (error);
		if (force)
			(void)blk_path_cleanup(c, b->fe_path);
		if ((st = blk_read_long(c, state)) < 0) {
			/* The backend is gone already: nothing to wait for. */
			(void)xsc_tx_end(c, force);
			return (0);
		}
		error = xsc_write(c, online, "0");
		if (error == 0 && st != BLK_STATE_CLOSED)
			error = xsc_write(c, state, "5");
		if (error != 0) {
			(void)xsc_tx_end(c, false);
			return (error);
		}
		if ((error = xsc_tx_end(c, true)) != EAGAIN)
			break;
	}
	if (error != 0)
		return (error);
	(void)blk_wait_state(c, state, blk_closed, timeout_ms, -1, &timed_out);
	return (timed_out ? ETIMEDOUT : 0);
}

int
cmd_block_detach(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char path[BLK_PATH + 16], *be_path, *end;
	struct blk_dev b;
	struct xsc c;
	long timeout, fe_state;
	int ch, error, lock, rc;
	bool force;

	memset(&b, 0, sizeof(b));
	force = false;
	timeout = BLK_DESTROY_TIMEOUT_MS / 1000;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "+fh", opts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			force = true;
			break;
		case 't':
			errno = 0;
			timeout = strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || end == optarg ||
			    timeout < 1 || timeout > 3600)
				return (cli_usage(DETACH_CMD,
				    "'%s' is not a timeout (1 to 3600 seconds)",
				    optarg));
			break;
		case 'h':
			fputs(detach_help, stdout);
			return (0);
		default:
			return (cli_usage(DETACH_CMD, "unknown option '%s'",
			    argv[optind - 1]));
		}
	}
	if (argc - optind != 2)
		return (cli_usage(DETACH_CMD, "expected DOM VDEV"));
	if ((b.devid = gbx_vdev_number(argv[optind + 1])) < 0)
		return (cli_usage(DETACH_CMD,
		    "'%s' is not a virtual disk identifier", argv[optind + 1]));
	if ((rc = xsc_open(&c, 0, DETACH_CMD)) != 0)
		return (rc);
	if ((rc = blk_domain(&c, DETACH_CMD, argv[optind], &b.fe)) != 0) {
		xsc_close(&c);
		return (rc);
	}
	if ((lock = blk_lock(DETACH_CMD)) == -1) {
		xsc_close(&c);
		return (CLI_EXIT_FAIL);
	}
	b.be = 0;
	blk_dev_paths(&b);
	snprintf(path, sizeof(path), "%s/backend", b.lx_path);
	if (xsc_read(&c, path, &be_path) != 0) {
		rc = cli_fail(DETACH_CMD, "%s is not attached to domain %d",
		    argv[optind + 1], b.fe);
		goto out;
	}
	if ((b.be = blk_path_domain(be_path)) < 0 ||
	    strlen(be_path) >= sizeof(b.be_path)) {
		rc = cli_fail(DETACH_CMD, "%s: unparseable backend path '%s'",
		    b.lx_path, be_path);
		free(be_path);
		goto out;
	}
	strcpy(b.be_path, be_path);
	free(be_path);

	error = force ? ETIMEDOUT : blk_close(&c, &b, false, timeout * 1000);
	if (error == ETIMEDOUT) {
		snprintf(path, sizeof(path), "%s/state", b.fe_path);
		fe_state = blk_read_long(&c, path);
		if (!force)
			cli_fail(DETACH_CMD,
			    "the frontend of %s in domain %d (state %ld) did "
			    "not close within %ld s: forcing",
			    argv[optind + 1], b.fe, fe_state, timeout);
		error = blk_close(&c, &b, true, timeout * 1000);
		if (error == ETIMEDOUT)
			cli_fail(DETACH_CMD,
			    "the backend of %s did not close within %ld s: "
			    "removing it anyway",
			    argv[optind + 1], timeout);
	}
	if (error != 0 && error != ETIMEDOUT)
		cli_fail(DETACH_CMD, "closing %s: %s", b.be_path,
		    strerror(error));
	if ((error = blk_remove_nodes(&c, b.fe_path, b.lx_path, b.be_path)) !=
	    0)
		rc = cli_fail(DETACH_CMD, "removing the nodes of %s: %s",
		    b.lx_path, strerror(error));
	/* xl devd stops QEMU with the domain's last qdisk disk. */
	dm_retire(&c, DETACH_CMD, b.be, b.fe);
out:
	close(lock);
	xsc_close(&c);
	return (rc);
}

void
cli_block_domain_destroy(const char *cmd, int domid)
{
	char path[BLK_PATH], *doms, *d, *fes, *f;
	size_t dlen, flen;
	struct xsc c;
	int dom, lock;

	if (domid == 0 || xsc_open(&c, 0, cmd) != 0)
		return;
	if ((lock = blk_lock(cmd)) == -1) {
		xsc_close(&c);
		return;
	}
	if (xsc_list(&c, "/local/domain", &doms, &dlen) != 0)
		dlen = 0, doms = NULL;
	for (d = doms; d != NULL && d < doms + dlen && *d != '\0';
	     d += strlen(d) + 1) {
		dom = (int)blk_number(d);
		if (dom != domid) {
			/* QEMU serving the domain, and its disks' backends. */
			(void)dm_stop(&c, cmd, dom, domid);
			snprintf(path, sizeof(path),
			    "/local/domain/%d/backend/qdisk/%d", dom, domid);
			(void)blk_path_cleanup(&c, path);
			continue;
		}
		/* QEMUs running in the domain, for any frontend. */
		snprintf(path, sizeof(path), "/local/domain/%d/libxl", dom);
		if (xsc_list(&c, path, &fes, &flen) != 0)
			continue;
		for (f = fes; f < fes + flen && *f != '\0'; f += strlen(f) + 1)
			(void)dm_stop(&c, cmd, dom, (int)blk_number(f));
		free(fes);
	}
	free(doms);
	snprintf(path, sizeof(path), "/libxl/%d", domid);
	(void)blk_path_cleanup(&c, path);
	close(lock);
	xsc_close(&c);
}
