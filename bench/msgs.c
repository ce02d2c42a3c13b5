/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msgs.h"

const char *const msgs_kind_name[MSG_KINDS] = {
	"INVITE", "200-INVITE", "ACK", "BYE", "200-BYE", "REGISTER",
	"200-REGISTER", "other",
};

/* An output buffer that remembers overflow instead of checking each
 * append. */
struct out {
	char *b;
	size_t cap, n;
	int bad;
};

static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (o->bad)
		return;
	va_start(ap, fmt);
	k = vsnprintf(o->b + o->n, o->cap - o->n, fmt, ap);
	va_end(ap);
	if (k < 0 || (size_t)k >= o->cap - o->n)
		o->bad = 1;
	else
		o->n += (size_t)k;
}

static int done(struct out *o)
{
	return o->bad ? -1 : (int)o->n;
}

/* Headers, then Content-Length and the body. */
static void put_body(struct out *o, const char *type, const char *body)
{
	size_t bl = strlen(body);

	if (bl)
		put(o, "Content-Type: %s\r\n", type);
	put(o, "Content-Length: %zu\r\n\r\n%s", bl, body);
}

static void sdp(char *b, size_t cap, const char *user, const char *ip,
		unsigned id, unsigned port)
{
	snprintf(b, cap,
		 "v=0\r\no=%s %u 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\n"
		 "t=0 0\r\nm=audio %u RTP/AVP 0 8 101\r\n"
		 "a=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n"
		 "a=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n",
		 user, id, ip, ip, port);
}

int msgs_invite(char *b, size_t cap, const struct msgs_party *p, unsigned i,
		uint64_t ts)
{
	struct out o = { b, cap, 0, 0 };
	char body[512];

	sdp(body, sizeof(body), "alice", p->phone, i,
	    10000 + 2 * ((i / (p->stride ? p->stride : 1)) % 25000));
	put(&o, "INVITE sip:bob%u@%s SIP/2.0\r\n"
		"Via: SIP/2.0/UDP %s:%u;branch=z9hG4bK%x.%u.1;rport\r\n"
		"Max-Forwards: 70\r\nTo: <sip:bob%u@%s>\r\n"
		"From: <sip:alice@%s>;tag=a%u\r\n"
		"Call-ID: %x-%u@bench\r\nCSeq: 1 INVITE\r\n"
		"Contact: <sip:alice@%s:%u>\r\nX-Ts: %" PRIu64 "\r\n",
	    i, p->peer, p->phone, p->phone_port, p->salt, i, i, p->peer,
	    p->peer, i, p->salt, i, p->phone, p->phone_port, ts);
	put_body(&o, "application/sdp", body);
	return done(&o);
}

int msgs_register(char *b, size_t cap, const struct msgs_party *p,
		  unsigned i, uint64_t ts)
{
	struct out o = { b, cap, 0, 0 };

	put(&o, "REGISTER sip:%s SIP/2.0\r\n"
		"Via: SIP/2.0/UDP %s:%u;branch=z9hG4bK%x.%u.r;rport\r\n"
		"Max-Forwards: 70\r\nTo: <sip:u%u@%s>\r\n"
		"From: <sip:u%u@%s>;tag=r%u\r\n"
		"Call-ID: r%x-%u@bench\r\nCSeq: %u REGISTER\r\n"
		"Contact: <sip:u%u@%s:%u>\r\nExpires: 60\r\n"
		"X-Ts: %" PRIu64 "\r\n",
	    p->peer, p->phone, p->phone_port, p->salt, i, i % 1000, p->peer,
	    i % 1000, p->peer, i, p->salt, i % 1000, i + 1,
	    i % 1000, p->phone, p->phone_port, ts);
	put_body(&o, "", "");
	return done(&o);
}

/* hdr_next - the next header line at or after *pos whose name is name
 * (with the colon); *pos moves past it.  Returns its length, 0 at the end
 * of the header section. */
static size_t hdr_next(const char *m, size_t n, size_t *pos,
		       const char *name, const char **line)
{
	size_t nl = strlen(name);

	while (*pos < n) {
		const char *s = m + *pos;
		const char *e = memchr(s, '\n', n - *pos);
		size_t len = e ? (size_t)(e - s) : n - *pos;

		*pos += len + 1;
		if (len && s[len - 1] == '\r')
			len--;
		if (len == 0)
			return 0;	/* blank line: end of headers */
		if (len >= nl && !strncasecmp(s, name, nl)) {
			*line = s;
			return len;
		}
	}
	return 0;
}

/* Copy every header line called name. */
static void copy_hdr(struct out *o, const char *m, size_t n,
		     const char *name, const char *suffix)
{
	size_t pos = 0, len;
	const char *line;

	/* skip the start line */
	line = memchr(m, '\n', n);
	pos = line ? (size_t)(line - m) + 1 : n;
	while ((len = hdr_next(m, n, &pos, name, &line)) != 0)
		put(o, "%.*s%s\r\n", (int)len, line, suffix);
}

/* The value of the first header called name (after ": "). */
static size_t hdr_value(const char *m, size_t n, const char *name,
			const char **v)
{
	const char *line = memchr(m, '\n', n);
	size_t pos = line ? (size_t)(line - m) + 1 : n;
	size_t len = hdr_next(m, n, &pos, name, &line), nl = strlen(name);

	if (!len)
		return 0;
	*v = line + nl;
	len -= nl;
	while (len && **v == ' ') {
		(*v)++;
		len--;
	}
	return len;
}

static int starts(const char *m, size_t n, const char *s)
{
	size_t k = strlen(s);

	return n >= k && !memcmp(m, s, k);
}

/* The method a CSeq names. */
static int cseq_is(const char *m, size_t n, const char *method)
{
	const char *v;
	size_t len = hdr_value(m, n, "CSeq:", &v), k = strlen(method);

	return len > k && !memcmp(v + len - k, method, k);
}

int msgs_reply(char *b, size_t cap, const struct msgs_party *p,
	       const char *req, size_t n, unsigned i, uint64_t ts)
{
	struct out o = { b, cap, 0, 0 };
	char body[512] = "", tag[32] = "";
	int inv = starts(req, n, "INVITE "), reg = starts(req, n, "REGISTER ");

	if (inv) {
		sdp(body, sizeof(body), "bob", p->peer, i,
		    20000 + 2 * (i % 20000));
		snprintf(tag, sizeof(tag), ";tag=b%u", i);
	}
	put(&o, "SIP/2.0 200 OK\r\n");
	copy_hdr(&o, req, n, "Via:", "");
	copy_hdr(&o, req, n, "From:", "");
	copy_hdr(&o, req, n, "To:", tag);
	copy_hdr(&o, req, n, "Call-ID:", "");
	copy_hdr(&o, req, n, "CSeq:", "");
	if (reg)
		copy_hdr(&o, req, n, "Contact:", ";expires=60");
	if (inv)
		put(&o, "Contact: <sip:bob@%s:5060>\r\n", p->peer);
	put(&o, "X-Ts: %" PRIu64 "\r\n", ts);
	put_body(&o, "application/sdp", body);
	return done(&o);
}

int msgs_in_dialog(char *b, size_t cap, const struct msgs_party *p,
		   const char *resp, size_t n, unsigned branch, uint64_t ts)
{
	struct out o = { b, cap, 0, 0 };
	const char *meth = branch & 1 ? "BYE" : "ACK";
	const char *ct;
	size_t cl = hdr_value(resp, n, "Contact:", &ct);

	if (!cl)
		return -1;
	if (*ct == '<') {	/* the Request-URI is the URI inside <> */
		const char *e = memchr(ct, '>', cl);

		if (!e)
			return -1;
		ct++;
		cl = (size_t)(e - ct);
	}
	put(&o, "%s %.*s SIP/2.0\r\n", meth, (int)cl, ct);
	put(&o, "Via: SIP/2.0/UDP %s:%u;branch=z9hG4bK%x.%u.%s;rport\r\n"
		"Max-Forwards: 70\r\n", p->phone, p->phone_port, p->salt,
	    branch, meth);
	copy_hdr(&o, resp, n, "From:", "");
	copy_hdr(&o, resp, n, "To:", "");
	copy_hdr(&o, resp, n, "Call-ID:", "");
	put(&o, "CSeq: %d %s\r\nX-Ts: %" PRIu64 "\r\n", branch & 1 ? 2 : 1,
	    meth, ts);
	put_body(&o, "", "");
	return done(&o);
}

enum msgs_kind msgs_kind(const char *m, size_t n)
{
	if (starts(m, n, "INVITE "))
		return MSG_INVITE;
	if (starts(m, n, "ACK "))
		return MSG_ACK;
	if (starts(m, n, "BYE "))
		return MSG_BYE;
	if (starts(m, n, "REGISTER "))
		return MSG_REGISTER;
	if (!starts(m, n, "SIP/2.0 200"))
		return MSG_OTHER;
	if (cseq_is(m, n, "INVITE"))
		return MSG_200_INVITE;
	if (cseq_is(m, n, "BYE"))
		return MSG_200_BYE;
	if (cseq_is(m, n, "REGISTER"))
		return MSG_200_REGISTER;
	return MSG_OTHER;
}

uint64_t msgs_ts(const char *m, size_t n)
{
	const char *v;
	size_t len = hdr_value(m, n, "X-Ts:", &v);
	char tmp[24];

	if (!len || len >= sizeof(tmp))
		return 0;
	memcpy(tmp, v, len);
	tmp[len] = '\0';
	return strtoull(tmp, NULL, 10);
}
