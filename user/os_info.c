// SPDX-License-Identifier: MIT
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "os_info.h"

void os_hostname(char *out, size_t size)
{
	if (gethostname(out, size) < 0)
		out[0] = '\0';
	out[size - 1] = '\0';
}

void os_dns_suffix(char *out, size_t size)
{
	char line[512], name[256];
	FILE *f;

	out[0] = '\0';
	f = fopen("/etc/resolv.conf", "re");
	if (f) {
		while (fgets(line, sizeof(line), f)) {
			char value[256];

			if ((sscanf(line, "search %255s", value) == 1 ||
			     sscanf(line, "domain %255s", value) == 1) &&
			    strcmp(value, ".") != 0) {
				snprintf(out, size, "%s", value);
				break;
			}
		}
		fclose(f);
	}
	if (out[0])
		return;

	os_hostname(name, sizeof(name));
	if (strchr(name, '.'))
		snprintf(out, size, "%s", strchr(name, '.') + 1);
}

void os_ip_for_mac(const uint8_t mac[6], char *out, size_t size)
{
	char ifname[IF_NAMESIZE] = "";
	struct ifaddrs *list, *ifa;

	out[0] = '\0';
	if (getifaddrs(&list) < 0)
		return;

	for (ifa = list; ifa; ifa = ifa->ifa_next) {
		const struct sockaddr_ll *ll = (const void *)ifa->ifa_addr;

		if (ifa->ifa_addr && ifa->ifa_addr->sa_family == AF_PACKET &&
		    ll->sll_halen == 6 && memcmp(ll->sll_addr, mac, 6) == 0) {
			snprintf(ifname, sizeof(ifname), "%s", ifa->ifa_name);
			break;
		}
	}
	for (ifa = list; ifname[0] && ifa; ifa = ifa->ifa_next) {
		const struct sockaddr_in *in = (const void *)ifa->ifa_addr;

		if (ifa->ifa_addr && ifa->ifa_addr->sa_family == AF_INET &&
		    strcmp(ifa->ifa_name, ifname) == 0) {
			inet_ntop(AF_INET, &in->sin_addr, out, (socklen_t)size);
			break;
		}
	}
	freeifaddrs(list);
}
