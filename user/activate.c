// SPDX-License-Identifier: MIT
/* vproctl activate: remote activation through RPS. */
#include <curl/curl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "amthi_query.h"
#include "commands.h"
#include "exit_codes.h"
#include "os_info.h"
#include "password.h"
#include "rps_message.h"
#include "rps_session.h"
#include "status_netlink.h"
#include "transport.h"

#define CONNECT_TIMEOUT_MS	30000
#define MESSAGE_TIMEOUT_MS	60000
#define AMT_TIMEOUT_MS		30000

static const char activate_usage[] =
	"Usage: vproctl activate -u URL --profile NAME [options]\n"
	"\n"
	"Activates AMT through the Remote Provisioning Server (RPS) at URL.\n"
	"\n"
	"  -u, --url URL            RPS WebSocket URL, e.g. wss://rps.example.com/activate\n"
	"      --profile NAME       RPS profile to apply\n"
	"  -d, --dns SUFFIX         DNS suffix sent as fqdn (default: AMT's, else the OS's)\n"
	"      --hostname NAME      host name sent to RPS (default: the OS host name)\n"
	"      --name NAME          friendly name of the device in RPS\n"
	"      --password PASSWORD  AMT password; needed when AMT is already activated\n"
	"      --password-file FILE read the AMT password from the first line of FILE\n"
	"                           (AMT_PASSWORD in the environment works too)\n"
	"  -n, --skipcertcheck      do not verify the RPS certificate (test networks only)\n"
	"      --ca FILE            verify the RPS certificate against the CAs in FILE\n"
	"      --proxy URL          HTTP proxy, e.g. http://proxy.example.com:3128\n"
	"      --json               print the result as JSON\n"
	"      --transport KIND     how to reach AMT: auto (default), apf (/dev/vpro_apf0),\n"
	"                           mei (LME on /dev/mei0) or lms (LMS on 127.0.0.1)\n"
	"  -v, --verbose            log each message exchanged (never its content)\n"
	"  -h, --help               print this help (exit code 5)\n";

struct activate_args {
	const char *url;
	const char *profile;
	const char *dns;
	const char *hostname;
	const char *name;
	const char *ca;
	const char *proxy;
	struct password_sources password;
	enum transport_kind transport;
	bool insecure;
	bool json;
	bool verbose;
};

int check_rps_url(const char *url)
{
	if (!url || !url[0])
		return vp_error(VP_EXIT_MISSING_OR_INCORRECT_URL,
				"The RPS URL is missing. Pass it with -u wss://HOST/activate.");
	if (strncmp(url, "wss://", 6) && strncmp(url, "ws://", 5))
		return vp_error(VP_EXIT_MISSING_OR_INCORRECT_URL,
				"The RPS URL \"%s\" does not start with wss:// (or ws://). Pass it as wss://HOST/activate.",
				url);
	if (!strchr(url, '.') && !strchr(url, ':') && strlen(url) < 7)
		return vp_error(VP_EXIT_MISSING_OR_INCORRECT_URL,
				"The RPS URL \"%s\" has no host. Pass it as wss://HOST/activate.",
				url);
	return 0;
}

static int check_proxy(const char *proxy)
{
	char *host = NULL, *port = NULL;
	CURLU *u;
	int ret = 0;

	if (!proxy)
		return 0;
	u = curl_url();
	if (!u || curl_url_set(u, CURLUPART_URL, proxy, 0) ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) ||
	    curl_url_get(u, CURLUPART_PORT, &port, 0))
		ret = vp_error(VP_EXIT_MISSING_PROXY_ADDRESS_AND_PORT,
			       "The proxy \"%s\" lacks an address or a port. Pass it as http://HOST:PORT.",
			       proxy);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return ret;
}

static int check_args(const struct activate_args *a)
{
	int ret = check_rps_url(a->url);

	if (ret)
		return ret;
	if (!a->profile || !a->profile[0])
		return vp_error(VP_EXIT_MISSING_OR_INCORRECT_PROFILE,
				"The profile is missing. Pass the RPS profile name with --profile NAME.");
	if (strpbrk(a->profile, " \t\r\n"))
		return vp_error(VP_EXIT_MISSING_OR_INCORRECT_PROFILE,
				"The profile \"%s\" contains white space, which RPS cannot parse. Use the profile's name as stored in RPS.",
				a->profile);
	if (a->insecure && a->ca)
		return vp_error(VP_EXIT_INVALID_PARAMETER_COMBINATION,
				"-n turns certificate checks off, so --ca %s has no effect. Use one of them.",
				a->ca);
	if (a->ca && access(a->ca, R_OK) < 0)
		return vp_error(VP_EXIT_INVALID_USER_INPUT,
				"--ca %s: the file is not readable. Give a PEM file with the RPS CA certificate.",
				a->ca);
	return check_proxy(a->proxy);
}

/*
 * Reports an option given without its value, with rpc-go's exit code for
 * it: -u 20, --profile 21, -d 24, --hostname 25, --proxy 26, any other 28.
 */
static int missing_value(char **argv, int opt)
{
	const char *option = argv[optind - 1];

	switch (opt) {
	case 'u':
		return vp_error(VP_EXIT_MISSING_OR_INCORRECT_URL,
				"%s needs the RPS URL, e.g. %s wss://HOST/activate.",
				option, option);
	case 'p':
		return vp_error(VP_EXIT_MISSING_OR_INCORRECT_PROFILE,
				"%s needs the name of an RPS profile.", option);
	case 'd':
		return vp_error(VP_EXIT_MISSING_DNS_SUFFIX,
				"%s needs a DNS suffix, e.g. %s corp.example.com; leave it out to use AMT's or the OS's suffix.",
				option, option);
	case 'H':
		return vp_error(VP_EXIT_MISSING_HOSTNAME,
				"%s needs a host name; leave it out to send this machine's.",
				option);
	case 'X':
		return vp_error(VP_EXIT_MISSING_PROXY_ADDRESS_AND_PORT,
				"%s needs the proxy as http://HOST:PORT.", option);
	default:
		return option_error("activate", ':', argv);
	}
}

static int parse_args(int argc, char **argv, struct activate_args *a)
{
	static const struct option options[] = {
		{ "url", required_argument, NULL, 'u' },
		{ "profile", required_argument, NULL, 'p' },
		{ "dns", required_argument, NULL, 'd' },
		{ "hostname", required_argument, NULL, 'H' },
		{ "name", required_argument, NULL, 'N' },
		{ "password", required_argument, NULL, 'P' },
		{ "password-file", required_argument, NULL, 'F' },
		{ "skipcertcheck", no_argument, NULL, 'n' },
		{ "ca", required_argument, NULL, 'C' },
		{ "proxy", required_argument, NULL, 'X' },
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
	while ((opt = getopt_long(argc, argv, "+:u:d:nvh", options, NULL)) != -1) {
		switch (opt) {
		case 'u': a->url = optarg; break;
		case 'p': a->profile = optarg; break;
		case 'd': a->dns = optarg; break;
		case 'H': a->hostname = optarg; break;
		case 'N': a->name = optarg; break;
		case 'P': a->password.flag = optarg; break;
		case 'F': a->password.file = optarg; break;
		case 'n': a->insecure = true; break;
		case 'C': a->ca = optarg; break;
		case 'X': a->proxy = optarg; break;
		case 'j':
			a->json = true;
			vp_json_errors(true);
			break;
		case 'T':
			if (transport_option("activate", optarg, &a->transport))
				return VP_EXIT_INCORRECT_COMMAND_LINE_PARAMETERS;
			break;
		case 'v': a->verbose = true; break;
		case 'h':
			fputs(activate_usage, stdout);
			return VP_EXIT_HELP_REQUESTED;
		case ':':
			return missing_value(argv, optopt);
		default:
			return option_error("activate", opt, argv);
		}
	}
	return check_no_operands("activate", argc, argv);
}

static enum vpro_activation_status failure_status(int code)
{
	return code == VP_EXIT_AMT_NOT_DETECTED ? VPRO_ACTIVATION_UNSUPPORTED :
						  VPRO_ACTIVATION_FAILED;
}

/* Reads AMT and builds the request; returns 0 or the exit code. */
static int prepare_request(const struct activate_args *a, const char *password,
			   char **request, char *reason, size_t reason_size)
{
	char hostname[256], suffix_os[256];
	struct amt_snapshot *snap;
	struct rps_activation in;
	char why[512];
	int ret;

	snap = calloc(1, sizeof(*snap));
	if (!snap)
		return vp_error(VP_EXIT_GENERIC_FAILURE, "Out of memory.");
	ret = amt_read_snapshot_when_ready(AMT_QUERY_ACCOUNT | AMT_QUERY_HASHES,
					   snap);
	if (ret) {
		snprintf(reason, reason_size, "%s", vp_exit_name(ret));
		free(snap);
		return ret;
	}

	os_hostname(hostname, sizeof(hostname));
	os_dns_suffix(suffix_os, sizeof(suffix_os));
	in = (struct rps_activation) {
		.amt = snap,
		.profile = a->profile,
		.fqdn = a->dns ? a->dns :
			snap->dns_suffix[0] ? snap->dns_suffix : suffix_os,
		.hostname = a->hostname ? a->hostname : hostname,
		.dns_suffix_os = suffix_os,
		.amt_password = password,
		.friendly_name = a->name,
	};
	ret = rps_build_activation(&in, request, why, sizeof(why));
	amt_snapshot_wipe(snap);
	free(snap);
	if (ret) {
		snprintf(reason, reason_size, "%.200s", why);
		return vp_error(ret, "Cannot build the activation request: %s.",
				why);
	}
	return 0;
}

int cmd_activate(int argc, char **argv)
{
	char password[PASSWORD_MAX_LEN + 1];
	struct rps_session_options session;
	struct transport transport;
	struct activate_args args;
	char reason[256] = "";
	char *request = NULL;
	int ret;

	ret = parse_args(argc, argv, &args);
	if (ret == 0)
		ret = check_args(&args);
	if (ret == 0)
		ret = password_load(&args.password, password);
	if (ret)
		return ret;

	status_report(VPRO_ACTIVATION_IN_PROGRESS, NULL);
	ret = prepare_request(&args, password, &request, reason, sizeof(reason));
	password_wipe(password, sizeof(password));
	if (ret) {
		status_report(failure_status(ret), reason);
		return ret;
	}

	session = (struct rps_session_options) {
		.ws = {
			.url = args.url,
			.ca_file = args.ca,
			.proxy = args.proxy,
			.insecure = args.insecure,
			.connect_timeout_ms = CONNECT_TIMEOUT_MS,
			.verbose = args.verbose,
		},
		.transport = &transport,
		.message_timeout_ms = MESSAGE_TIMEOUT_MS,
		.amt_timeout_ms = AMT_TIMEOUT_MS,
		.json = args.json,
		.verbose = args.verbose,
	};
	transport_init(&transport, args.transport, args.verbose);
	/* NOTE: wslay frees its copy of the queued request without wiping it. */
	ret = rps_session_run(&session, request, reason, sizeof(reason));
	transport_cleanup(&transport);
	explicit_bzero(request, strlen(request));
	free(request);

	if (ret == VP_EXIT_SUCCESS)
		status_report(VPRO_ACTIVATION_PROVISIONED, NULL);
	else
		status_report(VPRO_ACTIVATION_FAILED, reason);
	status_refresh();
	return ret;
}
