/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>
#include <sys/socket.h>

#include "pin6.h"
#include "pin6_int.h"
#include "rw.h"
#include "sdp.h"

/* media_from = sdp for IPv6 pinholes: where the far end's SDP says its
 * media comes from (as rw_media_note_remote for IPv4). */

/* The first IPv6 address m's SDP sends a live stream to, or zero. */
static void pin6_sdp_remote(const struct sip_msg *m, union addr *out)
{
	static struct sdp_msg s;
	struct span body;
	unsigned i;

	memset(out, 0, sizeof(*out));
	if (!rw_body_sdp(m, &body) ||
	    sdp_scan(&s, m->buf + body.off, body.len) != SDP_OK)
		return;
	for (i = 0; i < s.n_media; i++) {
		const struct sdp_addr *c = sdp_media_conn(&s, i);

		if (s.media[i].port_num && c && c->family == SDP_AF_IP6 &&
		    c->is_literal &&
		    rw_addr_parse(m->buf + body.off, c->addr, AF_INET6, out))
			return;
		memset(out, 0, sizeof(*out));
	}
}

bool pin6_far_note(struct pin6_job *j, const struct pin6_call *old,
		   struct pin6_call *k)
{
	const struct sip_msg *m = j->pm->m;
	union addr a;

	if (j->pm->outbound || !pin6_session_sdp(m) ||
	    j->p->conf->media_from != MEDIA_FROM_SDP)
		return false;
	/* An answered call's media moves only by a message of one of its
	 * dialogs (a host that learnt the Call-ID, a late fork's 2xx). */
	if (old->confirmed && !pin6_dialog_has(old, m)) {
		j->in->note = RW_WHY_BYE_TAGS;
		return false;
	}
	pin6_sdp_remote(m, &a);
	if (addr_eq(AF_INET6, &a, &k->remote))
		return false;
	k->remote = a;
	return true;
}

static uint32_t pin6_id_hash(const struct sip_msg *m, struct span id)
{
	return rw_dialog_hash(m->buf, id);
}

int pin6_far_request(struct pin6_job *j, struct span id)
{
	const struct sip_msg *m = j->pm->m;
	int slot = pin6_call_find(j->p, m->buf, id);
	struct pin6_offer *o = (struct pin6_offer *)j->in->rec;
	struct pin6_call *k;

	if (slot >= 0) {
		k = pin6_intent_call(j, slot);
		return pin6_far_note(j, &j->p->call[slot], k)
			       ? pin6_rehole(j, &j->p->call[slot], k)
			       : 0;
	}
	if (!sip_method_is(m, "INVITE") || j->p->conf->media_from !=
					    MEDIA_FROM_SDP)
		return 0;
	j->in->kind = PIN6_I_OFFER;
	memset(o, 0, sizeof(*o));
	o->id = pin6_id_hash(m, id);
	o->phone = j->pm->dst;
	o->peer = j->pm->src;
	pin6_sdp_remote(m, &o->remote);
	return 0;
}

void pin6_offer_take(const struct pin6 *p, const struct pin6_msg *pm,
		     struct span id, union addr *remote)
{
	uint32_t h = pin6_id_hash(pm->m, id);
	unsigned i, k;

	for (i = 1; i <= PIN6_OFFERS; i++) {	/* newest first */
		k = (p->offer_next - i) % PIN6_OFFERS;
		if (p->offer[k].id == h &&
		    addr_eq(AF_INET6, &p->offer[k].phone, &pm->src) &&
		    addr_eq(AF_INET6, &p->offer[k].peer, &pm->dst)) {
			*remote = p->offer[k].remote;
			return;
		}
	}
}
