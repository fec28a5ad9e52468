// SPDX-License-Identifier: GPL-2.0-only
/*
 * struct mei_hw_ops for the software ME. The MEI core calls these with
 * device_lock held; frames move through two bounded queues that the
 * /dev/mesim file operations drain and fill.
 */

#include <linux/slab.h>

#include "mesim.h"

static void mesim_free_list(struct list_head *frames)
{
	struct mesim_frame *f, *next;

	list_for_each_entry_safe(f, next, frames, link)
		kfree(f);
}

/* Drop every queued frame in both directions. */
void mesim_hw_purge(struct mesim_hw *hw)
{
	LIST_HEAD(frames);

	spin_lock(&hw->lock);
	list_splice_init(&hw->to_fw, &frames);
	list_splice_init(&hw->to_host, &frames);
	hw->to_fw_count = 0;
	hw->to_host_count = 0;
	spin_unlock(&hw->lock);

	mesim_free_list(&frames);
	wake_up_interruptible(&hw->wait);
}

/* Stop all I/O on behalf of a released /dev/mesim. */
void mesim_hw_stop_io(struct mesim_hw *hw)
{
	spin_lock(&hw->lock);
	hw->stopped = true;
	hw->fw_ready = false;
	spin_unlock(&hw->lock);
	mesim_hw_purge(hw);
}

/* Simulate the firmware dropping its ready bit, as an ME reset does. */
void mesim_hw_request_reset(struct mesim_hw *hw)
{
	spin_lock(&hw->lock);
	hw->fw_ready = false;
	hw->drop_to_host = true;
	spin_unlock(&hw->lock);
	schedule_work(&hw->rx_work);
}

static bool mesim_host_is_ready(struct mei_device *mei)
{
	return READ_ONCE(mesim_hw(mei)->host_ready);
}

static bool mesim_hw_is_ready(struct mei_device *mei)
{
	return READ_ONCE(mesim_hw(mei)->fw_ready);
}

static int mesim_hw_reset(struct mei_device *mei, bool intr_enable)
{
	struct mesim_hw *hw = mesim_hw(mei);

	spin_lock(&hw->lock);
	hw->fw_ready = false;
	hw->host_ready = false;
	hw->intr_enabled = intr_enable;
	hw->drop_to_host = true;
	spin_unlock(&hw->lock);

	mesim_hw_purge(hw);
	return 0;
}

/* The software firmware is ready as soon as the host is. */
static int mesim_hw_start(struct mei_device *mei)
{
	struct mesim_hw *hw = mesim_hw(mei);
	int ret = 0;

	spin_lock(&hw->lock);
	if (hw->stopped) {
		ret = -ENODEV;
	} else {
		hw->host_ready = true;
		hw->fw_ready = true;
	}
	spin_unlock(&hw->lock);
	return ret;
}

static int mesim_hw_config(struct mei_device *mei)
{
	return 0;
}

static int mesim_fw_status(struct mei_device *mei, struct mei_fw_status *fw_status)
{
	if (!fw_status)
		return -EINVAL;
	fw_status->count = 0;
	return 0;
}

static enum mei_pg_state mesim_pg_state(struct mei_device *mei)
{
	return MEI_PG_OFF;
}

static bool mesim_pg_in_transition(struct mei_device *mei)
{
	return false;
}

static bool mesim_pg_is_enabled(struct mei_device *mei)
{
	return false;
}

static void mesim_intr_clear(struct mei_device *mei)
{
}

static void mesim_intr_enable(struct mei_device *mei)
{
	struct mesim_hw *hw = mesim_hw(mei);

	WRITE_ONCE(hw->intr_enabled, true);
	schedule_work(&hw->rx_work);
}

static void mesim_intr_disable(struct mei_device *mei)
{
	WRITE_ONCE(mesim_hw(mei)->intr_enabled, false);
}

/* The core calls this without device_lock, so waiting for rx_work is safe. */
static void mesim_synchronize_irq(struct mei_device *mei)
{
	flush_work(&mesim_hw(mei)->rx_work);
}

static int mesim_hbuf_free_slots(struct mei_device *mei)
{
	return MESIM_HBUF_SLOTS;
}

static bool mesim_hbuf_is_ready(struct mei_device *mei)
{
	struct mesim_hw *hw = mesim_hw(mei);
	bool ready;

	spin_lock(&hw->lock);
	ready = !hw->stopped && hw->to_fw_count < MESIM_QUEUE_LIMIT;
	spin_unlock(&hw->lock);
	return ready;
}

static u32 mesim_hbuf_depth(const struct mei_device *mei)
{
	return MESIM_HBUF_SLOTS;
}

/*
 * Queue one host-to-firmware frame for /dev/mesim readers. Runs with
 * device_lock held, so it never waits for the firmware model. rx_work
 * later sets mei_device::hbuf_is_ready again for the next host write.
 */
static int mesim_write(struct mei_device *mei, const void *hdr, size_t hdr_len,
		       const void *data, size_t data_len)
{
	struct mesim_hw *hw = mesim_hw(mei);
	struct mesim_frame *f;
	int ret = 0;

	if (hdr_len + data_len > MESIM_MAX_FRAME)
		return -EMSGSIZE;

	f = kmalloc(struct_size(f, data, hdr_len + data_len), GFP_KERNEL);
	if (!f) {
		ret = -ENOMEM;
		goto out_rearm;
	}
	f->len = hdr_len + data_len;
	memcpy(f->data, hdr, hdr_len);
	if (data_len)
		memcpy(f->data + hdr_len, data, data_len);

	spin_lock(&hw->lock);
	if (hw->stopped) {
		ret = -ENODEV;
	} else if (hw->to_fw_count >= MESIM_QUEUE_LIMIT) {
		ret = -ENOSPC;
	} else {
		list_add_tail(&f->link, &hw->to_fw);
		hw->to_fw_count++;
	}
	spin_unlock(&hw->lock);

	if (ret) {
		kfree(f);
		goto out_rearm;
	}
	wake_up_interruptible(&hw->wait);
	schedule_work(&hw->rx_work);
	return 0;

out_rearm:
	/*
	 * The MEI core cleared hbuf_is_ready before this write and sets it
	 * again only from rx_work, so a failed write must schedule it too,
	 * or every later host message waits forever.
	 */
	schedule_work(&hw->rx_work);
	return ret;
}

/* Slots of the oldest firmware-to-host frame, 0 when none is queued. */
static int mesim_rdbuf_full_slots(struct mei_device *mei)
{
	struct mesim_hw *hw = mesim_hw(mei);
	struct mesim_frame *f;
	int slots = 0;

	spin_lock(&hw->lock);
	f = list_first_entry_or_null(&hw->to_host, struct mesim_frame, link);
	if (f)
		slots = DIV_ROUND_UP(f->len, MEI_SLOT_SIZE);
	spin_unlock(&hw->lock);
	return slots;
}

static u32 mesim_read_hdr(const struct mei_device *mei)
{
	struct mesim_hw *hw = mesim_hw(mei);
	struct mesim_frame *f;
	__le32 hdr = 0;

	spin_lock(&hw->lock);
	f = list_first_entry_or_null(&hw->to_host, struct mesim_frame, link);
	if (f)
		memcpy(&hdr, f->data, sizeof(hdr));
	spin_unlock(&hw->lock);
	return le32_to_cpu(hdr);
}

/* Copy the payload of the oldest firmware-to-host frame and dequeue it. */
static int mesim_read(struct mei_device *mei, unsigned char *buf,
		      unsigned long len)
{
	struct mesim_hw *hw = mesim_hw(mei);
	struct mesim_frame *f;
	size_t payload;

	spin_lock(&hw->lock);
	f = list_first_entry_or_null(&hw->to_host, struct mesim_frame, link);
	if (f) {
		list_del(&f->link);
		hw->to_host_count--;
	}
	spin_unlock(&hw->lock);

	if (!f)
		return -ENODATA;

	wake_up_interruptible(&hw->wait);
	payload = f->len - MESIM_HDR_LEN;
	if (len != payload)
		dev_err(mei->dev, "read of %lu bytes from a %zu-byte payload\n",
			len, payload);
	memcpy(buf, f->data + MESIM_HDR_LEN, min_t(size_t, len, payload));
	kfree(f);
	return len == payload ? 0 : -EINVAL;
}

static const struct mei_hw_ops mesim_hw_ops = {
	.host_is_ready = mesim_host_is_ready,
	.hw_is_ready = mesim_hw_is_ready,
	.hw_reset = mesim_hw_reset,
	.hw_start = mesim_hw_start,
	.hw_config = mesim_hw_config,
	.fw_status = mesim_fw_status,
	.pg_state = mesim_pg_state,
	.pg_in_transition = mesim_pg_in_transition,
	.pg_is_enabled = mesim_pg_is_enabled,
	.intr_clear = mesim_intr_clear,
	.intr_enable = mesim_intr_enable,
	.intr_disable = mesim_intr_disable,
	.synchronize_irq = mesim_synchronize_irq,
	.hbuf_free_slots = mesim_hbuf_free_slots,
	.hbuf_is_ready = mesim_hbuf_is_ready,
	.hbuf_depth = mesim_hbuf_depth,
	.write = mesim_write,
	.rdbuf_full_slots = mesim_rdbuf_full_slots,
	.read_hdr = mesim_read_hdr,
	.read = mesim_read,
};

static bool mesim_link_is_down(struct mei_device *mei)
{
	switch (mei->dev_state) {
	case MEI_DEV_INITIALIZING:
	case MEI_DEV_RESETTING:
	case MEI_DEV_DISABLED:
	case MEI_DEV_POWERING_DOWN:
	case MEI_DEV_POWER_DOWN:
		return true;
	default:
		return false;
	}
}

/*
 * Deliver queued firmware frames, then let the core write the next host
 * frame and complete finished requests: the job a hardware backend's
 * threaded IRQ handler does.
 */
static void mesim_rx_work(struct work_struct *work)
{
	struct mesim_hw *hw = container_of(work, struct mesim_hw, rx_work);
	struct mei_device *mei = hw->mei;
	struct list_head cmpl_list;
	unsigned int budget = MESIM_QUEUE_LIMIT;
	s32 slots;
	int ret;

	INIT_LIST_HEAD(&cmpl_list);
	mutex_lock(&mei->device_lock);

	if (READ_ONCE(hw->stopped) || !READ_ONCE(hw->intr_enabled))
		goto unlock;

	if (!mei_hw_is_ready(mei)) {
		if (!mesim_link_is_down(mei)) {
			dev_info(mei->dev, "firmware not ready: resetting the link\n");
			schedule_work(&mei->reset_work);
		}
		goto unlock;
	}
	if (!mei_host_is_ready(mei))
		goto unlock;

	slots = mei_count_full_read_slots(mei);
	while (slots > 0 && budget--) {
		ret = mei_irq_read_handler(mei, &cmpl_list, &slots);
		if (ret == -ENODATA)
			break;
		if (ret) {
			dev_err(mei->dev, "read handler failed: %d, dev_state %d\n",
				ret, mei->dev_state);
			if (!mesim_link_is_down(mei))
				schedule_work(&mei->reset_work);
			goto unlock;
		}
	}
	/* More frames than one pass may handle: come back for the rest. */
	if (slots > 0)
		schedule_work(&hw->rx_work);

	mei->hbuf_is_ready = mei_hbuf_is_ready(mei);
	ret = mei_irq_write_handler(mei, &cmpl_list);
	if (ret)
		dev_err(mei->dev, "write handler failed: %d\n", ret);
	mei->hbuf_is_ready = mei_hbuf_is_ready(mei);

	mei_irq_compl_handler(mei, &cmpl_list);
unlock:
	mutex_unlock(&mei->device_lock);
}

/* Bring the link up, then create /dev/meiN; retried on HBM start timeouts. */
static void mesim_start_work(struct work_struct *work)
{
	struct mesim_hw *hw = container_of(work, struct mesim_hw, start_work);
	struct mei_device *mei = hw->mei;
	int attempt, ret = -ENODEV;

	for (attempt = 0; attempt < 3 && !READ_ONCE(hw->stopped); attempt++) {
		ret = mei_start(mei);
		if (!ret)
			break;
	}
	if (ret) {
		dev_err(mei->dev, "link start failed: %d; the firmware model must answer HOST_START within 1 s of opening %s\n",
			ret, MESIM_DEVICE);
		return;
	}

	ret = mei_register(mei, mei->dev);
	if (ret) {
		dev_err(mei->dev, "mei_register failed: %d\n", ret);
		return;
	}
	WRITE_ONCE(hw->registered, true);
}

/* Allocate a MEI device with the software backend; nothing is started. */
struct mei_device *mesim_hw_alloc(struct device *parent)
{
	struct mei_device *mei;
	struct mesim_hw *hw;

	mei = kzalloc(sizeof(*mei) + sizeof(*hw), GFP_KERNEL);
	if (!mei)
		return NULL;

	mei_device_init(mei, parent, false, &mesim_hw_ops);
	mei->kind = "mesim";

	hw = mesim_hw(mei);
	hw->mei = mei;
	spin_lock_init(&hw->lock);
	INIT_LIST_HEAD(&hw->to_fw);
	INIT_LIST_HEAD(&hw->to_host);
	INIT_LIST_HEAD(&hw->dead_link);
	init_waitqueue_head(&hw->wait);
	INIT_WORK(&hw->rx_work, mesim_rx_work);
	INIT_WORK(&hw->start_work, mesim_start_work);
	hw->drop_to_host = true;
	return mei;
}
