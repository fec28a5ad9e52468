/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * APF engine: the LME link (apf.c) and the /dev/vpro_apfN char device
 * (chardev.c). The core calls the first four functions below; the rest of
 * this header is shared by apf.c and chardev.c only.
 *
 * Locking:
 *  - apf->lock (mutex) protects the link state, the port list, the channel
 *    list and every field of every channel, including its receive buffer.
 *    It is taken in process context only (file operations and the work
 *    items), and may be held across mei_cldev_enable()/_disable(). It is
 *    taken before vpro->lock (through vpro_nl_notify_apf_link()).
 *  - apf->queue_lock (spinlock) protects the rx and tx frame queues, which
 *    the MEI rx callback and the work items share.
 *  - apf->ports_lock (spinlock) protects a copy of the port list for
 *    vpro_apf_ports(), so that sysfs never waits for apf->lock.
 * Messages to AMT are queued and sent by tx_work, and messages from AMT are
 * queued by the rx callback and handled by rx_work, both on apf->wq. So no
 * file operation sleeps in mei_cldev_send(), and a signal never interrupts
 * a send half way.
 *
 * Lifetime: struct vpro_apf is refcounted. The core holds one reference
 * from vpro_apf_init() to vpro_apf_exit(), and every open file holds one,
 * so a file that outlives the LME device fails with -ENODEV instead of
 * touching freed memory. A channel is refcounted too: its file holds one
 * reference, and the channel list holds one while the channel id is in use.
 */
#ifndef VPRO_APF_H
#define VPRO_APF_H

#include <linux/atomic.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mei_cl_bus.h>
#include <linux/miscdevice.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/vpro_heci.h>

struct vpro;

int vpro_apf_init(struct vpro *vpro, struct mei_cl_device *lme);
void vpro_apf_exit(struct vpro *vpro);
enum vpro_apf_state vpro_apf_state(struct vpro *vpro);
/* Copies up to @max announced AMT ports into @ports; returns the count. */
int vpro_apf_ports(struct vpro *vpro, u32 *ports, int max);
/* Returns the channels open or opening, including abandoned CONNECTs. */
int vpro_apf_channels(struct vpro *vpro);

/* Ports AMT announces: 16992, 16993, 623 and 664 are known. */
#define VPRO_APF_MAX_PORTS	8

/*
 * Largest LME message sent to AMT. Neither 6.1 nor 6.12 exports the
 * client's max message length to bus drivers, so this is a fixed value.
 * NOTE: 4096 is a guess below the 0x1400 of AMTHI on real laptops and of
 * LME in the firmware model; a firmware with a smaller limit would make
 * mei_cldev_send() fail with -EFBIG, which resets the link.
 */
#define VPRO_APF_TX_MAX_MSG	4096
/* Receive buffer of the rx callback; a longer message fails to decode. */
#define VPRO_APF_RX_MAX_MSG	8192

/* One whole LME message waiting in a queue. */
struct vpro_apf_frame {
	struct list_head node;
	unsigned int generation;	/* apf->generation when queued */
	int error;			/* receive error instead of a message */
	size_t len;
	u8 data[];
};

struct vpro_apf {
	struct kref kref;
	struct vpro *vpro;
	struct mei_cl_device *lme;
	char name[24];
	struct miscdevice misc;

	struct mutex lock;		/* see Locking above */
	bool removed;			/* vpro_apf_exit() ran */
	bool enabled;			/* mei_cldev_enable() succeeded */
	enum vpro_apf_state state;
	bool service_accepted;		/* pfwd SERVICE_ACCEPT sent */
	/* Incremented by every link reset; stale frames are dropped. */
	unsigned int generation;
	u32 ports[VPRO_APF_MAX_PORTS];
	int nports;
	struct list_head channels;
	int nchannels;
	u32 next_id;
	wait_queue_head_t link_wait;	/* state and port list changes */

	spinlock_t ports_lock;		/* protects the two fields below */
	u32 ports_copy[VPRO_APF_MAX_PORTS];
	int nports_copy;

	spinlock_t queue_lock;		/* protects rx_queue and tx_queue */
	struct list_head rx_queue;
	struct list_head tx_queue;
	u8 *rx_buf;			/* used by the rx callback only */
	atomic_t rx_dropped;		/* the rx callback lost a message */

	struct workqueue_struct *wq;
	struct work_struct rx_work;
	struct work_struct tx_work;
	struct delayed_work linger_work;
	struct delayed_work handshake_work;
};

enum vpro_apf_channel_state {
	VPRO_APF_CH_IDLE,	/* no CONNECT yet */
	VPRO_APF_CH_OPENING,	/* CHANNEL_OPEN sent, no answer yet */
	VPRO_APF_CH_OPEN,
	VPRO_APF_CH_CLOSED,	/* AMT sent CHANNEL_CLOSE: EOF after the data */
	VPRO_APF_CH_FAILED,	/* CONNECT failed or the link was reset */
};

struct vpro_apf_channel {
	struct kref kref;
	struct vpro_apf *apf;
	struct list_head node;		/* in apf->channels while listed */
	bool listed;
	/* CONNECT gave up waiting: close the channel once AMT replies. */
	bool abandoned;
	enum vpro_apf_channel_state state;
	int error;			/* errno for VPRO_APF_CH_FAILED */
	u16 port;
	u32 local_id;			/* our sender id, AMT's recipient id */
	u32 remote_id;			/* AMT's sender id */
	u32 tx_window;			/* bytes AMT still accepts */
	u32 rx_unacked;			/* bytes read but not yet adjusted */
	u8 *rx_buf;			/* ring buffer of rx_window bytes */
	u32 rx_size;
	u32 rx_head;
	u32 rx_count;
	wait_queue_head_t wait;
};

extern unsigned int vpro_apf_rx_window;
extern unsigned int vpro_apf_connect_timeout_ms;
extern unsigned int vpro_apf_max_channels;

/* apf.c */
void vpro_apf_get(struct vpro_apf *apf);
void vpro_apf_put(struct vpro_apf *apf);
int vpro_apf_link_start(struct vpro_apf *apf);
void vpro_apf_link_reset(struct vpro_apf *apf, int error);
int vpro_apf_send(struct vpro_apf *apf, const void *msg, size_t len);
int vpro_apf_send_data(struct vpro_apf *apf, struct vpro_apf_frame *frame);
bool vpro_apf_port_announced(struct vpro_apf *apf, u16 port);
void vpro_apf_channel_unlist(struct vpro_apf_channel *ch);
void vpro_apf_schedule_linger(struct vpro_apf *apf);
void vpro_apf_channel_put(struct vpro_apf_channel *ch);

/* chardev.c */
extern const struct file_operations vpro_apf_fops;

#endif /* VPRO_APF_H */
