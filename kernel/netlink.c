// SPDX-License-Identifier: GPL-2.0-only
/*
 * Generic netlink family "vpro_heci": device queries, the activation
 * status that vproctl reports, and the "events" multicast group. The
 * commands and attributes are in include/uapi/linux/vpro_heci.h.
 */
#include <linux/module.h>
#include <net/genetlink.h>
#include <net/netlink.h>

#include "apf.h"
#include "vpro.h"

static const struct nla_policy vpro_nl_policy[VPRO_A_MAX + 1] = {
	[VPRO_A_DEVICE_INDEX] = { .type = NLA_U32 },
	[VPRO_A_ACTIVATION_STATUS] = { .type = NLA_U32 },
	[VPRO_A_STATUS_REASON] = { .type = NLA_NUL_STRING,
				   .len = VPRO_STATUS_REASON_MAX },
};

enum vpro_nl_mcgrp {
	VPRO_NL_MCGRP_EVENTS,
};

static struct genl_family vpro_nl_family;

/* Writes one device message; the caller passes the APF state to report. */
static int vpro_nl_fill(struct sk_buff *skb, struct vpro *vpro,
			enum vpro_apf_state apf_state, u8 cmd, u32 portid,
			u32 seq, int flags)
{
	const struct vpro_info *info = &vpro->info;
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &vpro_nl_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;

	mutex_lock(&vpro->lock);
	if (nla_put_u32(skb, VPRO_A_DEVICE_INDEX, vpro->index) ||
	    nla_put_u32(skb, VPRO_A_CAPABILITY, info->capability) ||
	    nla_put_string(skb, VPRO_A_AMT_VERSION, info->amt_version) ||
	    nla_put_string(skb, VPRO_A_BUILD_NUMBER, info->build_number) ||
	    nla_put_u32(skb, VPRO_A_SKU, info->sku) ||
	    nla_put_string(skb, VPRO_A_FEATURES, info->features) ||
	    nla_put_string(skb, VPRO_A_UUID, info->uuid) ||
	    nla_put_u32(skb, VPRO_A_CONTROL_MODE, info->control_mode) ||
	    nla_put_u32(skb, VPRO_A_PROVISIONING_STATE,
			info->provisioning_state) ||
	    nla_put_u32(skb, VPRO_A_APF_STATE, apf_state) ||
	    nla_put_u32(skb, VPRO_A_ACTIVATION_STATUS, vpro->status) ||
	    (vpro->status_reason[0] &&
	     nla_put_string(skb, VPRO_A_STATUS_REASON, vpro->status_reason)))
		goto err_unlock;
	mutex_unlock(&vpro->lock);

	genlmsg_end(skb, hdr);
	return 0;

err_unlock:
	mutex_unlock(&vpro->lock);
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

/* Looks up the instance named by VPRO_A_DEVICE_INDEX; takes a reference. */
static struct vpro *vpro_nl_lookup(struct genl_info *info)
{
	struct nlattr *attr = info->attrs[VPRO_A_DEVICE_INDEX];
	struct vpro *vpro;

	if (GENL_REQ_ATTR_CHECK(info, VPRO_A_DEVICE_INDEX))
		return ERR_PTR(-EINVAL);

	vpro = vpro_get_by_index(nla_get_u32(attr));
	if (!vpro) {
		NL_SET_ERR_MSG_ATTR(info->extack, attr,
				    "no vpro device with this index");
		return ERR_PTR(-ENODEV);
	}
	return vpro;
}

static int vpro_nl_get_device_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	struct vpro *vpro;
	int ret;

	vpro = vpro_nl_lookup(info);
	if (IS_ERR(vpro))
		return PTR_ERR(vpro);

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg) {
		ret = -ENOMEM;
		goto out_put;
	}
	ret = vpro_nl_fill(msg, vpro, vpro_apf_state(vpro),
			   VPRO_CMD_GET_DEVICE, info->snd_portid,
			   info->snd_seq, 0);
	if (ret) {
		nlmsg_free(msg);
		goto out_put;
	}
	ret = genlmsg_reply(msg, info);
out_put:
	vpro_put(vpro);
	return ret;
}

/* cb->args[0] is the lowest index not yet dumped. */
static int vpro_nl_get_device_dumpit(struct sk_buff *skb,
				     struct netlink_callback *cb)
{
	int index = cb->args[0];
	struct vpro *vpro;
	int ret;

	while ((vpro = vpro_get_next(index))) {
		ret = vpro_nl_fill(skb, vpro, vpro_apf_state(vpro),
				   VPRO_CMD_GET_DEVICE,
				   NETLINK_CB(cb->skb).portid,
				   cb->nlh->nlmsg_seq, NLM_F_MULTI);
		if (ret) {
			vpro_put(vpro);
			break;
		}
		index = vpro->index + 1;
		vpro_put(vpro);
	}
	cb->args[0] = index;
	return skb->len;
}

static int vpro_nl_set_status_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *status_attr = info->attrs[VPRO_A_ACTIVATION_STATUS];
	struct nlattr *reason_attr = info->attrs[VPRO_A_STATUS_REASON];
	struct vpro *vpro;
	u32 status;

	if (GENL_REQ_ATTR_CHECK(info, VPRO_A_ACTIVATION_STATUS))
		return -EINVAL;
	status = nla_get_u32(status_attr);
	if (status >= __VPRO_ACTIVATION_MAX) {
		NL_SET_ERR_MSG_ATTR(info->extack, status_attr,
				    "invalid activation status: must be an enum vpro_activation_status value");
		return -EINVAL;
	}

	vpro = vpro_nl_lookup(info);
	if (IS_ERR(vpro))
		return PTR_ERR(vpro);

	mutex_lock(&vpro->lock);
	vpro->status = status;
	if (reason_attr)
		nla_strscpy(vpro->status_reason, reason_attr,
			    sizeof(vpro->status_reason));
	else
		vpro->status_reason[0] = '\0';
	mutex_unlock(&vpro->lock);

	vpro_nl_notify(vpro, VPRO_CMD_STATUS_CHANGED);
	vpro_put(vpro);
	return 0;
}

static int vpro_nl_refresh_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct vpro *vpro;
	int ret;

	vpro = vpro_nl_lookup(info);
	if (IS_ERR(vpro))
		return PTR_ERR(vpro);

	ret = vpro_amthi_refresh(vpro);
	if (ret == -ENODEV)
		NL_SET_ERR_MSG(info->extack, "device has no AMTHI client");
	else if (ret)
		NL_SET_ERR_MSG(info->extack,
			       "AMTHI query failed; see the kernel log");
	vpro_put(vpro);
	return ret;
}

static const struct genl_ops vpro_nl_ops[] = {
	{
		.cmd = VPRO_CMD_GET_DEVICE,
		.doit = vpro_nl_get_device_doit,
		.dumpit = vpro_nl_get_device_dumpit,
	},
	{
		.cmd = VPRO_CMD_SET_STATUS,
		.doit = vpro_nl_set_status_doit,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = VPRO_CMD_REFRESH,
		.doit = vpro_nl_refresh_doit,
		.flags = GENL_ADMIN_PERM,
	},
};

static const struct genl_multicast_group vpro_nl_mcgrps[] = {
	[VPRO_NL_MCGRP_EVENTS] = { .name = VPRO_GENL_MCGRP_EVENTS },
};

/*
 * parallel_ops: the ops need no genl_mutex, and REFRESH may wait seconds
 * on the firmware. resv_start_op 0 applies strict validation to all ops.
 */
static struct genl_family vpro_nl_family __ro_after_init = {
	.name = VPRO_GENL_NAME,
	.version = VPRO_GENL_VERSION,
	.maxattr = VPRO_A_MAX,
	.policy = vpro_nl_policy,
	.module = THIS_MODULE,
	.parallel_ops = true,
	.resv_start_op = 0,
	.ops = vpro_nl_ops,
	.n_ops = ARRAY_SIZE(vpro_nl_ops),
	.mcgrps = vpro_nl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(vpro_nl_mcgrps),
};

static void vpro_nl_send_event(struct vpro *vpro,
			       enum vpro_apf_state apf_state, u8 cmd)
{
	struct sk_buff *msg;

	if (!genl_has_listeners(&vpro_nl_family, &init_net,
				VPRO_NL_MCGRP_EVENTS))
		return;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return;
	if (vpro_nl_fill(msg, vpro, apf_state, cmd, 0, 0, 0)) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_multicast(&vpro_nl_family, msg, 0, VPRO_NL_MCGRP_EVENTS,
			  GFP_KERNEL);
}

/**
 * vpro_nl_notify - send a device event to the "events" group
 * @vpro: the instance the event is about
 * @cmd: VPRO_CMD_DEVICE_ADDED, _DEVICE_REMOVED, _CAPABILITY_CHANGED or
 *	_STATUS_CHANGED
 *
 * Context: process context; may sleep. Do not hold vpro->lock.
 */
void vpro_nl_notify(struct vpro *vpro, u8 cmd)
{
	vpro_nl_send_event(vpro, vpro_apf_state(vpro), cmd);
}

/**
 * vpro_nl_notify_apf_link - send VPRO_CMD_APF_LINK to the "events" group
 * @vpro: the instance whose APF link changed
 * @state: the new link state
 *
 * Context: process context; may sleep. Does not call vpro_apf_state(), so
 * the APF engine may call it with its own locks held, but not vpro->lock.
 */
void vpro_nl_notify_apf_link(struct vpro *vpro, enum vpro_apf_state state)
{
	vpro_nl_send_event(vpro, state, VPRO_CMD_APF_LINK);
}

int vpro_nl_register(void)
{
	return genl_register_family(&vpro_nl_family);
}

void vpro_nl_unregister(void)
{
	genl_unregister_family(&vpro_nl_family);
}
