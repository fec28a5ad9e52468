// SPDX-License-Identifier: MIT
/*
 * Seeded syscall fuzzer for vpro_heci in the test VM (SKU amt, fwsim with
 * --control=/run/fwsim.ctl). Worker threads run random operations on
 * /dev/vpro_apf0 (open, close, ioctl with random commands and arguments,
 * CONNECT to random ports, read and write of random sizes, O_NONBLOCK
 * toggles, poll and epoll) and random messages on the vpro_heci generic
 * netlink family. An unprivileged child (uid 65534) fuzzes netlink too
 * and checks that SET_STATUS and REFRESH always fail with EPERM. A fault
 * thread triggers ME resets (SIGUSR1 to fwsim) and fwsim faults through
 * the control FIFO.
 *
 * usage: syscall_fuzz_test [--seconds N] [--seed S] [--threads N]
 *
 * Exits 0 when the kernel survived: no new oops or warning taint, the
 * apf_channels count in sysfs returns to 0 once every file is closed, a
 * CONNECT plus HTTP exchange works afterwards, and the unprivileged child
 * saw only EPERM. The seeds in regression_seeds[] run first, each for
 * REPLAY_SECONDS.
 *
 * NOTE: a seed fixes each thread's sequence of operations, but not how
 * the threads, the fault thread and the firmware model interleave, so a
 * replayed seed repeats the operations but not always the timing.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/vpro_heci.h>

#include "guest_util.h"

#define MAX_THREADS		16
#define SLOTS			16
/* A syscall blocked longer than this gets SIGUSR2 (EINTR). */
#define STUCK_MS		300
/* A worker that stays blocked this long after the run ended fails it. */
#define JOIN_TIMEOUT_MS		15000
#define RECOVER_TIMEOUT_MS	30000
#define REPLAY_SECONDS		5
#define NL_BUF			8192

/*
 * Seeds that once found a kernel bug, replayed on every run. Each entry
 * names the behaviour it caught.
 */
static const struct {
	uint64_t seed;
	const char *behaviour;
} regression_seeds[] = {
	{ 0, NULL },	/* end of list */
};

struct rng {
	uint64_t state;
};

struct worker {
	pthread_t thread;
	int index;
	struct rng rng;
	int nl_fd;
	long busy_since;	/* gu_now_ms() at syscall entry, 0 when idle */
	const char *op;		/* name of the current operation */
	unsigned long ops;
};

static int stop_run;
static int slots[SLOTS];
static int genl_family;
static int control_fd = -1;
static unsigned char *guard_end;	/* last byte before a PROT_NONE page */
static size_t page_size;

static uint64_t splitmix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* xorshift64*: fast and good enough to pick operations. */
static uint64_t rng_next(struct rng *r)
{
	r->state ^= r->state >> 12;
	r->state ^= r->state << 25;
	r->state ^= r->state >> 27;
	return r->state * 0x2545f4914f6cdd1dULL;
}

static uint32_t rng_below(struct rng *r, uint32_t n)
{
	return n ? (uint32_t)(rng_next(r) % n) : 0;
}

static bool rng_chance(struct rng *r, unsigned int percent)
{
	return rng_below(r, 100) < percent;
}

static void rng_fill(struct rng *r, void *buf, size_t len)
{
	unsigned char *p = buf;
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (unsigned char)rng_next(r);
}

static bool stopping(void)
{
	return __atomic_load_n(&stop_run, __ATOMIC_ACQUIRE);
}

static void enter(struct worker *w, const char *op)
{
	w->op = op;
	__atomic_store_n(&w->busy_since, gu_now_ms(), __ATOMIC_RELEASE);
}

static void leave(struct worker *w)
{
	__atomic_store_n(&w->busy_since, 0, __ATOMIC_RELEASE);
	__atomic_add_fetch(&w->ops, 1, __ATOMIC_RELAXED);
}

static void on_sigusr2(int sig)
{
	(void)sig;
}

/* A file descriptor from the slot table, possibly stale or -1. */
static int pick_fd(struct worker *w)
{
	return __atomic_load_n(&slots[rng_below(&w->rng, SLOTS)],
			       __ATOMIC_ACQUIRE);
}

/*
 * Returns a pointer for a syscall argument: valid memory, NULL, memory
 * that runs into a PROT_NONE page, an unaligned address, a low unmapped
 * address or a kernel address. Only the kernel's reads may use the
 * invalid ones, so callers pass it where the kernel copies from user.
 */
static void *fuzz_pointer(struct worker *w, void *valid, size_t len)
{
	switch (rng_below(&w->rng, 6)) {
	case 0:
		return NULL;
	case 1:
		return guard_end + 1 - rng_below(&w->rng, len ? len : 1);
	case 2:
		return (unsigned char *)valid + 1;
	case 3:
		return (void *)(uintptr_t)(1 + rng_below(&w->rng, 4095));
	case 4:
		return (void *)(uintptr_t)0xffff888000000000ULL;
	default:
		return valid;
	}
}

static void op_open(struct worker *w)
{
	int flags = O_RDWR | O_CLOEXEC;
	int fd, old;

	if (rng_chance(&w->rng, 30))
		flags |= O_NONBLOCK;
	if (rng_chance(&w->rng, 10))
		flags = (flags & ~O_RDWR) | O_RDONLY;
	enter(w, "open");
	fd = open(GU_APF_DEV, flags);
	leave(w);
	if (fd < 0)
		return;
	old = __atomic_exchange_n(&slots[rng_below(&w->rng, SLOTS)], fd,
				  __ATOMIC_ACQ_REL);
	if (old >= 0)
		close(old);
}

static void op_close(struct worker *w)
{
	int fd = __atomic_exchange_n(&slots[rng_below(&w->rng, SLOTS)], -1,
				     __ATOMIC_ACQ_REL);

	if (fd < 0)
		return;
	enter(w, "close");
	close(fd);
	leave(w);
}

static uint16_t fuzz_port(struct worker *w)
{
	static const uint16_t ports[] = {
		16992, 16992, 16992, 16993, 16995, 623, 664, 0, 1, 65535,
	};

	if (rng_chance(&w->rng, 85))
		return ports[rng_below(&w->rng, sizeof(ports) / sizeof(ports[0]))];
	return (uint16_t)rng_next(&w->rng);
}

static void op_connect(struct worker *w)
{
	struct vpro_apf_connect req = { 0 };
	int fd = pick_fd(w);

	req.port = fuzz_port(w);
	if (rng_chance(&w->rng, 10))
		req.reserved = (uint16_t)rng_next(&w->rng);
	switch (rng_below(&w->rng, 4)) {
	case 0:
		req.timeout_ms = 0;
		break;
	case 1:
		req.timeout_ms = rng_below(&w->rng, 20);
		break;
	case 2:
		req.timeout_ms = (uint32_t)rng_next(&w->rng);
		break;
	default:
		req.timeout_ms = 100 + rng_below(&w->rng, 2000);
	}
	enter(w, "CONNECT");
	ioctl(fd, VPRO_APF_IOC_CONNECT,
	      rng_chance(&w->rng, 80) ? &req : fuzz_pointer(w, &req, sizeof(req)));
	leave(w);
}

/*
 * A random ioctl command. Type bytes that the VFS or the socket layer
 * handle for every file (0x00, 0x12, 0x15, 'T', 'X', 'f', 0x89, 0x94)
 * are avoided, because the target is the module's own handler.
 */
static unsigned int fuzz_ioctl_cmd(struct worker *w)
{
	static const unsigned char skipped_types[] = {
		0x00, 0x12, 0x15, 'T', 'X', 'f', 0x89, 0x94,
	};
	unsigned int cmd, type;
	size_t i;

	if (rng_chance(&w->rng, 60))
		return _IOC(rng_below(&w->rng, 4), VPRO_APF_IOC_MAGIC,
			    rng_below(&w->rng, 256), rng_below(&w->rng, 64));
	cmd = (unsigned int)rng_next(&w->rng);
	type = _IOC_TYPE(cmd);
	for (i = 0; i < sizeof(skipped_types); i++)
		if (type == skipped_types[i])
			cmd = (cmd & ~(_IOC_TYPEMASK << _IOC_TYPESHIFT)) |
			      VPRO_APF_IOC_MAGIC << _IOC_TYPESHIFT;
	return cmd;
}

static void op_ioctl(struct worker *w)
{
	unsigned char arg[64];
	unsigned int cmd = fuzz_ioctl_cmd(w);
	int fd = pick_fd(w);

	rng_fill(&w->rng, arg, sizeof(arg));
	enter(w, "ioctl");
	/*
	 * The module handles only CONNECT, an _IOW command, so the kernel
	 * never writes through the fuzzed pointer.
	 */
	ioctl(fd, cmd, fuzz_pointer(w, arg, sizeof(arg)));
	leave(w);
}

static size_t fuzz_size(struct worker *w, size_t valid)
{
	switch (rng_below(&w->rng, 6)) {
	case 0:
		return 0;
	case 1:
		return 1;
	case 2:
		return (size_t)1 << (20 + rng_below(&w->rng, 20));
	case 3:
		return SIZE_MAX >> rng_below(&w->rng, 8);
	default:
		return 1 + rng_below(&w->rng, valid);
	}
}

static void op_read(struct worker *w)
{
	static __thread unsigned char buf[65536];
	int fd = pick_fd(w);
	size_t size = fuzz_size(w, sizeof(buf));
	void *target = buf;

	/*
	 * read() writes to user memory, so a size beyond the buffer goes
	 * with an invalid pointer only, never with a mapped address.
	 */
	if (size > sizeof(buf))
		target = rng_chance(&w->rng, 50) ? NULL :
			 (void *)(uintptr_t)0xffff888000000000ULL;
	else if (rng_chance(&w->rng, 10))
		target = NULL;
	enter(w, "read");
	read(fd, target, size);
	leave(w);
}

static void op_write(struct worker *w)
{
	static const char request[] =
		"POST /wsman HTTP/1.1\r\nHost: 127.0.0.1:16992\r\n"
		"Content-Length: 0\r\n\r\n";
	static __thread unsigned char buf[65536];
	int fd = pick_fd(w);
	size_t size;
	void *source = buf;

	if (rng_chance(&w->rng, 50)) {
		/* An HTTP request makes fwsim send a response back. */
		enter(w, "write request");
		write(fd, request, sizeof(request) - 1);
		leave(w);
		return;
	}
	size = fuzz_size(w, sizeof(buf));
	rng_fill(&w->rng, buf, size < 256 ? size : 256);
	if (size > sizeof(buf) || rng_chance(&w->rng, 10))
		source = fuzz_pointer(w, buf, 16);
	enter(w, "write");
	write(fd, source, size);
	leave(w);
}

static void op_fcntl(struct worker *w)
{
	int fd = pick_fd(w);
	int flags;

	enter(w, "fcntl");
	flags = fcntl(fd, F_GETFL);
	if (flags >= 0)
		fcntl(fd, F_SETFL, flags ^ O_NONBLOCK);
	leave(w);
}

static short fuzz_events(struct worker *w)
{
	if (rng_chance(&w->rng, 50))
		return POLLIN | POLLOUT;
	return (short)rng_next(&w->rng);
}

static void op_poll(struct worker *w)
{
	struct pollfd pfds[3];
	int i, n = 1 + rng_below(&w->rng, 3);

	for (i = 0; i < n; i++) {
		pfds[i].fd = pick_fd(w);
		pfds[i].events = fuzz_events(w);
	}
	enter(w, "poll");
	poll(pfds, n, rng_below(&w->rng, 4) ? (int)rng_below(&w->rng, 50) : -1);
	leave(w);
}

static void op_epoll(struct worker *w)
{
	struct epoll_event ev = { 0 }, out[4];
	int epfd, i, n = 1 + rng_below(&w->rng, 3);

	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd < 0)
		return;
	enter(w, "epoll");
	for (i = 0; i < n; i++) {
		ev.events = rng_chance(&w->rng, 50) ? EPOLLIN | EPOLLOUT :
			    (uint32_t)rng_next(&w->rng) &
			    (EPOLLIN | EPOLLOUT | EPOLLPRI | EPOLLERR |
			     EPOLLHUP | EPOLLRDHUP | EPOLLET | EPOLLONESHOT |
			     EPOLLEXCLUSIVE | EPOLLWAKEUP);
		epoll_ctl(epfd, EPOLL_CTL_ADD, pick_fd(w), &ev);
	}
	epoll_wait(epfd, out, 4, rng_below(&w->rng, 4) ? (int)rng_below(&w->rng, 50) : -1);
	leave(w);
	close(epfd);
}

/* Appends one attribute header and @len payload bytes; returns its size. */
static size_t put_attr(unsigned char *p, size_t room, uint16_t type,
		       const void *payload, size_t len)
{
	struct nlattr *nla = (struct nlattr *)p;
	size_t total = NLA_ALIGN(NLA_HDRLEN + len);

	if (total > room)
		return 0;
	nla->nla_type = type;
	nla->nla_len = (uint16_t)(NLA_HDRLEN + len);
	memcpy(p + NLA_HDRLEN, payload, len);
	memset(p + NLA_HDRLEN + len, 0, total - NLA_HDRLEN - len);
	return total;
}

/* Writes random attributes, some nested or with a wrong length. */
static size_t fuzz_attrs(struct worker *w, unsigned char *p, size_t room,
			 int depth)
{
	unsigned char payload[300];
	size_t used = 0, len, n;
	uint16_t type;
	uint32_t value;
	int i, count = rng_below(&w->rng, 7);

	for (i = 0; i < count; i++) {
		type = rng_chance(&w->rng, 60) ? 1 + rng_below(&w->rng, VPRO_A_MAX) :
		       rng_chance(&w->rng, 70) ? rng_below(&w->rng, 32) :
		       (uint16_t)rng_next(&w->rng);
		if (depth < 2 && rng_chance(&w->rng, 10)) {
			n = fuzz_attrs(w, payload, sizeof(payload), depth + 1);
			used += put_attr(p + used, room - used,
					 type | NLA_F_NESTED, payload, n);
			continue;
		}
		switch (rng_below(&w->rng, 4)) {
		case 0:
			value = rng_below(&w->rng, 8);
			memcpy(payload, &value, sizeof(value));
			len = rng_chance(&w->rng, 80) ? 4 : rng_below(&w->rng, 9);
			break;
		case 1:
			len = 1 + rng_below(&w->rng, sizeof(payload) - 1);
			memset(payload, 'a' + rng_below(&w->rng, 26), len);
			if (rng_chance(&w->rng, 70))
				payload[len - 1] = '\0';
			break;
		default:
			len = rng_below(&w->rng, sizeof(payload));
			rng_fill(&w->rng, payload, len);
		}
		n = put_attr(p + used, room - used, type, payload, len);
		if (n && rng_chance(&w->rng, 5))
			((struct nlattr *)(p + used))->nla_len =
				(uint16_t)rng_below(&w->rng, 4 + 2 * n);
		used += n;
	}
	return used;
}

/*
 * Builds one random message for the vpro_heci family in @buf and returns
 * the number of bytes to send, which may differ from nlmsg_len.
 */
static size_t fuzz_genl_msg(struct worker *w, unsigned char *buf, size_t room)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	struct genlmsghdr *genl = NLMSG_DATA(nlh);
	size_t len;

	memset(buf, 0, NLMSG_HDRLEN + GENL_HDRLEN);
	nlh->nlmsg_type = rng_chance(&w->rng, 95) ? (uint16_t)genl_family :
			  (uint16_t)(1 + rng_below(&w->rng, 4));
	nlh->nlmsg_flags = NLM_F_REQUEST;
	if (rng_chance(&w->rng, 50))
		nlh->nlmsg_flags |= NLM_F_ACK;
	if (rng_chance(&w->rng, 25))
		nlh->nlmsg_flags |= NLM_F_DUMP;
	if (rng_chance(&w->rng, 10))
		nlh->nlmsg_flags |= (uint16_t)rng_next(&w->rng);
	nlh->nlmsg_seq = (uint32_t)rng_next(&w->rng);
	genl->cmd = rng_chance(&w->rng, 60) ? rng_below(&w->rng, __VPRO_CMD_MAX + 2) :
		    (uint8_t)rng_next(&w->rng);
	genl->version = rng_chance(&w->rng, 80) ? VPRO_GENL_VERSION :
			(uint8_t)rng_next(&w->rng);
	if (rng_chance(&w->rng, 10))
		genl->reserved = (uint16_t)rng_next(&w->rng);

	len = NLMSG_HDRLEN + GENL_HDRLEN;
	len += fuzz_attrs(w, buf + len, room - len, 0);
	nlh->nlmsg_len = (uint32_t)len;

	switch (rng_below(&w->rng, 20)) {
	case 0:		/* shorter than struct nlmsghdr */
		return rng_below(&w->rng, NLMSG_HDRLEN);
	case 1:		/* header only, the genl header cut */
		nlh->nlmsg_len = NLMSG_HDRLEN + rng_below(&w->rng, GENL_HDRLEN);
		return nlh->nlmsg_len;
	case 2:		/* nlmsg_len longer than what is sent */
		nlh->nlmsg_len = (uint32_t)(len + 1 + rng_below(&w->rng, 64));
		return len;
	case 3:		/* nlmsg_len shorter than the attributes */
		nlh->nlmsg_len = (uint32_t)(NLMSG_HDRLEN + GENL_HDRLEN +
					    rng_below(&w->rng, len - NLMSG_HDRLEN - GENL_HDRLEN + 1));
		return len;
	default:
		return len;
	}
}

/* Reads what the kernel sent back, waiting at most @wait_ms for each part. */
static void drain_netlink(int fd, int wait_ms)
{
	static __thread unsigned char buf[NL_BUF];
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int i;

	for (i = 0; i < 64; i++) {
		if (poll(&pfd, 1, wait_ms) <= 0)
			return;
		if (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) <= 0 &&
		    errno != ENOBUFS)
			return;
	}
}

static void op_netlink(struct worker *w)
{
	static __thread unsigned char buf[NL_BUF];
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	size_t len = fuzz_genl_msg(w, buf, sizeof(buf));

	enter(w, "netlink");
	sendto(w->nl_fd, buf, len, 0, (struct sockaddr *)&kernel,
	       sizeof(kernel));
	leave(w);
	drain_netlink(w->nl_fd, 20);
}

static void run_one_op(struct worker *w)
{
	switch (rng_below(&w->rng, 20)) {
	case 0:
	case 1:
		op_open(w);
		break;
	case 2:
		op_close(w);
		break;
	case 3:
		op_ioctl(w);
		break;
	case 4:
	case 5:
		op_connect(w);
		break;
	case 6:
	case 7:
		op_read(w);
		break;
	case 8:
	case 9:
		op_write(w);
		break;
	case 10:
		op_fcntl(w);
		break;
	case 11:
		op_poll(w);
		break;
	case 12:
		op_epoll(w);
		break;
	default:
		op_netlink(w);
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	while (!stopping())
		run_one_op(w);
	return NULL;
}

/* Opens a generic netlink socket with a large receive buffer, or -1. */
static int open_genl_socket(void)
{
	int size = 1 << 20;
	int fd;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	return fd;
}

/* Resolves the vpro_heci family id with CTRL_CMD_GETFAMILY; -1 on failure. */
static int resolve_family(int fd)
{
	unsigned char buf[NL_BUF];
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	struct genlmsghdr *genl = NLMSG_DATA(nlh);
	struct nlattr *nla;
	size_t len;
	ssize_t n;
	int rest;

	memset(buf, 0, sizeof(buf));
	nlh->nlmsg_type = GENL_ID_CTRL;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	genl->cmd = CTRL_CMD_GETFAMILY;
	genl->version = 1;
	len = NLMSG_HDRLEN + GENL_HDRLEN;
	len += put_attr(buf + len, sizeof(buf) - len, CTRL_ATTR_FAMILY_NAME,
			VPRO_GENL_NAME, sizeof(VPRO_GENL_NAME));
	nlh->nlmsg_len = (uint32_t)len;
	if (sendto(fd, buf, len, 0, (struct sockaddr *)&kernel,
		   sizeof(kernel)) < 0)
		return -1;
	n = recv(fd, buf, sizeof(buf), 0);
	if (n < (ssize_t)(NLMSG_HDRLEN + GENL_HDRLEN) ||
	    nlh->nlmsg_type == NLMSG_ERROR)
		return -1;
	nla = (struct nlattr *)((unsigned char *)genl + GENL_HDRLEN);
	rest = (int)nlh->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;
	while (rest >= NLA_HDRLEN && nla->nla_len >= NLA_HDRLEN &&
	       nla->nla_len <= rest) {
		if ((nla->nla_type & NLA_TYPE_MASK) == CTRL_ATTR_FAMILY_ID)
			return *(uint16_t *)((unsigned char *)nla + NLA_HDRLEN);
		rest -= NLA_ALIGN(nla->nla_len);
		nla = (struct nlattr *)((unsigned char *)nla + NLA_ALIGN(nla->nla_len));
	}
	return -1;
}

/*
 * Sends an admin command (doit) with random attributes and returns the
 * error of the kernel's acknowledgement: 0, a negative errno, or 1 when
 * no acknowledgement came within a second.
 */
static int admin_cmd_error(struct worker *w, uint8_t cmd)
{
	unsigned char buf[NL_BUF];
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	struct genlmsghdr *genl = NLMSG_DATA(nlh);
	struct pollfd pfd = { .fd = w->nl_fd, .events = POLLIN };
	struct nlmsgerr *err;
	uint32_t seq = (uint32_t)rng_next(&w->rng);
	size_t len;
	int i;

	memset(buf, 0, NLMSG_HDRLEN + GENL_HDRLEN);
	nlh->nlmsg_type = genl_family;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	genl->cmd = cmd;
	genl->version = VPRO_GENL_VERSION;
	len = NLMSG_HDRLEN + GENL_HDRLEN;
	if (rng_chance(&w->rng, 70))
		len += fuzz_attrs(w, buf + len, sizeof(buf) - len, 0);
	nlh->nlmsg_len = (uint32_t)len;
	if (sendto(w->nl_fd, buf, len, 0, (struct sockaddr *)&kernel,
		   sizeof(kernel)) < 0)
		return -errno;
	for (i = 0; i < 8; i++) {
		if (poll(&pfd, 1, 1000) <= 0)
			return 1;
		if (recv(w->nl_fd, buf, sizeof(buf), 0) < (ssize_t)NLMSG_HDRLEN)
			continue;
		if (nlh->nlmsg_type != NLMSG_ERROR || nlh->nlmsg_seq != seq)
			continue;
		err = NLMSG_DATA(nlh);
		return err->error;
	}
	return 1;
}

/*
 * Body of the unprivileged child: random netlink messages plus admin
 * commands that must fail with EPERM. Returns the exit status.
 */
static int run_unprivileged(uint64_t seed, long deadline_ms)
{
	static const uint8_t admin_cmds[] = { VPRO_CMD_SET_STATUS, VPRO_CMD_REFRESH };
	struct worker w = { .index = MAX_THREADS };
	unsigned long checks = 0, wrong = 0;
	int fd, ret;
	uint8_t cmd;

	w.rng.state = splitmix64(seed ^ 0xabcdefULL) | 1;
	if (setgroups(0, NULL) || setgid(65534) || setuid(65534)) {
		fprintf(stderr, "unprivileged child: dropping to uid 65534 failed: %s\n",
			strerror(errno));
		return 1;
	}
	fd = open(GU_APF_DEV, O_RDWR);
	if (fd >= 0 || errno != EACCES) {
		fprintf(stderr, "unprivileged child: open %s: expected EACCES, got %s\n",
			GU_APF_DEV, fd >= 0 ? "success" : strerror(errno));
		return 1;
	}
	w.nl_fd = open_genl_socket();
	if (w.nl_fd < 0) {
		fprintf(stderr, "unprivileged child: creating a netlink socket failed: %s\n",
			strerror(errno));
		return 1;
	}
	while (gu_now_ms() < deadline_ms) {
		if (rng_chance(&w.rng, 50)) {
			op_netlink(&w);
			continue;
		}
		cmd = admin_cmds[rng_below(&w.rng, 2)];
		ret = admin_cmd_error(&w, cmd);
		checks++;
		if (ret != -EPERM) {
			wrong++;
			fprintf(stderr, "unprivileged child: command %u returned %d, expected %d (EPERM)\n",
				cmd, ret, -EPERM);
		}
	}
	printf("unprivileged child: %lu netlink messages, %lu admin commands, %lu not EPERM\n",
	       w.ops, checks, wrong);
	/* The child ends with _exit(), which does not flush stdio. */
	fflush(stdout);
	return wrong || !checks ? 1 : 0;
}

static void write_control(const char *line)
{
	char buf[64];
	int len;

	if (control_fd < 0)
		return;
	len = snprintf(buf, sizeof(buf), "%s\n", line);
	if (write(control_fd, buf, len) != len)
		fprintf(stderr, "fault thread: writing '%s' to %s failed: %s\n",
			line, GU_FWSIM_CONTROL, strerror(errno));
}

struct fault_state {
	struct rng rng;
	unsigned long resets;
	unsigned long faults;
};

/* Fault thread: ME resets and fwsim faults at random intervals. */
static void *fault_main(void *arg)
{
	static const char *const lines[] = {
		"reset", "malformed", "truncated", "disconnect", "out-of-order",
		"keepalive", "direct-open", "delay=50", "delay=300", "window=0",
		"window=1", "window=100", "open-failure=2", "open-failure=4",
		"close-after-data", "bulk-port", "clear", "clear",
	};
	struct fault_state *f = arg;
	long wake;

	while (!stopping()) {
		wake = gu_now_ms() + 200 + rng_below(&f->rng, 1300);
		while (!stopping() && gu_now_ms() < wake)
			gu_sleep_ms(50);
		if (stopping())
			break;
		if (control_fd < 0 || rng_chance(&f->rng, 40)) {
			if (gu_signal_fwsim(SIGUSR1) == 0)
				f->resets++;
		} else {
			write_control(lines[rng_below(&f->rng, sizeof(lines) / sizeof(lines[0]))]);
			f->faults++;
		}
	}
	return NULL;
}

/* Interrupts stuck syscalls until every worker returned; false on timeout. */
static bool join_workers(struct worker *workers, int nthreads)
{
	long deadline = gu_now_ms() + JOIN_TIMEOUT_MS;
	bool ok = true;
	int i;

	for (i = 0; i < nthreads; i++) {
		while (pthread_tryjoin_np(workers[i].thread, NULL) == EBUSY) {
			if (gu_now_ms() >= deadline) {
				fprintf(stderr, "worker %d still in %s %d ms after the run ended\n",
					i, workers[i].op, JOIN_TIMEOUT_MS);
				ok = false;
				break;
			}
			pthread_kill(workers[i].thread, SIGUSR2);
			gu_sleep_ms(20);
		}
	}
	return ok;
}

/*
 * Runs the fuzzer with @seed for @seconds and checks the device after.
 * Returns 0 on success.
 */
static int fuzz_run(uint64_t seed, int seconds, int nthreads)
{
	struct worker workers[MAX_THREADS] = { 0 };
	struct fault_state faults = { 0 };
	pthread_t fault_thread;
	unsigned long total = 0;
	long start, deadline, now, since, channels, taint_before, taint_after;
	int i, status, failed = 0;
	pid_t child;

	printf("run: seed %llu, %d s, %d threads\n", (unsigned long long)seed,
	       seconds, nthreads);
	fflush(stdout);
	for (i = 0; i < SLOTS; i++)
		slots[i] = -1;
	__atomic_store_n(&stop_run, 0, __ATOMIC_RELEASE);
	taint_before = gu_read_taint();
	start = gu_now_ms();
	deadline = start + seconds * 1000L;

	child = fork();
	if (child < 0) {
		fprintf(stderr, "fork of the unprivileged child failed: %s\n", strerror(errno));
		return 1;
	}
	if (child == 0)
		_exit(run_unprivileged(seed, deadline));

	for (i = 0; i < nthreads; i++) {
		workers[i].index = i;
		workers[i].rng.state = splitmix64(seed + i) | 1;
		workers[i].nl_fd = open_genl_socket();
		if (workers[i].nl_fd < 0) {
			fprintf(stderr, "creating a netlink socket failed: %s\n", strerror(errno));
			return 1;
		}
	}
	for (i = 0; i < nthreads; i++)
		pthread_create(&workers[i].thread, NULL, worker_main, &workers[i]);
	faults.rng.state = splitmix64(seed ^ 0xfa017ULL) | 1;
	pthread_create(&fault_thread, NULL, fault_main, &faults);

	while ((now = gu_now_ms()) < deadline) {
		for (i = 0; i < nthreads; i++) {
			since = __atomic_load_n(&workers[i].busy_since, __ATOMIC_ACQUIRE);
			if (since && now - since > STUCK_MS)
				pthread_kill(workers[i].thread, SIGUSR2);
		}
		gu_sleep_ms(50);
	}
	__atomic_store_n(&stop_run, 1, __ATOMIC_RELEASE);
	pthread_join(fault_thread, NULL);
	if (!join_workers(workers, nthreads))
		return 1;
	for (i = 0; i < nthreads; i++) {
		total += workers[i].ops;
		close(workers[i].nl_fd);
	}
	for (i = 0; i < SLOTS; i++)
		if (slots[i] >= 0)
			close(slots[i]);
	printf("executions: %lu in %ld ms (%lu per second), ME resets %lu, fwsim faults %lu\n",
	       total, gu_now_ms() - start,
	       total * 1000 / (unsigned long)(gu_now_ms() - start + 1),
	       faults.resets, faults.faults);

	if (waitpid(child, &status, 0) != child || !WIFEXITED(status) ||
	    WEXITSTATUS(status)) {
		fprintf(stderr, "FAIL: the unprivileged child failed (status 0x%x)\n", status);
		failed = 1;
	}

	/* Undo every fault knob, then reset so fwsim announces its ports anew. */
	write_control("clear");
	gu_sleep_ms(200);
	gu_signal_fwsim(SIGUSR1);

	channels = gu_wait_no_channels(RECOVER_TIMEOUT_MS);
	if (channels != 0) {
		fprintf(stderr, "FAIL: %s reads %ld, expected 0, %d ms after every file closed\n",
			GU_APF_CHANNELS, channels, RECOVER_TIMEOUT_MS);
		failed = 1;
	}
	if (gu_device_works(RECOVER_TIMEOUT_MS)) {
		fprintf(stderr, "FAIL: the device does not work after the run\n");
		failed = 1;
	}
	channels = gu_wait_no_channels(RECOVER_TIMEOUT_MS);
	if (channels != 0) {
		fprintf(stderr, "FAIL: %s reads %ld after the check's channel closed\n",
			GU_APF_CHANNELS, channels);
		failed = 1;
	}
	taint_after = gu_read_taint();
	if ((taint_after & ~taint_before) & (GU_TAINT_DIE | GU_TAINT_WARN)) {
		fprintf(stderr, "FAIL: kernel taint went from 0x%lx to 0x%lx (oops or warning)\n",
			taint_before, taint_after);
		failed = 1;
	}
	printf("%s: seed %llu\n", failed ? "FAIL" : "PASS", (unsigned long long)seed);
	fflush(stdout);
	return failed;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: syscall_fuzz_test [--seconds N] [--seed S] [--threads N]\n"
		"  --seconds N  length of the random run in seconds, 1 to 3600 (default 30)\n"
		"  --seed S     seed of the random run (default: from the clock, printed)\n"
		"  --threads N  worker threads, 1 to %d (default 4)\n"
		"  --no-replay  skip the regression seeds\n", MAX_THREADS);
}

static int parse_number(const char *opt, const char *value, unsigned long long max,
			unsigned long long min, unsigned long long *out)
{
	char *end;

	errno = 0;
	*out = strtoull(value, &end, 0);
	if (errno || end == value || *end || *out < min || *out > max) {
		fprintf(stderr, "syscall_fuzz_test: invalid %s '%s': expected %llu to %llu\n",
			opt, value, min, max);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "seconds", required_argument, NULL, 's' },
		{ "seed", required_argument, NULL, 'S' },
		{ "threads", required_argument, NULL, 't' },
		{ "no-replay", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long long seconds = 30, threads = 4, value;
	uint64_t seed = splitmix64((uint64_t)gu_now_ms() ^ ((uint64_t)getpid() << 32));
	struct sigaction sa = { .sa_handler = on_sigusr2 };
	bool replay = true;
	int opt, i, failed = 0, nl_fd;
	unsigned char *region;

	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (opt) {
		case 's':
			if (parse_number("--seconds", optarg, 3600, 1, &seconds))
				return 2;
			break;
		case 'S':
			if (parse_number("--seed", optarg, UINT64_MAX, 0, &value))
				return 2;
			seed = value;
			break;
		case 't':
			if (parse_number("--threads", optarg, MAX_THREADS, 1, &threads))
				return 2;
			break;
		case 'n':
			replay = false;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "syscall_fuzz_test: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}

	/* No SA_RESTART: SIGUSR2 makes a blocked syscall return EINTR. */
	sigaction(SIGUSR2, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	page_size = (size_t)sysconf(_SC_PAGESIZE);
	region = mmap(NULL, 2 * page_size, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (region == MAP_FAILED || mprotect(region + page_size, page_size, PROT_NONE)) {
		fprintf(stderr, "guard page mapping failed: %s\n", strerror(errno));
		return 1;
	}
	guard_end = region + page_size - 1;

	if (gu_find_fwsim() < 0) {
		fprintf(stderr, "fwsim is not running: run this program from the VM suite runner\n");
		return 1;
	}
	if (gu_wait_path(GU_APF_DEV, 1, RECOVER_TIMEOUT_MS)) {
		fprintf(stderr, "%s missing: is vpro_heci.ko loaded?\n", GU_APF_DEV);
		return 1;
	}
	nl_fd = open_genl_socket();
	genl_family = nl_fd < 0 ? -1 : resolve_family(nl_fd);
	if (genl_family < 0) {
		fprintf(stderr, "generic netlink family %s not found: is vpro_heci.ko loaded?\n",
			VPRO_GENL_NAME);
		return 1;
	}
	close(nl_fd);
	/* fwsim holds the read end open, so a non-blocking open succeeds. */
	control_fd = open(GU_FWSIM_CONTROL, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (control_fd < 0)
		printf("no fwsim control FIFO at %s (%s): ME resets only\n",
		       GU_FWSIM_CONTROL, strerror(errno));

	if (replay) {
		for (i = 0; regression_seeds[i].behaviour; i++) {
			printf("replay: %s\n", regression_seeds[i].behaviour);
			failed |= fuzz_run(regression_seeds[i].seed, REPLAY_SECONDS,
					   (int)threads);
		}
	}
	failed |= fuzz_run(seed, (int)seconds, (int)threads);
	return failed;
}
