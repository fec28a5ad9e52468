/* SPDX-License-Identifier: MIT */
/* The vproctl commands; each takes its own argv and returns an exit code. */
#ifndef VPROCTL_COMMANDS_H
#define VPROCTL_COMMANDS_H

#include "transport.h"

int cmd_info(int argc, char **argv);
int cmd_activate(int argc, char **argv);
int cmd_activate_local(int argc, char **argv);
/* Runs cmd_activate_local() when argv has --local, else cmd_activate(). */
int cmd_activate_any(int argc, char **argv);
int cmd_deactivate(int argc, char **argv);
int cmd_status(int argc, char **argv);

/*
 * Checks that @url is a ws:// or wss:// URL with a host. Returns 0, or
 * 20 after printing the error.
 */
int check_rps_url(const char *url);

/*
 * Prints "Error 28", the problem described by @fmt and a hint to run
 * "vproctl @command --help" on stderr, and returns exit code 28.
 */
int usage_error(const char *command, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Reports the option at argv[optind - 1] that getopt_long() rejected with
 * @opt (':' for a missing value, else '?') and returns exit code 28.
 */
int option_error(const char *command, int opt, char **argv);

/*
 * Checks that no operand follows the options. Returns 0, or 28 after
 * reporting the first one.
 */
int check_no_operands(const char *command, int argc, char **argv);

/*
 * Parses the value @text of --transport into @kind. Returns 0, or 28
 * after reporting it.
 */
int transport_option(const char *command, const char *text,
		     enum transport_kind *kind);

#endif /* VPROCTL_COMMANDS_H */
