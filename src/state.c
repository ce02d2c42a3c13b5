/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "hash.h"
#include "state.h"
#include "state_int.h"

/* The state file's text (state.h has the format). */

#define STATE_MAGIC "sipalg-state"
#define STATE_MAX_RECS (1u << 20)

/* ---- writing ----------------------------------------------------------- */

static void put_addr(struct buf *b, const union addr *a)
{
	char t[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &a->v4, t, sizeof(t));
	buf_printf(b, " %s", t);
}

/* " =" and the bytes, the ones that would split or confuse a line as
 * %XX. */
void state_put_text(struct buf *b, const char *p, size_t n)
{
	size_t i;

	buf_add(b, " =", 2);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c <= 0x20 || c >= 0x7f || c == '%')
			buf_printf(b, "%%%02X", c);
		else
			buf_add(b, &p[i], 1);
	}
}

static void put_str(struct buf *b, const char *s)
{
	state_put_text(b, s, strnlen(s, BIND_TEXT_MAX - 1));
}

static void put_regs(struct buf *b, const struct sig_state *s)
{
	unsigned i, j;

	for (i = 0; i < s->n_reg && i < SIG_MAX_AOR; i++) {
		buf_printf(b, "R %u %llu", s->reg[i].aor,
			   (unsigned long long)s->reg[i].until);
		put_addr(b, &s->reg[i].registrar);
		put_str(b, s->reg[i].aor_uri);
		for (j = 0; j < s->reg[i].n_user && j < SIG_MAX_USERS; j++)
			buf_printf(b, " %u", s->reg[i].user[j]);
		buf_add(b, "\n", 1);
	}
}

static void put_binding(void *ctx, const struct binding *x)
{
	struct buf *b = ctx;
	unsigned i;

	if (x->family != AF_INET)
		return;
	buf_add(b, x->kind == BIND_SIG ? "S" : "M", 1);
	put_addr(b, &x->in_addr);
	buf_printf(b, " %u %u %u %llu %llu", x->in_port, x->pub_i,
		   x->pub_port, (unsigned long long)x->expires,
		   (unsigned long long)x->kernel_until);
	if (x->kind == BIND_MEDIA) {
		buf_printf(b, " %llu %u %u %u %u", (unsigned long long)x->seen,
			   x->sdp_seq, x->m_index, x->is_rtcp, x->filter);
		for (i = 0; i < x->n_from && i < NAT_FROM_MAX; i++)
			put_addr(b, &x->from[i]);
		buf_add(b, "\n", 1);
		return;
	}
	buf_printf(b, " %u %u", x->sig->reg_callid, x->sig->reg_cseq);
	put_str(b, x->sig->sent_by);
	put_str(b, x->sig->contact_hp);
	put_str(b, x->sig->route_hp);
	buf_add(b, "\n", 1);
	put_regs(b, x->sig);
}

static void put_call_parts(struct buf *b, const struct call *k)
{
	unsigned i;

	for (i = 0; i < k->n_host && i < CALL_MAX_HOSTS; i++) {
		buf_add(b, "H", 1);
		put_addr(b, &k->host_sdp[i].addr);
		buf_printf(b, " %u\n", k->host_sdp[i].seq);
	}
	for (i = 0; i < k->n_dlg && i < CALL_MAX_DIALOGS; i++)
		buf_printf(b, "D %u %u %u\n", k->dlg_tag[i][0],
			   k->dlg_tag[i][1], k->dlg_host[i]);
	for (i = 0; i < k->n_remote; i++) {
		buf_add(b, "P", 1);
		put_addr(b, &k->remote[i].addr);
		buf_printf(b, " %u %u\n", k->remote[i].rtp,
			   k->remote[i].rtcp);
	}
	for (i = 0; i < k->n_bind; i++) {
		buf_add(b, "B", 1);
		put_addr(b, &k->bind[i]->in_addr);
		buf_printf(b, " %u\n", k->bind[i]->in_port);
	}
}

static void put_call(void *ctx, const struct call *k)
{
	struct buf *b = ctx;
	static const union addr none;

	if ((k->q_host_set || k->q_setup) && k->q_family != AF_INET)
		return;
	if (k->sig && k->sig->family != AF_INET)
		return;
	buf_add(b, "C", 1);
	state_put_text(b, k->callid, k->callid_len);
	put_addr(b, &k->peer);
	buf_printf(b, " %llu %llu %llu %llu %u %u %u %u",
		   (unsigned long long)k->created,
		   (unsigned long long)k->setup_deadline,
		   (unsigned long long)k->max_end,
		   (unsigned long long)k->media_seen, k->invite_cseq,
		   k->sdp_seq, k->confirmed,
		   (k->q_host_set ? 1u : 0u) | (k->q_setup ? 2u : 0u));
	put_addr(b, &k->q_host);
	put_addr(b, &k->q_src);
	put_addr(b, k->sig ? &k->sig->in_addr : &none);
	buf_printf(b, " %u\n", k->sig ? k->sig->in_port : 0);
	put_call_parts(b, k);
}

void state_format(struct calls *t, const struct pin6 *p6,
		  const struct state_meta *m, struct buf *b)
{
	size_t start = b->len;
	unsigned i, lines = 0;
	size_t j;

	buf_printf(b, STATE_MAGIC " %u\nboot %s\nwritten %llu\npublic %u",
		   STATE_VERSION, m->boot_id, (unsigned long long)m->written,
		   m->n_pub);
	for (i = 0; i < m->n_pub; i++)
		put_addr(b, &m->pub[i]);
	buf_printf(b, "\nports %u %u %u %u\n", m->media_min, m->media_max,
		   m->sig_min, m->sig_max);
	calls_each_binding(t, put_binding, b);
	calls_each_call(t, put_call, b);
	if (p6)
		state6_format(p6, b);
	if (!buf_ok(b))
		return;
	for (j = start; j < b->len; j++)
		lines += b->p[j] == '\n';
	buf_printf(b, "end %u %08x\n", lines,
		   hash_bytes(b->p + start, b->len - start, HASH_FNV_INIT));
}

/* ---- reading ----------------------------------------------------------- */


int state_fail(struct rd *r, const char *what)
{
	if (r->lineno)
		snprintf(r->why, r->whylen, "line %u: %s", r->lineno, what);
	else
		snprintf(r->why, r->whylen, "%s", what);
	return -1;
}

/* Split r->line at single spaces; an empty field is malformed. */
static int rd_split(struct rd *r)
{
	char *p = r->line;

	r->n_tok = 0;
	for (;;) {
		if (r->n_tok == STATE_MAX_TOK)
			return state_fail(r, "too many fields");
		if (!*p || *p == ' ')
			return state_fail(r, "empty field");
		r->tok[r->n_tok++] = p;
		p = strchr(p, ' ');
		if (!p)
			return 0;
		*p++ = '\0';
	}
}

int state_tok_u64(struct rd *r, unsigned i, uint64_t max, uint64_t *v)
{
	const char *p = r->tok[i];
	uint64_t x = 0;

	if (!*p || strlen(p) > 20)
		return state_fail(r, "bad number");
	for (; *p; p++) {
		if (*p < '0' || *p > '9' || x > (UINT64_MAX - 9) / 10)
			return state_fail(r, "bad number");
		x = x * 10 + (uint64_t)(*p - '0');
	}
	if (x > max)
		return state_fail(r, "number out of range");
	*v = x;
	return 0;
}

int state_tok_u32(struct rd *r, unsigned i, uint32_t max, uint32_t *v)
{
	uint64_t x;

	if (state_tok_u64(r, i, max, &x) < 0)
		return -1;
	*v = (uint32_t)x;
	return 0;
}

int state_tok_port(struct rd *r, unsigned i, bool zero_ok, uint16_t *v)
{
	uint32_t x;

	if (state_tok_u32(r, i, 65535, &x) < 0)
		return -1;
	if (!x && !zero_ok)
		return state_fail(r, "port 0");
	*v = (uint16_t)x;
	return 0;
}

static int tok_ip(struct rd *r, unsigned i, union addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, r->tok[i], &a->v4) != 1)
		return state_fail(r, "bad address");
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* A "=..." text into out[0..cap) (NUL-terminated when room is left);
 * *len its length.  Longer than cap - 1 is malformed. */
int state_tok_text(struct rd *r, unsigned i, char *out, size_t cap,
		    size_t *len)
{
	const char *p = r->tok[i];
	size_t n = 0;

	if (*p++ != '=')
		return state_fail(r, "text without '='");
	while (*p) {
		int c = (unsigned char)*p++, h, l;

		if (c == '%') {
			h = hexval(p[0]);
			l = h < 0 ? -1 : hexval(p[1]);
			if (l < 0)
				return state_fail(r, "bad %XX in a text");
			c = h * 16 + l;
			p += 2;
		}
		if (n + 1 >= cap)
			return state_fail(r, "text too long");
		out[n++] = (char)c;
	}
	out[n] = '\0';
	*len = n;
	return 0;
}

int state_tok_str(struct rd *r, unsigned i, char *out, size_t cap)
{
	size_t n;

	return state_tok_text(r, i, out, cap, &n);
}

/* state_grow - room for one more element of size sz in *v (capacity *cap). */
int state_grow(void **v, unsigned n, unsigned *cap, size_t sz)
{
	unsigned c = *cap ? 2 * *cap : 16;
	void *x;

	if (n < *cap)
		return 0;
	if (n >= STATE_MAX_RECS)
		return -1;
	x = realloc(*v, c * sz);
	if (!x)
		return -1;
	memset((char *)x + (size_t)*cap * sz, 0, (size_t)(c - *cap) * sz);
	*v = x;
	*cap = c;
	return 0;
}

/* The fields S and M share: in port pub_i pub_port expires kernel_until. */
static int rd_bind_common(struct rd *r, struct binding *b)
{
	uint32_t pub_i;

	b->family = AF_INET;
	if (tok_ip(r, 1, &b->in_addr) < 0 ||
	    state_tok_port(r, 2, false, &b->in_port) < 0 ||
	    state_tok_u32(r, 3, r->s->meta.n_pub - 1, &pub_i) < 0 ||
	    state_tok_port(r, 4, false, &b->pub_port) < 0 ||
	    state_tok_u64(r, 5, UINT64_MAX, &b->expires) < 0 ||
	    state_tok_u64(r, 6, UINT64_MAX, &b->kernel_until) < 0)
		return -1;
	b->pub_i = (uint8_t)pub_i;
	return 0;
}

static struct binding *rd_bind_new(struct rd *r, enum bind_kind kind)
{
	struct state_set *s = r->s;
	struct binding *b;

	if (state_grow((void **)&s->bind, s->n_bind, &s->cap_bind, sizeof(*s->bind)))
		return NULL;
	b = calloc(1, sizeof(*b));
	if (b && kind == BIND_SIG && !(b->sig = calloc(1, sizeof(*b->sig)))) {
		free(b);
		b = NULL;
	}
	if (!b)
		return NULL;
	b->kind = kind;
	s->bind[s->n_bind++] = b;
	return b;
}

/* S in port pub_i pub_port expires kernel_until reg_callid reg_cseq
 *   =sent_by =contact_hp =route_hp */
static int rd_sig(struct rd *r)
{
	struct binding *b;

	if (r->n_tok != 12)
		return state_fail(r, "S: 12 fields expected");
	b = rd_bind_new(r, BIND_SIG);
	if (!b)
		return state_fail(r, "out of memory");
	if (rd_bind_common(r, b) < 0 ||
	    state_tok_u32(r, 7, UINT32_MAX, &b->sig->reg_callid) < 0 ||
	    state_tok_u32(r, 8, UINT32_MAX, &b->sig->reg_cseq) < 0 ||
	    state_tok_str(r, 9, b->sig->sent_by, BIND_TEXT_MAX) < 0 ||
	    state_tok_str(r, 10, b->sig->contact_hp, BIND_TEXT_MAX) < 0 ||
	    state_tok_str(r, 11, b->sig->route_hp, BIND_TEXT_MAX) < 0)
		return -1;
	r->sig = b;
	r->call = NULL;
	return 0;
}

/* R aor until registrar =aor_uri [user...] */
static int rd_reg(struct rd *r)
{
	struct sig_state *s = r->sig ? r->sig->sig : NULL;
	unsigned i;

	if (!s)
		return state_fail(r, "R without its S");
	if (s->n_reg == SIG_MAX_AOR)
		return state_fail(r, "too many registrations");
	if (r->n_tok < 5 || r->n_tok > 5 + SIG_MAX_USERS)
		return state_fail(r, "R: 5 to 9 fields expected");
	if (state_tok_u32(r, 1, UINT32_MAX, &s->reg[s->n_reg].aor) < 0 ||
	    state_tok_u64(r, 2, UINT64_MAX, &s->reg[s->n_reg].until) < 0 ||
	    tok_ip(r, 3, &s->reg[s->n_reg].registrar) < 0 ||
	    state_tok_str(r, 4, s->reg[s->n_reg].aor_uri, BIND_TEXT_MAX) < 0)
		return -1;
	for (i = 5; i < r->n_tok; i++)
		if (state_tok_u32(r, i, UINT32_MAX,
			    &s->reg[s->n_reg].user[i - 5]) < 0)
			return -1;
	s->reg[s->n_reg].n_user = r->n_tok - 5;
	s->n_reg++;
	return 0;
}

/* M in port pub_i pub_port expires kernel_until seen sdp_seq m_index
 *   rtcp filter [from...]  (media_from = sdp: the sources the kernel
 *   admits, as installed, so that the next run removes exactly those) */
static int rd_media(struct rd *r)
{
	struct binding *b;
	uint32_t m, rtcp, filter;
	unsigned i;

	if (r->n_tok < 12 || r->n_tok > 12 + NAT_FROM_MAX)
		return state_fail(r, "M: 12 to 14 fields expected");
	b = rd_bind_new(r, BIND_MEDIA);
	if (!b)
		return state_fail(r, "out of memory");
	if (rd_bind_common(r, b) < 0 ||
	    state_tok_u64(r, 7, UINT64_MAX, &b->seen) < 0 ||
	    state_tok_u32(r, 8, UINT32_MAX, &b->sdp_seq) < 0 ||
	    state_tok_u32(r, 9, 255, &m) < 0 || state_tok_u32(r, 10, 1, &rtcp) < 0 ||
	    state_tok_u32(r, 11, 1, &filter) < 0)
		return -1;
	for (i = 12; i < r->n_tok; i++)
		if (tok_ip(r, i, &b->from[i - 12]) < 0)
			return -1;
	b->n_from = (uint8_t)(r->n_tok - 12);
	b->filter = filter;
	b->m_index = (uint8_t)m;
	b->is_rtcp = rtcp;
	r->sig = NULL;
	r->call = NULL;
	return 0;
}

static int rd_call_fields(struct rd *r, struct call *k)
{
	uint32_t confirmed, q;

	if (tok_ip(r, 2, &k->peer) < 0 ||
	    state_tok_u64(r, 3, UINT64_MAX, &k->created) < 0 ||
	    state_tok_u64(r, 4, UINT64_MAX, &k->setup_deadline) < 0 ||
	    state_tok_u64(r, 5, UINT64_MAX, &k->max_end) < 0 ||
	    state_tok_u64(r, 6, UINT64_MAX, &k->media_seen) < 0 ||
	    state_tok_u32(r, 7, UINT32_MAX, &k->invite_cseq) < 0 ||
	    state_tok_u32(r, 8, UINT32_MAX, &k->sdp_seq) < 0 ||
	    state_tok_u32(r, 9, 1, &confirmed) < 0 || state_tok_u32(r, 10, 3, &q) < 0 ||
	    tok_ip(r, 11, &k->q_host) < 0 || tok_ip(r, 12, &k->q_src) < 0)
		return -1;
	k->confirmed = confirmed;
	k->q_host_set = q & 1;
	k->q_setup = q & 2;
	k->q_family = AF_INET;
	return 0;
}

/* C =callid peer created setup_deadline max_end media_seen invite_cseq
 *   sdp_seq confirmed q q_host q_src sig_addr sig_port */
static int rd_call(struct rd *r)
{
	struct state_set *s = r->s;
	struct state_call *c;
	char id[STATE_CALLID_MAX];
	size_t len;

	if (r->n_tok != 15)
		return state_fail(r, "C: 15 fields expected");
	if (state_tok_text(r, 1, id, sizeof(id), &len) < 0)
		return -1;
	if (!len)
		return state_fail(r, "empty Call-ID");
	if (state_grow((void **)&s->call, s->n_call, &s->cap_call,
		 sizeof(*s->call)))
		return state_fail(r, "out of memory");
	c = &s->call[s->n_call];
	c->k = calloc(1, sizeof(*c->k) + len);
	if (!c->k)
		return state_fail(r, "out of memory");
	s->n_call++;
	memcpy(c->k->callid, id, len);
	c->k->callid_len = (uint32_t)len;
	if (rd_call_fields(r, c->k) < 0 || tok_ip(r, 13, &c->sig.a) < 0 ||
	    state_tok_port(r, 14, true, &c->sig.port) < 0)
		return -1;
	r->call = c;
	r->sig = NULL;
	return 0;
}

/* H addr seq | D from to host | P addr rtp rtcp | B addr port */
static int rd_call_part(struct rd *r, char what)
{
	struct state_call *c = r->call;
	struct call *k = c ? c->k : NULL;
	static const unsigned want[] = { ['H' - 'B'] = 3, ['D' - 'B'] = 4,
					 ['P' - 'B'] = 4, ['B' - 'B'] = 3 };

	if (!k)
		return state_fail(r, "call part without its C");
	if (r->n_tok != want[what - 'B'])
		return state_fail(r, "wrong number of fields");
	switch (what) {
	case 'H':
		if (k->n_host == CALL_MAX_HOSTS)
			return state_fail(r, "too many H");
		if (tok_ip(r, 1, &k->host_sdp[k->n_host].addr) < 0 ||
		    state_tok_u32(r, 2, UINT32_MAX, &k->host_sdp[k->n_host].seq))
			return -1;
		k->n_host++;
		return 0;
	case 'D':
		if (k->n_dlg == CALL_MAX_DIALOGS)
			return state_fail(r, "too many D");
		if (state_tok_u32(r, 1, UINT32_MAX, &k->dlg_tag[k->n_dlg][0]) < 0 ||
		    state_tok_u32(r, 2, UINT32_MAX, &k->dlg_tag[k->n_dlg][1]) < 0 ||
		    state_tok_u32(r, 3, UINT32_MAX, &k->dlg_host[k->n_dlg]) < 0)
			return -1;
		k->n_dlg++;
		return 0;
	case 'P':
		if (k->n_remote == CALL_MAX_REMOTE)
			return state_fail(r, "too many P");
		if (calls_remote_size(k, k->n_remote + 1) < 0)
			return state_fail(r, "out of memory");
		memset(&k->remote[k->n_remote - 1], 0, sizeof(*k->remote));
		if (tok_ip(r, 1, &k->remote[k->n_remote - 1].addr) < 0 ||
		    state_tok_port(r, 2, true, &k->remote[k->n_remote - 1].rtp) < 0 ||
		    state_tok_port(r, 3, true, &k->remote[k->n_remote - 1].rtcp) < 0)
			return -1;
		return 0;
	default:	/* 'B' */
		if (c->n_media == CALL_MAX_BIND)
			return state_fail(r, "too many B");
		if (tok_ip(r, 1, &c->media[c->n_media].a) < 0 ||
		    state_tok_port(r, 2, false, &c->media[c->n_media].port) < 0)
			return -1;
		c->n_media++;
		return 0;
	}
}

static int rd_record(struct rd *r)
{
	const char *t = r->tok[0];

	if (t[1] == '6' && !t[2] && r->version >= 2)
		return state6_record(r);
	if (t[1])
		return state_fail(r, "unknown record");
	switch (t[0]) {
	case 'S':
		return rd_sig(r);
	case 'R':
		return rd_reg(r);
	case 'M':
		return rd_media(r);
	case 'C':
		return rd_call(r);
	case 'H': case 'D': case 'P': case 'B':
		return rd_call_part(r, t[0]);
	default:
		return state_fail(r, "unknown record");
	}
}

/* The next line of p[*off..n) into r->line, split.  NUL bytes and
 * over-long lines are malformed. */
static int rd_line(struct rd *r, const char *p, size_t n, size_t *off)
{
	const char *nl = memchr(p + *off, '\n', n - *off);
	size_t len;

	r->lineno++;
	if (!nl)
		return state_fail(r, "unterminated line");
	len = (size_t)(nl - (p + *off));
	if (len >= sizeof(r->line) || memchr(p + *off, '\0', len))
		return state_fail(r, "line too long or not text");
	memcpy(r->line, p + *off, len);
	r->line[len] = '\0';
	*off += len + 1;
	return rd_split(r);
}

static int rd_expect(struct rd *r, const char *key, unsigned n_tok)
{
	if (strcmp(r->tok[0], key) || r->n_tok != n_tok)
		return state_fail(r, "header line expected");
	return 0;
}

static int rd_boot(struct rd *r, struct state_meta *m)
{
	const char *id = r->tok[1];

	if (rd_expect(r, "boot", 2) < 0)
		return -1;
	if (strlen(id) >= sizeof(m->boot_id) ||
	    strspn(id, "0123456789abcdef-") != strlen(id))
		return state_fail(r, "bad boot id");
	strcpy(m->boot_id, id);
	return 0;
}

static int rd_header(struct rd *r, const char *p, size_t n, size_t *off)
{
	struct state_meta *m = &r->s->meta;
	uint32_t v, i, port[4];

	if (rd_line(r, p, n, off) < 0 || strcmp(r->tok[0], STATE_MAGIC) ||
	    r->n_tok != 2)
		return state_fail(r, "not a sipalg state file");
	if (state_tok_u32(r, 1, UINT32_MAX, &v) < 0 || v < 1 ||
	    v > STATE_VERSION)
		return state_fail(r, "another format version (this daemon "
				  "reads versions 1 and 2)");
	r->version = v;
	if (rd_line(r, p, n, off) < 0 || rd_boot(r, m) < 0 ||
	    rd_line(r, p, n, off) < 0 || rd_expect(r, "written", 2) < 0 ||
	    state_tok_u64(r, 1, UINT64_MAX, &m->written) < 0 ||
	    rd_line(r, p, n, off) < 0 || strcmp(r->tok[0], "public") ||
	    r->n_tok < 3 || state_tok_u32(r, 1, CALLS_MAX_PUB, &m->n_pub) < 0 ||
	    !m->n_pub || r->n_tok != m->n_pub + 2)
		return state_fail(r, "bad header");
	for (i = 0; i < m->n_pub; i++)
		if (tok_ip(r, 2 + i, &m->pub[i]) < 0)
			return -1;
	if (rd_line(r, p, n, off) < 0 || rd_expect(r, "ports", 5) < 0)
		return -1;
	for (i = 0; i < 4; i++)
		if (state_tok_u32(r, 1 + i, 65535, &port[i]) < 0)
			return -1;
	m->media_min = (uint16_t)port[0];
	m->media_max = (uint16_t)port[1];
	m->sig_min = (uint16_t)port[2];
	m->sig_max = (uint16_t)port[3];
	return 0;
}

/* The "end LINES FNV" line closes the text: everything before it is
 * LINES lines that hash to FNV.  *body: where that line starts. */
static int rd_trailer(struct rd *r, const char *p, size_t n, size_t *body)
{
	size_t i = n - 1, lines = 0, j;
	char want[40];

	if (!n || p[n - 1] != '\n')
		return state_fail(r, "truncated (no end line)");
	while (i > 0 && p[i - 1] != '\n')
		i--;
	for (j = 0; j < i; j++)
		lines += p[j] == '\n';
	snprintf(want, sizeof(want), "end %zu %08x\n", lines,
		 hash_bytes(p, i, HASH_FNV_INIT));
	if (n - i < 4 || memcmp(p + i, "end ", 4))
		return state_fail(r, "truncated (no end line)");
	if (n - i != strlen(want) || memcmp(p + i, want, n - i))
		return state_fail(r, "checksum or line count wrong");
	*body = i;
	return 0;
}

struct state_set *state_parse(const char *p, size_t n, char *why,
			      size_t whylen)
{
	struct rd *r = calloc(1, sizeof(*r));
	struct state_set *s = calloc(1, sizeof(*s));
	size_t off = 0, body = 0;
	int rc = -1;

	if (!r || !s) {
		snprintf(why, whylen, "out of memory");
		goto out;
	}
	r->s = s;
	r->why = why;
	r->whylen = whylen;
	if (rd_trailer(r, p, n, &body) < 0 || rd_header(r, p, body, &off) < 0)
		goto out;
	while (off < body)
		if (rd_line(r, p, body, &off) < 0 || rd_record(r) < 0)
			goto out;
	rc = 0;
out:
	free(r);
	if (rc < 0) {
		state_set_free(s);
		return NULL;
	}
	return s;
}

int state_check(const struct state_meta *got, const struct state_meta *want,
		uint64_t now, uint32_t max_age, char *why, size_t whylen)
{
	unsigned i;

	if (strcmp(got->boot_id, want->boot_id)) {
		snprintf(why, whylen, "written before the last boot");
		return -1;
	}
	if (got->written > now || now - got->written > max_age) {
		snprintf(why, whylen, "stale: written %lld s ago, more than "
			 "restart_grace (%u s)",
			 (long long)now - (long long)got->written, max_age);
		return -1;
	}
	for (i = 0; i < got->n_pub && got->n_pub == want->n_pub; i++)
		if (got->pub[i].v4.s_addr != want->pub[i].v4.s_addr)
			break;
	if (got->n_pub != want->n_pub || i < got->n_pub) {
		snprintf(why, whylen, "written for other public addresses");
		return -1;
	}
	if (got->media_min != want->media_min ||
	    got->media_max != want->media_max ||
	    got->sig_min != want->sig_min || got->sig_max != want->sig_max) {
		snprintf(why, whylen, "written under other port ranges");
		return -1;
	}
	return 0;
}

void state_set_free(struct state_set *s)
{
	unsigned i;

	if (!s)
		return;
	for (i = 0; i < s->n_bind; i++) {
		if (s->bind[i])
			free(s->bind[i]->sig);
		free(s->bind[i]);
	}
	for (i = 0; i < s->n_call; i++) {
		if (s->call[i].k)
			free(s->call[i].k->remote);
		free(s->call[i].k);
	}
	free(s->bind);
	free(s->call);
	free(s->reg6);
	free(s->call6);
	free(s);
}
