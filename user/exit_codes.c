// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "exit_codes.h"

#define VP_ERROR_MESSAGE_MAX	1024

static bool json_errors;

static const struct {
	int code;
	const char *name;
} exit_names[] = {
	{ VP_EXIT_SUCCESS, "Success" },
	{ VP_EXIT_INCORRECT_PERMISSIONS, "Incorrect permissions (not admin or sudo)" },
	{ VP_EXIT_HECI_DRIVER_NOT_DETECTED, "HECI driver not detected" },
	{ VP_EXIT_AMT_NOT_DETECTED, "AMT not detected" },
	{ VP_EXIT_AMT_NOT_READY, "AMT not ready" },
	{ VP_EXIT_HELP_REQUESTED, "Help requested" },
	{ VP_EXIT_GENERIC_FAILURE, "Generic failure" },
	{ VP_EXIT_MISSING_OR_INCORRECT_URL, "Missing or incorrect URL" },
	{ VP_EXIT_MISSING_OR_INCORRECT_PROFILE, "Missing or incorrect profile" },
	{ VP_EXIT_SERVER_CERTIFICATE_VERIFICATION_FAILED, "Server certificate verification failed" },
	{ VP_EXIT_MISSING_OR_INCORRECT_PASSWORD, "Missing or incorrect password" },
	{ VP_EXIT_MISSING_DNS_SUFFIX, "Missing DNS suffix" },
	{ VP_EXIT_MISSING_HOSTNAME, "Missing hostname" },
	{ VP_EXIT_MISSING_PROXY_ADDRESS_AND_PORT, "Missing proxy address and port" },
	{ VP_EXIT_INCORRECT_COMMAND_LINE_PARAMETERS, "Incorrect command line parameters" },
	{ VP_EXIT_INVALID_PARAMETER_COMBINATION, "Invalid parameter combination" },
	{ VP_EXIT_INVALID_USER_INPUT, "Invalid user input" },
	{ VP_EXIT_INVALID_UUID, "Invalid UUID" },
	{ VP_EXIT_RPS_AUTHENTICATION_FAILED, "RPS authentication failed" },
	{ VP_EXIT_AMT_CONNECTION_FAILED, "AMT connection failed" },
	{ VP_EXIT_AMT_AUTHENTICATION_FAILED, "AMT authentication failed" },
	{ VP_EXIT_WSMAN_MESSAGE_ERROR, "WS-Man message error" },
	{ VP_EXIT_ACTIVATION_FAILED, "Activation failed" },
	{ VP_EXIT_CIRA_CONFIGURATION_FAILED, "CIRA configuration failed" },
	{ VP_EXIT_UNABLE_TO_DEACTIVATE, "Unable to deactivate" },
	{ VP_EXIT_DEACTIVATION_FAILED, "Deactivation failed" },
	{ VP_EXIT_UNABLE_TO_ACTIVATE, "Unable to activate" },
	{ VP_EXIT_UNMARSHAL_MESSAGE_FAILED, "Unmarshal message failed" },
	{ VP_EXIT_DEVICE_NOT_ACTIVATED, "Device not activated" },
	{ VP_EXIT_UNSUPPORTED_AMT_VERSION, "Unsupported AMT version" },
	{ VP_EXIT_LMS_CONNECTION_FAILED, "LMS connection failed" },
};

const char *vp_exit_name(int code)
{
	size_t i;

	for (i = 0; i < sizeof(exit_names) / sizeof(exit_names[0]); i++)
		if (exit_names[i].code == code)
			return exit_names[i].name;
	return NULL;
}

void vp_json_errors(bool on)
{
	json_errors = on;
}

static void print_json_error(int code, const char *name, const char *message)
{
	json_t *obj = json_pack("{s:s, s:i, s:s, s:s}", "status", "error",
				"code", code, "name", name, "message", message);

	if (obj && json_dumpf(obj, stdout, JSON_COMPACT) == 0)
		fputc('\n', stdout);
	fflush(stdout);
	json_decref(obj);
}

int vp_error(int code, const char *fmt, ...)
{
	const char *name = vp_exit_name(code);
	char message[VP_ERROR_MESSAGE_MAX];
	va_list ap;

	if (!name)
		name = "Unknown error";
	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);

	fprintf(stderr, "Error %d: %s\n%s\n", code, name, message);
	if (json_errors)
		print_json_error(code, name, message);
	return code;
}

void vp_warn(const char *fmt, ...)
{
	va_list ap;

	fputs("Warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
