// SPDX-License-Identifier: MIT
/*
 * vproctl: Intel AMT information and activation through vpro_heci.ko.
 * Exit codes follow rpc-go's chart (exit_codes.h); like rpc-go, a help
 * request exits with 5.
 */
#include <curl/curl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "exit_codes.h"
#include "rps_message.h"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static int cmd_version(int argc, char **argv);

static const struct command commands[] = {
	{ "info", cmd_info, "print AMT version, SKU, UUID, control mode and network settings" },
	{ "activate", cmd_activate_any, "activate AMT through RPS, or locally in CCM with --local" },
	{ "deactivate", cmd_deactivate, "return AMT to pre-provisioning, locally (--local) or through RPS (-u)" },
	{ "status", cmd_status, "print the vpro_heci device state, or watch its events" },
	{ "version", cmd_version, "print the vproctl version" },
};

static void print_usage(FILE *out)
{
	size_t i;

	fputs("Usage: vproctl COMMAND [options]\n\nCommands:\n", out);
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fputs("\nRun \"vproctl COMMAND --help\" for the options of a command.\n"
	      "Exit codes follow rpc-go's: 0 success, 5 help printed, 28 bad command line,\n"
	      "and others as in \"Error N: Name\" messages.\n", out);
}

int usage_error(const char *command, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "Error %d: %s\n", VP_EXIT_INCORRECT_COMMAND_LINE_PARAMETERS,
		vp_exit_name(VP_EXIT_INCORRECT_COMMAND_LINE_PARAMETERS));
	fprintf(stderr, "vproctl%s%s: ", command ? " " : "", command ? command : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ". Run \"vproctl %s%s--help\" for the usage.\n",
		command ? command : "", command ? " " : "");
	return VP_EXIT_INCORRECT_COMMAND_LINE_PARAMETERS;
}

static int cmd_version(int argc, char **argv)
{
	if (argc > 1) {
		if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
			puts("Usage: vproctl version\n\nPrints the vproctl version and the RPS protocol version.");
			return VP_EXIT_HELP_REQUESTED;
		}
		return usage_error("version", "unexpected argument \"%s\"", argv[1]);
	}
	printf("vproctl %s (RPS protocol %s)\n", rps_app_version(),
	       RPS_PROTOCOL_VERSION);
	return VP_EXIT_SUCCESS;
}

int main(int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : NULL;
	size_t i;
	int ret;

	if (!name) {
		print_usage(stderr);
		return usage_error(NULL, "no command given");
	}
	if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 ||
	    strcmp(name, "help") == 0) {
		print_usage(stdout);
		return VP_EXIT_HELP_REQUESTED;
	}
	if (strcmp(name, "--version") == 0)
		return cmd_version(1, argv + 1);

	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(name, commands[i].name) != 0)
			continue;
		curl_global_init(CURL_GLOBAL_DEFAULT);
		ret = commands[i].run(argc - 1, argv + 1);
		curl_global_cleanup();
		return ret;
	}
	print_usage(stderr);
	return usage_error(NULL, "unknown command \"%s\"", name);
}
