// SPDX-License-Identifier: GPL-2.0-only
/*
 * mesim: a test-only software ME. Opening /dev/mesim registers a MEI
 * device with the real MEI core; the opener plays the firmware by reading
 * host-to-firmware frames and writing firmware-to-host frames.
 */

#include <linux/atomic.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/platform_device.h>
#include <linux/pm_runtime.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "mesim.h"

#define MESIM_NAME	"mesim"

/* MEI header bits a firmware frame may not set at HBM 2.0. */
#define MESIM_HDR_LENGTH(hdr)	(((hdr) >> 16) & 0x1ff)
#define MESIM_HDR_RESERVED	GENMASK(27, 25)
#define MESIM_HDR_EXTENDED	BIT(28)
#define MESIM_HDR_DMA_RING	BIT(29)
#define MESIM_HBM_HOST_START	0x01

static struct platform_device *mesim_pdev;
static atomic_t mesim_busy = ATOMIC_INIT(0);

/*
 * Released MEI devices stay allocated until module exit: a /dev/meiN file
 * or a MEI bus device may still point at one, and both pin this module.
 */
static LIST_HEAD(mesim_dead_list);
static DEFINE_MUTEX(mesim_dead_lock);

static int mesim_open(struct inode *inode, struct file *file)
{
	struct mei_device *mei;
	struct mesim_hw *hw;

	if (atomic_cmpxchg(&mesim_busy, 0, 1))
		return -EBUSY;

	if (!mesim_pdev || !mesim_pdev->dev.driver) {
		atomic_set(&mesim_busy, 0);
		return -ENODEV;
	}

	mei = mesim_hw_alloc(&mesim_pdev->dev);
	if (!mei) {
		atomic_set(&mesim_busy, 0);
		return -ENOMEM;
	}

	hw = mesim_hw(mei);
	file->private_data = hw;
	/* mei_start() waits for the HBM start reply, which needs this file. */
	schedule_work(&hw->start_work);
	return nonseekable_open(inode, file);
}

/* Remove the MEI device even with /dev/meiN files open or clients bound. */
static int mesim_release(struct inode *inode, struct file *file)
{
	struct mesim_hw *hw = file->private_data;
	struct mei_device *mei = hw->mei;

	mesim_hw_stop_io(hw);
	flush_work(&hw->start_work);

	mei_stop(mei);
	mei_disable_interrupts(mei);
	cancel_work_sync(&hw->rx_work);
	if (hw->registered)
		mei_deregister(mei);
	mesim_hw_purge(hw);

	mutex_lock(&mesim_dead_lock);
	list_add_tail(&hw->dead_link, &mesim_dead_list);
	mutex_unlock(&mesim_dead_lock);

	atomic_set(&mesim_busy, 0);
	return 0;
}

static ssize_t mesim_read(struct file *file, char __user *buf, size_t count,
			  loff_t *ppos)
{
	struct mesim_hw *hw = file->private_data;
	struct mesim_frame *f;
	bool was_full;
	ssize_t ret;

	for (;;) {
		spin_lock(&hw->lock);
		f = list_first_entry_or_null(&hw->to_fw, struct mesim_frame, link);
		if (f)
			break;
		spin_unlock(&hw->lock);

		if (file->f_flags & O_NONBLOCK)
			return -EAGAIN;
		ret = wait_event_interruptible(hw->wait,
					       !list_empty_careful(&hw->to_fw));
		if (ret)
			return ret;
	}

	if (f->len > count) {
		spin_unlock(&hw->lock);
		return -EMSGSIZE;
	}
	list_del(&f->link);
	was_full = hw->to_fw_count-- >= MESIM_QUEUE_LIMIT;
	/* Frames the firmware model writes after this belong to the new link. */
	if (f->len > MESIM_HDR_LEN && f->data[0] == 0 && f->data[1] == 0 &&
	    f->data[MESIM_HDR_LEN] == MESIM_HBM_HOST_START)
		hw->drop_to_host = false;
	spin_unlock(&hw->lock);

	/* NOTE: a frame whose copy faults is lost, as on a broken link. */
	ret = copy_to_user(buf, f->data, f->len) ? -EFAULT : f->len;
	kfree(f);

	if (was_full)
		schedule_work(&hw->rx_work);
	return ret;
}

static int mesim_check_frame(struct mesim_hw *hw, const u8 *frame, size_t len)
{
	struct device *dev = hw->mei->dev;
	__le32 raw;
	u32 hdr;

	memcpy(&raw, frame, sizeof(raw));
	hdr = le32_to_cpu(raw);
	if (MESIM_HDR_LENGTH(hdr) != len - MESIM_HDR_LEN) {
		dev_dbg(dev, "frame header 0x%08x: length %u, but %zu payload bytes written\n",
			hdr, MESIM_HDR_LENGTH(hdr), len - MESIM_HDR_LEN);
		return -EINVAL;
	}
	if (!hdr || (hdr & (MESIM_HDR_RESERVED | MESIM_HDR_EXTENDED |
			    MESIM_HDR_DMA_RING))) {
		dev_dbg(dev, "frame header 0x%08x: zero, reserved, extended or DMA ring bits are invalid at HBM 2.0\n",
			hdr);
		return -EINVAL;
	}
	return 0;
}

static ssize_t mesim_write(struct file *file, const char __user *buf,
			   size_t count, loff_t *ppos)
{
	struct mesim_hw *hw = file->private_data;
	struct mesim_frame *f;
	bool queued = false;
	int ret;

	if (count < MESIM_HDR_LEN || count > MESIM_MAX_FRAME)
		return -EINVAL;

	f = kmalloc(struct_size(f, data, count), GFP_KERNEL);
	if (!f)
		return -ENOMEM;
	f->len = count;
	if (copy_from_user(f->data, buf, count)) {
		kfree(f);
		return -EFAULT;
	}
	ret = mesim_check_frame(hw, f->data, count);
	if (ret) {
		kfree(f);
		return ret;
	}

	for (;;) {
		spin_lock(&hw->lock);
		if (hw->drop_to_host)
			break;
		if (hw->to_host_count < MESIM_QUEUE_LIMIT) {
			list_add_tail(&f->link, &hw->to_host);
			hw->to_host_count++;
			queued = true;
			break;
		}
		spin_unlock(&hw->lock);

		ret = -EAGAIN;
		if (!(file->f_flags & O_NONBLOCK))
			ret = wait_event_interruptible(hw->wait,
						       READ_ONCE(hw->to_host_count) <
						       MESIM_QUEUE_LIMIT);
		if (ret) {
			kfree(f);
			return ret;
		}
	}
	spin_unlock(&hw->lock);

	if (!queued) {
		dev_dbg(hw->mei->dev, "dropped a frame written before the host restarted HBM\n");
		kfree(f);
		return count;
	}
	schedule_work(&hw->rx_work);
	return count;
}

static __poll_t mesim_poll(struct file *file, poll_table *wait)
{
	struct mesim_hw *hw = file->private_data;
	__poll_t mask = 0;

	poll_wait(file, &hw->wait, wait);

	spin_lock(&hw->lock);
	if (!list_empty(&hw->to_fw))
		mask |= EPOLLIN | EPOLLRDNORM;
	if (hw->to_host_count < MESIM_QUEUE_LIMIT)
		mask |= EPOLLOUT | EPOLLWRNORM;
	spin_unlock(&hw->lock);
	return mask;
}

static long mesim_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct mesim_hw *hw = file->private_data;

	switch (cmd) {
	case MESIM_IOC_RESET:
		if (!READ_ONCE(hw->registered))
			return -ENODEV;
		dev_info(hw->mei->dev, "simulating an ME reset\n");
		mesim_hw_request_reset(hw);
		return 0;
	default:
		return -ENOTTY;
	}
}

static const struct file_operations mesim_fops = {
	.owner = THIS_MODULE,
	.open = mesim_open,
	.release = mesim_release,
	.read = mesim_read,
	.write = mesim_write,
	.poll = mesim_poll,
	.unlocked_ioctl = mesim_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static struct miscdevice mesim_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = MESIM_NAME,
	.fops = &mesim_fops,
	.mode = 0600,
};

/* The MEI core needs a bound parent with runtime PM enabled. */
static int mesim_probe(struct platform_device *pdev)
{
	int ret;

	ret = pm_runtime_set_active(&pdev->dev);
	if (ret)
		return ret;
	return devm_pm_runtime_enable(&pdev->dev);
}

static struct platform_driver mesim_driver = {
	.probe = mesim_probe,
	.driver = {
		.name = MESIM_NAME,
	},
};

static void mesim_free_dead(void)
{
	struct mesim_hw *hw, *next;

	mutex_lock(&mesim_dead_lock);
	list_for_each_entry_safe(hw, next, &mesim_dead_list, dead_link) {
		list_del(&hw->dead_link);
		kfree(hw->mei);
	}
	mutex_unlock(&mesim_dead_lock);
}

static int __init mesim_init(void)
{
	int ret;

	ret = platform_driver_register(&mesim_driver);
	if (ret)
		return ret;

	mesim_pdev = platform_device_register_simple(MESIM_NAME,
						     PLATFORM_DEVID_NONE,
						     NULL, 0);
	if (IS_ERR(mesim_pdev)) {
		ret = PTR_ERR(mesim_pdev);
		goto err_driver;
	}

	ret = misc_register(&mesim_misc);
	if (ret)
		goto err_device;
	return 0;

err_device:
	platform_device_unregister(mesim_pdev);
err_driver:
	platform_driver_unregister(&mesim_driver);
	return ret;
}

static void __exit mesim_exit(void)
{
	misc_deregister(&mesim_misc);
	mesim_free_dead();
	platform_device_unregister(mesim_pdev);
	platform_driver_unregister(&mesim_driver);
}

module_init(mesim_init);
module_exit(mesim_exit);

MODULE_DESCRIPTION("Test-only software ME for the MEI core");
MODULE_LICENSE("GPL");
