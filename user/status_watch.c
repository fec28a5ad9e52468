// SPDX-License-Identifier: MIT
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include <linux/vpro_heci.h>

#include "exit_codes.h"
#include "status_watch.h"

struct watch_state {
	unsigned long seen;
	unsigned long limit;	/* 0: no limit */
	bool json;
	const char *event;	/* print only this event; NULL: all */
};

static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int sig)
{
	stop_signal = sig;
}

static const char *command_name(uint8_t cmd)
{
	switch (cmd) {
	case VPRO_CMD_DEVICE_ADDED: return "device_added";
	case VPRO_CMD_DEVICE_REMOVED: return "device_removed";
	case VPRO_CMD_CAPABILITY_CHANGED: return "capability_changed";
	case VPRO_CMD_APF_LINK: return "apf_link";
	case VPRO_CMD_STATUS_CHANGED: return "status_changed";
	case VPRO_CMD_GET_DEVICE: return "get_device";
	default: return "unknown";
	}
}

/* The sysfs tokens of each enum, so that events and sysfs read alike. */
static const char *enum_token(int attr, uint32_t value)
{
	static const char *const capability[] = { "none", "amt", "ism" };
	static const char *const control_mode[] = { "none", "ccm", "acm" };
	static const char *const provisioning[] = { "pre", "in", "post" };
	static const char *const apf[] = { "down", "handshaking", "up" };
	static const char *const activation[] = {
		"idle", "in_progress", "provisioned", "failed", "unsupported",
	};

	switch (attr) {
	case VPRO_A_CAPABILITY:
		return value < 3 ? capability[value] : "unknown";
	case VPRO_A_CONTROL_MODE:
		return value < 3 ? control_mode[value] : "unknown";
	case VPRO_A_PROVISIONING_STATE:
		return value < 3 ? provisioning[value] : "unknown";
	case VPRO_A_APF_STATE:
		return value < 3 ? apf[value] : "unknown";
	case VPRO_A_ACTIVATION_STATUS:
		return value < 5 ? activation[value] : "unknown";
	default:
		return NULL;
	}
}

static const struct {
	int attr;
	const char *name;
} event_fields[] = {
	{ VPRO_A_DEVICE_INDEX, "device" },
	{ VPRO_A_CAPABILITY, "capability" },
	{ VPRO_A_CONTROL_MODE, "control_mode" },
	{ VPRO_A_PROVISIONING_STATE, "provisioning_state" },
	{ VPRO_A_APF_STATE, "apf_state" },
	{ VPRO_A_ACTIVATION_STATUS, "activation_status" },
	{ VPRO_A_STATUS_REASON, "reason" },
	{ VPRO_A_AMT_VERSION, "amt_version" },
	{ VPRO_A_BUILD_NUMBER, "build_number" },
	{ VPRO_A_SKU, "sku" },
	{ VPRO_A_FEATURES, "features" },
	{ VPRO_A_UUID, "uuid" },
};

static bool is_string_attr(int attr)
{
	return attr == VPRO_A_STATUS_REASON || attr == VPRO_A_AMT_VERSION ||
	       attr == VPRO_A_BUILD_NUMBER || attr == VPRO_A_FEATURES ||
	       attr == VPRO_A_UUID;
}

static void print_json(const char *event, struct nlattr **attrs)
{
	json_t *obj = json_object();
	char *text;
	size_t i;

	json_object_set_new(obj, "event", json_string(event));
	for (i = 0; i < sizeof(event_fields) / sizeof(event_fields[0]); i++) {
		int attr = event_fields[i].attr;
		const char *token;

		if (!attrs[attr])
			continue;
		if (is_string_attr(attr)) {
			json_object_set_new(obj, event_fields[i].name,
					    json_string(nla_get_string(attrs[attr])));
			continue;
		}
		token = enum_token(attr, nla_get_u32(attrs[attr]));
		json_object_set_new(obj, event_fields[i].name,
				    token ? json_string(token) :
					    json_integer(nla_get_u32(attrs[attr])));
	}
	text = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (text)
		puts(text);
	free(text);
	json_decref(obj);
}

static void print_text(const char *event, struct nlattr **attrs)
{
	size_t i;

	fputs(event, stdout);
	for (i = 0; i < sizeof(event_fields) / sizeof(event_fields[0]); i++) {
		int attr = event_fields[i].attr;
		const char *token;

		if (!attrs[attr])
			continue;
		if (is_string_attr(attr)) {
			printf(" %s=\"%s\"", event_fields[i].name,
			       nla_get_string(attrs[attr]));
			continue;
		}
		token = enum_token(attr, nla_get_u32(attrs[attr]));
		if (token)
			printf(" %s=%s", event_fields[i].name, token);
		else
			printf(" %s=%u", event_fields[i].name,
			       nla_get_u32(attrs[attr]));
	}
	putchar('\n');
}

static int on_event(struct nl_msg *msg, void *arg)
{
	static struct nla_policy policy[VPRO_A_MAX + 1] = {
		[VPRO_A_DEVICE_INDEX] = { .type = NLA_U32 },
		[VPRO_A_CAPABILITY] = { .type = NLA_U32 },
		[VPRO_A_AMT_VERSION] = { .type = NLA_STRING },
		[VPRO_A_BUILD_NUMBER] = { .type = NLA_STRING },
		[VPRO_A_SKU] = { .type = NLA_U32 },
		[VPRO_A_FEATURES] = { .type = NLA_STRING },
		[VPRO_A_UUID] = { .type = NLA_STRING },
		[VPRO_A_CONTROL_MODE] = { .type = NLA_U32 },
		[VPRO_A_PROVISIONING_STATE] = { .type = NLA_U32 },
		[VPRO_A_APF_STATE] = { .type = NLA_U32 },
		[VPRO_A_ACTIVATION_STATUS] = { .type = NLA_U32 },
		[VPRO_A_STATUS_REASON] = { .type = NLA_STRING },
	};
	struct genlmsghdr *gnlh = nlmsg_data(nlmsg_hdr(msg));
	struct nlattr *attrs[VPRO_A_MAX + 1];
	struct watch_state *state = arg;
	const char *event = command_name(gnlh->cmd);

	/* One receive may carry more events than --count still wants. */
	if (state->limit && state->seen >= state->limit)
		return NL_STOP;
	if (state->event && strcmp(state->event, event) != 0)
		return NL_SKIP;
	if (genlmsg_parse(nlmsg_hdr(msg), 0, attrs, VPRO_A_MAX, policy) < 0) {
		vp_warn("skipped a malformed %s event", event);
		return NL_SKIP;
	}
	if (state->json)
		print_json(event, attrs);
	else
		print_text(event, attrs);
	fflush(stdout);
	state->seen++;
	return NL_OK;
}

static struct nl_sock *subscribe(struct watch_state *state, int *code)
{
	struct nl_sock *sock = nl_socket_alloc();
	int group, ret;

	*code = VP_EXIT_GENERIC_FAILURE;
	if (!sock) {
		vp_error(*code, "Out of memory.");
		return NULL;
	}
	nl_socket_disable_seq_check(sock);
	ret = genl_connect(sock);
	if (ret < 0) {
		vp_error(*code, "Opening a generic netlink socket failed: %s.",
			 nl_geterror(ret));
		goto err;
	}
	group = genl_ctrl_resolve_grp(sock, VPRO_GENL_NAME,
				      VPRO_GENL_MCGRP_EVENTS);
	if (group < 0) {
		*code = VP_EXIT_HECI_DRIVER_NOT_DETECTED;
		vp_error(*code,
			 "Generic netlink group \"%s\" of family \"%s\" not found (%s). Load vpro_heci.ko.",
			 VPRO_GENL_MCGRP_EVENTS, VPRO_GENL_NAME,
			 nl_geterror(group));
		goto err;
	}
	ret = nl_socket_add_membership(sock, group);
	if (ret == 0)
		ret = nl_socket_modify_cb(sock, NL_CB_VALID, NL_CB_CUSTOM,
					  on_event, state);
	if (ret == 0)
		ret = nl_socket_set_nonblocking(sock);
	if (ret < 0) {
		vp_error(*code, "Joining the \"%s\" group failed: %s.",
			 VPRO_GENL_MCGRP_EVENTS, nl_geterror(ret));
		goto err;
	}
	return sock;

err:
	nl_socket_free(sock);
	return NULL;
}

bool status_watch_event_known(const char *name)
{
	static const uint8_t events[] = {
		VPRO_CMD_DEVICE_ADDED, VPRO_CMD_DEVICE_REMOVED,
		VPRO_CMD_CAPABILITY_CHANGED, VPRO_CMD_APF_LINK,
		VPRO_CMD_STATUS_CHANGED,
	};
	size_t i;

	for (i = 0; i < sizeof(events) / sizeof(events[0]); i++)
		if (strcmp(name, command_name(events[i])) == 0)
			return true;
	return false;
}

int status_watch(unsigned long count, bool json, const char *event)
{
	struct watch_state state = {
		.limit = count, .json = json, .event = event,
	};
	struct sigaction sa = { .sa_handler = on_stop_signal };
	struct nl_sock *sock;
	struct pollfd pfd;
	int code, ret = VP_EXIT_SUCCESS;

	/* No SA_RESTART, so that poll() returns EINTR on a stop signal. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	sock = subscribe(&state, &code);
	if (!sock)
		return code;
	fprintf(stderr, "Watching %s events; SIGINT or SIGTERM stops.\n",
		VPRO_GENL_NAME);

	pfd = (struct pollfd) { .fd = nl_socket_get_fd(sock), .events = POLLIN };
	while (!stop_signal && (count == 0 || state.seen < count)) {
		int err;

		if (poll(&pfd, 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			ret = vp_error(VP_EXIT_GENERIC_FAILURE,
				       "poll on the netlink socket failed: %s.",
				       strerror(errno));
			break;
		}
		err = nl_recvmsgs_default(sock);
		if (err == -NLE_AGAIN || err == -NLE_INTR)
			continue;
		if (err == -NLE_NOMEM || err == -NLE_MSG_OVERFLOW) {
			/* The socket buffer overflowed: events were lost. */
			vp_warn("some %s events were lost (%s)", VPRO_GENL_NAME,
				nl_geterror(err));
			continue;
		}
		if (err < 0) {
			ret = vp_error(VP_EXIT_GENERIC_FAILURE,
				       "Receiving %s events failed: %s.",
				       VPRO_GENL_NAME, nl_geterror(err));
			break;
		}
	}
	nl_socket_free(sock);
	return ret;
}
