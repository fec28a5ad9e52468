// SPDX-License-Identifier: MIT
/*
 * Firmware side of the MEI host bus message (HBM) protocol, version 2.0:
 * start, enumeration, client properties, connect, disconnect and flow
 * control, plus framing of client messages. Message layouts follow
 * struct hbm_* in the Linux MEI core (drivers/misc/mei/hw.h, 6.1/6.12).
 */

#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench_port.h"
#include "fwsim.h"
#include "hbm.h"
#include "../mesim/mesim_uapi.h"

/* HBM commands; bit 7 marks a response. */
#define HBM_HOST_START_REQ	0x01
#define HBM_HOST_START_RES	0x81
#define HBM_HOST_STOP_REQ	0x02
#define HBM_HOST_STOP_RES	0x82
#define HBM_HOST_ENUM_REQ	0x04
#define HBM_HOST_ENUM_RES	0x84
#define HBM_PROPERTIES_REQ	0x05
#define HBM_PROPERTIES_RES	0x85
#define HBM_CONNECT_REQ		0x06
#define HBM_CONNECT_RES		0x86
#define HBM_DISCONNECT_REQ	0x07
#define HBM_DISCONNECT_RES	0x87
#define HBM_FLOW_CONTROL	0x08
#define HBM_NOTIFY_REQ		0x10
#define HBM_NOTIFY_RES		0x90

/* Status codes of connect and properties responses. */
#define HBM_STATUS_SUCCESS		0
#define HBM_STATUS_CLIENT_NOT_FOUND	1
#define HBM_STATUS_ALREADY_EXISTS	2

/* MEI header fields (little endian u32). */
#define HDR_ME_ADDR(h)		((h) & 0xff)
#define HDR_HOST_ADDR(h)	(((h) >> 8) & 0xff)
#define HDR_LENGTH(h)		(((h) >> 16) & 0x1ff)
#define HDR_MSG_COMPLETE	(1u << 31)

#define FLOW_CONTROL_LEN	8
#define PROPERTIES_RES_LEN	28
#define ENUM_RES_LEN		36

struct tx_msg {
	struct tx_msg *next;
	size_t len;
	uint8_t data[];
};

enum conn_state {
	CONN_IDLE,
	CONN_CONNECTED,
	CONN_FW_DISCONNECTING,	/* our disconnect request awaits the host */
};

struct fw_conn {
	const struct fw_client *client;
	uint8_t me_addr;
	uint8_t host_addr;
	enum conn_state state;
	unsigned int host_credits;	/* messages the host can take now */
	uint8_t *rx;			/* host message being reassembled */
	size_t rx_len;
	bool rx_overflow;
	struct tx_msg *tx_head;
	struct tx_msg *tx_tail;
	void *priv;
};

struct out_frame {
	struct out_frame *next;
	size_t len;
	uint8_t data[MESIM_MAX_FRAME];
};

#define MAX_CLIENTS 3

/* sysfs paths of the MEI device mesim.ko registers, and its bus devices. */
#define MESIM_DEV_STATE_GLOB	"/sys/devices/platform/mesim/mei/mei*/dev_state"
#define MEI_BUS_DEVICES		"/sys/bus/mei/devices"
#define READY_WAIT_SECONDS	10

static struct {
	int fd;
	const char *ready_file;
	unsigned int enumerations;
	bool ready_pending;		/* enumeration answered, host not seen ready */
	time_t ready_deadline;
	struct fw_conn conns[MAX_CLIENTS];	/* me_addr = index + 1 */
	unsigned int nconns;
	struct out_frame *out_head;
	struct out_frame *out_tail;
} hbm;

static void queue_frame(uint8_t me_addr, uint8_t host_addr, bool complete,
			const void *payload, size_t len)
{
	struct out_frame *f = calloc(1, sizeof(*f));
	uint32_t hdr;

	if (!f) {
		fw_log("hbm: out of memory, dropping a %zu-byte frame", len);
		return;
	}
	hdr = me_addr | (uint32_t)host_addr << 8 | (uint32_t)len << 16;
	if (complete)
		hdr |= HDR_MSG_COMPLETE;
	f->data[0] = hdr & 0xff;
	f->data[1] = (hdr >> 8) & 0xff;
	f->data[2] = (hdr >> 16) & 0xff;
	f->data[3] = hdr >> 24;
	memcpy(f->data + MESIM_HDR_LEN, payload, len);
	f->len = MESIM_HDR_LEN + len;

	if (hbm.out_tail)
		hbm.out_tail->next = f;
	else
		hbm.out_head = f;
	hbm.out_tail = f;
}

static void send_hbm(const void *msg, size_t len)
{
	queue_frame(0, 0, true, msg, len);
}

static void drop_output(void)
{
	while (hbm.out_head) {
		struct out_frame *f = hbm.out_head;

		hbm.out_head = f->next;
		free(f);
	}
	hbm.out_tail = NULL;
}

int hbm_flush(void)
{
	while (hbm.out_head) {
		struct out_frame *f = hbm.out_head;
		ssize_t n = write(hbm.fd, f->data, f->len);

		if (n < 0) {
			if (errno == EAGAIN)
				return 1;
			if (errno == EINTR)
				continue;
			return -1;
		}
		hbm.out_head = f->next;
		if (!hbm.out_head)
			hbm.out_tail = NULL;
		free(f);
	}
	return 0;
}

bool hbm_output_pending(void)
{
	return hbm.out_head != NULL;
}

int hbm_ready_poll_ms(void)
{
	return hbm.ready_pending ? 20 : -1;
}

static time_t monotonic_seconds(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec;
}

/* The reply to the last enumeration request is queued: wait for the host. */
static void enumeration_answered(void)
{
	hbm.ready_pending = true;
	hbm.ready_deadline = monotonic_seconds() + READY_WAIT_SECONDS;
}

static bool mei_device_enabled(void)
{
	char state[32] = "";
	glob_t g;
	FILE *f;

	if (glob(MESIM_DEV_STATE_GLOB, 0, NULL, &g) != 0)
		return false;
	f = fopen(g.gl_pathv[0], "r");
	globfree(&g);
	if (!f)
		return false;
	if (!fgets(state, sizeof(state), f))
		state[0] = '\0';
	fclose(f);
	return strncmp(state, "ENABLED", 7) == 0;
}

/* Whether the MEI bus lists @client, named "mesim-<uuid>" by the core. */
static bool bus_device_exists(const struct fw_client *client)
{
	const uint8_t *u = client->uuid;
	char path[128];

	snprintf(path, sizeof(path),
		 MEI_BUS_DEVICES "/mesim-%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 u[3], u[2], u[1], u[0], u[5], u[4], u[7], u[6], u[8], u[9],
		 u[10], u[11], u[12], u[13], u[14], u[15]);
	return access(path, F_OK) == 0;
}

static void write_ready_file(void)
{
	char tmp[4096];
	FILE *f;

	hbm.enumerations++;
	fw_log("hbm: enumeration %u finished", hbm.enumerations);
	if (!hbm.ready_file)
		return;

	snprintf(tmp, sizeof(tmp), "%s.tmp", hbm.ready_file);
	f = fopen(tmp, "w");
	if (!f) {
		fw_log("hbm: failed to create ready file %s: %s", tmp,
		       strerror(errno));
		return;
	}
	fprintf(f, "enumerations %u\n", hbm.enumerations);
	if (fclose(f) != 0 || rename(tmp, hbm.ready_file) != 0)
		fw_log("hbm: failed to write ready file %s: %s", hbm.ready_file,
		       strerror(errno));
}

void hbm_check_ready(void)
{
	unsigned int i;

	if (!hbm.ready_pending)
		return;
	if (monotonic_seconds() > hbm.ready_deadline) {
		hbm.ready_pending = false;
		fw_log("hbm: host did not enable the MEI device and its %u bus device(s) within %d s; no ready file",
		       hbm.nconns, READY_WAIT_SECONDS);
		return;
	}
	if (!mei_device_enabled())
		return;
	for (i = 0; i < hbm.nconns; i++)
		if (!bus_device_exists(hbm.conns[i].client))
			return;
	hbm.ready_pending = false;
	write_ready_file();
}

static void flow_control_to_host(struct fw_conn *conn)
{
	uint8_t msg[FLOW_CONTROL_LEN] = {
		HBM_FLOW_CONTROL, conn->me_addr, conn->host_addr,
	};

	send_hbm(msg, sizeof(msg));
}

static void free_tx(struct fw_conn *conn)
{
	unsigned int dropped = 0;

	while (conn->tx_head) {
		struct tx_msg *m = conn->tx_head;

		conn->tx_head = m->next;
		free(m);
		dropped++;
	}
	conn->tx_tail = NULL;
	if (dropped)
		fw_log("hbm: %s: dropped %u unsent message(s) on disconnect",
		       conn->client->name, dropped);
}

/* Sends queued messages while the host has credits, one per message. */
static void pump_tx(struct fw_conn *conn)
{
	while (conn->state == CONN_CONNECTED && conn->tx_head &&
	       conn->host_credits > 0) {
		struct tx_msg *m = conn->tx_head;
		size_t off = 0;

		do {
			size_t chunk = m->len - off;

			if (chunk > MESIM_MAX_PAYLOAD)
				chunk = MESIM_MAX_PAYLOAD;
			queue_frame(conn->me_addr, conn->host_addr,
				    off + chunk == m->len, m->data + off, chunk);
			off += chunk;
		} while (off < m->len);

		conn->host_credits--;
		conn->tx_head = m->next;
		if (!conn->tx_head)
			conn->tx_tail = NULL;
		free(m);
	}
}

/* Resets @conn to idle; calls disconnected() if @notify and it was connected. */
static void end_connection(struct fw_conn *conn, bool notify)
{
	bool was_connected = conn->state == CONN_CONNECTED;

	free_tx(conn);
	conn->state = CONN_IDLE;
	conn->host_addr = 0;
	conn->host_credits = 0;
	conn->rx_len = 0;
	conn->rx_overflow = false;
	if (notify && was_connected && conn->client->disconnected)
		conn->client->disconnected(conn);
	conn->priv = NULL;
}

int fw_send(struct fw_conn *conn, const void *msg, size_t len)
{
	struct tx_msg *m;

	if (!conn || conn->state != CONN_CONNECTED) {
		fw_log("hbm: send of %zu bytes on a closed connection", len);
		return -1;
	}
	if (len > conn->client->max_msg_len) {
		fw_log("hbm: %s: message of %zu bytes exceeds max_msg_len %u",
		       conn->client->name, len, conn->client->max_msg_len);
		return -1;
	}
	m = malloc(sizeof(*m) + len);
	if (!m) {
		fw_log("hbm: %s: out of memory queueing %zu bytes",
		       conn->client->name, len);
		return -1;
	}
	m->next = NULL;
	m->len = len;
	memcpy(m->data, msg, len);
	if (conn->tx_tail)
		conn->tx_tail->next = m;
	else
		conn->tx_head = m;
	conn->tx_tail = m;

	pump_tx(conn);
	return 0;
}

/*
 * Sends what the host has credits for, drops the rest, and sends the host
 * a disconnect request. The client's disconnected() runs before this returns.
 */
void fw_disconnect(struct fw_conn *conn)
{
	uint8_t msg[4];

	if (!conn || conn->state != CONN_CONNECTED)
		return;

	pump_tx(conn);
	msg[0] = HBM_DISCONNECT_REQ;
	msg[1] = conn->me_addr;
	msg[2] = conn->host_addr;
	msg[3] = 0;
	send_hbm(msg, sizeof(msg));
	fw_log("hbm: %s: firmware disconnects host client %u",
	       conn->client->name, conn->host_addr);

	free_tx(conn);
	conn->state = CONN_FW_DISCONNECTING;
	conn->host_credits = 0;
	if (conn->client->disconnected)
		conn->client->disconnected(conn);
	conn->priv = NULL;
}

void *fw_conn_priv(struct fw_conn *conn)
{
	return conn ? conn->priv : NULL;
}

void fw_conn_set_priv(struct fw_conn *conn, void *priv)
{
	if (conn)
		conn->priv = priv;
}

static struct fw_conn *conn_by_me_addr(uint8_t me_addr)
{
	if (me_addr == 0 || me_addr > hbm.nconns)
		return NULL;
	return &hbm.conns[me_addr - 1];
}

static void add_client(const struct fw_client *client)
{
	struct fw_conn *conn = &hbm.conns[hbm.nconns];

	memset(conn, 0, sizeof(*conn));
	conn->client = client;
	conn->me_addr = (uint8_t)(hbm.nconns + 1);
	conn->rx = malloc(client->max_msg_len);
	if (!conn->rx) {
		fw_log("hbm: out of memory for the %s receive buffer",
		       client->name);
		exit(1);
	}
	hbm.nconns++;
}

void hbm_init(int fd, const char *ready_file)
{
	hbm.fd = fd;
	hbm.ready_file = ready_file;
	if (fw_state.sku != FW_SKU_NONE) {
		add_client(&fw_amthi_client);
		add_client(&fw_lme_client);
		if (fw_state.bench_port)
			add_client(&fw_bench_echo_client);
	}
}

void hbm_shutdown(void)
{
	unsigned int i;

	for (i = 0; i < hbm.nconns; i++)
		end_connection(&hbm.conns[i], true);
	drop_output();
}

static void handle_start(const uint8_t *msg, size_t len)
{
	uint8_t res[4] = { HBM_HOST_START_RES };
	uint8_t minor, major;
	unsigned int i;

	if (len < 4) {
		fw_log("hbm: HOST_START of %zu bytes, expected 4", len);
		return;
	}
	minor = msg[2];
	major = msg[3];
	fw_log("hbm: HOST_START, host HBM %u.%u, firmware %u.%u", major, minor,
	       HBM_FW_MAJOR, HBM_FW_MINOR);

	/* A new start ends the previous link: the host reset. */
	hbm.ready_pending = false;
	for (i = 0; i < hbm.nconns; i++)
		end_connection(&hbm.conns[i], true);
	drop_output();

	res[1] = major < HBM_FW_MAJOR ||
		 (major == HBM_FW_MAJOR && minor <= HBM_FW_MINOR);
	res[2] = HBM_FW_MINOR;
	res[3] = HBM_FW_MAJOR;
	send_hbm(res, sizeof(res));
}

static void handle_enum(void)
{
	uint8_t res[ENUM_RES_LEN] = { HBM_HOST_ENUM_RES };
	unsigned int i;

	for (i = 0; i < hbm.nconns; i++) {
		uint8_t addr = hbm.conns[i].me_addr;

		res[4 + addr / 8] |= (uint8_t)(1u << (addr % 8));
	}
	send_hbm(res, sizeof(res));
	if (fw_state.verbose)
		fw_log("hbm: HOST_ENUM: %u client(s)", hbm.nconns);
	if (hbm.nconns == 0)
		enumeration_answered();
}

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
	p[2] = (v >> 16) & 0xff;
	p[3] = v >> 24;
}

static void handle_properties(const uint8_t *msg, size_t len)
{
	uint8_t res[PROPERTIES_RES_LEN] = { HBM_PROPERTIES_RES };
	struct fw_conn *conn;

	if (len < 2) {
		fw_log("hbm: PROPERTIES request of %zu bytes", len);
		return;
	}
	res[1] = msg[1];
	conn = conn_by_me_addr(msg[1]);
	if (!conn) {
		fw_log("hbm: PROPERTIES for unknown client address %u", msg[1]);
		res[2] = HBM_STATUS_CLIENT_NOT_FOUND;
		send_hbm(res, sizeof(res));
		return;
	}

	/* struct mei_client_properties after cmd, me_addr, status, reserved */
	memcpy(res + 4, conn->client->uuid, 16);
	res[20] = conn->client->protocol_version;
	res[21] = conn->client->max_connections;
	res[22] = 0;	/* fixed_address */
	res[23] = 0;	/* single_recv_buf, vt_supported */
	put_le32(res + 24, conn->client->max_msg_len);
	send_hbm(res, sizeof(res));
	if (fw_state.verbose)
		fw_log("hbm: PROPERTIES %u: %s", conn->me_addr,
		       conn->client->name);

	if (conn->me_addr == hbm.nconns)
		enumeration_answered();
}

static void handle_connect(const uint8_t *msg, size_t len)
{
	uint8_t res[4] = { HBM_CONNECT_RES };
	struct fw_conn *conn;

	if (len < 3) {
		fw_log("hbm: CONNECT request of %zu bytes", len);
		return;
	}
	res[1] = msg[1];
	res[2] = msg[2];
	conn = conn_by_me_addr(msg[1]);
	if (!conn || msg[2] == 0) {
		fw_log("hbm: CONNECT to unknown client %u from host client %u",
		       msg[1], msg[2]);
		res[3] = HBM_STATUS_CLIENT_NOT_FOUND;
		send_hbm(res, sizeof(res));
		return;
	}
	if (conn->state != CONN_IDLE) {
		fw_log("hbm: %s: CONNECT from host client %u while busy with %u",
		       conn->client->name, msg[2], conn->host_addr);
		res[3] = HBM_STATUS_ALREADY_EXISTS;
		send_hbm(res, sizeof(res));
		return;
	}

	conn->state = CONN_CONNECTED;
	conn->host_addr = msg[2];
	conn->host_credits = 0;
	conn->rx_len = 0;
	conn->rx_overflow = false;
	conn->priv = NULL;
	res[3] = HBM_STATUS_SUCCESS;
	send_hbm(res, sizeof(res));
	flow_control_to_host(conn);
	fw_log("hbm: %s: connected to host client %u", conn->client->name,
	       conn->host_addr);
	if (conn->client->connected)
		conn->client->connected(conn);
}

static struct fw_conn *conn_by_addrs(const uint8_t *msg)
{
	struct fw_conn *conn = conn_by_me_addr(msg[1]);

	if (!conn || conn->state == CONN_IDLE || conn->host_addr != msg[2])
		return NULL;
	return conn;
}

static void handle_disconnect(const uint8_t *msg, size_t len)
{
	uint8_t res[4] = { HBM_DISCONNECT_RES };
	struct fw_conn *conn;

	if (len < 3) {
		fw_log("hbm: DISCONNECT request of %zu bytes", len);
		return;
	}
	res[1] = msg[1];
	res[2] = msg[2];
	conn = conn_by_addrs(msg);
	if (conn) {
		fw_log("hbm: %s: host client %u disconnects",
		       conn->client->name, conn->host_addr);
		end_connection(conn, true);
	} else {
		fw_log("hbm: DISCONNECT for unconnected pair %u/%u", msg[1],
		       msg[2]);
	}
	send_hbm(res, sizeof(res));
}

/* Handles the host's response to fw_disconnect(). */
static void handle_disconnect_res(const uint8_t *msg, size_t len)
{
	struct fw_conn *conn;

	if (len < 3)
		return;
	conn = conn_by_addrs(msg);
	if (!conn || conn->state != CONN_FW_DISCONNECTING) {
		fw_log("hbm: unexpected DISCONNECT response for %u/%u", msg[1],
		       msg[2]);
		return;
	}
	end_connection(conn, false);
}

static void handle_flow_control(const uint8_t *msg, size_t len)
{
	struct fw_conn *conn;

	if (len < 3) {
		fw_log("hbm: FLOW_CONTROL of %zu bytes", len);
		return;
	}
	conn = conn_by_addrs(msg);
	if (!conn) {
		if (fw_state.verbose)
			fw_log("hbm: FLOW_CONTROL for unconnected pair %u/%u",
			       msg[1], msg[2]);
		return;
	}
	if (conn->state != CONN_CONNECTED)
		return;
	conn->host_credits++;
	pump_tx(conn);
}

/* Notifications are accepted, but the model never raises one. */
static void handle_notify(const uint8_t *msg, size_t len)
{
	uint8_t res[8] = { HBM_NOTIFY_RES };

	if (len < 4) {
		fw_log("hbm: NOTIFY request of %zu bytes", len);
		return;
	}
	res[1] = msg[1];
	res[2] = msg[2];
	res[3] = conn_by_addrs(msg) ? HBM_STATUS_SUCCESS :
				      HBM_STATUS_CLIENT_NOT_FOUND;
	res[4] = msg[3];
	send_hbm(res, sizeof(res));
}

static void handle_bus_message(const uint8_t *msg, size_t len)
{
	uint8_t stop_res[4] = { HBM_HOST_STOP_RES };

	if (len == 0) {
		fw_log("hbm: empty bus message");
		return;
	}
	switch (msg[0]) {
	case HBM_HOST_START_REQ:
		handle_start(msg, len);
		break;
	case HBM_HOST_STOP_REQ:
		fw_log("hbm: HOST_STOP");
		send_hbm(stop_res, sizeof(stop_res));
		break;
	case HBM_HOST_ENUM_REQ:
		handle_enum();
		break;
	case HBM_PROPERTIES_REQ:
		handle_properties(msg, len);
		break;
	case HBM_CONNECT_REQ:
		handle_connect(msg, len);
		break;
	case HBM_DISCONNECT_REQ:
		handle_disconnect(msg, len);
		break;
	case HBM_DISCONNECT_RES:
		handle_disconnect_res(msg, len);
		break;
	case HBM_FLOW_CONTROL:
		handle_flow_control(msg, len);
		break;
	case HBM_NOTIFY_REQ:
		handle_notify(msg, len);
		break;
	default:
		fw_log("hbm: unknown bus message 0x%02x (%zu bytes) ignored",
		       msg[0], len);
		break;
	}
}

static void handle_client_frame(uint32_t hdr, const uint8_t *payload,
				size_t len)
{
	uint8_t addrs[3] = { 0, HDR_ME_ADDR(hdr), HDR_HOST_ADDR(hdr) };
	struct fw_conn *conn = conn_by_addrs(addrs);

	if (!conn || conn->state != CONN_CONNECTED) {
		fw_log("hbm: %zu-byte frame for unconnected pair %u/%u dropped",
		       len, addrs[1], addrs[2]);
		return;
	}

	if (conn->rx_len + len > conn->client->max_msg_len) {
		if (!conn->rx_overflow)
			fw_log("hbm: %s: host message exceeds max_msg_len %u, dropped",
			       conn->client->name, conn->client->max_msg_len);
		conn->rx_overflow = true;
	} else if (!conn->rx_overflow) {
		memcpy(conn->rx + conn->rx_len, payload, len);
		conn->rx_len += len;
	}
	if (!(hdr & HDR_MSG_COMPLETE))
		return;

	if (!conn->rx_overflow && conn->client->received)
		conn->client->received(conn, conn->rx, conn->rx_len);
	/* received() may have disconnected; a new host message needs a credit. */
	if (conn->state == CONN_CONNECTED) {
		conn->rx_len = 0;
		conn->rx_overflow = false;
		flow_control_to_host(conn);
	}
}

void hbm_handle_frame(const uint8_t *frame, size_t len)
{
	uint32_t hdr;
	size_t length;

	if (len < MESIM_HDR_LEN) {
		fw_log("hbm: short frame of %zu bytes", len);
		return;
	}
	hdr = frame[0] | (uint32_t)frame[1] << 8 | (uint32_t)frame[2] << 16 |
	      (uint32_t)frame[3] << 24;
	length = HDR_LENGTH(hdr);
	if (length != len - MESIM_HDR_LEN) {
		fw_log("hbm: frame header 0x%08x says %zu bytes, frame has %zu",
		       hdr, length, len - MESIM_HDR_LEN);
		return;
	}
	if (fw_state.verbose)
		fw_log("hbm: host frame 0x%08x, %zu bytes", hdr, length);

	if (HDR_ME_ADDR(hdr) == 0 && HDR_HOST_ADDR(hdr) == 0)
		handle_bus_message(frame + MESIM_HDR_LEN, length);
	else
		handle_client_frame(hdr, frame + MESIM_HDR_LEN, length);
}
