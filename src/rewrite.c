/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <stdio.h>
#include <strings.h>
#include <sys/socket.h>

#include "rewrite.h"

/* Grace added to a registrar's expiry: the phone refreshes a little after
 * the registrar's deadline on slow networks; losing the binding first
 * would drop incoming calls (RFC 3261 10.2.1 suggests refreshing early,
 * not all phones do). */
#define REG_GRACE 30
#define SIP_TXN_TIME 32	/* s, 64 * T1 */

void rewrite_addr_text(int family, const union addr *a, char *out,
		       size_t cap)
{
	if (!inet_ntop(family, a, out, (socklen_t)cap) && cap)
		out[0] = '\0';
}

/* Parse span s as an address literal of the packet's family. */
static bool span_addr(const char *buf, struct span s, int family,
		      union addr *a)
{
	char tmp[64];

	if (s.len == 0 || s.len >= sizeof(tmp))
		return false;
	memcpy(tmp, buf + s.off, s.len);
	tmp[s.len] = '\0';
	if (family == AF_INET6 && tmp[0] == '[' && tmp[s.len - 1] == ']') {
		memmove(tmp, tmp + 1, s.len - 2);
		tmp[s.len - 2] = '\0';
	}
	return inet_pton(family, tmp, a) == 1;
}

static bool addr_eq(int family, const union addr *a, const union addr *b)
{
	return memcmp(a, b, family == AF_INET6 ? 16 : 4) == 0;
}

static bool prefix_has(const struct prefix *p, int family,
		       const union addr *a)
{
	const unsigned char *x = (const void *)&p->addr, *y = (const void *)a;
	unsigned full = p->len / 8, rest = p->len % 8;

	if (p->family != family)
		return false;
	if (memcmp(x, y, full))
		return false;
	return !rest || ((x[full] ^ y[full]) & (0xff << (8 - rest))) == 0;
}

/* True when a is an inside address: the phone that sent or receives this
 * packet, or any address in a network behind the gateway. */
static bool is_inside(const struct rw_ctx *x, const union addr *a)
{
	const union addr *phone = x->dir == RW_OUT ? &x->src : &x->dst;
	unsigned i;

	if (addr_eq(x->family, a, phone))
		return true;
	for (i = 0; i < x->n_inside; i++)
		if (prefix_has(&x->inside[i], x->family, a))
			return true;
	return false;
}

static bool span_is_inside(const struct rw_ctx *x, const char *buf,
			   struct span s, union addr *a)
{
	return span_addr(buf, s, x->family, a) && is_inside(x, a);
}

static bool span_is_pub(const struct rw_ctx *x, const char *buf,
			struct span s)
{
	union addr a;

	return span_addr(buf, s, x->family, &a) &&
	       calls_is_public(x->calls, x->family, &a);
}

/* "host:port" of the gateway for binding b. */
static void pub_hostport(const struct rw_ctx *x, const struct binding *b,
			 char *out, size_t cap)
{
	char a[INET6_ADDRSTRLEN];

	rewrite_addr_text(x->family, calls_pub_addr(x->calls, b), a,
			  sizeof(a));
	if (x->family == AF_INET6)
		snprintf(out, cap, "[%s]:%u", a, b->pub_port);
	else
		snprintf(out, cap, "%s:%u", a, b->pub_port);
}

/* The span covering host[:port] of hp. */
static struct span hostport_span(const struct sip_hostport *hp)
{
	struct span s = hp->host;

	if (hp->port.len)
		s.len = span_end(hp->port) - s.off;
	return s;
}

static void copy_text(char *dst, size_t cap, const char *buf, struct span s)
{
	size_t n = s.len < cap - 1 ? s.len : cap - 1;

	memcpy(dst, buf + s.off, n);
	dst[n] = '\0';
}

static void note_created(struct rw_result *r, struct binding *b)
{
	if (r->n_created < RW_MAX_CREATED)
		r->created[r->n_created++] = b;
}

/* Signalling binding of inside a:port, installed (or kept alive) in the
 * kernel until at least until. */
static struct binding *sig_binding(const struct rw_ctx *x,
				   const union addr *a, uint16_t port,
				   uint64_t until, struct rw_result *r)
{
	struct binding *b;
	bool created;

	b = calls_sig_get(x->calls, x->family, a, port, x->now, &created,
			  &r->limit);
	if (!b)
		return NULL;
	if (created)
		note_created(r, b);
	if (b->expires < until)
		b->expires = until;
	calls_binding_refresh(x->calls, b, b->expires, x->now, &r->plan);
	return b;
}

/* How long a phone's signalling binding must live for this message: an
 * INVITE for the call's setup; anything else for its transaction (64*T1 =
 * 32 s, RFC 3261 17: the ACK to a final response, the response to a
 * request).  Registrations and calls keep it longer by their own means. */
static uint64_t sig_until(const struct rw_ctx *x, const struct sip_msg *m)
{
	if (m->is_request && sip_method_is(m, "INVITE"))
		return x->now + x->conf->call_setup_timeout;
	return x->now + SIP_TXN_TIME;
}

/* --- outbound: inside phone -> outside ------------------------------- */

static int out_via(const struct rw_ctx *x, const struct sip_msg *m,
		   struct rw_result *r)
{
	int h = sip_hdr_find(m, SIP_HDR_VIA, 0);
	struct sip_via v;
	struct span item;
	struct binding *b;
	union addr a;
	uint32_t pos = 0;
	char txt[80];

	if (h < 0 || !sip_list_next(m->buf, m->hdr[h].value, &pos, &item))
		return 0;
	if (sip_via_parse(m->buf, item, &v) < 0)
		return 0;
	if (!span_is_inside(x, m->buf, v.sent_by.host, &a))
		return 0;
	b = sig_binding(x, &a, v.sent_by.port_num ? v.sent_by.port_num : 5060,
			sig_until(x, m), r);
	if (!b)
		return -1;
	copy_text(b->sig->sent_by, sizeof(b->sig->sent_by), m->buf,
		  hostport_span(&v.sent_by));
	pub_hostport(x, b, txt, sizeof(txt));
	return edits_add_str(&r->edits, hostport_span(&v.sent_by), txt);
}

/* One URI of a Contact or Record-Route value naming an inside host: point
 * it at the host's public binding.  Contacts remember how the phone wrote
 * itself, for requests that come back to the binding. */
static int out_uri_item(const struct rw_ctx *x, const struct sip_msg *m,
			struct span item, bool contact, struct rw_result *r)
{
	struct sip_hostport hp;
	struct binding *b;
	union addr a;
	char txt[80];

	if (sip_uri_hostport(m->buf, item, &hp) < 0)
		return 0;	/* "*", tel:, other schemes */
	if (!span_is_inside(x, m->buf, hp.host, &a))
		return 0;
	b = sig_binding(x, &a, hp.port_num ? hp.port_num : 5060,
			sig_until(x, m), r);
	if (!b)
		return -1;
	copy_text(contact ? b->sig->contact_hp : b->sig->route_hp, BIND_TEXT_MAX,
		  m->buf, hostport_span(&hp));
	pub_hostport(x, b, txt, sizeof(txt));
	return edits_add_str(&r->edits, hostport_span(&hp), txt);
}

/* Contact (RFC 3261 8.1.1.8) and Record-Route (16.6 step 4, a proxy or
 * PBX behind the gateway): both tell the outside where to send. */
static int out_uris(const struct rw_ctx *x, const struct sip_msg *m,
		    struct rw_result *r)
{
	unsigned i;

	for (i = 0; i < m->n_hdr; i++) {
		enum sip_hdr_id id = m->hdr[i].id;
		struct span item;
		uint32_t pos = 0;

		if (id != SIP_HDR_CONTACT && id != SIP_HDR_RECORD_ROUTE)
			continue;
		while (sip_list_next(m->buf, m->hdr[i].value, &pos, &item))
			if (out_uri_item(x, m, item, id == SIP_HDR_CONTACT,
					 r) < 0)
				return -1;
	}
	return 0;
}

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
static bool sdp_span(const struct sip_msg *m, struct span *sdp)
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

static bool body_is_sdp(const struct sip_msg *m)
{
	struct span s;

	return sdp_span(m, &s);
}

/* Rewrite one SDP address token if it is inside. */
static int sdp_addr_edit(const struct rw_ctx *x, const char *body,
			 uint32_t base, const struct sdp_addr *sa,
			 struct rw_result *r)
{
	char txt[INET6_ADDRSTRLEN];
	union addr a;
	struct span s = { base + sa->addr.off, sa->addr.len };

	if (!sa->is_literal || sa->family != (x->family == AF_INET6 ? 6 : 4))
		return 0;	/* other family or a name: left alone */
	if (!span_is_inside(x, body - base, s, &a))
		return 0;
	rewrite_addr_text(x->family, &x->pub, txt, sizeof(txt));
	return edits_add_str(&r->edits, s, txt);
}

static int sdp_port_edit(struct rw_result *r, uint32_t base, struct span p,
			 uint16_t port)
{
	char txt[8];
	struct span s = { base + p.off, p.len };

	snprintf(txt, sizeof(txt), "%u", port);
	return edits_add_str(&r->edits, s, txt);
}

static void plan_media_add(const struct rw_ctx *x, struct binding *b,
			   struct rw_result *r)
{
	struct nat_elem e;

	note_created(r, b);
	calls_elem(x->calls, b, &e);
	e.timeout = x->conf->call_max_duration + 60;
	nat_plan_add(&r->plan, &e);
	b->seen = x->now;
}

static void stale_flow(const struct rw_ctx *x, const struct binding *b,
		       const union addr *to, uint16_t port, struct rw_result *r)
{
	struct nat_flow *f;

	if (!port || r->n_stale == RW_MAX_STALE)
		return;
	f = &r->stale[r->n_stale++];
	f->family = x->family;
	f->src = b->in_addr;
	f->sport = b->in_port;
	f->dst = *to;
	f->dport = port;
}

/* A new pair for stream i: if the far end's SDP already told the phone
 * where stream i goes, the phone may have sent before this message left
 * the queue; that flow went out through plain masquerading and would
 * keep its port, so it is deleted after the verdict. */
static void stale_flows(const struct rw_ctx *x, const struct call *k,
			unsigned i, const struct binding *rtp,
			const struct binding *rtcp, struct rw_result *r)
{
	if (i >= k->n_remote)
		return;
	stale_flow(x, rtp, &k->remote[i].addr, k->remote[i].rtp, r);
	stale_flow(x, rtcp, &k->remote[i].addr, k->remote[i].rtcp, r);
}

/* Media line i of the SDP at m->buf + base: bind its inside address and
 * ports, point m= and a=rtcp at the public pair. */
static int out_media(const struct rw_ctx *x, const struct sip_msg *m,
		     uint32_t base, const struct sdp_msg *sd, unsigned i,
		     struct call *k, struct rw_result *r)
{
	const struct sdp_media *md = &sd->media[i];
	const struct sdp_addr *ca = sdp_media_conn(sd, i);
	struct binding *rtp, *rtcp;
	struct span s;
	union addr a;
	bool created;
	uint16_t rtcp_port;

	if (!ca || !ca->is_literal ||
	    ca->family != (x->family == AF_INET6 ? 6 : 4))
		return 0;	/* not an address we route */
	s = (struct span){ base + ca->addr.off, ca->addr.len };
	if (!span_is_inside(x, m->buf, s, &a))
		return 0;
	calls_note_sdp(k, x->family, &a);
	if (md->port_num == 0)
		return 0;	/* declined: no binding */
	rtcp_port = md->has_rtcp ? md->rtcp_port_num : md->port_num + 1;
	if (calls_media_get(x->calls, k, x->family, &a, md->port_num,
			    rtcp_port, &rtp, &rtcp, &created, &r->limit) < 0)
		return -1;
	if (created) {
		r->media_call = k;
		plan_media_add(x, rtp, r);
		plan_media_add(x, rtcp, r);
	}
	rtp->sdp_seq = rtcp->sdp_seq = k->sdp_seq;
	rtp->m_index = rtcp->m_index = (uint8_t)(i < 255 ? i : 255);
	rtcp->is_rtcp = true;
	if (created)
		stale_flows(x, k, i, rtp, rtcp, r);
	r->n_media++;
	if (sdp_port_edit(r, base, md->port, rtp->pub_port) < 0)
		return -1;
	if (md->has_rtcp &&
	    sdp_port_edit(r, base, md->rtcp_port, rtcp->pub_port) < 0)
		return -1;
	return 0;
}

static int out_sdp(const struct rw_ctx *x, const struct sip_msg *m,
		   struct call *k, struct rw_result *r)
{
	struct span sdp;
	const char *body;
	uint32_t base;
	struct sdp_msg sd;
	unsigned i;

	if (!sdp_span(m, &sdp))
		return 0;
	body = m->buf + sdp.off;
	base = sdp.off;
	if (sdp_scan(&sd, body, sdp.len) != SDP_OK) {
		r->skip = "sdp unparsable";
		return -1;
	}
	if (k)
		k->sdp_seq++;
	if (sd.has_origin && sdp_addr_edit(x, body, base, &sd.origin, r) < 0)
		return -1;
	if (sd.has_conn && sdp_addr_edit(x, body, base, &sd.conn, r) < 0)
		return -1;
	for (i = 0; i < sd.n_media; i++) {
		const struct sdp_media *md = &sd.media[i];

		if (md->has_conn &&
		    sdp_addr_edit(x, body, base, &md->conn, r) < 0)
			return -1;
		if (md->has_rtcp && md->rtcp_has_addr &&
		    sdp_addr_edit(x, body, base, &md->rtcp_addr, r) < 0)
			return -1;
		if (k && out_media(x, m, base, &sd, i, k, r) < 0)
			return -1;
	}
	return 0;
}

/* --- call life ---------------------------------------------------------- */

static struct call *msg_call(const struct rw_ctx *x, const struct sip_msg *m,
			     bool create, struct rw_result *r)
{
	int h = sip_hdr_find(m, SIP_HDR_CALL_ID, 0);
	struct span id;
	bool created;

	if (h < 0)
		return NULL;
	id = m->hdr[h].value;
	if (!create)
		return calls_find(x->calls, m->buf + id.off, id.len);
	return calls_get(x->calls, m->buf + id.off, id.len, x->now, &created,
			 &r->limit);
}

static void end_call(const struct rw_ctx *x, struct call *k,
		     struct rw_result *r)
{
	unsigned n;

	calls_end(x->calls, k, &r->plan, r->gone + r->n_gone, &n);
	r->n_gone += n;
}

/* An INVITE transaction's outcome: 2xx confirms, a final error before
 * any 2xx ends the call (RFC 3261 13.2.2.3). */
static bool hdr_tag(const struct sip_msg *m, enum sip_hdr_id id,
		    struct span *tag)
{
	int h = sip_hdr_find(m, id, 0);

	return h >= 0 && sip_param(m->buf, m->hdr[h].value, "tag", tag) &&
	       tag->len > 0 && tag->len < CALL_TAG_MAX;
}

/* FNV-1a of a span: dialog tags and Call-IDs are kept as 32-bit hashes. */
static uint32_t span_hash(const char *buf, struct span s)
{
	uint32_t v = 2166136261u, i;

	for (i = 0; i < s.len; i++)
		v = (v ^ (uint8_t)buf[s.off + i]) * 16777619u;
	return v;
}

/* The dialog of m: its From and To tags, in either order (a request
 * from the far end swaps them). */
static int dialog_find(const struct call *k, const struct sip_msg *m)
{
	struct span f, t;
	uint32_t hf, ht;
	unsigned i;

	if (!hdr_tag(m, SIP_HDR_FROM, &f) || !hdr_tag(m, SIP_HDR_TO, &t))
		return -1;
	hf = span_hash(m->buf, f);
	ht = span_hash(m->buf, t);
	for (i = 0; i < k->n_dlg; i++) {
		uint32_t a = k->dlg_tag[i][0], b = k->dlg_tag[i][1];

		if ((a == hf && b == ht) || (a == ht && b == hf))
			return (int)i;
	}
	return -1;
}

/* A key for an inside address (IPv4: the address itself). */
static uint32_t host_key(int family, const union addr *a)
{
	if (family == AF_INET)
		return a->v4.s_addr;
	return span_hash((const char *)a, (struct span){ 0, sizeof(*a) });
}

/* The inside party of m: the phone that sent it or receives it. */
static const union addr *msg_inside(const struct rw_ctx *x)
{
	return x->dir == RW_OUT ? &x->src : &x->dst;
}

static void dialog_add(const struct rw_ctx *x, struct call *k,
		       const struct sip_msg *m)
{
	struct span f, t;

	if (!hdr_tag(m, SIP_HDR_FROM, &f) || !hdr_tag(m, SIP_HDR_TO, &t) ||
	    dialog_find(k, m) >= 0 || k->n_dlg == CALL_MAX_DIALOGS)
		return;
	k->dlg_tag[k->n_dlg][0] = span_hash(m->buf, f);
	k->dlg_tag[k->n_dlg][1] = span_hash(m->buf, t);
	k->dlg_host[k->n_dlg] = host_key(x->family, msg_inside(x));
	k->n_dlg++;
}

/* A BYE ends its own dialog; the call's media goes with the last one
 * (other forks of the same INVITE may still be talking).  *host: the
 * ended dialog's inside party when no remaining dialog has it (its media
 * can go), else 0. */
static bool dialog_bye_last(struct call *k, const struct sip_msg *m,
			    uint32_t *host)
{
	int i = dialog_find(k, m);
	unsigned j;

	*host = 0;
	if (i < 0)
		return true;
	*host = k->dlg_host[i];
	k->n_dlg--;
	memmove(k->dlg_tag[i], k->dlg_tag[k->n_dlg], sizeof(k->dlg_tag[i]));
	k->dlg_host[i] = k->dlg_host[k->n_dlg];
	for (j = 0; j < k->n_dlg; j++)
		if (k->dlg_host[j] == *host)
			*host = 0;
	return k->n_dlg == 0;
}

static unsigned release(const struct rw_ctx *x, struct call *k,
			bool (*pick)(void *ctx, const struct binding *b),
			void *ctx, struct rw_result *r)
{
	return calls_release(x->calls, k, pick, ctx, &r->plan, r->gone,
			     &r->n_gone, CALL_MAX_BIND);
}

struct pick_host {
	const struct rw_ctx *x;
	const union addr *addr;
	const struct call *k;
};

static bool pick_of_host(void *ctx, const struct binding *b)
{
	const struct pick_host *p = ctx;

	return addr_eq(p->x->family, &b->in_addr, p->addr);
}

static bool pick_host_key(void *ctx, const struct binding *b)
{
	return host_key(b->family, &b->in_addr) == *(const uint32_t *)ctx;
}

/* A binding an inside host's newer SDP no longer names. */
static bool pick_stale(void *ctx, const struct binding *b)
{
	const struct pick_host *p = ctx;
	unsigned i;

	for (i = 0; i < p->k->n_host; i++)
		if (addr_eq(p->x->family, &b->in_addr, &p->k->host_sdp[i].addr))
			return b->sdp_seq < p->k->host_sdp[i].seq;
	return false;
}

/* An offer/answer exchange completed (2xx to INVITE or UPDATE, ACK with
 * the answer): streams the inside side moved or removed lose their old
 * bindings; streams that kept their address keep theirs untouched. */
static void release_stale(const struct rw_ctx *x, struct call *k,
			  struct rw_result *r)
{
	struct pick_host p = { .x = x, .k = k };

	release(x, k, pick_stale, &p, r);
}

static uint32_t msg_cseq(const struct sip_msg *m)
{
	struct span meth;
	uint32_t n;

	return sip_cseq(m, &n, &meth) == 0 ? n : 0;
}

static void invite_response(const struct rw_ctx *x, const struct sip_msg *m,
			    struct call *k, struct rw_result *r)
{
	struct pick_host p = { .x = x, .addr = &x->src, .k = k };
	uint32_t cseq = msg_cseq(m);

	if (m->status >= 200 && m->status < 300) {
		k->confirmed = true;
		k->setup_deadline = 0;
		dialog_add(x, k, m);
		release_stale(x, k, r);
	} else if (m->status >= 300 && x->dir == RW_OUT && k->invite_cseq &&
		   cseq == k->invite_cseq && dialog_find(k, m) < 0) {
		/* One fork of the initial INVITE failed or was cancelled
		 * (RFC 3261 16.7): its phone's media goes; the call goes
		 * when no branch has media left and none answered. */
		release(x, k, pick_of_host, &p, r);
		if (!k->confirmed && !k->n_bind)
			end_call(x, k, r);
	} else if (m->status >= 300 && !k->confirmed) {
		end_call(x, k, r);
	}
}

static void hold_sig(struct call *k, struct binding *b)
{
	if (!k || !b || k->sig)
		return;
	k->sig = b;
	b->users++;
}

/* Does this message carry or change a session?  INVITE, its responses,
 * ACK, PRACK, UPDATE and their responses can carry SDP (RFC 3264,
 * 3262, 3311). */
static bool msg_may_have_session(const struct sip_msg *m)
{
	static const char *const methods[] = { "INVITE", "ACK", "PRACK",
					       "UPDATE" };
	unsigned i;

	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (sip_method_is(m, methods[i]))
			return true;
	return false;
}

static int plan_out(const struct rw_ctx *x, const struct sip_msg *m,
		    struct rw_result *r)
{
	struct binding *src;
	struct call *k = NULL;

	/* The ports the phone listens on (Via, Contact) are bound first, so
	 * they keep their own number when it is free; then the flow the
	 * packet leaves on, whose SNAT binding must exist before the
	 * verdict so it leaves from the port the message names. */
	if (m->is_request && out_via(x, m, r) < 0)
		return -1;
	if (out_uris(x, m, r) < 0)
		return -1;
	src = sig_binding(x, &x->src, x->sport, sig_until(x, m), r);
	if (!src)
		return -1;
	if (msg_may_have_session(m) && body_is_sdp(m)) {
		k = msg_call(x, m, true, r);
		if (!k)
			return -1;
		hold_sig(k, src);
	} else if (m->is_request && sip_method_is(m, "INVITE")) {
		k = msg_call(x, m, true, r);	/* late offer */
		if (!k)
			return -1;
		hold_sig(k, src);
	}
	if (out_sdp(x, m, k, r) < 0)
		return -1;
	return 0;
}

/* --- inbound: outside -> inside phone ------------------------------- */

/* Replace host:port in hp when it names the binding b (the gateway's
 * address and b's public port). */
static int in_restore_text(const struct rw_ctx *x, const struct sip_msg *m,
			   const struct sip_hostport *hp,
			   const struct binding *b, const char *saved,
			   struct rw_result *r)
{
	uint16_t port = hp->port_num ? hp->port_num : 5060;
	char txt[80];
	union addr a;

	if (!span_addr(m->buf, hp->host, x->family, &a) ||
	    !addr_eq(x->family, &a, calls_pub_addr(x->calls, b)) ||
	    port != b->pub_port)
		return 0;
	if (saved[0])
		return edits_add_str(&r->edits, hostport_span(hp), saved);
	rewrite_addr_text(x->family, &b->in_addr, txt, sizeof(txt));
	snprintf(txt + strlen(txt), sizeof(txt) - strlen(txt), ":%u",
		 b->in_port);
	return edits_add_str(&r->edits, hostport_span(hp), txt);
}

static int in_restore_uri(const struct rw_ctx *x, const struct sip_msg *m,
			  const struct sip_hostport *hp,
			  const struct binding *b, struct rw_result *r)
{
	return in_restore_text(x, m, hp, b, b->sig->contact_hp, r);
}

/* The signalling binding that hp (gateway address, public port) names.
 * mine: only the packet's destination's own binding (its Via, its
 * Contact); otherwise any inside host's (a PBX behind the gateway
 * receives requests for its phones). */
static struct binding *pub_binding(const struct rw_ctx *x,
				   const struct sip_msg *m,
				   const struct sip_hostport *hp, bool mine)
{
	uint16_t port = hp->port_num ? hp->port_num : 5060;
	struct binding *b;
	union addr a;

	if (!span_addr(m->buf, hp->host, x->family, &a))
		return NULL;
	b = calls_binding_by_pub(x->calls, x->family, &a, port);
	if (!b || b->kind != BIND_SIG)
		return NULL;
	if (mine && !addr_eq(x->family, &b->in_addr, &x->dst))
		return NULL;
	return b;
}

/* Route / Record-Route entries naming one of our bindings go back to the
 * inside host that put them there (a PBX or proxy behind the gateway
 * recognises only its own URI, RFC 3261 16.4). */
static int in_restore_routes(const struct rw_ctx *x, const struct sip_msg *m,
			     struct rw_result *r)
{
	unsigned i;

	for (i = 0; i < m->n_hdr; i++) {
		struct sip_hostport hp;
		struct binding *b;
		struct span item;
		uint32_t pos = 0;

		if (m->hdr[i].id != SIP_HDR_ROUTE &&
		    m->hdr[i].id != SIP_HDR_RECORD_ROUTE)
			continue;
		while (sip_list_next(m->buf, m->hdr[i].value, &pos, &item)) {
			if (sip_uri_hostport(m->buf, item, &hp) < 0 ||
			    !span_is_pub(x, m->buf, hp.host) ||
			    !(b = pub_binding(x, m, &hp, false)))
				continue;
			if (in_restore_text(x, m, &hp, b, b->sig->route_hp[0] ?
					    b->sig->route_hp : b->sig->contact_hp,
					    r) < 0)
				return -1;
		}
	}
	return 0;
}

static int in_request(const struct rw_ctx *x, const struct sip_msg *m,
		      struct rw_result *r)
{
	struct sip_hostport hp;
	struct binding *b;

	if (sip_uri_hostport(m->buf, m->ruri, &hp) == 0 &&
	    span_is_pub(x, m->buf, hp.host)) {
		b = pub_binding(x, m, &hp, false);
		if (b && in_restore_uri(x, m, &hp, b, r) < 0)
			return -1;
	}
	/* To and From are left as they are (RFC 3261 16.6): the phone
	 * copies To into its responses, which would carry a restored
	 * private address back out. */
	return in_restore_routes(x, m, r);
}

static int in_via_param(const struct rw_ctx *x, const struct sip_msg *m,
			const struct sip_via *v, struct rw_result *r)
{
	char txt[INET6_ADDRSTRLEN];

	if (v->received.len && span_is_pub(x, m->buf, v->received)) {
		rewrite_addr_text(x->family, &x->dst, txt, sizeof(txt));
		if (edits_add_str(&r->edits, v->received, txt) < 0)
			return -1;
	}
	if (v->rport.len) {
		snprintf(txt, sizeof(txt), "%u", x->dport);
		if (edits_add_str(&r->edits, v->rport, txt) < 0)
			return -1;
	}
	return 0;
}

static int in_via(const struct rw_ctx *x, const struct sip_msg *m,
		  struct rw_result *r)
{
	int h = sip_hdr_find(m, SIP_HDR_VIA, 0);
	struct sip_via v;
	struct span item;
	struct binding *b;
	uint32_t pos = 0;

	if (h < 0 || !sip_list_next(m->buf, m->hdr[h].value, &pos, &item))
		return 0;
	if (sip_via_parse(m->buf, item, &v) < 0 ||
	    !span_is_pub(x, m->buf, v.sent_by.host))
		return 0;
	b = pub_binding(x, m, &v.sent_by, true);
	if (!b || !b->sig->sent_by[0])
		return 0;
	if (edits_add_str(&r->edits, hostport_span(&v.sent_by),
			  b->sig->sent_by) < 0)
		return -1;
	return in_via_param(x, m, &v, r);
}

/* Expiry granted to one contact of a 2xx to REGISTER (RFC 3261 10.3
 * step 8: the contact's expires parameter, else the Expires header). */
static bool span_u32(const char *buf, struct span s, uint32_t *v)
{
	uint32_t i;

	if (s.len == 0 || s.len > 9)
		return false;
	*v = 0;
	for (i = 0; i < s.len; i++) {
		char c = buf[s.off + i];

		if (c < '0' || c > '9')
			return false;
		*v = *v * 10 + (uint32_t)(c - '0');
	}
	return true;
}

static uint32_t contact_expiry(const struct sip_msg *m, struct span item,
			       uint32_t dflt)
{
	struct span val;
	uint32_t v;
	int h;

	if (sip_param(m->buf, item, "expires", &val) &&
	    span_u32(m->buf, val, &v))
		return v;
	h = sip_hdr_find(m, SIP_HDR_EXPIRES, 0);
	if (h >= 0 && span_u32(m->buf, m->hdr[h].value, &v))
		return v;
	return dflt;
}

/* The address-of-record a REGISTER transaction is about: its To URI. */
static uint32_t aor_hash(const struct sip_msg *m)
{
	int h = sip_hdr_find(m, SIP_HDR_TO, 0);
	struct span v, u;
	uint32_t i, lt = 0, gt = 0;

	if (h < 0)
		return 0;
	v = m->hdr[h].value;
	for (i = 0; i < v.len; i++) {
		char c = m->buf[v.off + i];

		if (c == '<' && !lt)
			lt = i + 1;
		else if (c == '>' && lt) {
			gt = i;
			break;
		} else if (c == ';' && !lt)
			break;
	}
	u = lt && gt ? (struct span){ v.off + lt, gt - lt }
		     : (struct span){ v.off, i };
	return span_hash(m->buf, u);
}

/* Record that the registrar granted aor expiry seconds through b (0:
 * removed); b lives as long as its longest registration. */
static void registered(const struct rw_ctx *x, struct binding *b,
		       uint32_t aor, uint32_t expiry, struct rw_result *r)
{
	struct sig_state *s = b->sig;
	uint32_t cap = x->conf->register_max_expiry;
	uint64_t until = 0;
	unsigned i, k;

	if (expiry > cap)
		expiry = cap;
	for (k = 0; k < s->n_reg && s->reg[k].aor != aor; k++)
		;
	if (k == s->n_reg && expiry) {
		if (s->n_reg < SIG_MAX_AOR)
			s->n_reg++;
		else	/* full: the registration nearest its end makes room */
			for (k = 0, i = 1; i < s->n_reg; i++)
				if (s->reg[i].until < s->reg[k].until)
					k = i;
		s->reg[k].aor = aor;
	}
	if (k < s->n_reg) {
		if (expiry)
			s->reg[k].until = x->now + expiry + REG_GRACE;
		else
			s->reg[k] = s->reg[--s->n_reg];
	}
	for (i = 0; i < s->n_reg; i++)
		if (s->reg[i].until > until)
			until = s->reg[i].until;
	b->expires = until ? until : x->now;
	calls_sig_rekey(x->calls, b);
	if (until)
		calls_binding_refresh(x->calls, b, until, x->now, &r->plan);
}

/* A 2xx to REGISTER lists every binding the registrar keeps for the
 * address-of-record; when it does not name the phone's binding, that
 * account is no longer registered through it (RFC 3261 10.2.2, 10.3). */
static void unregistered(const struct rw_ctx *x, uint32_t aor,
			 struct rw_result *r)
{
	struct binding *b = calls_binding_find(x->calls, x->family, &x->dst,
					       x->dport);

	if (b && b->kind == BIND_SIG)
		registered(x, b, aor, 0, r);
}

static int in_contacts(const struct rw_ctx *x, const struct sip_msg *m,
		       bool reg_ok, struct rw_result *r)
{
	uint32_t aor = reg_ok ? aor_hash(m) : 0;
	bool named = false;
	unsigned i;

	for (i = 0; i < m->n_hdr; i++) {
		struct sip_hostport hp;
		struct binding *b;
		struct span item;
		uint32_t pos = 0;

		if (m->hdr[i].id != SIP_HDR_CONTACT)
			continue;
		while (sip_list_next(m->buf, m->hdr[i].value, &pos, &item)) {
			if (sip_uri_hostport(m->buf, item, &hp) < 0 ||
			    !(b = pub_binding(x, m, &hp, true)))
				continue;
			if (reg_ok) {
				named |= b->in_port == x->dport;
				registered(x, b, aor, contact_expiry(m, item,
					   x->conf->register_default_expiry), r);
			}
			if (in_restore_uri(x, m, &hp, b, r) < 0)
				return -1;
		}
	}
	if (reg_ok && !named)
		unregistered(x, aor, r);
	return 0;
}


/* Hash of the Call-ID: tells one registration's transactions from the
 * next after a reboot (new Call-ID, CSeq starting again). */
static uint32_t callid_hash(const struct sip_msg *m)
{
	int h = sip_hdr_find(m, SIP_HDR_CALL_ID, 0);

	return h < 0 ? 0 : span_hash(m->buf, m->hdr[h].value);
}

/* Is this 2xx to REGISTER newer than the last one applied to the phone's
 * binding?  A retransmitted or late 2xx (same Call-ID, lower CSeq) still
 * has its Via and Contact restored but changes no expiry (RFC 3261
 * 10.2.4: a later REGISTER's answer is the registrar's current view). */
static bool reg_fresh(const struct rw_ctx *x, const struct sip_msg *m)
{
	struct binding *b = calls_binding_find(x->calls, x->family, &x->dst,
					       x->dport);
	uint32_t id = callid_hash(m), cseq = msg_cseq(m);

	if (!b || b->kind != BIND_SIG)
		return true;
	if (b->sig->reg_callid == id && cseq < b->sig->reg_cseq)
		return false;
	b->sig->reg_callid = id;
	b->sig->reg_cseq = cseq;
	return true;
}

/* A subscription the phone made (presence, busy lamps, message waiting)
 * brings NOTIFYs to its Contact for as long as the 2xx's Expires grants
 * (RFC 6665 4.1.2.1): its binding lives at least that long. */
static void subscribed(const struct rw_ctx *x, const struct sip_msg *m,
		       struct rw_result *r)
{
	struct binding *b = calls_binding_find(x->calls, x->family, &x->dst,
					       x->dport);
	uint32_t exp = x->conf->register_default_expiry, cap;
	int h = sip_hdr_find(m, SIP_HDR_EXPIRES, 0);
	uint64_t until;

	if (!b || b->kind != BIND_SIG)
		return;
	if (h >= 0)
		span_u32(m->buf, m->hdr[h].value, &exp);
	cap = x->conf->register_max_expiry;
	until = x->now + (exp < cap ? exp : cap) + REG_GRACE;
	if (exp && b->expires < until) {
		b->expires = until;
		calls_binding_refresh(x->calls, b, until, x->now, &r->plan);
	}
}

static int in_response(const struct rw_ctx *x, const struct sip_msg *m,
		       struct rw_result *r)
{
	bool reg_ok = sip_method_is(m, "REGISTER") && m->status >= 200 &&
		      m->status < 300 && reg_fresh(x, m);

	if (in_via(x, m, r) < 0)
		return -1;
	if (in_contacts(x, m, reg_ok, r) < 0 || in_restore_routes(x, m, r) < 0)
		return -1;
	if (sip_method_is(m, "SUBSCRIBE") && m->status >= 200 &&
	    m->status < 300)
		subscribed(x, m, r);
	return 0;
}

/* Remember where the far end's SDP sends each stream (see stale_flows). */
static void note_remote_sdp(const struct rw_ctx *x, const struct sip_msg *m)
{
	struct call *k;
	struct sdp_msg sd;
	struct span sdp;
	unsigned i;

	if (!msg_may_have_session(m) || !sdp_span(m, &sdp) ||
	    !(k = msg_call(x, m, false, NULL)) ||
	    sdp_scan(&sd, m->buf + sdp.off, sdp.len) != SDP_OK)
		return;
	if (calls_remote_size(k, sd.n_media) < 0)
		return;
	for (i = 0; i < k->n_remote; i++) {
		const struct sdp_media *md = &sd.media[i];
		const struct sdp_addr *ca = sdp_media_conn(&sd, i);
		struct span s;

		memset(&k->remote[i], 0, sizeof(k->remote[i]));
		if (!md->port_num || !ca || !ca->is_literal || ca->family != 4)
			continue;
		s = (struct span){ sdp.off + ca->addr.off, ca->addr.len };
		if (!span_addr(m->buf, s, AF_INET, &k->remote[i].addr))
			continue;
		k->remote[i].rtp = md->port_num;
		k->remote[i].rtcp = md->has_rtcp ? md->rtcp_port_num
						 : (uint16_t)(md->port_num + 1);
	}
}

static int plan_in(const struct rw_ctx *x, const struct sip_msg *m,
		   struct rw_result *r)
{
	struct call *k;
	struct binding *b;

	if (m->is_request) {
		if (in_request(x, m, r) < 0)
			return -1;
		if (sip_method_is(m, "INVITE")) {
			k = msg_call(x, m, true, r);
			if (!k)
				return -1;
			b = calls_binding_find(x->calls, x->family, &x->dst,
					       x->dport);
			hold_sig(k, b);
		}
	} else if (in_response(x, m, r) < 0) {
		return -1;
	}
	note_remote_sdp(x, m);
	return 0;
}

/* --- hairpin: inside -> gateway's public address -> inside --------------- */

/* Does m reach this inside host through one of our public bindings (a
 * request to a public Contact, a response to a request that went out
 * rewritten)?  Plain inside-to-inside SIP names no public address. */
static bool hairpinned(const struct rw_ctx *x, const struct sip_msg *m)
{
	struct sip_hostport hp;
	struct sip_via v;
	struct span item;
	uint32_t pos = 0;
	int h;

	if (m->is_request)
		return sip_uri_hostport(m->buf, m->ruri, &hp) == 0 &&
		       span_is_pub(x, m->buf, hp.host);
	h = sip_hdr_find(m, SIP_HDR_VIA, 0);
	return h >= 0 && sip_list_next(m->buf, m->hdr[h].value, &pos, &item) &&
	       sip_via_parse(m->buf, item, &v) == 0 &&
	       span_is_pub(x, m->buf, v.sent_by.host);
}

/* Both ends are behind the gateway and the packet was DNATed from a
 * public binding to one of them: the sender's side is rewritten as an
 * outbound message (its Via, Contact and SDP now name the public
 * address it is SNATed to) and the receiver's side as an inbound one
 * (its Request-URI, Route and top Via come back as it wrote them). */
static int plan_hairpin(const struct rw_ctx *x, const struct sip_msg *m,
			struct rw_result *r)
{
	struct rw_ctx out = *x;

	out.dir = RW_OUT;
	if (plan_out(&out, m, r) < 0)
		return -1;
	return m->is_request ? in_request(x, m, r) : in_response(x, m, r);
}

/* --- the plan ------------------------------------------------------------ */

static int fix_content_length(const struct sip_msg *m, struct rw_result *r)
{
	long delta, len;
	char txt[24];

	if (!m->has_clen)
		return 0;
	delta = edits_delta(&r->edits, m->body.off, span_end(m->body));
	if (!delta)
		return 0;
	len = (long)m->clen + delta;
	if (len < 0)
		return -1;
	snprintf(txt, sizeof(txt), "%ld", len);
	return edits_add_str(&r->edits, m->clen_value, txt);
}

static bool msg_has_to_tag(const struct sip_msg *m)
{
	struct span t;

	return hdr_tag(m, SIP_HDR_TO, &t);
}

/* Session state changes that follow from the message itself. */
static void plan_call_life(const struct rw_ctx *x, const struct sip_msg *m,
			   struct rw_result *r)
{
	struct call *k = msg_call(x, m, false, r);
	uint32_t host;

	if (!k)
		return;
	/* A BYE ends its dialog; 481/408 to a request inside an established
	 * dialog end it too (RFC 3261 12.2.1.2).  A CANCEL ends nothing by
	 * itself: the INVITE's 487 does, and if a 2xx crossed the CANCEL the
	 * call goes on (RFC 3261 9.1). */
	if (m->is_request && sip_method_is(m, "BYE")) {
		if (dialog_bye_last(k, m, &host))
			end_call(x, k, r);
		else if (host)	/* that fork's phone: its media goes */
			release(x, k, pick_host_key, &host, r);
	} else if (!m->is_request && k->confirmed &&
		   (m->status == 481 || m->status == 408)) {
		end_call(x, k, r);
	} else if (!m->is_request && sip_method_is(m, "INVITE")) {
		invite_response(x, m, k, r);
	} else if (!m->is_request && sip_method_is(m, "UPDATE") &&
		   m->status >= 200 && m->status < 300) {
		release_stale(x, k, r);
	} else if (m->is_request && sip_method_is(m, "ACK") &&
		   body_is_sdp(m)) {
		release_stale(x, k, r);	/* the answer to a late offer */
	} else if (m->is_request && sip_method_is(m, "INVITE") &&
		   !k->invite_cseq && !msg_has_to_tag(m)) {
		k->invite_cseq = msg_cseq(m);
	}
}

int rewrite_plan(const struct rw_ctx *ctx, const struct sip_msg *m,
		 struct rw_result *r)
{
	int rc;

	edits_init(&r->edits);
	nat_plan_init(&r->plan);
	r->n_created = 0;
	r->n_gone = 0;
	r->n_stale = 0;
	r->media_call = NULL;
	r->skip = NULL;
	r->limit = NULL;
	r->n_media = 0;
	if (sip_hdr_find(m, SIP_HDR_CALL_ID, 0) < 0) {
		r->skip = "no Call-ID";
		return -1;
	}
	if (ctx->dir == RW_OUT)
		rc = plan_out(ctx, m, r);
	else if (is_inside(ctx, &ctx->src) && hairpinned(ctx, m))
		rc = plan_hairpin(ctx, m, r);
	else
		rc = plan_in(ctx, m, r);
	if (rc == 0)
		plan_call_life(ctx, m, r);
	if (rc == 0 && fix_content_length(m, r) < 0)
		rc = -1;
	if (rc == 0 && (r->edits.overflow || r->plan.overflow)) {
		r->skip = "message too large to plan";
		rc = -1;
	}
	if (rc < 0) {
		if (!r->skip && !r->limit)
			r->skip = "rewrite failed";
		rewrite_rollback(ctx, r);
	}
	return rc;
}

void rewrite_rollback(const struct rw_ctx *ctx, struct rw_result *r)
{
	unsigned i;

	/* Newest first: media pairs were noted after their call's sig.
	 * A new media pair is let go by the call that took it first, so the
	 * call keeps no pointer to freed memory. */
	for (i = r->n_created; i-- > 0;) {
		struct binding *b = r->created[i];

		if (b->kind == BIND_MEDIA && r->media_call)
			calls_unhold(r->media_call, b);
		if (!b->users)
			calls_binding_drop(ctx->calls, b);
	}
	r->n_created = 0;
	r->n_stale = 0;
}
