/*
 * Integration test of HELLO against a real gntboxd: the version, the kind
 * and the socket it must come in on, its descriptors (the process token),
 * a second HELLO, messages before HELLO, messages of the wrong kind, the
 * reply's contents, PING, and the per-domain connection limit (EMFILE).
 */
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/paths.h"
#include "proto/evtpage.h"
#include "test_daemon.h"

static char ctlpath[GBX_PATH_MAX], devpath[GBX_PATH_MAX];

/* HELLO with any version, kind and descriptors; returns the error. */
static int
hello(int fd, uint32_t version, uint32_t kind, const int *fds, unsigned n,
    struct gbx_hello_reply *hr)
{
	struct gbx_hello h = { version, kind };
	struct tdx_msg *m = malloc(sizeof(*m));
	int e;

	REQUIRE(m != NULL);
	REQUIRE(tdx_send(fd, GBX_HELLO, 0, 77, &h, sizeof(h), NULL, 0, fds,
		    n) == 0);
	REQUIRE(tdx_recv(fd, m) >= (ssize_t)sizeof(struct gbx_hdr));
	CHECK_EQ(m->u.h.type, GBX_HELLO);
	CHECK_EQ(m->u.h.seq, 77);
	e = m->u.h.error;
	/* An event-channel handle gets its eventfd and page; nothing else. */
	CHECK_EQ(m->nfds, e == 0 && kind == GBX_KIND_EVTCHN ? 2 : 0);
	if (e == 0 && hr != NULL) {
		CHECK_EQ(m->blen, sizeof(*hr));
		memcpy(hr, tdx_body(m), sizeof(*hr));
	} else {
		/* A failed HELLO has no body. */
		CHECK_EQ(m->blen, 0);
	}
	tdx_close(m);
	free(m);
	return (e);
}

static void
test_rules(void)
{
	struct gbx_hello_reply hr;
	struct tdx_msg *m = malloc(sizeof(*m));
	int fd, sp[2], sp2[2], p[2];

	REQUIRE(m != NULL);
	REQUIRE(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sp) == 0);
	REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sp2) == 0);
	REQUIRE(pipe(p) == 0);

	/* Control socket. */
	REQUIRE((fd = td_connect(ctlpath)) != -1);
	CHECK_EQ(tdx_call(fd, GBX_CTL_PING, NULL, 0, NULL, 0, -1, m), EPROTO);
	CHECK_EQ(hello(fd, 2, GBX_KIND_CONTROL, NULL, 0, NULL), EPROTO);
	CHECK_EQ(hello(fd, 0, GBX_KIND_CONTROL, NULL, 0, NULL), EPROTO);
	CHECK_EQ(hello(fd, 1, 0, NULL, 0, NULL), EPROTO);
	CHECK_EQ(hello(fd, 1, 99, NULL, 0, NULL), EPROTO);
	CHECK_EQ(hello(fd, 1, GBX_KIND_GNTDEV, &sp[1], 1, NULL), EPROTO);
	CHECK_EQ(hello(fd, 1, GBX_KIND_EVTCHN, NULL, 0, NULL), EPROTO);
	CHECK_EQ(hello(fd, 1, GBX_KIND_CONTROL, &p[1], 1, NULL), EPROTO);
	/* Still not past HELLO. */
	CHECK_EQ(tdx_call(fd, GBX_CTL_STATS, NULL, 0, NULL, 0, -1, m), EPROTO);
	CHECK_EQ(hello(fd, 1, GBX_KIND_CONTROL, NULL, 0, &hr), 0);
	CHECK_EQ(hr.version, GBX_PROTO_VERSION);
	CHECK_EQ(hr.domid, 0);
	CHECK_EQ(hr.count_max, GBX_COUNT_MAX);
	CHECK(hr.daemon_pid > 0);
	CHECK_EQ(kill((pid_t)hr.daemon_pid, 0), 0);
	CHECK_EQ(hello(fd, 1, GBX_KIND_CONTROL, NULL, 0, NULL), EPROTO);
	/* Grant-device messages on the control socket. */
	CHECK_EQ(tdx_call(fd, GBX_NOTIFY_MAP, "0123456789abcdef01234567", 24,
		     NULL, 0, -1, m),
	    EPROTO);
	CHECK_EQ(tdx_call(fd, GBX_CTL_PING, NULL, 0, NULL, 0, -1, m), 0);
	CHECK_EQ(m->blen, sizeof(hr));
	CHECK_EQ(((struct gbx_hello_reply *)tdx_body(m))->daemon_pid,
	    hr.daemon_pid);
	tdx_close(m);
	close(fd);

	/* Device socket of domain 0. */
	REQUIRE((fd = td_connect(devpath)) != -1);
	CHECK_EQ(hello(fd, 1, GBX_KIND_CONTROL, NULL, 0, NULL), EPROTO);
	CHECK_EQ(hello(fd, 1, GBX_KIND_GNTDEV, NULL, 0, NULL), EPROTO);
	CHECK_EQ(hello(fd, 1, GBX_KIND_GNTDEV, (int[]){ sp[1], sp2[1] }, 2,
		     NULL),
	    EPROTO);
	/* The token must be a socket we can watch. */
	CHECK_EQ(hello(fd, 1, GBX_KIND_GNTDEV, &p[1], 1, NULL), EPROTO);
	/* An event-channel HELLO attaches nothing. */
	CHECK_EQ(hello(fd, 1, GBX_KIND_EVTCHN, &sp[1], 1, NULL), EPROTO);
	CHECK_EQ(hello(fd, 1, GBX_KIND_GNTDEV, &sp[1], 1, &hr), 0);
	CHECK_EQ(hr.domid, 0);
	CHECK_EQ(hr.max_grants, 64 * 512);
	CHECK_EQ(hr.max_ports, 4096);
	CHECK_EQ(hello(fd, 1, GBX_KIND_GNTDEV, &sp2[1], 1, NULL), EPROTO);
	CHECK_EQ(tdx_call(fd, GBX_CTL_STATS, NULL, 0, NULL, 0, -1, m), EPROTO);
	CHECK_EQ(tdx_call(fd, GBX_CTL_PING, NULL, 0, NULL, 0, -1, m), EPROTO);
	close(fd);
	/* An event-channel handle: its page size and a handle id. */
	REQUIRE((fd = td_connect(devpath)) != -1);
	CHECK_EQ(hello(fd, 1, GBX_KIND_EVTCHN, NULL, 0, &hr), 0);
	CHECK_EQ(hr.page_bytes, GBX_EVTPAGE_BYTES);
	CHECK(hr.handle_id != 0);
	CHECK_EQ(hello(fd, 1, GBX_KIND_EVTCHN, NULL, 0, NULL), EPROTO);
	CHECK_EQ(tdx_call(fd, GBX_ALLOC, "0123456789ab", 12, NULL, 0, -1, m),
	    EPROTO);
	close(fd);
	/* A stream socket is a socket too: accepted as a token. */
	REQUIRE((fd = td_connect(devpath)) != -1);
	CHECK_EQ(hello(fd, 1, GBX_KIND_GNTDEV, &sp2[1], 1, &hr), 0);
	close(fd);
	CHECK_EQ(td_open(9, GBX_KIND_GNTDEV, NULL), -1);
	CHECK_EQ(errno, ENOENT);

	/* The daemon closed every descriptor it refused. */
	close(p[1]);
	CHECK_EQ(read(p[0], m, 1), 0);
	close(p[0]);
	close(sp[0]);
	close(sp[1]);
	close(sp2[0]);
	close(sp2[1]);
	free(m);
}

/* 1024 connections per domain; the next HELLO is EMFILE. */
static void
test_limit(int ctl)
{
	static int fds[1024], toks[1024];
	int i, fd;

	tdx_raise_nofile();
	CHECK_EQ(tdx_domain_create(ctl, 4, NULL), 0);
	for (i = 0; i < 1024; i++) {
		fds[i] = td_open(4, GBX_KIND_GNTDEV, &toks[i]);
		if (fds[i] == -1) {
			fprintf(stderr, "connection %d: %s\n", i,
			    strerror(errno));
			break;
		}
	}
	CHECK_EQ(i, 1024);
	CHECK_EQ(td_open(4, GBX_KIND_GNTDEV, NULL), -1);
	CHECK_EQ(errno, EMFILE);
	/* Other domains are not affected. */
	CHECK((fd = td_open(0, GBX_KIND_GNTDEV, NULL)) != -1);
	close(fd);
	close(fds[0]);
	close(toks[0]);
	/* A slot frees when a connection closes. */
	for (i = 0; i < 100; i++) {
		if ((fds[0] = td_open(4, GBX_KIND_GNTDEV, &toks[0])) != -1)
			break;
		usleep(10000);
	}
	CHECK(fds[0] != -1);
	for (i = 0; i < 1024; i++) {
		close(fds[i]);
		close(toks[i]);
	}
	CHECK_EQ(tdx_domain_destroy(ctl, 4), 0);
}

int
main(void)
{
	struct tdx_env env;
	int ctl;

	ctl = tdx_begin(&env, NULL, 0);
	REQUIRE(gbx_path_control(ctlpath, sizeof(ctlpath)) == 0);
	REQUIRE(gbx_path_device(devpath, sizeof(devpath), 0) == 0);
	CHECK_U64(env.base.domains, 1);
	CHECK_U64(env.base.connections, 1);
	test_rules();
	test_limit(ctl);
	return (tdx_end(&env, 0));
}
