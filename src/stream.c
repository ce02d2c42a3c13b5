/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdlib.h>

#include "frame.h"
#include "stream.h"

#define HASH_SIZE 4096
/* Seconds a closed (FIN both ways, or RST) connection is remembered: the
 * last ACKs and retransmitted FINs still need their offsets. */
#define CLOSED_LINGER 60
/* Growth of the new-bytes buffer beyond max_msg: decided bytes wait there
 * for the held segments that carry them. */
#define OUT_SLACK (1u << 20)

struct streams {
	struct stream_limits lim;
	struct stream_ops ops;
	struct stream_conn *hash[HASH_SIZE];
	struct stream_stats st;
	char scratch[65536];		/* a rewritten message */
	uint8_t pkt[65536 + 128];	/* a rebuilt segment */
};

/* --- buffers ------------------------------------------------------------- */

static int buf_append(struct stream_buf *b, const void *p, uint32_t n,
		      uint32_t max)
{
	if (n > max || b->len > max - n)
		return -1;
	if (b->len + n > b->cap) {
		uint32_t cap = b->cap ? b->cap : 2048;
		char *q;

		while (cap < b->len + n)
			cap *= 2;
		q = realloc(b->p, cap);
		if (!q)
			return -1;
		b->p = q;
		b->cap = cap;
	}
	if (n)
		memcpy(b->p + b->len, p, n);
	b->len += n;
	return 0;
}

static void buf_consume(struct stream_buf *b, uint32_t n)
{
	if (n > b->len)
		n = b->len;
	memmove(b->p, b->p + n, b->len - n);
	b->len -= n;
}

static void buf_free(struct stream_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

/* --- connections --------------------------------------------------------- */

static uint32_t conn_hash(const struct streams *s, const union addr *in,
			  uint16_t in_port, const union addr *out,
			  uint16_t out_port)
{
	uint32_t v = 2166136261u ^ s->lim.seed, i;
	const uint8_t *a = (const void *)in, *b = (const void *)out;

	for (i = 0; i < sizeof(*in); i++)
		v = (v ^ a[i] ^ ((uint32_t)b[i] << 8)) * 16777619u;
	v = (v ^ in_port) * 16777619u;
	v = (v ^ out_port) * 16777619u;
	return v & (HASH_SIZE - 1);
}

/* The inside and outside ends of segment g crossing in dir. */
static void seg_ends(const struct tcpseg *g, enum stream_dir_id dir,
		     const union addr **in, uint16_t *in_port,
		     const union addr **out, uint16_t *out_port)
{
	bool o = dir == STREAM_OUT;

	*in = o ? &g->src : &g->dst;
	*in_port = o ? g->sport : g->dport;
	*out = o ? &g->dst : &g->src;
	*out_port = o ? g->dport : g->sport;
}

static struct stream_conn **conn_slot(struct streams *s,
				      const struct tcpseg *g,
				      enum stream_dir_id dir)
{
	const union addr *in, *out;
	uint16_t ip, op;
	struct stream_conn **pp;

	seg_ends(g, dir, &in, &ip, &out, &op);
	pp = &s->hash[conn_hash(s, in, ip, out, op)];
	for (; *pp; pp = &(*pp)->next)
		if ((*pp)->in_port == ip && (*pp)->out_port == op &&
		    !memcmp(&(*pp)->in_addr, in, sizeof(*in)) &&
		    !memcmp(&(*pp)->out_addr, out, sizeof(*out)))
			break;
	return pp;
}

static struct stream_conn *conn_new(struct streams *s, const struct tcpseg *g,
				    enum stream_dir_id dir, uint64_t now)
{
	struct stream_conn *c, **pp = conn_slot(s, g, dir);
	const union addr *in, *out;

	if (*pp || s->st.conns >= s->lim.max_conns)
		return NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	seg_ends(g, dir, &in, &c->in_port, &out, &c->out_port);
	c->family = g->family;
	c->in_addr = *in;
	c->out_addr = *out;
	c->from_inside = dir == STREAM_OUT;
	c->last = now;
	seqmap_init(&c->h[0].map);
	seqmap_init(&c->h[1].map);
	*pp = c;
	s->st.conns++;
	s->st.opened++;
	return c;
}

static void half_start(struct stream_half *h, uint32_t isn)
{
	h->isn_known = true;
	h->next = h->in_seq = h->emit = h->hist_seq = isn + 1;
}

/* --- verdicts ------------------------------------------------------------ */

static void emit_as_is(struct streams *s, uint32_t id, const uint8_t *d,
		       uint32_t len)
{
	s->ops.emit(s->ops.ctx, id, d, len, STREAM_ACCEPT);
}

static void emit_drop(struct streams *s, uint32_t id, const uint8_t *d,
		      uint32_t len, const char *why)
{
	s->ops.count(s->ops.ctx, why);
	s->ops.emit(s->ops.ctx, id, d, len, STREAM_DROP);
}

/* Original position of new position p of h's stream: exact at the edges
 * of a released segment (an ACK of part of a rewritten message must not
 * fall back to the message's start, or the sender would send it all again
 * for ever), else rounded (up or down) by the map. */
static uint32_t edge_to_orig(const struct stream_half *h, uint32_t p, bool up)
{
	unsigned i;

	for (i = 0; i < STREAM_SENT; i++) {
		const struct stream_sent *e = &h->sent[i];

		if (e->o_seq == e->o_end)
			continue;
		if (e->n_end == p)
			return e->o_end;
		if (e->n_seq == p)
			return e->o_seq;
	}
	return seqmap_to_orig(&h->map, p, up);
}

/* The acknowledgement and SACK blocks of g (about the other direction's
 * stream, in its new numbering) in the sender's original numbering; the
 * other direction's kept bytes well before the acknowledgement are
 * dropped (the last HIST_ACKED stay: a segment sent again because its ACK
 * was lost must reach the receiver with data, or no ACK comes back). */
#define HIST_ACKED 8192

static uint32_t map_ack(struct stream_conn *c, enum stream_dir_id dir,
			const struct tcpseg *g, uint32_t sack[][2],
			bool *sack_ok)
{
	struct stream_half *o = &c->h[!dir];
	uint32_t keep = g->ack - HIST_ACKED;
	unsigned i;

	*sack_ok = true;
	for (i = 0; i < g->n_sack; i++) {
		sack[i][0] = edge_to_orig(o, g->sack[i][0], true);
		sack[i][1] = edge_to_orig(o, g->sack[i][1], false);
		if (!seq_before(sack[i][0], sack[i][1]))
			*sack_ok = false;
	}
	if (!(g->flags & TCPSEG_ACK))
		return g->ack;
	if (seq_before(o->hist_seq, keep) && !seq_before(o->emit, g->ack)) {
		buf_consume(&o->hist, keep - o->hist_seq);
		o->hist_seq = keep;
	}
	return edge_to_orig(o, g->ack, false);
}

/* Send packet d (parsed as g) with sequence seq and payload pl[0..n):
 * unchanged when nothing differs. */
static void emit_seg(struct streams *s, struct stream_conn *c,
		     enum stream_dir_id dir, uint32_t id, const uint8_t *d,
		     const struct tcpseg *g, uint32_t seq, const char *pl,
		     uint32_t n)
{
	struct stream_half *h = &c->h[dir];
	uint32_t sack[TCPSEG_MAX_SACK][2];
	bool sack_ok;
	uint32_t ack = map_ack(c, dir, g, sack, &sack_ok);
	struct tcpseg ng = *g;
	long len;

	if (g->ts_at && h->ts_seen && seq_before(g->tsval, h->ts_max))
		ng.tsval = h->ts_max;
	if (g->ts_at) {
		h->ts_max = ng.tsval;
		h->ts_seen = true;
	}
	if (seq == g->seq && ack == g->ack && sack_ok && ng.tsval == g->tsval &&
	    !memcmp(sack, g->sack, sizeof(sack[0]) * g->n_sack) &&
	    n == g->plen && (!n || !memcmp(pl, g->payload, n))) {
		emit_as_is(s, id, d, g->hdr_len + g->plen);
		return;
	}
	len = tcpseg_build(d, &ng, seq, ack,
			   sack_ok ? (const uint32_t(*)[2])sack : NULL, pl, n,
			   s->pkt, sizeof(s->pkt));
	if (len < 0) {
		emit_drop(s, id, d, g->hdr_len + g->plen,
			  "TCP segment too large after rewriting");
		return;
	}
	s->ops.emit(s->ops.ctx, id, s->pkt, (uint32_t)len, STREAM_MANGLED);
}

/* --- holding and releasing ----------------------------------------------- */

static int hold(struct stream_half *h, uint32_t id, const uint8_t *d,
		uint32_t len, uint32_t plen, uint64_t now)
{
	struct stream_held *x;

	if (h->n_held == STREAM_HELD)
		return -1;
	x = &h->held[h->n_held];
	x->pkt = malloc(len);
	if (!x->pkt)
		return -1;
	memcpy(x->pkt, d, len);
	x->id = id;
	x->len = len;
	x->end = h->next;
	x->plen = plen;
	x->at = now;
	h->n_held++;
	return 0;
}

/* Release held segment 0 carrying the next k new bytes. */
static void release_one(struct streams *s, struct stream_conn *c,
			enum stream_dir_id dir, uint32_t k)
{
	struct stream_half *h = &c->h[dir];
	struct stream_held *x = &h->held[0];
	struct tcpseg g;

	if (tcpseg_parse(x->pkt, x->len, &g))
		emit_drop(s, x->id, x->pkt, x->len,
			  "TCP segment unparsable");	/* cannot be */
	else
		emit_seg(s, c, dir, x->id, x->pkt, &g, h->emit, h->out.p, k);
	/* Kept for retransmissions; a full history loses its oldest. */
	if (buf_append(&h->hist, h->out.p, k, s->lim.hist_max) < 0) {
		buf_consume(&h->hist, h->hist.len);
		h->hist_seq = h->emit;
		if (buf_append(&h->hist, h->out.p, k, s->lim.hist_max) < 0)
			h->hist_seq = h->emit + k;
	}
	h->sent[h->sent_at] = (struct stream_sent){ x->end - x->plen, x->end,
						    h->emit, h->emit + k };
	h->sent_at = (h->sent_at + 1) % STREAM_SENT;
	h->emit += k;
	buf_consume(&h->out, k);
	free(x->pkt);
	memmove(h->held, h->held + 1, sizeof(h->held[0]) * --h->n_held);
}

/* Release every held segment whose original bytes are all decided: each
 * carries as many new bytes as it brought, the last one the rest (the
 * growth of the messages it ends). */
static void release(struct streams *s, struct stream_conn *c,
		    enum stream_dir_id dir)
{
	struct stream_half *h = &c->h[dir];

	while (h->n_held && !seq_before(h->in_seq, h->held[0].end)) {
		uint32_t k = h->out.len;

		if (h->n_held > 1 || h->in.len)
			k = h->held[0].plen < k ? h->held[0].plen : k;
		release_one(s, c, dir, k);
	}
}

/* Original bytes in[0..n) become new bytes p[0..nl). */
static void decide(struct streams *s, struct stream_half *h, uint32_t n,
		   const char *p, uint32_t nl)
{
	uint32_t n_start = h->emit + h->out.len;

	if (buf_append(&h->out, p, nl, s->lim.max_msg + OUT_SLACK) < 0) {
		/* cannot be: out never exceeds what the held segments
		 * brought plus growth; pass the original rather than lose
		 * bytes */
		p = h->in.p;
		nl = n;
		buf_append(&h->out, p, nl, UINT32_MAX / 2);
	}
	if (nl != n)
		seqmap_add(&h->map, h->in_seq, h->in_seq + n, n_start,
			   n_start + nl);
	buf_consume(&h->in, n);
	h->in_seq += n;
}

/* Stop rewriting c: what it holds goes out as it is, later packets keep
 * the offsets made so far. */
static void settle(struct streams *s, struct stream_conn *c)
{
	int d;

	for (d = 0; d < 2; d++) {
		struct stream_half *h = &c->h[d];

		if (h->in.len)
			decide(s, h, h->in.len, h->in.p, h->in.len);
		release(s, c, (enum stream_dir_id)d);
		c->pass_from[d] = h->next;
		buf_free(&h->in);
		buf_free(&h->out);
	}
	c->pass = true;
}

/* Tell the shell that the connection of g (or c) needs no queueing. */
static void bypass(struct streams *s, int family, const union addr *in,
		   uint16_t in_port, const union addr *out, uint16_t out_port)
{
	if (s->ops.bypass)
		s->ops.bypass(s->ops.ctx, family, in, in_port, out, out_port);
}

static void give_up(struct streams *s, struct stream_conn *c, const char *why)
{
	s->ops.count(s->ops.ctx, why);
	s->st.gave_up++;
	settle(s, c);
	/* Nothing of it ever changed: its segments may pass without the
	 * daemon (only SIP connections are worth queueing). */
	if (!c->changed && !c->h[0].map.n && !c->h[1].map.n &&
	    !c->h[0].map.base && !c->h[1].map.base)
		bypass(s, c->family, &c->in_addr, c->in_port, &c->out_addr,
		       c->out_port);
}

static void not_followed(struct streams *s, const struct tcpseg *g,
			 enum stream_dir_id dir, const char *why)
{
	const union addr *in, *out;
	uint16_t ip, op;

	s->ops.count(s->ops.ctx, why);
	seg_ends(g, dir, &in, &ip, &out, &op);
	bypass(s, g->family, in, ip, out, op);
}

static void conn_free(struct streams *s, struct stream_conn *c)
{
	struct tcpseg g = { .src = c->in_addr, .dst = c->out_addr,
			    .sport = c->in_port, .dport = c->out_port };
	struct stream_conn **pp = conn_slot(s, &g, STREAM_OUT);
	int d;

	if (!c->pass)
		settle(s, c);
	if (*pp == c)
		*pp = c->next;
	for (d = 0; d < 2; d++)
		buf_free(&c->h[d].hist);
	free(c);
	s->st.conns--;
}

/* --- framing ------------------------------------------------------------- */

static void frame_one(struct streams *s, struct stream_conn *c,
		      enum stream_dir_id dir, uint32_t n)
{
	struct stream_half *h = &c->h[dir];
	long nl = s->ops.msg(s->ops.ctx, c, dir, h->in.p, n, s->scratch,
			     sizeof(s->scratch));

	s->st.messages++;
	if (nl < 0) {
		decide(s, h, n, h->in.p, n);
		return;
	}
	s->st.rewritten++;
	c->changed = true;
	decide(s, h, n, s->scratch, (uint32_t)nl);
}

/* Decide every complete message and keep-alive in h->in.  -1: gave up. */
static int frame_all(struct streams *s, struct stream_conn *c,
		     enum stream_dir_id dir)
{
	struct stream_half *h = &c->h[dir];

	while (h->in.len) {
		enum frame_kind k;
		uint32_t n;

		k = frame_next(h->in.p, h->in.len, s->lim.max_msg, &n);
		if (k == FRAME_CRLF) {
			decide(s, h, n, h->in.p, n);
			continue;
		}
		/* SIP is parsed only when the stream's first line is a SIP
		 * start line: an HTTP request to the port whose body holds a
		 * REGISTER (NAT Slipstreaming) is not SIP. */
		if (!h->checked) {
			int r = frame_sip_start(h->in.p, h->in.len);

			if (r < 0)
				return 0;
			if (r == 0) {
				give_up(s, c, "TCP stream is not SIP");
				return -1;
			}
			h->checked = true;
		}
		if (k == FRAME_PARTIAL)
			return 0;
		if (k == FRAME_BAD) {
			give_up(s, c, "SIP over TCP cannot be framed");
			return -1;
		}
		frame_one(s, c, dir, n);
	}
	return 0;
}

/* --- segments ------------------------------------------------------------ */

/* Original bytes [g->seq, end) sent again: the bytes released for them
 * the first time (rounded out to whole rewritten messages), never bytes
 * not released yet. */
static void retransmit(struct streams *s, struct stream_conn *c,
		       enum stream_dir_id dir, uint32_t id, const uint8_t *d,
		       const struct tcpseg *g, uint32_t end)
{
	struct stream_half *h = &c->h[dir];
	uint32_t ns = seqmap_to_new(&h->map, g->seq, false);
	uint32_t ne = seqmap_to_new(&h->map, end, true);
	unsigned i;

	for (i = 0; i < STREAM_SENT; i++)
		if (h->sent[i].o_seq == g->seq && h->sent[i].o_end == end &&
		    h->sent[i].o_seq != h->sent[i].o_end) {
			ns = h->sent[i].n_seq;
			ne = h->sent[i].n_end;
			break;
		}

	if (seq_before(h->emit, ne))
		ne = h->emit;
	if (seq_before(ns, h->hist_seq))
		ns = h->hist_seq;
	if (seq_before(ne, ns))
		ns = ne;
	/* hist ends at emit: [ns, ne) lies in it */
	s->st.retrans++;
	emit_seg(s, c, dir, id, d, g, ns,
		 ne != ns ? h->hist.p + (ns - h->hist_seq) : NULL, ne - ns);
}

/* A connection given up on: sequence offsets only. */
static void pass_seg(struct streams *s, struct stream_conn *c,
		     enum stream_dir_id dir, uint32_t id, const uint8_t *d,
		     const struct tcpseg *g)
{
	struct stream_half *h = &c->h[dir];
	uint32_t from = c->pass_from[dir];

	if (g->plen && seq_before(g->seq, from)) {
		uint32_t end = g->seq + g->plen;

		retransmit(s, c, dir, id, d, g, seq_before(from, end) ? from
								     : end);
		return;
	}
	emit_seg(s, c, dir, id, d, g, seqmap_to_new(&h->map, g->seq, false),
		 (const char *)g->payload, g->plen);
}

/* No payload: an ACK, a FIN, a window update, a keep-alive probe. */
static void bare_seg(struct streams *s, struct stream_conn *c,
		     enum stream_dir_id dir, uint32_t id, const uint8_t *d,
		     const struct tcpseg *g)
{
	struct stream_half *h = &c->h[dir];
	uint32_t seq = g->seq == h->next ? h->emit
					  : seqmap_to_new(&h->map, g->seq, false);

	emit_seg(s, c, dir, id, d, g, seq, NULL, 0);
}

static void data_seg(struct streams *s, struct stream_conn *c,
		     enum stream_dir_id dir, uint32_t id, const uint8_t *d,
		     uint32_t len, const struct tcpseg *g, uint64_t now)
{
	struct stream_half *h = &c->h[dir];
	uint32_t end = g->seq + g->plen, off = 0;

	if (seq_before(g->seq, h->next)) {
		if (!seq_before(h->next, end)) {
			retransmit(s, c, dir, id, d, g, end);
			return;
		}
		off = h->next - g->seq;	/* old bytes, then new ones */
	} else if (g->seq != h->next) {
		/* A gap: a segment before it was lost on the way here.
		 * Holding it would need reordering; the sender sends it
		 * again after the lost one. */
		emit_drop(s, id, d, len, "TCP segment out of order (dropped)");
		return;
	}
	if (buf_append(&h->in, g->payload + off, g->plen - off,
		       2 * s->lim.max_msg) < 0) {
		give_up(s, c, "SIP over TCP: reassembly buffer full");
		pass_seg(s, c, dir, id, d, g);
		return;
	}
	h->next = end;
	if (hold(h, id, d, len, g->plen - off, now) < 0) {
		h->in.len -= g->plen - off;
		h->next = g->seq + off;
		give_up(s, c, "SIP over TCP: too many segments held");
		pass_seg(s, c, dir, id, d, g);
		return;
	}
	s->st.held++;
	if (frame_all(s, c, dir) == 0)
		release(s, c, dir);
}

static void syn_seg(struct streams *s, struct stream_conn *c,
		    enum stream_dir_id dir, uint32_t id, const uint8_t *d,
		    uint32_t len, const struct tcpseg *g, uint64_t now)
{
	struct stream_half *h;

	if (!(g->flags & TCPSEG_ACK)) {
		if (c && c->h[dir].isn_known && c->h[dir].next == g->seq + 1) {
			emit_as_is(s, id, d, len);	/* the SYN again */
			return;
		}
		if (c)
			conn_free(s, c);	/* the tuple is reused */
		c = conn_new(s, g, dir, now);
		if (!c) {
			not_followed(s, g, dir, "TCP connection limit");
			emit_as_is(s, id, d, len);
			return;
		}
	} else if (!c) {
		not_followed(s, g, dir, "TCP stream not seen from its start");
		emit_as_is(s, id, d, len);
		return;
	}
	h = &c->h[dir];
	if (!h->isn_known)
		half_start(h, g->seq);
	c->last = now;
	if (g->plen)	/* TCP Fast Open data: not followed */
		give_up(s, c, "TCP data on a SYN");
	emit_as_is(s, id, d, len);
}

void stream_packet(struct streams *s, uint32_t id, const uint8_t *data,
		   uint32_t len, enum stream_dir_id dir, uint64_t now)
{
	struct stream_conn *c;
	struct tcpseg g;

	if (tcpseg_parse(data, len, &g)) {
		s->ops.count(s->ops.ctx, "TCP segment unparsable");
		emit_as_is(s, id, data, len);
		return;
	}
	c = *conn_slot(s, &g, dir);
	if (g.flags & TCPSEG_SYN) {
		syn_seg(s, c, dir, id, data, len, &g, now);
		return;
	}
	if (!c) {
		not_followed(s, &g, dir, "TCP stream not seen from its start");
		emit_as_is(s, id, data, len);
		return;
	}
	c->last = now;
	if (!c->h[dir].isn_known && !c->pass)
		give_up(s, c, "TCP stream not seen from its start");
	if ((g.flags & TCPSEG_RST) && !c->pass)
		settle(s, c);
	if (c->pass)
		pass_seg(s, c, dir, id, data, &g);
	else if (g.plen)
		data_seg(s, c, dir, id, data, len, &g, now);
	else if ((g.flags & TCPSEG_FIN) && c->h[dir].n_held) {
		give_up(s, c, "TCP FIN inside a SIP message");
		pass_seg(s, c, dir, id, data, &g);
	} else
		bare_seg(s, c, dir, id, data, &g);
	if (g.flags & TCPSEG_FIN)
		c->h[dir].fin = true;
	if (!c->pass && c->h[dir].fin && c->h[dir].in.len)
		give_up(s, c, "TCP FIN inside a SIP message");
	if ((g.flags & TCPSEG_RST) || (c->h[0].fin && c->h[1].fin))
		if (!c->closing)
			c->closing = now;
}

/* --- housekeeping -------------------------------------------------------- */

static bool held_too_long(const struct streams *s, const struct stream_conn *c,
			  uint64_t now)
{
	int d;

	for (d = 0; d < 2; d++)
		if (c->h[d].n_held &&
		    now - c->h[d].held[0].at >= s->lim.hold_max)
			return true;
	return false;
}

void stream_tick(struct streams *s, uint64_t now)
{
	unsigned i;

	for (i = 0; i < HASH_SIZE; i++) {
		struct stream_conn *c = s->hash[i], *next;

		for (; c; c = next) {
			next = c->next;
			if (!c->pass && held_too_long(s, c, now))
				give_up(s, c, "SIP message over TCP "
					      "incomplete for too long");
			if ((c->closing && now - c->closing >= CLOSED_LINGER) ||
			    now - c->last >= s->lim.idle) {
				s->st.expired++;
				conn_free(s, c);
			}
		}
	}
}

struct streams *stream_new(const struct stream_limits *lim,
			   const struct stream_ops *ops)
{
	struct streams *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->lim = *lim;
	s->ops = *ops;
	return s;
}

void stream_free(struct streams *s)
{
	unsigned i;

	if (!s)
		return;
	for (i = 0; i < HASH_SIZE; i++)
		while (s->hash[i])
			conn_free(s, s->hash[i]);
	free(s);
}

void stream_set_limits(struct streams *s, const struct stream_limits *lim)
{
	uint32_t seed = s->lim.seed;	/* the table is hashed with it */

	s->lim = *lim;
	s->lim.seed = seed;
}

void stream_stats(const struct streams *s, struct stream_stats *st)
{
	*st = s->st;
}
