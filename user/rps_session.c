// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <linux/vpro_heci.h>

#include "amthi_query.h"
#include "exit_codes.h"
#include "heci.h"
#include "rps_message.h"
#include "rps_session.h"

/* Bounds a session even if RPS never sends success or error. */
#define RPS_MAX_MESSAGES	10000

static int connect_error(const struct rps_session_options *opts, int status,
			 const char *why, char *reason, size_t reason_size)
{
	int code;

	switch (status) {
	case WS_ERR_TLS_VERIFY:
		code = VP_EXIT_SERVER_CERTIFICATE_VERIFICATION_FAILED;
		snprintf(reason, reason_size, "RPS certificate rejected");
		vp_error(code, "%s. The certificate must name the host of the URL and be signed by a CA in --ca FILE (or the system store); pass -n only on a test network to skip the check.",
			 why);
		break;
	case WS_ERR_AUTH:
		code = VP_EXIT_RPS_AUTHENTICATION_FAILED;
		snprintf(reason, reason_size, "RPS refused the connection");
		vp_error(code, "%s. Check the URL and the credentials RPS expects.",
			 why);
		break;
	default:
		code = VP_EXIT_MISSING_OR_INCORRECT_URL;
		snprintf(reason, reason_size, "cannot connect to RPS: %s",
			 ws_strerror(status));
		vp_error(code, "Connecting to %s failed: %s. Check the URL and that RPS is reachable.",
			 opts->ws.url, why);
		break;
	}
	return code;
}

static void print_success(const struct rps_message *msg, bool json)
{
	json_t *status = json_loads(msg->message, 0, NULL);
	static const char *const keys[][2] = {
		{ "Status", "Status" },
		{ "Network", "Network" },
		{ "CIRAConnection", "CIRA" },
		{ "TLSConfiguration", "TLS" },
	};
	size_t i;

	if (json) {
		json_t *out = json_pack("{s:s, s:o}", "status", "success",
					"message", json_is_object(status) ?
					json_incref(status) : json_string(msg->message));
		char *text = out ? json_dumps(out, JSON_INDENT(2)) : NULL;

		if (text)
			printf("%s\n", text);
		free(text);
		json_decref(out);
	} else if (json_is_object(status)) {
		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
			const char *v = json_string_value(json_object_get(status, keys[i][0]));

			if (v)
				printf("%s: %s\n", keys[i][1], v);
		}
	} else {
		printf("%s\n", msg->message[0] ? msg->message : "Activation succeeded");
	}
	json_decref(status);
}

/* Returns the "Status" member of a JSON message, or the message itself. */
static char *error_text(const struct rps_message *msg)
{
	json_t *root = json_loads(msg->message, 0, NULL);
	const char *status = json_string_value(json_object_get(root, "Status"));
	char *text = strdup(status ? status :
			    msg->message[0] ? msg->message : "(no message)");

	json_decref(root);
	return text;
}

/* True when @msg carries Setup or AdminSetup, the calls that activate AMT. */
static bool activates_amt(const struct rps_message *msg)
{
	static const char *const actions[] = {
		"IPS_HostBasedSetupService/Setup<",
		"IPS_HostBasedSetupService/AdminSetup<",
	};
	size_t i;

	for (i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
		if (memmem(msg->payload, msg->payload_len, actions[i],
			   strlen(actions[i])))
			return true;
	return false;
}

/*
 * Reads the control mode over AMTHI after the relay of an activating call
 * failed, because AMT may have activated although its reply was lost.
 * Returns the printed exit code when AMT is activated, else 0.
 */
static int check_lost_activation(char *reason, size_t reason_size)
{
	struct amt_snapshot *snap = calloc(1, sizeof(*snap));
	struct heci heci;
	int ret = 0;

	if (!snap)
		return 0;
	if (heci_connect(&heci, HECI_DEFAULT_DEVICE, heci_amthi_uuid) == 0) {
		amt_query_snapshot(&heci, 0, snap);
		heci_close(&heci);
	}
	if (snap->control_mode_ok && snap->control_mode == 1) {
		snprintf(reason, reason_size,
			 "Setup reply lost, but AMT is in client control mode");
		ret = vp_error(VP_EXIT_ACTIVATION_FAILED,
			       "AMT's reply to Setup was lost, but AMT now reports client control mode: it is activated with the profile's password, and RPS did not finish its configuration. Run \"vproctl deactivate --local\", then activate again.");
	} else if (snap->control_mode_ok && snap->control_mode == 2) {
		snprintf(reason, reason_size,
			 "AdminSetup reply lost, but AMT is in admin control mode");
		ret = vp_error(VP_EXIT_ACTIVATION_FAILED,
			       "AMT's reply to AdminSetup was lost, but AMT now reports admin control mode: it is activated, and RPS did not finish its configuration. Deactivate it through RPS (vproctl deactivate -u URL), then activate again.");
	}
	amt_snapshot_wipe(snap);
	free(snap);
	return ret;
}

static int relay_wsman(const struct rps_session_options *opts,
		       struct ws_conn *conn, const struct rps_message *msg,
		       char *reason, size_t reason_size)
{
	uint8_t *response;
	size_t response_len;
	char *reply;
	int ret;

	if (!msg->payload) {
		snprintf(reason, reason_size, "wsman message without payload");
		return vp_error(VP_EXIT_UNMARSHAL_MESSAGE_FAILED,
				"RPS sent a wsman message without a payload. Check the RPS version (protocol 4.0.0 expected).");
	}

	ret = transport_request(opts->transport, VPRO_AMT_PORT_HTTP,
				msg->payload, msg->payload_len, &response,
				&response_len, opts->amt_timeout_ms);
	if (ret < 0) {
		snprintf(reason, reason_size, "AMT relay over %s failed: %s",
			 transport_name(opts->transport->chosen),
			 strerror(-ret));
		if (activates_amt(msg)) {
			int code = check_lost_activation(reason, reason_size);

			if (code)
				return code;
		}
		return transport_error(opts->transport, ret);
	}
	if (opts->verbose)
		fprintf(stderr, "vproctl: AMT returned %zu bytes for a %zu-byte request\n",
			response_len, msg->payload_len);

	reply = rps_build_response(response, response_len);
	free(response);
	if (!reply) {
		snprintf(reason, reason_size, "out of memory");
		return vp_error(VP_EXIT_GENERIC_FAILURE, "Building the response message failed: out of memory.");
	}
	ret = ws_send_text(conn, reply, strlen(reply), opts->message_timeout_ms);
	free(reply);
	if (ret != WS_OK) {
		snprintf(reason, reason_size, "sending to RPS failed: %s",
			 ws_strerror(ret));
		return vp_error(VP_EXIT_GENERIC_FAILURE,
				"Sending the AMT response to RPS failed: %s. Retry the activation.",
				ws_strerror(ret));
	}
	return 0;
}

/* Handles one message; returns -1 to continue, else the exit code. */
static int handle_message(const struct rps_session_options *opts,
			  struct ws_conn *conn, const struct rps_message *msg,
			  char *reason, size_t reason_size)
{
	char *text;
	int ret;

	if (opts->verbose)
		fprintf(stderr, "vproctl: RPS sent \"%s\" (%zu payload bytes)\n",
			msg->method, msg->payload_len);

	if (strcmp(msg->method, "wsman") == 0) {
		ret = relay_wsman(opts, conn, msg, reason, reason_size);
		return ret ? ret : -1;
	}
	if (strcmp(msg->method, "heartbeat_request") == 0) {
		text = rps_build_heartbeat_response(msg);
		ret = text ? ws_send_text(conn, text, strlen(text),
					  opts->message_timeout_ms) : WS_ERR_IO;
		free(text);
		if (ret == WS_OK)
			return -1;
		snprintf(reason, reason_size, "heartbeat reply failed");
		return vp_error(VP_EXIT_GENERIC_FAILURE,
				"Answering an RPS heartbeat failed: %s. Retry the activation.",
				ws_strerror(ret));
	}
	if (strcmp(msg->method, "success") == 0) {
		print_success(msg, opts->json);
		return VP_EXIT_SUCCESS;
	}
	if (strcmp(msg->method, "error") == 0) {
		text = error_text(msg);
		snprintf(reason, reason_size, "RPS: %s", text ? text : "error");
		ret = vp_error(opts->error_code ? opts->error_code :
			       VP_EXIT_UNABLE_TO_ACTIVATE,
			       "RPS reported: %s. Check the %s and the RPS log.",
			       text ? text : "(out of memory)",
			       opts->error_code ? "AMT password" : "profile");
		free(text);
		return ret;
	}
	fprintf(stderr, "vproctl: ignored RPS message with unknown method \"%s\"\n",
		msg->method);
	return -1;
}

static int receive_error(int status, int timeout_ms, char *reason,
			 size_t reason_size)
{
	snprintf(reason, reason_size, "RPS session ended: %s",
		 ws_strerror(status));
	if (status == WS_ERR_TIMEOUT)
		return vp_error(VP_EXIT_GENERIC_FAILURE,
				"RPS sent nothing for %d s. Check that RPS is healthy, then retry.",
				timeout_ms / 1000);
	if (status == WS_ERR_DROPPED)
		return vp_error(VP_EXIT_GENERIC_FAILURE,
				"The RPS connection dropped in the middle of the session, without a WebSocket close: RPS stopped or the network failed. Check that RPS is running and reachable, then retry the activation.");
	if (status == WS_ERR_TOO_LONG)
		return vp_error(VP_EXIT_UNMARSHAL_MESSAGE_FAILED,
				"RPS sent a message longer than 100 KiB. Check the RPS version.");
	return vp_error(VP_EXIT_GENERIC_FAILURE,
			"The RPS connection failed before success or error: %s. Retry the activation.",
			ws_strerror(status));
}

static int serve(const struct rps_session_options *opts, struct ws_conn *conn,
		 char *reason, size_t reason_size)
{
	int i;

	for (i = 0; i < RPS_MAX_MESSAGES; i++) {
		struct rps_message msg;
		size_t len;
		char *text;
		int ret;

		ret = ws_recv_text(conn, &text, &len, opts->message_timeout_ms);
		if (ret != WS_OK)
			return receive_error(ret, opts->message_timeout_ms,
					     reason, reason_size);
		ret = rps_parse_message(text, len, &msg);
		free(text);
		if (ret < 0) {
			snprintf(reason, reason_size, "invalid message from RPS");
			return vp_error(VP_EXIT_UNMARSHAL_MESSAGE_FAILED,
					"RPS sent %s. Check that the URL points to RPS (protocol 4.0.0).",
					ret == -EBADMSG ? "a payload that is not valid base64" :
					"a message that is not a JSON object with a \"method\"");
		}
		ret = handle_message(opts, conn, &msg, reason, reason_size);
		rps_message_free(&msg);
		if (ret >= 0)
			return ret;
	}
	snprintf(reason, reason_size, "RPS session too long");
	return vp_error(VP_EXIT_GENERIC_FAILURE,
			"RPS sent %d messages without success or error. Check the RPS log.",
			RPS_MAX_MESSAGES);
}

int rps_session_run(const struct rps_session_options *opts,
		    const char *request, char *reason, size_t reason_size)
{
	struct ws_conn *conn;
	char why[512];
	int ret;

	ret = ws_connect(&opts->ws, &conn, why, sizeof(why));
	if (ret != WS_OK)
		return connect_error(opts, ret, why, reason, reason_size);
	if (opts->verbose)
		fprintf(stderr, "vproctl: connected to %s\n", opts->ws.url);

	ret = ws_send_text(conn, request, strlen(request),
			   opts->message_timeout_ms);
	if (ret != WS_OK) {
		snprintf(reason, reason_size, "sending the request failed");
		ret = vp_error(VP_EXIT_GENERIC_FAILURE,
			       "Sending the activation request to RPS failed: %s. Retry the activation.",
			       ws_strerror(ret));
	} else {
		ret = serve(opts, conn, reason, reason_size);
	}
	ws_close(conn);
	return ret;
}
