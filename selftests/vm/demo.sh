#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# make demo: runs inside the VM (busybox sh), after init loaded cryo.ko.
# Checks the installation, then freezes a running counter into an image,
# shows what the image holds, and shows the counter going on.

say() { printf '\n== %s\n' "$*"; }

say "kernel $(uname -r), module and device"
grep '^cryo ' /proc/modules
ls -l /dev/cryo
cryoctl check || exit 1

say "start a counter: it writes 1, 2, 3... to /tmp/count every 0.2 s"
sh -c 'i=0; while :; do i=$((i+1)); echo $i > /tmp/count; sleep 0.2; done' &
pid=$!
sleep 1
echo "counter pid $pid is at $(cat /tmp/count)"

say "cryoctl freeze $pid > /tmp/counter.img"
cryoctl freeze "$pid" > /tmp/counter.img || exit 1
ls -l /tmp/counter.img
cryoctl verify /tmp/counter.img || exit 1

say "cryoctl inspect /tmp/counter.img (abridged)"
cryoctl inspect /tmp/counter.img | head -n 40

say "cryoctl maps /tmp/counter.img  vs  /proc/$pid/maps"
cryoctl maps /tmp/counter.img
if cryoctl maps /tmp/counter.img | cmp -s - "/proc/$pid/maps"; then
	echo "(identical to /proc/$pid/maps)"
fi

say "the counter went on after the freeze (a checkpoint resumes it)"
a=$(cat /tmp/count)
sleep 1
b=$(cat /tmp/count)
echo "counter: $a, one second later $b"
kill "$pid"
[ "$b" -gt "$a" ]
