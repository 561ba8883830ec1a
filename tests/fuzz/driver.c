/*
 * driver.c: the main() of a fuzz target in the normal and sanitizer
 * builds, which are built with gcc and have no libFuzzer (make fuzz builds
 * the targets with clang's libFuzzer instead: tests/fuzz/run.sh).
 *
 *	fuzz_NAME [-s SECONDS] [-o CRASHDIR] CORPUS_DIR_OR_FILE...
 *
 * It replays every input of the corpus (the regression part: each input
 * once went through the target without a finding, or reproduces a bug
 * that was fixed), then feeds the target mutations of them for SECONDS
 * (default $FUZZ_SMOKE_SECONDS, else 3), with a fixed seed ($FUZZ_SEED,
 * else 1) so that a run can be repeated.  The mutations are libFuzzer's
 * simplest: bit flips, byte changes, interesting values, insertions,
 * deletions, duplications and splices of two inputs.  It has no coverage
 * feedback: make check uses it as a smoke test on both builds, and make
 * fuzz does the searching.
 *
 * Before each input runs it is written to CRASHDIR/current-NAME (default
 * $TMPDIR or /tmp), so that an input that kills the process can be
 * replayed: the path is printed when a fatal signal arrives.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

#define MAX_INPUTS 4096
#define MAX_SIZE   8192

struct input {
	uint8_t *data;
	size_t size;
};

static struct input corpus[MAX_INPUTS];
static unsigned ncorpus;
static char current[4096];
static int current_fd = -1;

static void
add_file(const char *path)
{
	struct input *in;
	struct stat sb;
	FILE *f;

	if (ncorpus == MAX_INPUTS || stat(path, &sb) != 0 ||
	    !S_ISREG(sb.st_mode))
		return;
	if ((f = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "driver: %s: %s\n", path, strerror(errno));
		exit(2);
	}
	in = &corpus[ncorpus];
	in->size =
	    (size_t)sb.st_size < MAX_SIZE ? (size_t)sb.st_size : MAX_SIZE;
	if ((in->data = malloc(in->size + 1)) == NULL ||
	    fread(in->data, 1, in->size, f) != in->size) {
		fprintf(stderr, "driver: %s: cannot read\n", path);
		exit(2);
	}
	(void)fclose(f);
	ncorpus++;
}

/* A directory's files in name order, so that replays are repeatable. */
static void
add_path(const char *path)
{
	struct dirent **names;
	char buf[4096];
	int i, n;

	if ((n = scandir(path, &names, NULL, alphasort)) < 0) {
		add_file(path);
		return;
	}
	for (i = 0; i < n; i++) {
		if (names[i]->d_name[0] != '.') {
			(void)snprintf(buf, sizeof(buf), "%s/%s", path,
			    names[i]->d_name);
			add_file(buf);
		}
		free(names[i]);
	}
	free(names);
}

static void
on_fatal(int sig)
{
	static const char msg[] = "driver: the input that was running is in ";

	if (current_fd != -1 && write(2, msg, sizeof(msg) - 1) > 0 &&
	    write(2, current, strlen(current)) > 0 && write(2, "\n", 1) > 0)
		current_fd = -1;
	(void)signal(sig, SIG_DFL);
	(void)raise(sig);
}

/* Keep the input about to run where a crash can be found. */
static void
save_current(const uint8_t *data, size_t size)
{

	if (current_fd == -1)
		return;
	if (lseek(current_fd, 0, SEEK_SET) == -1 ||
	    ftruncate(current_fd, 0) == -1 ||
	    (size != 0 && write(current_fd, data, size) != (ssize_t)size))
		return;
}

static void
run(const uint8_t *data, size_t size)
{

	save_current(data, size);
	(void)LLVMFuzzerTestOneInput(data, size);
}

static uint32_t
rnd(void)
{
	static uint64_t state;

	if (state == 0)
		state = getenv("FUZZ_SEED") != NULL ?
		    strtoull(getenv("FUZZ_SEED"), NULL, 0) | 1 :
		    1;
	/* xorshift64* */
	state ^= state >> 12;
	state ^= state << 25;
	state ^= state >> 27;
	return ((uint32_t)((state * 2685821657736338717ull) >> 32));
}

/* Mutate buf (size bytes of room MAX_SIZE) in place; the new size. */
static size_t
mutate(uint8_t *buf, size_t size)
{
	static const uint32_t interesting[] = { 0, 1, 2, 7, 8, 0x7f, 0x80, 0xff,
		0x100, 0x1000, 0x7fff, 0x8000, 0xffff, 0x10000, 0x10001,
		0x7fffffff, 0x80000000, 0xffffffff };
	const struct input *o;
	size_t at, n, k;
	unsigned ops, i;
	uint32_t v;

	ops = 1 + rnd() % 6;
	for (i = 0; i < ops; i++) {
		at = size != 0 ? rnd() % size : 0;
		switch (rnd() % 8) {
		case 0: /* flip a bit */
			if (size != 0)
				buf[at] ^= (uint8_t)(1u << (rnd() % 8));
			break;
		case 1: /* a random byte */
			if (size != 0)
				buf[at] = (uint8_t)rnd();
			break;
		case 2: /* an interesting 32-bit value */
			v = interesting[rnd() %
			    (sizeof(interesting) / sizeof(interesting[0]))];
			if (size >= 4) {
				at = rnd() % (size - 3);
				memcpy(buf + at, &v, 4);
			}
			break;
		case 3: /* insert random bytes */
			n = 1 + rnd() % 16;
			if (size + n > MAX_SIZE)
				break;
			memmove(buf + at + n, buf + at, size - at);
			for (k = 0; k < n; k++)
				buf[at + k] = (uint8_t)rnd();
			size += n;
			break;
		case 4: /* delete a range */
			if (size == 0)
				break;
			n = 1 + rnd() % (size - at);
			memmove(buf + at, buf + at + n, size - at - n);
			size -= n;
			break;
		case 5: /* duplicate a range */
			if (size == 0)
				break;
			n = 1 + rnd() % (size - at < 64 ? size - at : 64);
			if (size + n > MAX_SIZE)
				break;
			memmove(buf + at + n, buf + at, size - at);
			size += n;
			break;
		case 6: /* splice in a piece of another input */
			if (ncorpus == 0)
				break;
			o = &corpus[rnd() % ncorpus];
			if (o->size == 0)
				break;
			k = rnd() % o->size;
			n = 1 + rnd() % (o->size - k);
			if (at + n > MAX_SIZE)
				n = MAX_SIZE - at;
			memcpy(buf + at, o->data + k, n);
			if (at + n > size)
				size = at + n;
			break;
		default: /* a small change of a byte */
			if (size != 0)
				buf[at] =
				    (uint8_t)(buf[at] + 1 + rnd() % 16 - 8);
			break;
		}
	}
	return (size);
}

int
main(int argc, char **argv)
{
	static uint8_t buf[MAX_SIZE];
	const char *name, *dir;
	unsigned long seconds, runs;
	const struct input *in;
	time_t end;
	unsigned i;
	size_t size;
	int c;

	seconds = getenv("FUZZ_SMOKE_SECONDS") != NULL ?
	    strtoul(getenv("FUZZ_SMOKE_SECONDS"), NULL, 10) :
	    3;
	dir = getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp";
	while ((c = getopt(argc, argv, "s:o:")) != -1) {
		if (c == 's')
			seconds = strtoul(optarg, NULL, 10);
		else if (c == 'o')
			dir = optarg;
		else {
			fprintf(stderr,
			    "usage: %s [-s SECONDS] [-o DIR] "
			    "CORPUS...\n",
			    argv[0]);
			return (2);
		}
	}
	if (LLVMFuzzerInitialize != NULL)
		(void)LLVMFuzzerInitialize(&argc, &argv);
	name =
	    strrchr(argv[0], '/') != NULL ? strrchr(argv[0], '/') + 1 : argv[0];
	(void)snprintf(current, sizeof(current), "%s/current-%s", dir, name);
	current_fd = open(current, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	(void)signal(SIGABRT, on_fatal);
	(void)signal(SIGSEGV, on_fatal);
	(void)signal(SIGBUS, on_fatal);
	for (i = (unsigned)optind; i < (unsigned)argc; i++)
		add_path(argv[i]);
	for (i = 0; i < ncorpus; i++)
		run(corpus[i].data, corpus[i].size);
	printf("%s: %u corpus inputs replayed\n", name, ncorpus);
	runs = 0;
	end = time(NULL) + (time_t)seconds;
	while (seconds != 0 && time(NULL) < end) {
		for (i = 0; i < 64; i++) {
			size = 0;
			if (ncorpus != 0) {
				in = &corpus[rnd() % ncorpus];
				size = in->size;
				memcpy(buf, in->data, size);
			}
			size = mutate(buf, size);
			run(buf, size);
			runs++;
		}
	}
	printf("%s: %lu mutated inputs in %lu s, no finding\n", name, runs,
	    seconds);
	if (current_fd != -1) {
		(void)close(current_fd);
		(void)unlink(current);
	}
	for (i = 0; i < ncorpus; i++)
		free(corpus[i].data);
	return (0);
}
