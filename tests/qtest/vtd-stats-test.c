/*
 * QTest cases for the intel-iommu counters in QMP query-stats
 *
 * With x-accounting=on the device is query-stats provider "intel-iommu"
 * (target "vm"): every counter of x-counters under its dotted name, the
 * histograms as log2 histograms.  Each case programs known invalidations
 * (or DMA through a stale IOTLB entry), then checks the exact values, that
 * they equal what qom-get x-counters reads, and the schema.  Without
 * x-accounting the provider is absent.  See docs/accounting.md.
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

#define DESC_WAIT_SW(data)  (VTD_INV_DESC_WAIT | VTD_INV_DESC_WAIT_SW | \
                             ((uint64_t)(data) << 32))
#define PSI_ADDR            0x40000000ULL   /* aligned for every AM used */
#define PSI_DID             4

/* AMs of the page-selective descriptors programmed */
static const unsigned psi_ams[] = { 0, 0, 1, 3, 9, VTD_MAMV };

/* What the schema must say of a statistic that is not a plain counter */
typedef struct Kind {
    const char *name;
    const char *type;
    const char *unit;           /* NULL: none */
    int exponent;               /* of base 10 */
    unsigned shift;             /* histogram: empty buckets first */
} Kind;

static const Kind kinds[] = {
    { "qi.batch_max", "peak" },
    { "qi.iotlb.am_hist", "log2-histogram", .shift = 1 },
    { "audit.stale.age_min_ns", "instant", "seconds", -9 },
    { "audit.stale.age_max_ns", "peak", "seconds", -9 },
    { "audit.stale.age_sum_ns", "cumulative", "seconds", -9 },
    { "audit.stale.age_hist_us", "log2-histogram", "seconds", -6 },
};

static const Kind counter = { NULL, "cumulative" };

static const Kind *kind_of(const char *name)
{
    size_t i;

    for (i = 0; i < ARRAY_SIZE(kinds); i++) {
        if (g_str_equal(kinds[i].name, name)) {
            return &kinds[i];
        }
    }
    return &counter;
}

/* QMP helpers */

/* "return" of the QMP response @rsp, a list; the caller unrefs it */
static QList *vtd_qmp_list(QDict *rsp)
{
    QList *ret;

    if (!qdict_haskey(rsp, "return")) {
        g_error("QMP error: %s", qdict_get_str(qdict_get_qdict(rsp, "error"),
                                               "desc"));
    }
    ret = qdict_get_qlist(rsp, "return");
    qobject_ref(ret);
    qobject_unref(rsp);
    return ret;
}

/*
 * query-stats for target vm, provider intel-iommu, names @names (a JSON
 * list, NULL for all): its one result's "stats", or NULL when there is
 * no result.
 */
static QList *vtd_query_stats(QTestState *qts, const char *names)
{
    QDict *provider = qdict_new();
    QList *providers = qlist_new();
    QDict *args = qdict_new();
    QList *res, *stats;
    QDict *r;

    qdict_put_str(provider, "provider", "intel-iommu");
    if (names) {
        qdict_put_obj(provider, "names", qobject_from_json(names,
                                                           &error_abort));
    }
    qlist_append(providers, provider);
    qdict_put_str(args, "target", "vm");
    qdict_put(args, "providers", providers);
    res = vtd_qmp_list(qtest_qmp(qts, "{ 'execute': 'query-stats', "
                                 "'arguments': %p }", args));
    if (qlist_empty(res)) {
        qobject_unref(res);
        return NULL;
    }
    g_assert_cmpint(qlist_size(res), ==, 1);
    r = qobject_to(QDict, qlist_peek(res));
    g_assert_cmpstr(qdict_get_str(r, "provider"), ==, "intel-iommu");
    g_assert_cmpstr(qdict_get_str(r, "qom-path"), ==, IOMMU_PATH);
    stats = qdict_get_qlist(r, "stats");
    qobject_ref(stats);
    qobject_unref(res);
    return stats;
}

/* The intel-iommu schema's "stats", or NULL when it has none */
static QList *vtd_query_schema(QTestState *qts)
{
    QList *res = vtd_qmp_list(qtest_qmp(qts,
        "{ 'execute': 'query-stats-schemas', "
        "'arguments': { 'provider': 'intel-iommu' } }"));
    QDict *s;
    QList *stats;

    if (qlist_empty(res)) {
        qobject_unref(res);
        return NULL;
    }
    g_assert_cmpint(qlist_size(res), ==, 1);
    s = qobject_to(QDict, qlist_peek(res));
    g_assert_cmpstr(qdict_get_str(s, "provider"), ==, "intel-iommu");
    g_assert_cmpstr(qdict_get_str(s, "target"), ==, "vm");
    stats = qdict_get_qlist(s, "stats");
    qobject_ref(stats);
    qobject_unref(res);
    return stats;
}

/* The entry named @name in a list of {name, ...}, or NULL */
static QDict *vtd_find(QList *l, const char *name)
{
    QListEntry *e;

    QLIST_FOREACH_ENTRY(l, e) {
        QDict *d = qobject_to(QDict, qlist_entry_obj(e));

        if (g_str_equal(qdict_get_str(d, "name"), name)) {
            return d;
        }
    }
    return NULL;
}

static uint64_t vtd_uint(QObject *o)
{
    uint64_t v;

    g_assert_true(qnum_get_try_uint(qobject_to(QNum, o), &v));
    return v;
}

/* Scalar value of statistic @name */
static uint64_t vtd_stat(QList *stats, const char *name)
{
    QDict *s = vtd_find(stats, name);

    if (!s) {
        g_error("query-stats: no statistic '%s'", name);
    }
    if (qobject_type(qdict_get(s, "value")) != QTYPE_QNUM) {
        g_error("query-stats: '%s' is not a scalar", name);
    }
    return vtd_uint(qdict_get(s, "value"));
}

static void vtd_assert_stat(QList *stats, const char *name, uint64_t expect)
{
    uint64_t got = vtd_stat(stats, name);

    if (got != expect) {
        g_error("query-stats %s: expected %" PRIu64 ", got %" PRIu64,
                name, expect, got);
    }
}

/* Bucket @i of histogram @name */
static uint64_t vtd_bucket(QList *stats, const char *name, unsigned i)
{
    QDict *s = vtd_find(stats, name);
    QList *l = s ? qdict_get_qlist(s, "value") : NULL;
    QListEntry *e;

    if (!l) {
        g_error("query-stats: no histogram '%s'", name);
    }
    QLIST_FOREACH_ENTRY(l, e) {
        if (i-- == 0) {
            return vtd_uint(qlist_entry_obj(e));
        }
    }
    g_error("query-stats %s: too few buckets", name);
}

/* Bin order of an x-counters histogram object: "LOW-HIGH" or "LOW+" */
static gint bin_cmp(gconstpointer a, gconstpointer b)
{
    uint64_t x = g_ascii_strtoull(*(const char *const *)a, NULL, 10);
    uint64_t y = g_ascii_strtoull(*(const char *const *)b, NULL, 10);

    return x < y ? -1 : x > y;
}

/*
 * x-counters histogram @o (a list, or an object of bins named by range)
 * as query-stats must show it: @shift zero buckets, then the bins.
 */
static QList *expected_histogram(QObject *o, unsigned shift)
{
    QList *l = qlist_new();
    unsigned i;

    for (i = 0; i < shift; i++) {
        qlist_append_int(l, 0);
    }
    if (qobject_type(o) == QTYPE_QLIST) {
        QListEntry *e;

        QLIST_FOREACH_ENTRY(qobject_to(QList, o), e) {
            qlist_append_int(l, vtd_uint(qlist_entry_obj(e)));
        }
    } else {
        QDict *d = qobject_to(QDict, o);
        g_autoptr(GPtrArray) keys = g_ptr_array_new();
        const QDictEntry *e;

        for (e = qdict_first(d); e; e = qdict_next(d, e)) {
            g_ptr_array_add(keys, (gpointer)qdict_entry_key(e));
        }
        g_ptr_array_sort(keys, bin_cmp);
        for (i = 0; i < keys->len; i++) {
            qlist_append_int(l, qdict_get_int(d, keys->pdata[i]));
        }
    }
    return l;
}

static bool is_skipped(const char *key)
{
    static const char *const skip[] = {
        "version", "enabled", "domains", "devices", "samples", NULL
    };

    return g_strv_contains(skip, key);
}

/*
 * Every number of x-counters object @d (under @prefix) is a statistic of
 * the same name and value, except layout (version, enabled), the per-id
 * tables (domains, devices, samples) and units that are off; histograms
 * are compared as a whole.  Counts the statistics in *@n.
 */
static void check_against(QList *stats, QDict *d, const char *prefix,
                          unsigned *n)
{
    const QDictEntry *e;

    if (qdict_haskey(d, "enabled") && !qdict_get_bool(d, "enabled")) {
        return;
    }
    for (e = qdict_first(d); e; e = qdict_next(d, e)) {
        const char *key = qdict_entry_key(e);
        QObject *o = qdict_entry_value(e);
        g_autofree char *name = prefix ? g_strdup_printf("%s.%s", prefix, key)
                                       : g_strdup(key);
        const Kind *k = kind_of(name);
        QDict *s;

        if (is_skipped(key)) {
            continue;
        }
        if (k == &counter && qobject_type(o) == QTYPE_QDICT) {
            check_against(stats, qobject_to(QDict, o), name, n);
            continue;
        }
        s = vtd_find(stats, name);
        if (!s) {
            g_error("x-counters %s is not in query-stats", name);
        }
        (*n)++;
        if (g_str_equal(k->type, "log2-histogram")) {
            QList *want = expected_histogram(o, k->shift);
            QObject *got = qdict_get(s, "value");

            if (!qobject_is_equal(QOBJECT(want), got)) {
                GString *w = qobject_to_json(QOBJECT(want));
                GString *g = qobject_to_json(got);

                g_error("query-stats %s: expected %s, got %s",
                        name, w->str, g->str);
            }
            qobject_unref(want);
        } else {
            vtd_assert_stat(stats, name, vtd_uint(o));
        }
    }
}

/* query-stats lists exactly the numbers of x-counters, with their values */
static void check_equal_x_counters(QTestState *qts, QList *stats)
{
    QDict *d = vtd_qt_qom_get(qts, "x-counters");
    unsigned n = 0;

    check_against(stats, d, NULL, &n);
    if (n != qlist_size(stats)) {
        g_error("query-stats has %zu statistics, x-counters %u",
                qlist_size(stats), n);
    }
    qobject_unref(d);
}

/*
 * The schema names the statistics in query-stats' order, with their
 * types and units; returns how many.
 */
static size_t check_schema(QTestState *qts, QList *stats)
{
    QList *schema = vtd_query_schema(qts);
    const QListEntry *se;
    QListEntry *e;
    size_t n;

    g_assert_nonnull(schema);
    n = qlist_size(schema);
    if (n != qlist_size(stats)) {
        g_error("schema has %zu statistics, query-stats %zu",
                n, qlist_size(stats));
    }
    se = qlist_first(stats);
    QLIST_FOREACH_ENTRY(schema, e) {
        QDict *d = qobject_to(QDict, qlist_entry_obj(e));
        const char *name = qdict_get_str(d, "name");
        const Kind *k = kind_of(name);
        const char *stat = qdict_get_str(qobject_to(QDict,
                                                    qlist_entry_obj(se)),
                                         "name");

        if (!g_str_equal(name, stat)) {
            g_error("schema entry %s where query-stats has %s", name, stat);
        }
        if (!g_str_equal(qdict_get_str(d, "type"), k->type)) {
            g_error("schema %s: type %s, expected %s", name,
                    qdict_get_str(d, "type"), k->type);
        }
        g_assert_cmpstr(qdict_get_try_str(d, "unit"), ==, k->unit);
        g_assert_cmpint(qdict_get_int(d, "exponent"), ==, k->exponent);
        if (k->exponent) {
            g_assert_cmpint(qdict_get_int(d, "base"), ==, 10);
        } else {
            g_assert_false(qdict_haskey(d, "base"));
        }
        g_assert_false(qdict_haskey(d, "bucket-size"));
        /* the value has the schema's shape */
        g_assert_cmpint(qobject_type(qdict_get(qobject_to(QDict,
                        qlist_entry_obj(se)), "value")), ==,
                        g_str_equal(k->type, "log2-histogram") ?
                        QTYPE_QLIST : QTYPE_QNUM);
        se = qlist_next(se);
    }
    qobject_unref(schema);
    return n;
}

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
    check_equal_x_counters(v->qts, stats);
    check_schema(v->qts, stats);
    qobject_unref(stats);

    /* x-counters-reset zeroes what query-stats shows too */
    vtd_qt_qom_set_true(v->qts, "x-counters-reset");
    stats = vtd_query_stats(v->qts, NULL);
    vtd_assert_stat(stats, "qi.descriptors", 0);
    vtd_assert_stat(stats, "qi.batch_max", 0);
    g_assert_cmpuint(vtd_bucket(stats, "qi.iotlb.am_hist", 1), ==, 0);
    check_equal_x_counters(v->qts, stats);
    qobject_unref(stats);
    vtd_qt_stop(v);
}

/*
 * With x-audit=on the audit's counters follow under "audit.", with units:
 * one stale hit 101 ms (virtual) after the insert.
 */
static void test_audit(void)
{
    VtdQt *v = vtd_qt_start("x-accounting=on,x-audit=on", "", 0,
                            MAPPED_PAGES);
    QList *stats;
    size_t n, i;

    vtd_qt_edu_dma_read(v, IOVA_BASE, 8);
    qtest_writeq(v->qts, vtd_qt_pte_addr(IOVA_BASE), 0);
    vtd_qt_edu_dma_read(v, IOVA_BASE + 0x100, 64);

    stats = vtd_query_stats(v->qts, NULL);
    vtd_assert_stat(stats, "translation.iotlb_misses", 1);
    vtd_assert_stat(stats, "translation.iotlb_hits", 1);
    vtd_assert_stat(stats, "audit.checked", 1);
    vtd_assert_stat(stats, "audit.stale.gone", 1);
    vtd_assert_stat(stats, "audit.stale.age_max_ns", EDU_STEP_NS);
    vtd_assert_stat(stats, "audit.stale.age_min_ns", EDU_STEP_NS);
    vtd_assert_stat(stats, "audit.stale.age_sum_ns", EDU_STEP_NS);
    /* 101,000 us is in [2^16, 2^17) us: bucket 17 */
    g_assert_cmpuint(vtd_bucket(stats, "audit.stale.age_hist_us", 17), ==, 1);
    check_equal_x_counters(v->qts, stats);
    n = check_schema(v->qts, stats);
    /* with every unit on, each special kind names a statistic */
    for (i = 0; i < ARRAY_SIZE(kinds); i++) {
        if (!vtd_find(stats, kinds[i].name)) {
            g_error("query-stats has no %s", kinds[i].name);
        }
    }
    qobject_unref(stats);
    vtd_qt_stop(v);

    /* x-audit=off: no audit statistics */
    v = vtd_qt_start("x-accounting=on", "", VTD_QT_NO_EDU, MAPPED_PAGES);
    stats = vtd_query_stats(v->qts, NULL);
    g_assert_null(vtd_find(stats, "audit.checked"));
    g_assert_cmpuint(check_schema(v->qts, stats), <, n);
    check_equal_x_counters(v->qts, stats);
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
    ADD("audit", test_audit);
    ADD("names", test_names);
    ADD("hmp", test_hmp);
    ADD("off", test_off);
#undef ADD

    return g_test_run();
}
