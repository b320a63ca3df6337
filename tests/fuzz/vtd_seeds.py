#!/usr/bin/env python3
"""Write the seed corpus for the VT-d generic-fuzz configurations.

    vtd_seeds.py OUTDIR        (tests/fuzz/corpus is the committed copy)

Each seed is a generic-fuzz input (upstream tests/qtest/fuzz/generic_fuzz.c):
commands separated by "FUZZ", the first byte of a command its opcode.  The
IOMMU only reads guest memory; generic-fuzz fills every guest-RAM range a
device (or the IOMMU) reads with the next DMA pattern, in the order the reads
happen.  So a seed adds one pattern per table level or descriptor it wants
the model to read, then writes the registers that make the model read them.

MMIO region indexes count the fuzzed regions in address order (the PCI BARs
that generic-fuzz maps below 4 GiB, then the IOMMU at 0xfed90000); the
numbers below are for the objects in tests/fuzz/configs.sh and are checked by
tests/host/test-fuzz.sh from the QTEST_LOG trace of every seed.
"""
import os
import struct
import sys

SEP = b"FUZZ"
OP_READ, OP_WRITE, OP_PCI_WRITE = 2, 3, 5
OP_ADD_DMA_PATTERN, OP_CLEAR_DMA_PATTERNS, OP_CLOCK_STEP = 7, 8, 9

# Fuzzed MMIO regions in address order, as generic-fuzz maps the BARs:
# edu (0xe0000000), e1000e's mmio, msix-table, msix-pba (its flash BAR stays
# unmapped), then intel_iommu (0xfed90000).  An index is taken modulo their
# number.
EDU, IOMMU = 0, 4
PCI_EDU = 0          # fuzzable PCI devices, in QOM order: edu, e1000e
SZ = {1: 0, 2: 1, 4: 2, 8: 3}

# VT-d registers and bits (hw/i386/intel_iommu_internal.h)
GCMD, RTADDR, CCMD = 0x18, 0x20, 0x28
FECTL, FEDATA, FEADDR = 0x38, 0x3c, 0x40
IQT, IQA, IECTL, IEDATA, IEADDR = 0x88, 0x90, 0xa0, 0xa4, 0xa8
IVA, IOTLB, IRTA, FRCD_HI = 0xf0, 0xf8, 0xb8, 0x22c
TE, SRTP, QIE, IRE, SIRTP = 1 << 31, 1 << 30, 1 << 26, 1 << 25, 1 << 24
RTADDR_SMT, IQA_DW = 1 << 10, 1 << 11

# Guest-physical layout the seeds use
QUEUE, STATUS = 0x100000, 0x180000
ROOT, CTX, PDIR, PASID, SLPT, DATA = (0x200000, 0x300000, 0x380000,
                                      0x3c0000, 0x400000, 0x500000)
IRT = 0x600000
IOVA = 0x1000
EDU_BUF = 0x40000
MSI_ADDR = 0xfee00000


def write(base, off, val, size=8):
    return bytes([OP_WRITE]) + struct.pack("<BBxxIQ", SZ[size], base, off, val)


def read(base, off, size=4):
    return bytes([OP_READ]) + struct.pack("<BBxxI", SZ[size], base, off)


def pci_write(off, val, size=4):
    return bytes([OP_PCI_WRITE]) + struct.pack("<BBBxI", {1: 0, 2: 1, 4: 2}[size],
                                               PCI_EDU, off, val)


def pattern(*qwords):
    return bytes([OP_ADD_DMA_PATTERN, 0, 0]) + b"".join(
        struct.pack("<Q", q) for q in qwords)


def clear():
    return bytes([OP_CLEAR_DMA_PATTERNS])


def step():
    return bytes([OP_CLOCK_STEP])


def seed(*cmds):
    data = SEP.join(cmds)
    assert data.count(SEP) == len(cmds) - 1, "an operand contains FUZZ"
    return data


def reg(off, val, size=8):
    return write(IOMMU, off, val, size)


# -- invalidation descriptors (lo, hi), 128 bit; 256-bit ones add two zeros
def cc(gran, did=0, sid=0):
    return (0x1 | gran << 4 | did << 16 | sid << 32, 0)


def iotlb(gran, did=0, addr=0, am=0, ih=0):
    return (0x2 | gran << 4 | 1 << 6 | 1 << 7 | did << 16, addr | ih << 6 | am)


def devtlb(sid, addr, size_bit=0):
    return (0x3 | sid << 32, addr | size_bit)


def iec(gran, idx=0, im=0):
    return (0x4 | gran << 4 | im << 27 | idx << 32, 0)


def wait(sw=True, intr=False, fn=False, data=0x5a):
    return (0x5 | intr << 4 | sw << 5 | fn << 6 | data << 32,
            STATUS if sw else 0)


def piotlb(gran, did=0, pasid=0, addr=0, am=0):
    return (0x6 | gran << 4 | did << 16 | pasid << 32, addr | am)


def pc(gran, did=0, pasid=0):
    return (0x7 | gran << 4 | did << 16 | pasid << 32, 0)


def dev_piotlb(sid, pasid, addr):
    return (0x8 | sid << 16 | pasid << 32, addr)


def queue(descs, dw=False, tail=None, prep=()):
    """Set up the queue, add one pattern per descriptor, move the tail."""
    pats = [pattern(*(d + ((0, 0) if dw else ()))) for d in descs]
    n = len(descs) if tail is None else tail
    return [*prep, reg(IQA, QUEUE | (IQA_DW if dw else 0)), reg(GCMD, QIE, 4),
            *pats, reg(IQT, n << (5 if dw else 4)),
            step(), step(), step(), read(IOMMU, 0x9c), read(IOMMU, 0x34)]


EVENT = [reg(IECTL, 0, 4), reg(IEDATA, 0x41, 4), reg(IEADDR, MSI_ADDR, 4),
         reg(FECTL, 0, 4), reg(FEDATA, 0x42, 4), reg(FEADDR, MSI_ADDR, 4)]


def edu_dma(n=8, irq=False):
    return [write(EDU, 0x80, IOVA), write(EDU, 0x88, EDU_BUF),
            write(EDU, 0x90, n), write(EDU, 0x98, 1 | (4 if irq else 0)),
            *[step()] * 32]     # edu's DMA timer (100 ms) after the others'


def legacy_translate(extra_gcmd=0, ctx_hi=1 | 5 << 8, ctx_tt=0):
    return [reg(RTADDR, ROOT), reg(GCMD, SRTP | extra_gcmd, 4),
            reg(GCMD, TE | extra_gcmd, 4),
            pattern(CTX | 1, 0),                        # root entry
            pattern(SLPT | 1 | ctx_tt << 2, ctx_hi),   # context entry
            pattern(SLPT + 0x10000 | 3),                # L3 -> L2
            pattern(SLPT + 0x20000 | 3),                # L2 -> L1
            pattern(DATA | 3),                          # L1 -> DATA
            pattern(0x1122334455667788)]                # the data


def sm_translate(extra_gcmd=0, pgtt=2):
    return [reg(RTADDR, ROOT | RTADDR_SMT), reg(GCMD, SRTP | extra_gcmd, 4),
            reg(GCMD, TE | extra_gcmd, 4),
            pattern(CTX | 1, 0),                        # root: lower ctx
            pattern(PDIR | 1, 0, 0, 0),                 # SM context entry
            pattern(PASID | 1),                         # PASID dir entry
            pattern(SLPT | pgtt << 6 | 1 << 2 | 1, 5, 0, 0, 0, 0, 0, 0),
            pattern(SLPT + 0x10000 | 3), pattern(SLPT + 0x20000 | 3),
            pattern(DATA | 3),
            pattern(0x1122334455667788)]


def irq_setup(extra_gcmd=0, irte_hi=0):
    # IRTE 0: present, vector 0x30, destination 0; MSI in remappable format
    return [reg(IRTA, IRT | 0x7), reg(GCMD, SIRTP | extra_gcmd, 4),
            reg(GCMD, IRE | extra_gcmd, 4),
            pattern(1 | 0x30 << 16, irte_hi),
            pci_write(0x44, MSI_ADDR | 1 << 4 | 1 << 3),
            pci_write(0x48, 0), pci_write(0x4c, 0, 2), pci_write(0x42, 1, 2)]


def legacy_seeds():
    s = {}
    s["qi-wait"] = queue([wait()])
    s["qi-wait-irq"] = queue([wait(sw=False, intr=True)], prep=EVENT)
    s["qi-wait-fence"] = queue([wait(fn=True), wait(), wait(intr=True)],
                               prep=EVENT)
    s["qi-cc"] = queue([cc(1), cc(2, did=5), cc(3, did=5, sid=0x20),
                        wait()])
    s["qi-iotlb"] = queue([iotlb(1), iotlb(2, did=5),
                           iotlb(3, did=5, addr=IOVA),
                           iotlb(3, did=5, addr=0x200000, am=9, ih=1),
                           wait()])
    s["qi-devtlb"] = queue([devtlb(0x20, IOVA), devtlb(0x20, 0x7ff, 1),
                            wait()])
    s["qi-iec"] = queue([iec(0), iec(1, idx=3), iec(1, idx=0, im=4), wait()])
    s["qi-pasid-in-legacy"] = queue([pc(0), piotlb(0), dev_piotlb(0x20, 0, 0)])
    s["qi-invalid"] = queue([(0xf, 0), (0x5 | 0xfffff180, 3)])
    s["qi-wrap"] = queue([wait(), wait()], tail=255)
    s["qi-full-batch"] = queue([cc(1), iotlb(1), iotlb(2, did=5),
                                iotlb(3, did=5, addr=IOVA), devtlb(0x20, IOVA),
                                iec(0), wait(intr=True)], prep=EVENT)
    s["reg-ccmd-iotlb"] = [reg(CCMD, 1 << 63 | 1 << 61),
                           reg(CCMD, 1 << 63 | 2 << 61 | 5),
                           reg(IVA, IOVA), reg(IOTLB, 1 << 63 | 3 << 60 | 5 << 32),
                           reg(IOTLB, 1 << 63 | 1 << 60), read(IOMMU, 0x08),
                           read(IOMMU, 0x10, 8), read(IOMMU, 0x00)]
    s["translate-read"] = legacy_translate() + edu_dma()
    s["translate-fault"] = legacy_translate(ctx_hi=0) + EVENT + edu_dma() + [
        read(IOMMU, 0x34), read(IOMMU, 0x220, 8), reg(FRCD_HI, 1 << 31, 4)]
    s["translate-passthrough"] = legacy_translate(ctx_tt=2) + edu_dma()
    s["translate-then-invalidate"] = (legacy_translate(QIE) + edu_dma() +
                                      queue([iotlb(3, did=5, addr=IOVA),
                                             cc(1), wait()]) + edu_dma())
    # A second DMA to the same IOVA is served from the IOTLB: the audit
    # (x-audit=on) walks the tables again, from the same patterns (fresh)
    # or from new ones that map the IOVA elsewhere (changed) or not (gone).
    s["audit-fresh"] = legacy_translate() + edu_dma() + edu_dma()
    s["audit-changed"] = (legacy_translate() + edu_dma() + [clear()] +
                          legacy_translate()[3:-2] +
                          [pattern(DATA + 0x1000 | 3), pattern(0)] + edu_dma())
    s["audit-gone"] = (legacy_translate() + edu_dma() + [clear()] +
                       legacy_translate()[3:-2] + [pattern(0), pattern(0)] +
                       edu_dma())
    s["intremap-msi"] = irq_setup() + [write(EDU, 0x60, 1, 4), step()]
    s["intremap-then-iec"] = (irq_setup(QIE) + [write(EDU, 0x60, 1, 4)] +
                              queue([iec(0), wait()]) + [write(EDU, 0x60, 1, 4)])
    s["translate-dma-irq"] = (legacy_translate() + irq_setup(TE) +
                              edu_dma(irq=True))
    return s


def sm_seeds():
    s = {}
    s["sm-qi-wait"] = queue([wait()], dw=True)
    s["sm-qi-pasid"] = queue([pc(0), pc(1, did=5), pc(3, did=5, pasid=0x42),
                              piotlb(0, did=5), piotlb(1, did=5, pasid=0x42),
                              piotlb(3, did=5, pasid=0x42, addr=IOVA, am=2),
                              dev_piotlb(0x20, 0x42, IOVA), wait()], dw=True)
    s["sm-qi-legacy-types"] = queue([cc(1), iotlb(1), iotlb(3, did=5, addr=IOVA),
                                     devtlb(0x20, IOVA), iec(0), wait()],
                                    dw=True)
    s["sm-qi-no-dw"] = queue([wait()])
    s["sm-translate-read"] = sm_translate() + edu_dma()
    s["sm-translate-passthrough"] = sm_translate(pgtt=4) + edu_dma()
    s["sm-translate-then-invalidate"] = (sm_translate(QIE) + edu_dma() +
                                         queue([piotlb(3, did=5, addr=IOVA),
                                                pc(1, did=5), wait()],
                                               dw=True) + edu_dma())
    # (in scalable mode the second DMA is not yet seen to hit: kept as seeds)
    s["sm-audit-fresh"] = sm_translate() + edu_dma() + edu_dma()
    s["sm-audit-changed"] = (sm_translate() + edu_dma() + [clear()] +
                             sm_translate()[3:-2] +
                             [pattern(DATA + 0x1000 | 3), pattern(0)] +
                             edu_dma())
    s["sm-intremap-msi"] = irq_setup() + [write(EDU, 0x60, 1, 4), step()]
    return s


def main():
    out = sys.argv[1]
    for sub, seeds in (("legacy", legacy_seeds()), ("scalable", sm_seeds())):
        d = os.path.join(out, sub)
        os.makedirs(d, exist_ok=True)
        for name, cmds in seeds.items():
            with open(os.path.join(d, name), "wb") as f:
                f.write(seed(*cmds))


if __name__ == "__main__":
    main()
