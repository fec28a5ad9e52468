/* SPDX-License-Identifier: MIT */
/*
 * Internals of the firmware model's WS-Man endpoint: the SOAP writer
 * (wsman_soap.c), the instance store with the generic WS-Transfer and
 * WS-Enumeration operations (wsman_store.c), and the class tables of
 * each family (wsman_amt_network.c, wsman_tls.c, wsman_redirection.c,
 * wsman_cira.c).
 */
#ifndef FWSIM_WSMAN_INTERNAL_H
#define FWSIM_WSMAN_INTERNAL_H

#include <stdbool.h>

#include "http.h"

#define NS_ADDRESSING	"http://schemas.xmlsoap.org/ws/2004/08/addressing"
#define NS_TRANSFER	"http://schemas.xmlsoap.org/ws/2004/09/transfer"
#define NS_ENUMERATION	"http://schemas.xmlsoap.org/ws/2004/09/enumeration"
#define NS_AMT		"http://intel.com/wbem/wscim/1/amt-schema/1/"
#define NS_IPS		"http://intel.com/wbem/wscim/1/ips-schema/1/"
#define NS_CIM		"http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/"

/*
 * ReturnValue of AMT's invoked methods (PT_STATUS codes).
 * NOTE: taken from the AMT SDK status list, not from a hardware trace.
 */
#define PT_STATUS_SUCCESS		0
#define PT_STATUS_INTERNAL_ERROR	1
#define PT_STATUS_INVALID_PARAMETER	36
#define PT_STATUS_MAX_LIMIT_REACHED	35

/* The parts of a request's SOAP header that responses refer to. */
struct wsman_call {
	char action[256];
	char resource_uri[256];
	char message_id[128];
	bool close;		/* the connection closes after the response */
};

/* wsman_soap.c */

/*
 * Opens the envelope and writes the header; the caller adds the body.
 * The prefix g: is bound to @resource_uri when it is not NULL, and h:
 * to the WS-Enumeration namespace.
 */
int wsman_begin_envelope(struct http_buf *xml, const struct wsman_call *call,
			 const char *action, const char *resource_uri);
int wsman_end_envelope(struct http_buf *xml);
int wsman_append_escaped(struct http_buf *out, const char *s);

/* Appends status line, headers and @xml as a chunked body to @out. */
int wsman_send_soap(struct http_buf *out, int status,
		    const struct http_buf *xml, bool close);

/*
 * Sends a SOAP fault with HTTP 400. @subcode has its prefix, e.g.
 * "b:DestinationUnreachable" (b: WS-Addressing, c: WS-Management,
 * h: WS-Enumeration).
 */
int wsman_send_fault(struct http_buf *out, const struct wsman_call *call,
		     const char *subcode, const char *reason);

/* wsman_store.c */

#define WSMAN_MAX_INSTANCES	8
#define WSMAN_MAX_PROPERTIES	24

/* One property of an instance; the value is XML text content (escaped). */
struct wsman_property {
	char name[48];
	char *value;
};

struct wsman_instance {
	struct wsman_property properties[WSMAN_MAX_PROPERTIES];
	unsigned int count;
};

/* The operations a class accepts, a bit mask. */
enum wsman_operation {
	WSMAN_OP_GET = 1 << 0,
	WSMAN_OP_PUT = 1 << 1,
	WSMAN_OP_ENUMERATE = 1 << 2,	/* Enumerate and Pull */
	WSMAN_OP_DELETE = 1 << 3,
};

struct wsman_class {
	const char *name;		/* e.g. "AMT_EthernetPortSettings" */
	const char *uri;		/* the full resource URI */
	unsigned int operations;	/* enum wsman_operation bits */
	/* Adds the instances AMT has right after Setup; may be NULL. */
	int (*add_defaults)(const struct wsman_class *cls);
	/*
	 * Runs the invoked method @method with the request @body. Returns
	 * the ReturnValue, and may append more output elements (g: prefix)
	 * to @output. Returns -1 when the class has no such method; may be
	 * NULL when the class has no methods.
	 */
	int (*invoke)(const struct wsman_class *cls, const char *method,
		      const char *body, struct http_buf *output);
};

/* Class tables of each family, each ended by an entry with a NULL name. */
extern const struct wsman_class wsman_network_classes[];
extern const struct wsman_class wsman_tls_classes[];
extern const struct wsman_class wsman_redirection_classes[];
extern const struct wsman_class wsman_cira_classes[];

/* Drops every instance and context, then adds each class's defaults. */
int wsman_store_reset(void);

/* Returns the class with resource URI @uri, or NULL. */
const struct wsman_class *wsman_store_find_class(const char *uri);

/* Appends an empty instance of @cls, or returns NULL when it is full. */
struct wsman_instance *wsman_store_add(const struct wsman_class *cls);

/*
 * Appends an instance of @cls built from @pairs, which alternate
 * property names and values and end with NULL. Returns 0, or -1 when
 * the class is full or out of memory.
 */
int wsman_store_add_pairs(const struct wsman_class *cls,
			  const char *const *pairs);

/* Returns instance @index of @cls, or NULL past the last one. */
struct wsman_instance *wsman_store_instance(const struct wsman_class *cls,
					   unsigned int index);

/*
 * Sets property @name to @value, which is stored as given (XML text
 * content). Returns 0, or -1 when out of memory or out of slots.
 */
int wsman_instance_set(struct wsman_instance *inst, const char *name,
		       const char *value);
/* Like wsman_instance_set() for a value formatted with printf rules. */
int wsman_instance_setf(struct wsman_instance *inst, const char *name,
			const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Returns the value of property @name, or NULL. */
const char *wsman_instance_get(const struct wsman_instance *inst,
			       const char *name);

/*
 * Runs a WS-Transfer, WS-Enumeration or invoked-method call on @cls and
 * appends the whole HTTP response to @out. Returns 0, or -1 when out of
 * memory.
 */
int wsman_store_dispatch(const struct wsman_class *cls,
			 const struct wsman_call *call, const char *body,
			 struct http_buf *out);

/*
 * Runs RequestStateChange on the only instance of @cls: sets its
 * EnabledState to the request's RequestedState when that is one of the
 * @count values in @allowed. Returns the ReturnValue.
 */
int wsman_request_state_change(const struct wsman_class *cls,
			       const char *body, const unsigned long *allowed,
			       size_t count);

/* Returns the start of the SOAP Body in @xml, or @xml when there is none. */
const char *wsman_body_start(const char *xml);

/* wsman_setup.c: AMT_SetupAndConfigurationService (Unprovision only). */

/* Returns true when @resource_uri is AMT_SetupAndConfigurationService's. */
bool wsman_setup_service_matches(const char *resource_uri);

/* Runs a call on AMT_SetupAndConfigurationService; as wsman_store_dispatch(). */
int wsman_setup_service_dispatch(struct http_buf *out,
				 const struct wsman_call *call,
				 const char *body);

#endif /* FWSIM_WSMAN_INTERNAL_H */
