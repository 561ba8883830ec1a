/*
 * json_out.c: --json output with json-c (json_out.h).
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/json_out.h"

/* An allocation failed somewhere in the value being built. */
static bool cj_nomem;

static struct json_object *
cj_check(struct json_object *v)
{

	if (v == NULL)
		cj_nomem = true;
	return (v);
}

struct json_object *
cj_object(void)
{

	return (cj_check(json_object_new_object()));
}

struct json_object *
cj_array(void)
{

	return (cj_check(json_object_new_array()));
}

void
cj_set(struct json_object *o, const char *key, struct json_object *v)
{

	if (o == NULL || json_object_object_add(o, key, v) != 0) {
		cj_nomem = true;
		json_object_put(v);
	}
}

void
cj_set_u64(struct json_object *o, const char *key, uint64_t v)
{

	cj_set(o, key, cj_check(json_object_new_uint64(v)));
}

void
cj_set_str(struct json_object *o, const char *key, const char *s)
{

	cj_set(o, key, cj_check(json_object_new_string(s)));
}

void
cj_set_bool(struct json_object *o, const char *key, bool v)
{

	cj_set(o, key, cj_check(json_object_new_boolean(v)));
}

void
cj_set_u64_or_null(struct json_object *o, const char *key, bool present,
    uint64_t v)
{

	if (present)
		cj_set_u64(o, key, v);
	else
		cj_set(o, key, NULL);
}

void
cj_push(struct json_object *a, struct json_object *v)
{

	if (a == NULL || v == NULL || json_object_array_add(a, v) != 0) {
		cj_nomem = true;
		json_object_put(v);
	}
}

/* Is s[0..len) valid UTF-8 (no overlong forms, no surrogates)? */
static bool
utf8_ok(const unsigned char *s, size_t len)
{
	size_t i, n, k;
	uint32_t c;

	for (i = 0; i < len; i += n) {
		if (s[i] < 0x80) {
			n = 1;
			continue;
		}
		if ((s[i] & 0xe0) == 0xc0) {
			n = 2;
			c = s[i] & 0x1fu;
		} else if ((s[i] & 0xf0) == 0xe0) {
			n = 3;
			c = s[i] & 0x0fu;
		} else if ((s[i] & 0xf8) == 0xf0) {
			n = 4;
			c = s[i] & 0x07u;
		} else
			return (false);
		if (i + n > len)
			return (false);
		for (k = 1; k < n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return (false);
			c = (c << 6) | (s[i + k] & 0x3fu);
		}
		if ((n == 2 && c < 0x80) || (n == 3 && c < 0x800) ||
		    (n == 4 && (c < 0x10000 || c > 0x10ffff)) ||
		    (c >= 0xd800 && c <= 0xdfff))
			return (false);
	}
	return (true);
}

struct json_object *
cj_string_utf8(const char *s, size_t len)
{

	if (len > INT32_MAX || !utf8_ok((const unsigned char *)s, len))
		return (NULL);
	return (cj_check(json_object_new_string_len(s, (int)len)));
}

int
cj_print(const char *cmd, struct json_object *v)
{
	const char *text;
	bool nomem;

	nomem = cj_nomem || v == NULL;
	cj_nomem = false;
	text = nomem ?
	    NULL :
	    json_object_to_json_string_ext(v,
		JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (text == NULL) {
		json_object_put(v);
		return (cli_fail(cmd, "out of memory"));
	}
	printf("%s\n", text);
	json_object_put(v);
	return (0);
}
