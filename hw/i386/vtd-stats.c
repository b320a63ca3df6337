/*
 * Statistics front end of the intel-iommu extensions
 *
 * Composes the units' statistics objects into what QOM, QMP query-stats
 * and the shutdown file show.  x-counters is accounting's object with the
 * sections other units add (the audit's under "audit"); it is read and
 * reset under one hold of the IOMMU lock (and the BQL), so every unit is
 * seen, and zeroed, at one point in the stream of events.  query-stats
 * (provider "intel-iommu") lists the same snapshot flattened to dotted
 * names.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/error-report.h"
#include "qemu/notify.h"
#include "qapi/error.h"
#include "qapi/util.h"
#include "qapi/visitor.h"
#include "qobject/qdict.h"
#include "qobject/qjson.h"
#include "qobject/qlist.h"
#include "qobject/qnum.h"
#include "system/runstate.h"
#include "system/stats.h"
#include "vtd-accounting.h"
#include "vtd-stats.h"
#include "trace.h"

struct VTDStats {
    IntelIOMMUState *iommu;     /* owner */
    char *file;                 /* x-counters-file */
    Notifier shutdown;          /* writes file at VM shutdown */
};

/* The sections later units added (a machine has one intel-iommu) */
#define VTD_STATS_MAX_SECTIONS 4
static const VTDStatsSection *vtd_stats_sections[VTD_STATS_MAX_SECTIONS];
static unsigned vtd_stats_nsections;

void vtd_stats_add_section(const VTDStatsSection *sec)
{
    unsigned i;

    for (i = 0; i < vtd_stats_nsections; i++) {
        if (vtd_stats_sections[i] == sec) {
            return;
        }
    }
    assert(vtd_stats_nsections < VTD_STATS_MAX_SECTIONS);
    vtd_stats_sections[vtd_stats_nsections++] = sec;
}

/* Puts each section that is @file_only (or not) into @root */
static void vtd_stats_put_sections(IntelIOMMUState *s, QDict *root,
                                   bool file_only)
{
    unsigned i;

    for (i = 0; i < vtd_stats_nsections; i++) {
        const VTDStatsSection *sec = vtd_stats_sections[i];
        QDict *d;

        if (sec->file_only == file_only) {
            d = sec->get(s);
            if (d) {
                qdict_put(root, sec->name, d);
            }
        }
    }
}

/* x-counters */

QDict *vtd_stats_counters(IntelIOMMUState *s)
{
    QDict *root;

    qemu_mutex_lock(&s->iommu_lock);
    root = vtd_acct_to_qdict_locked(s->acct);
    vtd_stats_put_sections(s, root, false);
    qemu_mutex_unlock(&s->iommu_lock);
    return root;
}

void vtd_stats_counters_reset(IntelIOMMUState *s)
{
    unsigned i;

    qemu_mutex_lock(&s->iommu_lock);
    vtd_acct_reset_locked(s->acct);
    for (i = 0; i < vtd_stats_nsections; i++) {
        if (vtd_stats_sections[i]->reset_locked) {
            vtd_stats_sections[i]->reset_locked(s);
        }
    }
    qemu_mutex_unlock(&s->iommu_lock);
}

/* x-counters-file */

static bool vtd_stats_write_file(IntelIOMMUState *s, const char *path,
                                 Error **errp)
{
    g_autoptr(GError) gerr = NULL;
    QDict *d = vtd_stats_counters(s);
    GString *json;
    bool ok;

    vtd_stats_put_sections(s, d, true);
    json = qobject_to_json_pretty(QOBJECT(d), true);
    g_string_append_c(json, '\n');
    ok = g_file_set_contents(path, json->str, json->len, &gerr);
    if (!ok) {
        error_setg(errp, "intel-iommu: cannot write x-counters-file '%s': %s",
                   path, gerr->message);
    } else {
        trace_vtd_stats_file_written(path);
    }
    g_string_free(json, true);
    qobject_unref(d);
    return ok;
}

static void vtd_stats_shutdown_cb(Notifier *n, void *opaque)
{
    VTDStats *st = container_of(n, VTDStats, shutdown);
    Error *err = NULL;

    if (!vtd_stats_write_file(st->iommu, st->file, &err)) {
        error_report_err(err);
    }
}

/* QMP query-stats, provider "intel-iommu", target "vm" */

/*
 * Accounting's entries that are not plain counters.  am_hist counts
 * page-selective descriptors by AM, so AM = k (2^k pages) is bucket
 * k + 1.  batch_hist is not here: its bins (3-4, 5-8, ...) are not log2
 * buckets, so each bin is its own counter.
 */
static const VTDStatsKind vtd_stats_kinds[] = {
    { "qi.batch_max", STATS_TYPE_PEAK },
    { "qi.iotlb.am_hist", STATS_TYPE_LOG2_HISTOGRAM, .shift = 1 },
};

static const VTDStatsKind vtd_stats_counter = { NULL, STATS_TYPE_CUMULATIVE };

/* Keys that are not statistics: layout, and tables keyed by id */
static const char *const vtd_stats_skip[] = {
    "version", "enabled", "domains", "devices", "samples", NULL
};

typedef struct VTDStatsEntry {
    char *name;                 /* dotted path in x-counters */
    QObject *value;             /* in the snapshot */
    const VTDStatsKind *kind;
} VTDStatsEntry;

/* The IOMMU query-stats reads (one per machine), NULL when none counts */
static IntelIOMMUState *vtd_stats_iommu;

static const VTDStatsKind *vtd_stats_kind_in(const VTDStatsKind *kinds,
                                             size_t n, const char *name)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (g_str_equal(kinds[i].name, name)) {
            return &kinds[i];
        }
    }
    return NULL;
}

static const VTDStatsKind *vtd_stats_kind(const char *name)
{
    const VTDStatsKind *k;
    unsigned i;

    k = vtd_stats_kind_in(vtd_stats_kinds, ARRAY_SIZE(vtd_stats_kinds), name);
    for (i = 0; !k && i < vtd_stats_nsections; i++) {
        k = vtd_stats_kind_in(vtd_stats_sections[i]->kinds,
                              vtd_stats_sections[i]->nkinds, name);
    }
    return k;
}

static void vtd_stats_entry_free(gpointer p)
{
    VTDStatsEntry *e = p;

    g_free(e->name);
    g_free(e);
}

static gint vtd_stats_entry_cmp(gconstpointer a, gconstpointer b)
{
    const VTDStatsEntry *x = *(VTDStatsEntry *const *)a;
    const VTDStatsEntry *y = *(VTDStatsEntry *const *)b;

    return strcmp(x->name, y->name);
}

/* The statistics in @d, a unit's object or part of one, under @prefix */
static void vtd_stats_collect(QDict *d, const char *prefix, GPtrArray *out)
{
    const QDictEntry *e;

    /* a unit that is off (audit with x-audit=off) has none */
    if (qdict_haskey(d, "enabled") && !qdict_get_bool(d, "enabled")) {
        return;
    }
    for (e = qdict_first(d); e; e = qdict_next(d, e)) {
        const char *key = qdict_entry_key(e);
        QObject *o = qdict_entry_value(e);
        g_autofree char *name = prefix ? g_strdup_printf("%s.%s", prefix, key)
                                       : g_strdup(key);
        const VTDStatsKind *kind = vtd_stats_kind(name);
        VTDStatsEntry *entry;

        if (g_strv_contains(vtd_stats_skip, key)) {
            continue;
        }
        if (!kind && qobject_type(o) == QTYPE_QDICT) {
            vtd_stats_collect(qobject_to(QDict, o), name, out);
            continue;
        }
        if (!kind && qobject_type(o) != QTYPE_QNUM) {
            continue;
        }
        entry = g_new(VTDStatsEntry, 1);
        entry->name = g_steal_pointer(&name);
        entry->value = o;
        entry->kind = kind ? kind : &vtd_stats_counter;
        g_ptr_array_add(out, entry);
    }
}

/* The statistics of @snap (vtd_stats_counters()), sorted by name */
static GPtrArray *vtd_stats_entries(QDict *snap)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(vtd_stats_entry_free);

    vtd_stats_collect(snap, NULL, out);
    g_ptr_array_sort(out, vtd_stats_entry_cmp);
    return out;
}

static uint64_t vtd_stats_uint(QObject *o)
{
    return qnum_get_int(qobject_to(QNum, o));
}

/* Order of a histogram bin named "LOW", "LOW-HIGH" or "LOW+" */
static gint vtd_stats_bin_cmp(gconstpointer a, gconstpointer b)
{
    uint64_t x = g_ascii_strtoull(qdict_entry_key(*(QDictEntry *const *)a),
                                  NULL, 10);
    uint64_t y = g_ascii_strtoull(qdict_entry_key(*(QDictEntry *const *)b),
                                  NULL, 10);

    return x < y ? -1 : x > y;
}

/*
 * @v: the buckets of histogram @o (a list, or an object of bins named by
 * range), after @shift empty ones
 */
static void vtd_stats_histogram(StatsValue *v, QObject *o, unsigned shift)
{
    uint64List **tail = &v->u.list;
    g_autoptr(GPtrArray) bins = g_ptr_array_new();
    const QDictEntry *e;
    QListEntry *le;
    QDict *d;
    unsigned i;

    v->type = QTYPE_QLIST;
    for (i = 0; i < shift; i++) {
        QAPI_LIST_APPEND(tail, 0);
    }
    if (qobject_type(o) == QTYPE_QLIST) {
        QLIST_FOREACH_ENTRY(qobject_to(QList, o), le) {
            QAPI_LIST_APPEND(tail, vtd_stats_uint(qlist_entry_obj(le)));
        }
        return;
    }
    d = qobject_to(QDict, o);
    for (e = qdict_first(d); e; e = qdict_next(d, e)) {
        g_ptr_array_add(bins, (gpointer)e);
    }
    g_ptr_array_sort(bins, vtd_stats_bin_cmp);
    for (i = 0; i < bins->len; i++) {
        QAPI_LIST_APPEND(tail, vtd_stats_uint(
                         qdict_entry_value(g_ptr_array_index(bins, i))));
    }
}

static void vtd_stats_query(StatsResultList **result, StatsTarget target,
                            strList *names, strList *targets, Error **errp)
{
    StatsList *list = NULL, **tail = &list;
    g_autofree char *path = NULL;
    g_autoptr(GPtrArray) entries = NULL;
    QDict *snap;
    unsigned i;

    if (target != STATS_TARGET_VM || !vtd_stats_iommu) {
        return;
    }
    snap = vtd_stats_counters(vtd_stats_iommu);
    entries = vtd_stats_entries(snap);
    for (i = 0; i < entries->len; i++) {
        VTDStatsEntry *e = g_ptr_array_index(entries, i);
        Stats *st;

        if (!apply_str_list_filter(e->name, names)) {
            continue;
        }
        st = g_new0(Stats, 1);
        st->name = g_strdup(e->name);
        st->value = g_new0(StatsValue, 1);
        if (qobject_type(e->value) != QTYPE_QNUM) {
            vtd_stats_histogram(st->value, e->value, e->kind->shift);
        } else {
            st->value->type = QTYPE_QNUM;
            st->value->u.scalar = vtd_stats_uint(e->value);
        }
        QAPI_LIST_APPEND(tail, st);
    }
    qobject_unref(snap);
    if (list) {
        path = object_get_canonical_path(OBJECT(vtd_stats_iommu));
        add_stats_entry(result, STATS_PROVIDER_INTEL_IOMMU, path, list);
    }
}

static void vtd_stats_schemas(StatsSchemaList **result, Error **errp)
{
    StatsSchemaValueList *list = NULL, **tail = &list;
    g_autoptr(GPtrArray) entries = NULL;
    QDict *snap;
    unsigned i;

    if (!vtd_stats_iommu) {
        return;
    }
    snap = vtd_stats_counters(vtd_stats_iommu);
    entries = vtd_stats_entries(snap);
    for (i = 0; i < entries->len; i++) {
        VTDStatsEntry *e = g_ptr_array_index(entries, i);
        StatsSchemaValue *v = g_new0(StatsSchemaValue, 1);

        v->name = g_strdup(e->name);
        v->type = e->kind->type;
        v->has_unit = e->kind->has_unit;
        v->unit = e->kind->unit;
        if (e->kind->exponent) {
            v->has_base = true;
            v->base = 10;
            v->exponent = e->kind->exponent;
        }
        QAPI_LIST_APPEND(tail, v);
    }
    qobject_unref(snap);
    add_stats_schema(result, STATS_PROVIDER_INTEL_IOMMU, STATS_TARGET_VM,
                     list);
}

/* Lifecycle */

static bool vtd_stats_file_realize(IntelIOMMUState *s, Error **errp)
{
    g_autofree char *dir = NULL;
    VTDStats *st;

    if (!s->accounting) {
        error_setg(errp, "x-counters-file needs x-accounting=on");
        return false;
    }
    dir = g_path_get_dirname(s->counters_file);
    if (!*s->counters_file ||
        g_file_test(s->counters_file, G_FILE_TEST_IS_DIR)) {
        error_setg(errp, "x-counters-file '%s' must name a file",
                   s->counters_file);
        return false;
    }
    if (!g_file_test(dir, G_FILE_TEST_IS_DIR)) {
        error_setg(errp, "x-counters-file '%s': directory '%s' "
                   "does not exist", s->counters_file, dir);
        return false;
    }
    st = g_new0(VTDStats, 1);
    st->iommu = s;
    st->file = g_strdup(s->counters_file);
    st->shutdown.notify = vtd_stats_shutdown_cb;
    qemu_register_shutdown_notifier(&st->shutdown);
    s->stats = st;
    return true;
}

bool vtd_stats_realize(IntelIOMMUState *s, Error **errp)
{
    /* upstream has no way to unregister a provider: register it once */
    static bool provider_registered;

    if (s->counters_file && !vtd_stats_file_realize(s, errp)) {
        return false;
    }
    if (s->accounting) {
        vtd_stats_iommu = s;
        if (!provider_registered) {
            add_stats_callbacks(STATS_PROVIDER_INTEL_IOMMU, vtd_stats_query,
                                vtd_stats_schemas);
            provider_registered = true;
        }
    }
    return true;
}

void vtd_stats_unrealize(IntelIOMMUState *s)
{
    VTDStats *st = s->stats;

    if (vtd_stats_iommu == s) {
        vtd_stats_iommu = NULL;
    }
    if (!st) {
        return;
    }
    notifier_remove(&st->shutdown);
    g_free(st->file);
    g_free(st);
    s->stats = NULL;
}

/* QOM */

void vtd_stats_visit_qdict(Visitor *v, const char *name, QDict *d,
                           Error **errp)
{
    QObject *o = QOBJECT(d);

    visit_type_any(v, name, &o, errp);
    qobject_unref(o);
}

bool vtd_stats_visit_true(Visitor *v, const char *name, Error **errp)
{
    bool value;

    return visit_type_bool(v, name, &value, errp) && value;
}

static void vtd_stats_get_counters(Object *obj, Visitor *v, const char *name,
                                   void *opaque, Error **errp)
{
    vtd_stats_visit_qdict(v, name, vtd_stats_counters(INTEL_IOMMU_DEVICE(obj)),
                          errp);
}

static void vtd_stats_set_counters_reset(Object *obj, Visitor *v,
                                         const char *name, void *opaque,
                                         Error **errp)
{
    if (vtd_stats_visit_true(v, name, errp)) {
        vtd_stats_counters_reset(INTEL_IOMMU_DEVICE(obj));
    }
}

void vtd_stats_class_init(ObjectClass *klass)
{
    object_class_property_add(klass, "x-counters", "any",
                              vtd_stats_get_counters, NULL, NULL, NULL);
    object_class_property_set_description(klass, "x-counters",
        "Invalidation and IOTLB counters, with the other units' sections "
        "(the stale-translation audit), as one JSON object (read-only; "
        "see docs/accounting.md)");
    object_class_property_add(klass, "x-counters-reset", "bool",
                              NULL, vtd_stats_set_counters_reset, NULL, NULL);
    object_class_property_set_description(klass, "x-counters-reset",
        "Write true to zero all counters and the audit at once (write-only)");
}
