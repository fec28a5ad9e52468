/* SPDX-License-Identifier: MIT */
/*
 * SOAP 1.2 envelopes of the two WS-Man calls of a local CCM activation,
 * AMT_GeneralSettings Get and IPS_HostBasedSetupService Setup, and the
 * extraction of values from AMT's replies.
 */
#ifndef VPROCTL_WSMAN_MESSAGE_H
#define VPROCTL_WSMAN_MESSAGE_H

#include <stddef.h>

#define WSMAN_URI_GENERAL_SETTINGS \
	"http://intel.com/wbem/wscim/1/amt-schema/1/AMT_GeneralSettings"
#define WSMAN_URI_HOST_SETUP \
	"http://intel.com/wbem/wscim/1/ips-schema/1/IPS_HostBasedSetupService"

/*
 * NetAdminPassEncryptionType 2 (AdminPassEncryptionTypeHTTPDigestMD5A1 in
 * go-wsman-messages): the password field is the hex MD5 of the digest A1.
 */
#define WSMAN_PASS_ENCRYPTION_DIGEST_MD5	2

/* Returns the malloc'ed Get request for AMT_GeneralSettings, or NULL. */
char *wsman_general_settings_get(unsigned int message_id);

/*
 * Returns the malloc'ed Setup request carrying @admin_digest (32 hex
 * digits, see wsman_admin_digest()), or NULL when out of memory or when
 * @admin_digest is not 32 hex digits.
 */
char *wsman_host_setup(unsigned int message_id, const char *admin_digest);

/*
 * Computes the NetworkAdminPassword of Setup: the lower-case hex MD5 of
 * "admin:" @realm ":" @password. Returns 0 or -1.
 */
int wsman_admin_digest(const char *realm, const char *password,
		       char out[33]);

/*
 * Copies the trimmed text of the first element with local name @name,
 * whatever its namespace prefix. Returns 0, or -1 when the element is
 * missing, empty-tag only, or its text does not fit @size bytes.
 */
int wsman_element_text(const char *xml, const char *name, char *out,
		       size_t size);

/*
 * Reads the ReturnValue of a Setup response. Returns 0 with @value set,
 * or -1 when the body has no numeric ReturnValue.
 */
int wsman_return_value(const char *xml, unsigned long *value);

#endif /* VPROCTL_WSMAN_MESSAGE_H */
