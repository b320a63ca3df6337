/*
 * Invalidation cost model for the Intel VT-d model (intel-iommu)
 *
 * The invalidation engine is one serial resource with a timeline in
 * QEMU_CLOCK_VIRTUAL.  A descriptor fetched at virtual time "now" starts
 * when the engine is free (max(now, busy_until)) and finishes its cost
 * later; busy_until moves to that point.  The descriptor's functional
 * effect (IOTLB removal, notifiers, ...) happens at once in
 * intel_iommu.c; what the guest can observe of completion is deferred to
 * the finish time: the IQH advance past the descriptor and, for a wait
 * descriptor, its status write and completion interrupt.  Each processed
 * descriptor becomes one event in a FIFO ordered by finish time; a timer
 * on QEMU_CLOCK_VIRTUAL retires every event that is due.  Nothing sleeps
 * or spins: the vCPUs keep running (and a guest polling the status keeps
 * executing instructions, which is what moves virtual time under icount).
 *
 * Everything here runs under the BQL (MMIO handlers, timer, reset, QOM).
 * See docs/qi-cost.md for the model, the presets and the choices made
 * where the guest breaks the rules (queue overrun, QI disable or reset
 * while busy, queue errors).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qemu/timer.h"
#include "qapi/error.h"
#include "qobject/qdict.h"
#include "migration/blocker.h"
#include "hw/qdev-core.h"
#include "vtd-desc.h"
#include "vtd-qi-cost.h"
#include "vtd-stats.h"
#include "trace.h"

QEMU_BUILD_BUG_ON(VTD_QI_COST__MAX > VTD_QI_COST_SLOTS);

/* Presets: ns per cost class (see docs/qi-cost.md for the sources) */
typedef struct VTDQiCostPreset {
    const char *name;
    int64_t ns[VTD_QI_COST__MAX];
} VTDQiCostPreset;

static const VTDQiCostPreset vtd_qi_cost_presets[] = {
    { "none", { 0 } },
    /* lower bound of the 0.1-1 us dmar_perf bucket for every invalidation */
    { "fast", {
        [VTD_QI_COST_CC_GLOBAL]     = 100,
        [VTD_QI_COST_CC_DOMAIN]     = 100,
        [VTD_QI_COST_CC_DEVICE]     = 100,
        [VTD_QI_COST_IOTLB_GLOBAL]  = 100,
        [VTD_QI_COST_IOTLB_DOMAIN]  = 100,
        [VTD_QI_COST_IOTLB_PAGE]    = 100,
        [VTD_QI_COST_DEVTLB]        = 100,
        [VTD_QI_COST_IEC_GLOBAL]    = 100,
        [VTD_QI_COST_IEC_INDEX]     = 100,
        [VTD_QI_COST_PASID_CACHE]   = 100,
        [VTD_QI_COST_PGRESP]        = 100,
    } },
    /* ~2,100 cycles at 3 GHz per page invalidation, 1 us for the wider */
    { "typical", {
        [VTD_QI_COST_CC_GLOBAL]     = 1000,
        [VTD_QI_COST_CC_DOMAIN]     = 1000,
        [VTD_QI_COST_CC_DEVICE]     = 700,
        [VTD_QI_COST_IOTLB_GLOBAL]  = 1000,
        [VTD_QI_COST_IOTLB_DOMAIN]  = 1000,
        [VTD_QI_COST_IOTLB_PAGE]    = 700,
        [VTD_QI_COST_DEVTLB]        = 1000,
        [VTD_QI_COST_IEC_GLOBAL]    = 1000,
        [VTD_QI_COST_IEC_INDEX]     = 700,
        [VTD_QI_COST_WAIT]          = 100,
        [VTD_QI_COST_PASID_CACHE]   = 1000,
        [VTD_QI_COST_PGRESP]        = 700,
    } },
    /* upper end: "up to 10 us" for wide and device-TLB invalidations */
    { "slow", {
        [VTD_QI_COST_CC_GLOBAL]     = 10000,
        [VTD_QI_COST_CC_DOMAIN]     = 10000,
        [VTD_QI_COST_CC_DEVICE]     = 1000,
        [VTD_QI_COST_IOTLB_GLOBAL]  = 10000,
        [VTD_QI_COST_IOTLB_DOMAIN]  = 10000,
        [VTD_QI_COST_IOTLB_PAGE]    = 1000,
        [VTD_QI_COST_DEVTLB]        = 10000,
        [VTD_QI_COST_IEC_GLOBAL]    = 10000,
        [VTD_QI_COST_IEC_INDEX]     = 1000,
        [VTD_QI_COST_WAIT]          = 100,
        [VTD_QI_COST_PASID_CACHE]   = 10000,
        [VTD_QI_COST_PGRESP]        = 1000,
    } },
};

/* Names in x-qi-cost-stats "costs", as in the property names */
static const char *const vtd_qi_cost_names[VTD_QI_COST__MAX] = {
    [VTD_QI_COST_CC_GLOBAL]     = "cc-global",
    [VTD_QI_COST_CC_DOMAIN]     = "cc-domain",
    [VTD_QI_COST_CC_DEVICE]     = "cc-device",
    [VTD_QI_COST_IOTLB_GLOBAL]  = "iotlb-global",
    [VTD_QI_COST_IOTLB_DOMAIN]  = "iotlb-domain",
    [VTD_QI_COST_IOTLB_PAGE]    = "iotlb-page",
    [VTD_QI_COST_PAGE]          = "page",
    [VTD_QI_COST_DEVTLB]        = "devtlb",
    [VTD_QI_COST_IEC_GLOBAL]    = "iec-global",
    [VTD_QI_COST_IEC_INDEX]     = "iec-index",
    [VTD_QI_COST_WAIT]          = "wait",
    [VTD_QI_COST_PASID_CACHE]   = "pasid-cache",
    [VTD_QI_COST_RESYNC_PAGE]   = "resync-page",
    [VTD_QI_COST_PGRESP]        = "pgresp",
};

/* One processed descriptor, retired when the engine finishes it */
typedef struct VTDQiCostEvent {
    int64_t done_ns;            /* virtual time the engine finishes it */
    int64_t submit_ns;          /* virtual time it was fetched */
    uint16_t head;              /* queue head after it (IQH to publish) */
    bool sw;                    /* wait: status write pending */
    bool irq;                   /* wait: completion interrupt pending */
    VTDInvDesc wait;            /* wait: the descriptor, for its status */
} VTDQiCostEvent;

/* Engine accounting, exported in x-qi-cost-stats */
typedef struct VTDQiCostStats {
    uint64_t descriptors;       /* descriptors charged and retired */
    uint64_t busy_ns;           /* sum of their costs */
    uint64_t max_depth;         /* most descriptors in the engine at once */
    uint64_t waits;             /* waits with SW and/or IF completed */
    uint64_t waited_ns;         /* sum over them of finish - fetch */
    uint64_t max_wait_ns;       /* longest of those */
    uint64_t deferred;          /* events retired by the timer */
    uint64_t polled;            /* ... by a register read, timer lagging */
    uint64_t immediate;         /* events retired at once (engine idle) */
    uint64_t overruns;          /* fetches while the queue was full */
    uint64_t drains;            /* drain calls that found pending work */
    uint64_t drained;           /* events finished early by drains */
    uint64_t discarded;         /* events dropped by IOMMU reset */
    uint64_t status_errors;     /* deferred status writes that failed */
    uint64_t resync_walk_truncated; /* resync walks stopped at the cap */
    /* per cost class: descriptors charged (page: 4 KiB pages), their ns */
    uint64_t class_count[VTD_QI_COST__MAX];
    uint64_t class_ns[VTD_QI_COST__MAX];
} VTDQiCostStats;

struct VTDQiCost {
    IntelIOMMUState *iommu;
    QEMUTimer *timer;           /* armed for the head event's done_ns */
    GQueue events;              /* VTDQiCostEvent *, by done_ns */
    uint64_t cost[VTD_QI_COST__MAX];    /* effective ns, scale applied */
    int64_t busy_until;         /* virtual time the engine is free */
    uint64_t walk_budget;       /* resync walk entries left, this submission */
    /* the descriptor being processed, between fetched and retire */
    VTDQiCostEvent cur;
    VTDQiCostKind cur_kind;     /* its class (VTD_QI_COST__MAX: none) */
    unsigned cur_pages;         /* page-selective: 2^AM, else 0 */
    uint64_t cur_resync;        /* pages the host resynchronises for it */
    uint64_t cur_cost;
    bool have_cur;
    VTDQiCostStats st;
    Error *migration_blocker;   /* pending work is not migrated */
};

/* Cost class of each descriptor class (vtd-desc.h) */
static const VTDQiCostKind vtd_qi_cost_kind[VTD_DESC__MAX] = {
    [VTD_DESC_CC_GLOBAL]            = VTD_QI_COST_CC_GLOBAL,
    [VTD_DESC_CC_DOMAIN]            = VTD_QI_COST_CC_DOMAIN,
    [VTD_DESC_CC_DEVICE]            = VTD_QI_COST_CC_DEVICE,
    [VTD_DESC_IOTLB_GLOBAL]         = VTD_QI_COST_IOTLB_GLOBAL,
    [VTD_DESC_IOTLB_DOMAIN]         = VTD_QI_COST_IOTLB_DOMAIN,
    [VTD_DESC_IOTLB_PAGE]           = VTD_QI_COST_IOTLB_PAGE,
    [VTD_DESC_DEVICE_IOTLB]         = VTD_QI_COST_DEVTLB,
    [VTD_DESC_IEC_GLOBAL]           = VTD_QI_COST_IEC_GLOBAL,
    [VTD_DESC_IEC_INDEX]            = VTD_QI_COST_IEC_INDEX,
    [VTD_DESC_WAIT]                 = VTD_QI_COST_WAIT,
    [VTD_DESC_PASID_CACHE]          = VTD_QI_COST_PASID_CACHE,
    [VTD_DESC_PIOTLB_PASID]         = VTD_QI_COST_IOTLB_DOMAIN,
    [VTD_DESC_PIOTLB_PAGE]          = VTD_QI_COST_IOTLB_PAGE,
    [VTD_DESC_PASID_DEVICE_IOTLB]   = VTD_QI_COST_DEVTLB,
    [VTD_DESC_PAGE_GROUP_RESP]      = VTD_QI_COST_PGRESP,
    [VTD_DESC_UNKNOWN]              = VTD_QI_COST__MAX, /* rejected (IQE) */
};

/*
 * Pages a caching-mode vIOMMU resynchronises on the host for IOTLB
 * descriptor @d of class @cls (@pages: 2^AM of a page-selective one):
 * the pages it names, or for a domain-wide or global one the pages
 * present in the domain's tables (upstream's walk, vtd_present_pages()),
 * as far as VTD_QI_COST_RESYNC_WALK_MAX table entries take the walk.
 * Only asked when the resync cost is not 0 (caching mode, no first-stage
 * tables): the walk is work done only to charge it.
 */
static uint64_t vtd_qi_cost_resync_pages(VTDQiCost *c, VTDDescClass cls,
                                         const VTDInvDesc *d, unsigned pages)
{
    bool all = false;
    uint16_t did;
    uint64_t n;
    bool whole;

    switch (cls) {
    case VTD_DESC_IOTLB_PAGE:
    case VTD_DESC_PIOTLB_PAGE:
        return pages;
    case VTD_DESC_IOTLB_DOMAIN:
        did = VTD_INV_DESC_IOTLB_DID(d->lo);
        break;
    case VTD_DESC_PIOTLB_PASID:
        did = VTD_INV_DESC_PIOTLB_DID(d->val[0]);
        break;
    case VTD_DESC_IOTLB_GLOBAL:
        all = true;
        did = 0;
        break;
    default:
        return 0;
    }
    whole = vtd_present_pages(c->iommu, all, did, &c->walk_budget, &n);
    c->st.resync_walk_truncated += !whole;
    trace_vtd_qi_cost_resync(cls, n, !whole);
    return n;
}

/* Cost of a descriptor of class @kind: @pages pages, @resync resynchronised */
static uint64_t vtd_qi_cost_of(VTDQiCost *c, VTDQiCostKind kind,
                               unsigned pages, uint64_t resync)
{
    if (kind == VTD_QI_COST__MAX) {
        return 0;
    }
    return c->cost[kind] + c->cost[VTD_QI_COST_PAGE] * pages +
           c->cost[VTD_QI_COST_RESYNC_PAGE] * resync;
}

/* Account the descriptor being retired to its class (and per page) */
static void vtd_qi_cost_charge(VTDQiCost *c)
{
    VTDQiCostStats *st = &c->st;

    st->busy_ns += c->cur_cost;
    if (c->cur_kind == VTD_QI_COST__MAX) {
        return;
    }
    st->class_count[c->cur_kind]++;
    st->class_ns[c->cur_kind] += c->cost[c->cur_kind];
    if (c->cur_pages) {
        st->class_count[VTD_QI_COST_PAGE] += c->cur_pages;
        st->class_ns[VTD_QI_COST_PAGE] +=
            c->cost[VTD_QI_COST_PAGE] * c->cur_pages;
    }
    st->class_count[VTD_QI_COST_RESYNC_PAGE] += c->cur_resync;
    st->class_ns[VTD_QI_COST_RESYNC_PAGE] +=
        c->cost[VTD_QI_COST_RESYNC_PAGE] * c->cur_resync;
}

/* Make @e visible to the guest: status write, interrupt, IQH */
static void vtd_qi_cost_complete(VTDQiCost *c, VTDQiCostEvent *e,
                                 int64_t now)
{
    if (e->sw || e->irq) {
        uint64_t waited = e->done_ns - e->submit_ns;

        c->st.waits++;
        c->st.waited_ns += waited;
        c->st.max_wait_ns = MAX(c->st.max_wait_ns, waited);
    }
    if (e->sw && !vtd_wait_status_write(&e->wait)) {
        /* too late for IQE: IQH has moved past it (docs/qi-cost.md) */
        c->st.status_errors++;
        qemu_log_mask(LOG_GUEST_ERROR, "%s: wait status write to 0x%"
                      PRIx64 " failed\n", __func__, e->wait.hi);
    }
    if (e->irq) {
        vtd_generate_completion_event(c->iommu);
    }
    vtd_set_iqh(c->iommu, e->head);
    c->st.descriptors++;
    trace_vtd_qi_cost_complete(e->head, e->done_ns, now, e->sw, e->irq);
}

static void vtd_qi_cost_arm(VTDQiCost *c)
{
    VTDQiCostEvent *e = g_queue_peek_head(&c->events);

    if (e) {
        timer_mod(c->timer, e->done_ns);
    } else {
        timer_del(c->timer);
    }
}

/* Retire every event due at @now, in order; @timer: called from the timer */
static void vtd_qi_cost_retire_due(VTDQiCost *c, int64_t now, bool timer)
{
    VTDQiCostEvent *e;

    while ((e = g_queue_peek_head(&c->events)) && e->done_ns <= now) {
        g_queue_pop_head(&c->events);
        if (timer) {
            c->st.deferred++;
        } else {
            c->st.polled++;
        }
        vtd_qi_cost_complete(c, e, now);
        g_free(e);
    }
}

/*
 * The timer runs outside any MMIO access of the IOMMU, so the memory
 * core's re-entrancy guard is not engaged: a wait whose status address is
 * the IOMMU's own registers would write IQT (fetching, nesting the engine
 * inside this loop, IQH then going backwards) or any other register.
 * Engage the guard as an MMIO access would, so that such a write fails
 * exactly as it does when the wait completes inside the IQT write
 * (counted in status_errors).
 */
static void vtd_qi_cost_timer_cb(void *opaque)
{
    VTDQiCost *c = opaque;
    MemReentrancyGuard *guard = &DEVICE(c->iommu)->mem_reentrancy_guard;
    bool engaged = guard->engaged_in_io;

    guard->engaged_in_io = true;
    vtd_qi_cost_retire_due(c, qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL), true);
    guard->engaged_in_io = engaged;
    vtd_qi_cost_arm(c);
}

/* Hooks */

void vtd_qi_cost_kick_do(VTDQiCost *c)
{
    c->walk_budget = VTD_QI_COST_RESYNC_WALK_MAX;
}

void vtd_qi_cost_fetched_do(VTDQiCost *c, const VTDInvDesc *desc)
{
    IntelIOMMUState *s = c->iommu;
    unsigned held = g_queue_get_length(&c->events);
    VTDDescClass cls;
    unsigned am;

    /*
     * Hardware owns IQH..IQT-1; software may fill at most size-1 slots
     * (VT-d 6.5.2: IQT == IQH means empty).  Reaching this with size-1
     * descriptors still unfinished means the guest wrote over slots the
     * engine had not released.  An engine holds no more descriptors than
     * the queue has slots: it finishes everything it holds at once, as on
     * IQE (status writes, interrupts, IQH), then takes the new one.  So at
     * most size-1 events exist, whatever the guest does; the overrun is
     * logged and counted.
     */
    if (held >= (unsigned)s->iq_size - 1) {
        c->st.overruns++;
        qemu_log_mask(LOG_GUEST_ERROR, "%s: invalidation queue overrun: "
                      "%u descriptors unfinished, queue size %u; "
                      "finished at once\n", __func__, held, s->iq_size);
        vtd_qi_cost_drain_do(c, "overrun");
    }
    memset(&c->cur, 0, sizeof(c->cur));
    c->cur.submit_ns = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    cls = vtd_desc_class(desc, &am);
    c->cur_kind = vtd_qi_cost_kind[cls];
    c->cur_pages = vtd_desc_class_is_page(cls) ? 1u << am : 0;
    c->cur_resync = c->cost[VTD_QI_COST_RESYNC_PAGE] ?
        vtd_qi_cost_resync_pages(c, cls, desc, c->cur_pages) : 0;
    c->cur_cost = vtd_qi_cost_of(c, c->cur_kind, c->cur_pages,
                                 c->cur_resync);
    c->have_cur = true;
}

bool vtd_qi_cost_defer_wait_do(VTDQiCost *c, const VTDInvDesc *desc)
{
    assert(c->have_cur);
    c->cur.sw = desc->lo & VTD_INV_DESC_WAIT_SW;
    c->cur.irq = desc->lo & VTD_INV_DESC_WAIT_IF;
    c->cur.wait = *desc;
    return c->cur.sw || c->cur.irq;
}

bool vtd_qi_cost_retire_do(VTDQiCost *c, uint16_t head)
{
    int64_t now = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    VTDQiCostEvent *e;

    assert(c->have_cur);
    c->have_cur = false;
    c->cur.head = head;
    c->cur.done_ns = MAX(now, c->busy_until) + c->cur_cost;
    c->busy_until = c->cur.done_ns;
    vtd_qi_cost_charge(c);
    trace_vtd_qi_cost_submit(head, c->cur_cost, c->cur.done_ns,
                             g_queue_get_length(&c->events) + 1);

    if (c->cur.done_ns <= now && g_queue_is_empty(&c->events)) {
        /* idle engine, free descriptor: finish synchronously */
        c->st.max_depth = MAX(c->st.max_depth, 1);
        c->st.immediate++;
        vtd_qi_cost_complete(c, &c->cur, now);
        return true;
    }
    e = g_memdup2(&c->cur, sizeof(c->cur));
    g_queue_push_tail(&c->events, e);
    c->st.max_depth = MAX(c->st.max_depth, g_queue_get_length(&c->events));
    if (g_queue_get_length(&c->events) == 1) {
        vtd_qi_cost_arm(c);
    }
    return true;
}

void vtd_qi_cost_poll_do(VTDQiCost *c)
{
    if (g_queue_is_empty(&c->events)) {
        return;
    }
    vtd_qi_cost_retire_due(c, qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL), false);
    vtd_qi_cost_arm(c);
}

void vtd_qi_cost_drain_do(VTDQiCost *c, const char *why)
{
    int64_t now = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    unsigned n = g_queue_get_length(&c->events);
    VTDQiCostEvent *e;

    c->have_cur = false;
    if (n) {
        c->st.drains++;
        c->st.drained += n;
        trace_vtd_qi_cost_drain(why, n);
    }
    while ((e = g_queue_pop_head(&c->events))) {
        vtd_qi_cost_complete(c, e, now);
        g_free(e);
    }
    c->busy_until = MIN(c->busy_until, now);
    timer_del(c->timer);
}

void vtd_qi_cost_discard_do(VTDQiCost *c)
{
    unsigned n = g_queue_get_length(&c->events);

    c->have_cur = false;
    c->st.discarded += n;
    trace_vtd_qi_cost_discard(n);
    g_queue_clear_full(&c->events, g_free);
    c->busy_until = 0;
    timer_del(c->timer);
}

/* Lifecycle */

bool vtd_qi_cost_realize(IntelIOMMUState *s, Error **errp)
{
    const VTDQiCostPreset *preset = &vtd_qi_cost_presets[0];
    uint64_t eff[VTD_QI_COST__MAX];
    bool any = false;
    VTDQiCost *c;
    unsigned i;

    if (s->qi_cost_preset) {
        preset = NULL;
        for (i = 0; i < ARRAY_SIZE(vtd_qi_cost_presets); i++) {
            if (!strcmp(s->qi_cost_preset, vtd_qi_cost_presets[i].name)) {
                preset = &vtd_qi_cost_presets[i];
            }
        }
        if (!preset) {
            error_setg(errp, "x-qi-cost-preset '%s' is invalid; valid "
                       "presets: none, fast, typical, slow",
                       s->qi_cost_preset);
            return false;
        }
    }
    if (s->qi_cost_scale > VTD_QI_COST_MAX_SCALE) {
        error_setg(errp, "x-qi-cost-scale %" PRIu32 " is out of range "
                   "(0 to %d percent)", s->qi_cost_scale,
                   VTD_QI_COST_MAX_SCALE);
        return false;
    }
    for (i = 0; i < VTD_QI_COST__MAX; i++) {
        int64_t ns = s->qi_cost_ns[i];

        if (ns < -1 || ns > VTD_QI_COST_MAX_NS) {
            error_setg(errp, "x-qi-cost-%s-ns %" PRId64 " is out of range "
                       "(0 to %lld ns, or -1 for the preset's value)",
                       vtd_qi_cost_names[i], ns, VTD_QI_COST_MAX_NS);
            return false;
        }
        if (ns < 0) {
            ns = preset->ns[i];
        }
        /* the host keeps shadow tables only in caching mode, second stage */
        if (i == VTD_QI_COST_RESYNC_PAGE && (!s->caching_mode || s->flts)) {
            ns = 0;
        }
        eff[i] = (uint64_t)ns * s->qi_cost_scale / 100;
        any |= eff[i] != 0;
    }
    if (!any) {
        return true;            /* upstream behaviour, no engine */
    }

    /*
     * Pending events (status writes, interrupts, IQH) live only here, not
     * in intel-iommu's vmstate: a wait pending at migration would never
     * complete on the destination.  Refuse migration while the engine
     * exists (docs/qi-cost.md).  Last step of realize that can fail.
     */
    c = g_new0(VTDQiCost, 1);
    error_setg(&c->migration_blocker, "intel-iommu: x-qi-cost-* "
               "(invalidation cost model) is on and its pending "
               "invalidation work is not migrated; set x-qi-cost-preset=none "
               "and every x-qi-cost-<class>-ns to 0 to migrate");
    if (migrate_add_blocker(&c->migration_blocker, errp) < 0) {
        g_free(c);
        return false;
    }
    c->iommu = s;
    memcpy(c->cost, eff, sizeof(eff));
    g_queue_init(&c->events);
    c->timer = timer_new_ns(QEMU_CLOCK_VIRTUAL, vtd_qi_cost_timer_cb, c);
    s->qi_cost = c;
    return true;
}

void vtd_qi_cost_unrealize(IntelIOMMUState *s)
{
    VTDQiCost *c = s->qi_cost;

    if (!c) {
        return;
    }
    migrate_del_blocker(&c->migration_blocker);
    timer_free(c->timer);
    g_queue_clear_full(&c->events, g_free);
    g_free(c);
    s->qi_cost = NULL;
}

/* Statistics (BQL): x-qi-cost-stats, x-qi-cost-stats-reset */

static QDict *vtd_qi_cost_to_qdict(IntelIOMMUState *s)
{
    VTDQiCost *c = s->qi_cost;
    VTDQiCostStats st = {};
    QDict *root = qdict_new();
    QDict *costs = qdict_new();
    QDict *classes = qdict_new();
    unsigned i;

    if (c) {
        st = c->st;
    }
    qdict_put_int(root, "version", VTD_QI_COST_VERSION);
    qdict_put_bool(root, "enabled", c != NULL);
    qdict_put_int(root, "scale", s->qi_cost_scale);
    for (i = 0; i < VTD_QI_COST__MAX; i++) {
        qdict_put_int(costs, vtd_qi_cost_names[i], c ? c->cost[i] : 0);
    }
    qdict_put(root, "costs", costs);
    for (i = 0; i < VTD_QI_COST__MAX; i++) {
        QDict *k = qdict_new();

        qdict_put_int(k, "count", st.class_count[i]);
        qdict_put_int(k, "ns", st.class_ns[i]);
        qdict_put(classes, vtd_qi_cost_names[i], k);
    }
    qdict_put(root, "charged", classes);
    qdict_put_int(root, "descriptors", st.descriptors);
    qdict_put_int(root, "busy_ns", st.busy_ns);
    qdict_put_int(root, "max_depth", st.max_depth);
    qdict_put_int(root, "waits", st.waits);
    qdict_put_int(root, "waited_ns", st.waited_ns);
    qdict_put_int(root, "max_wait_ns", st.max_wait_ns);
    qdict_put_int(root, "deferred", st.deferred);
    qdict_put_int(root, "polled", st.polled);
    qdict_put_int(root, "immediate", st.immediate);
    qdict_put_int(root, "overruns", st.overruns);
    qdict_put_int(root, "drains", st.drains);
    qdict_put_int(root, "drained", st.drained);
    qdict_put_int(root, "discarded", st.discarded);
    qdict_put_int(root, "status_errors", st.status_errors);
    qdict_put_int(root, "resync_walk_truncated", st.resync_walk_truncated);
    qdict_put_int(root, "pending", c ? g_queue_get_length(&c->events) : 0);
    qdict_put_int(root, "busy_until_ns", c ? c->busy_until : 0);
    return root;
}

static void vtd_qi_cost_get_stats(Object *obj, Visitor *v, const char *name,
                                  void *opaque, Error **errp)
{
    vtd_stats_visit_qdict(v, name,
                          vtd_qi_cost_to_qdict(INTEL_IOMMU_DEVICE(obj)), errp);
}

/* Zeroes the accounting; the model's timeline and pending work are kept */
static void vtd_qi_cost_set_stats_reset(Object *obj, Visitor *v,
                                        const char *name, void *opaque,
                                        Error **errp)
{
    VTDQiCost *c = INTEL_IOMMU_DEVICE(obj)->qi_cost;

    if (vtd_stats_visit_true(v, name, errp) && c) {
        memset(&c->st, 0, sizeof(c->st));
    }
}

void vtd_qi_cost_class_init(ObjectClass *klass)
{
    object_class_property_add(klass, "x-qi-cost-stats", "any",
                              vtd_qi_cost_get_stats, NULL, NULL, NULL);
    object_class_property_set_description(klass, "x-qi-cost-stats",
        "Invalidation engine accounting as one JSON object "
        "(read-only; see docs/qi-cost.md)");
    object_class_property_add(klass, "x-qi-cost-stats-reset", "bool",
                              NULL, vtd_qi_cost_set_stats_reset, NULL, NULL);
    object_class_property_set_description(klass, "x-qi-cost-stats-reset",
        "Write true to zero the engine accounting (write-only)");
}
