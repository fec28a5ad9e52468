// SPDX-License-Identifier: MIT
/*
 * Network classes of the firmware model's WS-Man endpoint: the wired and
 * wireless port settings, 802.1x, WiFi endpoints, HTTP proxies and
 * environment detection. A freshly activated AMT has no WiFi profile, no
 * proxy and 802.1x off.
 */
#include <string.h>

#include "wsman_internal.h"

/* The MAC addresses AMTHI's GetLanInterfaceSettings reports (amthi.c). */
#define WIRED_MAC	"02-00-86-00-00-01"
#define WIRELESS_MAC	"02-00-86-00-00-02"

static int network_port_defaults(const struct wsman_class *cls)
{
	static const char *const wired[] = {
		"DHCPEnabled", "true",
		"DefaultGateway", "",
		"ElementName", "Intel(r) AMT Ethernet Port Settings",
		"InstanceID", "Intel(r) AMT Ethernet Port Settings 0",
		"IpSyncEnabled", "false",
		"LinkIsUp", "true",
		"LinkPolicy", "1",
		"MACAddress", WIRED_MAC,
		"PhysicalConnectionType", "0",
		"SharedDynamicIP", "true",
		"SharedMAC", "true",
		"SharedStaticIp", "false",
		NULL,
	};
	static const char *const wireless[] = {
		"DHCPEnabled", "true",
		"ElementName", "Intel(r) AMT Ethernet Port Settings",
		"InstanceID", "Intel(r) AMT Ethernet Port Settings 1",
		"LinkIsUp", "false",
		"LinkPolicy", "1",
		"MACAddress", WIRELESS_MAC,
		"PhysicalConnectionType", "3",
		"SharedMAC", "true",
		NULL,
	};

	if (wsman_store_add_pairs(cls, wired))
		return -1;
	return wsman_store_add_pairs(cls, wireless);
}

static int network_8021x_defaults(const struct wsman_class *cls)
{
	static const char *const profile[] = {
		"ElementName", "Intel(r) AMT 8021X Profile",
		"Enabled", "false",
		"InstanceID", "Intel(r) AMT 8021X Profile 0",
		"ActiveInS0", "true",
		NULL,
	};

	return wsman_store_add_pairs(cls, profile);
}

static int network_environment_defaults(const struct wsman_class *cls)
{
	static const char *const settings[] = {
		"DetectionAlgorithm", "0",
		"ElementName", "Intel(r) AMT Environment Detection Settings",
		"InstanceID", "Intel(r) AMT Environment Detection Settings",
		"DetectionStrings", "",
		NULL,
	};

	return wsman_store_add_pairs(cls, settings);
}

const struct wsman_class wsman_network_classes[] = {
	{
		.name = "AMT_EthernetPortSettings",
		.uri = NS_AMT "AMT_EthernetPortSettings",
		.operations = WSMAN_OP_GET | WSMAN_OP_PUT | WSMAN_OP_ENUMERATE,
		.add_defaults = network_port_defaults,
	},
	{
		.name = "AMT_8021XProfile",
		.uri = NS_AMT "AMT_8021XProfile",
		.operations = WSMAN_OP_GET | WSMAN_OP_PUT,
		.add_defaults = network_8021x_defaults,
	},
	{
		.name = "CIM_IEEE8021xSettings",
		.uri = NS_CIM "CIM_IEEE8021xSettings",
		.operations = WSMAN_OP_GET | WSMAN_OP_ENUMERATE | WSMAN_OP_DELETE,
	},
	{
		.name = "CIM_WiFiEndpointSettings",
		.uri = NS_CIM "CIM_WiFiEndpointSettings",
		.operations = WSMAN_OP_GET | WSMAN_OP_ENUMERATE | WSMAN_OP_DELETE,
	},
	{
		.name = "AMT_HTTPProxyAccessPoint",
		.uri = NS_AMT "AMT_HTTPProxyAccessPoint",
		.operations = WSMAN_OP_GET | WSMAN_OP_ENUMERATE | WSMAN_OP_DELETE,
	},
	{
		.name = "AMT_EnvironmentDetectionSettingData",
		.uri = NS_AMT "AMT_EnvironmentDetectionSettingData",
		.operations = WSMAN_OP_GET | WSMAN_OP_PUT,
		.add_defaults = network_environment_defaults,
	},
	{ 0 },
};
