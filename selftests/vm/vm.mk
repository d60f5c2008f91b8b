# SPDX-License-Identifier: GPL-2.0
#
# VM test targets; included by the top-level Makefile, which defines BUILD
# and the "all" target.
#
#   make check [KERNELS="6.1 6.12"]        selftests in a VM per kernel
#   make vm-shell [KERNEL=6.1]             shell in a VM, module loaded
#   make vm-run SCRIPT=path [KERNEL=6.1]   run a script in a VM
#   make bench [KERNELS=6.1]               cryo against CRIU, one VM per kernel
#   make bench-profile [KERNELS=6.1]       perf of cryo's freeze and thaw
#
# V=1 streams the guest console; VM_ARGS passes extra run.sh options
# (e.g. VM_ARGS="--timeout 1200 --mem 2G").

# Where this file lives, taken before any later include changes it.
CRYO_VM_DIR := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))

KERNELS ?= 6.1 6.12
KERNEL ?= 6.1
VM_ARGS ?=

# The scripts read these from the environment.
CRYO_VM_ENV = BUILD='$(BUILD)' V='$(V)'

.PHONY: check vm-shell vm-run bench bench-profile

# The bench runs on 6.1 unless KERNELS is given (on the command line or in
# the environment); make check's default of both kernels does not apply.
ifeq ($(origin KERNELS),file)
BENCH_KERNELS := 6.1
else
BENCH_KERNELS := $(KERNELS)
endif

# The tree tests (a hundred processes, under TCG) take minutes: room for
# them in each binary's and each VM's time; VM_ARGS may say otherwise.
check: all unit
	$(CRYO_VM_ENV) KERNELS='$(KERNELS)' $(CRYO_VM_DIR)/check.sh \
		--test-timeout 600 --timeout 1500 $(VM_ARGS)

vm-shell: all
	$(CRYO_VM_ENV) $(CRYO_VM_DIR)/run.sh '$(KERNEL)' --mode shell $(VM_ARGS)

vm-run: all
	@if [ -z '$(SCRIPT)' ]; then \
		echo 'usage: make vm-run SCRIPT=<file> [KERNEL=6.1|6.12]' >&2; exit 2; fi
	$(CRYO_VM_ENV) $(CRYO_VM_DIR)/run.sh '$(KERNEL)' --mode script \
		--script '$(SCRIPT)' $(VM_ARGS)

# Tuning: BENCH_RUNS, BENCH_RUNS_1024, BENCH_WORKLOADS, BENCH_MEM,
# BENCH_TIMEOUT (see selftests/bench/bench.sh).
bench: all $(BENCH_BINS)
	$(CRYO_VM_ENV) KERNELS='$(BENCH_KERNELS)' $(CRYO_VM_DIR)/../bench/bench.sh $(VM_ARGS)

# Where the time of a freeze and a thaw goes: perf trace -s and perf record
# in the guest (needs perf on the host: apt-get install linux-perf).
# BENCH_PROFILE_SIZES="16 256 sparse" picks the workloads.
bench-profile: all $(BENCH_BINS)
	$(CRYO_VM_ENV) KERNELS='$(BENCH_KERNELS)' $(CRYO_VM_DIR)/../bench/bench.sh --profile $(VM_ARGS)
