// SPDX-License-Identifier: MIT
/*
 * CIRA classes of the firmware model's WS-Man endpoint: management
 * presence servers (MPS), the remote access policy rules that decide when
 * AMT connects to them, and the user-initiated connection switch. A
 * freshly activated AMT has no MPS, no rule, and user-initiated
 * connections off.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fwsim.h"
#include "wsman.h"
#include "wsman_internal.h"

enum cira_class_index {
	CIRA_REMOTE_ACCESS,
	CIRA_MPS,
	CIRA_POLICY_RULE,
	CIRA_USER_INITIATED,
};

/* AMT_UserInitiatedConnectionService.EnabledState: 32768 off, +1 BIOS, +2 OS. */
static const unsigned long user_initiated_states[] = { 32768, 32769, 32770, 32771 };

static unsigned int cira_next_server;

/* Reads element @name as an unsigned number in [min, max]. */
static int cira_number(const char *body, const char *name, unsigned long min,
		       unsigned long max, unsigned long *value)
{
	char text[16];
	char *end;

	if (wsman_element_text(body, name, text, sizeof(text)) || !*text)
		return -1;
	*value = strtoul(text, &end, 10);
	if (*end || *value < min || *value > max)
		return -1;
	return 0;
}

static int cira_reject(const char *method, const char *why)
{
	fw_log("wsman: %s rejected, %s", method, why);
	return PT_STATUS_INVALID_PARAMETER;
}

static int cira_append_reference(struct http_buf *output, const char *element,
				 const struct wsman_class *cls,
				 const char *key, const char *value)
{
	return http_buf_printf(output,
		"<g:%s><b:Address>" NS_ADDRESSING "/role/anonymous</b:Address>"
		"<b:ReferenceParameters><c:ResourceURI>%s</c:ResourceURI>"
		"<c:SelectorSet><c:Selector Name=\"%s\">%s</c:Selector>"
		"</c:SelectorSet></b:ReferenceParameters></g:%s>",
		element, cls->uri, key, value, element);
}

static int cira_add_mp_server(const char *body, struct http_buf *output)
{
	const struct wsman_class *mps_cls = &wsman_cira_classes[CIRA_MPS];
	unsigned long format, port, auth;
	char access_info[256];
	char common_name[256];
	char username[64];
	struct wsman_instance *inst;
	char name[64];

	if (wsman_element_text(body, "AccessInfo", access_info,
			       sizeof(access_info)) || !*access_info)
		return cira_reject("AddMpServer", "AccessInfo is missing or longer than 255 characters");
	/* InfoFormat: 3 IPv4 address, 4 IPv6 address, 201 FQDN. */
	if (cira_number(body, "InfoFormat", 3, 201, &format) ||
	    (format != 3 && format != 4 && format != 201))
		return cira_reject("AddMpServer", "InfoFormat must be 3, 4 or 201");
	if (cira_number(body, "Port", 1, 65535, &port))
		return cira_reject("AddMpServer", "Port must be 1 to 65535");
	/* AuthMethod: 1 mutual TLS, 2 username and password. */
	if (cira_number(body, "AuthMethod", 1, 2, &auth))
		return cira_reject("AddMpServer", "AuthMethod must be 1 or 2");
	if (wsman_element_text(body, "Username", username, sizeof(username)))
		username[0] = '\0';
	if (auth == 2 && !*username)
		return cira_reject("AddMpServer", "AuthMethod 2 needs a Username");
	if (wsman_element_text(body, "CN", common_name, sizeof(common_name)))
		common_name[0] = '\0';

	inst = wsman_store_add(mps_cls);
	if (!inst) {
		fw_log("wsman: AddMpServer rejected, the MPS list is full");
		return PT_STATUS_MAX_LIMIT_REACHED;
	}
	snprintf(name, sizeof(name), "Intel(r) AMT:Management Presence Server %u",
		 cira_next_server++);
	/* The MPS password is write-only on AMT, so the store drops it. */
	if (wsman_instance_set(inst, "AccessInfo", access_info) ||
	    wsman_instance_set(inst, "CN", common_name) ||
	    wsman_instance_set(inst, "CreationClassName", mps_cls->name) ||
	    wsman_instance_set(inst, "ElementName", "Intel(r) AMT:Management Presence Server") ||
	    wsman_instance_setf(inst, "InfoFormat", "%lu", format) ||
	    wsman_instance_set(inst, "Name", name) ||
	    wsman_instance_setf(inst, "Port", "%lu", port) ||
	    wsman_instance_set(inst, "SystemCreationClassName", "CIM_ComputerSystem") ||
	    wsman_instance_set(inst, "SystemName", "Intel(r) AMT"))
		return PT_STATUS_INTERNAL_ERROR;
	fw_log("wsman: AddMpServer added %s port %lu", access_info, port);
	if (cira_append_reference(output, "MpServer", mps_cls, "Name", name))
		return PT_STATUS_INTERNAL_ERROR;
	return PT_STATUS_SUCCESS;
}

/* True when an MPS named in the MpServer reference of @body exists. */
static bool cira_mps_referenced(const char *body)
{
	const struct wsman_class *mps_cls = &wsman_cira_classes[CIRA_MPS];
	const char *p = strstr(body, "MpServer");
	const struct wsman_instance *inst;
	char name[128];
	const char *end;
	unsigned int i;

	p = p ? strstr(p, "Selector Name=\"Name\">") : NULL;
	if (!p)
		return false;
	p += strlen("Selector Name=\"Name\">");
	end = strchr(p, '<');
	if (!end || (size_t)(end - p) >= sizeof(name))
		return false;
	memcpy(name, p, (size_t)(end - p));
	name[end - p] = '\0';
	for (i = 0; (inst = wsman_store_instance(mps_cls, i)); i++) {
		const char *v = wsman_instance_get(inst, "Name");

		if (v && !strcmp(v, name))
			return true;
	}
	return false;
}

static int cira_add_policy_rule(const char *body, struct http_buf *output)
{
	static const char *const rule_names[] = { "User Initiated", "Alert", "Periodic" };
	const struct wsman_class *rule_cls = &wsman_cira_classes[CIRA_POLICY_RULE];
	unsigned long trigger, lifetime;
	struct wsman_instance *inst;
	char extended[256];
	unsigned int i;

	/* Trigger: 0 user initiated, 1 alert, 2 periodic. */
	if (cira_number(body, "Trigger", 0, 2, &trigger))
		return cira_reject("AddRemoteAccessPolicyRule", "Trigger must be 0, 1 or 2");
	if (cira_number(body, "TunnelLifeTime", 0, 4294967295UL, &lifetime))
		return cira_reject("AddRemoteAccessPolicyRule", "TunnelLifeTime is missing or not a number");
	if (wsman_element_text(body, "ExtendedData", extended, sizeof(extended)))
		extended[0] = '\0';
	if (!cira_mps_referenced(body))
		return cira_reject("AddRemoteAccessPolicyRule", "MpServer names no known MPS");
	for (i = 0; (inst = wsman_store_instance(rule_cls, i)); i++) {
		const char *v = wsman_instance_get(inst, "Trigger");

		if (v && strtoul(v, NULL, 10) == trigger)
			return cira_reject("AddRemoteAccessPolicyRule", "a rule with this Trigger exists");
	}

	inst = wsman_store_add(rule_cls);
	if (!inst)
		return PT_STATUS_MAX_LIMIT_REACHED;
	if (wsman_instance_set(inst, "CreationClassName", rule_cls->name) ||
	    wsman_instance_set(inst, "ElementName", rule_names[trigger]) ||
	    wsman_instance_set(inst, "ExtendedData", extended) ||
	    wsman_instance_set(inst, "PolicyRuleName", rule_names[trigger]) ||
	    wsman_instance_set(inst, "SystemCreationClassName", "CIM_ComputerSystem") ||
	    wsman_instance_set(inst, "SystemName", "Intel(r) AMT") ||
	    wsman_instance_setf(inst, "Trigger", "%lu", trigger) ||
	    wsman_instance_setf(inst, "TunnelLifeTime", "%lu", lifetime))
		return PT_STATUS_INTERNAL_ERROR;
	fw_log("wsman: AddRemoteAccessPolicyRule added trigger %lu", trigger);
	if (cira_append_reference(output, "PolicyRule", rule_cls,
				  "PolicyRuleName", rule_names[trigger]))
		return PT_STATUS_INTERNAL_ERROR;
	return PT_STATUS_SUCCESS;
}

static int cira_remote_access_invoke(const struct wsman_class *cls,
				     const char *method, const char *body,
				     struct http_buf *output)
{
	(void)cls;
	if (!strcmp(method, "AddMpServer"))
		return cira_add_mp_server(body, output);
	if (!strcmp(method, "AddRemoteAccessPolicyRule"))
		return cira_add_policy_rule(body, output);
	return -1;
}

static int cira_user_initiated_defaults(const struct wsman_class *cls)
{
	static const char *const service[] = {
		"CreationClassName", "AMT_UserInitiatedConnectionService",
		"ElementName", "Intel(r) AMT User Initiated Connection Service",
		"EnabledState", "32768",
		"Name", "Intel(r) AMT User Initiated Connection Service",
		"SystemCreationClassName", "CIM_ComputerSystem",
		"SystemName", "Intel(r) AMT",
		NULL,
	};

	cira_next_server = 0;
	return wsman_store_add_pairs(cls, service);
}

static int cira_user_initiated_invoke(const struct wsman_class *cls,
				      const char *method, const char *body,
				      struct http_buf *output)
{
	(void)output;
	if (strcmp(method, "RequestStateChange"))
		return -1;
	return wsman_request_state_change(cls, body, user_initiated_states,
		sizeof(user_initiated_states) / sizeof(user_initiated_states[0]));
}

const struct wsman_class wsman_cira_classes[] = {
	[CIRA_REMOTE_ACCESS] = {
		.name = "AMT_RemoteAccessService",
		.uri = NS_AMT "AMT_RemoteAccessService",
		.operations = 0,
		.invoke = cira_remote_access_invoke,
	},
	[CIRA_MPS] = {
		.name = "AMT_ManagementPresenceRemoteSAP",
		.uri = NS_AMT "AMT_ManagementPresenceRemoteSAP",
		.operations = WSMAN_OP_GET | WSMAN_OP_ENUMERATE | WSMAN_OP_DELETE,
	},
	[CIRA_POLICY_RULE] = {
		.name = "AMT_RemoteAccessPolicyRule",
		.uri = NS_AMT "AMT_RemoteAccessPolicyRule",
		.operations = WSMAN_OP_GET | WSMAN_OP_PUT | WSMAN_OP_ENUMERATE |
			      WSMAN_OP_DELETE,
	},
	[CIRA_USER_INITIATED] = {
		.name = "AMT_UserInitiatedConnectionService",
		.uri = NS_AMT "AMT_UserInitiatedConnectionService",
		.operations = WSMAN_OP_GET,
		.add_defaults = cira_user_initiated_defaults,
		.invoke = cira_user_initiated_invoke,
	},
	{ 0 },
};
