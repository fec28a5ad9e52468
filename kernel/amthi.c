// SPDX-License-Identifier: GPL-2.0-only
/*
 * AMTHI introspection: connect to the AMTHI client, send the queries that
 * sysfs and netlink report, and disconnect again. AMTHI takes a single
 * connection, so holding it would lock vproctl, rpc-go and LMS out of
 * /dev/mei0.
 */
#include <linux/delay.h>
#include <linux/errno.h>
#include <linux/mei_cl_bus.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "amthi_codec.h"
#include "compat.h"
#include "vpro.h"

#define AMTHI_REPLY_TIMEOUT_MS	3000
#define AMTHI_CONNECT_TRIES	5
#define AMTHI_BACKOFF_FIRST_MS	100	/* doubled per try: 1.5 s in total */

/* One AMTHI exchange on a connected client; @buf receives the reply. */
struct amthi_call {
	struct mei_cl_device *cldev;
	u8 *buf;
	const u8 *payload;
	size_t payload_len;
	u32 status;
};

/*
 * Sends @command with an empty body and checks the reply's header. Returns
 * 0 when the reply status is success, and -EIO for any other status.
 */
static int amthi_call(struct amthi_call *call, u32 command)
{
	struct device *dev = &call->cldev->dev;
	ssize_t len;
	int ret;

	ret = amthi_encode_request(call->buf, AMTHI_MAX_MSG_LEN, command,
				   NULL, 0);
	if (ret < 0)
		return ret;

	len = vpro_cldev_send(call->cldev, call->buf, ret,
			      AMTHI_REPLY_TIMEOUT_MS);
	if (len < 0) {
		dev_err_ratelimited(dev, "AMTHI %s: send failed: %zd\n",
				    amthi_command_name(command), len);
		return len;
	}

	len = vpro_cldev_recv(call->cldev, call->buf, AMTHI_MAX_MSG_LEN,
			      AMTHI_REPLY_TIMEOUT_MS);
	if (len < 0) {
		dev_err_ratelimited(dev, "AMTHI %s: no reply: %zd\n",
				    amthi_command_name(command), len);
		return len;
	}

	ret = amthi_parse_response(call->buf, len, command, &call->status,
				   &call->payload, &call->payload_len);
	if (ret) {
		dev_err_ratelimited(dev,
				    "AMTHI %s: malformed reply header (%zd bytes)\n",
				    amthi_command_name(command), len);
		return ret;
	}
	if (call->status != AMTHI_STATUS_SUCCESS) {
		dev_warn_ratelimited(dev, "AMTHI %s: firmware status %u\n",
				     amthi_command_name(command), call->status);
		return -EIO;
	}
	return 0;
}

static void amthi_report_payload(struct amthi_call *call, u32 command)
{
	dev_err_ratelimited(&call->cldev->dev,
			    "AMTHI %s: malformed reply payload (%zu bytes)\n",
			    amthi_command_name(command), call->payload_len);
}

static enum vpro_capability
amthi_capability(const struct amthi_code_versions *versions)
{
	if (!versions->count)
		return VPRO_CAPABILITY_NONE;
	if (amthi_sku_is_ism(versions->sku))
		return VPRO_CAPABILITY_ISM;
	if (versions->sku & 0x08)	/* SKU bit "AMT Pro" */
		return VPRO_CAPABILITY_AMT;
	return VPRO_CAPABILITY_NONE;
}

static int amthi_query_versions(struct amthi_call *call, struct vpro_info *info)
{
	struct amthi_code_versions *versions;
	int ret;

	ret = amthi_call(call, AMTHI_CMD_GET_CODE_VERSIONS);
	if (ret)
		return ret;

	versions = kzalloc(sizeof(*versions), GFP_KERNEL);
	if (!versions)
		return -ENOMEM;

	ret = amthi_parse_code_versions(call->payload, call->payload_len,
					versions);
	if (ret) {
		amthi_report_payload(call, AMTHI_CMD_GET_CODE_VERSIONS);
		goto out;
	}

	strscpy(info->amt_version, versions->amt, sizeof(info->amt_version));
	strscpy(info->build_number, versions->build_number,
		sizeof(info->build_number));
	info->sku = versions->sku;
	info->capability = amthi_capability(versions);
	if (amthi_format_features(versions->sku, info->features,
				  sizeof(info->features)) < 0)
		info->features[0] = '\0';
out:
	kfree(versions);
	return ret;
}

static int amthi_query_u32(struct amthi_call *call, u32 command, u32 *out)
{
	int ret;

	ret = amthi_call(call, command);
	if (ret)
		return ret;
	ret = amthi_parse_u32(call->payload, call->payload_len, out);
	if (ret)
		amthi_report_payload(call, command);
	return ret;
}

/*
 * Fills the rest of @info once GetCodeVersions found AMT or ISM. Returns
 * the first error met; the fields that failed stay empty.
 */
static int amthi_query_details(struct amthi_call *call, struct vpro_info *info)
{
	int first = 0, ret;

	ret = amthi_call(call, AMTHI_CMD_GET_UUID);
	if (!ret) {
		ret = amthi_parse_uuid(call->payload, call->payload_len,
				       info->uuid);
		if (ret) {
			amthi_report_payload(call, AMTHI_CMD_GET_UUID);
			info->uuid[0] = '\0';
		}
	}
	first = first ?: ret;

	ret = amthi_query_u32(call, AMTHI_CMD_GET_CONTROL_MODE,
			      &info->control_mode);
	first = first ?: ret;

	ret = amthi_query_u32(call, AMTHI_CMD_GET_PROVISIONING_STATE,
			      &info->provisioning_state);
	first = first ?: ret;

	/* AMT without a configured suffix may reply with an error status. */
	ret = amthi_call(call, AMTHI_CMD_GET_PKI_FQDN_SUFFIX);
	if (!ret) {
		ret = amthi_parse_string16(call->payload, call->payload_len,
					   info->dns_suffix,
					   sizeof(info->dns_suffix));
		if (ret < 0) {
			amthi_report_payload(call, AMTHI_CMD_GET_PKI_FQDN_SUFFIX);
			info->dns_suffix[0] = '\0';
			first = first ?: ret;
		}
	} else if (ret != -EIO) {
		first = first ?: ret;
	}
	return first;
}

/* Connects to AMTHI, retrying -EBUSY while another process is connected. */
static int amthi_connect(struct mei_cl_device *cldev)
{
	unsigned int delay_ms = AMTHI_BACKOFF_FIRST_MS;
	int ret, try;

	for (try = 1; ; try++) {
		ret = mei_cldev_enable(cldev);
		if (ret != -EBUSY || try == AMTHI_CONNECT_TRIES)
			break;
		dev_dbg(&cldev->dev, "AMTHI busy, retry %d in %u ms\n", try,
			delay_ms);
		msleep(delay_ms);
		delay_ms *= 2;
	}
	if (ret == -EBUSY)
		dev_warn_ratelimited(&cldev->dev,
				     "AMTHI still busy after %d tries; another process holds it\n",
				     AMTHI_CONNECT_TRIES);
	return vpro_mei_connect_errno(ret);
}

static void vpro_store_info(struct vpro *vpro, const struct vpro_info *info)
{
	bool changed;

	mutex_lock(&vpro->lock);
	changed = vpro->info.capability != info->capability;
	vpro->info = *info;
	mutex_unlock(&vpro->lock);

	if (changed && READ_ONCE(vpro->dev))
		vpro_nl_notify(vpro, VPRO_CMD_CAPABILITY_CHANGED);
}

/**
 * vpro_amthi_query - refresh the firmware cache of @vpro over AMTHI
 * @vpro: instance whose AMTHI client is bound
 *
 * Connects, queries and disconnects. May sleep for a few seconds at most:
 * each reply waits up to AMTHI_REPLY_TIMEOUT_MS and a busy client is
 * retried for about 1.5 s. A client that is not active (-ENOTTY, AMT
 * absent or disabled) yields capability "none" without retries.
 *
 * Return: 0, or the first error. The cache keeps its old values when
 * GetCodeVersions failed, else it contains what was read.
 */
int vpro_amthi_query(struct vpro *vpro)
{
	struct vpro_info *info;
	struct amthi_call call = {};
	bool have_versions;
	int ret, err;

	info = kzalloc(sizeof(*info), GFP_KERNEL);
	call.buf = kmalloc(AMTHI_MAX_MSG_LEN, GFP_KERNEL);
	if (!info || !call.buf) {
		ret = -ENOMEM;
		goto out_free;
	}

	mutex_lock(&vpro->query_lock);
	call.cldev = vpro->amthi;
	if (!call.cldev) {
		ret = -ENODEV;
		goto out_unlock;
	}

	info->capability = VPRO_CAPABILITY_NONE;
	ret = amthi_connect(call.cldev);
	if (ret == -ENOTTY) {
		ret = 0;
		goto store;
	}
	if (ret) {
		dev_err_ratelimited(&call.cldev->dev,
				    "AMTHI connect failed: %d\n", ret);
		goto out_error;
	}

	ret = amthi_query_versions(&call, info);
	have_versions = !ret;
	if (have_versions && info->capability != VPRO_CAPABILITY_NONE)
		ret = amthi_query_details(&call, info);

	err = mei_cldev_disable(call.cldev);
	if (err)
		dev_warn_ratelimited(&call.cldev->dev,
				     "AMTHI disconnect failed: %d\n", err);

	/* Without the code versions nothing new is known: keep the cache. */
	if (!have_versions)
		goto out_error;
store:
	info->query_error = ret;
	vpro_store_info(vpro, info);
	goto out_unlock;

out_error:
	mutex_lock(&vpro->lock);
	vpro->info.query_error = ret;
	mutex_unlock(&vpro->lock);
out_unlock:
	mutex_unlock(&vpro->query_lock);
out_free:
	kfree(call.buf);
	kfree(info);
	return ret;
}

void vpro_amthi_query_work(struct work_struct *work)
{
	struct vpro *vpro = container_of(work, struct vpro, query_work);
	int ret = vpro_amthi_query(vpro);

	mutex_lock(&vpro->lock);
	vpro->query_result = ret;
	mutex_unlock(&vpro->lock);
}

/**
 * vpro_amthi_refresh - refresh the firmware cache for a process
 * @vpro: instance, with a reference held by the caller
 *
 * Runs vpro_amthi_query() in @vpro->query_work and waits for it. In the
 * caller's context a signal would end the MEI waits with -EINTR, and a
 * generic netlink handler that returns -EINTR sends no ack, so the
 * process would wait for one forever. The wait is bounded by the
 * query's own timeouts.
 *
 * Return: what the query returned; with concurrent callers, a later run.
 */
int vpro_amthi_refresh(struct vpro *vpro)
{
	int ret;

	queue_work(system_wq, &vpro->query_work);
	flush_work(&vpro->query_work);

	mutex_lock(&vpro->lock);
	ret = vpro->query_result;
	mutex_unlock(&vpro->lock);
	return ret;
}
