// SPDX-License-Identifier: GPL-2.0-only
#include "utf8.h"

#include <errno.h>
#include <string.h>

#include "array.h"

/*
 * The second byte's range excludes overlong forms (E0, F0), surrogates (ED) and code
 * points above U+10FFFF (F4).
 */
static size_t utf8__seq_len(const unsigned char *s, size_t len)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (len < n || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++) {
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	}
	return n;
}

size_t utf8__char_len(const char *s, size_t len)
{
	return utf8__seq_len((const unsigned char *)s, len);
}

size_t utf8__valid_len(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n;

	while (i < len) {
		/* ASCII runs are the common case: no per-byte decoding. */
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		n = utf8__seq_len(p + i, len - i);
		if (!n)
			break;
		i += n;
	}
	return i;
}

int64_t utf8__sanitize(const char *s, size_t len, char **buf, size_t *cap)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, out = 0, n, need;
	int err;

	/* At worst every byte becomes three. */
	if (len > (SIZE_MAX - 1) / 3 || len > INT64_MAX / 3)
		return -ENOMEM;
	need = 3 * len + 1;
	err = array__reserve(buf, cap, need, 1);
	if (err)
		return err;
	while (i < len) {
		n = utf8__seq_len(p + i, len - i);
		if (n) {
			memcpy(*buf + out, s + i, n);
			out += n;
			i += n;
		} else {
			memcpy(*buf + out, UTF8_REPLACEMENT, 3);
			out += 3;
			i++;
		}
	}
	(*buf)[out] = '\0';
	return out;
}
