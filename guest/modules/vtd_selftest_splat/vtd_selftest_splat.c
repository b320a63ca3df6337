// SPDX-License-Identifier: GPL-2.0
/*
 * vtd_selftest_splat: make the kernel report the problems that
 * make check-kernel-debug must catch, and the crash scripts/vtd-run must
 * name, on request, so that the checks can prove they see them
 * (docs/kernel-series.md, tests/host/test-runner.sh).
 *
 *   insmod vtd_selftest_splat.ko warn=1    one WARN() (a "WARNING:" report)
 *   insmod vtd_selftest_splat.ko leak=1    one kmalloc() whose pointer is
 *                                          dropped (a kmemleak report once
 *                                          the object is old enough)
 *   insmod vtd_selftest_splat.ko oops=1    a NULL pointer dereference: an
 *                                          oops, which the runner's
 *                                          oops=panic turns into a panic
 *                                          (what a crashed guest shows)
 *
 * Test-only: loaded by the guest job "splat" alone, never by a normal run.
 * Loading it taints the kernel (TAINT_WARN after the warning); the module
 * cannot be unloaded, so one boot runs it once.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bug.h>
#include <linux/compiler.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>

/* Size and contents of the leaked object: easy to spot in its hex dump. */
#define LEAK_SIZE	64
#define LEAK_TEXT	"vtd-selftest-leak"

static bool warn;
module_param(warn, bool, 0444);
MODULE_PARM_DESC(warn, "WARN() once at load (default 0)");

static bool leak;
module_param(leak, bool, 0444);
MODULE_PARM_DESC(leak, "leak one kmalloc()ed object at load (default 0)");

static bool oops;
module_param(oops, bool, 0444);
MODULE_PARM_DESC(oops, "dereference a NULL pointer at load (default 0)");

/*
 * Out of line, so that the pointer lives only in this frame and the return
 * register, which later calls overwrite; kmemleak then finds no reference.
 */
static noinline void leak_one(void)
{
	char *p = kmalloc(LEAK_SIZE, GFP_KERNEL);

	if (!p)
		return;
	memset(p, 0, LEAK_SIZE);
	strscpy(p, LEAK_TEXT, LEAK_SIZE);
	barrier_data(p);	/* keep the stores: the text shows in the report */
	pr_info("leaking one %d-byte object on purpose\n", LEAK_SIZE);
	/* p goes out of scope here: the object is unreferenced. */
}

static int __init vtd_selftest_splat_init(void)
{
	if (!warn && !leak && !oops) {
		pr_err("nothing requested (warn=1, leak=1 and/or oops=1)\n");
		return -EINVAL;
	}
	if (leak)
		leak_one();
	if (warn)
		WARN(1, KBUILD_MODNAME ": deliberate warning (self-test)\n");
	if (oops)
		pr_info("deliberate oops: %d\n", *(volatile int *)NULL);
	return 0;
}
module_init(vtd_selftest_splat_init);

MODULE_DESCRIPTION("vtd-testbed: deliberate WARN, leak or oops for the self-tests");
MODULE_LICENSE("GPL");
