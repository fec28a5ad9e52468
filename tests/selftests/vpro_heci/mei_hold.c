// SPDX-License-Identifier: MIT
/*
 * Test helper: connects one MEI client through /dev/mei0 and keeps it
 * connected for a while, the way LMS or a second rpc-go keeps AMTHI or
 * LME busy for everyone else.
 *
 * usage: mei_hold amthi|lme MILLISECONDS READY_FILE
 *
 * Writes READY_FILE once connected, then sleeps and exits 0. Exits 1 when
 * the client cannot be connected.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <linux/mei.h>

#define MEI_DEV "/dev/mei0"

static const unsigned char amthi_uuid[16] = {
	0x28, 0x00, 0xf8, 0x12, 0xb7, 0xb4, 0x2d, 0x4b,
	0xac, 0xa8, 0x46, 0xe0, 0xff, 0x65, 0x81, 0x4c,
};

static const unsigned char lme_uuid[16] = {
	0xdb, 0xa4, 0x33, 0x67, 0x76, 0x04, 0x7b, 0x4e,
	0xb3, 0xaf, 0xbc, 0xfc, 0x29, 0xbe, 0xe7, 0xa7,
};

static int usage(void)
{
	fprintf(stderr, "usage: mei_hold amthi|lme MILLISECONDS READY_FILE\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct mei_connect_client_data data;
	struct timespec hold;
	const unsigned char *uuid;
	char *end;
	long ms;
	FILE *ready;
	int fd;

	if (argc != 4)
		return usage();
	if (!strcmp(argv[1], "amthi"))
		uuid = amthi_uuid;
	else if (!strcmp(argv[1], "lme"))
		uuid = lme_uuid;
	else
		return usage();
	ms = strtol(argv[2], &end, 10);
	if (*end || ms < 0)
		return usage();

	fd = open(MEI_DEV, O_RDWR);
	if (fd < 0) {
		fprintf(stderr, "mei_hold: open %s: %s\n", MEI_DEV, strerror(errno));
		return 1;
	}
	memset(&data, 0, sizeof(data));
	memcpy(&data.in_client_uuid, uuid, sizeof(data.in_client_uuid));
	if (ioctl(fd, IOCTL_MEI_CONNECT_CLIENT, &data)) {
		fprintf(stderr, "mei_hold: connecting %s: %s\n", argv[1],
			strerror(errno));
		return 1;
	}

	ready = fopen(argv[3], "w");
	if (!ready) {
		fprintf(stderr, "mei_hold: %s: %s\n", argv[3], strerror(errno));
		return 1;
	}
	fprintf(ready, "%d\n", (int)getpid());
	fclose(ready);

	hold.tv_sec = ms / 1000;
	hold.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&hold, &hold) && errno == EINTR)
		;
	close(fd);
	return 0;
}
