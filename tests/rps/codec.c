// SPDX-License-Identifier: MIT
/* Base64, MD5, random hex and certificate reading through OpenSSL. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "peer.h"

char *base64_encode(const void *data, size_t len)
{
	char *out = malloc(4 * ((len + 2) / 3) + 1);

	if (!out)
		return NULL;
	EVP_EncodeBlock((unsigned char *)out, data, (int)len);
	return out;
}

char *base64_decode(const char *text, size_t *out_len)
{
	size_t len = strlen(text);
	size_t padding = 0;
	unsigned char *out;
	int n;

	if (len % 4 != 0 || len > PEER_MAX_MESSAGE * 2)
		return NULL;
	if (len > 0 && text[len - 1] == '=')
		padding++;
	if (len > 1 && text[len - 2] == '=')
		padding++;
	out = malloc(len / 4 * 3 + 1);
	if (!out)
		return NULL;
	n = EVP_DecodeBlock(out, (const unsigned char *)text, (int)len);
	if (n < 0) {
		free(out);
		return NULL;
	}
	/* EVP_DecodeBlock counts the bytes that '=' padding stands for. */
	n -= (int)padding;
	out[n] = '\0';
	*out_len = (size_t)n;
	return (char *)out;
}

void md5_hex(const void *data, size_t len, char out[33])
{
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int digest_len = 0;
	unsigned int i;

	EVP_Digest(data, len, digest, &digest_len, EVP_md5(), NULL);
	for (i = 0; i < digest_len && i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", digest[i]);
	out[32] = '\0';
}

void random_hex(char *out, size_t bytes)
{
	unsigned char raw[32];
	size_t i;

	if (bytes > sizeof(raw))
		bytes = sizeof(raw);
	if (RAND_bytes(raw, (int)bytes) != 1)
		memset(raw, 0x5a, bytes);
	for (i = 0; i < bytes; i++)
		snprintf(out + 2 * i, 3, "%02x", raw[i]);
	out[2 * bytes] = '\0';
}

char *pem_certificate_base64(const char *path)
{
	FILE *f = fopen(path, "r");
	unsigned char *der = NULL;
	char *text = NULL;
	X509 *cert;
	int len;

	if (!f)
		return NULL;
	cert = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (!cert)
		return NULL;
	len = i2d_X509(cert, &der);
	if (len > 0)
		text = base64_encode(der, (size_t)len);
	OPENSSL_free(der);
	X509_free(cert);
	return text;
}
