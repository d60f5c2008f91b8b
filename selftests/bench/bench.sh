#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench.sh [run.sh options]: `make bench`.  For every kernel in $KERNELS
# (default 6.1), boot the VM once with CRIU and the bench programs in its
# initramfs, run selftests/bench/guest.sh there (cryo and CRIU side by
# side on the same workloads, and the VM's own copy references), then
# print the table (report.awk) and write, in $BUILD/bench/:
#   <release>/result.txt    the guest's raw records
#   <release>/results.json  medians, samples, ratios, goals
#   <release>/table.txt     the table as printed
#   results.json            {"<release>": <that kernel's results>, ...}
# Exits non-zero if a workload self-check failed, a tool failed, or the
# guest did not finish.  Timings are reported, never judged.
#
# bench.sh --profile [run.sh options]: `make bench-profile`, see below.
#
# Environment: BUILD, KERNELS, V=1 (stream the guest console),
#   BENCH_WORKLOADS  default "16 64 256 1024 sparse threads" (MiB, a
#                    sparse 1 GiB mapping with 16 MiB touched, 16 threads
#                    of 16 MiB each)
#   BENCH_RUNS       runs per workload (default 5)
#   BENCH_RUNS_1024  runs of the 1024 MiB case (default 3)
#   BENCH_MEM        guest memory (default 4G; the 1024 MiB case needs
#                    about 3 GiB free in the guest)
#   BENCH_TIMEOUT    seconds for one guest run (default 3600)

set -euo pipefail
export LC_ALL=C

profile=
if [ "${1:-}" = --profile ]; then
	profile=1
	shift
fi

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
vm=$repo/selftests/vm
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$repo/$BUILD ;; esac
export BUILD
KERNELS=${KERNELS:-6.1}
WORKLOADS=${BENCH_WORKLOADS:-16 64 256 1024 sparse threads}
RUNS=${BENCH_RUNS:-5}
RUNS_1024=${BENCH_RUNS_1024:-3}
MEM=${BENCH_MEM:-4G}
TMO=${BENCH_TIMEOUT:-3600}
out=$BUILD/bench
bin=$out/bin

die() { echo "bench: $*" >&2; exit 1; }

case $BUILD in
/tmp/*) die "BUILD=$BUILD is under /tmp, which the guest hides; use another BUILD" ;;
esac
for p in workload benchtool; do
	[ -x "$bin/$p" ] || die "$bin/$p missing (make bench builds it)"
done
command -v criu >/dev/null || die "criu is not installed (make deps)"

# Is there room for the guest?  MemAvailable in kB against BENCH_MEM.
want_kb=$(numfmt --from=iec "${MEM}" 2>/dev/null || echo 0)
want_kb=$((want_kb / 1024))
avail_kb=$(sed -n 's/^MemAvailable:[[:space:]]*\([0-9]*\).*/\1/p' /proc/meminfo)
if [ "$want_kb" -gt 0 ] && [ "$avail_kb" -lt $((want_kb + 512 * 1024)) ]; then
	echo "bench: warning: $((avail_kb / 1024)) MiB available for a $MEM guest" >&2
fi

# What CRIU needs in the guest: the socket diag modules (criu check and
# dump query every socket family), tun, veth and macvlan (criu check),
# nf_tables and nft_compat (its network lock goes through iptables-nft),
# autofs4; iptables-nft with its extensions (dlopen()ed, so not found by
# ldd).  Only the bench's initramfs carries them.
criu_modules="inet_diag tcp_diag udp_diag raw_diag unix_diag netlink_diag
af_packet_diag tun veth macvlan nf_tables nft_compat autofs4"
criu_files=$(command -v criu)
for t in iptables ip6tables; do
	for s in "" -save -restore; do
		p=$(command -v "$t$s") || die "$t$s not found (make deps installs iptables)"
		criu_files+=" $p"
	done
done
xt=
for d in /usr/lib/*/xtables; do
	[ -d "$d" ] && { xt=$d; break; }
done
[ -n "$xt" ] || die "no iptables extensions directory (/usr/lib/<triplet>/xtables)"
criu_files+=" $xt"

# bench.sh --profile: one boot per kernel with perf, selftests/bench/
# profile.sh for the sizes in BENCH_PROFILE_SIZES (default "16 256
# sparse"); the output goes to the terminal and $BUILD/bench/<release>/
# profile.txt.
if [ -n "$profile" ]; then
	perf=$(command -v perf) || die "perf not found (apt-get install linux-perf)"
	for k in $KERNELS; do
		rel=$("$vm/kernel-release.sh" "$k")
		dir=$out/$rel
		mkdir -p "$dir/profile"
		{
			echo "BIN='$bin'"
			echo "PERF='$perf'"
			echo "SIZES='${BENCH_PROFILE_SIZES:-16 256 sparse}'"
			cat "$here/profile.sh"
		} >"$dir/profile/script.sh"
		echo "bench: $rel: profiling in a $MEM guest" >&2
		VM_EXTRA="$bin $perf" "$vm/run.sh" "$k" --mode script \
			--script "$dir/profile/script.sh" --mem "$MEM" --timeout "$TMO" \
			--log "$dir/profile" "$@" | tee "$dir/profile.txt"
	done
	exit 0
fi

status=0
json_all=$out/results.json.tmp
echo "{" >"$json_all"
first=1
for k in $KERNELS; do
	rel=$("$vm/kernel-release.sh" "$k") || { status=1; continue; }
	dir=$out/$rel
	mkdir -p "$dir"
	rm -f "$dir/result.txt" "$dir/results.json" "$dir/table.txt"
	script=$dir/script.sh
	{
		echo "BIN='$bin'"
		echo "WORKLOADS='$WORKLOADS'"
		echo "RUNS=$RUNS"
		echo "RUNS_1024=$RUNS_1024"
		cat "$here/guest.sh"
	} >"$script"

	echo "bench: $rel: booting a $MEM guest (workloads: $WORKLOADS; runs: $RUNS, 1024 MiB: $RUNS_1024)" >&2
	start=$(date +%s)
	rc=0
	VM_MODULES="$criu_modules" VM_EXTRA="$bin $criu_files" \
		"$vm/run.sh" "$k" --mode script --script "$script" --mem "$MEM" \
		--timeout "$TMO" --log "$dir" "$@" >"$dir/run.out" 2>&1 &
	pid=$!
	# Progress lines of the guest, as they come.
	(
		n=0
		while kill -0 "$pid" 2>/dev/null; do
			if [ -f "$dir/result.txt" ]; then
				m=$(wc -l <"$dir/result.txt")
				if [ "$m" -gt "$n" ]; then
					sed -n "$((n + 1)),${m}p" "$dir/result.txt" | tr -d '\r' |
						sed -n 's/^P /bench: '"$k"': /p; s/^F /bench: '"$k"': FAIL /p' >&2
					n=$m
				fi
			fi
			sleep 2
		done
	) &
	mon=$!
	wait "$pid" || rc=$?
	kill "$mon" 2>/dev/null || true
	wait "$mon" 2>/dev/null || true
	echo "bench: $rel: guest finished after $(($(date +%s) - start)) s" >&2
	if [ "$rc" != 0 ]; then
		echo "bench: $rel: the VM run failed:" >&2
		grep -v '^[IRP] ' "$dir/run.out" | tail -n 30 | sed 's/^/  | /' >&2
		status=1
	fi

	res=$dir/result.txt
	[ -f "$res" ] || { echo "bench: $rel: no result.txt" >&2; status=1; continue; }
	awk -v json="$dir/results.json" -v workloads="$WORKLOADS" \
		-f "$here/report.awk" "$res" | tee "$dir/table.txt"
	echo
	grep -q '^I failed 0' "$res" && ! grep -q '^F ' "$res" || status=1
	grep -q '^FAIL' "$dir/table.txt" && status=1
	if [ -f "$dir/results.json" ]; then
		[ $first = 1 ] || echo "," >>"$json_all"
		first=0
		printf '"%s": ' "$rel" >>"$json_all"
		cat "$dir/results.json" >>"$json_all"
	fi
	echo "bench: $rel: raw records in $res, JSON in $dir/results.json" >&2
done
echo "}" >>"$json_all"
mv -f "$json_all" "$out/results.json"
echo "bench: results in $out/results.json" >&2
[ $status = 0 ] || echo "bench: FAILED (see above)" >&2
exit $status
