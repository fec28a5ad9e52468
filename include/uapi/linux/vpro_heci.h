/* SPDX-License-Identifier: GPL-2.0-only WITH Linux-syscall-note */
/*
 * vpro_heci: Intel AMT capability, APF channels and activation status.
 *
 * This header is the whole ABI between vpro_heci.ko and userspace:
 * the APF char device ioctls and the "vpro_heci" generic netlink family.
 */
#ifndef _UAPI_LINUX_VPRO_HECI_H
#define _UAPI_LINUX_VPRO_HECI_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* AMT's local WS-Man ports, reachable over an APF channel. */
#define VPRO_AMT_PORT_HTTP	16992
#define VPRO_AMT_PORT_HTTPS	16993

/**
 * struct vpro_apf_connect - argument of %VPRO_APF_IOC_CONNECT
 * @port: AMT port to open a forwarded-tcpip channel to, e.g. 16992
 * @reserved: must be zero
 * @timeout_ms: how long to wait for AMT's reply; 0 selects the module's
 *	default
 */
struct vpro_apf_connect {
	__u16 port;
	__u16 reserved;
	__u32 timeout_ms;
};

#define VPRO_APF_IOC_MAGIC	'V'
#define VPRO_APF_IOC_CONNECT	_IOW(VPRO_APF_IOC_MAGIC, 1, struct vpro_apf_connect)

#define VPRO_GENL_NAME		"vpro_heci"
#define VPRO_GENL_VERSION	1
#define VPRO_GENL_MCGRP_EVENTS	"events"

/**
 * enum vpro_capability - out-of-band management the device offers
 * @VPRO_CAPABILITY_NONE: no AMTHI client, or AMT disabled
 * @VPRO_CAPABILITY_AMT: Intel AMT (vPro)
 * @VPRO_CAPABILITY_ISM: Intel Standard Manageability
 */
enum vpro_capability {
	VPRO_CAPABILITY_NONE,
	VPRO_CAPABILITY_AMT,
	VPRO_CAPABILITY_ISM,
};

/**
 * enum vpro_apf_state - state of the APF link over the LME client
 * @VPRO_APF_DOWN: LME not connected
 * @VPRO_APF_HANDSHAKING: LME connected, APF handshake in progress
 * @VPRO_APF_UP: channels can be opened
 */
enum vpro_apf_state {
	VPRO_APF_DOWN,
	VPRO_APF_HANDSHAKING,
	VPRO_APF_UP,
};

/**
 * enum vpro_activation_status - provisioning progress reported by vproctl
 * @VPRO_ACTIVATION_IDLE: nothing reported since the device appeared
 * @VPRO_ACTIVATION_IN_PROGRESS: an activation session is running
 * @VPRO_ACTIVATION_PROVISIONED: the last session activated AMT
 * @VPRO_ACTIVATION_FAILED: the last session failed; see the reason
 * @VPRO_ACTIVATION_UNSUPPORTED: the device cannot be activated
 */
enum vpro_activation_status {
	VPRO_ACTIVATION_IDLE,
	VPRO_ACTIVATION_IN_PROGRESS,
	VPRO_ACTIVATION_PROVISIONED,
	VPRO_ACTIVATION_FAILED,
	VPRO_ACTIVATION_UNSUPPORTED,
	__VPRO_ACTIVATION_MAX,
};

enum vpro_cmd {
	VPRO_CMD_UNSPEC,
	VPRO_CMD_GET_DEVICE,		/* doit with VPRO_A_DEVICE_INDEX, or dump */
	VPRO_CMD_SET_STATUS,		/* admin: ACTIVATION_STATUS [+ STATUS_REASON] */
	VPRO_CMD_REFRESH,		/* re-query AMTHI and update the cache */
	VPRO_CMD_DEVICE_ADDED,		/* notification */
	VPRO_CMD_DEVICE_REMOVED,	/* notification */
	VPRO_CMD_CAPABILITY_CHANGED,	/* notification */
	VPRO_CMD_APF_LINK,		/* notification: VPRO_A_APF_STATE */
	VPRO_CMD_STATUS_CHANGED,	/* notification */
	__VPRO_CMD_MAX,
};
#define VPRO_CMD_MAX (__VPRO_CMD_MAX - 1)

enum vpro_attr {
	VPRO_A_UNSPEC,
	VPRO_A_DEVICE_INDEX,		/* u32: N of vproN */
	VPRO_A_CAPABILITY,		/* u32: enum vpro_capability */
	VPRO_A_AMT_VERSION,		/* string, e.g. "16.1.25" */
	VPRO_A_BUILD_NUMBER,		/* string */
	VPRO_A_SKU,			/* u32 */
	VPRO_A_FEATURES,		/* string, e.g. "AMT Pro Corporate" */
	VPRO_A_UUID,			/* string, 36 characters */
	VPRO_A_CONTROL_MODE,		/* u32: 0 none, 1 CCM, 2 ACM */
	VPRO_A_PROVISIONING_STATE,	/* u32: 0 pre, 1 in, 2 post */
	VPRO_A_APF_STATE,		/* u32: enum vpro_apf_state */
	VPRO_A_ACTIVATION_STATUS,	/* u32: enum vpro_activation_status */
	VPRO_A_STATUS_REASON,		/* string, at most 255 bytes */
	__VPRO_A_MAX,
};
#define VPRO_A_MAX (__VPRO_A_MAX - 1)

#endif /* _UAPI_LINUX_VPRO_HECI_H */
