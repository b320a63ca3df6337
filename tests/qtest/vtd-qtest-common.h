/*
 * Helpers shared by the vtd-* qtests: a q35 guest with intel-iommu (and
 * optionally an edu device), register accessors, second-level tables in
 * guest memory, the invalidation queue, edu DMA and qom-get of the JSON
 * counter properties.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef VTD_QTEST_COMMON_H
#define VTD_QTEST_COMMON_H

#include "libqtest.h"
#include "libqos/pci-pc.h"
#include "qobject/qdict.h"
#include "hw/i386/intel_iommu_internal.h"

#define IOMMU_BASE          Q35_HOST_BRIDGE_IOMMU_ADDR
#define IOMMU_PATH          "/machine/peripheral/iommu"

/* Guest physical layout */
#define ROOT_TABLE          0x1000000ULL
#define CONTEXT_TABLE       0x1001000ULL
#define SL_L3               0x1002000ULL
#define SL_L2               0x1003000ULL
#define SL_L1               0x1004000ULL    /* up to 3 tables */
#define INV_QUEUE           0x1010000ULL    /* 4 KiB: QS=0 */
#define WAIT_STATUS         0x1020000ULL
#define DATA_BASE           0x1100000ULL    /* page i backs IOVA page i */

/* DMA: IOVA_BASE + i * 4K maps DATA_BASE + i * 4K, i < pages mapped */
#define IOVA_BASE           0x100000ULL
#define MAPPED_PAGES        8

#define EDU_DEVFN           QPCI_DEVFN(4, 0)
#define EDU_SID             EDU_DEVFN           /* bus 0 */
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

/* IOTLB invalidation descriptor, granularity @g, domain @did (6.5.2.3) */
#define DESC_IOTLB(g, did)  (VTD_INV_DESC_IOTLB | (g) | \
                             ((uint64_t)(did) << 16))

typedef struct VtdQt {
    QTestState *qts;
    QPCIBus *bus;
    QPCIDevice *edu;
    QPCIBar bar;
    bool dw;                    /* 256-bit descriptors (scalable mode) */
    unsigned qsize;             /* queue entries */
    unsigned tail;              /* next free slot */
} VtdQt;

/* Register helpers */
uint32_t vtd_qt_readl(VtdQt *v, uint64_t off);
uint64_t vtd_qt_readq(VtdQt *v, uint64_t off);
void vtd_qt_writel(VtdQt *v, uint64_t off, uint32_t val);
void vtd_qt_writeq(VtdQt *v, uint64_t off, uint64_t val);
void vtd_qt_gcmd(VtdQt *v, uint32_t bit, bool on);
void vtd_qt_gcmd_set(VtdQt *v, uint32_t bit);
bool vtd_qt_iqe(VtdQt *v);
unsigned vtd_qt_iqh(VtdQt *v);

/* Guest setup */
enum {
    VTD_QT_NO_QI = 1,           /* leave queued invalidation disabled */
    VTD_QT_NO_EDU = 2,          /* no edu device */
};

VtdQt *vtd_qt_init(const char *opts, const char *extra, bool edu);
uint64_t vtd_qt_pte_addr(uint64_t iova);
void vtd_qt_build_tables(VtdQt *v, unsigned pages);
void vtd_qt_qi_enable(VtdQt *v);
VtdQt *vtd_qt_start(const char *opts, const char *extra, int flags,
                    unsigned pages);
void vtd_qt_stop(VtdQt *v);

/* Invalidation queue */
void vtd_qt_qi_push4(VtdQt *v, uint64_t w0, uint64_t w1,
                     uint64_t w2, uint64_t w3);
void vtd_qt_qi_push(VtdQt *v, uint64_t lo, uint64_t hi);
void vtd_qt_qi_kick(VtdQt *v);
void vtd_qt_qi_submit(VtdQt *v, uint64_t lo, uint64_t hi);
void vtd_qt_qi_submit_ok(VtdQt *v, uint64_t lo, uint64_t hi);

/* edu DMA */
void vtd_qt_edu_dma(VtdQt *v, uint64_t src, uint64_t dst, uint32_t len,
                    uint64_t dir);
void vtd_qt_edu_dma_read(VtdQt *v, uint64_t iova, uint32_t len);
void vtd_qt_edu_dma_write(VtdQt *v, uint64_t iova, uint32_t len);

/* JSON properties */
QDict *vtd_qt_qom_get(QTestState *qts, const char *property);
QDict *vtd_qt_qom_get_at(QTestState *qts, const char *path,
                         const char *property);
void vtd_qt_qom_set_true(QTestState *qts, const char *property);
QObject *vtd_qt_lookup(QDict *d, const char *path);
int64_t vtd_qt_get(QDict *d, const char *path);
int64_t vtd_qt_sum(QObject *o);

/* Migration: blockers listed by query-migrate; migrate and wait */
char *vtd_qt_migration_blockers(QTestState *qts);
char *vtd_qt_migrate(QTestState *qts);

/* Run QEMU (not as a qtest) with intel-iommu,@opts; output in @out */
int vtd_qt_run_qemu(const char *opts, char **out);

#endif
