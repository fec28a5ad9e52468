// SPDX-License-Identifier: MIT
/*
 * Redirection classes of the firmware model's WS-Man endpoint: IDE-R and
 * serial-over-LAN (AMT_RedirectionService), user consent
 * (IPS_OptInService) and KVM (CIM_KVMRedirectionSAP). After activation
 * all three are off and user consent is required for every session.
 */
#include <string.h>

#include "wsman_internal.h"

/* AMT_RedirectionService.EnabledState: 32768 neither IDE-R nor SOL, +1 IDE-R, +2 SOL. */
static const unsigned long redirection_states[] = { 32768, 32769, 32770, 32771 };
/* CIM_KVMRedirectionSAP.EnabledState: 2 enabled, 3 disabled. */
static const unsigned long kvm_states[] = { 2, 3 };

static int redirection_defaults(const struct wsman_class *cls)
{
	static const char *const service[] = {
		"CreationClassName", "AMT_RedirectionService",
		"ElementName", "Intel(r) AMT Redirection Service",
		"EnabledState", "32768",
		"ListenerEnabled", "false",
		"Name", "Intel(r) AMT Redirection Service",
		"SystemCreationClassName", "CIM_ComputerSystem",
		"SystemName", "Intel(r) AMT",
		NULL,
	};

	return wsman_store_add_pairs(cls, service);
}

static int redirection_invoke(const struct wsman_class *cls,
			      const char *method, const char *body,
			      struct http_buf *output)
{
	(void)output;
	if (strcmp(method, "RequestStateChange"))
		return -1;
	return wsman_request_state_change(cls, body, redirection_states,
		sizeof(redirection_states) / sizeof(redirection_states[0]));
}

static int opt_in_defaults(const struct wsman_class *cls)
{
	/* OptInRequired: 0 none, 1 KVM only, 4294967295 every session. */
	static const char *const service[] = {
		"CanModifyOptInPolicy", "1",
		"CreationClassName", "IPS_OptInService",
		"ElementName", "Intel(r) AMT OptIn Service",
		"Name", "Intel(r) AMT OptIn Service",
		"OptInCodeTimeout", "120",
		"OptInDisplayTimeout", "300",
		"OptInRequired", "4294967295",
		"OptInState", "0",
		"SystemCreationClassName", "CIM_ComputerSystem",
		"SystemName", "Intel(r) AMT",
		NULL,
	};

	return wsman_store_add_pairs(cls, service);
}

static int kvm_defaults(const struct wsman_class *cls)
{
	static const char *const sap[] = {
		"CreationClassName", "CIM_KVMRedirectionSAP",
		"ElementName", "KVM Redirection Service Access Point",
		"EnabledState", "3",
		"Name", "KVM Redirection Service Access Point",
		"RequestedState", "5",
		"SystemCreationClassName", "CIM_ComputerSystem",
		NULL,
	};

	return wsman_store_add_pairs(cls, sap);
}

static int kvm_invoke(const struct wsman_class *cls, const char *method,
		      const char *body, struct http_buf *output)
{
	(void)output;
	if (strcmp(method, "RequestStateChange"))
		return -1;
	return wsman_request_state_change(cls, body, kvm_states,
		sizeof(kvm_states) / sizeof(kvm_states[0]));
}

const struct wsman_class wsman_redirection_classes[] = {
	{
		.name = "AMT_RedirectionService",
		.uri = NS_AMT "AMT_RedirectionService",
		.operations = WSMAN_OP_GET | WSMAN_OP_PUT,
		.add_defaults = redirection_defaults,
		.invoke = redirection_invoke,
	},
	{
		.name = "IPS_OptInService",
		.uri = NS_IPS "IPS_OptInService",
		.operations = WSMAN_OP_GET | WSMAN_OP_PUT,
		.add_defaults = opt_in_defaults,
	},
	{
		.name = "CIM_KVMRedirectionSAP",
		.uri = NS_CIM "CIM_KVMRedirectionSAP",
		.operations = WSMAN_OP_GET,
		.add_defaults = kvm_defaults,
		.invoke = kvm_invoke,
	},
	{ 0 },
};
