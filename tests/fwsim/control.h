/* SPDX-License-Identifier: MIT */
/*
 * Control FIFO of the firmware model (--control PATH). A test writes
 * lines to it while fwsim runs: a fault or action as for --fault,
 * "clear", or "stats PATH". Lines run in order, so a "stats PATH" line
 * whose file appeared shows that every earlier line was applied.
 */
#ifndef FWSIM_CONTROL_H
#define FWSIM_CONTROL_H

/* Creates the FIFO at @path unless it exists and opens it; returns the fd or -1. */
int control_open(const char *path);
/* Reads and runs the complete lines waiting in the FIFO. */
void control_read(int fd);

#endif /* FWSIM_CONTROL_H */
