// SPDX-License-Identifier: MIT
/*
 * Instance store of the firmware model's WS-Man endpoint and the generic
 * operations on it: WS-Transfer Get, Put and Delete, WS-Enumeration
 * Enumerate and Pull, and invoked methods, which each class's family
 * file implements. Setup resets the store to what a freshly activated
 * AMT holds.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fwsim.h"
#include "wsman.h"
#include "wsman_internal.h"

#define WSMAN_MAX_CLASSES	32
#define WSMAN_MAX_CONTEXTS	8
/* Maximum length of a property value a Put may set; AMT's own limits are smaller. */
#define WSMAN_VALUE_MAX		4096

#define ACTION_GET		NS_TRANSFER "/Get"
#define ACTION_PUT		NS_TRANSFER "/Put"
#define ACTION_DELETE		NS_TRANSFER "/Delete"
#define ACTION_ENUMERATE	NS_ENUMERATION "/Enumerate"
#define ACTION_PULL		NS_ENUMERATION "/Pull"

struct wsman_class_store {
	const struct wsman_class *cls;
	struct wsman_instance instances[WSMAN_MAX_INSTANCES];
	unsigned int count;
};

/* An open enumeration: Enumerate creates it, Pull consumes it. */
struct wsman_context {
	bool used;
	unsigned int id;
	const struct wsman_class *cls;
};

static struct wsman_class_store wsman_classes[WSMAN_MAX_CLASSES];
static unsigned int wsman_class_count;
static struct wsman_context wsman_contexts[WSMAN_MAX_CONTEXTS];
static unsigned int wsman_next_context;
static bool wsman_store_ready;

static const struct wsman_class *const wsman_families[] = {
	wsman_network_classes,
	wsman_tls_classes,
	wsman_redirection_classes,
	wsman_cira_classes,
};

static void wsman_instance_clear(struct wsman_instance *inst)
{
	unsigned int i;

	for (i = 0; i < inst->count; i++)
		free(inst->properties[i].value);
	memset(inst, 0, sizeof(*inst));
}

int wsman_store_reset(void)
{
	unsigned int i, j;
	size_t f;

	for (i = 0; i < wsman_class_count; i++)
		for (j = 0; j < wsman_classes[i].count; j++)
			wsman_instance_clear(&wsman_classes[i].instances[j]);
	memset(wsman_classes, 0, sizeof(wsman_classes));
	memset(wsman_contexts, 0, sizeof(wsman_contexts));
	wsman_class_count = 0;

	for (f = 0; f < sizeof(wsman_families) / sizeof(wsman_families[0]); f++) {
		const struct wsman_class *cls;

		for (cls = wsman_families[f]; cls->name; cls++) {
			if (wsman_class_count == WSMAN_MAX_CLASSES) {
				fw_log("wsman: more than %d classes, raise WSMAN_MAX_CLASSES",
				       WSMAN_MAX_CLASSES);
				return -1;
			}
			wsman_classes[wsman_class_count++].cls = cls;
		}
	}
	wsman_store_ready = true;
	for (i = 0; i < wsman_class_count; i++) {
		const struct wsman_class *cls = wsman_classes[i].cls;

		if (cls->add_defaults && cls->add_defaults(cls))
			return -1;
	}
	return 0;
}

static struct wsman_class_store *wsman_store_of(const struct wsman_class *cls)
{
	unsigned int i;

	for (i = 0; i < wsman_class_count; i++)
		if (wsman_classes[i].cls == cls)
			return &wsman_classes[i];
	return NULL;
}

const struct wsman_class *wsman_store_find_class(const char *uri)
{
	unsigned int i;

	if (!wsman_store_ready && wsman_store_reset())
		return NULL;
	for (i = 0; i < wsman_class_count; i++)
		if (!strcmp(wsman_classes[i].cls->uri, uri))
			return wsman_classes[i].cls;
	return NULL;
}

struct wsman_instance *wsman_store_add(const struct wsman_class *cls)
{
	struct wsman_class_store *store = wsman_store_of(cls);

	if (!store || store->count == WSMAN_MAX_INSTANCES)
		return NULL;
	return &store->instances[store->count++];
}

int wsman_store_add_pairs(const struct wsman_class *cls,
			  const char *const *pairs)
{
	struct wsman_instance *inst = wsman_store_add(cls);

	if (!inst)
		return -1;
	for (; pairs[0] && pairs[1]; pairs += 2)
		if (wsman_instance_set(inst, pairs[0], pairs[1]))
			return -1;
	return 0;
}

struct wsman_instance *wsman_store_instance(const struct wsman_class *cls,
					   unsigned int index)
{
	struct wsman_class_store *store = wsman_store_of(cls);

	if (!store || index >= store->count)
		return NULL;
	return &store->instances[index];
}

static void wsman_store_remove(const struct wsman_class *cls,
			       struct wsman_instance *inst)
{
	struct wsman_class_store *store = wsman_store_of(cls);
	unsigned int index = (unsigned int)(inst - store->instances);

	wsman_instance_clear(inst);
	memmove(&store->instances[index], &store->instances[index + 1],
		(store->count - index - 1) * sizeof(*inst));
	store->count--;
	memset(&store->instances[store->count], 0, sizeof(*inst));
}

int wsman_instance_set(struct wsman_instance *inst, const char *name,
		       const char *value)
{
	struct wsman_property *prop = NULL;
	unsigned int i;
	char *copy;

	for (i = 0; i < inst->count; i++)
		if (!strcmp(inst->properties[i].name, name))
			prop = &inst->properties[i];
	if (!prop) {
		if (inst->count == WSMAN_MAX_PROPERTIES ||
		    strlen(name) >= sizeof(prop->name))
			return -1;
		prop = &inst->properties[inst->count++];
		strcpy(prop->name, name);
	}
	copy = strdup(value);
	if (!copy)
		return -1;
	free(prop->value);
	prop->value = copy;
	return 0;
}

int wsman_instance_setf(struct wsman_instance *inst, const char *name,
			const char *fmt, ...)
{
	char value[WSMAN_VALUE_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(value, sizeof(value), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(value))
		return -1;
	return wsman_instance_set(inst, name, value);
}

const char *wsman_instance_get(const struct wsman_instance *inst,
			       const char *name)
{
	unsigned int i;

	for (i = 0; i < inst->count; i++)
		if (!strcmp(inst->properties[i].name, name))
			return inst->properties[i].value;
	return NULL;
}

const char *wsman_body_start(const char *xml)
{
	const char *p = xml;

	while ((p = strstr(p, "Body"))) {
		if (p > xml && (p[-1] == '<' || p[-1] == ':') &&
		    (p[4] == '>' || p[4] == ' '))
			return p + 4;
		p += 4;
	}
	return xml;
}

/*
 * Copies the first selector of a SelectorSet: <w:Selector Name="N">V<.
 * Returns 0, or -1 when the request has none or it does not fit.
 * NOTE: a request with several selectors is matched on the first only.
 */
static int wsman_first_selector(const char *xml, char *name, size_t name_size,
				char *value, size_t value_size)
{
	const char *p = strstr(xml, "Selector Name=\"");
	const char *end;
	size_t n;

	if (!p)
		return -1;
	p += strlen("Selector Name=\"");
	end = strchr(p, '"');
	if (!end || (size_t)(end - p) >= name_size)
		return -1;
	n = (size_t)(end - p);
	memcpy(name, p, n);
	name[n] = '\0';
	p = strchr(end, '>');
	end = p ? strchr(p, '<') : NULL;
	if (!end || (size_t)(end - p - 1) >= value_size)
		return -1;
	n = (size_t)(end - p - 1);
	memcpy(value, p + 1, n);
	value[n] = '\0';
	return 0;
}

/*
 * Finds the instance a Get, Put or Delete names: the one whose property
 * matches the selector, or the only instance when there is no selector.
 */
static struct wsman_instance *wsman_select(const struct wsman_class *cls,
					   const char *body, const char **why)
{
	struct wsman_class_store *store = wsman_store_of(cls);
	char name[64];
	char value[256];
	unsigned int i;

	if (wsman_first_selector(body, name, sizeof(name), value,
				 sizeof(value))) {
		if (store->count == 1)
			return &store->instances[0];
		*why = store->count ? "The class has several instances; add a selector." :
				      "The class has no instance.";
		return NULL;
	}
	for (i = 0; i < store->count; i++) {
		const char *v = wsman_instance_get(&store->instances[i], name);

		if (v && !strcmp(v, value))
			return &store->instances[i];
	}
	*why = "No instance matches the selector.";
	return NULL;
}

static int wsman_append_instance(struct http_buf *xml,
				 const struct wsman_class *cls,
				 const struct wsman_instance *inst)
{
	unsigned int i;
	int rc;

	rc = http_buf_printf(xml, "<g:%s>", cls->name);
	for (i = 0; !rc && i < inst->count; i++)
		rc = http_buf_printf(xml, "<g:%s>%s</g:%s>",
				     inst->properties[i].name,
				     inst->properties[i].value,
				     inst->properties[i].name);
	return rc ? rc : http_buf_printf(xml, "</g:%s>", cls->name);
}

/* Sends a response whose body is @inner, or one instance when NULL. */
static int wsman_reply(struct http_buf *out, const struct wsman_call *call,
		       const struct wsman_class *cls, const char *action,
		       const struct wsman_instance *inst, const char *inner)
{
	struct http_buf xml = { 0 };
	char response_action[300];
	int rc;

	snprintf(response_action, sizeof(response_action), "%sResponse", action);
	rc = wsman_begin_envelope(&xml, call, response_action, cls->uri);
	if (!rc && inst)
		rc = wsman_append_instance(&xml, cls, inst);
	if (!rc && inner)
		rc = http_buf_printf(&xml, "%s", inner);
	rc = rc ? rc : wsman_end_envelope(&xml);
	rc = rc ? rc : wsman_send_soap(out, 200, &xml, call->close);
	http_buf_free(&xml);
	return rc;
}

/* Sets each property of @inst that the Put body carries. */
static int wsman_put(const struct wsman_class *cls, const struct wsman_call *call,
		     const char *body, struct http_buf *out)
{
	const char *why = "";
	struct wsman_instance *inst = wsman_select(cls, body, &why);
	const char *payload = wsman_body_start(body);
	static char value[WSMAN_VALUE_MAX];
	unsigned int i;

	if (!inst)
		return wsman_send_fault(out, call, "c:InvalidSelectors", why);
	if (!strstr(payload, cls->name))
		return wsman_send_fault(out, call, "c:InvalidRepresentation",
			"The Put body does not contain the class element.");
	for (i = 0; i < inst->count; i++) {
		struct wsman_property *prop = &inst->properties[i];

		if (wsman_element_text(payload, prop->name, value, sizeof(value)))
			continue;
		if (wsman_instance_set(inst, prop->name, value))
			return -1;
		fw_log("wsman: Put %s.%s = %s", cls->name, prop->name, value);
	}
	return wsman_reply(out, call, cls, ACTION_PUT, inst, NULL);
}

static int wsman_enumerate(const struct wsman_class *cls,
			   const struct wsman_call *call, struct http_buf *out)
{
	struct wsman_context *ctx = NULL;
	char inner[160];
	unsigned int i;

	for (i = 0; i < WSMAN_MAX_CONTEXTS && !ctx; i++)
		if (!wsman_contexts[i].used)
			ctx = &wsman_contexts[i];
	if (!ctx) {
		/* AMT also limits open enumerations; the oldest one goes. */
		ctx = &wsman_contexts[wsman_next_context % WSMAN_MAX_CONTEXTS];
		fw_log("wsman: dropping enumeration context %08X, too many open",
		       ctx->id);
	}
	ctx->used = true;
	ctx->cls = cls;
	ctx->id = ++wsman_next_context;
	snprintf(inner, sizeof(inner),
		 "<h:EnumerateResponse><h:EnumerationContext>%08X-0000-0000-0000-000000000000"
		 "</h:EnumerationContext></h:EnumerateResponse>", ctx->id);
	return wsman_reply(out, call, cls, ACTION_ENUMERATE, NULL, inner);
}

static int wsman_pull(const struct wsman_class *cls,
		      const struct wsman_call *call, const char *body,
		      struct http_buf *out)
{
	struct wsman_class_store *store = wsman_store_of(cls);
	struct wsman_context *ctx = NULL;
	struct http_buf items = { 0 };
	char text[64];
	unsigned int id;
	unsigned int i;
	int rc;

	if (!wsman_element_text(wsman_body_start(body), "EnumerationContext",
				text, sizeof(text)) &&
	    sscanf(text, "%8X-", &id) == 1) {
		for (i = 0; i < WSMAN_MAX_CONTEXTS; i++)
			if (wsman_contexts[i].used && wsman_contexts[i].id == id)
				ctx = &wsman_contexts[i];
	}
	if (!ctx || ctx->cls != cls)
		return wsman_send_fault(out, call, "h:InvalidEnumerationContext",
			"The enumeration context is not valid for this resource.");
	ctx->used = false;

	rc = http_buf_printf(&items, "<h:PullResponse><h:Items>");
	for (i = 0; !rc && i < store->count; i++)
		rc = wsman_append_instance(&items, cls, &store->instances[i]);
	rc = rc ? rc : http_buf_printf(&items,
		"</h:Items><h:EndOfSequence></h:EndOfSequence></h:PullResponse>");
	rc = rc ? rc : wsman_reply(out, call, cls, ACTION_PULL, NULL, items.data);
	http_buf_free(&items);
	return rc;
}

int wsman_request_state_change(const struct wsman_class *cls,
			       const char *body, const unsigned long *allowed,
			       size_t count)
{
	struct wsman_instance *inst = wsman_store_instance(cls, 0);
	unsigned long state;
	char text[16];
	char *end;
	size_t i;

	if (!inst)
		return PT_STATUS_INTERNAL_ERROR;
	if (wsman_element_text(body, "RequestedState", text, sizeof(text))) {
		fw_log("wsman: %s.RequestStateChange rejected, RequestedState is missing",
		       cls->name);
		return PT_STATUS_INVALID_PARAMETER;
	}
	state = strtoul(text, &end, 10);
	for (i = 0; i < count && *text && !*end; i++) {
		if (state != allowed[i])
			continue;
		if (wsman_instance_set(inst, "EnabledState", text))
			return PT_STATUS_INTERNAL_ERROR;
		fw_log("wsman: %s EnabledState is now %lu", cls->name, state);
		return PT_STATUS_SUCCESS;
	}
	fw_log("wsman: %s.RequestStateChange rejected, RequestedState '%s' is not supported",
	       cls->name, text);
	return PT_STATUS_INVALID_PARAMETER;
}

static int wsman_invoke(const struct wsman_class *cls,
			const struct wsman_call *call, const char *body,
			struct http_buf *out)
{
	const char *method = call->action + strlen(cls->uri) + 1;
	struct http_buf output = { 0 };
	struct http_buf inner = { 0 };
	int ret;
	int rc;

	ret = cls->invoke ? cls->invoke(cls, method, wsman_body_start(body),
					&output) : -1;
	if (ret < 0) {
		http_buf_free(&output);
		return wsman_send_fault(out, call, "b:ActionNotSupported",
			"The action is not supported by the service.");
	}
	fw_log("wsman: %s.%s returned %d", cls->name, method, ret);
	rc = http_buf_printf(&inner, "<g:%s_OUTPUT>%s<g:ReturnValue>%d</g:ReturnValue></g:%s_OUTPUT>",
			     method, output.data ? output.data : "", ret, method);
	rc = rc ? rc : wsman_reply(out, call, cls, call->action, NULL, inner.data);
	http_buf_free(&output);
	http_buf_free(&inner);
	return rc;
}

int wsman_store_dispatch(const struct wsman_class *cls,
			 const struct wsman_call *call, const char *body,
			 struct http_buf *out)
{
	size_t uri_len = strlen(cls->uri);
	const char *why = "";
	struct wsman_instance *inst;

	if (!strcmp(call->action, ACTION_GET) && (cls->operations & WSMAN_OP_GET)) {
		inst = wsman_select(cls, body, &why);
		if (!inst)
			return wsman_send_fault(out, call, "c:InvalidSelectors", why);
		return wsman_reply(out, call, cls, ACTION_GET, inst, NULL);
	}
	if (!strcmp(call->action, ACTION_PUT) && (cls->operations & WSMAN_OP_PUT))
		return wsman_put(cls, call, body, out);
	if (!strcmp(call->action, ACTION_DELETE) &&
	    (cls->operations & WSMAN_OP_DELETE)) {
		inst = wsman_select(cls, body, &why);
		if (!inst)
			return wsman_send_fault(out, call, "c:InvalidSelectors", why);
		wsman_store_remove(cls, inst);
		fw_log("wsman: deleted an instance of %s", cls->name);
		return wsman_reply(out, call, cls, ACTION_DELETE, NULL, NULL);
	}
	if (cls->operations & WSMAN_OP_ENUMERATE) {
		if (!strcmp(call->action, ACTION_ENUMERATE))
			return wsman_enumerate(cls, call, out);
		if (!strcmp(call->action, ACTION_PULL))
			return wsman_pull(cls, call, body, out);
	}
	if (!strncmp(call->action, cls->uri, uri_len) &&
	    call->action[uri_len] == '/' && call->action[uri_len + 1] &&
	    !strchr(call->action + uri_len + 1, '/'))
		return wsman_invoke(cls, call, body, out);
	return wsman_send_fault(out, call, "b:ActionNotSupported",
		"The action is not supported by the service.");
}
