// SPDX-License-Identifier: MIT
#include <stdbool.h>
#include <string.h>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include "exit_codes.h"
#include "status_netlink.h"

#define STATUS_REASON_MAX	255

/* Set after the first failure, so that one session warns only once. */
static bool status_disabled;

static struct nl_sock *open_family(int *family)
{
	struct nl_sock *sock = nl_socket_alloc();
	int ret;

	if (!sock) {
		vp_warn("status not reported: out of memory");
		return NULL;
	}
	ret = genl_connect(sock);
	if (ret == 0) {
		ret = genl_ctrl_resolve(sock, VPRO_GENL_NAME);
		if (ret >= 0) {
			*family = ret;
			return sock;
		}
		vp_warn("status not reported: generic netlink family \"%s\" not found (%s); is vpro_heci.ko loaded?",
			VPRO_GENL_NAME, nl_geterror(ret));
	} else {
		vp_warn("status not reported: generic netlink socket failed: %s",
			nl_geterror(ret));
	}
	nl_socket_free(sock);
	return NULL;
}

/* Sends @cmd for vpro0 and waits for the kernel's acknowledgement. */
static void send_command(uint8_t cmd, const char *what, int status,
			 const char *reason)
{
	struct nl_sock *sock;
	struct nl_msg *msg;
	int family, ret = -NLE_NOMEM;

	if (status_disabled)
		return;
	sock = open_family(&family);
	if (!sock) {
		status_disabled = true;
		return;
	}

	msg = nlmsg_alloc();
	if (msg && genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, 0,
			       cmd, VPRO_GENL_VERSION)) {
		ret = nla_put_u32(msg, VPRO_A_DEVICE_INDEX, 0);
		if (ret == 0 && status >= 0)
			ret = nla_put_u32(msg, VPRO_A_ACTIVATION_STATUS,
					  (uint32_t)status);
		if (ret == 0 && reason && reason[0]) {
			char line[STATUS_REASON_MAX + 1];

			/* The module takes at most 255 bytes on one line. */
			strncpy(line, reason, STATUS_REASON_MAX);
			line[STATUS_REASON_MAX] = '\0';
			line[strcspn(line, "\n")] = '\0';
			ret = nla_put_string(msg, VPRO_A_STATUS_REASON, line);
		}
		if (ret == 0)
			ret = nl_send_sync(sock, msg);	/* frees msg */
		else
			nlmsg_free(msg);
		msg = NULL;
	}
	nlmsg_free(msg);
	if (ret < 0) {
		vp_warn("%s over netlink failed: %s", what, nl_geterror(ret));
		status_disabled = true;
	}
	nl_socket_free(sock);
}

void status_report(enum vpro_activation_status status, const char *reason)
{
	send_command(VPRO_CMD_SET_STATUS, "reporting the activation status",
		     (int)status, reason);
}

void status_refresh(void)
{
	send_command(VPRO_CMD_REFRESH, "refreshing the vpro0 cache", -1, NULL);
}
