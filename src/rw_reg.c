/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "rw.h"

/* Registrations and subscriptions: how long a phone's signalling
 * binding lives. */

/* Grace added to a registrar's expiry: the phone refreshes a little after
 * the registrar's deadline on slow networks; losing the binding first
 * would drop incoming calls (RFC 3261 10.2.1 suggests refreshing early,
 * not all phones do). */
#define REG_GRACE 30

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

/* The address-of-record a REGISTER transaction is about: its To URI
 * (its span in *u, empty when there is no To), hashed. */
static uint32_t aor_hash(const struct sip_msg *m, struct span *u)
{
	int h = sip_hdr_find(m, SIP_HDR_TO, 0);
	struct span v;
	uint32_t i, lt = 0, gt = 0;

	*u = (struct span){ 0, 0 };
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
	*u = lt && gt ? (struct span){ v.off + lt, gt - lt }
		      : (struct span){ v.off, i };
	return rw_dialog_hash(m->buf, *u);
}

/* Record that the registrar granted aor expiry seconds through b (0:
 * removed); b lives as long as its longest registration. */
static bool reg_has_user(unsigned n, const uint32_t *users, uint32_t user)
{
	unsigned i;

	for (i = 0; i < n; i++)
		if (users[i] == user)
			return true;
	return false;
}

/* Remember user among an AOR's Contacts on this binding; when full, the
 * oldest makes room (each refresh names its Contacts again). */
static void reg_add_user(unsigned *n, uint32_t *users, uint32_t user)
{
	if (reg_has_user(*n, users, user))
		return;
	if (*n == SIG_MAX_USERS) {
		memmove(users, users + 1, (SIG_MAX_USERS - 1) * sizeof(*users));
		(*n)--;
	}
	users[(*n)++] = user;
}

static void registered(const struct rw_ctx *x, struct binding *b,
		       uint32_t aor, const char *uri, uint32_t user,
		       uint32_t expiry, struct rw_result *r)
{
	struct sig_state *s = b->sig;
	uint32_t cap = x->conf->register_max_expiry;
	uint64_t until = 0;
	unsigned i, k;

	if (rewrite_save_binding(r, b) < 0)
		return;	/* the plan fails (j.full) */
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
		s->reg[k].n_user = 0;
		snprintf(s->reg[k].aor_uri, sizeof(s->reg[k].aor_uri), "%s",
			 uri);
	}
	if (k < s->n_reg) {
		if (expiry) {
			s->reg[k].until = x->now + expiry + REG_GRACE;
			reg_add_user(&s->reg[k].n_user, s->reg[k].user, user);
			memset(&s->reg[k].registrar, 0,
			       sizeof(s->reg[k].registrar));
			memcpy(&s->reg[k].registrar, &x->src,
			       x->family == AF_INET6 ? 16 : 4);
		}
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
		registered(x, b, aor, "", 0, 0, r);
}

void rw_reg_aor_text(const struct sip_msg *m, char *out, size_t cap)
{
	struct span us;

	aor_hash(m, &us);
	snprintf(out, cap, "%.*s", (int)us.len, m->buf + us.off);
}

int rw_reg_contacts(const struct rw_ctx *x, const struct sip_msg *m,
		       bool reg_ok, struct rw_result *r)
{
	char uri[BIND_TEXT_MAX] = "";
	struct span us;
	uint32_t aor = reg_ok ? aor_hash(m, &us) : 0;
	bool named = false;
	unsigned i;

	if (reg_ok)	/* the text only for the operator's listing */
		snprintf(uri, sizeof(uri), "%.*s", (int)us.len,
			 m->buf + us.off);

	for (i = 0; i < m->n_hdr; i++) {
		struct sip_hostport hp;
		struct binding *b;
		struct span item;
		uint32_t pos = 0;

		if (m->hdr[i].id != SIP_HDR_CONTACT)
			continue;
		while (sip_list_next(m->buf, m->hdr[i].value, &pos, &item)) {
			if (sip_uri_hostport(m->buf, item, &hp) < 0 ||
			    !(b = rw_in_pub_binding(x, m, &hp, true)))
				continue;
			if (reg_ok) {
				named |= b->in_port == x->dport;
				registered(x, b, aor, uri,
					   rw_reg_user(m->buf, item, &hp),
					   contact_expiry(m, item,
					   x->conf->register_default_expiry),
					   r);
			}
			if (rw_in_restore_uri(x, m, &hp, b, r) < 0)
				return -1;
		}
	}
	if (reg_ok && !named)
		unregistered(x, aor, r);
	return 0;
}


uint32_t rw_reg_user(const char *buf, struct span item,
		     const struct sip_hostport *hp)
{
	uint32_t i, at = hp->host.off;

	if (at <= item.off || buf[at - 1] != '@')
		return rw_dialog_hash(buf, (struct span){ 0, 0 });
	for (i = item.off; i + 4 <= at; i++)
		if (!strncasecmp(buf + i, "sip:", 4) ||
		    !strncasecmp(buf + i, "sips:", 5)) {
			i += buf[i + 3] == ':' ? 4 : 5;
			return rw_dialog_hash(buf, (struct span){
						i, at - 1 - i });
		}
	return rw_dialog_hash(buf, (struct span){ 0, 0 });
}

bool rw_reg_ruri_user(const struct sip_msg *m, uint32_t *user)
{
	struct sip_hostport hp;

	if (sip_uri_hostport(m->buf, m->ruri, &hp) < 0)
		return false;
	*user = rw_reg_user(m->buf, m->ruri, &hp);
	return true;
}

bool rw_reg_sender_ok(const struct conf *c, int family,
		      const union addr *registrar, const union addr *src)
{
	if (c->incoming_from == INCOMING_ANY)
		return true;
	if (c->incoming_from == INCOMING_REGISTRAR)
		return addr_eq(family, registrar, src);
	return conf_nets_have(c->incoming_nets, c->n_incoming_nets, family,
			      src);
}

/* May out-of-dialog request m from x->src reach the phone whose
 * registration binding b it arrived on?  Only when its Request-URI names
 * a Contact the phone registered (a scanner guessing users reaches no
 * phone) and incoming_from allows the sender. */
static bool reg_admits(const struct rw_ctx *x, const struct sip_msg *m,
		       const struct binding *b)
{
	const struct sig_state *s = b->sig;
	uint32_t user;
	unsigned i;

	if (!rw_reg_ruri_user(m, &user))
		return false;
	for (i = 0; i < s->n_reg; i++)
		if (reg_has_user(s->reg[i].n_user, s->reg[i].user, user) &&
		    rw_reg_sender_ok(x->conf, x->family, &s->reg[i].registrar,
				     &x->src))
			return true;
	return false;
}

const char *rw_reg_inbound(const struct rw_ctx *x, const struct sip_msg *m)
{
	struct binding *b;
	struct span tag;
	int h;

	if (!m->is_request || sip_method_is(m, "ACK") ||
	    sip_method_is(m, "CANCEL") || rw_addr_inside(x, &x->src))
		return NULL;
	if (sip_tag(m, SIP_HDR_TO, &tag) && tag.len)
		return NULL;	/* in a dialog: the call's rules apply */
	h = sip_hdr_find(m, SIP_HDR_CALL_ID, 0);
	if (h >= 0 && calls_find(x->calls, m->buf + m->hdr[h].value.off,
				 m->hdr[h].value.len))
		return NULL;	/* a retransmission or a fork of a known call */
	b = calls_binding_find(x->calls, x->family, &x->dst, x->dport);
	if (!b || b->kind != BIND_SIG || !b->sig->n_reg)
		return NULL;	/* no registration: not a registration's hole */
	return reg_admits(x, m, b) ? NULL : RW_WHY_NOT_REGISTERED;
}

/* Hash of the Call-ID: tells one registration's transactions from the
 * next after a reboot (new Call-ID, CSeq starting again). */
static uint32_t callid_hash(const struct sip_msg *m)
{
	int h = sip_hdr_find(m, SIP_HDR_CALL_ID, 0);

	return h < 0 ? 0 : rw_dialog_hash(m->buf, m->hdr[h].value);
}

/* The top Via's branch of m, hashed (0: none). */
static uint32_t branch_hash(const struct sip_msg *m)
{
	struct sip_via v;

	if (sip_top_via(m, &v) < 0)
		return 0;
	return rw_dialog_hash(m->buf, v.branch);
}

void rw_reg_sent(const struct rw_ctx *x, const struct sip_msg *m,
		 struct binding *b)
{
	struct sig_state *s = b->sig;
	uint32_t id = callid_hash(m), cseq = rw_dialog_cseq(m);
	unsigned i;

	for (i = 0; i < s->n_reg_sent; i++)
		if (s->reg_sent[i].callid == id && s->reg_sent[i].cseq == cseq)
			break;	/* a retransmission: same entry */
	if (i == s->n_reg_sent) {
		if (s->n_reg_sent < SIG_MAX_AOR) {
			i = s->n_reg_sent++;
		} else {
			i = s->reg_sent_next;
			s->reg_sent_next = (i + 1) % SIG_MAX_AOR;
		}
	}
	s->reg_sent[i].callid = id;
	s->reg_sent[i].cseq = cseq;
	s->reg_sent[i].branch = branch_hash(m);
	memset(&s->reg_sent[i].to, 0, sizeof(s->reg_sent[i].to));
	memcpy(&s->reg_sent[i].to, &x->dst, x->family == AF_INET6 ? 16 : 4);
	s->reg_sent[i].to_port = x->dport;
}

/* Does 2xx m answer a REGISTER the phone (binding b) sent, and come from
 * where that REGISTER went?  A forged 2xx from another host must not
 * unregister the phone or stretch its binding (RFC 3261 10.2: the
 * registrar answers the transaction the phone started). */
static bool reg_answers(const struct rw_ctx *x, const struct sip_msg *m,
			const struct binding *b)
{
	const struct sig_state *s = b->sig;
	uint32_t id = callid_hash(m), cseq = rw_dialog_cseq(m);
	uint32_t branch = branch_hash(m);
	unsigned i;

	for (i = 0; i < s->n_reg_sent; i++)
		if (s->reg_sent[i].callid == id && s->reg_sent[i].cseq == cseq &&
		    s->reg_sent[i].branch == branch &&
		    s->reg_sent[i].to_port == x->sport &&
		    rw_addr_eq(x->family, &s->reg_sent[i].to, &x->src))
			return true;
	return false;
}

/* Is this 2xx to REGISTER newer than the last one applied to the phone's
 * binding?  A retransmitted or late 2xx (same Call-ID, lower CSeq) still
 * has its Via and Contact restored but changes no expiry (RFC 3261
 * 10.2.4: a later REGISTER's answer is the registrar's current view). */
bool rw_reg_fresh(const struct rw_ctx *x, const struct sip_msg *m,
		  struct rw_result *r)
{
	struct binding *b = calls_binding_find(x->calls, x->family, &x->dst,
					       x->dport);
	uint32_t id = callid_hash(m), cseq = rw_dialog_cseq(m);

	if (!b || b->kind != BIND_SIG)
		return true;
	if (!reg_answers(x, m, b)) {
		rw_policy_note(r, RW_WHY_REG_2XX);
		return false;
	}
	if (b->sig->reg_callid == id && cseq < b->sig->reg_cseq)
		return false;
	if (rewrite_save_binding(r, b) < 0)
		return false;
	b->sig->reg_callid = id;
	b->sig->reg_cseq = cseq;
	return true;
}

/* A subscription the phone made (presence, busy lamps, message waiting)
 * brings NOTIFYs to its Contact for as long as the 2xx's Expires grants
 * (RFC 6665 4.1.2.1): its binding lives at least that long. */
void rw_reg_subscribed(const struct rw_ctx *x, const struct sip_msg *m,
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
	if (exp && b->expires < until && rewrite_save_binding(r, b) == 0) {
		b->expires = until;
		calls_binding_refresh(x->calls, b, until, x->now, &r->plan);
	}
}
