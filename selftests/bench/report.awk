# SPDX-License-Identifier: GPL-2.0
#
# report.awk: turn the records of one guest run of `make bench`
# (selftests/bench/guest.sh) into the table, on stdout, and into JSON, in
# the file named by -v json=FILE.  -v workloads="16 64 ..." gives the
# order of the rows.
#
# Every figure is a median over the runs.  Ratios are taken between
# medians of the same boot:
#   xref       reference time / tool time: the tool's speed as a fraction
#              of the plain copy (1.00 = as fast as the copy; higher is
#              faster)
#   criu/cryo  CRIU time / cryo time: how many times faster cryo is
#   criu/snap  the same with cryo's `cryoctl freeze --snapshot` (held only)

function median(key,    n, a, i, j, v, s) {
	if (!(key in samples))
		return ""
	n = split(samples[key], a, " ")
	for (i = 2; i <= n; i++) {
		v = a[i] + 0
		for (j = i - 1; j >= 1 && a[j] + 0 > v; j--)
			a[j + 1] = a[j]
		a[j + 1] = v
	}
	if (n % 2)
		return a[(n + 1) / 2] + 0
	return (a[n / 2] + a[n / 2 + 1]) / 2
}

# Median of metric @m of workload @w, in the unit the name ends with
# converted: _ns -> ms, _us -> ms, _bytes -> MiB, others as they are.
function med(w, m,    v) {
	v = median(w SUBSEP m)
	if (v == "")
		return ""
	if (m ~ /_ns$/) return v / 1e6
	if (m ~ /_us$/) return v / 1e3
	if (m ~ /_bytes$/) return v / 1048576
	return v
}

function jname(m) {
	if (m ~ /_ns$/) { sub(/_ns$/, "_ms", m); return m }
	if (m ~ /_us$/) { sub(/_us$/, "_ms", m); return m }
	return m
}

function jval(m, v) {
	if (m ~ /_ns$/) return sprintf("%.3f", v / 1e6)
	if (m ~ /_us$/) return sprintf("%.3f", v / 1e3)
	return sprintf("%.0f", v)
}

function jstr(s) {
	gsub(/\\/, "\\\\", s)
	gsub(/"/, "\\\"", s)
	gsub(/\t/, " ", s)
	return "\"" s "\""
}

function div(a, b) {
	if (a == "" || b == "" || b + 0 == 0)
		return ""
	return a / b
}

function f(v, fmt) {
	return v == "" ? "-" : sprintf(fmt, v)
}

function label(w) {
	if (w == "sparse") return "sparse 1G/16M"
	if (w == "threads") return "16 thr x 16M"
	return w " MiB"
}

function rule(n,    s) {
	s = ""
	while (n-- > 0)
		s = s "-"
	print s
}

# goal(text, v, fmt, cmp, thr): one line of the goals section and of the
# JSON; met when v cmp thr (cmp ">=" or "<=").
function goal(text, v, fmt, cmp, thr,    st, ok, shown) {
	ok = v != "" && (cmp == ">=" ? v + 0 >= thr : v + 0 <= thr)
	shown = v == "" ? "-" : sprintf(fmt, v)
	st = v == "" ? "no data" : (ok ? "met" : "MISSED")
	printf "  %-73s %12s  %s\n", text, shown, st
	ngoals++
	goals_json = goals_json (ngoals > 1 ? ",\n" : "") \
		"    { \"goal\": " jstr(text) ", \"measured\": " (v == "" ? "null" : sprintf("%.3f", v)) \
		", \"target\": " jstr(cmp " " thr) ", \"met\": " \
		(v == "" ? "null" : (ok ? "true" : "false")) " }"
}

{ sub(/\r$/, "") }

$1 == "I" {
	k = $2
	$1 = $2 = ""
	sub(/^ +/, "")
	info[k] = $0
	ikeys[++ninfo] = k
	next
}
$1 == "R" {
	key = $2 SUBSEP $4
	samples[key] = (key in samples ? samples[key] " " : "") $5
	if (!(($2, $4) in seen_m)) {
		seen_m[$2, $4] = 1
		mlist[$2] = mlist[$2] " " $4
	}
	if ($3 + 0 > nruns[$2])
		nruns[$2] = $3 + 0
	if (!($2 in seen_w)) {
		seen_w[$2] = 1
		order = order " " $2
	}
	next
}
$1 == "F" {
	line = $0
	sub(/^F /, "", line)
	failures[++nfail] = line
	next
}

END {
	if (workloads == "")
		workloads = order
	nw = split(workloads, W, " ")
	for (i = 1; i <= nw; i++)
		if (!(W[i] in seen_w))
			missing = missing " " W[i]

	runs_txt = ""
	for (i = 1; i <= nw; i++)
		runs_txt = runs_txt (i > 1 ? ", " : "") label(W[i]) ": " nruns[W[i]]
	printf "cryo bench: Linux %s, QEMU TCG, %s vCPUs, %.1f GiB guest (THP %s)\n",
		info["kernel"], info["cpus"], info["mem_kb"] / 1048576, info["thp"]
	printf "%s; CRIU %s (criu check: %s)\n", info["cryoctl"], info["criu"], info["criu_check"]
	printf "medians of the runs (%s); times in ms\n", runs_txt
	if ("floor" in seen_w)
		printf "process start (exec to exit, ms): static binary %s, cryoctl version %s, criu --version %s\n",
			f(med("floor", "exec_static_ns"), "%.1f"), f(med("floor", "exec_cryoctl_ns"), "%.1f"),
			f(med("floor", "exec_criu_ns"), "%.1f")
	print "xref: reference time / tool time (1.00 = as fast as the plain copy; higher is faster)"
	print "criu/cryo: CRIU time / cryo time (how many times faster cryo is)"

	print ""
	print "Freeze: image to a tmpfs file, target killed; reference: write() of the payload to tmpfs"
	printf "%-14s %9s %11s %6s %11s %6s %9s\n", "workload", "write()", "cryo", "xref", "criu dump", "xref", "criu/cryo"
	rule(72)
	for (i = 1; i <= nw; i++) {
		w = W[i]
		r = med(w, "ref_write_ns"); c = med(w, "cryo_freeze_ns"); d = med(w, "criu_dump_ns")
		printf "%-14s %9s %11s %6s %11s %6s %9s\n", label(w), f(r, "%.1f"), f(c, "%.1f"),
			f(div(r, c), "%.2f"), f(d, "%.1f"), f(div(r, d), "%.2f"), f(div(d, c), "%.2f")
	}

	print ""
	print "Freeze to /dev/null (cryo, target left running); reference: copy of the payload in 1 MiB"
	print "chunks, the faster of glibc memcpy() and rep movsq (both shown)"
	printf "%-14s %9s %11s %6s %9s %9s\n", "workload", "memcpy", "cryo", "xref", "glibc", "movsq"
	rule(63)
	for (i = 1; i <= nw; i++) {
		w = W[i]
		r = med(w, "ref_memcpy_ns"); c = med(w, "cryo_devnull_ns")
		printf "%-14s %9s %11s %6s %9s %9s\n", label(w), f(r, "%.1f"), f(c, "%.1f"), f(div(r, c), "%.2f"),
			f(med(w, "ref_memcpy_glibc_ns"), "%.1f"), f(med(w, "ref_memcpy_movsq_ns"), "%.1f")
	}

	print ""
	print "Thaw from a tmpfs file; reference: read() of the payload from tmpfs into fresh memory"
	printf "%-14s %9s %11s %6s %12s %6s %9s\n", "workload", "read()", "cryo thaw", "xref", "criu restore", "xref", "criu/cryo"
	rule(73)
	for (i = 1; i <= nw; i++) {
		w = W[i]
		r = med(w, "ref_read_ns"); c = med(w, "cryo_thaw_ns"); d = med(w, "criu_restore_ns")
		printf "%-14s %9s %11s %6s %12s %6s %9s\n", label(w), f(r, "%.1f"), f(c, "%.1f"),
			f(div(r, c), "%.2f"), f(d, "%.1f"), f(div(r, d), "%.2f"), f(div(d, c), "%.2f")
	}

	print ""
	print "Image size, MiB (payload: the memory the workload filled)"
	printf "%-14s %9s %11s %6s %11s %6s %9s\n", "workload", "payload", "cryo", "/pay", "criu", "/pay", "criu/cryo"
	rule(72)
	for (i = 1; i <= nw; i++) {
		w = W[i]
		p = med(w, "payload_bytes"); c = med(w, "cryo_img_bytes"); d = med(w, "criu_img_bytes")
		printf "%-14s %9s %11s %6s %11s %6s %9s\n", label(w), f(p, "%.2f"), f(c, "%.2f"),
			f(div(c, p), "%.3f"), f(d, "%.2f"), f(div(d, p), "%.3f"), f(div(d, c), "%.2f")
	}

	print ""
	print "Held: longest stop the target's own 10 ms loop saw during a checkpoint that leaves it running"
	print "(cryo: cryoctl freeze PID > file; snap: cryoctl freeze --snapshot PID > file; criu: criu dump"
	print "--leave-running), the same loop's longest gap when idle, and each command's wall time (cmd)"
	printf "%-14s %6s %9s %9s %9s %9s %9s %8s %8s %8s\n", "workload", "idle", "cryo held", "snap held",
		"criu held", "criu/cryo", "criu/snap", "cryo cmd", "snap cmd", "criu cmd"
	rule(98)
	for (i = 1; i <= nw; i++) {
		w = W[i]
		g = med(w, "idle_gap_us"); c = med(w, "cryo_held_us"); d = med(w, "criu_held_us")
		sn = med(w, "cryo_snap_held_us")
		printf "%-14s %6s %9s %9s %9s %9s %9s %8s %8s %8s\n", label(w), f(g, "%.1f"), f(c, "%.1f"),
			f(sn, "%.1f"), f(d, "%.1f"), f(div(d, c), "%.2f"), f(div(d, sn), "%.2f"),
			f(med(w, "cryo_ckpt_ns"), "%.1f"), f(med(w, "cryo_snap_ckpt_ns"), "%.1f"),
			f(med(w, "criu_ckpt_ns"), "%.1f")
	}

	print ""
	print "Kernel memory of one freeze session: slab + vmalloc growth (KiB) with its reader stalled"
	print "after the first MiB, and with the image written and the target held (--leave-frozen)"
	printf "%-14s %11s %8s\n", "workload", "mid-stream", "held"
	rule(35)
	for (i = 1; i <= nw; i++) {
		w = W[i]
		printf "%-14s %11s %8s\n", label(w), f(med(w, "kmem_stream_kb"), "%.0f"),
			f(med(w, "kmem_held_kb"), "%.0f")
	}

	print ""
	print "Goals (issue 5; reported, not enforced)"
	ngoals = 0
	goals_json = ""
	# freeze to tmpfs >= 0.9x write() from 256 MiB up
	for (i = 1; i <= nw; i++) {
		w = W[i]
		if (w !~ /^[0-9]+$/ || w + 0 < 256) continue
		v = div(med(w, "ref_write_ns"), med(w, "cryo_freeze_ns"))
		goal("freeze to tmpfs >= 0.90 xref (" label(w) ")", v, "%.3f xref", ">=", 0.90)
	}
	if (("16", "cryo_freeze_ns") in samples) {
		v = div(med("16", "criu_dump_ns"), med("16", "cryo_freeze_ns"))
		goal("freeze >= 4x faster than criu dump (16 MiB)", v, "%.2fx", ">=", 4)
	}
	for (i = 1; i <= nw; i++) {
		w = W[i]
		v = div(med(w, "ref_memcpy_ns"), med(w, "cryo_devnull_ns"))
		goal("freeze to /dev/null >= 0.80 xref (" label(w) ")", v, "%.3f xref", ">=", 0.80)
	}
	for (i = 1; i <= nw; i++) {
		w = W[i]
		if (w !~ /^[0-9]+$/ || w + 0 < 256) continue
		v = div(med(w, "ref_read_ns"), med(w, "cryo_thaw_ns"))
		goal("thaw >= 0.90 xref (" label(w) ")", v, "%.3f xref", ">=", 0.90)
	}
	if (("16", "cryo_thaw_ns") in samples) {
		v = div(med("16", "criu_restore_ns"), med("16", "cryo_thaw_ns"))
		goal("thaw >= 4x faster than criu restore (16 MiB)", v, "%.2fx", ">=", 4)
	}
	if (("sparse", "cryo_freeze_ns") in samples && ("16", "cryo_freeze_ns") in samples) {
		v = div(med("sparse", "cryo_freeze_ns"), med("16", "cryo_freeze_ns"))
		goal("sparse freeze <= 1.2x the 16 MiB freeze", v, "%.2fx", "<=", 1.2)
		v = div(med("sparse", "cryo_thaw_ns"), med("16", "cryo_thaw_ns"))
		goal("sparse thaw <= 1.2x the 16 MiB thaw", v, "%.2fx", "<=", 1.2)
	}
	for (i = 1; i <= nw; i++) {
		w = W[i]
		v = div(med(w, "criu_held_us"), med(w, "cryo_held_us"))
		goal("held clearly below CRIU's (criu/cryo >= 2; " label(w) ")", v, "%.2fx", ">=", 2)
	}
	for (i = 1; i <= nw; i++) {
		w = W[i]
		v = div(med(w, "criu_held_us"), med(w, "cryo_snap_held_us"))
		goal("held clearly below CRIU's with --snapshot (criu/cryo >= 2; " label(w) ")", v, "%.2fx", ">=", 2)
	}

	print ""
	if (nfail || missing != "") {
		for (i = 1; i <= nfail; i++)
			print "FAIL: " failures[i]
		if (missing != "")
			print "FAIL: no results for" missing
	}
	printf "self-checks and tools: %s\n", (nfail || missing != "") ? "FAILED" : "all passed"

	if (json == "")
		exit
	printf "{\n  \"kernel\": %s,\n  \"info\": {", jstr(info["kernel"]) > json
	for (i = 1; i <= ninfo; i++)
		printf "%s\n    %s: %s", (i > 1 ? "," : ""), jstr(ikeys[i]), jstr(info[ikeys[i]]) > json
	printf "\n  },\n" > json
	printf "  \"units\": \"*_ms: milliseconds (medians and samples), *_bytes: bytes, *_kb: KiB\",\n" > json
	printf "  \"ratios\": \"*_xref: reference time / tool time; criu_over_cryo_*: CRIU time / cryo time\",\n" > json
	printf "  \"process_start_ms\": { \"static\": %s, \"cryoctl_version\": %s, \"criu_version\": %s },\n",
		jnum(med("floor", "exec_static_ns")), jnum(med("floor", "exec_cryoctl_ns")),
		jnum(med("floor", "exec_criu_ns")) > json
	printf "  \"workloads\": {" > json
	for (i = 1; i <= nw; i++) {
		w = W[i]
		printf "%s\n    %s: {\n      \"runs\": %d,\n      \"median\": {", (i > 1 ? "," : ""), jstr(w), nruns[w] > json
		nm = split(mlist[w], M, " ")
		for (j = 1; j <= nm; j++)
			printf "%s\n        %s: %s", (j > 1 ? "," : ""), jstr(jname(M[j])), jval(M[j], median(w SUBSEP M[j])) > json
		printf "\n      },\n      \"ratios\": {" > json
		printf "\n        \"cryo_freeze_xref\": %s,", jnum(div(med(w, "ref_write_ns"), med(w, "cryo_freeze_ns")))  > json
		printf "\n        \"criu_dump_xref\": %s,", jnum(div(med(w, "ref_write_ns"), med(w, "criu_dump_ns")))  > json
		printf "\n        \"criu_over_cryo_freeze\": %s,", jnum(div(med(w, "criu_dump_ns"), med(w, "cryo_freeze_ns")))  > json
		printf "\n        \"cryo_devnull_xref\": %s,", jnum(div(med(w, "ref_memcpy_ns"), med(w, "cryo_devnull_ns")))  > json
		printf "\n        \"cryo_thaw_xref\": %s,", jnum(div(med(w, "ref_read_ns"), med(w, "cryo_thaw_ns")))  > json
		printf "\n        \"criu_restore_xref\": %s,", jnum(div(med(w, "ref_read_ns"), med(w, "criu_restore_ns")))  > json
		printf "\n        \"criu_over_cryo_thaw\": %s,", jnum(div(med(w, "criu_restore_ns"), med(w, "cryo_thaw_ns")))  > json
		printf "\n        \"criu_over_cryo_image\": %s,", jnum(div(med(w, "criu_img_bytes"), med(w, "cryo_img_bytes")))  > json
		printf "\n        \"criu_over_cryo_held\": %s,", jnum(div(med(w, "criu_held_us"), med(w, "cryo_held_us")))  > json
		printf "\n        \"criu_over_cryo_snap_held\": %s", jnum(div(med(w, "criu_held_us"), med(w, "cryo_snap_held_us")))  > json
		printf "\n      },\n      \"samples\": {" > json
		for (j = 1; j <= nm; j++) {
			n = split(samples[w SUBSEP M[j]], S, " ")
			s = ""
			for (k = 1; k <= n; k++)
				s = s (k > 1 ? ", " : "") jval(M[j], S[k])
			printf "%s\n        %s: [%s]", (j > 1 ? "," : ""), jstr(jname(M[j])), s > json
		}
		printf "\n      }\n    }" > json
	}
	printf "\n  },\n  \"goals\": [\n%s\n  ],\n  \"failures\": [", goals_json > json
	for (i = 1; i <= nfail; i++)
		printf "%s\n    %s", (i > 1 ? "," : ""), jstr(failures[i]) > json
	if (missing != "")
		printf "%s\n    %s", (nfail ? "," : ""), jstr("no results for" missing) > json
	printf "\n  ],\n  \"ok\": %s\n}\n", (nfail || missing != "") ? "false" : "true" > json
	close(json)
}

function jnum(v) {
	return v == "" ? "null" : sprintf("%.3f", v)
}
