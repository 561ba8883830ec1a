/*
 * evtpage_util.h: what the unit tests of the event page share: a page on
 * a real memfd mapping, a semaphore eventfd, and that eventfd's counter
 * read without consuming it.
 */
#ifndef GNTBOX_TESTS_EVTPAGE_UTIL_H
#define GNTBOX_TESTS_EVTPAGE_UTIL_H

#include <sys/eventfd.h>
#include <sys/mman.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "proto/evtpage.h"

#define EU __attribute__((unused)) static

/* A page initialised for nports, on a memfd as gntboxd makes it. */
EU struct gbx_evtpage *
eu_page_new(uint32_t nports)
{
	struct gbx_evtpage *pg;
	int fd;

	fd = memfd_create("evtpage-test", MFD_CLOEXEC);
	REQUIRE(fd >= 0);
	REQUIRE(ftruncate(fd, GBX_EVTPAGE_BYTES) == 0);
	pg = mmap(NULL, GBX_EVTPAGE_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED,
	    fd, 0);
	REQUIRE(pg != MAP_FAILED);
	close(fd);
	evtpage_init(pg, nports);
	return (pg);
}

EU void
eu_page_free(struct gbx_evtpage *pg)
{

	munmap(pg, GBX_EVTPAGE_BYTES);
}

/*
 * An eventfd as gntboxd makes a handle's (blocking), set up as the
 * client sets it up.
 */
EU int
eu_efd_new(void)
{
	int efd;

	efd = eventfd(0, EFD_SEMAPHORE | EFD_CLOEXEC);
	REQUIRE(efd >= 0);
	REQUIRE(evtpage_efd_setup(efd) == 0);
	return (efd);
}

/* The eventfd's counter, read without consuming it (fdinfo, in hex). */
EU uint64_t
eu_efd_count(int efd)
{
	char path[64], line[128];
	uint64_t v = UINT64_MAX;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", efd);
	f = fopen(path, "r");
	REQUIRE(f != NULL);
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "eventfd-count:", 14) == 0)
			v = strtoull(line + 14, NULL, 16);
	fclose(f);
	REQUIRE(v != UINT64_MAX);
	return (v);
}

#endif /* GNTBOX_TESTS_EVTPAGE_UTIL_H */
