"""report.variants (every row on upstream's 0.1 µs means, ratio to the
first variant) and report.stock (same-repetition ratios, the noise verdict)."""

import unittest

from report_fixtures import dma, stock_dma

from vtdlib import readers
from vtdlib.report import dmabench, stock, variants


class Variants(unittest.TestCase):
    def test_patched_and_stock_on_one_definition(self):
        # ops/s from the means: 10^6 / 2.4 and 10^6 / 2.3, not the patched
        # kernel's counted 999999
        p = dma("stock", "strict", 1, 1660, 999999, map_ns=840, variant="patched")
        p.result.update(map_us=0.8, unmap_us=1.6)
        s = dmabench.summarise(readers.dmabench_rows([p, stock_dma("stock", "strict", 1, 0.7, 1.6, "stock")]))
        lines = variants.section(s)
        self.assertIn("| 1 | 1 | strict | patched | 1.6 | 0.8 | 416667 | 1.000 | 1.00 |", lines)
        self.assertIn("| 1 | 1 | strict | stock | 1.6 | 0.7 | 434783 | 1.043 | 1.00 |", lines)

    def test_no_variants_no_section(self):
        self.assertEqual(variants.section(dmabench.summarise(readers.dmabench_rows([dma("d", "off", 1, 1, 1)]))), [])


def pair(rep, patched, stock_us):
    return [stock_dma("s", "strict", 1, 0.5, patched, "patched", rep=rep),
            stock_dma("s", "strict", 1, 0.5, stock_us, "stock", rep=rep)]


class Stock(unittest.TestCase):
    def test_within_noise(self):
        # ratios 1.0, 1.05, 0.95: median 1.0; one 0.1 µs step of each is 0.1
        rows = readers.dmabench_rows(pair(1, 2.0, 2.0) + pair(2, 2.1, 2.0) + pair(3, 1.9, 2.0))
        lines, ok = stock.section(rows)
        self.assertTrue(ok)
        self.assertIn("| s | 1 | 1 | strict | 2.00 | 2.00 | 1.000 | 0.950–1.050 | ±0.100 | within noise |", lines)

    def test_outside_noise_fails(self):
        # patched 30 % slower in every repetition: 1.3 against ±0.095
        rows = readers.dmabench_rows(pair(1, 2.6, 2.0) + pair(2, 2.6, 2.1))
        lines, ok = stock.section(rows)
        self.assertFalse(ok)
        self.assertTrue(any(ln.endswith("| OUTSIDE noise |") for ln in lines))

    def test_unmatched_repetitions_are_left_out(self):
        rows = readers.dmabench_rows(pair(1, 2.0, 2.0)[:1] + pair(2, 2.0, 2.0)[1:])
        self.assertEqual(stock.section(rows)[1], True)
        self.assertFalse(any(ln.startswith("| s |") for ln in stock.section(rows)[0]))


if __name__ == "__main__":
    unittest.main()
