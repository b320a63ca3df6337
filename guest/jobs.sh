# Guest jobs, sourced by /init. Each job_<name> prints one JSON object on
# stdout, diagnostics on stderr, and returns non-zero on failure.

# JSON helpers: keep values simple (numbers, words).
jstr() { printf '"%s"' "$(echo "$1" | sed 's/\\/\\\\/g; s/"/\\"/g')"; }

# "bdf":"type" for every PCI device with an IOMMU group, as a JSON object.
iommu_groups_json() {
  sep=
  printf '{'
  for d in /sys/bus/pci/devices/*; do
    [ -e "$d/iommu_group" ] || continue
    t=$(cat "$d/iommu_group/type" 2>/dev/null)
    printf '%s"%s":{"vendor":"%s","device":"%s","group":%s,"type":"%s"}' "$sep" "${d##*/}" \
      "$(cat "$d/vendor")" "$(cat "$d/device")" "$(basename "$(readlink "$d/iommu_group")")" "$t"
    sep=,
  done
  printf '}'
}

common_json() {
  printf '"kernel":%s,"cmdline":%s,"cpus":%s,"dmar_units":%s,"iommu_groups":%s' \
    "$(jstr "$(uname -r)")" "$(jstr "$(cat /proc/cmdline)")" "$(grep -c ^processor /proc/cpuinfo)" \
    "$(ls /sys/class/iommu 2>/dev/null | wc -l)" "$(iommu_groups_json)"
}

job_info() {
  printf '{"job":"info",'; common_json; printf '}\n'
}

job_shell() {
  echo "vtd-testbed guest shell; 'exit' powers off."
  setsid cttyhack sh
}

# First PCI device with vendor:device (default: QEMU edu 1234:11e8).
find_pci() {
  for d in /sys/bus/pci/devices/*; do
    [ "$(cat "$d/vendor"):$(cat "$d/device")" = "$1" ] && { echo "${d##*/}"; return 0; }
  done
  return 1
}

bind_benchmark() {
  bdf=$1
  echo dma_map_benchmark >/sys/bus/pci/devices/"$bdf"/driver_override || return 1
  [ -e /sys/bus/pci/devices/"$bdf"/driver ] && echo "$bdf" >/sys/bus/pci/devices/"$bdf"/driver/unbind
  echo "$bdf" >/sys/bus/pci/drivers/dma_map_benchmark/bind
}

# dma_map_benchmark on the edu device.
#   vtd.threads (1) vtd.seconds (2) vtd.granule (1 page) vtd.bits (64)
job_dmabench() {
  bdf=$(find_pci 0x1234:0x11e8) || { echo "dmabench: no edu device (add -device edu)" >&2; return 1; }
  bind_benchmark "$bdf" || { echo "dmabench: cannot bind $bdf to dma_map_benchmark" >&2; return 1; }
  out=$(dma_map_benchmark -t "${P_threads:-1}" -s "${P_seconds:-2}" -g "${P_granule:-1}" \
        -b "${P_bits:-64}" 2>&1) || { echo "dmabench: $out" >&2; return 1; }
  echo "$out" >&2
  map=$(echo "$out" | sed -n 's/^average map latency(us):\([0-9.]*\) standard deviation:\([0-9.]*\).*/\1/p')
  unmap=$(echo "$out" | sed -n 's/^average unmap latency(us):\([0-9.]*\) standard deviation:\([0-9.]*\).*/\1/p')
  [ -n "$map" ] && [ -n "$unmap" ] || { echo "dmabench: cannot parse benchmark output" >&2; return 1; }
  printf '{"job":"dmabench","device":"%s","threads":%s,"seconds":%s,"granule":%s,' \
    "$bdf" "${P_threads:-1}" "${P_seconds:-2}" "${P_granule:-1}"
  printf '"map_us":%s,"unmap_us":%s,' "$map" "$unmap"
  common_json
  printf '}\n'
}
