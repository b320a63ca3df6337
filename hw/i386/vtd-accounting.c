/*
 * Exact invalidation accounting for the Intel VT-d model (intel-iommu)
 *
 * Counters live in one flat array indexed by VTDAcctCounter; a name table
 * places each one in the JSON object that "x-counters" returns, so adding
 * a counter is one enum entry plus one table row.  Histograms and the
 * per-domain table are kept beside the array.  See docs/accounting.md for
 * the layout, which is versioned by VTD_ACCT_VERSION.
 *
 * Concurrency: translation-side hooks run with the IOMMU lock held (and
 * possibly outside the BQL); queue, register and removal hooks run under
 * the BQL.  Each counter is written from one of those two domains only,
 * so a relaxed qatomic_read + qatomic_set (no locked read-modify-write) is
 * enough and readers never see a torn value.  The one exception, faults
 * (also reported from the interrupt-range handler without the IOMMU
 * lock), uses qatomic_inc.  Snapshots and resets run under the BQL and
 * take the IOMMU lock, so they see and zero all counters at one point in
 * the stream of events.  The per-domain table is only touched under the
 * BQL.  Per-domain and per-requester counters sit in tables indexed by
 * the 16-bit id (vtd-table.h): found with two loads, no hashing.
 *
 * This unit calls no other unit of ours: vtd-stats.c composes the
 * x-counters object from its snapshot and the audit's, and resets both.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/atomic.h"
#include "qemu/error-report.h"
#include "qemu/host-utils.h"
#include "qapi/error.h"
#include "qobject/qdict.h"
#include "qobject/qlist.h"
#include "qobject/qnum.h"
#include "vtd-accounting.h"
#include "vtd-desc.h"
#include "vtd-table.h"
#include "trace.h"

/* Histogram of descriptors per IQT write: bins 0, 1, 2, 3-4, ... 2^15 */
#define VTD_ACCT_BATCH_BINS         17

typedef enum VTDAcctCounter {
    /* queued invalidation, accepted descriptors */
    VTD_ACCT_QI_DESCRIPTORS,
    VTD_ACCT_QI_CC_GLOBAL,
    VTD_ACCT_QI_CC_DOMAIN,
    VTD_ACCT_QI_CC_DEVICE,
    VTD_ACCT_QI_IOTLB_GLOBAL,
    VTD_ACCT_QI_IOTLB_DOMAIN,
    VTD_ACCT_QI_IOTLB_PAGE,
    VTD_ACCT_QI_IOTLB_PAGES,
    VTD_ACCT_QI_DEVICE_IOTLB,
    VTD_ACCT_QI_IEC_GLOBAL,
    VTD_ACCT_QI_IEC_INDEX,
    VTD_ACCT_QI_WAIT,
    VTD_ACCT_QI_WAIT_SW,
    VTD_ACCT_QI_WAIT_IF,
    VTD_ACCT_QI_WAIT_FN,
    VTD_ACCT_QI_WAIT_NO_SW_IF,
    VTD_ACCT_QI_PASID_CACHE,
    VTD_ACCT_QI_PIOTLB_PASID,
    VTD_ACCT_QI_PIOTLB_PAGE,
    VTD_ACCT_QI_PIOTLB_PAGES,
    VTD_ACCT_QI_PASID_DEVICE_IOTLB,
    VTD_ACCT_QI_PAGE_GROUP_RESP,
    /* queued invalidation, rejected descriptors (each raised IQE) */
    VTD_ACCT_INV_TOTAL,
    VTD_ACCT_INV_CC,
    VTD_ACCT_INV_IOTLB,
    VTD_ACCT_INV_DEVICE_IOTLB,
    VTD_ACCT_INV_IEC,
    VTD_ACCT_INV_WAIT,
    VTD_ACCT_INV_PASID_CACHE,
    VTD_ACCT_INV_PIOTLB,
    VTD_ACCT_INV_PASID_DEVICE_IOTLB,
    VTD_ACCT_INV_PAGE_GROUP_RESP,
    VTD_ACCT_INV_UNKNOWN,
    VTD_ACCT_INV_FETCH_ERROR,
    /* queue errors and submission shape */
    VTD_ACCT_IQE,
    VTD_ACCT_IQE_TAIL,
    VTD_ACCT_IQT_WRITES,
    VTD_ACCT_IQT_DESCRIPTORS,
    VTD_ACCT_IQT_BATCH_MAX,
    /* register-based invalidation */
    VTD_ACCT_REG_CC_GLOBAL,
    VTD_ACCT_REG_CC_DOMAIN,
    VTD_ACCT_REG_CC_DEVICE,
    VTD_ACCT_REG_CC_INVALID,
    VTD_ACCT_REG_IOTLB_GLOBAL,
    VTD_ACCT_REG_IOTLB_DOMAIN,
    VTD_ACCT_REG_IOTLB_PAGE,
    VTD_ACCT_REG_IOTLB_INVALID,
    /* IOTLB removals: 3 counters per VTDAcctRemoval, in that order */
    VTD_ACCT_RM_BASE,
    VTD_ACCT_RM_LAST = VTD_ACCT_RM_BASE + 3 * VTD_ACCT_RM__MAX - 1,
    VTD_ACCT_RM_ALL_INVALIDATIONS,
    VTD_ACCT_RM_ALL_ENTRIES,
    VTD_ACCT_RM_ALL_EMPTY,
    /* translation side */
    VTD_ACCT_TR_TRANSLATIONS,
    VTD_ACCT_TR_HITS,
    VTD_ACCT_TR_MISSES,
    VTD_ACCT_TR_INSERTS,
    VTD_ACCT_TR_FULL_DROPS,
    VTD_ACCT_TR_FULL_DROPPED,
    VTD_ACCT_TR_PAGE_WALKS,
    VTD_ACCT_TR_SYNC_WALKS,
    VTD_ACCT_TR_FAULTS,
    VTD_ACCT_TR_FAULTS_SUPPRESSED,
    VTD_ACCT__MAX,
} VTDAcctCounter;

/*
 * Where a counter sits in the JSON object: root[group][sub][key].
 * Removal counters are named from vtd_acct_rm_kinds/fields instead.
 */
typedef struct VTDAcctName {
    const char *group;
    const char *sub;            /* NULL: directly in group */
    const char *key;
} VTDAcctName;

/* Index of a removal counter: @field 0 invalidations, 1 entries, 2 empty */
#define VTD_ACCT_RM(kind, field)    (VTD_ACCT_RM_BASE + 3 * (kind) + (field))

static const VTDAcctName vtd_acct_names[VTD_ACCT__MAX] = {
    [VTD_ACCT_QI_DESCRIPTORS]        = { "qi", NULL, "descriptors" },
    [VTD_ACCT_QI_CC_GLOBAL]          = { "qi", "context_cache", "global" },
    [VTD_ACCT_QI_CC_DOMAIN]          = { "qi", "context_cache", "domain" },
    [VTD_ACCT_QI_CC_DEVICE]          = { "qi", "context_cache", "device" },
    [VTD_ACCT_QI_IOTLB_GLOBAL]       = { "qi", "iotlb", "global" },
    [VTD_ACCT_QI_IOTLB_DOMAIN]       = { "qi", "iotlb", "domain" },
    [VTD_ACCT_QI_IOTLB_PAGE]         = { "qi", "iotlb", "page" },
    [VTD_ACCT_QI_IOTLB_PAGES]        = { "qi", "iotlb", "pages" },
    [VTD_ACCT_QI_DEVICE_IOTLB]       = { "qi", NULL, "device_iotlb" },
    [VTD_ACCT_QI_IEC_GLOBAL]         = { "qi", "iec", "global" },
    [VTD_ACCT_QI_IEC_INDEX]          = { "qi", "iec", "index" },
    [VTD_ACCT_QI_WAIT]               = { "qi", "wait", "total" },
    [VTD_ACCT_QI_WAIT_SW]            = { "qi", "wait", "sw" },
    [VTD_ACCT_QI_WAIT_IF]            = { "qi", "wait", "if" },
    [VTD_ACCT_QI_WAIT_FN]            = { "qi", "wait", "fn" },
    [VTD_ACCT_QI_WAIT_NO_SW_IF]      = { "qi", "wait", "no_sw_if" },
    [VTD_ACCT_QI_PASID_CACHE]        = { "qi", NULL, "pasid_cache" },
    [VTD_ACCT_QI_PIOTLB_PASID]       = { "qi", "pasid_iotlb", "pasid" },
    [VTD_ACCT_QI_PIOTLB_PAGE]        = { "qi", "pasid_iotlb", "page" },
    [VTD_ACCT_QI_PIOTLB_PAGES]       = { "qi", "pasid_iotlb", "pages" },
    [VTD_ACCT_QI_PASID_DEVICE_IOTLB] = { "qi", NULL, "pasid_device_iotlb" },
    [VTD_ACCT_QI_PAGE_GROUP_RESP]    = { "qi", NULL, "page_group_response" },
    [VTD_ACCT_INV_TOTAL]             = { "qi", "invalid", "total" },
    [VTD_ACCT_INV_CC]                = { "qi", "invalid", "context_cache" },
    [VTD_ACCT_INV_IOTLB]             = { "qi", "invalid", "iotlb" },
    [VTD_ACCT_INV_DEVICE_IOTLB]      = { "qi", "invalid", "device_iotlb" },
    [VTD_ACCT_INV_IEC]               = { "qi", "invalid", "iec" },
    [VTD_ACCT_INV_WAIT]              = { "qi", "invalid", "wait" },
    [VTD_ACCT_INV_PASID_CACHE]       = { "qi", "invalid", "pasid_cache" },
    [VTD_ACCT_INV_PIOTLB]            = { "qi", "invalid", "pasid_iotlb" },
    [VTD_ACCT_INV_PASID_DEVICE_IOTLB] = { "qi", "invalid",
                                          "pasid_device_iotlb" },
    [VTD_ACCT_INV_PAGE_GROUP_RESP]   = { "qi", "invalid",
                                         "page_group_response" },
    [VTD_ACCT_INV_UNKNOWN]           = { "qi", "invalid", "unknown" },
    [VTD_ACCT_INV_FETCH_ERROR]       = { "qi", "invalid", "fetch_error" },
    [VTD_ACCT_IQE]                   = { "qi", NULL, "iqe" },
    [VTD_ACCT_IQE_TAIL]              = { "qi", NULL, "iqe_tail" },
    [VTD_ACCT_IQT_WRITES]            = { "qi", NULL, "iqt_writes" },
    [VTD_ACCT_IQT_DESCRIPTORS]       = { "qi", NULL, "iqt_descriptors" },
    [VTD_ACCT_IQT_BATCH_MAX]         = { "qi", NULL, "batch_max" },
    [VTD_ACCT_REG_CC_GLOBAL]         = { "register", "context_cache",
                                         "global" },
    [VTD_ACCT_REG_CC_DOMAIN]         = { "register", "context_cache",
                                         "domain" },
    [VTD_ACCT_REG_CC_DEVICE]         = { "register", "context_cache",
                                         "device" },
    [VTD_ACCT_REG_CC_INVALID]        = { "register", "context_cache",
                                         "invalid" },
    [VTD_ACCT_REG_IOTLB_GLOBAL]      = { "register", "iotlb", "global" },
    [VTD_ACCT_REG_IOTLB_DOMAIN]      = { "register", "iotlb", "domain" },
    [VTD_ACCT_REG_IOTLB_PAGE]        = { "register", "iotlb", "page" },
    [VTD_ACCT_REG_IOTLB_INVALID]     = { "register", "iotlb", "invalid" },
    [VTD_ACCT_RM_ALL_INVALIDATIONS]  = { "removal", "all", "invalidations" },
    [VTD_ACCT_RM_ALL_ENTRIES]        = { "removal", "all", "entries" },
    [VTD_ACCT_RM_ALL_EMPTY]          = { "removal", "all", "empty" },
    [VTD_ACCT_TR_TRANSLATIONS]       = { "translation", NULL, "translations" },
    [VTD_ACCT_TR_HITS]               = { "translation", NULL, "iotlb_hits" },
    [VTD_ACCT_TR_MISSES]             = { "translation", NULL, "iotlb_misses" },
    [VTD_ACCT_TR_INSERTS]            = { "translation", NULL, "iotlb_inserts" },
    [VTD_ACCT_TR_FULL_DROPS]         = { "translation", NULL,
                                         "iotlb_full_drops" },
    [VTD_ACCT_TR_FULL_DROPPED]       = { "translation", NULL,
                                         "iotlb_full_dropped_entries" },
    [VTD_ACCT_TR_PAGE_WALKS]         = { "translation", NULL, "page_walks" },
    [VTD_ACCT_TR_SYNC_WALKS]         = { "translation", NULL, "sync_walks" },
    [VTD_ACCT_TR_FAULTS]             = { "translation", NULL, "faults" },
    [VTD_ACCT_TR_FAULTS_SUPPRESSED]  = { "translation", NULL,
                                         "faults_suppressed" },
};

/* Removal counters: removal.<kind>.<field>, see VTD_ACCT_RM() */
static const char *const vtd_acct_rm_kinds[VTD_ACCT_RM__MAX] = {
    [VTD_ACCT_RM_GLOBAL]     = "global",
    [VTD_ACCT_RM_DOMAIN]     = "domain",
    [VTD_ACCT_RM_PAGE]       = "page",
    [VTD_ACCT_RM_PASID]      = "pasid",
    [VTD_ACCT_RM_PASID_PAGE] = "pasid_page",
};
static const char *const vtd_acct_rm_fields[3] = {
    "invalidations", "entries", "empty",
};

/* Per domain-id counters (BQL only) */
typedef struct VTDAcctDomain {
    uint64_t dsi;               /* queued IOTLB domain-selective descriptors */
    uint64_t psi;               /* queued IOTLB page-selective descriptors */
    uint64_t pages;             /* 4 KiB pages those PSIs covered, sum 2^AM */
    uint64_t removed;           /* entries removed by DSI/PSI, QI or register */
    bool seen;                  /* named by an invalidation since reset */
} VTDAcctDomain;

/* Per requester (source-id) translation counters (IOMMU lock) */
typedef struct VTDAcctDevice {
    uint64_t translations;      /* DMA translation requests it made */
    uint64_t iotlb_inserts;     /* IOTLB entries its translations added */
} VTDAcctDevice;

struct VTDAcct {
    uint64_t c[VTD_ACCT__MAX];  /* counters, see VTDAcctCounter */
    uint64_t am_hist[VTD_MAMV + 1];     /* queued IOTLB PSI by AM */
    uint64_t batch_hist[VTD_ACCT_BATCH_BINS]; /* descriptors per IQT write */
    VTDTable domains;           /* domain-id -> VTDAcctDomain (BQL) */
    VTDTable devices;           /* source-id -> VTDAcctDevice (IOMMU lock) */
    VTDInvDesc desc;            /* descriptor being processed */
    bool have_desc;             /* desc is valid (fetch succeeded) */
    bool in_batch;              /* inside an IQT write */
    uint64_t batch;             /* descriptors seen in this IQT write */
};

/* Helpers */

/* Single-writer update: the caller's lock (BQL or IOMMU lock) serializes */
static inline void vtd_acct_add(VTDAcct *a, VTDAcctCounter c, uint64_t n)
{
    qatomic_set(&a->c[c], qatomic_read(&a->c[c]) + n);
}

static inline void vtd_acct_inc(VTDAcct *a, VTDAcctCounter c)
{
    vtd_acct_add(a, c, 1);
}

/* The counters of domain @did, found without hashing (BQL) */
static VTDAcctDomain *vtd_acct_domain(VTDAcct *a, uint16_t did)
{
    VTDAcctDomain *dom = VTD_TABLE_GET(&a->domains, did, VTDAcctDomain);

    dom->seen = true;
    return dom;
}

/* The counters of requester @sid, found without hashing; IOMMU lock held */
static VTDAcctDevice *vtd_acct_device_locked(VTDAcct *a, uint16_t sid)
{
    return VTD_TABLE_GET(&a->devices, sid, VTDAcctDevice);
}

static unsigned vtd_acct_batch_bin(uint64_t n)
{
    /* 0 -> 0, 1 -> 1, 2 -> 2, 3..4 -> 3, 5..8 -> 4, ... */
    unsigned bin = n ? 1 + (64 - clz64(n - 1)) : 0;

    return MIN(bin, VTD_ACCT_BATCH_BINS - 1);
}

static char *vtd_acct_batch_bin_name(unsigned bin)
{
    if (bin <= 2) {
        return g_strdup_printf("%u", bin);
    }
    if (bin == VTD_ACCT_BATCH_BINS - 1) {
        return g_strdup_printf("%llu+", (1ULL << (bin - 2)) + 1);
    }
    return g_strdup_printf("%llu-%llu", (1ULL << (bin - 2)) + 1,
                           1ULL << (bin - 1));
}

/* Accepted descriptors: the counter of each class (vtd-desc.h) */
static const VTDAcctCounter vtd_acct_class_counter[VTD_DESC__MAX] = {
    [VTD_DESC_CC_GLOBAL]            = VTD_ACCT_QI_CC_GLOBAL,
    [VTD_DESC_CC_DOMAIN]            = VTD_ACCT_QI_CC_DOMAIN,
    [VTD_DESC_CC_DEVICE]            = VTD_ACCT_QI_CC_DEVICE,
    [VTD_DESC_IOTLB_GLOBAL]         = VTD_ACCT_QI_IOTLB_GLOBAL,
    [VTD_DESC_IOTLB_DOMAIN]         = VTD_ACCT_QI_IOTLB_DOMAIN,
    [VTD_DESC_IOTLB_PAGE]           = VTD_ACCT_QI_IOTLB_PAGE,
    [VTD_DESC_DEVICE_IOTLB]         = VTD_ACCT_QI_DEVICE_IOTLB,
    [VTD_DESC_IEC_GLOBAL]           = VTD_ACCT_QI_IEC_GLOBAL,
    [VTD_DESC_IEC_INDEX]            = VTD_ACCT_QI_IEC_INDEX,
    [VTD_DESC_WAIT]                 = VTD_ACCT_QI_WAIT,
    [VTD_DESC_PASID_CACHE]          = VTD_ACCT_QI_PASID_CACHE,
    [VTD_DESC_PIOTLB_PASID]         = VTD_ACCT_QI_PIOTLB_PASID,
    [VTD_DESC_PIOTLB_PAGE]          = VTD_ACCT_QI_PIOTLB_PAGE,
    [VTD_DESC_PASID_DEVICE_IOTLB]   = VTD_ACCT_QI_PASID_DEVICE_IOTLB,
    [VTD_DESC_PAGE_GROUP_RESP]      = VTD_ACCT_QI_PAGE_GROUP_RESP,
    /* the model accepted a type we do not know: count it as unknown */
    [VTD_DESC_UNKNOWN]              = VTD_ACCT_INV_UNKNOWN,
};

/* Rejected descriptors: the counter of their type */
static const VTDAcctCounter vtd_acct_invalid_counter[VTD_DESC__MAX] = {
    [VTD_DESC_CC_GLOBAL]            = VTD_ACCT_INV_CC,
    [VTD_DESC_CC_DOMAIN]            = VTD_ACCT_INV_CC,
    [VTD_DESC_CC_DEVICE]            = VTD_ACCT_INV_CC,
    [VTD_DESC_IOTLB_GLOBAL]         = VTD_ACCT_INV_IOTLB,
    [VTD_DESC_IOTLB_DOMAIN]         = VTD_ACCT_INV_IOTLB,
    [VTD_DESC_IOTLB_PAGE]           = VTD_ACCT_INV_IOTLB,
    [VTD_DESC_DEVICE_IOTLB]         = VTD_ACCT_INV_DEVICE_IOTLB,
    [VTD_DESC_IEC_GLOBAL]           = VTD_ACCT_INV_IEC,
    [VTD_DESC_IEC_INDEX]            = VTD_ACCT_INV_IEC,
    [VTD_DESC_WAIT]                 = VTD_ACCT_INV_WAIT,
    [VTD_DESC_PASID_CACHE]          = VTD_ACCT_INV_PASID_CACHE,
    [VTD_DESC_PIOTLB_PASID]         = VTD_ACCT_INV_PIOTLB,
    [VTD_DESC_PIOTLB_PAGE]          = VTD_ACCT_INV_PIOTLB,
    [VTD_DESC_PASID_DEVICE_IOTLB]   = VTD_ACCT_INV_PASID_DEVICE_IOTLB,
    [VTD_DESC_PAGE_GROUP_RESP]      = VTD_ACCT_INV_PAGE_GROUP_RESP,
    [VTD_DESC_UNKNOWN]              = VTD_ACCT_INV_UNKNOWN,
};

/* Accepted descriptor: count its class and what it covers. */
static void vtd_acct_count_desc(VTDAcct *a, const VTDInvDesc *d)
{
    VTDAcctDomain *dom;
    unsigned am;
    VTDDescClass cls = vtd_desc_class(d, &am);

    vtd_acct_inc(a, VTD_ACCT_QI_DESCRIPTORS);
    vtd_acct_inc(a, vtd_acct_class_counter[cls]);

    switch (cls) {
    case VTD_DESC_IOTLB_DOMAIN:
        vtd_acct_domain(a, VTD_INV_DESC_IOTLB_DID(d->lo))->dsi++;
        break;
    case VTD_DESC_IOTLB_PAGE:
        vtd_acct_add(a, VTD_ACCT_QI_IOTLB_PAGES, 1ULL << am);
        a->am_hist[am]++;
        dom = vtd_acct_domain(a, VTD_INV_DESC_IOTLB_DID(d->lo));
        dom->psi++;
        dom->pages += 1ULL << am;
        break;
    case VTD_DESC_PIOTLB_PAGE:
        vtd_acct_add(a, VTD_ACCT_QI_PIOTLB_PAGES, 1ULL << am);
        break;
    case VTD_DESC_WAIT:
        if (d->lo & VTD_INV_DESC_WAIT_SW) {
            vtd_acct_inc(a, VTD_ACCT_QI_WAIT_SW);
        }
        if (d->lo & VTD_INV_DESC_WAIT_IF) {
            vtd_acct_inc(a, VTD_ACCT_QI_WAIT_IF);
        }
        if (d->lo & VTD_INV_DESC_WAIT_FN) {
            vtd_acct_inc(a, VTD_ACCT_QI_WAIT_FN);
        }
        if (!(d->lo & (VTD_INV_DESC_WAIT_SW | VTD_INV_DESC_WAIT_IF))) {
            vtd_acct_inc(a, VTD_ACCT_QI_WAIT_NO_SW_IF);
        }
        break;
    default:
        break;
    }
}

/* Rejected descriptor (NULL: it could not be read): count it by type. */
static void vtd_acct_count_invalid(VTDAcct *a, const VTDInvDesc *d)
{
    vtd_acct_inc(a, VTD_ACCT_INV_TOTAL);
    vtd_acct_inc(a, d ? vtd_acct_invalid_counter[vtd_desc_type_class(d)] :
                        VTD_ACCT_INV_FETCH_ERROR);
}

/* Hooks: queued invalidation (BQL) */

void vtd_acct_desc_fetched_do(VTDAcct *a, const VTDInvDesc *desc)
{
    a->desc = *desc;
    a->have_desc = true;
}

void vtd_acct_desc_done_do(VTDAcct *a, bool ok)
{
    if (ok) {
        assert(a->have_desc);
        vtd_acct_count_desc(a, &a->desc);
    } else {
        vtd_acct_count_invalid(a, a->have_desc ? &a->desc : NULL);
    }
    a->have_desc = false;
    if (a->in_batch) {
        a->batch++;
    }
}

void vtd_acct_iqe_tail_do(VTDAcct *a)
{
    vtd_acct_inc(a, VTD_ACCT_IQE_TAIL);
}

void vtd_acct_iqe_do(VTDAcct *a)
{
    vtd_acct_inc(a, VTD_ACCT_IQE);
}

void vtd_acct_iqt_write_start_do(VTDAcct *a)
{
    vtd_acct_inc(a, VTD_ACCT_IQT_WRITES);
    a->in_batch = true;
    a->batch = 0;
}

void vtd_acct_iqt_write_finish_do(VTDAcct *a)
{
    if (!a->in_batch) {
        return;
    }
    a->batch_hist[vtd_acct_batch_bin(a->batch)]++;
    vtd_acct_add(a, VTD_ACCT_IQT_DESCRIPTORS, a->batch);
    if (a->batch > qatomic_read(&a->c[VTD_ACCT_IQT_BATCH_MAX])) {
        qatomic_set(&a->c[VTD_ACCT_IQT_BATCH_MAX], a->batch);
    }
    a->in_batch = false;
    a->batch = 0;
}

/* Hooks: register-based invalidation (BQL) */

void vtd_acct_reg_ccmd_do(VTDAcct *a, uint64_t val, uint64_t caig)
{
    if (!caig) {
        vtd_acct_inc(a, VTD_ACCT_REG_CC_INVALID);
        return;
    }
    switch (val & VTD_CCMD_CIRG_MASK) {
    case VTD_CCMD_GLOBAL_INVL:
        vtd_acct_inc(a, VTD_ACCT_REG_CC_GLOBAL);
        break;
    case VTD_CCMD_DOMAIN_INVL:
        vtd_acct_inc(a, VTD_ACCT_REG_CC_DOMAIN);
        break;
    default:
        vtd_acct_inc(a, VTD_ACCT_REG_CC_DEVICE);
        break;
    }
}

void vtd_acct_reg_iotlb_do(VTDAcct *a, uint64_t val, uint64_t iaig)
{
    if (!iaig) {
        vtd_acct_inc(a, VTD_ACCT_REG_IOTLB_INVALID);
        return;
    }
    switch (val & VTD_TLB_FLUSH_GRANU_MASK) {
    case VTD_TLB_GLOBAL_FLUSH:
        vtd_acct_inc(a, VTD_ACCT_REG_IOTLB_GLOBAL);
        break;
    case VTD_TLB_DSI_FLUSH:
        vtd_acct_inc(a, VTD_ACCT_REG_IOTLB_DOMAIN);
        break;
    default:
        vtd_acct_inc(a, VTD_ACCT_REG_IOTLB_PAGE);
        break;
    }
}

void vtd_acct_iotlb_removed_do(VTDAcct *a, VTDAcctRemoval kind,
                               uint16_t domain_id, unsigned int removed)
{
    assert(kind < VTD_ACCT_RM__MAX);
    vtd_acct_inc(a, VTD_ACCT_RM(kind, 0));
    vtd_acct_add(a, VTD_ACCT_RM(kind, 1), removed);
    vtd_acct_inc(a, VTD_ACCT_RM_ALL_INVALIDATIONS);
    vtd_acct_add(a, VTD_ACCT_RM_ALL_ENTRIES, removed);
    if (!removed) {
        vtd_acct_inc(a, VTD_ACCT_RM(kind, 2));
        vtd_acct_inc(a, VTD_ACCT_RM_ALL_EMPTY);
    }
    if (kind == VTD_ACCT_RM_DOMAIN || kind == VTD_ACCT_RM_PAGE) {
        vtd_acct_domain(a, domain_id)->removed += removed;
    }
}

/* Hooks: translation side (IOMMU lock held, maybe outside the BQL) */

void vtd_acct_translate_locked_do(VTDAcct *a, uint16_t sid)
{
    vtd_acct_inc(a, VTD_ACCT_TR_TRANSLATIONS);
    vtd_acct_device_locked(a, sid)->translations++;
}

void vtd_acct_iotlb_hit_locked_do(VTDAcct *a)
{
    vtd_acct_inc(a, VTD_ACCT_TR_HITS);
}

void vtd_acct_iotlb_miss_locked_do(VTDAcct *a)
{
    vtd_acct_inc(a, VTD_ACCT_TR_MISSES);
}

void vtd_acct_iotlb_insert_locked_do(VTDAcct *a, uint16_t sid)
{
    vtd_acct_inc(a, VTD_ACCT_TR_INSERTS);
    vtd_acct_device_locked(a, sid)->iotlb_inserts++;
}

void vtd_acct_iotlb_full_drop_locked_do(VTDAcct *a, unsigned int dropped)
{
    vtd_acct_inc(a, VTD_ACCT_TR_FULL_DROPS);
    vtd_acct_add(a, VTD_ACCT_TR_FULL_DROPPED, dropped);
}

void vtd_acct_page_walk_locked_do(VTDAcct *a)
{
    vtd_acct_inc(a, VTD_ACCT_TR_PAGE_WALKS);
}

void vtd_acct_sync_walk_do(VTDAcct *a)
{
    vtd_acct_inc(a, VTD_ACCT_TR_SYNC_WALKS);
}

void vtd_acct_fault_do(VTDAcct *a, bool recorded)
{
    /* two writers: translation (IOMMU lock) and IR range access (BQL) */
    qatomic_inc(&a->c[recorded ? VTD_ACCT_TR_FAULTS :
                                 VTD_ACCT_TR_FAULTS_SUPPRESSED]);
}

/* Snapshot, reset, file */

static QDict *vtd_acct_subdict(QDict *parent, const char *key)
{
    QDict *d = qdict_get_qdict(parent, key);

    if (!d) {
        d = qdict_new();
        qdict_put(parent, key, d);
    }
    return d;
}

static QList *vtd_acct_qlist(const uint64_t *v, size_t n)
{
    QList *l = qlist_new();
    size_t i;

    for (i = 0; i < n; i++) {
        qlist_append_int(l, v ? v[i] : 0);
    }
    return l;
}

/* "BB:DD.F": {translations, iotlb_inserts} for each requester seen */
static void vtd_acct_devices_to_qdict_locked(VTDAcct *a, QDict *devices)
{
    uint32_t sid;

    VTDAcctDevice *dev;

    for (sid = 0; (dev = VTD_TABLE_NEXT(&a->devices, &sid, VTDAcctDevice));
         sid++) {
        g_autofree char *bdf = NULL;
        QDict *d;

        if (!dev->translations && !dev->iotlb_inserts) {
            continue;
        }
        bdf = g_strdup_printf("%02x:%02x.%x", PCI_BUS_NUM(sid),
                              PCI_SLOT(sid & 0xff), PCI_FUNC(sid & 0xff));
        d = qdict_new();
        qdict_put_int(d, "translations", dev->translations);
        qdict_put_int(d, "iotlb_inserts", dev->iotlb_inserts);
        qdict_put(devices, bdf, d);
    }
}

/* "did": {dsi, psi, pages, removed} for each domain-id named */
static void vtd_acct_domains_to_qdict(VTDAcct *a, QDict *domains)
{
    uint32_t did;

    VTDAcctDomain *dom;

    for (did = 0; (dom = VTD_TABLE_NEXT(&a->domains, &did, VTDAcctDomain));
         did++) {
        g_autofree char *name = NULL;
        QDict *d;

        if (!dom->seen) {
            continue;
        }
        name = g_strdup_printf("%u", did);
        d = qdict_new();
        qdict_put_int(d, "dsi", dom->dsi);
        qdict_put_int(d, "psi", dom->psi);
        qdict_put_int(d, "pages", dom->pages);
        qdict_put_int(d, "removed", dom->removed);
        qdict_put(domains, name, d);
    }
}

QDict *vtd_acct_to_qdict_locked(VTDAcct *a)
{
    QDict *root = qdict_new();
    QDict *qi, *hist, *domains = qdict_new(), *devices = qdict_new();
    uint64_t batch_hist[VTD_ACCT_BATCH_BINS] = { 0 };
    uint64_t am_hist[VTD_MAMV + 1] = { 0 };
    uint64_t c[VTD_ACCT__MAX] = { 0 };
    unsigned i;

    if (a) {
        for (i = 0; i < VTD_ACCT__MAX; i++) {
            c[i] = qatomic_read(&a->c[i]);
        }
        memcpy(am_hist, a->am_hist, sizeof(am_hist));
        memcpy(batch_hist, a->batch_hist, sizeof(batch_hist));
        vtd_acct_devices_to_qdict_locked(a, devices);
        vtd_acct_domains_to_qdict(a, domains);
    }

    qdict_put_int(root, "version", VTD_ACCT_VERSION);
    qdict_put_bool(root, "enabled", a != NULL);
    for (i = 0; i < VTD_ACCT__MAX; i++) {
        const VTDAcctName *n = &vtd_acct_names[i];
        QDict *d;

        if (i >= VTD_ACCT_RM_BASE && i <= VTD_ACCT_RM_LAST) {
            unsigned kind = (i - VTD_ACCT_RM_BASE) / 3;

            d = vtd_acct_subdict(root, "removal");
            d = vtd_acct_subdict(d, vtd_acct_rm_kinds[kind]);
            qdict_put_int(d, vtd_acct_rm_fields[(i - VTD_ACCT_RM_BASE) % 3],
                          c[i]);
            continue;
        }
        d = vtd_acct_subdict(root, n->group);
        if (n->sub) {
            d = vtd_acct_subdict(d, n->sub);
        }
        qdict_put_int(d, n->key, c[i]);
    }

    qi = qdict_get_qdict(root, "qi");
    qdict_put(vtd_acct_subdict(qi, "iotlb"), "am_hist",
              vtd_acct_qlist(am_hist, VTD_MAMV + 1));
    hist = qdict_new();
    for (i = 0; i < VTD_ACCT_BATCH_BINS; i++) {
        g_autofree char *name = vtd_acct_batch_bin_name(i);

        qdict_put_int(hist, name, batch_hist[i]);
    }
    qdict_put(qi, "batch_hist", hist);
    qdict_put(root, "domains", domains);
    qdict_put(root, "devices", devices);
    return root;
}

void vtd_acct_reset_locked(VTDAcct *a)
{
    unsigned i;

    if (!a) {
        return;
    }
    for (i = 0; i < VTD_ACCT__MAX; i++) {
        qatomic_set(&a->c[i], 0);
    }
    memset(a->am_hist, 0, sizeof(a->am_hist));
    memset(a->batch_hist, 0, sizeof(a->batch_hist));
    vtd_table_clear(&a->devices, sizeof(VTDAcctDevice));
    vtd_table_clear(&a->domains, sizeof(VTDAcctDomain));
    trace_vtd_acct_reset();
}

/* Lifecycle */

bool vtd_acct_realize(IntelIOMMUState *s, Error **errp)
{
    if (s->accounting) {
        s->acct = g_new0(VTDAcct, 1);
    }
    return true;
}

void vtd_acct_unrealize(IntelIOMMUState *s)
{
    VTDAcct *a = s->acct;

    if (!a) {
        return;
    }
    vtd_table_free(&a->devices);
    vtd_table_free(&a->domains);
    g_free(a);
    s->acct = NULL;
}
