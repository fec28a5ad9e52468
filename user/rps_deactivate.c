// SPDX-License-Identifier: MIT
/*
 * vproctl deactivate -u URL: deactivation through RPS. As rpc-go v2
 * does, the first message has the method "deactivate --password
 * PASSWORD" and the payload of an activated device (username "admin"
 * and the AMT password). RPS then unprovisions AMT over the WS-Man
 * relay with AMT_SetupAndConfigurationService.Unprovision(1) (RPS's
 * deactivation state machine, invokeUnprovision).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "amthi_query.h"
#include "deactivate.h"
#include "commands.h"
#include "exit_codes.h"
#include "os_info.h"
#include "rps_message.h"
#include "rps_session.h"
#include "status_netlink.h"

#define CONNECT_TIMEOUT_MS	30000
#define MESSAGE_TIMEOUT_MS	60000
#define AMT_TIMEOUT_MS		30000

static int check_args(const struct deactivate_args *a)
{
	int ret = check_rps_url(a->url);

	if (ret)
		return ret;
	if (a->insecure && a->ca)
		return vp_error(VP_EXIT_INVALID_PARAMETER_COMBINATION,
				"-n turns certificate checks off, so --ca %s has no effect. Use one of them.",
				a->ca);
	if (a->ca && access(a->ca, R_OK) < 0)
		return vp_error(VP_EXIT_INVALID_USER_INPUT,
				"--ca %s: the file is not readable. Give a PEM file with the RPS CA certificate.",
				a->ca);
	return 0;
}

/* Reads AMT and builds the request; returns 0 or a printed exit code. */
static int prepare_request(const char *password, char **request)
{
	char hostname[256], suffix_os[256];
	struct amt_snapshot *snap;
	struct rps_activation in;
	char why[512];
	int ret;

	snap = calloc(1, sizeof(*snap));
	if (!snap)
		return vp_error(VP_EXIT_GENERIC_FAILURE, "Out of memory.");
	ret = amt_read_snapshot(0, snap);
	if (ret == 0 && !snap->control_mode_ok)
		ret = vp_error(VP_EXIT_AMT_CONNECTION_FAILED,
			       "AMTHI GetControlMode failed. Retry later.");
	else if (ret == 0 && snap->control_mode == 0)
		ret = vp_error(VP_EXIT_DEVICE_NOT_ACTIVATED,
			       "AMT is in pre-provisioning state: there is nothing to deactivate. Run \"vproctl info\" to see the control mode.");
	if (ret) {
		free(snap);
		return ret;
	}

	os_hostname(hostname, sizeof(hostname));
	os_dns_suffix(suffix_os, sizeof(suffix_os));
	in = (struct rps_activation) {
		.amt = snap,
		.fqdn = snap->dns_suffix[0] ? snap->dns_suffix : suffix_os,
		.hostname = hostname,
		.dns_suffix_os = suffix_os,
		.amt_password = password,
		.deactivate = true,
	};
	ret = rps_build_activation(&in, request, why, sizeof(why));
	amt_snapshot_wipe(snap);
	free(snap);
	if (ret)
		return vp_error(ret, "Cannot build the deactivation request: %s.",
				why);
	return 0;
}

int rps_deactivate(struct deactivate_args *args)
{
	char password[PASSWORD_MAX_LEN + 1];
	struct rps_session_options session;
	struct transport transport;
	char reason[256] = "";
	char *request = NULL;
	int ret;

	ret = check_args(args);
	if (ret == 0)
		ret = password_load(&args->password, password);
	if (ret)
		return ret;
	if (!password[0])
		return vp_error(VP_EXIT_MISSING_OR_INCORRECT_PASSWORD,
				"RPS needs the AMT password to deactivate AMT. Pass it with --password, --password-file or AMT_PASSWORD.");

	ret = prepare_request(password, &request);
	password_wipe(password, sizeof(password));
	if (ret)
		return ret;

	session = (struct rps_session_options) {
		.ws = {
			.url = args->url,
			.ca_file = args->ca,
			.insecure = args->insecure,
			.connect_timeout_ms = CONNECT_TIMEOUT_MS,
			.verbose = args->verbose,
		},
		.transport = &transport,
		.message_timeout_ms = MESSAGE_TIMEOUT_MS,
		.amt_timeout_ms = AMT_TIMEOUT_MS,
		.error_code = VP_EXIT_DEACTIVATION_FAILED,
		.json = args->json,
		.verbose = args->verbose,
	};
	transport_init(&transport, args->transport, args->verbose);
	/* NOTE: wslay frees its copy of the queued request without wiping it. */
	ret = rps_session_run(&session, request, reason, sizeof(reason));
	transport_cleanup(&transport);
	explicit_bzero(request, strlen(request));
	free(request);
	if (ret)
		return ret;

	status_report(VPRO_ACTIVATION_IDLE, NULL);
	status_refresh();
	return VP_EXIT_SUCCESS;
}
