"""vtdlib.readers and vtdlib.counted: the guest's JSON fields turned into
rows, on records with known numbers."""

import unittest

from report_fixtures import attack_run, device_like, dma, gc, mc, qi, rrloop, stock_dma

from vtdlib import counted, readers
from vtdlib.names import DESCRIPTORS
from vtdlib.record import Record


class Dmabench(unittest.TestCase):
    def test_measured_ops_and_ns(self):
        [row] = readers.dmabench_rows([dma("s", "strict", 2, unmap_ns=2500, ops=300000, map_ns=1500,
                                           elapsed_ms=2000)])
        self.assertEqual((row["map_us"], row["unmap_us"], row["ops_per_s"]), (1.5, 2.5, 150000))
        self.assertEqual((row["ops_source"], row["lat_source"]), (readers.OPS_MEASURED, readers.LAT_NS))
        self.assertEqual((row["series"], row["threads"], row["rep"], row["map"]), ("s", 2, 1, "single"))

    def test_stock_derives_ops_from_the_means(self):
        # 1 thread / (0.7 + 1.6 µs) = 434783 pairs per second
        [row] = readers.dmabench_rows([stock_dma("v", "strict", 1, 0.7, 1.6, "stock")])
        self.assertEqual((row["ops_per_s"], row["ops_source"], row["lat_source"]),
                         (434783, readers.OPS_DERIVED, readers.LAT_UPSTREAM))
        self.assertEqual(row["variant"], "stock")

    def test_other_jobs_and_failed_runs_are_skipped(self):
        failed = dma("s", "strict", 1, 1, 1)
        failed.result = None
        self.assertEqual(readers.dmabench_rows([failed, mc("off", 1, 10)]), [])

    def test_swept_cost_from_the_iommu_options(self):
        r = dma("s", "strict", 1, 1000, 10, iommu_opts={readers.QI_COST_PROP: "4000"})
        self.assertEqual(readers.qi_cost_ns(r), 4000)
        self.assertEqual(readers.qi_cost_ns(dma("s", "strict", 1, 1000, 10)), "")


class Exposure(unittest.TestCase):
    def test_bucket_upper_bounds_per_million_unmaps(self):
        # 100 entries < 1024 µs and 10 >= 4096 µs over 1000 unmaps, 2 pages each:
        # (100 * 1.024 + 10 * 4.096) ms * 2 * 1000 = 286720 page*ms per 10^6
        res = {"guest_counters": {"unmaps": 1000, "fq_age_us_lt_1024": 100, "fq_age_us_ge_4096": 10,
                                  "iotlb_page": 3}, "granule": 2}
        self.assertAlmostEqual(readers.exposure(res), 286720)
        self.assertAlmostEqual(readers.exposure(res, 1), 143360)

    def test_no_counters_no_exposure_empty_histogram_zero(self):
        self.assertIsNone(readers.exposure({}))
        self.assertIsNone(readers.exposure({"guest_counters": {"unmaps": 0}}))
        self.assertEqual(readers.exposure({"guest_counters": gc(10)}), 0)

    def test_fio_pages_per_io(self):
        self.assertEqual([readers.fio_pages({"bs": b}) for b in ("4k", "64k", "2k", "512")], [1, 16, 1, 1])


class Network(unittest.TestCase):
    def test_memcached_shares_from_the_host_load(self):
        [row] = readers.network_rows([mc("strict", 2, 950, busy=0.5, main_loop=0.3, wait=0.4, pair="strict")])
        self.assertEqual((row["job"], row["nic"], row["clock"], row["tps"], row["pair"]),
                         ("memcached", "virtio-net", "wall", 950, "strict"))
        self.assertEqual((row["vcpu_thread_max"], row["main_loop"], row["vcpu_wait_max"]), (0.9, 0.3, 0.4))
        self.assertEqual((row["load_cpu_s"], row["load_wall_s"], row["guest_cpu_busy"]), (2.0, 10.0, 0.5))

    def test_rrloop_in_virtual_time_with_its_build(self):
        [row] = readers.network_rows([rrloop("off", 10000, binaries={"qemu": "a" * 64, "kernel": "b" * 64})])
        self.assertEqual((row["clock"], row["tps"], row["p50_us"], row["p99_us"]), ("virtual", 10000, 90, 120))
        self.assertEqual(row["binaries"], "a" * 12 + "/" + "b" * 12)
        self.assertEqual(row["main_loop"], "")

    def test_rrloop_vmode_rows_name_device_iotlb(self):
        r = rrloop("strict", 7000, vmode="caching", batching="forced-strict")
        r.iommu_opts = {"device-iotlb": "on"}
        [row] = readers.rrloop_vmode_rows([r, mc("off", 1, 5)])
        self.assertEqual((row["vmode"], row["tps"], row["batching"]), ("caching + device-IOTLB", 7000, "forced-strict"))


class Plane(unittest.TestCase):
    def test_local_and_network_samples_legacy_plain_only(self):
        recs = [dma("pl", "percpu", 2, 1000, 80000, threads=1, counters=gc(1000, b1024=100)),
                dma("pl", "strict", 2, 1000, 50000, threads=1, vmode="caching"),
                dma("pl", "strict", 2, 1000, 50000, threads=1, variant="stock"),
                mc("global", 2, 1800, counters=gc(1000, b4=500)), mc("off", 2, 1000)]
        s = readers.plane_samples(recs)
        self.assertEqual(s[0], ("local", "dma_map_benchmark", "1 thread(s), 2 vCPU(s) [pl]", "pl", "percpu", 1,
                                80.0, 102400.0))
        self.assertEqual(s[1], ("net", ("memcached", "virtio-net", 2, "wall"), "mc", "global", 2000.0))
        self.assertEqual(len(s), 2)


class Stale(unittest.TestCase):
    def test_module_and_audit(self):
        r = Record("stale", "percpu", 1, point={"series": "st", "mode": "percpu", "cpus": 1, "threads": 1,
                                                "rep": 2, "variant": None, "iommu_opts": None, "vary": {}},
                   result={"module": {"tries": 1000, "armed": 990, "landed": 3, "clean": 987, "early": 0,
                                      "landed_window_max_ns": 2500000, "points": [[1500, 1]]}},
                   device_counters={"audit": {"enabled": True, "stale": {"translations": 4, "age_min_ns": 1e8,
                                                                         "age_max_ns": 2e8}}})
        [row] = readers.stale_rows([r])
        self.assertEqual((row["unmaps"], row["landed"], row["audit"], row["audit_stale"]), (1000, 3, True, 4))
        self.assertEqual((row["audit_age_max_ms"], row["landed_window_max_ms"], row["rep"]), (200.0, 2.5, 2))


class Counted(unittest.TestCase):
    def test_invalidations_per_thousand_unmaps_and_agreement(self):
        g = dict(dict.fromkeys(DESCRIPTORS, 0), unmaps=2000, iotlb_page=1990, iotlb_global=10, wait=2000)
        ok, bad = device_like(g), device_like(g, iotlb_page=1989)
        rows = counted.invalidation_rows([dma("s", "strict", 1, 1, 1, counters=g, device=ok),
                                          dma("s", "strict", 1, 1, 1, counters=g, device=bad)])
        self.assertEqual((rows[0]["iotlb_per_1k_unmaps"], rows[0]["waits_per_1k_unmaps"]), (1000.0, 1000.0))
        self.assertEqual([r["guest_equals_device"] for r in rows], [True, False])

    def test_vmode_rows_split_map_and_unmap_flushes(self):
        # caching mode: 1000 flushes on map, 1000 on unmap, over 1000 unmaps
        g = {"unmaps": 1000, "iotlb_page": 2000, "flush_map": 1000}
        [row] = counted.vmode_dma_rows([dma("s", "strict", 1, 3000, 1, counters=g, device=qi(page=2000),
                                            vmode="caching")])
        self.assertEqual((row["vmode"], row["map"], row["unmap"], row["unmap_us"], row["agree"]),
                         ("caching", 1.0, 1.0, 3.0, True))

    def test_trace_rows_four_per_run(self):
        r = dma("s", "strict", 1, 1, 1, device=qi(page=5, waits=5))
        r.trace_counts = {"vtd_inv_desc": 10, "vtd_inv_desc_iotlb_pages": 5, "vtd_inv_desc_wait_sw": 4}
        rows = counted.trace_rows([r, attack_run("strict")])
        self.assertEqual([(x["device"], x["trace"]) for x in rows], [(10, 10), (5, 5), (0, 0), (5, 4)])

    def test_guest_counters(self):
        self.assertEqual(counted.guest_counters(dma("s", "lazy", 1, 1, 1, counters=gc(3))), gc(3))
        self.assertIsNone(counted.guest_counters(mc("off", 1, 1)))


if __name__ == "__main__":
    unittest.main()
