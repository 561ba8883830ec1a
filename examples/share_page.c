/*
 * share_page: share a page with another domain through the native API.
 *
 *	gntbox run --dom 1 -- share_page DOMID
 *
 * Shares one writable page with domain DOMID, writes a greeting into it,
 * prints "ref N" on stdout, then waits until the other domain writes its
 * answer at offset 2048 of the page, prints it, and ends the share.  See
 * map_page.c for the other side and scripts/demo.sh for both together.
 */
#include <sys/mman.h>

#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gntbox.h"

#define ANSWER 2048 /* where the other domain writes */

int
main(int argc, char **argv)
{
	struct timespec tick = { 0, 10 * 1000 * 1000 };
	volatile char *answer;
	gntbox_t *h;
	uint64_t off;
	uint32_t ref;
	char *p;
	int i;

	if (argc != 2)
		errx(2, "usage: share_page DOMID");
	if ((h = gntbox_open(-1)) == NULL)
		err(1, "gntbox_open");
	if (gntbox_share(h, (uint32_t)atoi(argv[1]), 1, GNTBOX_SHARE_WRITABLE,
		&ref, &off) == -1)
		err(1, "gntbox_share");
	if ((p = gntbox_mmap(h, off, 1, PROT_READ | PROT_WRITE, NULL)) == NULL)
		err(1, "gntbox_mmap");
	snprintf(p, ANSWER, "hello from domain %d", gntbox_domid(h));
	printf("ref %u\n", ref);
	fflush(stdout);

	/* The other domain maps the same page: its answer appears here. */
	answer = (volatile char *)p + ANSWER;
	for (i = 0; i < 1000 && answer[0] == '\0'; i++)
		nanosleep(&tick, NULL);
	if (answer[0] == '\0')
		errx(1, "no answer");
	printf("domain %d read: %s\n", gntbox_domid(h), (const char *)answer);

	gntbox_munmap(h, p, 1);
	gntbox_unshare(h, off, 1);
	gntbox_close(h);
	return (0);
}
