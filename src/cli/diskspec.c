/*
 * diskspec.c: xl's disk specification syntax (diskspec.h).
 *
 * xl reads a disk spec with a flex scanner: at each position every rule
 * is tried, the longest match wins (trailing context counts towards the
 * length but is not consumed), and among equally long matches the
 * earliest rule wins.  That is what makes "raw:/img,xvda,w" a format
 * prefix rather than a positional target, and "target=" swallow the rest
 * of the string.  This file does the same with a table of rules, in the
 * order of libxlu_disk_l.l, each with a matcher that returns the length
 * it consumes and the length it matched, and an action.  The messages
 * are xl's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/diskspec.h"

/* A matcher: 0 when the rule does not match, else the consumed length. */
typedef size_t (*ds_match_fn)(const char *s, const char *word, size_t *matched);
typedef void (*ds_action_fn)(struct diskspec *d, char *text, const char *word);

struct ds_rule {
	ds_match_fn match;
	const char *word; /* the keyword or prefix the rule is about */
	ds_action_fn action;
};

/* Record the first error, as xlu__disk_err words it. */
static void
ds_err(struct diskspec *d, const char *near, const char *message)
{

	if (d->error != 0)
		return;
	d->error = EINVAL;
	if (near != NULL)
		snprintf(d->message, sizeof(d->message),
		    "%s: near '%s' in '%s'", message, near, d->spec);
	else
		snprintf(d->message, sizeof(d->message), "%s in '%s'", message,
		    d->spec);
}

/* Chop one trailing delimiter off text. */
static void
ds_strip(char *text, char delim)
{
	size_t n;

	n = strlen(text);
	if (n > 0 && text[n - 1] == delim)
		text[n - 1] = '\0';
}

/* The value of a key=value text. */
static char *
ds_value(char *text)
{

	return (strchr(text, '=') + 1);
}

/* Set a string once: a second non-empty value is an error. */
static void
ds_save(struct diskspec *d, char **slot, const char *value,
    const char *respecified)
{
	char *copy;

	if (*slot != NULL && **slot != '\0') {
		ds_err(d, value, respecified);
		return;
	}
	if ((copy = strdup(value)) == NULL) {
		if (d->error == 0)
			snprintf(d->message, sizeof(d->message),
			    "out of memory");
		d->error = ENOMEM;
		return;
	}
	free(*slot);
	*slot = copy;
}

/* Set an enumeration once: a different second value is an error. */
static void
ds_set(struct diskspec *d, int *member, int value, const char *text,
    const char *respecified)
{

	if (*member != 0 && *member != value)
		ds_err(d, text, respecified);
	else
		*member = value;
}

static void
ds_setformat(struct diskspec *d, const char *s)
{
	static const struct {
		const char *name;
		enum ds_format f;
	} names[] = {
		{ "", DS_FORMAT_RAW },
		{ "raw", DS_FORMAT_RAW },
		{ "qcow", DS_FORMAT_QCOW },
		{ "qcow2", DS_FORMAT_QCOW2 },
		{ "vhd", DS_FORMAT_VHD },
		{ "empty", DS_FORMAT_EMPTY },
		{ "qed", DS_FORMAT_QED },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(s, names[i].name) == 0) {
			ds_set(d, (int *)&d->format, names[i].f, s,
			    "format respecified");
			return;
		}
	ds_err(d, s, "unknown value for format");
}

static void
ds_setaccess(struct diskspec *d, const char *s)
{

	if (strcmp(s, "r") == 0 || strcmp(s, "ro") == 0)
		d->readwrite = false;
	else if (strcmp(s, "rw") == 0 || strcmp(s, "w") == 0 || *s == '\0')
		d->readwrite = true;
	else
		ds_err(d, s, "unknown value for access");
}

/*
 * A positional vdev written "vdev:devtype" (deprecated).  False, doing
 * nothing, when there is no colon.
 */
static bool
ds_vdev_and_devtype(struct diskspec *d, char *s)
{
	char *colon;

	if ((colon = strrchr(s, ':')) == NULL)
		return (false);
	*colon++ = '\0';
	ds_save(d, &d->vdev, s, "vdev respecified");
	if (strcmp(colon, "cdrom") == 0)
		d->is_cdrom = true;
	else if (strcmp(colon, "disk") == 0)
		d->is_cdrom = false;
	else
		ds_err(d, colon, "unknown deprecated type");
	return (true);
}

/* ---- matchers ---- */

/* Length of the rest of the line (flex's `.*`). */
static size_t
ds_line(const char *s)
{

	return (strcspn(s, "\n"));
}

/* [ \t\n]+/([^ \t\n].*)? */
static size_t
m_space(const char *s, const char *word, size_t *matched)
{
	size_t n;

	(void)word;
	n = strspn(s, " \t\n");
	*matched = n;
	if (n > 0 && s[n] != '\0')
		*matched += ds_line(s + n); /* s[n] is not a space here */
	return (n);
}

/* word[^,]*,?  (word ends with '=') */
static size_t
m_key(const char *s, const char *word, size_t *matched)
{
	size_t n;

	if (strncmp(s, word, strlen(word)) != 0)
		return (0);
	n = strlen(word) + strcspn(s + strlen(word), ",");
	if (s[n] == ',')
		n++;
	*matched = n;
	return (n);
}

/* word,? */
static size_t
m_flag(const char *s, const char *word, size_t *matched)
{
	size_t n;

	if (strncmp(s, word, strlen(word)) != 0)
		return (0);
	n = strlen(word);
	if (s[n] == ',')
		n++;
	*matched = n;
	return (n);
}

/* word.*  (target=) */
static size_t
m_rest(const char *s, const char *word, size_t *matched)
{

	if (strncmp(s, word, strlen(word)) != 0)
		return (0);
	*matched = ds_line(s);
	return (*matched);
}

static bool
ds_lower(char c)
{

	return (c >= 'a' && c <= 'z');
}

static bool
ds_alnum(char c)
{

	return (ds_lower(c) || (c >= '0' && c <= '9'));
}

/* [a-z][-a-z0-9]*=[^,],?  (xl takes one character of value here) */
static size_t
m_unknown_param(const char *s, const char *word, size_t *matched)
{
	size_t n;

	(void)word;
	if (!ds_lower(s[0]))
		return (0);
	for (n = 1; ds_alnum(s[n]) || s[n] == '-'; n++)
		;
	if (s[n] != '=' || s[n + 1] == '\0' || s[n + 1] == ',')
		return (0);
	n += 2;
	if (s[n] == ',')
		n++;
	*matched = n;
	return (n);
}

/* NAME:/.*  for each NAME in the '|'-separated word */
static size_t
m_prefix(const char *s, const char *word, size_t *matched)
{
	const char *w, *bar;
	size_t len;

	for (w = word; *w != '\0'; w = *bar == '|' ? bar + 1 : bar) {
		bar = w + strcspn(w, "|");
		len = (size_t)(bar - w);
		if (strncmp(s, w, len) == 0 && s[len] == ':') {
			*matched = len + 1 + ds_line(s + len + 1);
			return (len + 1);
		}
	}
	return (0);
}

/* [a-z][a-z0-9]*:/([^a-z0-9].*)? */
static size_t
m_unknown_prefix(const char *s, const char *word, size_t *matched)
{
	size_t n;

	(void)word;
	if (!ds_lower(s[0]))
		return (0);
	for (n = 1; ds_alnum(s[n]); n++)
		;
	if (s[n] != ':')
		return (0);
	n++;
	*matched = n;
	if (s[n] != '\0' && !ds_alnum(s[n]))
		*matched += 1 + ds_line(s + n + 1);
	return (n);
}

/* [^=,]*,|[^=,]+,? */
static size_t
m_positional(const char *s, const char *word, size_t *matched)
{
	size_t n;

	(void)word;
	n = strcspn(s, "=,");
	if (s[n] == ',')
		n++;
	*matched = n;
	return (n);
}

/* . */
static size_t
m_any(const char *s, const char *word, size_t *matched)
{

	(void)word;
	*matched = 1;
	return (*s != '\0' ? 1 : 0);
}

/* ---- actions ---- */

static void
a_skip(struct diskspec *d, char *text, const char *word)
{

	(void)d;
	(void)text;
	(void)word;
}

static void
a_key(struct diskspec *d, char *text, const char *word)
{
	char *v, *end;
	long port;

	ds_strip(text, ',');
	v = ds_value(text);
	if (strcmp(word, "format=") == 0)
		ds_setformat(d, v);
	else if (strcmp(word, "access=") == 0)
		ds_setaccess(d, v);
	else if (strcmp(word, "backend=") == 0)
		ds_save(d, &d->backend, v, "backend respecified");
	else if (strcmp(word, "backendtype=") == 0) {
		if (strcmp(v, "phy") == 0)
			ds_set(d, (int *)&d->backendtype, DS_BACKEND_PHY, v,
			    "backend respecified");
		else if (strcmp(v, "tap") == 0)
			ds_set(d, (int *)&d->backendtype, DS_BACKEND_TAP, v,
			    "backend respecified");
		else if (strcmp(v, "qdisk") == 0)
			ds_set(d, (int *)&d->backendtype, DS_BACKEND_QDISK, v,
			    "backend respecified");
		else if (strcmp(v, "standalone") == 0)
			ds_set(d, (int *)&d->backendtype, DS_BACKEND_STANDALONE,
			    v, "backend respecified");
		else
			ds_err(d, v, "unknown value for backendtype");
	} else if (strcmp(word, "specification=") == 0) {
		if (strcmp(v, "xen") == 0)
			ds_set(d, (int *)&d->specification, DS_SPEC_XEN, v,
			    "specification respecified");
		else if (strcmp(v, "virtio") == 0)
			ds_set(d, (int *)&d->specification, DS_SPEC_VIRTIO, v,
			    "specification respecified");
		else
			ds_err(d, v, "unknown value for specification");
	} else if (strcmp(word, "vdev=") == 0)
		ds_save(d, &d->vdev, v, "vdev respecified");
	else if (strcmp(word, "script=") == 0)
		ds_save(d, &d->script, v, "script respecified");
	else if (strcmp(word, "colo-host=") == 0)
		ds_save(d, &d->colo_host, v, "colo-host respecified");
	else if (strcmp(word, "colo-export=") == 0)
		ds_save(d, &d->colo_export, v, "colo-export respecified");
	else if (strcmp(word, "active-disk=") == 0)
		ds_save(d, &d->active_disk, v, "active-disk respecified");
	else if (strcmp(word, "hidden-disk=") == 0)
		ds_save(d, &d->hidden_disk, v, "hidden-disk respecified");
	else if (strcmp(word, "colo-port=") == 0) {
		errno = 0;
		port = strtol(v, &end, 10);
		if (errno != 0 || end == v || port <= 0 || port > 65535)
			ds_err(d, v, "unknown value for colo_port");
		else
			d->colo_port = (int)port;
	} else /* devtype=anything else */
		ds_err(d, text, "unknown value for type");
}

static void
a_flag(struct diskspec *d, char *text, const char *word)
{

	(void)text;
	if (strcmp(word, "cdrom") == 0 || strcmp(word, "devtype=cdrom") == 0)
		d->is_cdrom = true;
	else if (strcmp(word, "devtype=disk") == 0)
		d->is_cdrom = false;
	else if (strcmp(word, "direct-io-safe") == 0)
		d->direct_io_safe = true;
	else if (strcmp(word, "discard") == 0)
		d->discard = DS_ON;
	else if (strcmp(word, "no-discard") == 0)
		d->discard = DS_OFF;
	else if (strcmp(word, "colo") == 0)
		d->colo = DS_ON;
	else if (strcmp(word, "no-colo") == 0)
		d->colo = DS_OFF;
	else if (strcmp(word, "trusted") == 0)
		d->trusted = DS_ON;
	else if (strcmp(word, "untrusted") == 0)
		d->trusted = DS_OFF;
}

static void
a_target(struct diskspec *d, char *text, const char *word)
{

	(void)word;
	ds_strip(text, ',');
	ds_save(d, &d->target, ds_value(text), "target respecified");
}

static void
a_unknown_param(struct diskspec *d, char *text, const char *word)
{

	(void)word;
	ds_err(d, text, "unknown parameter");
}

static void
a_prefix_format(struct diskspec *d, char *text, const char *word)
{

	(void)word;
	ds_strip(text, ':');
	d->had_depr_prefix = true;
	ds_setformat(d, text);
}

static void
a_prefix_script(struct diskspec *d, char *text, const char *word)
{
	char script[64];

	(void)word;
	ds_strip(text, ':');
	d->had_depr_prefix = true;
	snprintf(script, sizeof(script), "block-%s", text);
	ds_save(d, &d->script, script, "script respecified");
}

static void
a_prefix_ignored(struct diskspec *d, char *text, const char *word)
{

	(void)text;
	(void)word;
	d->had_depr_prefix = true;
}

static void
a_unknown_prefix(struct diskspec *d, char *text, const char *word)
{

	(void)word;
	ds_err(d, text, "unknown deprecated disk prefix");
	d->stop = true;
}

/* target, format, vdev, access: the first of them not yet given. */
static void
a_positional(struct diskspec *d, char *text, const char *word)
{

	(void)word;
	ds_strip(text, ',');
	if (d->error != 0)
		return; /* one error tends to cause the next */
	if (d->target == NULL)
		ds_save(d, &d->target, text, "target respecified");
	else if (!d->had_depr_prefix && d->format == DS_FORMAT_UNKNOWN) {
		if (*d->target == '\0' && ds_vdev_and_devtype(d, text))
			d->format = DS_FORMAT_EMPTY;
		else
			ds_setformat(d, text);
	} else if (d->vdev == NULL) {
		if (!ds_vdev_and_devtype(d, text))
			ds_save(d, &d->vdev, text, "vdev respecified");
	} else if (!d->access_set) {
		d->access_set = true;
		ds_setaccess(d, text);
	} else {
		ds_err(d, text, "too many positional parameters");
		d->stop = true;
	}
}

static void
a_any(struct diskspec *d, char *text, const char *word)
{

	(void)word;
	ds_err(d, text, "bad disk syntax");
	d->stop = true;
}

/* libxlu_disk_l.l's rules, in its order (the order breaks ties). */
static const struct ds_rule ds_rules[] = {
	{ m_space, NULL, a_skip },
	{ m_key, "format=", a_key },
	{ m_flag, "cdrom", a_flag },
	{ m_flag, "devtype=cdrom", a_flag },
	{ m_flag, "devtype=disk", a_flag },
	{ m_key, "devtype=", a_key },
	{ m_key, "access=", a_key },
	{ m_key, "backend=", a_key },
	{ m_key, "backendtype=", a_key },
	{ m_key, "specification=", a_key },
	{ m_key, "vdev=", a_key },
	{ m_key, "script=", a_key },
	{ m_flag, "direct-io-safe", a_flag },
	{ m_flag, "discard", a_flag },
	{ m_flag, "no-discard", a_flag },
	{ m_flag, "colo", a_flag },
	{ m_flag, "no-colo", a_flag },
	{ m_key, "colo-host=", a_key },
	{ m_key, "colo-port=", a_key },
	{ m_key, "colo-export=", a_key },
	{ m_key, "active-disk=", a_key },
	{ m_key, "hidden-disk=", a_key },
	{ m_flag, "trusted", a_flag },
	{ m_flag, "untrusted", a_flag },
	{ m_rest, "target=", a_target },
	{ m_unknown_param, NULL, a_unknown_param },
	{ m_prefix, "raw|qcow|qcow2|vhd", a_prefix_format },
	{ m_prefix, "iscsi|nbd|enbd|drbd", a_prefix_script },
	{ m_prefix, "tapdisk", a_prefix_ignored },
	{ m_prefix, "tap|tap2", a_prefix_ignored },
	{ m_prefix, "aio", a_prefix_ignored },
	{ m_prefix, "ioemu", a_prefix_ignored },
	{ m_prefix, "file", a_prefix_ignored },
	{ m_prefix, "phy", a_prefix_ignored },
	{ m_unknown_prefix, NULL, a_unknown_prefix },
	{ m_positional, NULL, a_positional },
	{ m_any, NULL, a_any },
};

/* Scan one string, rule by rule, longest match first. */
static int
ds_scan(struct diskspec *d, const char *spec)
{
	const struct ds_rule *best;
	size_t i, pos, take, len, matched, best_len, best_take;
	char *text;

	d->spec = spec;
	d->stop = false;
	for (pos = 0; spec[pos] != '\0' && !d->stop;) {
		best = NULL;
		best_len = best_take = 0;
		for (i = 0; i < sizeof(ds_rules) / sizeof(ds_rules[0]); i++) {
			matched = 0;
			take = ds_rules[i].match(spec + pos, ds_rules[i].word,
			    &matched);
			len = take > matched ? take : matched;
			if (take > 0 && len > best_len) {
				best = &ds_rules[i];
				best_len = len;
				best_take = take;
			}
		}
		/* m_any matches any character, so best is never NULL. */
		if (best == NULL)
			break;
		if (best->action == a_any)
			best_take =
			    ds_line(spec + pos) > 0 ? ds_line(spec + pos) : 1;
		if ((text = strndup(spec + pos, best_take)) == NULL) {
			if (d->error == 0)
				snprintf(d->message, sizeof(d->message),
				    "out of memory");
			d->error = ENOMEM;
			break;
		}
		best->action(d, text, best->word);
		free(text);
		pos += best_take;
	}
	return (d->error);
}

int
diskspec_parse(int n, char *const *specs, struct diskspec *d)
{
	int i;

	memset(d, 0, sizeof(*d));
	d->readwrite = true;
	d->discard = DS_DEFAULT;
	d->colo = DS_DEFAULT;
	d->trusted = DS_DEFAULT;
	d->spec = "";
	for (i = 0; i < n; i++)
		if (ds_scan(d, specs[i]) != 0)
			return (d->error);
	if (d->format == DS_FORMAT_UNKNOWN)
		d->format = DS_FORMAT_RAW;
	if (d->is_cdrom) {
		d->removable = true;
		d->readwrite = false;
		if (d->target == NULL || *d->target == '\0')
			d->format = DS_FORMAT_EMPTY;
	}
	if (d->vdev == NULL)
		ds_err(d, NULL, "no vdev specified");
	else if (d->target == NULL && !d->removable)
		ds_err(d, NULL,
		    "no target specified (and device not removable)");
	return (d->error);
}

void
diskspec_free(struct diskspec *d)
{

	free(d->target);
	free(d->vdev);
	free(d->backend);
	free(d->script);
	free(d->colo_host);
	free(d->colo_export);
	free(d->active_disk);
	free(d->hidden_disk);
	memset(d, 0, sizeof(*d));
}

const char *
diskspec_format_name(enum ds_format f)
{

	switch (f) {
	case DS_FORMAT_QCOW:
		return ("qcow");
	case DS_FORMAT_QCOW2:
		return ("qcow2");
	case DS_FORMAT_VHD:
		return ("vhd");
	case DS_FORMAT_QED:
		return ("qed");
	case DS_FORMAT_RAW:
	case DS_FORMAT_EMPTY:
		return ("aio");
	default:
		return (NULL);
	}
}
