#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh <6.1|6.12> [--mode tests|script|shell] [--timeout SECS] [--mem SIZE]
#        [--log DIR] [--test-timeout SECS] [--script FILE]
#
# Boot the Debian cloud kernel of that version under qemu (TCG) with the
# cryo initramfs and run the selftests, a script, or a shell.  Files in
# the log directory (default $BUILD/vm/<release>/):
#   console.log  kernel console (ttyS0)
#   result.txt   TAP of the selftests / output of the script (ttyS1)
#   dmesg.txt    full kernel log, written by the guest at the end (ttyS2)
#   qemu.log     qemu's own messages
# Exits non-zero on timeout, on a missing "# cryo-vm: done" marker and on
# any kernel splat.  Counting test results is check.sh's job.
#
# Environment: BUILD (default build), V=1 (stream the console), VM_SCRIPT,
# VM_EXTRA, VM_MODULES (see mkinitramfs.sh), VM_CPU (override the qemu
# CPU model), VM_APPEND (extra kernel command line), VM_BOOT_TIMEOUT
# (seconds a boot may take to load cryo.ko, default 240).

set -euo pipefail
export LC_ALL=C

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$repo/$BUILD ;; esac
export BUILD

usage() {
	sed -n '3,5s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
	exit 2
}
die() { echo "run.sh: $*" >&2; exit 1; }

[ $# -ge 1 ] || usage
orig_args=("$@")
ver=$1
shift
mode=tests
tmo=
mem=1G
logdir=
test_tmo=300
while [ $# -gt 0 ]; do
	case $1 in
	--mode) mode=${2:?}; shift 2 ;;
	--timeout) tmo=${2:?}; shift 2 ;;
	--mem) mem=${2:?}; shift 2 ;;
	--log) logdir=${2:?}; shift 2 ;;
	--test-timeout) test_tmo=${2:?}; shift 2 ;;
	--script) VM_SCRIPT=${2:?}; export VM_SCRIPT; shift 2 ;;
	*) usage ;;
	esac
done
case $mode in tests | script | shell) ;; *) usage ;; esac
if [ "$mode" = script ] && [ -z "${VM_SCRIPT:-}" ]; then
	die "--mode script needs VM_SCRIPT=<file> or --script <file>"
fi
[ "$mode" = script ] || unset VM_SCRIPT
# No hard limit for an interactive shell unless asked for.
[ -n "$tmo" ] || { [ "$mode" = shell ] && tmo=0 || tmo=600; }

command -v qemu-system-x86_64 >/dev/null ||
	die "qemu-system-x86_64 not found; run selftests/vm/deps.sh"
rel=$("$here/kernel-release.sh" "$ver")
kernel=/boot/vmlinuz-$rel
[ -r "$kernel" ] || die "$kernel is not readable"

# TCG quirk: the 6.12 kernel double-faults now and then when the CPU
# model has cmpxchg16b; newer kernels get the same safe model.
if [ -n "${VM_CPU:-}" ]; then
	cpu=$VM_CPU
elif [ "$ver" = 6.1 ]; then
	cpu=qemu64
else
	cpu=qemu64,-cx16
fi

vmdir=$BUILD/vm/$rel
logdir=${logdir:-$vmdir}
mkdir -p "$vmdir" "$logdir"
logdir=$(cd "$logdir" && pwd)
initrd=$vmdir/initramfs.cpio.gz
"$here/mkinitramfs.sh" "$rel" "$initrd"

console=$logdir/console.log
result=$logdir/result.txt
dmesg=$logdir/dmesg.txt
qlog=$logdir/qemu.log
rm -f "$console" "$result" "$dmesg" "$qlog"

# loglevel=7: everything but debug on the console, so the log of a run
# that crashes still shows what the module said before.  printk.devkmsg:
# the guest writes its progress markers to /dev/kmsg.  tsc=unstable: under
# TCG the emulated TSC drifts from the HPET, and 6.12's clocksource
# watchdog marks it unstable some seconds into the tests, patching static
# keys (sched_clock) live with int3 -- which QEMU's TCG got wrong once,
# an Oops in sched_clock_cpu() on the "max" CPU model.  Marked unstable
# at boot, the kernel takes the HPET from the start (as 6.1 already does:
# its TSCs are found unsynchronized at boot) and never patches mid-test.
append="console=ttyS0 panic=-1 oops=panic panic_on_warn=1 softlockup_panic=1"
append+=" loglevel=7 printk.devkmsg=on cryo.mode=$mode cryo.timeout=$test_tmo"
append+=" tsc=unstable"
append+=${VM_APPEND:+ $VM_APPEND}

# qemu option values separate with commas; a literal one is doubled.
q() { printf '%s' "${1//,/,,}"; }

qemu=(qemu-system-x86_64 -accel tcg -cpu "$cpu" -m "$mem" -smp 2
	-nodefaults -no-user-config -no-reboot
	-kernel "$kernel" -initrd "$initrd" -append "$append")
if [ "$mode" = shell ]; then
	# ttyS0 and the monitor multiplexed on the terminal (Ctrl-A x quits,
	# Ctrl-C goes to the guest), with a copy in console.log.
	qemu+=(-nographic
		-chardev "stdio,id=con,mux=on,signal=off,logfile=$(q "$console")"
		-serial chardev:con -mon chardev=con)
else
	qemu+=(-display none -monitor none
		-chardev "file,id=con,path=$(q "$console")" -serial chardev:con)
fi
qemu+=(-chardev "file,id=res,path=$(q "$result")" -serial chardev:res
	-chardev "file,id=dmesg,path=$(q "$dmesg")" -serial chardev:dmesg)

[ "${V:-0}" != 1 ] || echo "run.sh: ${qemu[*]}" >&2

start=$(date +%s%N)
rc=0
qpid=
tpid=
boot_hung=
# Background jobs of a script ignore SIGINT: pass Ctrl-C on to qemu (via
# timeout, which forwards SIGTERM).
# shellcheck disable=SC2317 # called from the trap
cleanup() {
	[ -z "$qpid" ] || kill "$qpid" 2>/dev/null || true
	[ -z "$tpid" ] || kill "$tpid" 2>/dev/null || true
	exit 130
}
trap cleanup INT TERM HUP
if [ "$mode" = shell ]; then
	if [ "$tmo" != 0 ]; then
		timeout --foreground -k 10 "$tmo" "${qemu[@]}" 2>"$qlog" || rc=$?
	else
		"${qemu[@]}" 2>"$qlog" || rc=$?
	fi
else
	: >"$console"
	timeout -k 10 "$tmo" "${qemu[@]}" </dev/null >"$qlog" 2>&1 &
	qpid=$!
	if [ "${V:-0}" = 1 ]; then
		tail -n +1 -s 0.2 -f --pid="$qpid" "$console" &
		tpid=$!
	fi
	# Under TCG a guest now and then hangs while booting, silently
	# (seen on 6.1 after "Switched to clocksource hpet"): without
	# cryo.ko's "loaded" line within VM_BOOT_TIMEOUT seconds it is
	# stopped and booted again below, like one that crashed.
	waited=0
	while kill -0 "$qpid" 2>/dev/null &&
		! grep -q 'cryo: ABI .* loaded' "$console" 2>/dev/null; do
		if [ "$waited" -ge "${VM_BOOT_TIMEOUT:-240}" ]; then
			boot_hung=1
			kill "$qpid" 2>/dev/null || true
			break
		fi
		sleep 1
		waited=$((waited + 1))
	done
	wait "$qpid" || rc=$?
	[ -z "$tpid" ] || wait "$tpid" || true
fi
trap - INT TERM HUP
ms=$((($(date +%s%N) - start) / 1000000))
printf 'run.sh: %s (%s) mode %s: qemu exited %d after %d.%d s\n' \
	"$ver" "$rel" "$mode" "$rc" $((ms / 1000)) $((ms % 1000 / 100)) >&2

fail=0
problem() { echo "run.sh: FAIL [$ver]: $*" >&2; fail=1; }

if [ -n "${boot_hung:-}" ]; then
	if [ "${CRYO_VM_RETRY:-0}" -lt 2 ]; then
		echo "run.sh: warning [$ver]: the guest hung while booting (no cryo.ko after ${VM_BOOT_TIMEOUT:-240}s); booting again" >&2
		tail -n 3 "$console" | sed 's/^/  | /' >&2
		CRYO_VM_RETRY=$((${CRYO_VM_RETRY:-0} + 1)) exec "$0" "${orig_args[@]}"
	fi
	problem "the guest hung while booting, three times; see $console"
fi

if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
	problem "timed out after ${tmo}s; see $console"
elif [ "$rc" != 0 ]; then
	problem "qemu exited with $rc; see $qlog"
	sed 's/^/  | /' "$qlog" | tail -n 20 >&2
fi

# Kernel lines only (printk timestamp), so output of user programs echoed
# on the console cannot be mistaken for a splat.
splat_re='^.*\[ *[0-9]+\.[0-9]+\] .*(BUG:|BUG [^ ]+ \((Not t|T)ainted|WARNING:|Oops|general protection|KASAN|KFENCE|UBSAN|possible circular locking|possible recursive locking|inconsistent lock state|cut here|Kernel panic|kernel BUG|kmemleak: .*suspected|unreferenced object|refcount_t:|list_(add|del) corruption|stack-protector|Call Trace:|blocked for more than|trying to register non-static key|double fault|hard LOCKUP|detected stall|ODEBUG:|Unable to handle)'
# The 6.12 kernel now and then crashes while booting under TCG (a double
# fault, an int3 Oops in timer code), long before cryo.ko is loaded: that
# is the emulator's problem, not cryo's.  Boot again, twice at most; a
# crash once the module is in counts as a failure as always.
if [ "$mode" != shell ] && [ "${CRYO_VM_RETRY:-0}" -lt 2 ] &&
	grep -Eq "$splat_re" "$console" 2>/dev/null &&
	! grep -q 'cryo: ABI .* loaded' "$console" "$dmesg" 2>/dev/null; then
	echo "run.sh: warning [$ver]: the guest crashed while booting, before cryo.ko was loaded; booting again" >&2
	grep -Em 3 "$splat_re" "$console" | sed 's/^/  | /' >&2
	CRYO_VM_RETRY=$((${CRYO_VM_RETRY:-0} + 1)) exec "$0" "${orig_args[@]}"
fi

splat=0
for f in "$console" "$dmesg"; do
	[ -s "$f" ] || continue
	if grep -Eq "$splat_re" "$f"; then
		problem "kernel splat in $f:"
		# The RIP lines name the faulting function.
		grep -En "$splat_re|\] RIP: " "$f" | head -n 30 | sed 's/^/  | /' >&2
		splat=1
		break
	fi
done

if [ "$mode" != shell ]; then
	if ! grep -q '^# cryo-vm: done' "$result" 2>/dev/null; then
		problem "no '# cryo-vm: done' marker in $result (guest crashed or hung); see $console"
		[ $splat = 1 ] || tail -n 15 "$console" 2>/dev/null | sed 's/^/  | /' >&2
	fi
	if grep -q '^# cryo-vm: insmod-failed' "$result" 2>/dev/null; then
		msg=$(grep '^# cryo-vm: insmod-failed' "$result" | head -n 1)
		if [ "$mode" = tests ]; then
			echo "run.sh: warning [$ver]: ${msg#\# cryo-vm: }; see $console" >&2
		else
			problem "${msg#\# cryo-vm: }; see $console"
		fi
	fi
fi

case $mode in
tests)
	[ -f "$result" ] && cat "$result"
	;;
script)
	[ -f "$result" ] && grep -v '^# cryo-vm: ' "$result"
	src=$(sed -n 's/^# cryo-vm: exit script.sh //p' "$result" 2>/dev/null || true)
	if [ -n "$src" ] && [ "$src" != 0 ]; then
		problem "script exited with $src"
	fi
	;;
esac

if [ $fail != 0 ]; then
	echo "run.sh: [$ver] logs in $logdir" >&2
	exit 1
fi
exit 0
