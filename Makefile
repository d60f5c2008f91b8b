# SPDX-License-Identifier: GPL-2.0
#
# cryo top-level build.  See README for the two commands that matter:
#   make demo    boot the VM and show cryo at work
#   make check   build everything and run the selftests on both kernels
#
# Other targets: all (default), deps, modules, lib, cli, selftests, bench,
# bench-profile, style, sparse, vm-shell, vm-run, clean.  KERNELS="6.1
# 6.12" picks the kernels; KDIR=/path/to/kernel/build builds the module
# for one other tree.
# install, uninstall, man, dkms-install, dkms-uninstall and install-check
# are in mk/install.mk (make install DESTDIR=... prefix=... libdir=...).

BUILD		?= build
KERNELS		?= 6.1 6.12
export BUILD KERNELS

CC		?= gcc
CFLAGS		?= -O2 -g
WARN		:= -Wall -Wextra -Werror -Wno-unused-parameter
CPPFLAGS_ALL	:= -D_GNU_SOURCE -Iuapi -Ilibcryoctl/include
CFLAGS_ALL	:= -std=gnu11 $(WARN) $(CFLAGS)

LIB_MAJOR	:= 1
LIB_VERSION	:= 1.12.0

# libnl-3 (generic netlink) is used inside libcryoctl only, and by the
# netlink selftest.
NL_CFLAGS	:= $(shell pkg-config --cflags libnl-genl-3.0 2>/dev/null || echo -I/usr/include/libnl3)
NL_LIBS		:= $(shell pkg-config --libs libnl-genl-3.0 2>/dev/null || echo -lnl-genl-3 -lnl-3)
KSRC_TAR	:= /usr/src/linux-source-6.1.tar.xz
KSRC		:= $(BUILD)/linux-source-6.1

# stub.c is not library code: it is built freestanding and embedded (see
# "the stub" below) as $(STUB_C).
LIB_SRCS	:= $(filter-out libcryoctl/src/stub.c,$(wildcard libcryoctl/src/*.c))
LIB_HDRS	:= $(wildcard libcryoctl/include/*.h libcryoctl/src/*.h uapi/linux/*.h)
STUB_O		:= $(BUILD)/lib/stub/stub.o
STUB_C		:= $(BUILD)/lib/stub/stub_code.c
LIB_PIC_OBJS	:= $(LIB_SRCS:libcryoctl/src/%.c=$(BUILD)/lib/pic/%.o) \
		   $(BUILD)/lib/pic/stub_code.o
LIB_OBJS	:= $(LIB_SRCS:libcryoctl/src/%.c=$(BUILD)/lib/static/%.o) \
		   $(BUILD)/lib/static/stub_code.o
LIB_SO		:= $(BUILD)/lib/libcryoctl.so.$(LIB_VERSION)
LIB_A		:= $(BUILD)/lib/libcryoctl.a
LIB_PC		:= $(BUILD)/lib/libcryoctl.pc

CLI_SRCS	:= $(wildcard libcryoctl/cli/*.c)
CLI_HDRS	:= $(wildcard libcryoctl/cli/*.h)
CLI		:= $(BUILD)/bin/cryoctl

TEST_SRCS	:= $(wildcard selftests/*_test.c)
TEST_BINS	:= $(TEST_SRCS:selftests/%.c=$(BUILD)/selftests/%)
# Programs the tests run as targets; *_static.c are linked statically.
PROG_SRCS	:= $(wildcard selftests/progs/*.c)
PROG_BINS	:= $(PROG_SRCS:selftests/%.c=$(BUILD)/selftests/%)
HARNESS		:= $(KSRC)/tools/testing/selftests/kselftest_harness.h

.PHONY: all deps modules lib cli examples unit selftests style sparse demo clean
.DEFAULT_GOAL := all

all: deps modules lib cli examples selftests

deps:
	@selftests/vm/deps.sh

# ---- kernel module ---------------------------------------------------------
#
# Kbuild builds next to the sources, so each kernel gets its own copy of
# the module tree under $(BUILD)/kmod/<release>/ and the builds for 6.1
# and 6.12 never clobber each other.

# The copy drops what the source tree no longer has: a stale file would
# still build.
define kmod_build
	mkdir -p $(2) && cp -ru --preserve=timestamps Kbuild module uapi $(2)/
	cd $(2) && for f in $$(find module uapi \( -name '*.[ch]' ! -name '*.mod.c' \) -o -name Kbuild); do \
		[ -e $(CURDIR)/$$f ] || rm -f $$f $${f%.c}.o; done
	+$(MAKE) -C $(1) M=$(abspath $(2)) $(3) modules
endef

ifdef KDIR
KREL_CUSTOM = $(shell cat $(KDIR)/include/config/kernel.release)
modules:
	$(call kmod_build,$(KDIR),$(BUILD)/kmod/$(KREL_CUSTOM))
else
modules: deps
	@set -e; for k in $(KERNELS); do \
		rel=$$(selftests/vm/kernel-release.sh $$k); \
		echo "  MODULE  cryo.ko for $$rel"; \
		$(MAKE) --no-print-directory kmod-one KREL=$$rel; \
	done
endif

kmod-one:
	$(call kmod_build,/usr/src/linux-headers-$(KREL),$(BUILD)/kmod/$(KREL))

# ---- libcryoctl --------------------------------------------------------------

lib: $(BUILD)/lib/libcryoctl.so $(LIB_A) $(LIB_PC)

$(BUILD)/lib/pic/%.o: libcryoctl/src/%.c $(LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS_ALL) $(NL_CFLAGS) $(CFLAGS_ALL) -fPIC -fvisibility=hidden -c -o $@ $<

$(BUILD)/lib/static/%.o: libcryoctl/src/%.c $(LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS_ALL) $(NL_CFLAGS) $(CFLAGS_ALL) -fvisibility=hidden -c -o $@ $<

# The stub: freestanding, position-independent code the library copies
# into the process being restored (libcryoctl/src/stub.c).  It may use
# nothing but its own code and raw system calls, and no vector register
# (-mgeneral-regs-only: it runs after the FPU state is loaded).
# mkstub.sh fails the build if the object has a relocation or anything
# allocated outside .text, then turns .text into $(STUB_C).
STUB_CFLAGS	:= -O2 -ffreestanding -fno-builtin -fno-stack-protector -fPIC \
		   -fno-plt -fno-jump-tables -mgeneral-regs-only \
		   -fno-asynchronous-unwind-tables -fno-unwind-tables \
		   -fno-reorder-blocks-and-partition -fno-reorder-functions \
		   -fcf-protection=none -fno-tree-loop-distribute-patterns \
		   -fno-stack-clash-protection -fno-common

$(STUB_O): libcryoctl/src/stub.c libcryoctl/src/stub.h $(wildcard uapi/linux/*.h)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS_ALL) -std=gnu11 $(WARN) $(STUB_CFLAGS) -c -o $@ $<

$(STUB_C): $(STUB_O) libcryoctl/mkstub.sh
	sh libcryoctl/mkstub.sh $< $@

$(BUILD)/lib/pic/stub_code.o: $(STUB_C) libcryoctl/src/stub.h
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS_ALL) -Ilibcryoctl/src $(CFLAGS_ALL) -fPIC -fvisibility=hidden -c -o $@ $<

$(BUILD)/lib/static/stub_code.o: $(STUB_C) libcryoctl/src/stub.h
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS_ALL) -Ilibcryoctl/src $(CFLAGS_ALL) -fvisibility=hidden -c -o $@ $<

$(LIB_SO): $(LIB_PIC_OBJS) libcryoctl/libcryoctl.map
	$(CC) -shared -o $@ $(LIB_PIC_OBJS) -Wl,-soname,libcryoctl.so.$(LIB_MAJOR) \
		-Wl,--version-script=libcryoctl/libcryoctl.map -Wl,-z,defs $(NL_LIBS) $(LDFLAGS)

$(BUILD)/lib/libcryoctl.so: $(LIB_SO)
	ln -sf libcryoctl.so.$(LIB_VERSION) $(BUILD)/lib/libcryoctl.so.$(LIB_MAJOR)
	ln -sf libcryoctl.so.$(LIB_MAJOR) $@

$(LIB_A): $(LIB_OBJS)
	rm -f $@ && ar rcs $@ $^

$(LIB_PC): libcryoctl/libcryoctl.pc.in Makefile
	@mkdir -p $(@D)
	sed -e 's|@prefix@|$(prefix)|' -e 's|@libdir@|$(libdir)|' \
	    -e 's|@includedir@|$(includedir)|' -e 's|@version@|$(LIB_VERSION)|' $< > $@

prefix		?= /usr/local
libdir		?= $(prefix)/lib
includedir	?= $(prefix)/include

# ---- cryoctl -----------------------------------------------------------------

cli: $(CLI)

# cryoctl is linked statically (libcryoctl.a, libnl, libc): every freeze
# and thaw runs it, and in the test VM the dynamic loader alone took
# 50-70 ms per start with four shared libraries to relocate, more than a
# 16 MiB freeze itself (see Documentation/performance.rst).  glibc warns
# that libnl's getaddrinfo() and friends would need NSS libraries at run
# time; cryoctl never calls them.
NL_STATIC_LIBS	:= $(shell pkg-config --libs --static libnl-genl-3.0 2>/dev/null || echo -lnl-genl-3 -lnl-3 -lpthread -lm)

$(CLI): $(CLI_SRCS) $(CLI_HDRS) $(LIB_HDRS) $(LIB_A)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS_ALL) $(CFLAGS_ALL) -DCRYOCTL_CLI_VERSION='"$(LIB_VERSION)"' \
		-o $@ $(CLI_SRCS) $(LIB_A) -static $(NL_STATIC_LIBS) -lpthread $(LDFLAGS) \
		2> $@.ld.log || { cat $@.ld.log >&2; exit 1; }
	@grep -v "statically linked applications requires at runtime" $@.ld.log | \
		grep -v "in function \`" >&2 || true
	@rm -f $@.ld.log

# ---- examples ----------------------------------------------------------------
#
# Programs built on libcryoctl alone, as a user of the installed library
# would build them.  The VM's initramfs carries $(BUILD)/examples.

EXAMPLE_SRCS	:= $(wildcard libcryoctl/examples/*.c)
EXAMPLE_BINS	:= $(EXAMPLE_SRCS:libcryoctl/examples/%.c=$(BUILD)/examples/%)

examples: $(EXAMPLE_BINS)

$(BUILD)/examples/%: libcryoctl/examples/%.c libcryoctl/include/cryoctl.h $(wildcard uapi/linux/*.h) $(BUILD)/lib/libcryoctl.so
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS_ALL) $(CFLAGS_ALL) -o $@ $< -L$(BUILD)/lib -lcryoctl \
		-Wl,-rpath,'$$ORIGIN/../lib' $(LDFLAGS)

# ---- library unit tests (host, no module needed) ----------------------------
#
# The unit program compiles the library sources in, so that its own
# ioctl() can stand in for /dev/cryo.

UNIT		:= $(BUILD)/tests/unit
UNIT_SRCS	:= $(wildcard libcryoctl/tests/*.c)

unit: $(UNIT) $(CLI)
	$(UNIT) $(CLI)

$(UNIT): $(UNIT_SRCS) $(wildcard libcryoctl/tests/*.h) $(LIB_SRCS) $(STUB_C) $(LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS_ALL) -Ilibcryoctl/src $(NL_CFLAGS) $(CFLAGS_ALL) -o $@ $(UNIT_SRCS) $(LIB_SRCS) \
		$(STUB_C) $(NL_LIBS) $(LDFLAGS)

# ---- selftests ---------------------------------------------------------------
#
# kselftest_harness.h and checkpatch.pl come from Debian's linux-source
# package at build time; nothing of it is committed.

$(KSRC)/.stamp: | deps
	@mkdir -p $(BUILD)
	tar -xJf $(KSRC_TAR) -C $(BUILD) \
		linux-source-6.1/tools/testing/selftests/kselftest_harness.h \
		linux-source-6.1/tools/testing/selftests/kselftest.h \
		linux-source-6.1/scripts/checkpatch.pl \
		linux-source-6.1/scripts/spelling.txt \
		linux-source-6.1/scripts/const_structs.checkpatch
	touch $@

selftests: $(TEST_BINS) $(PROG_BINS)

$(BUILD)/selftests/%: selftests/%.c $(wildcard selftests/*.h selftests/progs/*.h) $(LIB_HDRS) $(KSRC)/.stamp $(BUILD)/lib/libcryoctl.so
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS_ALL) -isystem $(KSRC)/tools/testing/selftests $(NL_CFLAGS) \
		$(CFLAGS_ALL) -Wno-sign-compare -o $@ $< -L$(BUILD)/lib -lcryoctl -lpthread \
		$(NL_LIBS) -Wl,-rpath,'$$ORIGIN/../lib' $(LDFLAGS)

# The targets go to $(BUILD)/selftests/progs/, which the VM's initramfs
# copies with the rest of $(BUILD)/selftests (only *_test files are run).
# Plain glibc programs: no libcryoctl, nothing cryo-specific.
$(BUILD)/selftests/progs/%: selftests/progs/%.c $(wildcard selftests/progs/*.h)
	@mkdir -p $(@D)
	$(CC) -D_GNU_SOURCE $(CFLAGS_ALL) -o $@ $< -lpthread $(LDFLAGS)

$(BUILD)/selftests/progs/%_static: selftests/progs/%_static.c $(wildcard selftests/progs/*.h)
	@mkdir -p $(@D)
	$(CC) -D_GNU_SOURCE $(CFLAGS_ALL) -static -o $@ $< -lpthread $(LDFLAGS)

# ---- benchmark programs ------------------------------------------------------
#
# `make bench` (selftests/vm/vm.mk) runs these in the VM next to cryoctl and
# CRIU; only the bench's initramfs carries them.  Static: the same small
# target for both checkpointers, whatever the guest's libraries.
BENCH_BINS	:= $(BUILD)/bench/bin/workload $(BUILD)/bench/bin/benchtool

$(BUILD)/bench/bin/%: selftests/bench/%.c
	@mkdir -p $(@D)
	$(CC) -D_GNU_SOURCE $(CFLAGS_ALL) -static -o $@ $< -lpthread $(LDFLAGS)

# ---- code quality ------------------------------------------------------------

# checkpatch --strict on everything.  User-space code keeps the C standard
# types and has no <linux/compiler_attributes.h>, so those two kernel
# preferences are off there.
CHECKPATCH	= perl $(KSRC)/scripts/checkpatch.pl --no-tree --terse --quiet \
		  --strict --show-types
KERNEL_STYLE	= $(wildcard module/*.c module/*.h module/*/*.c module/*/*.h uapi/linux/*.h)
USER_STYLE	= $(wildcard libcryoctl/src/*.c libcryoctl/src/*.h \
		  libcryoctl/include/*.h libcryoctl/cli/*.c libcryoctl/cli/*.h \
		  libcryoctl/examples/*.c libcryoctl/tests/*.c libcryoctl/tests/*.h)

# style also checks module/'s layering (no include circle; see
# Documentation/design.rst).
style: $(KSRC)/.stamp
	python3 mk/layering.py module
	$(CHECKPATCH) -f $(KERNEL_STYLE)
	$(CHECKPATCH) --ignore PREFER_KERNEL_TYPES,PREFER_DEFINED_ATTRIBUTE_MACRO \
		-f $(USER_STYLE)

sparse: deps
	@set -e; for k in $(KERNELS); do \
		rel=$$(selftests/vm/kernel-release.sh $$k); \
		out=$(BUILD)/kmod/$$rel; \
		mkdir -p $$out && cp -ru --preserve=timestamps Kbuild module uapi $$out/; \
		echo "  SPARSE  $$rel"; \
		$(MAKE) -s -C /usr/src/linux-headers-$$rel M=$(abspath $(BUILD))/kmod/$$rel \
			C=2 modules 2>&1 | tee $$out/sparse.log; \
		! grep -E 'warning|error' $$out/sparse.log; \
	done

# The README's main-job command: boot the VM and show cryo at work.
demo: all
	$(CRYO_VM_ENV) selftests/vm/run.sh '$(KERNEL)' --mode script \
		--script selftests/vm/demo.sh

clean:
	rm -rf $(BUILD)

include selftests/vm/vm.mk
include mk/install.mk
