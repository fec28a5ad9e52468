/* SPDX-License-Identifier: MIT */
/* Standard base64 (RFC 4648, with padding) on top of OpenSSL's EVP codec. */
#ifndef VPROCTL_BASE64_H
#define VPROCTL_BASE64_H

#include <stddef.h>
#include <stdint.h>

/* Returns a NUL-terminated malloc'ed encoding of @data, or NULL. */
char *base64_encode(const uint8_t *data, size_t len);

/*
 * Decodes @text into a malloc'ed buffer (NUL-terminated for convenience)
 * and stores its length in @out_len. Returns NULL when @text is not
 * valid padded base64 or memory ran out.
 */
uint8_t *base64_decode(const char *text, size_t text_len, size_t *out_len);

#endif /* VPROCTL_BASE64_H */
