/*
 * Invalidation cost model for the Intel VT-d model (intel-iommu)
 *
 * The queued-invalidation engine as a serial timeline in
 * QEMU_CLOCK_VIRTUAL: every descriptor occupies the engine for a
 * configurable cost.  Invalidations take functional effect at once; the
 * wait descriptor's status write, its completion interrupt and the IQH
 * advance happen from a timer when the engine has finished.  All costs
 * zero (the default): no engine exists and behaviour is upstream's.
 * See docs/qi-cost.md.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_I386_VTD_QI_COST_H
#define HW_I386_VTD_QI_COST_H

#include "hw/i386/intel_iommu.h"
#include "hw/qdev-properties.h"
#include "intel_iommu_internal.h"

/* Layout version of the x-qi-cost-stats object (bump on incompatible change) */
#define VTD_QI_COST_VERSION         1

/* Largest configurable cost, ns (1 s); -1 means "take the preset's" */
#define VTD_QI_COST_MAX_NS          1000000000LL
/* Largest x-qi-cost-scale, percent */
#define VTD_QI_COST_MAX_SCALE       100000

/*
 * Table entries the resync walks of one queue submission (one IQT write)
 * may read in all: the tables of just under 4 GiB mapped in 4 KiB pages
 * (2048 full leaf tables).  Guest tables whose levels all point at one
 * next table make a walk 512^3..512^4 entries long, and a full queue of
 * global invalidations would repeat it per descriptor under the BQL; the
 * walks stop here and charge what they counted (later descriptors of the
 * submission: no resync pages).
 */
#define VTD_QI_COST_RESYNC_WALK_MAX (1ULL << 20)

/* Cost classes: one x-qi-cost-<name>-ns property each */
typedef enum VTDQiCostKind {
    VTD_QI_COST_CC_GLOBAL,      /* context-cache, global */
    VTD_QI_COST_CC_DOMAIN,      /* context-cache, domain-selective */
    VTD_QI_COST_CC_DEVICE,      /* context-cache, device-selective */
    VTD_QI_COST_IOTLB_GLOBAL,   /* IOTLB, global */
    VTD_QI_COST_IOTLB_DOMAIN,   /* IOTLB (and PASID-IOTLB), domain/PASID */
    VTD_QI_COST_IOTLB_PAGE,     /* IOTLB (and PASID-IOTLB), page base cost */
    VTD_QI_COST_PAGE,           /* ... plus this per 4 KiB page (2^AM) */
    VTD_QI_COST_DEVTLB,         /* device-IOTLB (and PASID-based) */
    VTD_QI_COST_IEC_GLOBAL,     /* interrupt entry cache, global */
    VTD_QI_COST_IEC_INDEX,      /* interrupt entry cache, index-selective */
    VTD_QI_COST_WAIT,           /* invalidation wait */
    VTD_QI_COST_PASID_CACHE,    /* PASID-cache */
    VTD_QI_COST_RESYNC_PAGE,    /* caching mode: host resync, per page */
    VTD_QI_COST_PGRESP,         /* page group response (PRI) */
    VTD_QI_COST__MAX,
} VTDQiCostKind;

/* IntelIOMMUState.qi_cost_ns has room for this many classes */
#define VTD_QI_COST_SLOTS           16

typedef struct VTDQiCost VTDQiCost;

#define VTD_QI_COST_PROP(name, kind) \
    DEFINE_PROP_INT64("x-qi-cost-" name "-ns", IntelIOMMUState, \
                      qi_cost_ns[kind], -1)

/* The properties, for intel-iommu's vtd_properties[] */
#define VTD_QI_COST_PROPERTIES                                          \
    DEFINE_PROP_STRING("x-qi-cost-preset", IntelIOMMUState,             \
                       qi_cost_preset),                                 \
    DEFINE_PROP_UINT32("x-qi-cost-scale", IntelIOMMUState,              \
                       qi_cost_scale, 100),                             \
    VTD_QI_COST_PROP("cc-global", VTD_QI_COST_CC_GLOBAL),               \
    VTD_QI_COST_PROP("cc-domain", VTD_QI_COST_CC_DOMAIN),               \
    VTD_QI_COST_PROP("cc-device", VTD_QI_COST_CC_DEVICE),               \
    VTD_QI_COST_PROP("iotlb-global", VTD_QI_COST_IOTLB_GLOBAL),         \
    VTD_QI_COST_PROP("iotlb-domain", VTD_QI_COST_IOTLB_DOMAIN),         \
    VTD_QI_COST_PROP("iotlb-page", VTD_QI_COST_IOTLB_PAGE),             \
    VTD_QI_COST_PROP("page", VTD_QI_COST_PAGE),                         \
    VTD_QI_COST_PROP("devtlb", VTD_QI_COST_DEVTLB),                     \
    VTD_QI_COST_PROP("iec-global", VTD_QI_COST_IEC_GLOBAL),             \
    VTD_QI_COST_PROP("iec-index", VTD_QI_COST_IEC_INDEX),               \
    VTD_QI_COST_PROP("wait", VTD_QI_COST_WAIT),                         \
    VTD_QI_COST_PROP("pasid-cache", VTD_QI_COST_PASID_CACHE),           \
    VTD_QI_COST_PROP("resync-page", VTD_QI_COST_RESYNC_PAGE),           \
    VTD_QI_COST_PROP("pgresp", VTD_QI_COST_PGRESP)

/*
 * Hook bodies (under the BQL, from the queue path in intel_iommu.c),
 * called through the inline wrappers below.
 */
void vtd_qi_cost_kick_do(VTDQiCost *c);
void vtd_qi_cost_fetched_do(VTDQiCost *c, const VTDInvDesc *desc);
bool vtd_qi_cost_defer_wait_do(VTDQiCost *c, const VTDInvDesc *desc);
bool vtd_qi_cost_retire_do(VTDQiCost *c, uint16_t head);
void vtd_qi_cost_poll_do(VTDQiCost *c);
void vtd_qi_cost_drain_do(VTDQiCost *c, const char *why);
void vtd_qi_cost_discard_do(VTDQiCost *c);

/*
 * With every cost zero the pointer is NULL: each hook is one NULL test
 * and the caller does what upstream does.
 */

/* The guest submitted work (IQT written): a new resync walk budget */
static inline void vtd_qi_cost_kick(VTDQiCost *c)
{
    if (c) {
        vtd_qi_cost_kick_do(c);
    }
}

/* A descriptor was read at IQH; charge it (the outcome follows) */
static inline void vtd_qi_cost_fetched(VTDQiCost *c, const VTDInvDesc *d)
{
    if (c) {
        vtd_qi_cost_fetched_do(c, d);
    }
}

/*
 * A valid wait descriptor with SW and/or IF: true when the engine takes
 * over its status write and interrupt (the caller must then skip both).
 */
static inline bool vtd_qi_cost_defer_wait(VTDQiCost *c, const VTDInvDesc *d)
{
    return c && vtd_qi_cost_defer_wait_do(c, d);
}

/*
 * The descriptor fetched last was processed and the queue head moved to
 * @head: true when the engine writes IQH (now or when it finishes).
 */
static inline bool vtd_qi_cost_retire(VTDQiCost *c, uint16_t head)
{
    return c && vtd_qi_cost_retire_do(c, head);
}

/*
 * Register read: retire every event already due.  Under MTTCG the
 * main-loop timer can lag far behind a vCPU that polls the IOMMU while
 * holding the BQL most of the time; this bounds the lag by the poll.
 */
static inline void vtd_qi_cost_poll(VTDQiCost *c)
{
    if (c) {
        vtd_qi_cost_poll_do(c);
    }
}

/* Finish all pending work now (IQE, QI disable), in order */
static inline void vtd_qi_cost_drain(VTDQiCost *c, const char *why)
{
    if (c) {
        vtd_qi_cost_drain_do(c, why);
    }
}

/* Drop all pending work without any effect (IOMMU reset) */
static inline void vtd_qi_cost_discard(VTDQiCost *c)
{
    if (c) {
        vtd_qi_cost_discard_do(c);
    }
}

/*
 * Lifecycle, called from intel_iommu.c.
 * vtd_qi_cost_realize: checks the properties and, when any effective cost
 * is non-zero, creates s->qi_cost with its timer and registers a
 * migration blocker (pending work is not migrated).
 */
bool vtd_qi_cost_realize(IntelIOMMUState *s, Error **errp);
/* Frees the engine and removes its migration blocker */
void vtd_qi_cost_unrealize(IntelIOMMUState *s);

/*
 * Adds the read-only x-qi-cost-stats (the engine's accounting as one JSON
 * object, all zero and enabled=false without an engine) and the
 * write-only x-qi-cost-stats-reset, from intel-iommu's class init.
 */
void vtd_qi_cost_class_init(ObjectClass *klass);

#endif
