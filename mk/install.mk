# SPDX-License-Identifier: GPL-2.0
#
# Installation, man pages and DKMS; included by the top-level Makefile,
# which defines BUILD, KERNELS, LIB_*, CLI and the build targets.
#
#   make install        the module for each kernel, libcryoctl, cryoctl, the
#                       man pages and the udev rule; then depmod, ldconfig
#                       and the group cryo (not with DESTDIR: a packager's
#                       postinst does that)
#   make install-user   the same without the module (with DKMS)
#   make uninstall      removes what make install installed
#   make man            the man pages, into $(BUILD)/man (part of make all)
#   make dkms-install   the module's source to /usr/src/cryo-<version>/, then
#                       dkms add, build and install for each kernel
#   make dkms-uninstall dkms remove --all, and the source in /usr/src
#   make install-check  make install DESTDIR=..., pkg-config, man -l and dkms
#                       build for each kernel, in $(BUILD)/install-check;
#                       make check runs it before the VMs
#
# The kernels: KERNELS="6.1 6.12" (the installed Debian cloud kernels of
# those versions), or KREL=<release> for the headers of one release in
# /usr/src/linux-headers-<release>, or (make install only) KDIR=<tree>.
#
# Directories, all below DESTDIR: prefix (/usr/local), bindir, libdir,
# includedir, pkgconfigdir, mandir; udevrulesdir (/etc/udev/rules.d,
# /usr/lib/udev/rules.d when prefix is /usr); moduledir (/lib/modules,
# whatever the prefix: the module goes to <moduledir>/<release>/updates/).

DESTDIR		?=
prefix		?= /usr/local
bindir		?= $(prefix)/bin
libdir		?= $(prefix)/lib
includedir	?= $(prefix)/include
pkgconfigdir	?= $(libdir)/pkgconfig
datarootdir	?= $(prefix)/share
mandir		?= $(datarootdir)/man
sysconfdir	?= /etc
udevrulesdir	?= $(if $(filter /usr,$(prefix)),/usr/lib/udev/rules.d,$(sysconfdir)/udev/rules.d)
moduledir	?= /lib/modules
INSTALL		?= install
DEPMOD		?= depmod

DKMS_VERSION	:= $(LIB_VERSION)
DKMS_SRC	:= /usr/src/cryo-$(DKMS_VERSION)
UDEV_RULE	:= packaging/60-cryo.rules

.PHONY: install install-modules install-user uninstall man dkms-install \
	dkms-uninstall install-check

# ---- man pages -----------------------------------------------------------------
#
# cryoctl(8) and the frame of libcryoctl(3) are written by hand; the page
# of each function comes from its kernel-doc comment in cryoctl.h.
# mkman.pl fails the build when a function of the header or of the map
# has no comment (so no page), or a parameter is not documented.

MAN3_STAMP	:= $(BUILD)/man/man3/.stamp
MAN8		:= $(BUILD)/man/man8/cryoctl.8

all: man
man: $(MAN3_STAMP) $(MAN8)

# Makefile: the pages carry LIB_VERSION.
$(MAN3_STAMP): libcryoctl/include/cryoctl.h libcryoctl/libcryoctl.map \
		libcryoctl/man/libcryoctl.3.in libcryoctl/man/mkman.pl Makefile
	@rm -rf $(@D) && mkdir -p $(@D)
	perl libcryoctl/man/mkman.pl --header libcryoctl/include/cryoctl.h \
		--map libcryoctl/libcryoctl.map --template libcryoctl/man/libcryoctl.3.in \
		--version $(LIB_VERSION) --out $(@D)
	@touch $@

$(MAN8): libcryoctl/man/cryoctl.8.in Makefile
	@mkdir -p $(@D)
	sed -e 's|@VERSION@|$(LIB_VERSION)|g' $< > $@

# ---- make install --------------------------------------------------------------

# Shell words: the kernel releases to install for (a command substitution
# that fails when one of KERNELS is not installed).
INSTALL_RELS	= $(if $(KDIR),$(KREL_CUSTOM),$(if $(KREL),$(KREL),$$(set -e; \
		  for k in $(KERNELS); do selftests/vm/kernel-release.sh $$k; done)))

install: install-modules install-user

# Each module goes under the release its vermagic names, the kernel's
# UTS_RELEASE (a Debian headers tree's kernel.release differs from it).
install-modules: $(if $(KDIR),modules,$(if $(KREL),kmod-one,modules))
	@set -e; rels=$(INSTALL_RELS); \
	for b in $$rels; do \
		ko=$(BUILD)/kmod/$$b/module/cryo.ko; \
		rel=$$(modinfo -F vermagic $$ko | cut -d' ' -f1); \
		dir='$(DESTDIR)$(moduledir)'/$$rel/updates; \
		echo "  INSTALL $$dir/cryo.ko"; \
		$(INSTALL) -d "$$dir"; \
		$(INSTALL) -m 644 $$ko "$$dir"/; \
		if [ -n '$(DESTDIR)' ]; then \
			echo "  DEPMOD  skipped (DESTDIR is set): run 'depmod -a $$rel' on the target"; \
		else \
			echo "  DEPMOD  $$rel"; $(DEPMOD) -a $$rel; \
		fi; \
	done

install-user: lib cli man
	$(INSTALL) -d '$(DESTDIR)$(bindir)' '$(DESTDIR)$(libdir)' '$(DESTDIR)$(pkgconfigdir)' \
		'$(DESTDIR)$(includedir)/linux' '$(DESTDIR)$(mandir)/man3' \
		'$(DESTDIR)$(mandir)/man8' '$(DESTDIR)$(udevrulesdir)'
	$(INSTALL) -m 755 $(LIB_SO) '$(DESTDIR)$(libdir)'/
	ln -sf libcryoctl.so.$(LIB_VERSION) '$(DESTDIR)$(libdir)/libcryoctl.so.$(LIB_MAJOR)'
	ln -sf libcryoctl.so.$(LIB_MAJOR) '$(DESTDIR)$(libdir)/libcryoctl.so'
	$(INSTALL) -m 644 $(LIB_A) '$(DESTDIR)$(libdir)'/
	$(INSTALL) -m 644 libcryoctl/include/cryoctl.h '$(DESTDIR)$(includedir)'/
	$(INSTALL) -m 644 $(UAPI_HDRS) '$(DESTDIR)$(includedir)/linux'/
	sed -e 's|@prefix@|$(prefix)|' \
	    -e 's|@libdir@|$(patsubst $(prefix)/%,$${prefix}/%,$(libdir))|' \
	    -e 's|@includedir@|$(patsubst $(prefix)/%,$${prefix}/%,$(includedir))|' \
	    -e 's|@version@|$(LIB_VERSION)|' libcryoctl/libcryoctl.pc.in \
		> '$(DESTDIR)$(pkgconfigdir)/libcryoctl.pc'
	chmod 644 '$(DESTDIR)$(pkgconfigdir)/libcryoctl.pc'
	$(INSTALL) -m 755 $(CLI) '$(DESTDIR)$(bindir)'/
	$(INSTALL) -m 644 $(BUILD)/man/man3/*.3 '$(DESTDIR)$(mandir)/man3'/
	$(INSTALL) -m 644 $(MAN8) '$(DESTDIR)$(mandir)/man8'/
	$(INSTALL) -m 644 $(UDEV_RULE) '$(DESTDIR)$(udevrulesdir)'/
	@if [ -n '$(DESTDIR)' ]; then \
		echo "  NOTE    DESTDIR is set: create the group cryo (groupadd --system cryo)," \
		     "run ldconfig and reload udev on the target"; \
	else \
		ldconfig || true; \
		getent group cryo >/dev/null || { echo "  GROUP   cryo"; groupadd --system cryo; }; \
		if command -v udevadm >/dev/null && [ -S /run/udev/control ]; then \
			udevadm control --reload && \
			udevadm trigger --subsystem-match=misc --sysname-match=cryo || true; \
		fi; \
	fi

uninstall:
	@set -e; rels=$(INSTALL_RELS); \
	for b in $$rels; do \
		ko=$(BUILD)/kmod/$$b/module/cryo.ko; \
		rel=$$( [ -e $$ko ] && modinfo -F vermagic $$ko | cut -d' ' -f1 || echo $$b); \
		rm -f '$(DESTDIR)$(moduledir)'/$$rel/updates/cryo.ko; \
		[ -n '$(DESTDIR)' ] || $(DEPMOD) -a $$rel; \
	done
	rm -f '$(DESTDIR)$(libdir)'/libcryoctl.so '$(DESTDIR)$(libdir)'/libcryoctl.so.$(LIB_MAJOR) \
		'$(DESTDIR)$(libdir)'/libcryoctl.so.$(LIB_VERSION) '$(DESTDIR)$(libdir)'/libcryoctl.a \
		'$(DESTDIR)$(pkgconfigdir)'/libcryoctl.pc '$(DESTDIR)$(includedir)'/cryoctl.h \
		$(UAPI_HDRS:uapi/%='$(DESTDIR)$(includedir)'/%) '$(DESTDIR)$(bindir)'/cryoctl \
		'$(DESTDIR)$(mandir)'/man8/cryoctl.8 '$(DESTDIR)$(mandir)'/man3/libcryoctl.3 \
		'$(DESTDIR)$(udevrulesdir)'/$(notdir $(UDEV_RULE))
	@set -e; for f in $$(sed -n 's/^[[:space:]]*\(cryoctl_[a-z0-9_]*\);.*/\1/p' \
			libcryoctl/libcryoctl.map); do \
		rm -f '$(DESTDIR)$(mandir)'/man3/$$f.3; \
	done
	@[ -n '$(DESTDIR)' ] || ldconfig || true

# ---- DKMS ----------------------------------------------------------------------
#
# dkms.conf states the supported kernels (BUILD_EXCLUSIVE_KERNEL); a kernel
# it excludes is refused here before anything is touched, and by DKMS
# itself (for example on a kernel upgrade) with its BUILD_EXCLUSIVE error.

UAPI_HDRS	:= $(wildcard uapi/linux/*.h)

DKMS_KERNEL_RE	= $(shell sed -n 's/^BUILD_EXCLUSIVE_KERNEL="\(.*\)"$$/\1/p' dkms.conf)
DKMS_RELS	= $(if $(KREL),$(KREL),$$(set -e; \
		  for k in $(KERNELS); do selftests/vm/kernel-release.sh $$k; done))

# $(call dkms_stage,DIR,VERSION): the module's source as DKMS wants it.
define dkms_stage
	rm -rf $(1) && mkdir -p $(1)/uapi/linux && cp Kbuild $(1)/ && \
	cp --parents $$(find module -name Kbuild -o -name '*.[ch]') $(1)/ && \
	cp $(UAPI_HDRS) $(1)/uapi/linux/ && \
	sed -e 's|^PACKAGE_VERSION=.*|PACKAGE_VERSION="$(2)"|' dkms.conf > $(1)/dkms.conf
endef

# Refuse (exit 1) any of the shell words $(1) that dkms.conf excludes.
define dkms_supported
	for rel in $(1); do \
		echo "$$rel" | grep -Eq '$(DKMS_KERNEL_RE)' || { \
			echo "cryo: kernel $$rel is not supported: cryo builds for Linux 6.1 to 6.12 only" \
			     "(BUILD_EXCLUSIVE_KERNEL in dkms.conf)" >&2; exit 1; }; \
	done
endef

dkms-install:
	@set -e; rels=$(DKMS_RELS); $(call dkms_supported,$$rels)
	@command -v dkms >/dev/null || { echo "dkms-install: dkms is not installed (apt-get install dkms)" >&2; exit 1; }
	@if dkms status -m cryo -v $(DKMS_VERSION) | grep -q .; then \
		echo "  DKMS    removing the previous cryo/$(DKMS_VERSION)"; \
		dkms remove -m cryo -v $(DKMS_VERSION) --all; \
	fi
	$(call dkms_stage,$(DKMS_SRC),$(DKMS_VERSION))
	dkms add -m cryo -v $(DKMS_VERSION)
	@set -e; for rel in $(DKMS_RELS); do \
		echo "  DKMS    cryo/$(DKMS_VERSION) for $$rel"; \
		dkms build -m cryo -v $(DKMS_VERSION) -k $$rel; \
		dkms install -m cryo -v $(DKMS_VERSION) -k $$rel; \
	done

dkms-uninstall:
	@if dkms status -m cryo -v $(DKMS_VERSION) | grep -q .; then \
		dkms remove -m cryo -v $(DKMS_VERSION) --all; \
	fi
	rm -rf $(DKMS_SRC)

# ---- install-check ---------------------------------------------------------------

INSTALL_CHECK	:= $(BUILD)/install-check

check: install-check

install-check: all
	@rm -rf $(INSTALL_CHECK) && mkdir -p $(INSTALL_CHECK)
	@$(call dkms_stage,$(INSTALL_CHECK)/dkms-src/cryo-$(DKMS_VERSION),$(DKMS_VERSION))
	BUILD='$(BUILD)' KERNELS='$(KERNELS)' MAKE='$(MAKE)' LIB_VERSION='$(LIB_VERSION)' \
		LIB_MAJOR='$(LIB_MAJOR)' DKMS_KERNEL_RE='$(DKMS_KERNEL_RE)' \
		selftests/install/check.sh $(INSTALL_CHECK)
