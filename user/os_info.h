/* SPDX-License-Identifier: MIT */
/* Facts about the host OS that amtinfo reports and RPS receives. */
#ifndef VPROCTL_OS_INFO_H
#define VPROCTL_OS_INFO_H

#include <stddef.h>
#include <stdint.h>

/* Writes the host name, or an empty string when it is unknown. */
void os_hostname(char *out, size_t size);

/*
 * Writes the OS DNS suffix: the first "search" or "domain" entry of
 * /etc/resolv.conf, else the domain part of the FQDN host name, else "".
 */
void os_dns_suffix(char *out, size_t size);

/* Writes the IPv4 address of the interface with MAC @mac, or "". */
void os_ip_for_mac(const uint8_t mac[6], char *out, size_t size);

#endif /* VPROCTL_OS_INFO_H */
