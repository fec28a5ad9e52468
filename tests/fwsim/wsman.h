/* SPDX-License-Identifier: MIT */
/*
 * The firmware model's WS-Man endpoint (AMT port 16992): digest auth,
 * AMT_GeneralSettings Get, IPS_HostBasedSetupService Setup, and the
 * configuration classes RPS uses after Setup.
 */
#ifndef FWSIM_WSMAN_H
#define FWSIM_WSMAN_H

#include <stdbool.h>
#include <stddef.h>

#include "http.h"

/*
 * Handles one complete request and appends the whole HTTP response to
 * @out, or nothing when the setup-reply=drop fault drops it. Sets
 * *close_after when the connection must close after the response.
 * Returns 0, or -1 when out of memory.
 */
int wsman_handle(const struct http_request *req, struct http_buf *out,
		 bool *close_after);

/*
 * Copies the text of the first element named @name (any namespace prefix)
 * in @xml to @text, trimmed. Returns 0, or -1 when the element is missing
 * or its text does not fit @size.
 */
int wsman_element_text(const char *xml, const char *name, char *text,
		       size_t size);

#endif /* FWSIM_WSMAN_H */
