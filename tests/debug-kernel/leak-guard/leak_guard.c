// SPDX-License-Identifier: MIT
/*
 * Test module for the debug kernel's kmemleak step: it allocates one
 * buffer at load time and keeps no reference to it, so the kmemleak scan
 * that tests/vm/guest-init.sh runs after the suites must report it.
 */
#include <linux/module.h>
#include <linux/slab.h>

static int __init leak_guard_init(void)
{
	char *buf = kmalloc(96, GFP_KERNEL);

	if (!buf)
		return -ENOMEM;
	/* Printing the address keeps the compiler from dropping the call. */
	buf[0] = 1;
	pr_info("leak_guard: leaked 96 bytes at %p\n", buf);
	return 0;
}
module_init(leak_guard_init);

MODULE_LICENSE("Dual MIT/GPL");
MODULE_DESCRIPTION("Leaks one buffer so that the kmemleak check must fail");
