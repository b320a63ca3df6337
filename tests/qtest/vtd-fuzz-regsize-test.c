/*
 * Reproducer of a generic-fuzz finding (docs/fuzzing.md): a 64-bit write
 * to a 32-bit VT-d register hit assert(size == 4) in vtd_mem_write() and
 * aborted QEMU. Found as build/fuzz/vtd/findings/crash-994b2a84..., an
 * 8-byte write to IECTL (0xa0). Now such a write is taken as two 32-bit
 * writes, low dword first.
 *
 * The sweeps below do not know which registers are 32-bit: that list is
 * the fix's (qemu-patches/0002), and a copy of it could not catch a
 * register the fix forgot. They derive every access from the size of the
 * register file alone (DMAR_REG_SIZE): each access size 1, 2, 4 and 8 at
 * every naturally aligned offset in it, so each register is hit with each
 * size whatever its width, and QEMU must survive each access.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "libqtest.h"
#include "hw/i386/intel_iommu_internal.h"
#include "hw/i386/intel_iommu.h"

#define IOMMU_BASE Q35_HOST_BRIDGE_IOMMU_ADDR

static const unsigned sizes[] = { 8, 4, 2, 1 };

/* The access in flight, named if QEMU dies on it (the test then aborts). */
static struct {
    const char *op;
    unsigned size;
    uint64_t off;
} cur;

static void name_access(void *unused)
{
    if (cur.op) {
        fprintf(stderr, "# QEMU died on the %u-byte %s at VT-d register "
                "offset 0x%" PRIx64 "\n", cur.size, cur.op, cur.off);
    }
}

static uint64_t rd(QTestState *qts, uint64_t off, unsigned size)
{
    cur.op = "read", cur.size = size, cur.off = off;
    switch (size) {
    case 1:
        return qtest_readb(qts, IOMMU_BASE + off);
    case 2:
        return qtest_readw(qts, IOMMU_BASE + off);
    case 4:
        return qtest_readl(qts, IOMMU_BASE + off);
    default:
        return qtest_readq(qts, IOMMU_BASE + off);
    }
}

static void wr(QTestState *qts, uint64_t off, unsigned size, uint64_t v)
{
    cur.op = "write", cur.size = size, cur.off = off;
    switch (size) {
    case 1:
        qtest_writeb(qts, IOMMU_BASE + off, v);
        break;
    case 2:
        qtest_writew(qts, IOMMU_BASE + off, v);
        break;
    case 4:
        qtest_writel(qts, IOMMU_BASE + off, v);
        break;
    default:
        qtest_writeq(qts, IOMMU_BASE + off, v);
        break;
    }
}

/*
 * QEMU is still there and its identity registers read as at reset (they
 * are read-only: no write of the sweep may change them).
 */
static void assert_alive(QTestState *qts, uint64_t cap, uint64_t ecap,
                         uint64_t off, unsigned size)
{
    uint32_t ver;

    cur.op = NULL;
    ver = qtest_readl(qts, IOMMU_BASE + DMAR_VER_REG);

    if (ver != 0x10 || qtest_readq(qts, IOMMU_BASE + DMAR_CAP_REG) != cap ||
        qtest_readq(qts, IOMMU_BASE + DMAR_ECAP_REG) != ecap) {
        g_test_message("after the %u-byte access at 0x%" PRIx64, size, off);
    }
    g_assert_cmphex(ver, ==, 0x10);
    g_assert_cmphex(qtest_readq(qts, IOMMU_BASE + DMAR_CAP_REG), ==, cap);
    g_assert_cmphex(qtest_readq(qts, IOMMU_BASE + DMAR_ECAP_REG), ==, ecap);
}

/*
 * Read every offset with every size, write back what was read. Sane reads:
 * an 8-byte read is the two 4-byte reads of its halves, low dword first; a
 * 1- or 2-byte read (below the model's 4-byte minimum, so refused by the
 * memory core) is 0, or else the same bytes of the 4-byte read that holds
 * them. A write of the value just read leaves the register reading the same.
 */
static void test_sweep_read_write_back(void)
{
    QTestState *qts = qtest_init("-M q35 -device intel-iommu,intremap=on");
    uint64_t cap = qtest_readq(qts, IOMMU_BASE + DMAR_CAP_REG);
    uint64_t ecap = qtest_readq(qts, IOMMU_BASE + DMAR_ECAP_REG);
    unsigned accesses = 0;
    size_t i;

    for (i = 0; i < ARRAY_SIZE(sizes); i++) {
        unsigned size = sizes[i];
        uint64_t mask = size == 8 ? UINT64_MAX : (1ULL << (size * 8)) - 1;
        uint64_t off;

        for (off = 0; off + size <= DMAR_REG_SIZE; off += size) {
            uint64_t v, again;

            if (size == 8) {
                uint64_t lo = rd(qts, off, 4), hi = rd(qts, off + 4, 4);

                v = rd(qts, off, 8);
                if (v != (lo | hi << 32)) {
                    g_test_message("8-byte read at 0x%" PRIx64 ": 0x%" PRIx64
                                   ", dwords 0x%" PRIx64 " 0x%" PRIx64,
                                   off, v, lo, hi);
                }
                g_assert_cmphex(v, ==, lo | hi << 32);
            } else if (size < 4) {
                uint64_t dw = rd(qts, off & ~3ULL, 4);
                uint64_t bytes = (dw >> ((off & 3) * 8)) & mask;

                v = rd(qts, off, size);
                if (v != 0 && v != bytes) {
                    g_test_message("%u-byte read at 0x%" PRIx64 ": 0x%" PRIx64
                                   ", neither 0 nor the dword's 0x%" PRIx64,
                                   size, off, v, bytes);
                }
                g_assert_true(v == 0 || v == bytes);
            } else {
                v = rd(qts, off, size);
            }
            wr(qts, off, size, v);
            again = rd(qts, off, size);
            if (again != v) {
                g_test_message("%u-byte write-back at 0x%" PRIx64 ": read 0x%"
                               PRIx64 ", wrote it, read 0x%" PRIx64,
                               size, off, v, again);
            }
            g_assert_cmphex(again, ==, v);
            assert_alive(qts, cap, ecap, off, size);
            accesses++;
        }
    }
    /* every size over the whole file: 0x230 / 8 + / 4 + / 2 + / 1 */
    g_assert_cmpuint(accesses, ==, DMAR_REG_SIZE / 8 + DMAR_REG_SIZE / 4 +
                     DMAR_REG_SIZE / 2 + DMAR_REG_SIZE);
    qtest_quit(qts);
}

/*
 * The same sweep writing all ones, then zeros: every command, enable and
 * clear bit the file has (translation, queued invalidation, interrupt
 * remapping turned on over garbage tables, then off), as the fuzzer would.
 * QEMU must survive each access; values need not read back.
 */
static void test_sweep_ones_then_zeros(void)
{
    static const uint64_t pattern[] = { UINT64_MAX, 0 };
    QTestState *qts = qtest_init("-M q35 -device intel-iommu,intremap=on");
    uint64_t cap = qtest_readq(qts, IOMMU_BASE + DMAR_CAP_REG);
    uint64_t ecap = qtest_readq(qts, IOMMU_BASE + DMAR_ECAP_REG);
    size_t i, p;

    for (p = 0; p < ARRAY_SIZE(pattern); p++) {
        for (i = 0; i < ARRAY_SIZE(sizes); i++) {
            unsigned size = sizes[i];
            uint64_t off;

            for (off = 0; off + size <= DMAR_REG_SIZE; off += size) {
                wr(qts, off, size, pattern[p]);
                rd(qts, off, size);
                assert_alive(qts, cap, ecap, off, size);
            }
        }
    }
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
    qtest_add_abrt_handler(name_access, NULL);
    qtest_add_func("/vtd-fuzz/regsize/sweep-read-write-back",
                   test_sweep_read_write_back);
    qtest_add_func("/vtd-fuzz/regsize/sweep-ones-then-zeros",
                   test_sweep_ones_then_zeros);
    qtest_add_func("/vtd-fuzz/regsize/quad-write-splits",
                   test_quad_write_splits);
    return g_test_run();
}
