/*
 * Stale-translation audit for the Intel VT-d model (intel-iommu)
 *
 * With x-audit=on, every DMA translation served from the IOTLB is checked
 * against a fresh, read-only walk of the guest's current page tables
 * (intel_iommu.c's own walker).  A hit whose mapping is gone or points
 * elsewhere went through a stale entry: it is counted (by kind, direction
 * and domain), its entry age (virtual time since the IOTLB insert) goes
 * into a histogram, and the first few are kept as samples.  The result
 * is the "audit" object of the x-counters JSON (a section of
 * vtd-stats.c).  Nothing here changes what the IOMMU model does.
 * See docs/stale-audit.md.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_I386_VTD_AUDIT_H
#define HW_I386_VTD_AUDIT_H

#include "hw/i386/intel_iommu.h"
#include "hw/qdev-properties.h"
#include "intel_iommu_internal.h"

/* Layout version of the "audit" object; bump on any incompatible change. */
#define VTD_AUDIT_VERSION           2

typedef struct VTDAudit VTDAudit;

/*
 * An IOTLB hit and where the guest's tables send the same access now, as
 * intel_iommu.c found with its own walker (read-only: no fault reported,
 * no A/D bit set).
 */
typedef struct VTDAuditHit {
    const VTDIOTLBEntry *entry; /* the IOTLB entry that served the access */
    hwaddr iova;
    bool is_write;
    hwaddr cached;              /* where @entry sends the access */
    bool mapped;                /* the tables permit the access now ... */
    hwaddr current;             /* ... and send it here */
} VTDAuditHit;

/*
 * Hook bodies, called through the inline wrappers below with the IOMMU
 * lock held (translation path, possibly outside the BQL).
 */
int64_t vtd_audit_stamp_do(VTDAudit *a);
void vtd_audit_iotlb_hit_locked_do(VTDAudit *a, const VTDAuditHit *h);
void vtd_audit_unchecked_locked_do(VTDAudit *a);

/*
 * Insertion timestamp for a new IOTLB entry: QEMU_CLOCK_VIRTUAL ns, or 0
 * with x-audit=off (the clock is then not read at all).
 */
static inline int64_t vtd_audit_stamp(VTDAudit *a)
{
    return a ? vtd_audit_stamp_do(a) : 0;
}

/* An IOTLB hit, compared with the tables */
static inline void vtd_audit_iotlb_hit_locked(VTDAudit *a,
                                              const VTDAuditHit *h)
{
    if (a) {
        vtd_audit_iotlb_hit_locked_do(a, h);
    }
}

/* An IOTLB hit the audit cannot check (pass-through context) */
static inline void vtd_audit_unchecked_locked(VTDAudit *a)
{
    if (a) {
        vtd_audit_unchecked_locked_do(a);
    }
}

/* The unit's properties, for intel-iommu's vtd_properties[] */
#define VTD_AUDIT_PROPERTIES                                            \
    DEFINE_PROP_BOOL("x-audit", IntelIOMMUState, audit, false)

/*
 * Lifecycle, called from intel_iommu.c.
 * vtd_audit_realize: validates x-audit and, when on, allocates s->aud and
 * registers a migration blocker (the audit state is not migrated).
 */
bool vtd_audit_realize(IntelIOMMUState *s, Error **errp);
/* Frees s->aud and removes its migration blocker */
void vtd_audit_unrealize(IntelIOMMUState *s);

/*
 * From intel-iommu's class init: adds the audit's object to x-counters
 * (section "audit" of vtd-stats.c), read and zeroed with accounting's.
 */
void vtd_audit_class_init(ObjectClass *klass);

#endif
