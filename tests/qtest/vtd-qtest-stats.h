/*
 * QMP query-stats helpers and checks shared by the intel-iommu qtests
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef TESTS_QTEST_VTD_QTEST_STATS_H
#define TESTS_QTEST_VTD_QTEST_STATS_H

#include "libqtest.h"

/* What the schema must say of a statistic that is not a plain counter */
typedef struct VtdStatKind {
    const char *name;
    const char *type;
    const char *unit;           /* NULL: none */
    int exponent;               /* of base 10 */
    unsigned shift;             /* histogram: empty buckets first */
} VtdStatKind;

/* A unit's kinds beyond accounting's (qi.batch_max, qi.iotlb.am_hist) */
typedef struct VtdStatKinds {
    const VtdStatKind *kinds;
    size_t n;
} VtdStatKinds;

/* "return" of the QMP response @rsp, a list; the caller unrefs it */
QList *vtd_qmp_list(QDict *rsp);
/*
 * query-stats for target vm, provider intel-iommu, names @names (a JSON
 * list, NULL for all): its one result's "stats", or NULL when there is
 * no result.
 */
QList *vtd_query_stats(QTestState *qts, const char *names);
/* The intel-iommu schema's "stats", or NULL when it has none */
QList *vtd_query_schema(QTestState *qts);
/* The entry named @name in a list of {name, ...}, or NULL */
QDict *vtd_find(QList *l, const char *name);
/* Statistic @name is a scalar equal to @expect */
void vtd_assert_stat(QList *stats, const char *name, uint64_t expect);
/* Bucket @i of histogram @name */
uint64_t vtd_bucket(QList *stats, const char *name, unsigned i);
/*
 * query-stats lists exactly the numbers of x-counters, with their values
 * (@extra: the kinds of the units beyond accounting, or NULL)
 */
void vtd_check_equal_x_counters(QTestState *qts, QList *stats,
                                const VtdStatKinds *extra);
/*
 * The schema names the statistics in query-stats' order, with their
 * types and units; returns how many.
 */
size_t vtd_check_schema(QTestState *qts, QList *stats,
                        const VtdStatKinds *extra);

#endif
