/* SPDX-License-Identifier: GPL-2.0-only */
/* JSON text for formats that carry it (the HTML report's data). */
#ifndef PROF_JSON_H
#define PROF_JSON_H

#include <stddef.h>
#include <stdio.h>

/*
 * Writes @s[0..len) to @out as a JSON string, quotes included. Bytes that are not UTF-8
 * become U+FFFD (JSON text is UTF-8); control characters, '"' and '\' are escaped, and so
 * are '<', '>', '&', U+2028 and U+2029, so that the string is also safe inside an HTML
 * <script> element and a JavaScript string.
 */
void json__write_string(FILE *out, const char *s, size_t len);

#endif
