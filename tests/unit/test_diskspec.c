/*
 * Unit test of xl's disk specification syntax (cli/diskspec.h): the
 * equivalent forms xl-disk-configuration(5) lists, the deprecated
 * prefixes, target= taking the rest, several strings into one disk, and
 * each error with xl's words, naming the field and where.
 */
#include <stdbool.h>
#include <stdint.h>

#include "check.h"
#include "cli/diskspec.h"

/* Parse one string; the error, 0 or EINVAL. */
static int
parse1(const char *spec, struct diskspec *d)
{
	char *v[1];

	v[0] = (char *)(uintptr_t)spec;
	return (diskspec_parse(1, v, d));
}

static bool
streq(const char *a, const char *b)
{

	return (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* The manual's first group: one disk, four spellings. */
static void
test_equivalent_forms(void)
{
	static const char *forms[] = {
		"/dev/vg/guest-volume,,hda",
		"/dev/vg/guest-volume,raw,hda,rw",
		"format=raw, vdev=hda, access=rw, target=/dev/vg/guest-volume",
		"raw:/dev/vg/guest-volume,hda,w",
	};
	struct diskspec d;
	size_t i;

	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		CHECK_EQ(parse1(forms[i], &d), 0);
		CHECK(streq(d.target, "/dev/vg/guest-volume"));
		CHECK(streq(d.vdev, "hda"));
		CHECK_EQ(d.format, DS_FORMAT_RAW);
		CHECK(d.readwrite);
		CHECK(!d.is_cdrom);
		diskspec_free(&d);
	}
}

/* The second group: a read-only cdrom, five spellings. */
static void
test_cdrom_forms(void)
{
	static const char *forms[] = {
		"/root/image.iso,,hdc,cdrom",
		"/root/image.iso,,hdc,,cdrom",
		"/root/image.iso,raw,hdc,devtype=cdrom",
		"format=raw, vdev=hdc, access=ro, devtype=cdrom, "
		"target=/root/image.iso",
		"raw:/root/image.iso,hdc:cdrom,ro",
	};
	struct diskspec d;
	size_t i;

	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		CHECK_EQ(parse1(forms[i], &d), 0);
		CHECK(streq(d.target, "/root/image.iso"));
		CHECK(streq(d.vdev, "hdc"));
		CHECK(d.is_cdrom);
		CHECK(d.removable);
		CHECK(!d.readwrite);
		CHECK_EQ(d.format, DS_FORMAT_RAW);
		diskspec_free(&d);
	}
	/* xend's empty cdrom: ",hdc:cdrom,r". */
	CHECK_EQ(parse1(",hdc:cdrom,r", &d), 0);
	CHECK(streq(d.target, ""));
	CHECK(streq(d.vdev, "hdc"));
	CHECK_EQ(d.format, DS_FORMAT_EMPTY);
	diskspec_free(&d);
}

static void
test_keys(void)
{
	struct diskspec d;
	char *two[2];

	CHECK_EQ(parse1("vdev=xvda,backendtype=qdisk,backend=2,format=qcow2,"
			"access=ro,no-discard,untrusted,direct-io-safe,"
			"target=/a,b=c d",
		     &d),
	    0);
	CHECK(streq(d.vdev, "xvda"));
	CHECK_EQ(d.backendtype, DS_BACKEND_QDISK);
	CHECK(streq(d.backend, "2"));
	CHECK_EQ(d.format, DS_FORMAT_QCOW2);
	CHECK(!d.readwrite);
	CHECK_EQ(d.discard, DS_OFF);
	CHECK_EQ(d.trusted, DS_OFF);
	CHECK(d.direct_io_safe);
	/* target= takes the rest of the string, commas and all. */
	CHECK(streq(d.target, "/a,b=c d"));
	CHECK(streq(diskspec_format_name(d.format), "qcow2"));
	diskspec_free(&d);

	/* The defaults: raw ("aio" in params), read-write. */
	CHECK_EQ(parse1("/img,,xvdb", &d), 0);
	CHECK_EQ(d.format, DS_FORMAT_RAW);
	CHECK(streq(diskspec_format_name(d.format), "aio"));
	CHECK(d.readwrite);
	CHECK_EQ(d.discard, DS_DEFAULT);
	CHECK(d.backend == NULL);
	diskspec_free(&d);

	/* Several arguments make one disk, as xl block-attach's do. */
	two[0] = "vdev=xvdc";
	two[1] = "target=/x";
	CHECK_EQ(diskspec_parse(2, two, &d), 0);
	CHECK(streq(d.vdev, "xvdc"));
	CHECK(streq(d.target, "/x"));
	diskspec_free(&d);

	/* Deprecated prefixes: phy: and file: are dropped, nbd: a script. */
	CHECK_EQ(parse1("phy:/dev/sdb,xvdd,w", &d), 0);
	CHECK(streq(d.target, "/dev/sdb"));
	diskspec_free(&d);
	CHECK_EQ(parse1("nbd:host:1234,xvde,w", &d), 0);
	CHECK(streq(d.script, "block-nbd"));
	CHECK(streq(d.target, "host:1234"));
	diskspec_free(&d);
}

/* parse1 fails, and its message is msg. */
static void
check_error(const char *spec, const char *msg)
{
	struct diskspec d;

	CHECK_EQ(parse1(spec, &d), EINVAL);
	if (strcmp(d.message, msg) != 0)
		check_fail(__FILE__, __LINE__, "'%s': '%s', want '%s'", spec,
		    d.message, msg);
	diskspec_free(&d);
}

static void
test_errors(void)
{

	check_error("/img,raw,xvda,rx",
	    "unknown value for access: near 'rx' in '/img,raw,xvda,rx'");
	check_error("vdev=xvda,access=rx,target=/i",
	    "unknown value for access: near 'rx' in "
	    "'vdev=xvda,access=rx,target=/i'");
	check_error("vdev=xvda,format=vmdk,target=/i",
	    "unknown value for format: near 'vmdk' in "
	    "'vdev=xvda,format=vmdk,target=/i'");
	check_error("vdev=xvda,backendtype=blk,target=/i",
	    "unknown value for backendtype: near 'blk' in "
	    "'vdev=xvda,backendtype=blk,target=/i'");
	check_error("vdev=xvda,devtype=floppy,target=/i",
	    "unknown value for type: near 'devtype=floppy' in "
	    "'vdev=xvda,devtype=floppy,target=/i'");
	check_error("vdev=xvda,colour=red,target=/i",
	    "unknown parameter: near 'colour=r' in "
	    "'vdev=xvda,colour=red,target=/i'");
	check_error("target=/i", "no vdev specified in 'target=/i'");
	check_error("vdev=xvda",
	    "no target specified (and device not removable) in 'vdev=xvda'");
	check_error("/i,raw,xvda,rw,extra",
	    "too many positional parameters: near 'extra' in "
	    "'/i,raw,xvda,rw,extra'");
	check_error("vdev=xvda,vdev=xvdb,target=/i",
	    "vdev respecified: near 'xvdb' in 'vdev=xvda,vdev=xvdb,target=/i'");
	check_error("/i,raw,xvda,format=qcow2",
	    "format respecified: near 'qcow2' in '/i,raw,xvda,format=qcow2'");
	check_error("zzz:/i,xvda",
	    "unknown deprecated disk prefix: near 'zzz:' in 'zzz:/i,xvda'");
	check_error("/i,,xvda:floppy",
	    "unknown deprecated type: near 'floppy' in '/i,,xvda:floppy'");
	check_error("/i,=x", "bad disk syntax: near '=x' in '/i,=x'");
}

int
main(void)
{

	test_equivalent_forms();
	test_cdrom_forms();
	test_keys();
	test_errors();
	return (check_exit());
}
