/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "pin6.h"
#include "pin6_int.h"
#include "state_int.h"

/* The state file's IPv6 pinhole records (state.h has the format): pin6's
 * registrations and calls as pin6_int.h lays them out, so that a restart
 * gives them back to pin6 (pin6_restore_*) with their holes. */

/* ---- writing ----------------------------------------------------------- */

static void put_addr6(struct buf *b, const union addr *a)
{
	char t[INET6_ADDRSTRLEN];

	inet_ntop(AF_INET6, &a->v6, t, sizeof(t));
	buf_printf(b, " %s", t);
}

static void put_reg6(struct buf *b, const struct pin6_reg *g)
{
	unsigned i;

	buf_add(b, "G6", 2);
	put_addr6(b, &g->phone);
	buf_printf(b, " %u %llu", g->port, (unsigned long long)g->expires);
	put_addr6(b, &g->registrar);
	buf_printf(b, " %u %u %u %u", g->pending, g->pend_id, g->pend_cseq,
		   g->want);
	state_put_text(b, g->aor, strnlen(g->aor, PIN6_AOR_MAX - 1));
	buf_printf(b, " %u", g->n_user);
	for (i = 0; i < g->n_user && i < PIN6_USERS; i++)
		buf_printf(b, " %u", g->user[i]);
	for (i = 0; i < g->n_pend_user && i < PIN6_USERS; i++)
		buf_printf(b, " %u", g->pend_user[i]);
	buf_add(b, "\n", 1);
}

static void put_call6(struct buf *b, const struct pin6_call *k)
{
	unsigned i;

	buf_add(b, "C6", 2);
	state_put_text(b, k->id, k->id_len);
	put_addr6(b, &k->phone);
	buf_printf(b, " %llu %llu %u %u", (unsigned long long)k->expires,
		   (unsigned long long)k->created, k->confirmed, k->n_port);
	for (i = 0; i < k->n_port && i < PIN6_CALL_PINS; i++)
		buf_printf(b, " %u", k->port[i]);
	for (i = 0; i < k->n_dlg && i < PIN6_DLG; i++)
		buf_printf(b, " %u %u", k->dlg[i][0], k->dlg[i][1]);
	buf_add(b, "\n", 1);
}

void state6_format(const struct pin6 *p, struct buf *b)
{
	unsigned i;

	/* Installed registrations only: a pending REGISTER alone has no
	 * hole to keep (its phone sends it again). */
	for (i = 0; i < PIN6_MAX_REGS; i++)
		if (p->reg[i].used)
			put_reg6(b, &p->reg[i]);
	for (i = 0; i < PIN6_MAX_CALLS; i++)
		if (p->call[i].used && p->call[i].n_port)
			put_call6(b, &p->call[i]);
}

/* ---- reading ----------------------------------------------------------- */

static int tok_ip6(struct rd *r, unsigned i, union addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET6, r->tok[i], &a->v6) != 1)
		return state_fail(r, "bad IPv6 address");
	return 0;
}

static int tok_hashes(struct rd *r, unsigned from, unsigned n, uint32_t *h)
{
	unsigned i;

	for (i = 0; i < n; i++)
		if (state_tok_u32(r, from + i, UINT32_MAX, &h[i]) < 0)
			return -1;
	return 0;
}

/* G6 phone port expires registrar pending pend_id pend_cseq want =aor
 *    n_user user... pend_user... */
static int rd_reg6(struct rd *r, struct pin6_reg *g)
{
	uint32_t pending, n_user;

	if (r->n_tok < 11 || r->n_tok > 11 + 2 * PIN6_USERS)
		return state_fail(r, "G6: 11 to 19 fields expected");
	if (tok_ip6(r, 1, &g->phone) < 0 ||
	    state_tok_port(r, 2, false, &g->port) < 0 ||
	    state_tok_u64(r, 3, UINT64_MAX, &g->expires) < 0 ||
	    tok_ip6(r, 4, &g->registrar) < 0 ||
	    state_tok_u32(r, 5, 1, &pending) < 0 ||
	    state_tok_u32(r, 6, UINT32_MAX, &g->pend_id) < 0 ||
	    state_tok_u32(r, 7, UINT32_MAX, &g->pend_cseq) < 0 ||
	    state_tok_u32(r, 8, UINT32_MAX, &g->want) < 0 ||
	    state_tok_str(r, 9, g->aor, PIN6_AOR_MAX) < 0 ||
	    state_tok_u32(r, 10, PIN6_USERS, &n_user) < 0)
		return -1;
	if (r->n_tok - 11 < n_user || r->n_tok - 11 - n_user > PIN6_USERS)
		return state_fail(r, "G6: wrong number of user hashes");
	g->used = true;
	g->pending = pending;
	g->n_user = n_user;
	g->n_pend_user = r->n_tok - 11 - n_user;
	if (tok_hashes(r, 11, g->n_user, g->user) < 0 ||
	    tok_hashes(r, 11 + n_user, g->n_pend_user, g->pend_user) < 0)
		return -1;
	return 0;
}

/* C6 =id phone expires created confirmed n_port port... [from to]... */
static int rd_call6(struct rd *r, struct pin6_call *k)
{
	char id[PIN6_ID_MAX + 1];
	uint32_t confirmed, n_port;
	unsigned i, rest;
	size_t len;

	if (r->n_tok < 8 || r->n_tok > 7 + PIN6_CALL_PINS + 2 * PIN6_DLG)
		return state_fail(r, "C6: 8 to 31 fields expected");
	if (state_tok_text(r, 1, id, sizeof(id), &len) < 0)
		return -1;
	if (!len)
		return state_fail(r, "empty Call-ID");
	if (tok_ip6(r, 2, &k->phone) < 0 ||
	    state_tok_u64(r, 3, UINT64_MAX, &k->expires) < 0 ||
	    state_tok_u64(r, 4, UINT64_MAX, &k->created) < 0 ||
	    state_tok_u32(r, 5, 1, &confirmed) < 0 ||
	    state_tok_u32(r, 6, PIN6_CALL_PINS, &n_port) < 0)
		return -1;
	if (!n_port)
		return state_fail(r, "C6: a call without pinholes");
	rest = r->n_tok - 7;
	if (rest < n_port || (rest - n_port) % 2 ||
	    (rest - n_port) / 2 > PIN6_DLG)
		return state_fail(r, "C6: wrong number of ports or tags");
	for (i = 0; i < n_port; i++)
		if (state_tok_port(r, 7 + i, false, &k->port[i]) < 0)
			return -1;
	k->n_dlg = (rest - n_port) / 2;
	for (i = 0; i < k->n_dlg; i++)
		if (tok_hashes(r, 7 + n_port + 2 * i, 2, k->dlg[i]) < 0)
			return -1;
	memcpy(k->id, id, len);
	k->id_len = (uint8_t)len;
	k->n_port = n_port;
	k->confirmed = confirmed;
	k->used = true;
	return 0;
}

int state6_record(struct rd *r)
{
	struct state_set *s = r->s;

	/* Neither belongs to an S or a C before it. */
	r->sig = NULL;
	r->call = NULL;
	if (r->tok[0][0] == 'G') {
		if (state_grow((void **)&s->reg6, s->n_reg6, &s->cap_reg6,
			       sizeof(*s->reg6)))
			return state_fail(r, "out of memory");
		if (rd_reg6(r, &s->reg6[s->n_reg6]) < 0)
			return -1;
		s->n_reg6++;
		return 0;
	}
	if (r->tok[0][0] == 'C') {
		if (state_grow((void **)&s->call6, s->n_call6, &s->cap_call6,
			       sizeof(*s->call6)))
			return state_fail(r, "out of memory");
		if (rd_call6(r, &s->call6[s->n_call6]) < 0)
			return -1;
		s->n_call6++;
		return 0;
	}
	return state_fail(r, "unknown record");
}
