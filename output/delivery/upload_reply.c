// SPDX-License-Identifier: GPL-2.0-only
/*
 * What of a server's reply may go into a log line. The reply is the other side's text: a
 * gateway may echo the request back, its Authorization header included, and any server may
 * send terminal escapes or bytes that are not UTF-8. So the secrets go first, as they were
 * sent (the caller lists them: a token, a password, user:password and its base64), and so
 * does whatever follows a header name that carries one ("Authorization:", the extra headers'
 * names) to the end of its line, which catches a secret echoed in another encoding; then
 * control characters become spaces and bytes that are not UTF-8 '?', and the line is cut.
 */
#include "upload_internal.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "utf8.h"

#define REDACTED "[redacted]"
#define ELLIPSIS "..."

struct reply_line {
	char *out;
	size_t len, max; /* text written, and the most it may hold (without "..." and NUL) */
	bool space;	 /* a run of control characters waits to be written as one space */
	bool full;	 /* something did not fit */
};

static void line__put(struct reply_line *l, const char *s, size_t n)
{
	size_t need = n + (l->space && l->len);

	if (l->full || l->len + need > l->max) {
		l->full = true;
		return;
	}
	if (l->space && l->len)
		l->out[l->len++] = ' ';
	l->space = false;
	memcpy(l->out + l->len, s, n);
	l->len += n;
}

/* The length of the secret that starts at @s[0..len), or 0. */
static size_t match_secret(const char *s, size_t len, const char *const *secrets, size_t n)
{
	size_t i, slen;

	for (i = 0; i < n; i++) {
		slen = strlen(secrets[i]);
		if (slen && slen <= len && !memcmp(s, secrets[i], slen))
			return slen;
	}
	return 0;
}

/*
 * The length of "NAME:" at @s[0..len) for a header name of @names (any case, then blanks or
 * a quote as JSON and logs quote names, then ':' or '='), or 0.
 */
static size_t match_header(const char *s, size_t len, const char *const *names, size_t n)
{
	size_t i, nlen, j;

	for (i = 0; i < n; i++) {
		nlen = strlen(names[i]);
		if (!nlen || nlen > len || strncasecmp(s, names[i], nlen))
			continue;
		for (j = nlen; j < len && (s[j] == ' ' || s[j] == '\t' || s[j] == '"'); j++)
			;
		if (j < len && (s[j] == ':' || s[j] == '='))
			return j + 1;
	}
	return 0;
}

void upload_reply__text(const char *reply, size_t len, bool cut, const char *const *secrets,
			size_t nsecrets, const char *const *names, size_t nnames, char *out,
			size_t outlen)
{
	struct reply_line l = { .out = out };
	const unsigned char *p = (const unsigned char *)reply;
	size_t i = 0, n, longest = 0;
	bool skip_line = false;

	if (!outlen)
		return;
	l.max = outlen - 1 > UPLOAD_REPLY_LOG_MAX ? UPLOAD_REPLY_LOG_MAX : outlen - 1;
	l.max = l.max > strlen(ELLIPSIS) ? l.max - strlen(ELLIPSIS) : 0;
	/* A secret may begin in the last bytes of a reply cut short: they are not shown. */
	for (n = 0; cut && n < nsecrets; n++)
		if (strlen(secrets[n]) > longest)
			longest = strlen(secrets[n]);
	if (cut)
		len = len > longest ? len - longest : 0;
	while (i < len && !l.full) {
		if (skip_line) {
			skip_line = p[i] != '\n';
			if (skip_line) {
				i++;
				continue;
			}
		}
		n = match_secret(reply + i, len - i, secrets, nsecrets);
		if (n) {
			line__put(&l, REDACTED, strlen(REDACTED));
			i += n;
			continue;
		}
		n = match_header(reply + i, len - i, names, nnames);
		if (n) {
			/* The name and ':' are as configured or quoted: printable ASCII. */
			for (size_t j = 0; j < n; j++)
				if (p[i + j] >= 0x20 && p[i + j] < 0x7f)
					line__put(&l, reply + i + j, 1);
			line__put(&l, " " REDACTED, strlen(" " REDACTED));
			i += n;
			skip_line = true;
			continue;
		}
		if (p[i] < 0x20 || p[i] == 0x7f) {
			l.space = true;
			i++;
			continue;
		}
		if (p[i] < 0x80) {
			line__put(&l, reply + i, 1);
			i++;
			continue;
		}
		n = utf8__char_len(reply + i, len - i);
		if (n == 2 && p[i] == 0xc2 && p[i + 1] < 0xa0) {
			/* U+0080..U+009F, C1 controls, which some terminals act on: like the others. */
			l.space = true;
			i += 2;
			continue;
		}
		line__put(&l, n ? reply + i : "?", n ? n : 1);
		i += n ? n : 1;
	}
	if ((l.full || cut) && l.len + strlen(ELLIPSIS) < outlen) {
		memcpy(out + l.len, ELLIPSIS, strlen(ELLIPSIS));
		l.len += strlen(ELLIPSIS);
	}
	out[l.len] = '\0';
}
