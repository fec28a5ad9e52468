/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Software ME: a struct mei_hw_ops backend whose "firmware" is a userspace
 * process reading and writing MEI frames on /dev/mesim.
 */
#ifndef MESIM_H
#define MESIM_H

#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "mei_dev.h"
#include "mesim_uapi.h"

/* Frames queued in each direction before writers block or fail. */
#define MESIM_QUEUE_LIMIT	256
/* Host buffer depth in 4-byte slots: one 512-byte frame, header included. */
#define MESIM_HBUF_SLOTS	(MESIM_MAX_FRAME / MEI_SLOT_SIZE)

struct mesim_frame {
	struct list_head link;
	u32 len;			/* header + payload, in bytes */
	u8 data[];
};

/* Backend state, stored in mei_device::hw behind the MEI core's struct. */
struct mesim_hw {
	struct mei_device *mei;
	spinlock_t lock;		/* protects the queues and counters */
	struct list_head to_fw;		/* host-to-firmware frames for read() */
	unsigned int to_fw_count;
	struct list_head to_host;	/* firmware-to-host frames from write() */
	unsigned int to_host_count;
	wait_queue_head_t wait;		/* /dev/mesim readers and writers */
	struct work_struct rx_work;	/* plays the threaded IRQ handler */
	struct work_struct start_work;	/* mei_start() and mei_register() */
	struct list_head dead_link;	/* on mesim_dead_list after release */
	bool fw_ready;
	bool host_ready;
	bool intr_enabled;
	bool stopped;			/* /dev/mesim released: no more I/O */
	bool registered;		/* mei_register() succeeded */
	/*
	 * Set by an ME reset, cleared when the firmware model reads the
	 * next HOST_START request. Frames it wrote in between belong to the
	 * previous link and are dropped.
	 */
	bool drop_to_host;
};

static inline struct mesim_hw *mesim_hw(const struct mei_device *mei)
{
	return (struct mesim_hw *)mei->hw;
}

struct mei_device *mesim_hw_alloc(struct device *parent);
void mesim_hw_stop_io(struct mesim_hw *hw);
void mesim_hw_purge(struct mesim_hw *hw);
void mesim_hw_request_reset(struct mesim_hw *hw);

#endif /* MESIM_H */
