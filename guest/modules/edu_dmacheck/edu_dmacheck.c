// SPDX-License-Identifier: GPL-2.0
/*
 * edu_dmacheck: check that the QEMU edu device's DMA moves exactly the
 * right bytes through streaming mappings, whatever the IOMMU DMA scheme
 * (iommu.dma_scheme=shadow copies through a pool; the others map the
 * buffer itself). Each case fills a page with a sentinel, maps part of it
 * at an odd offset, lets edu read or write it, unmaps, and compares every
 * byte of the page: the mapped bytes must carry the data, the others must
 * keep the sentinel.
 *
 *   to_device      map 300 bytes at offset 100 for DMA_TO_DEVICE; edu reads
 *                  them into its buffer
 *   from_device    map 300 bytes at offset 200 for DMA_FROM_DEVICE; edu
 *                  writes its buffer there: the bytes to_device sent
 *   bidirectional  one DMA_BIDIRECTIONAL mapping of a page; edu reads its
 *                  first 256 bytes and writes them back at offset 1024
 *   sync           DMA_FROM_DEVICE; after edu's write the data must be seen
 *                  after dma_sync_single_for_cpu(), before the unmap
 *
 * Result: one JSON line "edu_dmacheck: result {...}" in the kernel log.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/io.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/slab.h>

#include "edu.h"

#define EDU_TIMEOUT_MS		10000		/* generous: a loaded host stalls vCPUs */
#define SENTINEL		0xee

/* One DMA between RAM at @iova and edu's buffer; waits for it to finish */
static int edu_dma(void __iomem *bar, dma_addr_t iova, u32 edu_off, u32 len,
		   bool to_ram)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(EDU_TIMEOUT_MS);

	edu_dma_start(bar, to_ram ? EDU_BUF + edu_off : iova,
		      to_ram ? iova : EDU_BUF + edu_off, len,
		      to_ram ? EDU_CMD_TO_RAM : 0);
	while (edu_dma_busy(bar)) {
		if (time_after(jiffies, deadline))
			return -ETIMEDOUT;
		usleep_range(100, 200);
	}
	return 0;
}

/* Bytes [off, off + len) of @page hold @data, every other byte SENTINEL */
static bool page_is(const u8 *page, size_t off, const u8 *data, size_t len)
{
	size_t i;

	for (i = 0; i < PAGE_SIZE; i++) {
		u8 want = i >= off && i < off + len ? data[i - off] : SENTINEL;

		if (page[i] != want) {
			pr_info("byte %zu is 0x%02x, want 0x%02x\n", i, page[i], want);
			return false;
		}
	}
	return true;
}

static int edu_dmacheck_run(struct pci_dev *pdev, void __iomem *bar)
{
	struct device *dev = &pdev->dev;
	u8 *a, *b, data[300];
	bool to_dev = false, from_dev = false, bidir = false, sync = false;
	dma_addr_t iova;
	size_t i;
	int ret = -ENOMEM;

	a = (u8 *)get_zeroed_page(GFP_KERNEL);
	b = (u8 *)get_zeroed_page(GFP_KERNEL);
	if (!a || !b)
		goto out;
	for (i = 0; i < sizeof(data); i++)
		data[i] = i * 7 + 1;

	/* to_device: edu reads 300 bytes at offset 100 */
	memset(a, SENTINEL, PAGE_SIZE);
	memcpy(a + 100, data, sizeof(data));
	iova = dma_map_single(dev, a + 100, sizeof(data), DMA_TO_DEVICE);
	if (dma_mapping_error(dev, iova))
		goto out;
	ret = edu_dma(bar, iova, 0, sizeof(data), false);
	dma_unmap_single(dev, iova, sizeof(data), DMA_TO_DEVICE);
	if (ret)
		goto out;
	to_dev = page_is(a, 100, data, sizeof(data));

	/* from_device: edu writes them back at offset 200 of another page */
	memset(b, SENTINEL, PAGE_SIZE);
	iova = dma_map_single(dev, b + 200, sizeof(data), DMA_FROM_DEVICE);
	if (dma_mapping_error(dev, iova))
		goto out;
	ret = edu_dma(bar, iova, 0, sizeof(data), true);
	dma_unmap_single(dev, iova, sizeof(data), DMA_FROM_DEVICE);
	if (ret)
		goto out;
	from_dev = page_is(b, 200, data, sizeof(data));

	/* bidirectional: read the first 256 bytes, write them at 1024 */
	memset(a, SENTINEL, PAGE_SIZE);
	memcpy(a, data, 256);
	iova = dma_map_single(dev, a, PAGE_SIZE, DMA_BIDIRECTIONAL);
	if (dma_mapping_error(dev, iova))
		goto out;
	ret = edu_dma(bar, iova, 1024, 256, false);
	if (!ret)
		ret = edu_dma(bar, iova + 1024, 1024, 256, true);
	dma_unmap_single(dev, iova, PAGE_SIZE, DMA_BIDIRECTIONAL);
	if (ret)
		goto out;
	bidir = !memcmp(a, data, 256) && !memcmp(a + 1024, data, 256);
	for (i = 256; bidir && i < PAGE_SIZE; i++)
		if ((i < 1024 || i >= 1280) && a[i] != SENTINEL)
			bidir = false;

	/* sync: seen after dma_sync_single_for_cpu(), before the unmap */
	memset(b, SENTINEL, PAGE_SIZE);
	iova = dma_map_single(dev, b, PAGE_SIZE, DMA_FROM_DEVICE);
	if (dma_mapping_error(dev, iova))
		goto out;
	ret = edu_dma(bar, iova + 8, 1024, 256, true);
	if (!ret) {
		dma_sync_single_for_cpu(dev, iova, PAGE_SIZE, DMA_FROM_DEVICE);
		sync = !memcmp(b + 8, data, 256);
	}
	dma_unmap_single(dev, iova, PAGE_SIZE, DMA_FROM_DEVICE);

out:
	pr_info("result {\"to_device\":%d,\"from_device\":%d,\"bidirectional\":%d,\"sync\":%d,\"error\":%d}\n",
		to_dev, from_dev, bidir, sync, ret);
	free_page((unsigned long)a);
	free_page((unsigned long)b);
	return ret;
}

static int edu_dmacheck_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	void __iomem *bar;
	int ret;

	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	pci_set_master(pdev);
	ret = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(EDU_DMA_BITS));
	if (ret)
		return ret;
	bar = pcim_iomap(pdev, 0, 0);
	if (!bar)
		return -ENOMEM;
	edu_dmacheck_run(pdev, bar);
	return 0;
}

static const struct pci_device_id edu_dmacheck_ids[] = {
	{ PCI_DEVICE(EDU_VENDOR, EDU_DEVICE) },
	{ }
};
MODULE_DEVICE_TABLE(pci, edu_dmacheck_ids);

static struct pci_driver edu_dmacheck_driver = {
	.name		= KBUILD_MODNAME,
	.id_table	= edu_dmacheck_ids,
	.probe		= edu_dmacheck_probe,
};
module_pci_driver(edu_dmacheck_driver);

MODULE_DESCRIPTION("Check the bytes the QEMU edu device moves through streaming DMA mappings");
MODULE_LICENSE("GPL");
