/*
 * progcheck.c: what `gntbox run` can tell beforehand of a program that
 * the preload library will not reach.
 *
 * The preload library gives a program /dev/xen/gntdev, gntalloc and
 * evtchn by standing in for the C library's open(), ioctl(), mmap() and
 * the rest, through LD_PRELOAD.  A program the dynamic loader does not
 * load (statically linked), or one that does not call the C library for
 * its system calls (dynamic, but linked without libc), opens the real
 * /dev/xen/... and gets ENOENT on a machine without Xen, with no hint of
 * why.  Both show in the ELF file: no PT_INTERP program header, or no
 * libc.so in the DT_NEEDED entries of its dynamic section.  What cannot
 * be seen (a dynamic program that makes raw syscall()s) is not guessed.
 *
 * Only native ELF files are read (the class and byte order of this
 * program); scripts and anything unreadable pass without a word.
 */
#include <sys/stat.h>

#include <elf.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

#define MAX_PHDRS 256  /* more is no program we can judge */
#define MAX_DYN	  4096 /* dynamic entries read at most */
#define MAX_NAME  256  /* a DT_NEEDED name read at most */

/* The ELF class of this program: the only one it judges. */
#if __SIZEOF_POINTER__ == 8
#define NATIVE_CLASS ELFCLASS64
typedef Elf64_Ehdr elf_ehdr;
typedef Elf64_Phdr elf_phdr;
typedef Elf64_Dyn elf_dyn;
typedef Elf64_Addr elf_addr;
#else
#define NATIVE_CLASS ELFCLASS32
typedef Elf32_Ehdr elf_ehdr;
typedef Elf32_Phdr elf_phdr;
typedef Elf32_Dyn elf_dyn;
typedef Elf32_Addr elf_addr;
#endif

/* Read exactly len bytes at off; false on a short read or an error. */
static bool
read_at(int fd, void *buf, size_t len, off_t off)
{

	return (pread(fd, buf, len, off) == (ssize_t)len);
}

/* The file offset of virtual address va, from the PT_LOAD headers. */
static bool
va_to_off(const elf_phdr *ph, unsigned n, elf_addr va, off_t *off)
{
	unsigned i;

	for (i = 0; i < n; i++)
		if (ph[i].p_type == PT_LOAD && va >= ph[i].p_vaddr &&
		    va - ph[i].p_vaddr < ph[i].p_filesz) {
			*off = (off_t)(ph[i].p_offset + (va - ph[i].p_vaddr));
			return (true);
		}
	return (false);
}

/*
 * Does the dynamic section dyn (a PT_DYNAMIC header) name a libc.so in
 * DT_NEEDED?  True when it cannot tell, so that only a sure answer warns.
 */
static bool
needs_libc(int fd, const elf_phdr *ph, unsigned n, const elf_phdr *dyn)
{
	char name[MAX_NAME];
	elf_dyn d;
	off_t strtab;
	size_t i, count;
	bool have_strtab, found;
	ssize_t r;

	count = dyn->p_filesz / sizeof(d);
	if (count > MAX_DYN)
		count = MAX_DYN;
	have_strtab = false;
	strtab = 0;
	for (i = 0; i < count; i++) {
		if (!read_at(fd, &d, sizeof(d),
			(off_t)(dyn->p_offset + i * sizeof(d))))
			return (true);
		if (d.d_tag == DT_NULL)
			break;
		if (d.d_tag == DT_STRTAB &&
		    !(have_strtab = va_to_off(ph, n, d.d_un.d_ptr, &strtab)))
			return (true);
	}
	if (!have_strtab)
		return (false); /* no string table: no DT_NEEDED either */
	found = false;
	for (i = 0; i < count && !found; i++) {
		if (!read_at(fd, &d, sizeof(d),
			(off_t)(dyn->p_offset + i * sizeof(d))))
			return (true);
		if (d.d_tag == DT_NULL)
			break;
		if (d.d_tag != DT_NEEDED)
			continue;
		r = pread(fd, name, sizeof(name) - 1,
		    strtab + (off_t)d.d_un.d_val);
		if (r <= 0)
			return (true);
		name[r] = '\0';
		found = strncmp(name, "libc.so", 7) == 0;
	}
	return (found);
}

/*
 * Why the preload library cannot reach the ELF program open on fd, or
 * NULL when it can (or when the file is no native ELF program).
 */
static const char *
elf_problem(int fd)
{
	elf_phdr ph[MAX_PHDRS];
	const elf_phdr *dyn;
	elf_ehdr eh;
	unsigned i, n;
	bool interp;

	if (!read_at(fd, &eh, sizeof(eh), 0) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 ||
	    eh.e_ident[EI_CLASS] != NATIVE_CLASS ||
	    (eh.e_type != ET_EXEC && eh.e_type != ET_DYN) ||
	    eh.e_phentsize != sizeof(elf_phdr) || eh.e_phnum == 0 ||
	    eh.e_phnum > MAX_PHDRS)
		return (NULL);
	n = eh.e_phnum;
	if (!read_at(fd, ph, n * sizeof(ph[0]), (off_t)eh.e_phoff))
		return (NULL);
	interp = false;
	dyn = NULL;
	for (i = 0; i < n; i++) {
		if (ph[i].p_type == PT_INTERP)
			interp = true;
		if (ph[i].p_type == PT_DYNAMIC)
			dyn = &ph[i];
	}
	if (!interp)
		/* A shared library without an interpreter is no program. */
		return (dyn != NULL && eh.e_type == ET_DYN && eh.e_entry == 0 ?
			NULL :
			"is statically linked: the dynamic loader, and with "
			"it the preload library, never comes in");
	if (dyn != NULL && !needs_libc(fd, ph, n, dyn))
		return ("does not use the C library: its system calls go "
			"straight to the kernel, past the preload library");
	return (NULL);
}

/* The file execvp() would run for prog, into buf; false when none. */
static bool
find_program(const char *prog, char *buf, size_t len)
{
	const char *path, *p, *end;
	size_t dlen;

	if (strchr(prog, '/') != NULL)
		return ((size_t)snprintf(buf, len, "%s", prog) < len);
	if ((path = getenv("PATH")) == NULL)
		path = "/bin:/usr/bin";
	for (p = path;; p = end + 1) {
		end = strchr(p, ':');
		dlen = end != NULL ? (size_t)(end - p) : strlen(p);
		if ((size_t)snprintf(buf, len, "%.*s%s%s", (int)dlen, p,
			dlen > 0 ? "/" : "", prog) < len &&
		    access(buf, X_OK) == 0)
			return (true);
		if (end == NULL)
			return (false);
	}
}

void
cli_check_program(const char *cmd, const char *prog)
{
	char path[PATH_MAX];
	const char *why;
	struct stat st;
	int fd;

	if (!find_program(prog, path, sizeof(path)) ||
	    (fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return;
	why =
	    fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? elf_problem(fd) : NULL;
	(void)close(fd);
	if (why != NULL)
		fprintf(stderr,
		    "gntbox: %s: warning: %s %s, so /dev/xen/gntdev, gntalloc "
		    "and evtchn will not exist for it\n",
		    cmd, prog, why);
}
