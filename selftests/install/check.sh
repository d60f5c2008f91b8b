#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# check.sh DIR: the packaging, checked on the build machine (make
# install-check; make check runs it before the VMs).  Everything happens in
# DIR, which the caller has emptied; DIR/dkms-src/cryo-<version> is the
# module's source as make dkms-install stages it.
#
#   - make install DESTDIR=DIR/root with an unusual prefix and libdir
#     installs exactly the expected files, links and modes;
#   - a program built with pkg-config against that tree (the EXAMPLES of
#     libcryoctl(3)) compiles, links (shared and static) and runs;
#   - every man page renders with man -l without a groff warning; every
#     function the map exports has its page; every cryoctl command has its
#     subsection in cryoctl(8);
#   - dkms builds the module for each kernel of KERNELS, each in a DKMS
#     tree of its own under DIR (nothing in /usr/src or /var/lib/dkms), and
#     refuses an unsupported kernel; then dkms remove.
#
# Environment (from mk/install.mk): BUILD, KERNELS, MAKE, LIB_VERSION,
# LIB_MAJOR, DKMS_KERNEL_RE.

set -euo pipefail

D=$(realpath "$1")
ROOT=$D/root
PREFIX=/opt/cryo
LIBDIR=$PREFIX/lib64
V=$LIB_VERSION
failures=0
T0=$SECONDS

say() { echo "install-check: $*"; }
fail() { echo "install-check: FAIL: $*" >&2; failures=$((failures + 1)); }

rels=()
for k in $KERNELS; do
	rels+=("$(selftests/vm/kernel-release.sh "$k")")
done

# ---- DKMS, in the background while the rest runs ---------------------------

dkms_dir() { echo "$D/dkms-$1"; }
# The trees and the signing key of our own, so that nothing of the
# machine's DKMS state is read or changed.
dkms_in() {
	local t=$1
	shift
	mok_signing_key=$t/mok.key mok_certificate=$t/mok.pub \
		dkms --dkmstree "$t/tree" --sourcetree "$D/dkms-src" \
		--installtree "$t/install" "$@"
}

dkms_build() {
	local rel=$1 t
	t=$(dkms_dir "$rel")
	mkdir -p "$t/tree" "$t/install"
	dkms_in "$t" add -m cryo -v "$V" &&
		dkms_in "$t" build -m cryo -v "$V" -k "$rel"
}

dkms_pids=()
for rel in "${rels[@]}"; do
	dkms_build "$rel" > "$D/dkms-$rel.log" 2>&1 &
	dkms_pids+=($!)
done

cleanup_dkms() {
	local rel t
	for rel in "${rels[@]}"; do
		t=$(dkms_dir "$rel")
		[ -d "$t/tree/cryo" ] && dkms_in "$t" remove -m cryo -v "$V" --all > /dev/null 2>&1
		rm -rf "$t"
	done
	rm -rf "$D/dkms-src"
}
trap 'wait; cleanup_dkms' EXIT

# ---- make install -------------------------------------------------------------

say "make install DESTDIR=$ROOT prefix=$PREFIX libdir=$LIBDIR"
$MAKE --no-print-directory install DESTDIR="$ROOT" prefix="$PREFIX" libdir="$LIBDIR" \
	> "$D/install.log" 2>&1 || { cat "$D/install.log" >&2; fail "make install"; exit 1; }
grep -q 'DEPMOD  skipped (DESTDIR is set)' "$D/install.log" || fail "depmod was not skipped for DESTDIR"

funcs=$(sed -n 's/^[[:space:]]*\(cryoctl_[a-z0-9_]*\);.*/\1/p' libcryoctl/libcryoctl.map | sort)
{
	for rel in "${rels[@]}"; do
		echo "f 644 lib/modules/$rel/updates/cryo.ko"
	done
	echo "f 755 $PREFIX/bin/cryoctl"
	echo "f 755 $LIBDIR/libcryoctl.so.$V"
	echo "l $LIBDIR/libcryoctl.so.$LIB_MAJOR -> libcryoctl.so.$V"
	echo "l $LIBDIR/libcryoctl.so -> libcryoctl.so.$LIB_MAJOR"
	echo "f 644 $LIBDIR/libcryoctl.a"
	echo "f 644 $LIBDIR/pkgconfig/libcryoctl.pc"
	echo "f 644 $PREFIX/include/cryoctl.h"
	for h in uapi/linux/*.h; do
		echo "f 644 $PREFIX/include/linux/${h##*/}"
	done
	echo "f 644 $PREFIX/share/man/man8/cryoctl.8"
	echo "f 644 $PREFIX/share/man/man3/libcryoctl.3"
	for f in $funcs; do
		echo "f 644 $PREFIX/share/man/man3/$f.3"
	done
	echo "f 644 etc/udev/rules.d/60-cryo.rules"
} | sed 's|^\([fl] [0-9]* *\)/|\1|' | sort > "$D/expected"
(cd "$ROOT" && find . \( -type f -printf 'f %m %P\n' \) -o \( -type l -printf 'l %P -> %l\n' \)) |
	sort > "$D/found"
if ! diff -u "$D/expected" "$D/found" > "$D/files.diff"; then
	fail "installed files differ from the expected list (- expected, + found):"
	sed -n '3,$p' "$D/files.diff" | grep '^[-+]' >&2
fi
grep -q 'GROUP="cryo", MODE="0660"' "$ROOT/etc/udev/rules.d/60-cryo.rules" ||
	fail "the udev rule does not give /dev/cryo to group cryo, mode 0660"
readelf -d "$ROOT$LIBDIR/libcryoctl.so.$V" | grep -q "SONAME.*\[libcryoctl.so.$LIB_MAJOR\]" ||
	fail "libcryoctl.so.$V has no SONAME libcryoctl.so.$LIB_MAJOR"
for rel in "${rels[@]}"; do
	vm=$(modinfo -F vermagic "$ROOT/lib/modules/$rel/updates/cryo.ko" | awk '{ print $1 }') || true
	[ "$vm" = "$rel" ] || fail "the installed cryo.ko for $rel has vermagic $vm"
done

# ---- pkg-config and a program built against the tree -------------------------

export PKG_CONFIG_PATH=$ROOT$LIBDIR/pkgconfig PKG_CONFIG_SYSROOT_DIR=$ROOT
# --cflags may add those of the private requirements (libnl), after ours.
flags=$(pkg-config --cflags --libs libcryoctl | xargs) || fail "pkg-config --cflags --libs libcryoctl"
case "$flags" in
"-I$ROOT$PREFIX/include "*"-L$ROOT$LIBDIR -lcryoctl") ;;
*) fail "pkg-config --cflags --libs gives '$flags', not -I$ROOT$PREFIX/include ... -L$ROOT$LIBDIR -lcryoctl" ;;
esac
[ "$(pkg-config --modversion libcryoctl)" = "$V" ] || fail "pkg-config --modversion is not $V"

# The EXAMPLES of libcryoctl(3), as the reader sees it.
sed -n '/^\.SH EXAMPLES/,/^\.SH/p' "$ROOT$PREFIX/share/man/man3/libcryoctl.3" |
	sed -n '/^\.nf/,/^\.fi/p' | sed -e '1d;$d' -e 's/\\-/-/g' -e 's/\\e/\\/g' > "$D/example.c"
grep -q cryoctl_open "$D/example.c" || fail "no example program in libcryoctl(3)"
# shellcheck disable=SC2046
if cc -Wall -Wextra -Werror -o "$D/example" "$D/example.c" $(pkg-config --cflags --libs libcryoctl) \
	2> "$D/cc.log"; then
	out=$(LD_LIBRARY_PATH=$ROOT$LIBDIR CRYOCTL_DEVICE=$D/no-such-device "$D/example" 2>&1 || true)
	[ "$out" = "/dev/cryo: No such file or directory" ] ||
		fail "the example program says '$out'"
else
	fail "the example of libcryoctl(3) does not build with pkg-config: $(cat "$D/cc.log")"
fi
# shellcheck disable=SC2046
if cc -o "$D/example-static" "$D/example.c" $(pkg-config --cflags libcryoctl) \
	$(pkg-config --static --libs libcryoctl | sed 's/-lcryoctl\b/-l:libcryoctl.a/') 2> "$D/cc.log"; then
	readelf -d "$D/example-static" | grep -q 'NEEDED.*libcryoctl' &&
		fail "the example linked with libcryoctl.a still needs libcryoctl.so"
else
	fail "the example does not link with libcryoctl.a: $(cat "$D/cc.log")"
fi
out=$(LD_LIBRARY_PATH=$ROOT$LIBDIR "$ROOT$PREFIX/bin/cryoctl" --version 2>&1 || true)
echo "$out" | grep -q "^cryoctl $V\$" || fail "the installed cryoctl --version says '$out'"

# ---- man pages -----------------------------------------------------------------

pages=("$ROOT$PREFIX"/share/man/man*/*.[0-9])
for p in "${pages[@]}"; do
	w=$(MANWIDTH=80 LC_ALL=C.UTF-8 man --warnings -l "$p" 2>&1 > "$D/page.txt") ||
		fail "man -l $(basename "$p") failed"
	[ -z "$w" ] || fail "man -l $(basename "$p"): $w"
	[ "$(wc -l < "$D/page.txt")" -gt 10 ] || fail "$(basename "$p") renders to almost nothing"
	# Every page it refers to is installed (or is a system page).
	# shellcheck disable=SC2013
	for ref in $(sed -n 's/^\.BR \([a-z]*cryoctl[a-z0-9_]*\) (\([0-9]\)).*/\1.\2/p' "$p"); do
		[ -e "$ROOT$PREFIX/share/man/man${ref##*.}/$ref" ] || fail "$(basename "$p") refers to $ref, not installed"
	done
done
cmds=$(LD_LIBRARY_PATH=$ROOT$LIBDIR "$ROOT$PREFIX/bin/cryoctl" --help |
	sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p')
[ -n "$cmds" ] || fail "no commands in cryoctl --help"
for c in $cmds; do
	grep -q "^\.SS \"cryoctl $c\b" "$ROOT$PREFIX/share/man/man8/cryoctl.8" ||
		fail "cryoctl(8) has no subsection for 'cryoctl $c' (libcryoctl/man/cryoctl.8.in)"
done
say "installed $(wc -l < "$D/found") files, ${#pages[@]} man pages checked ($((SECONDS - T0))s)"

# ---- make dkms-install refuses an unsupported kernel, touching nothing ---------

if $MAKE --no-print-directory dkms-install KREL=6.13.0-1-cloud-amd64 > "$D/unsupported.log" 2>&1; then
	fail "make dkms-install accepted kernel 6.13"
else
	grep -q 'kernel 6.13.0-1-cloud-amd64 is not supported: cryo builds for Linux 6.1 to 6.12 only' \
		"$D/unsupported.log" || fail "make dkms-install KREL=6.13...: $(cat "$D/unsupported.log")"
fi

# ---- DKMS ------------------------------------------------------------------------

# make dkms-install writes the version into the copy; the one in the tree
# is for "dkms add ." and must agree.
grep -qx "PACKAGE_VERSION=\"$V\"" dkms.conf ||
	fail "dkms.conf: PACKAGE_VERSION is not \"$V\", the version of the Makefile (LIB_VERSION)"

i=0
for rel in "${rels[@]}"; do
	if wait "${dkms_pids[$i]}"; then
		# cryo.ko.xz where the kernel compresses its modules (6.12)
		ko=$(echo "$(dkms_dir "$rel")/tree/cryo/$V/$rel"/x86_64/module/cryo.ko*)
		vm=$(modinfo -F vermagic "$ko" 2>/dev/null | awk '{ print $1 }') || true
		if [ "$vm" = "$rel" ]; then
			say "dkms build cryo/$V for $rel: ok (${ko##*/})"
		else
			fail "dkms built no cryo.ko for $rel ($ko)"
		fi
	else
		fail "dkms build cryo/$V for $rel:"
		cat "$D/dkms-$rel.log" >&2
		log=$(dkms_dir "$rel")/tree/cryo/$V/build/make.log
		[ -e "$log" ] && tail -n 30 "$log" >&2
	fi
	i=$((i + 1))
done
dkms_pids=()
# DKMS's own refusal, for a kernel dkms.conf excludes: before any build.
t=$(dkms_dir "${rels[0]}")
rc=0
dkms_in "$t" build -m cryo -v "$V" -k 6.13.0-1-cloud-amd64 > "$D/dkms-6.13.log" 2>&1 || rc=$?
if [ $rc -ne 77 ] || ! grep -q 'BUILD_EXCLUSIVE directive which does not match this kernel' "$D/dkms-6.13.log"; then
	fail "dkms build for 6.13 was not refused by BUILD_EXCLUSIVE_KERNEL (status $rc): $(cat "$D/dkms-6.13.log")"
fi
for rel in 6.0.12-1-amd64 6.13.1-1-amd64 5.10.0-30-amd64 7.1.0-1-amd64; do
	echo "$rel" | grep -Eq "$DKMS_KERNEL_RE" && fail "dkms.conf accepts kernel $rel"
done
for rel in 6.1.0-50-cloud-amd64 6.9.1 6.12.95+deb12-cloud-amd64; do
	echo "$rel" | grep -Eq "$DKMS_KERNEL_RE" || fail "dkms.conf refuses kernel $rel"
done
cleanup_dkms
trap - EXIT

if [ $failures -ne 0 ]; then
	say "$failures failure(s)"
	exit 1
fi
rm -rf "$ROOT" "$D"/example*
say "ok ($((SECONDS - T0))s)"
