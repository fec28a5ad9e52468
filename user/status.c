// SPDX-License-Identifier: MIT
/*
 * vproctl status: the state vpro_heci.ko caches in sysfs, and with
 * --watch its netlink events as they come.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "commands.h"
#include "exit_codes.h"
#include "status_watch.h"

#define SYSFS_CLASS	"/sys/class/vpro"
#define VALUE_MAX	320	/* activation_status holds a 255-byte reason */

static const char status_usage[] =
	"Usage: vproctl status [--json] [--device vproN]\n"
	"       vproctl status --watch [--json] [--count N] [--event NAME]\n"
	"\n"
	"Prints the state vpro_heci.ko holds for the device: capability, control\n"
	"mode, provisioning state, activation status and APF link state.\n"
	"\n"
	"      --json          print JSON\n"
	"      --device NAME   sysfs device under " SYSFS_CLASS " (default: vpro0)\n"
	"      --watch         print one line per vpro_heci netlink event until\n"
	"                      SIGINT or SIGTERM\n"
	"      --count N       with --watch, stop after N events\n"
	"      --event NAME    with --watch, print and count only NAME events:\n"
	"                      device_added, device_removed, capability_changed,\n"
	"                      apf_link or status_changed\n"
	"  -h, --help          print this help (exit code 5)\n";

/* Attributes printed, with the text label and the JSON key of each. */
static const struct {
	const char *file;
	const char *label;
	const char *key;
} status_fields[] = {
	{ "capability", "Capability", "capability" },
	{ "control_mode", "Control Mode", "controlMode" },
	{ "provisioning_state", "Provisioning State", "provisioningState" },
	{ "activation_status", "Activation Status", "activationStatus" },
	{ "apf_state", "APF State", "apfState" },
};

struct status_args {
	const char *device;
	const char *event;
	unsigned long count;
	bool count_given;
	bool json;
	bool watch;
};

static int parse_count(const char *text, unsigned long *count)
{
	char *end;

	errno = 0;
	*count = strtoul(text, &end, 10);
	if (errno || end == text || *end || text[0] == '-' || *count == 0)
		return usage_error("status",
				   "invalid --count \"%s\": give a whole number of events, at least 1",
				   text);
	return 0;
}

static int parse_args(int argc, char **argv, struct status_args *a)
{
	static const struct option options[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "device", required_argument, NULL, 'D' },
		{ "watch", no_argument, NULL, 'w' },
		{ "count", required_argument, NULL, 'n' },
		{ "event", required_argument, NULL, 'e' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt, ret;

	memset(a, 0, sizeof(*a));
	a->device = "vpro0";
	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "+:h", options, NULL)) != -1) {
		switch (opt) {
		case 'j':
			a->json = true;
			vp_json_errors(true);
			break;
		case 'D': a->device = optarg; break;
		case 'w': a->watch = true; break;
		case 'e':
			if (!status_watch_event_known(optarg))
				return usage_error("status",
						   "invalid --event \"%s\": give device_added, device_removed, capability_changed, apf_link or status_changed",
						   optarg);
			a->event = optarg;
			break;
		case 'n':
			ret = parse_count(optarg, &a->count);
			if (ret)
				return ret;
			a->count_given = true;
			break;
		case 'h':
			fputs(status_usage, stdout);
			return VP_EXIT_HELP_REQUESTED;
		default:
			return option_error("status", opt, argv);
		}
	}
	if (check_no_operands("status", argc, argv))
		return VP_EXIT_INCORRECT_COMMAND_LINE_PARAMETERS;
	if (a->count_given && !a->watch)
		return usage_error("status", "--count works only with --watch");
	if (a->event && !a->watch)
		return usage_error("status", "--event works only with --watch");
	if (strncmp(a->device, "vpro", 4) != 0 || strchr(a->device, '/'))
		return usage_error("status",
				   "invalid --device \"%s\": give a name such as vpro0",
				   a->device);
	return 0;
}

/* Reads one attribute without its newline, or "" with a warning when unreadable. */
static void read_attribute(const char *device, const char *file, char *value)
{
	char path[256];
	size_t len = 0;
	FILE *f;

	snprintf(path, sizeof(path), SYSFS_CLASS "/%s/%s", device, file);
	value[0] = '\0';
	f = fopen(path, "re");
	if (!f) {
		vp_warn("%s: %s", path, strerror(errno));
		return;
	}
	if (fgets(value, VALUE_MAX, f))
		len = strcspn(value, "\n");
	value[len] = '\0';
	fclose(f);
}

static int check_device(const char *device)
{
	char path[256];
	struct stat st;

	if (stat(SYSFS_CLASS, &st) < 0)
		return vp_error(VP_EXIT_HECI_DRIVER_NOT_DETECTED,
				"%s not found: vpro_heci.ko is not loaded. Load it with \"modprobe vpro_heci\".",
				SYSFS_CLASS);
	snprintf(path, sizeof(path), SYSFS_CLASS "/%s", device);
	if (stat(path, &st) < 0)
		return vp_error(VP_EXIT_AMT_NOT_DETECTED,
				"%s not found: the ME has no AMTHI client on the MEI bus, so this device has no out-of-band management.",
				path);
	return 0;
}

static int print_status(const struct status_args *a)
{
	char value[VALUE_MAX];
	json_t *obj = NULL;
	size_t i;
	int ret;

	ret = check_device(a->device);
	if (ret)
		return ret;
	if (a->json)
		obj = json_object();
	for (i = 0; i < sizeof(status_fields) / sizeof(status_fields[0]); i++) {
		read_attribute(a->device, status_fields[i].file, value);
		if (obj)
			json_object_set_new(obj, status_fields[i].key,
					    json_string(value));
		else
			printf("%-19s: %s\n", status_fields[i].label, value);
	}
	if (obj) {
		char *text = json_dumps(obj, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

		if (text)
			puts(text);
		free(text);
		json_decref(obj);
	}
	return VP_EXIT_SUCCESS;
}

int cmd_status(int argc, char **argv)
{
	struct status_args args;
	int ret;

	ret = parse_args(argc, argv, &args);
	if (ret)
		return ret;
	if (args.watch)
		return status_watch(args.count, args.json, args.event);
	return print_status(&args);
}
