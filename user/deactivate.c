// SPDX-License-Identifier: MIT
/*
 * vproctl deactivate. With --local it returns a client control mode
 * (CCM) device to pre-provisioning with the AMTHI Unprovision command.
 * Exit codes follow rpc-go v2's local deactivation: 109 when the device
 * is not in CCM (ACM needs the admin password over WS-Man,
 * pre-provisioning has nothing to undo), 110 when Unprovision fails, 71
 * when GetControlMode fails (rpc-go internal/local/deactivate.go). With
 * -u URL, rps_deactivate.c sends the deactivation request to RPS.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "amthi_query.h"
#include "commands.h"
#include "deactivate.h"
#include "exit_codes.h"
#include "status_netlink.h"

static const char deactivate_usage[] =
	"Usage: vproctl deactivate --local\n"
	"       vproctl deactivate -u URL [options]\n"
	"\n"
	"Returns AMT to pre-provisioning. --local sends the AMTHI Unprovision\n"
	"command over /dev/mei0, needs no password and works only in client\n"
	"control mode (CCM). -u asks the Remote Provisioning Server (RPS) at URL\n"
	"to deactivate AMT, which needs the AMT password.\n"
	"\n"
	"      --local              unprovision locally over AMTHI\n"
	"  -u, --url URL            RPS WebSocket URL, e.g. wss://rps.example.com/activate\n"
	"      --password PASSWORD  AMT password\n"
	"      --password-file FILE read the AMT password from the first line of FILE\n"
	"                           (AMT_PASSWORD in the environment works too)\n"
	"  -n, --skipcertcheck      do not verify the RPS certificate (test networks only)\n"
	"      --ca FILE            verify the RPS certificate against the CAs in FILE\n"
	"      --json               print the result as JSON\n"
	"      --transport KIND     how to reach AMT: auto (default), apf (/dev/vpro_apf0),\n"
	"                           mei (LME on /dev/mei0) or lms (LMS on 127.0.0.1)\n"
	"  -v, --verbose            log each message exchanged (never its content)\n"
	"  -h, --help               print this help (exit code 5)\n";

static int parse_args(int argc, char **argv, struct deactivate_args *a)
{
	static const struct option options[] = {
		{ "local", no_argument, NULL, 'L' },
		{ "url", required_argument, NULL, 'u' },
		{ "password", required_argument, NULL, 'P' },
		{ "password-file", required_argument, NULL, 'F' },
		{ "skipcertcheck", no_argument, NULL, 'n' },
		{ "ca", required_argument, NULL, 'C' },
		{ "json", no_argument, NULL, 'j' },
		{ "transport", required_argument, NULL, 'T' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	memset(a, 0, sizeof(*a));
	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "+:u:nvh", options, NULL)) != -1) {
		switch (opt) {
		case 'L': a->local = true; break;
		case 'u': a->url = optarg; break;
		case 'P': a->password.flag = optarg; break;
		case 'F': a->password.file = optarg; break;
		case 'n': a->insecure = true; break;
		case 'C': a->ca = optarg; break;
		case 'j':
			a->json = true;
			vp_json_errors(true);
			break;
		case 'T':
			if (transport_option("deactivate", optarg, &a->transport))
				return VP_EXIT_INCORRECT_COMMAND_LINE_PARAMETERS;
			break;
		case 'v': a->verbose = true; break;
		case 'h':
			fputs(deactivate_usage, stdout);
			return VP_EXIT_HELP_REQUESTED;
		default:
			return option_error("deactivate", opt, argv);
		}
	}
	if (check_no_operands("deactivate", argc, argv))
		return VP_EXIT_INCORRECT_COMMAND_LINE_PARAMETERS;
	if (a->local && a->url)
		return vp_error(VP_EXIT_INVALID_PARAMETER_COMBINATION,
				"--local and -u %s were both given. Use --local to unprovision over AMTHI, or -u to deactivate through RPS.",
				a->url);
	if (!a->local && !a->url)
		return usage_error("deactivate",
				   "pass --local to unprovision over AMTHI, or -u URL to deactivate through RPS");
	return 0;
}

/* Sends Unprovision with mode 0. Returns 0 or a printed exit code. */
static int unprovision(void)
{
	uint8_t body[4], *buf;
	const uint8_t *payload;
	size_t payload_len;
	struct heci heci;
	int ret;

	ret = heci_connect(&heci, HECI_DEFAULT_DEVICE, heci_amthi_uuid);
	if (ret < 0)
		return vp_error(VP_EXIT_DEACTIVATION_FAILED,
				"Connecting to AMTHI on %s failed: %s. Retry later.",
				HECI_DEFAULT_DEVICE, strerror(-ret));
	buf = malloc(AMTHI_MAX_MSG_LEN);
	if (!buf) {
		heci_close(&heci);
		return vp_error(VP_EXIT_GENERIC_FAILURE, "Out of memory.");
	}
	codec_put_le32(body, 0);
	ret = amthi_call(&heci, AMTHI_CMD_UNPROVISION, body, sizeof(body), buf,
			 AMTHI_MAX_MSG_LEN, &payload, &payload_len);
	heci_close(&heci);
	free(buf);
	if (ret < 0)
		return vp_error(VP_EXIT_DEACTIVATION_FAILED,
				"AMTHI Unprovision failed: %s. Run \"vproctl info\" to see the control mode.",
				strerror(-ret));
	if (ret > 0)
		return vp_error(VP_EXIT_DEACTIVATION_FAILED,
				"AMTHI Unprovision returned status %d (%s).",
				ret, amthi_status_text((uint32_t)ret));
	return 0;
}

int cmd_deactivate(int argc, char **argv)
{
	struct deactivate_args args;
	struct amt_snapshot *snap;
	int ret;

	ret = parse_args(argc, argv, &args);
	if (ret)
		return ret;
	if (args.url)
		return rps_deactivate(&args);

	snap = calloc(1, sizeof(*snap));
	if (!snap)
		return vp_error(VP_EXIT_GENERIC_FAILURE, "Out of memory.");
	ret = amt_read_snapshot(0, snap);
	if (ret == 0 && !snap->control_mode_ok)
		ret = vp_error(VP_EXIT_AMT_CONNECTION_FAILED,
			       "AMTHI GetControlMode failed. Retry later.");
	else if (ret == 0 && snap->control_mode == 0)
		ret = vp_error(VP_EXIT_UNABLE_TO_DEACTIVATE,
			       "AMT is already in pre-provisioning state: nothing to deactivate.");
	else if (ret == 0 && snap->control_mode == 2)
		ret = vp_error(VP_EXIT_UNABLE_TO_DEACTIVATE,
			       "AMT is in admin control mode (ACM); local deactivation works only in client control mode. Deactivate it through RPS or in MEBx.");
	else if (ret == 0 && snap->control_mode != 1)
		ret = vp_error(VP_EXIT_UNABLE_TO_DEACTIVATE,
			       "AMT reports the unknown control mode %u; local deactivation works only in client control mode.",
			       snap->control_mode);
	free(snap);
	if (ret == 0)
		ret = unprovision();
	if (ret)
		return ret;

	status_report(VPRO_ACTIVATION_IDLE, NULL);
	status_refresh();
	puts("Status: Device deactivated");
	return VP_EXIT_SUCCESS;
}
