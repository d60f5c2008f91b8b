# SPDX-License-Identifier: GPL-2.0
#
# The guest half of `make bench-profile` (busybox sh in the VM; bench.sh
# --profile puts BIN=, PERF= and SIZES= in front of it).  For each size
# in $SIZES ("sparse" for the sparse workload), on a fresh workload:
# cryoctl freeze to /dev/null, freeze --kill to a tmpfs file and thaw,
# each once under `perf trace -s` (the time spent in each system call:
# the FREEZE ioctl parks the target, the reads stream the image) and once
# under `perf record` (where the CPUs went, by symbol; cpu-clock, since
# TCG has no hardware counters).  The thawed workload checks its memory.
# Nothing here is judged: it is for finding where the time goes.

B=/bench
mkdir -p $B
mount -t tmpfs -o size=85% tmpfs $B || exit 1
PATH=$BIN:$PATH

say() { printf '\n=== %s\n' "$*"; }

# trace OUT CMD...: CMD with stdout on OUT under perf trace -s; prints
# the summary (per thread: calls and total ms of each system call).
trace() {
	out=$1
	shift
	"$PERF" trace -s -o $B/trace.txt -- "$@" >"$out" 2>$B/err || {
		echo "failed: $* ($(tail -n 1 $B/err))"
		return 1
	}
	sed -n '/syscall/,$p' $B/trace.txt | grep -v '^ *$' | head -n 40
}

# record OUT CMD...: CMD with stdout on OUT under perf record -a; prints
# the symbols that took the most samples.
record() {
	out=$1
	shift
	"$PERF" record -q -e cpu-clock -F 4000 -a -g -o $B/perf.data -- "$@" \
		>"$out" 2>$B/err || { echo "failed: $* ($(tail -n 1 $B/err))"; return 1; }
	"$PERF" report -i $B/perf.data --no-children --sort sym --stdio -g none \
		2>/dev/null | grep -v '^#' | grep -v '^$' | head -n 30
}

start() {
	rm -f $B/w.log
	# shellcheck disable=SC2086
	workload $args -o $B/w.log </dev/null >/dev/null 2>&1 &
	pid=$!
	benchtool lines $B/w.log 0 600 >/dev/null || { echo "workload did not start"; exit 1; }
}

verify() {
	n=$(wc -l <$B/w.log)
	kill -USR1 "$1"
	echo "self-check: $(benchtool lines $B/w.log "$n" 600)"
}

for size in $SIZES; do
	case $size in
	sparse) args="-m 1024 -s 16" ;;
	threads) args="-m 16 -t 16" ;;
	*) args="-m $size" ;;
	esac

	start
	say "$size: cryoctl freeze > /dev/null (perf trace -s)"
	trace /dev/null cryoctl freeze "$pid"
	say "$size: cryoctl freeze > /dev/null (perf record)"
	record /dev/null cryoctl freeze "$pid"

	say "$size: cryoctl freeze --kill > tmpfs file (perf trace -s)"
	trace $B/img cryoctl freeze --kill "$pid"
	wait "$pid"
	say "$size: cryoctl thaw (perf trace -s, children included)"
	trace $B/pid cryoctl thaw $B/img && verify "$(cat $B/pid)"
	kill -9 "$(cat $B/pid)" 2>/dev/null

	start
	say "$size: cryoctl freeze --kill > tmpfs file (perf record)"
	record $B/img cryoctl freeze --kill "$pid"
	wait "$pid"
	say "$size: cryoctl thaw (perf record)"
	record $B/pid cryoctl thaw $B/img && verify "$(cat $B/pid)"
	kill -9 "$(cat $B/pid)" 2>/dev/null
	rm -f $B/img
	sleep 0.5
done
