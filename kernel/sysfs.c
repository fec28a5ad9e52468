// SPDX-License-Identifier: GPL-2.0-only
/*
 * Class "vpro": /sys/class/vpro/vproN, one device per ME with an AMTHI
 * client. Reads show the cache of the last AMTHI query and never wait on
 * the firmware; only a write to "refresh" does. The attributes are
 * described in Documentation/ABI/testing/sysfs-class-vpro.
 */
#include <linux/device.h>
#include <linux/kdev_t.h>
#include <linux/sysfs.h>

#include "apf.h"
#include "vpro.h"

const char *vpro_capability_name(enum vpro_capability capability)
{
	switch (capability) {
	case VPRO_CAPABILITY_AMT:
		return "amt";
	case VPRO_CAPABILITY_ISM:
		return "ism";
	default:
		return "none";
	}
}

const char *vpro_activation_status_name(enum vpro_activation_status status)
{
	switch (status) {
	case VPRO_ACTIVATION_IDLE:
		return "idle";
	case VPRO_ACTIVATION_IN_PROGRESS:
		return "in_progress";
	case VPRO_ACTIVATION_PROVISIONED:
		return "provisioned";
	case VPRO_ACTIVATION_FAILED:
		return "failed";
	case VPRO_ACTIVATION_UNSUPPORTED:
		return "unsupported";
	default:
		return "unknown";
	}
}

static const char *control_mode_name(u32 mode)
{
	static const char * const names[] = { "none", "ccm", "acm" };

	return mode < ARRAY_SIZE(names) ? names[mode] : "unknown";
}

static const char *provisioning_state_name(u32 state)
{
	static const char * const names[] = { "pre", "in", "post" };

	return state < ARRAY_SIZE(names) ? names[state] : "unknown";
}

static const char *apf_state_name(enum vpro_apf_state state)
{
	switch (state) {
	case VPRO_APF_HANDSHAKING:
		return "handshaking";
	case VPRO_APF_UP:
		return "up";
	default:
		return "down";
	}
}

/* Defines a read-only attribute that prints one cached field. */
#define VPRO_INFO_ATTR(_name, _fmt, _value)				\
static ssize_t _name##_show(struct device *dev,				\
			    struct device_attribute *attr, char *buf)	\
{									\
	struct vpro *vpro = dev_get_drvdata(dev);			\
	ssize_t len;							\
									\
	mutex_lock(&vpro->lock);					\
	len = sysfs_emit(buf, _fmt "\n", _value);			\
	mutex_unlock(&vpro->lock);					\
	return len;							\
}									\
static DEVICE_ATTR_RO(_name)

VPRO_INFO_ATTR(capability, "%s",
	       vpro_capability_name(vpro->info.capability));
VPRO_INFO_ATTR(amt_version, "%s", vpro->info.amt_version);
VPRO_INFO_ATTR(build_number, "%s", vpro->info.build_number);
VPRO_INFO_ATTR(sku, "%u", vpro->info.sku);
VPRO_INFO_ATTR(features, "%s", vpro->info.features);
VPRO_INFO_ATTR(uuid, "%s", vpro->info.uuid);
VPRO_INFO_ATTR(control_mode, "%s",
	       control_mode_name(vpro->info.control_mode));
VPRO_INFO_ATTR(provisioning_state, "%s",
	       provisioning_state_name(vpro->info.provisioning_state));
VPRO_INFO_ATTR(dns_suffix, "%s", vpro->info.dns_suffix);

static ssize_t apf_state_show(struct device *dev,
			      struct device_attribute *attr, char *buf)
{
	struct vpro *vpro = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%s\n", apf_state_name(vpro_apf_state(vpro)));
}
static DEVICE_ATTR_RO(apf_state);

/* Ports AMT announced over APF, space separated; empty while the link is down. */
static ssize_t apf_ports_show(struct device *dev,
			      struct device_attribute *attr, char *buf)
{
	struct vpro *vpro = dev_get_drvdata(dev);
	u32 ports[VPRO_APF_MAX_PORTS];
	ssize_t len = 0;
	int count, i;

	count = vpro_apf_ports(vpro, ports, ARRAY_SIZE(ports));
	for (i = 0; i < count; i++)
		len += sysfs_emit_at(buf, len, "%s%u", i ? " " : "", ports[i]);
	len += sysfs_emit_at(buf, len, "\n");
	return len;
}
static DEVICE_ATTR_RO(apf_ports);

static ssize_t apf_channels_show(struct device *dev,
				 struct device_attribute *attr, char *buf)
{
	struct vpro *vpro = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%d\n", vpro_apf_channels(vpro));
}
static DEVICE_ATTR_RO(apf_channels);

static ssize_t activation_status_show(struct device *dev,
				      struct device_attribute *attr, char *buf)
{
	struct vpro *vpro = dev_get_drvdata(dev);
	const char *name;
	ssize_t len;

	mutex_lock(&vpro->lock);
	name = vpro_activation_status_name(vpro->status);
	if (vpro->status == VPRO_ACTIVATION_FAILED && vpro->status_reason[0])
		len = sysfs_emit(buf, "%s: %s\n", name, vpro->status_reason);
	else
		len = sysfs_emit(buf, "%s\n", name);
	mutex_unlock(&vpro->lock);
	return len;
}
static DEVICE_ATTR_RO(activation_status);

/* Any write re-queries the firmware; the written text is ignored. */
static ssize_t refresh_store(struct device *dev, struct device_attribute *attr,
			     const char *buf, size_t count)
{
	struct vpro *vpro = dev_get_drvdata(dev);
	int ret;

	ret = vpro_amthi_refresh(vpro);
	return ret ? ret : count;
}
static DEVICE_ATTR_WO(refresh);

static struct attribute *vpro_attrs[] = {
	&dev_attr_capability.attr,
	&dev_attr_amt_version.attr,
	&dev_attr_build_number.attr,
	&dev_attr_sku.attr,
	&dev_attr_features.attr,
	&dev_attr_uuid.attr,
	&dev_attr_control_mode.attr,
	&dev_attr_provisioning_state.attr,
	&dev_attr_dns_suffix.attr,
	&dev_attr_apf_state.attr,
	&dev_attr_apf_ports.attr,
	&dev_attr_apf_channels.attr,
	&dev_attr_activation_status.attr,
	&dev_attr_refresh.attr,
	NULL
};
ATTRIBUTE_GROUPS(vpro);

static struct class vpro_class = {
	.name = "vpro",
	.dev_groups = vpro_groups,
};

int vpro_class_register(void)
{
	return class_register(&vpro_class);
}

void vpro_class_unregister(void)
{
	class_unregister(&vpro_class);
}

/* Creates vproN under the AMTHI client device and announces it. */
int vpro_sysfs_add(struct vpro *vpro)
{
	struct device *dev;

	dev = device_create(&vpro_class, &vpro->amthi->dev, MKDEV(0, 0), vpro,
			    "vpro%d", vpro->index);
	if (IS_ERR(dev))
		return PTR_ERR(dev);

	WRITE_ONCE(vpro->dev, dev);
	vpro_nl_notify(vpro, VPRO_CMD_DEVICE_ADDED);
	return 0;
}

/* Announces the removal, then waits for running attribute calls. */
void vpro_sysfs_remove(struct vpro *vpro)
{
	struct device *dev = vpro->dev;

	if (!dev)
		return;
	vpro_nl_notify(vpro, VPRO_CMD_DEVICE_REMOVED);
	WRITE_ONCE(vpro->dev, NULL);
	device_unregister(dev);
}
