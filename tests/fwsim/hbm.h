/* SPDX-License-Identifier: MIT */
/*
 * The HBM layer's interface to main.c: the firmware side of the MEI bus
 * protocol (HBM 2.0) on top of /dev/mesim frames.
 */
#ifndef FWSIM_HBM_H
#define FWSIM_HBM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* HBM version the model reports; 2.0 leaves out DMA ring, vtags, caps. */
#define HBM_FW_MAJOR	2
#define HBM_FW_MINOR	0

/* Sets up the client table for fw_state.sku; @ready_file may be NULL. */
void hbm_init(int fd, const char *ready_file);

/* Handles one host-to-firmware frame: 4-byte MEI header plus payload. */
void hbm_handle_frame(const uint8_t *frame, size_t len);

/*
 * Writes queued firmware-to-host frames to the device.
 * Returns 0 when all were written, 1 when the device is full (wait for
 * POLLOUT), -1 on a write error (errno set).
 */
int hbm_flush(void);

bool hbm_output_pending(void);

/*
 * --ready-file support. Once fwsim replied to the last enumeration request,
 * the main loop calls hbm_check_ready() every hbm_ready_poll_ms() ms (-1
 * when nothing is pending). It writes the file when the host's MEI device
 * is ENABLED in sysfs and lists every client on the MEI bus.
 */
int hbm_ready_poll_ms(void);
void hbm_check_ready(void);

/* Ends every connection, as firmware does when the host goes away. */
void hbm_shutdown(void);

/* From state.c: fills the random parts of fw_state; returns 0 or -1. */
int fw_state_init(void);

/*
 * From state.c: parses "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" into the
 * GetUUID wire order (first three groups little endian); returns 0 or -1.
 */
int fw_state_parse_uuid(const char *text, uint8_t wire[16]);

#endif /* FWSIM_HBM_H */
