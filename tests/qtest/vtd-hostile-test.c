/*
 * QTest cases for the hostile DMA device (-device vtd-hostile)
 *
 * edu (id "edu") sits behind intel-iommu with second-level tables that
 * map IOVA_BASE + i * 4K to DATA_BASE + i * 4K for i < MAPPED; the
 * hostile device borrows edu's address space.  Canary tokens are written
 * into guest memory directly, edu's DMA teaches the device its pages,
 * and the virtual clock is set to exact tick times.
 * See docs/hostile-device.md.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qobject/qjson.h"
#include "qobject/qlist.h"
#include "vtd-qtest-common.h"

#define HOSTILE_PATH        "/machine/peripheral/hostile"
#define MAPPED              4           /* IOVA pages 0..3 mapped, 4.. not */
#define PAGE                0x1000ULL
#define SECOND              1000000000LL
#define MARK_OFFSET         4080        /* write-offset's default */

/* q35 + intel-iommu + edu + vtd-hostile,victim=edu,@props */
static VtdQt *hostile_start(const char *props)
{
    g_autofree char *extra = g_strdup_printf(
        "-device vtd-hostile,id=hostile,victim=edu%s%s",
        *props ? "," : "", props);

    return vtd_qt_start("", extra, 0, MAPPED);
}

static QDict *hostile_stats(VtdQt *v)
{
    return vtd_qt_qom_get_at(v->qts, HOSTILE_PATH, "x-stats");
}

static int64_t hostile_stat(VtdQt *v, const char *key)
{
    QDict *d = hostile_stats(v);
    int64_t val;

    g_assert(qdict_haskey(d, key));
    val = qdict_get_int(d, key);
    qobject_unref(d);
    return val;
}

/* Plant token @id, stamped @stamp (PM timer ticks), at guest address @gpa */
static void plant(VtdQt *v, uint64_t gpa, uint32_t id, uint32_t stamp)
{
    uint8_t tok[16] = "vtdCnry!";

    stl_le_p(tok + 8, id);
    stl_le_p(tok + 12, stamp);
    qtest_memwrite(v->qts, gpa, tok, sizeof(tok));
}

/* The canary ids the device read, in order, as "1,2" */
static char *canary_ids(VtdQt *v)
{
    QDict *d = hostile_stats(v);
    QList *l = qdict_get_qlist(d, "canaries");
    GString *s = g_string_new("");
    QListEntry *e;

    QLIST_FOREACH_ENTRY(l, e) {
        QDict *c = qobject_to(QDict, qlist_entry_obj(e));

        g_string_append_printf(s, "%s%" PRId64, s->len ? "," : "",
                               qdict_get_int(c, "id"));
    }
    qobject_unref(d);
    return g_string_free(s, false);
}

/* The device's first tick is one period after machine init (time 0) */
static void tick_at(VtdQt *v, int64_t ns)
{
    qtest_clock_set(v->qts, ns);
}

/*
 * Nothing is probed until the victim translates; then the learned page
 * and its neighbours (one each side) are read at the next tick: the
 * unmapped page below faults, the two mapped ones read, and the tokens
 * in them are found with their IOVA, virtual time and age (planted at
 * 500 ms: PM timer 1789772; read at 1 s: 3579545 ticks, so 1789773
 * ticks = 500000139 ns); the one in a page the victim never maps is not.
 */
static void test_learn_and_read(void)
{
    VtdQt *v = hostile_start("period-ns=1000000000");
    g_autofree char *ids = NULL;
    QDict *d, *c;

    plant(v, DATA_BASE + 100, 1, 1789772);
    plant(v, DATA_BASE + PAGE + 2000, 2, 1789772);
    plant(v, DATA_BASE + 5 * PAGE, 5, 1789772);
    g_assert_cmpint(hostile_stat(v, "probes"), ==, 0);

    vtd_qt_edu_dma_read(v, IOVA_BASE + 8, 64);
    g_assert_cmpint(hostile_stat(v, "learned"), ==, 1);
    g_assert_cmpint(hostile_stat(v, "ticks"), ==, 0);

    tick_at(v, SECOND);
    d = hostile_stats(v);
    g_assert_cmpint(qdict_get_int(d, "ticks"), ==, 1);
    g_assert_cmpint(qdict_get_int(d, "probes"), ==, 3);
    g_assert_cmpint(qdict_get_int(d, "reads"), ==, 2);
    g_assert_cmpint(qdict_get_int(d, "faults"), ==, 1);
    g_assert_cmpint(qdict_get_int(d, "canary_reads"), ==, 2);
    qobject_unref(d);
    ids = canary_ids(v);
    g_assert_cmpstr(ids, ==, "1,2");

    d = hostile_stats(v);
    c = qobject_to(QDict, qlist_peek(qdict_get_qlist(d, "canaries")));
    g_assert_cmphex(qdict_get_int(c, "iova"), ==, IOVA_BASE + 100);
    g_assert_cmpint(qdict_get_int(c, "vtime_ns"), ==, SECOND);
    g_assert_cmpint(qdict_get_int(c, "age_ns"), ==, 500000139);
    g_assert_cmpint(qdict_get_int(c, "reads"), ==, 1);
    qobject_unref(d);

    /* a second tick reads them again: counted, not listed twice */
    tick_at(v, 2 * SECOND);
    g_assert_cmpint(hostile_stat(v, "canary_reads"), ==, 4);
    g_free(ids);
    ids = canary_ids(v);
    g_assert_cmpstr(ids, ==, "1,2");
    vtd_qt_stop(v);
}

/*
 * A learned page that faults (the victim's mapping is gone) is dropped with
 * its neighbours: probed once more, then not at all until learned again;
 * so a device does not keep the guest's fault handler busy.
 */
static void test_drop(void)
{
    VtdQt *v = hostile_start("period-ns=1000000000");

    vtd_qt_edu_dma_read(v, IOVA_BASE, 64);
    qtest_writeq(v->qts, vtd_qt_pte_addr(IOVA_BASE), 0);
    vtd_qt_qi_submit_ok(v, DESC_IOTLB(VTD_INV_DESC_IOTLB_GLOBAL, 0), 0);
    tick_at(v, SECOND);
    g_assert_cmpint(hostile_stat(v, "probes"), ==, 3);
    g_assert_cmpint(hostile_stat(v, "faults"), ==, 2);
    g_assert_cmpint(hostile_stat(v, "dropped"), ==, 1);
    tick_at(v, 2 * SECOND);
    g_assert_cmpint(hostile_stat(v, "probes"), ==, 3);
    /* edu uses the page again (mapped again): learned anew, probed */
    qtest_writeq(v->qts, vtd_qt_pte_addr(IOVA_BASE),
                 DATA_BASE | VTD_SL_R | VTD_SL_W);
    vtd_qt_edu_dma_read(v, IOVA_BASE, 64);
    tick_at(v, 3 * SECOND);
    g_assert_cmpint(hostile_stat(v, "probes"), ==, 6);
    g_assert_cmpint(hostile_stat(v, "learned_total"), ==, 2);
    vtd_qt_stop(v);
}

/*
 * Rate: "probes" pages per "period-ns", round-robin over a window of
 * MAPPED + 1 pages: ten ticks of two probes read each page four times,
 * the unmapped fifth faulting each time.
 */
static void test_rate_window(void)
{
    g_autofree char *props = g_strdup_printf(
        "period-ns=1000000,probes=2,window-base=0x%llx,window-pages=%d",
        (unsigned long long)IOVA_BASE, MAPPED + 1);
    VtdQt *v = hostile_start(props);
    QDict *d;

    tick_at(v, 10 * 1000000);
    d = hostile_stats(v);
    g_assert_cmpint(qdict_get_int(d, "ticks"), ==, 10);
    g_assert_cmpint(qdict_get_int(d, "probes"), ==, 20);
    g_assert_cmpint(qdict_get_int(d, "reads"), ==, 16);
    g_assert_cmpint(qdict_get_int(d, "faults"), ==, 4);
    g_assert_cmpint(qdict_get_int(d, "learned"), ==, 0);
    qobject_unref(d);
    vtd_qt_stop(v);
}

/*
 * The device knows the pattern, not the places: with another magic it
 * reads the same pages and finds nothing.
 */
static void test_magic(void)
{
    g_autofree char *props = g_strdup_printf(
        "period-ns=1000000000,magic=xxxxxxxx,window-base=0x%llx,"
        "window-pages=%d", (unsigned long long)IOVA_BASE, MAPPED);
    VtdQt *v = hostile_start(props);
    g_autofree char *ids = NULL;

    plant(v, DATA_BASE + 100, 1, 0);
    tick_at(v, SECOND);
    g_assert_cmpint(hostile_stat(v, "reads"), ==, MAPPED);
    g_assert_cmpint(hostile_stat(v, "canary_reads"), ==, 0);
    ids = canary_ids(v);
    g_assert_cmpstr(ids, ==, "");
    vtd_qt_stop(v);
}

/*
 * write=on: a marker lands at write-offset of every page the mapping lets
 * the device write; a read-only page (IOVA page 1) and the unmapped page
 * refuse it, and its memory keeps what it held.
 */
static void test_write(void)
{
    g_autofree char *props = g_strdup_printf(
        "period-ns=1000000000,write=on,window-base=0x%llx,window-pages=%d",
        (unsigned long long)IOVA_BASE, MAPPED + 1);
    VtdQt *v = hostile_start(props);
    char mark[9] = "";
    unsigned i;
    QDict *d;

    qtest_writeq(v->qts, vtd_qt_pte_addr(IOVA_BASE + PAGE),
                 (DATA_BASE + PAGE) | VTD_SL_R);
    tick_at(v, SECOND);
    d = hostile_stats(v);
    g_assert_cmpint(qdict_get_int(d, "probes"), ==, MAPPED + 1);
    g_assert_cmpint(qdict_get_int(d, "reads"), ==, MAPPED);
    g_assert_cmpint(qdict_get_int(d, "writes"), ==, MAPPED - 1);
    g_assert_cmpint(qdict_get_int(d, "write_faults"), ==, 2);
    qobject_unref(d);
    for (i = 0; i <= MAPPED; i++) {
        qtest_memread(v->qts, DATA_BASE + i * PAGE + MARK_OFFSET, mark, 8);
        if (i == 1 || i == MAPPED) {
            g_assert_cmpstr(mark, !=, "vtdMark!");
        } else {
            g_assert_cmpstr(mark, ==, "vtdMark!");
        }
    }
    vtd_qt_stop(v);
}

/*
 * The shutdown counters file carries the device's object under "hostile"
 * (and has no such key without the device).
 */
static void test_counters_file(void)
{
    g_autofree char *dir = g_dir_make_tmp("vtd-hostile-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "c.json", NULL);
    int with;

    for (with = 1; with >= 0; with--) {
        g_autofree char *opts = g_strdup_printf(
            "x-accounting=on,x-counters-file=%s -device edu,id=e%s", path,
            with ? " -device vtd-hostile,victim=e,probes=7" : "");
        g_autofree char *out = NULL, *json = NULL;
        QDict *d;

        g_assert_cmpint(vtd_qt_run_qemu(opts, &out), ==, 0);
        g_assert_true(g_file_get_contents(path, &json, NULL, NULL));
        d = qobject_to(QDict, qobject_from_json(json, &error_abort));
        g_assert_nonnull(d);
        g_assert_cmpint(qdict_haskey(d, "hostile"), ==, with);
        if (with) {
            QDict *h = qdict_get_qdict(d, "hostile");

            g_assert_cmpstr(qdict_get_str(h, "victim"), ==, "e");
            g_assert_cmpint(qdict_get_int(h, "version"), ==, 1);
            g_assert_true(qdict_haskey(h, "canaries"));
        }
        qobject_unref(d);
        unlink(path);
    }
    rmdir(dir);
}

/* Bad input stops QEMU with a message naming the property or the victim. */
static void test_bad_config(void)
{
    static const struct {
        const char *opts, *msg;
    } cases[] = {
        { "id=iommu -device vtd-hostile", "victim=<id of a PCI device> is "
          "required" },
        { "id=iommu -device vtd-hostile,victim=nope", "victim 'nope' is not "
          "a device with that id" },
        { "id=iommu -device vtd-hostile,victim=iommu", "victim 'iommu' is "
          "not a PCI device" },
        { "id=iommu -device edu,id=e -device vtd-hostile,victim=e,"
          "period-ns=10", "period-ns 10 is out of range" },
        { "id=iommu -device edu,id=e -device vtd-hostile,victim=e,magic=ab",
          "magic must be 8 characters" },
        { "id=iommu -device edu,id=e -device vtd-hostile,victim=e "
          "-device vtd-hostile,victim=e", "only one per intel-iommu" },
    };
    unsigned i;

    for (i = 0; i < ARRAY_SIZE(cases); i++) {
        g_autofree char *out = NULL;

        g_assert_cmpint(vtd_qt_run_qemu(cases[i].opts, &out), !=, 0);
        if (!strstr(out, cases[i].msg)) {
            g_error("%s: expected '%s' in: %s", cases[i].opts, cases[i].msg,
                    out);
        }
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

#define ADD(name, fn) g_test_add_func("/x86_64/vtd/hostile/" name, fn)
    ADD("learn-and-read", test_learn_and_read);
    ADD("drop", test_drop);
    ADD("rate-window", test_rate_window);
    ADD("magic", test_magic);
    ADD("write", test_write);
    ADD("counters-file", test_counters_file);
    ADD("bad-config", test_bad_config);
#undef ADD

    return g_test_run();
}
