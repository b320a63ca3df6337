/*
 * QTest cases for the intel-iommu stale-translation audit (x-audit)
 *
 * Each case builds root/context/second-level (or PASID and first-stage)
 * tables in guest memory, enables translation, lets an edu device DMA
 * through a mapping so that the IOTLB caches it, then edits the page
 * tables behind the IOMMU's back (no invalidation) and DMAs again.  The
 * "audit" object of x-counters must count exactly the translations that
 * went through a stale entry.
 * See docs/stale-audit.md.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qobject/qlist.h"
#include "vtd-qtest-common.h"
#include "vtd-qtest-stats.h"

#define OTHER_PAGE          0x1200000ULL    /* remap target, not mapped */
#define PATTERN_PAGE        5               /* source of edu write data */

/* q35 + intel-iommu (extra options @opts) + edu, translation enabled */
static VtdQt *vtd_start(const char *opts)
{
    VtdQt *v = vtd_qt_start(opts, "", 0, MAPPED_PAGES);

    qtest_memset(v->qts, DATA_BASE + PATTERN_PAGE * 0x1000ULL, 0xab, 0x1000);
    return v;
}

/* Page-selective IOTLB invalidation of @iova in the edu domain, by QI */
static void vtd_invalidate_page(VtdQt *v, uint64_t iova)
{
    vtd_qt_qi_submit(v, DESC_IOTLB(VTD_INV_DESC_IOTLB_PAGE, EDU_DID), iova);
    g_assert_false(vtd_qt_iqe(v));
}

/* Counter helpers */

static QDict *vtd_audit(QTestState *qts)
{
    QDict *counters = vtd_qt_qom_get(qts, "x-counters");
    QDict *ret = qdict_get_qdict(counters, "audit");

    g_assert_nonnull(ret);
    qobject_ref(ret);
    qobject_unref(counters);
    return ret;
}

static void vtd_assert(QDict *d, const char *path, int64_t expect)
{
    int64_t got = vtd_qt_get(d, path);

    if (got != expect) {
        g_error("audit.%s: expected %" PRId64 ", got %" PRId64,
                path, expect, got);
    }
}

/* ---- tests ---- */

/* Hits through unchanged tables are checked and fresh, never stale. */
static void test_fresh(void)
{
    VtdQt *v = vtd_start("x-audit=on");
    QDict *d;

    g_assert_true(qdict_get_bool(d = vtd_audit(v->qts), "enabled"));
    g_assert_cmpint(vtd_qt_sum(QOBJECT(d)), ==, 0);
    qobject_unref(d);
    vtd_qt_edu_dma_read(v, IOVA_BASE, 8);
    vtd_qt_edu_dma_read(v, IOVA_BASE + 0x10, 8);
    vtd_qt_edu_dma_read(v, IOVA_BASE + 0x20, 8);
    d = vtd_audit(v->qts);
    vtd_assert(d, "checked", 2);
    vtd_assert(d, "fresh", 2);
    vtd_assert(d, "unchecked", 0);
    vtd_assert(d, "stale.translations", 0);
    g_assert_cmpint(qlist_size(qdict_get_qlist(d, "samples")), ==, 0);
    qobject_unref(d);
    vtd_qt_stop(v);
}

/* A cleared PTE, not invalidated: the next DMA is one stale "gone" hit. */
static void test_stale_gone(void)
{
    VtdQt *v = vtd_start("x-audit=on");
    int64_t age;
    QDict *d;

    vtd_qt_edu_dma_read(v, IOVA_BASE, 8);
    qtest_writeq(v->qts, vtd_qt_pte_addr(IOVA_BASE), 0);
    vtd_qt_edu_dma_read(v, IOVA_BASE + 0x100, 64);
    /* served from the IOTLB: no fault */
    g_assert_false(vtd_qt_readl(v, DMAR_FSTS_REG) & VTD_FSTS_PPF);

    d = vtd_audit(v->qts);
    vtd_assert(d, "checked", 1);
    vtd_assert(d, "fresh", 0);
    vtd_assert(d, "stale.translations", 1);
    vtd_assert(d, "stale.gone", 1);
    vtd_assert(d, "stale.changed", 0);
    vtd_assert(d, "stale.reads", 1);
    vtd_assert(d, "stale.writes", 0);
    vtd_assert(d, "domains.5.translations", 1);
    vtd_assert(d, "domains.5.gone", 1);
    vtd_assert(d, "samples.0.domain", EDU_DID);
    vtd_assert(d, "samples.0.iova", IOVA_BASE + 0x100);
    vtd_assert(d, "samples.0.stale_target", DATA_BASE + 0x100);
    g_assert_cmpstr(qdict_get_str(qobject_to(QDict,
                    vtd_qt_lookup(d, "samples.0")), "kind"), ==, "gone");
    /* inserted by the first transfer, hit by the second: 101 ms apart */
    age = vtd_qt_get(d, "samples.0.age_ns");
    g_assert_cmpint(age, ==, EDU_STEP_NS);
    vtd_assert(d, "stale.age_min_ns", age);
    vtd_assert(d, "stale.age_max_ns", age);
    vtd_assert(d, "stale.age_sum_ns", age);
    vtd_assert(d, "domains.5.age_max_ns", age);
    vtd_assert(d, "stale.age_hist_us.65536-131072", 1);
    g_assert_cmpint(vtd_qt_sum(qdict_get(qdict_get_qdict(d, "stale"),
                                         "age_hist_us")), ==, 1);
    qobject_unref(d);
    vtd_qt_stop(v);
}

/*
 * A PTE pointed at another page, not invalidated: the write is a stale
 * "changed" hit and lands in the old page, not the new one.
 */
static void test_stale_changed(void)
{
    VtdQt *v = vtd_start("x-audit=on");
    uint8_t buf[16];
    QDict *d;

    /* cache IOVA page 0; then edu buffer <- 16 bytes of 0xab */
    vtd_qt_edu_dma_read(v, IOVA_BASE, 8);
    vtd_qt_edu_dma_read(v, IOVA_BASE + PATTERN_PAGE * 0x1000ULL, sizeof(buf));
    qtest_writeq(v->qts, vtd_qt_pte_addr(IOVA_BASE),
                 OTHER_PAGE | VTD_SL_R | VTD_SL_W);
    vtd_qt_edu_dma_write(v, IOVA_BASE + 0x40, sizeof(buf));

    d = vtd_audit(v->qts);
    vtd_assert(d, "stale.translations", 1);
    vtd_assert(d, "stale.changed", 1);
    vtd_assert(d, "stale.gone", 0);
    vtd_assert(d, "stale.writes", 1);
    vtd_assert(d, "domains.5.changed", 1);
    vtd_assert(d, "samples.0.stale_target", DATA_BASE + 0x40);
    vtd_assert(d, "samples.0.current_target", OTHER_PAGE + 0x40);
    g_assert_true(qdict_get_bool(qobject_to(QDict,
                  vtd_qt_lookup(d, "samples.0")), "write"));
    qobject_unref(d);

    qtest_memread(v->qts, DATA_BASE + 0x40, buf, sizeof(buf));
    g_assert_cmphex(buf[0], ==, 0xab);
    g_assert_cmphex(buf[sizeof(buf) - 1], ==, 0xab);
    qtest_memread(v->qts, OTHER_PAGE + 0x40, buf, sizeof(buf));
    g_assert_cmphex(buf[0], ==, 0);
    vtd_qt_stop(v);
}

/* After the invalidation the same DMA faults and nothing is stale. */
static void test_invalidated(void)
{
    VtdQt *v = vtd_start("x-accounting=on,x-audit=on");
    QDict *d;

    vtd_qt_edu_dma_read(v, IOVA_BASE, 8);
    qtest_writeq(v->qts, vtd_qt_pte_addr(IOVA_BASE), 0);
    vtd_invalidate_page(v, IOVA_BASE);
    /* 1 byte: a failing wider access is translated more than once */
    vtd_qt_edu_dma_read(v, IOVA_BASE, 1);
    g_assert_true(vtd_qt_readl(v, DMAR_FSTS_REG) & VTD_FSTS_PPF);

    d = vtd_audit(v->qts);
    vtd_assert(d, "checked", 0);
    vtd_assert(d, "stale.translations", 0);
    g_assert_cmpint(vtd_qt_sum(QOBJECT(d)), ==, 0);
    qobject_unref(d);
    vtd_qt_stop(v);
}

/* Samples keep the first 8 stale hits; later ones are only counted. */
static void test_samples_bounded(void)
{
    VtdQt *v = vtd_start("x-audit=on");
    unsigned i;
    QDict *d;

    vtd_qt_edu_dma_read(v, IOVA_BASE, 8);
    qtest_writeq(v->qts, vtd_qt_pte_addr(IOVA_BASE), 0);
    for (i = 0; i < 10; i++) {
        vtd_qt_edu_dma_read(v, IOVA_BASE + i * 8, 8);
    }
    d = vtd_audit(v->qts);
    vtd_assert(d, "stale.translations", 10);
    g_assert_cmpint(qlist_size(qdict_get_qlist(d, "samples")), ==, 8);
    vtd_assert(d, "samples_dropped", 2);
    vtd_assert(d, "samples.7.iova", IOVA_BASE + 7 * 8);
    vtd_assert(d, "stale.age_min_ns", EDU_STEP_NS);
    vtd_assert(d, "stale.age_max_ns", 10 * EDU_STEP_NS);
    qobject_unref(d);
    vtd_qt_stop(v);
}

/* x-counters-reset also zeroes the audit. */
static void test_reset(void)
{
    VtdQt *v = vtd_start("x-accounting=on,x-audit=on");
    QDict *d;

    vtd_qt_edu_dma_read(v, IOVA_BASE, 8);
    qtest_writeq(v->qts, vtd_qt_pte_addr(IOVA_BASE), 0);
    vtd_qt_edu_dma_read(v, IOVA_BASE, 8);
    d = vtd_audit(v->qts);
    vtd_assert(d, "stale.translations", 1);
    qobject_unref(d);
    vtd_qt_qom_set_true(v->qts, "x-counters-reset");
    d = vtd_audit(v->qts);
    g_assert_true(qdict_get_bool(d, "enabled"));
    g_assert_cmpint(vtd_qt_sum(QOBJECT(d)), ==, 0);
    g_assert_cmpint(qdict_size(qdict_get_qdict(d, "domains")), ==, 0);
    qobject_unref(d);
    vtd_qt_edu_dma_read(v, IOVA_BASE, 8);
    d = vtd_audit(v->qts);
    vtd_assert(d, "stale.translations", 1);
    qobject_unref(d);
    vtd_qt_stop(v);
}

/*
 * The whole stale sequence, and what it leaves behind: registers, the
 * page written through the stale entry, the edu buffer.
 */
static void run_sequence(VtdQt *v, uint8_t *csr, uint8_t *page, uint8_t *buf)
{
    vtd_qt_edu_dma_read(v, IOVA_BASE, 8);
    vtd_qt_edu_dma_read(v, IOVA_BASE + 0x1000, 8);
    vtd_qt_edu_dma_read(v, IOVA_BASE + PATTERN_PAGE * 0x1000ULL, 32);
    qtest_writeq(v->qts, vtd_qt_pte_addr(IOVA_BASE), 0);
    vtd_qt_edu_dma_write(v, IOVA_BASE + 0x80, 32);
    qtest_writeq(v->qts, vtd_qt_pte_addr(IOVA_BASE + 0x1000),
                 OTHER_PAGE | VTD_SL_R | VTD_SL_W);
    vtd_qt_edu_dma_read(v, IOVA_BASE + 0x1000, 8);
    vtd_invalidate_page(v, IOVA_BASE);
    vtd_qt_edu_dma_read(v, IOVA_BASE, 1);
    qtest_memread(v->qts, IOMMU_BASE, csr, DMAR_REG_SIZE);
    qtest_memread(v->qts, DATA_BASE, page, 0x1000);
    qtest_memread(v->qts, OTHER_PAGE, buf, 64);
}

/* With x-audit off the audit stays zero and the model behaves the same. */
static void test_off_same_behaviour(void)
{
    g_autofree uint8_t *page_off = g_malloc(0x1000);
    g_autofree uint8_t *page_on = g_malloc(0x1000);
    uint8_t csr_off[DMAR_REG_SIZE], csr_on[DMAR_REG_SIZE];
    uint8_t buf_off[64], buf_on[64];
    VtdQt *v;
    QDict *d;

    v = vtd_start("x-accounting=on");
    run_sequence(v, csr_off, page_off, buf_off);
    d = vtd_audit(v->qts);
    g_assert_false(qdict_get_bool(d, "enabled"));
    g_assert_cmpint(qdict_get_int(d, "version"), ==, 2);
    g_assert_cmpint(vtd_qt_sum(QOBJECT(d)), ==, 0);
    qobject_unref(d);
    vtd_qt_stop(v);

    v = vtd_start("x-accounting=on,x-audit=on");
    run_sequence(v, csr_on, page_on, buf_on);
    d = vtd_audit(v->qts);
    vtd_assert(d, "stale.translations", 2);
    vtd_assert(d, "stale.gone", 1);         /* the write to page 0 */
    vtd_assert(d, "stale.changed", 1);      /* the read of page 1 */
    qobject_unref(d);
    vtd_qt_stop(v);

    /* the stale write landed in both runs */
    g_assert_cmphex(page_off[0x80], ==, 0xab);
    g_assert(!memcmp(csr_off, csr_on, DMAR_REG_SIZE));
    g_assert(!memcmp(page_off, page_on, 0x1000));
    g_assert(!memcmp(buf_off, buf_on, sizeof(buf_off)));
}

/*
 * Scalable mode, first-stage tables (x-flts=on): the edu requests carry no
 * PASID, so the context entry's RID2PASID (0) selects the PASID entry.
 */
#define PASID_DIR           0x1008000ULL
#define PASID_TABLE         0x1009000ULL
#define FL_L4               0x100a000ULL
#define FL_L3               0x100b000ULL
#define FL_L2               0x100c000ULL
#define FL_L1               0x100d000ULL
#define FL_DID              7
#define FL_PTE              (VTD_FL_P | VTD_FL_RW | VTD_FL_US)

/* Address of the first-stage leaf that maps @iova (IOVA < 2 MiB) */
static uint64_t fl_pte_addr(uint64_t iova)
{
    return FL_L1 + (iova >> 12) * 8;
}

/*
 * Scalable root/context entries, PASID directory and entry (PGTT first
 * stage, 4 levels, 48-bit, domain FL_DID) and 4-level first-stage tables
 * mapping MAPPED_PAGES pages from IOVA_BASE like the second-level ones,
 * A and D clear everywhere; then translation on.
 */
static VtdQt *vtd_start_fl(void)
{
    VtdQt *v = vtd_start("x-scalable-mode=on,x-flts=on,x-audit=on");
    QTestState *qts = v->qts;
    uint64_t ce = CONTEXT_TABLE + EDU_DEVFN * 32;
    unsigned i;

    g_assert(v->dw);
    qtest_memset(qts, CONTEXT_TABLE, 0, 0x1000);
    qtest_memset(qts, PASID_DIR, 0, FL_L1 + 0x1000 - PASID_DIR);
    /* root entry: lower context table (devfn < 128), as for legacy */
    qtest_writeq(qts, ce, PASID_DIR | VTD_CONTEXT_ENTRY_P); /* RID2PASID 0 */
    qtest_writeq(qts, PASID_DIR, PASID_TABLE | VTD_PASID_ENTRY_P);
    qtest_writeq(qts, PASID_TABLE, VTD_PASID_ENTRY_P | VTD_SM_PASID_ENTRY_FLT |
                 (2ULL << 2));                          /* AW: 48 bit */
    qtest_writeq(qts, PASID_TABLE + 8, FL_DID);
    qtest_writeq(qts, PASID_TABLE + 16, FL_L4);          /* FLPM 0: 4 levels */
    qtest_writeq(qts, FL_L4, FL_L3 | FL_PTE);
    qtest_writeq(qts, FL_L3, FL_L2 | FL_PTE);
    qtest_writeq(qts, FL_L2, FL_L1 | FL_PTE);
    for (i = 0; i < MAPPED_PAGES; i++) {
        qtest_writeq(qts, fl_pte_addr(IOVA_BASE + i * 0x1000ULL),
                     (DATA_BASE + i * 0x1000ULL) | FL_PTE);
    }
    vtd_qt_gcmd_set(v, VTD_GCMD_TE);
    g_assert(vtd_qt_readl(v, DMAR_GSTS_REG) & VTD_GSTS_TES);
    return v;
}

/*
 * First-stage tables: a hit through an unchanged leaf is fresh and sets
 * no A/D bit; an unmapped leaf, a supervisor-only one (first-stage only:
 * edu's requests are user requests) and one pointed elsewhere are one
 * stale hit each; after a PASID-based IOTLB invalidation the DMA faults
 * and nothing more is audited.
 */
static void test_first_stage(void)
{
    VtdQt *v = vtd_start_fl();
    uint64_t page0 = IOVA_BASE, page1 = IOVA_BASE + 0x1000,
             page2 = IOVA_BASE + 0x2000;
    QDict *d;

    vtd_qt_edu_dma_read(v, page0, 8);
    vtd_qt_edu_dma_read(v, page1, 8);
    vtd_qt_edu_dma_read(v, page2, 8);
    /* the walks of the 3 misses set A, a read sets no D */
    g_assert_cmphex(qtest_readq(v->qts, fl_pte_addr(page0)), ==,
                    DATA_BASE | FL_PTE | VTD_FL_A);
    vtd_qt_edu_dma_write(v, page0 + 0x10, 8);
    /*
     * An IOTLB hit sets no D.  (Nor would a walk: vtd_set_flag_in_pte()
     * sets nothing when A is set already; the untouched new leaf of page 2
     * below is what shows the audit's walk sets no A/D bit.)
     */
    g_assert_cmphex(qtest_readq(v->qts, fl_pte_addr(page0)), ==,
                    DATA_BASE | FL_PTE | VTD_FL_A);
    d = vtd_audit(v->qts);
    vtd_assert(d, "checked", 1);
    vtd_assert(d, "fresh", 1);
    vtd_assert(d, "stale.translations", 0);
    qobject_unref(d);

    /* unmapped, not invalidated */
    qtest_writeq(v->qts, fl_pte_addr(page0), 0);
    vtd_qt_edu_dma_read(v, page0 + 0x100, 8);
    g_assert_false(vtd_qt_readl(v, DMAR_FSTS_REG) & VTD_FSTS_PPF);
    d = vtd_audit(v->qts);
    vtd_assert(d, "checked", 2);
    vtd_assert(d, "stale.translations", 1);
    vtd_assert(d, "stale.gone", 1);
    vtd_assert(d, "stale.reads", 1);
    vtd_assert(d, "domains." G_STRINGIFY(FL_DID) ".gone", 1);
    vtd_assert(d, "samples.0.domain", FL_DID);
    vtd_assert(d, "samples.0.pasid", 0);
    vtd_assert(d, "samples.0.iova", page0 + 0x100);
    vtd_assert(d, "samples.0.stale_target", DATA_BASE + 0x100);
    vtd_assert(d, "samples.0.age_ns", 4 * EDU_STEP_NS);
    qobject_unref(d);

    /* supervisor-only: present and writable, but not for a user request */
    qtest_writeq(v->qts, fl_pte_addr(page1),
                 (DATA_BASE + 0x1000) | VTD_FL_P | VTD_FL_RW | VTD_FL_A);
    vtd_qt_edu_dma_read(v, page1 + 0x20, 8);
    /* pointed at another page */
    qtest_writeq(v->qts, fl_pte_addr(page2), OTHER_PAGE | FL_PTE);
    vtd_qt_edu_dma_read(v, page2 + 0x40, 8);
    d = vtd_audit(v->qts);
    vtd_assert(d, "checked", 4);
    vtd_assert(d, "fresh", 1);
    vtd_assert(d, "stale.translations", 3);
    vtd_assert(d, "stale.gone", 2);
    vtd_assert(d, "stale.changed", 1);
    vtd_assert(d, "samples.1.iova", page1 + 0x20);
    vtd_assert(d, "samples.2.stale_target", DATA_BASE + 0x2000 + 0x40);
    vtd_assert(d, "samples.2.current_target", OTHER_PAGE + 0x40);
    qobject_unref(d);
    /* the audit walked the new leaf and left its A bit clear */
    g_assert_cmphex(qtest_readq(v->qts, fl_pte_addr(page2)), ==,
                    OTHER_PAGE | FL_PTE);

    /* PASID-based IOTLB invalidation of pages 0-3 (AM 2), PASID 0 */
    vtd_qt_qi_submit(v, VTD_INV_DESC_PIOTLB | VTD_INV_DESC_PIOTLB_PSI_IN_PASID |
                     ((uint64_t)FL_DID << 16), IOVA_BASE | 2);
    g_assert_false(vtd_qt_iqe(v));
    vtd_qt_edu_dma_read(v, page0, 1);
    g_assert_true(vtd_qt_readl(v, DMAR_FSTS_REG) & VTD_FSTS_PPF);
    d = vtd_audit(v->qts);
    vtd_assert(d, "checked", 4);
    vtd_assert(d, "stale.translations", 3);
    qobject_unref(d);
    vtd_qt_stop(v);
}

/* x-audit=on blocks migration naming x-audit; x-audit=off migrates. */
static void test_migration_blocked(void)
{
    const char *msg = "x-audit=on (stale-translation audit)";
    VtdQt *v = vtd_start("x-audit=on");
    g_autofree char *blockers = vtd_qt_migration_blockers(v->qts);
    g_autofree char *err = vtd_qt_migrate(v->qts);

    if (!blockers || !strstr(blockers, msg)) {
        g_error("no blocker naming x-audit: %s", blockers ?: "(none)");
    }
    if (!err || !strstr(err, msg)) {
        g_error("migrate not refused naming x-audit: %s", err ?: "(done)");
    }
    vtd_qt_stop(v);

    v = vtd_start("x-audit=off");
    g_assert_null(vtd_qt_migration_blockers(v->qts));
    g_assert_null(vtd_qt_migrate(v->qts));
    vtd_qt_stop(v);
}

/* The audit's statistics that are not plain counters */
static const VtdStatKind audit_kind_list[] = {
    { "audit.stale.age_min_ns", "instant", "seconds", -9 },
    { "audit.stale.age_max_ns", "peak", "seconds", -9 },
    { "audit.stale.age_sum_ns", "cumulative", "seconds", -9 },
    { "audit.stale.age_hist_us", "log2-histogram", "seconds", -6 },
};
static const VtdStatKinds audit_kinds = {
    audit_kind_list, ARRAY_SIZE(audit_kind_list)
};

/*
 * query-stats (provider intel-iommu): with x-audit=on the audit's counters
 * follow accounting's under "audit.", with units: one stale hit 101 ms
 * (virtual) after the insert.  With x-audit=off there are none.
 */
static void test_query_stats(void)
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
    vtd_check_equal_x_counters(v->qts, stats, &audit_kinds);
    n = vtd_check_schema(v->qts, stats, &audit_kinds);
    /* with every unit on, each special kind names a statistic */
    for (i = 0; i < audit_kinds.n; i++) {
        if (!vtd_find(stats, audit_kinds.kinds[i].name)) {
            g_error("query-stats has no %s", audit_kinds.kinds[i].name);
        }
    }
    qobject_unref(stats);
    vtd_qt_stop(v);

    /* x-audit=off: no audit statistics */
    v = vtd_qt_start("x-accounting=on", "", VTD_QT_NO_EDU, MAPPED_PAGES);
    stats = vtd_query_stats(v->qts, NULL);
    g_assert_null(vtd_find(stats, "audit.checked"));
    g_assert_cmpuint(vtd_check_schema(v->qts, stats, &audit_kinds), <, n);
    vtd_check_equal_x_counters(v->qts, stats, &audit_kinds);
    qobject_unref(stats);
    vtd_qt_stop(v);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

#define ADD(name, fn) g_test_add_func("/x86_64/vtd/audit/" name, fn)
    ADD("fresh", test_fresh);
    ADD("stale-gone", test_stale_gone);
    ADD("stale-changed", test_stale_changed);
    ADD("invalidated", test_invalidated);
    ADD("samples-bounded", test_samples_bounded);
    ADD("reset", test_reset);
    ADD("off/same-behaviour", test_off_same_behaviour);
    ADD("first-stage", test_first_stage);
    ADD("migration-blocked", test_migration_blocked);
    ADD("query-stats", test_query_stats);
#undef ADD

    return g_test_run();
}
