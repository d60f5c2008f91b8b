#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kernel-release.sh <major.minor>: print the installed Debian cloud kernel
# release for that version (e.g. "6.1" -> "6.1.0-50-cloud-amd64"), the
# newest one if several are installed.  Both the image (to boot) and the
# headers (to build the module against) must be present.

set -euo pipefail

if [ $# -ne 1 ] || ! [[ $1 =~ ^[0-9]+\.[0-9]+$ ]]; then
	echo "usage: $0 <major.minor>   (e.g. 6.1 or 6.12)" >&2
	exit 2
fi
want=$1

# "vmlinuz-$want.*" keeps 6.1 from matching 6.12: the version must be
# followed by a dot (6.1.0-...), and 6.12 by a dot too (6.12.95+...).
rels=()
for img in /boot/vmlinuz-"$want".*-cloud-amd64; do
	[ -e "$img" ] || continue
	rel=${img#/boot/vmlinuz-}
	[ -e "/usr/src/linux-headers-$rel/Makefile" ] || continue
	rels+=("$rel")
done

if [ ${#rels[@]} -eq 0 ]; then
	echo "kernel-release: no $want cloud kernel with headers installed" \
		"(need /boot/vmlinuz-$want.*-cloud-amd64 and" \
		"/usr/src/linux-headers-<release>/Makefile); run selftests/vm/deps.sh" >&2
	exit 1
fi

printf '%s\n' "${rels[@]}" | sort -V | tail -n1
