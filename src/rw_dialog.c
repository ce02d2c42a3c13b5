/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "rw.h"

/* Call life: dialogs (forking), their end, offer/answer completion. */

/* The outside party of x (the address the inside side talks to); zero
 * for hairpin (both parties inside). */
static void call_peer(const struct rw_ctx *x, union addr *peer)
{
	memset(peer, 0, sizeof(*peer));
	if (x->dir == RW_OUT)
		memcpy(peer, &x->dst, x->family == AF_INET6 ? 16 : 4);
	else if (!rw_addr_inside(x, &x->src))
		memcpy(peer, &x->src, x->family == AF_INET6 ? 16 : 4);
}

static bool msg_has_to_tag(const struct sip_msg *m);
static const union addr *msg_inside(const struct rw_ctx *x);

/* The outside host whose INVITE makes a call (counted until answered),
 * or NULL. */
static const union addr *setup_source(const struct rw_ctx *x,
				      const struct sip_msg *m)
{
	if (x->dir != RW_IN || !m->is_request || rw_addr_inside(x, &x->src))
		return NULL;
	return &x->src;
}
static int dialog_find(const struct call *k, const struct sip_msg *m);

/* May m touch call k?  Another host's initial INVITE (no To tag) reusing
 * k's Call-ID joins nothing (it would attach its addresses to k): from
 * outside, another outside party; from inside, another inside phone.  An
 * outside request inside an answered call must name one of its dialogs
 * (its tags), as a BYE must.  Responses and the inside side's own
 * in-dialog requests may.  NULL when it may, else why not. */
static const char *call_may_touch(const struct rw_ctx *x,
				  const struct call *k,
				  const struct sip_msg *m)
{
	union addr peer;

	if (!m->is_request)
		return NULL;
	if (!msg_has_to_tag(m) && x->dir == RW_OUT) {
		/* The phone's own new INVITE (after a challenge, or to the
		 * next server on failover) may go elsewhere. */
		return !k->sig || rw_addr_eq(x->family, &k->sig->in_addr,
					     &x->src) ? NULL
						      : RW_WHY_CALLID_REUSE;
	}
	if (!msg_has_to_tag(m)) {
		call_peer(x, &peer);
		return memcmp(&peer, &k->peer, sizeof(peer)) ?
			RW_WHY_CALLID_REUSE : NULL;
	}
	if (x->dir == RW_OUT || !k->n_dlg || dialog_find(k, m) >= 0)
		return NULL;
	return RW_WHY_BYE_TAGS;
}

struct call *rw_dialog_call(const struct rw_ctx *x, const struct sip_msg *m,
			    bool create, struct rw_result *r)
{
	int h = sip_hdr_find(m, SIP_HDR_CALL_ID, 0);
	const char *why;
	struct call *k;
	struct span id;
	bool created;

	if (h < 0)
		return NULL;
	id = m->hdr[h].value;
	k = calls_find(x->calls, m->buf + id.off, id.len);
	if (k && (why = call_may_touch(x, k, m))) {
		rw_policy_note(r, why);
		if (create)	/* the message passes unchanged */
			r->skip = why;
		return NULL;
	}
	if (k) {
		r->call = k;
		return k;
	}
	if (!create)
		return NULL;
	k = calls_get(x->calls, m->buf + id.off, id.len, x->now, &created,
		      &r->limit);
	if (k && created) {
		journal_created_call(&r->j, k);
		call_peer(x, &k->peer);
		if (calls_admit(x->calls, k, x->family, msg_inside(x),
				setup_source(x, m), &r->limit) < 0)
			return NULL;	/* rolled back with the plan */
	}
	r->call = k;
	return k;
}

/* The call ends when the message is committed (rewrite_commit). */
static void end_call(const struct rw_ctx *x, struct call *k,
		     struct rw_result *r)
{
	r->end = k;
}

/* An INVITE transaction's outcome: 2xx confirms, a final error before
 * any 2xx ends the call (RFC 3261 13.2.2.3). */
static bool hdr_tag(const struct sip_msg *m, enum sip_hdr_id id,
		    struct span *tag)
{
	return sip_tag(m, id, tag) && tag->len > 0 &&
	       tag->len < CALL_TAG_MAX;
}

/* FNV-1a of a span: dialog tags and Call-IDs are kept as 32-bit hashes. */
uint32_t rw_dialog_hash(const char *buf, struct span s)
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
	hf = rw_dialog_hash(m->buf, f);
	ht = rw_dialog_hash(m->buf, t);
	for (i = 0; i < k->n_dlg; i++) {
		uint32_t a = k->dlg_tag[i][0], b = k->dlg_tag[i][1];

		if ((a == hf && b == ht) || (a == ht && b == hf))
			return (int)i;
	}
	return -1;
}

bool rw_dialog_names(const struct call *k, const struct sip_msg *m)
{
	return !k->n_dlg || dialog_find(k, m) >= 0;
}

/* A key for an inside address (IPv4: the address itself). */
static uint32_t host_key(int family, const union addr *a)
{
	if (family == AF_INET)
		return a->v4.s_addr;
	return rw_dialog_hash((const char *)a, (struct span){ 0, sizeof(*a) });
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
	k->dlg_tag[k->n_dlg][0] = rw_dialog_hash(m->buf, f);
	k->dlg_tag[k->n_dlg][1] = rw_dialog_hash(m->buf, t);
	k->dlg_host[k->n_dlg] = host_key(x->family, msg_inside(x));
	k->n_dlg++;
}

/* Does one of k's dialogs have inside party host? */
static bool dialog_has_host(const struct call *k, uint32_t host)
{
	unsigned j;

	for (j = 0; j < k->n_dlg; j++)
		if (k->dlg_host[j] == host)
			return true;
	return false;
}

/* The Call-ID key and tag hashes of m's dialog; false without both tags. */
static bool dialog_key(const struct rw_ctx *x, const struct sip_msg *m,
		       uint64_t *id, uint32_t tag[2])
{
	int h = sip_hdr_find(m, SIP_HDR_CALL_ID, 0);
	struct span f, t;

	if (h < 0 || !hdr_tag(m, SIP_HDR_FROM, &f) ||
	    !hdr_tag(m, SIP_HDR_TO, &t))
		return false;
	*id = calls_callid_key(x->calls, m->buf + m->hdr[h].value.off,
			       m->hdr[h].value.len);
	tag[0] = rw_dialog_hash(m->buf, f);
	tag[1] = rw_dialog_hash(m->buf, t);
	return true;
}

/* The BYE m ends its dialog: remembered when the message commits. */
static void note_ended(const struct rw_ctx *x, const struct sip_msg *m,
		       struct rw_result *r)
{
	r->ended_set = dialog_key(x, m, &r->ended_id, r->ended_tag);
}

/* A BYE ends its own dialog; the call's media goes with the last one
 * (other forks of the same INVITE may still be talking).  *host: the
 * ended dialog's inside party when no remaining dialog has it (its media
 * can go), else 0.  A BYE whose tags name no dialog of an answered call
 * ends nothing (anyone can send one); before any answer only the inside
 * phone's own BYE ends the call. */
static bool dialog_bye_last(const struct rw_ctx *x, struct call *k,
			    const struct sip_msg *m, uint32_t *host,
			    struct rw_result *r)
{
	int i = dialog_find(k, m);

	*host = 0;
	if (i < 0) {
		if (!k->n_dlg && x->dir == RW_OUT)
			return true;
		rw_policy_note(r, RW_WHY_BYE_TAGS);
		return false;
	}
	note_ended(x, m, r);
	*host = k->dlg_host[i];
	k->n_dlg--;
	memmove(k->dlg_tag[i], k->dlg_tag[k->n_dlg], sizeof(k->dlg_tag[i]));
	k->dlg_host[i] = k->dlg_host[k->n_dlg];
	if (dialog_has_host(k, *host))
		*host = 0;
	return k->n_dlg == 0;
}

static bool released(const struct rw_result *r, const struct binding *b)
{
	unsigned i;

	for (i = 0; i < r->n_rel; i++)
		if (r->rel[i] == b)
			return true;
	return false;
}

/* Call k lets go of the media bindings pick chooses, when the message is
 * committed (rewrite_commit).  Returns how many k holds that it will not
 * let go of. */
static unsigned release(const struct rw_ctx *x, struct call *k,
			bool (*pick)(void *ctx, const struct binding *b),
			void *ctx, struct rw_result *r)
{
	unsigned i, kept = 0;

	r->rel_call = k;	/* the message's call: always the same one */
	for (i = 0; i < k->n_bind; i++) {
		struct binding *b = k->bind[i];

		if (released(r, b))
			continue;
		if (pick(ctx, b) && r->n_rel < CALL_MAX_BIND)
			r->rel[r->n_rel++] = b;
		else
			kept++;
	}
	return kept;
}

struct pick_host {
	const struct rw_ctx *x;
	const union addr *addr;
	const struct call *k;
};

static bool pick_of_host(void *ctx, const struct binding *b)
{
	const struct pick_host *p = ctx;

	return rw_addr_eq(p->x->family, &b->in_addr, p->addr);
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
		if (rw_addr_eq(p->x->family, &b->in_addr, &p->k->host_sdp[i].addr))
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

uint32_t rw_dialog_cseq(const struct sip_msg *m)
{
	struct span meth;
	uint32_t n;

	return sip_cseq(m, &n, &meth) == 0 ? n : 0;
}

/* A 2xx to INVITE of a dialog a BYE ended lately: the UAS retransmits
 * it until the ACK reaches it, and that ACK and the BYE may both have
 * passed first.  Its text is rewritten as before, but the media it
 * binds goes again in the same commit (an add the same plan removes
 * never reaches the kernel): the phone that answered second on a forked
 * call, or a call whose BYE came at once, would otherwise get its ports
 * back until the call ends or for the setup time. */
static bool ended_2xx(const struct rw_ctx *x, struct call *k,
		      const struct sip_msg *m, struct rw_result *r)
{
	uint32_t tag[2], host;
	uint64_t id;

	if (dialog_find(k, m) >= 0 || !dialog_key(x, m, &id, tag) ||
	    !calls_dialog_was_ended(x->calls, id, tag[0], tag[1], x->now))
		return false;
	rw_policy_note(r, RW_WHY_ENDED_2XX);
	if (!k->n_dlg) {
		end_call(x, k, r);
		return true;
	}
	host = host_key(x->family, msg_inside(x));
	if (!dialog_has_host(k, host))	/* else that phone's other dialog */
		release(x, k, pick_host_key, &host, r);
	return true;
}

static void invite_response(const struct rw_ctx *x, const struct sip_msg *m,
			    struct call *k, struct rw_result *r)
{
	struct pick_host p = { .x = x, .addr = &x->src, .k = k };
	uint32_t cseq = rw_dialog_cseq(m);

	if (m->status >= 200 && m->status < 300 && ended_2xx(x, k, m, r)) {
		return;
	} else if (m->status >= 200 && m->status < 300) {
		k->confirmed = true;
		k->setup_deadline = 0;
		dialog_add(x, k, m);
		release_stale(x, k, r);
	} else if (m->status >= 300 && x->dir == RW_OUT && k->invite_cseq &&
		   cseq == k->invite_cseq && dialog_find(k, m) < 0) {
		/* One fork of the initial INVITE failed or was cancelled
		 * (RFC 3261 16.7): its phone's media goes; the call goes
		 * when no branch has media left and none answered. */
		if (!release(x, k, pick_of_host, &p, r) && !k->confirmed)
			end_call(x, k, r);
	} else if (m->status >= 300 && !k->confirmed) {
		end_call(x, k, r);
	}
}

int rw_dialog_hold_sig(struct rw_result *r, struct call *k,
		       struct binding *b)
{
	if (!k || !b || k->sig)
		return 0;
	if (rewrite_save_call(r, k) < 0 || rewrite_save_binding(r, b) < 0)
		return -1;
	k->sig = b;
	b->users++;
	return 0;
}

/* Does this message carry or change a session?  INVITE, its responses,
 * ACK, PRACK, UPDATE and their responses can carry SDP (RFC 3264,
 * 3262, 3311). */
bool rw_dialog_may_have_session(const struct sip_msg *m)
{
	static const char *const methods[] = { "INVITE", "ACK", "PRACK",
					       "UPDATE" };
	unsigned i;

	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (sip_method_is(m, methods[i]))
			return true;
	return false;
}

static bool msg_has_to_tag(const struct sip_msg *m)
{
	struct span t;

	return hdr_tag(m, SIP_HDR_TO, &t);
}

/* Session state changes that follow from the message itself. */
void rw_dialog_life(const struct rw_ctx *x, const struct sip_msg *m,
			   struct rw_result *r)
{
	struct call *k = rw_dialog_call(x, m, false, r);
	uint32_t host;

	if (!k || rewrite_save_call(r, k) < 0)
		return;	/* no room to save it: the plan fails (j.full) */
	/* A BYE ends its dialog; 481/408 to a request inside an established
	 * dialog end it too (RFC 3261 12.2.1.2).  A CANCEL ends nothing by
	 * itself: the INVITE's 487 does, and if a 2xx crossed the CANCEL the
	 * call goes on (RFC 3261 9.1). */
	if (m->is_request && sip_method_is(m, "BYE")) {
		if (dialog_bye_last(x, k, m, &host, r))
			end_call(x, k, r);
		else if (host)	/* that fork's phone: its media goes */
			release(x, k, pick_host_key, &host, r);
	} else if (!m->is_request && k->confirmed &&
		   (m->status == 481 || m->status == 408)) {
		if (dialog_find(k, m) >= 0)
			end_call(x, k, r);
		else
			rw_policy_note(r, RW_WHY_BYE_TAGS);
	} else if (!m->is_request && sip_method_is(m, "INVITE")) {
		invite_response(x, m, k, r);
	} else if (!m->is_request && sip_method_is(m, "UPDATE") &&
		   m->status >= 200 && m->status < 300) {
		release_stale(x, k, r);
	} else if (m->is_request && sip_method_is(m, "ACK") &&
		   rw_body_is_sdp(m)) {
		release_stale(x, k, r);	/* the answer to a late offer */
	} else if (m->is_request && sip_method_is(m, "INVITE") &&
		   !k->invite_cseq && !msg_has_to_tag(m)) {
		k->invite_cseq = rw_dialog_cseq(m);
	}
}
