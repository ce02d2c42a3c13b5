/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "rw.h"

/* SDP: addresses and media ports, the media bindings they need, and
 * what the far end's SDP says. */

/* Rewrite one SDP address token if it is inside (conn: a connection
 * address, c= or a=rtcp, which the policy must allow). */
static int sdp_addr_edit(const struct rw_ctx *x, const char *body,
			 uint32_t base, const struct sdp_addr *sa, bool conn,
			 struct rw_result *r)
{
	char txt[INET6_ADDRSTRLEN];
	const char *why;
	union addr a;
	struct span s = { base + sa->addr.off, sa->addr.len };

	if (!sa->is_literal || sa->family != (x->family == AF_INET6 ? 6 : 4))
		return 0;	/* other family or a name: left alone */
	if (!rw_addr_span_inside(x, body - base, s, &a))
		return 0;
	/* A connection address is where media goes: only the sender's own
	 * (the origin line o= only names the session). */
	if (conn && (why = rw_policy_bind(x, &a, x->conf->bind_port_min))) {
		rw_policy_note(r, why);
		return 0;
	}
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

static void plan_media_add(const struct rw_ctx *x, const struct call *k,
			   struct binding *b, struct rw_result *r)
{
	struct nat_elem e;

	rewrite_note_created(r, b);
	calls_media_from(x->calls, k, b);
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
 * keep its port, so it is deleted once the binding is in the kernel, before
 * the verdict (alg.c unstale_now). */
static void stale_flows(const struct rw_ctx *x, const struct call *k,
			unsigned i, const struct binding *rtp,
			const struct binding *rtcp, struct rw_result *r)
{
	if (i >= k->n_remote)
		return;
	stale_flow(x, rtp, &k->remote[i].addr, k->remote[i].rtp, r);
	stale_flow(x, rtcp, &k->remote[i].addr, k->remote[i].rtcp, r);
}

/* An existing binding of inside a:port is about to be held by the call
 * or renumbered: saved for rollback. */
static int save_existing(const struct rw_ctx *x, const union addr *a,
			 uint16_t port, struct rw_result *r)
{
	struct binding *b = calls_binding_find(x->calls, x->family, a, port);

	return b ? rewrite_save_binding(r, b) : 0;
}

/* Is public port p already the binding of inside a:in, or free: no
 * binding on it and no other inside socket's mapping in the kernel (the
 * masquerading reuses a public port towards other hosts, so an inside
 * host can make the kernel map one of its sockets to another phone's
 * STUN-learned port; naming it must not take that phone's media)? */
static bool pub_free_for(const struct rw_ctx *x, uint16_t p,
			 const union addr *a, uint16_t in)
{
	const struct binding *b = calls_binding_by_pub(x->calls, x->family,
						       &x->pub, p);

	if (b)
		return b->kind == BIND_MEDIA && b->in_port == in &&
		       rw_addr_eq(x->family, &b->in_addr, a);
	return !calls_port_other(x->calls, x->family, a, in, p);
}

/* Media line i names the public address itself: a NAT-aware phone wrote
 * the mapping it learned (STUN, an ICE server-reflexive default).  When
 * the kernel still holds that mapping for one of the sender's sockets,
 * the stream is bound on exactly those ports, so the far end's media and
 * the phone's keep the addresses the SDP names and a closed firewall
 * admits them for the call; the text is left as written.  Otherwise
 * nothing is bound (plain NAT carries it, as the phone expects). */
static int out_media_aware(const struct rw_ctx *x, unsigned i,
			   const struct sdp_media *md, struct call *k,
			   struct rw_result *r)
{
	uint16_t pub_rtcp = md->has_rtcp ? md->rtcp_port_num
					 : (uint16_t)(md->port_num + 1);
	uint16_t in_rtp = rw_map_in(x, md->port_num), in_rtcp;
	struct binding *rtp, *rtcp;
	bool created;

	if (!md->port_num || !in_rtp)
		return 0;
	in_rtcp = rw_map_in(x, pub_rtcp);
	if (!in_rtcp)
		in_rtcp = in_rtp + 1;	/* RFC 3550 11: the next port */
	if (in_rtcp == in_rtp || !pub_free_for(x, md->port_num, &x->src,
					       in_rtp) ||
	    !pub_free_for(x, pub_rtcp, &x->src, in_rtcp))
		return 0;
	calls_note_sdp(k, x->family, &x->src);
	if (save_existing(x, &x->src, in_rtp, r) < 0 ||
	    save_existing(x, &x->src, in_rtcp, r) < 0)
		return -1;
	if (!journal_room(&r->j, 2)) {
		r->skip = "message too large to plan";
		return -1;
	}
	if (calls_media_get_at(x->calls, k, x->family, &x->src, in_rtp,
			       in_rtcp, md->port_num, pub_rtcp, &rtp, &rtcp,
			       &created, &r->limit) < 0)
		return -1;
	if (rtp->pub_port != md->port_num || rtcp->pub_port != pub_rtcp)
		return 0;	/* an older pair of these sockets: kept */
	if (created) {
		plan_media_add(x, k, rtp, r);
		plan_media_add(x, k, rtcp, r);
		stale_flows(x, k, i, rtp, rtcp, r);
	}
	rtp->sdp_seq = rtcp->sdp_seq = k->sdp_seq;
	rtp->m_index = rtcp->m_index = (uint8_t)(i < 255 ? i : 255);
	rtcp->is_rtcp = true;
	r->n_media++;
	return 0;
}

/* Does the a=rtcp address of md name a (the stream's own address)? */
static bool rtcp_same(const struct rw_ctx *x, const struct sip_msg *m,
		      uint32_t base, const struct sdp_media *md,
		      const union addr *a)
{
	struct span s = { base + md->rtcp_addr.addr.off,
			  md->rtcp_addr.addr.len };
	union addr r;

	return md->rtcp_addr.is_literal &&
	       rw_addr_parse(m->buf, s, x->family, &r) &&
	       rw_addr_eq(x->family, &r, a);
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
	const char *why;
	struct span s;
	union addr a;
	bool created;
	uint16_t rtcp_port;
	uint32_t rtcp32;

	if (!ca || !ca->is_literal ||
	    ca->family != (x->family == AF_INET6 ? 6 : 4))
		return 0;	/* not an address we route */
	s = (struct span){ base + ca->addr.off, ca->addr.len };
	if (rw_addr_parse(m->buf, s, x->family, &a) &&
	    rw_addr_eq(x->family, &a, &x->pub))
		return out_media_aware(x, i, md, k, r);
	if (!rw_addr_span_inside(x, m->buf, s, &a))
		return 0;
	calls_note_sdp(k, x->family, &a);
	if (md->port_num == 0)
		return 0;	/* declined: no binding */
	rtcp32 = md->has_rtcp ? md->rtcp_port_num : md->port_num + 1u;
	if (!(why = rw_policy_media(x, &a, md->port_num, rtcp32)) &&
	    md->has_rtcp && md->rtcp_has_addr && !rtcp_same(x, m, base, md, &a))
		why = RW_WHY_OTHER_HOST;	/* RTCP elsewhere: no pair */
	if (why) {
		rw_policy_note(r, why);
		return 0;	/* passes as written */
	}
	rtcp_port = (uint16_t)rtcp32;
	if (save_existing(x, &a, md->port_num, r) < 0 ||
	    save_existing(x, &a, rtcp_port, r) < 0)
		return -1;
	if (!journal_room(&r->j, 2)) {
		r->skip = "message too large to plan";
		return -1;
	}
	if (calls_media_get(x->calls, k, x->family, &a, md->port_num,
			    rtcp_port, &rtp, &rtcp, &created, &r->limit) < 0)
		return -1;
	if (created) {
		plan_media_add(x, k, rtp, r);
		plan_media_add(x, k, rtcp, r);
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

int rw_media_out(const struct rw_ctx *x, const struct sip_msg *m,
		   struct call *k, struct rw_result *r)
{
	struct span sdp;
	const char *body;
	uint32_t base;
	struct sdp_msg sd;
	unsigned i;

	if (!rw_body_sdp(m, &sdp))
		return 0;
	body = m->buf + sdp.off;
	base = sdp.off;
	if (sdp_scan(&sd, body, sdp.len) != SDP_OK) {
		r->skip = "sdp unparsable";
		return -1;
	}
	if (k) {
		if (rewrite_save_call(r, k) < 0)
			return -1;
		k->sdp_seq++;
	}
	if (sd.has_origin && sdp_addr_edit(x, body, base, &sd.origin, false, r) < 0)
		return -1;
	if (sd.has_conn && sdp_addr_edit(x, body, base, &sd.conn, true, r) < 0)
		return -1;
	for (i = 0; i < sd.n_media; i++) {
		const struct sdp_media *md = &sd.media[i];

		if (md->has_conn &&
		    sdp_addr_edit(x, body, base, &md->conn, true, r) < 0)
			return -1;
		if (md->has_rtcp && md->rtcp_has_addr &&
		    sdp_addr_edit(x, body, base, &md->rtcp_addr, true, r) < 0)
			return -1;
		if (k && out_media(x, m, base, &sd, i, k, r) < 0)
			return -1;
	}
	return 0;
}

/* --- call life ---------------------------------------------------------- */

/* media_from = sdp: the far end of k's streams may have moved (its SDP
 * names another address, or none): every binding whose admitted sources
 * change is removed and added again in this message's batch, which the
 * kernel applies at once (no packet sees a gap, the old far end is shut
 * out from the first packet after the verdict). */
static void media_refilter(const struct rw_ctx *x, struct call *k,
			   struct rw_result *r)
{
	unsigned i;

	for (i = 0; i < k->n_bind; i++) {
		struct binding *b = k->bind[i], want = *b;
		struct nat_elem e;

		if (b->kind != BIND_MEDIA || !calls_media_from(x->calls, k,
							       &want))
			continue;
		if (rewrite_save_binding(r, b) < 0)
			return;
		calls_elem(x->calls, b, &e);
		nat_plan_del(&r->plan, &e);
		b->filter = want.filter;
		b->n_from = want.n_from;
		memcpy(b->from, want.from, sizeof(b->from));
		calls_elem(x->calls, b, &e);
		e.timeout = x->conf->call_max_duration + 60;
		nat_plan_add(&r->plan, &e);
	}
}

/* Remember where the far end's SDP sends each stream (see stale_flows). */
void rw_media_note_remote(const struct rw_ctx *x, const struct sip_msg *m,
			  struct rw_result *r)
{
	struct call *k;
	struct sdp_msg sd;
	struct span sdp;
	unsigned i;

	if (!rw_dialog_may_have_session(m) || !rw_body_sdp(m, &sdp) ||
	    !(k = rw_dialog_call(x, m, false, r)) ||
	    sdp_scan(&sd, m->buf + sdp.off, sdp.len) != SDP_OK)
		return;
	/* An answered call's media moves only by a message of one of its
	 * dialogs: a response naming none (a host that learnt the Call-ID,
	 * or a late fork's 2xx) leaves the far end where it was - with
	 * media_from = sdp it would re-target the filter.  Requests were
	 * held to the dialog's tags already (rw_dialog_call). */
	if (!m->is_request && k->confirmed && !rw_dialog_names(k, m)) {
		rw_policy_note(r, RW_WHY_BYE_TAGS);
		return;
	}
	if (rewrite_save_call(r, k) < 0 || calls_remote_size(k, sd.n_media) < 0)
		return;
	for (i = 0; i < k->n_remote; i++) {
		const struct sdp_media *md = &sd.media[i];
		const struct sdp_addr *ca = sdp_media_conn(&sd, i);
		struct span s;

		memset(&k->remote[i], 0, sizeof(k->remote[i]));
		if (!md->port_num || !ca || !ca->is_literal || ca->family != 4)
			continue;
		s = (struct span){ sdp.off + ca->addr.off, ca->addr.len };
		if (!rw_addr_parse(m->buf, s, AF_INET, &k->remote[i].addr))
			continue;
		k->remote[i].rtp = md->port_num;
		k->remote[i].rtcp = md->has_rtcp ? md->rtcp_port_num
						 : (uint16_t)(md->port_num + 1);
	}
	media_refilter(x, k, r);
}
