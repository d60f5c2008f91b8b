# SPDX-License-Identifier: GPL-2.0
#
# VM test targets; included by the top-level Makefile, which defines BUILD
# and the "all" target.
#
#   make check [KERNELS="6.1 6.12"]        selftests in a VM per kernel
#   make vm-shell [KERNEL=6.1]             shell in a VM, module loaded
#   make vm-run SCRIPT=path [KERNEL=6.1]   run a script in a VM
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

.PHONY: check vm-shell vm-run

check: all unit
	$(CRYO_VM_ENV) KERNELS='$(KERNELS)' $(CRYO_VM_DIR)/check.sh $(VM_ARGS)

vm-shell: all
	$(CRYO_VM_ENV) $(CRYO_VM_DIR)/run.sh '$(KERNEL)' --mode shell $(VM_ARGS)

vm-run: all
	@if [ -z '$(SCRIPT)' ]; then \
		echo 'usage: make vm-run SCRIPT=<file> [KERNEL=6.1|6.12]' >&2; exit 2; fi
	$(CRYO_VM_ENV) $(CRYO_VM_DIR)/run.sh '$(KERNEL)' --mode script \
		--script '$(SCRIPT)' $(VM_ARGS)
