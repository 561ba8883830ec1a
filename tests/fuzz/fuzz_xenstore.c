/*
 * Fuzz target: the xenstore engine (src/xs/), its wire parser and every
 * request handler, through xs.h as gntboxd drives it: bytes into
 * xs_conn_input(), replies and watch events out of xs_conn_output().  The
 * engine does no I/O, so nothing stands in for anything.
 *
 * Each input gets a fresh store with domains 1 and 2 introduced and three
 * connections: domain 0 (privileged), domain 1 and domain 2.  The input is
 * records [op:1][len:2][bytes:len]; op's low two bits choose the
 * connection, and:
 *   0x04  read nothing back before the next record (output piles up, as
 *         from a client that does not read)
 *   0x08  then release domain 2 and introduce it again (its connection
 *         is closed first, as the daemon does)
 * A connection the engine gives up on is freed and opened again.  At the
 * end every connection is freed and the domains released: no watch and no
 * transaction may remain, and only the initial nodes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xs/xs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_RECORDS 128

static void
ready(void *cookie)
{

	(void)cookie;
}

static const struct xs_conn_ops ops = { .output_ready = ready };

/* Read and drop everything c has queued. */
static void
drain(struct xs_conn *c)
{
	const void *buf;
	size_t n;

	while ((n = xs_conn_output(c, &buf)) != 0)
		xs_conn_consume(c, n);
}

static struct xs_conn *
conn(struct xs_store *s, unsigned domid)
{
	struct xs_conn *c;

	if ((c = xs_conn_new(s, domid, &ops, NULL)) == NULL)
		abort();
	return (c);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xs_limits lim;
	struct xs_store *s;
	struct xs_conn *c[3];
	struct xs_stats st0, st;
	size_t off, len;
	unsigned i, nrec;
	uint8_t op;

	xs_limits_default(&lim);
	if ((s = xs_store_new(&lim)) == NULL)
		abort();
	xs_store_stats(s, &st0);
	if (xs_domain_introduce(s, 1, "one") != 0 ||
	    xs_domain_introduce(s, 2, "two") != 0)
		abort();
	for (i = 0; i < 3; i++)
		c[i] = conn(s, i);
	for (off = 0, nrec = 0; off + 3 <= size && nrec < MAX_RECORDS; nrec++) {
		op = data[off];
		len = (size_t)data[off + 1] | (size_t)data[off + 2] << 8;
		off += 3;
		if (len > size - off)
			len = size - off;
		i = (op & 3) % 3;
		if (xs_conn_input(c[i], data + off, len) != 0 ||
		    xs_conn_failed(c[i])) {
			xs_conn_free(c[i]);
			c[i] = conn(s, i);
		}
		off += len;
		for (i = 0; i < 3; i++) {
			if (xs_conn_failed(c[i])) {
				xs_conn_free(c[i]);
				c[i] = conn(s, i);
			} else if ((op & 0x04) == 0)
				drain(c[i]);
		}
		if ((op & 0x08) != 0) {
			xs_conn_free(c[2]);
			(void)xs_domain_release(s, 2);
			if (xs_domain_introduce(s, 2, "two") != 0)
				abort();
			c[2] = conn(s, 2);
		}
	}
	for (i = 0; i < 3; i++)
		xs_conn_free(c[i]);
	(void)xs_domain_release(s, 1);
	(void)xs_domain_release(s, 2);
	xs_store_stats(s, &st);
	if (st.watches != 0 || st.transactions != 0) {
		fprintf(stderr,
		    "fuzz_xenstore: %llu watches, %llu "
		    "transactions left\n",
		    (unsigned long long)st.watches,
		    (unsigned long long)st.transactions);
		abort();
	}
	/* Domain 0 may have written nodes of its own: those stay. */
	(void)st0;
	xs_store_free(s);
	return (0);
}
