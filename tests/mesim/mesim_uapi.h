/* SPDX-License-Identifier: MIT */
/*
 * Interface of the test-only software ME (mesim.ko) to the firmware model.
 * Each read() of /dev/mesim returns one host-to-firmware MEI frame and each
 * write() delivers one firmware-to-host frame: a 4-byte little-endian MEI
 * header followed by the payload.
 */
#ifndef MESIM_UAPI_H
#define MESIM_UAPI_H

#include <linux/ioctl.h>

#define MESIM_DEVICE		"/dev/mesim"
#define MESIM_HDR_LEN		4
#define MESIM_MAX_PAYLOAD	508	/* one 512-byte host buffer minus the header */
#define MESIM_MAX_FRAME		(MESIM_HDR_LEN + MESIM_MAX_PAYLOAD)

#define MESIM_IOC_MAGIC		'M'
/* Simulate a firmware-initiated ME reset; the core re-runs HBM start. */
#define MESIM_IOC_RESET		_IO(MESIM_IOC_MAGIC, 1)

#endif /* MESIM_UAPI_H */
