/*
 * Helpers shared by the vtd-* qtests (see vtd-qtest-common.h)
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qobject/qlist.h"
#include "qobject/qnum.h"
#include "qobject/qstring.h"
#include "vtd-qtest-common.h"

/* Register helpers */

uint32_t vtd_qt_readl(VtdQt *v, uint64_t off)
{
    return qtest_readl(v->qts, IOMMU_BASE + off);
}

uint64_t vtd_qt_readq(VtdQt *v, uint64_t off)
{
    return qtest_readq(v->qts, IOMMU_BASE + off);
}

void vtd_qt_writel(VtdQt *v, uint64_t off, uint32_t val)
{
    qtest_writel(v->qts, IOMMU_BASE + off, val);
}

void vtd_qt_writeq(VtdQt *v, uint64_t off, uint64_t val)
{
    qtest_writeq(v->qts, IOMMU_BASE + off, val);
}

/* Set or clear one persistent GCMD bit, keeping the others, no one-shot */
void vtd_qt_gcmd(VtdQt *v, uint32_t bit, bool on)
{
    uint32_t keep = vtd_qt_readl(v, DMAR_GSTS_REG) &
                    (VTD_GSTS_TES | VTD_GSTS_QIES | VTD_GSTS_IRES);

    vtd_qt_writel(v, DMAR_GCMD_REG, on ? keep | bit : keep & ~bit);
}

void vtd_qt_gcmd_set(VtdQt *v, uint32_t bit)
{
    vtd_qt_gcmd(v, bit, true);
}

bool vtd_qt_iqe(VtdQt *v)
{
    return vtd_qt_readl(v, DMAR_FSTS_REG) & VTD_FSTS_IQE;
}

unsigned vtd_qt_iqh(VtdQt *v)
{
    return vtd_qt_readq(v, DMAR_IQH_REG) >> (v->dw ? 5 : 4);
}

/* Guest setup */

/*
 * Start q35 with intel-iommu,id=iommu (extra options @opts), more QEMU
 * arguments @extra, and with @edu an edu device at EDU_DEVFN, enabled
 * with BAR 0 mapped.  Nothing is programmed in the IOMMU yet.
 */
VtdQt *vtd_qt_init(const char *opts, const char *extra, bool edu)
{
    VtdQt *v = g_new0(VtdQt, 1);

    v->qts = qtest_initf("-M q35 -device intel-iommu,id=iommu%s%s %s %s",
                         *opts ? "," : "", opts,
                         edu ? "-device edu,addr=04.0,id=edu" : "", extra);
    v->dw = strstr(opts, "x-scalable-mode=on") != NULL;
    v->qsize = v->dw ? 128 : 256;

    if (edu) {
        v->bus = qpci_new_pc(v->qts, NULL);
        v->edu = qpci_device_find(v->bus, EDU_DEVFN);
        g_assert(v->edu);
        qpci_device_enable(v->edu);
        v->bar = qpci_iomap(v->edu, 0, NULL);
    }
    return v;
}

/* Address of the last-level PTE that maps @iova */
uint64_t vtd_qt_pte_addr(uint64_t iova)
{
    return SL_L1 + (iova >> 21) * 0x1000ULL + ((iova >> 12) & 0x1ff) * 8;
}

/*
 * Tables: root -> context (bus 0) -> 3-level second-level tables mapping
 * @pages 4 KiB pages from IOVA_BASE (one L1 table per 2 MiB).
 */
void vtd_qt_build_tables(VtdQt *v, unsigned pages)
{
    QTestState *qts = v->qts;
    unsigned i;

    qtest_memset(qts, ROOT_TABLE, 0, 0x8000);
    qtest_writeq(qts, ROOT_TABLE, CONTEXT_TABLE | VTD_ROOT_ENTRY_P);
    /* context entry: present, TT=0 (untranslated), AW=1 (39 bit), DID */
    qtest_writeq(qts, CONTEXT_TABLE + EDU_DEVFN * 16,
                 SL_L3 | VTD_CONTEXT_ENTRY_P);
    qtest_writeq(qts, CONTEXT_TABLE + EDU_DEVFN * 16 + 8,
                 1 | ((uint64_t)EDU_DID << 8));
    qtest_writeq(qts, SL_L3, SL_L2 | VTD_SL_R | VTD_SL_W);
    for (i = 0; i < 3; i++) {
        qtest_writeq(qts, SL_L2 + i * 8,
                     (SL_L1 + i * 0x1000ULL) | VTD_SL_R | VTD_SL_W);
    }
    g_assert(IOVA_BASE + pages * 0x1000ULL <= 3 * 0x200000ULL);
    for (i = 0; i < pages; i++) {
        qtest_writeq(qts, vtd_qt_pte_addr(IOVA_BASE + i * 0x1000ULL),
                     (DATA_BASE + i * 0x1000ULL) | VTD_SL_R | VTD_SL_W);
    }
}

/* Empty queue at INV_QUEUE (QS=0), then QIE; IQT is left as it is */
void vtd_qt_qi_enable(VtdQt *v)
{
    qtest_memset(v->qts, INV_QUEUE, 0, 0x1000);
    vtd_qt_writeq(v, DMAR_IQA_REG, INV_QUEUE | (v->dw ? VTD_IQA_DW_MASK : 0));
    vtd_qt_gcmd_set(v, VTD_GCMD_QIE);
    g_assert(vtd_qt_readl(v, DMAR_GSTS_REG) & VTD_GSTS_QIES);
    v->tail = 0;
}

/*
 * vtd_qt_init() (edu unless VTD_QT_NO_EDU), tables mapping @pages, root
 * table pointer set, queued invalidation on (unless VTD_QT_NO_QI) and,
 * in legacy mode, translation enabled.
 */
VtdQt *vtd_qt_start(const char *opts, const char *extra, int flags,
                    unsigned pages)
{
    VtdQt *v = vtd_qt_init(opts, extra, !(flags & VTD_QT_NO_EDU));

    vtd_qt_build_tables(v, pages);
    vtd_qt_writeq(v, DMAR_RTADDR_REG, ROOT_TABLE |
                  (v->dw ? VTD_RTADDR_SMT : 0));
    vtd_qt_gcmd_set(v, VTD_GCMD_SRTP);
    g_assert(vtd_qt_readl(v, DMAR_GSTS_REG) & VTD_GSTS_RTPS);

    if (!(flags & VTD_QT_NO_QI)) {
        /* IQT is 0 after reset: no IQT write here, it would be counted */
        vtd_qt_qi_enable(v);
    }
    if (!v->dw) {
        vtd_qt_gcmd_set(v, VTD_GCMD_TE);
        g_assert(vtd_qt_readl(v, DMAR_GSTS_REG) & VTD_GSTS_TES);
    }
    return v;
}

void vtd_qt_stop(VtdQt *v)
{
    g_free(v->edu);
    if (v->bus) {
        qpci_free_pc(v->bus);
    }
    qtest_quit(v->qts);
    g_free(v);
}

/* Invalidation queue */

/* Write one descriptor at the tail (not yet visible to the IOMMU) */
void vtd_qt_qi_push4(VtdQt *v, uint64_t w0, uint64_t w1,
                     uint64_t w2, uint64_t w3)
{
    uint64_t slot = INV_QUEUE + v->tail * (v->dw ? 32 : 16);

    qtest_writeq(v->qts, slot, w0);
    qtest_writeq(v->qts, slot + 8, w1);
    if (v->dw) {
        qtest_writeq(v->qts, slot + 16, w2);
        qtest_writeq(v->qts, slot + 24, w3);
    }
    v->tail = (v->tail + 1) % v->qsize;
}

void vtd_qt_qi_push(VtdQt *v, uint64_t lo, uint64_t hi)
{
    vtd_qt_qi_push4(v, lo, hi, 0, 0);
}

/* Publish everything pushed so far with one IQT write */
void vtd_qt_qi_kick(VtdQt *v)
{
    vtd_qt_writeq(v, DMAR_IQT_REG, (uint64_t)v->tail << (v->dw ? 5 : 4));
}

void vtd_qt_qi_submit(VtdQt *v, uint64_t lo, uint64_t hi)
{
    vtd_qt_qi_push(v, lo, hi);
    vtd_qt_qi_kick(v);
}

/* Submit and check the queue drained without error */
void vtd_qt_qi_submit_ok(VtdQt *v, uint64_t lo, uint64_t hi)
{
    vtd_qt_qi_submit(v, lo, hi);
    g_assert_false(vtd_qt_iqe(v));
    g_assert_cmpuint(vtd_qt_iqh(v), ==, v->tail);
}

/* edu DMA */

/* One edu transfer of @len bytes; wait for it by stepping virtual time */
void vtd_qt_edu_dma(VtdQt *v, uint64_t src, uint64_t dst, uint32_t len,
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
void vtd_qt_edu_dma_read(VtdQt *v, uint64_t iova, uint32_t len)
{
    vtd_qt_edu_dma(v, iova, EDU_BUF, len, 0);
}

/* Device writes @len bytes of its buffer to @iova */
void vtd_qt_edu_dma_write(VtdQt *v, uint64_t iova, uint32_t len)
{
    vtd_qt_edu_dma(v, EDU_BUF, iova, len, EDU_DMA_TO_RAM);
}

/* JSON properties */

/* qom-get of @property of the object at @path, an object; caller unrefs */
QDict *vtd_qt_qom_get_at(QTestState *qts, const char *path,
                         const char *property)
{
    QDict *rsp = qtest_qmp(qts, "{ 'execute': 'qom-get', 'arguments': "
                           "{ 'path': %s, 'property': %s } }",
                           path, property);
    QDict *ret;

    g_assert(qdict_haskey(rsp, "return"));
    ret = qdict_get_qdict(rsp, "return");
    qobject_ref(ret);
    qobject_unref(rsp);
    return ret;
}

/* qom-get of the iommu's @property, an object; the caller unrefs it */
QDict *vtd_qt_qom_get(QTestState *qts, const char *property)
{
    return vtd_qt_qom_get_at(qts, IOMMU_PATH, property);
}

/* qom-set of the iommu's boolean @property (a reset trigger) to true */
void vtd_qt_qom_set_true(QTestState *qts, const char *property)
{
    QDict *rsp = qtest_qmp(qts, "{ 'execute': 'qom-set', 'arguments': "
                           "{ 'path': %s, 'property': %s, "
                           "'value': true } }", IOMMU_PATH, property);

    g_assert(qdict_haskey(rsp, "return"));
    qobject_unref(rsp);
}

static QObject *vtd_qt_list_nth(QList *l, int n)
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
QObject *vtd_qt_lookup(QDict *d, const char *path)
{
    g_auto(GStrv) parts = g_strsplit(path, ".", -1);
    QObject *o = QOBJECT(d);
    int i;

    for (i = 0; parts[i]; i++) {
        if (qobject_type(o) == QTYPE_QLIST) {
            o = vtd_qt_list_nth(qobject_to(QList, o), atoi(parts[i]));
        } else {
            g_assert_nonnull(qobject_to(QDict, o));
            o = qdict_get(qobject_to(QDict, o), parts[i]);
        }
        if (!o) {
            g_error("counter '%s' missing at '%s'", path, parts[i]);
        }
    }
    return o;
}

int64_t vtd_qt_get(QDict *d, const char *path)
{
    QNum *n = qobject_to(QNum, vtd_qt_lookup(d, path));

    g_assert_nonnull(n);
    return qnum_get_int(n);
}

/* Sum of every integer in @o (recursively), ignoring version/enabled */
int64_t vtd_qt_sum(QObject *o)
{
    int64_t sum = 0;

    switch (qobject_type(o)) {
    case QTYPE_QNUM:
        return qnum_get_int(qobject_to(QNum, o));
    case QTYPE_QLIST: {
        QListEntry *e;

        QLIST_FOREACH_ENTRY(qobject_to(QList, o), e) {
            sum += vtd_qt_sum(qlist_entry_obj(e));
        }
        return sum;
    }
    case QTYPE_QDICT: {
        QDict *d = qobject_to(QDict, o);
        const QDictEntry *e;

        for (e = qdict_first(d); e; e = qdict_next(d, e)) {
            if (strcmp(e->key, "version") && strcmp(e->key, "enabled")) {
                sum += vtd_qt_sum(e->value);
            }
        }
        return sum;
    }
    default:
        return 0;
    }
}

/* Migration */

/* query-migrate's blocked-reasons joined by "\n"; NULL when none */
char *vtd_qt_migration_blockers(QTestState *qts)
{
    QDict *rsp = qtest_qmp(qts, "{ 'execute': 'query-migrate' }");
    QDict *ret;
    QList *reasons;
    GString *s;
    QListEntry *e;

    g_assert(qdict_haskey(rsp, "return"));
    ret = qdict_get_qdict(rsp, "return");
    reasons = qdict_get_qlist(ret, "blocked-reasons");
    if (!reasons || qlist_empty(reasons)) {
        qobject_unref(rsp);
        return NULL;
    }
    s = g_string_new(NULL);
    QLIST_FOREACH_ENTRY(reasons, e) {
        g_string_append_printf(s, "%s%s", s->len ? "\n" : "",
                               qstring_get_str(qobject_to(QString,
                                               qlist_entry_obj(e))));
    }
    qobject_unref(rsp);
    return g_string_free(s, false);
}

/*
 * Migrate to a sink that discards the stream ("exec:cat >/dev/null") and
 * wait for the outcome (MIGRATION events, enabled here).  NULL when the
 * migration completed, else the error the migrate command or the migration
 * gave.
 */
char *vtd_qt_migrate(QTestState *qts)
{
    QDict *rsp = qtest_qmp(qts, "{ 'execute': 'migrate-set-capabilities', "
                           "'arguments': { 'capabilities': [ "
                           "{ 'capability': 'events', 'state': true } ] } }");
    char *err = NULL;

    g_assert(qdict_haskey(rsp, "return"));
    qobject_unref(rsp);
    rsp = qtest_qmp(qts, "{ 'execute': 'migrate', 'arguments': "
                    "{ 'uri': 'exec:cat >/dev/null' } }");

    if (qdict_haskey(rsp, "error")) {
        err = g_strdup(qdict_get_str(qdict_get_qdict(rsp, "error"),
                                     "desc"));
        qobject_unref(rsp);
        return err;
    }
    qobject_unref(rsp);
    for (;;) {
        QDict *ev = qtest_qmp_eventwait_ref(qts, "MIGRATION");
        const char *st = qdict_get_str(qdict_get_qdict(ev, "data"),
                                       "status");

        if (!strcmp(st, "completed")) {
            qobject_unref(ev);
            return NULL;
        }
        if (!strcmp(st, "failed") || !strcmp(st, "cancelled")) {
            err = g_strdup_printf("migration %s", st);
            qobject_unref(ev);
            return err;
        }
        qobject_unref(ev);
    }
}

/*
 * Run QEMU directly (not as a qtest) with -device intel-iommu,@opts;
 * answer "quit" on the monitor.  Returns its exit status and
 * stderr+stdout in @out.
 */
int vtd_qt_run_qemu(const char *opts, char **out)
{
    const char *qemu = g_getenv("QTEST_QEMU_BINARY");
    g_autofree char *cmd = NULL;
    g_autoptr(GError) err = NULL;
    char *argv[4];
    int status;

    g_assert(qemu);
    cmd = g_strdup_printf("echo quit | %s -M q35 -display none -S "
                          "-monitor stdio -device intel-iommu,%s 2>&1",
                          qemu, opts);
    argv[0] = (char *)"/bin/sh";
    argv[1] = (char *)"-c";
    argv[2] = cmd;
    argv[3] = NULL;
    g_assert_true(g_spawn_sync(NULL, argv, NULL, 0, NULL, NULL, out, NULL,
                               &status, &err));
    return status;
}
