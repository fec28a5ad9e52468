/* SPDX-License-Identifier: MIT */
/*
 * Activation status reports to vpro_heci.ko over the "vpro_heci" generic
 * netlink family. A report that fails prints a warning and never fails
 * the command: the module is optional for vproctl.
 */
#ifndef VPROCTL_STATUS_NETLINK_H
#define VPROCTL_STATUS_NETLINK_H

#include <linux/vpro_heci.h>

/* Sends VPRO_CMD_SET_STATUS with @status and an optional one-line @reason. */
void status_report(enum vpro_activation_status status, const char *reason);

/* Sends VPRO_CMD_REFRESH so that sysfs shows the new control mode. */
void status_refresh(void);

#endif /* VPROCTL_STATUS_NETLINK_H */
