// SPDX-License-Identifier: GPL-2.0
/*
 * edu_stale: let the QEMU edu device DMA through an IOVA that was just
 * unmapped, to show the stale-translation window of deferred IOTLB
 * invalidation (vtd-testbed issue 8, docs/stale-audit.md).
 *
 * edu runs a transfer 100 ms (virtual time) after the command.  Each round
 * maps a victim page, warms the IOTLB with a DMA read of it, then starts a
 * DMA write of a pattern to the same IOVA and unmaps the page shortly
 * before the device performs the write.  With strict invalidation the
 * write faults and the page stays clean; with a flush queue the IOTLB
 * still holds the translation and the pattern lands in the page.  The page
 * itself stays allocated until the round ends, so nothing else is hit.
 *
 * Results: one line per round and a JSON summary in the kernel log, and
 * the same summary in /sys/kernel/debug/edu_stale/result.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/io.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/seq_file.h>

#include "edu.h"

#define EDU_BUF_WARM		(EDU_BUF + EDU_BUF_SIZE / 2)
#define EDU_TIMEOUT_MS		2000
#define EDU_STALE_PATTERN	0x5a
#define EDU_STALE_POINTS	64		/* armed rounds kept in full */
#define EDU_STALE_JSON_MAX	(256 + EDU_STALE_POINTS * 16)

static unsigned int rounds = 5;
module_param(rounds, uint, 0444);
MODULE_PARM_DESC(rounds, "rounds whose write is known to follow the unmap (default 5)");

static unsigned int tries = 40;
module_param(tries, uint, 0444);
MODULE_PARM_DESC(tries, "give up after this many rounds in all (default 40)");

static unsigned int delay_us = 96000;
module_param(delay_us, uint, 0444);
MODULE_PARM_DESC(delay_us, "initial command-to-unmap delay, adapted per round (default 96000)");

static unsigned int sweep_step_us;
module_param(sweep_step_us, uint, 0444);
MODULE_PARM_DESC(sweep_step_us, "if set, aim the unmap at windows of step, 2*step, ... sweep_max_us before the write instead of adapting");

static unsigned int sweep_max_us = 20000;
module_param(sweep_max_us, uint, 0444);
MODULE_PARM_DESC(sweep_max_us, "largest window of a sweep (default 20000)");

static unsigned int len = 256;
module_param(len, uint, 0444);
MODULE_PARM_DESC(len, "bytes per DMA write, at most 2048 (default 256)");

/* Outcome of all rounds */
struct edu_stale_result {
	unsigned int tries;		/* rounds run */
	unsigned int armed;		/* write certainly after the unmap */
	unsigned int early;		/* write done before the unmap: ignored */
	unsigned int landed;		/* armed, and the pattern reached the page */
	unsigned int clean;		/* armed, and the page stayed clean */
	unsigned int timeouts;		/* the device did not finish in time */
	u64 window_min_ns;		/* unmap done -> write seen done, armed */
	u64 window_max_ns;
	u64 landed_window_max_ns;	/* the same, over landed rounds only */
	dma_addr_t first_iova;		/* first landed round: IOVA written */
	phys_addr_t first_phys;		/* ... and the page it reached */
	unsigned int final_delay_us;
	u32 point_us[EDU_STALE_POINTS];	/* armed rounds: window, us */
	bool point_landed[EDU_STALE_POINTS]; /* ... and whether it landed */
	unsigned int nr_points;
	bool done;			/* the summary is complete */
};

/* One bound edu device */
struct edu_stale {
	struct pci_dev *pdev;
	void __iomem *bar;		/* edu registers */
	void *pattern;			/* source of the stale write */
	dma_addr_t pattern_dma;		/* coherent, mapped throughout */
	struct edu_stale_result res;	/* protected by edu_stale_lock */
	struct dentry *dir;
};

static DEFINE_MUTEX(edu_stale_lock);
static struct edu_stale *edu_stale_dev;		/* edu_stale_lock */
static char edu_stale_json[EDU_STALE_JSON_MAX];	/* edu_stale_lock */

static bool edu_stale_busy(struct edu_stale *es)
{
	return edu_dma_busy(es->bar);
}

/* Wait for the transfer to finish; returns the time it was seen done */
static int edu_stale_wait(struct edu_stale *es, u64 *done_ns)
{
	u64 deadline = ktime_get_ns() + EDU_TIMEOUT_MS * NSEC_PER_MSEC;

	while (edu_stale_busy(es)) {
		if (ktime_get_ns() > deadline)
			return -ETIMEDOUT;
		usleep_range(50, 100);
	}
	if (done_ns)
		*done_ns = ktime_get_ns();
	return 0;
}

/* Sleep, then spin, until @until_ns; false if the device finished first */
static bool edu_stale_wait_until(struct edu_stale *es, u64 until_ns)
{
	s64 left;

	while ((left = until_ns - ktime_get_ns()) > 0) {
		if (!edu_stale_busy(es))
			return false;
		if (left > 2 * NSEC_PER_MSEC)
			usleep_range(1000, 1500);
		else
			cpu_relax();
	}
	return edu_stale_busy(es);
}

static bool edu_stale_page_hit(struct page *page)
{
	const u8 *p = page_address(page);
	unsigned int i;

	for (i = 0; i < len; i++)
		if (p[i] != EDU_STALE_PATTERN)
			return false;
	return true;
}

/*
 * One round, unmapping *delay us after the write command.  Adapts *delay
 * so that the write follows the unmap closely, unless @fixed.
 */
static int edu_stale_round(struct edu_stale *es, unsigned int *delay,
			   bool fixed)
{
	struct edu_stale_result *r = &es->res;
	struct device *dev = &es->pdev->dev;
	u64 t0, unmapped, done, window;
	struct page *victim;
	phys_addr_t phys;
	dma_addr_t iova;
	bool armed;
	int ret;

	victim = alloc_page(GFP_KERNEL | __GFP_ZERO);
	if (!victim)
		return -ENOMEM;
	iova = dma_map_page(dev, victim, 0, PAGE_SIZE, DMA_BIDIRECTIONAL);
	ret = dma_mapping_error(dev, iova);
	if (ret)
		goto out_free;

	/* Warm the IOTLB: the device reads the page once */
	edu_dma_start(es->bar, iova, EDU_BUF_WARM, len, 0);
	ret = edu_stale_wait(es, NULL);
	if (ret)
		goto out_unmap;

	/* The write, then the unmap just before the device performs it */
	edu_dma_start(es->bar, EDU_BUF, iova, len, EDU_CMD_TO_RAM);
	t0 = ktime_get_ns();
	armed = edu_stale_wait_until(es, t0 + (u64)*delay * NSEC_PER_USEC);
	dma_unmap_page(dev, iova, PAGE_SIZE, DMA_BIDIRECTIONAL);
	unmapped = ktime_get_ns();
	/* Still pending after the unmap returned: it cannot have preceded it */
	armed = armed && edu_stale_busy(es);
	ret = edu_stale_wait(es, &done);
	if (ret) {
		r->timeouts++;
		goto out_free;
	}

	r->tries++;
	if (!armed) {
		r->early++;
		if (!fixed && *delay > 4000)
			*delay -= 2000;
		pr_info("round %u: write before the unmap, delay now %u us\n",
			r->tries, *delay);
		goto out_free;
	}
	window = done - unmapped;
	r->armed++;
	if (r->nr_points < EDU_STALE_POINTS) {
		r->point_us[r->nr_points] = div_u64(window, NSEC_PER_USEC);
		r->point_landed[r->nr_points++] = edu_stale_page_hit(victim);
	}
	if (r->armed == 1 || window < r->window_min_ns)
		r->window_min_ns = window;
	r->window_max_ns = max(r->window_max_ns, window);
	if (edu_stale_page_hit(victim)) {
		phys = page_to_phys(victim);
		if (!r->landed++) {
			r->first_iova = iova;
			r->first_phys = phys;
		}
		r->landed_window_max_ns = max(r->landed_window_max_ns, window);
		pr_info("round %u: stale write landed: iova %pad -> phys %pa, %u bytes, %llu ns after unmap\n",
			r->tries, &iova, &phys, len, window);
	} else {
		r->clean++;
		/* the flush came first: unmap closer to the write next time */
		if (!fixed)
			*delay = min(*delay + 1000, EDU_LATENCY_US - 500);
		pr_info("round %u: no write: iova %pad unmapped %llu ns before the device finished\n",
			r->tries, &iova, window);
	}
	goto out_free;

out_unmap:
	dma_unmap_page(dev, iova, PAGE_SIZE, DMA_BIDIRECTIONAL);
out_free:
	__free_page(victim);
	return ret;
}

/* The summary as one line of JSON, in edu_stale_json */
static void edu_stale_format(const struct edu_stale_result *r)
{
	char *buf = edu_stale_json;
	size_t size = sizeof(edu_stale_json);
	size_t n;
	unsigned int i;

	lockdep_assert_held(&edu_stale_lock);
	n = scnprintf(buf, size,
		      "{\"tries\":%u,\"armed\":%u,\"early\":%u,\"landed\":%u,\"clean\":%u,\"timeouts\":%u,\"len\":%u,\"final_delay_us\":%u,\"window_min_ns\":%llu,\"window_max_ns\":%llu,\"landed_window_max_ns\":%llu,\"first_iova\":%llu,\"first_phys\":%llu,\"points\":[",
		      r->tries, r->armed, r->early, r->landed, r->clean,
		      r->timeouts, len, r->final_delay_us, r->window_min_ns,
		      r->window_max_ns, r->landed_window_max_ns,
		      (u64)r->first_iova, (u64)r->first_phys);
	for (i = 0; i < r->nr_points; i++)
		n += scnprintf(buf + n, size - n, "%s[%u,%u]", i ? "," : "",
			       r->point_us[i], r->point_landed[i]);
	scnprintf(buf + n, size - n, "],\"done\":%s}\n",
		  r->done ? "true" : "false");
}

static int edu_stale_result_show(struct seq_file *m, void *unused)
{
	mutex_lock(&edu_stale_lock);
	if (edu_stale_dev) {
		edu_stale_format(&edu_stale_dev->res);
		seq_puts(m, edu_stale_json);
	}
	mutex_unlock(&edu_stale_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(edu_stale_result);

static void edu_stale_run(struct edu_stale *es)
{
	struct edu_stale_result *r = &es->res;
	unsigned int delay = delay_us;
	unsigned int i, target;

	/* The edu buffer's first half holds the pattern for every write */
	memset(es->pattern, EDU_STALE_PATTERN, len);
	edu_dma_start(es->bar, es->pattern_dma, EDU_BUF, len, 0);
	if (edu_stale_wait(es, NULL)) {
		r->timeouts++;
		goto out;
	}
	if (sweep_step_us) {
		/* one round per target window, step .. sweep_max_us */
		for (target = sweep_step_us;
		     target <= min(sweep_max_us, EDU_LATENCY_US / 2);
		     target += sweep_step_us) {
			delay = EDU_LATENCY_US - target;
			if (edu_stale_round(es, &delay, true))
				break;
		}
		goto out;
	}
	for (i = 0; i < tries && r->armed < rounds; i++)
		if (edu_stale_round(es, &delay, false))
			break;
out:
	r->final_delay_us = delay;
	r->done = true;
	edu_stale_format(r);
	pr_info("result %s", edu_stale_json);
}

static int edu_stale_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct edu_stale *es;
	int ret;

	if (len == 0 || len > EDU_BUF_SIZE / 2)
		return -EINVAL;
	es = devm_kzalloc(&pdev->dev, sizeof(*es), GFP_KERNEL);
	if (!es)
		return -ENOMEM;
	es->pdev = pdev;
	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	pci_set_master(pdev);
	ret = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(EDU_DMA_BITS));
	if (ret)
		return ret;
	es->bar = pcim_iomap(pdev, 0, 0);
	if (!es->bar)
		return -ENOMEM;
	es->pattern = dmam_alloc_coherent(&pdev->dev, PAGE_SIZE,
					  &es->pattern_dma, GFP_KERNEL);
	if (!es->pattern)
		return -ENOMEM;
	pci_set_drvdata(pdev, es);

	mutex_lock(&edu_stale_lock);
	edu_stale_dev = es;
	edu_stale_run(es);
	mutex_unlock(&edu_stale_lock);
	es->dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("result", 0444, es->dir, NULL,
			    &edu_stale_result_fops);
	return 0;
}

static void edu_stale_remove(struct pci_dev *pdev)
{
	struct edu_stale *es = pci_get_drvdata(pdev);

	debugfs_remove_recursive(es->dir);
	mutex_lock(&edu_stale_lock);
	edu_stale_dev = NULL;
	mutex_unlock(&edu_stale_lock);
}

static const struct pci_device_id edu_stale_ids[] = {
	{ PCI_DEVICE(EDU_VENDOR, EDU_DEVICE) },
	{ }
};
MODULE_DEVICE_TABLE(pci, edu_stale_ids);

static struct pci_driver edu_stale_driver = {
	.name		= KBUILD_MODNAME,
	.id_table	= edu_stale_ids,
	.probe		= edu_stale_probe,
	.remove		= edu_stale_remove,
};
module_pci_driver(edu_stale_driver);

MODULE_DESCRIPTION("DMA through a just-unmapped IOVA with the QEMU edu device");
MODULE_LICENSE("GPL");
