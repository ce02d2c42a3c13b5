/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>
#include <sys/socket.h>

#include "pin6.h"
#include "pin6_int.h"
#include "rw.h"

/* IPv6 pinholes under the IPv4 policy (issue 11): per-host quotas, which
 * BYE may end a call, who may reach a registered phone. */

/* ---- per-host quotas (the IPv4 ones, README "Bounded") ---- */

/* Calls of phone a, and their pinholes (without call slot skip's). */
unsigned pin6_calls_of(const struct pin6 *p, const union addr *a, int skip,
		       unsigned *ports)
{
	unsigned i, n = 0;

	*ports = 0;
	for (i = 0; i < PIN6_MAX_CALLS; i++) {
		const struct pin6_call *c = &p->call[i];

		if (!c->used || !addr_eq(AF_INET6, &c->phone, a))
			continue;
		n++;
		if ((int)i != skip)
			*ports += c->n_port;
	}
	return n;
}

/* Registrations (installed or pending) of phone a. */
unsigned pin6_regs_of(const struct pin6 *p, const union addr *a)
{
	unsigned i, n = 0;

	for (i = 0; i < PIN6_MAX_REGS; i++)
		if ((p->reg[i].used || p->reg[i].pending) &&
		    addr_eq(AF_INET6, &p->reg[i].phone, a))
			n++;
	return n;
}

/* ---- dialogs: which BYE may end a call ---- */

static bool pin6_tag(const struct sip_msg *m, enum sip_hdr_id id,
		     uint32_t *h)
{
	int i = sip_hdr_find(m, id, 0);
	struct span t;

	if (i < 0 || !sip_param(m->buf, m->hdr[i].value, "tag", &t) ||
	    !t.len)
		return false;
	*h = rw_dialog_hash(m->buf, t);
	return true;
}

/* Remember the dialog a 1xx/2xx to INVITE with a To tag makes. */
void pin6_dialog_note(struct pin6_call *k, const struct sip_msg *m)
{
	uint32_t f, t;
	unsigned i;

	if (!pin6_tag(m, SIP_HDR_FROM, &f) || !pin6_tag(m, SIP_HDR_TO, &t))
		return;
	for (i = 0; i < k->n_dlg; i++)
		if (k->dlg[i][0] == f && k->dlg[i][1] == t)
			return;
	if (k->n_dlg < PIN6_DLG) {
		k->dlg[k->n_dlg][0] = f;
		k->dlg[k->n_dlg][1] = t;
		k->n_dlg++;
	}
}

/* Do m's tags name one of k's dialogs (in either order: the far end's
 * BYE has them the other way round)? */
bool pin6_dialog_has(const struct pin6_call *k,
			    const struct sip_msg *m)
{
	uint32_t f, t;
	unsigned i;

	if (!pin6_tag(m, SIP_HDR_FROM, &f) || !pin6_tag(m, SIP_HDR_TO, &t))
		return false;
	for (i = 0; i < k->n_dlg; i++)
		if ((k->dlg[i][0] == f && k->dlg[i][1] == t) ||
		    (k->dlg[i][0] == t && k->dlg[i][1] == f))
			return true;
	return false;
}

bool pin6_contact_next(const struct sip_msg *m, const union addr *a,
		       unsigned *h_i, uint32_t *pos, struct span *item,
		       struct sip_hostport *hp)
{
	union addr ca;
	int h;

	while ((h = sip_hdr_find(m, SIP_HDR_CONTACT, *h_i)) >= 0) {
		while (sip_list_next(m->buf, m->hdr[h].value, pos, item))
			if (sip_uri_hostport(m->buf, *item, hp) == 0 &&
			    rw_addr_parse(m->buf, hp->host, AF_INET6, &ca) &&
			    addr_eq(AF_INET6, &ca, a))
				return true;
		(*h_i)++;
		*pos = 0;
	}
	return false;
}

void pin6_contact_users(const struct sip_msg *m, const union addr *a,
			uint16_t port, uint32_t *u, unsigned *n)
{
	struct sip_hostport hp;
	struct span item;
	uint32_t pos = 0;
	unsigned k = 0;

	*n = 0;
	while (*n < PIN6_USERS &&
	       pin6_contact_next(m, a, &k, &pos, &item, &hp))
		if ((hp.port_num ? hp.port_num : 5060) == port)
			u[(*n)++] = rw_reg_user(m->buf, item, &hp);
}
/* The registration's Contacts, with the answered REGISTER's added. */
void pin6_reg_users(struct pin6_reg *g)
{
	unsigned i, k;

	for (i = 0; i < g->n_pend_user; i++) {
		for (k = 0; k < g->n_user; k++)
			if (g->user[k] == g->pend_user[i])
				break;
		if (k == g->n_user && g->n_user < PIN6_USERS)
			g->user[g->n_user++] = g->pend_user[i];
	}
}
/* ---- who may reach a registered phone ---- */

/* May out-of-dialog request m reach the phone through registration g?
 * Only when its Request-URI names a Contact the phone registered (a
 * scanner guessing users reaches no phone) and incoming_from allows the
 * sender (as rw_reg_inbound for IPv4). */
static bool pin6_reg_admits(const struct pin6_job *j,
			    const struct pin6_reg *g)
{
	uint32_t user;
	unsigned i;

	if (!rw_reg_ruri_user(j->pm->m, &user))
		return false;
	for (i = 0; i < g->n_user && g->user[i] != user; i++)
		;
	return i < g->n_user &&
	       rw_reg_sender_ok(j->p->conf, AF_INET6, &g->registrar,
				&j->pm->src);
}

/* An out-of-dialog request from outside to a registered Contact (the
 * phone's address and port): dropped unless pin6_reg_admits.  In-dialog
 * requests (To tag), ACK, CANCEL and requests of a known call pass. */
int pin6_inbound(struct pin6_job *j, struct span id)
{
	const struct sip_msg *m = j->pm->m;
	uint32_t tag;
	unsigned i;

	if (j->pm->outbound || !m->is_request || sip_method_is(m, "ACK") ||
	    sip_method_is(m, "CANCEL") || pin6_tag(m, SIP_HDR_TO, &tag) ||
	    pin6_call_find(j->p, m->buf, id) >= 0)
		return 0;
	for (i = 0; i < PIN6_MAX_REGS; i++) {
		const struct pin6_reg *g = &j->p->reg[i];

		if (!g->used || g->port != j->pm->dport ||
		    !addr_eq(AF_INET6, &g->phone, &j->pm->dst))
			continue;
		if (pin6_reg_admits(j, g))
			return 0;
		j->in->drop = true;
		return pin6_fail(j, RW_WHY_NOT_REGISTERED);
	}
	return 0;	/* not a registration's hole: the firewall's call */
}
