/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "pin6.h"
#include "pin6_int.h"
#include "rw.h"
#include "sdp.h"

_Static_assert(sizeof(struct pin6_call) <= sizeof(((struct pin6_intent *)0)
						     ->rec), "intent room");
_Static_assert(sizeof(struct pin6_reg) <= sizeof(((struct pin6_intent *)0)
						    ->rec), "intent room");
_Static_assert(PIN6_MAX_CALLS <= INT16_MAX, "slots fit the index");
_Static_assert((PIN6_CALL_BUCKETS & (PIN6_CALL_BUCKETS - 1)) == 0,
	       "buckets a power of two");
_Static_assert(sizeof(struct pin6_offer) <= sizeof(((struct pin6_intent *)0)
						      ->rec), "intent room");

struct pin6 *pin6_new(const struct conf *c)
{
	struct pin6 *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->conf = c;
	memset(p->bucket, 0xff, sizeof(p->bucket));	/* all -1: empty */
	return p;
}

void pin6_free(struct pin6 *p)
{
	free(p);
}

int pin6_fail(struct pin6_job *j, const char *why)
{
	*j->why = why;
	return -1;
}

static uint32_t pin6_hash(const char *s, uint32_t n)
{
	uint32_t h = 2166136261u;

	while (n--)
		h = (h ^ (uint8_t)*s++) * 16777619u;
	return h;
}

/* Hole a:port; k: a call's (media_from applies), NULL: a registration's. */
static void pin6_elem(struct nat_elem *e, const union addr *a, uint16_t port,
		      uint32_t timeout, const struct conf *c,
		      const struct pin6_call *k)
{
	static const union addr zero;

	memset(e, 0, sizeof(*e));
	e->family = AF_INET6;
	e->proto = IPPROTO_UDP;
	e->in_addr = *a;
	e->pub_addr = *a;
	e->in_port = port;
	e->pub_port = port;
	e->timeout = timeout ? timeout : 1;
	if (!k || c->media_from != MEDIA_FROM_SDP)
		return;
	e->filter = true;
	if (!addr_eq(AF_INET6, &k->remote, &zero))
		e->from[e->n_from++] = k->remote;
	if (!addr_eq(AF_INET6, &k->peer, &zero) &&
	    !addr_eq(AF_INET6, &k->peer, &k->remote))
		e->from[e->n_from++] = k->peer;
}

static int pin6_open(struct pin6_job *j, const union addr *a, uint16_t port,
		     uint32_t timeout, const struct pin6_call *k)
{
	struct nat_elem e;

	pin6_elem(&e, a, port, timeout, j->p->conf, k);
	if (nat_plan_add(j->plan, &e) < 0)
		return pin6_fail(j, "too many IPv6 pinholes in one message");
	return 0;
}

/* A hole the kernel holds as old has it (NULL: a registration's), again
 * with a new timeout (and the admitted sources of k): remove and add in
 * the same batch. */
static int pin6_refresh(struct pin6_job *j, const union addr *a,
			uint16_t port, uint32_t timeout,
			const struct pin6_call *old, const struct pin6_call *k)
{
	struct nat_elem e;

	pin6_elem(&e, a, port, timeout, j->p->conf, old);
	if (nat_plan_del(j->plan, &e) < 0)
		return pin6_fail(j, "too many IPv6 pinholes in one message");
	pin6_elem(&e, a, port, timeout, j->p->conf, k);
	if (nat_plan_add(j->plan, &e) < 0)
		return pin6_fail(j, "too many IPv6 pinholes in one message");
	return 0;
}

static int pin6_close(struct nat_plan *plan, struct nat_elem *gone,
		      unsigned cap, unsigned *n_gone, const union addr *a,
		      uint16_t port, const struct conf *c,
		      const struct pin6_call *k)
{
	struct nat_elem e;

	pin6_elem(&e, a, port, 1, c, k);
	if (nat_plan_del(plan, &e) < 0)
		return -1;
	if (*n_gone < cap)
		gone[(*n_gone)++] = e;
	return 0;
}

/* ---- calls ---- */

static bool pin6_call_id(const struct sip_msg *m, struct span *id)
{
	int h = sip_hdr_find(m, SIP_HDR_CALL_ID, 0);

	if (h < 0 || !m->hdr[h].value.len)
		return false;
	*id = m->hdr[h].value;
	return true;
}

static int16_t *pin6_call_chain(struct pin6 *p, const char *id, uint32_t len)
{
	return &p->bucket[pin6_hash(id, len) & (PIN6_CALL_BUCKETS - 1)];
}

int pin6_call_find(const struct pin6 *p, const char *buf, struct span id)
{
	int i = p->bucket[pin6_hash(buf + id.off, id.len) &
			  (PIN6_CALL_BUCKETS - 1)];

	for (; i >= 0; i = p->next[i])
		if (p->call[i].id_len == id.len &&
		    !memcmp(p->call[i].id, buf + id.off, id.len))
			return i;
	return -1;
}

void pin6_call_set(struct pin6 *p, int slot, const struct pin6_call *k)
{
	struct pin6_call *c = &p->call[slot];
	int16_t *at;

	if (c->used) {
		at = pin6_call_chain(p, c->id, c->id_len);
		while (*at != slot)
			at = &p->next[*at];
		*at = p->next[slot];
	}
	if (k)
		memcpy(c, k, sizeof(*c));
	else
		memset(c, 0, sizeof(*c));
	if (c->used) {
		at = pin6_call_chain(p, c->id, c->id_len);
		p->next[slot] = *at;
		*at = (int16_t)slot;
	}
}

static int pin6_call_free_slot(const struct pin6 *p)
{
	unsigned i;

	for (i = 0; i < PIN6_MAX_CALLS; i++)
		if (!p->call[i].used)
			return (int)i;
	return -1;
}

struct pin6_call *pin6_intent_call(struct pin6_job *j, int slot)
{
	struct pin6_call *k = (struct pin6_call *)j->in->rec;

	if (j->in->kind == PIN6_I_CALL && j->in->slot == slot)
		return k;	/* this message changed it already */
	j->in->kind = PIN6_I_CALL;
	j->in->slot = slot;
	memcpy(k, &j->p->call[slot], sizeof(*k));
	return k;
}

/* End call slot: close every hole it holds. */
static int pin6_call_end(struct pin6_job *j, int slot)
{
	struct pin6_call *k = pin6_intent_call(j, slot);
	unsigned i;

	for (i = 0; i < k->n_port; i++)
		if (pin6_close(j->plan, j->gone, j->cap, j->n_gone, &k->phone,
			       k->port[i], j->p->conf, k) < 0)
			return pin6_fail(j, "too many IPv6 pinholes in one "
					    "message");
	memset(k, 0, sizeof(*k));
	j->in->ended = true;
	return 0;
}

static bool pin6_has_port(const struct pin6_call *k, uint16_t port)
{
	unsigned i;

	for (i = 0; i < k->n_port; i++)
		if (k->port[i] == port)
			return true;
	return false;
}

/* Add port to call k (a hole for it into the plan), unless it is below
 * the floor or already open. */
static int pin6_call_port(struct pin6_job *j, struct pin6_call *k,
			  uint16_t port, uint32_t timeout)
{
	if (port < j->p->conf->bind_port_min || pin6_has_port(k, port))
		return 0;
	if (k->n_port == PIN6_CALL_PINS)
		return pin6_fail(j, "too many IPv6 media pinholes in a call");
	/* Streams are RTP/RTCP pairs: two pinholes each. */
	if (j->host_ports + k->n_port + 1 >
	    2 * (uint64_t)j->p->conf->max_media_per_host)
		return pin6_fail(j, "max_media_per_host");
	k->port[k->n_port++] = port;
	return pin6_open(j, &k->phone, port, timeout, k);
}

/* Is SDP address sa the message's sender's own IPv6 address? */
static bool pin6_is_sender(const struct pin6_job *j, const char *buf,
			   const struct sdp_addr *sa)
{
	union addr a;

	return sa && sa->family == SDP_AF_IP6 && sa->is_literal &&
	       rw_addr_parse(buf, sa->addr, AF_INET6, &a) &&
	       addr_eq(AF_INET6, &a, &j->pm->src);
}

static int pin6_media(struct pin6_job *j, struct pin6_call *k,
		      const char *buf, const struct sdp_msg *s)
{
	uint32_t t = k->confirmed ? j->p->conf->call_max_duration
				  : j->p->conf->call_setup_timeout;
	unsigned i;

	for (i = 0; i < s->n_media; i++) {
		const struct sdp_media *md = &s->media[i];
		uint16_t rtcp = 0;

		if (!md->port_num || !pin6_is_sender(j, buf,
						      sdp_media_conn(s, i)))
			continue;	/* declined, or not the sender's */
		if (pin6_call_port(j, k, md->port_num, t) < 0)
			return -1;
		if (md->has_rtcp && (!md->rtcp_has_addr ||
				     pin6_is_sender(j, buf, &md->rtcp_addr)))
			rtcp = md->rtcp_port_num;
		else if (!md->rtcp_mux && md->port_num < 65535)
			rtcp = md->port_num + 1;	/* RFC 3550 */
		if (rtcp && pin6_call_port(j, k, rtcp, t) < 0)
			return -1;
	}
	return 0;
}

/* Does m carry an offer or an answer: SDP in an INVITE, ACK, PRACK or
 * UPDATE, or in a 1xx/2xx to one of them? */
bool pin6_session_sdp(const struct sip_msg *m)
{
	if (m->is_request ? !rw_dialog_may_have_session(m)
			  : (m->status < 101 || m->status > 299 ||
			     !(sip_method_is(m, "INVITE") ||
			       sip_method_is(m, "UPDATE") ||
			       sip_method_is(m, "PRACK"))))
		return false;
	return rw_body_is_sdp(m);
}

static int pin6_call_sdp(struct pin6_job *j, struct span id)
{
	const struct sip_msg *m = j->pm->m;
	static struct sdp_msg s;
	struct span body;
	struct pin6_call *k;
	int slot;

	if (!rw_body_sdp(m, &body))
		return 0;
	if (sdp_scan(&s, m->buf + body.off, body.len) != SDP_OK)
		return pin6_fail(j, "IPv6: SDP not understood");
	slot = pin6_call_find(j->p, m->buf, id);
	if (slot >= 0 && !addr_eq(AF_INET6, &j->p->call[slot].phone,
				  &j->pm->src))
		return pin6_fail(j, "IPv6: Call-ID of another host's call");
	if (pin6_calls_of(j->p, &j->pm->src, slot, &j->host_ports) >=
	    j->p->conf->max_calls_per_host && slot < 0)
		return pin6_fail(j, "max_calls_per_host");
	if (slot < 0) {
		slot = pin6_call_free_slot(j->p);
		if (slot < 0)
			return pin6_fail(j, "IPv6: call table full");
	}
	k = pin6_intent_call(j, slot);
	if (!k->used) {
		k->used = true;
		k->id_len = (uint8_t)id.len;
		memcpy(k->id, m->buf + id.off, id.len);
		k->phone = j->pm->src;
		k->peer = j->pm->dst;
		if (!m->is_request)	/* answering: the far end's offer */
			pin6_offer_take(j->p, j->pm, id, &k->remote);
		k->created = j->pm->now;
		k->expires = j->pm->now + j->p->conf->call_setup_timeout;
	}
	/* A 2xx to INVITE with the phone's answer, or an ACK with its late
	 * answer: the call is up. */
	if (!m->is_request && sip_method_is(m, "INVITE"))
		pin6_dialog_note(k, m);
	if ((!m->is_request && m->status >= 200 &&
	     sip_method_is(m, "INVITE")) ||
	    (m->is_request && sip_method_is(m, "ACK"))) {
		k->confirmed = true;
		k->expires = j->pm->now + j->p->conf->call_max_duration;
	}
	return pin6_media(j, k, m->buf + body.off, &s);
}

int pin6_rehole(struct pin6_job *j, const struct pin6_call *old,
		const struct pin6_call *k)
{
	uint32_t t = k->confirmed ? j->p->conf->call_max_duration
				  : j->p->conf->call_setup_timeout;
	unsigned i;

	for (i = 0; i < old->n_port; i++)
		if (pin6_refresh(j, &k->phone, old->port[i], t, old, k) < 0)
			return -1;
	return 0;
}

/* A 1xx/2xx to INVITE with a To tag makes a dialog; a 2xx confirms the
 * call: its holes stay for the maximum duration instead of the set-up
 * timeout.  Its SDP (the far end's answer) moves what media_from
 * admits. */
static int pin6_call_answer(struct pin6_job *j, int slot)
{
	const struct pin6_call *old = &j->p->call[slot];
	struct pin6_call *k = pin6_intent_call(j, slot);
	bool moved = pin6_far_note(j, old, k), confirm;

	pin6_dialog_note(k, j->pm->m);
	confirm = !k->confirmed && j->pm->m->status >= 200;
	if (confirm) {
		k->confirmed = true;
		k->expires = j->pm->now + j->p->conf->call_max_duration;
	}
	return confirm || moved ? pin6_rehole(j, old, k) : 0;
}

/* A BYE ends the call when its phone sends it, or when its tags name one
 * of the call's dialogs: a host that learnt the Call-ID closes nothing
 * (ignored, counted). */
static int pin6_bye(struct pin6_job *j, int slot)
{
	const struct pin6_call *c = &j->p->call[slot];

	if (j->pm->outbound ? addr_eq(AF_INET6, &c->phone, &j->pm->src)
			    : pin6_dialog_has(c, j->pm->m))
		return pin6_call_end(j, slot);
	j->in->note = j->pm->outbound ? RW_WHY_CALLID_REUSE : RW_WHY_BYE_TAGS;
	return 0;
}

/* BYE ends the call; a final failure to its INVITE ends one that was
 * never confirmed (a forked call that another branch answered stays). */
static int pin6_call_life(struct pin6_job *j, struct span id)
{
	const struct sip_msg *m = j->pm->m;
	int slot = pin6_call_find(j->p, m->buf, id);

	if (slot < 0)
		return 0;
	if (m->is_request)
		return sip_method_is(m, "BYE") ? pin6_bye(j, slot) : 0;
	if (!sip_method_is(m, "INVITE") || m->status < 101)
		return 0;
	if (m->status < 300)
		return pin6_call_answer(j, slot);
	return j->p->call[slot].confirmed ? 0 : pin6_call_end(j, slot);
}

/* ---- registrations ---- */

/* Registration g's hole: its Contact port, from any source over UDP (an
 * out-of-dialog request must still name a registered Contact,
 * pin6_inbound); over TCP a new connection from the registrar alone. */
static void pin6_reg_elem(struct nat_elem *e, const struct pin6_reg *g,
			  uint32_t timeout)
{
	pin6_elem(e, &g->phone, g->port, timeout, NULL, NULL);
	if (!g->tcp)
		return;
	e->proto = IPPROTO_TCP;
	e->from[0] = g->hole_src;
	e->n_from = 1;
}

/* Plan g's hole: removal of old's (NULL: none), and its own with timeout
 * t unless t is 0.  UDP removals go to gone too (their flows). */
static int pin6_reg_hole(struct pin6_job *j, const struct pin6_reg *old,
			 const struct pin6_reg *g, uint32_t t)
{
	struct nat_elem e;

	if (old) {
		pin6_reg_elem(&e, old, 1);
		if (nat_plan_del(j->plan, &e) < 0)
			return pin6_fail(j, "too many IPv6 pinholes");
		if (!t && !old->tcp && *j->n_gone < j->cap)
			j->gone[(*j->n_gone)++] = e;
	}
	if (!t)
		return 0;
	pin6_reg_elem(&e, g, t);
	if (nat_plan_add(j->plan, &e) < 0)
		return pin6_fail(j, "too many IPv6 pinholes");
	return 0;
}

static int pin6_reg_find(const struct pin6 *p, const union addr *a,
			 uint16_t port, bool tcp)
{
	unsigned i;

	for (i = 0; i < PIN6_MAX_REGS; i++)
		if ((p->reg[i].used || p->reg[i].pending) &&
		    p->reg[i].port == port && p->reg[i].tcp == tcp &&
		    addr_eq(AF_INET6, &p->reg[i].phone, a))
			return (int)i;
	return -1;
}

static int pin6_reg_free_slot(const struct pin6 *p)
{
	unsigned i;

	for (i = 0; i < PIN6_MAX_REGS; i++)
		if (!p->reg[i].used && !p->reg[i].pending)
			return (int)i;
	return -1;
}

/* The first Contact of m whose host is the IPv6 address a: its port
 * (5060 when absent) and its expires parameter (or -1). */
static bool pin6_contact(const struct sip_msg *m, const union addr *a,
			 uint16_t *port, long *expires)
{
	struct sip_hostport hp;
	struct span item, v;
	uint32_t pos = 0;
	unsigned n = 0;

	if (!pin6_contact_next(m, a, &n, &pos, &item, &hp))
		return false;
	*port = hp.port_num ? hp.port_num : 5060;
	*expires = -1;
	if (sip_param(m->buf, item, "expires", &v) && v.len && v.len < 10)
		*expires = strtol(m->buf + v.off, NULL, 10);
	return true;
}

static long pin6_expires_hdr(const struct sip_msg *m)
{
	int h = sip_hdr_find(m, SIP_HDR_EXPIRES, 0);
	struct span v;

	if (h < 0)
		return -1;
	v = m->hdr[h].value;
	if (!v.len || v.len > 9 || m->buf[v.off] < '0' || m->buf[v.off] > '9')
		return -1;
	return strtol(m->buf + v.off, NULL, 10);
}

/* REGISTER from a phone: remember it, so its 2xx (and only that) opens
 * the hole. */
static int pin6_register(struct pin6_job *j, struct span id)
{
	const struct sip_msg *m = j->pm->m;
	struct pin6_reg *g = (struct pin6_reg *)j->in->rec;
	uint32_t cseq = 0;
	uint16_t port;
	long want;
	int slot;

	if (!pin6_contact(m, &j->pm->src, &port, &want))
		return 0;	/* names no Contact of its own: no hole */
	if (port < j->p->conf->bind_port_min)
		return pin6_fail(j, "IPv6: Contact port below the floor");
	if (want < 0)
		want = pin6_expires_hdr(m);
	if (want < 0)
		want = j->p->conf->register_default_expiry;
	if (sip_cseq(m, &cseq, &(struct span){ 0, 0 }) < 0)
		return pin6_fail(j, "IPv6: REGISTER without CSeq");
	slot = pin6_reg_find(j->p, &j->pm->src, port, j->pm->tcp);
	if (slot < 0 && pin6_regs_of(j->p, &j->pm->src) >=
			j->p->conf->max_signalling_per_host)
		return pin6_fail(j, "max_signalling_per_host");
	if (slot < 0)
		slot = pin6_reg_free_slot(j->p);
	if (slot < 0)
		return pin6_fail(j, "IPv6: registration table full");
	j->in->kind = PIN6_I_PENDING;
	j->in->slot = slot;
	memcpy(g, &j->p->reg[slot], sizeof(*g));
	g->pending = true;
	g->phone = j->pm->src;
	g->port = port;
	g->registrar = j->pm->dst;
	g->tcp = j->pm->tcp;
	g->pend_id = pin6_hash(m->buf + id.off, id.len);
	g->pend_cseq = cseq;
	g->want = (uint32_t)want;
	pin6_contact_users(m, &j->pm->src, port, g->pend_user,
			   &g->n_pend_user);
	rw_reg_aor_text(m, g->aor, sizeof(g->aor));
	return 0;
}

static int pin6_reg_match(const struct pin6 *p, const struct pin6_msg *pm,
			  struct span id, uint32_t cseq)
{
	uint32_t h = pin6_hash(pm->m->buf + id.off, id.len);
	unsigned i;

	for (i = 0; i < PIN6_MAX_REGS; i++) {
		const struct pin6_reg *g = &p->reg[i];

		if (g->pending && g->pend_id == h && g->pend_cseq == cseq &&
		    addr_eq(AF_INET6, &g->registrar, &pm->src) &&
		    addr_eq(AF_INET6, &g->phone, &pm->dst))
			return (int)i;
	}
	return -1;
}

/* 2xx to a REGISTER the phone sent, from where it went: open, refresh or
 * close the hole for the expiry granted. */
static int pin6_registered(struct pin6_job *j, struct span id)
{
	const struct sip_msg *m = j->pm->m;
	struct pin6_reg *g = (struct pin6_reg *)j->in->rec;
	uint32_t cseq = 0, t;
	uint16_t port;
	long granted = -1;
	int slot;

	if (sip_cseq(m, &cseq, &(struct span){ 0, 0 }) < 0)
		return 0;
	slot = pin6_reg_match(j->p, j->pm, id, cseq);
	if (slot < 0)
		return 0;	/* not the answer to an outstanding REGISTER */
	j->in->kind = PIN6_I_REG;
	j->in->slot = slot;
	memcpy(g, &j->p->reg[slot], sizeof(*g));
	g->pending = false;
	if (pin6_contact(m, &g->phone, &port, &granted) && port != g->port)
		granted = -1;
	if (granted < 0)
		granted = pin6_expires_hdr(m);
	if (granted < 0)
		granted = g->want;
	t = (uint32_t)granted;
	if (t > j->p->conf->register_max_expiry)
		t = j->p->conf->register_max_expiry;
	if (!t || !g->want) {
		if (g->used && pin6_reg_hole(j, &j->p->reg[slot], g, 0) < 0)
			return -1;
		g->used = false;
		g->n_user = 0;
		return 0;
	}
	if (!g->used)
		g->n_user = 0;
	pin6_reg_users(g);
	g->expires = j->pm->now + t;
	g->hole_src = g->registrar;	/* the 2xx came from it */
	if (pin6_reg_hole(j, g->used ? &j->p->reg[slot] : NULL, g, t) < 0)
		return -1;
	g->used = true;
	return 0;
}

/* ---- the plan ---- */

int pin6_plan(const struct pin6 *p, const struct pin6_msg *pm,
	      struct nat_plan *plan, struct nat_elem *gone, unsigned cap,
	      unsigned *n_gone, struct pin6_intent *in, const char **why)
{
	struct pin6_job j = { p, pm, plan, gone, cap, n_gone, in, why, 0 };
	const struct sip_msg *m = pm->m;
	struct span id;

	in->kind = PIN6_I_NONE;
	in->ended = false;
	in->drop = false;
	in->note = NULL;
	if (!pin6_call_id(m, &id))
		return pin6_fail(&j, "IPv6: no Call-ID");
	if (id.len > PIN6_ID_MAX)
		return pin6_fail(&j, "IPv6: Call-ID too long");
	if (pin6_inbound(&j, id) < 0)
		return -1;
	if (pm->outbound && m->is_request && sip_method_is(m, "REGISTER"))
		return pin6_register(&j, id);
	if (!pm->outbound && !m->is_request && m->status >= 200 &&
	    m->status < 300 && sip_method_is(m, "REGISTER"))
		return pin6_registered(&j, id);
	if (!pm->outbound && m->is_request && pin6_session_sdp(m))
		return pin6_far_request(&j, id);
	if (pm->outbound && pin6_session_sdp(m)) {
		/* A 2xx with the phone's answer confirms as well. */
		if (pin6_call_sdp(&j, id) < 0)
			return -1;
		if (j.in->kind != PIN6_I_NONE || m->is_request ||
		    m->status >= 300)
			return 0;
	}
	return pin6_call_life(&j, id);
}

void pin6_commit(struct pin6 *p, const struct pin6_intent *in)
{
	switch (in->kind) {
	case PIN6_I_CALL:
		pin6_call_set(p, in->slot, (const void *)in->rec);
		break;
	case PIN6_I_REG:
	case PIN6_I_PENDING:
		memcpy(&p->reg[in->slot], in->rec, sizeof(p->reg[0]));
		break;
	case PIN6_I_OFFER:
		memcpy(&p->offer[p->offer_next++ % PIN6_OFFERS], in->rec,
		       sizeof(p->offer[0]));
		break;
	default:
		break;
	}
}

unsigned pin6_sweep(struct pin6 *p, uint64_t now, struct nat_plan *plan,
		    struct nat_elem *gone, unsigned cap, unsigned *n_gone)
{
	unsigned i, k, ended = 0;
	struct nat_elem e;

	/* A plan holds NAT_PLAN_MAX removals: what does not fit now
	 * expires at a later sweep. */
	for (i = 0; i < PIN6_MAX_CALLS; i++) {
		struct pin6_call *c = &p->call[i];

		if (plan->n_del + PIN6_CALL_PINS + 1 > NAT_PLAN_MAX)
			return ended;
		if (!c->used || c->expires > now)
			continue;
		for (k = 0; k < c->n_port; k++)
			pin6_close(plan, gone, cap, n_gone, &c->phone,
				   c->port[k], p->conf, c);
		pin6_call_set(p, (int)i, NULL);
		ended++;
	}
	for (i = 0; i < PIN6_MAX_REGS; i++) {
		struct pin6_reg *g = &p->reg[i];

		if (plan->n_del + 1 > NAT_PLAN_MAX)
			return ended;
		if (!g->used || g->expires > now)
			continue;
		pin6_reg_elem(&e, g, 1);
		nat_plan_del(plan, &e);
		if (!g->tcp && *n_gone < cap)
			gone[(*n_gone)++] = e;
		g->used = false;
		ended++;
	}
	return ended;
}

void pin6_counts(const struct pin6 *p, unsigned *calls, unsigned *regs,
		 unsigned *pins)
{
	unsigned i;

	*calls = *regs = *pins = 0;
	for (i = 0; i < PIN6_MAX_CALLS; i++)
		if (p->call[i].used) {
			(*calls)++;
			*pins += p->call[i].n_port;
		}
	for (i = 0; i < PIN6_MAX_REGS; i++)
		if (p->reg[i].used) {
			(*regs)++;
			(*pins)++;
		}
}

/* ---- the operator ---- */

int pin6_end_plan(const struct pin6 *p, const char *id, uint32_t len,
		  struct nat_plan *plan, struct nat_elem *gone, unsigned cap,
		  unsigned *n_gone)
{
	const struct pin6_call *k;
	int slot;
	unsigned i;

	if (!p || !len || len > PIN6_ID_MAX)
		return -1;
	slot = pin6_call_find(p, id, (struct span){ 0, len });
	if (slot < 0)
		return -1;
	k = &p->call[slot];
	for (i = 0; i < k->n_port; i++)
		if (pin6_close(plan, gone, cap, n_gone, &k->phone,
			       k->port[i], p->conf, k) < 0)
			return -1;
	return slot;
}

void pin6_end_commit(struct pin6 *p, int slot)
{
	if (slot >= 0 && slot < PIN6_MAX_CALLS)
		pin6_call_set(p, slot, NULL);
}

/* ---- the listings ---- */

void pin6_each_call(const struct pin6 *p,
		    void (*fn)(void *ctx, const struct pin6_call_info *c),
		    void *ctx)
{
	unsigned i;

	for (i = 0; p && i < PIN6_MAX_CALLS; i++) {
		const struct pin6_call *k = &p->call[i];
		struct pin6_call_info c = {
			k->id, k->id_len, &k->phone, k->port, k->n_port,
			k->confirmed, k->created, k->expires,
		};

		if (k->used)
			fn(ctx, &c);
	}
}

void pin6_each_reg(const struct pin6 *p,
		   void (*fn)(void *ctx, const struct pin6_reg_info *g),
		   void *ctx)
{
	unsigned i;

	for (i = 0; p && i < PIN6_MAX_REGS; i++) {
		const struct pin6_reg *r = &p->reg[i];
		struct pin6_reg_info g = { r->aor, &r->phone, r->port,
					   r->expires };

		if (r->used)
			fn(ctx, &g);
	}
}
