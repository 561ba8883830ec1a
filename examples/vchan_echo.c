/*
 * vchan_echo: an unmodified libxenvchan program, as it would run on Xen.
 *
 *	gntbox run --dom 1 -- vchan_echo server 2 /local/domain/1/data/echo
 *	gntbox run --dom 2 -- vchan_echo client 1 /local/domain/1/data/echo
 *
 * It is linked against Debian's libxenvchan and knows nothing of gntbox:
 * gntbox run gives it /dev/xen/gntalloc, gntdev and evtchn through the
 * preload library and a xenstore through XENSTORED_PATH.  The server
 * echoes what the client sends, upper-cased; the client sends its
 * standard input line by line and prints the echoes.
 */
#include <ctype.h>
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libxenvchan.h>

static int
serve(int peer, const char *path)
{
	struct libxenvchan *v;
	char buf[256];
	int i, n;

	if ((v = libxenvchan_server_init(NULL, peer, path, 0, 0)) == NULL)
		err(1, "libxenvchan_server_init");
	v->blocking = 1;
	/* Wait for the client, then echo until it closes. */
	while (libxenvchan_is_open(v) == 2)
		libxenvchan_wait(v);
	while ((n = libxenvchan_read(v, buf, sizeof(buf))) > 0) {
		for (i = 0; i < n; i++)
			buf[i] = (char)toupper((unsigned char)buf[i]);
		if (libxenvchan_write(v, buf, (size_t)n) != n)
			break;
	}
	libxenvchan_close(v);
	return (0);
}

static int
client(int peer, const char *path)
{
	struct timespec tick = { 0, 20 * 1000 * 1000 };
	struct libxenvchan *v;
	char line[256], echo[256];
	int i, n, got;

	/* The server may not have published its ring yet: retry a while. */
	v = NULL;
	for (i = 0; i < 250 && v == NULL; i++) {
		v = libxenvchan_client_init(NULL, peer, path);
		if (v == NULL)
			nanosleep(&tick, NULL);
	}
	if (v == NULL)
		err(1, "libxenvchan_client_init");
	v->blocking = 1;
	while (fgets(line, sizeof(line), stdin) != NULL) {
		n = (int)strlen(line);
		if (libxenvchan_write(v, line, (size_t)n) != n)
			errx(1, "vchan write failed");
		for (got = 0; got < n; got += i)
			if ((i = libxenvchan_read(v, echo + got,
				 (size_t)(n - got))) <= 0)
				errx(1, "vchan read failed");
		fwrite(echo, 1, (size_t)n, stdout);
	}
	libxenvchan_close(v);
	return (0);
}

int
main(int argc, char **argv)
{

	if (argc != 4 ||
	    (strcmp(argv[1], "server") != 0 && strcmp(argv[1], "client") != 0))
		errx(2, "usage: vchan_echo server|client PEER-DOMID XS-PATH");
	if (strcmp(argv[1], "server") == 0)
		return (serve(atoi(argv[2]), argv[3]));
	return (client(atoi(argv[2]), argv[3]));
}
