#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Across boots, first boot (runs in the guest): freeze the static counter
# with --kill and print the image, base64, between marker lines.  The
# counter also holds a file of /tmp (tmpfs) open, as fd 5: the second boot
# makes it again, with the same contents and mtime but (another file made
# first) another inode number on a device numbered alike.
prog=/cryo/selftests/progs/counter_static
mkfifo /tmp/in || exit 1
exec 3<>/tmp/in
printf 'held across boots\n' > /tmp/held
touch -d '2020-01-01 00:00:00' /tmp/held || exit 1
echo "# across: held inode $(stat -c %i /tmp/held)"
"$prog" </tmp/in >/tmp/out 2>/dev/null 5</tmp/held &
pid=$!
sleep 1
printf c >&3
sleep 0.5
frozen=$(grep "^count" /tmp/out | tail -n 1)
case $frozen in "count "*) ;; *) echo "# across: no count from the target: $frozen"; exit 1 ;; esac
cryoctl freeze --kill "$pid" > /tmp/img || exit 1
wait "$pid" 2>/dev/null
echo "# across: frozen ${frozen#count }"
echo "# across: begin"
base64 /tmp/img
echo "# across: end"
