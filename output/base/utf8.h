/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * UTF-8 checks for formats that require it (protobuf strings, hence pprof; XML). Names in the
 * model are bytes as the system gave them, and a file name or a process name need not be
 * valid UTF-8.
 */
#ifndef PROF_UTF8_H
#define PROF_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* What replaces bytes that are not UTF-8: U+FFFD REPLACEMENT CHARACTER. */
#define UTF8_REPLACEMENT "\xef\xbf\xbd"

/*
 * The length (1 to 4) of the valid UTF-8 sequence that starts @s[0..len), or 0 when @s
 * starts none (a stray byte, an overlong form, a surrogate, a cut sequence). @len > 0.
 */
size_t utf8__char_len(const char *s, size_t len);

/* The length of the longest prefix of @s[0..len) that is valid UTF-8 (RFC 3629). */
size_t utf8__valid_len(const char *s, size_t len);

/*
 * Copies @s[0..len) into *@buf (a malloc'ed buffer of capacity *@cap, grown as needed and
 * owned by the caller), replacing each byte that does not belong to a valid UTF-8 sequence
 * with U+FFFD, and NUL-terminates it. Returns the length of the copy or -ENOMEM (the buffer
 * is then unchanged).
 */
int64_t utf8__sanitize(const char *s, size_t len, char **buf, size_t *cap);

#endif
