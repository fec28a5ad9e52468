// SPDX-License-Identifier: MIT
/*
 * SOAP writer of the firmware model's WS-Man endpoint. Responses copy the
 * shape of an AMT 15 reply recorded in RPS's tests: SOAP 1.2 with the
 * prefixes a: to g:, chunked in pieces of 0x2FA bytes.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "fwsim.h"
#include "wsman_internal.h"

#define ACTION_FAULT	NS_ADDRESSING "/fault"
#define ANONYMOUS	NS_ADDRESSING "/role/anonymous"

#define SERVER_HEADER "Server: Intel(R) Active Management Technology 16.1.25\r\n"

/* The chunk size of that recorded AMT 15 reply. */
#define WSMAN_CHUNK_MAX 0x2FA

static unsigned int wsman_message_counter;

int wsman_append_escaped(struct http_buf *out, const char *s)
{
	int rc = 0;

	for (; *s && !rc; s++) {
		switch (*s) {
		case '&': rc = http_buf_printf(out, "&amp;"); break;
		case '<': rc = http_buf_printf(out, "&lt;"); break;
		case '>': rc = http_buf_printf(out, "&gt;"); break;
		case '"': rc = http_buf_printf(out, "&quot;"); break;
		case '\'': rc = http_buf_printf(out, "&apos;"); break;
		default: rc = http_buf_append(out, s, 1); break;
		}
	}
	return rc;
}

int wsman_begin_envelope(struct http_buf *xml, const struct wsman_call *call,
			 const char *action, const char *resource_uri)
{
	int rc;

	rc = http_buf_printf(xml,
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
		"<a:Envelope xmlns:a=\"http://www.w3.org/2003/05/soap-envelope\""
		" xmlns:b=\"" NS_ADDRESSING "\""
		" xmlns:c=\"http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd\""
		" xmlns:d=\"http://schemas.xmlsoap.org/ws/2005/02/trust\""
		" xmlns:e=\"http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd\""
		" xmlns:f=\"http://schemas.dmtf.org/wbem/wsman/1/cimbinding.xsd\""
		"%s%s%s"
		" xmlns:h=\"" NS_ENUMERATION "\""
		" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">"
		"<a:Header><b:To>" ANONYMOUS "</b:To><b:RelatesTo>",
		resource_uri ? " xmlns:g=\"" : "",
		resource_uri ? resource_uri : "",
		resource_uri ? "\"" : "");
	rc = rc ? rc : wsman_append_escaped(xml, call->message_id);
	rc = rc ? rc : http_buf_printf(xml,
		"</b:RelatesTo><b:Action a:mustUnderstand=\"true\">%s</b:Action>"
		"<b:MessageID>uuid:00000000-8086-8086-8086-%012X</b:MessageID>",
		action, ++wsman_message_counter);
	if (!rc && resource_uri)
		rc = http_buf_printf(xml, "<c:ResourceURI>%s</c:ResourceURI>",
				     resource_uri);
	return rc ? rc : http_buf_printf(xml, "</a:Header><a:Body>");
}

int wsman_end_envelope(struct http_buf *xml)
{
	return http_buf_printf(xml, "</a:Body></a:Envelope>");
}

static void wsman_format_date(char *date, size_t size)
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(date, size, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

int wsman_send_soap(struct http_buf *out, int status,
		    const struct http_buf *xml, bool close)
{
	char date[64];
	size_t off;
	int rc;

	wsman_format_date(date, sizeof(date));
	rc = http_buf_printf(out,
		"HTTP/1.1 %d %s\r\n"
		"Date: %s\r\n"
		SERVER_HEADER
		"X-Frame-Options: DENY\r\n"
		"Content-Type: application/soap+xml; charset=UTF-8\r\n"
		"Transfer-Encoding: chunked\r\n"
		"%s"
		"\r\n",
		status, http_reason(status), date,
		close ? "Connection: close\r\n" : "");

	for (off = 0; !rc && off < xml->len; off += WSMAN_CHUNK_MAX) {
		size_t n = xml->len - off;

		if (n > WSMAN_CHUNK_MAX)
			n = WSMAN_CHUNK_MAX;
		rc = http_buf_printf(out, "%04zX\r\n", n);
		rc = rc ? rc : http_buf_append(out, xml->data + off, n);
		rc = rc ? rc : http_buf_printf(out, "\r\n");
	}
	return rc ? rc : http_buf_printf(out, "0\r\n\r\n");
}

/* NOTE: the HTTP status real AMT uses for these faults is not verified. */
int wsman_send_fault(struct http_buf *out, const struct wsman_call *call,
		     const char *subcode, const char *reason)
{
	struct http_buf xml = { 0 };
	int rc;

	fw_log("wsman: fault %s for action '%s' on '%s'", subcode,
	       call->action, call->resource_uri);
	rc = wsman_begin_envelope(&xml, call, ACTION_FAULT, NULL);
	rc = rc ? rc : http_buf_printf(&xml,
		"<a:Fault><a:Code><a:Value>a:Sender</a:Value>"
		"<a:Subcode><a:Value>%s</a:Value></a:Subcode></a:Code>"
		"<a:Reason><a:Text xml:lang=\"en-US\">%s</a:Text></a:Reason>"
		"<a:Detail></a:Detail></a:Fault>",
		subcode, reason);
	rc = rc ? rc : wsman_end_envelope(&xml);
	rc = rc ? rc : wsman_send_soap(out, 400, &xml, call->close);
	http_buf_free(&xml);
	return rc;
}
