#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mkinitramfs.sh <kernel-release> <out.cpio.gz>
#
# Build the test VM's initramfs: static busybox, selftests/vm/init as
# /init, and the cryo build products under /cryo:
#
#   /cryo/cryo.ko        $BUILD/kmod/<rel>/module/cryo.ko (required)
#   /cryo/deps/          in-tree modules cryo.ko (and $VM_MODULES) need,
#                        decompressed, load order in /cryo/deps/order
#   /cryo/bin/           $BUILD/bin/*
#   /cryo/lib/           $BUILD/lib/*.so*
#   /cryo/selftests/     copy of $BUILD/selftests
#   /cryo/examples/      copy of $BUILD/examples
#   /cryo/script.sh      $VM_SCRIPT, if set (run by cryo.mode=script)
#
# plus every shared library (and the dynamic loader) the ELF files in
# there need, at the same absolute path as on the host.
#
# Environment:
#   BUILD       build directory (default: build, relative to the repo root)
#   VM_SCRIPT   host file to run in the guest instead of the selftests
#   VM_EXTRA    space-separated host files/dirs copied in at the same
#               path, with their libraries (e.g. a CRIU binary)
#   VM_MODULES  space-separated in-tree module names of <rel> to load
#               before cryo.ko (with their dependencies)

set -euo pipefail
export LC_ALL=C

if [ $# -ne 2 ]; then
	echo "usage: $0 <kernel-release> <out.cpio.gz>" >&2
	exit 2
fi
rel=$1
out=$2

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$repo/$BUILD ;; esac

die() { echo "mkinitramfs: $*" >&2; exit 1; }
warn() { echo "mkinitramfs: warning: $*" >&2; }

ko=$BUILD/kmod/$rel/module/cryo.ko
[ -f "$ko" ] || die "$ko not found (build the module for $rel first)"
busybox=$(command -v busybox || true)
[ -n "$busybox" ] || die "busybox not found (install busybox-static)"
# A dynamic busybox would need its libraries in the guest; insist on the
# static one so the guest shell works even if library copying is broken.
if ldd "$busybox" >/dev/null 2>&1; then
	for b in /bin/busybox /usr/bin/busybox; do
		[ -x "$b" ] && ! ldd "$b" >/dev/null 2>&1 && { busybox=$b; break; }
	done
	ldd "$busybox" >/dev/null 2>&1 && die "$busybox is not static (install busybox-static)"
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cryo-initramfs.XXXXXX")
trap 'rm -rf "$tmp" "$out.tmp.$$"' EXIT
root=$tmp/root
mkdir -p "$root"

# Lexically normalise an absolute path (no symlink resolution).
norm() { realpath -m -s "$1"; }

# install_path <abs-host-path> [copy-dirs]: recreate the host path in
# $root, reproducing every symlink met on the way (merged /usr: /lib ->
# usr/lib, /lib64/ld-linux-x86-64.so.2 -> /lib/x86_64-linux-gnu/...),
# so that the path a binary was linked against resolves in the guest
# exactly as on the host.  A directory at the end is copied recursively
# unless copy-dirs is 0 (then it is only created).
install_path() {
	local p cur='' comp t rest i copy=${2:-1} depth=${3:-0}
	local -a parts
	[ "$depth" -lt 40 ] || die "symlink loop at $1"
	p=$(norm "$1")
	IFS=/ read -ra parts <<<"${p#/}"
	for ((i = 0; i < ${#parts[@]}; i++)); do
		comp=${parts[i]}
		[ -n "$comp" ] || continue
		cur=$cur/$comp
		if [ -L "$cur" ]; then
			t=$(readlink "$cur")
			[ -L "$root$cur" ] || [ -e "$root$cur" ] || ln -s "$t" "$root$cur"
			[[ $t == /* ]] || t=${cur%/*}/$t
			rest=$(IFS=/; echo "${parts[*]:i+1}")
			install_path "$t${rest:+/$rest}" "$copy" $((depth + 1))
			return
		elif [ $((i + 1)) -lt ${#parts[@]} ]; then
			[ -d "$root$cur" ] || mkdir "$root$cur"
		elif [ -d "$cur" ]; then
			mkdir -p "$root$cur"
			[ "$copy" = 0 ] || cp -a "$cur/." "$root$cur/"
		elif [ -e "$cur" ]; then
			[ -e "$root$cur" ] || cp -a "$cur" "$root$cur"
		else
			die "$1: no such file"
		fi
	done
}

# Skeleton.  Reproduce the host's top-level symlinks (merged /usr) first
# so library paths and busybox applet paths agree with each other.
for d in bin sbin lib lib32 lib64 libx32; do
	if [ -L "/$d" ]; then
		install_path "/$d" 0
	fi
done
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,dev,proc,sys,tmp,run,root,cryo}
chmod 1777 "$root/tmp"
chmod 700 "$root/root"
# The kernel opens /dev/console for /init before anything is mounted;
# without the node /init starts with no stdio (init re-opens it anyway
# once devtmpfs is mounted, so this may fail when not root).
mknod -m 600 "$root/dev/console" c 5 1 2>/dev/null || true

cp "$busybox" "$root/bin/busybox"
# Applet links at build time: no --install at boot, and the paths match
# what busybox itself expects (/bin/sh, /sbin/poweroff, ...).
"$busybox" --list-full | while read -r a; do
	[ -e "$root/$a" ] || [ -L "$root/$a" ] || ln -s /bin/busybox "$root/$a"
done
install -m 755 "$here/init" "$root/init"

cat >"$root/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
cat >"$root/etc/group" <<'EOF'
root:x:0:
cryo:x:1000:
nogroup:x:65534:
EOF
# Without it glibc may try services whose modules are not in the image.
cat >"$root/etc/nsswitch.conf" <<'EOF'
passwd: files
group: files
shadow: files
hosts: files
EOF
cat >"$root/etc/hosts" <<'EOF'
127.0.0.1 localhost
::1 localhost
EOF
echo cryo-vm >"$root/etc/hostname"

# The module and the in-tree modules it (and $VM_MODULES) depend on.
cp "$ko" "$root/cryo/cryo.ko"
mkdir -p "$root/cryo/deps"
: >"$root/cryo/deps/order"
# Hard dependencies only (modinfo "depends", depth first), not softdeps:
# those may not apply to the guest CPU (crc32c-intel on qemu64).
add_mod() {
	local name=$1 f base d
	f=$(modinfo -k "$rel" -n "$name" 2>/dev/null) ||
		die "module $name (needed for $rel) not found in /lib/modules/$rel"
	[ "$f" != "(builtin)" ] || return 0
	base=$(basename "$f"); base=${base%.xz}; base=${base%.zst}; base=${base%.gz}
	! grep -qx "$base" "$root/cryo/deps/order" || return 0
	for d in $(modinfo -F depends "$f" | tr ',' ' '); do
		add_mod "$d"
	done
	case $f in
	*.xz) xz -dc "$f" >"$root/cryo/deps/$base" ;;
	*.zst) zstd -qdc "$f" >"$root/cryo/deps/$base" ;;
	*.gz) gzip -dc "$f" >"$root/cryo/deps/$base" ;;
	*) cp "$f" "$root/cryo/deps/$base" ;;
	esac
	echo "$base" >>"$root/cryo/deps/order"
}
for m in $(modinfo -F depends "$ko" | tr ',' ' ') ${VM_MODULES:-}; do
	add_mod "$m"
done

# Programs and shared libraries only: $BUILD/lib also holds objects and
# the static archive.
mkdir -p "$root/cryo/bin" "$root/cryo/lib"
if [ -d "$BUILD/bin" ]; then
	find "$BUILD/bin" -maxdepth 1 \( -type f -o -type l \) -exec cp -a {} "$root/cryo/bin/" \;
else
	warn "$BUILD/bin missing"
fi
if [ -d "$BUILD/lib" ]; then
	find "$BUILD/lib" -maxdepth 1 \( -type f -o -type l \) -name '*.so*' -exec cp -a {} "$root/cryo/lib/" \;
else
	warn "$BUILD/lib missing"
fi
# Example programs built on libcryoctl (a selftest runs them).
if [ -d "$BUILD/examples" ]; then
	mkdir -p "$root/cryo/examples"
	cp -a "$BUILD/examples/." "$root/cryo/examples/"
fi
# Real programs some selftests run, when the host has them (deps.sh
# installs them): their libraries come in with cryo's below.  tail is
# coreutils' (busybox's follows by sleeping, not with inotify).
for b in sqlite3 top tail; do
	p=$(command -v "$b" 2>/dev/null) || continue
	cp "$(readlink -f "$p")" "$root/cryo/bin/$b"
done
# Their terminal descriptions (cryo_tty_test runs top with TERM=xterm),
# where ncurses looks for them.
for t in x/xterm v/vt100 l/linux d/dumb; do
	for d in /lib/terminfo /usr/share/terminfo; do
		[ -e "$d/$t" ] || continue
		mkdir -p "$root/usr/share/terminfo/${t%/*}"
		cp -L "$d/$t" "$root/usr/share/terminfo/$t"
		break
	done
done
if [ -d "$BUILD/selftests" ]; then
	mkdir -p "$root/cryo/selftests"
	cp -a "$BUILD/selftests/." "$root/cryo/selftests/"
else
	warn "$BUILD/selftests missing: no tests will run"
fi

if [ -n "${VM_SCRIPT:-}" ]; then
	[ -f "$VM_SCRIPT" ] || die "VM_SCRIPT=$VM_SCRIPT not found"
	install -m 755 "$VM_SCRIPT" "$root/cryo/script.sh"
fi

# Shared libraries of every dynamic ELF file under the given paths.  The
# cryo ones are found through LD_LIBRARY_PATH (as in the guest) and are
# already in.
is_elf() {
	local m
	IFS= read -r -n 4 m <"$1" 2>/dev/null || true
	[ "$m" = $'\x7fELF' ]
}
declare -A seen=()
add_libs() {
	local f libs lib

	while IFS= read -r -d '' f; do
		is_elf "$f" || continue
		case $f in *.ko) continue ;; esac
		# ldd exits non-zero for static binaries: nothing to copy.
		libs=$(LD_LIBRARY_PATH=$root/cryo/lib ldd "$f" 2>/dev/null) || continue
		if grep -q 'not found' <<<"$libs"; then
			die "${f#"$root"}: $(grep 'not found' <<<"$libs" | tr -s ' \t' ' ')"
		fi
		while read -r lib; do
			case $lib in "$root"/*) continue ;; esac
			[ -n "${seen[$lib]:-}" ] && continue
			seen[$lib]=1
			install_path "$lib"
		done < <(awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' <<<"$libs")
	done < <(find "$@" -type f -print0)
}
add_libs "$root/cryo"

# Entries VM_EXTRA adds, with their libraries, go to the end of the
# archive (see below), in sorted order: a directory before what it holds.
entries() { (cd "$root" && find . -mindepth 1 | sort); }
entries >"$tmp/before-extras"
extras=()
for e in ${VM_EXTRA:-}; do
	[[ $e == /* ]] || e=$(realpath -s "$e")
	[ -e "$e" ] || die "VM_EXTRA: $e not found"
	case $e in
	/tmp/* | /run/* | /dev/* | /proc/* | /sys/*)
		die "VM_EXTRA: $e would be hidden by a filesystem the guest mounts there" ;;
	esac
	install_path "$e"
	extras+=("$root$e")
done
[ ${#extras[@]} -eq 0 ] || add_libs "${extras[@]}"
entries | comm -13 "$tmp/before-extras" - >"$tmp/extras"

# Everything must be usable by tests that drop to nobody.
chmod -R a+rX "$root/cryo"

mkdir -p "$(dirname "$out")"
# The guest numbers inodes in archive order.  A thaw checks the inode of
# every file the image maps, so the files every boot has must come first,
# in the same order whatever VM_EXTRA adds: an image carried from one boot
# into the next (selftests/vm/across-boots.sh) would otherwise find its
# program "changed" whenever the extra's path sorts before /cryo.
# gzip -1: the image is a few MB; faster level costs nothing at boot.
{ entries | comm -23 - "$tmp/extras"; cat "$tmp/extras"; } |
	(cd "$root" && cpio -o -H newc -R 0:0 --quiet) | gzip -1 >"$out.tmp.$$"
mv -f "$out.tmp.$$" "$out"
