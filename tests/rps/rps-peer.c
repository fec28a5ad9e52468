// SPDX-License-Identifier: MIT
/*
 * rps-peer: command line, the listening socket on 127.0.0.1 and the
 * accept loop. Each accepted connection is one RPS session.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "peer.h"
#include "ws.h"

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: rps-peer --port N --cert FILE --key FILE [--profile NAME:PASSWORD[:cira]]...\n"
		"                [--once] [--heartbeat] [--misbehave NAME] [--log FILE]\n"
		"                [--ready-file FILE] [--accept-timeout SECONDS]\n"
		"                [--pause-file FILE]\n"
		"\n"
		"Test stand-in for RPS: serves wss://127.0.0.1:N/activate and runs a\n"
		"client control mode activation through the client's WS-Man relay.\n"
		"\n"
		"  --port N              TCP port on 127.0.0.1; 0 picks a free port\n"
		"  --cert FILE           server certificate chain (PEM)\n"
		"  --key FILE            private key of the certificate (PEM)\n"
		"  --profile NAME:PASS[:cira]\n"
		"                        a CCM profile and its AMT password, with \":cira\" to\n"
		"                        add a CIRA server and policy; repeatable, up to %d\n"
		"  --once                serve one session, exit 0 only if it succeeded\n"
		"  --heartbeat           send one heartbeat_request during the session\n"
		"  --misbehave NAME      send a bad message after the activation request:\n"
		"                        non-json, bad-base64 (a wsman payload) or\n"
		"                        unknown-method (then go on as usual); or\n"
		"                        reject-upgrade: answer the upgrade with 401; or\n"
		"                        drop: after the first WS-Man reply, close the TCP\n"
		"                        connection without a close frame\n"
		"  --log FILE            append the log to FILE instead of stderr\n"
		"  --ready-file FILE     write the listening port to FILE once ready\n"
		"  --accept-timeout S    with --once, give up after S seconds without a\n"
		"                        client (default 120; 0 waits forever)\n"
		"  --pause-file FILE     after the first WS-Man reply, create FILE and wait\n"
		"                        until it is removed (at most %d s)\n",
		PEER_MAX_PROFILES, PEER_PAUSE_TIMEOUT_MS / 1000);
}

static int parse_uint(const char *option, const char *text, unsigned long max,
		      unsigned int *out)
{
	char *end;
	unsigned long value;

	errno = 0;
	value = strtoul(text, &end, 10);
	if (errno || end == text || *end || text[0] == '-' || value > max) {
		fprintf(stderr, "rps-peer: invalid %s value \"%s\"; use 0 to %lu\n",
			option, text, max);
		return -1;
	}
	*out = (unsigned int)value;
	return 0;
}

static int add_profile(struct peer_config *cfg, const char *arg)
{
	const char *colon = strchr(arg, ':');
	struct peer_profile *p;
	size_t password_len;
	size_t name_len;
	bool cira = false;
	unsigned int i;

	if (!colon || colon == arg || !colon[1]) {
		fprintf(stderr, "rps-peer: invalid --profile \"%.*s...\"; use NAME:PASSWORD[:cira]\n",
			colon ? (int)(colon - arg) : 0, arg);
		return -1;
	}
	name_len = (size_t)(colon - arg);
	password_len = strlen(colon + 1);
	/* A trailing ":cira" is the flag, so a password cannot end with it. */
	if (password_len > 5 && !strcmp(colon + 1 + password_len - 5, ":cira")) {
		cira = true;
		password_len -= 5;
	}
	if (name_len >= PEER_NAME_MAX || password_len >= PEER_PASSWORD_MAX ||
	    memchr(arg, ' ', name_len)) {
		fprintf(stderr, "rps-peer: invalid --profile name \"%.*s\"; use at most %d "
			"characters without spaces and a password under %d characters\n",
			(int)name_len, arg, PEER_NAME_MAX - 1, PEER_PASSWORD_MAX);
		return -1;
	}
	if (cfg->profile_count == PEER_MAX_PROFILES) {
		fprintf(stderr, "rps-peer: too many --profile options; the maximum is %d\n",
			PEER_MAX_PROFILES);
		return -1;
	}
	for (i = 0; i < cfg->profile_count; i++) {
		if (strlen(cfg->profiles[i].name) == name_len &&
		    strncmp(cfg->profiles[i].name, arg, name_len) == 0) {
			fprintf(stderr, "rps-peer: profile \"%.*s\" is given twice\n",
				(int)name_len, arg);
			return -1;
		}
	}
	p = &cfg->profiles[cfg->profile_count++];
	memcpy(p->name, arg, name_len);
	p->name[name_len] = '\0';
	memcpy(p->password, colon + 1, password_len);
	p->password[password_len] = '\0';
	p->cira = cira;
	return 0;
}

static int parse_misbehave(struct peer_config *cfg, const char *name)
{
	static const struct {
		const char *name;
		enum peer_misbehave value;
	} names[] = {
		{ "non-json", PEER_MISBEHAVE_NON_JSON },
		{ "bad-base64", PEER_MISBEHAVE_BAD_BASE64 },
		{ "unknown-method", PEER_MISBEHAVE_UNKNOWN_METHOD },
		{ "reject-upgrade", PEER_MISBEHAVE_REJECT_UPGRADE },
		{ "drop", PEER_MISBEHAVE_DROP },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(name, names[i].name)) {
			cfg->misbehave = names[i].value;
			return 0;
		}
	}
	fprintf(stderr, "rps-peer: invalid --misbehave \"%s\"; use non-json, bad-base64, unknown-method, reject-upgrade or drop\n",
		name);
	return -1;
}

static int parse_args(int argc, char **argv, struct peer_config *cfg)
{
	static const struct option options[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "cert", required_argument, NULL, 'c' },
		{ "key", required_argument, NULL, 'k' },
		{ "profile", required_argument, NULL, 'P' },
		{ "once", no_argument, NULL, '1' },
		{ "heartbeat", no_argument, NULL, 'H' },
		{ "misbehave", required_argument, NULL, 'm' },
		{ "log", required_argument, NULL, 'l' },
		{ "ready-file", required_argument, NULL, 'r' },
		{ "accept-timeout", required_argument, NULL, 't' },
		{ "pause-file", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int have_port = 0;
	int opt;

	cfg->accept_timeout_s = 120;
	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (opt) {
		case 'p':
			if (parse_uint("--port", optarg, 65535, &cfg->port) < 0)
				return -1;
			have_port = 1;
			break;
		case 'c':
			cfg->cert_file = optarg;
			break;
		case 'k':
			cfg->key_file = optarg;
			break;
		case 'P':
			if (add_profile(cfg, optarg) < 0)
				return -1;
			break;
		case '1':
			cfg->once = true;
			break;
		case 'H':
			cfg->heartbeat = true;
			break;
		case 'm':
			if (parse_misbehave(cfg, optarg) < 0)
				return -1;
			break;
		case 'l':
			cfg->log_file = optarg;
			break;
		case 'r':
			cfg->ready_file = optarg;
			break;
		case 't':
			if (parse_uint("--accept-timeout", optarg, 86400,
				       &cfg->accept_timeout_s) < 0)
				return -1;
			break;
		case 'w':
			cfg->pause_file = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "rps-peer: unexpected argument \"%s\"\n", argv[optind]);
		return -1;
	}
	if (!have_port || !cfg->cert_file || !cfg->key_file) {
		fprintf(stderr, "rps-peer: --port, --cert and --key are required; see --help\n");
		return -1;
	}
	if (cfg->profile_count == 0)
		fprintf(stderr, "rps-peer: warning: no --profile given, every activation will fail\n");
	return 0;
}

/* Listens on 127.0.0.1 only: the peer is for tests on this machine. */
static int listen_loopback(unsigned int port, unsigned int *bound_port)
{
	struct sockaddr_in addr = {
		.sin_family = AF_INET,
		.sin_port = htons((uint16_t)port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	socklen_t len = sizeof(addr);
	int one = 1;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		perror("rps-peer: socket");
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    listen(fd, 4) < 0) {
		fprintf(stderr, "rps-peer: cannot listen on 127.0.0.1:%u: %s\n",
			port, strerror(errno));
		close(fd);
		return -1;
	}
	getsockname(fd, (struct sockaddr *)&addr, &len);
	*bound_port = ntohs(addr.sin_port);
	return fd;
}

static int write_ready_file(const char *path, unsigned int port)
{
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f || fprintf(f, "%u\n", port) < 0 || fclose(f) != 0 ||
	    rename(tmp, path) < 0) {
		fprintf(stderr, "rps-peer: cannot write ready file %s: %s\n",
			path, strerror(errno));
		return -1;
	}
	return 0;
}

/* Waits for a client. Returns its socket, -1 on error or stop, -2 on timeout. */
static int accept_client(int listen_fd, int64_t deadline)
{
	struct pollfd p = { .fd = listen_fd, .events = POLLIN };

	while (!stopping) {
		int64_t left = deadline ? deadline - now_ms() : 1000;
		int fd;
		int n;

		if (left <= 0)
			return -2;
		n = poll(&p, 1, left > 1000 ? 1000 : (int)left);
		if (n < 0 && errno != EINTR)
			return -1;
		if (n <= 0)
			continue;
		fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd >= 0) {
			int one = 1;

			/* Each RPS message is one small request and reply. */
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
			return fd;
		}
		if (errno != EINTR && errno != ECONNABORTED && errno != EAGAIN)
			return -1;
	}
	return -1;
}

static bool serve_one(SSL_CTX *tls, int fd, const struct peer_config *cfg,
		      unsigned int id)
{
	int64_t deadline = now_ms() + PEER_SESSION_TIMEOUT_MS;
	int64_t handshake = now_ms() + PEER_MESSAGE_TIMEOUT_MS;
	struct ws_conn ws;
	bool ok = false;

	log_msg("session %u: client connected", id);
	if (ws_accept(&ws, tls, fd, "/activate",
		      cfg->misbehave == PEER_MISBEHAVE_REJECT_UPGRADE,
		      handshake) == 0)
		ok = session_run(&ws, cfg, id, deadline);
	ws_free(&ws);
	log_msg("session %u: %s", id, ok ? "ended with success" : "failed");
	return ok;
}

int main(int argc, char **argv)
{
	struct peer_config cfg = { 0 };
	struct sigaction sa = { .sa_handler = on_signal };
	unsigned int session_id = 0;
	unsigned int port = 0;
	int64_t accept_deadline = 0;
	SSL_CTX *tls;
	int listen_fd;
	int status = 0;

	if (parse_args(argc, argv, &cfg) < 0)
		return 2;
	if (log_open(cfg.log_file) < 0)
		return 2;
	signal(SIGPIPE, SIG_IGN);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	cfg.root_certificate = pem_certificate_base64(cfg.cert_file);
	if (!cfg.root_certificate) {
		fprintf(stderr, "rps-peer: cannot read a certificate from --cert %s; pass a PEM file\n",
			cfg.cert_file);
		return 2;
	}
	tls = ws_tls_context(cfg.cert_file, cfg.key_file);
	if (!tls)
		return 2;
	listen_fd = listen_loopback(cfg.port, &port);
	if (listen_fd < 0)
		return 2;
	log_msg("listening on wss://127.0.0.1:%u/activate with %u profile(s)%s",
		port, cfg.profile_count, cfg.once ? ", one session" : "");
	if (cfg.ready_file && write_ready_file(cfg.ready_file, port) < 0)
		return 2;

	if (cfg.once && cfg.accept_timeout_s)
		accept_deadline = now_ms() + (int64_t)cfg.accept_timeout_s * 1000;
	while (!stopping) {
		int fd = accept_client(listen_fd, accept_deadline);
		bool ok;

		if (fd == -2) {
			log_msg("no client connected within %u s; giving up",
				cfg.accept_timeout_s);
			status = 1;
			break;
		}
		if (fd < 0) {
			if (!stopping) {
				log_msg("accept failed: %s", strerror(errno));
				status = 1;
			}
			break;
		}
		ok = serve_one(tls, fd, &cfg, ++session_id);
		if (cfg.once) {
			status = ok ? 0 : 1;
			break;
		}
	}
	if (stopping) {
		log_msg("stopped by signal");
		if (cfg.once && session_id == 0)
			status = 1;
	}
	close(listen_fd);
	SSL_CTX_free(tls);
	free(cfg.root_certificate);
	return status;
}
