/*
 * Stale-translation audit for the Intel VT-d model (intel-iommu)
 *
 * intel_iommu.c calls vtd_audit_iotlb_hit_locked() for every translation
 * it serves from the IOTLB, with where the guest's root/context (and
 * PASID) entries and page tables send the access at that moment, found by
 * its own walker (read-only: no fault is raised, no A/D bit is set).  We
 * compare that with the cached entry:
 *   fresh    same target page, access still permitted;
 *   gone     no present, permitted mapping any more (or no context);
 *   changed  mapped, but to another page.
 * gone and changed are stale.  Translations are counted, not bytes: the
 * IOMMU translate callback is not told the access length.
 * The entry's age is QEMU_CLOCK_VIRTUAL time since vtd_update_iotlb()
 * stamped it.  See docs/stale-audit.md.
 *
 * Concurrency: every hook runs with the IOMMU lock held (translation path,
 * possibly outside the BQL); snapshot and reset run under the BQL and take
 * the IOMMU lock, so all state here is only touched under that lock.
 * This unit calls no other unit of ours (vtd-stats.c composes and resets).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/host-utils.h"
#include "qemu/timer.h"
#include "qapi/error.h"
#include "qobject/qdict.h"
#include "qobject/qlist.h"
#include "qobject/qnull.h"
#include "hw/pci/pci_bus.h"
#include "migration/blocker.h"
#include "vtd-audit.h"
#include "vtd-stats.h"
#include "vtd-table.h"
#include "trace.h"

/* Age histogram: bin 0 < 1 us, bin k in [2^(k-1), 2^k) us, last open */
#define VTD_AUDIT_AGE_BINS          28
/* Stale hits kept in full (the first ones since realize or reset) */
#define VTD_AUDIT_SAMPLES           8

typedef enum VTDAuditKind {
    VTD_AUDIT_FRESH,
    VTD_AUDIT_GONE,
    VTD_AUDIT_CHANGED,
} VTDAuditKind;

static const char *const vtd_audit_kind_names[] = {
    [VTD_AUDIT_FRESH]   = "fresh",
    [VTD_AUDIT_GONE]    = "gone",
    [VTD_AUDIT_CHANGED] = "changed",
};

/* Stale hits of one domain-id */
typedef struct VTDAuditDomain {
    uint64_t translations;      /* stale IOTLB hits (0: entry unused) */
    uint64_t gone;              /* of which: mapping gone */
    uint64_t changed;           /* of which: mapping points elsewhere */
    int64_t age_max_ns;         /* oldest entry seen stale */
} VTDAuditDomain;

/* One stale hit, as seen */
typedef struct VTDAuditSample {
    uint16_t domain_id;
    uint32_t pasid;             /* PCI_NO_PASID for requests without */
    hwaddr iova;
    bool is_write;
    VTDAuditKind kind;
    int64_t age_ns;
    hwaddr stale_target;        /* where the cached entry sent the access */
    hwaddr current_target;      /* where the tables send it now (changed) */
} VTDAuditSample;

struct VTDAudit {
    uint64_t checked;           /* IOTLB hits compared with the tables */
    uint64_t fresh;             /* ... that matched */
    uint64_t unchecked;         /* IOTLB hits not compared (see docs) */
    uint64_t stale;             /* ... that did not: gone + changed */
    uint64_t stale_gone;
    uint64_t stale_changed;
    uint64_t stale_reads;       /* stale hits by direction */
    uint64_t stale_writes;
    int64_t age_min_ns;         /* over stale hits; 0 while there is none */
    int64_t age_max_ns;
    uint64_t age_sum_ns;
    uint64_t age_hist[VTD_AUDIT_AGE_BINS];
    VTDTable domains;           /* domain-id -> VTDAuditDomain */
    VTDAuditSample samples[VTD_AUDIT_SAMPLES];
    unsigned nr_samples;
    uint64_t samples_dropped;   /* stale hits beyond VTD_AUDIT_SAMPLES */
    Error *migration_blocker;   /* kept across vtd_audit_reset_locked() */
};

/* Helpers */

static VTDAuditDomain *vtd_audit_domain(VTDAudit *a, uint16_t did)
{
    return VTD_TABLE_GET(&a->domains, did, VTDAuditDomain);
}

static unsigned vtd_audit_age_bin(int64_t age_ns)
{
    uint64_t us = age_ns > 0 ? age_ns / 1000 : 0;
    unsigned bin = us ? 1 + (63 - clz64(us)) : 0;

    return MIN(bin, VTD_AUDIT_AGE_BINS - 1);
}

static char *vtd_audit_age_bin_name(unsigned bin)
{
    if (bin == 0) {
        return g_strdup("0-1");
    }
    if (bin == VTD_AUDIT_AGE_BINS - 1) {
        return g_strdup_printf("%llu+", 1ULL << (bin - 1));
    }
    return g_strdup_printf("%llu-%llu", 1ULL << (bin - 1), 1ULL << bin);
}

static void vtd_audit_count_stale(VTDAudit *a, const VTDAuditSample *s)
{
    VTDAuditDomain *dom = vtd_audit_domain(a, s->domain_id);

    a->stale++;
    if (s->kind == VTD_AUDIT_GONE) {
        a->stale_gone++;
        dom->gone++;
    } else {
        a->stale_changed++;
        dom->changed++;
    }
    if (s->is_write) {
        a->stale_writes++;
    } else {
        a->stale_reads++;
    }
    if (a->stale == 1 || s->age_ns < a->age_min_ns) {
        a->age_min_ns = s->age_ns;
    }
    a->age_max_ns = MAX(a->age_max_ns, s->age_ns);
    a->age_sum_ns += s->age_ns;
    a->age_hist[vtd_audit_age_bin(s->age_ns)]++;

    dom->translations++;
    dom->age_max_ns = MAX(dom->age_max_ns, s->age_ns);

    if (a->nr_samples < VTD_AUDIT_SAMPLES) {
        a->samples[a->nr_samples++] = *s;
    } else {
        a->samples_dropped++;
    }
}

/* Hooks (IOMMU lock held) */

int64_t vtd_audit_stamp_do(VTDAudit *a)
{
    return qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
}

void vtd_audit_unchecked_locked_do(VTDAudit *a)
{
    a->unchecked++;
}

void vtd_audit_iotlb_hit_locked_do(VTDAudit *a, const VTDAuditHit *h)
{
    const VTDIOTLBEntry *hit = h->entry;
    VTDAuditSample s = {
        .domain_id = hit->domain_id,
        .pasid = hit->pasid,
        .iova = h->iova,
        .is_write = h->is_write,
        .stale_target = h->cached,
    };

    /* An access the cached entry refuses moves no data: nothing to audit */
    if (!(hit->access_flags & (h->is_write ? IOMMU_WO : IOMMU_RO))) {
        a->unchecked++;
        return;
    }
    a->checked++;
    if (!h->mapped) {
        s.kind = VTD_AUDIT_GONE;
    } else if (h->current != h->cached) {
        s.kind = VTD_AUDIT_CHANGED;
        s.current_target = h->current;
    } else {
        a->fresh++;
        return;
    }

    s.age_ns = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) - hit->insert_ns;
    trace_vtd_audit_stale(s.domain_id, h->iova, h->is_write,
                          vtd_audit_kind_names[s.kind], s.stale_target,
                          s.current_target, s.age_ns);
    vtd_audit_count_stale(a, &s);
}

/* Snapshot, reset */

static QDict *vtd_audit_sample_qdict(const VTDAuditSample *s)
{
    QDict *d = qdict_new();

    qdict_put_int(d, "domain", s->domain_id);
    if (s->pasid == PCI_NO_PASID) {
        qdict_put_null(d, "pasid");
    } else {
        qdict_put_int(d, "pasid", s->pasid);
    }
    qdict_put_int(d, "iova", s->iova);
    qdict_put_bool(d, "write", s->is_write);
    qdict_put_str(d, "kind", vtd_audit_kind_names[s->kind]);
    qdict_put_int(d, "age_ns", s->age_ns);
    qdict_put_int(d, "stale_target", s->stale_target);
    if (s->kind == VTD_AUDIT_CHANGED) {
        qdict_put_int(d, "current_target", s->current_target);
    } else {
        qdict_put_null(d, "current_target");
    }
    return d;
}

static QDict *vtd_audit_to_qdict_locked(VTDAudit *a)
{
    g_autofree VTDAudit *snap = g_new0(VTDAudit, 1);
    QDict *root = qdict_new();
    QDict *stale = qdict_new();
    QDict *hist = qdict_new();
    QDict *domains = qdict_new();
    QList *samples = qlist_new();
    VTDAuditDomain *dom;
    uint32_t did;
    unsigned i;

    qdict_put_int(root, "version", VTD_AUDIT_VERSION);
    qdict_put_bool(root, "enabled", a != NULL);
    for (did = 0; a && (dom = VTD_TABLE_NEXT(&a->domains, &did,
                                              VTDAuditDomain)); did++) {
        g_autofree char *name = NULL;
        QDict *d;

        if (!dom->translations) {
            continue;
        }
        name = g_strdup_printf("%u", did);
        d = qdict_new();
        qdict_put_int(d, "translations", dom->translations);
        qdict_put_int(d, "gone", dom->gone);
        qdict_put_int(d, "changed", dom->changed);
        qdict_put_int(d, "age_max_ns", dom->age_max_ns);
        qdict_put(domains, name, d);
    }
    if (a) {
        *snap = *a;
    }

    qdict_put_int(root, "checked", snap->checked);
    qdict_put_int(root, "fresh", snap->fresh);
    qdict_put_int(root, "unchecked", snap->unchecked);
    qdict_put_int(stale, "translations", snap->stale);
    qdict_put_int(stale, "gone", snap->stale_gone);
    qdict_put_int(stale, "changed", snap->stale_changed);
    qdict_put_int(stale, "reads", snap->stale_reads);
    qdict_put_int(stale, "writes", snap->stale_writes);
    qdict_put_int(stale, "age_min_ns", snap->age_min_ns);
    qdict_put_int(stale, "age_max_ns", snap->age_max_ns);
    qdict_put_int(stale, "age_sum_ns", snap->age_sum_ns);
    for (i = 0; i < VTD_AUDIT_AGE_BINS; i++) {
        g_autofree char *name = vtd_audit_age_bin_name(i);

        qdict_put_int(hist, name, snap->age_hist[i]);
    }
    qdict_put(stale, "age_hist_us", hist);
    qdict_put(root, "stale", stale);
    qdict_put(root, "domains", domains);
    for (i = 0; i < snap->nr_samples; i++) {
        qlist_append(samples, vtd_audit_sample_qdict(&snap->samples[i]));
    }
    qdict_put(root, "samples", samples);
    qdict_put_int(root, "samples_dropped", snap->samples_dropped);
    return root;
}

static void vtd_audit_reset_locked(VTDAudit *a)
{
    VTDTable domains;
    Error *blocker;

    if (!a) {
        return;
    }
    vtd_table_clear(&a->domains, sizeof(VTDAuditDomain));
    domains = a->domains;
    blocker = a->migration_blocker;
    memset(a, 0, sizeof(*a));
    a->domains = domains;
    a->migration_blocker = blocker;
    trace_vtd_audit_reset();
}

/* x-counters' "audit", all zero and enabled=false with x-audit=off */
static QDict *vtd_audit_section_get(IntelIOMMUState *s)
{
    return vtd_audit_to_qdict_locked(s->aud);
}

static void vtd_audit_section_reset(IntelIOMMUState *s)
{
    vtd_audit_reset_locked(s->aud);
}

static const VTDStatsKind vtd_audit_kinds[] = {
    { "audit.stale.age_min_ns", STATS_TYPE_INSTANT, true, STATS_UNIT_SECONDS,
      -9 },
    { "audit.stale.age_max_ns", STATS_TYPE_PEAK, true, STATS_UNIT_SECONDS,
      -9 },
    { "audit.stale.age_sum_ns", STATS_TYPE_CUMULATIVE, true,
      STATS_UNIT_SECONDS, -9 },
    { "audit.stale.age_hist_us", STATS_TYPE_LOG2_HISTOGRAM, true,
      STATS_UNIT_SECONDS, -6 },
};

static const VTDStatsSection vtd_audit_section = {
    .name = "audit",
    .get = vtd_audit_section_get,
    .reset_locked = vtd_audit_section_reset,
    .kinds = vtd_audit_kinds,
    .nkinds = ARRAY_SIZE(vtd_audit_kinds),
};

void vtd_audit_class_init(ObjectClass *klass)
{
    vtd_stats_add_section(&vtd_audit_section);
}

/* Lifecycle */

bool vtd_audit_realize(IntelIOMMUState *s, Error **errp)
{
    VTDAudit *a;

    if (!s->audit) {
        return true;
    }
    a = g_new0(VTDAudit, 1);
    /*
     * The audit's counters, samples and the IOTLB insert times it ages
     * entries by are not in intel-iommu's vmstate: refuse migration while
     * the audit is on (docs/stale-audit.md).
     */
    error_setg(&a->migration_blocker, "intel-iommu: x-audit=on "
               "(stale-translation audit) and its state is not migrated; "
               "set x-audit=off to migrate");
    if (migrate_add_blocker(&a->migration_blocker, errp) < 0) {
        g_free(a);
        return false;
    }
    s->aud = a;
    return true;
}

void vtd_audit_unrealize(IntelIOMMUState *s)
{
    VTDAudit *a = s->aud;

    if (!a) {
        return;
    }
    migrate_del_blocker(&a->migration_blocker);
    vtd_table_free(&a->domains);
    g_free(a);
    s->aud = NULL;
}
