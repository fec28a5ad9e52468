// SPDX-License-Identifier: GPL-2.0-only
/*
 * MEI bus binding: the AMTHI and LME clients of one MEI controller share
 * one struct vpro, created on the first probe and freed after the last
 * remove and the last lookup reference are gone.
 */
#include <linux/idr.h>
#include <linux/mei_cl_bus.h>
#include <linux/mod_devicetable.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uuid.h>

#include "apf.h"
#include "vpro.h"

enum vpro_client {
	VPRO_CLIENT_AMTHI,
	VPRO_CLIENT_LME,
};

#define VPRO_AMTHI_UUID UUID_LE(0x12f80028, 0xb4b7, 0x4b2d, \
				0xac, 0xa8, 0x46, 0xe0, 0xff, 0x65, 0x81, 0x4c)
#define VPRO_LME_UUID UUID_LE(0x6733a4db, 0x0476, 0x4e7b, \
			      0xb3, 0xaf, 0xbc, 0xfc, 0x29, 0xbe, 0xe7, 0xa7)

static const struct mei_cl_device_id vpro_id_table[] = {
	{ .uuid = VPRO_AMTHI_UUID, .version = MEI_CL_VERSION_ANY,
	  .driver_info = VPRO_CLIENT_AMTHI },
	{ .uuid = VPRO_LME_UUID, .version = MEI_CL_VERSION_ANY,
	  .driver_info = VPRO_CLIENT_LME },
	{ }
};
MODULE_DEVICE_TABLE(mei, vpro_id_table);

/* Instances in creation order; see the locking rules in vpro.h. */
static LIST_HEAD(vpro_list);
static DEFINE_MUTEX(vpro_list_lock);
static DEFINE_IDA(vpro_ida);

/* Finds or creates the instance of @parent and takes a reference. */
static struct vpro *vpro_get_or_create(struct device *parent)
{
	struct vpro *vpro;
	int index;

	mutex_lock(&vpro_list_lock);
	list_for_each_entry(vpro, &vpro_list, node) {
		if (vpro->parent == parent) {
			kref_get(&vpro->kref);
			goto out;
		}
	}

	vpro = kzalloc(sizeof(*vpro), GFP_KERNEL);
	if (!vpro) {
		vpro = ERR_PTR(-ENOMEM);
		goto out;
	}
	index = ida_alloc(&vpro_ida, GFP_KERNEL);
	if (index < 0) {
		kfree(vpro);
		vpro = ERR_PTR(index);
		goto out;
	}

	kref_init(&vpro->kref);
	mutex_init(&vpro->lock);
	mutex_init(&vpro->query_lock);
	INIT_WORK(&vpro->query_work, vpro_amthi_query_work);
	vpro->parent = parent;
	vpro->index = index;
	vpro->info.capability = VPRO_CAPABILITY_NONE;
	vpro->status = VPRO_ACTIVATION_IDLE;
	list_add_tail(&vpro->node, &vpro_list);
out:
	mutex_unlock(&vpro_list_lock);
	return vpro;
}

/* Called by kref_put_mutex() with vpro_list_lock held; drops it. */
static void vpro_release(struct kref *kref)
{
	struct vpro *vpro = container_of(kref, struct vpro, kref);

	list_del(&vpro->node);
	ida_free(&vpro_ida, vpro->index);
	mutex_unlock(&vpro_list_lock);

	mutex_destroy(&vpro->query_lock);
	mutex_destroy(&vpro->lock);
	kfree(vpro);
}

void vpro_put(struct vpro *vpro)
{
	kref_put_mutex(&vpro->kref, vpro_release, &vpro_list_lock);
}

/* Returns the instance vpro@index with a reference, or NULL. */
struct vpro *vpro_get_by_index(int index)
{
	struct vpro *vpro;

	mutex_lock(&vpro_list_lock);
	list_for_each_entry(vpro, &vpro_list, node) {
		if (vpro->index == index) {
			kref_get(&vpro->kref);
			mutex_unlock(&vpro_list_lock);
			return vpro;
		}
	}
	mutex_unlock(&vpro_list_lock);
	return NULL;
}

/*
 * Returns, with a reference, the instance with the lowest index that is
 * at least @min_index, or NULL; dumps walk the instances with it.
 */
struct vpro *vpro_get_next(int min_index)
{
	struct vpro *vpro, *best = NULL;

	mutex_lock(&vpro_list_lock);
	list_for_each_entry(vpro, &vpro_list, node) {
		if (vpro->index >= min_index &&
		    (!best || vpro->index < best->index))
			best = vpro;
	}
	if (best)
		kref_get(&best->kref);
	mutex_unlock(&vpro_list_lock);
	return best;
}

static int vpro_probe_amthi(struct vpro *vpro, struct mei_cl_device *cldev)
{
	int ret;

	mutex_lock(&vpro->query_lock);
	vpro->amthi = cldev;
	mutex_unlock(&vpro->query_lock);

	/* A failed query is logged and shown in sysfs; the device stays. */
	ret = vpro_amthi_query(vpro);
	if (ret == -ENOMEM)
		goto err;

	ret = vpro_sysfs_add(vpro);
	if (ret)
		goto err;
	return 0;

err:
	mutex_lock(&vpro->query_lock);
	vpro->amthi = NULL;
	mutex_unlock(&vpro->query_lock);
	return ret;
}

static int vpro_probe(struct mei_cl_device *cldev,
		      const struct mei_cl_device_id *id)
{
	struct vpro *vpro;
	int ret;

	vpro = vpro_get_or_create(cldev->dev.parent);
	if (IS_ERR(vpro))
		return PTR_ERR(vpro);
	mei_cldev_set_drvdata(cldev, vpro);

	if (id->driver_info == VPRO_CLIENT_AMTHI) {
		ret = vpro_probe_amthi(vpro, cldev);
	} else {
		vpro->lme = cldev;
		ret = vpro_apf_init(vpro, cldev);
		if (ret)
			vpro->lme = NULL;
	}
	if (ret) {
		dev_err(&cldev->dev, "vpro%d: probe failed: %d\n", vpro->index,
			ret);
		mei_cldev_set_drvdata(cldev, NULL);
		vpro_put(vpro);
	}
	return ret;
}

static void vpro_remove(struct mei_cl_device *cldev)
{
	struct vpro *vpro = mei_cldev_get_drvdata(cldev);

	if (cldev == vpro->amthi) {
		/* Wait for a running query, and let no new one start. */
		mutex_lock(&vpro->query_lock);
		vpro->amthi = NULL;
		mutex_unlock(&vpro->query_lock);
		vpro_sysfs_remove(vpro);
	} else {
		vpro_apf_exit(vpro);
		vpro->lme = NULL;
	}
	mei_cldev_set_drvdata(cldev, NULL);
	vpro_put(vpro);
}

static struct mei_cl_driver vpro_driver = {
	.id_table = vpro_id_table,
	.name = "vpro_heci",
	.probe = vpro_probe,
	.remove = vpro_remove,
};

int vpro_bus_register(void)
{
	return mei_cldev_driver_register(&vpro_driver);
}

void vpro_bus_unregister(void)
{
	mei_cldev_driver_unregister(&vpro_driver);
}
