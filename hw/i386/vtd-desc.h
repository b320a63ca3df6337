/*
 * Invalidation descriptor classes for the intel-iommu extensions
 *
 * One classification of a queued-invalidation descriptor (type x
 * granularity, and the pages a page-selective one covers), shared by the
 * accounting (vtd-accounting.c) and the cost model (vtd-qi-cost.c) so the
 * two can never disagree.  A leaf: it includes nothing of ours.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_I386_VTD_DESC_H
#define HW_I386_VTD_DESC_H

#include "intel_iommu_internal.h"

typedef enum VTDDescClass {
    VTD_DESC_CC_GLOBAL,         /* context-cache, global */
    VTD_DESC_CC_DOMAIN,         /* context-cache, domain-selective */
    VTD_DESC_CC_DEVICE,         /* context-cache, device-selective */
    VTD_DESC_IOTLB_GLOBAL,      /* IOTLB, global */
    VTD_DESC_IOTLB_DOMAIN,      /* IOTLB, domain-selective */
    VTD_DESC_IOTLB_PAGE,        /* IOTLB, page-selective (2^AM pages) */
    VTD_DESC_DEVICE_IOTLB,      /* device-IOTLB */
    VTD_DESC_IEC_GLOBAL,        /* interrupt entry cache, global */
    VTD_DESC_IEC_INDEX,         /* interrupt entry cache, index-selective */
    VTD_DESC_WAIT,              /* invalidation wait */
    VTD_DESC_PASID_CACHE,       /* PASID-cache */
    VTD_DESC_PIOTLB_PASID,      /* PASID-IOTLB, all of one PASID */
    VTD_DESC_PIOTLB_PAGE,       /* PASID-IOTLB, page-selective (2^AM pages) */
    VTD_DESC_PASID_DEVICE_IOTLB, /* PASID-based device-IOTLB */
    VTD_DESC_PAGE_GROUP_RESP,   /* page group response (PRI, QEMU 10.2+) */
    VTD_DESC_UNKNOWN,           /* a type (or granularity) the model rejects */
    VTD_DESC__MAX,
} VTDDescClass;

/*
 * Class of descriptor @d.  *@am: the address mask of a page-selective
 * (PASID-)IOTLB descriptor, which covers 2^AM 4 KiB pages, else 0; capped
 * at VTD_MAMV because the model rejects larger ones (so a descriptor it
 * accepted is classified exactly).  Granularities the model rejects give
 * VTD_DESC_UNKNOWN; vtd_desc_type_class() still names their type.
 */
static inline VTDDescClass vtd_desc_class(const VTDInvDesc *d, unsigned *am)
{
    *am = 0;
    switch (VTD_INV_DESC_TYPE(d->lo)) {
    case VTD_INV_DESC_CC:
        switch (d->lo & VTD_INV_DESC_CC_G) {
        case VTD_INV_DESC_CC_GLOBAL:
            return VTD_DESC_CC_GLOBAL;
        case VTD_INV_DESC_CC_DOMAIN:
            return VTD_DESC_CC_DOMAIN;
        case VTD_INV_DESC_CC_DEVICE:
            return VTD_DESC_CC_DEVICE;
        }
        return VTD_DESC_UNKNOWN;
    case VTD_INV_DESC_IOTLB:
        switch (d->lo & VTD_INV_DESC_IOTLB_G) {
        case VTD_INV_DESC_IOTLB_GLOBAL:
            return VTD_DESC_IOTLB_GLOBAL;
        case VTD_INV_DESC_IOTLB_DOMAIN:
            return VTD_DESC_IOTLB_DOMAIN;
        case VTD_INV_DESC_IOTLB_PAGE:
            *am = MIN(VTD_INV_DESC_IOTLB_AM(d->hi), VTD_MAMV);
            return VTD_DESC_IOTLB_PAGE;
        }
        return VTD_DESC_UNKNOWN;
    case VTD_INV_DESC_DEVICE:
        return VTD_DESC_DEVICE_IOTLB;
    case VTD_INV_DESC_IEC:
        /* G=0: global, G=1: index-selective (VT-d 6.5.2.7) */
        return d->iec.granularity ? VTD_DESC_IEC_INDEX : VTD_DESC_IEC_GLOBAL;
    case VTD_INV_DESC_WAIT:
        return VTD_DESC_WAIT;
    case VTD_INV_DESC_PC:
        return VTD_DESC_PASID_CACHE;
    case VTD_INV_DESC_PIOTLB:
        switch (d->val[0] & VTD_INV_DESC_PIOTLB_G) {
        case VTD_INV_DESC_PIOTLB_ALL_IN_PASID:
            return VTD_DESC_PIOTLB_PASID;
        case VTD_INV_DESC_PIOTLB_PSI_IN_PASID:
            *am = MIN(VTD_INV_DESC_PIOTLB_AM(d->val[1]), VTD_MAMV);
            return VTD_DESC_PIOTLB_PAGE;
        }
        return VTD_DESC_UNKNOWN;
    case VTD_INV_DESC_DEV_PIOTLB:
        return VTD_DESC_PASID_DEVICE_IOTLB;
    case VTD_INV_DESC_PGRESP:
        return VTD_DESC_PAGE_GROUP_RESP;
    default:
        return VTD_DESC_UNKNOWN;
    }
}

/* Page-selective classes cover 2^AM pages */
static inline bool vtd_desc_class_is_page(VTDDescClass c)
{
    return c == VTD_DESC_IOTLB_PAGE || c == VTD_DESC_PIOTLB_PAGE;
}

/*
 * The type alone, as the first class of that type (VTD_DESC_CC_GLOBAL for
 * any context-cache descriptor, ...): how a rejected descriptor is named.
 */
static inline VTDDescClass vtd_desc_type_class(const VTDInvDesc *d)
{
    unsigned am;

    switch (VTD_INV_DESC_TYPE(d->lo)) {
    case VTD_INV_DESC_CC:
        return VTD_DESC_CC_GLOBAL;
    case VTD_INV_DESC_IOTLB:
        return VTD_DESC_IOTLB_GLOBAL;
    case VTD_INV_DESC_PIOTLB:
        return VTD_DESC_PIOTLB_PASID;
    default:
        return vtd_desc_class(d, &am);
    }
}

#endif
