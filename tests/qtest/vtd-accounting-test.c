/*
 * QTest cases for the intel-iommu invalidation accounting (x-counters)
 *
 * Each case builds root/context/second-level tables in guest memory,
 * programs the IOMMU through its registers, submits known invalidations
 * (queued or register-based) or DMA from an edu device, and checks the
 * exact counts read with qom-get.  See docs/accounting.md.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qobject/qjson.h"
#include "qobject/qlist.h"
#include "qobject/qnum.h"
#include "vtd-qtest-common.h"

#define MANY_PAGES          (VTD_IOTLB_MAX_SIZE + 1)
#define IOVA_UNMAPPED       0x4000000ULL

enum {
    VTD_MANY = 4,               /* map MANY_PAGES instead of MAPPED_PAGES */
};

/* Extra QEMU command-line arguments for vtd_start() (benchmark only) */
static const char *vtd_extra_args = "";

/* Start a q35 guest with intel-iommu (extra options @opts) set up */
static VtdQt *vtd_start(const char *opts, int flags)
{
    return vtd_qt_start(opts, vtd_extra_args, flags,
                        (flags & VTD_MANY) ? MANY_PAGES : MAPPED_PAGES);
}

/* Descriptor encoders (VT-d 6.5.2) */
#define DESC_CC(g, did)         (VTD_INV_DESC_CC | (g) | \
                                 ((uint64_t)(did) << 16))
#define DESC_CC_DEV(did, sid)   (DESC_CC(VTD_INV_DESC_CC_DEVICE, did) | \
                                 ((uint64_t)(sid) << 32))
#define DESC_WAIT               VTD_INV_DESC_WAIT
#define DESC_WAIT_DATA(d)       ((uint64_t)(d) << 32)

/* Counter helpers */

static QDict *vtd_counters(QTestState *qts)
{
    return vtd_qt_qom_get(qts, "x-counters");
}

/* Fetch once and compare one counter */
static int64_t vtd_counter(VtdQt *v, const char *path)
{
    QDict *d = vtd_counters(v->qts);
    int64_t val = vtd_qt_get(d, path);

    qobject_unref(d);
    return val;
}

static void vtd_assert_counter(VtdQt *v, const char *path, int64_t expect)
{
    int64_t got = vtd_counter(v, path);

    if (got != expect) {
        g_error("%s: expected %" PRId64 ", got %" PRId64, path, expect, got);
    }
}

static int64_t vtd_list_item(QDict *d, const char *path, unsigned idx)
{
    QList *l = qobject_to(QList, vtd_qt_lookup(d, path));
    QListEntry *e;
    unsigned i = 0;

    g_assert_nonnull(l);
    QLIST_FOREACH_ENTRY(l, e) {
        if (i++ == idx) {
            return qnum_get_int(qobject_to(QNum, qlist_entry_obj(e)));
        }
    }
    g_assert_not_reached();
}

static int64_t vtd_counter_sum(VtdQt *v)
{
    QDict *d = vtd_counters(v->qts);
    int64_t sum = vtd_qt_sum(QOBJECT(d));

    qobject_unref(d);
    return sum;
}

/* ---- tests ---- */

/* The JSON object carries version 1, enabled=true and starts all zero. */
static void test_layout(void)
{
    VtdQt *v = vtd_start("x-accounting=on", VTD_QT_NO_EDU);
    QDict *d = vtd_counters(v->qts);

    g_assert_cmpint(qdict_get_int(d, "version"), ==, 1);
    g_assert_true(qdict_get_bool(d, "enabled"));
    g_assert_nonnull(qdict_get_qdict(d, "qi"));
    g_assert_nonnull(qdict_get_qdict(d, "register"));
    g_assert_nonnull(qdict_get_qdict(d, "removal"));
    g_assert_nonnull(qdict_get_qdict(d, "translation"));
    g_assert_nonnull(qdict_get_qdict(d, "domains"));
    g_assert_cmpint(vtd_qt_sum(QOBJECT(d)), ==, 0);
    qobject_unref(d);
    vtd_qt_stop(v);
}

/* Context-cache global descriptors are counted as global, nothing else. */
static void test_cc_global(void)
{
    VtdQt *v = vtd_start("x-accounting=on", VTD_QT_NO_EDU);

    vtd_qt_qi_submit_ok(v, DESC_CC(VTD_INV_DESC_CC_GLOBAL, 0), 0);
    vtd_qt_qi_submit_ok(v, DESC_CC(VTD_INV_DESC_CC_GLOBAL, 0), 0);
    vtd_assert_counter(v, "qi.context_cache.global", 2);
    vtd_assert_counter(v, "qi.context_cache.domain", 0);
    vtd_assert_counter(v, "qi.context_cache.device", 0);
    vtd_assert_counter(v, "qi.descriptors", 2);
    vtd_qt_stop(v);
}

/* Context-cache domain-selective descriptors are counted as domain. */
static void test_cc_domain(void)
{
    VtdQt *v = vtd_start("x-accounting=on", VTD_QT_NO_EDU);

    vtd_qt_qi_submit_ok(v, DESC_CC(VTD_INV_DESC_CC_DOMAIN, 7), 0);
    vtd_assert_counter(v, "qi.context_cache.domain", 1);
    vtd_assert_counter(v, "qi.context_cache.global", 0);
    vtd_qt_stop(v);
}

/* Context-cache device-selective descriptors are counted as device. */
static void test_cc_device(void)
{
    VtdQt *v = vtd_start("x-accounting=on", VTD_QT_NO_EDU);

    vtd_qt_qi_submit_ok(v, DESC_CC_DEV(EDU_DID, EDU_SID), 0);
    vtd_qt_qi_submit_ok(v, DESC_CC_DEV(EDU_DID, EDU_SID), 0);
    vtd_qt_qi_submit_ok(v, DESC_CC_DEV(1, 0x08), 0);
    vtd_assert_counter(v, "qi.context_cache.device", 3);
    vtd_assert_counter(v, "qi.context_cache.global", 0);
    vtd_qt_stop(v);
}

/* IOTLB global and domain-selective descriptors, with per-DID counts. */
static void test_iotlb_global_domain(void)
{
    VtdQt *v = vtd_start("x-accounting=on", VTD_QT_NO_EDU);
    QDict *d;

    vtd_qt_qi_submit_ok(v, DESC_IOTLB(VTD_INV_DESC_IOTLB_GLOBAL, 0), 0);
    vtd_qt_qi_submit_ok(v, DESC_IOTLB(VTD_INV_DESC_IOTLB_DOMAIN, 3), 0);
    vtd_qt_qi_submit_ok(v, DESC_IOTLB(VTD_INV_DESC_IOTLB_DOMAIN, 3), 0);
    vtd_qt_qi_submit_ok(v, DESC_IOTLB(VTD_INV_DESC_IOTLB_DOMAIN, 9), 0);
    d = vtd_counters(v->qts);
    g_assert_cmpint(vtd_qt_get(d, "qi.iotlb.global"), ==, 1);
    g_assert_cmpint(vtd_qt_get(d, "qi.iotlb.domain"), ==, 3);
    g_assert_cmpint(vtd_qt_get(d, "qi.iotlb.page"), ==, 0);
    g_assert_cmpint(vtd_qt_get(d, "domains.3.dsi"), ==, 2);
    g_assert_cmpint(vtd_qt_get(d, "domains.9.dsi"), ==, 1);
    g_assert_cmpint(vtd_qt_get(d, "domains.9.psi"), ==, 0);
    g_assert_cmpint(vtd_qt_get(d, "removal.global.invalidations"), ==, 1);
    g_assert_cmpint(vtd_qt_get(d, "removal.domain.invalidations"), ==, 3);
    g_assert_cmpint(vtd_qt_get(d, "removal.all.empty"), ==, 4);
    qobject_unref(d);
    vtd_qt_stop(v);
}

/* Page-selective IOTLB: pages = sum of 2^AM, AM histogram, per-DID. */
static void test_iotlb_page_am(void)
{
    VtdQt *v = vtd_start("x-accounting=on", VTD_QT_NO_EDU);
    static const unsigned ams[] = { 0, 0, 1, 3, 9, VTD_MAMV };
    uint64_t pages = 0;
    QDict *d;
    unsigned i;

    for (i = 0; i < ARRAY_SIZE(ams); i++) {
        uint64_t addr = 0x40000000ULL;      /* aligned for every AM used */

        vtd_qt_qi_submit_ok(v, DESC_IOTLB(VTD_INV_DESC_IOTLB_PAGE, 4),
                            addr | ams[i]);
        pages += 1ULL << ams[i];
    }
    d = vtd_counters(v->qts);
    g_assert_cmpint(vtd_qt_get(d, "qi.iotlb.page"), ==, ARRAY_SIZE(ams));
    g_assert_cmpint(vtd_qt_get(d, "qi.iotlb.pages"), ==, pages);
    g_assert_cmpint(vtd_list_item(d, "qi.iotlb.am_hist", 0), ==, 2);
    g_assert_cmpint(vtd_list_item(d, "qi.iotlb.am_hist", 1), ==, 1);
    g_assert_cmpint(vtd_list_item(d, "qi.iotlb.am_hist", 2), ==, 0);
    g_assert_cmpint(vtd_list_item(d, "qi.iotlb.am_hist", 3), ==, 1);
    g_assert_cmpint(vtd_list_item(d, "qi.iotlb.am_hist", 9), ==, 1);
    g_assert_cmpint(vtd_list_item(d, "qi.iotlb.am_hist", VTD_MAMV), ==, 1);
    g_assert_cmpint(vtd_qt_get(d, "domains.4.psi"), ==, ARRAY_SIZE(ams));
    g_assert_cmpint(vtd_qt_get(d, "domains.4.pages"), ==, pages);
    qobject_unref(d);
    vtd_qt_stop(v);
}

/* Device-TLB and interrupt-entry-cache (global / index) descriptors. */
static void test_devtlb_iec(void)
{
    VtdQt *v = vtd_start("x-accounting=on", VTD_QT_NO_EDU);

    vtd_qt_qi_submit_ok(v, VTD_INV_DESC_DEVICE | ((uint64_t)EDU_SID << 32),
                        0x200000);
    vtd_qt_qi_submit_ok(v, VTD_INV_DESC_IEC, 0);
    vtd_qt_qi_submit_ok(v, VTD_INV_DESC_IEC | (1 << 4) | (5ULL << 32), 0);
    vtd_qt_qi_submit_ok(v, VTD_INV_DESC_IEC | (1 << 4) | (6ULL << 32), 0);
    vtd_assert_counter(v, "qi.device_iotlb", 1);
    vtd_assert_counter(v, "qi.iec.global", 1);
    vtd_assert_counter(v, "qi.iec.index", 2);
    vtd_assert_counter(v, "qi.descriptors", 4);
    vtd_qt_stop(v);
}

/* Wait descriptors: SW / IF / FN bits counted; SW status still written. */
static void test_wait_flags(void)
{
    VtdQt *v = vtd_start("x-accounting=on", VTD_QT_NO_EDU);

    qtest_writel(v->qts, WAIT_STATUS, 0);
    vtd_qt_qi_submit_ok(v, DESC_WAIT | VTD_INV_DESC_WAIT_SW |
                        DESC_WAIT_DATA(0xa1), WAIT_STATUS);
    g_assert_cmphex(qtest_readl(v->qts, WAIT_STATUS), ==, 0xa1);
    vtd_qt_qi_submit_ok(v, DESC_WAIT | VTD_INV_DESC_WAIT_SW |
                        VTD_INV_DESC_WAIT_FN | DESC_WAIT_DATA(0xa2),
                        WAIT_STATUS);
    g_assert_cmphex(qtest_readl(v->qts, WAIT_STATUS), ==, 0xa2);
    vtd_qt_qi_submit_ok(v, DESC_WAIT | VTD_INV_DESC_WAIT_IF, 0);
    g_assert(vtd_qt_readl(v, DMAR_ICS_REG) & VTD_ICS_IWC);
    vtd_qt_qi_submit_ok(v, DESC_WAIT | VTD_INV_DESC_WAIT_IF |
                        VTD_INV_DESC_WAIT_SW | DESC_WAIT_DATA(0xa3),
                        WAIT_STATUS);
    vtd_assert_counter(v, "qi.wait.total", 4);
    vtd_assert_counter(v, "qi.wait.sw", 3);
    vtd_assert_counter(v, "qi.wait.if", 2);
    vtd_assert_counter(v, "qi.wait.fn", 1);
    vtd_assert_counter(v, "qi.wait.no_sw_if", 0);
    vtd_qt_stop(v);
}

/* Upstream (10.2+): a fence-only wait (FN=1, no SW/IF) is accepted, counted. */
static void test_wait_no_sw_if(void)
{
    VtdQt *v = vtd_start("x-accounting=on", VTD_QT_NO_EDU);

    vtd_qt_qi_submit_ok(v, DESC_WAIT | VTD_INV_DESC_WAIT_FN, 0);
    vtd_assert_counter(v, "qi.wait.total", 1);
    vtd_assert_counter(v, "qi.wait.no_sw_if", 1);
    vtd_assert_counter(v, "qi.wait.fn", 1);
    vtd_assert_counter(v, "qi.iqe", 0);
    vtd_qt_stop(v);
}

/* Upstream: a wait with none of SW, IF, FN raises IQE, counted as invalid. */
static void test_wait_no_flags_iqe(void)
{
    VtdQt *v = vtd_start("x-accounting=on", VTD_QT_NO_EDU);

    vtd_qt_qi_submit(v, DESC_WAIT, 0);
    g_assert_true(vtd_qt_iqe(v));
    g_assert_cmpuint(vtd_qt_iqh(v), ==, 0);
    vtd_assert_counter(v, "qi.iqe", 1);
    vtd_assert_counter(v, "qi.invalid.total", 1);
    vtd_assert_counter(v, "qi.invalid.wait", 1);
    vtd_assert_counter(v, "qi.wait.total", 0);
    vtd_qt_stop(v);
}

/* Scalable mode, 256-bit: PASID-cache, PASID-IOTLB, PASID dev-TLB. */
static void test_pasid_descs(void)
{
    VtdQt *v = vtd_start("x-accounting=on,x-scalable-mode=on", VTD_QT_NO_EDU);
    uint64_t pasid = 0x42ULL << 32, did = 6ULL << 16;

    vtd_qt_qi_push4(v, VTD_INV_DESC_PC | (3ULL << 4) | did, 0, 0, 0);
    vtd_qt_qi_push4(v, VTD_INV_DESC_PIOTLB | VTD_INV_DESC_PIOTLB_ALL_IN_PASID |
                    did | pasid, 0, 0, 0);
    vtd_qt_qi_push4(v, VTD_INV_DESC_PIOTLB | VTD_INV_DESC_PIOTLB_PSI_IN_PASID |
                    did | pasid, 0x80000000ULL | 2, 0, 0);
    vtd_qt_qi_push4(v, VTD_INV_DESC_PIOTLB | VTD_INV_DESC_PIOTLB_PSI_IN_PASID |
                    did | pasid, 0x80000000ULL | 4, 0, 0);
    vtd_qt_qi_push4(v, VTD_INV_DESC_DEV_PIOTLB | ((uint64_t)EDU_SID << 16) |
                    pasid, 0x1000, 0, 0);
    vtd_qt_qi_kick(v);
    g_assert_false(vtd_qt_iqe(v));
    g_assert_cmpuint(vtd_qt_iqh(v), ==, 5);
    vtd_assert_counter(v, "qi.pasid_cache", 1);
    vtd_assert_counter(v, "qi.pasid_iotlb.pasid", 1);
    vtd_assert_counter(v, "qi.pasid_iotlb.page", 2);
    vtd_assert_counter(v, "qi.pasid_iotlb.pages", 4 + 16);
    vtd_assert_counter(v, "qi.pasid_device_iotlb", 1);
    vtd_assert_counter(v, "removal.pasid.invalidations", 1);
    vtd_assert_counter(v, "removal.pasid_page.invalidations", 2);
    vtd_assert_counter(v, "qi.batch_hist.5-8", 1);
    vtd_qt_stop(v);
}

/*
 * Page group responses (PRI, QEMU 10.2): accepted with a PASID whatever
 * the response code, even for a requester without a PRI notifier;
 * without a PASID, or with a reserved bit, upstream raises IQE.
 */
static void test_page_group_response(void)
{
    uint64_t resp = VTD_INV_DESC_PGRESP | (1ULL << 4) |
                    ((uint64_t)EDU_SID << 16) | (0x42ULL << 32);
    VtdQt *v = vtd_start("x-accounting=on,x-scalable-mode=on", VTD_QT_NO_EDU);

    vtd_qt_qi_push4(v, resp, 5ULL << 3, 0, 0);              /* success */
    vtd_qt_qi_push4(v, resp | (1ULL << 12), 6ULL << 3, 0, 0); /* invalid */
    vtd_qt_qi_push4(v, resp | (0xfULL << 12), 7ULL << 3, 0, 0); /* failure */
    vtd_qt_qi_kick(v);
    g_assert_false(vtd_qt_iqe(v));
    g_assert_cmpuint(vtd_qt_iqh(v), ==, 3);
    vtd_assert_counter(v, "qi.page_group_response", 3);
    vtd_assert_counter(v, "qi.invalid.total", 0);
    vtd_qt_stop(v);

    v = vtd_start("x-accounting=on,x-scalable-mode=on", VTD_QT_NO_EDU);
    vtd_qt_qi_push4(v, resp & ~(1ULL << 4), 0, 0, 0);       /* no PASID */
    vtd_qt_qi_kick(v);
    g_assert_true(vtd_qt_iqe(v));
    vtd_assert_counter(v, "qi.page_group_response", 0);
    vtd_assert_counter(v, "qi.invalid.page_group_response", 1);
    vtd_assert_counter(v, "qi.invalid.total", 1);
    vtd_qt_stop(v);

    v = vtd_start("x-accounting=on,x-scalable-mode=on", VTD_QT_NO_EDU);
    vtd_qt_qi_push4(v, resp, 1ULL << 0, 0, 0);              /* reserved */
    vtd_qt_qi_kick(v);
    g_assert_true(vtd_qt_iqe(v));
    vtd_assert_counter(v, "qi.invalid.page_group_response", 1);
    vtd_assert_counter(v, "qi.descriptors", 0);
    vtd_qt_stop(v);
}

/* N descriptors in one IQT write land in the right histogram bin. */
static void test_batches(void)
{
    VtdQt *v = vtd_start("x-accounting=on", VTD_QT_NO_EDU);
    static const unsigned sizes[] = { 1, 2, 3, 4, 5, 8, 9, 16, 17 };
    unsigned i, j, total = 0, max = 0;
    QDict *d;

    for (i = 0; i < ARRAY_SIZE(sizes); i++) {
        for (j = 0; j + 1 < sizes[i]; j++) {
            vtd_qt_qi_push(v, DESC_IOTLB(VTD_INV_DESC_IOTLB_PAGE, 1),
                           0x10000000ULL + j * 0x1000);
        }
        vtd_qt_qi_push(v, DESC_WAIT | VTD_INV_DESC_WAIT_SW | DESC_WAIT_DATA(i),
                       WAIT_STATUS);
        vtd_qt_qi_kick(v);
        g_assert_false(vtd_qt_iqe(v));
        total += sizes[i];
        max = MAX(max, sizes[i]);
    }
    vtd_qt_qi_kick(v);             /* an IQT write that adds nothing */
    d = vtd_counters(v->qts);
    g_assert_cmpint(vtd_qt_get(d, "qi.iqt_writes"), ==, ARRAY_SIZE(sizes) + 1);
    g_assert_cmpint(vtd_qt_get(d, "qi.iqt_descriptors"), ==, total);
    g_assert_cmpint(vtd_qt_get(d, "qi.descriptors"), ==, total);
    g_assert_cmpint(vtd_qt_get(d, "qi.batch_max"), ==, max);
    g_assert_cmpint(vtd_qt_get(d, "qi.batch_hist.0"), ==, 1);
    g_assert_cmpint(vtd_qt_get(d, "qi.batch_hist.1"), ==, 1);
    g_assert_cmpint(vtd_qt_get(d, "qi.batch_hist.2"), ==, 1);
    g_assert_cmpint(vtd_qt_get(d, "qi.batch_hist.3-4"), ==, 2);
    g_assert_cmpint(vtd_qt_get(d, "qi.batch_hist.5-8"), ==, 2);
    g_assert_cmpint(vtd_qt_get(d, "qi.batch_hist.9-16"), ==, 2);
    g_assert_cmpint(vtd_qt_get(d, "qi.batch_hist.17-32"), ==, 1);
    g_assert_cmpint(vtd_qt_get(d, "qi.wait.total"), ==, ARRAY_SIZE(sizes));
    g_assert_cmpint(vtd_qt_get(d, "qi.iotlb.page"), ==,
                    total - ARRAY_SIZE(sizes));
    qobject_unref(d);
    vtd_qt_stop(v);
}

/* Descriptors across the end of the 256-entry queue are all counted once. */
static void test_wraparound(void)
{
    VtdQt *v = vtd_start("x-accounting=on", VTD_QT_NO_EDU);
    unsigned i, n = 0;

    /* 3 rounds of 100 descriptors: the third one wraps past entry 255 */
    for (i = 0; i < 3; i++) {
        unsigned j;

        for (j = 0; j < 99; j++) {
            vtd_qt_qi_push(v, DESC_IOTLB(VTD_INV_DESC_IOTLB_DOMAIN, j % 4), 0);
        }
        vtd_qt_qi_push(v, DESC_WAIT | VTD_INV_DESC_WAIT_SW | DESC_WAIT_DATA(i),
                       WAIT_STATUS);
        vtd_qt_qi_kick(v);
        n += 100;
        g_assert_false(vtd_qt_iqe(v));
        g_assert_cmpuint(vtd_qt_iqh(v), ==, n % 256);
    }
    g_assert_cmphex(qtest_readl(v->qts, WAIT_STATUS), ==, 2);
    vtd_assert_counter(v, "qi.descriptors", 300);
    vtd_assert_counter(v, "qi.iotlb.domain", 297);
    vtd_assert_counter(v, "domains.0.dsi", 75);
    vtd_assert_counter(v, "domains.3.dsi", 72);
    vtd_assert_counter(v, "qi.batch_hist.65-128", 3);
    vtd_qt_stop(v);
}

/* Reserved bit in an IOTLB descriptor: IQE, counted, queue stops there. */
static void test_invalid_reserved(void)
{
    VtdQt *v = vtd_start("x-accounting=on", VTD_QT_NO_EDU);

    vtd_qt_qi_push(v, DESC_IOTLB(VTD_INV_DESC_IOTLB_GLOBAL, 0), 0);
    vtd_qt_qi_push(v, DESC_IOTLB(VTD_INV_DESC_IOTLB_GLOBAL, 0) | (1ULL << 8),
                   0);
    vtd_qt_qi_push(v, DESC_IOTLB(VTD_INV_DESC_IOTLB_GLOBAL, 0), 0);
    vtd_qt_qi_kick(v);
    g_assert_true(vtd_qt_iqe(v));
    g_assert_cmpuint(vtd_qt_iqh(v), ==, 1);
    vtd_assert_counter(v, "qi.iotlb.global", 1);
    vtd_assert_counter(v, "qi.invalid.total", 1);
    vtd_assert_counter(v, "qi.invalid.iotlb", 1);
    vtd_assert_counter(v, "qi.iqe", 1);
    vtd_assert_counter(v, "qi.batch_hist.2", 1);
    /* IQT writes while IQE is set process nothing */
    vtd_qt_qi_kick(v);
    vtd_assert_counter(v, "qi.batch_hist.0", 1);
    vtd_assert_counter(v, "qi.invalid.total", 1);
    vtd_qt_stop(v);
}

/* Unknown descriptor types (and PASID-cache in legacy mode) raise IQE. */
static void test_invalid_type(void)
{
    VtdQt *v = vtd_start("x-accounting=on", VTD_QT_NO_EDU);

    vtd_qt_qi_submit(v, 0xf, 0);
    g_assert_true(vtd_qt_iqe(v));
    vtd_assert_counter(v, "qi.invalid.unknown", 1);
    vtd_qt_stop(v);

    v = vtd_start("x-accounting=on", VTD_QT_NO_EDU);
    vtd_qt_qi_submit(v, VTD_INV_DESC_PC, 0);
    g_assert_true(vtd_qt_iqe(v));
    vtd_assert_counter(v, "qi.invalid.pasid_cache", 1);
    vtd_assert_counter(v, "qi.invalid.total", 1);
    vtd_assert_counter(v, "qi.descriptors", 0);
    vtd_qt_stop(v);
}

/* Page-selective IOTLB with AM > MAMV is rejected, not added to pages. */
static void test_invalid_am(void)
{
    VtdQt *v = vtd_start("x-accounting=on", VTD_QT_NO_EDU);

    vtd_qt_qi_submit(v, DESC_IOTLB(VTD_INV_DESC_IOTLB_PAGE, 1), VTD_MAMV + 1);
    g_assert_true(vtd_qt_iqe(v));
    vtd_assert_counter(v, "qi.invalid.iotlb", 1);
    vtd_assert_counter(v, "qi.iotlb.page", 0);
    vtd_assert_counter(v, "qi.iotlb.pages", 0);
    vtd_qt_stop(v);
}

/* IQT beyond the queue size raises IQE once and counts iqe_tail. */
static void test_invalid_tail(void)
{
    VtdQt *v = vtd_start("x-accounting=on", VTD_QT_NO_EDU);

    vtd_qt_writeq(v, DMAR_IQT_REG, 300ULL << 4);
    g_assert_true(vtd_qt_iqe(v));
    g_assert_cmpuint(vtd_qt_iqh(v), ==, 0);
    vtd_assert_counter(v, "qi.iqe_tail", 1);
    vtd_assert_counter(v, "qi.iqe", 1);
    vtd_assert_counter(v, "qi.invalid.total", 0);
    vtd_assert_counter(v, "qi.descriptors", 0);
    vtd_qt_stop(v);
}

/* Register-based CCMD invalidations are counted by granularity. */
static void test_register_ccmd(void)
{
    VtdQt *v = vtd_start("x-accounting=on", VTD_QT_NO_EDU | VTD_QT_NO_QI);

    vtd_qt_writeq(v, DMAR_CCMD_REG, VTD_CCMD_ICC | VTD_CCMD_GLOBAL_INVL);
    g_assert_false(vtd_qt_readq(v, DMAR_CCMD_REG) & VTD_CCMD_ICC);
    vtd_qt_writeq(v, DMAR_CCMD_REG, VTD_CCMD_ICC | VTD_CCMD_DOMAIN_INVL | 2);
    vtd_qt_writeq(v, DMAR_CCMD_REG, VTD_CCMD_ICC | VTD_CCMD_DEVICE_INVL |
                  ((uint64_t)EDU_SID << 16) | 2);
    vtd_qt_writeq(v, DMAR_CCMD_REG, VTD_CCMD_ICC | VTD_CCMD_DEVICE_INVL);
    vtd_qt_writeq(v, DMAR_CCMD_REG, VTD_CCMD_ICC);     /* CIRG 0: invalid */
    vtd_assert_counter(v, "register.context_cache.global", 1);
    vtd_assert_counter(v, "register.context_cache.domain", 1);
    vtd_assert_counter(v, "register.context_cache.device", 2);
    vtd_assert_counter(v, "register.context_cache.invalid", 1);
    vtd_assert_counter(v, "qi.descriptors", 0);
    vtd_qt_stop(v);
}

/* Register-based IOTLB invalidations are counted; ignored while QI is on. */
static void test_register_iotlb(void)
{
    VtdQt *v = vtd_start("x-accounting=on", VTD_QT_NO_EDU | VTD_QT_NO_QI);

    vtd_qt_writeq(v, DMAR_IOTLB_REG, VTD_TLB_IVT | VTD_TLB_GLOBAL_FLUSH);
    g_assert_false(vtd_qt_readq(v, DMAR_IOTLB_REG) & VTD_TLB_IVT);
    vtd_qt_writeq(v, DMAR_IOTLB_REG, VTD_TLB_IVT | VTD_TLB_DSI_FLUSH |
                  ((uint64_t)EDU_DID << 32));
    vtd_qt_writeq(v, DMAR_IVA_REG, 0x200000 | 1);
    vtd_qt_writeq(v, DMAR_IOTLB_REG, VTD_TLB_IVT | VTD_TLB_PSI_FLUSH |
                  ((uint64_t)EDU_DID << 32));
    vtd_qt_writeq(v, DMAR_IVA_REG, 0x200000 | (VTD_MAMV + 1));
    vtd_qt_writeq(v, DMAR_IOTLB_REG, VTD_TLB_IVT | VTD_TLB_PSI_FLUSH |
                  ((uint64_t)EDU_DID << 32));
    vtd_assert_counter(v, "register.iotlb.global", 1);
    vtd_assert_counter(v, "register.iotlb.domain", 1);
    vtd_assert_counter(v, "register.iotlb.page", 1);
    vtd_assert_counter(v, "register.iotlb.invalid", 1);
    vtd_assert_counter(v, "removal.page.invalidations", 1);
    vtd_assert_counter(v, "domains.5.dsi", 0);

    /* with QI enabled the model ignores register-based requests */
    vtd_qt_writeq(v, DMAR_IQT_REG, 0);
    vtd_qt_qi_enable(v);
    vtd_qt_writeq(v, DMAR_IOTLB_REG, VTD_TLB_IVT | VTD_TLB_GLOBAL_FLUSH);
    vtd_assert_counter(v, "register.iotlb.global", 1);
    vtd_qt_stop(v);
}

/* edu DMA: first access misses and walks, repeats hit the IOTLB. */
static void test_dma_hit_miss(void)
{
    VtdQt *v = vtd_start("x-accounting=on", 0);
    QDict *d, *devices, *edu;

    vtd_qt_edu_dma_read(v, IOVA_BASE, 8);
    vtd_qt_edu_dma_read(v, IOVA_BASE + 0x10, 8);
    vtd_qt_edu_dma_read(v, IOVA_BASE + 0x1000, 8);
    vtd_qt_edu_dma_read(v, IOVA_BASE, 8);
    d = vtd_counters(v->qts);
    g_assert_cmpint(vtd_qt_get(d, "translation.translations"), ==, 4);
    g_assert_cmpint(vtd_qt_get(d, "translation.iotlb_misses"), ==, 2);
    g_assert_cmpint(vtd_qt_get(d, "translation.iotlb_hits"), ==, 2);
    g_assert_cmpint(vtd_qt_get(d, "translation.iotlb_inserts"), ==, 2);
    g_assert_cmpint(vtd_qt_get(d, "translation.page_walks"), ==, 2);
    g_assert_cmpint(vtd_qt_get(d, "translation.faults"), ==, 0);
    g_assert_cmpint(vtd_qt_get(d, "translation.iotlb_full_drops"), ==, 0);
    /* ...every one of them the edu device's, the only requester (00:04.0) */
    devices = qdict_get_qdict(d, "devices");
    g_assert_cmpint(qdict_size(devices), ==, 1);
    edu = qdict_get_qdict(devices, "00:04.0");
    g_assert_nonnull(edu);
    g_assert_cmpint(qdict_get_int(edu, "translations"), ==, 4);
    g_assert_cmpint(qdict_get_int(edu, "iotlb_inserts"), ==, 2);
    qobject_unref(d);
    vtd_qt_stop(v);
}

/* Invalidations remove exactly the cached entries they cover. */
static void test_dma_removed(void)
{
    VtdQt *v = vtd_start("x-accounting=on", 0);
    unsigned i;
    QDict *d;

    for (i = 0; i < 4; i++) {
        vtd_qt_edu_dma_read(v, IOVA_BASE + i * 0x1000, 8);
    }
    vtd_assert_counter(v, "translation.iotlb_inserts", 4);
    /* PSI on page 0: removes 1; PSI AM=1 on pages 2-3: removes 2 */
    vtd_qt_qi_submit_ok(v, DESC_IOTLB(VTD_INV_DESC_IOTLB_PAGE, EDU_DID),
                        IOVA_BASE);
    vtd_qt_qi_submit_ok(v, DESC_IOTLB(VTD_INV_DESC_IOTLB_PAGE, EDU_DID),
                        (IOVA_BASE + 0x2000) | 1);
    /* PSI on an uncached page and a DSI of another domain: remove nothing */
    vtd_qt_qi_submit_ok(v, DESC_IOTLB(VTD_INV_DESC_IOTLB_PAGE, EDU_DID),
                        IOVA_BASE + 0x7000);
    vtd_qt_qi_submit_ok(v, DESC_IOTLB(VTD_INV_DESC_IOTLB_DOMAIN, EDU_DID + 1),
                        0);
    /* DSI on the edu domain: removes the last one (page 1) */
    vtd_qt_qi_submit_ok(v, DESC_IOTLB(VTD_INV_DESC_IOTLB_DOMAIN, EDU_DID), 0);
    d = vtd_counters(v->qts);
    g_assert_cmpint(vtd_qt_get(d, "removal.page.invalidations"), ==, 3);
    g_assert_cmpint(vtd_qt_get(d, "removal.page.entries"), ==, 3);
    g_assert_cmpint(vtd_qt_get(d, "removal.page.empty"), ==, 1);
    g_assert_cmpint(vtd_qt_get(d, "removal.domain.invalidations"), ==, 2);
    g_assert_cmpint(vtd_qt_get(d, "removal.domain.entries"), ==, 1);
    g_assert_cmpint(vtd_qt_get(d, "removal.domain.empty"), ==, 1);
    g_assert_cmpint(vtd_qt_get(d, "removal.all.entries"), ==, 4);
    g_assert_cmpint(vtd_qt_get(d, "removal.all.empty"), ==, 2);
    g_assert_cmpint(vtd_qt_get(d, "domains.5.removed"), ==, 4);
    g_assert_cmpint(vtd_qt_get(d, "domains.6.removed"), ==, 0);
    qobject_unref(d);
    /* everything is gone: the next DMA misses again */
    vtd_qt_edu_dma_read(v, IOVA_BASE + 0x1000, 8);
    vtd_assert_counter(v, "translation.iotlb_misses", 5);
    vtd_qt_stop(v);
}

/* A global IOTLB invalidation removes every cached entry. */
static void test_dma_global_removed(void)
{
    VtdQt *v = vtd_start("x-accounting=on", 0);
    unsigned i;

    for (i = 0; i < 3; i++) {
        vtd_qt_edu_dma_read(v, IOVA_BASE + i * 0x1000, 8);
    }
    vtd_qt_qi_submit_ok(v, DESC_IOTLB(VTD_INV_DESC_IOTLB_GLOBAL, 0), 0);
    vtd_qt_qi_submit_ok(v, DESC_IOTLB(VTD_INV_DESC_IOTLB_GLOBAL, 0), 0);
    vtd_assert_counter(v, "removal.global.invalidations", 2);
    vtd_assert_counter(v, "removal.global.entries", 3);
    vtd_assert_counter(v, "removal.global.empty", 1);
    vtd_qt_stop(v);
}

/* Inserting into a full IOTLB (1024 entries) drops all of it, counted. */
static void test_dma_full_drop(void)
{
    VtdQt *v = vtd_start("x-accounting=on", VTD_MANY);
    unsigned i;
    QDict *d;

    for (i = 0; i < MANY_PAGES; i++) {
        vtd_qt_edu_dma_read(v, IOVA_BASE + i * 0x1000ULL, 8);
    }
    vtd_qt_edu_dma_read(v, IOVA_BASE + (MANY_PAGES - 1) * 0x1000ULL, 8);
    vtd_qt_edu_dma_read(v, IOVA_BASE, 8);
    d = vtd_counters(v->qts);
    g_assert_cmpint(vtd_qt_get(d, "translation.iotlb_full_drops"), ==, 1);
    g_assert_cmpint(vtd_qt_get(d, "translation.iotlb_full_dropped_entries"),
                    ==, VTD_IOTLB_MAX_SIZE);
    g_assert_cmpint(vtd_qt_get(d, "translation.iotlb_inserts"), ==,
                    MANY_PAGES + 1);
    g_assert_cmpint(vtd_qt_get(d, "translation.iotlb_hits"), ==, 1);
    g_assert_cmpint(vtd_qt_get(d, "translation.iotlb_misses"), ==,
                    MANY_PAGES + 1);
    g_assert_cmpint(vtd_qt_get(d, "removal.all.invalidations"), ==, 0);
    qobject_unref(d);
    vtd_qt_stop(v);
}

/* DMA to an unmapped IOVA is a recorded fault, no IOTLB insert. */
static void test_dma_fault(void)
{
    VtdQt *v = vtd_start("x-accounting=on", 0);

    /*
     * 1 byte: the memory core translates a failing wider access more than
     * once (8 bytes: 2 translations), which the counters then show.
     */
    vtd_qt_edu_dma_read(v, IOVA_UNMAPPED, 1);
    g_assert(vtd_qt_readl(v, DMAR_FSTS_REG) & VTD_FSTS_PPF);
    vtd_assert_counter(v, "translation.faults", 1);
    vtd_assert_counter(v, "translation.iotlb_inserts", 0);
    vtd_assert_counter(v, "translation.iotlb_misses", 1);
    vtd_assert_counter(v, "translation.translations", 1);
    vtd_qt_stop(v);
}

/* x-counters-reset zeroes everything at once; counting then resumes. */
static void test_reset(void)
{
    VtdQt *v = vtd_start("x-accounting=on", 0);

    vtd_qt_edu_dma_read(v, IOVA_BASE, 8);
    vtd_qt_qi_submit_ok(v, DESC_IOTLB(VTD_INV_DESC_IOTLB_PAGE, EDU_DID),
                        IOVA_BASE | 2);
    vtd_qt_qi_submit_ok(v, DESC_WAIT | VTD_INV_DESC_WAIT_SW, WAIT_STATUS);
    g_assert_cmpint(vtd_counter_sum(v), >, 0);
    vtd_qt_qom_set_true(v->qts, "x-counters-reset");
    g_assert_cmpint(vtd_counter_sum(v), ==, 0);
    vtd_qt_qi_submit_ok(v, DESC_WAIT | VTD_INV_DESC_WAIT_SW, WAIT_STATUS);
    vtd_assert_counter(v, "qi.wait.total", 1);
    vtd_assert_counter(v, "qi.descriptors", 1);
    /*
     * descriptors, wait.total, wait.sw, iqt_writes, iqt_descriptors,
     * batch_max, batch_hist.1
     */
    g_assert_cmpint(vtd_counter_sum(v), ==, 7);
    vtd_qt_stop(v);
}

/* Counters survive a system reset (only x-counters-reset clears them). */
static void test_system_reset_keeps(void)
{
    VtdQt *v = vtd_start("x-accounting=on", VTD_QT_NO_EDU);

    vtd_qt_qi_submit_ok(v, DESC_CC(VTD_INV_DESC_CC_GLOBAL, 0), 0);
    qobject_unref(qtest_qmp(v->qts, "{ 'execute': 'system_reset' }"));
    qtest_qmp_eventwait(v->qts, "RESET");
    vtd_assert_counter(v, "qi.context_cache.global", 1);
    vtd_qt_stop(v);
}

/* x-counters-file receives the same JSON object at shutdown. */
static void test_shutdown_file(void)
{
    g_autofree char *dir = g_dir_make_tmp("vtd-acct-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "counters.json", NULL);
    g_autofree char *opts = g_strdup_printf("x-accounting=on,"
                                            "x-counters-file=%s", path);
    g_autofree char *text = NULL;
    VtdQt *v = vtd_start(opts, VTD_QT_NO_EDU);
    QDict *d;

    vtd_qt_qi_submit_ok(v, DESC_IOTLB(VTD_INV_DESC_IOTLB_PAGE, 2), 0x3000);
    vtd_qt_qi_submit_ok(v, DESC_WAIT | VTD_INV_DESC_WAIT_SW, WAIT_STATUS);
    g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
    vtd_qt_stop(v);

    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    d = qobject_to(QDict, qobject_from_json(text, &error_abort));
    g_assert_nonnull(d);
    g_assert_cmpint(qdict_get_int(d, "version"), ==, 1);
    g_assert_cmpint(vtd_qt_get(d, "qi.descriptors"), ==, 2);
    g_assert_cmpint(vtd_qt_get(d, "qi.iotlb.page"), ==, 1);
    g_assert_cmpint(vtd_qt_get(d, "qi.wait.sw"), ==, 1);
    g_assert_cmpint(vtd_qt_get(d, "domains.2.psi"), ==, 1);
    qobject_unref(d);
    unlink(path);
    rmdir(dir);
}

/* A counters file in a missing directory fails realize with a clear error. */
static void test_file_bad_dir(void)
{
    g_autofree char *out = NULL;
    int status = vtd_qt_run_qemu("x-accounting=on,x-counters-file="
                                 "/nonexistent-vtd-dir/c.json", &out);

    g_assert_cmpint(status, !=, 0);
    g_assert_nonnull(strstr(out, "does not exist"));
}

/* x-counters-file without x-accounting=on is a configuration error. */
static void test_file_needs_accounting(void)
{
    g_autofree char *out = NULL;
    int status = vtd_qt_run_qemu("x-counters-file=/tmp/vtd-unused.json", &out);

    g_assert_cmpint(status, !=, 0);
    g_assert_nonnull(strstr(out, "needs x-accounting=on"));
}

/* A write failure at shutdown is reported and QEMU still exits cleanly. */
static void test_file_write_failure(void)
{
    g_autofree char *out = NULL;
    int status = vtd_qt_run_qemu("x-accounting=on,x-counters-file="
                                 "/proc/vtd-acct-test.json", &out);

    g_assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    g_assert_nonnull(strstr(out, "cannot write x-counters-file"));
}

/*
 * Same sequence with accounting off and on: identical register state and
 * status writes (accounting is pure bookkeeping); off reads all zero.
 */
static void run_sequence(VtdQt *v, uint8_t *csr, uint32_t *status)
{
    vtd_qt_edu_dma_read(v, IOVA_BASE, 8);
    vtd_qt_edu_dma_read(v, IOVA_BASE, 8);
    vtd_qt_edu_dma_read(v, IOVA_UNMAPPED, 1);
    vtd_qt_qi_push(v, DESC_IOTLB(VTD_INV_DESC_IOTLB_PAGE, EDU_DID), IOVA_BASE);
    vtd_qt_qi_push(v, DESC_CC(VTD_INV_DESC_CC_GLOBAL, 0), 0);
    vtd_qt_qi_push(v, DESC_WAIT | VTD_INV_DESC_WAIT_SW | DESC_WAIT_DATA(0x77),
                   WAIT_STATUS);
    vtd_qt_qi_push(v, DESC_WAIT | VTD_INV_DESC_WAIT_IF, 0);
    vtd_qt_qi_push(v, DESC_IOTLB(VTD_INV_DESC_IOTLB_GLOBAL, 0) | (1ULL << 12),
                   0);
    vtd_qt_qi_kick(v);
    qtest_memread(v->qts, IOMMU_BASE, csr, DMAR_REG_SIZE);
    *status = qtest_readl(v->qts, WAIT_STATUS);
}

static void test_off_same_behaviour(void)
{
    uint8_t csr_off[DMAR_REG_SIZE], csr_on[DMAR_REG_SIZE];
    uint32_t st_off, st_on;
    VtdQt *v;
    QDict *d;

    v = vtd_start("", 0);
    run_sequence(v, csr_off, &st_off);
    d = vtd_counters(v->qts);
    g_assert_false(qdict_get_bool(d, "enabled"));
    g_assert_cmpint(qdict_get_int(d, "version"), ==, 1);
    g_assert_cmpint(vtd_qt_sum(QOBJECT(d)), ==, 0);
    qobject_unref(d);
    vtd_qt_stop(v);

    v = vtd_start("x-accounting=on", 0);
    run_sequence(v, csr_on, &st_on);
    vtd_assert_counter(v, "qi.invalid.iotlb", 1);
    vtd_assert_counter(v, "translation.faults", 1);
    vtd_qt_stop(v);

    g_assert_cmphex(st_off, ==, 0x77);
    g_assert_cmphex(st_on, ==, st_off);
    g_assert_true(csr_off[DMAR_FSTS_REG] & VTD_FSTS_IQE);
    g_assert(!memcmp(csr_off, csr_on, DMAR_REG_SIZE));
}

/* With accounting off, reset is accepted and counters remain zero. */
static void test_off_reset_zero(void)
{
    VtdQt *v = vtd_start("x-accounting=off", VTD_QT_NO_EDU);

    vtd_qt_qi_submit_ok(v, DESC_CC(VTD_INV_DESC_CC_GLOBAL, 0), 0);
    vtd_qt_qom_set_true(v->qts, "x-counters-reset");
    g_assert_cmpint(vtd_counter_sum(v), ==, 0);
    vtd_qt_stop(v);
}

/* HMP "qom-get" prints the same object (readable from the monitor). */
static void test_hmp_qom_get(void)
{
    VtdQt *v = vtd_start("x-accounting=on", VTD_QT_NO_EDU);
    g_autofree char *out = NULL;

    vtd_qt_qi_submit_ok(v, DESC_CC(VTD_INV_DESC_CC_GLOBAL, 0), 0);
    out = qtest_hmp(v->qts, "qom-get " IOMMU_PATH " x-counters");
    g_assert_nonnull(strstr(out, "\"version\": 1"));
    g_assert_nonnull(strstr(out, "\"global\": 1"));
    vtd_qt_stop(v);
}

/*
 * Benchmark (only with -m perf; not a timed test): the invalidation queue
 * path with accounting off and on, and upstream trace-based counting for
 * reference.  Each QEMU gets a 2048-entry queue (QS=3) filled once with
 * 15 page-selective IOTLB descriptors + 1 wait (SW), the batch shape of
 * Linux's qi_batch; a round is one IQT write that makes the model process
 * 2047 descriptors, so the qtest socket round trip is spread over many.
 * The off and on QEMUs run side by side; BENCH_PAIRS blocks of
 * BENCH_ROUNDS rounds alternate between them (off first in even pairs,
 * on first in odd ones, so drift cancels).  Each pair gives one
 * difference in ns per descriptor; the median of the pairs is reported
 * with its distribution-free 95 % interval (order statistics of the
 * binomial), and the share of a strict 1-page unmap derived from it.
 * The counts each method obtained are checked against each other.
 */
#define BENCH_QS            3
#define BENCH_QSIZE         (256u << BENCH_QS)
#define BENCH_BATCH         (BENCH_QSIZE - 1)
#define BENCH_ROUNDS        200
#define BENCH_PAIRS         31
#define BENCH_TRACE_ROUNDS  20
/* A strict 1-page unmap: IOTLB PSI + wait, ~1.7 us under icount here */
#define BENCH_UNMAP_DESCS   2
#define BENCH_UNMAP_NS      1700.0

static int bench_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

/* A QEMU with a BENCH_QSIZE queue, filled with the batch shape */
static VtdQt *bench_start(const char *opts, const char *extra)
{
    VtdQt *v;
    unsigned i;

    vtd_extra_args = extra;
    v = vtd_start(opts, VTD_QT_NO_EDU | VTD_QT_NO_QI);
    vtd_extra_args = "";
    qtest_memset(v->qts, INV_QUEUE, 0, BENCH_QSIZE * 16);
    vtd_qt_writeq(v, DMAR_IQA_REG, INV_QUEUE | BENCH_QS);
    vtd_qt_gcmd_set(v, VTD_GCMD_QIE);
    v->qsize = BENCH_QSIZE;
    v->tail = 0;
    for (i = 0; i < v->qsize; i++) {
        if (i % 16 == 15) {
            vtd_qt_qi_push(v, DESC_WAIT | VTD_INV_DESC_WAIT_SW |
                           DESC_WAIT_DATA(i), WAIT_STATUS);
        } else {
            vtd_qt_qi_push(v, DESC_IOTLB(VTD_INV_DESC_IOTLB_PAGE, 1),
                           0x10000000ULL + i * 0x1000ULL);
        }
    }
    g_assert_cmpuint(v->tail, ==, 0);
    return v;
}

/* @rounds IQT writes of BENCH_BATCH descriptors; returns ns/descriptor */
static double bench_block(VtdQt *v, unsigned rounds)
{
    int64_t t0, t1;
    unsigned i;

    t0 = g_get_monotonic_time();
    for (i = 0; i < rounds; i++) {
        v->tail = (v->tail + BENCH_BATCH) % v->qsize;
        vtd_qt_qi_kick(v);
    }
    t1 = g_get_monotonic_time();
    g_assert_false(vtd_qt_iqe(v));
    g_assert_cmpuint(vtd_qt_iqh(v), ==, v->tail);
    return (double)(t1 - t0) * 1000 / ((double)rounds * BENCH_BATCH);
}

/*
 * Ranks (1-based) of the distribution-free 95 % interval of the median of
 * @n sorted samples: [x(k), x(n+1-k)], k the largest with
 * P(Binomial(n, 1/2) < k) <= 0.025.
 */
static unsigned bench_ci_rank(unsigned n)
{
    double p = 1, cdf = 0;
    unsigned k;

    for (k = 0; k < n; k++) {
        p /= 2;                 /* p = P(Binomial(n, 1/2) = 0) */
    }
    for (k = 0; k < n; k++) {
        if (cdf + p > 0.025) {
            break;
        }
        cdf += p;
        p = p * (n - k) / (k + 1);
    }
    return MAX(k, 1);
}

static void test_bench_qi(void)
{
    g_autofree char *dir = g_dir_make_tmp("vtd-acct-bench-XXXXXX", NULL);
    g_autofree char *trace = g_build_filename(dir, "trace.log", NULL);
    g_autofree char *trace_args = g_strdup_printf("-trace 'vtd_inv_desc*' "
                                                  "-D %s", trace);
    g_autofree char *log = NULL;
    double off[BENCH_PAIRS], on[BENCH_PAIRS], diff[BENCH_PAIRS];
    double med, lo, hi, off_med, trace_ns, trace_off_ns;
    uint64_t expect = (uint64_t)BENCH_PAIRS * BENCH_ROUNDS * BENCH_BATCH;
    uint64_t trace_expect = (uint64_t)BENCH_TRACE_ROUNDS * BENCH_BATCH;
    uint64_t counted, traced = 0;
    unsigned i, k = bench_ci_rank(BENCH_PAIRS);
    VtdQt *v_off = bench_start("", "");
    VtdQt *v_on = bench_start("x-accounting=on", "");
    VtdQt *v_trace;
    const char *p;

    /* warm both up (page cache, branch predictors, allocator) */
    bench_block(v_off, BENCH_ROUNDS / 4);
    bench_block(v_on, BENCH_ROUNDS / 4);
    vtd_qt_qom_set_true(v_on->qts, "x-counters-reset");
    for (i = 0; i < BENCH_PAIRS; i++) {
        if (i % 2 == 0) {
            off[i] = bench_block(v_off, BENCH_ROUNDS);
            on[i] = bench_block(v_on, BENCH_ROUNDS);
        } else {
            on[i] = bench_block(v_on, BENCH_ROUNDS);
            off[i] = bench_block(v_off, BENCH_ROUNDS);
        }
        diff[i] = on[i] - off[i];
    }
    counted = vtd_counter(v_on, "qi.descriptors");
    vtd_qt_stop(v_on);

    /* upstream tracing, for reference: one block against an off block */
    v_trace = bench_start("", trace_args);
    trace_off_ns = bench_block(v_off, BENCH_TRACE_ROUNDS);
    trace_ns = bench_block(v_trace, BENCH_TRACE_ROUNDS);
    vtd_qt_stop(v_trace);
    vtd_qt_stop(v_off);
    g_assert_true(g_file_get_contents(trace, &log, NULL, NULL));
    for (p = log; (p = strstr(p, "vtd_inv_desc ")); p++) {
        traced++;
    }
    unlink(trace);
    rmdir(dir);

    /* both counting methods must see every descriptor */
    g_assert_cmpuint(counted, ==, expect);
    g_assert_cmpuint(traced, ==, trace_expect);

    qsort(off, BENCH_PAIRS, sizeof(double), bench_cmp);
    qsort(diff, BENCH_PAIRS, sizeof(double), bench_cmp);
    off_med = off[BENCH_PAIRS / 2];
    med = diff[BENCH_PAIRS / 2];
    lo = diff[k - 1];
    hi = diff[BENCH_PAIRS - k];
    g_test_message("bench off: median %.1f ns/desc (min %.1f max %.1f), "
                   "%u pairs of %u rounds x %u desc", off_med, off[0],
                   off[BENCH_PAIRS - 1], BENCH_PAIRS, BENCH_ROUNDS,
                   BENCH_BATCH);
    g_test_message("bench accounting: %+.1f ns/desc, median of pairs, "
                   "95%% interval [%+.1f, %+.1f] (ranks %u and %u of %u)",
                   med, lo, hi, k, BENCH_PAIRS + 1 - k, BENCH_PAIRS);
    g_test_message("bench strict 1-page unmap (%u desc, %.0f ns): "
                   "accounting %.2f%% [%.2f%%, %.2f%%]", BENCH_UNMAP_DESCS,
                   BENCH_UNMAP_NS,
                   100 * BENCH_UNMAP_DESCS * med / BENCH_UNMAP_NS,
                   100 * BENCH_UNMAP_DESCS * lo / BENCH_UNMAP_NS,
                   100 * BENCH_UNMAP_DESCS * hi / BENCH_UNMAP_NS);
    g_test_message("bench tracing: %+.1f ns/desc (one block of %u rounds); "
                   "counts %" PRIu64 " (counters) = %" PRIu64 " expected, %"
                   PRIu64 " (trace lines) = %" PRIu64 " expected",
                   trace_ns - trace_off_ns, BENCH_TRACE_ROUNDS, counted,
                   expect, traced, trace_expect);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    /* Full paths, as the other vtd qtests register theirs */
#define ADD(name, fn) g_test_add_func("/x86_64/vtd/accounting/" name, fn)
    ADD("layout", test_layout);
    ADD("qi/cc-global", test_cc_global);
    ADD("qi/cc-domain", test_cc_domain);
    ADD("qi/cc-device", test_cc_device);
    ADD("qi/iotlb-global-domain", test_iotlb_global_domain);
    ADD("qi/iotlb-page-am", test_iotlb_page_am);
    ADD("qi/devtlb-iec", test_devtlb_iec);
    ADD("qi/wait-flags", test_wait_flags);
    ADD("qi/wait-no-sw-if", test_wait_no_sw_if);
    ADD("qi/wait-no-flags-iqe", test_wait_no_flags_iqe);
    ADD("qi/pasid", test_pasid_descs);
    ADD("qi/page-group-response", test_page_group_response);
    ADD("qi/batches", test_batches);
    ADD("qi/wraparound", test_wraparound);
    ADD("qi/invalid-reserved", test_invalid_reserved);
    ADD("qi/invalid-type", test_invalid_type);
    ADD("qi/invalid-am", test_invalid_am);
    ADD("qi/invalid-tail", test_invalid_tail);
    ADD("register/ccmd", test_register_ccmd);
    ADD("register/iotlb", test_register_iotlb);
    ADD("dma/hit-miss", test_dma_hit_miss);
    ADD("dma/removed", test_dma_removed);
    ADD("dma/global-removed", test_dma_global_removed);
    ADD("dma/full-drop", test_dma_full_drop);
    ADD("dma/fault", test_dma_fault);
    ADD("reset", test_reset);
    ADD("system-reset-keeps", test_system_reset_keeps);
    ADD("file/shutdown", test_shutdown_file);
    ADD("file/bad-dir", test_file_bad_dir);
    ADD("file/needs-accounting", test_file_needs_accounting);
    ADD("file/write-failure", test_file_write_failure);
    ADD("off/same-behaviour", test_off_same_behaviour);
    ADD("off/reset-zero", test_off_reset_zero);
    ADD("hmp-qom-get", test_hmp_qom_get);
    if (g_test_perf()) {
        /* -m perf only: interleaved off / on / trace timing of the queue */
        ADD("bench/qi", test_bench_qi);
    }
#undef ADD

    return g_test_run();
}
