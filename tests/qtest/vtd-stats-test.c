/*
 * QTest cases for the intel-iommu counters in QMP query-stats
 *
 * With x-accounting=on the device is query-stats provider "intel-iommu"
 * (target "vm"): every counter of x-counters under its dotted name, the
 * histograms as log2 histograms.  Each case programs known invalidations,
 * then checks the exact values, that they equal what qom-get x-counters
 * reads, and the schema.  Without x-accounting the provider is absent.
 * The audit's statistics are checked in vtd-audit-test.c.  See
 * docs/accounting.md.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qobject/qjson.h"
#include "qobject/qlist.h"
#include "qobject/qnum.h"
#include "qobject/qstring.h"
#include "vtd-qtest-common.h"
#include "vtd-qtest-stats.h"

#define DESC_WAIT_SW(data)  (VTD_INV_DESC_WAIT | VTD_INV_DESC_WAIT_SW | \
                             ((uint64_t)(data) << 32))
#define PSI_ADDR            0x40000000ULL   /* aligned for every AM used */
#define PSI_DID             4

/* AMs of the page-selective descriptors programmed */
static const unsigned psi_ams[] = { 0, 0, 1, 3, 9, VTD_MAMV };

/* ---- tests ---- */

/*
 * Two IQT writes: 6 page-selective descriptors (psi_ams), 2 domain-
 * selective, 1 global IOTLB, 1 global context-cache and a wait; then one
 * more wait.  query-stats shows exactly those counts, equal to x-counters.
 */
static void test_values(void)
{
    VtdQt *v = vtd_qt_start("x-accounting=on", "", VTD_QT_NO_EDU,
                            MAPPED_PAGES);
    uint64_t pages = 0;
    QList *stats;
    unsigned i;

    for (i = 0; i < ARRAY_SIZE(psi_ams); i++) {
        vtd_qt_qi_push(v, DESC_IOTLB(VTD_INV_DESC_IOTLB_PAGE, PSI_DID),
                       PSI_ADDR | psi_ams[i]);
        pages += 1ULL << psi_ams[i];
    }
    vtd_qt_qi_push(v, DESC_IOTLB(VTD_INV_DESC_IOTLB_DOMAIN, 3), 0);
    vtd_qt_qi_push(v, DESC_IOTLB(VTD_INV_DESC_IOTLB_DOMAIN, 3), 0);
    vtd_qt_qi_push(v, DESC_IOTLB(VTD_INV_DESC_IOTLB_GLOBAL, 0), 0);
    vtd_qt_qi_push(v, VTD_INV_DESC_CC | VTD_INV_DESC_CC_GLOBAL, 0);
    vtd_qt_qi_submit_ok(v, DESC_WAIT_SW(1), WAIT_STATUS);
    vtd_qt_qi_submit_ok(v, DESC_WAIT_SW(2), WAIT_STATUS);

    stats = vtd_query_stats(v->qts, NULL);
    g_assert_nonnull(stats);
    vtd_assert_stat(stats, "qi.descriptors", 12);
    vtd_assert_stat(stats, "qi.iotlb.page", ARRAY_SIZE(psi_ams));
    vtd_assert_stat(stats, "qi.iotlb.pages", pages);
    vtd_assert_stat(stats, "qi.iotlb.domain", 2);
    vtd_assert_stat(stats, "qi.iotlb.global", 1);
    vtd_assert_stat(stats, "qi.context_cache.global", 1);
    vtd_assert_stat(stats, "qi.wait.sw", 2);
    vtd_assert_stat(stats, "qi.iqt_writes", 2);
    vtd_assert_stat(stats, "qi.iqt_descriptors", 12);
    vtd_assert_stat(stats, "qi.batch_max", 11);
    vtd_assert_stat(stats, "qi.batch_hist.1", 1);
    vtd_assert_stat(stats, "qi.batch_hist.9-16", 1);
    vtd_assert_stat(stats, "qi.invalid.total", 0);
    /* bucket 0 counts 0 pages, bucket AM + 1 counts 2^AM pages */
    g_assert_cmpuint(vtd_bucket(stats, "qi.iotlb.am_hist", 0), ==, 0);
    g_assert_cmpuint(vtd_bucket(stats, "qi.iotlb.am_hist", 1), ==, 2);
    g_assert_cmpuint(vtd_bucket(stats, "qi.iotlb.am_hist", 2), ==, 1);
    g_assert_cmpuint(vtd_bucket(stats, "qi.iotlb.am_hist", 3), ==, 0);
    g_assert_cmpuint(vtd_bucket(stats, "qi.iotlb.am_hist", 4), ==, 1);
    g_assert_cmpuint(vtd_bucket(stats, "qi.iotlb.am_hist", 10), ==, 1);
    g_assert_cmpuint(vtd_bucket(stats, "qi.iotlb.am_hist", VTD_MAMV + 1),
                     ==, 1);
    g_assert_cmpuint(qlist_size(qdict_get_qlist(vtd_find(stats,
                     "qi.iotlb.am_hist"), "value")), ==, VTD_MAMV + 2);
    vtd_check_equal_x_counters(v->qts, stats, NULL);
    vtd_check_schema(v->qts, stats, NULL);
    qobject_unref(stats);

    /* x-counters-reset zeroes what query-stats shows too */
    vtd_qt_qom_set_true(v->qts, "x-counters-reset");
    stats = vtd_query_stats(v->qts, NULL);
    vtd_assert_stat(stats, "qi.descriptors", 0);
    vtd_assert_stat(stats, "qi.batch_max", 0);
    g_assert_cmpuint(vtd_bucket(stats, "qi.iotlb.am_hist", 1), ==, 0);
    vtd_check_equal_x_counters(v->qts, stats, NULL);
    qobject_unref(stats);
    vtd_qt_stop(v);
}

/* names selects statistics; none selected gives no result */
static void test_names(void)
{
    VtdQt *v = vtd_qt_start("x-accounting=on", "", VTD_QT_NO_EDU,
                            MAPPED_PAGES);
    QList *stats;

    vtd_qt_qi_submit_ok(v, DESC_IOTLB(VTD_INV_DESC_IOTLB_PAGE, PSI_DID),
                        PSI_ADDR | 3);
    stats = vtd_query_stats(v->qts, "[ 'qi.iotlb.am_hist', "
                            "'qi.descriptors', 'no.such' ]");
    g_assert_cmpuint(qlist_size(stats), ==, 2);
    vtd_assert_stat(stats, "qi.descriptors", 1);
    g_assert_cmpuint(vtd_bucket(stats, "qi.iotlb.am_hist", 4), ==, 1);
    qobject_unref(stats);
    g_assert_null(vtd_query_stats(v->qts, "[ 'no.such' ]"));
    g_assert_null(vtd_query_stats(v->qts, "[ ]"));
    vtd_qt_stop(v);
}

/* HMP "info stats" prints them through the schema (same order) */
static void test_hmp(void)
{
    VtdQt *v = vtd_qt_start("x-accounting=on", "", VTD_QT_NO_EDU,
                            MAPPED_PAGES);
    g_autofree char *out = NULL;

    vtd_qt_qi_submit_ok(v, DESC_IOTLB(VTD_INV_DESC_IOTLB_PAGE, PSI_DID),
                        PSI_ADDR | 1);
    out = qtest_hmp(v->qts, "info stats vm * intel-iommu");
    if (strstr(out, "failed to find") ||
        !g_regex_match_simple("^ *qi\\.descriptors \\(cumulative\\): 1\r?$",
                              out, G_REGEX_MULTILINE, 0) ||
        !g_regex_match_simple("^ *qi\\.batch_max \\(peak\\): 1\r?$",
                              out, G_REGEX_MULTILINE, 0) ||
        !strstr(out, "qi.iotlb.am_hist (log2-histogram): [1]=0 [2]=0 [3]=1 ")) {
        g_error("info stats vm * intel-iommu:\n%s", out);
    }
    vtd_qt_stop(v);
}

/* Without x-accounting there is no intel-iommu provider (upstream's view) */
static void test_off(void)
{
    VtdQt *v = vtd_qt_start("", "", VTD_QT_NO_EDU, MAPPED_PAGES);
    QList *all;
    QListEntry *e;

    vtd_qt_qi_submit_ok(v, DESC_IOTLB(VTD_INV_DESC_IOTLB_GLOBAL, 0), 0);
    g_assert_null(vtd_query_schema(v->qts));
    g_assert_null(vtd_query_stats(v->qts, NULL));
    all = vtd_qmp_list(qtest_qmp(v->qts,
                       "{ 'execute': 'query-stats-schemas' }"));
    QLIST_FOREACH_ENTRY(all, e) {
        g_assert_cmpstr(qdict_get_str(qobject_to(QDict, qlist_entry_obj(e)),
                                      "provider"), !=, "intel-iommu");
    }
    qobject_unref(all);
    all = vtd_qmp_list(qtest_qmp(v->qts,
                       "{ 'execute': 'query-stats', "
                       "'arguments': { 'target': 'vm' } }"));
    QLIST_FOREACH_ENTRY(all, e) {
        g_assert_cmpstr(qdict_get_str(qobject_to(QDict, qlist_entry_obj(e)),
                                      "provider"), !=, "intel-iommu");
    }
    qobject_unref(all);
    vtd_qt_stop(v);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    /* Full paths, as the other vtd qtests register theirs */
#define ADD(name, fn) g_test_add_func("/x86_64/vtd/stats/" name, fn)
    ADD("values", test_values);
    ADD("names", test_names);
    ADD("hmp", test_hmp);
    ADD("off", test_off);
#undef ADD

    return g_test_run();
}
