/*
 * A hostile DMA device in a victim's VT-d domain (vtd-hostile)
 *
 * -device vtd-hostile,victim=<id> models a PCI device whose firmware is
 * compromised: it issues DMA through the IOMMU address space of the
 * device it names, so it reaches exactly what that device reaches.  It
 * learns the IOVA pages the victim's own DMA translates, and on a
 * QEMU_CLOCK_VIRTUAL period reads them, their neighbour pages and an
 * optional IOVA window, looking for canary tokens the guest planted
 * where no device may read (docs/hostile-device.md).  Absent from the
 * command line, nothing exists and intel-iommu behaves as without it.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_I386_VTD_HOSTILE_H
#define HW_I386_VTD_HOSTILE_H

#include "hw/i386/intel_iommu.h"
#include "hw/pci/pci_bus.h"

#define TYPE_VTD_HOSTILE            "vtd-hostile"

/* Layout version of the x-stats object (bump on incompatible change) */
#define VTD_HOSTILE_VERSION         1

/*
 * Canary token, 16 bytes, little-endian: the 8-byte magic, a u32 id and
 * the u32 ACPI PM timer value (24 bits used) at which it was planted.
 */
#define VTD_HOSTILE_TOKEN_SIZE      16
#define VTD_HOSTILE_MAGIC_LEN       8

typedef struct VTDHostile VTDHostile;

/*
 * Translation hook body (any thread, from vtd_iommu_translate()): a
 * successful translation of @iova for @bus/@devfn, without PASID.
 */
void vtd_hostile_observe_do(VTDHostile *h, PCIBus *bus, int devfn,
                            hwaddr iova);

/* One NULL test without a hostile device */
static inline void vtd_hostile_observe(VTDHostile *h, PCIBus *bus,
                                       int devfn, uint32_t pasid,
                                       hwaddr iova)
{
    if (h && pasid == PCI_NO_PASID) {
        vtd_hostile_observe_do(h, bus, devfn, iova);
    }
}

#endif
