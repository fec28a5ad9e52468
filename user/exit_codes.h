/* SPDX-License-Identifier: MIT */
/*
 * Exit codes of vproctl. The numbers and names follow rpc-go's chart
 * (rpc-go v2 pkg/utils), so Tinker workflows written for rpc-go read
 * them unchanged.
 */
#ifndef VPROCTL_EXIT_CODES_H
#define VPROCTL_EXIT_CODES_H

#include <stdbool.h>

enum vp_exit {
	VP_EXIT_SUCCESS = 0,
	VP_EXIT_INCORRECT_PERMISSIONS = 1,
	VP_EXIT_HECI_DRIVER_NOT_DETECTED = 2,
	VP_EXIT_AMT_NOT_DETECTED = 3,
	VP_EXIT_AMT_NOT_READY = 4,
	VP_EXIT_HELP_REQUESTED = 5,
	VP_EXIT_GENERIC_FAILURE = 10,
	VP_EXIT_MISSING_OR_INCORRECT_URL = 20,
	VP_EXIT_MISSING_OR_INCORRECT_PROFILE = 21,
	VP_EXIT_SERVER_CERTIFICATE_VERIFICATION_FAILED = 22,
	VP_EXIT_MISSING_OR_INCORRECT_PASSWORD = 23,
	VP_EXIT_MISSING_DNS_SUFFIX = 24,
	VP_EXIT_MISSING_HOSTNAME = 25,
	VP_EXIT_MISSING_PROXY_ADDRESS_AND_PORT = 26,
	VP_EXIT_INCORRECT_COMMAND_LINE_PARAMETERS = 28,
	VP_EXIT_INVALID_PARAMETER_COMBINATION = 33,
	VP_EXIT_INVALID_USER_INPUT = 36,
	VP_EXIT_INVALID_UUID = 37,
	VP_EXIT_RPS_AUTHENTICATION_FAILED = 70,
	VP_EXIT_AMT_CONNECTION_FAILED = 71,
	VP_EXIT_AMT_AUTHENTICATION_FAILED = 100,
	VP_EXIT_WSMAN_MESSAGE_ERROR = 101,
	VP_EXIT_ACTIVATION_FAILED = 102,
	VP_EXIT_CIRA_CONFIGURATION_FAILED = 104,
	VP_EXIT_UNABLE_TO_DEACTIVATE = 109,
	VP_EXIT_DEACTIVATION_FAILED = 110,
	VP_EXIT_UNABLE_TO_ACTIVATE = 111,
	VP_EXIT_UNMARSHAL_MESSAGE_FAILED = 113,
	VP_EXIT_DEVICE_NOT_ACTIVATED = 115,
	VP_EXIT_UNSUPPORTED_AMT_VERSION = 138,
	VP_EXIT_LMS_CONNECTION_FAILED = 139,
};

/* Returns the chart's name for @code, e.g. "AMT not detected", or NULL. */
const char *vp_exit_name(int code);

/*
 * Prints "Error N: Name" and then @fmt as the cause and the next step on
 * stderr, and returns @code so that callers can write
 * "return vp_error(...)".
 */
int vp_error(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * With @on, vp_error() also prints each error as one JSON object on
 * stdout, on one line: {"status":"error","code":N,"name":...,"message":...}.
 * Commands turn it on for --json, so that stdout contains JSON whether
 * they succeed or fail.
 */
void vp_json_errors(bool on);

/* Prints "Warning: " and @fmt on stderr. */
void vp_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* VPROCTL_EXIT_CODES_H */
