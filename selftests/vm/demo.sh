#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# make demo: runs inside the VM (busybox sh), after init loaded cryo.ko.
# Shows the module, the device, and cryoctl's diagnosis of both.

say() { printf '\n== %s\n' "$*"; }

say "kernel"
uname -r
say "module loaded"
grep '^cryo ' /proc/modules
dmesg | grep 'cryo:' | tail -n 3
say "device"
ls -l /dev/cryo
say "cryoctl version"
cryoctl version
say "cryoctl check"
cryoctl check
echo "cryoctl check exit status: $?"
