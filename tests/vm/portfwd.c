// SPDX-License-Identifier: MIT
/*
 * portfwd: forwards TCP connections made inside the test VM to a TCP port
 * on the host's loopback interface, over one virtio-serial port. The VM
 * has no network device, so this is its only way to reach a host server.
 *
 *   host side:  portfwd host SOCKET HOST:PORT
 *     Listens on the Unix socket SOCKET for QEMU's chardev
 *     (-chardev socket,path=SOCKET), and opens one TCP connection to
 *     HOST:PORT for each guest connection. HOST must be 127.0.0.1 or ::1.
 *     Exits when QEMU closes the chardev.
 *   guest side: portfwd guest NAME PORT [READY-FILE]
 *     Opens the virtio-serial port named NAME, listens on 127.0.0.1:PORT
 *     and [::1]:PORT, and tunnels every accepted connection.
 *
 * The serial port is one byte stream, so both sides send frames: a 4-byte
 * header (type, connection id, payload length big-endian) and up to
 * FRAME_MAX payload bytes. The guest sends OPEN for a new connection, both
 * send DATA, and either side sends CLOSE when its socket ends or fails.
 * An end of stream closes the whole connection: there is no half-close.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define FRAME_OPEN	1
#define FRAME_DATA	2
#define FRAME_CLOSE	3
#define FRAME_MAX	4096
#define MAX_CONNS	16

static int conn_fd[MAX_CONNS];
static int link_fd = -1;
static const char *side = "portfwd";

static void logmsg(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "portfwd %s: ", side);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int read_all(int fd, void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t n = read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Sends one frame on the serial link; a failure ends the program. */
static void send_frame(uint8_t type, uint8_t id, const void *data,
		       size_t len)
{
	uint8_t hdr[4] = { type, id, (uint8_t)(len >> 8), (uint8_t)len };

	if (write_all(link_fd, hdr, sizeof(hdr)) < 0 ||
	    write_all(link_fd, data, len) < 0) {
		logmsg("writing to the serial link failed: %s", strerror(errno));
		exit(1);
	}
}

static void close_conn(uint8_t id, int notify, const char *why)
{
	if (conn_fd[id] < 0)
		return;
	close(conn_fd[id]);
	conn_fd[id] = -1;
	if (notify)
		send_frame(FRAME_CLOSE, id, NULL, 0);
	logmsg("connection %u closed (%s)", id, why);
}

/*
 * Opens a TCP connection to the loopback target for guest connection @id
 * (host side only).
 */
static void open_target(uint8_t id, const struct sockaddr_storage *target,
			socklen_t target_len)
{
	int fd;

	if (conn_fd[id] >= 0)
		close_conn(id, 0, "reopened by the guest");
	fd = socket(target->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (const struct sockaddr *)target,
			      target_len) < 0) {
		logmsg("connection %u: connecting to the target failed: %s",
		       id, strerror(errno));
		if (fd >= 0)
			close(fd);
		send_frame(FRAME_CLOSE, id, NULL, 0);
		return;
	}
	conn_fd[id] = fd;
	logmsg("connection %u opened", id);
}

/*
 * Reads one frame from the serial link and applies it. Returns -1 when
 * the link ended or carried an invalid frame.
 */
static int handle_link(const struct sockaddr_storage *target,
		       socklen_t target_len)
{
	uint8_t hdr[4], data[FRAME_MAX];
	size_t len;
	uint8_t id;

	if (read_all(link_fd, hdr, sizeof(hdr)) < 0)
		return -1;
	id = hdr[1];
	len = (size_t)hdr[2] << 8 | hdr[3];
	if (id >= MAX_CONNS || len > FRAME_MAX) {
		logmsg("invalid frame (type %u, connection %u, length %zu): the two sides are out of step",
		       hdr[0], id, len);
		return -1;
	}
	if (read_all(link_fd, data, len) < 0)
		return -1;

	switch (hdr[0]) {
	case FRAME_OPEN:
		if (!target) {
			logmsg("OPEN frame received by the guest side");
			return -1;
		}
		open_target(id, target, target_len);
		break;
	case FRAME_DATA:
		/* Data for a connection closed meanwhile is dropped. */
		if (conn_fd[id] >= 0 && write_all(conn_fd[id], data, len) < 0)
			close_conn(id, 1, strerror(errno));
		break;
	case FRAME_CLOSE:
		close_conn(id, 0, "closed by the other side");
		break;
	default:
		logmsg("invalid frame type %u", hdr[0]);
		return -1;
	}
	return 0;
}

static void handle_conn(uint8_t id)
{
	uint8_t data[FRAME_MAX];
	ssize_t n = read(conn_fd[id], data, sizeof(data));

	if (n < 0 && errno == EINTR)
		return;
	if (n <= 0) {
		close_conn(id, 1, n == 0 ? "end of stream" : strerror(errno));
		return;
	}
	send_frame(FRAME_DATA, id, data, (size_t)n);
}

/* Accepts a guest connection and announces it to the host side. */
static void accept_conn(int listen_fd)
{
	int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
	uint8_t id;

	if (fd < 0) {
		logmsg("accept failed: %s", strerror(errno));
		return;
	}
	for (id = 0; id < MAX_CONNS; id++) {
		if (conn_fd[id] < 0)
			break;
	}
	if (id == MAX_CONNS) {
		logmsg("rejected a connection: all %d connections are in use",
		       MAX_CONNS);
		close(fd);
		return;
	}
	conn_fd[id] = fd;
	send_frame(FRAME_OPEN, id, NULL, 0);
	logmsg("connection %u accepted", id);
}

/*
 * Forwards until the serial link ends. @listen_fds are the guest's
 * listening sockets (none on the host side), @target the host's target.
 */
static int relay(const int *listen_fds, int nlisten,
		 const struct sockaddr_storage *target, socklen_t target_len)
{
	struct pollfd pfd[MAX_CONNS + 3];
	int fds[MAX_CONNS];
	uint8_t ids[MAX_CONNS];

	for (;;) {
		int n = 0, nconn = 0, i;

		pfd[n++] = (struct pollfd){ .fd = link_fd, .events = POLLIN };
		for (i = 0; i < nlisten; i++)
			pfd[n++] = (struct pollfd){ .fd = listen_fds[i],
						    .events = POLLIN };
		for (i = 0; i < MAX_CONNS; i++) {
			if (conn_fd[i] < 0)
				continue;
			ids[nconn] = (uint8_t)i;
			fds[nconn++] = conn_fd[i];
			pfd[n++] = (struct pollfd){ .fd = conn_fd[i],
						    .events = POLLIN };
		}
		if (poll(pfd, (nfds_t)n, -1) < 0) {
			if (errno == EINTR)
				continue;
			logmsg("poll failed: %s", strerror(errno));
			return 1;
		}
		if (pfd[0].revents && handle_link(target, target_len) < 0) {
			logmsg("serial link closed");
			return 0;
		}
		for (i = 0; i < nlisten; i++) {
			if (pfd[1 + i].revents & POLLIN)
				accept_conn(listen_fds[i]);
		}
		/* Skip a connection closed or reopened by a frame above. */
		for (i = 0; i < nconn; i++) {
			if (pfd[1 + nlisten + i].revents &&
			    conn_fd[ids[i]] == fds[i])
				handle_conn(ids[i]);
		}
	}
}

/* Parses "127.0.0.1:PORT" or "[::1]:PORT"; any other host is rejected. */
static int parse_target(const char *arg, struct sockaddr_storage *ss,
			socklen_t *len)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	const char *colon = strrchr(arg, ':');
	char host[64], *end;
	unsigned long port;
	size_t hlen;

	if (!colon)
		goto bad;
	port = strtoul(colon + 1, &end, 10);
	if (*end || end == colon + 1 || port == 0 || port > 65535)
		goto bad;
	hlen = (size_t)(colon - arg);
	if (hlen >= sizeof(host))
		goto bad;
	memcpy(host, arg, hlen);
	host[hlen] = '\0';

	memset(ss, 0, sizeof(*ss));
	if (!strcmp(host, "127.0.0.1")) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		inet_pton(AF_INET, host, &sin->sin_addr);
		*len = sizeof(*sin);
		return 0;
	}
	if (!strcmp(host, "[::1]")) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		sin6->sin6_addr = in6addr_loopback;
		*len = sizeof(*sin6);
		return 0;
	}
bad:
	fprintf(stderr, "portfwd: invalid target \"%s\": use 127.0.0.1:PORT or [::1]:PORT (loopback only)\n",
		arg);
	return -1;
}

static int run_host(const char *path, const char *target_arg)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct sockaddr_storage target;
	socklen_t target_len;
	int lfd;

	if (parse_target(target_arg, &target, &target_len) < 0)
		return 2;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "portfwd: socket path \"%s\" is longer than %zu bytes: use a shorter path\n",
			path, sizeof(sun.sun_path) - 1);
		return 2;
	}
	strcpy(sun.sun_path, path);
	unlink(path);
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
	    listen(lfd, 1) < 0) {
		fprintf(stderr, "portfwd: listening on %s failed: %s\n", path,
			strerror(errno));
		return 1;
	}
	logmsg("waiting for QEMU on %s, forwarding to %s", path, target_arg);
	link_fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	close(lfd);
	unlink(path);
	if (link_fd < 0) {
		logmsg("accept on %s failed: %s", path, strerror(errno));
		return 1;
	}
	logmsg("QEMU connected");
	return relay(NULL, 0, &target, target_len);
}

/* Opens /dev/vportNpM whose /sys/class/virtio-ports name is @name. */
static int open_virtio_port(const char *name)
{
	char path[300], buf[128];
	struct dirent *de;
	DIR *dir;
	int fd = -1;

	dir = opendir("/sys/class/virtio-ports");
	if (!dir)
		return -1;
	while (fd < 0 && (de = readdir(dir))) {
		FILE *f;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/class/virtio-ports/%s/name",
			 de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(buf, sizeof(buf), f)) {
			buf[strcspn(buf, "\n")] = '\0';
			if (!strcmp(buf, name)) {
				snprintf(path, sizeof(path), "/dev/%s", de->d_name);
				fd = open(path, O_RDWR | O_CLOEXEC);
			}
		}
		fclose(f);
	}
	closedir(dir);
	return fd;
}

static int listen_loopback(int family, uint16_t port)
{
	struct sockaddr_storage ss = { .ss_family = (sa_family_t)family };
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	socklen_t len;
	int fd, one = 1;

	if (family == AF_INET) {
		sin->sin_port = htons(port);
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof(*sin);
	} else {
		sin6->sin6_port = htons(port);
		sin6->sin6_addr = in6addr_loopback;
		len = sizeof(*sin6);
	}
	fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 8) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int run_guest(const char *name, const char *port_arg,
		     const char *ready_file)
{
	unsigned long port;
	int lfd[2], n = 0;
	char *end;

	port = strtoul(port_arg, &end, 10);
	if (*end || end == port_arg || port == 0 || port > 65535) {
		fprintf(stderr, "portfwd: invalid port \"%s\": give 1 to 65535\n",
			port_arg);
		return 2;
	}
	link_fd = open_virtio_port(name);
	if (link_fd < 0) {
		fprintf(stderr, "portfwd: virtio-serial port \"%s\" not found in /sys/class/virtio-ports: is virtio_console loaded and QEMU started with -device virtserialport,name=%s?\n",
			name, name);
		return 1;
	}
	lfd[n] = listen_loopback(AF_INET, (uint16_t)port);
	if (lfd[n] < 0) {
		fprintf(stderr, "portfwd: listening on 127.0.0.1:%lu failed: %s\n",
			port, strerror(errno));
		return 1;
	}
	n++;
	/* The guest may lack IPv6, so [::1] is optional. */
	lfd[n] = listen_loopback(AF_INET6, (uint16_t)port);
	if (lfd[n] >= 0)
		n++;
	logmsg("forwarding 127.0.0.1:%lu%s over %s", port,
	       n > 1 ? " and [::1]" : "", name);
	if (ready_file) {
		FILE *f = fopen(ready_file, "w");

		if (!f) {
			fprintf(stderr, "portfwd: creating %s failed: %s\n",
				ready_file, strerror(errno));
			return 1;
		}
		fclose(f);
	}
	return relay(lfd, n, NULL, 0);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: portfwd host SOCKET 127.0.0.1:PORT|[::1]:PORT\n"
		"       portfwd guest PORT-NAME LISTEN-PORT [READY-FILE]\n");
}

int main(int argc, char **argv)
{
	int i;

	for (i = 0; i < MAX_CONNS; i++)
		conn_fd[i] = -1;
	signal(SIGPIPE, SIG_IGN);
	if (argc == 4 && !strcmp(argv[1], "host")) {
		side = "host";
		return run_host(argv[2], argv[3]);
	}
	if ((argc == 4 || argc == 5) && !strcmp(argv[1], "guest")) {
		side = "guest";
		return run_guest(argv[2], argv[3], argc == 5 ? argv[4] : NULL);
	}
	usage();
	return 2;
}
