#!/usr/bin/env bash
# Boot the patched guest kernel once per iommu.dma_scheme= value, run
# dma_map_benchmark on the edu device at 1 and 2 threads, and check that the
# guest counters (/sys/kernel/debug/iommu/scal/counters) obey the scheme.
# Output: TAP (tests/lib/tap.sh), ending with "N passed, N failed".
#
#   tests/guest/test-schemes.sh [SCHEME...]     (default: all five)
#
# Environment: VTD_KERNEL_DIR (directory with bzImage, .config and
# dma_map_benchmark; default: build/kernel, else scripts/build-kernel.sh),
# VTD_QEMU (default: build/qemu-system-x86_64), SECONDS_PER_RUN (2).
set -u
. "$(dirname "$0")/../lib/tap.sh"
SECS=${SECONDS_PER_RUN:-2}
schemes=("$@")
[ ${#schemes[@]} -gt 0 ] || schemes=(strict global percpu-fq rcache percpu)

skip_all() { echo "1..0 # SKIP $*"; echo "0 passed, 0 failed"; exit 0; }

kdir=${VTD_KERNEL_DIR:-$TOP/build/kernel}
if [ ! -f "$kdir/bzImage" ]; then
  kdir=$("$TOP/scripts/build-kernel.sh" 2>/dev/null | tail -1) || skip_all "guest kernel does not build here"
fi
[ -f "$kdir/bzImage" ] || skip_all "no bzImage in $kdir"
[ -x "$kdir/dma_map_benchmark" ] || skip_all "no dma_map_benchmark in $kdir"
grep -q '^CONFIG_IOMMU_SCAL_STATS=y' "$kdir/.config" 2>/dev/null ||
  skip_all "kernel built without CONFIG_IOMMU_SCAL_STATS (series not applied?)"
qemu=${VTD_QEMU:-$TOP/build/qemu-system-x86_64}
[ -x "$qemu" ] || skip_all "no QEMU binary at $qemu (make build, or set VTD_QEMU)"
busybox=/bin/busybox
ldd "$busybox" 2>&1 | grep -q 'not a dynamic' || skip_all "needs a static $busybox (busybox-static)"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Initramfs: busybox, the benchmark and an init that runs it per thread count
# and prints the counters between markers.
root=$work/root
mkdir -p "$root"/{bin,proc,sys,dev}
cp "$busybox" "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
cp "$kdir/dma_map_benchmark" "$root/bin/"
cat >"$root/init" <<'EOF'
#!/bin/sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t debugfs debugfs /sys/kernel/debug
secs=2
for w in $(cat /proc/cmdline); do
  case $w in ts.secs=*) secs=${w#ts.secs=} ;; esac
done
S=/sys/kernel/debug/iommu/scal
counters() { echo "COUNTERS-BEGIN $1"; cat $S/counters; echo "COUNTERS-END"; }
bdf=
for d in /sys/bus/pci/devices/*; do
  [ "$(cat "$d/vendor"):$(cat "$d/device")" = 0x1234:0x11e8 ] && bdf=${d##*/}
done
echo "SCHEME $(cat /sys/module/iommu/parameters/dma_scheme)"
echo "GROUPTYPE $(cat /sys/bus/pci/devices/$bdf/iommu_group/type)"
echo dma_map_benchmark >/sys/bus/pci/devices/$bdf/driver_override
[ -e /sys/bus/pci/devices/$bdf/driver ] && echo $bdf >/sys/bus/pci/devices/$bdf/driver/unbind
echo $bdf >/sys/bus/pci/drivers/dma_map_benchmark/bind
# Settle: let the 10 ms flush timer retire what is queued.
for t in 1 2; do
  sleep 0.5
  echo 1 >$S/reset
  counters before-$t
  dma_map_benchmark -t $t -s $secs -b 64 | sed "s/^/BENCH $t /"
  sleep 0.5
  counters after-$t
done
# CPU hot-unplug with entries queued: unplug right after a run.
echo 1 >$S/reset
dma_map_benchmark -t 2 -s 1 -b 64 >/dev/null
echo 0 >/sys/devices/system/cpu/cpu1/online
sleep 0.5
counters unplug
echo TEST-DONE
poweroff -f
EOF
chmod +x "$root/init"
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0 | gzip -1) >"$work/initrd.gz"

fail_now() { check "$1" false; }

# ctr FILE SECTION NAME: value of counter NAME in COUNTERS section SECTION
ctr() {
  awk -v s="$2" -v k="$3" '{ sub(/\r$/, "") }
    $1 == "COUNTERS-BEGIN" { on = ($2 == s); next }
    $1 == "COUNTERS-END" { on = 0 } on && $1 == k { print $2; exit }' "$1"
}

# no_timer_check: under TCG on a loaded host the IO-APIC timer probe can
# time out and panic the guest before the test starts (as in vtd-run).
for scheme in "${schemes[@]}"; do
  log=$work/$scheme.log
  timeout 300 "$qemu" -M q35 -accel tcg -smp 2 -m 1G \
    -device intel-iommu,intremap=on,caching-mode=off -device edu \
    -nodefaults -serial stdio -display none -no-reboot \
    -L /usr/share/qemu -L /usr/share/seabios \
    -kernel "$kdir/bzImage" -initrd "$work/initrd.gz" \
    -append "console=ttyS0 loglevel=4 panic=-1 no_timer_check iommu.strict=0 iommu.dma_scheme=$scheme iommu.scal_stats=1 ts.secs=$SECS" \
    >"$log" 2>&1 </dev/null
  if ! grep -q TEST-DONE "$log"; then
    fail_now "$scheme: guest ran to the end"
    sed 's/^/# /' "$log" | tail -20
    continue
  fi
  check "$scheme: guest ran to the end" true
  check "$scheme: iommu.dma_scheme reads back" grep -q "^SCHEME $scheme" "$log"

  for t in 1 2; do
    a=after-$t
    unmaps=$(ctr "$log" $a unmaps)
    queued=$(ctr "$log" $a fq_queued)
    strict=$(ctr "$log" $a flush_strict)
    full=$(( $(ctr "$log" $a flush_full) + $(ctr "$log" $a flush_all_queues) ))
    timer=$(ctr "$log" $a flush_timer)
    page=$(ctr "$log" $a iotlb_page)
    dom=$(ctr "$log" $a iotlb_domain)
    rc=$(ctr "$log" $a iova_alloc_rcache)
    rb=$(ctr "$log" $a iova_alloc_rbtree)
    live0=$(ctr "$log" before-$t iova_live)
    live1=$(ctr "$log" $a iova_live)
    qi=$(ctr "$log" $a qi_submit_sync)
    wait=$(ctr "$log" $a wait)
    over=$(ctr "$log" $a fq_overflow)
    lat=$(tr -d '\r' <"$log" | sed -n "s/^BENCH $t average latency(ns): map:[0-9]* unmap:\([0-9]*\)/\1/p")
    diag "$scheme t=$t unmap_ns=$lat unmaps=$unmaps queued=$queued strict=$strict full=$full timer=$timer iotlb_page=$page iotlb_domain=$dom rcache=$rc rbtree=$rb qi=$qi"
    check "$scheme t=$t: benchmark unmapped" [ "${unmaps:-0}" -gt 0 ]
    check "$scheme t=$t: one wait descriptor per submission" [ "$wait" = "$qi" ]
    if [ "$scheme" = strict ]; then
      check "$scheme t=$t: every unmap flushed synchronously" [ "$strict" = "$unmaps" -a "$queued" = 0 ]
      check "$scheme t=$t: one page-selective IOTLB descriptor per 1-page unmap" [ "$page" = "$unmaps" ]
    else
      check "$scheme t=$t: every unmap deferred" [ "$queued" = "$unmaps" -a "$strict" = 0 ]
      # 255 entries fill a queue; each CPU's queue may add one partial fill.
      check "$scheme t=$t: full-queue flushes <= unmaps/255 + CPUs ($full)" [ "$full" -le $((unmaps / 255 + 2)) ]
      check "$scheme t=$t: timer flushes <= one per 10 ms ($timer)" [ "$timer" -le $((SECS * 100 + 20)) ]
      check "$scheme t=$t: one domain IOTLB flush per deferred flush" [ "$dom" = $((full + timer)) -a "$page" = 0 ]
    fi
    case $scheme in
    global|percpu-fq) check "$scheme t=$t: IOVAs only from the rbtree" [ "$rc" = 0 ] ;;
    *) check "$scheme t=$t: IOVAs mostly from the per-CPU caches" [ "$rc" -gt "$rb" ] ;;
    esac
    # A queue still full after its own flush (a flush started on another
    # CPU has not finished) wraps and loses its 256 entries: an upstream
    # leak that fq_overflow counts. Every other IOVA must come back.
    [ "$over" = 0 ] || diag "$scheme t=$t: $over flush-queue overflows, $((over * 256)) IOVAs leaked (upstream)"
    check "$scheme t=$t: live IOVAs back to baseline but for overflows ($live0 -> $live1, fq_overflow $over)" \
      [ $((live1 - live0)) = $((over * 256)) ]
  done
  if [ "$scheme" != strict ]; then
    q=$(ctr "$log" unplug fq_queued)
    f=$(ctr "$log" unplug fq_flushed)
    o=$(ctr "$log" unplug fq_overflow)
    check "$scheme: CPU hot-unplug leaves no queued entry behind ($q queued, $f retired, $o overflows)" \
      [ $((q - f)) = $((o * 256)) ]
  fi
done

done_testing
rc=$?
echo "$((TAP_N - TAP_FAILED)) passed, $TAP_FAILED failed"
exit $rc
