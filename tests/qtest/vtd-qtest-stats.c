/*
 * QMP query-stats helpers and checks shared by the intel-iommu qtests
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qobject/qjson.h"
#include "qobject/qlist.h"
#include "qobject/qnum.h"
#include "vtd-qtest-common.h"
#include "vtd-qtest-stats.h"

/* Accounting's statistics that are not plain counters */
static const VtdStatKind acct_kinds[] = {
    { "qi.batch_max", "peak" },
    { "qi.iotlb.am_hist", "log2-histogram", .shift = 1 },
};

static const VtdStatKind counter = { NULL, "cumulative" };

static const VtdStatKind *kind_in(const VtdStatKind *k, size_t n,
                                  const char *name)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (g_str_equal(k[i].name, name)) {
            return &k[i];
        }
    }
    return NULL;
}

/* What the schema must say of @name: accounting's kinds, then @extra's */
static const VtdStatKind *kind_of(const char *name, const VtdStatKinds *extra)
{
    const VtdStatKind *k = kind_in(acct_kinds, ARRAY_SIZE(acct_kinds), name);

    if (!k && extra) {
        k = kind_in(extra->kinds, extra->n, name);
    }
    return k ? k : &counter;
}

QList *vtd_qmp_list(QDict *rsp)
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

QList *vtd_query_stats(QTestState *qts, const char *names)
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

QList *vtd_query_schema(QTestState *qts)
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

QDict *vtd_find(QList *l, const char *name)
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

void vtd_assert_stat(QList *stats, const char *name, uint64_t expect)
{
    uint64_t got = vtd_stat(stats, name);

    if (got != expect) {
        g_error("query-stats %s: expected %" PRIu64 ", got %" PRIu64,
                name, expect, got);
    }
}

uint64_t vtd_bucket(QList *stats, const char *name, unsigned i)
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
                          const VtdStatKinds *extra, unsigned *n)
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
        const VtdStatKind *k = kind_of(name, extra);
        QDict *s;

        if (is_skipped(key)) {
            continue;
        }
        if (k == &counter && qobject_type(o) == QTYPE_QDICT) {
            check_against(stats, qobject_to(QDict, o), name, extra, n);
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

void vtd_check_equal_x_counters(QTestState *qts, QList *stats,
                                const VtdStatKinds *extra)
{
    QDict *d = vtd_qt_qom_get(qts, "x-counters");
    unsigned n = 0;

    check_against(stats, d, NULL, extra, &n);
    if (n != qlist_size(stats)) {
        g_error("query-stats has %zu statistics, x-counters %u",
                qlist_size(stats), n);
    }
    qobject_unref(d);
}

size_t vtd_check_schema(QTestState *qts, QList *stats,
                        const VtdStatKinds *extra)
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
        const VtdStatKind *k = kind_of(name, extra);
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
