/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "rw.h"

/* Outbound (inside phone -> outside): Via, Contact, Record-Route and the
 * signalling bindings they name. */

#define SIP_TXN_TIME 32	/* s, 64 * T1 */

static void copy_text(char *dst, size_t cap, const char *buf, struct span s)
{
	size_t n = s.len < cap - 1 ? s.len : cap - 1;

	memcpy(dst, buf + s.off, n);
	dst[n] = '\0';
}

/* Signalling binding of inside a:port, installed (or kept alive) in the
 * kernel until at least until. */
static struct binding *sig_binding(const struct rw_ctx *x,
				   const union addr *a, uint16_t port,
				   uint64_t until, struct rw_result *r)
{
	struct binding *b;
	bool created;

	if (!journal_room(&r->j, 1)) {
		r->skip = "message too large to plan";
		return NULL;
	}
	b = calls_sig_get_at(x->calls, x->family, a, port,
			     rw_map_pub(x, a, port), x->now, &created,
			     &r->limit);
	if (!b)
		return NULL;
	if (created)
		rewrite_note_created(r, b);
	else if (rewrite_save_binding(r, b) < 0)
		return NULL;
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
	struct sip_via v;
	struct binding *b;
	const char *why;
	union addr a;
	uint16_t port;
	char txt[80];

	if (sip_top_via(m, &v) < 0)
		return 0;
	if (!rw_addr_span_inside(x, m->buf, v.sent_by.host, &a))
		return 0;
	port = v.sent_by.port_num ? v.sent_by.port_num : 5060;
	if ((why = rw_policy_bind(x, &a, port))) {
		rw_policy_note(r, why);
		return 0;	/* passes as written */
	}
	if (x->conn)
		return rw_conn_out(x, m, &v.sent_by, x->conn->sent_by,
				   sizeof(x->conn->sent_by), r) < 0 ? -1 : 0;
	b = sig_binding(x, &a, port, sig_until(x, m), r);
	if (!b)
		return -1;
	copy_text(b->sig->sent_by, sizeof(b->sig->sent_by), m->buf,
		  rw_addr_hostport_span(&v.sent_by));
	rw_addr_pub_hostport(x, b, txt, sizeof(txt));
	return edits_add_str(&r->edits, rw_addr_hostport_span(&v.sent_by), txt);
}

/* One URI of a Contact or Record-Route value naming an inside host: point
 * it at the host's public binding.  Contacts remember how the phone wrote
 * itself, for requests that come back to the binding. */
static int out_uri_item(const struct rw_ctx *x, const struct sip_msg *m,
			struct span item, bool contact, struct rw_result *r)
{
	struct sip_hostport hp;
	struct binding *b;
	const char *why;
	union addr a;
	uint16_t port;
	char txt[80];

	if (sip_uri_hostport(m->buf, item, &hp) < 0)
		return 0;	/* "*", tel:, other schemes */
	if (!rw_addr_span_inside(x, m->buf, hp.host, &a))
		return 0;
	port = hp.port_num ? hp.port_num : 5060;
	if ((why = rw_policy_bind(x, &a, port))) {
		rw_policy_note(r, why);
		return 0;	/* passes as written */
	}
	if (x->conn)
		return rw_conn_out(x, m, &hp, contact ? x->conn->contact_hp
						      : NULL,
				   sizeof(x->conn->contact_hp), r) < 0 ? -1 : 0;
	b = sig_binding(x, &a, port, sig_until(x, m), r);
	if (!b)
		return -1;
	copy_text(contact ? b->sig->contact_hp : b->sig->route_hp, BIND_TEXT_MAX,
		  m->buf, rw_addr_hostport_span(&hp));
	rw_addr_pub_hostport(x, b, txt, sizeof(txt));
	return edits_add_str(&r->edits, rw_addr_hostport_span(&hp), txt);
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


/* hp names b's public side (address and port). */
static bool names_pub(const struct rw_ctx *x, const struct sip_msg *m,
		      const struct sip_hostport *hp, const struct binding *b)
{
	union addr a;

	return rw_addr_parse(m->buf, hp->host, x->family, &a) &&
	       rw_addr_eq(x->family, &a, calls_pub_addr(x->calls, b)) &&
	       (hp->port_num ? hp->port_num : 5060) == b->pub_port;
}

/* The phone now writes its public address itself (it learned it by STUN,
 * or from received/rport, RFC 3581): what it wrote privately before must
 * no longer be put back into what comes in, or it would get a Via or a
 * Request-URI it no longer sent (strict phones drop such responses). */
static void out_self_public(const struct rw_ctx *x, const struct sip_msg *m,
			    struct binding *src)
{
	struct sip_hostport hp;
	struct sip_via v;
	struct span item;
	uint32_t pos;
	unsigned i;

	if (m->is_request && sip_top_via(m, &v) == 0 &&
	    names_pub(x, m, &v.sent_by, src))
		src->sig->sent_by[0] = '\0';
	for (i = 0; i < m->n_hdr; i++) {
		if (m->hdr[i].id != SIP_HDR_CONTACT)
			continue;
		pos = 0;
		while (sip_list_next(m->buf, m->hdr[i].value, &pos, &item))
			if (sip_uri_hostport(m->buf, item, &hp) == 0 &&
			    names_pub(x, m, &hp, src))
				src->sig->contact_hp[0] = '\0';
	}
}

/* The call m belongs to (held on the phone's signalling binding src,
 * NULL over TCP and for dual stack) and its SDP's media. */
static int out_session(const struct rw_ctx *x, const struct sip_msg *m,
		       struct binding *src, struct rw_result *r)
{
	struct call *k = NULL;

	if (rw_dialog_may_have_session(m) && rw_body_is_sdp(m)) {
		k = rw_dialog_call(x, m, true, r);
		if (!k || rw_dialog_hold_sig(r, k, src) < 0)
			return -1;
	} else if (m->is_request && sip_method_is(m, "INVITE") &&
		   !x->media_only) {
		k = rw_dialog_call(x, m, true, r);	/* late offer */
		if (!k || rw_dialog_hold_sig(r, k, src) < 0)
			return -1;
	}
	return rw_media_out(x, m, k, r);
}

int rw_out_plan(const struct rw_ctx *x, const struct sip_msg *m,
		    struct rw_result *r)
{
	struct binding *src;

	/* The ports the phone listens on (Via, Contact) are bound first, so
	 * they keep their own number when it is free; then the flow the
	 * packet leaves on, whose SNAT binding must exist before the
	 * verdict so it leaves from the port the message names. */
	if (x->media_only)	/* signalling is IPv6's: no binding */
		return out_session(x, m, NULL, r);
	if (m->is_request && out_via(x, m, r) < 0)
		return -1;
	if (out_uris(x, m, r) < 0)
		return -1;
	if ((r->skip = rw_policy_bind(x, &x->src, x->sport)))
		return -1;	/* the flow itself: no binding, no rewrite */
	/* Over TCP the connection is the flow's binding (conntrack's). */
	src = x->conn ? NULL
		      : sig_binding(x, &x->src, x->sport, sig_until(x, m), r);
	if (!src && !x->conn)
		return -1;
	if (src && m->is_request && sip_method_is(m, "REGISTER"))
		rw_reg_sent(x, m, src);
	if (src)	/* saved by sig_binding: a rollback restores it */
		out_self_public(x, m, src);
	return out_session(x, m, src, r);
}

/* --- inbound: outside -> inside phone ------------------------------- */
