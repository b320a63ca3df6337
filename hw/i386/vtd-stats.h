/*
 * Statistics front end of the intel-iommu extensions
 *
 * The one place that composes what the units export: the x-counters
 * object (accounting, with the audit's object under "audit"), its reset,
 * the x-counters-file written at shutdown, the same counters as QMP
 * query-stats provider "intel-iommu", and x-qi-cost-stats.  Each
 * unit (vtd-accounting.c, vtd-qi-cost.c, vtd-audit.c) has its own
 * properties, statistics object and reset and calls no other unit; only
 * this file and intel_iommu.c's hooks call them.  See docs/architecture.md.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_I386_VTD_STATS_H
#define HW_I386_VTD_STATS_H

#include "hw/i386/intel_iommu.h"
#include "hw/qdev-properties.h"

typedef struct VTDStats VTDStats;

/* The front end's properties, for intel-iommu's vtd_properties[] */
#define VTD_STATS_PROPERTIES                                            \
    DEFINE_PROP_STRING("x-counters-file", IntelIOMMUState, counters_file)

/*
 * Lifecycle, called from intel_iommu.c after the units' realize.
 * vtd_stats_realize: validates x-counters-file and, when set, allocates
 * s->stats and registers the shutdown dump; with x-accounting=on makes
 * s the IOMMU of query-stats provider "intel-iommu" (target "vm").
 */
bool vtd_stats_realize(IntelIOMMUState *s, Error **errp);
/* Unregisters the shutdown dump, frees s->stats, leaves query-stats */
void vtd_stats_unrealize(IntelIOMMUState *s);
/*
 * Adds the read-only x-counters and x-qi-cost-stats and the write-only
 * x-counters-reset and x-qi-cost-stats-reset QOM properties.
 */
void vtd_stats_class_init(ObjectClass *klass);

/* The x-counters object as a new QDict: one snapshot of both units */
QDict *vtd_stats_counters(IntelIOMMUState *s);
/* Zero accounting and audit in one step (one hold of the IOMMU lock) */
void vtd_stats_counters_reset(IntelIOMMUState *s);

#endif
