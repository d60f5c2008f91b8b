#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Across boots, first boot (runs in the guest): freeze the static counter
# with --kill and print the image, base64, between marker lines.
prog=/cryo/selftests/progs/counter_static
mkfifo /tmp/in || exit 1
exec 3<>/tmp/in
"$prog" </tmp/in >/tmp/out 2>/dev/null &
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
