// SPDX-License-Identifier: MIT
/*
 * vproctl deactivate --local: returns a client control mode (CCM) device
 * to pre-provisioning with the AMTHI Unprovision command. Exit codes
 * follow rpc-go v2's local deactivation: 109 when the device is not in
 * CCM (ACM needs the admin password over WS-Man, pre-provisioning has
 * nothing to undo), 110 when Unprovision fails, 71 when GetControlMode
 * fails (rpc-go internal/local/deactivate.go).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "amthi_query.h"
#include "commands.h"
#include "exit_codes.h"
#include "status_netlink.h"

static const char deactivate_usage[] =
	"Usage: vproctl deactivate --local\n"
	"\n"
	"Returns AMT from client control mode (CCM) to pre-provisioning with the\n"
	"AMTHI Unprovision command over /dev/mei0. No password is needed.\n"
	"\n"
	"      --local   unprovision locally (required; deactivation through RPS\n"
	"                is not supported yet)\n"
	"  -h, --help    print this help (exit code 5)\n";

static int parse_args(int argc, char **argv, bool *local)
{
	static const struct option options[] = {
		{ "local", no_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	*local = false;
	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "+:h", options, NULL)) != -1) {
		switch (opt) {
		case 'L':
			*local = true;
			break;
		case 'h':
			fputs(deactivate_usage, stdout);
			return VP_EXIT_HELP_REQUESTED;
		case ':':
			return usage_error("deactivate", "option \"%s\" needs a value",
					   argv[optind - 1]);
		default:
			return usage_error("deactivate", "invalid option \"%s\"",
					   argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("deactivate", "unexpected argument \"%s\"",
				   argv[optind]);
	/* TODO: deactivation through RPS (-u URL) is not implemented. */
	if (!*local)
		return usage_error("deactivate",
				   "only local deactivation is supported, pass --local");
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
	struct amt_snapshot *snap;
	bool local;
	int ret;

	ret = parse_args(argc, argv, &local);
	if (ret)
		return ret;

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
