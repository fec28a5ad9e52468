// SPDX-License-Identifier: MIT
/*
 * vproctl activate --local --ccm: client control mode activation without
 * RPS. The WS-Man calls are the two RPS makes for CCM: AMT_GeneralSettings
 * Get for the digest realm, then IPS_HostBasedSetupService Setup with the
 * admin password digest. Exit codes follow rpc-go v2's local activation:
 * 111 when AMT is already activated, 71 when AMTHI queries fail, 102 when
 * a WS-Man call or Setup fails (rpc-go internal/local/activate.go). On
 * top of that: 4 when AMTHI stays "not ready" past AMT_READY_TIMEOUT_MS,
 * 100 when AMT rejects the local system account, 101 for a Setup reply
 * without ReturnValue, and 138 when AMT does not forward port 16992.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "amthi_query.h"
#include "commands.h"
#include "exit_codes.h"
#include "password.h"
#include "status_netlink.h"
#include "transport.h"
#include "wsman_client.h"
#include "wsman_message.h"

#define WSMAN_TIMEOUT_MS	15000
/* How long to wait for GetControlMode to show CCM after Setup. */
#define CONFIRM_TIMEOUT_MS	10000
#define CONFIRM_INTERVAL_MS	500

static const char local_usage[] =
	"Usage: vproctl activate --local --ccm [--password PASSWORD | --password-file FILE]\n"
	"\n"
	"Activates AMT in client control mode (CCM) without RPS: sets the AMT\n"
	"admin password through IPS_HostBasedSetupService on AMT port 16992.\n"
	"\n"
	"      --local              activate without RPS (required)\n"
	"      --ccm                client control mode (required; ACM is not supported)\n"
	"      --password PASSWORD  new AMT admin password, at most 32 characters\n"
	"      --password-file FILE read the password from the first line of FILE\n"
	"                           (AMT_PASSWORD in the environment works too)\n"
	"      --transport KIND     how to reach AMT: auto (default), apf (/dev/vpro_apf0),\n"
	"                           mei (LME on /dev/mei0) or lms (LMS on 127.0.0.1)\n"
	"  -v, --verbose            log the transport chosen and the APF link events\n"
	"  -h, --help               print this help (exit code 5)\n";

struct local_args {
	bool local;
	bool ccm;
	bool verbose;
	enum transport_kind transport;
	struct password_sources password;
};

static int parse_args(int argc, char **argv, struct local_args *a)
{
	static const struct option options[] = {
		{ "local", no_argument, NULL, 'L' },
		{ "ccm", no_argument, NULL, 'c' },
		{ "password", required_argument, NULL, 'P' },
		{ "password-file", required_argument, NULL, 'F' },
		{ "transport", required_argument, NULL, 'T' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	memset(a, 0, sizeof(*a));
	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "+:vh", options, NULL)) != -1) {
		switch (opt) {
		case 'L': a->local = true; break;
		case 'c': a->ccm = true; break;
		case 'P': a->password.flag = optarg; break;
		case 'F': a->password.file = optarg; break;
		case 'v': a->verbose = true; break;
		case 'T':
			if (transport_option("activate", optarg, &a->transport))
				return VP_EXIT_INCORRECT_COMMAND_LINE_PARAMETERS;
			break;
		case 'h':
			fputs(local_usage, stdout);
			return VP_EXIT_HELP_REQUESTED;
		default:
			return option_error("activate --local", opt, argv);
		}
	}
	if (check_no_operands("activate --local", argc, argv))
		return VP_EXIT_INCORRECT_COMMAND_LINE_PARAMETERS;
	if (!a->ccm)
		return usage_error("activate",
				   "--local needs --ccm, the only local mode supported");
	return 0;
}

static const char *control_mode_text(uint32_t mode)
{
	switch (mode) {
	case 0:
		return "pre-provisioning state";
	case 1:
		return "activated in client control mode";
	case 2:
		return "activated in admin control mode";
	default:
		return "unknown control mode";
	}
}

/*
 * Reports a failure over netlink and returns @code. A refresh while AMT
 * is not ready would fail too, so that case skips it.
 */
static int fail_status(int code, const char *reason)
{
	status_report(code == VP_EXIT_AMT_NOT_DETECTED ?
		      VPRO_ACTIVATION_UNSUPPORTED : VPRO_ACTIVATION_FAILED,
		      reason);
	if (code != VP_EXIT_AMT_NOT_READY)
		status_refresh();
	return code;
}

/*
 * True when the APF link to AMT is up but AMT did not forward the
 * non-TLS port 16992, as AMT 19 and later do when they enforce TLS on
 * local ports. LMS hides that case behind its own errors.
 */
static bool http_port_not_forwarded(const struct transport *t, int err)
{
	unsigned int i;

	switch (t->chosen) {
	case TRANSPORT_APF:
		/* vpro_heci returns EHOSTUNREACH for a port AMT did not announce. */
		return err == -EHOSTUNREACH;
	case TRANSPORT_MEI:
		if (err != -ECONNREFUSED || !t->mei_open || !t->mei.link_up ||
		    !t->mei.port_count)
			return false;
		for (i = 0; i < t->mei.port_count; i++)
			if (t->mei.ports[i] == VPRO_AMT_PORT_HTTP)
				return false;
		return true;
	default:
		return false;
	}
}

/* Prints the error for a failed WS-Man call and returns its exit code. */
static int wsman_call_error(const struct wsman_client *c,
			    enum wsman_error werr, const char *call,
			    const char *err)
{
	if (werr == WSMAN_ERR_TRANSPORT &&
	    http_port_not_forwarded(c->transport, c->transport_errno))
		return vp_error(VP_EXIT_UNSUPPORTED_AMT_VERSION,
				"AMT does not forward its non-TLS port %d, because this firmware enforces TLS on local ports, so local CCM activation over port %d is not possible. Use a provisioning tool that connects to the TLS port 16993.",
				VPRO_AMT_PORT_HTTP, VPRO_AMT_PORT_HTTP);
	if (werr == WSMAN_ERR_TRANSPORT)
		return transport_error(c->transport, c->transport_errno);
	if (werr == WSMAN_ERR_AUTH)
		return vp_error(VP_EXIT_AMT_AUTHENTICATION_FAILED,
				"WS-Man %s failed: %s. AMT did not accept the local system account that AMTHI GetLocalSystemAccount returned. Retry; if it persists, check the firmware with \"vproctl info\" or unprovision AMT in MEBx.",
				call, err);
	return vp_error(VP_EXIT_ACTIVATION_FAILED, "WS-Man %s failed: %s.",
			call, err);
}

/* Reads the digest realm with Get AMT_GeneralSettings. */
static int read_realm(struct wsman_client *c, char *realm, size_t size)
{
	enum wsman_error werr;
	char err[256];
	char *body;
	char *xml = wsman_general_settings_get(++c->message_id);

	if (!xml)
		return vp_error(VP_EXIT_GENERIC_FAILURE, "Out of memory.");
	werr = wsman_post(c, xml, &body, err, sizeof(err));
	free(xml);
	if (werr != WSMAN_OK)
		return wsman_call_error(c, werr, "Get AMT_GeneralSettings", err);
	if (wsman_element_text(body, "DigestRealm", realm, size) || !realm[0]) {
		free(body);
		return vp_error(VP_EXIT_WSMAN_MESSAGE_ERROR,
				"AMT's AMT_GeneralSettings reply has no DigestRealm.");
	}
	free(body);
	return 0;
}

/*
 * Sends Setup and checks its ReturnValue. Sets *@sent when the request
 * may have reached AMT, so that a transport error needs a recheck.
 */
static int run_setup(struct wsman_client *c, const char *realm,
		     const char *password, bool *sent)
{
	char digest[DIGEST_HEX_LEN + 1];
	enum wsman_error werr;
	unsigned long value;
	char err[256];
	char *body;
	char *xml;

	*sent = false;
	if (wsman_admin_digest(realm, password, digest))
		return vp_error(VP_EXIT_GENERIC_FAILURE,
				"MD5 from libcrypto failed.");
	xml = wsman_host_setup(++c->message_id, digest);
	explicit_bzero(digest, sizeof(digest));
	if (!xml)
		return vp_error(VP_EXIT_GENERIC_FAILURE, "Out of memory.");

	werr = wsman_post(c, xml, &body, err, sizeof(err));
	explicit_bzero(xml, strlen(xml));
	free(xml);
	if (werr != WSMAN_OK) {
		*sent = werr == WSMAN_ERR_TRANSPORT || werr == WSMAN_ERR_HTTP;
		if (*sent) {
			vp_warn("WS-Man Setup failed: %s; checking the control mode",
				err);
			return VP_EXIT_ACTIVATION_FAILED;
		}
		return wsman_call_error(c, werr, "Setup", err);
	}
	if (wsman_return_value(body, &value)) {
		free(body);
		return vp_error(VP_EXIT_WSMAN_MESSAGE_ERROR,
				"AMT's Setup reply has no ReturnValue.");
	}
	free(body);
	if (value != 0)
		return vp_error(VP_EXIT_ACTIVATION_FAILED,
				"IPS_HostBasedSetupService Setup returned %lu (2 means AMT is not in pre-provisioning, 3 an invalid parameter). Check \"vproctl info\".",
				value);
	return 0;
}

/* Waits until GetControlMode reports CCM. Returns 0 or a printed exit code. */
static int confirm_ccm(struct amt_snapshot *snap)
{
	long waited = 0;
	int ret;

	for (;;) {
		ret = amt_read_snapshot(0, snap);
		if (ret)
			return ret;
		if (snap->control_mode_ok && snap->control_mode == 1)
			return 0;
		if (waited >= CONFIRM_TIMEOUT_MS)
			break;
		amt_sleep_ms(CONFIRM_INTERVAL_MS);
		waited += CONFIRM_INTERVAL_MS;
	}
	if (!snap->control_mode_ok)
		return vp_error(VP_EXIT_AMT_CONNECTION_FAILED,
				"AMTHI GetControlMode failed after Setup. Run \"vproctl info\" to see the control mode.");
	return vp_error(VP_EXIT_ACTIVATION_FAILED,
			"After Setup, AMT reports %s instead of client control mode after %d s.",
			control_mode_text(snap->control_mode),
			CONFIRM_TIMEOUT_MS / 1000);
}

/* Runs the WS-Man part as the local system account in @snap. */
static int activate_ccm(struct amt_snapshot *snap, const char *password,
			const struct local_args *args)
{
	struct transport transport;
	struct wsman_client client = {
		.transport = &transport,
		.username = snap->account.username,
		.password = snap->account.password,
		.timeout_ms = WSMAN_TIMEOUT_MS,
	};
	char realm[DIGEST_FIELD_MAX];
	bool sent = false;
	int ret;

	transport_init(&transport, args->transport, args->verbose);
	ret = read_realm(&client, realm, sizeof(realm));
	if (ret == 0)
		ret = run_setup(&client, realm, password, &sent);
	wsman_client_reset(&client);
	transport_cleanup(&transport);
	amt_snapshot_wipe(snap);
	if (ret && !sent)
		return ret;

	/* A Setup reply may be lost although AMT did activate. */
	ret = confirm_ccm(snap);
	amt_snapshot_wipe(snap);
	return ret;
}

int cmd_activate_local(int argc, char **argv)
{
	char password[PASSWORD_MAX_LEN + 1];
	struct amt_snapshot *snap;
	struct local_args args;
	int ret;

	ret = parse_args(argc, argv, &args);
	if (ret == 0)
		ret = password_load(&args.password, password);
	if (ret)
		return ret;
	if (!password[0])
		return vp_error(VP_EXIT_MISSING_OR_INCORRECT_PASSWORD,
				"The new AMT password is missing. Pass --password, --password-file FILE or set AMT_PASSWORD.");

	snap = calloc(1, sizeof(*snap));
	if (!snap) {
		password_wipe(password, sizeof(password));
		return vp_error(VP_EXIT_GENERIC_FAILURE, "Out of memory.");
	}

	status_report(VPRO_ACTIVATION_IN_PROGRESS, NULL);
	ret = amt_read_snapshot_when_ready(AMT_QUERY_ACCOUNT, snap);
	if (ret) {
		ret = fail_status(ret, vp_exit_name(ret));
	} else if (!snap->control_mode_ok || !snap->account_ok) {
		ret = vp_error(VP_EXIT_AMT_CONNECTION_FAILED,
			       "AMTHI %s failed. Retry later.",
			       snap->control_mode_ok ? "GetLocalSystemAccount" :
						       "GetControlMode");
		ret = fail_status(ret, "AMTHI query failed");
	} else if (snap->control_mode != 0) {
		ret = vp_error(VP_EXIT_UNABLE_TO_ACTIVATE,
			       "AMT is already %s. Run \"vproctl deactivate --local\" first.",
			       control_mode_text(snap->control_mode));
		ret = fail_status(ret, "already activated");
	} else {
		ret = activate_ccm(snap, password, &args);
		if (ret)
			ret = fail_status(ret, "local CCM activation failed");
	}
	password_wipe(password, sizeof(password));
	amt_snapshot_wipe(snap);
	free(snap);
	if (ret)
		return ret;

	status_report(VPRO_ACTIVATION_PROVISIONED, NULL);
	status_refresh();
	puts("Status: Device activated in client control mode");
	return VP_EXIT_SUCCESS;
}

/*
 * True when @argv has --local before a "--" that ends the options.
 * NOTE: an option value that reads "--local" (--password --local) also
 * selects the local parser, which then reports the missing value.
 */
static bool wants_local(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--local") == 0)
			return true;
	return false;
}

int cmd_activate_any(int argc, char **argv)
{
	int ret;

	if (wants_local(argc, argv))
		return cmd_activate_local(argc, argv);
	ret = cmd_activate(argc, argv);
	if (ret == VP_EXIT_HELP_REQUESTED)
		puts("\nFor a local CCM activation without RPS, see \"vproctl activate --local --help\".");
	return ret;
}
