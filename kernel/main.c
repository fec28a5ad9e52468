// SPDX-License-Identifier: GPL-2.0-only
/*
 * vpro_heci: Intel AMT capability reporting, APF channels and activation
 * status for the AMTHI and LME clients on the MEI bus.
 */
#include <linux/init.h>
#include <linux/module.h>

#include "vpro.h"

/* The class and the family exist before the first probe can use them. */
static int __init vpro_init(void)
{
	int ret;

	ret = vpro_class_register();
	if (ret)
		return ret;

	ret = vpro_nl_register();
	if (ret)
		goto err_class;

	ret = vpro_bus_register();
	if (ret)
		goto err_nl;
	return 0;

err_nl:
	vpro_nl_unregister();
err_class:
	vpro_class_unregister();
	return ret;
}

static void __exit vpro_exit(void)
{
	vpro_bus_unregister();
	vpro_nl_unregister();
	vpro_class_unregister();
}

module_init(vpro_init);
module_exit(vpro_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Intel AMT capability, APF channels and activation status over MEI");
MODULE_AUTHOR("vpro_heci developers");
