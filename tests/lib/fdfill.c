/*
 * fdfill.c: filling the descriptor table (fdfill.h).
 */
#include <sys/resource.h>

#include <dirent.h>
#include <errno.h>
#include <unistd.h>

#include "check.h"
#include "fdfill.h"

static int filler[TF_MAX];
static int nfiller;

void
tf_limit(unsigned lim)
{
	struct rlimit rl;

	REQUIRE(getrlimit(RLIMIT_NOFILE, &rl) == 0);
	rl.rlim_cur = lim;
	REQUIRE(setrlimit(RLIMIT_NOFILE, &rl) == 0);
}

void
tf_fill(unsigned lim)
{
	int fd;

	REQUIRE(lim <= TF_MAX);
	tf_limit(lim);
	while (nfiller < TF_MAX && (fd = dup(2)) != -1)
		filler[nfiller++] = fd;
	REQUIRE(nfiller < TF_MAX && errno == EMFILE);
}

void
tf_unfill(int n)
{

	while (nfiller > 0 && n-- != 0)
		(void)close(filler[--nfiller]);
}

unsigned
tf_open_fds(void)
{
	struct dirent *de;
	unsigned n;
	DIR *d;

	n = 0;
	REQUIRE((d = opendir("/proc/self/fd")) != NULL);
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	(void)closedir(d);
	return (n - 1); /* the directory's own */
}
