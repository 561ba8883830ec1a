# gntbox: the Xen grant-table device, event channels and xenstore in user
# space.  See README.md.
#
#   make            build everything into build/ (DESIGN.md section 5)
#   make check      install what is missing, then run every test, first on
#                   the normal build, then on an ASan+UBSan build (build-san/)
#   make demo       two domains sharing pages and talking over vchan
#   make bench      benchmarks (bench/), with ministat reports
#   make lint       clang-format, cppcheck and clang-tidy over the tree
#   make format     apply .clang-format to every C file
#
# Sources are found by folder: a new file in src/<part>/ joins its part
# without an edit here.  A file named main.c is a program's entry point.

SAN		?=
ifeq ($(SAN),1)
O		?= build-san
else
O		?= build
endif

CC		?= cc
PKG_CONFIG	?= pkg-config
CFLAGS		?= -O2 -g
BSD_CFLAGS	:= $(shell $(PKG_CONFIG) --cflags libbsd-overlay 2>/dev/null)
WARNINGS	:= -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
		   -Wmissing-prototypes -Wformat=2 -Wundef -Wvla \
		   -Wno-format-nonliteral
ALL_CFLAGS	:= -std=gnu11 -D_GNU_SOURCE -fPIC -fvisibility=hidden \
		   -Iinclude -Isrc $(BSD_CFLAGS) $(WARNINGS) $(CFLAGS)
ALL_LDFLAGS	:= $(LDFLAGS)
LDLIBS		:= -lpthread
# Programs, tests and benchmarks also link libbsd: its overlay headers
# route some libc names (getopt) to it.  The libraries do not need it.
PROG_LIBS	= -lbsd $(LDLIBS)

ifeq ($(SAN),1)
SAN_FLAGS	:= -fsanitize=address,undefined -fno-sanitize-recover=undefined \
		   -fno-omit-frame-pointer
ALL_CFLAGS	+= $(SAN_FLAGS)
ALL_LDFLAGS	+= $(SAN_FLAGS)
endif

# The parts, one folder each (docs/architecture.md explains them).
BASE_SRCS	:= $(wildcard src/base/*.c src/proto/*.c)
HV_SRCS		:= $(wildcard src/hv/*.c)
XS_SRCS		:= $(wildcard src/xs/*.c)
DAEMON_SRCS	:= $(filter-out src/daemon/main.c,$(wildcard src/daemon/*.c))
DEV_SRCS	:= $(wildcard src/dev/*.c)
LIB_SRCS	:= $(wildcard src/lib/*.c)
PRELOAD_SRCS	:= $(wildcard src/preload/*.c)
CLI_SRCS	:= $(filter-out src/cli/main.c,$(wildcard src/cli/*.c))
BLKFRONT_SRCS	:= $(wildcard src/blkfront/*.c)
TESTLIB_SRCS	:= $(wildcard tests/lib/*.c)

obj		= $(patsubst %.c,$(O)/obj/%.o,$(1))

BASE_OBJS	:= $(call obj,$(BASE_SRCS))
DAEMON_OBJS	:= $(call obj,$(DAEMON_SRCS) $(HV_SRCS) $(XS_SRCS)) $(BASE_OBJS)
CLIENT_OBJS	:= $(call obj,$(LIB_SRCS) $(DEV_SRCS)) $(BASE_OBJS)
CLI_OBJS	:= $(call obj,$(CLI_SRCS)) $(CLIENT_OBJS)
INTERNAL_OBJS	:= $(call obj,$(DAEMON_SRCS) $(HV_SRCS) $(XS_SRCS) \
		   $(LIB_SRCS) $(DEV_SRCS) $(CLI_SRCS)) $(BASE_OBJS)

GNTBOXD		:= $(O)/bin/gntboxd
GNTBOX		:= $(O)/bin/gntbox
LIBGNTBOX	:= $(O)/lib/libgntbox.so
PRELOAD		:= $(O)/lib/libgntbox-preload.so
INTERNAL	:= $(O)/lib/libgntbox-internal.a
# The nbdkit plugin: a Xen blkfront on Xen's public libraries only.
BLKFRONT	:= $(O)/lib/nbdkit-blkfront-plugin.so

UNIT_TESTS	:= $(patsubst %.c,$(O)/%,$(wildcard tests/unit/*.c))
INTEG_TESTS	:= $(patsubst %.c,$(O)/%,$(wildcard tests/integration/*.c))
COMPAT_TESTS	:= $(patsubst %.c,$(O)/%,$(wildcard tests/compat/*.c))
# Programs the tests run (protocol peers), not tests themselves.
TEST_HELPERS	:= $(patsubst %.c,$(O)/%,$(wildcard tests/helpers/*.c))
BENCHES		:= $(patsubst %.c,$(O)/%,$(wildcard bench/*.c))
# Benchmarks that drive other programs are shell scripts, installed next
# to the compiled ones so that bench/run.sh runs them the same way.
BENCH_SCRIPTS	:= $(patsubst %.sh,$(O)/%,$(wildcard bench/*.sh))
EXAMPLES	:= $(patsubst %.c,$(O)/%,$(wildcard examples/*.c))
TESTLIB_OBJS	:= $(call obj,$(TESTLIB_SRCS))

# The unmodified Debian Xen libraries the compatibility tests link against.
XENLIBS		:= -lxengnttab -lxenevtchn -lxenstore -lxenvchan -lxentoollog

.PHONY: all tests check deps demo bench lint lint-deps format clean
# Keep objects that only pattern rules mention (examples, benchmarks).
.SECONDARY:
all: $(GNTBOXD) $(GNTBOX) $(LIBGNTBOX) $(PRELOAD) $(BLKFRONT)

tests: all $(UNIT_TESTS) $(INTEG_TESTS) $(COMPAT_TESTS) $(TEST_HELPERS)

$(O)/obj/tests/%.o $(O)/obj/bench/%.o: ALL_CFLAGS += -Itests/lib

$(O)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(GNTBOXD): $(O)/obj/src/daemon/main.o $(DAEMON_OBJS)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PROG_LIBS)

$(GNTBOX): $(O)/obj/src/cli/main.o $(CLI_OBJS)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PROG_LIBS)

$(LIBGNTBOX): $(CLIENT_OBJS)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -shared -Wl,-soname,libgntbox.so.0 -o $@.0 $^ \
	    $(LDLIBS)
	ln -sf libgntbox.so.0 $@

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

# Examples link what a user would: libgntbox.so, or Debian's Xen libraries.
$(O)/examples/%: $(O)/obj/examples/%.o $(LIBGNTBOX)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $< -L$(O)/lib -Wl,-rpath,'$$ORIGIN/../lib' \
	    -lgntbox $(XENLIBS) $(LDLIBS)

$(O)/bench/%: $(O)/obj/bench/%.o $(TESTLIB_OBJS) $(INTERNAL)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(XENLIBS) $(PROG_LIBS)

$(O)/bench/%: bench/%.sh
	@mkdir -p $(@D)
	install -m 0755 $< $@

deps:
	scripts/install-deps.sh

check: deps
	$(MAKE) SAN= O=build tests
	tests/run.sh build
	$(MAKE) SAN=1 O=build-san tests
	tests/run.sh build-san

demo: deps all $(EXAMPLES)
	scripts/demo.sh $(O)

bench: deps all $(BENCHES) $(BENCH_SCRIPTS)
	scripts/install-deps.sh bench
	bench/run.sh $(O)

C_FILES		= $(shell git ls-files '*.c' '*.h' 2>/dev/null)

# cppcheck's ctuuninitvar is suppressed: RB_FIND lookups pass a key struct
# whose only initialised field is the one the comparison reads, which its
# cross-function analysis cannot see.
lint:
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

lint-deps:
	scripts/install-deps.sh lint

format:
	clang-format -i $(C_FILES)

clean:
	rm -rf build build-san

-include $(shell find $(O)/obj -name '*.d' 2>/dev/null)
