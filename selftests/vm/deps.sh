#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install everything cryo needs to build, test and benchmark on a Debian
# bookworm machine.  Idempotent: when every package is present it only
# checks and returns within seconds.  Must run as root.
#
# The 6.12 kernel comes from bookworm-backports.  We never name a mirror:
# the backports source reuses the URIs of the machine's own Debian source.

set -euo pipefail

PKGS="qemu-system-x86 qemu-utils busybox-static dwarves libnl-3-dev
libnl-genl-3-dev linux-source-6.1 sparse criu iptables cpio xz-utils
build-essential bc kmod pkg-config man-db dkms sqlite3 procps"

BPO_LIST=/etc/apt/sources.list.d/cryo-backports.sources

log() { echo "deps: $*" >&2; }

missing_pkgs() {
	local p
	for p in $PKGS; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
			grep -q '^install ok installed$' || echo "$p"
	done
}

# Kernel image+headers for one flavour: succeed if some installed
# linux-headers-<ver>-cloud-amd64 matches the wanted major.minor.
have_kernel() {
	local want=$1 d
	for d in /usr/src/linux-headers-"$want".*-cloud-amd64; do
		[ -e "$d/Makefile" ] || continue
		local rel=${d#/usr/src/linux-headers-}
		[ -e "/boot/vmlinuz-$rel" ] && return 0
	done
	return 1
}

apt_updated=
apt_update() {
	[ -n "$apt_updated" ] && return 0
	log "apt-get update"
	apt-get update -qq >&2
	apt_updated=1
}

# Read the URIs of the first Debian bookworm source of this machine,
# in either deb822 (.sources) or one-line (.list) form.
debian_uris() {
	local f
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -e "$f" ] || continue
		awk '
			/^[[:space:]]*$/ { if (uris != "" && suite) { print uris; exit } uris=""; suite=0; next }
			/^URIs:/ { uris=$2 }
			/^Suites:/ { for (i = 2; i <= NF; i++) if ($i == "bookworm") suite=1 }
			END { if (uris != "" && suite) print uris }
		' "$f" | head -n1 | grep . && return 0
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -e "$f" ] || continue
		awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /:\/\//) { if ($(i+1) == "bookworm") { print $i; exit } } }' "$f" |
			head -n1 | grep . && return 0
	done
	return 1
}

add_backports() {
	[ -e "$BPO_LIST" ] && return 0
	local uri
	uri=$(debian_uris) || { log "no Debian bookworm apt source found to reuse for backports"; exit 1; }
	log "adding bookworm-backports from the machine's Debian source"
	cat > "$BPO_LIST" <<EOF
Types: deb
URIs: $uri
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
	apt_updated=
}

# Install the versioned image and headers packages that the cloud
# metapackage of a suite points to, without installing the metapackage
# itself (the bookworm and backports metapackages share one name).
install_kernel() {
	local suite=$1 ver deps
	ver=$(apt-cache madison linux-image-cloud-amd64 | awk -v s="$suite" '$0 ~ s"/main" { print $3; exit }')
	[ -n "$ver" ] || { log "no linux-image-cloud-amd64 in $suite"; exit 1; }
	deps=$(apt-cache show "linux-image-cloud-amd64=$ver" | awk -F': ' '/^Depends:/ { print $2; exit }' |
		tr ',' '\n' | awk '{ print $1 }' | grep '^linux-image-')
	local rel=${deps#linux-image-}
	log "installing kernel $rel from $suite"
	# pkg/suite picks that suite for these packages (and the dependencies
	# that need it) without upgrading anything else from it.
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		"linux-image-$rel/$suite" "linux-headers-$rel/$suite" >&2
}

need=$(missing_pkgs)
k61=1; k612=1
have_kernel 6.1 && k61=
have_kernel 6.12 && k612=
if [ -z "$need" ] && [ -z "$k61" ] && [ -z "$k612" ]; then
	exit 0
fi

if [ "$(id -u)" != 0 ]; then
	log "missing:" $need ${k61:+kernel-6.1} ${k612:+kernel-6.12}
	log "run 'make deps' as root to install them"
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
[ -n "$k612" ] && add_backports
apt_update
if [ -n "$need" ]; then
	log "installing:" $need
	apt-get install -y -qq --no-install-recommends $need >&2
fi
[ -n "$k61" ] && install_kernel bookworm
[ -n "$k612" ] && install_kernel bookworm-backports
log "done"
