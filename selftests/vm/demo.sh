#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# make demo: runs inside the VM (busybox sh), after init loaded cryo.ko.
# Checks the installation, freezes a running counter into an image and
# kills it, shows the image, thaws it and shows the counter going on.

say() { printf '\n== %s\n' "$*"; }

say "kernel $(uname -r), module and device"
grep '^cryo ' /proc/modules
ls -l /dev/cryo
cryoctl check || exit 1

say "start a counter: it appends 1, 2, 3... to /tmp/count every 0.2 s"
sh -c 'i=0; while :; do i=$((i+1)); echo $i >> /tmp/count; sleep 0.2; done' \
	</dev/null >/dev/null 2>&1 &
pid=$!
sleep 1
echo "counter pid $pid is at $(tail -n 1 /tmp/count)"

say "cryoctl freeze --kill $pid > /tmp/counter.img"
# The shell and its 'sleep' child: the tree is frozen as one moment.
cryoctl freeze --kill "$pid" > /tmp/counter.img || exit 1
ls -l /tmp/counter.img
cryoctl verify /tmp/counter.img || exit 1
wait "$pid" 2>/dev/null
stopped=$(tail -n 1 /tmp/count)
echo "the counter is gone (killed after the image was stored), it stopped at $stopped"

say "cryoctl inspect /tmp/counter.img (abridged)"
cryoctl inspect /tmp/counter.img | head -n 20

say "cryoctl maps /tmp/counter.img"
cryoctl maps /tmp/counter.img

say "one second later, still stopped at $(sleep 1; tail -n 1 /tmp/count)"

say "cryoctl thaw /tmp/counter.img"
new=$(cryoctl thaw /tmp/counter.img) || exit 1
echo "restored as pid $new: $(tr '\0' ' ' < /proc/$new/cmdline)"
if cryoctl maps /tmp/counter.img | cmp -s - "/proc/$new/maps"; then
	echo "its /proc/$new/maps is identical to the image's"
fi
sleep 1
now=$(tail -n 1 /tmp/count)

say "the restored counter went on from $stopped: one second later it is at $now"
tail -n 8 /tmp/count | tr '\n' ' '
echo
kill "$new"
# Every number once, in order: nothing lost or repeated across the thaw.
n=$(wc -l < /tmp/count)
[ "$now" -gt "$stopped" ] && [ "$(tail -n 1 /tmp/count)" -eq "$n" ] || {
	echo "demo: the count is not continuous"; exit 1; }
echo "every number from 1 to $n exactly once: nothing lost across the freeze and thaw"
