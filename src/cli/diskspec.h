/*
 * diskspec.h: xl's disk specification syntax (xl-disk-configuration(5)),
 * as `gntbox block-attach` reads it.
 *
 * The grammar is xl's own (Xen 4.17, tools/libs/util/libxlu_disk_l.l):
 * comma-separated key=value pairs, flags and positional parameters
 * (target, format, vdev, access, in that order), target= taking the rest
 * of the string, and the deprecated forms ("raw:/path,xvda,w",
 * "phy:", "hdc:cdrom"...).  Several arguments are parsed in turn into
 * one disk, as `xl block-attach` does.  The parser only reads the
 * syntax; whether gntbox can serve the disk is cmd_block.c's question.
 */
#ifndef GNTBOX_CLI_DISKSPEC_H
#define GNTBOX_CLI_DISKSPEC_H

#include <stdbool.h>

enum ds_format {
	DS_FORMAT_UNKNOWN,
	DS_FORMAT_RAW,
	DS_FORMAT_QCOW,
	DS_FORMAT_QCOW2,
	DS_FORMAT_VHD,
	DS_FORMAT_EMPTY,
	DS_FORMAT_QED,
};

enum ds_backend {
	DS_BACKEND_UNKNOWN,
	DS_BACKEND_PHY,
	DS_BACKEND_TAP,
	DS_BACKEND_QDISK,
	DS_BACKEND_STANDALONE,
};

enum ds_specification {
	DS_SPEC_UNKNOWN,
	DS_SPEC_XEN,
	DS_SPEC_VIRTIO,
};

/* A tri-state flag: not given, or given off or on. */
enum ds_bool {
	DS_DEFAULT = -1,
	DS_OFF = 0,
	DS_ON = 1,
};

struct diskspec {
	char *target;  /* NULL when not given; "" when given empty */
	char *vdev;    /* NULL when not given */
	char *backend; /* backend domain (name or id); NULL: domain 0 */
	char *script;
	char *colo_host, *colo_export, *active_disk, *hidden_disk;
	int colo_port;
	enum ds_format format;
	enum ds_backend backendtype;
	enum ds_specification specification;
	bool readwrite;
	bool is_cdrom;
	bool removable;
	bool direct_io_safe;
	enum ds_bool discard;
	enum ds_bool colo;
	enum ds_bool trusted;
	/* Parser state. */
	bool access_set;      /* the access positional was used */
	bool had_depr_prefix; /* a deprecated prefix such as "raw:" */
	bool stop;	      /* the current string is abandoned */
	int error;	      /* EINVAL or ENOMEM after the first error */
	const char *spec;     /* the string being parsed, for messages */
	char message[512];    /* the first error, one line */
};

/*
 * Parse n strings into *d, which it initialises.  Returns 0, or EINVAL
 * (d->message says what and where, as xl would: "unknown value for
 * access: near 'access=rx' in 'vdev=xvda,access=rx'") or ENOMEM.  Defaults
 * applied as xl applies them: format raw, read-write, and a cdrom is
 * read-only and removable.  diskspec_free releases *d in every case.
 */
int diskspec_parse(int n, char *const *specs, struct diskspec *d);
void diskspec_free(struct diskspec *d);

/* The names libxl writes: "aio" (raw), "qcow2"...; "qdisk"... */
const char *diskspec_format_name(enum ds_format f);

#endif /* GNTBOX_CLI_DISKSPEC_H */
