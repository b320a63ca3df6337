/*
 * Statistics front end of the intel-iommu extensions
 *
 * Composes the units' statistics objects into what QOM and the shutdown
 * file show.  x-counters is accounting's object with the audit's under
 * "audit"; it is read and reset under one hold of the IOMMU lock (and the
 * BQL), so both units are seen, and zeroed, at one point in the stream of
 * events.  x-qi-cost-stats is the cost model's object (BQL only).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/error-report.h"
#include "qemu/notify.h"
#include "qapi/error.h"
#include "qapi/visitor.h"
#include "qobject/qdict.h"
#include "qobject/qjson.h"
#include "system/runstate.h"
#include "vtd-accounting.h"
#include "vtd-audit.h"
#include "vtd-qi-cost.h"
#include "vtd-stats.h"
#include "trace.h"

struct VTDStats {
    IntelIOMMUState *iommu;     /* owner */
    char *file;                 /* x-counters-file */
    Notifier shutdown;          /* writes file at VM shutdown */
};

/* x-counters */

QDict *vtd_stats_counters(IntelIOMMUState *s)
{
    QDict *root;

    qemu_mutex_lock(&s->iommu_lock);
    root = vtd_acct_to_qdict_locked(s->acct);
    /* x-audit (vtd-audit.c, docs/stale-audit.md); all zero when off */
    qdict_put(root, "audit", vtd_audit_to_qdict_locked(s->aud));
    qemu_mutex_unlock(&s->iommu_lock);
    return root;
}

void vtd_stats_counters_reset(IntelIOMMUState *s)
{
    qemu_mutex_lock(&s->iommu_lock);
    vtd_acct_reset_locked(s->acct);
    vtd_audit_reset_locked(s->aud);
    qemu_mutex_unlock(&s->iommu_lock);
}

/* x-counters-file */

static bool vtd_stats_write_file(IntelIOMMUState *s, const char *path,
                                 Error **errp)
{
    g_autoptr(GError) gerr = NULL;
    QDict *d = vtd_stats_counters(s);
    GString *json = qobject_to_json_pretty(QOBJECT(d), true);
    bool ok;

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

/* Lifecycle */

bool vtd_stats_realize(IntelIOMMUState *s, Error **errp)
{
    g_autofree char *dir = NULL;
    VTDStats *st;

    if (!s->counters_file) {
        return true;
    }
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

void vtd_stats_unrealize(IntelIOMMUState *s)
{
    VTDStats *st = s->stats;

    if (!st) {
        return;
    }
    notifier_remove(&st->shutdown);
    g_free(st->file);
    g_free(st);
    s->stats = NULL;
}

/* QOM */

static void vtd_stats_visit_qdict(Visitor *v, const char *name, QDict *d,
                                  Error **errp)
{
    QObject *o = QOBJECT(d);

    visit_type_any(v, name, &o, errp);
    qobject_unref(o);
}

/* Reads a bool; true when it was written true */
static bool vtd_stats_visit_true(Visitor *v, const char *name, Error **errp)
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

static void vtd_stats_get_qi_cost(Object *obj, Visitor *v, const char *name,
                                  void *opaque, Error **errp)
{
    vtd_stats_visit_qdict(v, name,
                          vtd_qi_cost_to_qdict(INTEL_IOMMU_DEVICE(obj)), errp);
}

static void vtd_stats_set_qi_cost_reset(Object *obj, Visitor *v,
                                        const char *name, void *opaque,
                                        Error **errp)
{
    if (vtd_stats_visit_true(v, name, errp)) {
        vtd_qi_cost_reset(INTEL_IOMMU_DEVICE(obj)->qi_cost);
    }
}

void vtd_stats_class_init(ObjectClass *klass)
{
    object_class_property_add(klass, "x-counters", "any",
                              vtd_stats_get_counters, NULL, NULL, NULL);
    object_class_property_set_description(klass, "x-counters",
        "Invalidation and IOTLB counters, with the stale-translation audit, "
        "as one JSON object (read-only; see docs/accounting.md)");
    object_class_property_add(klass, "x-counters-reset", "bool",
                              NULL, vtd_stats_set_counters_reset, NULL, NULL);
    object_class_property_set_description(klass, "x-counters-reset",
        "Write true to zero all counters and the audit at once (write-only)");
    object_class_property_add(klass, "x-qi-cost-stats", "any",
                              vtd_stats_get_qi_cost, NULL, NULL, NULL);
    object_class_property_set_description(klass, "x-qi-cost-stats",
        "Invalidation engine accounting as one JSON object "
        "(read-only; see docs/qi-cost.md)");
    object_class_property_add(klass, "x-qi-cost-stats-reset", "bool",
                              NULL, vtd_stats_set_qi_cost_reset, NULL, NULL);
    object_class_property_set_description(klass, "x-qi-cost-stats-reset",
        "Write true to zero the engine accounting (write-only)");
}
