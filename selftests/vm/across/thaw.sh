#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Across boots, second boot (runs in the guest): thaw the image the first
# boot printed (VM_EXTRA put it at $CRYO_ACROSS_IMG), give the counter a
# fresh command pipe and output file, and have it check its own memory.
img=@IMG@
: > /tmp/another
: > /tmp/and-another
printf 'held across boots\n' > /tmp/held
touch -d '2020-01-01 00:00:00' /tmp/held || exit 1
mkfifo /tmp/in || exit 1
exec 3<>/tmp/in
pid=$(cryoctl thaw --inherit-fd 0=3 --inherit-fd 1=4 "$img" 4>/tmp/out) || exit 1
echo "# across: thawed as $pid"
echo "# across: held inode $(stat -c %i /tmp/held)"
printf v >&3
sleep 1
printf c >&3
sleep 1
echo "# across: $(tr '\n' ' ' < /tmp/out)"
kill "$pid"
