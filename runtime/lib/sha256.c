#include <string.h>

#include "lib.h"

void sha256_begin(struct sha256 *h)
{
	mbedtls_sha256_init(&h->ctx);
	mbedtls_sha256_starts_ret(&h->ctx, 0);
}

void sha256_add(struct sha256 *h, const void *data, size_t len)
{
	mbedtls_sha256_update_ret(&h->ctx, data, len);
}

void sha256_end_hex(struct sha256 *h, char hex[65])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char sum[32];

	mbedtls_sha256_finish_ret(&h->ctx, sum);
	mbedtls_sha256_free(&h->ctx);
	for (size_t i = 0; i < sizeof(sum); i++) {
		hex[2 * i] = digits[sum[i] >> 4];
		hex[2 * i + 1] = digits[sum[i] & 0xf];
	}
	hex[64] = '\0';
}

bool sha256_hex_valid(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return i == 64;
}

int digest_parse(const char *digest, char hex[65], struct berr *err)
{
	if (!str_starts_with(digest, "sha256:"))
		return berr_set(err, 0, "digest \"%.80s\": only sha256:<64 hex digits> is supported",
				digest);
	if (!sha256_hex_valid(digest + 7))
		return berr_set(err, 0, "digest \"%.80s\": not 64 lowercase hex digits", digest);
	memcpy(hex, digest + 7, 65);
	return 0;
}
