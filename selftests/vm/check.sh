#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# check.sh [run.sh options]: run the selftests in a VM for every kernel in
# $KERNELS (default "6.1 6.12") and count the results.  The last line of
# output is the overall verdict:
#   cryo: N passed, M failed[, K skipped]
# Exit status is non-zero iff anything failed.  A boot failure, timeout or
# kernel splat counts as (at least) one failure of that kernel, as does a
# test binary that exits non-zero without reporting a failed test, prints
# no TAP plan, reports a different number of results than it planned, or
# never finishes.  V=1 also prints the full TAP of each kernel.

set -euo pipefail
export LC_ALL=C

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$repo/$BUILD ;; esac
export BUILD
KERNELS=${KERNELS:-6.1 6.12}

# Count one kernel's result.txt.  Prints "  ..." detail lines and finally
# "COUNTS <passed> <failed> <skipped>".
count() {
	awk '
	function fail(msg) { failed++; print "  FAIL: " msg }
	function finish(rc,   why) {
		why = ""
		if (rc != 0 && rc != 4 && bfail == 0)	# 4: KSFT_SKIP
			why = why ", exited " rc (rc == 143 ? " (killed: per-binary timeout?)" : "")
		if (plan < 0)
			why = why ", printed no TAP plan"
		else if (n != plan)
			why = why ", " n " results for plan 1.." plan
		if (why != "")
			fail(cur ": " substr(why, 3))
		printf "  %s: %d passed, %d failed, %d skipped%s\n", cur, bpass, bfail, bskip,
			(rc != 0 ? " (exit " rc ")" : "")
		cur = ""
	}
	/^# cryo-vm: run / {
		if (cur != "") fail(cur ": no exit marker")
		cur = $4; plan = -1; n = 0; bpass = bfail = bskip = 0
		nbin++
		next
	}
	/^# cryo-vm: exit / {
		if (cur != $4) { fail("stray exit marker for " $4); next }
		finish($5 + 0)
		next
	}
	/^# cryo-vm: insmod-failed / { fail(substr($0, 12)); next }
	/^# cryo-vm: rmmod-failed / { fail(substr($0, 12) " (module still in use after the tests)"); next }
	/^# cryo-vm: unknown mode/ { fail(substr($0, 12)); next }
	/^# cryo-vm: done/ { done = 1; next }
	cur == "" { next }
	/^1\.\.[0-9]+/ {
		if (plan < 0) {
			plan = substr($1, 4) + 0
			# "1..0 # SKIP reason": the whole binary was skipped.
			if (plan == 0 && $0 ~ /# *[Ss][Kk][Ii][Pp]/) { bskip++; skipped++ }
		}
		next
	}
	/^(not )?ok [0-9]+/ {
		n++
		if ($0 ~ /# *[Ss][Kk][Ii][Pp]/) { bskip++; skipped++ }
		else if ($0 ~ /^ok/) { bpass++; passed++ }
		else { bfail++; print "  " cur ": " $0; failed++ }
		next
	}
	/^Bail out!/ { fail(cur ": " $0); next }
	END {
		if (cur != "")
			fail(cur ": did not finish (the guest crashed or hung while it ran)")
		if (nbin == 0)
			fail("no test binaries ran")
		else if (passed + failed == 0)
			fail("no test results (everything skipped?)")
		print "COUNTS " passed + 0, failed + 0, skipped + 0
	}' "$1"
}

tp=0 tf=0 ts=0
for k in $KERNELS; do
	echo "== cryo[$k]"
	p=0 f=0 s=0
	if ! rel=$("$here/kernel-release.sh" "$k"); then
		echo "  FAIL: kernel $k not installed"
		f=1
	else
		log=$BUILD/vm/$rel
		mkdir -p "$log"
		# run.sh explains its failures on stderr; the TAP goes to
		# result.txt anyway.
		rc=0
		if [ "${V:-0}" = 1 ]; then
			"$here/run.sh" "$k" --mode tests --log "$log" "$@" || rc=$?
		else
			"$here/run.sh" "$k" --mode tests --log "$log" "$@" >/dev/null || rc=$?
		fi
		if [ -f "$log/result.txt" ]; then
			out=$(count "$log/result.txt")
			grep -v '^COUNTS ' <<<"$out" || true
			read -r _ p f s < <(grep '^COUNTS ' <<<"$out")
		else
			echo "  FAIL: no $log/result.txt"
			f=1
		fi
		if [ $rc != 0 ]; then
			echo "  FAIL: the VM run failed (reason above; logs in $log)"
			f=$((f + 1))
		fi
		# An image frozen in one boot thaws in a fresh boot (two more
		# boots, the image carried through the host).
		out=$("$here/across-boots.sh" "$k" "$@" 2>&1) || true
		case $(grep -E '^(not )?ok ' <<<"$out") in
		"ok "*"# SKIP"*) s=$((s + 1)) ;;
		"ok "*) p=$((p + 1)) ;;
		*) f=$((f + 1)) ;;
		esac
		grep -E '^(not )?ok |logs in' <<<"$out" | sed 's/^/  /' || true

		# The thaw tests again on QEMU's "max" CPU model, which has
		# XSAVE and AVX (TCG emulates them): the FPU state goes
		# through XSAVE/XRSTOR and registers_avx runs instead of
		# skipping.  (6.12 needs cx16 off under TCG, as always.)
		cpu=max
		[ "${k%%.*}" = 6 ] && [ "${k#6.}" -ge 12 ] 2>/dev/null && cpu=max,-cx16
		xlog=$BUILD/vm/xsave/$rel
		mkdir -p "$xlog"
		rc=0
		VM_CPU=$cpu VM_APPEND="cryo.only=cryo_thaw_test" \
			"$here/run.sh" "$k" --mode tests --log "$xlog" "$@" \
			>/dev/null 2>&1 || rc=$?
		if [ -f "$xlog/result.txt" ]; then
			out=$(count "$xlog/result.txt")
			grep -v '^COUNTS ' <<<"$out" | sed "s/^\(  [a-z_]*\):/\1 (cpu $cpu):/" || true
			read -r _ xp xf xs < <(grep '^COUNTS ' <<<"$out")
			p=$((p + xp)) f=$((f + xf)) s=$((s + xs))
		else
			echo "  FAIL: no $xlog/result.txt"
			f=$((f + 1))
		fi
		if [ $rc != 0 ]; then
			echo "  FAIL: the VM run on cpu $cpu failed (logs in $xlog)"
			f=$((f + 1))
		fi
	fi
	echo "cryo[$k]: $p passed, $f failed, $s skipped"
	tp=$((tp + p)) tf=$((tf + f)) ts=$((ts + s))
done

summary="cryo: $tp passed, $tf failed"
[ $ts = 0 ] || summary+=", $ts skipped"
echo "$summary"
[ $tf = 0 ]
