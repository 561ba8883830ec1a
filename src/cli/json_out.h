/*
 * json_out.h: the --json output of the gntbox command, built with
 * json-c (Debian's libjson-c-dev), so that strings are escaped and
 * numbers written as JSON wants, whatever they hold.
 *
 * Listings print one JSON value on one line: an array of objects (list,
 * grants, ports, xs ls) or one object (stats).  The field names are
 * part of gntbox(1) and do not change; new fields may be added.
 *
 * The builders take NULL parents and values quietly, so that a command
 * builds its whole value and learns of a failed allocation once, from
 * cj_print().
 */
#ifndef GNTBOX_CLI_JSON_OUT_H
#define GNTBOX_CLI_JSON_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

/* A new object or array (NULL without memory: cj_print says so). */
struct json_object *cj_object(void);
struct json_object *cj_array(void);

/* Add a member to an object; v NULL adds null.  Takes v. */
void cj_set(struct json_object *o, const char *key, struct json_object *v);
void cj_set_u64(struct json_object *o, const char *key, uint64_t v);
void cj_set_str(struct json_object *o, const char *key, const char *s);
void cj_set_bool(struct json_object *o, const char *key, bool v);
/* A number, or null when absent. */
void cj_set_u64_or_null(struct json_object *o, const char *key, bool present,
    uint64_t v);

/* Append to an array.  Takes v. */
void cj_push(struct json_object *a, struct json_object *v);

/* A string of len bytes, or NULL when they are not valid UTF-8. */
struct json_object *cj_string_utf8(const char *s, size_t len);

/*
 * Print v on one line on standard output and free it.  Returns 0, or
 * the failure (1) of a value that could not be built, reported for cmd.
 */
int cj_print(const char *cmd, struct json_object *v);

#endif /* GNTBOX_CLI_JSON_OUT_H */
