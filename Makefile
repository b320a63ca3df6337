# vtd-testbed front door. Heavy lifting lives in scripts/; builds are cached
# outside the work tree (VTD_CACHE, default ~/.cache/vtd-testbed).
#   make            install deps, build everything, quick reproduction -> results/
#   make check      the whole test suite; last line "N passed, N failed"
SHELL := /bin/bash
.DEFAULT_GOAL := all
.PHONY: all deps build qemu kernel initramfs quick bench-accounting bench-full device-bundle check check-sanitize check-kernel-debug fuzz fuzz-run qemu-series relock clean help

all: build quick

help:
	@sed -n 's/^#   //p' Makefile; echo "targets: deps build quick bench-accounting bench-full device-bundle check check-sanitize check-kernel-debug fuzz fuzz-run qemu-series relock clean"

deps:
	@scripts/install-deps.sh

# build/ holds links to the cached artifacts the runner uses by default.
build: deps qemu kernel initramfs

qemu: deps
	@mkdir -p build
	@d=$$(scripts/build-qemu.sh) && ln -sfn "$$d/qemu-system-x86_64" build/qemu-system-x86_64 && ln -sfn "$$d" build/qemu

# build/kernel-stock: the same Linux without kernel-patches/, the baseline
# that the default patched path is benchmarked against (vtd-run --kernel stock).
kernel: deps
	@mkdir -p build
	@d=$$(scripts/build-kernel.sh) && ln -sfn "$$d/bzImage" build/bzImage && ln -sfn "$$d" build/kernel
	@d=$$(scripts/build-kernel.sh --stock) && ln -sfn "$$d" build/kernel-stock

# initramfs-fio: the same plus Debian's fio and its libraries (job fio).
initramfs: kernel
	@scripts/build-initramfs.sh build/kernel build/initramfs.cpio.gz >/dev/null
	@scripts/build-initramfs.sh build/kernel build/initramfs-fio.cpio.gz fio >/dev/null

# EXPERIMENT=configs/experiments/<name>.ini picks another matrix.
EXPERIMENT ?= configs/experiments/quick.ini
quick: build
	@scripts/vtd-bench $(EXPERIMENT)

# Cost of device counters vs none vs upstream trace-based counting (issue 4).
bench-accounting: build
	@scripts/vtd-bench configs/experiments/accounting.ini

# The full reproduction: every scheme, workload and NIC (hours; resumable).
bench-full: build
	@scripts/vtd-bench configs/experiments/full.ini

# A self-contained folder (+ .tar.gz) that runs the bench on a bare 16-core
# host: build/device-bundle/run bench (docs/bench.md).
device-bundle: build
	@scripts/make-device-bundle.sh >/dev/null

check: build
	@tests/run-tests

# Every scheme (test-schemes, test-shadow) on a guest kernel with lockdep, KASAN, UBSAN and kmemleak
# (configs/kernel/debug.config), with an initramfs whose modules are built for
# that kernel; fails on any kernel report or suspected leak. A self-test comes
# first: a deliberate warning and leak must be reported (docs/kernel-series.md).
check-kernel-debug: build
	@d=$$(scripts/build-kernel.sh --debug) && \
	  scripts/build-initramfs.sh "$$d" build/initramfs-debug.cpio.gz >/dev/null && \
	  export VTD_KERNEL="$$d/bzImage" VTD_INITRD="$(CURDIR)/build/initramfs-debug.cpio.gz" && \
	  tests/debug/test-splat-selftest.sh && tests/run-tests test-schemes && tests/run-tests test-shadow

# The qtests again, against QEMU built with ASan + UBSan.
check-sanitize: deps
	@d=$$(scripts/build-qemu.sh --sanitize) && VTD_QBUILD="$$d" tests/run-tests qtest/

# The QEMU series as it would be posted (docs/upstream.md, "Posting the QEMU
# series"): commits with our units folded in, git format-patch + cover letter
# and checkpatch in build/qemu-series/, each commit built and its qtests run.
qemu-series: deps
	@scripts/qemu-series.sh check build/qemu-series

# Coverage-guided fuzzing of the VT-d model (docs/fuzzing.md): QEMU's
# generic-fuzz built with clang, libFuzzer, ASan and UBSan (build/qemu-fuzz),
# run FUZZ_SECONDS in all over the configurations in tests/fuzz/configs.sh.
FUZZ_SECONDS ?= 60
fuzz: deps
	@mkdir -p build
	@d=$$(scripts/build-fuzz.sh) && ln -sfn "$$d" build/qemu-fuzz

fuzz-run: fuzz
	@VTD_FUZZ_BUILD="$$(readlink -f build/qemu-fuzz)" tests/fuzz/vtd-fuzz --seconds $(FUZZ_SECONDS)

relock: deps
	@scripts/fetch-sources.sh --relock

clean:
	rm -rf build results/latest
