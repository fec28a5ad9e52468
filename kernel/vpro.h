/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Core of vpro_heci: one struct vpro per MEI controller that exposes the
 * AMTHI or the LME client, shared by the bus driver, the AMTHI query code,
 * sysfs, generic netlink and the APF engine.
 *
 * Locking:
 *  - vpro_list_lock (bus.c) protects the instance list and the index
 *    allocator. Lookups take a reference (kref) before dropping it.
 *  - vpro->lock protects @info, @status and @status_reason. Readers copy
 *    what they need under it and never sleep on the firmware while holding
 *    it, so sysfs and netlink reads return at once.
 *  - vpro->query_lock serialises AMTHI queries (probe, refresh); it is held
 *    while talking to the firmware and is taken before vpro->lock.
 *  - A refresh for a process runs in @query_work, where no signal can cut
 *    an AMTHI exchange short. Every caller queues and then flushes it
 *    while the instance cannot go away: netlink holds a reference, and
 *    sysfs removal waits for a running refresh write. The flush cannot
 *    be interrupted; the query's timeouts bound it.
 * Nothing in the core runs in atomic context.
 */
#ifndef VPRO_H
#define VPRO_H

#include <linux/device.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mei_cl_bus.h>
#include <linux/mutex.h>
#include <linux/types.h>
#include <linux/workqueue.h>
#include <linux/vpro_heci.h>

#include "amthi_codec.h"

#define VPRO_STATUS_REASON_MAX	255
#define VPRO_FEATURES_LEN	64
#define VPRO_DNS_SUFFIX_LEN	256

/* Firmware facts from the last AMTHI query; cached for sysfs and netlink. */
struct vpro_info {
	enum vpro_capability capability;
	char amt_version[AMTHI_CODE_VERSION_LEN + 1];
	char build_number[AMTHI_CODE_VERSION_LEN + 1];
	u32 sku;
	char features[VPRO_FEATURES_LEN];
	char uuid[AMTHI_UUID_STR_LEN + 1];
	u32 control_mode;		/* 0 none, 1 CCM, 2 ACM */
	u32 provisioning_state;		/* 0 pre, 1 in, 2 post */
	char dns_suffix[VPRO_DNS_SUFFIX_LEN];
	int query_error;		/* 0, or the errno of the last query */
};

struct vpro_apf;

/**
 * struct vpro - one Intel ME as seen by vpro_heci
 * @kref: one reference per bound MEI client plus one per lookup
 * @node: entry in the instance list
 * @parent: the MEI controller device (cldev->dev.parent), the lookup key
 * @index: N of vproN and of /dev/vpro_apfN
 * @amthi: bound AMTHI client, or NULL
 * @lme: bound LME client, or NULL
 * @dev: class device vproN, created when AMTHI probes, or NULL
 * @lock: protects @info, @status and @status_reason
 * @query_lock: serialises AMTHI queries
 * @query_work: runs vpro_amthi_query() for vpro_amthi_refresh()
 * @query_result: return value of the last run of @query_work
 * @info: cache of the last AMTHI query
 * @status: activation status set by userspace over netlink
 * @status_reason: free-text reason for %VPRO_ACTIVATION_FAILED
 * @apf: state of the APF engine (apf.c); NULL until vpro_apf_init()
 */
struct vpro {
	struct kref kref;
	struct list_head node;
	struct device *parent;
	int index;
	struct mei_cl_device *amthi;
	struct mei_cl_device *lme;
	struct device *dev;
	struct mutex lock;		/* protects info, status, reason */
	struct mutex query_lock;	/* serialises AMTHI queries */
	struct work_struct query_work;
	int query_result;		/* under lock */
	struct vpro_info info;
	enum vpro_activation_status status;
	char status_reason[VPRO_STATUS_REASON_MAX + 1];
	struct vpro_apf *apf;
};

/* bus.c */
int vpro_bus_register(void);
void vpro_bus_unregister(void);
struct vpro *vpro_get_by_index(int index);
struct vpro *vpro_get_next(int min_index);
void vpro_put(struct vpro *vpro);

/* amthi.c */
int vpro_amthi_query(struct vpro *vpro);
void vpro_amthi_query_work(struct work_struct *work);
int vpro_amthi_refresh(struct vpro *vpro);

/*
 * Converts an error of mei_cldev_enable() for userspace. The MEI core
 * returns -EFAULT when the firmware did not answer the connect request in
 * time or asked for a disconnect, and userspace would read that errno as
 * a bad buffer address.
 */
static inline int vpro_mei_connect_errno(int err)
{
	return err == -EFAULT ? -EIO : err;
}

/* sysfs.c */
int vpro_class_register(void);
void vpro_class_unregister(void);
int vpro_sysfs_add(struct vpro *vpro);
void vpro_sysfs_remove(struct vpro *vpro);
const char *vpro_capability_name(enum vpro_capability capability);
const char *vpro_activation_status_name(enum vpro_activation_status status);

/* netlink.c */
int vpro_nl_register(void);
void vpro_nl_unregister(void);
void vpro_nl_notify(struct vpro *vpro, u8 cmd);
void vpro_nl_notify_apf_link(struct vpro *vpro, enum vpro_apf_state state);

#endif /* VPRO_H */
