/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "rw.h"

/* Finding the SDP in a message body (plain or multipart). */

static bool ctype_is(const char *buf, struct span v, const char *type)
{
	size_t n = strlen(type);

	return v.len >= n && strncasecmp(buf + v.off, type, n) == 0;
}

/* The boundary parameter of a multipart Content-Type, without quotes. */
static bool mp_boundary(const char *buf, struct span ct, struct span *bd)
{
	if (!sip_param(buf, ct, "boundary", bd) || bd->len == 0)
		return false;
	if (bd->len >= 2 && buf[bd->off] == '"') {
		bd->off++;
		bd->len -= 2;
	}
	return bd->len > 0 && bd->len <= 70;	/* RFC 2046 5.1.1 */
}

/* Within one multipart body part [p, end): its headers say SDP?  Sets
 * *body to the part's content. */
static bool mp_part_sdp(const char *buf, uint32_t p, uint32_t end,
			struct span *body)
{
	const char *s = buf + p, *hdr_end;
	bool sdp = false;
	uint32_t i;

	hdr_end = memmem(s, end - p, "\r\n\r\n", 4);
	if (!hdr_end)
		return false;
	for (i = 0; p + i < (uint32_t)(hdr_end - buf); i++) {
		if ((i == 0 || s[i - 1] == '\n') &&
		    (uint32_t)(hdr_end - s) - i >= 28 &&
		    !strncasecmp(s + i, "content-type:", 13)) {
			uint32_t j = i + 13;

			while (s[j] == ' ' || s[j] == '\t')
				j++;
			sdp = !strncasecmp(s + j, "application/sdp", 15);
		}
	}
	body->off = (uint32_t)(hdr_end + 4 - buf);
	body->len = end - body->off;
	return sdp;
}

/* RFC 2046 5.1: parts are delimited by CRLF "--" boundary; the SDP part
 * of multipart/mixed or /alternative (RFC 5621) is found, never parsed
 * beyond its own headers. */
static bool mp_find_sdp(const struct sip_msg *m, struct span ct,
			struct span *out)
{
	const char *buf = m->buf;
	uint32_t end = span_end(m->body), pos = m->body.off, start = 0;
	char delim[80];
	struct span bd;
	size_t dn;

	if (!mp_boundary(buf, ct, &bd))
		return false;
	dn = (size_t)snprintf(delim, sizeof(delim), "--%.*s", (int)bd.len,
			      buf + bd.off);
	while (pos < end) {
		const char *d = memmem(buf + pos, end - pos, delim, dn);
		uint32_t at;

		if (!d)
			return false;
		at = (uint32_t)(d - buf);
		if (start) {
			/* the CRLF before the delimiter belongs to it */
			uint32_t stop = at >= 2 && buf[at - 2] == '\r' ? at - 2
								      : at - 1;

			if (stop > start && mp_part_sdp(buf, start, stop, out))
				return true;
		}
		pos = at + (uint32_t)dn;
		if (end - pos >= 2 && buf[pos] == '-' && buf[pos + 1] == '-')
			return false;	/* close delimiter */
		while (pos < end && buf[pos] != '\n')
			pos++;
		start = ++pos;
	}
	return false;
}

/* The SDP of the message: the whole body, or the SDP part of a
 * multipart body.  False when there is none. */
bool rw_body_sdp(const struct sip_msg *m, struct span *sdp)
{
	int h = sip_hdr_find(m, SIP_HDR_CONTENT_TYPE, 0);
	struct span ct;

	if (h < 0 || m->body.len == 0)
		return false;
	ct = m->hdr[h].value;
	if (ctype_is(m->buf, ct, "application/sdp")) {
		*sdp = m->body;
		return true;
	}
	return ctype_is(m->buf, ct, "multipart/") && mp_find_sdp(m, ct, sdp);
}

bool rw_body_is_sdp(const struct sip_msg *m)
{
	struct span s;

	return rw_body_sdp(m, &s);
}
