// SPDX-License-Identifier: GPL-2.0-only
#include "json.h"

#include <string.h>

#include "utf8.h"

void json__write_string(FILE *out, const char *s, size_t len)
{
	size_t i = 0;

	fputc('"', out);
	while (i < len) {
		unsigned char c = (unsigned char)s[i];
		size_t n = utf8__char_len(s + i, len - i);

		if (!n) {
			fputs(UTF8_REPLACEMENT, out);
			i++;
			continue;
		}
		if (n == 3 && !memcmp(s + i, "\xe2\x80\xa8", 3)) {
			fputs("\\u2028", out);
		} else if (n == 3 && !memcmp(s + i, "\xe2\x80\xa9", 3)) {
			fputs("\\u2029", out);
		} else if (n > 1) {
			fwrite(s + i, 1, n, out);
		} else if (c == '"' || c == '\\') {
			fputc('\\', out);
			fputc(c, out);
		} else if (c < 0x20 || c == '<' || c == '>' || c == '&') {
			fprintf(out, "\\u%04x", c);
		} else {
			fputc(c, out);
		}
		i += n;
	}
	fputc('"', out);
}
