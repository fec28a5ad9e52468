// SPDX-License-Identifier: MIT
#include <stdlib.h>

#include <openssl/evp.h>

#include "base64.h"

char *base64_encode(const uint8_t *data, size_t len)
{
	size_t out_size = 4 * ((len + 2) / 3) + 1;
	char *out;

	if (len > (size_t)INT32_MAX / 2)
		return NULL;
	out = malloc(out_size);
	if (!out)
		return NULL;
	EVP_EncodeBlock((unsigned char *)out, data, (int)len);
	return out;
}

uint8_t *base64_decode(const char *text, size_t text_len, size_t *out_len)
{
	size_t padding = 0;
	uint8_t *out;
	int n;

	if (text_len % 4 != 0 || text_len > (size_t)INT32_MAX / 2)
		return NULL;
	out = malloc(text_len / 4 * 3 + 1);
	if (!out)
		return NULL;
	if (text_len == 0) {
		*out_len = 0;
		out[0] = '\0';
		return out;
	}

	/* EVP_DecodeBlock() counts the bytes that '=' padding stands for. */
	n = EVP_DecodeBlock(out, (const unsigned char *)text, (int)text_len);
	if (n < 0) {
		free(out);
		return NULL;
	}
	if (text[text_len - 1] == '=')
		padding++;
	if (text[text_len - 2] == '=')
		padding++;
	*out_len = (size_t)n - padding;
	out[*out_len] = '\0';
	return out;
}
