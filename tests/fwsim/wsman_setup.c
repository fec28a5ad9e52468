// SPDX-License-Identifier: MIT
/*
 * AMT_SetupAndConfigurationService.Unprovision, the WS-Man call RPS uses
 * to deactivate a device: it returns AMT to pre-provisioning, clears the
 * admin digest, and the local system account works again. RPS sends
 * ProvisioningMode 1 for client control mode.
 */
#include <stdio.h>
#include <string.h>

#include "fault.h"
#include "fwsim.h"
#include "wsman.h"
#include "wsman_internal.h"

#define URI_SETUP_AND_CONFIGURATION	NS_AMT "AMT_SetupAndConfigurationService"
#define ACTION_UNPROVISION		URI_SETUP_AND_CONFIGURATION "/Unprovision"
#define ACTION_UNPROVISION_RESPONSE	URI_SETUP_AND_CONFIGURATION "/UnprovisionResponse"

/* NOTE: taken from the AMT SDK status list, not from a hardware trace. */
#define PT_STATUS_NOT_PERMITTED		16

bool wsman_setup_service_matches(const char *resource_uri)
{
	return strcmp(resource_uri, URI_SETUP_AND_CONFIGURATION) == 0;
}

/* Runs Unprovision on the firmware state and returns its ReturnValue. */
static int wsman_run_unprovision(const char *body)
{
	char mode[16];

	if (wsman_element_text(body, "ProvisioningMode", mode, sizeof(mode)) ||
	    strcmp(mode, "1")) {
		fw_log("wsman: Unprovision rejected, ProvisioningMode must be 1");
		return PT_STATUS_INVALID_PARAMETER;
	}
	if (fw_state.provisioning_state == 0) {
		fw_log("wsman: Unprovision rejected, AMT is in pre-provisioning");
		return PT_STATUS_NOT_PERMITTED;
	}
	fw_state.provisioning_state = 0;
	fw_state.control_mode = 0;
	memset(fw_state.admin_digest, 0, sizeof(fw_state.admin_digest));
	fw_fault_start_settle();
	fw_log("wsman: Unprovision done, back to pre-provisioning");
	return PT_STATUS_SUCCESS;
}

int wsman_setup_service_dispatch(struct http_buf *out,
				 const struct wsman_call *call,
				 const char *body)
{
	struct http_buf xml = { 0 };
	int ret;
	int rc;

	if (strcmp(call->action, ACTION_UNPROVISION))
		return wsman_send_fault(out, call, "b:ActionNotSupported",
			"The action is not supported by the service.");

	ret = wsman_run_unprovision(wsman_body_start(body));
	rc = wsman_begin_envelope(&xml, call, ACTION_UNPROVISION_RESPONSE,
				  URI_SETUP_AND_CONFIGURATION);
	rc = rc ? rc : http_buf_printf(&xml,
		"<g:Unprovision_OUTPUT><g:ReturnValue>%d</g:ReturnValue></g:Unprovision_OUTPUT>",
		ret);
	rc = rc ? rc : wsman_end_envelope(&xml);
	rc = rc ? rc : wsman_send_soap(out, 200, &xml, call->close);
	http_buf_free(&xml);
	return rc;
}
