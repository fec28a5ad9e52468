# SPDX-License-Identifier: MIT
#
# Top-level build of vpro_heci: the kernel module (through Kbuild), the
# vproctl helper, and the unit and VM test runs. `make help` lists targets.

REPO := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
KERNELS := $(REPO)/build/kernels

# Read one variable from build/kernels/KVER/kernel.env (written by
# scripts/fetch-kernel.sh); empty when that kernel was not fetched.
kernel_env = $(shell sed -n 's/^$(2)=//p' $(KERNELS)/$(1)/kernel.env 2>/dev/null)

# Newest fetched kernel, by version order of the build/kernels/* names.
# The debug kernel (KVER=debug) is left out: it is a test kernel only.
NEWEST_KVER := $(shell ls $(KERNELS)/*/kernel.env 2>/dev/null | \
		 sed 's|.*/\([^/]*\)/kernel.env|\1|' | grep -v '^debug$$' | \
		 sort -V | tail -n 1)

# KDIR: the running kernel's headers, else the newest fetched test kernel,
# else the newest installed Debian headers package.
ifeq ($(origin KDIR),undefined)
  RUNNING_KDIR := /lib/modules/$(shell uname -r)/build
  ifneq ($(wildcard $(RUNNING_KDIR)/Makefile),)
    KDIR := $(RUNNING_KDIR)
    KDIR_FROM := running kernel $(shell uname -r)
  else ifneq ($(NEWEST_KVER),)
    KDIR := $(call kernel_env,$(NEWEST_KVER),KDIR)
    KDIR_FROM := build/kernels/$(NEWEST_KVER)/kernel.env
  else
    KDIR := $(lastword $(shell ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V))
    KDIR_FROM := newest /usr/src/linux-headers-*-amd64
  endif
else
  KDIR_FROM := command line or environment
endif

# Debian's headers Makefile is one line, `include /usr/src/...-common/Makefile`.
# In a tree unpacked by fetch-kernel.sh that absolute path does not exist,
# so use the -common Makefile next to KDIR instead; kbuild takes its source
# tree from that Makefile's directory and its object tree from KDIR.
KBUILD_MAKEFILE := $(shell \
	inc=$$(sed -n 's/^include //p' '$(KDIR)/Makefile' 2>/dev/null); \
	alt='$(KDIR)/../'$$(basename "$$(dirname "$$inc")")/Makefile; \
	if [ -n "$$inc" ] && [ ! -f "$$inc" ] && [ -f "$$alt" ]; then \
		realpath "$$alt"; else echo '$(KDIR)/Makefile'; fi)
KBUILD := $(MAKE) -C $(KDIR) -f $(KBUILD_MAKEFILE)

# Tools from the newest fetched kernel, overridable on the command line.
CHECKPATCH ?= $(call kernel_env,$(NEWEST_KVER),CHECKPATCH)

KVER ?= 6.12
SKU ?= amt

.PHONY: all module vproctl clean deps deps-present check check-unit check-vm run \
	checkpatch sparse help check-kdir bench

all: module vproctl

help:
	@echo "targets:"
	@echo "  all (default)   vpro_heci.ko against KDIR, and user/vproctl"
	@echo "  module          vpro_heci.ko only (KDIR=/path/to/kernel/headers)"
	@echo "  vproctl         user/vproctl only"
	@echo "  deps            install Debian 12 packages and the test kernels (root)"
	@echo "  check-unit      host unit tests (tests/unit)"
	@echo "  check-vm        guest tests in a QEMU VM (KVER=6.1|6.12)"
	@echo "  check           check-unit, then check-vm for 6.1 and 6.12"
	@echo "  run             demonstration in a VM (SKU=amt|ism|none KVER=6.1|6.12;"
	@echo "                  RPS_URL=wss://127.0.0.1:PORT/activate PROFILE=NAME [RPS_CA=FILE]"
	@echo "                  activates against that RPS on the host)"
	@echo "  bench           APF latency and throughput table from one VM (BENCH_KVER=6.1|6.12)"
	@echo "  checkpatch      checkpatch.pl --strict on kernel/ and tests/mesim/"
	@echo "  sparse          module build with sparse (C=2) against KDIR"
	@echo "  check-fuzz      run the codec fuzz targets over their seeds and regressions"
	@echo "  check-docs      compare the docs with the code's sysfs, netlink, ioctl, parameter and vproctl names"
	@echo "  fuzz            fuzz each codec target for FUZZ_SECONDS (default 60)"
	@echo "  dkms-check      dkms add/build/install/remove against 6.1 and 6.12 headers (root)"
	@echo "  check-image     boot a Debian 12 image and check that udev loads vpro_heci (root)"
	@echo "  check-packages  build, install and purge the .debs, build the RPMs (root)"
	@echo "  clean           remove build outputs (keeps build/kernels)"

check-kdir:
	@if [ -z "$(KDIR)" ] || [ ! -f "$(KDIR)/Makefile" ]; then \
		echo "error: no kernel headers at KDIR='$(KDIR)': install linux-headers-\$$(uname -r), run 'make deps', or pass KDIR=/path/to/headers" >&2; \
		exit 1; \
	fi
	@echo "KDIR=$(KDIR) ($(KDIR_FROM))"

module: check-kdir
	$(KBUILD) M=$(REPO) modules

sparse: check-kdir
	$(KBUILD) M=$(REPO) C=2 modules

vproctl:
	@if [ ! -f $(REPO)/user/Makefile ]; then \
		echo "error: user/Makefile not found: vproctl sources are missing from this tree" >&2; \
		exit 1; \
	fi
	$(MAKE) -C $(REPO)/user

deps:
	$(REPO)/scripts/install-deps.sh

check-unit:
	@if [ ! -f $(REPO)/tests/unit/Makefile ]; then \
		echo "error: tests/unit/Makefile not found: unit tests are missing from this tree" >&2; \
		exit 1; \
	fi
	$(MAKE) -C $(REPO)/tests/unit check

# On a fresh machine, run and check install what they need first (as
# root); with everything present this needs no root and no network.
deps-present:
	@$(REPO)/scripts/install-deps.sh --if-missing

check-vm: deps-present
	$(REPO)/tests/vm/run.sh $(KVER) check

check: deps-present
	$(REPO)/tests/vm/check-all.sh

# With RPS_URL=ws[s]://127.0.0.1:PORT/PATH and PROFILE=NAME (optional
# RPS_CA=FILE, AMT_PASSWORD=...), the demonstration activates against
# that RPS on the host instead of the in-guest rps-peer.
run: export VPRO_RPS_URL = $(RPS_URL)
run: export VPRO_RPS_PROFILE = $(PROFILE)
run: export VPRO_RPS_CA = $(RPS_CA)
run: export VPRO_AMT_PASSWORD = $(AMT_PASSWORD)
run: deps-present
	$(REPO)/tests/vm/run.sh $(KVER) run $(SKU)

# Benchmark of the APF paths in one VM boot; prints numbers, never fails
# on timings, and is not part of check. KVER defaults to 6.1 here.
bench: deps-present
	$(REPO)/tests/bench/run.sh $(or $(BENCH_KVER),6.1)

# The codecs use <stdint.h> types because userspace builds them too, and
# compat.h is the one place that tests LINUX_VERSION_CODE.
checkpatch:
	@if [ -z "$(CHECKPATCH)" ] || [ ! -f "$(CHECKPATCH)" ]; then \
		echo "error: checkpatch.pl not found (CHECKPATCH='$(CHECKPATCH)'): run 'make deps' or pass CHECKPATCH=" >&2; \
		exit 1; \
	fi
	@files="$(wildcard $(REPO)/kernel/*.c $(REPO)/kernel/*.h $(REPO)/tests/mesim/*.c)"; \
	if [ -z "$$files" ]; then echo "error: no kernel/*.[ch] or tests/mesim/*.c to check" >&2; exit 1; fi; \
	rc=0; \
	for f in $$files; do \
		case $$f in \
		*_codec.[ch]|*/codec_types.h) ignore=--ignore=PREFER_KERNEL_TYPES ;; \
		*/compat.h) ignore=--ignore=LINUX_VERSION_CODE ;; \
		*) ignore= ;; \
		esac; \
		perl $(CHECKPATCH) --strict --no-tree --quiet $$ignore -f $$f || rc=1; \
	done; \
	if [ $$rc -eq 0 ]; then echo "checkpatch: no issues in $$(echo $$files | wc -w) files"; fi; \
	exit $$rc

# Host only, no VM: the docs against the names in the code, then the
# proof that the comparison fails on drift.
.PHONY: check-docs
check-docs:
	$(REPO)/tests/docs/check-docs.sh
	$(REPO)/tests/docs/check-docs-test.sh

.PHONY: check-fuzz fuzz
check-fuzz:
	$(MAKE) -C $(REPO)/tests/fuzz regress

fuzz:
	$(MAKE) -C $(REPO)/tests/fuzz run FUZZ_SECONDS=$(or $(FUZZ_SECONDS),60)

.PHONY: dkms-check check-packages check-image
dkms-check:
	$(REPO)/scripts/dkms-check.sh

check-packages:
	$(REPO)/scripts/package-check.sh

# Boots a debootstrapped Debian 12 image with the module installed by
# scripts/install-image.sh and checks that udev loads it (root).
check-image: deps-present
	$(REPO)/tests/image/run.sh

# Not `make -C $(KDIR) M=$(REPO) clean`: that deletes every *.ko and *.o
# under M, which includes the unpacked test kernels in build/kernels.
clean:
	rm -f $(REPO)/vpro_heci.ko $(REPO)/vpro_heci.o $(REPO)/vpro_heci.mod \
		$(REPO)/vpro_heci.mod.c $(REPO)/vpro_heci.mod.o \
		$(REPO)/Module.symvers $(REPO)/modules.order $(REPO)/.*.cmd \
		$(REPO)/kernel/*.o $(REPO)/kernel/.*.cmd
	@for dir in user tests/fwsim tests/rps tests/unit tests/fuzz; do \
		if [ -f $(REPO)/$$dir/Makefile ]; then $(MAKE) -C $(REPO)/$$dir clean || exit 1; fi; \
	done
	rm -rf $(REPO)/build/6.1 $(REPO)/build/6.12 $(REPO)/build/guest-tests $(REPO)/build/check
