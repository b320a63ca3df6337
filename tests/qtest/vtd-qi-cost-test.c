/*
 * QTest cases for the intel-iommu invalidation cost model (x-qi-cost-*)
 *
 * Each case enables queued invalidation, submits descriptors, then steps
 * QEMU_CLOCK_VIRTUAL in small increments (bounded loops, never a sleep)
 * and checks when the wait descriptor's status write, the completion
 * interrupt state (ICS.IWC, IECTL.IP) and IQH become visible.  See
 * docs/qi-cost.md.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "vtd-qtest-common.h"

#define STATUS_DONE         0x5a5a1234u

/* Step granularity and the most steps any case may take */
#define STEP_NS             100
#define MAX_STEPS           100000

/* Descriptor encoders (VT-d 6.5.2) */
#define DESC_CC_GLOBAL      (VTD_INV_DESC_CC | VTD_INV_DESC_CC_GLOBAL)
#define DESC_PSI            DESC_IOTLB(VTD_INV_DESC_IOTLB_PAGE, 1)
#define DESC_WAIT_SW(data)  (VTD_INV_DESC_WAIT | VTD_INV_DESC_WAIT_SW | \
                             ((uint64_t)(data) << 32))
#define PSI_ADDR            0x40000000ULL   /* aligned for every AM used */

/* QI off: the IQT write only sets the tail */
static void vtd_qi_enable(VtdQt *v)
{
    vtd_qt_writeq(v, DMAR_IQT_REG, 0);
    vtd_qt_qi_enable(v);
}

/* q35 + intel-iommu with @opts, queued invalidation on, status zeroed */
static VtdQt *vtd_start(const char *opts)
{
    VtdQt *v = vtd_qt_init(opts, "", false);

    vtd_qi_enable(v);
    qtest_writel(v->qts, WAIT_STATUS, 0);
    return v;
}

static uint32_t vtd_status(VtdQt *v)
{
    return qtest_readl(v->qts, WAIT_STATUS);
}

/*
 * Step the clock by STEP_NS until the wait status reads STATUS_DONE;
 * returns the virtual ns elapsed (0: already written at submission).
 */
static int64_t vtd_time_to_status(VtdQt *v)
{
    int64_t elapsed = 0;
    int i;

    for (i = 0; i < MAX_STEPS; i++) {
        if (vtd_status(v) == STATUS_DONE) {
            return elapsed;
        }
        qtest_clock_step(v->qts, STEP_NS);
        elapsed += STEP_NS;
    }
    g_error("wait status not written within %d ns", MAX_STEPS * STEP_NS);
}

static QDict *vtd_stats(VtdQt *v)
{
    return vtd_qt_qom_get(v->qts, "x-qi-cost-stats");
}

static int64_t vtd_stat(VtdQt *v, const char *key)
{
    QDict *d = vtd_stats(v);
    int64_t val = qdict_get_int(d, key);

    qobject_unref(d);
    return val;
}

/* Submit @n page-selective IOTLB (AM @am) + one wait (SW); time it */
static int64_t vtd_time_batch(VtdQt *v, unsigned n, unsigned am)
{
    unsigned i;

    qtest_writel(v->qts, WAIT_STATUS, 0);
    for (i = 0; i < n; i++) {
        vtd_qt_qi_push(v, DESC_PSI, PSI_ADDR | am);
    }
    vtd_qt_qi_push(v, DESC_WAIT_SW(STATUS_DONE), WAIT_STATUS);
    vtd_qt_qi_kick(v);
    return vtd_time_to_status(v);
}

/* ---- tests ---- */

/* Costs zero (default and preset none): status written synchronously. */
static void test_zero_is_upstream(void)
{
    static const char *const opts[] = { "", "x-qi-cost-preset=none",
                                        "x-qi-cost-scale=0,"
                                        "x-qi-cost-wait-ns=5000" };
    unsigned i;

    for (i = 0; i < ARRAY_SIZE(opts); i++) {
        VtdQt *v = vtd_start(opts[i]);
        QDict *d;

        vtd_qt_qi_push(v, DESC_PSI, PSI_ADDR);
        vtd_qt_qi_push(v, DESC_WAIT_SW(STATUS_DONE), WAIT_STATUS);
        vtd_qt_qi_kick(v);
        /* no clock step at all */
        g_assert_cmphex(vtd_status(v), ==, STATUS_DONE);
        g_assert_cmpuint(vtd_qt_iqh(v), ==, 2);
        d = vtd_stats(v);
        g_assert_false(qdict_get_bool(d, "enabled"));
        g_assert_cmpint(qdict_get_int(d, "descriptors"), ==, 0);
        qobject_unref(d);
        vtd_qt_stop(v);
    }
}

/* The status is not written before the cost has elapsed, and right after. */
static void test_wait_timing(void)
{
    VtdQt *v = vtd_start("x-qi-cost-iotlb-page-ns=5000,x-qi-cost-wait-ns=1000");
    int i;

    vtd_qt_qi_push(v, DESC_PSI, PSI_ADDR);
    vtd_qt_qi_push(v, DESC_WAIT_SW(STATUS_DONE), WAIT_STATUS);
    vtd_qt_qi_kick(v);
    /* IQH advances per descriptor as the engine finishes it */
    g_assert_cmpuint(vtd_qt_iqh(v), ==, 0);
    for (i = 0; i < 5000 / STEP_NS - 1; i++) {
        qtest_clock_step(v->qts, STEP_NS);
        g_assert_cmpuint(vtd_qt_iqh(v), ==, 0);
        g_assert_cmphex(vtd_status(v), ==, 0);
    }
    qtest_clock_step(v->qts, STEP_NS);          /* t = 5000 */
    g_assert_cmpuint(vtd_qt_iqh(v), ==, 1);
    g_assert_cmphex(vtd_status(v), ==, 0);
    qtest_clock_step(v->qts, 999);              /* t = 5999 */
    g_assert_cmphex(vtd_status(v), ==, 0);
    g_assert_cmpuint(vtd_qt_iqh(v), ==, 1);
    qtest_clock_step(v->qts, 1);                /* t = 6000 */
    g_assert_cmphex(vtd_status(v), ==, STATUS_DONE);
    g_assert_cmpuint(vtd_qt_iqh(v), ==, 2);
    g_assert_cmpint(vtd_stat(v, "waited_ns"), ==, 6000);
    g_assert_cmpint(vtd_stat(v, "busy_ns"), ==, 6000);
    g_assert_cmpint(vtd_stat(v, "pending"), ==, 0);
    vtd_qt_stop(v);
}

/* Costs add up over a batch and across back-to-back submissions. */
static void test_batch_adds_up(void)
{
    VtdQt *v = vtd_start("x-qi-cost-iotlb-page-ns=700,x-qi-cost-wait-ns=100,"
                         "x-qi-cost-cc-global-ns=1000");
    unsigned i;

    g_assert_cmpint(vtd_time_batch(v, 1, 0), ==, 800);
    g_assert_cmpint(vtd_time_batch(v, 16, 0), ==, 16 * 700 + 100);
    g_assert_cmpint(vtd_time_batch(v, 0, 0), ==, 100);

    /* two IQT writes at the same time: the second queues behind */
    qtest_writel(v->qts, WAIT_STATUS, 0);
    vtd_qt_qi_push(v, DESC_CC_GLOBAL, 0);
    vtd_qt_qi_push(v, VTD_INV_DESC_WAIT, 0);     /* ordering-only wait */
    vtd_qt_qi_kick(v);
    for (i = 0; i < 3; i++) {
        vtd_qt_qi_push(v, DESC_PSI, PSI_ADDR);
    }
    vtd_qt_qi_push(v, DESC_WAIT_SW(STATUS_DONE) | VTD_INV_DESC_WAIT_FN,
                   WAIT_STATUS);
    vtd_qt_qi_kick(v);
    g_assert_cmpint(vtd_time_to_status(v), ==, 1000 + 100 + 3 * 700 + 100);
    g_assert_cmpint(vtd_stat(v, "max_depth"), ==, 17);
    vtd_qt_stop(v);
}

/* Per-page costs scale with AM (2^AM pages per page-selective descriptor). */
static void test_per_page_am(void)
{
    VtdQt *v = vtd_start("x-qi-cost-iotlb-page-ns=500,x-qi-cost-page-ns=100");
    static const unsigned ams[] = { 0, 1, 3, 6 };
    unsigned i;

    for (i = 0; i < ARRAY_SIZE(ams); i++) {
        g_assert_cmpint(vtd_time_batch(v, 1, ams[i]), ==,
                        500 + 100 * (1 << ams[i]));
    }
    vtd_qt_stop(v);
}

/* x-qi-cost-scale multiplies every cost (percent). */
static void test_scale(void)
{
    VtdQt *v = vtd_start("x-qi-cost-iotlb-page-ns=1000,x-qi-cost-scale=250");

    g_assert_cmpint(vtd_time_batch(v, 2, 0), ==, 5000);
    vtd_qt_stop(v);
}

/* A preset sets every class; a per-class property overrides it. */
static void test_preset(void)
{
    VtdQt *v = vtd_start("x-qi-cost-preset=typical,x-qi-cost-wait-ns=0");
    QDict *d = vtd_stats(v);
    QDict *costs = qdict_get_qdict(d, "costs");

    g_assert_true(qdict_get_bool(d, "enabled"));
    g_assert_cmpint(qdict_get_int(costs, "iotlb-page"), ==, 700);
    g_assert_cmpint(qdict_get_int(costs, "iotlb-global"), ==, 1000);
    g_assert_cmpint(qdict_get_int(costs, "wait"), ==, 0);
    qobject_unref(d);
    g_assert_cmpint(vtd_time_batch(v, 1, 0), ==, 700);
    vtd_qt_stop(v);
}

/* IF: IWC/IECTL.IP set at completion, not before; unmasked: IP clears. */
static void test_interrupt(void)
{
    VtdQt *v = vtd_start("x-qi-cost-iotlb-page-ns=3000");
    int i;

    vtd_qt_writel(v, DMAR_IEDATA_REG, 0x41);
    vtd_qt_writel(v, DMAR_IEADDR_REG, 0xfee00000);
    /* reset: masked */
    g_assert(vtd_qt_readl(v, DMAR_IECTL_REG) & VTD_IECTL_IM);

    vtd_qt_qi_push(v, DESC_PSI, PSI_ADDR);
    vtd_qt_qi_push(v, VTD_INV_DESC_WAIT | VTD_INV_DESC_WAIT_IF, 0);
    vtd_qt_qi_kick(v);
    for (i = 0; i < 3000 / STEP_NS - 1; i++) {
        qtest_clock_step(v->qts, STEP_NS);
        g_assert_cmphex(vtd_qt_readl(v, DMAR_ICS_REG) & VTD_ICS_IWC, ==, 0);
        g_assert_cmphex(vtd_qt_readl(v, DMAR_IECTL_REG) & VTD_IECTL_IP, ==, 0);
    }
    qtest_clock_step(v->qts, STEP_NS);
    g_assert_cmphex(vtd_qt_readl(v, DMAR_ICS_REG) & VTD_ICS_IWC, ==,
                    VTD_ICS_IWC);
    /* masked: the interrupt stays pending in IP */
    g_assert(vtd_qt_readl(v, DMAR_IECTL_REG) & VTD_IECTL_IP);

    /* clear IWC (RW1C) and IM; next completion sends the MSI, IP clear */
    vtd_qt_writel(v, DMAR_ICS_REG, VTD_ICS_IWC);
    vtd_qt_writel(v, DMAR_IECTL_REG, 0);
    g_assert_cmphex(vtd_qt_readl(v, DMAR_ICS_REG), ==, 0);
    vtd_qt_qi_push(v, DESC_PSI, PSI_ADDR);
    vtd_qt_qi_push(v, VTD_INV_DESC_WAIT | VTD_INV_DESC_WAIT_IF, 0);
    vtd_qt_qi_kick(v);
    qtest_clock_step(v->qts, 2999);
    g_assert_cmphex(vtd_qt_readl(v, DMAR_ICS_REG), ==, 0);
    qtest_clock_step(v->qts, 1);
    g_assert_cmphex(vtd_qt_readl(v, DMAR_ICS_REG), ==, VTD_ICS_IWC);
    g_assert_cmphex(vtd_qt_readl(v, DMAR_IECTL_REG) & VTD_IECTL_IP, ==, 0);
    g_assert_cmpint(vtd_stat(v, "waits"), ==, 2);
    vtd_qt_stop(v);
}

/*
 * QI disabled while the engine is busy: pending work finishes at once
 * (status written), QI is off, IQH 0, and nothing fires later.
 */
static void test_qi_disable_pending(void)
{
    VtdQt *v = vtd_start("x-qi-cost-iotlb-page-ns=10000");

    vtd_qt_qi_push(v, DESC_PSI, PSI_ADDR);
    vtd_qt_qi_push(v, DESC_PSI, PSI_ADDR);
    vtd_qt_qi_push(v, DESC_WAIT_SW(STATUS_DONE), WAIT_STATUS);
    vtd_qt_qi_kick(v);
    qtest_clock_step(v->qts, 5000);
    g_assert_cmphex(vtd_status(v), ==, 0);
    g_assert_cmpint(vtd_stat(v, "pending"), ==, 3);

    vtd_qt_gcmd(v, VTD_GCMD_QIE, false);
    g_assert_false(vtd_qt_readl(v, DMAR_GSTS_REG) & VTD_GSTS_QIES);
    g_assert_cmphex(vtd_status(v), ==, STATUS_DONE);
    g_assert_cmpuint(vtd_qt_readq(v, DMAR_IQH_REG), ==, 0);
    g_assert_cmpint(vtd_stat(v, "pending"), ==, 0);
    g_assert_cmpint(vtd_stat(v, "drained"), ==, 3);

    /* nothing left to fire: a late status write would show here */
    qtest_writel(v->qts, WAIT_STATUS, 0);
    qtest_clock_step(v->qts, 100000);
    g_assert_cmphex(vtd_status(v), ==, 0);

    /* and the engine works again after re-enabling */
    vtd_qi_enable(v);
    g_assert_cmpint(vtd_time_batch(v, 1, 0), ==, 10000);
    vtd_qt_stop(v);
}

/*
 * System reset while busy: pending work is dropped (no status write into
 * memory after reset), registers are at reset values, engine usable.
 */
static void test_reset_pending(void)
{
    VtdQt *v = vtd_start("x-qi-cost-iotlb-page-ns=10000");

    vtd_qt_qi_push(v, DESC_PSI, PSI_ADDR);
    vtd_qt_qi_push(v, DESC_WAIT_SW(STATUS_DONE), WAIT_STATUS);
    vtd_qt_qi_kick(v);
    qtest_clock_step(v->qts, 5000);
    qobject_unref(qtest_qmp(v->qts, "{ 'execute': 'system_reset' }"));
    qtest_qmp_eventwait(v->qts, "RESET");
    g_assert_cmpint(vtd_stat(v, "pending"), ==, 0);
    g_assert_cmpint(vtd_stat(v, "discarded"), ==, 2);
    g_assert_false(vtd_qt_readl(v, DMAR_GSTS_REG) & VTD_GSTS_QIES);
    g_assert_cmpuint(vtd_qt_readq(v, DMAR_IQH_REG), ==, 0);
    qtest_clock_step(v->qts, 100000);
    g_assert_cmphex(vtd_status(v), ==, 0);

    vtd_qi_enable(v);
    g_assert_cmpint(vtd_time_batch(v, 1, 0), ==, 10000);
    vtd_qt_stop(v);
}

/*
 * A rejected descriptor behind pending work: the engine finishes what it
 * holds at once, IQE is set and IQH points at the rejected descriptor.
 */
static void test_iqe_drains(void)
{
    VtdQt *v = vtd_start("x-qi-cost-iotlb-page-ns=10000");

    vtd_qt_qi_push(v, DESC_PSI, PSI_ADDR);
    vtd_qt_qi_push(v, DESC_WAIT_SW(STATUS_DONE), WAIT_STATUS);
    vtd_qt_qi_push(v, 0xf, 0);                  /* unknown type */
    vtd_qt_qi_kick(v);
    g_assert(vtd_qt_readl(v, DMAR_FSTS_REG) & VTD_FSTS_IQE);
    g_assert_cmphex(vtd_status(v), ==, STATUS_DONE);
    g_assert_cmpuint(vtd_qt_iqh(v), ==, 2);
    g_assert_cmpint(vtd_stat(v, "pending"), ==, 0);
    vtd_qt_stop(v);
}

/* Guest time waited and busy time accumulate; stats reset works. */
static void test_stats(void)
{
    VtdQt *v = vtd_start("x-qi-cost-iotlb-page-ns=2000");

    g_assert_cmpint(vtd_time_batch(v, 3, 0), ==, 6000);
    g_assert_cmpint(vtd_time_batch(v, 1, 0), ==, 2000);
    g_assert_cmpint(vtd_stat(v, "busy_ns"), ==, 8000);
    g_assert_cmpint(vtd_stat(v, "waited_ns"), ==, 8000);
    g_assert_cmpint(vtd_stat(v, "max_wait_ns"), ==, 6000);
    g_assert_cmpint(vtd_stat(v, "descriptors"), ==, 6);
    g_assert_cmpint(vtd_stat(v, "max_depth"), ==, 4);
    vtd_qt_qom_set_true(v->qts, "x-qi-cost-stats-reset");
    g_assert_cmpint(vtd_stat(v, "busy_ns"), ==, 0);
    vtd_qt_stop(v);
}

/* Out-of-range values fail realize with a message naming the range. */
static void test_bad_config(void)
{
    static const struct {
        const char *opts, *msg;
    } cases[] = {
        { "x-qi-cost-wait-ns=1000000001", "(0 to 1000000000 ns" },
        { "x-qi-cost-page-ns=-2", "x-qi-cost-page-ns -2 is out of range" },
        { "x-qi-cost-scale=100001", "(0 to 100000 percent)" },
        { "x-qi-cost-preset=bogus", "valid presets: none, fast, typical" },
    };
    unsigned i;

    for (i = 0; i < ARRAY_SIZE(cases); i++) {
        g_autofree char *out = NULL;
        int status = vtd_qt_run_qemu(cases[i].opts, &out);

        g_assert_cmpint(status, !=, 0);
        if (!strstr(out, cases[i].msg)) {
            g_error("'%s': expected '%s' in: %s", cases[i].opts,
                    cases[i].msg, out);
        }
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    /* full paths: qtest_add_func() takes its prefix from QTEST_QEMU_BINARY */
#define ADD(name, fn) g_test_add_func("/x86_64/vtd/qi-cost/" name, fn)
    ADD("zero-is-upstream", test_zero_is_upstream);
    ADD("wait-timing", test_wait_timing);
    ADD("batch-adds-up", test_batch_adds_up);
    ADD("per-page-am", test_per_page_am);
    ADD("scale", test_scale);
    ADD("preset", test_preset);
    ADD("interrupt", test_interrupt);
    ADD("qi-disable-pending", test_qi_disable_pending);
    ADD("reset-pending", test_reset_pending);
    ADD("iqe-drains", test_iqe_drains);
    ADD("stats", test_stats);
    ADD("bad-config", test_bad_config);
#undef ADD

    return g_test_run();
}
