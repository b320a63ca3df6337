/*
 * Statistics front end of the intel-iommu extensions
 *
 * The one place that composes what the units count: the x-counters
 * object (accounting's, with the sections other units add, such as the
 * audit's under "audit"), its reset, the x-counters-file written at
 * shutdown, and the same counters as QMP query-stats provider
 * "intel-iommu".  It knows accounting alone; a later unit adds its
 * section from its class init, so each patch of the series builds
 * without the ones after it.  See docs/architecture.md.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_I386_VTD_STATS_H
#define HW_I386_VTD_STATS_H

#include "hw/i386/intel_iommu.h"
#include "hw/qdev-properties.h"
#include "qapi/qapi-types-stats.h"

typedef struct VTDStats VTDStats;

/*
 * An x-counters entry that is not a plain counter (cumulative, no unit),
 * by dotted name, for query-stats.  Histograms use query-stats' log2
 * layout (KVM's): bucket 0 counts the value 0, bucket i > 0 counts
 * [2^(i-1), 2^i), the last one is open; @shift empty buckets are put
 * first where a unit's bins start higher.
 */
typedef struct VTDStatsKind {
    const char *name;
    StatsType type;
    bool has_unit;
    StatsUnit unit;
    int16_t exponent;           /* unit * 10^exponent */
    unsigned shift;
} VTDStatsKind;

/*
 * A unit's object in x-counters, under @name.  @get returns a new
 * QDict, or NULL when the unit has nothing to show; with @file_only it is
 * shown only in the x-counters-file and called without the IOMMU lock,
 * else it is read (and @reset_locked, if any, zeroes it) with
 * accounting's under one hold of the lock.  @kinds: its entries that
 * are not plain counters.
 */
typedef struct VTDStatsSection {
    const char *name;
    QDict *(*get)(IntelIOMMUState *s);
    void (*reset_locked)(IntelIOMMUState *s);
    bool file_only;
    const VTDStatsKind *kinds;
    size_t nkinds;
} VTDStatsSection;

/* Adds @sec, once, from the unit's class init (idempotent) */
void vtd_stats_add_section(const VTDStatsSection *sec);

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
/* Adds the read-only x-counters and write-only x-counters-reset */
void vtd_stats_class_init(ObjectClass *klass);

/* QOM property helpers: visit @d (and unref it); read a bool written true */
void vtd_stats_visit_qdict(Visitor *v, const char *name, QDict *d,
                           Error **errp);
bool vtd_stats_visit_true(Visitor *v, const char *name, Error **errp);

/* The x-counters object as a new QDict: one snapshot of every unit */
QDict *vtd_stats_counters(IntelIOMMUState *s);
/* Zero accounting and the sections in one step (one hold of the lock) */
void vtd_stats_counters_reset(IntelIOMMUState *s);

#endif
