// SPDX-License-Identifier: GPL-2.0
/*
 * edu_dmacheck: check that the QEMU edu device's DMA moves exactly the
 * right bytes through streaming mappings, and nothing else, whatever the
 * IOMMU DMA scheme (iommu.dma_scheme=shadow copies through pools; the
 * others map the buffer itself). Every case expects the same bytes under
 * strict and shadow; each compares whole pages, so a byte that changes
 * where it should not is caught as well as one that does not change.
 *
 *   to_device       map 300 bytes at offset 100 for DMA_TO_DEVICE; edu reads
 *                   them into its buffer
 *   from_device     map 300 bytes at offset 200 for DMA_FROM_DEVICE; edu
 *                   writes its buffer there: the bytes to_device sent
 *   bidirectional   one DMA_BIDIRECTIONAL mapping of a page; edu reads its
 *                   first 256 bytes and writes them back at offset 1024
 *   sync            DMA_FROM_DEVICE; after edu's write the data must be seen
 *                   after dma_sync_single_for_cpu(), before the unmap
 *   partial         DMA_FROM_DEVICE of 1024 bytes of a page holding the
 *                   caller's own bytes; edu writes 256 of them: the other
 *                   768 keep the caller's bytes (swiotlb before its
 *                   CVE-2022-0854 fix copied back stale buffer bytes)
 *   sg              dma_map_sg() of three entries at odd offsets to the
 *                   device, then of three others from it: edu writes part
 *                   of the list, dma_sync_sg_for_cpu() must show it, then
 *                   writes more and leaves the end of the last entry
 *                   unwritten; after dma_unmap_sg() every entry holds what
 *                   was written and the caller's bytes elsewhere
 *   stale_unreadable after the unmap of a DMA_TO_DEVICE mapping of secret
 *                   bytes, edu reads its old IOVA: none of them reach it
 *   from_readable   whether edu can read a DMA_FROM_DEVICE mapping of
 *                   secret bytes (reported, not judged: under Linux 6.12's
 *                   VT-d driver every mapping is readable, strict's too)
 *   to_unwritable   edu tries to write a DMA_TO_DEVICE mapping, then reads
 *                   it back: it still holds the caller's bytes (read-only)
 *   sync_overrun    dma_sync_single_for_cpu() of 768 bytes on a mapping of
 *                   256 changes no byte beyond the mapping
 *   sync_unmapped   dma_sync_single_for_cpu() of an IOVA after its unmap
 *                   changes nothing
 *   cpus            one thread per CPU (two) maps, checks and unmaps pages
 *                   of its own bytes DMA_BIDIRECTIONAL, four at a time, many
 *                   times: each unmap must give back its own page's bytes
 *
 * sync_overrun and sync_unmapped misuse the DMA API on purpose: shadow
 * refuses or clamps them (and counts them, shadow_refused); strict, on a
 * coherent device, does nothing at all.
 *
 * The module also tallies what it asked of the DMA API, so that a test can
 * hold shadow's counters to it: maps (each scatterlist entry counts),
 * bytes_in (bytes mapped, and synced for the device where the device may
 * read), bytes_out (bytes unmapped or synced for the CPU where the device
 * may write, up to the end of the mapping) and refusals.
 *
 * Result: one JSON line "edu_dmacheck: result {...}" in the kernel log.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/io.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>

#include "edu.h"

#define EDU_TIMEOUT_MS		10000		/* generous: a loaded host stalls vCPUs */
#define SENTINEL		0xee
#define SECRET			0x5a		/* bytes edu must not read */
#define KNOWN			0xc3		/* edu's buffer before a read that must fail */
#define FORBIDDEN		0x96		/* bytes edu must not write */
#define SG_ENTRIES		3
#define CPU_THREADS		2
#define CPU_ROUNDS		1000
#define CPU_BATCH		4		/* mappings live at once per thread */

/* What the module asked of the DMA API, for the scheme's counters */
static atomic_long_t tally_maps, tally_in, tally_out;
static unsigned int tally_refusals;

/* The caller's own bytes, distinct from data, SENTINEL, SECRET and zero */
static u8 own(size_t i)
{
	return 0x10 + i % 61;
}

static dma_addr_t map(struct device *dev, void *p, size_t len,
		      enum dma_data_direction dir)
{
	atomic_long_inc(&tally_maps);
	atomic_long_add(len, &tally_in);
	return dma_map_single(dev, p, len, dir);
}

static void unmap(struct device *dev, dma_addr_t iova, size_t len,
		  enum dma_data_direction dir)
{
	if (dir != DMA_TO_DEVICE)
		atomic_long_add(len, &tally_out);
	dma_unmap_single(dev, iova, len, dir);
}

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

/* Put @len bytes of @src into edu's buffer at @edu_off, through a mapping */
static int edu_load(struct device *dev, void __iomem *bar, void *src,
		    u32 edu_off, u32 len)
{
	dma_addr_t iova = map(dev, src, len, DMA_TO_DEVICE);
	int ret;

	if (dma_mapping_error(dev, iova))
		return -ENOMEM;
	ret = edu_dma(bar, iova, edu_off, len, false);
	unmap(dev, iova, len, DMA_TO_DEVICE);
	return ret;
}

/* Copy @len bytes of edu's buffer at @edu_off into @dst, through a mapping */
static int edu_save(struct device *dev, void __iomem *bar, void *dst,
		    u32 edu_off, u32 len)
{
	dma_addr_t iova = map(dev, dst, len, DMA_FROM_DEVICE);
	int ret;

	if (dma_mapping_error(dev, iova))
		return -ENOMEM;
	ret = edu_dma(bar, iova, edu_off, len, true);
	unmap(dev, iova, len, DMA_FROM_DEVICE);
	return ret;
}

/* Bytes [off, off + len) of @page hold @data, every other byte @fill */
static bool page_is(const u8 *page, size_t off, const u8 *data, size_t len,
		    u8 fill)
{
	size_t i;

	for (i = 0; i < PAGE_SIZE; i++) {
		u8 want = i >= off && i < off + len ? data[i - off] : fill;

		if (page[i] != want) {
			pr_info("byte %zu is 0x%02x, want 0x%02x\n", i, page[i], want);
			return false;
		}
	}
	return true;
}

/*
 * Bytes [off, off + len) of @page hold @data, every other byte the caller's
 * own bytes (own())
 */
static bool page_is_own(const u8 *page, size_t off, const u8 *data, size_t len)
{
	size_t i;

	for (i = 0; i < PAGE_SIZE; i++) {
		u8 want = i >= off && i < off + len ? data[i - off] : own(i);

		if (page[i] != want) {
			pr_info("byte %zu is 0x%02x, want 0x%02x\n", i, page[i], want);
			return false;
		}
	}
	return true;
}

static void fill_own(u8 *page)
{
	size_t i;

	for (i = 0; i < PAGE_SIZE; i++)
		page[i] = own(i);
}

/* Where the scatterlist cases put their entries: page, offset, length */
static const struct { unsigned int off, len; } sg_to[SG_ENTRIES] = {
	{ 100, 300 }, { 2500, 1000 }, { 0, 700 },
}, sg_from[SG_ENTRIES] = {
	{ 200, 300 }, { 1000, 1000 }, { 3396, 700 },
};

#define SG_BYTES		2000	/* the sum of each list's lengths */
#define SG_PART1		1000	/* edu writes [0, PART1) before the sync */
#define SG_PART2		1800	/* ... and [PART1, PART2) after it */

/*
 * DMA between edu's buffer [off, off + len) and the same bytes of the list
 * as the device sees it: its DMA segments one after the other
 */
static int edu_dma_sg(void __iomem *bar, struct scatterlist *sgl, int nents,
		      u32 off, u32 len, bool to_ram)
{
	struct scatterlist *s;
	u32 pos = 0, a, b;
	int i, ret;

	for_each_sg(sgl, s, nents, i) {
		a = max(off, pos);
		b = min(off + len, pos + sg_dma_len(s));
		if (a < b) {
			ret = edu_dma(bar, sg_dma_address(s) + (a - pos), a,
				      b - a, to_ram);
			if (ret)
				return ret;
		}
		pos += sg_dma_len(s);
	}
	return 0;
}

/*
 * The sg case; @data: SG_BYTES bytes. Returns 1 if the bytes are right, 0
 * if not, or an error. *@synced: the sync showed the first part.
 */
static int edu_dmacheck_sg(struct device *dev, void __iomem *bar,
			   const u8 *data, bool *synced)
{
	struct scatterlist to[SG_ENTRIES], from[SG_ENTRIES], *s;
	u8 *tp[SG_ENTRIES] = { }, *fp[SG_ENTRIES] = { };
	int i, n, ret = -ENOMEM, ok = 0;
	u32 pos;

	for (i = 0; i < SG_ENTRIES; i++) {
		tp[i] = (u8 *)get_zeroed_page(GFP_KERNEL);
		fp[i] = (u8 *)get_zeroed_page(GFP_KERNEL);
		if (!tp[i] || !fp[i])
			goto out;
	}
	sg_init_table(to, SG_ENTRIES);
	sg_init_table(from, SG_ENTRIES);
	for (i = 0, pos = 0; i < SG_ENTRIES; pos += sg_to[i].len, i++) {
		memset(tp[i], SENTINEL, PAGE_SIZE);
		memcpy(tp[i] + sg_to[i].off, data + pos, sg_to[i].len);
		sg_set_buf(&to[i], tp[i] + sg_to[i].off, sg_to[i].len);
		fill_own(fp[i]);
		sg_set_buf(&from[i], fp[i] + sg_from[i].off, sg_from[i].len);
	}

	/* To the device: edu's buffer [0, SG_BYTES) holds the list's bytes */
	n = dma_map_sg(dev, to, SG_ENTRIES, DMA_TO_DEVICE);
	if (!n)
		goto out;
	atomic_long_add(SG_ENTRIES, &tally_maps);
	atomic_long_add(SG_BYTES, &tally_in);
	ret = edu_dma_sg(bar, to, n, 0, SG_BYTES, false);
	dma_unmap_sg(dev, to, SG_ENTRIES, DMA_TO_DEVICE);
	if (ret)
		goto out;

	/* From it: part 1, sync, part 2, and the end left unwritten */
	ret = -ENOMEM;
	n = dma_map_sg(dev, from, SG_ENTRIES, DMA_FROM_DEVICE);
	if (!n)
		goto out;
	atomic_long_add(SG_ENTRIES, &tally_maps);
	atomic_long_add(SG_BYTES, &tally_in);
	ret = edu_dma_sg(bar, from, n, 0, SG_PART1, true);
	if (!ret) {
		dma_sync_sg_for_cpu(dev, from, SG_ENTRIES, DMA_FROM_DEVICE);
		atomic_long_add(SG_BYTES, &tally_out);
		*synced = !memcmp(fp[0] + sg_from[0].off, data, sg_from[0].len) &&
			  !memcmp(fp[1] + sg_from[1].off, data + sg_from[0].len,
				  SG_PART1 - sg_from[0].len);
		dma_sync_sg_for_device(dev, from, SG_ENTRIES, DMA_FROM_DEVICE);
		ret = edu_dma_sg(bar, from, n, SG_PART1, SG_PART2 - SG_PART1,
				 true);
	}
	dma_unmap_sg(dev, from, SG_ENTRIES, DMA_FROM_DEVICE);
	atomic_long_add(SG_BYTES, &tally_out);
	if (ret)
		goto out;

	ok = 1;
	for_each_sg(from, s, SG_ENTRIES, i) {
		u32 start = i ? sg_from[0].len : 0, len;

		if (i == 2)
			start += sg_from[1].len;
		len = min_t(u32, sg_from[i].len, SG_PART2 - start);
		if (!page_is_own(fp[i], sg_from[i].off, data + start, len)) {
			pr_info("sg: entry %d is wrong\n", i);
			ok = 0;
		}
	}
	ret = ok;
out:
	for (i = 0; i < SG_ENTRIES; i++) {
		free_page((unsigned long)tp[i]);
		free_page((unsigned long)fp[i]);
	}
	return ret;
}

/* A thread of the cpus case */
struct cpu_job {
	struct device		*dev;
	unsigned int		id;	/* distinct bytes per thread */
	u8			*page[CPU_BATCH];
	bool			ok;	/* every page came back right */
	int			error;
	struct completion	done;
};

static u8 cpu_byte(unsigned int id, unsigned int round, unsigned int k,
		   size_t i)
{
	return (id * 131 + round * 7 + k * 31 + i) | 1;
}

static int cpu_job_fn(void *arg)
{
	struct cpu_job *job = arg;
	dma_addr_t iova[CPU_BATCH];
	unsigned int round, k;
	size_t i;

	job->ok = true;
	for (round = 0; round < CPU_ROUNDS && job->ok && !job->error; round++) {
		for (k = 0; k < CPU_BATCH; k++) {
			for (i = 0; i < PAGE_SIZE; i++)
				job->page[k][i] = cpu_byte(job->id, round, k, i);
			iova[k] = map(job->dev, job->page[k], PAGE_SIZE,
				      DMA_BIDIRECTIONAL);
			if (dma_mapping_error(job->dev, iova[k])) {
				job->error = -ENOMEM;
				break;
			}
		}
		while (k--) {
			unmap(job->dev, iova[k], PAGE_SIZE, DMA_BIDIRECTIONAL);
			for (i = 0; i < PAGE_SIZE && job->ok; i++)
				if (job->page[k][i] != cpu_byte(job->id, round, k, i)) {
					pr_info("cpus: thread %u round %u page %u byte %zu is 0x%02x\n",
						job->id, round, k, i, job->page[k][i]);
					job->ok = false;
				}
		}
		cond_resched();
	}
	complete(&job->done);
	return 0;
}

/* The cpus case: 1 if every thread got its own bytes back, or an error */
static int edu_dmacheck_cpus(struct device *dev, unsigned int *nr_cpus)
{
	struct cpu_job *jobs;
	struct task_struct *t;
	unsigned int j, k, cpu = cpumask_first(cpu_online_mask);
	int ret = 1;

	jobs = kcalloc(CPU_THREADS, sizeof(*jobs), GFP_KERNEL);
	if (!jobs)
		return -ENOMEM;
	*nr_cpus = 0;
	for (j = 0; j < CPU_THREADS; j++) {
		jobs[j].dev = dev;
		jobs[j].id = j;
		init_completion(&jobs[j].done);
		for (k = 0; k < CPU_BATCH; k++) {
			jobs[j].page[k] = (u8 *)__get_free_page(GFP_KERNEL);
			if (!jobs[j].page[k])
				ret = -ENOMEM;
		}
	}
	for (j = 0; j < CPU_THREADS && ret > 0; j++) {
		t = kthread_create(cpu_job_fn, &jobs[j], "edu_dmacheck/%u", j);
		if (IS_ERR(t)) {
			ret = PTR_ERR(t);
			break;
		}
		kthread_bind(t, cpu);
		wake_up_process(t);
		(*nr_cpus)++;
		if (cpumask_next(cpu, cpu_online_mask) < nr_cpu_ids)
			cpu = cpumask_next(cpu, cpu_online_mask);
	}
	for (j = 0; j < CPU_THREADS; j++) {
		if (j < *nr_cpus) {
			wait_for_completion(&jobs[j].done);
			if (jobs[j].error)
				ret = jobs[j].error;
			else if (!jobs[j].ok && ret > 0)
				ret = 0;
		}
		for (k = 0; k < CPU_BATCH; k++)
			free_page((unsigned long)jobs[j].page[k]);
	}
	kfree(jobs);
	return ret;
}

static int edu_dmacheck_run(struct pci_dev *pdev, void __iomem *bar)
{
	struct device *dev = &pdev->dev;
	u8 *a, *b, *c, *data;
	bool to_dev = false, from_dev = false, bidir = false, sync = false;
	bool partial = false, sg = false, sg_sync = false, stale = false;
	bool readable = false, unwritable = false, overrun = false;
	bool unmapped = false;
	unsigned int nr_cpus = 0;
	int cpus = 0;
	dma_addr_t iova;
	size_t i;
	int ret = -ENOMEM;

	a = (u8 *)get_zeroed_page(GFP_KERNEL);
	b = (u8 *)get_zeroed_page(GFP_KERNEL);
	c = (u8 *)get_zeroed_page(GFP_KERNEL);
	data = kmalloc(SG_BYTES, GFP_KERNEL);
	if (!a || !b || !c || !data)
		goto out;
	for (i = 0; i < SG_BYTES; i++)
		data[i] = i * 7 + 1;

	/* to_device: edu reads 300 bytes at offset 100 */
	memset(a, SENTINEL, PAGE_SIZE);
	memcpy(a + 100, data, 300);
	iova = map(dev, a + 100, 300, DMA_TO_DEVICE);
	if (dma_mapping_error(dev, iova))
		goto out;
	ret = edu_dma(bar, iova, 0, 300, false);
	unmap(dev, iova, 300, DMA_TO_DEVICE);
	if (ret)
		goto out;
	to_dev = page_is(a, 100, data, 300, SENTINEL);

	/* from_device: edu writes them back at offset 200 of another page */
	memset(b, SENTINEL, PAGE_SIZE);
	ret = -ENOMEM;
	iova = map(dev, b + 200, 300, DMA_FROM_DEVICE);
	if (dma_mapping_error(dev, iova))
		goto out;
	ret = edu_dma(bar, iova, 0, 300, true);
	unmap(dev, iova, 300, DMA_FROM_DEVICE);
	if (ret)
		goto out;
	from_dev = page_is(b, 200, data, 300, SENTINEL);

	/* bidirectional: read the first 256 bytes, write them at 1024 */
	memset(a, SENTINEL, PAGE_SIZE);
	memcpy(a, data, 256);
	ret = -ENOMEM;
	iova = map(dev, a, PAGE_SIZE, DMA_BIDIRECTIONAL);
	if (dma_mapping_error(dev, iova))
		goto out;
	ret = edu_dma(bar, iova, 1024, 256, false);
	if (!ret)
		ret = edu_dma(bar, iova + 1024, 1024, 256, true);
	unmap(dev, iova, PAGE_SIZE, DMA_BIDIRECTIONAL);
	if (ret)
		goto out;
	bidir = !memcmp(a, data, 256) && !memcmp(a + 1024, data, 256);
	for (i = 256; bidir && i < PAGE_SIZE; i++)
		if ((i < 1024 || i >= 1280) && a[i] != SENTINEL)
			bidir = false;

	/* sync: seen after dma_sync_single_for_cpu(), before the unmap */
	memset(b, SENTINEL, PAGE_SIZE);
	ret = -ENOMEM;
	iova = map(dev, b, PAGE_SIZE, DMA_FROM_DEVICE);
	if (dma_mapping_error(dev, iova))
		goto out;
	ret = edu_dma(bar, iova + 8, 1024, 256, true);
	if (!ret) {
		dma_sync_single_for_cpu(dev, iova, PAGE_SIZE, DMA_FROM_DEVICE);
		atomic_long_add(PAGE_SIZE, &tally_out);
		sync = !memcmp(b + 8, data, 256);
	}
	unmap(dev, iova, PAGE_SIZE, DMA_FROM_DEVICE);
	if (ret)
		goto out;

	/* partial: 1024 bytes of the caller's own at 64, edu writes 256 at 364 */
	fill_own(b);
	ret = -ENOMEM;
	iova = map(dev, b + 64, 1024, DMA_FROM_DEVICE);
	if (dma_mapping_error(dev, iova))
		goto out;
	ret = edu_dma(bar, iova + 300, 0, 256, true);
	unmap(dev, iova, 1024, DMA_FROM_DEVICE);
	if (ret)
		goto out;
	partial = page_is_own(b, 364, data, 256);

	/* sg: both directions through dma_map_sg() */
	ret = edu_dmacheck_sg(dev, bar, data, &sg_sync);
	if (ret < 0)
		goto out;
	sg = ret;

	/*
	 * stale_unreadable: edu's buffer [2048, 2304) holds KNOWN; a page of
	 * SECRET is mapped DMA_TO_DEVICE and unmapped, then edu reads the
	 * old IOVA into the buffer, which comes back through another mapping:
	 * no SECRET byte (strict: the IOVA is unmapped; shadow: the pool
	 * bytes were cleared at unmap)
	 */
	memset(a, KNOWN, PAGE_SIZE);
	ret = edu_load(dev, bar, a, 2048, 256);
	if (ret)
		goto out;
	memset(c, SECRET, PAGE_SIZE);
	ret = -ENOMEM;
	iova = map(dev, c, 256, DMA_TO_DEVICE);
	if (dma_mapping_error(dev, iova))
		goto out;
	unmap(dev, iova, 256, DMA_TO_DEVICE);
	ret = edu_dma(bar, iova, 2048, 256, false);
	if (!ret)
		ret = edu_save(dev, bar, b, 2048, 256);
	if (ret)
		goto out;
	stale = !memchr(b, SECRET, 256);
	if (!stale)
		pr_info("stale_unreadable: edu read a buffer after its unmap (0x%02x)\n",
			b[0]);

	/*
	 * from_readable: the same, but edu reads a live DMA_FROM_DEVICE
	 * mapping of SECRET; write-only, that is a DMAR read fault and
	 * nothing reaches edu. Reported, not judged: Linux 6.12's VT-d
	 * driver sets bit 0 of every leaf (DMA_FL_PTE_PRESENT, which is the
	 * second-stage read bit), so every mapping is readable there.
	 */
	ret = edu_load(dev, bar, a, 2048, 256);
	if (ret)
		goto out;
	ret = -ENOMEM;
	iova = map(dev, c, 256, DMA_FROM_DEVICE);
	if (dma_mapping_error(dev, iova))
		goto out;
	ret = edu_dma(bar, iova, 2048, 256, false);
	unmap(dev, iova, 256, DMA_FROM_DEVICE);
	if (!ret)
		ret = edu_save(dev, bar, b, 2048, 256);
	if (ret)
		goto out;
	readable = !!memchr(b, SECRET, 256);

	/*
	 * to_unwritable: edu's buffer [2304, 2560) holds FORBIDDEN; edu tries to
	 * write it to a DMA_TO_DEVICE mapping of c, reads the mapping back
	 * into [2560, 2816), and that comes back: c's own bytes
	 */
	memset(a, FORBIDDEN, PAGE_SIZE);
	ret = edu_load(dev, bar, a, 2304, 256);
	if (ret)
		goto out;
	fill_own(c);
	ret = -ENOMEM;
	iova = map(dev, c, 256, DMA_TO_DEVICE);
	if (dma_mapping_error(dev, iova))
		goto out;
	ret = edu_dma(bar, iova, 2304, 256, true);
	if (!ret)
		ret = edu_dma(bar, iova, 2560, 256, false);
	unmap(dev, iova, 256, DMA_TO_DEVICE);
	if (!ret)
		ret = edu_save(dev, bar, b, 2560, 256);
	if (ret)
		goto out;
	unwritable = !memcmp(b, c, 256) && page_is_own(c, 0, c, 0);
	if (!unwritable)
		pr_info("to_unwritable: edu wrote a DMA_TO_DEVICE mapping (0x%02x)\n",
			b[0]);

	/* sync_overrun: a sync of 768 bytes on a mapping of 256 at 512 */
	memset(b, SENTINEL, PAGE_SIZE);
	ret = -ENOMEM;
	iova = map(dev, b + 512, 256, DMA_FROM_DEVICE);
	if (dma_mapping_error(dev, iova))
		goto out;
	ret = edu_dma(bar, iova, 0, 256, true);
	if (!ret) {
		dma_sync_single_for_cpu(dev, iova, 768, DMA_FROM_DEVICE);
		atomic_long_add(256, &tally_out);
		tally_refusals++;
		overrun = page_is(b, 512, data, 256, SENTINEL);
	}
	unmap(dev, iova, 256, DMA_FROM_DEVICE);
	if (ret)
		goto out;
	overrun = overrun && page_is(b, 512, data, 256, SENTINEL);

	/* sync_unmapped: a sync of an IOVA after its unmap */
	memset(b, SENTINEL, PAGE_SIZE);
	ret = -ENOMEM;
	iova = map(dev, b, 256, DMA_FROM_DEVICE);
	if (dma_mapping_error(dev, iova))
		goto out;
	ret = edu_dma(bar, iova, 0, 256, true);
	unmap(dev, iova, 256, DMA_FROM_DEVICE);
	if (ret)
		goto out;
	fill_own(b);
	dma_sync_single_for_cpu(dev, iova, 256, DMA_FROM_DEVICE);
	tally_refusals++;
	unmapped = page_is_own(b, 0, b, 0);

	/* cpus: two threads, own bytes each, no device */
	cpus = edu_dmacheck_cpus(dev, &nr_cpus);
	ret = cpus < 0 ? cpus : 0;

out:
	pr_info("result {\"to_device\":%d,\"from_device\":%d,\"bidirectional\":%d,\"sync\":%d,\"partial\":%d,\"sg\":%d,\"sg_sync\":%d,\"stale_unreadable\":%d,\"from_readable\":%d,\"to_unwritable\":%d,\"sync_overrun\":%d,\"sync_unmapped\":%d,\"cpus\":%d,\"nr_cpus\":%u,\"maps\":%ld,\"bytes_in\":%ld,\"bytes_out\":%ld,\"refusals\":%u,\"error\":%d}\n",
		to_dev, from_dev, bidir, sync, partial, sg, sg_sync, stale, readable,
		unwritable, overrun, unmapped, cpus > 0, nr_cpus,
		atomic_long_read(&tally_maps), atomic_long_read(&tally_in),
		atomic_long_read(&tally_out), tally_refusals, ret);
	free_page((unsigned long)a);
	free_page((unsigned long)b);
	free_page((unsigned long)c);
	kfree(data);
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
