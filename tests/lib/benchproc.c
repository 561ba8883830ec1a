/*
 * benchproc.c: see benchproc.h.
 */
#include <sys/wait.h>

#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "benchproc.h"
#include "daemon.h"
#include "gntbox.h"

#define BP_MAX_ARGS 16

pid_t
bp_daemon(unsigned ndoms)
{
	unsigned d;
	pid_t pid;

	if ((pid = td_start(NULL)) == -1)
		exit(1);
	for (d = 1; d <= ndoms; d++)
		if (gntbox_domain_create(d, NULL, 1) != 0) {
			perror("creating a domain");
			(void)td_stop(pid);
			exit(1);
		}
	return (pid);
}

pid_t
bp_role(unsigned dom, const char *role, ...)
{
	char self[PATH_MAX], gntbox[PATH_MAX], d[16];
	const char *argv[BP_MAX_ARGS + 9], *build, *a;
	ssize_t len;
	va_list ap;
	pid_t pid;
	int n;

	if ((len = readlink("/proc/self/exe", self, sizeof(self) - 1)) <= 0) {
		perror("/proc/self/exe");
		exit(1);
	}
	self[len] = '\0';
	if ((build = getenv("GNTBOX_BUILD")) == NULL || *build == '\0')
		build = "build";
	(void)snprintf(gntbox, sizeof(gntbox), "%s/bin/gntbox", build);
	(void)snprintf(d, sizeof(d), "%u", dom);
	n = 0;
	argv[n++] = gntbox;
	argv[n++] = "run";
	argv[n++] = "--dom";
	argv[n++] = d;
	argv[n++] = "--";
	argv[n++] = self;
	argv[n++] = "--role";
	argv[n++] = role;
	va_start(ap, role);
	while ((a = va_arg(ap, const char *)) != NULL && n < BP_MAX_ARGS + 8)
		argv[n++] = a;
	va_end(ap);
	argv[n] = NULL;
	fflush(NULL);
	if ((pid = fork()) == -1) {
		perror("fork");
		exit(1);
	}
	if (pid == 0) {
		execv(gntbox, (char *const *)(uintptr_t)argv);
		perror(gntbox);
		_exit(127);
	}
	return (pid);
}

bool
bp_wait(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) == -1)
		if (errno != EINTR)
			return (false);
	return (WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

uint64_t
bp_cpu_ns(pid_t pid)
{
	unsigned long long ns;
	char path[64];
	FILE *f;
	int ok;

	if (pid == 0)
		(void)snprintf(path, sizeof(path), "/proc/self/schedstat");
	else
		(void)snprintf(path, sizeof(path), "/proc/%d/schedstat",
		    (int)pid);
	if ((f = fopen(path, "r")) == NULL) {
		perror(path);
		exit(1);
	}
	ok = fscanf(f, "%llu", &ns) == 1;
	(void)fclose(f);
	if (!ok) {
		fprintf(stderr, "%s: no CPU time\n", path);
		exit(1);
	}
	return ((uint64_t)ns);
}

void
bp_pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) != 0) {
		perror("sched_setaffinity");
		exit(1);
	}
}
