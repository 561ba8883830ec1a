/*
 * map_page: map a page another domain granted, through the native API.
 *
 *	gntbox run --dom 2 -- map_page DOMID REF
 *
 * Maps grant REF of domain DOMID, prints what it holds and writes an
 * answer at offset 2048.  A bad grant shows how gntbox reports Xen's
 * status for it: try a REF that does not exist.
 */
#include <sys/mman.h>

#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gntbox.h"

#define ANSWER 2048

/*
 * Xen's name and meaning of a GNTST_* status (xen/include/public/
 * grant_table.h), for a message a person can act on.
 */
static const char *
gntst_name(int16_t status, const char **meaning)
{
	static const struct {
		const char *name, *meaning;
	} st[] = {
		{ "GNTST_okay", "okay" },
		{ "GNTST_general_error", "undefined error" },
		{ "GNTST_bad_domain", "unrecognised domain id" },
		{ "GNTST_bad_gntref", "invalid grant reference" },
		{ "GNTST_bad_handle", "invalid mapping handle" },
		{ "GNTST_bad_virt_addr", "invalid virtual address" },
		{ "GNTST_bad_dev_addr", "invalid device address" },
		{ "GNTST_no_device_space", "no spare translation slot" },
		{ "GNTST_permission_denied", "permission denied" },
		{ "GNTST_bad_page", "bad page" },
		{ "GNTST_bad_copy_arg", "copy arguments cross page boundary" },
		{ "GNTST_address_too_big", "page address size too large" },
		{ "GNTST_eagain", "could not map at the moment, retry" },
		{ "GNTST_no_space", "out of space" },
	};

	if (status > 0 || -status >= (int)(sizeof(st) / sizeof(st[0]))) {
		*meaning = "unknown status";
		return ("GNTST_?");
	}
	*meaning = st[-status].meaning;
	return (st[-status].name);
}

int
main(int argc, char **argv)
{
	struct gntbox_grant_ref g;
	gntbox_t *h;
	uint64_t off;
	const char *name, *meaning;
	int16_t status;
	char *p;

	if (argc != 3)
		errx(2, "usage: map_page DOMID REF");
	g.domid = (uint32_t)atoi(argv[1]);
	g.ref = (uint32_t)atoi(argv[2]);
	if ((h = gntbox_open(-1)) == NULL)
		err(1, "gntbox_open");
	if (gntbox_map(h, 1, &g, 0, &off) == -1)
		err(1, "gntbox_map");
	/* The grant is checked here, as Xen checks it at map time. */
	if ((p = gntbox_mmap(h, off, 1, PROT_READ | PROT_WRITE, &status)) ==
	    NULL) {
		name = gntst_name(status, &meaning);
		warnx("cannot map grant %u of domain %u: %s (%d, %s)", g.ref,
		    g.domid, name, status, meaning);
		/* The recorded map and the handle go, as after a success. */
		gntbox_unmap(h, off, 1);
		gntbox_close(h);
		return (1);
	}
	printf("domain %d read: %s\n", gntbox_domid(h), p);
	snprintf(p + ANSWER, GNTBOX_PAGE_SIZE - ANSWER,
	    "hello back from domain %d", gntbox_domid(h));
	gntbox_munmap(h, p, 1);
	gntbox_unmap(h, off, 1);
	gntbox_close(h);
	return (0);
}
