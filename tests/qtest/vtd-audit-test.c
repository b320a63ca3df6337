/*
 * QTest cases for the intel-iommu stale-translation audit (x-audit)
 *
 * Each case builds root/context/second-level tables in guest memory,
 * enables translation, lets an edu device DMA through a mapping so that
 * the IOTLB caches it, then edits the page tables behind the IOMMU's back
 * (no invalidation) and DMAs again.  The "audit" object of x-counters
 * must count exactly the translations that went through a stale entry.
 * See docs/stale-audit.md.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "libqtest.h"
#include "libqos/pci-pc.h"
#include "qobject/qdict.h"
#include "qobject/qlist.h"
#include "qobject/qnum.h"
#include "hw/i386/intel_iommu_internal.h"

#define IOMMU_BASE          Q35_HOST_BRIDGE_IOMMU_ADDR
#define IOMMU_PATH          "/machine/peripheral/iommu"

/* Guest physical layout */
#define ROOT_TABLE          0x1000000ULL
#define CONTEXT_TABLE       0x1001000ULL
#define SL_L3               0x1002000ULL
#define SL_L2               0x1003000ULL
#define SL_L1               0x1004000ULL
#define INV_QUEUE           0x1010000ULL    /* 4 KiB: QS=0 */
#define DATA_BASE           0x1100000ULL    /* page i backs IOVA page i */
#define OTHER_PAGE          0x1200000ULL    /* remap target, not mapped */

#define IOVA_BASE           0x100000ULL
#define MAPPED_PAGES        8
#define PATTERN_PAGE        5               /* source of edu write data */

#define EDU_DEVFN           QPCI_DEVFN(4, 0)
#define EDU_DID             5
#define EDU_BUF             0x40000ULL
#define EDU_DMA_SRC         0x80
#define EDU_DMA_DST         0x88
#define EDU_DMA_CNT         0x90
#define EDU_DMA_CMD         0x98
#define EDU_DMA_RUN         1
#define EDU_DMA_TO_RAM      2

/* edu starts a transfer 100 ms (virtual) after the command */
#define EDU_STEP_NS         (101 * 1000 * 1000LL)

typedef struct Vtd {
    QTestState *qts;
    QPCIBus *bus;
    QPCIDevice *edu;
    QPCIBar bar;
    unsigned tail;              /* next free queue slot */
} Vtd;

static uint32_t vtd_readl(Vtd *v, uint64_t off)
{
    return qtest_readl(v->qts, IOMMU_BASE + off);
}

static void vtd_writel(Vtd *v, uint64_t off, uint32_t val)
{
    qtest_writel(v->qts, IOMMU_BASE + off, val);
}

static void vtd_writeq(Vtd *v, uint64_t off, uint64_t val)
{
    qtest_writeq(v->qts, IOMMU_BASE + off, val);
}

/* Set one GCMD bit, keeping the persistent ones and no one-shot bit */
static void vtd_gcmd_set(Vtd *v, uint32_t bit)
{
    uint32_t keep = vtd_readl(v, DMAR_GSTS_REG) &
                    (VTD_GSTS_TES | VTD_GSTS_QIES | VTD_GSTS_IRES);

    vtd_writel(v, DMAR_GCMD_REG, keep | bit);
}

/* Address of the last-level PTE that maps @iova */
static uint64_t vtd_pte_addr(uint64_t iova)
{
    return SL_L1 + ((iova >> 12) & 0x1ff) * 8;
}

/* root -> context (bus 0) -> 3-level tables: IOVA page i -> DATA page i */
static void vtd_build_tables(Vtd *v)
{
    QTestState *qts = v->qts;
    unsigned i;

    qtest_memset(qts, ROOT_TABLE, 0, 0x5000);
    qtest_writeq(qts, ROOT_TABLE, CONTEXT_TABLE | VTD_ROOT_ENTRY_P);
    /* context entry: present, TT=0 (untranslated), AW=1 (39 bit), DID */
    qtest_writeq(qts, CONTEXT_TABLE + EDU_DEVFN * 16,
                 SL_L3 | VTD_CONTEXT_ENTRY_P);
    qtest_writeq(qts, CONTEXT_TABLE + EDU_DEVFN * 16 + 8,
                 1 | ((uint64_t)EDU_DID << 8));
    qtest_writeq(qts, SL_L3, SL_L2 | VTD_SL_R | VTD_SL_W);
    qtest_writeq(qts, SL_L2, SL_L1 | VTD_SL_R | VTD_SL_W);
    for (i = 0; i < MAPPED_PAGES; i++) {
        qtest_writeq(qts, vtd_pte_addr(IOVA_BASE + i * 0x1000ULL),
                     (DATA_BASE + i * 0x1000ULL) | VTD_SL_R | VTD_SL_W);
    }
}

/* q35 + intel-iommu (extra options @opts) + edu, translation enabled */
static Vtd *vtd_start(const char *opts)
{
    Vtd *v = g_new0(Vtd, 1);

    v->qts = qtest_initf("-M q35 -device intel-iommu,id=iommu%s%s "
                         "-device edu,addr=04.0", *opts ? "," : "", opts);
    v->bus = qpci_new_pc(v->qts, NULL);
    v->edu = qpci_device_find(v->bus, EDU_DEVFN);
    g_assert(v->edu);
    qpci_device_enable(v->edu);
    v->bar = qpci_iomap(v->edu, 0, NULL);

    vtd_build_tables(v);
    qtest_memset(v->qts, DATA_BASE + PATTERN_PAGE * 0x1000ULL, 0xab, 0x1000);
    vtd_writeq(v, DMAR_RTADDR_REG, ROOT_TABLE);
    vtd_gcmd_set(v, VTD_GCMD_SRTP);
    qtest_memset(v->qts, INV_QUEUE, 0, 0x1000);
    vtd_writeq(v, DMAR_IQA_REG, INV_QUEUE);
    vtd_gcmd_set(v, VTD_GCMD_QIE);
    g_assert(vtd_readl(v, DMAR_GSTS_REG) & VTD_GSTS_QIES);
    vtd_gcmd_set(v, VTD_GCMD_TE);
    g_assert(vtd_readl(v, DMAR_GSTS_REG) & VTD_GSTS_TES);
    return v;
}

static void vtd_stop(Vtd *v)
{
    g_free(v->edu);
    qpci_free_pc(v->bus);
    qtest_quit(v->qts);
    g_free(v);
}

/* Page-selective IOTLB invalidation of @iova in the edu domain, by QI */
static void vtd_invalidate_page(Vtd *v, uint64_t iova)
{
    uint64_t slot = INV_QUEUE + v->tail * 16;

    qtest_writeq(v->qts, slot, VTD_INV_DESC_IOTLB |
                 VTD_INV_DESC_IOTLB_PAGE | ((uint64_t)EDU_DID << 16));
    qtest_writeq(v->qts, slot + 8, iova);
    v->tail = (v->tail + 1) % 256;
    vtd_writeq(v, DMAR_IQT_REG, (uint64_t)v->tail << 4);
    g_assert_false(vtd_readl(v, DMAR_FSTS_REG) & VTD_FSTS_IQE);
}

/* One edu transfer of @len bytes; wait for it by stepping virtual time */
static void edu_dma(Vtd *v, uint64_t src, uint64_t dst, uint32_t len,
                    uint64_t dir)
{
    int i;

    qpci_io_writeq(v->edu, v->bar, EDU_DMA_SRC, src);
    qpci_io_writeq(v->edu, v->bar, EDU_DMA_DST, dst);
    qpci_io_writeq(v->edu, v->bar, EDU_DMA_CNT, len);
    qpci_io_writeq(v->edu, v->bar, EDU_DMA_CMD, EDU_DMA_RUN | dir);
    for (i = 0; i < 10; i++) {
        qtest_clock_step(v->qts, EDU_STEP_NS);
        if (!(qpci_io_readq(v->edu, v->bar, EDU_DMA_CMD) & EDU_DMA_RUN)) {
            return;
        }
    }
    g_assert_not_reached();
}

/* Device reads @len bytes at @iova (into its buffer) */
static void edu_dma_read(Vtd *v, uint64_t iova, uint32_t len)
{
    edu_dma(v, iova, EDU_BUF, len, 0);
}

/* Device writes @len bytes of its buffer to @iova */
static void edu_dma_write(Vtd *v, uint64_t iova, uint32_t len)
{
    edu_dma(v, EDU_BUF, iova, len, EDU_DMA_TO_RAM);
}

/* Counter helpers */

static QDict *vtd_audit(QTestState *qts)
{
    QDict *rsp = qtest_qmp(qts, "{ 'execute': 'qom-get', 'arguments': "
                           "{ 'path': %s, 'property': 'x-counters' } }",
                           IOMMU_PATH);
    QDict *ret;

    g_assert(qdict_haskey(rsp, "return"));
    ret = qdict_get_qdict(qdict_get_qdict(rsp, "return"), "audit");
    g_assert_nonnull(ret);
    qobject_ref(ret);
    qobject_unref(rsp);
    return ret;
}

static QObject *vtd_list_nth(QList *l, int n)
{
    QListEntry *e;

    QLIST_FOREACH_ENTRY(l, e) {
        if (n-- == 0) {
            return qlist_entry_obj(e);
        }
    }
    return NULL;
}

/* Look up "a.b.c" in @d; a numeric part indexes a list */
static QObject *vtd_lookup(QDict *d, const char *path)
{
    g_auto(GStrv) parts = g_strsplit(path, ".", -1);
    QObject *o = QOBJECT(d);
    int i;

    for (i = 0; parts[i]; i++) {
        if (qobject_type(o) == QTYPE_QLIST) {
            o = vtd_list_nth(qobject_to(QList, o), atoi(parts[i]));
        } else {
            g_assert_nonnull(qobject_to(QDict, o));
            o = qdict_get(qobject_to(QDict, o), parts[i]);
        }
        if (!o) {
            g_error("audit counter '%s' missing at '%s'", path, parts[i]);
        }
    }
    return o;
}

static int64_t vtd_get(QDict *d, const char *path)
{
    QNum *n = qobject_to(QNum, vtd_lookup(d, path));

    g_assert_nonnull(n);
    return qnum_get_int(n);
}

static void vtd_assert(QDict *d, const char *path, int64_t expect)
{
    int64_t got = vtd_get(d, path);

    if (got != expect) {
        g_error("audit.%s: expected %" PRId64 ", got %" PRId64,
                path, expect, got);
    }
}

/* Sum of every integer in @o (recursively), ignoring version */
static int64_t vtd_sum(QObject *o)
{
    int64_t sum = 0;

    switch (qobject_type(o)) {
    case QTYPE_QNUM:
        return qnum_get_int(qobject_to(QNum, o));
    case QTYPE_QLIST: {
        QListEntry *e;

        QLIST_FOREACH_ENTRY(qobject_to(QList, o), e) {
            sum += vtd_sum(qlist_entry_obj(e));
        }
        return sum;
    }
    case QTYPE_QDICT: {
        QDict *d = qobject_to(QDict, o);
        const QDictEntry *e;

        for (e = qdict_first(d); e; e = qdict_next(d, e)) {
            if (strcmp(e->key, "version")) {
                sum += vtd_sum(e->value);
            }
        }
        return sum;
    }
    default:
        return 0;
    }
}

/* ---- tests ---- */

/* Hits through unchanged tables are checked and fresh, never stale. */
static void test_fresh(void)
{
    Vtd *v = vtd_start("x-audit=on");
    QDict *d;

    g_assert_true(qdict_get_bool(d = vtd_audit(v->qts), "enabled"));
    g_assert_cmpint(vtd_sum(QOBJECT(d)), ==, 0);
    qobject_unref(d);
    edu_dma_read(v, IOVA_BASE, 8);
    edu_dma_read(v, IOVA_BASE + 0x10, 8);
    edu_dma_read(v, IOVA_BASE + 0x20, 8);
    d = vtd_audit(v->qts);
    vtd_assert(d, "checked", 2);
    vtd_assert(d, "fresh", 2);
    vtd_assert(d, "unchecked", 0);
    vtd_assert(d, "stale.translations", 0);
    g_assert_cmpint(qlist_size(qdict_get_qlist(d, "samples")), ==, 0);
    qobject_unref(d);
    vtd_stop(v);
}

/* A cleared PTE, not invalidated: the next DMA is one stale "gone" hit. */
static void test_stale_gone(void)
{
    Vtd *v = vtd_start("x-audit=on");
    int64_t age;
    QDict *d;

    edu_dma_read(v, IOVA_BASE, 8);
    qtest_writeq(v->qts, vtd_pte_addr(IOVA_BASE), 0);
    edu_dma_read(v, IOVA_BASE + 0x100, 64);
    /* served from the IOTLB: no fault */
    g_assert_false(vtd_readl(v, DMAR_FSTS_REG) & VTD_FSTS_PPF);

    d = vtd_audit(v->qts);
    vtd_assert(d, "checked", 1);
    vtd_assert(d, "fresh", 0);
    vtd_assert(d, "stale.translations", 1);
    vtd_assert(d, "stale.gone", 1);
    vtd_assert(d, "stale.changed", 0);
    vtd_assert(d, "stale.reads", 1);
    vtd_assert(d, "stale.writes", 0);
    vtd_assert(d, "stale.bytes", 64);
    vtd_assert(d, "stale.no_length", 0);
    vtd_assert(d, "domains.5.translations", 1);
    vtd_assert(d, "domains.5.bytes", 64);
    vtd_assert(d, "domains.5.gone", 1);
    vtd_assert(d, "samples.0.domain", EDU_DID);
    vtd_assert(d, "samples.0.iova", IOVA_BASE + 0x100);
    vtd_assert(d, "samples.0.bytes", 64);
    vtd_assert(d, "samples.0.stale_target", DATA_BASE + 0x100);
    g_assert_cmpstr(qdict_get_str(qobject_to(QDict,
                    vtd_lookup(d, "samples.0")), "kind"), ==, "gone");
    /* inserted by the first transfer, hit by the second: 101 ms apart */
    age = vtd_get(d, "samples.0.age_ns");
    g_assert_cmpint(age, ==, EDU_STEP_NS);
    vtd_assert(d, "stale.age_min_ns", age);
    vtd_assert(d, "stale.age_max_ns", age);
    vtd_assert(d, "stale.age_sum_ns", age);
    vtd_assert(d, "domains.5.age_max_ns", age);
    vtd_assert(d, "stale.age_hist_us.65536-131072", 1);
    g_assert_cmpint(vtd_sum(qdict_get(qdict_get_qdict(d, "stale"),
                                      "age_hist_us")), ==, 1);
    qobject_unref(d);
    vtd_stop(v);
}

/*
 * A PTE pointed at another page, not invalidated: the write is a stale
 * "changed" hit and lands in the old page, not the new one.
 */
static void test_stale_changed(void)
{
    Vtd *v = vtd_start("x-audit=on");
    uint8_t buf[16];
    QDict *d;

    /* cache IOVA page 0; then edu buffer <- 16 bytes of 0xab */
    edu_dma_read(v, IOVA_BASE, 8);
    edu_dma_read(v, IOVA_BASE + PATTERN_PAGE * 0x1000ULL, sizeof(buf));
    qtest_writeq(v->qts, vtd_pte_addr(IOVA_BASE),
                 OTHER_PAGE | VTD_SL_R | VTD_SL_W);
    edu_dma_write(v, IOVA_BASE + 0x40, sizeof(buf));

    d = vtd_audit(v->qts);
    vtd_assert(d, "stale.translations", 1);
    vtd_assert(d, "stale.changed", 1);
    vtd_assert(d, "stale.gone", 0);
    vtd_assert(d, "stale.writes", 1);
    vtd_assert(d, "stale.bytes", sizeof(buf));
    vtd_assert(d, "domains.5.changed", 1);
    vtd_assert(d, "samples.0.stale_target", DATA_BASE + 0x40);
    vtd_assert(d, "samples.0.current_target", OTHER_PAGE + 0x40);
    g_assert_true(qdict_get_bool(qobject_to(QDict,
                  vtd_lookup(d, "samples.0")), "write"));
    qobject_unref(d);

    qtest_memread(v->qts, DATA_BASE + 0x40, buf, sizeof(buf));
    g_assert_cmphex(buf[0], ==, 0xab);
    g_assert_cmphex(buf[sizeof(buf) - 1], ==, 0xab);
    qtest_memread(v->qts, OTHER_PAGE + 0x40, buf, sizeof(buf));
    g_assert_cmphex(buf[0], ==, 0);
    vtd_stop(v);
}

/* After the invalidation the same DMA faults and nothing is stale. */
static void test_invalidated(void)
{
    Vtd *v = vtd_start("x-accounting=on,x-audit=on");
    QDict *d;

    edu_dma_read(v, IOVA_BASE, 8);
    qtest_writeq(v->qts, vtd_pte_addr(IOVA_BASE), 0);
    vtd_invalidate_page(v, IOVA_BASE);
    /* 1 byte: a failing wider access is translated more than once */
    edu_dma_read(v, IOVA_BASE, 1);
    g_assert_true(vtd_readl(v, DMAR_FSTS_REG) & VTD_FSTS_PPF);

    d = vtd_audit(v->qts);
    vtd_assert(d, "checked", 0);
    vtd_assert(d, "stale.translations", 0);
    g_assert_cmpint(vtd_sum(QOBJECT(d)), ==, 0);
    qobject_unref(d);
    vtd_stop(v);
}

/* Samples keep the first 8 stale hits; later ones are only counted. */
static void test_samples_bounded(void)
{
    Vtd *v = vtd_start("x-audit=on");
    unsigned i;
    QDict *d;

    edu_dma_read(v, IOVA_BASE, 8);
    qtest_writeq(v->qts, vtd_pte_addr(IOVA_BASE), 0);
    for (i = 0; i < 10; i++) {
        edu_dma_read(v, IOVA_BASE + i * 8, 8);
    }
    d = vtd_audit(v->qts);
    vtd_assert(d, "stale.translations", 10);
    vtd_assert(d, "stale.bytes", 80);
    g_assert_cmpint(qlist_size(qdict_get_qlist(d, "samples")), ==, 8);
    vtd_assert(d, "samples_dropped", 2);
    vtd_assert(d, "samples.7.iova", IOVA_BASE + 7 * 8);
    vtd_assert(d, "stale.age_min_ns", EDU_STEP_NS);
    vtd_assert(d, "stale.age_max_ns", 10 * EDU_STEP_NS);
    qobject_unref(d);
    vtd_stop(v);
}

/* x-counters-reset also zeroes the audit. */
static void test_reset(void)
{
    Vtd *v = vtd_start("x-accounting=on,x-audit=on");
    QDict *rsp, *d;

    edu_dma_read(v, IOVA_BASE, 8);
    qtest_writeq(v->qts, vtd_pte_addr(IOVA_BASE), 0);
    edu_dma_read(v, IOVA_BASE, 8);
    d = vtd_audit(v->qts);
    vtd_assert(d, "stale.translations", 1);
    qobject_unref(d);
    rsp = qtest_qmp(v->qts, "{ 'execute': 'qom-set', 'arguments': "
                    "{ 'path': %s, 'property': 'x-counters-reset', "
                    "'value': true } }", IOMMU_PATH);
    g_assert(qdict_haskey(rsp, "return"));
    qobject_unref(rsp);
    d = vtd_audit(v->qts);
    g_assert_true(qdict_get_bool(d, "enabled"));
    g_assert_cmpint(vtd_sum(QOBJECT(d)), ==, 0);
    g_assert_cmpint(qdict_size(qdict_get_qdict(d, "domains")), ==, 0);
    qobject_unref(d);
    edu_dma_read(v, IOVA_BASE, 8);
    d = vtd_audit(v->qts);
    vtd_assert(d, "stale.translations", 1);
    qobject_unref(d);
    vtd_stop(v);
}

/*
 * The whole stale sequence, and what it leaves behind: registers, the
 * page written through the stale entry, the edu buffer.
 */
static void run_sequence(Vtd *v, uint8_t *csr, uint8_t *page, uint8_t *buf)
{
    edu_dma_read(v, IOVA_BASE, 8);
    edu_dma_read(v, IOVA_BASE + 0x1000, 8);
    edu_dma_read(v, IOVA_BASE + PATTERN_PAGE * 0x1000ULL, 32);
    qtest_writeq(v->qts, vtd_pte_addr(IOVA_BASE), 0);
    edu_dma_write(v, IOVA_BASE + 0x80, 32);
    qtest_writeq(v->qts, vtd_pte_addr(IOVA_BASE + 0x1000),
                 OTHER_PAGE | VTD_SL_R | VTD_SL_W);
    edu_dma_read(v, IOVA_BASE + 0x1000, 8);
    vtd_invalidate_page(v, IOVA_BASE);
    edu_dma_read(v, IOVA_BASE, 1);
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
    Vtd *v;
    QDict *d;

    v = vtd_start("x-accounting=on");
    run_sequence(v, csr_off, page_off, buf_off);
    d = vtd_audit(v->qts);
    g_assert_false(qdict_get_bool(d, "enabled"));
    g_assert_cmpint(qdict_get_int(d, "version"), ==, 1);
    g_assert_cmpint(vtd_sum(QOBJECT(d)), ==, 0);
    qobject_unref(d);
    vtd_stop(v);

    v = vtd_start("x-accounting=on,x-audit=on");
    run_sequence(v, csr_on, page_on, buf_on);
    d = vtd_audit(v->qts);
    vtd_assert(d, "stale.translations", 2);
    vtd_assert(d, "stale.gone", 1);         /* the write to page 0 */
    vtd_assert(d, "stale.changed", 1);      /* the read of page 1 */
    qobject_unref(d);
    vtd_stop(v);

    /* the stale write landed in both runs */
    g_assert_cmphex(page_off[0x80], ==, 0xab);
    g_assert(!memcmp(csr_off, csr_on, DMAR_REG_SIZE));
    g_assert(!memcmp(page_off, page_on, 0x1000));
    g_assert(!memcmp(buf_off, buf_on, sizeof(buf_off)));
}

/* x-audit=on with first-level translation fails realize, naming why. */
static void test_flts_rejected(void)
{
    const char *qemu = g_getenv("QTEST_QEMU_BINARY");
    g_autofree char *cmd = NULL;
    g_autofree char *out = NULL;
    g_autoptr(GError) err = NULL;
    char *argv[4];
    int status;

    g_assert(qemu);
    cmd = g_strdup_printf("%s -M q35 -display none -S -monitor none "
                          "-device intel-iommu,x-scalable-mode=on,"
                          "x-flts=on,x-audit=on 2>&1", qemu);
    argv[0] = (char *)"/bin/sh";
    argv[1] = (char *)"-c";
    argv[2] = cmd;
    argv[3] = NULL;
    g_assert_true(g_spawn_sync(NULL, argv, NULL, 0, NULL, NULL, &out, NULL,
                               &status, &err));
    g_assert_cmpint(status, !=, 0);
    g_assert_nonnull(strstr(out, "x-audit checks second-level tables only"));
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
    ADD("flts-rejected", test_flts_rejected);
#undef ADD

    return g_test_run();
}
