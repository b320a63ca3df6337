// SPDX-License-Identifier: GPL-2.0
/*
 * edu_canary: plant canaries where no device may read, around the QEMU edu
 * device's own DMA, for a hostile DMA device in edu's domain to find
 * (QEMU -device vtd-hostile,victim=<edu>; vtd-testbed issue 22,
 * docs/attack.md). The device learns the IOVA pages edu's DMA translates
 * and reads them, their neighbours and a window on a virtual-clock period;
 * every canary it reads it reports. This module says what it planted, so
 * that the host can tell which reads were leaks.
 *
 * A canary is 16 bytes, little-endian: the 8 bytes of @magic ("vtdCnry!"),
 * a u32 id (kind << 24 | sequence number of that kind) and a u32 plant time,
 * the ACPI PM timer (24 bits, 3.579545 MHz, the FADT's PM timer port), so
 * the device can tell each read's age. Each round plants four kinds:
 *
 *   a (1)  sub-page: a @small-byte kmalloc buffer is mapped DMA_TO_DEVICE
 *          and read by edu; the other kmalloc objects of its page (taken
 *          from the same cache until we own as many of the page as we can)
 *          hold canaries. Mapped for @hold_ms after edu's read, then unmapped.
 *   b (2)  before-DMA contents: a page full of canaries, mapped whole
 *          DMA_FROM_DEVICE; edu writes its first 64 bytes; held, unmapped.
 *   c (3)  the deferred window: a page mapped DMA_TO_DEVICE and read by edu
 *          is unmapped, then at once filled with fresh canaries (the kernel
 *          reusing it); kept @c_window_us (inside the 10 ms flush-queue
 *          timeout), then @hold_ms more.
 *   d (4)  an earlier mapping's data: after a spacer page is mapped and
 *          unmapped, page P1 full of canaries is mapped DMA_TO_DEVICE (and
 *          read by edu with @d_read), unmapped and wiped at once; then
 *          another page's first @small bytes are mapped the same way and
 *          read by edu (under strict it may get P1's IOVA, under shadow the
 *          pool slot after P1's), held, unmapped. P1's canaries were
 *          readable while P1 was mapped; a read after the wipe ("open"
 *          below) can only have come from a copy the IOMMU layer kept. The
 *          device reports the first read of each id only, so one while P1
 *          is mapped would hide a later one: hence no edu read of P1 by
 *          default, and the spacer, which keeps P1's shadow slot from being
 *          next to one the device learned before.
 *
 * Every other canary may never be read: "open" is its plant time. Each
 * round's places are checked at its end, before they are wiped and freed,
 * for the 8 bytes "vtdMark!" that vtd-hostile,write=on writes into every
 * page it probes; a place counts in "markers" if a marker is in it where
 * the device could not write: (a)'s buffer and neighbours (a read-only
 * mapping, or none), (b)'s page after its unmap (markers found at the
 * unmap, written while the mapping was writable, are counted apart in
 * "markers_mapped" and cleared), (c)'s page, P1 (checked at its unmap) and
 * (d)'s second page.
 *
 * Result: /sys/kernel/debug/edu_canary/result, one JSON object:
 *   planted {a,b,c,d}   canaries planted per kind
 *   places {a,b,c,d}    places checked for markers per kind
 *   markers {a,b,c,d}   places holding a marker where no write was allowed
 *   markers_mapped {b}  (b) pages with a marker at the unmap (allowed)
 *   a_neighbours_min    fewest neighbour objects of (a)'s buffer in a round
 *   canaries            [first_id, count, plant_tick, open_tick, iova] per
 *                       place and round: ids first_id .. first_id+count-1,
 *                       planted at plant_tick; a read at or after
 *                       open_tick is a leak; iova: the mapping's address
 *                       (for (d), P1's)
 *   error               0, or the errno that ended the run early
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "canary.h"
#include "edu.h"

#define EDU_TIMEOUT_MS		10000	/* generous: a loaded host stalls vCPUs */
#define EDU_SPIN_US		3000	/* spin for the end of a transfer this long */
#define B_WRITE_LEN		64	/* bytes edu writes into (b)'s page */
#define A_MAX_OBJS		512	/* kmalloc objects tried for (a)'s page */
#define MAX_ROUNDS		64
#define DATA(i)			((u8)(0xd1 + (i) * 3))	/* never a canary's bytes */

static const char kind_name[NR_KINDS] = { 0, 'a', 'b', 'c', 'd' };

static unsigned int rounds = 4;
module_param(rounds, uint, 0444);
MODULE_PARM_DESC(rounds, "rounds, each planting every kind once (default 4, at most 64)");

static unsigned int hold_ms = 30;
module_param(hold_ms, uint, 0444);
MODULE_PARM_DESC(hold_ms, "how long a mapping stays after edu's DMA, and (c) after its window (default 30)");

static unsigned int c_window_us = 5000;
module_param(c_window_us, uint, 0444);
MODULE_PARM_DESC(c_window_us, "(c): canaries in the page this long after its unmap before hold_ms more (default 5000)");

static unsigned int small = 256;
module_param(small, uint, 0444);
MODULE_PARM_DESC(small, "bytes of the sub-page buffers of (a) and (d), 16..2048, a multiple of 16 (default 256)");

static char *kinds = "abcd";
module_param(kinds, charp, 0444);
MODULE_PARM_DESC(kinds, "kinds to plant, letters of abcd (default abcd)");

static char *magic = "vtdCnry!";
module_param(magic, charp, 0444);
MODULE_PARM_DESC(magic, "the 8 bytes that start a canary (default vtdCnry!)");

static bool d_read;
module_param(d_read, bool, 0444);
MODULE_PARM_DESC(d_read, "(d): edu reads P1 before its unmap (default 0: a read while P1 is mapped could be the one the device reports)");

static bool plant = true;
module_param(plant, bool, 0444);
MODULE_PARM_DESC(plant, "plant canaries (default 1; 0: the same rounds with plain data, for a test's break)");

struct edu_canary {
	struct pci_dev *pdev;
	struct device *dev;
	void __iomem *bar;
	u16 pm_port;
	u32 seq[NR_KINDS];		/* next sequence number per kind */
	unsigned int planted[NR_KINDS];
	unsigned int places[NR_KINDS];
	unsigned int markers[NR_KINDS];
	unsigned int markers_mapped_b;
	unsigned int a_neighbours_min;
	struct canary_range *ranges;
	unsigned int nr_ranges;
	int error;
	char *json;
	struct dentry *dir;
};

/* What one round keeps until its end */
struct round {
	void **a_objs;			/* [0]: the buffer, then its neighbours */
	unsigned int a_nr;
	struct page *b, *c, *d1, *d2;
};

static bool want(char kind)
{
	return strchr(kinds, kind);
}

static u32 pm_tick(struct edu_canary *ec)
{
	return canary_tick(ec->pm_port);
}

static void fill_data(void *p, size_t len)
{
	u8 *q = p;
	size_t i;

	for (i = 0; i < len; i++)
		q[i] = DATA(i);
}

/*
 * Fill [p, p + len) with canaries of @kind planted at @tick, whole tokens
 * from p; a range entry for them with @iova. Without @plant: plain data.
 */
static struct canary_range *plant_canaries(struct edu_canary *ec, void *p,
					   size_t len, int kind, u32 tick,
					   struct canary_range *r)
{
	u32 n;

	if (!plant) {
		fill_data(p, len);
		return r;
	}
	if (!r) {
		r = &ec->ranges[ec->nr_ranges++];
		*r = (struct canary_range){ .first_id = kind << 24 | ec->seq[kind],
					    .plant_tick = tick, .open_tick = tick };
	}
	n = canary_fill(p, len, magic, kind, &ec->seq[kind], tick);
	r->count += n;
	ec->planted[kind] += n;
	return r;
}

/*
 * One DMA between RAM at @iova and edu's buffer at @edu_off; waits for it.
 * Sleeps through most of edu's latency, then spins, so that the caller
 * sees the end of the transfer within microseconds (it unmaps then).
 */
static int edu_dma(struct edu_canary *ec, dma_addr_t iova, u32 edu_off,
		   u32 len, bool to_ram)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(EDU_TIMEOUT_MS);
	u64 spin = ktime_get_ns() + (EDU_LATENCY_US - EDU_SPIN_US) * NSEC_PER_USEC;

	edu_dma_start(ec->bar, to_ram ? EDU_BUF + edu_off : iova,
		      to_ram ? iova : EDU_BUF + edu_off, len,
		      to_ram ? EDU_CMD_TO_RAM : 0);
	while (edu_dma_busy(ec->bar)) {
		if (time_after(jiffies, deadline))
			return -ETIMEDOUT;
		if (ktime_get_ns() < spin)
			usleep_range(1000, 2000);
		else
			cpu_relax();
	}
	return 0;
}

/* Map @len bytes at @p for @dir, let edu do its DMA, hold, unmap */
static int dma_round_trip(struct edu_canary *ec, void *p, size_t len,
			  enum dma_data_direction dir, u32 edu_len,
			  dma_addr_t *iova_out)
{
	dma_addr_t iova = dma_map_single(ec->dev, p, len, dir);
	int ret;

	if (dma_mapping_error(ec->dev, iova))
		return -ENOMEM;
	*iova_out = iova;
	ret = edu_dma(ec, iova, 0, edu_len, dir == DMA_FROM_DEVICE);
	if (!ret)
		msleep(hold_ms);
	dma_unmap_single(ec->dev, iova, len, dir);
	return ret;
}

/* kmalloc for (a), from one call site (one cache whatever the config) */
static noinline void *a_alloc(void)
{
	return kmalloc(small, GFP_KERNEL);
}

static bool in_page(void *obj, unsigned long page)
{
	unsigned long a = (unsigned long)obj;

	return (a & PAGE_MASK) == page && ((a + small - 1) & PAGE_MASK) == page;
}

/*
 * (a)'s buffer and neighbours: objects of one kmalloc cache, kept where the
 * most of them share a page (all of it when we get a whole page), the others
 * freed. r->a_objs[0] is the buffer.
 */
static int a_objects(struct edu_canary *ec, struct round *r)
{
	unsigned int per_page = PAGE_SIZE / small, i, j, n, best = 0, nr = 0;
	unsigned long page, best_page = 0;
	void **objs;

	objs = kcalloc(A_MAX_OBJS, sizeof(*objs), GFP_KERNEL);
	r->a_objs = kcalloc(per_page, sizeof(*objs), GFP_KERNEL);
	if (!objs || !r->a_objs) {
		kfree(objs);
		return -ENOMEM;
	}
	for (i = 0; i < A_MAX_OBJS && best < per_page; i++) {
		objs[i] = a_alloc();
		if (!objs[i])
			break;
		nr = i + 1;
		page = (unsigned long)objs[i] & PAGE_MASK;
		if (!in_page(objs[i], page))
			continue;
		for (j = 0, n = 0; j <= i; j++)
			n += in_page(objs[j], page);
		if (n > best) {
			best = n;
			best_page = page;
		}
	}
	for (i = 0; i < nr; i++) {
		if (best_page && in_page(objs[i], best_page) && r->a_nr < per_page)
			r->a_objs[r->a_nr++] = objs[i];
		else
			kfree(objs[i]);
	}
	kfree(objs);
	if (r->a_nr < 2)
		return -ENOSPC;		/* no page with a neighbour */
	ec->a_neighbours_min = min(ec->a_neighbours_min, r->a_nr - 1);
	return 0;
}

static int kind_a(struct edu_canary *ec, struct round *r)
{
	struct canary_range *cr = NULL;
	dma_addr_t iova;
	unsigned int i;
	u32 tick;
	int ret;

	ret = a_objects(ec, r);
	if (ret)
		return ret;
	tick = pm_tick(ec);
	for (i = 1; i < r->a_nr; i++)
		cr = plant_canaries(ec, r->a_objs[i], small, KIND_A, tick, cr);
	fill_data(r->a_objs[0], small);
	ret = dma_round_trip(ec, r->a_objs[0], small, DMA_TO_DEVICE, small, &iova);
	if (cr)
		cr->iova = iova;
	return ret;
}

static int kind_b(struct edu_canary *ec, struct round *r)
{
	struct canary_range *cr;
	dma_addr_t iova;
	void *p;
	int ret;

	r->b = alloc_page(GFP_KERNEL);
	if (!r->b)
		return -ENOMEM;
	p = page_address(r->b);
	cr = plant_canaries(ec, p, PAGE_SIZE, KIND_B, pm_tick(ec), NULL);
	ret = dma_round_trip(ec, p, PAGE_SIZE, DMA_FROM_DEVICE, B_WRITE_LEN, &iova);
	if (cr)
		cr->iova = iova;
	/* Written while the mapping allowed it; from now on, no write may land */
	if (canary_find_marker(p, PAGE_SIZE, true))
		ec->markers_mapped_b++;
	return ret;
}

static int kind_c(struct edu_canary *ec, struct round *r)
{
	struct canary_range *cr;
	dma_addr_t iova;
	void *p;
	int ret;

	r->c = alloc_page(GFP_KERNEL);
	if (!r->c)
		return -ENOMEM;
	p = page_address(r->c);
	fill_data(p, PAGE_SIZE);
	iova = dma_map_single(ec->dev, p, PAGE_SIZE, DMA_TO_DEVICE);
	if (dma_mapping_error(ec->dev, iova))
		return -ENOMEM;
	ret = edu_dma(ec, iova, 0, PAGE_SIZE, false);
	dma_unmap_single(ec->dev, iova, PAGE_SIZE, DMA_TO_DEVICE);
	/* The kernel reuses the page at once */
	cr = plant_canaries(ec, p, PAGE_SIZE, KIND_C, pm_tick(ec), NULL);
	if (cr)
		cr->iova = iova;
	if (ret)
		return ret;
	usleep_range(c_window_us, c_window_us + 100);
	msleep(hold_ms);
	return 0;
}

static int kind_d(struct edu_canary *ec, struct round *r)
{
	struct canary_range *cr;
	dma_addr_t iova;
	void *p;
	int ret;

	r->d1 = alloc_page(GFP_KERNEL);
	r->d2 = alloc_page(GFP_KERNEL);
	if (!r->d1 || !r->d2)
		return -ENOMEM;
	/*
	 * A spacer, mapped and unmapped without DMA: under shadow P1's pool
	 * slot then lies next to one the device never learned, so it is not
	 * probed while P1 is mapped (a canary's first read is the one
	 * reported, and one while P1 is mapped is no leak)
	 */
	p = page_address(r->d2);
	iova = dma_map_single(ec->dev, p, PAGE_SIZE, DMA_TO_DEVICE);
	if (dma_mapping_error(ec->dev, iova))
		return -ENOMEM;
	dma_unmap_single(ec->dev, iova, PAGE_SIZE, DMA_TO_DEVICE);
	p = page_address(r->d1);
	cr = plant_canaries(ec, p, PAGE_SIZE, KIND_D, pm_tick(ec), NULL);
	iova = dma_map_single(ec->dev, p, PAGE_SIZE, DMA_TO_DEVICE);
	if (dma_mapping_error(ec->dev, iova))
		return -ENOMEM;
	ret = d_read ? edu_dma(ec, iova, 0, PAGE_SIZE, false) : 0;
	dma_unmap_single(ec->dev, iova, PAGE_SIZE, DMA_TO_DEVICE);
	/* P1's owner is done with its data: gone from P1 itself */
	ec->places[KIND_D]++;
	if (canary_find_marker(p, PAGE_SIZE, false))
		ec->markers[KIND_D]++;
	memset(p, 0, PAGE_SIZE);
	if (cr) {
		cr->open_tick = pm_tick(ec);
		cr->iova = iova;
	}
	if (ret)
		return ret;
	p = page_address(r->d2);
	fill_data(p, PAGE_SIZE);
	return dma_round_trip(ec, p, small, DMA_TO_DEVICE, small, &iova);
}

/* The round's places: markers where no write was allowed, wipe, free */
static void round_end(struct edu_canary *ec, struct round *r)
{
	unsigned int i;

	for (i = 0; i < r->a_nr; i++) {
		ec->places[KIND_A]++;
		if (canary_find_marker(r->a_objs[i], small, false))
			ec->markers[KIND_A]++;
		memset(r->a_objs[i], 0, small);
		kfree(r->a_objs[i]);
	}
	kfree(r->a_objs);
	if (r->b) {
		ec->places[KIND_B]++;
		ec->markers[KIND_B] += canary_find_marker(page_address(r->b), PAGE_SIZE, false);
		memset(page_address(r->b), 0, PAGE_SIZE);
		__free_page(r->b);
	}
	if (r->c) {
		ec->places[KIND_C]++;
		ec->markers[KIND_C] += canary_find_marker(page_address(r->c), PAGE_SIZE, false);
		memset(page_address(r->c), 0, PAGE_SIZE);
		__free_page(r->c);
	}
	if (r->d2) {
		ec->places[KIND_D]++;
		ec->markers[KIND_D] += canary_find_marker(page_address(r->d2), PAGE_SIZE, false);
		__free_page(r->d2);
	}
	if (r->d1)
		__free_page(r->d1);	/* wiped at its unmap */
	memset(r, 0, sizeof(*r));
}

static void edu_canary_run(struct edu_canary *ec)
{
	struct round r = { };
	unsigned int i;
	int ret = 0;

	for (i = 0; i < rounds && !ret; i++) {
		if (want('a'))
			ret = kind_a(ec, &r);
		if (!ret && want('b'))
			ret = kind_b(ec, &r);
		if (!ret && want('c'))
			ret = kind_c(ec, &r);
		if (!ret && want('d'))
			ret = kind_d(ec, &r);
		round_end(ec, &r);
		if (ret)
			pr_info("round %u: error %d\n", i, ret);
	}
	ec->error = ret;
}

static size_t json_len(void)
{
	return 1024 + MAX_ROUNDS * (NR_KINDS - 1) * 64;
}

/* The result as one line of JSON, in ec->json */
static void edu_canary_format(struct edu_canary *ec)
{
	size_t size = json_len(), n;
	char *buf = ec->json;
	unsigned int i, k;
	const char *sep;

	n = scnprintf(buf, size,
		      "{\"rounds\":%u,\"kinds\":\"%s\",\"small\":%u,\"hold_ms\":%u,\"c_window_us\":%u,\"d_read\":%d,\"magic\":\"%s\",\"plant\":%d,\"pm_port\":%u,\"pm_hz\":%u,\"a_neighbours_min\":%u",
		      rounds, kinds, small, hold_ms, c_window_us, d_read, magic,
		      plant,
		      ec->pm_port, CANARY_PM_HZ,
		      ec->a_neighbours_min == UINT_MAX ? 0 : ec->a_neighbours_min);
	for (i = 0; i < 3; i++) {
		const unsigned int *v = i == 0 ? ec->planted :
					i == 1 ? ec->places : ec->markers;

		n += scnprintf(buf + n, size - n, ",\"%s\":{",
			       i == 0 ? "planted" : i == 1 ? "places" : "markers");
		for (k = KIND_A, sep = ""; k < NR_KINDS; k++, sep = ",")
			n += scnprintf(buf + n, size - n, "%s\"%c\":%u", sep,
				       kind_name[k], v[k]);
		n += scnprintf(buf + n, size - n, "}");
	}
	n += scnprintf(buf + n, size - n,
		       ",\"markers_mapped\":{\"b\":%u},\"canaries\":[",
		       ec->markers_mapped_b);
	for (i = 0; i < ec->nr_ranges; i++) {
		const struct canary_range *r = &ec->ranges[i];

		n += scnprintf(buf + n, size - n, "%s[%u,%u,%u,%u,%llu]",
			       i ? "," : "", r->first_id, r->count,
			       r->plant_tick, r->open_tick, (u64)r->iova);
	}
	scnprintf(buf + n, size - n, "],\"error\":%d}\n", ec->error);
}

static int edu_canary_result_show(struct seq_file *m, void *unused)
{
	struct edu_canary *ec = m->private;

	seq_puts(m, ec->json);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(edu_canary_result);

static int check_params(void)
{
	const char *k;

	if (!rounds || rounds > MAX_ROUNDS || small < CANARY_SIZE ||
	    small > EDU_BUF_SIZE / 2 || small % CANARY_SIZE)
		return -EINVAL;
	for (k = kinds; *k; k++)
		if (*k < 'a' || *k > 'd')
			return -EINVAL;
	return canary_magic_ok(magic) ? 0 : -EINVAL;
}

static int edu_canary_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct edu_canary *ec;
	int ret;

	ret = check_params();
	if (ret) {
		pr_err("bad parameters (rounds 1..%d, small 16..2048 in 16s, kinds of abcd, magic 8 printable bytes)\n",
		       MAX_ROUNDS);
		return ret;
	}
	ec = devm_kzalloc(&pdev->dev, sizeof(*ec), GFP_KERNEL);
	if (!ec)
		return -ENOMEM;
	ec->pdev = pdev;
	ec->dev = &pdev->dev;
	ec->a_neighbours_min = UINT_MAX;
	ec->pm_port = canary_pm_port();
	if (!ec->pm_port) {
		pr_err("no ACPI PM timer port in the FADT\n");
		return -ENODEV;
	}
	ec->ranges = devm_kcalloc(&pdev->dev, MAX_ROUNDS * (NR_KINDS - 1),
				  sizeof(*ec->ranges), GFP_KERNEL);
	ec->json = devm_kzalloc(&pdev->dev, json_len(), GFP_KERNEL);
	if (!ec->ranges || !ec->json)
		return -ENOMEM;
	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	pci_set_master(pdev);
	ret = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(EDU_DMA_BITS));
	if (ret)
		return ret;
	ec->bar = pcim_iomap(pdev, 0, 0);
	if (!ec->bar)
		return -ENOMEM;
	pci_set_drvdata(pdev, ec);

	edu_canary_run(ec);
	edu_canary_format(ec);
	pr_info("planted a=%u b=%u c=%u d=%u, markers a=%u b=%u c=%u d=%u, error %d\n",
		ec->planted[KIND_A], ec->planted[KIND_B], ec->planted[KIND_C],
		ec->planted[KIND_D], ec->markers[KIND_A], ec->markers[KIND_B],
		ec->markers[KIND_C], ec->markers[KIND_D], ec->error);
	ec->dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("result", 0444, ec->dir, ec, &edu_canary_result_fops);
	return 0;
}

static void edu_canary_remove(struct pci_dev *pdev)
{
	struct edu_canary *ec = pci_get_drvdata(pdev);

	debugfs_remove_recursive(ec->dir);
}

static const struct pci_device_id edu_canary_ids[] = {
	{ PCI_DEVICE(EDU_VENDOR, EDU_DEVICE) },
	{ }
};
MODULE_DEVICE_TABLE(pci, edu_canary_ids);

static struct pci_driver edu_canary_driver = {
	.name		= KBUILD_MODNAME,
	.id_table	= edu_canary_ids,
	.probe		= edu_canary_probe,
	.remove		= edu_canary_remove,
};
module_pci_driver(edu_canary_driver);

MODULE_DESCRIPTION("Canaries for a hostile DMA device in the QEMU edu device's domain");
MODULE_LICENSE("GPL");
