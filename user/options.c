// SPDX-License-Identifier: MIT
/* Command line checks that every vproctl command shares. */
#include <getopt.h>

#include "commands.h"

int option_error(const char *command, int opt, char **argv)
{
	if (opt == ':')
		return usage_error(command, "option \"%s\" needs a value",
				   argv[optind - 1]);
	return usage_error(command, "invalid option \"%s\"", argv[optind - 1]);
}

int check_no_operands(const char *command, int argc, char **argv)
{
	if (optind < argc)
		return usage_error(command, "unexpected argument \"%s\"",
				   argv[optind]);
	return 0;
}

int transport_option(const char *command, const char *text,
		     enum transport_kind *kind)
{
	if (transport_parse(text, kind))
		return usage_error(command, "invalid --transport \"%s\": use "
				   TRANSPORT_NAMES, text);
	return 0;
}
