/*
 * Stale-translation audit for the Intel VT-d model (intel-iommu)
 *
 * With x-audit=on, every DMA translation served from the IOTLB is checked
 * against a fresh, read-only walk of the guest's current second-level page
 * tables.  A hit whose mapping is gone or points elsewhere went through a
 * stale entry: it is counted (translations, bytes, per domain), its entry
 * age (virtual time since the IOTLB insert) goes into a histogram, and the
 * first few are kept as samples.  The result is the "audit" object of the
 * x-counters JSON (composed by vtd-stats.c).  Nothing here changes what
 * the IOMMU model does.  See docs/stale-audit.md.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_I386_VTD_AUDIT_H
#define HW_I386_VTD_AUDIT_H

#include "hw/i386/intel_iommu.h"
#include "hw/qdev-properties.h"
#include "intel_iommu_internal.h"

/* Layout version of the "audit" object; bump on any incompatible change. */
#define VTD_AUDIT_VERSION           1

typedef struct VTDAudit VTDAudit;

/*
 * The guest's current tables for the translated device, as intel_iommu.c
 * resolved them from the root/context (and PASID) entries in memory.
 */
typedef struct VTDAuditTables {
    dma_addr_t base;            /* second-level table root */
    uint32_t level;             /* levels of that table (3, 4 or 5) */
} VTDAuditTables;

/*
 * Hook bodies, called through the inline wrappers below with the IOMMU
 * lock held (translation path, possibly outside the BQL).
 */
int64_t vtd_audit_stamp_do(VTDAudit *a);
void vtd_audit_iotlb_hit_locked_do(VTDAudit *a, const VTDIOTLBEntry *hit,
                                   hwaddr addr, bool is_write,
                                   const VTDAuditTables *now);
void vtd_audit_unchecked_locked_do(VTDAudit *a);

/*
 * Insertion timestamp for a new IOTLB entry: QEMU_CLOCK_VIRTUAL ns, or 0
 * with x-audit=off (the clock is then not read at all).
 */
static inline int64_t vtd_audit_stamp(VTDAudit *a)
{
    return a ? vtd_audit_stamp_do(a) : 0;
}

/*
 * An IOTLB hit for @addr through @hit; @now is NULL when the device has
 * no usable context entry any more (its mapping is then gone).
 */
static inline void vtd_audit_iotlb_hit_locked(VTDAudit *a,
                                              const VTDIOTLBEntry *hit,
                                              hwaddr addr, bool is_write,
                                              const VTDAuditTables *now)
{
    if (a) {
        vtd_audit_iotlb_hit_locked_do(a, hit, addr, is_write, now);
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
 * Statistics, called from vtd-stats.c with the IOMMU lock held (and the
 * BQL): a snapshot as a new QDict (all zero, enabled=false, for NULL),
 * and zeroing every audit counter and sample.
 */
QDict *vtd_audit_to_qdict_locked(VTDAudit *a);
void vtd_audit_reset_locked(VTDAudit *a);

#endif
