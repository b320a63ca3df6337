/*
 * Exact invalidation accounting for the Intel VT-d model (intel-iommu)
 *
 * Counts queued-invalidation descriptors, register-based invalidations,
 * IOTLB activity and faults, and exports them as one JSON object through
 * the intel-iommu QOM property "x-counters" (composed by vtd-stats.c).
 * Pure bookkeeping: nothing here changes what the IOMMU model does.
 * See docs/accounting.md.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_I386_VTD_ACCOUNTING_H
#define HW_I386_VTD_ACCOUNTING_H

#include "hw/i386/intel_iommu.h"
#include "hw/qdev-properties.h"
#include "intel_iommu_internal.h"

/* Layout version of the JSON object; bump on any incompatible change. */
#define VTD_ACCT_VERSION            1

typedef struct VTDAcct VTDAcct;

/* IOTLB removals, by the kind of invalidation that caused them */
typedef enum VTDAcctRemoval {
    VTD_ACCT_RM_GLOBAL,         /* IOTLB global (QI or register) */
    VTD_ACCT_RM_DOMAIN,         /* IOTLB domain-selective (QI or register) */
    VTD_ACCT_RM_PAGE,           /* IOTLB page-selective (QI or register) */
    VTD_ACCT_RM_PASID,          /* PASID-IOTLB, all of one PASID */
    VTD_ACCT_RM_PASID_PAGE,     /* PASID-IOTLB, page-selective within PASID */
    VTD_ACCT_RM__MAX,
} VTDAcctRemoval;

/*
 * Hook bodies, called through the inline wrappers below.  Translation-side
 * hooks run with the IOMMU lock held, possibly outside the BQL; queue,
 * register and removal hooks run under the BQL.  See vtd-accounting.c.
 */
void vtd_acct_desc_fetched_do(VTDAcct *a, const VTDInvDesc *desc);
void vtd_acct_desc_done_do(VTDAcct *a, bool ok);
void vtd_acct_iqe_tail_do(VTDAcct *a);
void vtd_acct_iqe_do(VTDAcct *a);
void vtd_acct_iqt_write_start_do(VTDAcct *a);
void vtd_acct_iqt_write_finish_do(VTDAcct *a);
void vtd_acct_reg_ccmd_do(VTDAcct *a, uint64_t val, uint64_t caig);
void vtd_acct_reg_iotlb_do(VTDAcct *a, uint64_t val, uint64_t iaig);
void vtd_acct_iotlb_removed_do(VTDAcct *a, VTDAcctRemoval kind,
                               uint16_t domain_id, unsigned int removed);
void vtd_acct_translate_locked_do(VTDAcct *a, uint16_t sid);
void vtd_acct_iotlb_hit_locked_do(VTDAcct *a);
void vtd_acct_iotlb_miss_locked_do(VTDAcct *a);
void vtd_acct_iotlb_insert_locked_do(VTDAcct *a, uint16_t sid);
void vtd_acct_iotlb_full_drop_locked_do(VTDAcct *a, unsigned int dropped);
void vtd_acct_page_walk_locked_do(VTDAcct *a);
void vtd_acct_sync_walk_do(VTDAcct *a);
void vtd_acct_fault_do(VTDAcct *a, bool recorded);

/*
 * Call sites in intel_iommu.c use these.  With x-accounting=off the
 * pointer is NULL and each hook is one predictable, never-taken branch.
 */
#define VTD_ACCT_HOOK(name, proto, args)            \
    static inline void vtd_acct_##name proto        \
    {                                               \
        if (a) {                                    \
            (vtd_acct_##name##_do) args;            \
        }                                           \
    }

/* A descriptor was read from the queue; its outcome follows in desc_done */
VTD_ACCT_HOOK(desc_fetched, (VTDAcct *a, const VTDInvDesc *d), (a, d))
/* The descriptor fetched last was processed (@ok) or rejected (IQE) */
VTD_ACCT_HOOK(desc_done, (VTDAcct *a, bool ok), (a, ok))
/* IQT pointed past the end of the queue */
VTD_ACCT_HOOK(iqe_tail, (VTDAcct *a), (a))
/* FSTS.IQE was raised, for any reason */
VTD_ACCT_HOOK(iqe, (VTDAcct *a), (a))
/* Guest wrote IQT: opens a batch; finish closes it */
VTD_ACCT_HOOK(iqt_write_start, (VTDAcct *a), (a))
VTD_ACCT_HOOK(iqt_write_finish, (VTDAcct *a), (a))
/* Register-based context-cache / IOTLB invalidation; @xaig 0 = rejected */
VTD_ACCT_HOOK(reg_ccmd, (VTDAcct *a, uint64_t v, uint64_t xaig), (a, v, xaig))
VTD_ACCT_HOOK(reg_iotlb, (VTDAcct *a, uint64_t v, uint64_t xaig), (a, v, xaig))
/* An invalidation removed @n cached IOTLB entries (may be 0) */
VTD_ACCT_HOOK(iotlb_removed,
              (VTDAcct *a, VTDAcctRemoval k, uint16_t did, unsigned int n),
              (a, k, did, n))
/* *_locked: translation path, call with the IOMMU lock held */
/* A DMA translation request from requester @sid (bus << 8 | devfn) */
VTD_ACCT_HOOK(translate_locked, (VTDAcct *a, uint16_t sid), (a, sid))
VTD_ACCT_HOOK(iotlb_hit_locked, (VTDAcct *a), (a))
VTD_ACCT_HOOK(iotlb_miss_locked, (VTDAcct *a), (a))
/* An IOTLB entry was added for requester @sid */
VTD_ACCT_HOOK(iotlb_insert_locked, (VTDAcct *a, uint16_t sid), (a, sid))
/* The IOTLB was full and dropped all @n entries before an insert */
VTD_ACCT_HOOK(iotlb_full_drop_locked, (VTDAcct *a, unsigned int n), (a, n))
/* Page-table walk for a DMA translation (IOTLB miss) */
VTD_ACCT_HOOK(page_walk_locked, (VTDAcct *a), (a))
/* Page-table walk for a notifier sync/replay (shadow page tables) */
VTD_ACCT_HOOK(sync_walk, (VTDAcct *a), (a))
/* A DMA remapping fault: recorded, or suppressed by FPD */
VTD_ACCT_HOOK(fault, (VTDAcct *a, bool recorded), (a, recorded))

#undef VTD_ACCT_HOOK

/* The unit's properties, for intel-iommu's vtd_properties[] */
#define VTD_ACCT_PROPERTIES                                             \
    DEFINE_PROP_BOOL("x-accounting", IntelIOMMUState, accounting, false)

/*
 * Lifecycle, called from intel_iommu.c.
 * vtd_acct_realize: with x-accounting=on allocates s->acct.
 */
bool vtd_acct_realize(IntelIOMMUState *s, Error **errp);
/* Frees s->acct */
void vtd_acct_unrealize(IntelIOMMUState *s);

/*
 * Statistics, called from vtd-stats.c with the IOMMU lock held (and the
 * BQL): a snapshot as a new QDict (all zero, enabled=false, for NULL),
 * and zeroing every counter of the unit.
 */
QDict *vtd_acct_to_qdict_locked(VTDAcct *a);
void vtd_acct_reset_locked(VTDAcct *a);

#endif
