// SPDX-License-Identifier: MIT
/* vproctl info: the report of rpc-go's amtinfo, with its labels and keys. */
#include <arpa/inet.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "amthi_query.h"
#include "commands.h"
#include "exit_codes.h"
#include "os_info.h"

/* rpc-go pads each label with tabs to column 24 (8-column tab stops). */
#define INFO_VALUE_COLUMN	24

static const char info_usage[] =
	"Usage: vproctl info [--json] [--cert]\n"
	"\n"
	"Prints what AMT reports over AMTHI, in the format of rpc-go's amtinfo.\n"
	"\n"
	"  --json    print one JSON object instead of \"Label : value\" lines\n"
	"  --cert    add the certificate hashes stored in the firmware\n"
	"  -h, --help  print this help (exit code 5)\n";

struct info_text {
	char hostname[256];
	char dns_suffix_os[256];
};

static const char *control_mode_text(uint32_t mode)
{
	switch (mode) {
	case 0:
		return "pre-provisioning state";
	case 1:
		return "activated in client control mode";
	case 2:
		return "activated in admin control mode";
	default:
		return "unknown state";
	}
}

static const char *ras_network_text(uint32_t v)
{
	static const char *const names[] = { "direct", "vpn", "outside enterprise" };

	return v < 3 ? names[v] : "unknown";
}

static const char *ras_status_text(uint32_t v)
{
	static const char *const names[] = { "not connected", "connecting", "connected" };

	return v < 3 ? names[v] : "unknown";
}

static const char *ras_trigger_text(uint32_t v)
{
	static const char *const names[] = {
		"user initiated", "alert", "periodic", "provisioning",
	};

	return v < 4 ? names[v] : "unknown";
}

static const char *dhcp_mode_text(uint8_t mode)
{
	switch (mode) {
	case 1:
		return "passive";
	case 2:
		return "active";
	default:
		return "unknown";
	}
}

static const char *hash_algorithm_text(uint8_t algorithm)
{
	switch (algorithm) {
	case 0:
		return "MD5";
	case 1:
		return "SHA1";
	case 2:
		return "SHA256";
	case 3:
		return "SHA384";
	case 5:
		return "SHA512";
	default:
		return "unknown";
	}
}

static void format_hash(const struct amthi_cert_hash *h, char *out)
{
	size_t n = amthi_hash_len(h->algorithm);
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", h->hash[i]);
	out[2 * n] = '\0';
}

static void print_field(const char *label, const char *value)
{
	size_t column = strlen(label);

	fputs(label, stdout);
	do {
		putchar('\t');
		column = (column / 8 + 1) * 8;
	} while (column < INFO_VALUE_COLUMN);
	printf(": %s\n", value);
}

static bool mac_is_zero(const uint8_t mac[6])
{
	static const uint8_t zero[6];

	return memcmp(mac, zero, 6) == 0;
}

struct adapter_text {
	char amt_ip[INET_ADDRSTRLEN];
	char os_ip[INET_ADDRSTRLEN];
	char mac[18];
};

static void format_adapter(const struct amthi_lan_settings *lan,
			   struct adapter_text *t)
{
	struct in_addr addr = { .s_addr = htonl(lan->ipv4) };

	inet_ntop(AF_INET, &addr, t->amt_ip, sizeof(t->amt_ip));
	snprintf(t->mac, sizeof(t->mac), "%02x:%02x:%02x:%02x:%02x:%02x",
		 lan->mac[0], lan->mac[1], lan->mac[2], lan->mac[3],
		 lan->mac[4], lan->mac[5]);
	os_ip_for_mac(lan->mac, t->os_ip, sizeof(t->os_ip));
}

static void print_adapter(const char *title,
			  const struct amthi_lan_settings *lan)
{
	struct adapter_text t;

	format_adapter(lan, &t);
	printf("%s\n", title);
	print_field("DHCP Enabled", lan->dhcp_enabled ? "true" : "false");
	print_field("DHCP Mode", dhcp_mode_text(lan->dhcp_mode));
	print_field("Link Status", lan->link_up ? "up" : "down");
	print_field("AMT IP Address", t.amt_ip);
	print_field("OS IP Address", t.os_ip);
	print_field("MAC Address", t.mac);
}

static void print_hashes(const struct amt_snapshot *s)
{
	uint32_t i;

	printf("%s\n", s->hash_count ? "---Certificate Hashes---" :
				       "---No Certificate Hashes Found---");
	for (i = 0; i < s->hash_count; i++) {
		const struct amthi_cert_hash *h = &s->hashes[i];
		char hex[2 * AMTHI_HASH_MAX_LEN + 1];

		format_hash(h, hex);
		printf("%s", h->name);
		if (h->is_default && h->is_active)
			printf("  (Default, Active)");
		else if (h->is_default)
			printf("  (Default)");
		else if (h->is_active)
			printf("  (Active)");
		printf("\n   %s: %s\n", hash_algorithm_text(h->algorithm), hex);
	}
}

static void print_text(const struct amt_snapshot *s,
		       const struct info_text *os, bool certs)
{
	print_field("Version", s->versions.amt);
	print_field("Build Number", s->versions.build_number);
	print_field("SKU", s->versions.sku_text);
	print_field("Features", s->features);
	print_field("UUID", s->uuid_ok ? s->uuid : "");
	print_field("Control Mode", s->control_mode_ok ?
		    control_mode_text(s->control_mode) : "");
	print_field("DNS Suffix", s->dns_suffix);
	print_field("DNS Suffix (OS)", os->dns_suffix_os);
	print_field("Hostname (OS)", os->hostname);
	if (s->ras_ok) {
		print_field("RAS Network", ras_network_text(s->ras.network));
		print_field("RAS Remote Status",
			    ras_status_text(s->ras.remote_status));
		print_field("RAS Trigger", ras_trigger_text(s->ras.trigger));
		print_field("RAS MPS Hostname", s->ras.mps_hostname);
	}
	if (s->wired_ok && !mac_is_zero(s->wired.mac))
		print_adapter("---Wired Adapter---", &s->wired);
	if (s->wireless_ok)
		print_adapter("---Wireless Adapter---", &s->wireless);
	if (certs)
		print_hashes(s);
}

static json_t *adapter_json(const struct amthi_lan_settings *lan)
{
	struct adapter_text t;

	format_adapter(lan, &t);
	return json_pack("{s:b, s:s, s:b, s:s, s:s, s:s, s:s}",
			 "isEnable", lan->enabled != 0,
			 "linkStatus", lan->link_up ? "up" : "down",
			 "dhcpEnabled", lan->dhcp_enabled != 0,
			 "dhcpMode", dhcp_mode_text(lan->dhcp_mode),
			 "ipAddress", t.amt_ip,
			 "osIpAddress", t.os_ip,
			 "macAddress", t.mac);
}

static json_t *hashes_json(const struct amt_snapshot *s)
{
	json_t *map = json_object();
	uint32_t i;

	for (i = 0; map && i < s->hash_count; i++) {
		const struct amthi_cert_hash *h = &s->hashes[i];
		char hex[2 * AMTHI_HASH_MAX_LEN + 1];

		format_hash(h, hex);
		json_object_set_new(map, h->name,
				    json_pack("{s:s, s:s, s:s, s:b, s:b}",
					      "Hash", hex, "Name", h->name,
					      "Algorithm", hash_algorithm_text(h->algorithm),
					      "IsActive", h->is_active != 0,
					      "IsDefault", h->is_default != 0));
	}
	return map;
}

static int print_json(const struct amt_snapshot *s,
		      const struct info_text *os, bool certs)
{
	json_t *root;
	char *text;

	root = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
			 "amt", s->versions.amt,
			 "buildNumber", s->versions.build_number,
			 "sku", s->versions.sku_text,
			 "features", s->features,
			 "uuid", s->uuid_ok ? s->uuid : "",
			 "controlMode", s->control_mode_ok ?
					control_mode_text(s->control_mode) : "",
			 "dnsSuffix", s->dns_suffix,
			 "dnsSuffixOS", os->dns_suffix_os,
			 "hostnameOS", os->hostname);
	if (!root)
		return vp_error(VP_EXIT_GENERIC_FAILURE,
				"Building the JSON report failed: a value is not valid UTF-8.");
	if (s->ras_ok)
		json_object_set_new(root, "ras",
				    json_pack("{s:s, s:s, s:s, s:s}",
					      "networkStatus", ras_network_text(s->ras.network),
					      "remoteStatus", ras_status_text(s->ras.remote_status),
					      "remoteTrigger", ras_trigger_text(s->ras.trigger),
					      "mpsHostname", s->ras.mps_hostname));
	if (s->wired_ok)
		json_object_set_new(root, "wiredAdapter", adapter_json(&s->wired));
	if (s->wireless_ok)
		json_object_set_new(root, "wirelessAdapter",
				    adapter_json(&s->wireless));
	if (certs)
		json_object_set_new(root, "certificateHashes", hashes_json(s));

	text = json_dumps(root, JSON_INDENT(2));
	json_decref(root);
	if (!text)
		return vp_error(VP_EXIT_GENERIC_FAILURE, "Writing the JSON report failed: out of memory.");
	printf("%s\n", text);
	free(text);
	return VP_EXIT_SUCCESS;
}

int cmd_info(int argc, char **argv)
{
	static const struct option options[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "cert", no_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool json = false, certs = false;
	struct amt_snapshot snap;
	struct info_text os;
	unsigned int groups;
	int opt, ret;

	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "+h", options, NULL)) != -1) {
		switch (opt) {
		case 'j':
			json = true;
			vp_json_errors(true);
			break;
		case 'c':
			certs = true;
			break;
		case 'h':
			fputs(info_usage, stdout);
			return VP_EXIT_HELP_REQUESTED;
		default:
			return option_error("info", opt, argv);
		}
	}
	if (check_no_operands("info", argc, argv))
		return VP_EXIT_INCORRECT_COMMAND_LINE_PARAMETERS;

	groups = AMT_QUERY_RAS | AMT_QUERY_LAN | (certs ? AMT_QUERY_HASHES : 0);
	ret = amt_read_snapshot(groups, &snap);
	if (ret)
		return ret;

	os_hostname(os.hostname, sizeof(os.hostname));
	os_dns_suffix(os.dns_suffix_os, sizeof(os.dns_suffix_os));
	if (json)
		return print_json(&snap, &os, certs);
	print_text(&snap, &os, certs);
	return VP_EXIT_SUCCESS;
}
