/*
 * xsclient.c: see xsclient.h.
 */
#include <errno.h>
#include <stdint.h>

#include <xen/io/xs_wire.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "xsclient.h"

static void
ready(void *cookie)
{
	struct xt *t = cookie;

	t->ready++;
}

static const struct xs_conn_ops xt_ops = { .output_ready = ready };

struct xs_store *
xt_store(const struct xs_limits *l)
{
	struct xs_store *s;

	REQUIRE((s = xs_store_new(l)) != NULL);
	REQUIRE(xs_domain_introduce(s, 0, "Domain-0") == 0);
	REQUIRE(xs_domain_introduce(s, 1, "one") == 0);
	REQUIRE(xs_domain_introduce(s, 2, "two") == 0);
	return (s);
}

struct xt *
xt_open(struct xs_store *s, unsigned domid)
{
	struct xt *t;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return (NULL);
	t->domid = domid;
	t->req_id = 1;
	if ((t->c = xs_conn_new(s, domid, &xt_ops, t)) == NULL) {
		free(t);
		return (NULL);
	}
	return (t);
}

void
xt_close(struct xt *t)
{

	if (t == NULL)
		return;
	xs_conn_free(t->c);
	free(t);
}

int
xt_input(struct xt *t, const void *buf, size_t len)
{

	return (xs_conn_input(t->c, buf, len));
}

int
xt_send(struct xt *t, uint32_t type, uint32_t tx, const void *payload,
    size_t len)
{
	unsigned char buf[sizeof(struct xsd_sockmsg) + XT_MAX];
	struct xsd_sockmsg h;

	h.type = type;
	h.req_id = t->req_id++;
	h.tx_id = tx;
	h.len = (uint32_t)len;
	memcpy(buf, &h, sizeof(h));
	if (len > XT_MAX)
		len = XT_MAX;
	memcpy(buf + sizeof(h), payload, len);
	return (xs_conn_input(t->c, buf, sizeof(h) + len));
}

/* Copy n bytes of queued output, across messages; 0 if not that many. */
static int
take(struct xt *t, void *dst, size_t n)
{
	const void *p;
	size_t k, got;

	got = 0;
	while (got < n) {
		k = xs_conn_output(t->c, &p);
		if (k == 0)
			return (0);
		if (k > n - got)
			k = n - got;
		memcpy((char *)dst + got, p, k);
		xs_conn_consume(t->c, k);
		got += k;
	}
	return (1);
}

int
xt_recv(struct xt *t, struct xt_msg *m)
{
	struct xsd_sockmsg h;
	const void *p;

	if (xs_conn_output(t->c, &p) == 0)
		return (0);
	if (!take(t, &h, sizeof(h)))
		return (0);
	m->type = h.type;
	m->req_id = h.req_id;
	m->tx_id = h.tx_id;
	m->len = h.len;
	if (h.len >= XT_MAX || !take(t, m->data, h.len))
		return (0);
	m->data[h.len] = '\0';
	return (1);
}

int
xt_errno(const struct xt_msg *m)
{
	size_t i;

	for (i = 0; i < sizeof(xsd_errors) / sizeof(xsd_errors[0]); i++)
		if (strcmp(m->data, xsd_errors[i].errstring) == 0)
			return (xsd_errors[i].errnum);
	return (-1);
}

int
xt_call(struct xt *t, uint32_t type, uint32_t tx, const void *payload,
    size_t len, struct xt_msg *reply)
{
	static struct xt_msg scratch;
	struct xt_msg *m;
	int err;

	m = reply != NULL ? reply : &scratch;
	if ((err = xt_send(t, type, tx, payload, len)) != 0)
		return (err);
	for (;;) {
		if (!xt_recv(t, m))
			return (-1); /* no reply: a test failure */
		if (m->type != XS_WATCH_EVENT)
			break;
		if (t->nev < XT_EVENTS)
			t->ev[t->nev++] = *m;
	}
	if (m->type == XS_ERROR)
		return (xt_errno(m));
	return (0);
}

size_t
xt_pack(char *buf, int n, ...)
{
	va_list ap;
	size_t len, l;
	const char *s;

	len = 0;
	va_start(ap, n);
	while (n-- > 0) {
		s = va_arg(ap, const char *);
		l = strlen(s) + 1;
		memcpy(buf + len, s, l);
		len += l;
	}
	va_end(ap);
	return (len);
}

int
xt_read(struct xt *t, uint32_t tx, const char *path, char *out, size_t *len)
{
	struct xt_msg m;
	int err;

	if ((err = xt_call(t, XS_READ, tx, path, strlen(path) + 1, &m)) != 0)
		return (err);
	if (out != NULL) {
		memcpy(out, m.data, m.len);
		out[m.len] = '\0';
	}
	if (len != NULL)
		*len = m.len;
	return (0);
}

int
xt_write(struct xt *t, uint32_t tx, const char *path, const char *value)
{
	char buf[XT_MAX];
	size_t pl, vl;

	pl = strlen(path) + 1;
	vl = strlen(value);
	memcpy(buf, path, pl);
	memcpy(buf + pl, value, vl);
	return (xt_call(t, XS_WRITE, tx, buf, pl + vl, NULL));
}

int
xt_mkdir(struct xt *t, uint32_t tx, const char *path)
{

	return (xt_call(t, XS_MKDIR, tx, path, strlen(path) + 1, NULL));
}

int
xt_rm(struct xt *t, uint32_t tx, const char *path)
{

	return (xt_call(t, XS_RM, tx, path, strlen(path) + 1, NULL));
}

/* Turn "a\0b\0" into "a,b". */
static void
join(char *out, const char *data, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		out[i] = data[i] == '\0' ? ',' : data[i];
	out[len > 0 ? len - 1 : 0] = '\0';
}

int
xt_dir(struct xt *t, uint32_t tx, const char *path, char *out)
{
	struct xt_msg m;
	int err;

	err = xt_call(t, XS_DIRECTORY, tx, path, strlen(path) + 1, &m);
	if (err == 0 && out != NULL)
		join(out, m.data, m.len);
	return (err);
}

int
xt_getperms(struct xt *t, uint32_t tx, const char *path, char *out)
{
	struct xt_msg m;
	int err;

	err = xt_call(t, XS_GET_PERMS, tx, path, strlen(path) + 1, &m);
	if (err == 0 && out != NULL)
		join(out, m.data, m.len);
	return (err);
}

int
xt_setperms(struct xt *t, uint32_t tx, const char *path, const char *perms)
{
	char buf[XT_MAX];
	size_t pl, i, n;

	pl = strlen(path) + 1;
	memcpy(buf, path, pl);
	n = strlen(perms);
	for (i = 0; i < n; i++)
		buf[pl + i] = perms[i] == ',' ? '\0' : perms[i];
	buf[pl + n] = '\0';
	return (xt_call(t, XS_SET_PERMS, tx, buf, pl + n + 1, NULL));
}

int
xt_watch(struct xt *t, const char *path, const char *token)
{
	char buf[XT_MAX];

	return (
	    xt_call(t, XS_WATCH, 0, buf, xt_pack(buf, 2, path, token), NULL));
}

int
xt_unwatch(struct xt *t, const char *path, const char *token)
{
	char buf[XT_MAX];

	return (
	    xt_call(t, XS_UNWATCH, 0, buf, xt_pack(buf, 2, path, token), NULL));
}

int
xt_tx_start(struct xt *t, uint32_t *id)
{
	struct xt_msg m;
	int err;

	err = xt_call(t, XS_TRANSACTION_START, 0, "", 1, &m);
	if (err == 0)
		*id = (uint32_t)strtoul(m.data, NULL, 10);
	return (err);
}

int
xt_tx_end(struct xt *t, uint32_t id, int commit)
{

	return (
	    xt_call(t, XS_TRANSACTION_END, id, commit ? "T" : "F", 2, NULL));
}

int
xt_event(struct xt *t, char *out)
{
	struct xt_msg m;

	if (t->nev > 0) {
		m = t->ev[0];
		memmove(&t->ev[0], &t->ev[1], (t->nev - 1) * sizeof(t->ev[0]));
		t->nev--;
	} else if (!xt_recv(t, &m))
		return (0);
	if (m.type != XS_WATCH_EVENT) {
		snprintf(out, 64, "not an event: type %u", m.type);
		return (1);
	}
	/* "path token": both come from one payload, so they fit. */
	strcpy(out, m.data);
	strcat(out, " ");
	strcat(out, m.data + strlen(m.data) + 1);
	return (1);
}

unsigned
xt_pending(struct xt *t)
{
	struct xt_msg m;
	unsigned n;

	n = t->nev;
	while (xt_recv(t, &m)) {
		if (t->nev < XT_EVENTS)
			t->ev[t->nev++] = m;
		n++;
	}
	return (n);
}
