#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# across-boots.sh <6.1|6.12> [run.sh options]: freeze the static counter
# in one boot of the VM, carry the image through the host, thaw it in a
# fresh boot of the same kernel, and check that it verifies its memory and
# counts on from where it stopped.  Prints TAP ("ok 1 ..." / "not ok 1
# ...") for check.sh; the exit status says the same.
set -euo pipefail
export LC_ALL=C
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$(cd "$here/../.." && pwd)/$BUILD ;; esac
export BUILD
ver=${1:?usage: across-boots.sh <6.1|6.12>}
shift
rel=$("$here/kernel-release.sh" "$ver")
dir=$BUILD/vm/across/$rel
rm -rf "$dir" && mkdir -p "$dir/1" "$dir/2"
img=$dir/counter.img
fail() { echo "not ok 1 across boots: $*"; echo "  logs in $dir" >&2; exit 1; }

echo "1..1"
# VM_EXTRA puts the image at the same path in the guest, whose /tmp is
# its own tmpfs: a BUILD under /tmp stages the image in /var/tmp.
case $img in /tmp/* | /run/*)
	stage=$(mktemp -d /var/tmp/cryo-across.XXXXXX)
	trap 'rm -rf "$stage"' EXIT
	img=$stage/counter.img ;;
esac
"$here/run.sh" "$ver" --mode script --script "$here/across/freeze.sh" \
	--log "$dir/1" "$@" >/dev/null 2>&1 || fail "first boot failed"
out=$dir/1/result.txt
frozen=$(sed -n 's/^# across: frozen \([0-9]*\).*/\1/p' "$out")
[ -n "$frozen" ] || fail "first boot froze nothing"
sed -n '/^# across: begin/,/^# across: end/p' "$out" | sed '1d;$d' |
	tr -d '\r' | base64 -d > "$img" || fail "the image did not come through"

sed "s|@IMG@|$img|" "$here/across/thaw.sh" > "$dir/thaw.sh"
VM_EXTRA="$img" "$here/run.sh" "$ver" --mode script --script "$dir/thaw.sh" \
	--log "$dir/2" "$@" >/dev/null 2>&1 ||
	fail "second boot failed$(grep -h -m 1 '^cryoctl:' "$dir/2/result.txt" 2>/dev/null |
		sed 's/^/: /')"
# The held file must have had another inode number, on a device numbered
# alike (tmpfs), for the test to show that only the boot id decides.
ino1=$(sed -n 's/^# across: held inode //p' "$out")
ino2=$(sed -n 's/^# across: held inode //p' "$dir/2/result.txt")
[ -n "$ino1" ] && [ -n "$ino2" ] && [ "$ino1" != "$ino2" ] ||
	fail "the held file's inode was $ino1, then $ino2: nothing tested"
res=$(sed -n 's/^# across: \(ok .*\)/\1/p' "$dir/2/result.txt")
# "ok N count M": memory verified at N >= frozen, then counting on.
set -- $res
[ "${1:-}" = ok ] && [ "${3:-}" = count ] ||
	fail "the thawed counter did not verify: $(grep '^# across' "$dir/2/result.txt" | tr '\n' ' ')"
[ "$2" -ge "$frozen" ] && [ "$4" -gt "$2" ] ||
	fail "frozen at $frozen, verified at $2, then at $4"
echo "ok 1 across boots: frozen at $frozen, thawed in a fresh boot, verified at $2, counted on to $4"
