/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * APF (AMT Port Forwarding) message codec. APF runs over the LME MEI
 * client, one APF message per MEI message. Integers are big-endian and a
 * string is a u32 length followed by that many bytes, with no NUL.
 *
 * Encoders return the message size or -EMSGSIZE. apf_decode() returns 0 or
 * -EPROTO for a malformed or truncated message; it never reads past @len
 * and points string fields into the input buffer.
 */
#ifndef VPRO_APF_CODEC_H
#define VPRO_APF_CODEC_H

#include "codec_types.h"

#define APF_DISCONNECT			1
#define APF_SERVICE_REQUEST		5
#define APF_SERVICE_ACCEPT		6
#define APF_USERAUTH_REQUEST		50
#define APF_USERAUTH_FAILURE		51
#define APF_USERAUTH_SUCCESS		52
#define APF_GLOBAL_REQUEST		80
#define APF_REQUEST_SUCCESS		81
#define APF_REQUEST_FAILURE		82
#define APF_CHANNEL_OPEN		90
#define APF_CHANNEL_OPEN_CONFIRMATION	91
#define APF_CHANNEL_OPEN_FAILURE	92
#define APF_CHANNEL_WINDOW_ADJUST	93
#define APF_CHANNEL_DATA		94
#define APF_CHANNEL_CLOSE		97
#define APF_PROTOCOL_VERSION		192
#define APF_KEEPALIVE_REQUEST		208
#define APF_KEEPALIVE_REPLY		209
#define APF_KEEPALIVE_OPTIONS_REQUEST	210
#define APF_KEEPALIVE_OPTIONS_REPLY	211

/* CHANNEL_OPEN_FAILURE reason codes */
#define APF_OPEN_FAILURE_PROHIBITED		1
#define APF_OPEN_FAILURE_CONNECT_FAILED		2
#define APF_OPEN_FAILURE_UNKNOWN_TYPE		3
#define APF_OPEN_FAILURE_RESOURCE_SHORTAGE	4

/* DISCONNECT reason codes used here (they mirror SSH's) */
#define APF_DISCONNECT_PROTOCOL_ERROR		2
#define APF_DISCONNECT_SERVICE_NOT_AVAILABLE	7
#define APF_DISCONNECT_VERSION_NOT_SUPPORTED	8
#define APF_DISCONNECT_BY_APPLICATION		11

#define APF_SERVICE_PFWD	"pfwd@amt.intel.com"
#define APF_SERVICE_AUTH	"auth@amt.intel.com"
#define APF_GLOBAL_TCPIP_FORWARD	"tcpip-forward"
#define APF_GLOBAL_CANCEL_TCPIP_FORWARD	"cancel-tcpip-forward"
#define APF_CHANNEL_FORWARDED	"forwarded-tcpip"
#define APF_CHANNEL_DIRECT	"direct-tcpip"

#define APF_PROTOCOL_VERSION_LEN	93
#define APF_CHANNEL_DATA_HEADER_LEN	9	/* type, recipient, length */
#define APF_MAX_STRING_LEN		2048

struct apf_string {
	const uint8_t *data;	/* points into the decoded buffer */
	uint32_t len;
};

/* One decoded APF message; only the member for @type is valid. */
struct apf_msg {
	uint8_t type;
	union {
		struct { uint32_t reason; } disconnect;
		struct { struct apf_string name; } service;	/* 5, 6 */
		struct {
			struct apf_string name;
			uint8_t want_reply;
			struct apf_string address;	/* tcpip-forward only */
			uint32_t port;			/* tcpip-forward only */
		} global_request;
		struct { uint32_t port; bool has_port; } request_success;
		struct {
			struct apf_string type;
			uint32_t sender;
			uint32_t window;
			uint32_t max_packet;
			struct apf_string connected_address;
			uint32_t connected_port;
			struct apf_string originator_address;
			uint32_t originator_port;
		} channel_open;
		struct {
			uint32_t recipient;
			uint32_t sender;
			uint32_t window;
		} open_confirmation;
		struct { uint32_t recipient; uint32_t reason; } open_failure;
		struct { uint32_t recipient; uint32_t bytes; } window_adjust;
		struct {
			uint32_t recipient;
			const uint8_t *data;	/* points into the decoded buffer */
			uint32_t len;
		} channel_data;
		struct { uint32_t recipient; } channel_close;
		struct {
			uint32_t major;
			uint32_t minor;
			uint32_t trigger;
			uint8_t uuid[16];
		} protocol_version;
		struct { uint32_t cookie; } keepalive;
		struct { uint32_t interval; uint32_t timeout; } keepalive_options;
	};
};

int apf_decode(const uint8_t *buf, size_t len, struct apf_msg *msg);

int apf_encode_disconnect(uint8_t *buf, size_t size, uint32_t reason);
int apf_encode_service(uint8_t *buf, size_t size, uint8_t type,
		       const char *name);
int apf_encode_protocol_version(uint8_t *buf, size_t size, uint32_t major,
				uint32_t minor, uint32_t trigger,
				const uint8_t uuid[16]);
int apf_encode_request_success(uint8_t *buf, size_t size, bool with_port,
			       uint32_t port);
int apf_encode_request_failure(uint8_t *buf, size_t size);
int apf_encode_channel_open(uint8_t *buf, size_t size, uint32_t sender,
			    uint32_t window, const char *connected_address,
			    uint32_t connected_port,
			    const char *originator_address,
			    uint32_t originator_port);
int apf_encode_open_failure(uint8_t *buf, size_t size, uint32_t recipient,
			    uint32_t reason);
int apf_encode_window_adjust(uint8_t *buf, size_t size, uint32_t recipient,
			     uint32_t bytes);
/* Writes the 9-byte CHANNEL_DATA header; the caller appends @len bytes. */
int apf_encode_channel_data_header(uint8_t *buf, size_t size,
				   uint32_t recipient, uint32_t len);
int apf_encode_channel_close(uint8_t *buf, size_t size, uint32_t recipient);
int apf_encode_keepalive_reply(uint8_t *buf, size_t size, uint32_t cookie);
int apf_encode_keepalive_options_reply(uint8_t *buf, size_t size,
				       uint32_t interval, uint32_t timeout);

#endif /* VPRO_APF_CODEC_H */
