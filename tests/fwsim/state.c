// SPDX-License-Identifier: MIT
/* The firmware state shared by all clients, and its defaults. */

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "fwsim.h"
#include "hbm.h"

/*
 * Defaults: AMT, not provisioned, UUID 4c4c4544-0042-3510-8051-b2c04f4b4d32
 * in GetUUID wire order. The local system account password and the digest
 * realm are random per run and filled in by fw_state_init().
 */
struct fw_state fw_state = {
	.sku = FW_SKU_AMT,
	.control_mode = 0,
	.provisioning_state = 0,
	.uuid = {
		0x44, 0x45, 0x4c, 0x4c, 0x42, 0x00, 0x10, 0x35,
		0x80, 0x51, 0xb2, 0xc0, 0x4f, 0x4b, 0x4d, 0x32,
	},
	.lsa_user = "$$OsAdmin",
};

static int fill_random(uint8_t *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = getrandom(buf + done, len - done, 0);

		if (n < 0)
			return -1;
		done += (size_t)n;
	}
	return 0;
}

int fw_state_init(void)
{
	static const char charset[] =
		"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
	static const char hex[] = "0123456789ABCDEF";
	uint8_t rnd[16];
	size_t i;
	int n;

	if (fill_random(rnd, sizeof(rnd)))
		return -1;
	for (i = 0; i < 16; i++)
		fw_state.lsa_password[i] = charset[rnd[i] % (sizeof(charset) - 1)];
	fw_state.lsa_password[16] = '\0';

	if (fill_random(rnd, sizeof(rnd)))
		return -1;
	n = snprintf(fw_state.digest_realm, sizeof(fw_state.digest_realm),
		     "Digest:");
	for (i = 0; i < 16; i++) {
		fw_state.digest_realm[n++] = hex[rnd[i] >> 4];
		fw_state.digest_realm[n++] = hex[rnd[i] & 0xf];
	}
	fw_state.digest_realm[n] = '\0';
	return 0;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int fw_state_parse_uuid(const char *text, uint8_t wire[16])
{
	/* Byte order of the text's 16 bytes on the wire. */
	static const uint8_t wire_index[16] = {
		3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15,
	};
	uint8_t bytes[16];
	size_t pos = 0;
	int i;

	if (strlen(text) != 36)
		return -1;
	for (i = 0; i < 16; i++) {
		int hi, lo;

		if (pos == 8 || pos == 13 || pos == 18 || pos == 23) {
			if (text[pos] != '-')
				return -1;
			pos++;
		}
		hi = hex_value(text[pos]);
		lo = hex_value(text[pos + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		bytes[i] = (uint8_t)(hi << 4 | lo);
		pos += 2;
	}
	for (i = 0; i < 16; i++)
		wire[wire_index[i]] = bytes[i];
	return 0;
}
