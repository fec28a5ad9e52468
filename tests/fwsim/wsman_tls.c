// SPDX-License-Identifier: MIT
/*
 * TLS and certificate classes of the firmware model's WS-Man endpoint.
 * A freshly activated AMT has TLS off on both listeners, no credential
 * context, no key pair and no certificate. AddTrustedRootCertificate
 * stores a root certificate, as RPS does before adding a CIRA server.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "fwsim.h"
#include "wsman.h"
#include "wsman_internal.h"

/* Largest CertificateBlob accepted: base64 of a 3 KiB DER certificate. */
#define TLS_BLOB_MAX	4097

enum tls_class_index {
	TLS_SETTING_DATA,
	TLS_CREDENTIAL_CONTEXT,
	TLS_PUBLIC_KEY_CERTIFICATE,
	TLS_KEY_PAIR,
	TLS_KEY_MANAGEMENT,
};

static unsigned int tls_next_handle;

static int tls_setting_defaults(const struct wsman_class *cls)
{
	static const char *const remote[] = {
		"AcceptNonSecureConnections", "true",
		"ElementName", "Intel(r) AMT 802.3 TLS Settings",
		"Enabled", "false",
		"InstanceID", "Intel(r) AMT 802.3 TLS Settings",
		"MutualAuthentication", "false",
		NULL,
	};
	static const char *const local[] = {
		"AcceptNonSecureConnections", "true",
		"ElementName", "Intel(r) AMT LMS TLS Settings",
		"Enabled", "false",
		"InstanceID", "Intel(r) AMT LMS TLS Settings",
		"MutualAuthentication", "false",
		NULL,
	};

	tls_next_handle = 0;
	if (wsman_store_add_pairs(cls, remote))
		return -1;
	return wsman_store_add_pairs(cls, local);
}

/* True when @blob is non-empty base64 (padding only at the end). */
static bool tls_is_base64(const char *blob)
{
	size_t len = strlen(blob);
	size_t i;

	if (len == 0 || len % 4)
		return false;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)blob[i];

		if (c == '=' && i >= len - 2)
			continue;
		if (!isalnum(c) && c != '+' && c != '/')
			return false;
	}
	return !(blob[len - 2] == '=' && blob[len - 1] != '=');
}

static int tls_add_trusted_root(const char *body, struct http_buf *output)
{
	const struct wsman_class *cert_cls =
		&wsman_tls_classes[TLS_PUBLIC_KEY_CERTIFICATE];
	static char blob[TLS_BLOB_MAX];
	struct wsman_instance *inst;
	char id[64];

	if (wsman_element_text(body, "CertificateBlob", blob, sizeof(blob))) {
		fw_log("wsman: AddTrustedRootCertificate rejected, CertificateBlob is missing or longer than %d characters",
		       TLS_BLOB_MAX - 1);
		return PT_STATUS_INVALID_PARAMETER;
	}
	if (!tls_is_base64(blob)) {
		fw_log("wsman: AddTrustedRootCertificate rejected, CertificateBlob is not base64");
		return PT_STATUS_INVALID_PARAMETER;
	}
	inst = wsman_store_add(cert_cls);
	if (!inst) {
		fw_log("wsman: AddTrustedRootCertificate rejected, the certificate store is full");
		return PT_STATUS_MAX_LIMIT_REACHED;
	}
	snprintf(id, sizeof(id), "Intel(r) AMT Certificate: Handle: %u",
		 tls_next_handle++);
	if (wsman_instance_set(inst, "ElementName", "Intel(r) AMT Certificate") ||
	    wsman_instance_set(inst, "InstanceID", id) ||
	    wsman_instance_set(inst, "IsNull", "false") ||
	    /* AMT's schema spells this property without the second 'i'. */
	    wsman_instance_set(inst, "TrustedRootCertficate", "true") ||
	    wsman_instance_set(inst, "X509Certificate", blob))
		return PT_STATUS_INTERNAL_ERROR;

	if (http_buf_printf(output,
		"<g:CreatedCertificate><b:Address>" NS_ADDRESSING "/role/anonymous</b:Address>"
		"<b:ReferenceParameters><c:ResourceURI>%s</c:ResourceURI>"
		"<c:SelectorSet><c:Selector Name=\"InstanceID\">%s</c:Selector>"
		"</c:SelectorSet></b:ReferenceParameters></g:CreatedCertificate>",
		cert_cls->uri, id))
		return PT_STATUS_INTERNAL_ERROR;
	return PT_STATUS_SUCCESS;
}

static int tls_key_management_invoke(const struct wsman_class *cls,
				     const char *method, const char *body,
				     struct http_buf *output)
{
	(void)cls;
	if (!strcmp(method, "AddTrustedRootCertificate"))
		return tls_add_trusted_root(body, output);
	return -1;
}

const struct wsman_class wsman_tls_classes[] = {
	[TLS_SETTING_DATA] = {
		.name = "AMT_TLSSettingData",
		.uri = NS_AMT "AMT_TLSSettingData",
		.operations = WSMAN_OP_GET | WSMAN_OP_PUT | WSMAN_OP_ENUMERATE,
		.add_defaults = tls_setting_defaults,
	},
	[TLS_CREDENTIAL_CONTEXT] = {
		.name = "AMT_TLSCredentialContext",
		.uri = NS_AMT "AMT_TLSCredentialContext",
		.operations = WSMAN_OP_ENUMERATE | WSMAN_OP_DELETE,
	},
	[TLS_PUBLIC_KEY_CERTIFICATE] = {
		.name = "AMT_PublicKeyCertificate",
		.uri = NS_AMT "AMT_PublicKeyCertificate",
		.operations = WSMAN_OP_GET | WSMAN_OP_ENUMERATE | WSMAN_OP_DELETE,
	},
	[TLS_KEY_PAIR] = {
		.name = "AMT_PublicPrivateKeyPair",
		.uri = NS_AMT "AMT_PublicPrivateKeyPair",
		.operations = WSMAN_OP_GET | WSMAN_OP_ENUMERATE | WSMAN_OP_DELETE,
	},
	[TLS_KEY_MANAGEMENT] = {
		.name = "AMT_PublicKeyManagementService",
		.uri = NS_AMT "AMT_PublicKeyManagementService",
		.operations = 0,
		.invoke = tls_key_management_invoke,
	},
	{ 0 },
};
