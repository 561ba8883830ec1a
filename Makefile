# gntbox: the Xen grant-table device, event channels and xenstore in user
# space.  See README.md.
#
#   make            build everything into build/ (docs/design.md), the
#                   examples too; it names the Debian packages it lacks
#   make check      install what is missing, then run every test, first on
#                   the normal build, then on an ASan+UBSan build (build-san/)
#   make demo       two domains sharing pages and talking over vchan
#   make bench      benchmarks (bench/), with ministat reports
#   make fuzz       each fuzz target (tests/fuzz/) for FUZZ_SECONDS (60)
#                   with clang's libFuzzer, in build-fuzz/
#   make lint       the include layers of src/ (scripts/layers.sh), then
#                   clang-format, cppcheck and clang-tidy over the tree
#   make format     apply .clang-format to every C file
#   make install    install (PREFIX, DESTDIR, BINDIR, SBINDIR, LIBDIR,
#                   INCLUDEDIR, MANDIR: see "Installing" below)
#   make uninstall  remove what make install installed
#   make deb        build the Debian packages (debian/) into build/deb/
#   make deb-check  the same, then lint, install, try and remove them
#   make abi-baseline  record libgntbox's ABI after a deliberate change
#
# Sources are found by folder: a new file in src/<part>/ joins its part
# without an edit here.  A file named main.c is a program's entry point.

SAN		?=
# make fuzz builds with clang's libFuzzer (FUZZ=1) into build-fuzz/.
FUZZ		?=
ifeq ($(FUZZ),1)
O		?= build-fuzz
CC		:= clang
endif
ifeq ($(SAN),1)
O		?= build-san
else
O		?= build
endif

# VERSION is the one source of the version: --version of both programs,
# gntbox.pc; debian/changelog must agree (tests/cli/test_version.sh).
VERSION		:= $(file <VERSION)
CONFIG_H	= $(O)/gen/config.h

CC		?= cc
PKG_CONFIG	?= pkg-config
CFLAGS		?= -O2 -g
# Debian builds the packages with it (dpkg-buildflags): so do we, so that
# make check sees what the package build would reject.  Not with the
# sanitizers, whose interceptors it would bypass.
ifeq ($(SAN)$(FUZZ),)
CPPFLAGS	?= -D_FORTIFY_SOURCE=2
endif
# Asked of pkg-config once, when the first compiler command needs it: not
# when the Makefile is read, which on a fresh machine is before `make demo`
# or `make check` has installed libbsd-dev (issue 12).
BSD_CFLAGS	= $(eval BSD_CFLAGS := $$(shell $(PKG_CONFIG) --cflags \
		    libbsd-overlay))$(BSD_CFLAGS)
WARNINGS	:= -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
		   -Wmissing-prototypes -Wformat=2 -Wundef -Wvla \
		   -Wno-format-nonliteral
ALL_CFLAGS	= -std=gnu11 -D_GNU_SOURCE -fPIC -fvisibility=hidden \
		   -Iinclude -Isrc -I$(O)/gen $(BSD_CFLAGS) $(WARNINGS) \
		   $(CPPFLAGS) $(CFLAGS)
ALL_LDFLAGS	:= $(LDFLAGS)
LDLIBS		:= -lpthread
# Programs, tests and benchmarks also link libbsd: its overlay headers
# route some libc names (getopt) to it.  The libraries do not need it.
PROG_LIBS	= -lbsd $(LDLIBS)
# The gntbox command writes --json with json-c; nothing else links it.
JSON_LIBS	:= -ljson-c

ifeq ($(SAN),1)
SAN_FLAGS	:= -fsanitize=address,undefined -fno-sanitize-recover=undefined \
		   -fno-omit-frame-pointer
ALL_CFLAGS	+= $(SAN_FLAGS)
ALL_LDFLAGS	+= $(SAN_FLAGS)
endif
ifeq ($(FUZZ),1)
ALL_CFLAGS	+= -fsanitize=fuzzer-no-link,address,undefined \
		   -fno-sanitize-recover=undefined -fno-omit-frame-pointer
ALL_LDFLAGS	+= -fsanitize=address,undefined
endif

# The parts, one folder each (docs/architecture.md explains them).
BASE_SRCS	:= $(wildcard src/base/*.c src/proto/*.c)
HV_SRCS		:= $(wildcard src/hv/*.c)
XS_SRCS		:= $(wildcard src/xs/*.c)
DAEMON_SRCS	:= $(filter-out src/daemon/main.c,$(wildcard src/daemon/*.c))
CLIENT_SRCS	:= $(wildcard src/client/*.c)
LIB_SRCS	:= $(wildcard src/lib/*.c)
PRELOAD_SRCS	:= $(wildcard src/preload/*.c)
CLI_SRCS	:= $(filter-out src/cli/main.c,$(wildcard src/cli/*.c))
BLKFRONT_SRCS	:= $(wildcard src/blkfront/*.c)
# faultinj.c is no part of the tests' library: it is a preload of its own.
TESTLIB_SRCS	:= $(filter-out tests/lib/faultinj.c,$(wildcard tests/lib/*.c))

obj		= $(patsubst %.c,$(O)/obj/%.o,$(1))

BASE_OBJS	:= $(call obj,$(BASE_SRCS))
DAEMON_OBJS	:= $(call obj,$(DAEMON_SRCS) $(HV_SRCS) $(XS_SRCS)) $(BASE_OBJS)
CLIENT_OBJS	:= $(call obj,$(CLIENT_SRCS)) $(BASE_OBJS)
LIB_OBJS	:= $(call obj,$(LIB_SRCS)) $(CLIENT_OBJS)
CLI_OBJS	:= $(call obj,$(CLI_SRCS)) $(LIB_OBJS)
INTERNAL_OBJS	:= $(call obj,$(DAEMON_SRCS) $(HV_SRCS) $(XS_SRCS) \
		   $(LIB_SRCS) $(CLIENT_SRCS) $(CLI_SRCS)) $(BASE_OBJS)

GNTBOXD		:= $(O)/bin/gntboxd
GNTBOX		:= $(O)/bin/gntbox
LIBGNTBOX	:= $(O)/lib/libgntbox.so
LIBGNTBOX_REAL	:= libgntbox.so.0.1
PRELOAD		:= $(O)/lib/libgntbox-preload.so
FAULTINJ	:= $(O)/lib/libgntbox-faultinj.so
INTERNAL	:= $(O)/lib/libgntbox-internal.a
# The nbdkit plugin: a Xen blkfront on Xen's public libraries only.
BLKFRONT	:= $(O)/lib/nbdkit-blkfront-plugin.so

UNIT_TESTS	:= $(patsubst %.c,$(O)/%,$(wildcard tests/unit/*.c))
INTEG_TESTS	:= $(patsubst %.c,$(O)/%,$(wildcard tests/integration/*.c))
COMPAT_TESTS	:= $(patsubst %.c,$(O)/%,$(wildcard tests/compat/*.c))
# Programs the tests run (protocol peers), not tests themselves.
TEST_HELPERS	:= $(patsubst %.c,$(O)/%,$(wildcard tests/helpers/*.c))
# Fuzz targets (tests/fuzz/): with libFuzzer in build-fuzz/ (make fuzz),
# with tests/fuzz/driver.c's replay and smoke run in the other builds.
FUZZ_TARGETS	:= $(patsubst %.c,$(O)/%,$(wildcard tests/fuzz/fuzz_*.c))
ifeq ($(FUZZ),1)
FUZZ_MAIN	:=
FUZZ_LINK	:= -fsanitize=fuzzer
else
FUZZ_MAIN	:= $(O)/obj/tests/fuzz/driver.o
FUZZ_LINK	:=
endif
BENCHES		:= $(patsubst %.c,$(O)/%,$(wildcard bench/*.c))
# Benchmarks that drive other programs are shell scripts, installed next
# to the compiled ones so that bench/run.sh runs them the same way.
BENCH_SCRIPTS	:= $(patsubst %.sh,$(O)/%,$(wildcard bench/*.sh))
EXAMPLES	:= $(patsubst %.c,$(O)/%,$(wildcard examples/*.c))
# The example of include/gntbox.h's usage guide, its two processes.
HEADER_EXAMPLE	:= $(O)/tests/header/example_share $(O)/tests/header/example_map
TESTLIB_OBJS	:= $(call obj,$(TESTLIB_SRCS))

# The unmodified Debian Xen libraries the compatibility tests link against.
XENLIBS		:= -lxengnttab -lxenevtchn -lxenstore -lxenvchan -lxentoollog \
		   -lxenctrl -lxenforeignmemory -lxendevicemodel

.PHONY: all tests check deps demo bench lint lint-deps format clean
# Keep objects that only pattern rules mention (examples, benchmarks).
.SECONDARY:
all: $(GNTBOXD) $(GNTBOX) $(LIBGNTBOX) $(PRELOAD) $(EXAMPLES) $(BLKFRONT)

tests: all $(UNIT_TESTS) $(INTEG_TESTS) $(COMPAT_TESTS) $(HEADER_EXAMPLE) \
    $(FUZZ_TARGETS) $(FAULTINJ) $(TEST_HELPERS)

$(O)/obj/tests/%.o $(O)/obj/bench/%.o: ALL_CFLAGS += -Itests/lib

$(O)/obj/%.o: %.c | depcheck $(CONFIG_H)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(GNTBOXD): $(O)/obj/src/daemon/main.o $(DAEMON_OBJS)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PROG_LIBS)

$(GNTBOX): $(O)/obj/src/cli/main.o $(CLI_OBJS)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(JSON_LIBS) $(PROG_LIBS)

# libgntbox.so.0 (the soname) -> libgntbox.so.0.N, N the latest symbol
# version GNTBOX_N, as Xen's libxengnttab.so.1.2 carries VERS_1.2.  Every
# public symbol is versioned by libgntbox.map; tests/cli/test_abi.sh holds
# the library to src/lib/libgntbox.abi (make abi-baseline rewrites it).
$(LIBGNTBOX): $(LIB_OBJS) src/lib/libgntbox.map
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -shared -Wl,-soname,libgntbox.so.0 \
	    -Wl,--version-script=src/lib/libgntbox.map \
	    -o $(O)/lib/$(LIBGNTBOX_REAL) $(filter %.o,$^) $(LDLIBS)
	ln -sf $(LIBGNTBOX_REAL) $@.0
	ln -sf $(LIBGNTBOX_REAL) $@

# The preload library carries its own copy of the client code and exports
# nothing but the libc entry points it stands in for (preload.map).
$(PRELOAD): $(call obj,$(PRELOAD_SRCS)) $(CLIENT_OBJS) src/preload/preload.map
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -shared -Wl,--version-script=src/preload/preload.map \
	    -o $@ $(filter %.o,$^) $(LDLIBS) -ldl

$(BLKFRONT): $(call obj,$(BLKFRONT_SRCS) src/base/vdev.c)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -shared -o $@ $^ -lxengnttab -lxenevtchn \
	    -lxenstore $(LDLIBS)

$(INTERNAL): $(INTERNAL_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

$(O)/tests/unit/%: $(O)/obj/tests/unit/%.o $(TESTLIB_OBJS) $(INTERNAL)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PROG_LIBS)

$(O)/tests/integration/%: $(O)/obj/tests/integration/%.o $(TESTLIB_OBJS) \
    $(INTERNAL)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PROG_LIBS)

$(O)/tests/compat/%: $(O)/obj/tests/compat/%.o $(TESTLIB_OBJS) $(INTERNAL)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(XENLIBS) $(PROG_LIBS)

$(O)/tests/helpers/%: $(O)/obj/tests/helpers/%.o
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(XENLIBS) $(PROG_LIBS)

# The fault injector (tests/lib/faultinj.c), preloaded by the tests into
# gntboxd and clients.  Never sanitized: under ASan it comes after ASan's
# runtime, whose interceptors call it as the next definition.
$(FAULTINJ): tests/lib/faultinj.c | depcheck
	@mkdir -p $(@D)
	$(CC) -std=gnu11 -D_GNU_SOURCE -fPIC -shared -fvisibility=hidden \
	    $(WARNINGS) -O2 -g -o $@ $< -ldl

# The preload target calls the device functions without interposing libc.
$(O)/tests/fuzz/fuzz_ioctl: $(call obj,$(filter-out src/preload/interpose.c,\
    $(PRELOAD_SRCS)))
$(O)/tests/fuzz/%: $(O)/obj/tests/fuzz/%.o $(FUZZ_MAIN) \
    $(O)/obj/tests/lib/daemon.o $(INTERNAL)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) $(FUZZ_LINK) -o $@ $(filter %.o,$^) \
	    $(filter %.a,$^) $(PROG_LIBS) -ldl

# Examples link what a user would: libgntbox.so, or Debian's Xen libraries.
$(O)/examples/%: $(O)/obj/examples/%.o $(LIBGNTBOX)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $< -L$(O)/lib -Wl,-rpath,'$$ORIGIN/../lib' \
	    -lgntbox $(XENLIBS) $(LDLIBS)

# The header's example is cut out of include/gntbox.h, so that what the
# guide shows is what compiles (and tests/cli/test_header_example.sh runs).
$(O)/gen/header/example_%.c: include/gntbox.h scripts/header-example.sh
	@mkdir -p $(@D)
	scripts/header-example.sh $* include/gntbox.h >$@

$(O)/tests/header/%: $(O)/gen/header/%.c $(LIBGNTBOX) | depcheck
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< -L$(O)/lib \
	    -Wl,-rpath,'$$ORIGIN/../../lib' -lgntbox $(LDLIBS)

$(O)/bench/%: $(O)/obj/bench/%.o $(TESTLIB_OBJS) $(INTERNAL)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(XENLIBS) $(PROG_LIBS)

$(O)/bench/%: bench/%.sh
	@mkdir -p $(@D)
	install -m 0755 $< $@

# The targets from README.md install what they need first and only then
# build, in a new make: a prerequisite would build alongside the install.
deps:
	scripts/install-deps.sh

# Before the first compiler command: the Debian packages a build needs,
# named in one message when some are missing.
.PHONY: depcheck install uninstall abi-baseline deb deb-check FORCE
depcheck:
	@scripts/install-deps.sh --check build

check: deps
	$(MAKE) SAN= O=build tests
	tests/run.sh build
	$(MAKE) SAN=1 O=build-san tests
	tests/run.sh build-san

# Each fuzz target for FUZZ_SECONDS, from its corpus (tests/fuzz/run.sh).
FUZZ_SECONDS	?= 60
.PHONY: fuzz fuzz-targets
fuzz:
	scripts/install-deps.sh fuzz
	$(MAKE) FUZZ=1 O=build-fuzz fuzz-targets
	tests/fuzz/run.sh build-fuzz $(FUZZ_SECONDS)

fuzz-targets: $(GNTBOXD) $(FUZZ_TARGETS)

demo:
	scripts/install-deps.sh demo
	$(MAKE) all
	scripts/demo.sh $(O)

bench:
	scripts/install-deps.sh bench
	$(MAKE) all $(BENCHES) $(BENCH_SCRIPTS)
	bench/run.sh $(O)

# The version and the install directories the programs are built with
# (src/base/paths.c finds gntboxd and the preload library from them).
# Rewritten only when it changes, so a new PREFIX rebuilds what uses it.
$(CONFIG_H): FORCE
	@mkdir -p $(@D)
	@{ echo '/* Generated by the Makefile: do not edit. */'; \
	  echo '#define GBX_VERSION "$(VERSION)"'; \
	  echo '#define GBX_SBINDIR "$(SBINDIR)"'; \
	  echo '#define GBX_PRELOADDIR "$(PRELOADDIR)"'; \
	  echo "#define GBX_BIN_TO_SBINDIR \"$$(realpath -m \
	      --relative-to='$(BINDIR)' '$(SBINDIR)')\""; \
	  echo "#define GBX_BIN_TO_PRELOADDIR \"$$(realpath -m \
	      --relative-to='$(BINDIR)' '$(PRELOADDIR)')\""; } >$@.new
	@if cmp -s $@.new $@; then rm -f $@.new; else mv $@.new $@; fi

FORCE:

# ---------------------------------------------------------------------
# Installing.  The defaults follow the GNU conventions; Debian's package
# (debian/rules) uses PREFIX=/usr and the multiarch LIBDIR.  Set the same
# variables for make and make install: the programs are built with them.
PREFIX		?= /usr/local
BINDIR		?= $(PREFIX)/bin
SBINDIR		?= $(PREFIX)/sbin
LIBDIR		?= $(PREFIX)/lib
INCLUDEDIR	?= $(PREFIX)/include
MANDIR		?= $(PREFIX)/share/man
# The preload library is a private plugin of gntbox run, not a library to
# link against: it lives in its own directory (Debian policy 8.2).
PRELOADDIR	?= $(LIBDIR)/gntbox
PKGCONFIGDIR	?= $(LIBDIR)/pkgconfig
# nbdkit finds a plugin by name here (Debian: pkg-config nbdkit's plugindir).
NBDKITPLUGINDIR	?= $(LIBDIR)/nbdkit/plugins
BASHCOMPDIR	?= $(PREFIX)/share/bash-completion/completions
SYSTEMDUNITDIR	?= $(PREFIX)/lib/systemd/system
SYSTEMDUSERUNITDIR ?= $(PREFIX)/lib/systemd/user
DESTDIR		?=
INSTALL		?= install

# @NAME@ in dist/*.in becomes the value of NAME.
SUBST		= sed -e 's|@VERSION@|$(VERSION)|g' -e 's|@PREFIX@|$(PREFIX)|g' \
		  -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' \
		  -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|g'

install: all
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR) \
	    $(DESTDIR)$(LIBDIR) $(DESTDIR)$(PRELOADDIR) \
	    $(DESTDIR)$(PKGCONFIGDIR) $(DESTDIR)$(INCLUDEDIR) \
	    $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man3 \
	    $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(BASHCOMPDIR) \
	    $(DESTDIR)$(SYSTEMDUNITDIR) $(DESTDIR)$(SYSTEMDUSERUNITDIR) \
	    $(DESTDIR)$(NBDKITPLUGINDIR)
	$(INSTALL) -m 755 $(GNTBOX) $(DESTDIR)$(BINDIR)/gntbox
	$(INSTALL) -m 755 $(GNTBOXD) $(DESTDIR)$(SBINDIR)/gntboxd
	$(INSTALL) -m 644 $(O)/lib/$(LIBGNTBOX_REAL) $(DESTDIR)$(LIBDIR)/
	ln -sf $(LIBGNTBOX_REAL) $(DESTDIR)$(LIBDIR)/libgntbox.so.0
	ln -sf $(LIBGNTBOX_REAL) $(DESTDIR)$(LIBDIR)/libgntbox.so
	$(INSTALL) -m 644 $(PRELOAD) $(DESTDIR)$(PRELOADDIR)/
	$(INSTALL) -m 644 $(BLKFRONT) $(DESTDIR)$(NBDKITPLUGINDIR)/
	$(INSTALL) -m 644 include/gntbox.h $(DESTDIR)$(INCLUDEDIR)/
	$(SUBST) dist/gntbox.pc.in >$(DESTDIR)$(PKGCONFIGDIR)/gntbox.pc
	$(INSTALL) -m 644 docs/gntbox.1 $(DESTDIR)$(MANDIR)/man1/
	$(INSTALL) -m 644 docs/gntbox.3 $(DESTDIR)$(MANDIR)/man3/
	$(INSTALL) -m 644 docs/gntboxd.8 $(DESTDIR)$(MANDIR)/man8/
	$(INSTALL) -m 644 dist/gntbox.bash-completion \
	    $(DESTDIR)$(BASHCOMPDIR)/gntbox
	$(SUBST) dist/gntboxd.service.in \
	    >$(DESTDIR)$(SYSTEMDUNITDIR)/gntboxd.service
	$(SUBST) dist/gntboxd.user.service.in \
	    >$(DESTDIR)$(SYSTEMDUSERUNITDIR)/gntboxd.service

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/gntbox $(DESTDIR)$(SBINDIR)/gntboxd \
	    $(DESTDIR)$(LIBDIR)/$(LIBGNTBOX_REAL) \
	    $(DESTDIR)$(LIBDIR)/libgntbox.so.0 $(DESTDIR)$(LIBDIR)/libgntbox.so \
	    $(DESTDIR)$(PRELOADDIR)/libgntbox-preload.so \
	    $(DESTDIR)$(NBDKITPLUGINDIR)/nbdkit-blkfront-plugin.so \
	    $(DESTDIR)$(INCLUDEDIR)/gntbox.h $(DESTDIR)$(PKGCONFIGDIR)/gntbox.pc \
	    $(DESTDIR)$(MANDIR)/man1/gntbox.1 $(DESTDIR)$(MANDIR)/man3/gntbox.3 \
	    $(DESTDIR)$(MANDIR)/man8/gntboxd.8 $(DESTDIR)$(BASHCOMPDIR)/gntbox \
	    $(DESTDIR)$(SYSTEMDUNITDIR)/gntboxd.service \
	    $(DESTDIR)$(SYSTEMDUSERUNITDIR)/gntboxd.service
	rmdir $(DESTDIR)$(PRELOADDIR) 2>/dev/null || true

# The ABI baseline tests/cli/test_abi.sh compares the library with: rewrite
# it only for a deliberate change (new symbols in a new GNTBOX_N node).
# Only what include/gntbox.h shows is recorded: the library's own types
# may change at will.
abi-baseline: $(LIBGNTBOX)
	abidw --header-file include/gntbox.h --drop-private-types \
	    --exported-interfaces-only --no-corpus-path --no-comp-dir-path \
	    --no-show-locs --type-id-style hash \
	    --out-file src/lib/libgntbox.abi $(O)/lib/libgntbox.so.0

# The Debian packages, built from a copy of the tree (debian/), into
# $(O)/deb; deb-check also lints them, installs them, runs the installed
# smoke test (tests/install/smoke.sh) and removes them.  Needs root.
deb:
	scripts/deb-check.sh --build-only $(O)/deb

deb-check:
	scripts/deb-check.sh $(O)/deb

C_FILES		= $(shell git ls-files '*.c' '*.h' 2>/dev/null)

# cppcheck's ctuuninitvar is suppressed: RB_FIND lookups pass a key struct
# whose only initialised field is the one the comparison reads, which its
# cross-function analysis cannot see.
lint:
	@echo "layers"
	@scripts/layers.sh
	@echo "clang-format"
	@clang-format --dry-run --Werror $(C_FILES)
	@echo "cppcheck"
	@cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
	    --suppress=ctuuninitvar \
	    --inline-suppr --std=c11 -D_GNU_SOURCE -Iinclude -Isrc \
	    -I/usr/include/bsd -DLIBBSD_OVERLAY \
	    --suppress=missingIncludeSystem $(filter %.c,$(C_FILES))
	@echo "clang-tidy"
	@clang-tidy --quiet $(filter src/%.c,$(C_FILES)) -- $(ALL_CFLAGS)

lint: $(CONFIG_H)

lint-deps:
	scripts/install-deps.sh lint

format:
	clang-format -i $(C_FILES)

clean:
	rm -rf build build-san build-fuzz

-include $(shell find $(O)/obj -name '*.d' 2>/dev/null)
