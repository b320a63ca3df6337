// SPDX-License-Identifier: GPL-2.0
/*
 * canary_spray: plant canaries in kernel memory beside a real workload, for
 * a hostile DMA device in a NIC's or an SSD's domain to find (QEMU
 * -device vtd-hostile,victim=<id>; vtd-testbed issue 22, docs/attack.md).
 * Unlike edu_canary it maps nothing and drives no device: the workload's
 * own driver maps and unmaps, and the canaries sit where the kernel puts
 * other data next to or after the workload's buffers. No device may read
 * any of them: "open" is the plant time.
 *
 * One thread per online CPU (bound: the page allocator's lists are per
 * CPU, and a NIC frees its receive pages on the CPU that polls it), every
 * @period_ms:
 *
 *   a (1)  kmalloc objects: @objs objects of each size in @sizes are kept
 *          alive, an eighth of them replaced each period by fresh ones
 *          full of canaries, so that they land in slab pages beside the
 *          workload's kmalloc'ed buffers; a page mapped whole for a
 *          sub-page buffer exposes them.
 *   c (3)  pages right after the workload freed its own: @pages order-0
 *          pages and @pages / 4 order-3 ones (a NIC's receive and a
 *          socket's transmit fragments are order 3) from the page
 *          allocator, which hands out the most recently freed first, full
 *          of canaries, held @hold_ms, then freed. A page whose IOVA is
 *          still mapped (deferred flushing) exposes them.
 *
 * Every place is checked for the device's marker (vtd-hostile,write=on)
 * before it is freed: any marker there is kernel memory a device wrote
 * where no mapping allowed it (the sprayer maps nothing).
 *
 * debugfs canary_spray/: write anything to "stop" to end the spraying (the
 * places are checked and freed), then read "result", one JSON object:
 *   planted {a,c}, places {a,c}, markers {a,c}, periods, pm_hz,
 *   canaries [first_id, count, plant_tick, open_tick, 0] (consecutive ids
 *   of a kind share one range, with the first plant time), error.
 * Unloading stops it too.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include "canary.h"

#define MAX_SIZES	8
#define MAX_RANGES	256
#define FRAG_ORDER	3
#define HELD_MAX	4096	/* held allocations per thread */
/*
 * One canary per STRIDE bytes (and per object): the device reads whole
 * pages, so one per place finds it, and the ids last (24 bits per kind)
 * and fit the device's table of 4096 distinct ones far longer.
 */
#define STRIDE		1024

static unsigned int period_ms = 5;
module_param(period_ms, uint, 0444);
MODULE_PARM_DESC(period_ms, "spray period (default 5)");

static unsigned int objs = 256;
module_param(objs, uint, 0444);
MODULE_PARM_DESC(objs, "(a): kmalloc objects kept per size and CPU (default 256, at most 4096)");

static unsigned int sizes[MAX_SIZES] = { 256, 512, 1024, 2048 };
static unsigned int nr_sizes = 4;
module_param_array(sizes, uint, &nr_sizes, 0444);
MODULE_PARM_DESC(sizes, "(a): kmalloc sizes, 16..4096 in 16s (default 256,512,1024,2048)");

static unsigned int pages = 16;
module_param(pages, uint, 0444);
MODULE_PARM_DESC(pages, "(c): order-0 pages taken per period and CPU, and a quarter as many order-3 (default 16)");

static unsigned int hold_ms = 10;
module_param(hold_ms, uint, 0444);
MODULE_PARM_DESC(hold_ms, "(c): how long a page holds its canaries before it is freed (default 10)");

static char *kinds = "ac";
module_param(kinds, charp, 0444);
MODULE_PARM_DESC(kinds, "kinds to plant, letters of ac (default ac)");

static char *magic = "vtdCnry!";
module_param(magic, charp, 0444);
MODULE_PARM_DESC(magic, "the 8 bytes that start a canary (default vtdCnry!)");

static bool plant = true;
module_param(plant, bool, 0444);
MODULE_PARM_DESC(plant, "plant canaries (default 1; 0: the same allocations with plain data, for a test's break)");

/* A page allocation of (c), freed at @until */
struct held {
	struct page *page;
	unsigned int order;
	unsigned long until;
};

struct sprayer {
	struct task_struct *task;
	void **objs;			/* nr_sizes * objs, by size */
	unsigned int next;		/* (a): the next object to replace */
	struct held *held;		/* (c): a ring, oldest at head */
	unsigned int head, nr_held;
};

static struct {
	struct mutex lock;		/* everything below */
	u16 pm_port;
	u32 seq[NR_KINDS];
	unsigned int planted[NR_KINDS], places[NR_KINDS], markers[NR_KINDS];
	unsigned long periods;
	struct canary_range ranges[MAX_RANGES];
	unsigned int nr_ranges;
	int error;
	bool stopped;
	struct sprayer *sprayers;	/* per CPU id */
	char *json;
	struct dentry *dir;
} cs;

static bool want(char kind)
{
	return strchr(kinds, kind);
}

/*
 * Canaries of @kind in [p, p + len), one every STRIDE bytes from p, the
 * rest plain data (all plain data without @plant);
 * extends the kind's last range when the ids follow on. Under cs.lock.
 */
static void spray_fill(void *p, size_t len, int kind)
{
	u32 tick = canary_tick(cs.pm_port), first = kind << 24 | (cs.seq[kind] & 0xffffff), n;
	struct canary_range *r = NULL;
	size_t off;
	int i;

	if (!plant) {
		memset(p, 0x5a, len);
		return;
	}
	for (i = cs.nr_ranges - 1; i >= 0; i--)
		if (cs.ranges[i].first_id >> 24 == kind) {
			r = &cs.ranges[i];
			break;
		}
	if (r && r->first_id + r->count != first)
		r = NULL;		/* the sequence wrapped: a new range */
	if (!r) {
		if (cs.nr_ranges == MAX_RANGES) {
			memset(p, 0x5a, len);
			cs.error = -ENOSPC;
			return;
		}
		r = &cs.ranges[cs.nr_ranges++];
		*r = (struct canary_range){ .first_id = first, .plant_tick = tick,
					    .open_tick = tick };
	}
	memset(p, 0x5a, len);
	for (off = 0, n = 0; off < len; off += STRIDE)
		n += canary_fill(p + off, CANARY_SIZE, magic, kind, &cs.seq[kind], tick);
	r->count += n;
	cs.planted[kind] += n;
}

/* One place's end: a marker there is a write no mapping allowed. Under cs.lock */
static void spray_check(void *p, size_t len, int kind)
{
	cs.places[kind]++;
	if (canary_find_marker(p, len, false))
		cs.markers[kind]++;
	memset(p, 0, len);
}

static void spray_a(struct sprayer *s)
{
	unsigned int batch = max(objs / 8, 1U), i, k;

	for (i = 0; i < batch; i++, s->next = (s->next + 1) % objs) {
		for (k = 0; k < nr_sizes; k++) {
			void **o = &s->objs[k * objs + s->next];

			if (*o) {
				spray_check(*o, sizes[k], KIND_A);
				kfree(*o);
			}
			*o = kmalloc(sizes[k], GFP_KERNEL);
			if (*o)
				spray_fill(*o, sizes[k], KIND_A);
		}
	}
}

static void held_free(struct sprayer *s)
{
	struct held *h = &s->held[s->head];
	size_t len = PAGE_SIZE << h->order;

	spray_check(page_address(h->page), len, KIND_C);
	__free_pages(h->page, h->order);
	s->head = (s->head + 1) % HELD_MAX;
	s->nr_held--;
}

static void spray_c(struct sprayer *s)
{
	unsigned int i, order;
	struct page *page;

	while (s->nr_held && (cs.stopped || time_after_eq(jiffies, s->held[s->head].until)))
		held_free(s);
	for (i = 0; i < pages + pages / 4 && !cs.stopped; i++) {
		struct held *h;

		if (s->nr_held == HELD_MAX)
			held_free(s);
		order = i < pages ? 0 : FRAG_ORDER;
		page = alloc_pages(GFP_KERNEL | __GFP_NOWARN, order);
		if (!page)
			continue;
		spray_fill(page_address(page), PAGE_SIZE << order, KIND_C);
		h = &s->held[(s->head + s->nr_held++) % HELD_MAX];
		*h = (struct held){ page, order, jiffies + msecs_to_jiffies(hold_ms) };
	}
}

static int spray_thread(void *arg)
{
	struct sprayer *s = arg;

	while (!kthread_should_stop()) {
		mutex_lock(&cs.lock);
		if (!cs.stopped) {
			if (want('a'))
				spray_a(s);
			if (want('c'))
				spray_c(s);
			cs.periods++;
		}
		mutex_unlock(&cs.lock);
		msleep(period_ms);
	}
	return 0;
}

/* Stop every thread, check and free every place; idempotent */
static void spray_stop(void)
{
	static DEFINE_MUTEX(stop_lock);	/* two writers of "stop" */
	unsigned int cpu, i;

	guard(mutex)(&stop_lock);
	for_each_possible_cpu(cpu) {
		struct sprayer *s = &cs.sprayers[cpu];

		if (s->task) {
			kthread_stop(s->task);
			s->task = NULL;
		}
	}
	mutex_lock(&cs.lock);
	cs.stopped = true;
	for_each_possible_cpu(cpu) {
		struct sprayer *s = &cs.sprayers[cpu];

		for (i = 0; s->objs && i < nr_sizes * objs; i++) {
			if (!s->objs[i])
				continue;
			spray_check(s->objs[i], sizes[i / objs], KIND_A);
			kfree(s->objs[i]);
			s->objs[i] = NULL;
		}
		while (s->held && s->nr_held)
			held_free(s);
	}
	mutex_unlock(&cs.lock);
}

static size_t json_len(void)
{
	return 512 + MAX_RANGES * 64;
}

static void spray_format(void)
{
	size_t size = json_len(), n;
	unsigned int i;

	n = scnprintf(cs.json, size,
		      "{\"kinds\":\"%s\",\"period_ms\":%u,\"objs\":%u,\"pages\":%u,\"hold_ms\":%u,\"magic\":\"%s\",\"plant\":%d,\"pm_hz\":%u,\"periods\":%lu",
		      kinds, period_ms, objs, pages, hold_ms, magic, plant,
		      CANARY_PM_HZ, cs.periods);
	n += scnprintf(cs.json + n, size - n,
		       ",\"planted\":{\"a\":%u,\"c\":%u},\"places\":{\"a\":%u,\"c\":%u},\"markers\":{\"a\":%u,\"c\":%u},\"canaries\":[",
		       cs.planted[KIND_A], cs.planted[KIND_C], cs.places[KIND_A],
		       cs.places[KIND_C], cs.markers[KIND_A], cs.markers[KIND_C]);
	for (i = 0; i < cs.nr_ranges; i++) {
		const struct canary_range *r = &cs.ranges[i];

		n += scnprintf(cs.json + n, size - n, "%s[%u,%u,%u,%u,0]",
			       i ? "," : "", r->first_id, r->count,
			       r->plant_tick, r->open_tick);
	}
	scnprintf(cs.json + n, size - n, "],\"error\":%d}\n", cs.error);
}

static ssize_t stop_write(struct file *file, const char __user *buf,
			  size_t len, loff_t *ppos)
{
	spray_stop();
	mutex_lock(&cs.lock);
	spray_format();
	mutex_unlock(&cs.lock);
	return len;
}

static const struct file_operations stop_fops = {
	.owner = THIS_MODULE,
	.write = stop_write,
};

static int result_show(struct seq_file *m, void *unused)
{
	mutex_lock(&cs.lock);
	seq_puts(m, cs.stopped ? cs.json : "{\"error\":\"still spraying: write to stop first\"}\n");
	mutex_unlock(&cs.lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(result);

static int check_params(void)
{
	const char *k;
	unsigned int i;

	if (!period_ms || !objs || objs > 4096 || !nr_sizes || pages > 1024 ||
	    !canary_magic_ok(magic))
		return -EINVAL;
	for (i = 0; i < nr_sizes; i++)
		if (sizes[i] < CANARY_SIZE || sizes[i] > PAGE_SIZE ||
		    sizes[i] % CANARY_SIZE)
			return -EINVAL;
	for (k = kinds; *k; k++)
		if (*k != 'a' && *k != 'c')
			return -EINVAL;
	return 0;
}

static int __init spray_init(void)
{
	unsigned int cpu;

	if (check_params()) {
		pr_err("bad parameters (period_ms >= 1, objs 1..4096, sizes 16..4096 in 16s, pages <= 1024, kinds of ac, magic 8 printable bytes)\n");
		return -EINVAL;
	}
	cs.pm_port = canary_pm_port();
	if (!cs.pm_port) {
		pr_err("no ACPI PM timer port in the FADT\n");
		return -ENODEV;
	}
	mutex_init(&cs.lock);
	cs.json = kzalloc(json_len(), GFP_KERNEL);
	cs.sprayers = kcalloc(nr_cpu_ids, sizeof(*cs.sprayers), GFP_KERNEL);
	if (!cs.json || !cs.sprayers)
		goto nomem;
	cpus_read_lock();
	for_each_online_cpu(cpu) {
		struct sprayer *s = &cs.sprayers[cpu];

		s->objs = kcalloc(nr_sizes * objs, sizeof(*s->objs), GFP_KERNEL);
		s->held = kcalloc(HELD_MAX, sizeof(*s->held), GFP_KERNEL);
		if (!s->objs || !s->held)
			break;
		s->task = kthread_create_on_cpu(spray_thread, s, cpu, "canary_spray/%u");
		if (IS_ERR(s->task)) {
			s->task = NULL;
			break;
		}
		wake_up_process(s->task);
	}
	cpus_read_unlock();
	if (cpu < nr_cpu_ids) {
		spray_stop();
		goto nomem;
	}
	cs.dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("stop", 0200, cs.dir, NULL, &stop_fops);
	debugfs_create_file("result", 0444, cs.dir, NULL, &result_fops);
	pr_info("spraying on %u CPUs: kinds %s, every %u ms\n", num_online_cpus(),
		kinds, period_ms);
	return 0;
nomem:
	for_each_possible_cpu(cpu) {
		kfree(cs.sprayers ? cs.sprayers[cpu].objs : NULL);
		kfree(cs.sprayers ? cs.sprayers[cpu].held : NULL);
	}
	kfree(cs.sprayers);
	kfree(cs.json);
	return -ENOMEM;
}

static void __exit spray_exit(void)
{
	unsigned int cpu;

	debugfs_remove_recursive(cs.dir);
	spray_stop();
	for_each_possible_cpu(cpu) {
		kfree(cs.sprayers[cpu].objs);
		kfree(cs.sprayers[cpu].held);
	}
	kfree(cs.sprayers);
	kfree(cs.json);
}

module_init(spray_init);
module_exit(spray_exit);

MODULE_DESCRIPTION("Canaries in kernel memory beside a workload, for a hostile DMA device");
MODULE_LICENSE("GPL");
