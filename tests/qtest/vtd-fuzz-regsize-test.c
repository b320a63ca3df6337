/*
 * Reproducer of a generic-fuzz finding (docs/fuzzing.md): a 64-bit write
 * to a 32-bit VT-d register hit assert(size == 4) in vtd_mem_write() and
 * aborted QEMU. Found as build/fuzz/vtd/findings/crash-994b2a84..., an
 * 8-byte write to IECTL (0xa0). Now such a write is taken as two 32-bit
 * writes, low dword first.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "libqtest.h"
#include "hw/i386/intel_iommu_internal.h"
#include "hw/i386/intel_iommu.h"

#define IOMMU_BASE Q35_HOST_BRIDGE_IOMMU_ADDR

/* The crash itself: every 32-bit register, written with 8 bytes */
static void test_quad_write_to_dword_regs(void)
{
    static const uint64_t regs[] = {
        DMAR_CCMD_REG_HI, DMAR_IOTLB_REG_HI, DMAR_IVA_REG_HI, DMAR_FSTS_REG,
        DMAR_FECTL_REG, DMAR_FEDATA_REG, DMAR_FEUADDR_REG, DMAR_PMEN_REG,
        DMAR_RTADDR_REG_HI, DMAR_IQT_REG_HI, DMAR_IQA_REG_HI, DMAR_ICS_REG,
        DMAR_IECTL_REG, DMAR_IEDATA_REG, DMAR_IEADDR_REG, DMAR_IEUADDR_REG,
        DMAR_FRCD_REG_0_1, DMAR_FRCD_REG_0_3, DMAR_IRTA_REG_HI,
    };
    QTestState *qts = qtest_init("-M q35 -device intel-iommu,intremap=on");
    size_t i;

    for (i = 0; i < ARRAY_SIZE(regs); i++) {
        if (regs[i] + 8 > DMAR_REG_SIZE) {
            continue;
        }
        qtest_writeq(qts, IOMMU_BASE + regs[i], 0);
    }
    /* still alive, and the version register reads as it did */
    g_assert_cmphex(qtest_readl(qts, IOMMU_BASE + DMAR_VER_REG), ==, 0x10);
    qtest_quit(qts);
}

/* The split: IEDATA (0xa4) and IEADDR (0xa8) from one 8-byte write */
static void test_quad_write_splits(void)
{
    QTestState *qts = qtest_init("-M q35 -device intel-iommu");

    qtest_writeq(qts, IOMMU_BASE + DMAR_IEDATA_REG, 0xfee00000000041ULL);
    g_assert_cmphex(qtest_readl(qts, IOMMU_BASE + DMAR_IEDATA_REG), ==, 0x41);
    g_assert_cmphex(qtest_readl(qts, IOMMU_BASE + DMAR_IEADDR_REG), ==,
                    0xfee000);
    qtest_quit(qts);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_func("/vtd-fuzz/regsize/quad-write-to-dword-regs",
                   test_quad_write_to_dword_regs);
    qtest_add_func("/vtd-fuzz/regsize/quad-write-splits",
                   test_quad_write_splits);
    return g_test_run();
}
