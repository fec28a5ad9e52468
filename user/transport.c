// SPDX-License-Identifier: MIT
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "apf_relay.h"
#include "exit_codes.h"
#include "heci.h"
#include "transport.h"

/* Pause between attempts to reconnect LME after the link was lost. */
#define LINK_RETRY_MS	200

static const char *const transport_names[] = {
	[TRANSPORT_AUTO] = "auto",
	[TRANSPORT_APF] = "apf",
	[TRANSPORT_MEI] = "mei",
	[TRANSPORT_LMS] = "lms",
};

int transport_parse(const char *name, enum transport_kind *kind)
{
	size_t i;

	for (i = 0; i < sizeof(transport_names) / sizeof(transport_names[0]); i++) {
		if (strcmp(name, transport_names[i]) == 0) {
			*kind = (enum transport_kind)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *transport_name(enum transport_kind kind)
{
	return transport_names[kind];
}

void transport_init(struct transport *t, enum transport_kind requested,
		    bool verbose)
{
	memset(t, 0, sizeof(*t));
	t->requested = requested;
	t->chosen = TRANSPORT_AUTO;
	t->verbose = verbose;
	t->apf_device = APF_DEFAULT_DEVICE;
	t->mei_device = HECI_DEFAULT_DEVICE;
	t->mei.fd = -1;
}

static int open_mei_link(struct transport *t, int timeout_ms)
{
	int ret;

	if (t->mei_open)
		return 0;
	t->mei.verbose = t->verbose;
	ret = apf_mei_open(&t->mei, t->mei_device, timeout_ms);
	if (ret < 0)
		return ret;
	t->mei_open = true;
	return 0;
}

static void log_choice(const struct transport *t, const char *detail)
{
	if (t->verbose)
		fprintf(stderr, "vproctl: transport: %s (%s)\n",
			transport_name(t->chosen), detail);
}

/*
 * Picks the transport for auto: apf when the APF device exists, else mei
 * when the LME link comes up, else lms.
 */
static void resolve_auto(struct transport *t, int timeout_ms)
{
	int ret;

	if (access(t->apf_device, F_OK) == 0) {
		t->chosen = TRANSPORT_APF;
		log_choice(t, t->apf_device);
		return;
	}
	if (t->verbose)
		fprintf(stderr, "vproctl: %s not found (vpro_heci.ko not loaded), trying LME on %s\n",
			t->apf_device, t->mei_device);
	ret = open_mei_link(t, timeout_ms);
	if (ret == 0) {
		t->chosen = TRANSPORT_MEI;
		log_choice(t, "LME client of /dev/mei0");
		return;
	}
	if (t->verbose && ret == -EBUSY)
		fprintf(stderr, "vproctl: the LME client of %s stayed busy: another program is connected to it (as LMS is), trying LMS\n",
			t->mei_device);
	else if (t->verbose)
		fprintf(stderr, "vproctl: APF over LME on %s failed: %s, trying LMS\n",
			t->mei_device, strerror(-ret));
	t->chosen = TRANSPORT_LMS;
	log_choice(t, "LMS on 127.0.0.1");
}

static void resolve(struct transport *t, int timeout_ms)
{
	if (t->chosen != TRANSPORT_AUTO)
		return;
	if (t->requested == TRANSPORT_AUTO) {
		resolve_auto(t, timeout_ms);
		return;
	}
	t->chosen = t->requested;
	log_choice(t, t->chosen == TRANSPORT_APF ? t->apf_device :
		   t->chosen == TRANSPORT_MEI ? "LME client of /dev/mei0" :
		   "LMS on 127.0.0.1");
}

/* Errors of an LME link that AMT or an ME reset ended. */
static bool link_lost(int err)
{
	return err == -ECONNRESET || err == -EPROTO || err == -ENOTCONN ||
	       err == -ENODEV;
}

/*
 * Starts a new LME link after the old one was lost. After an ME reset the
 * MEI core enumerates the firmware's clients again, and until it is done
 * connecting fails with ENODEV or ENOTTY, so those are retried every
 * LINK_RETRY_MS until @timeout_ms has passed.
 */
static int reopen_mei_link(struct transport *t, int timeout_ms)
{
	struct timespec pause = { 0, LINK_RETRY_MS * 1000000L };
	long deadline = apf_mei_now_ms() + timeout_ms;
	int ret;

	for (;;) {
		long left = deadline - apf_mei_now_ms();

		transport_cleanup(t);
		ret = open_mei_link(t, left > 0 ? (int)left : 1);
		if (ret != -ENODEV && ret != -ENOTTY)
			return ret;
		if (apf_mei_now_ms() + LINK_RETRY_MS >= deadline)
			return ret;
		nanosleep(&pause, NULL);
	}
}

static int open_mei_channel(struct transport *t, uint16_t port,
			    int timeout_ms)
{
	int ret = open_mei_link(t, timeout_ms);

	if (ret < 0)
		return ret;
	ret = apf_mei_channel_open(&t->mei, port, timeout_ms);
	if (link_lost(ret)) {
		/* AMT dropped the link (e.g. an ME reset): start a new one. */
		if (t->verbose)
			fprintf(stderr, "vproctl: APF link lost (%s), reconnecting\n",
				strerror(-ret));
		ret = reopen_mei_link(t, timeout_ms);
		if (ret == 0)
			ret = apf_mei_channel_open(&t->mei, port, timeout_ms);
		if (ret == 0 && t->verbose)
			fprintf(stderr, "vproctl: APF link to %s is back\n",
				t->mei_device);
	}
	return ret;
}

int transport_open(struct transport *t, uint16_t port, int timeout_ms,
		   struct transport_channel *ch)
{
	int ret;

	ch->transport = t;
	ch->fd = -1;
	ch->deadline_ms = apf_mei_now_ms() + timeout_ms;
	t->last_port = port;
	resolve(t, timeout_ms);

	switch (t->chosen) {
	case TRANSPORT_APF:
		ret = apf_relay_open(t->apf_device, port, timeout_ms);
		break;
	case TRANSPORT_LMS:
		ret = lms_connect(port, timeout_ms);
		break;
	default:
		return open_mei_channel(t, port, timeout_ms);
	}
	if (ret < 0)
		return ret;
	ch->fd = ret;
	return 0;
}

/* Waits for @events on @fd until @deadline. Returns 0 or a negative errno. */
static int wait_fd(int fd, short events, long deadline)
{
	struct pollfd pfd = { .fd = fd, .events = events };

	for (;;) {
		long left = deadline - apf_mei_now_ms();
		int rc;

		if (left <= 0)
			return -ETIMEDOUT;
		rc = poll(&pfd, 1, (int)left);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0)
			return -errno;
		return rc ? 0 : -ETIMEDOUT;
	}
}

int transport_write(struct transport_channel *ch, const uint8_t *buf,
		    size_t len)
{
	size_t off = 0;
	int ret;

	if (ch->fd < 0)
		return apf_mei_write(&ch->transport->mei, buf, len,
				     ch->deadline_ms);
	while (off < len) {
		ssize_t n = write(ch->fd, buf + off, len - off);

		if (n >= 0) {
			off += (size_t)n;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return -errno;
		ret = wait_fd(ch->fd, POLLOUT, ch->deadline_ms);
		if (ret < 0)
			return ret;
	}
	return 0;
}

ssize_t transport_read(struct transport_channel *ch, uint8_t *buf,
		       size_t size)
{
	int ret;

	if (ch->fd < 0)
		return apf_mei_read(&ch->transport->mei, buf, size,
				    ch->deadline_ms);
	for (;;) {
		ssize_t n = read(ch->fd, buf, size);

		if (n >= 0)
			return n;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return -errno;
		ret = wait_fd(ch->fd, POLLIN, ch->deadline_ms);
		if (ret < 0)
			return ret;
	}
}

void transport_close_channel(struct transport_channel *ch)
{
	if (ch->fd >= 0)
		close(ch->fd);
	else if (ch->transport->mei_open)
		apf_mei_channel_close(&ch->transport->mei);
	ch->fd = -1;
}

/* Reads to EOF into @buf of @size bytes. A longer response is -EMSGSIZE. */
static int read_to_eof(struct transport_channel *ch, uint8_t *buf,
		       size_t size, size_t *len)
{
	uint8_t probe;
	ssize_t n;

	*len = 0;
	for (;;) {
		if (*len == size) {
			/* A full buffer is fine only if AMT closes right now. */
			n = transport_read(ch, &probe, 1);
			if (n > 0)
				return -EMSGSIZE;
		} else {
			n = transport_read(ch, buf + *len, size - *len);
		}
		if (n < 0)
			return (int)n;
		if (n == 0)
			return 0;
		*len += (size_t)n;
	}
}

int transport_request(struct transport *t, uint16_t port,
		      const uint8_t *request, size_t request_len,
		      uint8_t **response, size_t *response_len,
		      int timeout_ms)
{
	struct transport_channel ch;
	uint8_t *buf;
	int ret;

	*response = NULL;
	*response_len = 0;
	ret = transport_open(t, port, timeout_ms, &ch);
	if (ret < 0)
		return ret;
	buf = malloc(APF_MAX_RESPONSE_LEN);
	if (!buf) {
		transport_close_channel(&ch);
		return -ENOMEM;
	}
	ret = transport_write(&ch, request, request_len);
	if (ret == 0)
		ret = read_to_eof(&ch, buf, APF_MAX_RESPONSE_LEN, response_len);
	transport_close_channel(&ch);
	if (ret < 0) {
		free(buf);
		*response_len = 0;
		return ret;
	}
	*response = buf;
	return 0;
}

static int mei_error(const struct transport *t, int err)
{
	int code = VP_EXIT_AMT_CONNECTION_FAILED;

	switch (err) {
	case ENOENT:
		return vp_error(code, "%s not found: the mei driver is not loaded. Load mei_me, or use --transport lms with LMS running.",
				t->mei_device);
	case EACCES:
		return vp_error(code, "%s: permission denied. Run vproctl as root.",
				t->mei_device);
	case ENOTTY:
		return vp_error(code, "The firmware on %s has no LME client, so AMT's ports cannot be reached. Check \"vproctl info\".",
				t->mei_device);
	case EBUSY:
		return vp_error(code, "The LME client of %s stayed busy: another program holds it (LMS, or vpro_heci.ko's APF link until its linger time ends). Stop LMS or use --transport apf, then retry.",
				t->mei_device);
	case ECONNREFUSED:
		return vp_error(code, "AMT refused a channel to port %u over LME on %s: the port is not forwarded (AMT 19 and later forward only the TLS port 16993).",
				t->last_port, t->mei_device);
	default:
		return vp_error(code, "APF over the LME client of %s to AMT port %u failed: %s. Retry; if it persists, check the firmware with \"vproctl info\".",
				t->mei_device, t->last_port, strerror(err));
	}
}

int transport_error(const struct transport *t, int err)
{
	err = err < 0 ? -err : err;
	switch (t->chosen) {
	case TRANSPORT_APF:
		if (err == ENOENT)
			return vp_error(VP_EXIT_AMT_CONNECTION_FAILED,
					"%s not found: vpro_heci.ko is not loaded. Load it (modprobe vpro_heci) or pass --transport mei or --transport lms.",
					t->apf_device);
		return vp_error(VP_EXIT_AMT_CONNECTION_FAILED,
				"Relaying a WS-Man request to AMT port %u over %s failed: %s. Retry; if it persists, reload vpro_heci.ko.",
				t->last_port, t->apf_device, strerror(err));
	case TRANSPORT_LMS:
		return vp_error(VP_EXIT_LMS_CONNECTION_FAILED,
				"LMS on 127.0.0.1:%u failed: %s. Start LMS, or load vpro_heci.ko and pass --transport apf.",
				t->last_port, strerror(err));
	default:
		return mei_error(t, err);
	}
}

void transport_cleanup(struct transport *t)
{
	if (!t->mei_open)
		return;
	apf_mei_close(&t->mei);
	t->mei_open = false;
}
