/*
 * A hostile DMA device in a victim's VT-d domain (vtd-hostile)
 *
 * The device has no bus and no registers of its own: it borrows the bus
 * master address space of the PCI device named by victim=, so every
 * access it makes is translated by intel-iommu with the victim's source
 * id, hits the victim's IOTLB entries and faults as the victim's would.
 * That is what a compromised NIC, NVMe controller or edu firmware can do.
 *
 * Learning: intel-iommu calls vtd_hostile_observe() after every
 * successful translation; translations of the victim (not of our own
 * probes) put their page into a ring of the last "learn" pages.
 * Probing: a QEMU_CLOCK_VIRTUAL timer fires every "period-ns" and reads
 * "probes" pages, continuing round-robin through the candidates: each
 * learned page with "neighbours" pages either side, then "window-pages"
 * pages from "window-base".  A page that reads is scanned for canary
 * tokens (the magic, then id and plant time); with write=on a 16-byte
 * marker is also written at "write-offset" of every probed page.
 *
 * Everything but the learning runs under the BQL.  See docs/hostile-device.md.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/error-report.h"
#include "qemu/host-utils.h"
#include "qemu/module.h"
#include "qemu/thread.h"
#include "qemu/timer.h"
#include "qapi/error.h"
#include "qapi/visitor.h"
#include "qobject/qdict.h"
#include "qobject/qlist.h"
#include "hw/acpi/acpi.h"
#include "hw/i386/x86-iommu.h"
#include "hw/pci/pci_device.h"
#include "hw/qdev-properties.h"
#include "system/dma.h"
#include "system/system.h"
#include "vtd-hostile.h"
#include "vtd-stats.h"
#include "trace.h"

OBJECT_DECLARE_SIMPLE_TYPE(VTDHostile, VTD_HOSTILE)

#define VTD_HOSTILE_PAGE            4096
/* Distinct canaries kept with their details; more are only counted */
#define VTD_HOSTILE_MAX_CANARIES    4096
/* The PM timer the guest stamps tokens with counts 24 bits */
#define VTD_HOSTILE_PMTMR_MASK      0xffffffULL

/* First read of one canary id */
typedef struct VTDHostileCanary {
    uint32_t id;
    uint64_t iova;              /* where it was read first */
    int64_t vtime_ns;           /* QEMU_CLOCK_VIRTUAL then */
    int64_t age_ns;             /* then, since the guest planted it */
    uint64_t reads;             /* probes that found it */
} VTDHostileCanary;

/* Exported in x-stats */
typedef struct VTDHostileStats {
    uint64_t ticks;             /* timer periods run */
    uint64_t probes;            /* pages probed */
    uint64_t reads;             /* ... that the IOMMU let it read */
    uint64_t faults;            /* ... that it did not */
    uint64_t writes;            /* markers written */
    uint64_t write_faults;      /* marker writes refused */
    uint64_t learned_total;     /* new pages learned from the victim */
    uint64_t dropped;           /* learned pages dropped when they faulted */
    uint64_t canary_reads;      /* tokens found, repeats included */
    uint64_t canaries_dropped;  /* distinct ids past the table's size */
} VTDHostileStats;

struct VTDHostile {
    DeviceState parent_obj;

    /* properties */
    char *victim_id;
    uint64_t period_ns;
    uint32_t probes;
    uint32_t learn;
    uint32_t neighbours;
    uint64_t window_base;
    uint32_t window_pages;
    bool write;
    uint32_t write_offset;
    char *magic;

    IntelIOMMUState *iommu;
    PCIDevice *victim;
    AddressSpace *as;           /* the victim's bus master address space */
    QEMUTimer *timer;
    Notifier machine_done;
    uint64_t cursor;            /* next candidate to probe */

    QemuMutex lock;             /* learned[]: translations run anywhere */
    uint64_t *learned;          /* ring of page addresses; | 1: dropped */
    uint32_t learned_n;
    uint32_t learned_next;
    uint64_t last_learned;      /* fast path: the page learned last */
    uint64_t *snapshot;         /* learned[] as a tick probes it (BQL) */

    GHashTable *canaries;       /* id -> VTDHostileCanary */
    VTDHostileStats st;
};

/* Set while this thread probes: its translations are not the victim's */
static __thread bool vtd_hostile_probing;

/* Learning (any thread) */

void vtd_hostile_observe_do(VTDHostile *h, PCIBus *bus, int devfn,
                            hwaddr iova)
{
    uint64_t page = iova & ~(uint64_t)(VTD_HOSTILE_PAGE - 1);
    uint32_t i;

    if (vtd_hostile_probing || !h->victim ||
        pci_get_bus(h->victim) != bus || h->victim->devfn != devfn) {
        return;
    }
    QEMU_LOCK_GUARD(&h->lock);
    if (h->learned_n && page == h->last_learned) {
        return;
    }
    for (i = 0; i < h->learned_n; i++) {
        if (h->learned[i] == page) {
            h->last_learned = page;
            return;
        }
    }
    h->learned[h->learned_next] = page;
    h->learned_next = (h->learned_next + 1) % h->learn;
    h->learned_n = MIN(h->learned_n + 1, h->learn);
    h->last_learned = page;
    h->st.learned_total++;
    trace_vtd_hostile_learn(page);
}

/* Probing (BQL) */

/*
 * The learned page @page faulted: the victim no longer maps it. Stop
 * probing it and its neighbours until the victim uses it again (it is
 * learned anew then). A device that kept probing pages that fault would
 * keep the guest's fault handler busy (docs/hostile-device.md).
 */
static void vtd_hostile_drop(VTDHostile *h, uint64_t page)
{
    uint32_t i;

    QEMU_LOCK_GUARD(&h->lock);
    for (i = 0; i < h->learned_n; i++) {
        if (h->learned[i] == page) {
            h->learned[i] = page | 1;
            h->st.dropped++;
        }
    }
    if (h->last_learned == page) {
        h->last_learned = 1;
    }
}

/* Age of a token stamped @stamp (PM timer ticks) at virtual time @now */
static int64_t vtd_hostile_age_ns(uint32_t stamp, int64_t now)
{
    uint64_t ticks = muldiv64(now, PM_TIMER_FREQUENCY,
                              NANOSECONDS_PER_SECOND);

    return muldiv64((ticks - stamp) & VTD_HOSTILE_PMTMR_MASK,
                    NANOSECONDS_PER_SECOND, PM_TIMER_FREQUENCY);
}

static void vtd_hostile_found(VTDHostile *h, const uint8_t *tok,
                              uint64_t iova, int64_t now)
{
    uint32_t id = ldl_le_p(tok + VTD_HOSTILE_MAGIC_LEN);
    int64_t age = vtd_hostile_age_ns(ldl_le_p(tok + VTD_HOSTILE_MAGIC_LEN + 4),
                                     now);
    VTDHostileCanary *c = g_hash_table_lookup(h->canaries,
                                              GUINT_TO_POINTER(id));

    h->st.canary_reads++;
    trace_vtd_hostile_canary(id, iova, age);
    if (c) {
        c->reads++;
        return;
    }
    if (g_hash_table_size(h->canaries) >= VTD_HOSTILE_MAX_CANARIES) {
        h->st.canaries_dropped++;
        return;
    }
    c = g_new0(VTDHostileCanary, 1);
    *c = (VTDHostileCanary) {
        .id = id, .iova = iova, .vtime_ns = now, .age_ns = age, .reads = 1,
    };
    g_hash_table_insert(h->canaries, GUINT_TO_POINTER(id), c);
}

/* Every whole token in the page read at @iova */
static void vtd_hostile_scan(VTDHostile *h, const uint8_t *buf,
                             uint64_t iova, int64_t now)
{
    const uint8_t *p = buf, *end = buf + VTD_HOSTILE_PAGE;

    while ((p = memmem(p, end - p, h->magic, VTD_HOSTILE_MAGIC_LEN))) {
        if (end - p < VTD_HOSTILE_TOKEN_SIZE) {
            break;
        }
        vtd_hostile_found(h, p, iova + (p - buf), now);
        p += VTD_HOSTILE_TOKEN_SIZE;
    }
}

/* Probe @page; false when the IOMMU refused the read */
static bool vtd_hostile_probe(VTDHostile *h, uint64_t page, int64_t now)
{
    uint8_t buf[VTD_HOSTILE_PAGE];
    bool ok;

    h->st.probes++;
    ok = dma_memory_read(h->as, page, buf, sizeof(buf),
                         MEMTXATTRS_UNSPECIFIED) == MEMTX_OK;
    if (ok) {
        h->st.reads++;
        vtd_hostile_scan(h, buf, page, now);
    } else {
        h->st.faults++;
    }
    if (h->write) {
        uint8_t mark[VTD_HOSTILE_TOKEN_SIZE] = "vtdMark!";

        stl_le_p(mark + VTD_HOSTILE_MAGIC_LEN, h->st.probes);
        if (dma_memory_write(h->as, page + h->write_offset, mark,
                             sizeof(mark), MEMTXATTRS_UNSPECIFIED)
            == MEMTX_OK) {
            h->st.writes++;
        } else {
            h->st.write_faults++;
        }
    }
    return ok;
}

/*
 * Candidate @i of @n: learned page i / span, shifted by the neighbour
 * offset (@learned_page: the learned page itself); then the window.
 * False for a dropped page's candidates and a neighbour below page 0.
 */
static bool vtd_hostile_candidate(VTDHostile *h, const uint64_t *learned,
                                  uint32_t nl, uint64_t i, uint64_t *page,
                                  bool *learned_page)
{
    uint64_t span = 2 * (uint64_t)h->neighbours + 1;
    int64_t off;

    *learned_page = false;
    if (i >= nl * span) {
        *page = h->window_base + (i - nl * span) * VTD_HOSTILE_PAGE;
        return true;
    }
    off = (int64_t)(i % span) - h->neighbours;
    if ((learned[i / span] & 1) ||
        (off < 0 && learned[i / span] < -off * VTD_HOSTILE_PAGE)) {
        return false;
    }
    *page = learned[i / span] + off * VTD_HOSTILE_PAGE;
    *learned_page = off == 0;
    return true;
}

static void vtd_hostile_tick_cb(void *opaque)
{
    VTDHostile *h = opaque;
    int64_t now = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    uint64_t *learned = h->snapshot;
    uint64_t n, i;
    uint32_t nl;

    WITH_QEMU_LOCK_GUARD(&h->lock) {
        nl = h->learned_n;
        memcpy(learned, h->learned, nl * sizeof(*learned));
    }
    n = nl * (2 * (uint64_t)h->neighbours + 1) + h->window_pages;
    h->st.ticks++;
    vtd_hostile_probing = true;
    for (i = 0; n && i < MIN(h->probes, n); i++) {
        uint64_t page;
        bool own;

        if (vtd_hostile_candidate(h, learned, nl, h->cursor++ % n, &page,
                                  &own) &&
            !vtd_hostile_probe(h, page, now) && own) {
            vtd_hostile_drop(h, page);
        }
    }
    vtd_hostile_probing = false;
    timer_mod(h->timer, now + h->period_ns);
}

/* Statistics (BQL) */

static gint vtd_hostile_canary_cmp(gconstpointer a, gconstpointer b)
{
    const VTDHostileCanary *x = *(VTDHostileCanary * const *)a;
    const VTDHostileCanary *y = *(VTDHostileCanary * const *)b;

    return x->id < y->id ? -1 : x->id > y->id;
}

static QDict *vtd_hostile_to_qdict(VTDHostile *h)
{
    g_autoptr(GPtrArray) all = g_ptr_array_new();
    QDict *d = qdict_new();
    QList *list = qlist_new();
    GHashTableIter it;
    gpointer c_ptr;
    uint32_t learned;
    guint i;

    g_hash_table_iter_init(&it, h->canaries);
    while (g_hash_table_iter_next(&it, NULL, &c_ptr)) {
        g_ptr_array_add(all, c_ptr);
    }
    WITH_QEMU_LOCK_GUARD(&h->lock) {
        learned = h->learned_n;
    }
    g_ptr_array_sort(all, vtd_hostile_canary_cmp);
    for (i = 0; i < all->len; i++) {
        const VTDHostileCanary *c = g_ptr_array_index(all, i);
        QDict *e = qdict_new();

        qdict_put_int(e, "id", c->id);
        qdict_put_int(e, "iova", c->iova);
        qdict_put_int(e, "vtime_ns", c->vtime_ns);
        qdict_put_int(e, "age_ns", c->age_ns);
        qdict_put_int(e, "reads", c->reads);
        qlist_append(list, e);
    }
    qdict_put_int(d, "version", VTD_HOSTILE_VERSION);
    qdict_put_str(d, "victim", h->victim_id);
    qdict_put_int(d, "ticks", h->st.ticks);
    qdict_put_int(d, "probes", h->st.probes);
    qdict_put_int(d, "reads", h->st.reads);
    qdict_put_int(d, "faults", h->st.faults);
    qdict_put_int(d, "writes", h->st.writes);
    qdict_put_int(d, "write_faults", h->st.write_faults);
    qdict_put_int(d, "learned", learned);
    qdict_put_int(d, "learned_total", h->st.learned_total);
    qdict_put_int(d, "dropped", h->st.dropped);
    qdict_put_int(d, "canary_reads", h->st.canary_reads);
    qdict_put_int(d, "canaries_dropped", h->st.canaries_dropped);
    qdict_put(d, "canaries", list);
    return d;
}

static void vtd_hostile_get_stats(Object *obj, Visitor *v, const char *name,
                                  void *opaque, Error **errp)
{
    vtd_stats_visit_qdict(v, name, vtd_hostile_to_qdict(VTD_HOSTILE(obj)),
                          errp);
}

/* What it reached, in intel-iommu's x-counters-file (none without it) */
static QDict *vtd_hostile_section_get(IntelIOMMUState *s)
{
    return s->hostile ? vtd_hostile_to_qdict(s->hostile) : NULL;
}

static const VTDStatsSection vtd_hostile_section = {
    .name = "hostile",
    .get = vtd_hostile_section_get,
    .file_only = true,
};

/* Lifecycle */

/*
 * The victim may come after us on the command line: find it, and the
 * IOMMU, once every device exists.  Bad input ends QEMU here, naming it.
 */
static void vtd_hostile_machine_done_cb(Notifier *n, void *opaque)
{
    VTDHostile *h = container_of(n, VTDHostile, machine_done);
    X86IOMMUState *x86 = x86_iommu_get_default();
    Object *o = object_resolve_path_component(
        object_resolve_path("/machine/peripheral", NULL), h->victim_id);
    PCIDevice *pdev = (PCIDevice *)object_dynamic_cast(o, TYPE_PCI_DEVICE);

    if (!x86 || !object_dynamic_cast(OBJECT(x86), TYPE_INTEL_IOMMU_DEVICE)) {
        error_report("vtd-hostile: needs -device intel-iommu");
        exit(1);
    }
    if (!pdev) {
        error_report("vtd-hostile: victim '%s' is %s", h->victim_id,
                     o ? "not a PCI device" : "not a device with that id");
        exit(1);
    }
    h->iommu = INTEL_IOMMU_DEVICE(x86);
    if (h->iommu->hostile) {
        error_report("vtd-hostile: only one per intel-iommu");
        exit(1);
    }
    h->victim = pdev;
    h->as = pci_get_address_space(pdev);
    h->iommu->hostile = h;
    timer_mod(h->timer, qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) + h->period_ns);
}

static void vtd_hostile_realize(DeviceState *dev, Error **errp)
{
    VTDHostile *h = VTD_HOSTILE(dev);

    if (!h->victim_id || !*h->victim_id) {
        error_setg(errp, "vtd-hostile: victim=<id of a PCI device> is "
                   "required");
        return;
    }
    if (h->period_ns < 1000 || h->period_ns > 10 * NANOSECONDS_PER_SECOND) {
        error_setg(errp, "vtd-hostile: period-ns %" PRIu64 " is out of range "
                   "(1000 to 10000000000)", h->period_ns);
        return;
    }
    if (h->probes < 1 || h->probes > 4096) {
        error_setg(errp, "vtd-hostile: probes %" PRIu32 " is out of range "
                   "(1 to 4096 pages per period)", h->probes);
        return;
    }
    if (h->learn < 1 || h->learn > 4096) {
        error_setg(errp, "vtd-hostile: learn %" PRIu32 " is out of range "
                   "(1 to 4096 pages)", h->learn);
        return;
    }
    if (h->neighbours > 16) {
        error_setg(errp, "vtd-hostile: neighbours %" PRIu32 " is out of "
                   "range (0 to 16 pages either side)", h->neighbours);
        return;
    }
    if (h->window_pages > (1u << 20) ||
        h->window_base & (VTD_HOSTILE_PAGE - 1)) {
        error_setg(errp, "vtd-hostile: window-base must be page aligned and "
                   "window-pages at most 1048576");
        return;
    }
    if (h->write_offset > VTD_HOSTILE_PAGE - VTD_HOSTILE_TOKEN_SIZE) {
        error_setg(errp, "vtd-hostile: write-offset %" PRIu32 " is out of "
                   "range (0 to %d)", h->write_offset,
                   VTD_HOSTILE_PAGE - VTD_HOSTILE_TOKEN_SIZE);
        return;
    }
    if (!h->magic || strlen(h->magic) != VTD_HOSTILE_MAGIC_LEN) {
        error_setg(errp, "vtd-hostile: magic must be %d characters",
                   VTD_HOSTILE_MAGIC_LEN);
        return;
    }
    qemu_mutex_init(&h->lock);
    h->learned = g_new0(uint64_t, h->learn);
    h->snapshot = g_new0(uint64_t, h->learn);
    h->canaries = g_hash_table_new_full(NULL, NULL, NULL, g_free);
    h->timer = timer_new_ns(QEMU_CLOCK_VIRTUAL, vtd_hostile_tick_cb, h);
    h->machine_done.notify = vtd_hostile_machine_done_cb;
    qemu_add_machine_init_done_notifier(&h->machine_done);
}

static void vtd_hostile_unrealize(DeviceState *dev)
{
    VTDHostile *h = VTD_HOSTILE(dev);

    qemu_remove_machine_init_done_notifier(&h->machine_done);
    if (h->iommu && h->iommu->hostile == h) {
        h->iommu->hostile = NULL;
    }
    timer_free(h->timer);
    g_hash_table_destroy(h->canaries);
    g_free(h->learned);
    g_free(h->snapshot);
    qemu_mutex_destroy(&h->lock);
}

static const Property vtd_hostile_properties[] = {
    DEFINE_PROP_STRING("victim", VTDHostile, victim_id),
    DEFINE_PROP_UINT64("period-ns", VTDHostile, period_ns, 1000000),
    DEFINE_PROP_UINT32("probes", VTDHostile, probes, 64),
    DEFINE_PROP_UINT32("learn", VTDHostile, learn, 64),
    DEFINE_PROP_UINT32("neighbours", VTDHostile, neighbours, 1),
    DEFINE_PROP_UINT64("window-base", VTDHostile, window_base, 0),
    DEFINE_PROP_UINT32("window-pages", VTDHostile, window_pages, 0),
    DEFINE_PROP_BOOL("write", VTDHostile, write, false),
    DEFINE_PROP_UINT32("write-offset", VTDHostile, write_offset,
                       VTD_HOSTILE_PAGE - VTD_HOSTILE_TOKEN_SIZE),
    DEFINE_PROP_STRING("magic", VTDHostile, magic),
};

static void vtd_hostile_instance_init(Object *obj)
{
    VTDHostile *h = VTD_HOSTILE(obj);

    /* a string property cannot have a default; this is the guest's magic */
    h->magic = g_strdup("vtdCnry!");
}

static void vtd_hostile_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    dc->realize = vtd_hostile_realize;
    dc->unrealize = vtd_hostile_unrealize;
    dc->hotpluggable = false;
    dc->desc = "Hostile DMA in a victim's VT-d domain (testbed, "
               "docs/hostile-device.md)";
    set_bit(DEVICE_CATEGORY_MISC, dc->categories);
    device_class_set_props(dc, vtd_hostile_properties);
    object_class_property_add(klass, "x-stats", "any",
                              vtd_hostile_get_stats, NULL, NULL, NULL);
    object_class_property_set_description(klass, "x-stats",
        "Probes, faults, reads, writes and every canary read, as one JSON "
        "object (read-only; see docs/hostile-device.md)");
    vtd_stats_add_section(&vtd_hostile_section);
}

static const TypeInfo vtd_hostile_info = {
    .name = TYPE_VTD_HOSTILE,
    .parent = TYPE_DEVICE,
    .instance_size = sizeof(VTDHostile),
    .instance_init = vtd_hostile_instance_init,
    .class_init = vtd_hostile_class_init,
};

static void vtd_hostile_register_types(void)
{
    type_register_static(&vtd_hostile_info);
}

type_init(vtd_hostile_register_types)
