# SPDX-License-Identifier: GPL-2.0
#
# The guest half of `make bench` (busybox sh in the VM).  bench.sh puts
# these lines in front of it:
#   BIN=<dir of workload and benchtool>  WORKLOADS="16 64 ..."
#   RUNS=<runs per workload>  RUNS_1024=<runs of the 1024 MiB case>
#
# For every run of every workload, cryo and CRIU work on the same kind of
# target in the same boot, one after the other, the tool going first
# alternating from run to run (the three held checkpoints, cryo's default,
# cryo's --snapshot and CRIU's, rotating through the three orders); the
# copy references follow in the same run.  Output, one record a line
# (bench.sh turns it into the table):
#   I <key> <value...>                   about the guest
#   R <workload> <run> <metric> <value>  a measurement
#   F <workload> <run> <what>: <why>     a failed check or tool error
#   P <text>                             progress
# Times are in ns, gaps in us, sizes in bytes, kernel memory in KiB.

B=/bench			# tmpfs: images, references, logs
L=$B/log			# tool stderr and CRIU logs (kept to the end)
mkdir -p $B
mount -t tmpfs -o size=85% tmpfs $B || exit 1
mkdir -p $L
PATH=$BIN:$PATH
failed=0
wl=-
run=0

info() { echo "I $*"; }
rec() { echo "R $wl $run $1 $2"; }
fail() { echo "F $wl $run $*"; failed=$((failed + 1)); }
progress() { echo "P $*"; }

# t OUT CMD...: run CMD with stdout on OUT; T = wall ns, RC = status.
t() {
	# shellcheck disable=SC2046 # two words
	set -- $(benchtool time "$@" 2>>$L/stderr)
	T=${1:-0}
	RC=${2:-999}
}

# ask SIG SECS: signal the workload, wait for its next line ($line).
ask() {
	kill -"$1" "$cur" 2>/dev/null || { line="(no such process $cur)"; return 1; }
	line=$(benchtool lines "$log" "$nlines" "$2") || { line="(no answer in $2 s)"; return 1; }
	nlines=$((nlines + 1))
}

# verify WHAT: the workload checks every filled word of its memory.
verify() {
	if ask USR1 900; then
		case $line in
		"verify ok "*)
			rec verify_ms "${line#verify ok }"
			return 0 ;;
		esac
	fi
	fail "self-check after $1: $line"
	return 1
}

# threads WHAT: the target has all its threads.
threads() {
	n=$(sed -n 's/^Threads:[[:space:]]*//p' "/proc/$cur/status" 2>/dev/null)
	[ "$n" = "$want_threads" ] || fail "$1: $n threads, want $want_threads"
}

# gone PID: wait until PID (not our child) has exited.
gone() {
	n=0
	while [ -e "/proc/$1" ]; do
		read -r s <"/proc/$1/stat" 2>/dev/null || break
		case ${s##*) } in Z*) break ;; esac
		n=$((n + 1))
		[ $n -lt 1000 ] || { fail "pid $1 does not exit"; break; }
		sleep 0.02
	done
}

thp() { sed -n 's/^AnonHugePages:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$cur/smaps_rollup"; }

# start: a new target; cur = its pid.
start() {
	log=$B/workload.log
	rm -f "$log"
	# shellcheck disable=SC2086 # the arguments
	workload $args -o "$log" </dev/null >/dev/null 2>>$L/stderr &
	cur=$!
	nlines=1
	line=$(benchtool lines "$log" 0 900) || line="(no ready line in 900 s)"
	case $line in
	"ready $cur "*) ;;
	*) fail "workload did not start: $line"; return 1 ;;
	esac
	rec fill_ms "${line##* }"
	rec thp_kb_start "$(thp)"
	threads "start"
}

# held TOOL: a checkpoint that leaves the target running; how long it
# stopped, as its own 10 ms loop saw it.  TOOL: cryo (cryoctl freeze),
# cryo_snap (cryoctl freeze --snapshot) or criu (criu dump
# --leave-running); the records are TOOL_ckpt_ns and TOOL_held_us.
held() {
	ask USR2 60 || { fail "gap reset: $line"; return 1; }
	sleep 0.5
	ask USR2 60 || { fail "gap: $line"; return 1; }
	rec idle_gap_us "$(echo "$line" | cut -d' ' -f2)"
	sleep 0.2
	case $1 in
	cryo)
		t $B/ckpt.img cryoctl freeze "$cur"
		rec cryo_ckpt_ns "$T"
		rm -f $B/ckpt.img
		[ "$RC" = 0 ] || fail "cryoctl freeze (leave running) exited $RC: $(tail -n 1 $L/stderr)"
		what="a cryo checkpoint (leave running)"
		;;
	cryo_snap)
		t $B/ckpt.img cryoctl freeze --snapshot "$cur"
		rec cryo_snap_ckpt_ns "$T"
		rm -f $B/ckpt.img
		[ "$RC" = 0 ] || fail "cryoctl freeze --snapshot exited $RC: $(tail -n 1 $L/stderr)"
		what="a cryo --snapshot checkpoint"
		;;
	criu)
		rm -rf $B/criu && mkdir $B/criu
		t - criu dump --leave-running -t "$cur" -D $B/criu -o $L/criu-lr.log
		rec criu_ckpt_ns "$T"
		rm -rf $B/criu
		[ "$RC" = 0 ] || fail "criu dump --leave-running exited $RC: $(tail -n 2 $L/criu-lr.log)"
		what="a criu checkpoint (leave running)"
		;;
	esac
	sleep 0.3
	ask USR2 60 || { fail "gap: $line"; return 1; }
	rec "${1}_held_us" "$(echo "$line" | cut -d' ' -f2)"
	verify "$what"
}

# cryo only: a checkpoint to /dev/null, and the kernel memory of a
# freeze session in the middle of its stream and once held frozen.
cryo_extra() {
	t /dev/null cryoctl freeze "$cur"
	rec cryo_devnull_ns "$T"
	[ "$RC" = 0 ] || fail "cryoctl freeze > /dev/null exited $RC: $(tail -n 1 $L/stderr)"

	# shellcheck disable=SC2046
	set -- $(benchtool meminfo)
	m0=$(($1 + $2))
	rm -f $B/stall
	cryoctl freeze "$cur" 2>>$L/stderr | benchtool stall $B/stall >$B/stall.out &
	spid=$!
	if benchtool lines $B/stall 0 120 >/dev/null; then
		# shellcheck disable=SC2046
		set -- $(benchtool meminfo)
		rec kmem_stream_kb $(($1 + $2 - m0))
	else
		fail "the stalled reader got nothing"
	fi
	rm -f $B/stall
	wait $spid

	# shellcheck disable=SC2046
	set -- $(benchtool meminfo)
	m0=$(($1 + $2))
	rm -f $B/lf.err
	cryoctl freeze --leave-frozen "$cur" >/dev/null 2>$B/lf.err &
	lpid=$!
	line=$(benchtool lines $B/lf.err 0 600)
	case $line in
	*"held frozen"*)
		# shellcheck disable=SC2046
		set -- $(benchtool meminfo)
		rec kmem_held_kb $(($1 + $2 - m0)) ;;
	*) fail "cryoctl freeze --leave-frozen: $line" ;;
	esac
	kill -TERM $lpid
	wait $lpid
	verify "cryo checkpoints to /dev/null, a pipe and --leave-frozen"
}

# kill TOOL: image the target and end it, bring it back, check it, end it.
kill_restore() {
	orig=$cur
	case $1 in
	cryo)
		t $B/img cryoctl freeze --kill "$cur"
		rec cryo_freeze_ns "$T"
		rec cryo_img_bytes "$(benchtool size $B/img)"
		wait "$orig"
		[ "$RC" = 0 ] || { fail "cryoctl freeze --kill exited $RC: $(tail -n 1 $L/stderr)"; return 1; }
		t $B/pid cryoctl thaw $B/img
		rec cryo_thaw_ns "$T"
		[ "$RC" = 0 ] || { fail "cryoctl thaw exited $RC: $(tail -n 1 $L/stderr)"; return 1; }
		cur=$(cat $B/pid)
		rm -f $B/img
		;;
	criu)
		rm -rf $B/criu && mkdir $B/criu
		t - criu dump -t "$cur" -D $B/criu -o $L/criu-dump.log
		rec criu_dump_ns "$T"
		rec criu_img_bytes "$(benchtool size $B/criu)"
		wait "$orig"
		[ "$RC" = 0 ] || { fail "criu dump exited $RC: $(tail -n 2 $L/criu-dump.log)"; return 1; }
		t - criu restore -d -D $B/criu -o $L/criu-restore.log
		rec criu_restore_ns "$T"
		[ "$RC" = 0 ] || { fail "criu restore exited $RC: $(tail -n 2 $L/criu-restore.log)"; return 1; }
		rm -rf $B/criu
		;;
	esac
	rec "thp_kb_$1" "$(thp)"
	threads "$1 restore"
	verify "$1 restore"
}

# end: the current target, if any, is gone (and its memory free).
end() {
	kill -KILL "$cur" 2>/dev/null
	wait "$cur" 2>/dev/null
	gone "$cur"
}

# --- the guest ---------------------------------------------------------------

info kernel "$(uname -r)"
info cpus "$(grep -c ^processor /proc/cpuinfo)"
info cpu "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
info mem_kb "$(sed -n 's/^MemTotal:[[:space:]]*\([0-9]*\).*/\1/p' /proc/meminfo)"
info thp "$(cat /sys/kernel/mm/transparent_hugepage/enabled)"
info cryoctl "$(cryoctl version | head -n 1)"
info criu "$(criu --version | sed -n 's/^Version: //p')"
check=$(criu check 2>&1)
info criu_check "$(echo "$check" | tail -n 1)"
case $check in
*"Looks good."*) ;;
*)
	fail "criu check: $(echo "$check" | tr '\n' ' ')"
	exit 1 ;;
esac

max=$RUNS
[ "${RUNS_1024:-$RUNS}" -le "$max" ] || max=$RUNS_1024
run=1
while [ $run -le "$max" ]; do
	# What it costs to start each tool at all: a static binary (the
	# workload, which exits at once without arguments), cryoctl and criu.
	wl=floor
	t /dev/null workload
	rec exec_static_ns "$T"
	t /dev/null cryoctl version
	rec exec_cryoctl_ns "$T"
	[ "$RC" = 0 ] || fail "cryoctl version exited $RC"
	t /dev/null criu --version
	rec exec_criu_ns "$T"
	[ "$RC" = 0 ] || fail "criu --version exited $RC"
	for wl in $WORKLOADS; do
		want_threads=1
		case $wl in
		sparse) args="-m 1024 -s 16"; kib=16384 ;;
		threads) args="-m 16 -t 16"; kib=262144; want_threads=17 ;;
		*) args="-m $wl"; kib=$((wl * 1024)) ;;
		esac
		n=$RUNS
		[ "$wl" != 1024 ] || n=${RUNS_1024:-$RUNS}
		[ $run -le "$n" ] || continue
		progress "$wl run $run/$n"
		rec payload_bytes $((kib * 1024))
		if [ $((run % 2)) = 1 ]; then first=cryo second=criu
		else first=criu second=cryo; fi
		# The held checkpoints on the same target: each of the three
		# goes first, second and third in turn (runs 1, 2, 3, then
		# again), so that no tool always follows another.
		case $((run % 3)) in
		1) order="cryo cryo_snap criu" ;;
		2) order="cryo_snap criu cryo" ;;
		*) order="criu cryo cryo_snap" ;;
		esac

		if start; then
			for h in $order; do
				held "$h"
			done
			cryo_extra
			kill_restore $first
		fi
		end
		if start; then
			kill_restore $second
		fi
		end
		rm -rf $B/img $B/criu

		# shellcheck disable=SC2046
		set -- $(benchtool ref $kib $B 2>>$L/stderr)
		if [ "$1" = memcpy ]; then
			rec ref_memcpy_ns "$2"
			rec ref_write_ns "$4"
			rec ref_read_ns "$6"
			rec ref_memcpy_glibc_ns "$8"
			rec ref_memcpy_movsq_ns "${10}"
		else
			fail "benchtool ref: $(tail -n 1 $L/stderr)"
		fi
	done
	run=$((run + 1))
done
wl=-
run=0
if [ $failed != 0 ]; then
	echo "# stderr of the tools:"
	tail -n 20 $L/stderr
	for f in "$L"/criu-*.log; do
		[ -e "$f" ] || continue
		echo "# $f:"
		tail -n 10 "$f"
	done
fi
info failed $failed
[ $failed = 0 ]
